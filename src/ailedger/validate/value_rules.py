"""Rules on what records state: dates plausible and in order, figures dated, stated by their quotes and consistent.

Part of :data:`ailedger.validate.rules.RULES`; each rule is a function from the
run's :class:`~ailedger.validate.context.Context` to diagnostics.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel

from ailedger.dates import FuzzyDate
from ailedger.validate.context import Context
from ailedger.validate.diagnostics import Diagnostic
from ailedger.validate.record import ParsedRecord

EARLIEST_PLAUSIBLE = date(1950, 1, 1)
WORLD_POPULATION = 8_300_000_000
USER_METRICS = ("daily_active_users", "weekly_active_users", "monthly_active_users")


def dated_fields(record: Any) -> Iterator[tuple[str, FuzzyDate]]:
    model: type[BaseModel] = type(record)
    for name in _date_fields(model):
        value = getattr(record, name)
        if isinstance(value, FuzzyDate):
            yield name, value


@cache
def _date_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` whose type holds a date, once per model class rather than for every record.

    A validated record holds a date only where its field's type says so.
    """
    return tuple(name for name, info in model.model_fields.items() if _mentions(info.annotation, FuzzyDate))


def _mentions(annotation: Any, kind: type) -> bool:
    return annotation is kind or any(_mentions(arg, kind) for arg in get_args(annotation))


def dates(ctx: Context) -> Iterator[Diagnostic]:
    """Dates are plausible: not before 1950, not after the sources that state them, reported not before as of."""
    for rec in ctx.valid():
        for name, value in dated_fields(rec.record):
            if value.earliest < EARLIEST_PLAUSIBLE:
                yield ctx.diag(rec, (name,), "date.too-early", f"{value} is before 1950; check the year")
            for cite in getattr(rec.record, "citations", ()):
                if name not in cite.supports:
                    continue
                source = ctx.by_id.get(cite.source_id)
                if source is None or source.record is None or source.table != "sources":
                    continue
                published = source.record.published
                if value.earliest > published.latest:
                    yield ctx.diag(
                        rec,
                        (name,),
                        "date.after-source",
                        f"{value} is after {cite.source_id} was published ({published}); a source cannot state a "
                        "later date",
                    )
        if rec.table == "metrics":
            m = rec.record
            if m.as_of is not None and m.reported is not None and m.reported.latest < m.as_of.earliest:
                yield ctx.diag(
                    rec,
                    ("reported",),
                    "metric.reported-before-as-of",
                    f"reported {m.reported} is before as_of {m.as_of}; a figure is reported after the time it "
                    "describes",
                )


def metrics(ctx: Context) -> Iterator[Diagnostic]:
    """A metric has a date, and a derived value says how it was derived."""
    for rec in ctx.valid("metrics"):
        m = rec.record
        if m.as_of is None and m.reported is None:
            yield ctx.diag(
                rec,
                ("as_of",),
                "metric.undated",
                "set as_of (when the figure was true) or reported (when it was published), or both",
            )
        if m.derived_from and m.derivation is None:
            yield ctx.diag(
                rec,
                ("derivation",),
                "metric.derivation-missing",
                "a derived value needs derivation: say how it was computed from derived_from",
            )
        if m.derivation is not None and not m.derived_from:
            yield ctx.diag(
                rec,
                ("derived_from",),
                "metric.derived-from-missing",
                "derivation is set but derived_from is empty; list the metric ids it was computed from",
            )


def _period(m: Any) -> tuple[str, str, str]:
    return (str(m.as_of), str(m.reported), str(m.region))


def _value_sources(m: Any) -> set[str]:
    return {c.source_id for c in m.citations if "value" in c.supports}


def figures(ctx: Context) -> Iterator[Diagnostic]:
    """A reported value is a number its quote states; a derived one is computed, so derived_from stands in for the
    quote."""
    from ailedger.validate.numbers import stated

    read: dict[tuple[str, str | None], set[int]] = {}  # a series quotes one line for many rows: read it once
    languages: dict[str, str | None] = {}
    for rec in ctx.valid("metrics"):
        if rec.record.derived_from:
            continue
        m = rec.record
        numbers: set[int] = set()
        for cite in m.citations:
            if "value" in cite.supports:
                if cite.source_id not in languages:
                    source = ctx.source(cite.source_id)
                    languages[cite.source_id] = source.language if source is not None else None
                key = (cite.quote, languages[cite.source_id])
                if key not in read:
                    read[key] = stated(*key)
                numbers |= read[key]
        if m.value in numbers:
            continue
        if numbers:
            shown = ", ".join(str(n) for n in sorted(numbers)[:6])
            yield ctx.diag(
                rec,
                ("value",),
                "metric.quote-mismatch",
                f"{m.value} is not a figure its quote states (the quote gives {shown}); write the absolute count, "
                "155 Millionen is 155000000",
            )
        else:
            yield ctx.diag(
                rec,
                ("value",),
                "metric.quote-mismatch",
                "no quote that supports value states a number; quote the passage with the figure, or list the "
                "metrics it was computed from in derived_from",
            )


def plausibility(ctx: Context) -> Iterator[Diagnostic]:
    """User counts fit the world, and daily <= weekly <= monthly for one product, region and period."""
    series: dict[tuple[str, tuple[str, str, str]], dict[str, ParsedRecord]] = {}
    for rec in ctx.valid("metrics"):
        m = rec.record
        if m.metric in USER_METRICS and m.value > WORLD_POPULATION:
            yield ctx.diag(
                rec,
                ("value",),
                "metric.range",
                f"{m.value} users is more than the world population; check the unit (155 million is 155000000)",
            )
        series.setdefault((m.subject_id, _period(m)), {}).setdefault(m.metric, rec)
    for by_metric in series.values():
        present = [(name, by_metric[name]) for name in USER_METRICS if name in by_metric]
        for (small, a), (large, b) in itertools.pairwise(present):
            if a.record.value > b.record.value:
                yield ctx.diag(
                    a,
                    ("value",),
                    "metric.inconsistent",
                    f"{small} {a.record.value} exceeds {large} {b.record.value} of {b.record.id} for the same "
                    "subject and period; one of them is wrong",
                )


def overlaps(ctx: Context) -> Iterator[Diagnostic]:
    """One figure per subject, metric and period from a source; two sources that disagree are both kept, with a
    warning."""
    groups: dict[tuple[str, str, tuple[str, str, str]], list[ParsedRecord]] = {}
    for rec in sorted((r for r in ctx.valid() if r.table == "metrics"), key=lambda r: r.record.id):
        m = rec.record
        groups.setdefault((m.subject_id, m.metric, _period(m)), []).append(rec)
    for recs in groups.values():
        for i, rec in enumerate(recs):
            for other in recs[:i]:
                shared = _value_sources(rec.record) & _value_sources(other.record)
                if shared:
                    yield ctx.diag(
                        rec,
                        ("value",),
                        "metric.duplicate",
                        f"{other.record.id} already records {rec.record.metric} of {rec.record.subject_id} for this "
                        f"period from {', '.join(sorted(shared))}; keep one record",
                    )
                elif rec.record.value != other.record.value:
                    for a, b in ((rec, other), (other, rec)):
                        yield ctx.diag(
                            a,
                            ("value",),
                            "metric.conflict",
                            f"{a.record.value} conflicts with {b.record.value} in {b.record.id} from another source "
                            "for the same period; both are kept, check which source is right",
                            "warning",
                        )
