"""Which module of this package holds each format: the registry's one line per format.

Importing a format's module registers its normalizer, its framers and its settings
(``normalize.base.register``).  Formats are loaded when first asked for, so a pipeline
of MARC files never imports rdflib for BIBFRAME, and ``unioncat status`` pays for none
of them; :func:`load_all` is for whoever needs every format (``convert``'s list, tests).
"""

from __future__ import annotations

import importlib

# format name -> module of unioncat.normalize that registers it
MODULES: dict[str, str] = {
    "bibframe": "bibframe",
    "bibtex": "bibtex",
    "crossref": "crossref",
    "estudy": "estudy",
    "jats": "jats",
    "jsonld": "jsonld",
    "kbart": "kbart",
    "marc": "marc",
    "medline": "medline",
    "mods": "mods",
    "noteexpress": "noteexpress",
    "oai_dc": "oai_dc",
    "onix": "onix",
    "ris": "ris",
    "wos": "wos",
}
# format name -> module that registers its checker (``convert --check``)
CHECK_MODULES: dict[str, str] = {"kbart": "kbart_check"}


def load(fmt: str) -> bool:
    """Import the module of ``fmt``; False for a name no module has."""
    return _import(MODULES, fmt)


def load_check(fmt: str) -> bool:
    """Import the module of ``fmt``'s checker: only ``convert --check`` asks for one, so
    reading a pipeline that names the format does not load it."""
    return _import(CHECK_MODULES, fmt)


def _import(table: dict[str, str], fmt: str) -> bool:
    if fmt not in table:
        return False
    importlib.import_module(f"unioncat.normalize.{table[fmt]}")
    return True


def load_all() -> None:
    for fmt in sorted(MODULES.keys() | CHECK_MODULES.keys()):
        load(fmt)
        load_check(fmt)
