"""Off a terminal every line on stderr is one JSON object: from the run, from its
worker processes, and from libraries that write to stderr on their own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.builders import iso2709, marc_record


def _noisy_records(n: int) -> bytes:
    """Records that make pymarc log (missing indicators, odd subfield codes), among good
    ones: pymarc's own logger, not unioncat's, speaks for these."""
    out = []
    for i in range(n):
        if i % 3 == 0:
            out.append(marc_record(control=f"ok{i}", title=f"Fine {i}").as_marc())
            continue
        fields = [("001", f"n{i}".encode()), ("245", b"\x1faNo indicators %d" % i)]
        if i % 3 == 2:
            fields.append(("500", b"  \x1f\x1fdouble delimiter"))
        out.append(iso2709(fields))
    out.append(b"0004x" + out[0][5:])  # one broken leader: convert reports it
    return b"".join(out)


def _assert_json_lines(text: str) -> list[dict[str, object]]:
    lines = [line for line in text.splitlines() if line.strip()]
    objects = []
    for line in lines:
        try:
            objects.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"not JSON on stderr: {line[:200]!r}") from None
    return objects


def test_convert_with_two_workers_writes_only_json_to_stderr(tmp_path: Path) -> None:
    (tmp_path / "noisy.mrc").write_bytes(_noisy_records(2000))
    out = tmp_path / "out.parquet"
    done = subprocess.run(
        [sys.executable, "-m", "unioncat.cli", "convert", str(tmp_path / "noisy.mrc"),
         "--format", "marc", "-o", str(out), "--workers", "2"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert out.exists()
    objects = _assert_json_lines(done.stderr)
    assert [o["event"] for o in objects if o.get("event") == "convert.quarantined"] == [
        "convert.quarantined"
    ]


def test_messages_a_command_ends_with_are_json_too(tmp_path: Path) -> None:
    (tmp_path / "pipelines.yaml").write_text("sources: [{name: x, kind: ftp}]\n")
    done = subprocess.run(
        [sys.executable, "-m", "unioncat.cli", "--config", str(tmp_path / "pipelines.yaml"),
         "run"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    (error,) = _assert_json_lines(done.stderr)
    assert error["event"] == "error" and "unknown kind 'ftp'" in str(error["msg"])
    assert error["exit_code"] == 2


def test_stray_writes_and_warnings_become_json_objects(tmp_path: Path) -> None:
    script = (
        "import sys, warnings\n"
        "from unioncat.log import setup_logging\n"
        "setup_logging(json_lines=True)\n"
        "print('a library talking', file=sys.stderr)\n"
        "sys.stderr.write('two lines\\nat once\\n')\n"
        'sys.stderr.write(\'{"already": "json"}\\n\')\n'
        "warnings.warn('deprecated thing')\n"
        "raise RuntimeError('boom')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 1
    objects = _assert_json_lines(done.stderr)
    msgs = [str(o.get("msg", "")) for o in objects]
    assert msgs[:3] == ["a library talking", "two lines", "at once"]
    assert {"already": "json"} in objects
    assert any("deprecated thing" in m for m in msgs)
    (crash,) = [o for o in objects if o.get("event") == "crash"]
    assert "RuntimeError: boom" in str(crash["msg"]) and "Traceback" in str(crash["traceback"])


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_bytes().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_workers_end_when_the_run_is_killed_so_its_output_closes(tmp_path: Path) -> None:
    """A supervisor that reads the run's output before reaping it (``communicate``)
    must see the output end after a SIGKILL: a zombie run is a dead run."""
    import signal
    import time

    if not Path("/proc/self/stat").exists():
        import pytest

        pytest.skip("needs /proc to find the worker processes")
    recs = [marc_record(control=f"k{i}", title=f"Killed run {i}").as_marc() for i in range(3000)]
    (tmp_path / "big.mrc").write_bytes(b"".join(recs) * 20)
    run = subprocess.Popen(
        [sys.executable, "-m", "unioncat.cli", "convert", str(tmp_path / "big.mrc"),
         "--format", "marc", "-o", str(tmp_path / "out.parquet"), "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and run.poll() is None:
        workers = [w for server in _children(run.pid) for w in _children(server)]
        if workers:
            break
        time.sleep(0.05)
    assert workers, "the conversion should have started its workers"
    run.send_signal(signal.SIGKILL)
    try:
        run.communicate(timeout=30)  # EOF only once every worker has let go of the pipes
    except subprocess.TimeoutExpired:
        run.kill()
        raise AssertionError("the workers kept the killed run's output open") from None
    time.sleep(0.5)
    assert not [
        w
        for w in workers
        if Path(f"/proc/{w}").exists()
        and b"Z" not in Path(f"/proc/{w}/stat").read_bytes().rsplit(b")", 1)[1][:3]
    ]
