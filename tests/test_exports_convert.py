"""`unioncat convert` on every export sample: each record a row or a quarantine line with
its reason, its position and its bytes, and the exit code saying which."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from unioncat.framing import frame_file, open_maybe_gzip

Cli = Callable[..., tuple[int, str, str]]
OWN = Path(__file__).resolve().parent / "support" / "exports"
# format: the sample files, under ../shared/data/vendor or (own:) the tests' own
SAMPLES = {
    "medline": ["own:pubmed.nbib"],
    "wos": ["wos/WoS_other_reference_software_r4001-4012.txt"],
    "noteexpress": [f"cnki/{n}.net" for n in (
        "ChineseColon", "Classic5Test", "CoverAllTest15Entries", "LotsOfEnglish", "mixed",
        "withLineBreakInAddress",
    )],
    "estudy": ["own:cnki.estudy.txt"],
}  # fmt: skip


def _path(shared: Path, name: str) -> Path:
    return OWN / name[4:] if name.startswith("own:") else shared / "vendor" / name


def _frames(path: Path, fmt: str) -> int:
    with path.open("rb") as f:
        _wire, frames = frame_file(open_maybe_gzip(f), fmt)
        return sum(1 for _ in frames)


@pytest.mark.parametrize(
    ("fmt", "name"), [(fmt, name) for fmt, names in SAMPLES.items() for name in names]
)
def test_convert_reads_every_sample_whole(
    shared_data: Path, cli: Cli, tmp_path: Path, fmt: str, name: str
) -> None:
    path = _path(shared_data, name)
    out = tmp_path / "out.parquet"
    code, stdout, _err = cli("convert", str(path), "--format", fmt, "-o", str(out))
    assert code == 0, stdout
    rows = pq.read_table(out).num_rows
    assert rows == _frames(path, fmt) > 0
    assert not out.with_name(out.name + ".quarantine.jsonl").exists()


def test_a_broken_export_lands_its_good_records_and_exits_1(cli: Cli, tmp_path: Path) -> None:
    good = (OWN / "cnki.estudy.txt").read_text(encoding="utf-8")
    cut = good.index("DataType", 10)
    odd = "DataType: 1\nTitle-题名: 图书馆\n\n".encode("gb18030")
    path = tmp_path / "mixed.txt"
    path.write_bytes(good[:cut].encode() + odd + b"DataType: 1\nYear-\xe5\xb9\xb4: 2001\n\n"
                     + good[cut:].encode())  # fmt: skip
    out = tmp_path / "out.jsonl"
    code, stdout, _err = cli("convert", str(path), "--format", "estudy", "-o", str(out))
    assert code == 1, stdout
    assert len(out.read_text(encoding="utf-8").splitlines()) == 6
    lines = (tmp_path / "out.jsonl.quarantine.jsonl").read_text(encoding="utf-8").splitlines()
    quarantined = [json.loads(x) for x in lines]
    assert len(quarantined) == 2
    reasons = " | ".join(q["reason"] for q in quarantined)
    assert "not valid UTF-8" in reasons and "line 16" in reasons and "without a title" in reasons
    assert [q["position"] for q in quarantined] == [1, 2]
    assert all(q["raw_hex"] and q["input"] == str(path) for q in quarantined)


def test_many_quarantined_records_are_summed_up_on_stderr(cli: Cli, tmp_path: Path) -> None:
    from unioncat.commands import CONVERT_QUARANTINE_SHOWN

    bad = "DataType: 1\nAuthor-作者: 无名;\n\n" * (CONVERT_QUARANTINE_SHOWN + 7)
    good = (OWN / "cnki.estudy.txt").read_text(encoding="utf-8")
    path = tmp_path / "many.txt"
    path.write_text(good + "\n" + bad, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _stdout, err = cli("convert", str(path), "--format", "estudy", "-o", str(out))
    assert code == 1
    events = [json.loads(x) for x in err.splitlines() if x.startswith("{")]
    shown = [e for e in events if e["event"] == "convert.quarantined"]
    assert len(shown) == CONVERT_QUARANTINE_SHOWN
    assert all("without a title" in e["reason"] for e in shown)
    (more,) = [e for e in events if e["event"] == "convert.quarantined_more"]
    assert more["more"] == 7 and "... and 7 more quarantined record(s)" in more["msg"]
    lines = (tmp_path / "out.jsonl.quarantine.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == CONVERT_QUARANTINE_SHOWN + 7
