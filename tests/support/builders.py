"""What tests build for themselves: MARC records, pipeline files, the CLI as a process,
and where the real data of ``../shared/data`` is (read, never copied)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pymarc import Field, Leader, Record, Subfield

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = ROOT.parent / "shared" / "data"
EXAMPLES = ROOT / "examples"


def marc_record(
    control: str = "rec-1",
    title: str = "A title",
    leader: str = "00000cam a2200000 a 4500",
    f008: str = "190415s2019    enk           000 0 eng d",
    fields: list[tuple[str, str, list[str]]] | None = None,
) -> Record:
    """A small MARC record; ``fields`` are (tag, indicators, [code, value, ...])."""
    r = Record(force_utf8=True)
    r.leader = Leader(leader)
    r.add_field(Field(tag="001", data=control))
    r.add_field(Field(tag="008", data=f008))
    r.add_field(Field(tag="245", indicators=["1", "0"], subfields=[Subfield("a", title)]))
    for tag, ind, subs in fields or []:
        r.add_field(
            Field(
                tag=tag,
                indicators=[ind[0], ind[1]],
                subfields=[Subfield(subs[i], subs[i + 1]) for i in range(0, len(subs), 2)],
            )
        )
    return r


def iso2709(
    fields: list[tuple[str, bytes]], leader: bytes = b"cam a22", tail: bytes = b" a 4500"
) -> bytes:
    """An ISO 2709 record from raw field bodies (each ends with 0x1E here), for damage
    pymarc's builder cannot write: missing indicators, odd subfield codes, MARC-8."""
    directory = b""
    body = b""
    for tag, data in fields:
        data += b"\x1e"
        directory += tag.encode() + b"%04d%05d" % (len(data), len(body))
        body += data
    base = 24 + len(directory) + 1
    length = base + len(body) + 1
    head = b"%05d" % length + leader + b"%05d" % base + tail
    assert len(head) == 24, head
    return head + directory + b"\x1e" + body + b"\x1d"


def write_marc(path: Path, records: list[Record]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(r.as_marc() for r in records))
    return path


def write_pipeline(folder: Path, sources: list[dict[str, object]], **top: object) -> Path:
    import yaml

    doc = {"catalog": "catalog.duckdb", "export": "export", **top, "sources": sources}
    path = folder / "pipelines.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def unioncat_process(*args: str, cwd: Path | None = None, **kw: object) -> subprocess.Popen[str]:
    """The CLI as a real process (for locks and SIGKILL)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(
        [sys.executable, "-m", "unioncat.cli", *args],
        cwd=cwd,
        env=env,
        text=True,
        **kw,  # type: ignore[call-overload]
    )


def read_as(fmt: str, blob: bytes, batch: str | None = None) -> tuple[list[Any], list[str]]:
    """Frame ``blob`` and map each frame as ``convert`` does, in this process: the
    records, and the reasons of the frames and records that failed."""
    import io
    from datetime import UTC, datetime

    import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
    from unioncat.contracts import RawEnvelope
    from unioncat.errors import RecordError
    from unioncat.framing import frame_file
    from unioncat.normalize import NORMALIZERS

    wire, frames = frame_file(io.BytesIO(blob), fmt)
    records: list[Any] = []
    failed: list[str] = []
    for f in frames:
        if f.error:
            failed.append(f.error)
            continue
        env = RawEnvelope(fmt, f"{batch or 'file'}#{f.position}", wire, f.payload,
                          datetime.now(UTC), batch=batch)  # fmt: skip
        try:
            records += NORMALIZERS[fmt](env)
        except RecordError as exc:
            failed.append(str(exc))
    return records, failed
