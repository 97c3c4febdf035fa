"""The release timeline: each organization's models along a time axis, dated as their sources allow."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ailedger.errors import AiledgerError
from ailedger.plot.draw import (
    NOTE_WIDTH,
    Fonts,
    Name,
    Span,
    axis_for,
    broken_axes,
    date_clusters,
    declutter,
    name_of,
    shorten,
    when_text,
    wrap,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

RELEASE_FIELDS = ("available", "announced", "weights_released")
"""A model's dates in the order the timeline prefers them: when the public could use it, else the others."""


@dataclass(frozen=True)
class Timeline:
    rows: tuple[tuple[Name, tuple[Span, ...]], ...]
    """One row per organization, its models sorted by date."""
    undated: tuple[tuple[Name, Name], ...]
    """(model, organization) of models whose release date no source states."""


UNNAMED_DEVELOPER = Name("developer not named")
"""The row of models whose sources do not name the developer (``organization_id`` null)."""


def timeline_spec(models: Sequence[Any], organizations: Sequence[Any]) -> Timeline:
    """Release dates per organization (``available``, else ``announced``, else ``weights_released``); rows ordered by
    their first release."""
    orgs: dict[str | None, Name] = {o.id: name_of(o) for o in organizations}
    orgs[None] = UNNAMED_DEVELOPER
    by_org: dict[str | None, list[Span]] = {}
    undated = []
    for m in sorted(models, key=lambda m: m.id):
        field = next((f for f in RELEASE_FIELDS if getattr(m, f) is not None), None)
        if field is None:
            undated.append((name_of(m), orgs[m.organization_id]))
        else:
            when = getattr(m, field)
            by_org.setdefault(m.organization_id, []).append(Span(name_of(m), when.earliest, when.latest, field))
    rows = sorted(
        ((orgs[o], tuple(sorted(spans, key=lambda s: (s.earliest, s.latest)))) for o, spans in by_org.items()),
        key=lambda row: (row[1][0].earliest, row[0].id),
    )
    return Timeline(tuple(rows), tuple(undated))


def _draw_span(ax: Axes, span: Span, y: float, color: str, height: float = 0.5, **style: Any) -> None:
    """A range as a bar from the first to the end of the last possible day; a known day as a diamond."""
    from matplotlib import dates as mdates

    if span.uncertain:
        start = mdates.date2num(span.earliest)
        ax.barh(
            y, mdates.date2num(span.latest + timedelta(days=1)) - start, left=start, height=height, color=color, **style
        )
    else:
        ax.plot([mdates.date2num(span.earliest) + 0.5], [y], marker="D", markersize=8, color=color, linestyle="none")


LANE_LABEL = 28
"""Columns of a model's name on its lane; longer names are cut with an ellipsis."""


NOTE_LINE = 8 * 1.2 / 72
"""Inches per line of the 8-point notes under the chart."""


def draw_timeline(spec: Timeline, fonts: Fonts) -> Figure:
    """Organizations as bands (a bold header line, then one lane per model), models labelled on the y axis."""
    from matplotlib.figure import Figure

    lanes = [(org, span) for org, spans in spec.rows for span in spans]
    if not lanes:
        raise AiledgerError("no model has a release date: nothing to draw in the timeline")
    notes = [
        *wrap(
            "Date: when the public could first use it; where no source states that, when it was announced or its "
            "weights were published, marked so.",
            NOTE_WIDTH,
        ),
        "Bar: on one day somewhere in this range (no sharper than the source). Diamond: a known day.",
    ]
    note_font: dict[str, Any] = {}
    if spec.undated:

        def listed(named: Callable[[Name], str]) -> str:
            models = ", ".join(f"{named(m)} ({named(o)})" for m, o in spec.undated)
            return f"No release date in the sources ({len(spec.undated)}): {models}"

        undated, note_font = fonts.note(listed, 8)
        notes += wrap(undated, NOTE_WIDTH)
    # 1.9 in holds the title, the date axis and six lines of notes; a long list of undated models adds its lines,
    # else the layout squeezes the lanes until their labels overlap.
    height = 1.9 + 0.34 * (len(lanes) + len(spec.rows)) + NOTE_LINE * max(0, len(notes) - 6)
    fig = Figure(figsize=(9, height), layout="constrained")
    clusters = date_clusters([s for _, s in lanes])
    axes = broken_axes(fig, clusters)
    ticks: list[float] = []
    labels: list[tuple[str, dict[str, Any], bool]] = []
    y = 0.0
    for i, (org, spans) in enumerate(spec.rows):
        color = f"C{i % 10}"
        ticks.append(y)
        text, kwargs = fonts.label(org)
        labels.append((shorten(text, LANE_LABEL + 8), kwargs, True))
        for span in spans:
            y += 1
            _draw_span(axis_for(axes, clusters, span), span, y, color)
            text, kwargs = fonts.label(span.label)
            ticks.append(y)
            marked = f" ({span.dated_by.replace('_', ' ')})" if span.dated_by not in ("", RELEASE_FIELDS[0]) else ""
            labels.append((f"{shorten(text, LANE_LABEL)}  {when_text(span)}{marked}", kwargs, False))
        y += 1
        if i < len(spec.rows) - 1:
            for ax in axes:
                ax.axhline(y - 0.5, color="0.85", linewidth=0.8)
    axes[0].set_yticks(ticks, [text for text, _, _ in labels])
    for tick, (_, kwargs, header) in zip(axes[0].get_yticklabels(), labels, strict=True):
        if kwargs:
            tick.set_fontproperties(kwargs["fontproperties"])
        if header:
            tick.set_fontweight("bold")
    axes[0].set_ylim(y - 0.5, -0.6)
    axes[0].tick_params(axis="y", length=0)
    fig.suptitle("Model and product releases by organization", fontsize=12, x=0.02, ha="left")
    fig.supxlabel("\n".join(notes), fontsize=8, x=0.02, ha="left", color="0.25", **note_font)
    declutter(fig)
    return fig
