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
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ailedger.errors import AiledgerError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CHARTS = ("timeline", "usage")
"""Chart names; each is written as ``<name>.svg``."""

HASHSALT = "ailedger"
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


def timeline_spec(models: Sequence[Any], organizations: Sequence[Any]) -> Timeline:
    """Release dates per organization (``available``, else ``announced``, else ``weights_released``); rows ordered by
    their first release."""
    orgs = {o.id: _name(o) for o in organizations}
    by_org: dict[str, list[Span]] = {}
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
        self._paths = [self.default] + sorted({f.fname for f in font_manager.fontManager.ttflist} - {self.default})
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
        path = self.font_for(text)
        if path is None or path == self.default:
            return text, {}
        from matplotlib.font_manager import FontProperties

        self.used.add(Path(path).name)
        return text, {"fontproperties": FontProperties(fname=path)}


# --- drawing ----------------------------------------------------------------


def _clusters(spans: Sequence[Span]) -> list[tuple[date, date]]:
    """Date intervals that cover the spans, split where nothing happens for more than ``GAP_DAYS``."""
    out: list[list[date]] = []
    for s in sorted(spans, key=lambda s: s.earliest):
        if out and (s.earliest - out[-1][1]).days <= GAP_DAYS:
            out[-1][1] = max(out[-1][1], s.latest)
        else:
            out.append([s.earliest, s.latest])
    return [(a, b) for a, b in out]


def _pad(start: date, end: date) -> tuple[date, date]:
    margin = timedelta(days=max(3, (end - start).days // 8))
    return start - margin, end + margin + timedelta(days=1)


def _date_axis(ax: Axes, start: date, end: date) -> None:
    """Ticks by the span's scale; day ticks leave the year to the axis label, so the labels stay short."""
    from matplotlib import dates as mdates
    from matplotlib.ticker import FuncFormatter

    days = (end - start).days
    if days > 3 * 365:
        locator: Any = mdates.YearLocator()
        fmt = "{d.year}"
    elif days > 150:
        locator, fmt = mdates.MonthLocator(bymonth=(1, 7)), "{d:%b} {d.year}"
    elif days > 45:
        locator, fmt = mdates.MonthLocator(), "{d:%b} {d.year}"
    else:
        locator, fmt = mdates.DayLocator(bymonthday=(1, 8, 15, 22)), "{d.day} {d:%b}"
        years = sorted({start.year, (end - timedelta(days=1)).year})
        ax.set_xlabel("–".join(map(str, years)), fontsize=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: fmt.format(d=mdates.num2date(x))))
    ax.set_xlim(mdates.date2num(start), mdates.date2num(end))


def _broken_axes(fig: Figure, clusters: list[tuple[date, date]]) -> list[Axes]:
    """One panel per cluster sharing the y axis, widths by span with a floor so short clusters stay readable."""
    spans = [(b - a).days + 1 for a, b in clusters]
    widths = [max(s, max(spans) / 2.5) for s in spans]
    axes = fig.subplots(
        1, len(clusters), sharey=True, squeeze=False, gridspec_kw={"width_ratios": widths, "wspace": 0.06}
    )[0]
    for i, (ax, (a, b)) in enumerate(zip(axes, clusters, strict=True)):
        _date_axis(ax, *_pad(a, b))
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
        labels.append((*fonts.label(org), True))
        for span in spans:
            y += 1
            _draw_span(_axis_for(axes, clusters, span), span, y, color)
            text, kwargs = fonts.label(span.label)
            ticks.append(y)
            marked = f" ({span.dated_by.replace('_', ' ')})" if span.dated_by not in ("", RELEASE_FIELDS[0]) else ""
            labels.append((f"{text}  {when_text(span)}{marked}", kwargs, False))
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
        (
            "Date: when the public could first use it; where no source states that, when it was announced or its "
            "weights were published, marked so."
        ),
        "Bar: on one day somewhere in this range (no sharper than the source). Diamond: a known day.",
    ]
    if spec.undated:
        names = ", ".join(f"{fonts.label(m)[0]} ({fonts.label(o)[0]})" for m, o in spec.undated)
        notes += textwrap.wrap(f"No release date in the sources ({len(spec.undated)}): {names}", 130)
    fig.supxlabel("\n".join(notes), fontsize=8, x=0.02, ha="left", color="0.25")
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


def draw_usage(spec: Usage, fonts: _Fonts) -> Figure:
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    if not spec.figures:
        raise AiledgerError("no usage figure has a date: nothing to draw")
    metrics = list(dict.fromkeys(f.metric for f in spec.figures))
    products = list(dict.fromkeys(f.span.label.id for f in spec.figures))
    color = {p: f"C{i % 10}" for i, p in enumerate(products)}
    fig = Figure(figsize=(9, 0.6 + 2.6 * len(metrics)), layout="constrained")
    rows = fig.subfigures(len(metrics), 1, squeeze=False)[:, 0]
    for sub, metric in zip(rows, metrics, strict=True):
        figures = [f for f in spec.figures if f.metric == metric]
        clusters = _clusters([f.span for f in figures])
        axes = _broken_axes(sub, clusters)
        top = max(f.value for f in figures)
        for f in figures:
            ax = _axis_for(axes, clusters, f.span)
            style = "-" if f.dated_by == "as_of" else "--"
            face = "white" if f.derived else color[f.span.label.id]
            x0, x1 = mdates.date2num(f.span.earliest), mdates.date2num(f.span.latest + timedelta(days=1))
            ax.plot([x0, x1], [f.value, f.value], linestyle=style, linewidth=2.5, color=color[f.span.label.id])
            ax.plot([x0, x1], [f.value, f.value], linestyle="none", marker="o", markersize=7,
                    color=color[f.span.label.id], markerfacecolor=face, markeredgewidth=1.5)
            name, kwargs = fonts.label(f.span.label)
            who = fonts.label(f.measured_by)[0] if f.measured_by else "measurer not stated"
            note = ", derived" if f.derived else ""
            when = f"{f.dated_by.replace('_', ' ')} {when_text(f.span)}"
            ax.text((x0 + x1) / 2, f.value + top * 0.045, f"{name} {_millions(f.value)} ({who}{note}; {when})",
                    ha="center", va="bottom", fontsize=9, **kwargs)
        axes[0].set_ylim(0, top * 1.3)
        axes[0].yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _millions(int(v))))
        sub.suptitle(METRIC_TITLES.get(metric, metric), fontsize=11, x=0.02, ha="left")
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
    fig.legend(handles=legend, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    if spec.undated:
        listed = ", ".join(f"{fonts.label(n)[0]} {_millions(v)} {m.replace('_', ' ')}" for n, m, v in spec.undated)
        note = "\n".join(textwrap.wrap(f"Not drawn, no date in the sources ({len(spec.undated)}): {listed}", 130))
        fig.supxlabel(note, fontsize=8, x=0.02, ha="left", color="0.25")
    return fig


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
        tmp.replace(target)
        written.append(target)
    return written
