"""The charts: what they draw, that they are legible, and that the committed SVGs match the data.

Drift check, and why not a plain byte comparison: an SVG's bytes depend on the
matplotlib version (writer, layout, tick placement), on the font files
(glyphs are embedded as paths) and on float formatting, so a byte comparison
would fail in CI whenever pip picks a newer matplotlib although the data did
not change. Instead each SVG records the SHA-256 of its *spec* (the dated items
it draws, computed without matplotlib); the first drift test compares that
with the spec of the installed data, on any matplotlib version. The bytes are
compared too, but only where they are meaningful: with the matplotlib version
and fonts that made the committed file, numbers compared to 0.01 pt.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

import matplotlib
from conftest import ROOT
from hypothesis import HealthCheck, Phase, given, settings
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from strategies import timelines, usages

import ailedger
from ailedger import plot
from ailedger.cli import run
from ailedger.errors import AiledgerError
from ailedger.plot.draw import Fonts, Name, Span, choose_label, when_text
from ailedger.plot.timeline import UNNAMED_DEVELOPER, Timeline, draw_timeline, timeline_spec
from ailedger.plot.usage import SERIES_POINTS, Usage, UsageFigure, draw_usage
from ailedger.schema import v2

DOCS = ROOT / "docs"
NUMBER = re.compile(rb"-?\d+\.\d+|-?\d+")


@pytest.fixture(scope="module")
def fonts() -> Fonts:
    return Fonts()


@pytest.fixture(scope="module")
def specs() -> dict[str, Timeline | Usage]:
    return plot.specs()


def _draw(name: str, spec: Timeline | Usage, fonts: Fonts) -> Figure:
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        fig = draw_timeline(spec, fonts) if name == "timeline" else draw_usage(spec, fonts)  # type: ignore[arg-type]
        FigureCanvasAgg(fig).draw()
    return fig


# --- what is drawn --------------------------------------------------------------


def test_timeline_has_every_dated_model_and_lists_the_undated(specs: dict[str, Timeline | Usage]) -> None:
    timeline = specs["timeline"]
    assert isinstance(timeline, Timeline)
    models = ailedger.load("models")
    drawn = {span.label.id for _, spans in timeline.rows for span in spans}
    dated = {m.id for m in models if (m.available, m.announced, m.weights_released) != (None, None, None)}
    assert drawn == dated
    assert {m.id for m, _ in timeline.undated} == {m.id for m in models} - dated
    orgs = [org.id for org, _ in timeline.rows]
    assert len(orgs) == len(set(orgs)), "one row per organization"


def test_timeline_prefers_available_and_marks_any_other_date(fonts: Fonts) -> None:
    cite = [{"source_id": "src", "quote": "Org released it, a made-up quote", "supports": ["name"]}]
    org = v2.Organization(id="org", schema_version=2, name="Org", citations=cite)
    dates = {
        "both": {"announced": "2026-01", "available": "2026-03-02"},
        "told": {"announced": "2026-01"},
        "open": {"weights_released": "2026-02"},
        "none": {},
    }
    models = [
        v2.Model(id=i, schema_version=2, name=i.title(), organization_id="org", kind="model", citations=cite, **d)
        for i, d in dates.items()
    ]
    spec = timeline_spec(models, [org])
    spans = {s.label.id: s for _, row in spec.rows for s in row}
    assert {i: (s.dated_by, s.earliest, s.latest) for i, s in spans.items()} == {
        "both": ("available", date(2026, 3, 2), date(2026, 3, 2)),
        "told": ("announced", date(2026, 1, 1), date(2026, 1, 31)),
        "open": ("weights_released", date(2026, 2, 1), date(2026, 2, 28)),
    }
    assert [m.id for m, _ in spec.undated] == ["none"]
    labels = [t.get_text() for t in _draw("timeline", spec, fonts).axes[0].get_yticklabels()]
    assert (
        "Both  2 Mar 2026" in labels
        and "Told  Jan 2026 (announced)" in labels
        and "Open  Feb 2026 (weights released)" in labels
    )


def test_models_without_a_named_developer_get_their_own_row() -> None:
    cite = [{"source_id": "src", "quote": "It launched, a made-up quote", "supports": ["name"]}]
    models = [
        v2.Model(id="anon", schema_version=2, name="Anon", kind="model", citations=cite, available="2026-03"),
        v2.Model(id="undated", schema_version=2, name="Undated", kind="model", citations=cite),
    ]
    spec = timeline_spec(models, [])
    assert [(org, [s.label.id for s in row]) for org, row in spec.rows] == [(UNNAMED_DEVELOPER, ["anon"])]
    assert [(m.id, o) for m, o in spec.undated] == [("undated", UNNAMED_DEVELOPER)]


def test_uncertain_dates_are_bars_as_wide_as_their_range(
    specs: dict[str, Timeline | Usage], fonts: Fonts
) -> None:
    from matplotlib import dates as mdates

    timeline = specs["timeline"]
    assert isinstance(timeline, Timeline)
    spans = [s for _, row in timeline.rows for s in row]
    fig = _draw("timeline", timeline, fonts)
    bars = sorted(
        round(p.get_width())
        for ax in fig.axes
        for p in ax.patches
        if isinstance(p, Rectangle) and p.get_height() == 0.5
    )
    assert bars == sorted((s.latest - s.earliest).days + 1 for s in spans if s.uncertain)
    diamonds = [line for ax in fig.axes for line in ax.lines if line.get_marker() == "D"]
    assert sorted(mdates.num2date(d.get_xdata()[0]).date() for d in diamonds) == sorted(
        s.earliest for s in spans if not s.uncertain
    )


def _figure(
    product: str,
    value: int,
    earliest: date,
    latest: date,
    dated_by: str = "as_of",
    by: str | None = "Countco",
    derived: bool = False,
) -> UsageFigure:
    measurer = Name(by, (), by.lower()) if by else None
    return UsageFigure(
        "daily_active_users",
        value,
        Span(Name(product, (), product.lower()), earliest, latest),
        dated_by,
        measurer,
        derived,
    )


def test_usage_has_every_dated_figure_with_who_measured_it(
    specs: dict[str, Timeline | Usage], fonts: Fonts
) -> None:
    usage = specs["usage"]
    assert isinstance(usage, Usage)
    metrics = ailedger.load("metrics")
    assert len(usage.figures) == sum(m.as_of is not None or m.reported is not None for m in metrics)
    spec = Usage(
        (
            _figure("Doubao", 155_000_000, date(2025, 12, 1), date(2025, 12, 31), "reported", "QuestMobile"),
            _figure("Doubao", 81_000_000, date(2026, 2, 6), date(2026, 2, 22), by="QuestMobile", derived=True),
            _figure("Qwen", 7_000_000, date(2026, 2, 6), date(2026, 2, 22), "reported", None),
        )
    )
    texts = [t.get_text() for t in _draw("usage", spec, fonts).findobj(Text)]
    assert "Doubao 155 M (QuestMobile; reported Dec 2025)" in texts
    assert "Doubao 81 M (QuestMobile, derived; as of 6–22 Feb 2026)" in texts
    assert "Qwen 7 M (measurer not stated; reported 6–22 Feb 2026)" in texts


def test_a_series_is_one_line_with_one_label(fonts: Fonts) -> None:
    """Many figures of one product and measurer: a line, not a mark and a label per figure."""
    days = [date(2016, 1, 1) + timedelta(days=n) for n in range(3000)]
    series = tuple(_figure("Examplechat", 1_000_000 + 997 * n, d, d) for n, d in enumerate(days))
    few = (_figure("Mockchat", 5_000_000, date(2020, 3, 1), date(2020, 3, 31)),)
    fig = _draw("usage", Usage(series + few), fonts)
    texts = [t.get_text() for t in fig.findobj(Text) if "Examplechat" in t.get_text()]
    assert texts == ["Examplechat: 3,000 figures, 1 M to 4 M (Countco; as of 1 Jan 2016 to 18 Mar 2024)"]
    lines = [line for ax in fig.axes for line in ax.lines if len(line.get_xdata()) > 2]
    assert len(lines) == 1 and len(lines[0].get_xdata()) <= SERIES_POINTS
    assert max(lines[0].get_ydata()) == series[-1].value and min(lines[0].get_ydata()) == series[0].value
    assert sum(line.get_marker() == "o" for ax in fig.axes for line in ax.lines) == 1, (
        "only Mockchat's figure has marks"
    )


def _labels(fig: Figure) -> list[Text]:
    """Every piece of text that is drawn; tick labels of ticks outside the view are not."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            close = (high - low) * 1e-10  # matplotlib draws the ticks within the view, to this tolerance
            locs = axis.get_majorticklocs()
            for tick, at in zip(axis.get_major_ticks(len(locs)), locs, strict=True):
                if not low - close <= at <= high + close:
                    hidden.update({id(tick.label1), id(tick.label2)})
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and id(t) not in hidden]


NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]
"""Shrinking a chart takes minutes (each step draws one); the failing spec is printed as drawn."""
SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large]


def assert_legible(fig: Figure) -> None:
    """No two drawn texts overlap, and every one lies inside the figure (boxes from matplotlib's renderer)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _labels(fig)]
    whole = fig.bbox
    for text, box in boxes:
        assert whole.x0 <= box.x0 and box.x1 <= whole.x1 + 0.5 and whole.y0 <= box.y0 and box.y1 <= whole.y1 + 0.5, (
            f"{text!r} is cut off"
        )
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r}"


@pytest.mark.parametrize("name", plot.CHARTS)
def test_no_two_labels_overlap_and_all_fit_in_the_figure(
    name: str, specs: dict[str, Timeline | Usage], fonts: Fonts
) -> None:
    fig = _draw(name, specs[name], fonts)
    assert len(_labels(fig)) > 10
    assert_legible(fig)


def test_a_long_list_of_undated_models_does_not_squeeze_the_lanes(fonts: Fonts) -> None:
    """The notes under the chart grow with the undated models; the figure grows with them (hypothesis found the
    organization's header drawn over its one model's label)."""
    org = Name("Examplecorp Research Laboratories International", ("Examplecorp",), "examplecorp")
    span = Span(Name("Example 1", (), "example-1"), date(2018, 3, 7), date(2019, 3, 6), "")
    undated = tuple((Name(f"Example Assistant Number {n}", (), f"assistant-{n}"), org) for n in range(40))
    assert_legible(_draw("timeline", Timeline(((org, (span,)),), undated), fonts))


@pytest.mark.slow
@settings(max_examples=12, deadline=None, phases=NO_SHRINK, suppress_health_check=SLOW_DATA)
@given(spec=timelines())
def test_any_timeline_is_legible(spec: Timeline, fonts: Fonts) -> None:
    assert_legible(_draw("timeline", spec, fonts))


@pytest.mark.slow
@settings(max_examples=12, deadline=None, phases=NO_SHRINK, suppress_health_check=SLOW_DATA)
@given(spec=usages())
def test_any_usage_chart_is_legible(spec: Usage, fonts: Fonts) -> None:
    assert_legible(_draw("usage", spec, fonts))


@pytest.mark.slow
def test_a_chart_of_100000_figures_stays_small(tmp_path: Path, fonts: Fonts) -> None:
    """Drawing time at this size is measured in benchmarks/ (case g); the file's size is a property of the drawing."""
    import matplotlib

    first = date(2016, 1, 1)
    figures = tuple(
        _figure(f"App {a}", 1_000_000 + (n * 7919) % 50_000_000, first + timedelta(days=n), first + timedelta(days=n))
        for a in range(20)
        for n in range(5000)
    )
    with matplotlib.rc_context({"svg.hashsalt": plot.HASHSALT, "font.family": "DejaVu Sans"}):
        draw_usage(Usage(figures), fonts).savefig(tmp_path / "usage.svg", format="svg")
    assert (tmp_path / "usage.svg").stat().st_size < 500_000


# --- names in other scripts ----------------------------------------------------------


def test_a_name_without_glyphs_falls_back_to_its_latin_alias() -> None:
    name = Name("豆包", ("Doubao",), "doubao")
    assert choose_label(name, lambda text: text.isascii()) == "Doubao"
    assert choose_label(name, lambda text: True) == "豆包"
    assert choose_label(Name("豆包", (), "doubao"), lambda text: text.isascii()) == "doubao"


def test_a_chinese_name_draws_without_a_missing_glyph(fonts: Fonts) -> None:
    """With the warnings-as-errors setting, a missing glyph would fail this test."""
    org = Name("字节跳动", ("ByteDance",), "bytedance")
    model = Name("豆包", ("Doubao",), "doubao")
    spec = Timeline(((org, (Span(model, date(2023, 1, 1), date(2023, 12, 31)),)),), ())
    fig = _draw("timeline", spec, fonts)
    label, kwargs = fonts.label(model)
    assert label == "豆包" if kwargs else label == "Doubao"
    assert any(label in t.get_text() for t in fig.findobj(Text))


# --- edge cases -------------------------------------------------------------


def test_nothing_dated_is_a_clear_error(fonts: Fonts) -> None:
    with pytest.raises(AiledgerError, match="nothing to draw"):
        draw_timeline(Timeline((), ()), fonts)
    with pytest.raises(AiledgerError, match="nothing to draw"):
        draw_usage(Usage(()), fonts)


@pytest.mark.parametrize(
    ("earliest", "latest", "text"),
    [
        (date(2023, 1, 1), date(2023, 12, 31), "2023"),
        (date(2025, 12, 1), date(2025, 12, 31), "Dec 2025"),
        (date(2026, 2, 12), date(2026, 2, 12), "12 Feb 2026"),
        (date(2026, 2, 9), date(2026, 2, 15), "9–15 Feb 2026"),
        (date(2026, 1, 28), date(2026, 2, 3), "28 Jan – 3 Feb 2026"),
        (date(2025, 12, 28), date(2026, 1, 3), "28 Dec 2025 – 3 Jan 2026"),
    ],
)
def test_dates_are_written_as_people_write_them(earliest: date, latest: date, text: str) -> None:
    assert when_text(Span(Name("x"), earliest, latest)) == text


# --- the committed SVGs ------------------------------------------------------


def _description(svg: bytes) -> str:
    match = re.search(rb"<dc:description>(.*?)</dc:description>", svg, re.DOTALL)
    assert match, "the SVG has no description metadata: regenerate it with python scripts/refresh_docs.py"
    return match[1].decode()


@pytest.mark.parametrize("name", plot.CHARTS)
def test_committed_chart_was_drawn_from_the_current_data(
    name: str, specs: dict[str, Timeline | Usage]
) -> None:
    committed = (DOCS / f"{name}.svg").read_bytes()
    assert f"spec sha256 {plot.digest(specs[name])}" in _description(committed), (
        f"docs/{name}.svg is stale: run python scripts/refresh_docs.py and commit the result"
    )


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("charts")
    assert run(["plot", "--out", str(out)]) == 0
    return out


def test_charts_are_reproducible(drawn: Path, tmp_path: Path) -> None:
    plot.render(tmp_path)
    for name in plot.CHARTS:
        assert (tmp_path / f"{name}.svg").read_bytes() == (drawn / f"{name}.svg").read_bytes()
        assert b"<dc:date>" not in (drawn / f"{name}.svg").read_bytes()


@pytest.mark.parametrize("name", plot.CHARTS)
def test_committed_chart_matches_a_fresh_drawing(name: str, drawn: Path) -> None:
    committed, fresh = (DOCS / f"{name}.svg").read_bytes(), (drawn / f"{name}.svg").read_bytes()
    made_with = re.search(rb"Matplotlib v([^,]+),", committed)
    if made_with is None or made_with[1].decode() != matplotlib.__version__:
        pytest.skip(f"docs/{name}.svg was drawn with another matplotlib; the spec digest test covers it")
    if _description(committed) != _description(fresh):
        pytest.skip("drawn with other fonts than the committed chart; the spec digest test covers it")
    assert NUMBER.sub(b"#", committed) == NUMBER.sub(b"#", fresh), (
        f"docs/{name}.svg differs: run python scripts/refresh_docs.py"
    )
    pairs = zip(NUMBER.findall(committed), NUMBER.findall(fresh), strict=True)
    assert all(abs(float(a) - float(b)) < 0.01 for a, b in pairs), (
        f"docs/{name}.svg differs: run python scripts/refresh_docs.py"
    )


def test_matplotlib_is_imported_only_when_drawing() -> None:
    code = "import sys, ailedger.plot, ailedger.cli; ailedger.plot.specs(); print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"


def test_without_matplotlib_plot_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` raise ImportError
    with pytest.raises(AiledgerError, match=re.escape("pip install 'ailedger[plot]'")):
        plot.render(tmp_path)
    assert not list(tmp_path.iterdir())


def test_a_figure_without_any_date_is_listed_not_dropped(fonts: Fonts) -> None:
    dated = UsageFigure(
        "daily_active_users",
        58_000_000,
        Span(Name("Qwen", (), "qwen-app"), date(2026, 2, 6), date(2026, 2, 22)),
        "as_of",
        None,
        False,
    )
    spec = Usage((dated,), ((Name("Doubao", (), "doubao"), "daily_active_users", 81_000_000),))
    fig = _draw("usage", spec, fonts)
    assert any(
        "Not drawn, no date in the sources (1): Doubao 81 M daily active users" in t.get_text()
        for t in fig.findobj(Text)
    )
