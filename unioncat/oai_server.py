"""``unioncat serve-oai``: the OAI-PMH provider over HTTP, beside the nightly runs.

DuckDB lets one process write a catalog file or several read it, never both, so the
provider never keeps the catalog to itself: :class:`unioncat.catalog_access.CatalogAccess`
reads it between runs and asks the run that holds it otherwise.  An answer reflects one
committed state either way, and resumption tokens, which are keys, carry a harvest
across the change.

Binds to 127.0.0.1 unless told otherwise: what is open to the world is a decision.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from unioncat.catalog import Catalog
from unioncat.catalog_access import CatalogAccess
from unioncat.config import PipelineConfig
from unioncat.errors import LockHeld, UnioncatError
from unioncat.log import event
from unioncat.provider import native
from unioncat.provider.request import answer
from unioncat.provider.settings import ProviderSettings
from unioncat.reads import Answer

OAI_PATH = "/oai"
RESOLVE_PATH = "/resolve"
_NO_SCRIPT = "default-src 'none'; style-src 'unsafe-inline'"
_TOKEN = re.compile(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
_MAX_BODY = 1 << 16
Arguments = Mapping[str, Sequence[str]]


class NextPages:
    """The next page of each list being harvested, made ahead.

    A harvester parses a page before it asks for the next; the next page's token is in
    the page, so the server starts on it at once, in a thread of its own, and the
    request finds it made or being made.  A token is a key into the list, so a page
    made a moment before it is asked is as right as one made when asked: an item that
    changes in between comes again later in the list, as it would anyway.  Pages not
    asked for within ``KEEP_SECONDS`` (a harvest given up) are dropped."""

    KEEP_SECONDS = 60.0
    MOST = 16  # harvests at once whose next page is kept

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ahead: dict[tuple[str, str, str], tuple[float, Future[tuple[str, str | None]]]] = {}

    @staticmethod
    def _key(arguments: Arguments, base_url: str) -> tuple[str, str, str] | None:
        verb, token = arguments.get("verb") or [], arguments.get("resumptionToken") or []
        if len(verb) != 1 or len(token) != 1 or len(arguments) != 2:
            return None
        return verb[0], token[0], base_url

    def __len__(self) -> int:
        with self._lock:
            return len(self._ahead)

    def take(self, arguments: Arguments, base_url: str) -> Future[tuple[str, str | None]] | None:
        key = self._key(arguments, base_url)
        if key is None:
            return None
        with self._lock:
            found = self._ahead.pop(key, None)
        return found[1] if found is not None else None

    def prepare(
        self, document: str, arguments: Arguments, base_url: str,
        make: Callable[[Arguments, str], tuple[str, str | None]],
    ) -> None:  # fmt: skip
        verb = (arguments.get("verb") or [""])[0]
        if verb not in ("ListRecords", "ListIdentifiers"):
            return
        token = _TOKEN.search(document[-4096:])
        if token is None:
            return
        following: Arguments = {"verb": [verb], "resumptionToken": [token.group(1)]}
        key = (verb, token.group(1), base_url)
        future: Future[tuple[str, str | None]] = Future()
        now = time.monotonic()
        with self._lock:
            for old in [k for k, (at, _) in self._ahead.items() if now - at > self.KEEP_SECONDS]:
                del self._ahead[old]
            if key in self._ahead or len(self._ahead) >= self.MOST:
                return
            self._ahead[key] = (now, future)

        def run() -> None:
            try:
                future.set_result(make(following, base_url))
            except BaseException as exc:  # noqa: BLE001  (handed to the request that asks)
                future.set_exception(exc)

        threading.Thread(target=run, daemon=True).start()


class OaiAccess(CatalogAccess):
    """The catalog as the provider reads it: an OAI-PMH request, answered here or by the
    run that holds the catalog (the read command ``oai``)."""

    def __init__(self, config: PipelineConfig, settings: ProviderSettings) -> None:
        super().__init__(config, stage="oai")
        self.settings = settings
        self.next_pages = NextPages()

    def __call__(self, arguments: Arguments, base_url: str) -> tuple[str, str | None]:
        """An OAI-PMH request: the document and its error code.  The page a resumption
        token asks for next is made while the harvester reads this one (see
        :class:`NextPages`), so the two wait for each other less."""
        ahead = self.next_pages.take(arguments, base_url)
        found: tuple[str, str | None] | None = None
        if ahead is not None:
            try:
                found = ahead.result()
            except UnioncatError:  # a run took the catalog meanwhile: ask again, now
                found = None
        if found is None:
            found = self._answer(arguments, base_url)
        self.next_pages.prepare(found[0], arguments, base_url, self._answer)
        return found

    def _answer(self, arguments: Arguments, base_url: str) -> tuple[str, str | None]:
        args = {"arguments": {k: list(v) for k, v in arguments.items()}, "base_url": base_url}
        links = self.config.access

        def here(catalog: Catalog) -> Answer:
            document, error = answer(catalog, self.settings, arguments, base_url, links)
            return Answer(out=document, err=error or "")

        served = self.answer("oai", args, here)
        return served.out, served.err or None


def make_server(
    config: PipelineConfig, settings: ProviderSettings, host: str, port: int
) -> ThreadingHTTPServer:
    access = OaiAccess(config, settings)

    class Handler(BaseHTTPRequestHandler):
        server_version = "unioncat-oai"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # each request is logged once, as an event, in _serve

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            self._serve(url.path, url.query)

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length > _MAX_BODY:
                self._send(413, "text/plain", b"request body too large\n")
                return
            body = self.rfile.read(length).decode("utf-8", "replace")
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if kind != "application/x-www-form-urlencoded":
                why = b"OAI-PMH POST requests are application/x-www-form-urlencoded\n"
                self._send(415, "text/plain", why)
                return
            self._serve(url.path, body)

        def _base_url(self) -> str:
            if settings.base_url:
                return settings.base_url.rstrip("/")
            host_header = self.headers.get("Host") or f"{host}:{port}"
            return f"http://{host_header}{OAI_PATH}"

        def _serve(self, path: str, query: str) -> None:
            started = time.perf_counter()
            if path == f"{OAI_PATH}/{native.XSD_NAME}":
                self._send(200, "text/xml; charset=utf-8", native.XSD.encode())
                return
            if path.rstrip("/") == RESOLVE_PATH:
                self._resolve(query)
                return
            if path.rstrip("/") != OAI_PATH:
                self._send(
                    404, "text/plain", f"nothing at {path}; OAI-PMH is at {OAI_PATH}\n".encode()
                )
                return
            arguments = parse_qs(query, keep_blank_values=True)
            try:
                document, error = access(arguments, self._base_url())
            except LockHeld as exc:
                self._send(503, "text/plain", f"{exc}\n".encode(), retry_after=True)
                return
            except UnioncatError as exc:  # the catalog cannot be read: say why, to both
                event("oai.failed", f"oai: {exc}", level=logging.ERROR)
                self._send(503, "text/plain", f"{exc}\n".encode(), retry_after=True)
                return
            except Exception as exc:  # noqa: BLE001  (a fault of ours: logged with its trace, a 500)
                event(
                    "oai.crash", f"oai: unexpected error: {type(exc).__name__}: {exc}",
                    level=logging.ERROR, traceback=traceback.format_exc(),
                    request=query[:500],
                )  # fmt: skip
                self._send(500, "text/plain", b"internal error; the server log has its trace\n")
                return
            self._send(200, "text/xml; charset=utf-8", document.encode("utf-8"))
            event(
                "oai.request",
                f"oai: {arguments.get('verb', ['?'])[0]} "
                + (f"error {error}" if error else "ok")
                + f" in {(time.perf_counter() - started) * 1000:.0f} ms",
                level=logging.DEBUG,
                verb=arguments.get("verb", ["?"])[0],
                error=error,
            )

        def _resolve(self, query: str) -> None:
            wants_json = "application/json" in (self.headers.get("Accept") or "")
            wants_json |= "format=json" in query.split("&")
            # the read command a run answers too: one answer whichever way it comes
            args = {"kev": query, "date": datetime.now(UTC).date().isoformat(),
                    "html": not wants_json}  # fmt: skip
            try:
                body = access.answer("resolve", args).out
            except (LockHeld, UnioncatError) as exc:
                self._send(503, "text/plain", f"{exc}\n".encode(), retry_after=True)
                return
            kind = "application/json" if wants_json else "text/html; charset=utf-8"
            self._send(200, kind, body.encode("utf-8"), no_script=not wants_json)

        def _send(
            self, status: int, kind: str, body: bytes, retry_after: bool = False,
            no_script: bool = False,
        ) -> None:  # fmt: skip
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if retry_after:
                self.send_header("Retry-After", "30")
            if no_script:  # the page runs nothing, whatever a record held
                self.send_header(
                    "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"
                )
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        catalog_access = access

        def server_close(self) -> None:
            super().server_close()
            access.close()

    return Server((host, port), Handler)
