"""Charts of the packaged data: a release timeline and the usage figures.

What to draw (:func:`timeline_spec`, :func:`usage_spec`) is computed from the
records without matplotlib, so tests and the drift check can compare it on any
machine. Drawing needs the optional extra ``ailedger[plot]``; matplotlib is
imported only here, on use. A date is drawn as the interval the source allows
(earliest..latest), never as a made-up day.

The SVGs are reproducible for one matplotlib version and font set: fixed
``svg.hashsalt``, no creation date. Each carries the SHA-256 of its spec in its
metadata, which is what the drift test compares across matplotlib versions.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ailedger.errors import AiledgerError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CHARTS = ("timeline", "usage")
"""Chart names; each is written as ``<name>.svg``."""

HASHSALT = "ailedger"
SERIES_MIN = 8
"""From this many figures of one product, metric, measurer and kind of date on: one series, one line, one label."""
SERIES_POINTS = 500
"""At most this many points per series and panel: the low and high of each slice of the time axis, so the drawn
envelope is the data's while the SVG stays small for any length of series."""
LABEL_WIDTH = 110
"""Columns a label or note may take (a CJK character takes two): what fits the 9-inch figure at its font size."""
MAX_PANELS = 3
"""Panels of a broken time axis, at most."""
GAP_DAYS = 120
"""Dates further apart than this go into separate panels (a broken time axis), so a week stays visible next to a year.
"""

METRIC_TITLES = {
    "weekly_active_users": "Weekly active users",
    "daily_active_users": "Daily active users",
    "monthly_active_users": "Monthly active users",
    "downloads": "Downloads",
    "paying_users": "Paying users",
}


RELEASE_FIELDS = ("available", "announced", "weights_released")
"""A model's dates in the order the timeline prefers them: when the public could use it, else the others."""


@dataclass(frozen=True)
class Name:
    """A name as recorded, with the aliases to fall back on when no font has its glyphs."""

    name: str
    aliases: tuple[str, ...] = ()
    id: str = ""


@dataclass(frozen=True)
class Span:
    """One dated item: a model's release, or a usage figure's date."""

    label: Name
    earliest: date
    latest: date
    dated_by: str = ""
    """For a model, the field its date is from (one of :data:`RELEASE_FIELDS`)."""

    @property
    def uncertain(self) -> bool:
        return self.earliest != self.latest


@dataclass(frozen=True)
class Timeline:
    rows: tuple[tuple[Name, tuple[Span, ...]], ...]
    """One row per organization, its models sorted by date."""
    undated: tuple[tuple[Name, Name], ...]
    """(model, organization) of models whose release date no source states."""


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


def _name(record: Any) -> Name:
    return Name(record.name, tuple(getattr(record, "aliases", ())), record.id)


UNNAMED_DEVELOPER = Name("developer not named")
"""The row of models whose sources do not name the developer (``organization_id`` null)."""


def timeline_spec(models: Sequence[Any], organizations: Sequence[Any]) -> Timeline:
    """Release dates per organization (``available``, else ``announced``, else ``weights_released``); rows ordered by
    their first release."""
    orgs: dict[str | None, Name] = {o.id: _name(o) for o in organizations}
    orgs[None] = UNNAMED_DEVELOPER
    by_org: dict[str | None, list[Span]] = {}
    undated = []
    for m in sorted(models, key=lambda m: m.id):
        field = next((f for f in RELEASE_FIELDS if getattr(m, f) is not None), None)
        if field is None:
            undated.append((_name(m), orgs[m.organization_id]))
        else:
            when = getattr(m, field)
            by_org.setdefault(m.organization_id, []).append(Span(_name(m), when.earliest, when.latest, field))
    rows = sorted(
        ((orgs[o], tuple(sorted(spans, key=lambda s: (s.earliest, s.latest)))) for o, spans in by_org.items()),
        key=lambda row: (row[1][0].earliest, row[0].id),
    )
    return Timeline(tuple(rows), tuple(undated))


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


def specs() -> dict[str, Timeline | Usage]:
    """The spec of every chart, from the packaged data."""
    from ailedger import loader

    orgs, models = loader.load("organizations"), loader.load("models")
    names = {r.id: _name(r) for r in [*orgs, *models]}
    return {"timeline": timeline_spec(models, orgs), "usage": usage_spec(loader.load("metrics"), names)}


def digest(spec: Timeline | Usage) -> str:
    """SHA-256 of the spec: changes exactly when the drawn data changes, whatever the matplotlib version."""
    text = json.dumps(asdict(spec), default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# --- labels and fonts -------------------------------------------------------


def columns(text: str) -> int:
    """The width of ``text`` in columns: East Asian wide and full-width characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int = LABEL_WIDTH) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken at spaces where it can be, inside a word where it must."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if columns(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if columns(line + char) > width:
                lines.append(line)
                line = ""
            line += char
    return [*lines, line] if line or not lines else lines


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns with an ellipsis, for a label that must stay on one line."""
    if columns(text) <= width:
        return text
    while columns(text) > width - 1:
        text = text[:-1]
    return text.rstrip() + "…"


def choose_label(name: Name, covered: Callable[[str], bool]) -> str:
    """The name if a font has its glyphs, else the first alias that can be drawn (a Latin name), else the id."""
    for text in (name.name, *name.aliases):
        if covered(text):
            return text
    return name.id


class _Fonts:
    """Which installed font draws which text; the default font first, then any font with the glyphs."""

    def __init__(self) -> None:
        from matplotlib import font_manager, ft2font

        self.default = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
        self._charmaps: dict[str, set[int]] = {}
        # A last-resort font maps every character to a box naming its block: it draws no glyph at all.
        fonts = {f.fname for f in font_manager.fontManager.ttflist if not Path(f.fname).name.startswith("LastResort")}
        self._paths = [self.default] + sorted(fonts - {self.default})
        self._ft2font = ft2font
        self.used: set[str] = set()

    def _charmap(self, path: str) -> set[int]:
        if path not in self._charmaps:
            try:
                self._charmaps[path] = set(self._ft2font.FT2Font(path).get_charmap())
            except (OSError, RuntimeError):
                self._charmaps[path] = set()
        return self._charmaps[path]

    def font_for(self, text: str) -> str | None:
        needed = {ord(c) for c in text if not c.isspace()}
        return next((p for p in self._paths if needed <= self._charmap(p)), None)

    def covered(self, text: str) -> bool:
        return self.font_for(text) is not None

    def label(self, name: Name) -> tuple[str, dict[str, Any]]:
        """The label text and the text keyword arguments that draw it."""
        text = choose_label(name, self.covered)
        return text, self.kwargs(text)

    def kwargs(self, text: str, size: float | None = None) -> dict[str, Any]:
        """Text keyword arguments that draw ``text`` in a font holding all its glyphs (none: the default font)."""
        path = self.font_for(text)
        if path is None or path == self.default:
            return {}
        from matplotlib.font_manager import FontProperties

        self.used.add(Path(path).name)
        return {"fontproperties": FontProperties(fname=path, size=size)}

    def note(self, make: Callable[[Callable[[Name], str]], str], size: float) -> tuple[str, dict[str, Any]]:
        """A text naming several records, in their drawable names if one font holds them all, else by id."""
        text = make(lambda n: self.label(n)[0])
        if not self.covered(text):
            text = make(lambda n: n.id)
        return text, self.kwargs(text, size)


# --- drawing ----------------------------------------------------------------


def _clusters(spans: Sequence[Span]) -> list[tuple[date, date]]:
    """Date intervals that cover the spans, split where nothing happens for more than ``GAP_DAYS``.

    At most :data:`MAX_PANELS`: beyond that the narrowest gaps are closed, as
    dates spread over a decade read better on one axis than in slivers.
    """
    out: list[list[date]] = []
    for s in sorted(spans, key=lambda s: s.earliest):
        if out and (s.earliest - out[-1][1]).days <= GAP_DAYS:
            out[-1][1] = max(out[-1][1], s.latest)
        else:
            out.append([s.earliest, s.latest])
    while len(out) > MAX_PANELS:
        i = min(range(len(out) - 1), key=lambda k: (out[k + 1][0] - out[k][1]).days)
        out[i : i + 2] = [[out[i][0], max(out[i][1], out[i + 1][1])]]
    return [(a, b) for a, b in out]


def _pad(start: date, end: date) -> tuple[date, date]:
    margin = timedelta(days=max(3, (end - start).days // 8))
    return start - margin, end + margin + timedelta(days=1)


def _date_axis(ax: Axes, start: date, end: date, room: float) -> None:
    """Ticks by the span's scale, at most as many as ``room`` (the panel's share of the width, in label widths) holds.

    Day ticks carry the year on a second line, so the labels stay narrow.
    """
    from matplotlib import dates as mdates
    from matplotlib.ticker import FuncFormatter

    days = (end - start).days
    fits = max(1, int(room))
    if days > 3 * 365:
        locator: Any = mdates.YearLocator(base=max(1, -(-days // 365 // fits)))
        fmt = "{d.year}"
    elif days > 45:
        months = days // 30
        step = next((k for k in (1, 2, 3, 6, 12) if months / k <= fits), 12)
        locator, fmt = mdates.MonthLocator(bymonth=range(1, 13, step)), "{d:%b} {d.year}"
    else:
        step = next((k for k in (7, 14, 28) if days / k <= fits), 28)
        locator, fmt = (
            mdates.DayLocator(bymonthday={7: (1, 8, 15, 22), 14: (1, 15), 28: (1,)}[step]),
            "{d.day} {d:%b}\n{d.year}",
        )
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: fmt.format(d=mdates.num2date(x))))
    ax.set_xlim(mdates.date2num(start), mdates.date2num(end))


TICK_ROOM = 7
"""Date labels that fit side by side across the whole width, with room between them."""


def _broken_axes(fig: Figure, clusters: list[tuple[date, date]]) -> list[Axes]:
    """One panel per cluster sharing the y axis, widths by span with a floor so short clusters stay readable."""
    spans = [(b - a).days + 1 for a, b in clusters]
    widths = [max(s, max(spans) / 2.5) for s in spans]
    axes = fig.subplots(
        1, len(clusters), sharey=True, squeeze=False, gridspec_kw={"width_ratios": widths, "wspace": 0.06}
    )[0]
    for i, (ax, (a, b)) in enumerate(zip(axes, clusters, strict=True)):
        _date_axis(ax, *_pad(a, b), room=TICK_ROOM * widths[i] / sum(widths))
        ax.spines[["top", "right"]].set_visible(False)
        if i > 0:
            ax.spines["left"].set_visible(False)
            ax.tick_params(left=False)
        # the usual diagonal marks that say "the axis is broken here"
        for x in ([1] if i < len(axes) - 1 else []) + ([0] if i > 0 else []):
            ax.plot([x], [0], transform=ax.transAxes, marker=[(-1, -2), (1, 2)], markersize=8, color="k", clip_on=False)
    return list(axes)


def _axis_for(axes: list[Axes], clusters: list[tuple[date, date]], span: Span) -> Axes:
    return next(ax for ax, (a, b) in zip(axes, clusters, strict=True) if a <= span.earliest <= b)


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
NOTE_WIDTH = 125
"""Columns of a line of the small notes under a chart."""


def _declutter(fig: Figure) -> None:
    """Hide date labels that would touch a neighbour's (also across the panels of a broken axis), keeping the first.

    The locators already space ticks by the room a panel has; this settles what
    an estimate cannot (a narrow panel beside a wide one, a long month name).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw_without_rendering()
    rows: dict[int, list[Any]] = {}
    for ax in fig.axes:
        rows.setdefault(id(ax.get_figure(root=False)), []).append(ax)
    for axes in rows.values():
        labels = []
        for ax in axes:
            low, high = sorted(ax.get_xlim())
            close = (high - low) * 1e-10  # the tolerance matplotlib draws ticks within
            locs = ax.xaxis.get_majorticklocs()
            for tick, x in zip(ax.xaxis.get_major_ticks(len(locs)), locs, strict=True):
                if tick.label1.get_text() and low - close <= x <= high + close:
                    labels.append((tick.label1.get_window_extent(renderer), ax, x))
        kept: list[Any] = []
        hidden: dict[Any, set[float]] = {}
        for box, ax, x in sorted(labels, key=lambda item: item[0].x0):
            if any(box.padded(2).overlaps(other) for other in kept):
                hidden.setdefault(ax, set()).add(round(x, 6))
            else:
                kept.append(box)
        for ax, xs in hidden.items():
            ax.xaxis.set_major_formatter(_without(ax.xaxis.get_major_formatter(), xs))


def _without(formatter: Any, hidden: set[float]) -> Any:
    """``formatter`` leaving the ticks at ``hidden`` unlabelled (their tick marks stay)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, pos: "" if round(x, 6) in hidden else formatter(x, pos))


def draw_timeline(spec: Timeline, fonts: _Fonts) -> Figure:
    """Organizations as bands (a bold header line, then one lane per model), models labelled on the y axis."""
    from matplotlib.figure import Figure

    lanes = [(org, span) for org, spans in spec.rows for span in spans]
    if not lanes:
        raise AiledgerError("no model has a release date: nothing to draw in the timeline")
    fig = Figure(figsize=(9, 1.9 + 0.34 * (len(lanes) + len(spec.rows))), layout="constrained")
    clusters = _clusters([s for _, s in lanes])
    axes = _broken_axes(fig, clusters)
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
            _draw_span(_axis_for(axes, clusters, span), span, y, color)
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
    fig.supxlabel("\n".join(notes), fontsize=8, x=0.02, ha="left", color="0.25", **note_font)
    _declutter(fig)
    return fig


def when_text(span: Span) -> str:
    """A span as people write it: 2023, Dec 2025, 12 Feb 2026, 9–15 Feb 2026."""
    a, b = span.earliest, span.latest
    if a == b:
        return f"{a.day} {a:%b %Y}"
    if (a.month, a.day, b.month, b.day) == (1, 1, 12, 31) and a.year == b.year:
        return str(a.year)
    if a.day == 1 and (b + timedelta(days=1)).day == 1 and (a.year, a.month) == (b.year, b.month):
        return f"{a:%b %Y}"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{b.day} {b:%b %Y}"
    if a.year == b.year:
        return f"{a.day} {a:%b} – {b.day} {b:%b %Y}"
    return f"{a.day} {a:%b %Y} – {b.day} {b:%b %Y}"


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


def draw_usage(spec: Usage, fonts: _Fonts) -> Figure:
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
        clusters = _clusters([f.span for f in figures])
        axes = _broken_axes(sub, clusters)
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
            ax = _axis_for(axes, clusters, first.span)
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
    _declutter(fig)
    return fig


_CLIP_ID = re.compile(r'id="(p[0-9a-f]{10})"')


def _numbered_clips(svg: str) -> str:
    """Clip paths renamed ``clip0``, ``clip1``... in order of appearance.

    matplotlib names a clip path by a hash of its rectangle at full float
    precision, so layout noise far below what the file prints (seen with
    legends under several panel rows) changes the names and the bytes of an
    otherwise identical drawing.
    """
    for n, name in enumerate(dict.fromkeys(_CLIP_ID.findall(svg))):
        svg = svg.replace(f'id="{name}"', f'id="clip{n}"').replace(f"url(#{name})", f"url(#clip{n})")
    return svg


def render(out: Path, names: Sequence[str] = CHARTS) -> list[Path]:
    """Write ``<name>.svg`` for each chart into ``out``, atomically, and return the paths."""
    try:
        import matplotlib
    except ImportError:
        raise AiledgerError("plotting needs matplotlib: pip install 'ailedger[plot]'") from None

    fonts = _Fonts()
    written = []
    out.mkdir(parents=True, exist_ok=True)
    for name, spec in specs().items():
        if name not in names:
            continue
        with matplotlib.rc_context({"svg.hashsalt": HASHSALT, "font.family": "DejaVu Sans", "axes.titlesize": 11}):
            fig = draw_timeline(spec, fonts) if isinstance(spec, Timeline) else draw_usage(spec, fonts)
            description = (
                f"ailedger {name} chart; spec sha256 {digest(spec)}; fonts {','.join(sorted(fonts.used)) or 'default'}"
            )
            target = out / f"{name}.svg"
            tmp = target.with_suffix(".svg.tmp")
            fig.savefig(tmp, format="svg", metadata={"Date": None, "Description": description})
        tmp.write_text(_numbered_clips(tmp.read_text(encoding="utf-8")), encoding="utf-8")
        tmp.replace(target)
        written.append(target)
    return written
