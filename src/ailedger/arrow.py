"""Records to Arrow tables and back, with types that keep their meaning.

Dates become ``struct<edtf: string, earliest: date32, latest: date32>`` so other
tools can filter on the bounds without parsing EDTF; nested fields become lists
and structs; each field's description travels in the Arrow field metadata.
"""

from __future__ import annotations

import gc
import itertools
import operator
import types
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, TypeAdapter

from ailedger.dates import FuzzyDate

DATE = pa.struct([("edtf", pa.string()), ("earliest", pa.date32()), ("latest", pa.date32())])


def _strip(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``| None`` and ``Annotated``, and whether it was nullable."""
    nullable = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            nullable = nullable or len(args) < len(typing.get_args(annotation))
            (annotation,) = args
        else:
            return annotation, nullable


def arrow_type(annotation: Any) -> tuple[pa.DataType, bool]:
    """The Arrow type of a model field annotation, and whether it is nullable."""
    inner, nullable = _strip(annotation)
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


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for bulk work, restored afterwards even on error.

    Reading or building a million rows allocates millions of objects and frees
    none of them cyclically; letting the collector scan them again and again
    costs more than the work itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
    inner, _ = _strip(annotation)
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
    inner, _ = _strip(annotation)
    if inner is FuzzyDate or (isinstance(inner, type) and issubclass(inner, BaseModel)):
        return False
    if typing.get_origin(inner) is list:
        return _plain(typing.get_args(inner)[0])
    return True
