"""pipelines.yaml to typed settings.

Settings are data: the file names a catalog, an export folder and a list of sources,
each with a ``kind`` (a registered harvester) and a ``format`` (a registered
normalizer).  Every unknown key, kind or format is rejected before any work starts,
with the valid choices in the message.  Secrets never live in the file: an option
written as ``${NAME}`` is read from the environment variable NAME.
"""

from __future__ import annotations

import dataclasses
import os
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from unioncat.bounds import Range, check_bounds
from unioncat.catalog.deletion_guard import DeletionGuard
from unioncat.contracts import SourceSpec
from unioncat.dedupe.settings import MatchSettings
from unioncat.engine import SparkSettings, engine_name
from unioncat.errors import ConfigError
from unioncat.harvest import HARVESTERS
from unioncat.normalize import NORMALIZERS
from unioncat.normalize.base import FORMAT_SETTINGS, FormatSettings
from unioncat.provider.settings import ProviderSettings
from unioncat.reader_links import AccessSettings
from unioncat.redact import is_secret_name, register, register_values

T = TypeVar("T")
_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_SOURCE_KEYS = (
    "name", "kind", "format", "enabled", "allow_empty", "holder", "format_options",
    "dedupe_within",
)  # fmt: skip
_TOP_KEYS = (
    "catalog", "export", "workers", "parallel_sources", "memory_limit", "dedupe", "sources",
    "oai_provider", "access", "engine", "spark",
)  # fmt: skip
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


@dataclass(slots=True)
class SourceConfig:
    name: str
    kind: str
    format: str
    options: Any
    enabled: bool = True

    allow_empty: bool = False  # a run in which the source gives nothing is no failure
    config_file: str = "the pipeline file"
    # the library whose holdings the source gives (an ISIL such as DE-101, or a code)
    holder: str | None = None
    # how the format's records are written at this source (``format_options:``)
    format_settings: FormatSettings | None = None
    # whether two of the source's own records may be one item (``dedupe_within``): off
    # unless said, for a catalog keeps apart what it catalogs twice on purpose (two
    # copies, two printings) far more often than it loads one record twice
    dedupe_within: bool = False

    @property
    def spec(self) -> SourceSpec:
        """What the harvester is told about this source."""
        return SourceSpec(self.name, self.format, self.options, self.config_file)


@dataclass(slots=True)
class PipelineConfig:
    path: Path
    catalog: Path
    export: Path
    sources: list[SourceConfig] = field(default_factory=list)
    workers: int = 0  # processes that map records; 0 means one per available core
    parallel_sources: int = 4  # sources harvested at once (threads; the network waits)
    # the matcher's settings (unioncat.dedupe.settings.MatchSettings) and ``enabled``
    dedupe: MatchSettings = field(default_factory=MatchSettings)
    dedupe_enabled: bool = True
    memory_limit: str | None = None  # DuckDB's memory limit for the catalog, e.g. "4GB"
    # sources whose deletions are let through for this run (``--allow-deletions``)
    allow_deletions: frozenset[str] = frozenset()
    # what ``serve-oai`` says of the repository (unioncat.provider.settings)
    oai_provider: ProviderSettings = field(default_factory=ProviderSettings)
    engine: str = "duckdb"  # where normalize and renormalize map the archive (see engine.py)
    spark: SparkSettings = field(default_factory=SparkSettings)
    # how this library's readers reach licensed links (unioncat.reader_links)
    access: AccessSettings = field(default_factory=AccessSettings)

    @property
    def dedupe_within(self) -> frozenset[str]:
        """The sources whose own records may join one cluster."""
        return frozenset(s.name for s in self.sources if s.dedupe_within)

    def deletion_guard(self, name: str) -> DeletionGuard | None:
        """The guard on a source's deletions; None when they are let through."""
        if name in self.allow_deletions:
            return None
        for s in self.sources:
            if s.name == name:
                fraction = getattr(s.options, "sweep_max_fraction", None)
                days = getattr(s.options, "deletion_window_days", None)
                if fraction is None or days is None:
                    return None
                return DeletionGuard(float(fraction), float(days))
        return None

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        raise ConfigError(
            f"no source named {name!r}; the pipeline has: "
            + ", ".join(s.name for s in self.sources),
            stage="config",
        )


def _choices(values: typing.Iterable[str]) -> str:
    return ", ".join(sorted(values))


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check a YAML value against the options dataclass annotation."""
    if isinstance(value, str):
        m = _ENV_REF.match(value)
        if m:
            env = os.environ.get(m.group(1))
            if env is None:
                raise ConfigError(
                    f"{where} refers to environment variable {m.group(1)}, which is not set",
                    stage="config",
                    hint=f"export {m.group(1)}=... before running",
                )
            if is_secret_name(m.group(1)) or is_secret_name(where.rsplit(".", 1)[-1]):
                register(env)
            value = env
    origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        if isinstance(value, (str, int, float)):
            value = [value]
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be a list", stage="config")
        return [_coerce(v, item, where) for v in value]
    if origin in (typing.Union, __import__("types").UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, args[0], where)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, not {value!r}", stage="config")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, not {value!r}", stage="config")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number, not {value!r}", stage="config")
        return float(value)
    if hint is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(f"{where} must be text, not {value!r}", stage="config")
        return str(value)
    return value


def build_options(cls: type, raw: dict[str, Any], where: str, base_dir: Path) -> Any:
    hints = typing.get_type_hints(cls)
    aliases: dict[str, str] = getattr(cls, "ALIASES", {})
    written = {aliases.get(k, k): k for k in raw}  # messages name the key as written
    raw = {aliases.get(k, k): v for k, v in raw.items()}
    known = {f.name for f in dataclasses.fields(cls)} - {"base_dir"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {written[unknown[0]]!r}; valid keys are: "
            + _choices(known | set(_SOURCE_KEYS)),
            stage="config",
        )
    kwargs = {k: _coerce(v, hints[k], f"{where}.{written[k]}") for k, v in raw.items()}
    if "base_dir" in {f.name for f in dataclasses.fields(cls)}:
        kwargs["base_dir"] = str(base_dir)
    try:
        options = cls(**kwargs)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc.message}", stage="config") from exc
    check_bounds(options, where, written)
    for f in dataclasses.fields(options):
        value = getattr(options, f.name)
        register_values(value if isinstance(value, list) else [value])
    return options


def _source(
    raw: Any, index: int, base_dir: Path, config_file: Path, formats: bool = True
) -> SourceConfig:
    where = f"sources[{index}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping with name, kind and format", stage="config")
    name = raw.get("name")
    if name is None or name == "":
        raise ConfigError(
            f"{where}: 'name' is required (letters, digits, '-', '_', '.')", stage="config"
        )
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            f"{where}: source name {name!r} is not allowed: use letters, digits, '-', '_' "
            "and '.', starting with a letter or digit (the name appears in record ids, "
            "logs and the catalog)",
            stage="config",
        )
    where = f"source {name!r}"
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in HARVESTERS:
        raise ConfigError(
            f"{where}: unknown kind {kind!r}; valid kinds are: {_choices(HARVESTERS)}",
            stage="config",
        )
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}.enabled must be true or false", stage="config")
    allow_empty = raw.get("allow_empty", False)
    if not isinstance(allow_empty, bool):
        raise ConfigError(f"{where}.allow_empty must be true or false", stage="config")
    dedupe_within = raw.get("dedupe_within", False)
    if not isinstance(dedupe_within, bool):
        raise ConfigError(
            f"{where}.dedupe_within must be true or false (whether the source's own "
            "records may be duplicates of each other)",
            stage="config",
        )
    holder = raw.get("holder")
    if holder is not None and (not isinstance(holder, str) or not holder.strip()):
        raise ConfigError(
            f"{where}.holder must name the library (an ISIL such as DE-101, or a code)",
            stage="config",
        )
    rest = {k: v for k, v in raw.items() if k not in _SOURCE_KEYS}
    options = build_options(HARVESTERS[kind].options, rest, where, base_dir)
    fmt = raw.get("format")
    if fmt is None and hasattr(options, "default_format"):
        fmt = options.default_format()  # e.g. OAI-PMH: routed by metadata prefix
    if not isinstance(fmt, str) or not (fmt in NORMALIZERS if formats else NORMALIZERS.knows(fmt)):
        raise ConfigError(
            f"{where}: unknown format {fmt!r}; valid formats are: {_choices(NORMALIZERS)}",
            stage="config",
        )
    settings = None
    if formats:
        HARVESTERS[kind].check_format(fmt, where)
        settings = _format_settings(fmt, raw.get("format_options"), where)
    return SourceConfig(
        name=name, kind=kind, format=fmt, options=options, enabled=enabled,
        allow_empty=allow_empty, config_file=str(config_file),
        holder=holder.strip() if holder else None, dedupe_within=dedupe_within,
        format_settings=settings,
    )  # fmt: skip


def _format_settings(fmt: str, raw: Any, where: str) -> FormatSettings | None:
    if raw is None:
        return None
    if fmt not in FORMAT_SETTINGS:
        takes = ", ".join(sorted(FORMAT_SETTINGS)) or "none"
        raise ConfigError(
            f"{where}.format_options: the {fmt} format takes no options (formats that do: {takes})",
            stage="config",
        )
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}.format_options must be a mapping", stage="config")
    return FORMAT_SETTINGS[fmt].from_mapping(raw, f"{where}.format_options")


# libyaml's safe loader when PyYAML was built with it (a tenth of the pure loader's time
# on a pipeline file), the pure one otherwise: both build plain data and nothing else
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_config(path: str | os.PathLike[str], *, formats: bool = True) -> PipelineConfig:
    """The pipeline file, checked.  ``formats=False`` is for a command that only reads
    the catalog: each source's format is checked by name, but its module (a format's
    framers and settings, which the harvest and the mapping need) is not loaded, so
    ``status`` on a pipeline of six formats does not import six mappings; a command
    that harvests or maps checks the rest as before."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(
            f"pipeline file not found: {p}",
            stage="config",
            hint="run from the folder that holds pipelines.yaml or pass --config FILE",
        )
    try:
        raw = yaml.load(p.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p} is not valid YAML: {exc}", stage="config") from exc
    return parse_config(raw, p, formats=formats)


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}  # fmt: skip
# Below this DuckDB cannot pin the blocks that matching and export sort through: a run
# would fail half-way with "Out of Memory" rather than at the start.
MIN_MEMORY_LIMIT = 256 * 10**6


def _memory_limit(value: Any, path: Path) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    m = _SIZE.match(text)
    if not m:
        raise ConfigError(
            f"{path}: memory_limit {text!r} is not a size; write it like 4GB or 512MB",
            stage="config",
        )
    size = m.group(1)
    if float(size) * _UNITS[m.group(2).lower()] < MIN_MEMORY_LIMIT:
        raise ConfigError(
            f"{path}: memory_limit {text} is too small: the catalog needs at least 256MB",
            stage="config",
            hint="give memory_limit 256MB or more, or remove it to let DuckDB use "
            "80% of the machine's memory",
        )
    return text


def _whole(raw: dict[str, Any], key: str, default: int, bound: Range, path: Path) -> int:
    value = _coerce(raw.get(key, default), int, f"{path}: {key}")
    if not bound.admits(value):
        raise ConfigError(
            f"{path}: {key} is {value}, outside its range: it must be {bound.describe()}",
            stage="config",
        )
    return int(value)


def _section(raw: dict[str, Any], name: str, parse: Callable[[Any], T], path: Path) -> T:
    """A mapping of settings under ``name``, read by ``parse``; its errors name the file."""
    value = raw.get(name) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {name!r} must be a mapping of settings", stage="config")
    try:
        return parse(value)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc.message}", stage="config", hint=exc.hint) from exc


def parse_config(raw: Any, path: Path, *, formats: bool = True) -> PipelineConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping", stage="config")
    unknown = sorted(set(raw) - set(_TOP_KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {unknown[0]!r}; valid keys are: {_choices(_TOP_KEYS)}",
            stage="config",
        )
    base = path.resolve().parent
    catalog = Path(str(raw.get("catalog", "catalog.duckdb")))
    export = Path(str(raw.get("export", "export")))
    sources_raw = raw.get("sources") or []
    if not isinstance(sources_raw, list):
        raise ConfigError(f"{path}: 'sources' must be a list", stage="config")
    sources = [_source(s, i, base, path, formats) for i, s in enumerate(sources_raw)]
    names = [s.name for s in sources]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{path}: source name {dupes[0]!r} is used twice", stage="config")
    workers = _whole(raw, "workers", 0, Range(0, 1024, unit="processes (0: one per core)"), path)
    parallel = _whole(raw, "parallel_sources", 4, Range(1, 64, unit="sources"), path)
    dedupe_raw = raw.get("dedupe") or {}
    if not isinstance(dedupe_raw, dict):
        raise ConfigError(f"{path}: 'dedupe' must be a mapping of settings", stage="config")
    dedupe_raw = dict(dedupe_raw)
    enabled = dedupe_raw.pop("enabled", True)
    try:
        dedupe = MatchSettings.from_mapping(dedupe_raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: dedupe: {exc}", stage="config") from exc
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc.message}", stage="config") from exc
    spark_raw = raw.get("spark") or {}
    if not isinstance(spark_raw, dict):
        raise ConfigError(f"{path}: 'spark' must be a mapping of settings", stage="config")
    try:
        spark = SparkSettings.from_mapping(spark_raw, base)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc.message}", stage="config", hint=exc.hint) from exc
    return PipelineConfig(
        path=path,
        engine=engine_name(raw.get("engine"), str(path)),
        spark=spark,
        oai_provider=_section(raw, "oai_provider", ProviderSettings.from_mapping, path),
        access=_section(raw, "access", AccessSettings.from_mapping, path),
        parallel_sources=parallel,
        dedupe=dedupe,
        dedupe_enabled=bool(enabled),
        memory_limit=_memory_limit(raw.get("memory_limit"), path),
        catalog=catalog if catalog.is_absolute() else base / catalog,
        export=export if export.is_absolute() else base / export,
        sources=sources,
        workers=workers,
    )
