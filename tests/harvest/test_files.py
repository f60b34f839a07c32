from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from tests.support.builders import marc_record, write_marc
from unioncat.contracts import SourceSpec
from unioncat.errors import SourceError
from unioncat.harvest.files import FilesHarvester, FilesOptions


def _pages(options: FilesOptions, state: dict | None = None):  # type: ignore[no-untyped-def]
    return list(FilesHarvester().harvest(SourceSpec("src", "marc", options), state or {}))


def test_globs_are_expanded_in_order_and_pages_carry_checkpoints(tmp_path: Path) -> None:
    write_marc(tmp_path / "drop" / "b.mrc", [marc_record(control=f"b{i}") for i in range(3)])
    write_marc(tmp_path / "drop" / "a.mrc", [marc_record(control="a0")])
    opts = FilesOptions(paths=["drop/*.mrc"], page_size=2, base_dir=str(tmp_path))
    pages = _pages(opts)
    assert [p.label for p in pages] == ["drop/a.mrc", "drop/b.mrc", "drop/b.mrc"]
    assert [len(p.envelopes) for p in pages] == [1, 2, 1]
    assert pages[1].state == {
        "sha256": pages[2].state["sha256"],
        "records_done": 2,
        "complete": False,
    }
    assert pages[2].state["complete"] is True and pages[2].state["records_done"] == 3
    assert pages[1].envelopes[0].envelope_id == "drop/b.mrc#0"
    assert pages[1].replaces_batch == "drop/b.mrc" and pages[2].replaces_batch is None


def test_checkpoint_skips_complete_files_and_resumes_partial_ones(tmp_path: Path) -> None:
    write_marc(tmp_path / "b.mrc", [marc_record(control=f"b{i}") for i in range(5)])
    opts = FilesOptions(paths=["b.mrc"], page_size=2, base_dir=str(tmp_path))
    first = _pages(opts)
    done = {first[-1].state_key: first[-1].state}
    assert _pages(opts, done) == []
    partial_state = {first[0].state_key: first[0].state}
    resumed = _pages(opts, partial_state)
    ids = [e.envelope_id for p in resumed for e in p.envelopes]
    assert ids == ["b.mrc#2", "b.mrc#3", "b.mrc#4"]
    assert all(p.replaces_batch is None for p in resumed)


def test_a_missing_file_fails_the_source_with_its_path(tmp_path: Path) -> None:
    opts = FilesOptions(paths=["gone.mrc"], base_dir=str(tmp_path))
    with pytest.raises(SourceError) as err:
        _pages(opts)
    assert "gone.mrc" in str(err.value) and "src" in str(err.value)


@pytest.fixture
def http_folder(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()


def test_http_urls_are_fetched(http_folder: tuple[str, Path]) -> None:
    base, folder = http_folder
    write_marc(folder / "remote.mrc", [marc_record(control=f"h{i}") for i in range(4)])
    pages = _pages(FilesOptions(paths=[f"{base}/remote.mrc"], base_dir=str(folder)))
    assert sum(len(p.envelopes) for p in pages) == 4
    assert pages[0].envelopes[0].envelope_id == f"{base}/remote.mrc#0"
    with pytest.raises(SourceError, match="HTTP 404"):
        _pages(FilesOptions(paths=[f"{base}/missing.mrc"], base_dir=str(folder)))


class _BrokenOff(http.server.BaseHTTPRequestHandler):
    """Announces the whole file, sends a third of it and hangs up."""

    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body[: len(self.body) // 3])
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        return


def test_a_download_that_breaks_off_names_its_url_and_the_other_files_still_land(
    tmp_path: Path,
) -> None:
    records = [marc_record(control=f"d{i}") for i in range(30)]
    handler = type("H", (_BrokenOff,), {"body": b"".join(r.as_marc() for r in records)})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/feed.mrc"
    local = write_marc(tmp_path / "local.mrc", records[:3])
    pages = []
    try:
        options = FilesOptions(paths=[url, str(local)], base_dir=str(tmp_path))
        harvest = FilesHarvester().harvest(SourceSpec("src", "marc", options), {})
        with pytest.raises(SourceError) as err:
            for page in harvest:
                pages.append(page)
    finally:
        server.shutdown()
        server.server_close()
    assert f"download of {url} broke off" in str(err.value)
    assert "1 file(s) could not be read" in str(err.value)
    assert [e.envelope_id for p in pages for e in p.envelopes] == [
        "local.mrc#0",
        "local.mrc#1",
        "local.mrc#2",
    ]
