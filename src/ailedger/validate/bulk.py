"""Bulk files: long metric series as JSON Lines, validated on columns.

A table folder may hold ``<name>.jsonl`` files beside its one-record YAML
files: one record per line, the same schema, the same rules and the same
provenance (every row cites its source). Today only ``metrics/`` takes bulk
files; the other tables are small and curated by hand.

Checking a million rows record by record costs seconds of pydantic and
garbage collection, so the file is read in chunks by Arrow's JSON reader
(strict: duplicate keys, NaN, Infinity, lone surrogates, numbers that overflow
int64, wrong types and unknown fields all fail the chunk) and every rule is
applied to whole columns, values that repeat (dates, quotes, references) once
per distinct value. The column checks are deliberately conservative: a row that
any of them cannot clear is re-read on its own and checked by the very code
that checks YAML records (the pydantic model, :func:`ailedger.validate.record.hygiene`,
every rule in :data:`ailedger.validate.rules.RULES`), so a bulk row gets exactly the
codes and messages a record file would, located as ``file:line``. Clean rows
never become Python objects.

A new per-record rule needs a column check here too; ``tests/test_bulk.py``
compares both paths on bad rows of every kind.
"""

from __future__ import annotations

import io
import json
import re
import types
import typing
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ailedger import arrow
from ailedger.arrow import gc_paused
from ailedger.dates import FuzzyDate
from ailedger.schema import LATEST
from ailedger.validate import numbers, quotes, rules, text
from ailedger.validate.diagnostics import Diagnostic, escape
from ailedger.validate.files import BULK_SUFFIX, display
from ailedger.validate.record import (
    NAME_FIELDS,
    PROSE_FIELDS,
    Loaded,
    check_document,
    id_fields,
)
from ailedger.validate.yaml12 import Document

__all__ = ["BULK_SUFFIX", "BULK_TABLES", "check", "gc_paused", "input_schema", "release_table"]

BULK_TABLES = frozenset({"metrics"})
CHUNK_BYTES = 16 << 20
MAX_DIGITS = 19  # int64; a longer number is refused before Python turns it into a big int
_SAME_TABLE = ("parent_id", "family_id", "derived_from", "distinct_from")
_NEVER = 1 << 40  # an ordinal after every date, for what has no date
_BLANK_LINE = re.compile(rb"\n[ \t\r]+\n")


# --- the JSON form of a table, as Arrow types ------------------------------------------------------


def _input_type(typ: pa.DataType) -> pa.DataType:
    """Arrow type of a release column as it is written in JSON: dates are EDTF text."""
    if typ == arrow.DATE:
        return pa.string()
    if pa.types.is_list(typ):
        return pa.list_(_input_type(typ.value_type))
    if pa.types.is_struct(typ):
        return pa.struct([pa.field(f.name, _input_type(f.type)) for f in typ])
    return typ


def input_schema(model: type[BaseModel]) -> pa.Schema:
    """The schema a bulk file is read with; every field nullable, since absence is the schema check's business."""
    return pa.schema([pa.field(f.name, _input_type(f.type)) for f in arrow.schema(model)])


# --- column checks that stand in for the pydantic model ---------------------------------------------


def _unwrap(annotation: Any, meta: list[Any]) -> tuple[Any, bool, dict[str, Any]]:
    """The bare type of an annotation, whether it takes None, and its constraints (pattern, lengths, bounds)."""
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
        for part in item.metadata if isinstance(item, FieldInfo) else [item]:
            for name in ("pattern", "min_length", "max_length", "ge", "le"):
                if getattr(part, name, None) is not None:
                    bounds[name] = getattr(part, name)
    return annotation, nullable, bounds


def _np(array: pa.Array | pa.ChunkedArray, fill: bool = False) -> np.ndarray:
    return np.asarray(pc.fill_null(array, fill).to_numpy(zero_copy_only=False), dtype=bool)


def _spread(flat_bad: np.ndarray, lists: pa.Array, n: int) -> np.ndarray:
    """Rows (of ``lists``) that hold at least one flagged item."""
    out = np.zeros(n, dtype=bool)
    if flat_bad.any():
        out[pc.list_parent_indices(lists).to_numpy()[flat_bad]] = True
    return out


class Suspects:
    """Per-row flags, computed on columns, for values the model or text hygiene might reject; none is missed.

    Checks values once per distinct value where a value repeats (dates, text
    hygiene); the results are cached for the whole run.
    """

    def __init__(self) -> None:
        self.dates: dict[str, FuzzyDate | None] = {}
        self.clean_text: dict[tuple[str, bool, bool], bool] = {}

    def date(self, value: str) -> FuzzyDate | None:
        if value not in self.dates:
            try:
                self.dates[value] = FuzzyDate.parse(value)
            except ValueError:
                self.dates[value] = None
        return self.dates[value]

    def _per_distinct(self, column: pa.Array, ok: typing.Callable[[str], bool]) -> np.ndarray:
        encoded = pc.dictionary_encode(column)
        verdicts = np.array([ok(v) for v in encoded.dictionary.to_pylist()] + [True], dtype=bool)
        index = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy()
        return ~verdicts[index]

    def flags(self, column: pa.Array, annotation: Any, meta: list[Any], null_ok: bool, name: str) -> np.ndarray:
        inner, nullable, bounds = _unwrap(annotation, meta)
        n = len(column)
        nulls = _np(column.is_null())
        bad = nulls.copy() if not (null_ok or nullable) else np.zeros(n, dtype=bool)
        if column.null_count == n:
            return bad
        if inner is FuzzyDate:
            bad |= self._per_distinct(column, lambda v: self.date(v) is not None)
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            for child, (sub, info) in zip(column.flatten(), inner.model_fields.items()):
                bad |= self.flags(child, info.annotation, info.metadata, not info.is_required(), sub) & ~nulls
        elif typing.get_origin(inner) is list:
            if "min_length" in bounds:
                bad |= _np(pc.less(pc.list_value_length(column), bounds["min_length"]))
            items = column.flatten()
            bad |= _spread(self.flags(items, typing.get_args(inner)[0], [], False, name), column, n)
        elif typing.get_origin(inner) is Literal:
            allowed = pa.array(typing.get_args(inner), type=column.type)
            bad |= ~_np(pc.is_in(column, value_set=allowed), True)
        elif inner is str:
            if "pattern" in bounds:
                bad |= ~_np(pc.match_substring_regex(column, bounds["pattern"]), True)
            if "min_length" in bounds or "max_length" in bounds:
                length = pc.utf8_length(column)
                bad |= _np(pc.less(length, bounds.get("min_length", 0)))
                bad |= _np(pc.greater(length, bounds.get("max_length", 1 << 62)))
            if name not in id_fields():  # text hygiene, as record.hygiene applies it
                kind = (name in NAME_FIELDS, name in PROSE_FIELDS)
                bad |= self._per_distinct(column, lambda v: self._clean(v, kind))
        elif inner is int:
            if "ge" in bounds:
                bad |= _np(pc.less(column, bounds["ge"]))
            if "le" in bounds:
                bad |= _np(pc.greater(column, bounds["le"]))
        elif inner is not bool:  # pragma: no cover - a new schema type needs a column check here
            raise TypeError(f"no column check for {annotation!r}")
        return bad

    def _clean(self, value: str, kind: tuple[bool, bool]) -> bool:
        key = (value, *kind)
        if key not in self.clean_text:
            self.clean_text[key] = not any(text.problems(value, name=kind[0], prose=kind[1]))
        return self.clean_text[key]

    def rows(self, table: pa.Table, model: type[BaseModel]) -> np.ndarray:
        bad = np.zeros(table.num_rows, dtype=bool)
        for name, info in model.model_fields.items():
            bad |= self.flags(
                table.column(name).combine_chunks(), info.annotation, info.metadata, not info.is_required(), name
            )
        return bad


# --- one line, checked exactly as a record file is ---------------------------------------------------


class _LineProblem(ValueError):
    def __init__(self, code: str, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.column = code, message, column


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _LineProblem("json.duplicate-key", f"key \"{escape(key)}\" appears twice in one object; keep one")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise _LineProblem("json.not-a-number", f"{name} is not a JSON number; write the count as a whole number")


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise _LineProblem(
            "json.number-too-large",
            f"the number {digits[:24]}… has more than {MAX_DIGITS} digits; counts fit in a 64-bit integer",
        )
    return int(digits)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(value: Any) -> None:
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            todo += list(item.keys()) + list(item.values())
        elif isinstance(item, list):
            todo += item
        elif isinstance(item, str) and _SURROGATE.search(item):
            raise _LineProblem("text.surrogate", "text holds a lone surrogate code point; write the real character")


def _line_doc(data: dict[str, Any], line: int) -> Document:
    # Every field of a JSON Lines record is on its line; columns are not tracked.
    return Document(data, {(): (line, None)})  # type: ignore[dict-item]


def read_line(raw: bytes, line: int, shown: str) -> Document | Diagnostic:
    """One line of a bulk file as strict JSON (no duplicate keys, NaN, huge numbers or lone surrogates), else why not.
    """
    try:
        if raw.startswith(b"\xef\xbb\xbf"):
            raise _LineProblem("file.bom", "the file starts with a byte order mark; save it as UTF-8 without BOM", 1)
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _LineProblem(
                "file.encoding", f"byte {raw[exc.start]:#04x} is not UTF-8; save the file as UTF-8", exc.start + 1
            ) from None
        if not content.strip():
            raise _LineProblem("json.blank-line", "blank line; each line of a .jsonl file holds one record")
        try:
            data = json.loads(content, object_pairs_hook=_pairs, parse_constant=_constant, parse_int=_integer)
        except json.JSONDecodeError as exc:
            raise _LineProblem("json.syntax", f"{exc.msg}; each line holds one JSON object", exc.colno) from None
        if not isinstance(data, dict):
            raise _LineProblem(
                "record.not-mapping",
                f'the line holds a JSON {type(data).__name__}, not an object; write one record per line as {{"id": '
                '...}',
            )
        _no_surrogates(data)
    except _LineProblem as exc:
        return Diagnostic(shown, line, exc.column, exc.code, "", exc.message)
    return _line_doc(data, line)


def check_line(table: str, raw: bytes, line: int, shown: str) -> tuple[Loaded | None, list[Diagnostic]]:
    """One line of a bulk file, checked like a record file: strict JSON, text hygiene, the schema."""
    doc = read_line(raw, line, shown)
    if isinstance(doc, Diagnostic):
        return None, [doc]
    return check_document(table, doc, shown)


# --- reading a bulk file in chunks -------------------------------------------------------------------


def _chunks(path: Path) -> Iterator[tuple[int, bytes]]:
    """(number of the chunk's first line, bytes) of whole lines, about CHUNK_BYTES at a time."""
    first = 1
    rest = b""
    with path.open("rb") as fh:
        while True:
            block = fh.read(CHUNK_BYTES)
            if not block:
                break
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                rest = block
                continue
            chunk, rest = block[:cut], block[cut:]
            yield first, chunk
            first += chunk.count(b"\n")
    if rest:
        yield first, rest


def _lines_of(chunk: bytes) -> list[bytes]:
    lines = chunk.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def _fast_parse(chunk: bytes, schema: pa.Schema, explicit_null: re.Pattern[bytes] | None) -> pa.Table | None:
    """The chunk as a table, one row per line; None when anything needs the exact path."""
    blank = chunk.lstrip(b" \t\r").startswith((b"\n", b"\xef\xbb\xbf")) or b"\n\n" in chunk or _BLANK_LINE.search(chunk)
    if blank or (explicit_null and explicit_null.search(chunk)):
        return None
    try:
        table = pj.read_json(
            io.BytesIO(chunk),
            read_options=pj.ReadOptions(block_size=4 << 20),
            parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error"),
        )
        table.validate(full=True)  # Arrow's reader keeps invalid UTF-8 in strings; the full validation refuses it
    except pa.ArrowInvalid:
        return None
    lines = chunk.count(b"\n") + (not chunk.endswith(b"\n"))
    return table if table.num_rows == lines else None  # two objects on one line


def _explicit_null(model: type[BaseModel]) -> re.Pattern[bytes] | None:
    """Fields that may be absent but not null: Arrow reads both as null, so an explicit null takes the exact path."""
    names = [
        name
        for name, info in model.model_fields.items()
        if not info.is_required() and not _unwrap(info.annotation, [])[1]
    ]
    names += [
        name
        for name, info in LATEST.Citation.model_fields.items()
        if not info.is_required() and not _unwrap(info.annotation, [])[1]
    ]
    if not names:
        return None
    return re.compile(rb'"(?:' + b"|".join(re.escape(n.encode()) for n in names) + rb')"\s*:\s*null')


# --- quotes found in their source, many at a time -----------------------------------------------------

_GRAM = 8
_SPACE = re.compile(rb" ")


@dataclass(slots=True)
class _SpanIndex:
    """Where each word of a source text starts, sorted by its first 8 bytes, to find many quotes without a scan each.

    A quote is a substring of the text exactly when its UTF-8 bytes are a
    substring of the text's; a word of the quote (after one of its spaces) starts
    where a word of the text starts, so only those places need indexing. The
    index only proposes where to compare; the comparison is on the bytes.
    """

    raw: bytes
    grams: np.ndarray
    starts: np.ndarray

    @classmethod
    def of(cls, source: quotes.SourceText) -> _SpanIndex:
        raw = source.normalized.encode("utf-8")
        data = np.frombuffer(raw, dtype=np.uint8)
        starts = np.flatnonzero(data[:-_GRAM] == 0x20).astype(np.int64) + 1
        grams = _grams(data, starts)
        order = np.argsort(grams)
        return cls(raw, grams[order], starts[order])

    def contains_all(self, found: list[str]) -> list[bool]:
        """Whether each quote is in the text; one vectorized lookup for all of them."""
        needles = [quotes.normalize(q).encode("utf-8") for q in found]
        offsets = [_word_starts(n) for n in needles]
        owner = np.array([k for k, offs in enumerate(offsets) for _ in offs], dtype=np.int64)
        flat = np.array([o for offs in offsets for o in offs], dtype=np.int64)
        if len(flat):
            bases = np.cumsum([0] + [len(n) for n in needles])[:-1]
            data = np.frombuffer(b"".join(needles), dtype=np.uint8)
            keys = _grams(data, bases[owner] + flat)
            lo = np.searchsorted(self.grams, keys, side="left")
            hi = np.searchsorted(self.grams, keys, side="right")
        out = []
        first = 0
        for needle, offs in zip(needles, offsets):
            if not offs:
                out.append(needle in self.raw)
                continue
            span = slice(first, first + len(offs))
            first += len(offs)
            best = first - len(offs) + int(np.argmin((hi - lo)[span]))
            shift = int(flat[best])
            out.append(
                any(self.raw.startswith(needle, int(p) - shift) for p in self.starts[lo[best] : hi[best]] if p >= shift)
            )
        return out


def _word_starts(needle: bytes, most: int = 4) -> list[int]:
    """A few places in ``needle`` right after a space with 8 bytes to follow: candidates for the lookup."""
    starts = [m.end() for m in _SPACE.finditer(needle, 0, len(needle) - _GRAM)]
    step = max(1, len(starts) // most)
    return starts[::step][:most]


def _grams(data: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The 8 bytes at each start, as one integer (starts are at least 8 bytes before the end)."""
    out = np.zeros(len(starts), dtype=np.uint64)
    for k in range(_GRAM):
        out |= data[starts + k].astype(np.uint64) << np.uint64(8 * k)
    return out


# --- the run -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _File:
    """What a bulk file leaves for the checks across all rows: ids and the keys of its series."""

    shown: str
    path: Path
    ids: list[pa.Array] = field(default_factory=list)
    lines: list[np.ndarray] = field(default_factory=list)
    keys: list[pa.Table] = field(default_factory=list)
    """Per chunk, the series keys (subject, metric, dates, region) as integer codes."""
    flagged: set[int] = field(default_factory=set)
    rejected: list[str] = field(default_factory=list)
    """Ids of rows the schema rejected: references to them are not dangling."""


_SERIES = ("subject_id", "metric", "as_of", "reported", "region")


class _Run:
    """One validation run over YAML records and bulk files."""

    def __init__(self, records: list[Loaded], texts: Path | None, keep: dict[str, list[Any]] | None) -> None:
        self.records = records
        self.keep = keep
        self.texts = texts
        self.suspects = Suspects()
        self.diagnostics: list[Diagnostic] = []
        self.table_of = {r.record.id: r.table for r in records if r.record is not None}
        self.sources = {r.record.id: r.record for r in records if r.record is not None and r.table == "sources"}
        self.kinds = {
            r.record.id: r.record.kind for r in records if r.record is not None and r.table == "organizations"
        }
        self.texts_of: dict[str, quotes.SourceText | None] = {}
        self.spans: dict[str, _SpanIndex] = {}
        self.quote_ok: dict[tuple[str, str], bool] = {}
        self.numbers: dict[tuple[str, str | None], frozenset[int]] = {}
        self.files: list[_File] = []
        self.key_codes: dict[str, dict[str | None, int]] = {}

    # row checks ---------------------------------------------------------------------------------

    def _source_text(self, source_id: str) -> quotes.SourceText | None:
        if source_id not in self.texts_of:
            path = self.texts / f"{source_id}.txt" if self.texts else None
            self.texts_of[source_id] = quotes.SourceText.read(path) if path and path.is_file() else None
        return self.texts_of[source_id]

    def _prefetch_quotes(self, pairs: list[tuple[str, str]]) -> None:
        """Look up the quotes not seen before, source by source, in one batch each."""
        todo: dict[str, list[str]] = {}
        for source_id, quote in pairs:
            if (source_id, quote) not in self.quote_ok:
                todo.setdefault(source_id, []).append(quote)
        for source_id, found in todo.items():
            source = self._source_text(source_id) if self.texts else None
            if source is None:
                verdicts = [True] * len(found)  # no texts, or the sources rule reports the missing text
            else:
                if source_id not in self.spans:
                    self.spans[source_id] = _SpanIndex.of(source)
                verdicts = self.spans[source_id].contains_all(found)
            for quote, ok in zip(found, verdicts):
                cjk = any("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in quote)
                long_enough = len(quote.strip()) >= (rules.MIN_QUOTE_CJK if cjk else rules.MIN_QUOTE)
                self.quote_ok[source_id, quote] = ok and long_enough

    def _stated_numbers(self, quote: str, source_id: str) -> frozenset[int]:
        source = self.sources.get(source_id)
        key = (quote, source.language if source is not None else None)
        if key not in self.numbers:
            self.numbers[key] = frozenset(numbers.stated(*key))
        return self.numbers[key]

    def _table_in(self, allowed: Collection[str]) -> Callable[[str], bool]:
        return lambda target: self.table_of.get(target) in allowed

    def rule_flags(self, table: pa.Table, model: type[BaseModel]) -> np.ndarray:
        """Rows that some rule might object to; the exact rules then decide."""
        n = table.num_rows
        bad = np.zeros(n, dtype=bool)
        # a quote's rows are neighbours: keeping its figures for the whole run costs memory, not time
        self.numbers.clear()
        fields = list(model.model_fields)
        skip = {"id", "schema_version", "citations"} | LATEST.CURATOR_TEXT
        bit = {name: np.uint64(1) << np.uint64(i) for i, name in enumerate(fields) if name not in skip}

        stated = np.zeros(n, dtype=np.uint64)
        for name, info in model.model_fields.items():
            if name not in bit:
                continue
            column = table.column(name).combine_chunks()
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            if info.is_required():
                is_set = np.ones(n, dtype=bool)
            elif default is None:
                is_set = _np(column.is_valid())
            elif default == []:
                is_set = _np(pc.greater(pc.list_value_length(column), 0))
            else:  # pragma: no cover - metrics have no other defaults
                raise TypeError(f"no column check for the default of {name}")
            stated[is_set] |= bit[name]

        cites = table.column("citations").combine_chunks()
        cite_row = pc.list_parent_indices(cites).to_numpy()
        flat = cites.flatten()
        source_id, quote, supports = flat.field("source_id"), flat.field("quote"), flat.field("supports")
        names = supports.flatten()
        name_cite = pc.list_parent_indices(supports).to_numpy()
        encoded = pc.dictionary_encode(names)
        vocab = encoded.dictionary.to_pylist()
        name_bits = np.array([bit.get(v, np.uint64(0)) for v in vocab], dtype=np.uint64)
        codes = encoded.indices.to_numpy()
        unknown = np.array([v not in bit for v in vocab], dtype=bool)
        bad[cite_row[name_cite[unknown[codes]]]] = True  # unknown field, curator text, id or citations
        per_cite = np.zeros(len(flat), dtype=np.uint64)
        np.bitwise_or.at(per_cite, name_cite, name_bits[codes])
        doubled = np.bitwise_count(per_cite) != pc.list_value_length(supports).to_numpy()
        bad[cite_row[doubled]] = True
        supported = np.zeros(n, dtype=np.uint64)
        np.bitwise_or.at(supported, cite_row, per_cite)
        bad |= stated != supported  # a set field nobody quotes, or a quote for a field that is not set

        # references: distinct targets against the ids known so far; same-table references go the exact way
        for (owner, name), allowed in LATEST.REFERENCES.items():
            if owner != "metrics":
                continue
            column = table.column(name).combine_chunks()
            if name in _SAME_TABLE:
                bad |= _np(pc.greater(pc.list_value_length(column), 0))
                continue
            bad |= self._per_target(column, self._table_in(allowed))
        cite_bad = self._per_target(source_id, lambda t: self.table_of.get(t) == "sources")
        cite_bad |= self._per_target(
            flat.field("via"),
            lambda t: self.table_of.get(t) == "organizations" and self.kinds.get(t) in rules.REPORTING_KINDS,
        )

        # quotes: found in the source, long enough; once per distinct (source, quote)
        pairs = pa.table({"s": source_id, "q": quote}).group_by(["s", "q"]).aggregate([])
        distinct = list(zip(pairs.column("s").to_pylist(), pairs.column("q").to_pylist()))
        self._prefetch_quotes(distinct)
        wrong = [pair for pair in distinct if not self.quote_ok[pair]]
        if wrong:
            mask = np.zeros(len(flat), dtype=bool)
            for s, q in wrong:
                mask |= _np(pc.and_(pc.equal(source_id, s), pc.equal(quote, q)))
            cite_bad |= mask

        # dates: plausible, not after the sources that state them, reported not before as_of
        supports_of = {name: np.zeros(len(flat), dtype=bool) for name in bit}
        for name, code_bit in bit.items():
            supports_of[name][name_cite[(name_bits[codes] & code_bit) != 0]] = True
        published = self._per_distinct_number(
            source_id, lambda s: self.sources[s].published.latest.toordinal() if s in self.sources else _NEVER
        )
        bounds = {}
        for name in ("as_of", "reported"):
            earliest, latest, missing = self._date_bounds(table.column(name).combine_chunks())
            bounds[name] = (earliest, latest, missing)
            bad |= ~missing & (earliest < rules.EARLIEST_PLAUSIBLE.toordinal())
            after = supports_of[name] & ~missing[cite_row] & (earliest[cite_row] > published)
            bad[cite_row[after]] = True
        bad |= ~bounds["as_of"][2] & ~bounds["reported"][2] & (bounds["reported"][1] < bounds["as_of"][0])

        # metric rules: dated, derivation with derived_from, value stated by its quote, within the world
        as_of_null = _np(table.column("as_of").is_null())
        bad |= as_of_null & _np(table.column("reported").is_null())
        bad |= _np(table.column("derivation").is_valid())  # derived values are rare: the exact path checks them
        value = table.column("value").combine_chunks().to_numpy()
        metric = table.column("metric").combine_chunks()
        bad |= _np(pc.is_in(metric, value_set=pa.array(rules.USER_METRICS))) & (value > rules.WORLD_POPULATION)
        bad |= ~self._value_stated(value, cite_row, source_id, quote, supports_of["value"])

        bad[cite_row[cite_bad]] = True
        return bad

    def _value_stated(
        self, value: np.ndarray, cite_row: np.ndarray, source_id: pa.Array, quote: pa.Array, supports_value: np.ndarray
    ) -> np.ndarray:
        """Rows whose value is a figure stated by a quote that supports value; each distinct quote is read once."""
        picked = np.flatnonzero(supports_value)
        sources = pc.dictionary_encode(source_id.take(picked))
        quoted = pc.dictionary_encode(quote.take(picked))
        pair = sources.indices.to_numpy().astype(np.int64) * len(quoted.dictionary) + quoted.indices.to_numpy()
        distinct, which = np.unique(pair, return_inverse=True)
        source_names, quote_texts = sources.dictionary.to_pylist(), quoted.dictionary.to_pylist()
        numbers = [
            self._stated_numbers(quote_texts[p % len(quote_texts)], source_names[p // len(quote_texts)])
            for p in distinct.tolist()
        ]
        rows = cite_row[picked]
        hits = [v in numbers[w] for v, w in zip(value[rows].tolist(), which.tolist())]
        out = np.zeros(len(value), dtype=bool)
        out[rows[np.array(hits, dtype=bool)]] = True
        return out

    def _per_target(self, column: pa.Array, ok: typing.Callable[[str], bool]) -> np.ndarray:
        """Rows whose reference (when set) is not ``ok``, each distinct target asked once."""
        return self.suspects._per_distinct(column, ok) & _np(column.is_valid())

    def _per_distinct_number(self, column: pa.Array, value: typing.Callable[[str], int]) -> np.ndarray:
        encoded = pc.dictionary_encode(column)
        table = np.array([value(v) for v in encoded.dictionary.to_pylist()] + [_NEVER], dtype=np.int64)
        return table[pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy()]

    def _date_bounds(self, column: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Earliest and latest day of each row's date as ordinals, and where the date is missing."""
        earliest = self._per_distinct_number(column, lambda v: self.suspects.date(v).earliest.toordinal())  # type: ignore[union-attr]
        latest = self._per_distinct_number(column, lambda v: self.suspects.date(v).latest.toordinal())  # type: ignore[union-attr]
        return earliest, latest, _np(column.is_null())

    # a file -----------------------------------------------------------------------------------------

    def read(self, table_name: str, path: Path) -> None:
        shown = display(path)
        if table_name not in BULK_TABLES:
            self.diagnostics.append(
                Diagnostic(
                    shown,
                    None,
                    None,
                    "file.extension",
                    "",
                    f"only {', '.join(sorted(BULK_TABLES))} take {BULK_SUFFIX} bulk files; write one {table_name} "
                    "record per <id>.yaml",
                )
            )
            return
        model = LATEST.TABLES[table_name]
        schema = input_schema(model)
        nulls = _explicit_null(model)
        state = _File(shown, path)
        self.files.append(state)
        try:
            for first, chunk in _chunks(path):
                self._chunk(state, model, schema, nulls, first, chunk)
        except OSError as exc:
            self.diagnostics.append(
                Diagnostic(shown, None, None, "file.unreadable", "", f"cannot read: {exc.strerror}")
            )

    def _chunk(
        self,
        state: _File,
        model: type[BaseModel],
        schema: pa.Schema,
        nulls: re.Pattern[bytes] | None,
        first: int,
        chunk: bytes,
    ) -> None:
        """Parse a chunk fast, send what the column checks cannot clear to the exact path, keep the rest as columns."""
        table = _fast_parse(chunk, schema, nulls)
        exact: list[tuple[int, bytes]] = []
        if table is None:  # something Arrow refused: every line of the chunk the exact way, for located errors
            exact = [(first + i, raw) for i, raw in enumerate(_lines_of(chunk))]
        else:
            lines = np.arange(first, first + table.num_rows, dtype=np.int64)
            suspect = self.suspects.rows(table, model)
            if suspect.any():
                raw_lines = _lines_of(chunk)
                exact = [(int(line), raw_lines[int(line) - first]) for line in lines[suspect]]
                table, lines = table.filter(pa.array(~suspect)), lines[~suspect]
        rescued: list[tuple[int, dict[str, Any]]] = []
        for line, raw in exact:
            loaded, problems = check_line(state.path.parent.name, raw, line, state.shown)
            self.diagnostics += problems
            if loaded is not None and loaded.record is not None:
                rescued.append((line, loaded.doc.data))
            elif loaded is not None and isinstance(loaded.doc.data.get("id"), str):
                state.rejected.append(loaded.doc.data["id"])  # still exists, so its mistake does not cascade
        if rescued:
            extra = pa.Table.from_pylist([data for _, data in rescued], schema=schema)
            extra_lines = np.array([line for line, _ in rescued], dtype=np.int64)
            if table is None:
                table, lines = extra, extra_lines
            else:
                table, lines = pa.concat_tables([table, extra]), np.concatenate([lines, extra_lines])
        if table is None or table.num_rows == 0:
            return
        flagged = self.rule_flags(table, model)
        state.flagged.update(lines[flagged].tolist())
        if self.keep is not None:
            self.keep.setdefault(state.path.parent.name, []).append(table)
        state.ids.append(table.column("id").combine_chunks())
        state.lines.append(lines)
        state.keys.append(pa.table({name: self._codes(name, table.column(name)) for name in _SERIES}))

    # across all rows --------------------------------------------------------------------------------

    def finish(self) -> list[Diagnostic]:
        """Checks that need every row: unique ids and series; then the exact rules over YAML records and flagged rows.
        """
        self._duplicate_ids()
        self._shared_series()
        flagged = [loaded for state in self.files for loaded in self._reread(state)]
        ctx = rules.Context(self.records, self.texts)
        ctx.table_of = _TableOf(self.files)
        out = list(rules.ids(ctx))  # bulk rows have no file name to match; their ids were checked above
        ctx.records = self.records + flagged
        for rule in rules.RULES:
            if rule is not rules.ids:
                out.extend(rule(ctx))
        return self.diagnostics + out

    def _duplicate_ids(self) -> None:
        first: dict[str, str] = {}
        for rec in self.records:
            rid = rules._record_id(rec)
            first.setdefault(rid, rec.path)
        arrays = [a for state in self.files for a in state.ids]
        if not arrays:
            return
        every = pa.chunked_array(arrays, pa.string())
        counts = pc.value_counts(every)
        repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
        clashing = set(repeated.to_pylist()) | self._yaml_ids_reused(arrays, first)
        if not clashing:
            return
        wanted = pa.array(sorted(clashing), pa.string())
        for state in self.files:
            for ids, lines in zip(state.ids, state.lines):
                hit = _np(pc.is_in(ids, value_set=wanted))
                for rid, line in zip(ids.filter(pa.array(hit)).to_pylist(), lines[hit].tolist()):
                    here = f"{state.shown}:{line}"
                    owner = first.setdefault(rid, here)
                    if owner != here:
                        self.diagnostics.append(
                            Diagnostic(
                                state.shown,
                                line,
                                None,
                                "id.duplicate",
                                "id",
                                f"id {rid} is already used by {owner}; ids are unique across all tables",
                            )
                        )

    @staticmethod
    def _yaml_ids_reused(arrays: list[pa.Array], yaml_ids: dict[str, str]) -> set[str]:
        """The YAML ids that some bulk row also uses."""
        wanted = pa.array(list(yaml_ids), pa.string())
        return {v for a in arrays for v in a.filter(pc.is_in(a, value_set=wanted)).to_pylist()}

    def _codes(self, name: str, column: pa.ChunkedArray | pa.Array) -> pa.Array:
        """A series key column as small integers (one per distinct value, None included), to group a million rows
        cheaply."""
        encoded = pc.dictionary_encode(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)
        codes = self.key_codes.setdefault(name, {})
        table = np.array(
            [codes.setdefault(v, len(codes)) for v in encoded.dictionary.to_pylist()]
            + [codes.setdefault(None, len(codes))],
            dtype=np.int32,
        )
        return pa.array(table[pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy()])

    def _shared_series(self) -> None:
        """Rows that share subject and period with another row: the overlap and daily<=weekly<=monthly rules decide."""
        keys = [k for state in self.files for k in state.keys]
        if not keys:
            return
        yaml_rows = [r.record for r in self.records if r.record is not None and r.table == "metrics"]
        yaml_keys = {
            name: self._codes(
                name,
                pa.array([None if getattr(m, name) is None else str(getattr(m, name)) for m in yaml_rows], pa.string()),
            )
            for name in _SERIES
        }
        every = pa.concat_tables([*keys, pa.table(yaml_keys)])
        period = [name for name in _SERIES if name != "metric"]
        counts = every.group_by(period).aggregate([([], "count_all")])
        shared = counts.filter(pc.greater(counts.column("count_all"), 1)).drop_columns(["count_all"])
        if shared.num_rows == 0:
            return
        for state in self.files:
            for key, lines in zip(state.keys, state.lines):
                marked = key.append_column("line", pa.array(lines)).join(shared, keys=period, join_type="inner")
                state.flagged.update(marked.column("line").to_pylist())

    def _reread(self, state: _File) -> Iterator[Loaded]:
        """The flagged rows of a file as records, for the exact rules."""
        if not state.flagged:
            return
        wanted = state.flagged
        with state.path.open("rb") as fh:
            for line, raw in enumerate(fh, start=1):
                if line in wanted:
                    loaded, _ = check_line(state.path.parent.name, raw.rstrip(b"\r\n"), line, state.shown)
                    if loaded is not None and loaded.record is not None:
                        yield loaded


class _TableOf(dict):  # type: ignore[type-arg]
    """Id -> table of the YAML records, answering for bulk rows too; the bulk ids are indexed only when asked about."""

    def __init__(self, files: list[_File]) -> None:
        super().__init__()
        self._files = files
        self._bulk: dict[str, str] | None = None

    def get(self, key: str, default: Any = None) -> Any:
        found = super().get(key)
        if found is not None:
            return found
        if self._bulk is None:
            self._bulk = {rid: state.path.parent.name for state in self._files for rid in state.rejected}
            self._bulk.update(
                {rid: state.path.parent.name for state in self._files for ids in state.ids for rid in ids.to_pylist()}
            )
        return self._bulk.get(key, default)


def check(
    records: list[Loaded], files: list[tuple[str, Path]], texts: Path | None, keep: dict[str, list[Any]] | None = None
) -> list[Diagnostic]:
    """Every rule over the YAML ``records`` and the rows of the bulk ``files``; ``keep`` receives the rows per table."""
    with gc_paused():
        run = _Run(records, texts, keep)
        for table, path in sorted(files, key=lambda f: (list(LATEST.TABLES).index(f[0]), str(f[1]))):
            run.read(table, path)
        return run.finish()


def release_table(parts: list[pa.Table], model: type[BaseModel]) -> pa.Table:
    """Checked bulk rows as a release table: dates as (edtf, earliest, latest) structs, absent fields at their defaults.

    Columns that need no conversion are passed on as they are, without a copy.
    """
    suspects = Suspects()
    target = arrow.schema(model)
    table = pa.concat_tables(parts) if parts else input_schema(model).empty_table()
    columns = []
    for f in target:
        column = table.column(f.name)
        if f.type != column.type:
            column = pa.chunked_array([_structs(chunk, f.type, suspects) for chunk in column.chunks], f.type)
        if not f.nullable and column.null_count:  # an absent field takes the model's default, as in a record file
            default = model.model_fields[f.name].get_default(call_default_factory=True)
            column = pa.chunked_array([_with_default(chunk, default, f.type) for chunk in column.chunks], f.type)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=target)


def _with_default(chunk: pa.Array, default: Any, typ: pa.DataType) -> pa.Array:
    """Absent values replaced by the default; an absent list is already an empty slot, so it only loses its null."""
    if default == [] and pa.types.is_list(typ):
        offsets = chunk.offsets
        sizes = np.diff(offsets.to_numpy())
        if not sizes[_np(chunk.is_null())].any():
            return pa.ListArray.from_arrays(offsets, chunk.values, type=typ)
    return pc.fill_null(chunk, pa.scalar(default, typ))


def _date_structs(column: pa.Array, suspects: Suspects) -> pa.Array:
    """EDTF text to (edtf, earliest, latest), parsing each distinct date once."""
    encoded = pc.dictionary_encode(column)
    parsed = [suspects.date(v) for v in encoded.dictionary.to_pylist()]
    earliest = pa.array([p.earliest for p in parsed], pa.date32()).take(encoded.indices)  # type: ignore[union-attr]
    latest = pa.array([p.latest for p in parsed], pa.date32()).take(encoded.indices)  # type: ignore[union-attr]
    return pa.StructArray.from_arrays([column, earliest, latest], fields=list(arrow.DATE), mask=pc.is_null(column))


def _structs(column: pa.Array, typ: pa.DataType, suspects: Suspects) -> pa.Array:
    """Nested input columns to the release type (dates inside lists and structs; none in metrics)."""
    if typ == arrow.DATE:
        return _date_structs(column, suspects)
    if pa.types.is_list(typ):
        inner = _structs(column.flatten(), typ.value_type, suspects)
        return pa.ListArray.from_arrays(column.offsets, inner, type=typ, mask=pc.is_null(column))
    if pa.types.is_struct(typ):
        children = [_structs(column.field(f.name), f.type, suspects) for f in typ]
        return pa.StructArray.from_arrays(children, fields=list(typ), mask=pc.is_null(column))
    return column.cast(typ)
