"""The forms MARC 21 files come in, each a framer of the ``marc`` format.

ISO 2709 is the primary form: a file that looks like none of them is read as ISO 2709,
whose error then says so.  MARCXML files may also be OAI-PMH responses saved to disk
(each OAI ``<record>`` is framed whole, header and all).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from unioncat.framing import Frame, register_framer
from unioncat.framing.iso2709 import iter_iso2709, looks_like_iso2709
from unioncat.framing.json import iter_json_objects, looks_like_json
from unioncat.framing.text import iter_line_blocks
from unioncat.framing.xml import XmlRecords, looks_like_xml
from unioncat.xmlsafe import MARCXML_NS

MARCXML = XmlRecords(
    targets=frozenset({f"{{{MARCXML_NS}}}record", "record"}),
    local="record",
    label="MARC 21 <record>",
    expect=(
        f"MARC 21 records are <record> elements in namespace '{MARCXML_NS}' or in no namespace"
    ),
    containers=frozenset({("collection", MARCXML_NS), ("collection", None)}),
)
_MRK_LEADER = re.compile(rb"=LDR  ")


def _looks_like_mrk(head: bytes) -> bool:
    return head.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"=LDR")


def _mrk_blocks(stream: IO[bytes]) -> Iterator[Frame]:
    return iter_line_blocks(stream, _MRK_LEADER, "MARCMaker record (a line starting =LDR)")


register_framer("marc21", sniff=looks_like_iso2709, description="ISO 2709 (binary MARC, .mrc)")(
    iter_iso2709
)
register_framer("marcxml", sniff=looks_like_xml, description="MARCXML (a collection, a record, "
                "or an OAI-PMH response)")(MARCXML)  # fmt: skip
register_framer("marc-json", sniff=looks_like_json, description="MARC-in-JSON")(iter_json_objects)
register_framer("marc-mrk", sniff=_looks_like_mrk, description="MARCMaker mnemonic (.mrk)")(
    _mrk_blocks
)
MARC_FRAMERS = ("marc21", "marcxml", "marc-json", "marc-mrk")
