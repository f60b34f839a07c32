"""Where the workbench listens, and who may reach it.

On this machine only (127.0.0.1, ::1, localhost) by default.  Any other address opens the
catalog's records, quarantine and review decisions to a network, so it takes two things
said on purpose: ``--allow-remote``, and a token in ``UNIONCAT_WORKBENCH_TOKEN`` that each
browser gives once (never on the command line or in a URL, where logs and shell
histories keep it).
"""

from __future__ import annotations

import os

from werkzeug.serving import BaseWSGIServer, make_server

from unioncat.catalog_access import CatalogAccess
from unioncat.config import PipelineConfig
from unioncat.errors import ConfigError
from unioncat.workbench.app import TOKEN_VARIABLE, make_app

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
MIN_TOKEN = 16


def workbench_token(host: str, allow_remote: bool) -> str | None:
    """The token requests must give (None: none asked), or why this bind is refused."""
    token = os.environ.get(TOKEN_VARIABLE) or None
    if token is not None and len(token) < MIN_TOKEN:
        raise ConfigError(
            f"{TOKEN_VARIABLE} is shorter than {MIN_TOKEN} characters",
            hint="e.g. export UNIONCAT_WORKBENCH_TOKEN=$(python3 -c "
            "'import secrets; print(secrets.token_urlsafe(24))')",
        )
    if host not in LOOPBACK:
        if not allow_remote:
            raise ConfigError(
                f"serve: {host} is not this machine only; the workbench shows every record "
                "and takes review decisions",
                hint="add --allow-remote, with a token in UNIONCAT_WORKBENCH_TOKEN",
            )
        if token is None:
            raise ConfigError(
                f"serve: --allow-remote on {host} needs a token in {TOKEN_VARIABLE}",
                hint="each browser then gives it once on the sign-in page",
            )
    return token


def make_workbench(
    config: PipelineConfig, host: str, port: int, allow_remote: bool = False
) -> tuple[BaseWSGIServer, CatalogAccess]:
    """The workbench's HTTP server (threaded) and the catalog access it reads through."""
    token = workbench_token(host, allow_remote)
    access = CatalogAccess(config, stage="serve")
    app = make_app(access, token)
    return make_server(host, port, app, threaded=True), access
