"""Catalogs and servers the output tests share: records written as a run writes them
(the writer's lock, one page, a dedupe), and the HTTP server on a free port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from unioncat.catalog import Catalog, PageWrite
from unioncat.catalog.lock import CatalogLock
from unioncat.config import PipelineConfig
from unioncat.dedupe.settings import MatchSettings
from unioncat.dedupe.stage import dedupe_catalog
from unioncat.provider.settings import ProviderSettings
from unioncat.schemas.record import Record

# the servers running now, for a test that looks at one's state
SERVERS: list[Any] = []


@contextmanager
def writing(path: Path, run_id: str) -> Iterator[Catalog]:
    """The catalog as a run opens it: the writer's lock first, which waits for readers."""
    with CatalogLock(path, "run", run_id):
        catalog = Catalog(path)
        try:
            yield catalog
        finally:
            catalog.close()


def write_run(path: Path, run_id: str, *records: Record) -> None:
    """One run's page of ``records``, matched as the run would."""
    with writing(path, run_id) as catalog:
        catalog.write(PageWrite(run_id, records=list(records)))
        dedupe_catalog(catalog, run_id, MatchSettings())


@contextmanager
def serving(config: PipelineConfig, settings: ProviderSettings, path: str) -> Iterator[str]:
    """``serve-oai``'s server on 127.0.0.1 and a free port: the URL of ``path`` on it."""
    from unioncat.oai_server import make_server

    server = make_server(config, settings, "127.0.0.1", 0)
    SERVERS.append(server)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}{path}"
    finally:
        SERVERS.remove(server)
        server.shutdown()
        server.server_close()
        thread.join()
