"""Which engine runs the heavy batch stages, as data (``engine:`` and ``spark:``).

DuckDB in this process is the default and needs nothing more. Spark (``engine: spark``)
is for catalogs that outgrow one machine: PySpark comes with the ``spark`` extra
(``pip install -e '.[spark]'``) and needs Java 17 or newer; the ``spark:`` section says
where the cluster is (``master``), what the application is called, where its Parquet
datasets go (``warehouse``) and any ``spark.*`` setting (``conf``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unioncat.errors import ConfigError

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True, slots=True)
class SparkSettings:
    master: str = "local[2]"
    app_name: str = "unioncat"
    # where the archive is written for Spark and what Spark writes back (one folder per
    # run, removed when the run has committed what came back)
    warehouse: Path = Path("spark-warehouse")
    conf: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], base: Path) -> SparkSettings:
        known = {"master", "app_name", "warehouse", "conf"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"spark: unknown setting(s) {', '.join(unknown)}; known: "
                + ", ".join(sorted(known))
            )
        for name in ("master", "app_name", "warehouse"):
            value = data.get(name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ConfigError(f"spark: {name} must be a text, not {value!r}")
        conf = data.get("conf") or {}
        if not isinstance(conf, Mapping) or not all(
            isinstance(k, str) and k.startswith("spark.") for k in conf
        ):
            raise ConfigError(
                "spark: conf must map spark.* settings to values",
                hint="e.g. conf: {spark.executor.memory: 4g}",
            )
        default = cls()
        warehouse = Path(str(data.get("warehouse") or default.warehouse))
        return cls(
            master=str(data.get("master") or default.master),
            app_name=str(data.get("app_name") or default.app_name),
            warehouse=warehouse if warehouse.is_absolute() else base / warehouse,
            conf={k: str(v) for k, v in conf.items()},
        )


def engine_name(value: Any, where: str) -> str:
    name = "duckdb" if value is None else value
    if name not in ENGINES:
        raise ConfigError(
            f"{where}: unknown engine {value!r}; valid engines are: {', '.join(ENGINES)}",
            stage="config",
        )
    return str(name)
