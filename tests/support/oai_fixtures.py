"""pytest fixtures for the OAI-PMH peer (:mod:`tests.support.oai_peer`) and the replay server.

Use them from a conftest with ``pytest_plugins = ["tests.support.oai_fixtures"]`` (top-level
conftest only) or ``from tests.support.oai_fixtures import oai_peer, oai_peer_factory, oai_replay``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.oai_peer import OAI_DATA, OAIPeer, ReplayServer, start_peer


@pytest.fixture
def oai_peer() -> Iterator[OAIPeer]:
    """A running OAI-PMH peer over an empty repository (add items with
    ``oai_peer.repo.add(...)`` / ``.extend(make_items(n))``); batch_size 10, second
    granularity.  Starts and stops in milliseconds."""
    peer = start_peer()
    try:
        yield peer
    finally:
        peer.close()


@pytest.fixture
def oai_peer_factory() -> Iterator[Callable[..., OAIPeer]]:
    """``make(items=(), **Repository options)`` -> a running peer, closed after the test."""
    peers: list[OAIPeer] = []

    def make(items: Any = (), **options: Any) -> OAIPeer:
        peer = start_peer(items, **options)
        peers.append(peer)
        return peer

    try:
        yield make
    finally:
        for peer in peers:
            peer.close()


@pytest.fixture
def oai_replay() -> Iterator[ReplayServer]:
    """A running replay server over ../shared/data/oai (recorded real responses)."""
    if not OAI_DATA.is_dir():
        pytest.skip(
            f"needs the recorded OAI-PMH responses in {OAI_DATA} "
            "(../shared/data/oai next to the project), absent here"
        )
    replay = ReplayServer(OAI_DATA)
    try:
        yield replay
    finally:
        replay.close()
