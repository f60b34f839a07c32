"""Which module of this package holds each source kind: one line per kind.

A kind's module registers its harvester when imported (``harvest.base.register``); the
registry loads it when the kind is first asked for, so a pipeline of files never
imports the HTTP clients of OAI-PMH and Crossref.
"""

from __future__ import annotations

import importlib

# source kind -> module of unioncat.harvest that registers it
MODULES: dict[str, str] = {"crossref": "crossref", "files": "files", "oai-pmh": "oai"}


def load(kind: str) -> bool:
    if kind not in MODULES:
        return False
    importlib.import_module(f"unioncat.harvest.{MODULES[kind]}")
    return True


def load_all() -> None:
    for kind in sorted(MODULES):
        load(kind)
