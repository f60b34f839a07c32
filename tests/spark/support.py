"""What every Spark test module needs first: PySpark and Java, or a skip that says how
to install them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml


def require_spark() -> None:
    """Skip the calling module unless PySpark and Java are both here."""
    pytest.importorskip(
        "pyspark", reason="PySpark is not installed: pip install -e '.[spark]' (Java 17 too)"
    )
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        pytest.skip(
            "no Java for Spark: apt-get install openjdk-17-jre-headless (.ci/run does)",
            allow_module_level=True,
        )


def with_engine(pipeline: Path, folder: Path, engine: str) -> Path:
    """A copy of the pipeline's folder in ``folder``, its pipeline file set to
    ``engine`` with a small local Spark; the copied pipeline file."""
    shutil.copytree(pipeline.parent, folder)
    doc = yaml.safe_load((folder / pipeline.name).read_text())
    doc["engine"] = engine
    doc["spark"] = {"master": "local[2]", "warehouse": str(folder / "warehouse"),
                    "conf": {"spark.sql.shuffle.partitions": "2"}}  # fmt: skip
    (folder / pipeline.name).write_text(yaml.safe_dump(doc, sort_keys=False))
    return folder / pipeline.name
