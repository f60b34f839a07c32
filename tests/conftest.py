"""Shared fixtures: real data from ../shared/data, pipelines in temporary folders, the
CLI run in-process.  Builders (MARC records, pipeline files, the CLI as a process) are
in :mod:`tests.support.builders`, servers in :mod:`tests.support`."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.builders import EXAMPLES, ROOT, SHARED_DATA

pytest_plugins = ["tests.support.oai_fixtures"]  # the real OAI-PMH peer and the replay server


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"needs the shared real-data folder {SHARED_DATA} (../shared/data), absent here"
        )
    return SHARED_DATA


@pytest.fixture
def default_pipeline(tmp_path: Path) -> Path:
    """A copy of the bundled default pipeline and its example files."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    shutil.copy(ROOT / "pipelines.yaml", tmp_path / "pipelines.yaml")
    return tmp_path / "pipelines.yaml"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    from unioncat.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
