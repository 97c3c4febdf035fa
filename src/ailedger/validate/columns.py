"""Column checks of bulk rows: stand-ins for the schema, text hygiene and each per-record rule.

A bulk file's rows are checked as whole columns, values that repeat (dates,
quotes, references) once per distinct value. Each check here flags every row
the check it stands in for might reject, and may flag more: a flagged row is
re-read and judged by the exact code (the model, :func:`ailedger.validate.record.hygiene`,
:mod:`ailedger.validate.rules`), so a bulk row gets exactly the diagnostics a
record file would. :class:`SchemaColumns` stands in for the model and text
hygiene; :class:`RuleColumns` has one method per rule it stands in for.

A new per-record rule needs a column check here too; ``tests/test_bulk.py``
compares both paths on bad rows of every kind.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from ailedger.arrow import unwrap
from ailedger.dates import FuzzyDate
from ailedger.schema import LATEST
from ailedger.schema.fields import SAME_TABLE_REFERENCES, UNCITED
from ailedger.texts import Store
from ailedger.validate import claims, numbers, rules, stated, text, value_rules, when
from ailedger.validate.quotes import SourceTexts, SpanIndex, long_enough
from ailedger.validate.record import NAME_FIELDS, PROSE_FIELDS, id_fields

NEVER = 1 << 40
"""An ordinal after every date, for what has no date."""


def as_flags(array: pa.Array | pa.ChunkedArray, fill: bool = False) -> np.ndarray:
    """A boolean Arrow column as numpy flags, nulls as ``fill``."""
    return np.asarray(pc.fill_null(array, fill).to_numpy(zero_copy_only=False), dtype=bool)


def spread(flat_bad: np.ndarray, lists: pa.Array, n: int) -> np.ndarray:
    """Rows (of ``lists``) that hold at least one flagged item."""
    out = np.zeros(n, dtype=bool)
    if flat_bad.any():
        out[pc.list_parent_indices(lists).to_numpy()[flat_bad]] = True
    return out


def per_distinct(column: pa.Array, ok: Callable[[str], bool]) -> np.ndarray:
    """Rows whose value is not ``ok``, each distinct value asked once; a null is ok."""
    encoded = pc.dictionary_encode(column)
    verdicts = np.array([ok(v) for v in encoded.dictionary.to_pylist()] + [True], dtype=bool)
    index = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy()
    return ~verdicts[index]


def per_distinct_number(column: pa.Array, value: Callable[[str], int]) -> np.ndarray:
    """``value`` of each row's value, each distinct value computed once; :data:`NEVER` for a null."""
    encoded = pc.dictionary_encode(column)
    table = np.array([value(v) for v in encoded.dictionary.to_pylist()] + [NEVER], dtype=np.int64)
    return table[pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy()]


def codes(column: pa.Array) -> tuple[np.ndarray, list[Any]]:
    """Each row's index into the list of distinct values (a null's: the last, None), to group rows by value in numpy."""
    encoded = pc.dictionary_encode(column)
    distinct = encoded.dictionary.to_pylist()
    index = pc.fill_null(encoded.indices, pa.scalar(len(distinct), encoded.indices.type)).to_numpy()
    return index.astype(np.int64), [*distinct, None]


def distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys and, per key, the index of its distinct key (as ``np.unique``, by hashing: no sort)."""
    encoded = pc.dictionary_encode(pa.array(keys))
    return encoded.dictionary.to_numpy(), encoded.indices.to_numpy()


class SchemaColumns:
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

    def rows(self, table: pa.Table, model: type[BaseModel]) -> np.ndarray:
        """Rows of ``table`` that the model or text hygiene might reject."""
        self.clean_text.clear()  # a series' texts repeat in neighbouring rows: kept for the run, they cost memory
        bad = np.zeros(table.num_rows, dtype=bool)
        for name, info in model.model_fields.items():
            bad |= self.column(
                table.column(name).combine_chunks(), info.annotation, info.metadata, not info.is_required(), name
            )
        return bad

    def column(self, column: pa.Array, annotation: Any, meta: list[Any], null_ok: bool, name: str) -> np.ndarray:
        """Rows whose value of one field (annotated ``annotation``) the model or text hygiene might reject."""
        inner, nullable, bounds = unwrap(annotation, meta)
        n = len(column)
        nulls = as_flags(column.is_null())
        bad = nulls.copy() if not (null_ok or nullable) else np.zeros(n, dtype=bool)
        if column.null_count == n:
            return bad
        if inner is FuzzyDate:
            bad |= per_distinct(column, lambda v: self.date(v) is not None)
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            for child, (sub, info) in zip(column.flatten(), inner.model_fields.items()):
                bad |= self.column(child, info.annotation, info.metadata, not info.is_required(), sub) & ~nulls
        elif typing.get_origin(inner) is list:
            if "min_length" in bounds:
                bad |= as_flags(pc.less(pc.list_value_length(column), bounds["min_length"]))
            items = column.flatten()
            bad |= spread(self.column(items, typing.get_args(inner)[0], [], False, name), column, n)
        elif typing.get_origin(inner) is Literal:
            allowed = pa.array(typing.get_args(inner), type=column.type)
            bad |= ~as_flags(pc.is_in(column, value_set=allowed), True)
        elif inner is str:
            if "pattern" in bounds:
                bad |= ~as_flags(pc.match_substring_regex(column, bounds["pattern"]), True)
            if "min_length" in bounds or "max_length" in bounds:
                length = pc.utf8_length(column)
                bad |= as_flags(pc.less(length, bounds.get("min_length", 0)))
                bad |= as_flags(pc.greater(length, bounds.get("max_length", 1 << 62)))
            if name not in id_fields():  # text hygiene, as record.hygiene applies it
                kind = (name in NAME_FIELDS, name in PROSE_FIELDS)
                bad |= per_distinct(column, lambda v: self._clean(v, kind))
        elif inner is int:
            if "ge" in bounds:
                bad |= as_flags(pc.less(column, bounds["ge"]))
            if "le" in bounds:
                bad |= as_flags(pc.greater(column, bounds["le"]))
        elif inner is not bool:  # pragma: no cover - a new schema type needs a column check here
            raise TypeError(f"no column check for {annotation!r}")
        return bad

    def _clean(self, value: str, kind: tuple[bool, bool]) -> bool:
        key = (value, *kind)
        if key not in self.clean_text:
            self.clean_text[key] = not any(text.problems(value, name=kind[0], prose=kind[1]))
        return self.clean_text[key]


@dataclass(slots=True)
class Citations:
    """The citations of a chunk's rows, flattened: one entry per citation, and which field each supports."""

    row: np.ndarray
    """The row each citation belongs to."""
    source_id: pa.Array
    quote: pa.Array
    via: pa.Array
    bits: np.ndarray
    """Per citation, a bit per field it names in ``supports``."""
    unknown: np.ndarray
    """Citations naming a field that is not a cited field of the model (or the id, or curator text)."""
    doubled: np.ndarray
    """Citations whose names in ``supports`` are not that many distinct fields: one named twice (or unknown)."""
    bit: dict[str, np.uint64]
    quote_code: np.ndarray
    """Per citation, the index of its quote in ``quotes``, the chunk's distinct quotes; likewise its source."""
    quotes: list[str]
    source_code: np.ndarray
    sources: list[str]

    @classmethod
    def of(cls, table: pa.Table, bit: dict[str, np.uint64]) -> Citations:
        cites = table.column("citations").combine_chunks()
        row = pc.list_parent_indices(cites).to_numpy()
        flat = cites.flatten()
        supports = flat.field("supports")
        names = supports.flatten()
        name_cite = pc.list_parent_indices(supports).to_numpy()
        encoded = pc.dictionary_encode(names)
        vocab = encoded.dictionary.to_pylist()
        name_bits = np.array([bit.get(v, np.uint64(0)) for v in vocab], dtype=np.uint64)[encoded.indices.to_numpy()]
        unknown = np.zeros(len(flat), dtype=bool)
        unknown[name_cite[np.array([v not in bit for v in vocab], dtype=bool)[encoded.indices.to_numpy()]]] = True
        bits = np.zeros(len(flat), dtype=np.uint64)
        np.bitwise_or.at(bits, name_cite, name_bits)
        doubled = np.bitwise_count(bits) != pc.list_value_length(supports).to_numpy()
        source_id, quote = flat.field("source_id"), flat.field("quote")
        quote_code, quotes = codes(quote)
        source_code, sources = codes(source_id)
        via = flat.field("via")
        return cls(row, source_id, quote, via, bits, unknown, doubled, bit, quote_code, quotes, source_code, sources)

    def pair(self, picked: np.ndarray | slice = slice(None)) -> np.ndarray:
        """One integer per distinct (quote, source) of the ``picked`` citations."""
        return self.quote_code[picked] * len(self.sources) + self.source_code[picked]

    def unpair(self, key: int) -> tuple[str, str]:
        """The quote and source of a :meth:`pair` key."""
        return self.quotes[key // len(self.sources)], self.sources[key % len(self.sources)]

    def unpairs(self, keys: np.ndarray) -> tuple[list[str], list[str]]:
        """The quotes and the sources of :meth:`pair` keys."""
        quotes, sources = self.quotes, self.sources
        quoted, cited = (keys // len(sources)).tolist(), (keys % len(sources)).tolist()
        return [quotes[q] for q in quoted], [sources[s] for s in cited]

    def supporting(self, name: str) -> np.ndarray:
        """Citations that name ``name`` in ``supports``."""
        return (self.bits & self.bit[name]) != 0


class RuleColumns:
    """Per-row flags, computed on columns, for rows a rule of :data:`ailedger.validate.rules.RULES` might object to.

    One method per rule it stands in for, named after it. References are checked against the
    ids of the YAML records (bulk rows reference each other only through
    same-table fields, which go the exact way); quotes, their figures and dates
    are looked up once per distinct value and cached.
    """

    def __init__(self, records: list[Any], texts: Store | None, schema: SchemaColumns) -> None:
        valid = [r for r in records if r.record is not None]
        self.table_of: Mapping[str, str] = {r.record.id: r.table for r in valid}
        self.sources = {r.record.id: r.record for r in valid if r.table == "sources"}
        self.kinds = {r.record.id: r.record.kind for r in valid if r.table == "organizations"}
        self.texts = SourceTexts(texts, {i: s.sha256 for i, s in self.sources.items()})
        self.schema = schema
        self.spans: dict[str, SpanIndex] = {}
        self.quote_ok: dict[tuple[str, str], bool] = {}
        self.numbers: dict[tuple[str, str | None], frozenset[int]] = {}
        named_tables = ("organizations", "models")
        self.labels = {r.record.id: [r.record.name, *r.record.aliases] for r in valid if r.table in named_tables}
        self.by_token: dict[str, list[tuple[str, str]]] = {}
        for rid, labels in self.labels.items():
            for label in labels:
                words = stated.tokens(label)
                if words:
                    self.by_token.setdefault(max(words, key=len), []).append((rid, label))
        self.named: dict[tuple[str, str], bool] = {}
        """Whether a quote names a label, by (label, quote)."""
        self.expressions: dict[tuple[str, str], list[when.Stated]] = {}
        self.clear_quote: dict[tuple[str, bool, str | None], bool] = {}

    def read_texts(self) -> None:
        """Read and normalize every source's text now (a bulk run waits for its first chunk meanwhile)."""
        for source_id in self.sources:
            self.texts.get(source_id)

    def rows(self, table: pa.Table, model: type[BaseModel]) -> np.ndarray:
        """Rows that some rule might object to; the exact rules then decide."""
        # a quote's rows are neighbours: keeping what was read of it for the whole run costs memory, not time
        for memo in (self.numbers, self.named, self.expressions, self.clear_quote, self.quote_ok):
            memo.clear()
        fields = list(model.model_fields)
        bit = {name: np.uint64(1) << np.uint64(i) for i, name in enumerate(fields) if name not in UNCITED}
        if len(bit) > 64:  # pragma: no cover - a table of more than 64 cited fields needs two words of bits
            raise TypeError(f"{model.__name__} has more than 64 cited fields")
        cites = Citations.of(table, bit)
        bad = self.provenance(table, model, cites)
        bad |= self.references(table, cites)
        bad |= self.quotes(table, cites)
        bad |= self.dates(table, cites)
        bad |= self.metrics(table, cites)
        bad |= self.stated(table, cites)
        return bad

    @staticmethod
    def _cited_rows(cites: Citations, bad_cites: np.ndarray, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[cites.row[bad_cites]] = True
        return out

    def provenance(self, table: pa.Table, model: type[BaseModel], cites: Citations) -> np.ndarray:
        """Stands in for ``provenance``: a set field nobody quotes, a quote for an unset or unknown field."""
        n = table.num_rows
        stated = np.zeros(n, dtype=np.uint64)
        for name, info in model.model_fields.items():
            if name not in cites.bit:
                continue
            column = table.column(name).combine_chunks()
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            if info.is_required():
                is_set = np.ones(n, dtype=bool)
            elif default is None:
                is_set = as_flags(column.is_valid())
            elif default == []:
                is_set = as_flags(pc.greater(pc.list_value_length(column), 0))
            else:  # pragma: no cover - metrics have no other defaults
                raise TypeError(f"no column check for the default of {name}")
            stated[is_set] |= cites.bit[name]
        supported = np.zeros(n, dtype=np.uint64)
        np.bitwise_or.at(supported, cites.row, cites.bits)
        return (stated != supported) | self._cited_rows(cites, cites.unknown | cites.doubled, n)

    def _table_in(self, allowed: Collection[str]) -> Callable[[str], bool]:
        return lambda target: self.table_of.get(target) in allowed

    def _per_target(self, column: pa.Array, ok: Callable[[str], bool]) -> np.ndarray:
        """Rows whose reference (when set) is not ``ok``, each distinct target asked once."""
        return per_distinct(column, ok) & as_flags(column.is_valid())

    def references(self, table: pa.Table, cites: Citations) -> np.ndarray:
        """Stands in for ``references``: distinct targets against the YAML ids; same-table ones go exact."""
        bad = np.zeros(table.num_rows, dtype=bool)
        for (owner, name), allowed in LATEST.REFERENCES.items():
            if owner != "metrics":
                continue
            column = table.column(name).combine_chunks()
            if name in SAME_TABLE_REFERENCES:
                bad |= as_flags(pc.greater(pc.list_value_length(column), 0))
                continue
            bad |= self._per_target(column, self._table_in(allowed))
        bad_cites = self._per_target(cites.source_id, lambda t: self.table_of.get(t) == "sources")
        bad_cites |= self._per_target(
            cites.via,
            lambda t: self.table_of.get(t) == "organizations" and self.kinds.get(t) in rules.REPORTING_KINDS,
        )
        return bad | self._cited_rows(cites, bad_cites, table.num_rows)

    def quotes(self, table: pa.Table, cites: Citations) -> np.ndarray:
        """Stands in for ``quotes`` and ``quote_length``, once per distinct (source, quote)."""
        keys, which = distinct(cites.pair())
        pairs = [(s, q) for q, s in zip(*cites.unpairs(keys))]
        self._look_up(pairs)
        wrong = np.array([not self.quote_ok[pair] for pair in pairs], dtype=bool)
        return self._cited_rows(cites, wrong[which], table.num_rows)

    def _look_up(self, pairs: list[tuple[str, str]]) -> None:
        """Look up the quotes not seen before, source by source, in one batch each."""
        todo: dict[str, list[str]] = {}
        for source_id, quote in pairs:
            if (source_id, quote) not in self.quote_ok:
                todo.setdefault(source_id, []).append(quote)
        for source_id, found in todo.items():
            source = self.texts.get(source_id)
            if source is None:
                verdicts = [True] * len(found)  # no texts, or the sources rule reports the missing text
            else:
                if source_id not in self.spans:
                    self.spans[source_id] = SpanIndex.of(source)
                verdicts = self.spans[source_id].contains_all(found)
            for quote, ok in zip(found, verdicts):
                self.quote_ok[source_id, quote] = ok and long_enough(quote)

    def dates(self, table: pa.Table, cites: Citations) -> np.ndarray:
        """Stands in for ``dates``: plausible, not after the sources that state them, reported after as_of."""
        bad = np.zeros(table.num_rows, dtype=bool)
        published = per_distinct_number(
            cites.source_id, lambda s: self.sources[s].published.latest.toordinal() if s in self.sources else NEVER
        )
        bounds = {}
        for name in ("as_of", "reported"):
            earliest, latest, missing = self._date_bounds(table.column(name).combine_chunks())
            bounds[name] = (earliest, latest, missing)
            bad |= ~missing & (earliest < value_rules.EARLIEST_PLAUSIBLE.toordinal())
            after = cites.supporting(name) & ~missing[cites.row] & (earliest[cites.row] > published)
            bad[cites.row[after]] = True
        bad |= ~bounds["as_of"][2] & ~bounds["reported"][2] & (bounds["reported"][1] < bounds["as_of"][0])
        return bad

    def _date_bounds(self, column: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Earliest and latest day of each row's date as ordinals, and where the date is missing.

        The dates passed the schema columns, so each parses.
        """
        earliest = per_distinct_number(column, lambda v: self._parsed(v).earliest.toordinal())
        latest = per_distinct_number(column, lambda v: self._parsed(v).latest.toordinal())
        return earliest, latest, as_flags(column.is_null())

    def _parsed(self, value: str) -> FuzzyDate:
        date = self.schema.date(value)
        if date is None:  # pragma: no cover - the schema columns flag an unreadable date first
            raise ValueError(f"not a date: {value!r}")
        return date

    def metrics(self, table: pa.Table, cites: Citations) -> np.ndarray:
        """Stands in for ``metrics``, ``figures`` and ``plausibility`` on one row.

        Dated, derivation and formula with derived_from (derived values are rare: the
        exact path recomputes them, with the rows they derive from), the value
        stated by its quote, within the world.
        """
        bad = as_flags(table.column("as_of").is_null()) & as_flags(table.column("reported").is_null())
        bad |= as_flags(table.column("derivation").is_valid())
        bad |= as_flags(table.column("formula").is_valid())
        value = table.column("value").combine_chunks().to_numpy()
        metric = table.column("metric").combine_chunks()
        users = as_flags(pc.is_in(metric, value_set=pa.array(value_rules.USER_METRICS)))
        bad |= users & (value > value_rules.WORLD_POPULATION)
        bad |= ~self._value_stated(value, cites)
        return bad

    def _value_stated(self, value: np.ndarray, cites: Citations) -> np.ndarray:
        """Rows whose value is a figure stated by a quote that supports value.

        Most rows' value stands in its quote as plain digits (:func:`numbers.plainly_states`,
        a few string searches); the quotes of the others are read once each.
        """
        picked = np.flatnonzero(cites.supporting("value"))
        rows = cites.row[picked]
        quotes, values, quoted = cites.quotes, value[rows].tolist(), cites.quote_code[picked].tolist()
        hits = np.array([numbers.plainly_states(quotes[q], v) for q, v in zip(quoted, values)], dtype=bool)
        for at in np.flatnonzero(~hits).tolist():
            quote, source_id = cites.unpair(int(cites.pair(picked[at])))
            hits[at] = int(value[rows[at]]) in self._stated_numbers(quote, source_id)
        out = np.zeros(len(value), dtype=bool)
        out[rows[hits]] = True
        return out

    def stated(self, table: pa.Table, cites: Citations) -> np.ndarray:
        """Stands in for :func:`rules.stated_values`, :func:`rules.quoted_dates` and :func:`rules.attributed`.

        A row passes when, for each field, one citation that supports it states
        its value on its own (a target's name, the metric's words, a date its
        expressions allow): adding quotes never takes that away. Quotes with a
        gap ("23 Millionen weniger als"), an attribution phrase or more than one
        figure-owner are left to the exact rules. Each distinct (value, quote,
        source) is judged once, each distinct quote read once: a series cites one
        line for many rows.
        """
        n = table.num_rows
        bad = np.zeros(n, dtype=bool)
        pairs = len(cites.quotes) * len(cites.sources)
        for name in ("subject_id", "measured_by", "metric", "as_of", "reported"):
            column = table.column(name).combine_chunks()
            is_set = as_flags(column.is_valid())
            value_code, values = codes(column)
            picked = np.flatnonzero(cites.supporting(name) & is_set[cites.row])
            rows = cites.row[picked]
            ok = np.zeros(n, dtype=bool)
            if name in ("as_of", "reported"):  # the day itself, as a report line gives it: one test per citation
                quotes, days, quoted = cites.quotes, value_code[rows].tolist(), cites.quote_code[picked].tolist()
                day = np.array([len(v := values[d]) == 10 and v in quotes[q] for d, q in zip(days, quoted)], dtype=bool)
                ok[rows[day]] = True
                picked, rows = picked[~day], rows[~day]
            keys, which = distinct(value_code[rows] * pairs + cites.pair(picked))
            quoted, cited = cites.unpairs(keys % pairs)
            asked = zip((keys // pairs).tolist(), quoted, cited)
            verdicts = np.array([self._states(name, values[v], q, s) for v, q, s in asked], dtype=bool)
            ok[rows[verdicts[which]]] = True
            bad |= is_set & ~ok
        figures = cites.supporting("value")
        keys, which = distinct(cites.pair() * 2 + figures)
        quoted, cited = cites.unpairs(keys // 2)
        clear = np.array([self._clear(*asked) for asked in zip(quoted, cited, (keys % 2 == 1).tolist())], dtype=bool)
        bad[cites.row[~clear[which]]] = True
        return bad

    def _states(self, name: str, value: str, quote: str, source_id: str) -> bool:
        if name == "metric":
            return stated.metric_words(value, quote) is not None
        if name in ("as_of", "reported"):
            source = self.sources.get(source_id)
            if source is None:
                return True  # a dangling source is flagged by the references
            key = (quote, source_id)
            if key not in self.expressions:
                self.expressions[key] = when.found(quote, source.published)
            found = list(self.expressions[key])
            if name == "reported":
                found.append(when.Stated("", source.published.earliest, source.published.latest))
            return when.judge(self._parsed(value), found).problem is None
        return any(self._names(label, quote) for label in self.labels.get(value, ()))

    def _names(self, label: str, quote: str) -> bool:
        """:func:`stated.names`, kept per chunk: the subject's check and the owners' ask for the same name."""
        key = (label, quote)
        if key not in self.named:
            self.named[key] = stated.names(label, quote)
        return self.named[key]

    def _clear(self, quote: str, source_id: str, figures: bool) -> bool:
        """No attribution phrase and, in a quote that supports value (``figures``), no difference between figures
        and no second record its figures could belong to: nothing the exact rules would weigh.

        Whose figure a number is matters only to the quotes that support value
        (``metric.value-not-for-subject`` reads no other), so a publisher's line
        naming the developer and the data provider leaves its rows clear.
        """
        source = self.sources.get(source_id)
        key = (quote, figures, source.language if source is not None else None)
        if key not in self.clear_quote:
            self.clear_quote[key] = not claims.attributions(quote) and (
                not figures or (not stated.has_gap(quote, key[2]) and len(self._owners(quote)) < 2)
            )
        return self.clear_quote[key]

    def _owners(self, quote: str) -> set[str]:
        """The records whose names the quote holds, found through each name's longest word."""
        found = set()
        for word in self.by_token.keys() & stated.words(quote):
            for rid, label in self.by_token[word]:
                if rid not in found and self._names(label, quote):
                    found.add(rid)
        return found

    def _stated_numbers(self, quote: str, source_id: str) -> frozenset[int]:
        source = self.sources.get(source_id)
        key = (quote, source.language if source is not None else None)
        if key not in self.numbers:
            self.numbers[key] = frozenset(numbers.stated(*key))
        return self.numbers[key]
