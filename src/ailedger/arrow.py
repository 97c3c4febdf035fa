"""Records to Arrow tables and back, with types that keep their meaning.

Dates become ``struct<edtf: string, earliest: date32, latest: date32>`` so other
tools can filter on the bounds without parsing EDTF; nested fields become lists
and structs; each field's description travels in the Arrow field metadata.
Bulk files are read with :func:`input_schema` (dates as their EDTF text) and
their checked rows become release tables with :func:`release_table`, column by
column, without a model per row.
"""

from __future__ import annotations

import itertools
import operator
import types
import typing
from collections.abc import Iterable
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo

from ailedger.dates import FuzzyDate
from ailedger.memory import gc_paused

DATE = pa.struct([("edtf", pa.string()), ("earliest", pa.date32()), ("latest", pa.date32())])


def unwrap(annotation: Any, meta: Iterable[Any] = ()) -> tuple[Any, bool, dict[str, Any]]:
    """The bare type of a field annotation, whether it takes None, and its constraints (pattern, lengths, bounds).

    ``meta`` is the field's own metadata (``FieldInfo.metadata``); constraints
    inside ``Annotated`` are collected too, and, as ``description``, the first
    description a type alias carries there (``Id``, ``Country``).
    """
    nullable = False
    meta = list(meta)
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            meta += extra
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            nullable = nullable or len(args) < len(typing.get_args(annotation))
            (annotation,) = args
        else:
            break
    bounds: dict[str, Any] = {}
    for item in meta:
        if isinstance(item, FieldInfo) and item.description:
            bounds.setdefault("description", item.description)
        for part in item.metadata if isinstance(item, FieldInfo) else [item]:
            for name in ("pattern", "min_length", "max_length", "ge", "le"):
                if getattr(part, name, None) is not None:
                    bounds[name] = getattr(part, name)
    return annotation, nullable, bounds


def arrow_type(annotation: Any) -> tuple[pa.DataType, bool]:
    """The Arrow type of a model field annotation, and whether it is nullable."""
    inner, nullable, _ = unwrap(annotation)
    origin = typing.get_origin(inner)
    if inner is FuzzyDate:
        return DATE, nullable
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return pa.struct(model_fields(inner)), nullable
    if origin is list:
        item, _ = arrow_type(typing.get_args(inner)[0])
        return pa.list_(pa.field("item", item, nullable=False)), nullable
    if origin is Literal:
        values = typing.get_args(inner)
        return (pa.int8() if all(isinstance(v, int) for v in values) else pa.string()), nullable
    if inner is bool:
        return pa.bool_(), nullable
    if inner is int:
        return pa.int64(), nullable
    if inner is str:
        return pa.string(), nullable
    raise TypeError(f"no Arrow type for {annotation!r}")  # pragma: no cover - a new schema type needs a mapping here


def model_fields(model: type[BaseModel]) -> list[pa.Field]:
    out = []
    for name, info in model.model_fields.items():
        typ, nullable = arrow_type(info.annotation)
        meta = {"description": info.description} if info.description else None
        out.append(pa.field(name, typ, nullable=nullable, metadata=meta))
    return out


def schema(model: type[BaseModel], metadata: dict[str, str] | None = None) -> pa.Schema:
    return pa.schema(model_fields(model), metadata=metadata)


def _row(value: Any) -> Any:
    if isinstance(value, FuzzyDate):
        return {"edtf": value.edtf, "earliest": value.earliest, "latest": value.latest}
    if isinstance(value, BaseModel):
        return {k: _row(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, list):
        return [_row(v) for v in value]
    return value


def to_table(records: list[BaseModel], model: type[BaseModel], metadata: dict[str, str] | None = None) -> pa.Table:
    """Records as one Arrow table, sorted by id so builds are reproducible."""
    rows = [_row(r) for r in sorted(records, key=operator.attrgetter("id"))]
    return pa.Table.from_pylist(rows, schema=schema(model, metadata))


def _edtf_only(value: Any) -> Any:
    """Arrow rows back to the JSON-like form the model parses: date structs to their EDTF text."""
    if isinstance(value, dict):
        if value.keys() == {"edtf", "earliest", "latest"}:
            return value["edtf"]
        return {k: _edtf_only(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_edtf_only(v) for v in value]
    return value


def from_table(table: pa.Table, model: type[BaseModel]) -> list[Any]:
    """Arrow rows back to validated models."""
    rows = [_edtf_only(r) for r in table.to_pylist()]
    return TypeAdapter(list[model]).validate_python(rows, strict=True)  # type: ignore[valid-type]


def trusted_records(table: pa.Table, model: type[BaseModel]) -> list[Any]:
    """Models from rows that were validated at build time and hash-checked since, built without validating again.

    Values come column by column; each distinct date becomes one (immutable)
    :class:`FuzzyDate`. The models equal what :func:`from_table` returns, which
    the tests check; use that when the rows come from anywhere else.
    """
    names = list(model.model_fields)
    with gc_paused():
        columns = [_values(table.column(name), model.model_fields[name].annotation) for name in names]
        return _construct(model, names, columns)


def _construct(model: type[BaseModel], names: list[str], columns: list[list[Any]]) -> list[Any]:
    construct = model.model_construct
    every = set(names)
    return [construct(every, **dict(zip(names, row))) for row in zip(*columns)]


def _values(column: pa.ChunkedArray | pa.Array, annotation: Any) -> list[Any]:
    """One Python value per row, of the type the model field holds."""
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    inner, _, _ = unwrap(annotation)
    if inner is FuzzyDate:
        # flatten(), not field(): a null date's children may hold anything (a sorted, concatenated
        # table of YAML and bulk rows holds ""), and flatten() masks them with the struct's own nulls.
        text, earliest_at, latest_at = column.flatten()
        edtf = pc.dictionary_encode(text)
        first = pc.index_in(edtf.dictionary, value_set=text)
        earliest = earliest_at.take(first).to_pylist()
        latest = latest_at.take(first).to_pylist()
        made = [FuzzyDate(e, a, b) for e, a, b in zip(edtf.dictionary.to_pylist(), earliest, latest)] + [None]
        return [made[i] for i in pc.fill_null(edtf.indices, len(made) - 1).to_pylist()]
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        names = list(inner.model_fields)
        children = [_values(column.field(n), inner.model_fields[n].annotation) for n in names]
        made = _construct(inner, names, children)
        return (
            [None if null else m for m, null in zip(made, column.is_null().to_pylist())] if column.null_count else made
        )
    if typing.get_origin(inner) is list and not _plain(typing.get_args(inner)[0]):
        items = _values(column.flatten(), typing.get_args(inner)[0])
        bounds = column.offsets.to_pylist()
        lists = [items[a:b] for a, b in itertools.pairwise(bounds)]
        return (
            [None if null else v for v, null in zip(lists, column.is_null().to_pylist())]
            if column.null_count
            else lists
        )
    return column.to_pylist()


def _plain(annotation: Any) -> bool:
    """Whether Arrow's own to_pylist gives the model's value (no dates or models inside)."""
    inner, _, _ = unwrap(annotation)
    if inner is FuzzyDate or (isinstance(inner, type) and issubclass(inner, BaseModel)):
        return False
    if typing.get_origin(inner) is list:
        return _plain(typing.get_args(inner)[0])
    return True


def _input_type(typ: pa.DataType) -> pa.DataType:
    """Arrow type of a release column as it is written in JSON: dates are EDTF text."""
    if typ == DATE:
        return pa.string()
    if pa.types.is_list(typ):
        return pa.list_(_input_type(typ.value_type))
    if pa.types.is_struct(typ):
        return pa.struct([pa.field(f.name, _input_type(f.type)) for f in typ])
    return typ


def input_schema(model: type[BaseModel]) -> pa.Schema:
    """The schema a bulk file is read with; every field nullable, since absence is the schema check's business."""
    return pa.schema([pa.field(f.name, _input_type(f.type)) for f in schema(model)])


def release_table(parts: list[pa.Table], model: type[BaseModel]) -> pa.Table:
    """Checked bulk rows as a release table: dates as (edtf, earliest, latest) structs, absent fields at their defaults.

    Columns that need no conversion are passed on as they are, without a copy.
    The rows were validated, so every date parses.
    """
    dates: dict[str, FuzzyDate] = {}
    target = schema(model)
    table = pa.concat_tables(parts) if parts else input_schema(model).empty_table()
    columns = []
    for f in target:
        column = table.column(f.name)
        if f.type != column.type:
            column = pa.chunked_array([_structs(chunk, f.type, dates) for chunk in column.chunks], f.type)
        if not f.nullable and column.null_count:  # an absent field takes the model's default, as in a record file
            default = model.model_fields[f.name].get_default(call_default_factory=True)
            column = pa.chunked_array([_with_default(chunk, default, f.type) for chunk in column.chunks], f.type)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=target)


def _with_default(chunk: pa.Array, default: Any, typ: pa.DataType) -> pa.Array:
    """Absent values replaced by the default; an absent list is already an empty slot, so it only loses its null."""
    import numpy as np
    import pyarrow.compute as pc

    if default == [] and pa.types.is_list(typ):
        offsets = chunk.offsets
        sizes = np.diff(offsets.to_numpy())
        if not sizes[chunk.is_null().to_numpy(zero_copy_only=False)].any():
            return pa.ListArray.from_arrays(offsets, chunk.values, type=typ)
    return pc.fill_null(chunk, pa.scalar(default, typ))


def _date_structs(column: pa.Array, dates: dict[str, FuzzyDate]) -> pa.Array:
    """EDTF text to (edtf, earliest, latest), parsing each distinct date once."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(column)
    parsed = []
    for value in encoded.dictionary.to_pylist():
        if value not in dates:
            dates[value] = FuzzyDate.parse(value)
        parsed.append(dates[value])
    earliest = pa.array([p.earliest for p in parsed], pa.date32()).take(encoded.indices)
    latest = pa.array([p.latest for p in parsed], pa.date32()).take(encoded.indices)
    return pa.StructArray.from_arrays([column, earliest, latest], fields=list(DATE), mask=pc.is_null(column))


def _structs(column: pa.Array, typ: pa.DataType, dates: dict[str, FuzzyDate]) -> pa.Array:
    """Nested input columns to the release type (dates inside lists and structs; none in metrics)."""
    import pyarrow.compute as pc

    if typ == DATE:
        return _date_structs(column, dates)
    if pa.types.is_list(typ):
        inner = _structs(column.flatten(), typ.value_type, dates)
        return pa.ListArray.from_arrays(column.offsets, inner, type=typ, mask=pc.is_null(column))
    if pa.types.is_struct(typ):
        children = [_structs(column.field(f.name), f.type, dates) for f in typ]
        return pa.StructArray.from_arrays(children, fields=list(typ), mask=pc.is_null(column))
    return column.cast(typ)
