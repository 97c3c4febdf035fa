"""The usage chart: one panel row per metric, each figure with its date range and who measured it, long series as
lines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

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
    when_text,
    wrap,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SERIES_MIN = 8
"""From this many figures of one product, metric, measurer and kind of date on: one series, one line, one label."""
SERIES_POINTS = 500
"""At most this many points per series and panel: the low and high of each slice of the time axis, so the drawn
envelope is the data's while the SVG stays small for any length of series."""


METRIC_TITLES = {
    "weekly_active_users": "Weekly active users",
    "daily_active_users": "Daily active users",
    "monthly_active_users": "Monthly active users",
    "downloads": "Downloads",
    "paying_users": "Paying users",
}


@dataclass(frozen=True)
class UsageFigure:
    """One usage figure: the product, the value, the dates it holds for, and who measured it."""

    metric: str
    value: int
    span: Span
    dated_by: str
    """``as_of`` when the figure's own date is known, else ``reported`` (published by then)."""
    measured_by: Name | None
    derived: bool


@dataclass(frozen=True)
class Usage:
    figures: tuple[UsageFigure, ...]
    undated: tuple[tuple[Name, str, int], ...] = ()
    """(subject, metric, value) of figures with neither ``as_of`` nor ``reported``: listed, not drawn."""


def usage_spec(metrics: Sequence[Any], names: dict[str, Name]) -> Usage:
    """Every usage figure with its date range (``as_of``, else ``reported``); figures with neither are listed apart."""
    figures, undated = [], []
    for m in sorted(metrics, key=lambda m: (m.metric, m.subject_id, m.id)):
        when, dated_by = (m.as_of, "as_of") if m.as_of is not None else (m.reported, "reported")
        if when is None:
            undated.append((names[m.subject_id], m.metric, m.value))
            continue
        figures.append(
            UsageFigure(
                metric=m.metric,
                value=m.value,
                span=Span(names[m.subject_id], when.earliest, when.latest),
                dated_by=dated_by,
                measured_by=names[m.measured_by] if m.measured_by else None,
                derived=bool(m.derived_from),
            )
        )
    return Usage(tuple(figures), tuple(undated))


def _millions(value: int) -> str:
    """155000000 as 155 M, 81600000 as 81.6 M; counts under a million as they are."""
    if abs(value) < 1_000_000:
        return f"{value:,}"
    return f"{value / 1e6:,.1f}".removesuffix(".0") + " M"


def _series_key(f: UsageFigure) -> tuple[str, str, str, bool]:
    return (f.span.label.id, f.measured_by.id if f.measured_by else "", f.dated_by, f.derived)


def _envelope(x: Any, y: Any, points: int = SERIES_POINTS) -> tuple[Any, Any]:
    """At most ``points`` points of a long series: the lowest and highest value of each slice of its time, in order.

    What a line of thousands of points looks like at the chart's resolution,
    without the thousands of points in the SVG.
    """
    import numpy as np

    if len(x) <= points:
        return x, y
    slices = points // 2
    edges = np.linspace(x[0], x[-1], slices + 1)
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, slices - 1)
    keep = []
    for part in np.split(np.arange(len(x)), np.flatnonzero(np.diff(which)) + 1):
        low, high = part[np.argmin(y[part])], part[np.argmax(y[part])]
        keep += sorted({low, high})
    return x[keep], y[keep]


def _series_words(group: list[UsageFigure]) -> tuple[str, str]:
    """What a series' line holds, in words: its lowest to highest value, and its first to last date."""
    first, last = min(f.span.earliest for f in group), max(f.span.latest for f in group)
    values = [f.value for f in group]
    dated = group[0].dated_by.replace("_", " ")
    label = group[0].span.label
    when = f"{when_text(Span(label, first, first))} to {when_text(Span(label, last, last))}"
    return f"{_millions(min(values))} to {_millions(max(values))}", f"{dated} {when}"


def _draw_series(axes: list[Axes], clusters: list[tuple[date, date]], group: list[UsageFigure], **style: Any) -> None:
    """One product's figures as a line per panel, each at the middle of its date range."""
    import numpy as np
    from matplotlib import dates as mdates

    points = sorted((f.span.earliest, f.span.latest, f.value) for f in group)
    starts = np.array([start for start, _, _ in points], dtype="datetime64[D]")
    days = np.array([(end - start).days + 1 for start, end, _ in points], dtype=float)
    x = mdates.date2num(starts) + days / 2  # one call for the whole series: per point it is most of the time
    y = np.array([value for *_, value in points], dtype=float)
    for ax, (a, b) in zip(axes, clusters, strict=True):
        inside = (starts >= np.datetime64(a, "D")) & (starts <= np.datetime64(b, "D"))
        if inside.any():
            ax.plot(*_envelope(x[inside], y[inside]), **style)


PANEL_INCHES = 2.6
"""Height of one metric's panel row (title, axes, date labels), before its legend."""
LEGEND_LINE_INCHES = 0.16


def draw_usage(spec: Usage, fonts: Fonts) -> Figure:
    """One panel row per metric; few figures each drawn with their range, many of one product as one line.

    Every label sits in the legend under its panel, one per line, so labels
    cannot cover each other or the data however many figures there are.
    """
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    if not spec.figures:
        raise AiledgerError("no usage figure has a date: nothing to draw")
    metrics = list(dict.fromkeys(f.metric for f in spec.figures))
    products = list(dict.fromkeys(f.span.label.id for f in spec.figures))
    color = {p: f"C{i % 10}" for i, p in enumerate(products)}
    marker = {p: "os^vD"[i // 10 % 5] for i, p in enumerate(products)}
    groups: dict[str, dict[tuple[str, str, str, bool], list[UsageFigure]]] = {}
    for f in spec.figures:
        groups.setdefault(f.metric, {}).setdefault(_series_key(f), []).append(f)
    # (figures, label) per legend entry: a series is one entry, a lone figure one entry each
    entries: dict[str, list[tuple[list[UsageFigure], str]]] = {}
    for metric in metrics:
        for group in groups[metric].values():
            first = group[0]
            name = fonts.label(first.span.label)[0]
            who = fonts.label(first.measured_by)[0] if first.measured_by else "measurer not stated"
            note = ", derived" if first.derived else ""
            if len(group) >= SERIES_MIN:
                values, when = _series_words(group)
                text = f"{name}: {len(group):,} figures, {values} ({who}{note}; {when})"
                entries.setdefault(metric, []).append((group, "\n".join(wrap(text))))
                continue
            for f in group:
                when = f"{f.dated_by.replace('_', ' ')} {when_text(f.span)}"
                text = f"{name} {_millions(f.value)} ({who}{note}; {when})"
                entries.setdefault(metric, []).append(([f], "\n".join(wrap(text))))
    heights = [PANEL_INCHES + LEGEND_LINE_INCHES * sum(t.count("\n") + 1 for _, t in entries[m]) for m in metrics]
    fig = Figure(figsize=(9, sum(heights) + 0.9), layout="constrained")
    rows = fig.subfigures(len(metrics), 1, squeeze=False, height_ratios=heights)[:, 0]
    for sub, metric in zip(rows, metrics, strict=True):
        figures = [f for f in spec.figures if f.metric == metric]
        clusters = date_clusters([f.span for f in figures])
        axes = broken_axes(sub, clusters)
        top = max(1, *(f.value for f in figures))
        handles = []
        for group, text in entries[metric]:
            first = group[0]
            product = first.span.label.id
            style: Literal["-", "--"] = "-" if first.dated_by == "as_of" else "--"
            face = "white" if first.derived else color[product]
            if len(group) > 1:
                _draw_series(axes, clusters, group, linestyle=style, linewidth=1.2, color=color[product])
                handles.append(Line2D([], [], color=color[product], linestyle=style, linewidth=1.2, label=text))
                continue
            ax = axis_for(axes, clusters, first.span)
            x0, x1 = mdates.date2num(first.span.earliest), mdates.date2num(first.span.latest + timedelta(days=1))
            look: dict[str, Any] = {
                "color": color[product], "marker": marker[product], "markerfacecolor": face, "markeredgewidth": 1.5
            }
            ax.plot([x0, x1], [first.value] * 2, linestyle=style, linewidth=2.5, color=color[product])
            ax.plot([x0, x1], [first.value] * 2, linestyle="none", markersize=7, **look)
            handles.append(Line2D([], [], linestyle=style, linewidth=2.5, label=text, **look))
        axes[0].set_ylim(0, top * 1.08)
        axes[0].yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _millions(int(v))))
        sub.suptitle(METRIC_TITLES.get(metric, metric), fontsize=11, x=0.02, ha="left")
        legend = sub.legend(
            handles=handles, loc="outside lower left", fontsize=8, frameon=False, ncols=1, handlelength=3
        )
        for label in legend.get_texts():
            kwargs = fonts.kwargs(label.get_text(), 8)
            if kwargs:
                label.set_fontproperties(kwargs["fontproperties"])
    legend = [
        Line2D([], [], color="0.3", linestyle="-", linewidth=2.5, label="as of: when the figure was true"),
        Line2D(
            [], [], color="0.3", linestyle="--", linewidth=2.5, label="reported: published by then (as of not stated)"
        ),
        Line2D(
            [],
            [],
            color="0.3",
            linestyle="none",
            marker="o",
            markerfacecolor="white",
            label="derived from other figures",
        ),
    ]
    notes = [
        (
            "A segment between two dots: the figure holds for one day somewhere in that range (no sharper than the "
            f"source). {SERIES_MIN} or more figures of one product and measurer: drawn as one line."
        )
    ]
    note_font: dict[str, Any] = {}
    if spec.undated:

        def listed(named: Callable[[Name], str]) -> str:
            figures = ", ".join(f"{named(n)} {_millions(v)} {m.replace('_', ' ')}" for n, m, v in spec.undated)
            return f"Not drawn, no date in the sources ({len(spec.undated)}): {figures}"

        undated, note_font = fonts.note(listed, 8)
        notes.append(undated)
    # The notes are the key's title, so the two share one box and cannot overlap.
    key = fig.legend(
        handles=legend,
        loc="outside lower left",
        ncols=3,
        fontsize=8,
        frameon=False,
        title="\n".join(line for note in notes for line in wrap(note, NOTE_WIDTH)),
        title_fontsize=8,
        alignment="left",
    )
    key.get_title().set_color("0.25")
    if note_font:
        key.get_title().set_fontproperties(note_font["fontproperties"])
        key.get_title().set_fontsize(8)
    declutter(fig)
    return fig
