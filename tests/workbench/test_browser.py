"""The workbench in a real browser: Debian's Chromium, headless, driven by Playwright,
against the workbench's own HTTP server on 127.0.0.1.  Covers search, a record, a
cluster page, an accept in the review queue, the quarantine and the report, and writes a
screenshot of each page (to ``$UNIONCAT_SCREENSHOTS``, or the test's temporary folder).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.workbench.conftest import BORDER_A, BORDER_B, EBOOK, HOSTILE, PRINT, build_catalog
from unioncat.catalog import Catalog

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("UNIONCAT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# as the machine's own check starts it: no sandbox as root, nothing fetched in the background
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'"
)
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install Debian's (apt-get install chromium; .ci/run "
        "does) or set UNIONCAT_CHROMIUM to a Chromium binary",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("UNIONCAT_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def workbench(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    from unioncat.workbench.server import make_workbench

    bench = build_catalog(tmp_path)
    server, access = make_workbench(bench.config, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}", bench.catalog
    finally:
        server.shutdown()
        server.server_close()
        access.close()
        thread.join()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    dialogs: list[str] = []
    opened.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    opened.dialogs = dialogs
    yield opened
    context.close()


def test_search_a_record_and_its_cluster(
    page: Any, workbench: tuple[str, Path], shots: Path
) -> None:
    base, _ = workbench
    page.goto(base + "/")
    page.fill("input[name=q]", "rivers north")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("#results")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 2
    page.screenshot(path=str(shots / "search.png"), full_page=True)
    page.locator("#results tbody tr td:first-child a").first.click()
    page.wait_for_selector("#fields")
    assert page.locator("h1").inner_text() == "Rivers of the north"
    assert page.url.rsplit("/", 1)[1] in (PRINT.id, EBOOK.id)
    page.screenshot(path=str(shots / "record.png"), full_page=True)
    page.locator("a[href^='/cluster/']").first.click()
    page.wait_for_selector("#members")
    members = page.locator("#members thead a").all_inner_texts()
    assert set(members) == {PRINT.id, EBOOK.id}
    assert "isbn" in page.locator("#members").inner_text().lower()
    page.screenshot(path=str(shots / "cluster.png"), full_page=True)


def test_accept_a_pair_in_the_review_queue(
    page: Any, workbench: tuple[str, Path], shots: Path
) -> None:
    base, catalog_path = workbench
    page.goto(base + "/review")
    pair = page.locator("section.pair")
    assert pair.count() == 1
    assert {BORDER_A.title, BORDER_B.title} <= set(pair.locator("td div").all_inner_texts())
    page.screenshot(path=str(shots / "review.png"), full_page=True)
    pair.locator("input[name=note]").fill("one report, two printings")
    pair.locator("button.accept").click()
    page.wait_for_selector("#message")
    assert "accepted" in page.locator("#message").inner_text()
    assert page.locator("#empty").count() == 1  # nothing left to decide
    catalog = Catalog(catalog_path, read_only=True)
    try:
        rows = catalog.query("SELECT record_a, record_b, status, note FROM match_review")
    finally:
        catalog.close()
    assert rows == [(*sorted((BORDER_A.id, BORDER_B.id)), "accepted", "one report, two printings")]


def test_quarantine_and_report(page: Any, workbench: tuple[str, Path], shots: Path) -> None:
    base, _ = workbench
    page.goto(base + "/quarantine")
    assert "leader is not 24 bytes" in page.locator("#quarantined").inner_text()
    page.screenshot(path=str(shots / "quarantine.png"), full_page=True)
    page.locator("#quarantined tbody a[href^='/quarantine/raw']").first.click()
    assert "not a record <at all>" in page.locator("#raw").inner_text()
    page.goto(base + "/report")
    assert page.locator("h1").inner_text() == "Collection report"
    assert page.locator("svg").count() >= 4
    page.screenshot(path=str(shots / "report.png"), full_page=True)


def test_record_content_runs_nothing_in_the_browser(page: Any, workbench: tuple[str, Path]) -> None:
    base, _ = workbench
    page.goto(f"{base}/record/{HOSTILE.id}")
    assert page.title() != "owned" and not page.dialogs
    assert "<script>" in page.locator("h1").inner_text()  # shown as the text it is
    assert page.locator("main img").count() == 0
    assert page.evaluate("document.scripts.length") == 0
