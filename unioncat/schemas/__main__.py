"""Regenerate the published JSON Schema: ``python -m unioncat.schemas``."""

from __future__ import annotations

import json
from pathlib import Path

from unioncat.schemas.generate import json_schema
from unioncat.schemas.record import SCHEMA_MAJOR

SCHEMA_FILE = Path(__file__).with_name(f"record-v{SCHEMA_MAJOR}.schema.json")


def render() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
