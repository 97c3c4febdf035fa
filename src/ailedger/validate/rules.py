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

from ailedger.schema import LATEST
from ailedger.schema.fields import BOOKKEEPING, SAME_TABLE_REFERENCES, UNCITED
from ailedger.schema.migrations import replacement_hint
from ailedger.texts import HOW_TO_SUPPLY, Store
from ailedger.validate.claim_rules import attributed
from ailedger.validate.context import Context, Rule, is_slug, record_id
from ailedger.validate.diagnostics import Diagnostic, escape
from ailedger.validate.quote_rules import derivations, field_values, finder, labels, quoted_dates, stated_values
from ailedger.validate.quotes import shortest
from ailedger.validate.record import ParsedRecord
from ailedger.validate.value_rules import dates, figures, metrics, overlaps, plausibility

REPORTING_KINDS = frozenset({"news_outlet", "news_agency", "data_provider"})
# File names Windows cannot check out, whatever the extension.
RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in range(1, 10)})


def ids(ctx: Context) -> Iterator[Diagnostic]:
    """Ids are unique across tables, equal the file name, and do not differ only by case (record files only)."""
    seen_folded: dict[str, ParsedRecord] = {}
    for rec in ctx.records:
        rid = record_id(rec)
        stem = rec.stem
        if stem.casefold() in RESERVED_NAMES:
            yield ctx.diag(
                rec,
                ("id",),
                "file.name",
                f"{Path(rec.path).name} is a reserved device name on Windows, where the repository cannot be checked "
                "out; choose another id",
            )
        if stem != rid and is_slug(rid):
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


def _ref(
    ctx: Context, rec: ParsedRecord, loc: tuple[str | int, ...], target: str, allowed: tuple[str, ...]
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
    tables: dict[str, str | None] = {}  # the table of each id named so far: most records name a few of them

    def table_of(rid: str) -> str | None:
        if rid not in tables:
            tables[rid] = ctx.table_of.get(rid)
        return tables[rid]

    for rec in ctx.valid():
        for name, allowed in _references(rec.table):
            for loc, target in field_values(rec.record, name):
                if target == rec.record.id and name in SAME_TABLE_REFERENCES:
                    yield ctx.diag(rec, loc, "ref.cycle", "a record cannot point at itself here")
                    continue
                if table_of(target) not in allowed:  # else nothing to say: skip making the generator
                    yield from _ref(ctx, rec, loc, target, allowed)
        for i, cite in enumerate(getattr(rec.record, "citations", ())):
            if table_of(cite.source_id) != "sources":
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


@cache
def _references(table: str) -> list[tuple[str, tuple[str, ...]]]:
    """The fields of ``table`` that hold ids, with the tables each may point into (once per table, not per record)."""
    return [(name, allowed) for (owner, name), allowed in LATEST.REFERENCES.items() if owner == table]


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
        edges = {rid: [t for _, t in field_values(r.record, name) if t != rid] for rid, r in recs.items()}
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


@cache
def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """``model_fields``, kept: pydantic looks it up through a descriptor on every access."""
    return model.model_fields


@cache
def _citable(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` a citation may support (when they are set)."""
    return frozenset(name for name in model.model_fields if name not in BOOKKEEPING and name not in LATEST.CURATOR_TEXT)


def set_fields(record: BaseModel) -> list[str]:
    """Fields whose value is more than the default: these state a fact and need a citation."""
    return [name for name, default in _factual_defaults(type(record)) if getattr(record, name) != default]


def provenance(ctx: Context) -> Iterator[Diagnostic]:
    """Every stated field is backed by a quote, and quotes back only fields that are stated."""
    for rec in ctx.valid():
        if rec.table == "sources":
            continue
        model: type[BaseModel] = type(rec.record)
        fields = _fields(model)
        stated = set_fields(rec.record)
        citable = set(stated) & _citable(model)
        supported: set[str] = set()
        for i, cite in enumerate(rec.record.citations):
            names = set(cite.supports)
            if names <= citable and len(names) == len(cite.supports):
                supported |= names  # the common case: nothing to say about this citation
                continue
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
        owner: dict[str, ParsedRecord] = {}
        for rec in sorted((r for r in ctx.valid() if r.table == table), key=lambda r: r.record.id):
            keys: dict[str, tuple[str | int, ...]] = {}
            for loc, name in _names(rec.record):
                keys.setdefault(fold(name), loc)
            for key, loc in keys.items():
                first = owner.setdefault(key, rec)
                if _known_apart(first.record, rec.record):
                    continue
                yield ctx.diag(
                    rec,
                    loc,
                    "record.possible-duplicate",
                    f"the same name as {first.record.id} ({first.path}) after case folding and normalization; "
                    f"merge the two records, or add distinct_from: [{first.record.id}] if they are different",
                )
    yield from _similar_names(ctx)


def _names(record: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """A record's name and aliases, each with its place in the record."""
    return [(("name",), record.name), *((("aliases", i), a) for i, a in enumerate(record.aliases))]


def _known_apart(first: Any, other: Any) -> bool:
    """The same record met again under another of its names, or two records that say they differ."""
    return first.id == other.id or first.id in other.distinct_from or other.id in first.distinct_from


def _similar_names(ctx: Context) -> Iterator[Diagnostic]:
    """Models whose names agree once the developer's name, spaces and version punctuation are gone.

    A warning, not an error: "Pro" and "Open" editions may really differ.
    """
    from ailedger.validate import stated
    from ailedger.validate.text import fold

    owner: dict[str, ParsedRecord] = {}
    for rec in sorted((r for r in ctx.valid() if r.table == "models"), key=lambda r: r.record.id):
        developers = labels(ctx.by_id.get(rec.record.organization_id)) if rec.record.organization_id else []
        for loc, name in _names(rec.record):
            key = stated.meaning_key(name, developers)
            if not key:
                continue
            first = owner.setdefault(key, rec)
            if _known_apart(first.record, rec.record):
                continue
            if {fold(n) for n in labels(first)} & {fold(n) for n in labels(rec)}:
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
    for rec in ctx.valid("sources"):
        archive = {k: getattr(rec.record, k, None) for k in ("archive_url", "archive_sha256", "extractor")}
        if any(v is not None for v in archive.values()) and not all(v is not None for v in archive.values()):
            missing = [k for k, v in archive.items() if v is None]
            given = next(k for k, v in archive.items() if v is not None)
            yield ctx.diag(
                rec,
                (given,),
                "source.archive-incomplete",
                f"archive_url, archive_sha256 and extractor go together; {', '.join(missing)} missing. "
                "ailedger source add --archived writes all three, or remove them all",
            )
        text = ctx.source_texts.get(rec.record.id)
        if text is None and ctx.texts is not None and ctx.texts.by_id:
            yield ctx.diag(
                rec,
                ("id",),
                "source.text-missing",
                f"no text file {rec.record.id}.txt in {ctx.texts.folder}; add the source's text so quotes can be "
                "checked",
            )
        elif text is None and ctx.require_texts:
            where = f" in the {ctx.texts.describe()}" if ctx.texts is not None else ""
            yield ctx.diag(
                rec,
                ("sha256",),
                "source.text-unavailable",
                f"no text of source {rec.record.id} with this SHA-256{where}, so its quotes cannot be checked; "
                f"{HOW_TO_SUPPLY}",
            )
        elif text is None:
            yield ctx.diag(
                rec,
                ("sha256",),
                "source.unverified",
                "source text not found, so its quotes are unverified; run ailedger texts fetch, or pass --texts DIR "
                "holding <source id>.txt",
                "warning",
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
    """Each quote is a verbatim span of its source's text (when the text can be had; the sources rule says when not)."""
    found = finder(ctx)  # a series quotes one line in many records
    for rec in ctx.valid():
        for i, cite in enumerate(getattr(rec.record, "citations", ())):
            if found(cite):
                continue
            text = ctx.source_texts.get(cite.source_id)
            assert text is not None  # a quote without a text to check it is not found missing
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
    least_of: dict[str, int] = {}  # a series quotes one line in many records
    for rec in ctx.valid():
        for i, cite in enumerate(getattr(rec.record, "citations", ())):
            least = least_of.get(cite.quote)
            if least is None:
                least = least_of[cite.quote] = shortest(cite.quote)
            if len(cite.quote.strip()) < least:
                yield ctx.diag(
                    rec,
                    ("citations", i, "quote"),
                    "quote.too-short",
                    f"a quote of {len(cite.quote.strip())} characters matches too many passages; quote at least "
                    f"{least}, enough to show the fact",
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


ACROSS: tuple[Rule, ...] = (ids, cycles, duplicates, plausibility, overlaps)
"""Rules that weigh records against each other (same id, name or period, loops): run over all records every time.

Every other rule judges each record on its own, given what other records lend
it: their ids and tables, and the whole of every source, organization and
model and of every metric a ``derived_from`` names; it reports only on the
record it judges. :mod:`ailedger.validate.cache` relies on this to keep each
record's verdicts until the record or what it is lent changes.
"""


def check(records: list[ParsedRecord], texts: Store | None, require_texts: bool = False) -> list[Diagnostic]:
    """Run every rule over the run's records."""
    ctx = Context(records, texts, require_texts=require_texts)
    out: list[Diagnostic] = []
    for rule in RULES:
        out.extend(rule(ctx))
    return out


def check_apart(
    records: list[ParsedRecord],
    texts: Store | None,
    require_texts: bool,
    judged: list[ParsedRecord],
    across: tuple[Rule, ...] = ACROSS,
) -> tuple[dict[Rule, list[Diagnostic]], list[Diagnostic]]:
    """The ``across`` rules (of :data:`ACROSS`) over all records, each rule's apart, and every rule not of
    :data:`ACROSS` over the ``judged`` records only."""
    ctx = Context(records, texts, require_texts=require_texts)
    by_rule = {rule: list(rule(ctx)) for rule in across}
    ctx.checked = judged
    return by_rule, [d for rule in RULES if rule not in ACROSS for d in rule(ctx)]
