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
import time
import traceback
from collections.abc import Mapping, Sequence
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
_MAX_BODY = 1 << 16
Arguments = Mapping[str, Sequence[str]]


class OaiAccess(CatalogAccess):
    """The catalog as the provider reads it: an OAI-PMH request, answered here or by the
    run that holds the catalog (the read command ``oai``)."""

    def __init__(self, config: PipelineConfig, settings: ProviderSettings) -> None:
        super().__init__(config, stage="oai")
        self.settings = settings

    def __call__(self, arguments: Arguments, base_url: str) -> tuple[str, str | None]:
        """An OAI-PMH request: the document and its error code."""
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

        def server_close(self) -> None:
            super().server_close()
            access.close()

    return Server((host, port), Handler)
