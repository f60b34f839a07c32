"""Framing speed against pymarc's reader, and framing time as files grow.

(a) The Library of Congress file (see bench/marc_bench.py for where to get it): records
    cut out by unioncat's ISO 2709 framer, against pymarc's ``MARCReader`` walking the
    same records (it also parses each one, so the ratio is an upper bound on what
    framing costs next to reading).
(b) Bytes with no record terminator at all, 12 MB and 96 MB: one error frame each, in
    time that grows with the size (a quadratic search once took 8 s for 96 MB).
"""

from __future__ import annotations

import argparse
import io
import os
import time
from pathlib import Path

from pymarc import MARCReader

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from unioncat.framing import frame_file

DEFAULT_FILE = "/tmp/pymarc-sdist/pymarc-5.4.0/BooksAll.2016.part01.utf8"


def _time(fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    n = fn()
    return n, time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--file", default=os.environ.get("UNIONCAT_LOC_FILE", DEFAULT_FILE))
    args = ap.parse_args()
    path = Path(args.file)
    if path.exists():

        def ours() -> int:
            with path.open("rb") as f:
                return sum(1 for _ in frame_file(f, "marc")[1])

        def pymarc() -> int:
            with path.open("rb") as f:
                return sum(1 for _ in MARCReader(f, to_unicode=False))

        n_ours, t_ours = _time(ours)
        n_theirs, t_theirs = _time(pymarc)
        for name, n, t in (
            ("unioncat framing", n_ours, t_ours),
            ("pymarc MARCReader", n_theirs, t_theirs),
        ):
            print(f"{name:18} {n:8d} records  {t:6.2f} s  {n / t:9.0f} rec/s")
        print(f"unioncat framing / pymarc reading: {t_theirs / t_ours:.1f}x")
    else:
        print(f"skipping (a): {path} is absent (see bench/marc_bench.py)")
    times = {}
    for mb in (12, 96):
        blob = b"abcdefgh" * (mb << 17)

        def frame(blob: bytes = blob) -> int:
            return sum(1 for _ in frame_file(io.BytesIO(blob), "marc")[1])

        frames, times[mb] = _time(frame)
        print(f"no terminator, {mb:3d} MB: {frames} frame in {times[mb]:.2f} s")
    print(f"96 MB / 12 MB time: {times[96] / times[12]:.1f}x for 8x the bytes")


if __name__ == "__main__":
    main()
