"""Pages mapped on worker processes: the envelopes travel packed, one list per field,
and come back as the table the parent would have built itself."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime

from tests.support.builders import EXAMPLES
from unioncat.contracts import RawEnvelope
from unioncat.convert import _chunks
from unioncat.parallel import MapPool, map_page, pack, unpack


def _envelopes() -> list[RawEnvelope]:
    fetched = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    plain = RawEnvelope("s", "f#1", "marc", b"\x00\xff bytes", fetched)
    full = RawEnvelope(
        "other", "oai:x:2", "marcxml", b"<record/>", datetime(2025, 1, 2, tzinfo=UTC),
        datestamp="2025-01-02", deleted=True, batch="page-7", position=41,
        error="not a record", record_id="oai:x:2",
    )  # fmt: skip
    return [plain, full, dataclasses.replace(plain, envelope_id="f#3", payload=b"")]


def test_packed_envelopes_come_back_field_by_field() -> None:
    envelopes = _envelopes()
    full = envelopes[1]
    # every field of the contract is set away from its default somewhere, so a field
    # added to RawEnvelope and left out of the packing would fail here
    for f in dataclasses.fields(RawEnvelope):
        if f.default is not dataclasses.MISSING:
            assert getattr(full, f.name) != f.default, f.name
    back = unpack(pickle.loads(pickle.dumps(pack(envelopes), protocol=5)))
    assert back == envelopes
    assert [type(e) for e in back] == [RawEnvelope] * 3
    assert unpack(pack([])) == []


def test_a_page_mapped_by_a_worker_is_the_page_mapped_in_process() -> None:
    page = [e for chunk in _chunks([str(EXAMPLES / "marc" / "print-books.mrc")], "marc")
            for e in chunk]  # fmt: skip
    page.append(dataclasses.replace(page[0], envelope_id="broken#1", payload=b"00042nam"))
    here = map_page(page, "marc", True)
    with MapPool(2, min_parallel=1) as pool:
        there = pool.submit(page, "marc", for_catalog=True).result()
        assert pool._executor is not None  # it ran on a worker, not in this process
    assert there.table.equals(here.table)
    assert there.status == here.status
    assert [(q.envelope, q.reason) for q in there.quarantined] == [
        (q.envelope, q.reason) for q in here.quarantined
    ]
    assert there.quarantined and there.status["broken#1"] == "quarantined"
