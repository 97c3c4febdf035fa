"""Rules on what the quotes state (issue 14): names, references, metric kinds, figures, dates, claims.

Part of :data:`ailedger.validate.rules.RULES`. The judgements themselves are
pure functions of strings in :mod:`~ailedger.validate.stated`,
:mod:`~ailedger.validate.when`, :mod:`~ailedger.validate.claims` and
:mod:`~ailedger.validate.derive`, shared with the column checks of bulk files
(:mod:`~ailedger.validate.columns`); here they meet the records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ailedger.dates import FuzzyDate
from ailedger.schema import LATEST
from ailedger.schema.fields import UNCITED
from ailedger.validate.context import Context
from ailedger.validate.diagnostics import Diagnostic, escape
from ailedger.validate.record import ParsedRecord
from ailedger.validate.value_rules import dated_fields

if TYPE_CHECKING:
    from ailedger.validate import stated


def field_values(record: Any, name: str) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    value = getattr(record, name)
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield (name, i), item
    elif value is not None:
        yield (name,), value


def cited_fields(record: Any) -> list[str]:
    """Cited fields that hold a value (the fields a quote must back)."""
    model: type[BaseModel] = type(record)
    return [name for name in _cited(model) if getattr(record, name) not in (None, [], False)]


@cache
def _cited(model: type[BaseModel]) -> list[str]:
    """The fields of ``model`` a quote backs, once per class (pydantic's ``model_fields`` is slow to ask)."""
    return [name for name in model.model_fields if name not in UNCITED]


# Fields that name something rather than state a fact about it, and fields that are not read from text.
_NOT_STATED = frozenset({"derived_from", "distinct_from"})
_ANY_ORDER = 8


def finder(ctx: Context) -> Callable[[Any], bool]:
    """Whether a citation's quote is in its source's text (or no text can tell), once per source and quote in a pass."""
    if ctx.texts is None:
        return lambda cite: True
    seen: dict[tuple[str, str], bool] = {}

    def found(cite: Any) -> bool:
        key = (cite.source_id, cite.quote)
        ok = seen.get(key)
        if ok is None:
            ok = seen[key] = _found(ctx, cite)
        return ok

    return found


class Support:
    """A record's citations found in their sources (``found``, from :func:`finder`), asked field by field.

    Which citations are found is asked once per record and rule, where
    asking per field went through the texts again. A derived metric's kind
    and dates also rest on the citations of the metrics it is derived from.
    """

    __slots__ = ("cites", "ctx", "found", "record")

    def __init__(self, ctx: Context, record: Any, found: Callable[[Any], bool]) -> None:
        self.ctx = ctx
        self.record = record
        self.found = found
        self.cites: list[Any] = [cite for cite in record.citations if found(cite)]
        """The record's citations found in their sources."""

    def citations(self, field: str) -> list[Any]:
        """The citations that support ``field``."""
        out = [c for c in self.cites if field in c.supports]
        if field in _INHERITED and getattr(self.record, "derived_from", None):
            for rid in self.record.derived_from:
                other = self.ctx.record(rid, "metrics")
                if other is not None and other is not self.record:
                    out += [c for c in other.citations if field in c.supports and self.found(c)]
        return out

    def quotes(self, field: str) -> list[str]:
        return [c.quote for c in self.citations(field)]


_INHERITED = frozenset({"metric", "as_of", "reported"})


def _found(ctx: Context, cite: Any) -> bool:
    if ctx.texts is None:
        return True
    text = ctx.source_texts.get(cite.source_id)
    return text is None or text.contains(cite.quote)


@lru_cache(maxsize=1 << 16)
def _clean(label: str) -> bool:
    """A name the text rules refuse (invisible or mixed-script characters) is reported there, not again here."""
    from ailedger.validate import text

    return not any(severity == "error" for _, severity, _ in text.problems(label, name=True))


def labels(rec: ParsedRecord | None) -> list[str]:
    """The names a record goes by in text, or none when it has no name (events, metrics, claims)."""
    if rec is None or rec.record is None or rec.table not in ("organizations", "models"):
        return []
    return [rec.record.name, *rec.record.aliases]


def _named_in(ctx: Context, tables: tuple[str, ...], quotes: list[str]) -> list[str]:
    """Names of the records of ``tables`` that the quotes name, for telling what a quote does say."""
    from ailedger.validate import stated

    out = []
    for other in ctx.all_valid():
        if other.table in tables and any(stated.names(label, q) for label in labels(other) for q in quotes):
            out.append(other.record.name)
    return sorted(set(out))[:_ANY_ORDER]


@lru_cache(maxsize=1 << 16)
def _names(label: str, quote: str) -> bool:
    """:func:`ailedger.validate.stated.names`, once per name and quote: every metric of a subject asks again."""
    from ailedger.validate import stated

    return stated.names(label, quote)


def _label_stated(label: str, quotes: list[str]) -> bool:
    if any(_names(label, q) for q in quotes):
        return True
    from ailedger.validate import stated

    return len(quotes) > 1 and stated.composed(label, quotes)


@cache
def _references(table: str) -> list[tuple[str, tuple[str, ...]]]:
    """The fields of ``table`` that point at records whose names a quote must state, with the tables they point into."""
    return [
        (name, allowed)
        for (owner, name), allowed in LATEST.REFERENCES.items()
        if owner == table and name not in _NOT_STATED
    ]


def stated_values(ctx: Context) -> Iterator[Diagnostic]:
    """Every name, reference and metric kind is stated by a quote that supports it."""
    from ailedger.validate import stated

    candidates: dict[str, stated.NameIndex] = {}  # per table: the names a metric's figure may belong to
    read: dict[tuple[str, str, str], _Read] = {}  # per quote, source and table: what the quote says
    found = finder(ctx)
    named_by: set[tuple[str, ...]] = set()  # (id, *quotes) where the quotes state the record's name
    for rec in ctx.valid():
        if rec.table == "sources":
            continue
        record = rec.record
        support = Support(ctx, record, found)
        if rec.table in ("organizations", "models"):
            for field_name in ("name", "aliases"):
                quotes = support.quotes(field_name)
                if not quotes:
                    continue
                for loc, label in field_values(record, field_name):
                    if _clean(label) and stated.comparable(label, quotes) and not _label_stated(label, quotes):
                        near = next((w for q in quotes if (w := stated.closest_words(label, q))), None)
                        says = f'it says "{escape(near)}" there' if near else "it names no such thing"
                        yield ctx.diag(
                            rec,
                            loc,
                            "quote.name-not-stated",
                            f'"{escape(label)}" is not in the quote that supports {field_name} ({says}); '
                            "write the name as the quote does (case, spaces and hyphens may differ), "
                            "or cite the sentence that names it",
                        )
        for field_name, allowed in _references(rec.table):
            if getattr(record, field_name) in (None, []):
                continue  # nothing to point at
            quotes = support.quotes(field_name)
            if not quotes:
                continue  # no label is comparable with no quote
            for loc, target in field_values(record, field_name):
                key = (target, *quotes)
                if key in named_by:
                    continue  # a series' records name their subject and measurer with the same quotes
                names = [
                    label
                    for label in labels(ctx.by_id.get(target))
                    if _clean(label) and stated.comparable(label, quotes)
                ]
                if not names or any(_label_stated(label, quotes) for label in names):
                    named_by.add(key)
                    continue
                other_table = ctx.table_of.get(target, allowed[0])
                every = [c.quote for c in support.cites]
                if any(stated.refers_back(other_table, q) for q in quotes) and any(
                    _label_stated(label, every) for label in names
                ):
                    continue  # "das Modell", "the company": another quote of the record names it
                named = [n for n in _named_in(ctx, allowed, quotes) if n not in names]
                says = f"they name {', '.join(named)}" if named else f"they name no record of {' or '.join(allowed)}"
                yield ctx.diag(
                    rec,
                    loc,
                    "quote.reference-not-stated",
                    f"{target} ({escape(names[0])}) is not named by the quotes that support {field_name} ({says}); "
                    f"point at the record the quote names, or cite the sentence that names {escape(names[0])}",
                )
        if rec.table == "metrics":
            yield from _metric_stated(ctx, rec, support, candidates, read)


_Read = tuple[frozenset[str], dict[int, list["stated.Figure"]]]
"""The ids of the records a quote names, and its figures given to them by each value they may mean."""


def _metric_stated(
    ctx: Context,
    rec: ParsedRecord,
    support: Support,
    candidates_of: dict[str, stated.NameIndex],
    read: dict[tuple[str, str, str], _Read],
) -> Iterator[Diagnostic]:
    """The kind of count is in the quote's words, and the value is the figure it gives for this subject.

    A quote is read once per run (``read``): a series cites one line for many metrics.
    """
    from ailedger.validate import stated

    m = rec.record
    quotes = support.quotes("metric")
    if quotes and not any(stated.metric_words(m.metric, q) for q in quotes):
        spoken = [f'{metric} ("{escape(words)}")' for q in quotes for metric, words in stated.metric_spoken_of(q)]
        says = f"it speaks of {', '.join(dict.fromkeys(spoken))}" if spoken else "it does not say what was counted"
        yield ctx.diag(
            rec,
            ("metric",),
            "quote.metric-not-stated",
            f"{m.metric} is not what the quote that supports metric counts: {says}; set metric to what the "
            f"quote says, or cite the sentence that says {m.metric.replace('_', ' ')}",
        )
    if m.derived_from:
        return
    subject = ctx.by_id.get(m.subject_id)
    if subject is None or subject.record is None or not labels(subject):
        return
    if subject.table not in candidates_of:  # once per run: every metric's quote is matched against all of them
        names = {r.record.id: labels(r) for r in ctx.all_valid() if r.table == subject.table}
        candidates_of[subject.table] = stated.NameIndex(names)
    candidates = candidates_of[subject.table]
    found: list[tuple[str, Any]] = []
    for cite in support.citations("value"):
        key = (cite.quote, cite.source_id, subject.table)
        if key not in read:
            spans = candidates.spans(cite.quote)
            by_value: dict[int, list[stated.Figure]] = {}
            for figure in stated.figures(cite.quote, _language(ctx, cite.source_id), spans):
                for value in figure.values:
                    by_value.setdefault(value, []).append(figure)
            read[key] = (frozenset(rid for rid, _, _ in spans), by_value)
        named, by_value = read[key]
        if m.subject_id not in named:
            return  # the subject goes unnamed in this quote ("the app"): whose figure it is cannot be told
        for figure in by_value.get(m.value, ()):
            if not figure.gap and figure.owner == m.subject_id:
                return
            found.append((cite.quote, figure))
    if not found:
        return  # not a figure of the quote at all: metric.quote-mismatch says so
    quote, figure = found[0]
    own = [
        f.text
        for f in stated.figures(quote, _language(ctx, m.citations[0].source_id), candidates.spans(quote))
        if f.owner == m.subject_id and not f.gap
    ]
    gives = (
        f"for {m.subject_id} it gives {', '.join(own)}" if own else f"it gives no figure of its own for {m.subject_id}"
    )
    if figure.gap:
        why = f'"{escape(figure.text)}" is a difference the quote states, not a count'
        fix = "a value computed from a difference goes in a derived metric (derived_from and formula)"
    else:
        why = f'"{escape(figure.text)}" is the quote\'s figure for {figure.owner}'
        fix = "record it under that subject"
    yield ctx.diag(rec, ("value",), "metric.value-not-for-subject", f"{m.value}: {why}; {gives}; {fix}")


def _language(ctx: Context, source_id: str) -> str | None:
    source = ctx.source(source_id)
    return source.language if source is not None else None


def _published(ctx: Context, source_id: str) -> FuzzyDate | None:
    source = ctx.source(source_id)
    return source.published if source is not None else None


def quoted_dates(ctx: Context) -> Iterator[Diagnostic]:
    """Each date is no sharper than, and inside, what the date words of its quotes allow."""
    from ailedger.validate import when

    found = finder(ctx)
    for rec in ctx.valid():
        if rec.table == "sources":
            continue
        support: Support | None = None
        for name, value in dated_fields(rec.record):
            expressions: list[when.Stated] = []
            cited = False
            support = support or Support(ctx, rec.record, found)
            for cite in support.citations(name):
                published = _published(ctx, cite.source_id)
                if published is not None:
                    cited = True
                    expressions += when.found(cite.quote, published)
                    if name == "reported":  # the source reporting the figure is itself a report of that date
                        expressions.append(
                            when.Stated(f"{cite.source_id}, published", published.earliest, published.latest)
                        )
            if not cited:
                continue
            verdict = when.judge(value, list(dict.fromkeys(expressions)))
            if verdict.problem is None:
                continue
            allowed = "; ".join(f'"{escape(s.text)}" is {s.edtf()}' for s in verdict.stated)
            if verdict.problem == "not-stated":
                yield ctx.diag(
                    rec,
                    (name,),
                    "date.not-stated",
                    f'no quote that supports {name} states a date (such as "am 12. Februar", "last week", "2023"); '
                    f"cite the sentence that says when, or leave {name} out",
                )
            elif verdict.problem == "sharper":
                yield ctx.diag(
                    rec,
                    (name,),
                    "date.sharper-than-quote",
                    f"{value} is sharper than its quotes allow: {allowed}; write that, or a wider date that covers it",
                )
            else:
                yield ctx.diag(
                    rec,
                    (name,),
                    "date.outside-quote",
                    f"{value} is outside what its quotes state: {allowed}; correct the date, or cite the sentence "
                    "it comes from",
                )


def derivations(ctx: Context) -> Iterator[Diagnostic]:
    """A derived value's formula uses the ids in derived_from and numbers its quotes state, and gives the value."""
    from ailedger.errors import FormulaError
    from ailedger.validate import derive
    from ailedger.validate.numbers import stated

    # bulk rows derived from bulk rows: the column checks send both to the exact path, so both are in ctx.valid()
    metrics = {r.record.id: r.record for r in ctx.all_valid("metrics")}
    for rec in ctx.valid("metrics"):
        m = rec.record
        formula = getattr(m, "formula", None)  # v1 metrics (checked in their own version) have none
        if formula is None:
            if m.derived_from and "formula" in type(m).model_fields:
                yield ctx.diag(
                    rec,
                    ("derived_from",),
                    "metric.formula-missing",
                    "a derived value has no formula, so its arithmetic goes unchecked; add formula, such as formula: "
                    '"qwen-app-dau + 23000000"',
                    "warning",
                )
            continue
        if not m.derived_from:
            yield ctx.diag(
                rec,
                ("formula",),
                "metric.derived-from-missing",
                "formula is set but derived_from is empty; list the metric ids it was computed from",
            )
            continue
        try:
            tree, ids = derive.parse(formula)
        except FormulaError as exc:
            yield ctx.diag(rec, ("formula",), "metric.formula-invalid", f"{escape(formula)!s} {exc}")
            continue
        used = set(ids.values())
        if used != set(m.derived_from):
            missing = sorted(set(m.derived_from) - used)
            extra = sorted(used - set(m.derived_from))
            parts = ([f"uses {', '.join(extra)}, which derived_from does not list"] if extra else []) + (
                [f"does not use {', '.join(missing)} of derived_from"] if missing else []
            )
            yield ctx.diag(
                rec,
                ("formula",),
                "metric.formula-ids",
                f"the formula {' and '.join(parts)}; use exactly the ids of derived_from",
            )
            continue
        quoted: set[int] = set()
        for cite in m.citations:
            if "value" in cite.supports or "derived_from" in cite.supports:
                quoted |= stated(cite.quote, _language(ctx, cite.source_id))
        unstated = [n for n in derive.numbers_in(tree) if n != n.to_integral_value() or int(n) not in quoted]
        if unstated:
            yield ctx.diag(
                rec,
                ("formula",),
                "metric.formula-number-not-stated",
                f"{', '.join(map(str, unstated))} is not a figure the quotes that support value state; quote "
                "the sentence with it",
            )
            continue
        values = {}
        for rid in used:
            other = metrics.get(rid)
            if other is None:  # a dangling or rejected reference is another rule's report
                break
            values[rid] = other.value
        else:
            try:
                result = derive.evaluate(tree, ids, values)
            except FormulaError as exc:
                yield ctx.diag(rec, ("formula",), "metric.formula-invalid", f"{escape(formula)!s} {exc}")
                continue
            if result != m.value:
                shown = ", ".join(f"{rid} = {values[rid]}" for rid in sorted(used))
                yield ctx.diag(
                    rec,
                    ("value",),
                    "metric.formula-mismatch",
                    f"{m.value} differs from its formula {escape(formula)!s}, which gives {result:f} (with {shown}); "
                    "correct the value or the formula",
                )
