"""Derive the Arrow schema, the JSON Schema and the DuckDB DDL from the record dataclasses.

Keeping one definition means the catalog table, the Parquet export and the published
JSON Schema can never drift apart: they are all read off :class:`Record` at import time.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, partial
from operator import attrgetter
from typing import Any, cast

import pyarrow as pa

from unioncat.compiled import MARC_CORE
from unioncat.schemas.record import (
    ACCESS_KINDS,
    IDENTIFIER_STATUSES,
    MEDIA,
    RECORD_TYPES,
    SCHEMA_VERSION,
    Record,
)

_SCALARS: dict[type, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    bool: pa.bool_(),
    datetime: pa.timestamp("us", tz="UTC"),
}

_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("Record", "type"): RECORD_TYPES,
    ("Record", "medium"): MEDIA,
    ("Identifier", "status"): IDENTIFIER_STATUSES,
    ("Access", "kind"): ACCESS_KINDS,
    ("Holding", "form"): MEDIA,
}


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    """Return (inner type, nullable) for ``X | None``."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unsupported union in record schema: {tp!r}")
        return args[0], True
    return tp, False


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@cache
def _fields(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = _hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _arrow_type(tp: Any) -> pa.DataType:
    if tp in _SCALARS:
        return _SCALARS[tp]
    if typing.get_origin(tp) is list:
        (inner,) = typing.get_args(tp)
        return pa.list_(_arrow_type(inner))
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return pa.struct(_arrow_fields(tp))
    raise TypeError(f"unsupported type in record schema: {tp!r}")


def _arrow_fields(cls: type) -> list[pa.Field]:
    """Arrow fields are all nullable: DuckDB hands nested values back as nullable, and
    Parquet readers treat optional columns alike; NOT NULL is enforced in the catalog DDL
    and ``required`` in the JSON Schema instead."""
    out = []
    for name, hint in _fields(cls):
        inner, _nullable = _unwrap_optional(hint)
        out.append(pa.field(name, _arrow_type(inner), nullable=True))
    return out


def required_columns() -> list[str]:
    """Top-level record columns that may never be null."""
    return [name for name, hint in _fields(Record) if not _unwrap_optional(hint)[1]]


def arrow_schema() -> pa.Schema:
    """The Arrow schema of exported records (the Parquet columns)."""
    return pa.schema(
        _arrow_fields(Record), metadata={b"unioncat.schema_version": SCHEMA_VERSION.encode()}
    )


RECORD_ARROW_SCHEMA = arrow_schema()
# records_to_table zips the record's fields with the schema's columns
assert tuple(RECORD_ARROW_SCHEMA.names) == tuple(f.name for f in dataclasses.fields(Record))


def duck_type(dt: pa.DataType) -> str:
    """The DuckDB column type that stores Arrow type ``dt`` (and reads back as it)."""
    if pa.types.is_string(dt):
        return "VARCHAR"
    if pa.types.is_int64(dt):
        return "BIGINT"
    if pa.types.is_int32(dt):
        return "INTEGER"
    if pa.types.is_uint64(dt):
        return "UBIGINT"
    if pa.types.is_float64(dt):
        return "DOUBLE"
    if pa.types.is_boolean(dt):
        return "BOOLEAN"
    if pa.types.is_binary(dt):
        return "BLOB"
    if pa.types.is_timestamp(dt):
        return "TIMESTAMPTZ"
    if pa.types.is_list(dt):
        return f"{duck_type(dt.value_type)}[]"
    if pa.types.is_map(dt):
        return f"MAP({duck_type(dt.key_type)}, {duck_type(dt.item_type)})"
    if pa.types.is_struct(dt):
        inner = ", ".join(f'"{f.name}" {duck_type(f.type)}' for f in dt)
        return f"STRUCT({inner})"
    raise TypeError(f"no DuckDB type for {dt}")


def duckdb_columns(schema: pa.Schema | None = None) -> list[tuple[str, str]]:
    """(column name, DuckDB type) pairs for the record columns."""
    schema = schema or RECORD_ARROW_SCHEMA
    return [(f.name, duck_type(f.type)) for f in schema]


def duckdb_ddl(table: str = "records", extra: Iterable[tuple[str, str]] = ()) -> str:
    """CREATE TABLE statement for the records table; ``extra`` adds catalog bookkeeping."""
    required = set(required_columns())
    cols = [f'"{n}" {t}' + (" NOT NULL" if n in required else "") for n, t in duckdb_columns()]
    cols += [f'"{n}" {t}' for n, t in extra]
    body = ",\n  ".join(cols)
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  {body},\n  PRIMARY KEY (id)\n)"


def _json_type(tp: Any, owner: str, name: str, defs: dict[str, Any]) -> dict[str, Any]:
    inner, nullable = _unwrap_optional(tp)
    schema: dict[str, Any]
    if inner is str:
        schema = {"type": "string"}
        enum = _ENUMS.get((owner, name))
        if enum:
            schema["enum"] = list(enum)
    elif inner is int:
        schema = {"type": "integer"}
    elif inner is bool:
        schema = {"type": "boolean"}
    elif inner is datetime:
        schema = {"type": "string", "format": "date-time"}
    elif typing.get_origin(inner) is list:
        (item,) = typing.get_args(inner)
        schema = {"type": "array", "items": _json_type(item, owner, name, defs)}
    elif dataclasses.is_dataclass(inner) and isinstance(inner, type):
        _json_object(inner, defs)
        schema = {"$ref": f"#/$defs/{inner.__name__}"}
    else:
        raise TypeError(f"unsupported type in record schema: {tp!r}")
    if nullable:
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def _json_object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    props = {n: _json_type(h, cls.__name__, n, defs) for n, h in _fields(cls)}
    required = [
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    obj = {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }
    if cls is not Record:
        defs[cls.__name__] = obj
    return obj


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one record, for consumers of JSON lines output."""
    defs: dict[str, Any] = {}
    root = _json_object(Record, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:unioncat:schema:record:v{SCHEMA_VERSION}",
        "title": f"unioncat record, schema v{SCHEMA_VERSION}",
        **root,
        "$defs": dict(sorted(defs.items())),
    }


# -- conversion between records and rows -------------------------------------------------


_STRUCT, _STRUCT_LIST, _SCALAR_LIST = range(3)


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to turn one dataclass into a row: every field fetched at once (one C call of
    ``attrgetter``), then the fields that hold structs or lists converted in turn."""

    cls: type
    names: tuple[str, ...]
    fetch: Callable[[Any], tuple[Any, ...]]
    nested: tuple[tuple[str, int, Any], ...]


@cache
def _plan(cls: type) -> _Plan:
    """Worked out once per class from the annotations, so converting a record does no
    type inspection (this runs once per record on the hot path)."""
    names: list[str] = []
    nested: list[tuple[str, int, Any]] = []
    for name, hint in _fields(cls):
        names.append(name)
        inner, _ = _unwrap_optional(hint)
        if typing.get_origin(inner) is list:
            (item,) = typing.get_args(inner)
            if dataclasses.is_dataclass(item):
                nested.append((name, _STRUCT_LIST, _plan(cast(type, item))))
            else:
                nested.append((name, _SCALAR_LIST, None))
        elif dataclasses.is_dataclass(inner):
            nested.append((name, _STRUCT, _plan(cast(type, inner))))
    getter = attrgetter(*names)
    fetch = getter if len(names) > 1 else (lambda obj: (getter(obj),))
    return _Plan(cls, tuple(names), fetch, tuple(nested))


def _convert(obj: Any, plan: _Plan) -> dict[str, Any]:
    out = dict(zip(plan.names, plan.fetch(obj), strict=True))
    for name, kind, sub in plan.nested:
        value = out[name]
        if value is None:
            continue
        if kind == _STRUCT_LIST:
            out[name] = [_convert(v, sub) for v in value]
        elif kind == _STRUCT:
            out[name] = _convert(value, sub)
        else:
            out[name] = list(value)
    return out


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def content_spec() -> tuple[Any, ...]:
    """The record's plan as plain tuples for the compiled core's ``content_bytes``:
    (names, each name's repr and ": " as a dict's repr writes it, kinds, the sub-spec of
    each struct field, the fetch, the class and where its slots are); kind -1 is a
    scalar, else ``_STRUCT``, ``_STRUCT_LIST`` or ``_SCALAR_LIST``."""
    return _spec(_plan(Record))


@cache
def _field_kinds(plan: _Plan) -> tuple[tuple[int, Any], ...]:
    """Each field's kind (-1 a scalar, else ``_STRUCT``, ``_STRUCT_LIST`` or
    ``_SCALAR_LIST``) and the plan of its struct, in the fields' order."""
    nested = {name: (kind, sub) for name, kind, sub in plan.nested}
    return tuple(nested.get(name, (-1, None)) for name in plan.names)


@cache
def _slot_offsets(plan: _Plan) -> tuple[int, ...] | None:
    """Where the compiled core reads each field of the plan's class (its slots)."""
    return MARC_CORE.slot_offsets(plan.cls, plan.names) if MARC_CORE is not None else None


@cache
def _spec(plan: _Plan) -> tuple[Any, ...]:
    kinds, subs = [], []
    for kind, sub in _field_kinds(plan):
        kinds.append(kind)
        subs.append(_spec(sub) if sub is not None else None)
    keys = tuple(f"{name!r}: " for name in plan.names)
    return plan.names, keys, tuple(kinds), tuple(subs), plan.fetch, plan.cls, _slot_offsets(plan)


def record_to_row(record: Record) -> dict[str, Any]:
    """A plain dict with exactly the schema's columns, ready for Arrow or JSON."""
    return _convert(record, _plan(Record))


def _from_plain(tp: Any, value: Any) -> Any:
    inner, _ = _unwrap_optional(tp)
    if value is None:
        return None
    if typing.get_origin(inner) is list:
        (item,) = typing.get_args(inner)
        return [_from_plain(item, v) for v in value]
    if dataclasses.is_dataclass(inner) and isinstance(inner, type):
        return inner(**{n: _from_plain(h, value.get(n)) for n, h in _fields(inner)})
    return value


def record_from_row(row: dict[str, Any]) -> Record:
    """Rebuild a :class:`Record` from a row read back from DuckDB, Parquet or JSON."""
    rebuilt = _from_plain(Record, {n: row.get(n) for n in _field_names(Record)})
    assert isinstance(rebuilt, Record)
    return rebuilt


def records_to_table(records: Iterable[Record]) -> pa.Table:
    """The records as a table of the schema's columns, built column by column: the
    fields of every record fetched in one C call each, and the structs and lists among
    them flattened into their child columns (offsets and validity for the lists), so no
    Python dict is made per struct; Arrow converts each flat column at once.  The
    compiled core does the same walk and writes the strings, integers and booleans
    into Arrow buffers itself."""
    objs = records if type(records) is list else list(records)
    if not objs:
        return RECORD_ARROW_SCHEMA.empty_table()
    if MARC_CORE is not None:
        columns = MARC_CORE.arrow_columns(objs, arrow_spec())
    else:
        plan = _plan(Record)
        columns = _children([plan.fetch(r) for r in objs], plan, RECORD_ARROW_SCHEMA)
    return pa.Table.from_arrays(columns, schema=RECORD_ARROW_SCHEMA)


@cache
def arrow_spec() -> tuple[Any, ...]:
    """The record's plan as plain tuples for the compiled core's ``arrow_columns``."""
    return _arrow_spec(_plan(Record), tuple(RECORD_ARROW_SCHEMA))


def _arrow_spec(plan: _Plan, fields: tuple[pa.Field, ...]) -> tuple[Any, ...]:
    """(the class, its field names, where its slots are, each field's kind of column,
    its Arrow type, the spec of its struct, the fetch): a kind the core has no builder
    for is ``other``, which it leaves to ``pa.array``."""
    kinds_of = MARC_CORE.ARROW_KINDS
    kinds: list[int] = []
    subs: list[tuple[Any, ...] | None] = []
    for (kind, sub), f in zip(_field_kinds(plan), fields, strict=True):
        if kind == _STRUCT:
            kinds.append(kinds_of["struct"])
            subs.append(_arrow_spec(sub, tuple(f.type)))
        elif kind == _STRUCT_LIST:
            kinds.append(kinds_of["struct_list"])
            subs.append(_arrow_spec(sub, tuple(f.type.value_type)))
        else:
            if kind == _SCALAR_LIST:
                scalar = "string_list" if f.type == pa.list_(pa.string()) else "other"
            else:
                scalar = _SCALAR_KINDS.get(f.type, "other")
            kinds.append(kinds_of[scalar])
            subs.append(None)
    dtypes = tuple(f.type for f in fields)
    return (plan.cls, plan.names, _slot_offsets(plan), tuple(kinds), dtypes, tuple(subs),
            plan.fetch)  # fmt: skip


_SCALAR_KINDS = {pa.string(): "string", pa.int64(): "int64", pa.bool_(): "bool"}


def _children(
    rows: Sequence[tuple[Any, ...]], plan: _Plan, fields: Iterable[pa.Field]
) -> list[pa.Array]:
    """One Arrow array per field of ``plan``'s class, from its objects' fetched fields."""
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    out = []
    for (kind, sub), values, column in zip(_field_kinds(plan), columns, fields, strict=True):
        if kind == _STRUCT_LIST:
            items = partial(_struct_array, dtype=column.type.value_type, plan=sub)
            out.append(_list_array(values, column.type, items))
        elif kind == _STRUCT:
            out.append(_struct_array(values, column.type, sub))
        else:
            out.append(pa.array(values, type=column.type))
    return out


def _list_array(
    values: Sequence[Sequence[Any] | None], dtype: pa.DataType,
    build: Callable[[list[Any]], pa.Array],
) -> pa.Array:  # fmt: skip
    """A list column: every list's items in one flat child built by ``build``, with the
    offsets of each list and a null where the value is None."""
    offsets = [0]
    flat: list[Any] = []
    nulls = False
    for value in values:
        if value is None:
            nulls = True
        else:
            flat.extend(value)
        offsets.append(len(flat))
    return pa.ListArray.from_arrays(
        pa.array(offsets, pa.int32()), build(flat), type=dtype,
        mask=pa.array([v is None for v in values], pa.bool_()) if nulls else None,
    )  # fmt: skip


def _struct_array(objs: Sequence[Any], dtype: pa.DataType, plan: _Plan) -> pa.Array:
    """A struct column from dataclass objects (None a null struct), child by child."""
    blank = (None,) * len(plan.names)
    rows, nulls, any_null = [], None, False
    for obj in objs:
        if obj is None:
            any_null = True
            rows.append(blank)
        else:
            rows.append(plan.fetch(obj))
    if any_null:
        nulls = [obj is None for obj in objs]
    fields = list(dtype)
    children = _children(rows, plan, fields) if rows else [pa.array([], f.type) for f in fields]
    mask = pa.array(nulls, pa.bool_()) if nulls is not None else None
    return pa.StructArray.from_arrays(children, fields=fields, mask=mask)
