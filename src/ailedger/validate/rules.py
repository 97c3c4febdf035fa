"""Rules across records: ids, references, provenance and quotes; :data:`RULES` lists every rule of a run.

Each rule is a function from the run's :class:`~ailedger.validate.context.Context`
to diagnostics, with no side effects, so the rules may run in any order (the
context indexes the records by id when it is made). Rules see the records that
passed the schema; ids of files the schema rejected still count as existing,
so one broken file does not cascade into dangling references. The rules on
dates and figures are in :mod:`ailedger.validate.value_rules`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ailedger.dates import FuzzyDate
from ailedger.schema import LATEST
from ailedger.schema.fields import BOOKKEEPING, SAME_TABLE_REFERENCES, UNCITED
from ailedger.schema.migrations import replacement_hint
from ailedger.validate.context import Context, Rule, is_slug, record_id
from ailedger.validate.diagnostics import Diagnostic, escape
from ailedger.validate.quotes import shortest
from ailedger.validate.record import Loaded
from ailedger.validate.value_rules import dated_fields, dates, figures, metrics, overlaps, plausibility

REPORTING_KINDS = frozenset({"news_outlet", "news_agency", "data_provider"})
# File names Windows cannot check out, whatever the extension.
RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in range(1, 10)})


def ids(ctx: Context) -> Iterator[Diagnostic]:
    """Ids are unique across tables, equal the file name, and do not differ only by case (record files only)."""
    seen_folded: dict[str, Loaded] = {}
    for rec in ctx.records:
        rid = record_id(rec)
        if Path(rec.path).stem.casefold() in RESERVED_NAMES:
            yield ctx.diag(
                rec,
                ("id",),
                "file.name",
                f"{Path(rec.path).name} is a reserved device name on Windows, where the repository cannot be checked "
                "out; choose another id",
            )
        if Path(rec.path).stem != rid and is_slug(rid):
            yield ctx.diag(
                rec,
                ("id",),
                "id.filename-mismatch",
                f"id {escape(rid)!s} differs from the file name; rename the file to {rid}.yaml or change the id",
            )
        first = ctx.by_id.get(rid)
        if first is not None and first is not rec:
            yield ctx.diag(
                rec,
                ("id",),
                "id.duplicate",
                f"id {rid} is already used by {first.path}; ids are unique across all tables",
            )
            continue
        folded = rid.casefold()
        other = seen_folded.get(folded)
        if other is not None and record_id(other) != rid:
            yield ctx.diag(
                rec,
                ("id",),
                "id.case-collision",
                f"id differs only by case from {other.path}; case-insensitive file systems keep one of them",
            )
        seen_folded.setdefault(folded, rec)


def _values(record: Any, name: str) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    value = getattr(record, name)
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield (name, i), item
    elif value is not None:
        yield (name,), value


def _ref(
    ctx: Context, rec: Loaded, loc: tuple[str | int, ...], target: str, allowed: tuple[str, ...]
) -> Iterator[Diagnostic]:
    table = ctx.table_of.get(target)
    if table is None:
        hint = difflib.get_close_matches(target, ctx.candidates(allowed), n=1)
        fix = f"did you mean {hint[0]}?" if hint else f"add a record {target} to {allowed[0]}/ or fix the id"
        yield ctx.diag(rec, loc, "ref.dangling", f"no record has id {target}; {fix}")
    elif table not in allowed:
        yield ctx.diag(
            rec, loc, "ref.kind", f"{target} is in {table}, but this field points into {' or '.join(allowed)}"
        )


def references(ctx: Context) -> Iterator[Diagnostic]:
    """Every id a record mentions names a record of the right table."""
    for rec in ctx.valid():
        for (table, name), allowed in LATEST.REFERENCES.items():
            if table != rec.table:
                continue
            for loc, target in _values(rec.record, name):
                if target == rec.record.id and name in SAME_TABLE_REFERENCES:
                    yield ctx.diag(rec, loc, "ref.cycle", "a record cannot point at itself here")
                    continue
                yield from _ref(ctx, rec, loc, target, allowed)
        for i, cite in enumerate(getattr(rec.record, "citations", ())):
            yield from _ref(ctx, rec, ("citations", i, "source_id"), cite.source_id, ("sources",))
            if cite.via is not None:
                yield from _ref(ctx, rec, ("citations", i, "via"), cite.via, ("organizations",))
                via = ctx.by_id.get(cite.via)
                if (
                    via is not None
                    and via.record is not None
                    and via.table == "organizations"
                    and via.record.kind not in REPORTING_KINDS
                ):
                    kind = f"a {via.record.kind}" if via.record.kind else "an organization of unstated kind"
                    yield ctx.diag(
                        rec,
                        ("citations", i, "via"),
                        "citation.via-kind",
                        f"via names {cite.via}, {kind}; via is for the news outlet, news agency or data provider a "
                        "source cites",
                    )


def _cycle_from(start: str, edges: dict[str, list[str]], done: set[str]) -> list[str] | None:
    """A cycle reachable from ``start`` (depth-first, without recursion), or None; marks what it finished."""
    path = [start]
    todo = [iter(edges.get(start, ()))]
    while todo:
        nxt = next(todo[-1], None)
        if nxt is None:
            done.add(path.pop())
            todo.pop()
        elif nxt in path:
            return path[path.index(nxt) :] + [nxt]
        elif nxt not in done:
            path.append(nxt)
            todo.append(iter(edges.get(nxt, ())))
    return None


def cycles(ctx: Context) -> Iterator[Diagnostic]:
    """Chains of parent_id, family_id and derived_from end somewhere."""
    for table, name in (("organizations", "parent_id"), ("models", "family_id"), ("metrics", "derived_from")):
        recs = {r.record.id: r for r in ctx.valid() if r.table == table}
        edges = {rid: [t for _, t in _values(r.record, name) if t != rid] for rid, r in recs.items()}
        done: set[str] = set()
        for start in sorted(edges):
            if start in done:
                continue
            cycle = _cycle_from(start, edges, done)
            if cycle is not None:
                done.update(cycle)
                yield ctx.diag(
                    recs[cycle[0]],
                    (name,),
                    "ref.cycle",
                    f"{name} goes round in a circle: {' -> '.join(cycle)}; break the loop",
                )


@cache
def _factual_defaults(model: type[BaseModel]) -> tuple[tuple[str, Any], ...]:
    """Each field that can state a fact, with its default (a required field's default never equals a value).

    Once per model class: pydantic's ``get_default`` inspects the factory's
    signature on every call, which cost more than the rest of the rule.
    """
    fields = model.model_fields.items()
    return tuple((name, info.get_default(call_default_factory=True)) for name, info in fields if name not in UNCITED)


def set_fields(record: BaseModel) -> list[str]:
    """Fields whose value is more than the default: these state a fact and need a citation."""
    return [name for name, default in _factual_defaults(type(record)) if getattr(record, name) != default]


def provenance(ctx: Context) -> Iterator[Diagnostic]:
    """Every stated field is backed by a quote, and quotes back only fields that are stated."""
    for rec in ctx.valid():
        if rec.table == "sources":
            continue
        fields = type(rec.record).model_fields
        stated = set_fields(rec.record)
        supported: set[str] = set()
        for i, cite in enumerate(rec.record.citations):
            for j, name in enumerate(cite.supports):
                loc = ("citations", i, "supports", j)
                if name not in fields or name in BOOKKEEPING:
                    hint = difflib.get_close_matches(name, list(fields), n=1)
                    fix = replacement_hint(rec.table, name) or (
                        f"did you mean {hint[0]}?" if hint else "name a field of this record"
                    )
                    yield ctx.diag(rec, loc, "citation.unknown-field", f"{name} is not a field of {rec.table}; {fix}")
                elif name in LATEST.CURATOR_TEXT:
                    yield ctx.diag(
                        rec,
                        loc,
                        "citation.curator-text",
                        f"{name} is the curator's own text; no quote supports it, remove it from supports",
                    )
                elif name not in stated:
                    yield ctx.diag(
                        rec,
                        loc,
                        "citation.supports-unset",
                        f"{name} is not set in this record; set it or remove it from supports",
                    )
                supported.add(name)
            if len(set(cite.supports)) != len(cite.supports):
                yield ctx.diag(
                    rec,
                    ("citations", i, "supports"),
                    "citation.duplicate-field",
                    "a field is named twice; name each once",
                )
        for name in stated:
            if name not in supported:
                yield ctx.diag(
                    rec,
                    (name,),
                    "citation.unsupported-field",
                    f"{name} is set but no citation supports it; quote the source and add {name} to that citation's "
                    "supports",
                )


def duplicates(ctx: Context) -> Iterator[Diagnostic]:
    """No two records of a table share a name or alias after NFKC and case folding, unless distinct_from says so."""
    from ailedger.validate.text import fold

    for table in ("organizations", "models"):
        owner: dict[str, Loaded] = {}
        for rec in sorted((r for r in ctx.valid() if r.table == table), key=lambda r: r.record.id):
            keys: dict[str, tuple[str | int, ...]] = {}
            for loc, name in [
                (("name",), rec.record.name),
                *((("aliases", i), a) for i, a in enumerate(rec.record.aliases)),
            ]:
                keys.setdefault(fold(name), loc)
            for key, loc in keys.items():
                first = owner.setdefault(key, rec)
                if (
                    first.record.id == rec.record.id
                    or first.record.id in rec.record.distinct_from
                    or rec.record.id in first.record.distinct_from
                ):
                    continue
                yield ctx.diag(
                    rec,
                    loc,
                    "record.possible-duplicate",
                    f"the same name as {first.record.id} ({first.path}) after case folding and normalization; "
                    f"merge the two records, or add distinct_from: [{first.record.id}] if they are different",
                )
    yield from _similar_names(ctx)


def _similar_names(ctx: Context) -> Iterator[Diagnostic]:
    """Models whose names agree once the developer's name, spaces and version punctuation are gone.

    A warning, not an error: "Pro" and "Open" editions may really differ.
    """
    from ailedger.validate import stated
    from ailedger.validate.text import fold

    owner: dict[str, Loaded] = {}
    for rec in sorted((r for r in ctx.valid() if r.table == "models"), key=lambda r: r.record.id):
        developers = _labels(ctx.by_id.get(rec.record.organization_id)) if rec.record.organization_id else []
        for loc, name in [
            (("name",), rec.record.name),
            *((("aliases", i), a) for i, a in enumerate(rec.record.aliases)),
        ]:
            key = stated.meaning_key(name, developers)
            if not key:
                continue
            first = owner.setdefault(key, rec)
            if (
                first.record.id == rec.record.id
                or first.record.id in rec.record.distinct_from
                or rec.record.id in first.record.distinct_from
            ):
                continue
            if {fold(n) for n in _labels(first)} & {fold(n) for n in _labels(rec)}:
                continue  # the same name outright: record.possible-duplicate says so
            yield ctx.diag(
                rec,
                loc,
                "record.similar-name",
                f'"{escape(name)}" is "{escape(first.record.name)}" of {first.record.id} ({first.path}) once '
                "the developer's name, spaces and version punctuation are set aside; "
                f"merge the two records, or add distinct_from: [{first.record.id}] if they are different",
                "warning",
            )
            break


def sources(ctx: Context) -> Iterator[Diagnostic]:
    """Each source has its text file, with the recorded hash."""
    for rec in ctx.valid():
        if rec.table != "sources":
            continue
        if ctx.texts is None:
            yield ctx.diag(
                rec,
                ("sha256",),
                "source.unverified",
                "source text not checked, so its quotes are unverified; pass --texts DIR holding <source id>.txt",
                "warning",
            )
            continue
        text = ctx.source_texts.get(rec.record.id)
        if text is None:
            yield ctx.diag(
                rec,
                ("id",),
                "source.text-missing",
                f"no text file {rec.record.id}.txt in {ctx.texts}; add the source's text so quotes can be checked",
            )
        elif text.sha256 != rec.record.sha256:
            yield ctx.diag(
                rec,
                ("sha256",),
                "source.sha256-mismatch",
                f"the text file's SHA-256 is {text.sha256}; the record says {rec.record.sha256}. Update the record "
                "if the text was corrected on purpose",
            )


def quotes(ctx: Context) -> Iterator[Diagnostic]:
    """Each quote is a verbatim span of its source's text."""
    if ctx.texts is None:
        return
    for rec in ctx.valid():
        for i, cite in enumerate(getattr(rec.record, "citations", ())):
            text = ctx.source_texts.get(cite.source_id)
            if text is None or text.contains(cite.quote):
                continue
            words = cite.quote.split()
            if any(
                text.contains(" ".join(words[:k])) and text.contains(" ".join(words[k:])) for k in range(1, len(words))
            ):
                yield ctx.diag(
                    rec,
                    ("citations", i, "quote"),
                    "quote.not-contiguous",
                    f"stitched from passages of {cite.source_id}.txt that are not adjacent; quote one contiguous "
                    "span, or cite each passage separately",
                )
                continue
            gap = text.departure(cite.quote)
            yield ctx.diag(
                rec,
                ("citations", i, "quote"),
                "quote.not-in-source",
                f"not found verbatim in {cite.source_id}.txt; closest passage ({int(gap.ratio * 100)}% alike), "
                f"marked «» where the quote departs from it, at character {gap.at + 1} of the quote: "
                f'"{escape(gap.marked(), 400)}"; {escape(gap.difference(), 200)}',
            )


def quote_length(ctx: Context) -> Iterator[Diagnostic]:
    """A quote long enough to pin down its passage: "the company" matches every article."""
    for rec in ctx.valid():
        for i, cite in enumerate(getattr(rec.record, "citations", ())):
            least = shortest(cite.quote)
            if len(cite.quote.strip()) < least:
                yield ctx.diag(
                    rec,
                    ("citations", i, "quote"),
                    "quote.too-short",
                    f"a quote of {len(cite.quote.strip())} characters matches too many passages; quote at least "
                    f"{least}, enough to show the fact",
                )


# --- what the quotes state (issue 14) ---------------------------------------------------------------

# Fields that name something rather than state a fact about it, and fields that are not read from text.
_NOT_STATED = frozenset({"derived_from", "distinct_from"})
_NAMING = frozenset({"name", "aliases"}) | {name for _, name in LATEST.REFERENCES} - {"runs_on"}
_ANY_ORDER = 8


def _quotes(record: Any, field: str, ctx: Context | None = None) -> list[str]:
    """The quotes that support ``field``; with ``ctx``, only those found in their source (others are reported)."""
    return [c.quote for c in _citations(record, field, ctx)]


def _citations(record: Any, field: str, ctx: Context | None = None) -> list[Any]:
    """The citations that support ``field``.

    A derived metric's kind and dates also rest on those of the metrics it is derived from.
    """
    out = [c for c in record.citations if field in c.supports and (ctx is None or _found(ctx, c))]
    if ctx is not None and field in _INHERITED and getattr(record, "derived_from", None):
        for rid in record.derived_from:
            other = ctx.by_id.get(rid)
            if (
                other is not None
                and other.record is not None
                and other.table == "metrics"
                and other.record is not record
            ):
                out += [c for c in other.record.citations if field in c.supports and _found(ctx, c)]
    return out


_INHERITED = frozenset({"metric", "as_of", "reported"})


def _found(ctx: Context, cite: Any) -> bool:
    if ctx.texts is None:
        return True
    text = ctx.source_texts.get(cite.source_id)
    return text is None or text.contains(cite.quote)


def _clean(label: str) -> bool:
    """A name the text rules refuse (invisible or mixed-script characters) is reported there, not again here."""
    from ailedger.validate import text

    return not any(severity == "error" for _, severity, _ in text.problems(label, name=True))


def _labels(rec: Loaded | None) -> list[str]:
    """The names a record goes by in text, or none when it has no name (events, metrics, claims)."""
    if rec is None or rec.record is None or rec.table not in ("organizations", "models"):
        return []
    return [rec.record.name, *rec.record.aliases]


def _named_in(ctx: Context, tables: tuple[str, ...], quotes: list[str]) -> list[str]:
    """Names of the records of ``tables`` that the quotes name, for telling what a quote does say."""
    from ailedger.validate import stated

    out = []
    for other in ctx.valid():
        if other.table in tables and any(stated.names(label, q) for label in _labels(other) for q in quotes):
            out.append(other.record.name)
    return sorted(set(out))[:_ANY_ORDER]


def _label_stated(label: str, quotes: list[str]) -> bool:
    from ailedger.validate import stated

    return any(stated.names(label, q) for q in quotes) or (len(quotes) > 1 and stated.composed(label, quotes))


def stated_values(ctx: Context) -> Iterator[Diagnostic]:
    """Every name, reference and metric kind is stated by a quote that supports it."""
    from ailedger.validate import stated

    for rec in ctx.valid():
        if rec.table == "sources":
            continue
        record = rec.record
        every = [c.quote for c in record.citations if _found(ctx, c)]
        if rec.table in ("organizations", "models"):
            for field_name in ("name", "aliases"):
                quotes = _quotes(record, field_name, ctx)
                for loc, label in _values(record, field_name):
                    if (
                        quotes
                        and _clean(label)
                        and stated.comparable(label, quotes)
                        and not _label_stated(label, quotes)
                    ):
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
        for (table, field_name), allowed in LATEST.REFERENCES.items():
            if table != rec.table or field_name in _NOT_STATED:
                continue
            quotes = _quotes(record, field_name, ctx)
            for loc, target in _values(record, field_name):
                labels = [
                    label
                    for label in _labels(ctx.by_id.get(target))
                    if _clean(label) and stated.comparable(label, quotes)
                ]
                if not labels or not quotes or any(_label_stated(label, quotes) for label in labels):
                    continue
                other_table = ctx.table_of.get(target, allowed[0])
                if any(stated.refers_back(other_table, q) for q in quotes) and any(
                    _label_stated(label, every) for label in labels
                ):
                    continue  # "das Modell", "the company": another quote of the record names it
                named = [n for n in _named_in(ctx, allowed, quotes) if n not in labels]
                says = f"they name {', '.join(named)}" if named else f"they name no record of {' or '.join(allowed)}"
                yield ctx.diag(
                    rec,
                    loc,
                    "quote.reference-not-stated",
                    f"{target} ({escape(labels[0])}) is not named by the quotes that support {field_name} ({says}); "
                    f"point at the record the quote names, or cite the sentence that names {escape(labels[0])}",
                )
        if rec.table == "metrics":
            yield from _metric_stated(ctx, rec)


def _metric_stated(ctx: Context, rec: Loaded) -> Iterator[Diagnostic]:
    """The kind of count is in the quote's words, and the value is the figure it gives for this subject."""
    from ailedger.validate import stated

    m = rec.record
    quotes = _quotes(m, "metric", ctx)
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
    if subject is None or subject.record is None or not _labels(subject):
        return
    candidates = {r.record.id: _labels(r) for r in ctx.valid() if r.table == subject.table}
    found: list[tuple[str, Any]] = []
    for cite in m.citations:
        if "value" not in cite.supports or not _found(ctx, cite):
            continue
        language = _language(ctx, cite.source_id)
        spans = stated.name_spans(cite.quote, candidates)
        if not any(rid == m.subject_id for rid, _, _ in spans):
            return  # the subject goes unnamed in this quote ("the app"): whose figure it is cannot be told
        for figure in stated.figures(cite.quote, language, spans):
            if m.value in figure.values:
                if not figure.gap and figure.owner == m.subject_id:
                    return
                found.append((cite.quote, figure))
    if not found:
        return  # not a figure of the quote at all: metric.quote-mismatch says so
    quote, figure = found[0]
    own = [
        f.text
        for f in stated.figures(quote, _language(ctx, m.citations[0].source_id), stated.name_spans(quote, candidates))
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
    source = ctx.by_id.get(source_id)
    return (
        source.record.language
        if source is not None and source.record is not None and source.table == "sources"
        else None
    )


def _published(ctx: Context, source_id: str) -> FuzzyDate | None:
    source = ctx.by_id.get(source_id)
    return (
        source.record.published
        if source is not None and source.record is not None and source.table == "sources"
        else None
    )


def quoted_dates(ctx: Context) -> Iterator[Diagnostic]:
    """Each date is no sharper than, and inside, what the date words of its quotes allow."""
    from ailedger.validate import when

    for rec in ctx.valid():
        if rec.table == "sources":
            continue
        for name, value in dated_fields(rec.record):
            expressions: list[when.Stated] = []
            cited = False
            for cite in _citations(rec.record, name, ctx):
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

    for rec in ctx.valid():
        if rec.table != "metrics":
            continue
        m = rec.record
        formula = getattr(m, "formula", None)
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
            other = ctx.by_id.get(rid)
            if other is None or other.record is None or other.table != "metrics":
                break
            values[rid] = other.record.value
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


def _self_parties(ctx: Context, rec: Loaded) -> set[str]:
    """Folded names under which a quote's attribution is the record's own developer or subject speaking."""
    from ailedger.validate import stated

    ids = {rec.record.id}
    for name in ("organization_id", "subject_id", "organization_ids", "subject_ids"):
        ids |= {t for _, t in _values(rec.record, name)} if hasattr(rec.record, name) else set()
    for rid in list(ids):
        target = ctx.by_id.get(rid)
        if (
            target is not None
            and target.record is not None
            and target.table == "models"
            and target.record.organization_id
        ):
            ids.add(target.record.organization_id)
    return {stated.fold(label) for rid in ids for label in _labels(ctx.by_id.get(rid))}


def attributed(ctx: Context) -> Iterator[Diagnostic]:
    """Claims apart from facts.

    A fact only the company says, a verified claim with no independent source, a claim given to its messenger.
    """
    from ailedger.validate import claims, stated

    for rec in ctx.valid():
        if rec.table not in ("models", "events", "metrics"):
            continue  # an organization's kind or city is not what a company claims; claims are claims
        selves = _self_parties(ctx, rec)
        for name in set_fields(rec.record):
            if name in _NAMING or (rec.table, name) == ("models", "kind"):
                continue
            quotes = _quotes(rec.record, name, ctx)
            said = []
            for q in quotes:
                own = [
                    a
                    for a in claims.attributions(q)
                    if a.party in (claims.SELF, None) or stated.fold(a.party) in selves
                ]
                if not own:
                    break
                said.append(own[0])
            else:
                if said:
                    who = (
                        said[0].party
                        if said[0].party not in (claims.SELF, None)
                        else "the company"
                        if said[0].party
                        else "someone unnamed"
                    )
                    yield ctx.diag(
                        rec,
                        (name,),
                        "claim.attributed-fact",
                        f'backed only by a quote that reports it as what {who} says ("{escape(said[0].text)}"); record '
                        "the statement in claims/ with asserted_by, or cite a source that states it as fact",
                        "warning",
                    )
    for rec in ctx.valid():
        if rec.table != "claims":
            continue
        c = rec.record
        outlets: dict[str, str] = {}
        for cite in c.citations:
            if cite.via:
                outlets.setdefault(cite.via, "relays it (the citation's via)")
            source = ctx.by_id.get(cite.source_id)
            if source is not None and source.record is not None and source.table == "sources":
                outlets.setdefault(source.record.publisher, f"published {cite.source_id}")
        if c.asserted_by in outlets:
            yield ctx.diag(
                rec,
                ("asserted_by",),
                "claim.asserted-by-outlet",
                f"{c.asserted_by} {outlets[c.asserted_by]}, it does not make the claim; set asserted_by to who "
                "the quote says makes it, and keep the outlet in via",
            )
        else:
            asserter = ctx.by_id.get(c.asserted_by)
            if (
                asserter is not None
                and asserter.record is not None
                and asserter.table == "organizations"
                and asserter.record.kind in ("news_outlet", "news_agency")
            ):
                for cite in c.citations:
                    own = [a for a in claims.attributions(cite.quote) if a.party == claims.SELF]
                    if own:
                        yield ctx.diag(
                            rec,
                            ("asserted_by",),
                            "claim.asserted-by-outlet",
                            f"{c.asserted_by} is a {asserter.record.kind.replace('_', ' ')}, "
                            f'but the quote gives the statement to the company ("{escape(own[0].text)}"); '
                            f"set asserted_by to the company and via: {c.asserted_by} "
                            '(see CONTRIBUTING, "Who makes a claim")',
                        )
                        break
        if c.verified:
            asserter_names = {stated.fold(label) for label in _labels(ctx.by_id.get(c.asserted_by))}
            reporting = {c.asserted_by} | {cite.via for cite in c.citations if cite.via}
            reporting |= {
                p
                for cite in c.citations
                if set(cite.supports) - {"verified"} and (p := _publisher(ctx, cite.source_id))
            }
            independent = any(
                "verified" in cite.supports
                and (
                    claims.confirms(cite.quote)
                    is not None  # the outlet reports an independent confirmation in so many words
                    or (
                        _publisher(ctx, cite.source_id) not in reporting
                        and cite.via not in reporting
                        and not [
                            a
                            for a in claims.attributions(cite.quote)
                            if a.party in (claims.SELF, None) or stated.fold(a.party) in asserter_names
                        ]
                    )
                )
                for cite in c.citations
            )
            if not independent:
                yield ctx.diag(
                    rec,
                    ("verified",),
                    "claim.verified-unconfirmed",
                    "true needs a citation that supports verified from a source other than "
                    f"{', '.join(sorted(reporting))} "
                    "(the claimant and who reported it), or a quote that says an independent party confirmed it; "
                    "cite that, or set verified: false",
                )


def _publisher(ctx: Context, source_id: str) -> str | None:
    source = ctx.by_id.get(source_id)
    return (
        source.record.publisher
        if source is not None and source.record is not None and source.table == "sources"
        else None
    )


RULES: list[Rule] = [
    ids,
    references,
    cycles,
    duplicates,
    provenance,
    sources,
    quotes,
    quote_length,
    dates,
    metrics,
    figures,
    plausibility,
    overlaps,
    stated_values,
    quoted_dates,
    derivations,
    attributed,
]


def check(records: list[Loaded], texts: Path | None) -> list[Diagnostic]:
    """Run every rule over the run's records."""
    ctx = Context(records, texts)
    out: list[Diagnostic] = []
    for rule in RULES:
        out.extend(rule(ctx))
    return out
