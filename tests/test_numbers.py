"""Figures stated in a quote (ailedger.validate.numbers): unit words and separators read as the language writes them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailedger.validate import numbers
from ailedger.validate.numbers import stated


@pytest.mark.parametrize(
    ("quote", "language", "value"),
    [
        ("Mit 155 Millionen aktiven Nutzern pro Woche", "de", 155_000_000),
        ("gefolgt von DeepSeek mit 81,6 Millionen", "de", 81_600_000),
        ("1.5 million users", "en", 1_500_000),
        ("Umsatz von 2,3 Mrd. Euro", "de", 2_300_000_000),
        ("12.000 Nutzer", "de", 12_000),
        ("12,000 users", "en", 12_000),
        ("1.234.567 Downloads", "de", 1_234_567),
        ("1,5 Mio. Nutzer", "de", 1_500_000),
        ("2 Billionen", "de", 2 * 10**12),
        ("2 billion", "en", 2 * 10**9),
        ("月活跃用户数达1.55亿", "zh", 155_000_000),
        ("日活跃用户3000万", "zh", 30_000_000),
        ("12,5 Millionen weekly active users", "en", 12_500_000),  # the unit word fixes the separators
    ],
)
def test_figures_stated_by_quotes(quote: str, language: str, value: int) -> None:
    assert value in stated(quote, language)


@pytest.mark.parametrize(
    ("quote", "language", "value"),
    [
        ("Mit 155 Millionen aktiven Nutzern", "de", 155),
        ("81,6 Millionen", "de", 816_000_000),
        ("12.000 Nutzer", "de", 12),
        ("12,000 users", "en", 12),
        ("2 Billionen", "de", 2 * 10**9),
        ("月活跃用户数达1.55亿", "zh", 155),
    ],
)
def test_figures_not_stated_by_quotes(quote: str, language: str, value: int) -> None:
    assert value not in stated(quote, language)


def located_plainly(quote: str, language: str | None) -> list[tuple[int, int, set[int]]]:
    """``numbers.located`` as first written, every figure read through Decimal: the reference for its shortcuts."""
    from decimal import Decimal

    found = []
    for match in numbers._FIGURE.finditer(quote):
        out: set[int] = set()
        digits, cjk, word = match.groups()
        unit = (cjk or word or "").rstrip(".")
        key = unit if cjk else unit.lower()
        multipliers: list[Decimal] = [Decimal(1)]
        unit_language: str | None = None
        if key == "billion":
            lang = (language or "").split("-")[0].lower()
            multipliers = [numbers.BILLION[lang]] if lang in numbers.BILLION else list(numbers.BILLION.values())
        elif key in numbers.UNITS:
            factor, unit_language = numbers.UNITS[key]
            multipliers = [factor]
        marks = numbers._conventions(language, unit_language)
        readings = [n for mark in marks if (n := numbers._number(digits, mark)) is not None]
        readings = readings or [n for mark in ",." if (n := numbers._number(digits, mark)) is not None]
        for number in readings:
            for factor in multipliers:
                value = number * factor
                if value == value.to_integral_value():
                    out.add(int(value))
        known = bool(cjk) or key == "billion" or key in numbers.UNITS
        found.append((match.start(), match.end() if known or not word else match.end(1), out))
    return found


FIGURE_TEXT = st.lists(
    st.one_of(
        st.sampled_from(list("0123456789.,  \u00a0\u202f-x")),
        st.sampled_from(["Mio.", "Millionen", "million", "billion", "Billion", "k", "万", "亿", "bn", "Mrd", "千万"]),
        st.integers(0, 10**40).map(str),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=2000, deadline=None)
@given(quote=FIGURE_TEXT, language=st.sampled_from([None, "de", "en", "zh", "fr-CH", "xx"]))
def test_located_reads_what_the_plain_decimal_reading_reads(quote: str, language: str | None) -> None:
    assert [(s, e, set(v)) for s, e, v in numbers.located(quote, language)] == located_plainly(quote, language)


GROUPED_FIGURES = st.tuples(
    st.integers(0, 10**35),
    st.sampled_from([",", ".", "\u00a0"]),
    st.lists(st.integers(0, 20), max_size=2),  # where a separator goes missing or a digit joins a group
    st.sampled_from(["", " ", " Mio.", "万", " users", ",5", ".5", "-"]),
).map(
    lambda t: "".join(
        c
        for i, c in enumerate(f"{t[0]:,}".replace(",", t[1]) + t[3])
        if i not in t[2] or (not c.isdigit() and c not in ",.\u00a0")
    )
)


@settings(max_examples=2000, deadline=None)
@given(
    quote=st.lists(st.one_of(GROUPED_FIGURES, FIGURE_TEXT), max_size=3).map(" ".join),
    language=st.sampled_from([None, "de", "en", "zh", "fr-CH", "xx"]),
)
def test_grouped_figures_are_read_as_the_plain_decimal_reading_reads(quote: str, language: str | None) -> None:
    assert [(s, e, set(v)) for s, e, v in numbers.located(quote, language)] == located_plainly(quote, language)


@settings(max_examples=2000, deadline=None)
@given(
    quote=FIGURE_TEXT,
    value=st.one_of(st.integers(0, 10**16), st.sampled_from([0, 1, 5, 12, 100, 10**15, 10**15 - 1])),
    language=st.sampled_from([None, "de", "en", "zh"]),
)
def test_a_plainly_stated_figure_is_one_located_reads(quote: str, value: int, language: str | None) -> None:
    """The shortcut never claims a figure ``located`` does not read; it finds a figure standing alone."""
    if numbers.plainly_states(quote, value):
        assert value in stated(quote, language)
    alone = f"x {value}; y"
    if value <= 10**15 - 1:
        assert numbers.plainly_states(alone, value) and value in stated(alone, language)


@pytest.mark.parametrize(
    ("quote", "value", "plain"),
    [
        ("app-0001, daily active users: 2021-01-01 38518415; 2021-01-02 5416933", 5416933, True),
        ("2021-01-01 38518415", 2021, True),
        ("12 Millionen", 12, False),
        ("12,5", 12, False),
        ("1.200", 200, False),
        ("1 200", 200, True),
        ("1\u00a0200", 200, False),
        ("12万", 12, False),
        ("12 users", 12, False),
        ("x12;", 12, True),
        ("512", 12, False),
    ],
)
def test_plainly_states(quote: str, value: int, plain: bool) -> None:
    assert numbers.plainly_states(quote, value) is plain
