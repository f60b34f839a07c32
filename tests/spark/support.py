"""What every Spark test module needs first: PySpark and Java, or a skip that says how
to install them."""

from __future__ import annotations

import os
import shutil

import pytest


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
