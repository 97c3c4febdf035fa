"""What both charts are drawn with: names and date spans, labels that fit, fonts that hold the glyphs, broken time axes.

Matplotlib is imported inside the functions that draw, so importing this
module costs nothing without the ``ailedger[plot]`` extra.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

LABEL_WIDTH = 110
"""Columns a label or note may take (a CJK character takes two): what fits the 9-inch figure at its font size."""
MAX_PANELS = 3
"""Panels of a broken time axis, at most."""
GAP_DAYS = 120
"""Dates further apart than this go into separate panels (a broken time axis), so a week stays visible next to a year.
"""


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


def name_of(record: Any) -> Name:
    return Name(record.name, tuple(getattr(record, "aliases", ())), record.id)


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


class Fonts:
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


# --- axes -------------------------------------------------------------------


def date_clusters(spans: Sequence[Span]) -> list[tuple[date, date]]:
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


def broken_axes(fig: Figure, clusters: list[tuple[date, date]]) -> list[Axes]:
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


def axis_for(axes: list[Axes], clusters: list[tuple[date, date]], span: Span) -> Axes:
    return next(ax for ax, (a, b) in zip(axes, clusters, strict=True) if a <= span.earliest <= b)


NOTE_WIDTH = 125
"""Columns of a line of the small notes under a chart."""


def declutter(fig: Figure) -> None:
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
