"""FuzzyDate: the EDTF subset ailedger accepts, checked against the ``edtf`` package as an oracle."""

from __future__ import annotations

import pickle
import re
from datetime import date

import edtf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import date_points, edtf_dates

from ailedger.dates import CALENDAR_PATTERN, EDTF_PATTERN, FuzzyDate


def oracle_bounds(text: str) -> tuple[date, date]:
    """Earliest and latest day per the edtf package (one-of-set ranges use their outer bounds)."""
    parsed = edtf.parse_edtf(text)
    lower, upper = parsed.lower_strict(), parsed.upper_strict()
    return date(*lower[:3]), date(*upper[:3])


@given(edtf_dates())
def test_bounds_agree_with_the_edtf_package(text: str) -> None:
    ours = FuzzyDate.parse(text)
    assert (ours.earliest, ours.latest) == oracle_bounds(text)
    assert ours.earliest <= ours.latest
    assert str(ours) == text


@given(date_points())
def test_precision_is_kept(text: str) -> None:
    parsed = FuzzyDate.parse(text)
    assert parsed.precision == {4: "year", 7: "month", 10: "day"}[len(text)]
    assert re.fullmatch(EDTF_PATTERN, text)


@pytest.mark.parametrize(
    ("text", "earliest", "latest", "precision"),
    [
        ("2026-02-12", date(2026, 2, 12), date(2026, 2, 12), "day"),
        ("2025-12", date(2025, 12, 1), date(2025, 12, 31), "month"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month"),
        ("2023", date(2023, 1, 1), date(2023, 12, 31), "year"),
        ("[2026-02-09..2026-02-15]", date(2026, 2, 9), date(2026, 2, 15), "range"),
        ("[2025-12..2026-01]", date(2025, 12, 1), date(2026, 1, 31), "range"),
    ],
)
def test_examples(text: str, earliest: date, latest: date, precision: str) -> None:
    parsed = FuzzyDate.parse(text)
    assert (parsed.earliest, parsed.latest, parsed.precision) == (earliest, latest, precision)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-02-30", "day 30 is out of range"),
        ("2026-13", "month 13 is out of range"),
        ("2026-2-12", "is not a date"),
        ("20260212", "is not a date"),
        ("2026-W07", "is not a date"),
        (" 2026-02-12", "is not a date"),
        ("2026-02-12\n", "is not a date"),
        ("2026-02-12T00:00:00Z", "is not a date"),
        ("২০২৬", "is not a date"),
        ("[2026-02-15..2026-02-09]", "swap the two ends"),
        ("[2026-02-09..2026-02-09]", "has equal ends"),
        ("2026-02-09/2026-02-15", "is not a date"),
        ("0000", "year 0000 is out of range"),
        ("[2025-12..2026]", "need the same precision"),
    ],
)
def test_rejects_with_a_fix(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        FuzzyDate.parse(text)


@given(st.text(max_size=30))
def test_parse_never_raises_anything_but_value_error(text: str) -> None:
    try:
        parsed = FuzzyDate.parse(text)
    except ValueError:
        return
    assert re.fullmatch(EDTF_PATTERN, text)
    assert parsed.earliest <= parsed.latest


@st.composite
def date_like(draw: st.DrawFn) -> str:
    """Dates of the right shape with any digits: years 0000-9999 (leap or not), months 00-13, days 00-32."""
    year = f"{draw(st.integers(0, 9999) | st.sampled_from([0, 1900, 2000, 2024, 2100, 2400])):04d}"
    month = f"{draw(st.integers(0, 13)):02d}"
    day = f"{draw(st.integers(0, 32) | st.sampled_from([28, 29, 30, 31])):02d}"
    return draw(st.sampled_from([year, f"{year}-{month}", f"{year}-{month}-{day}"]))


def parses(text: str) -> bool:
    try:
        FuzzyDate.parse(text)
    except ValueError:
        return False
    return True


@given(date_like())
def test_calendar_pattern_takes_exactly_the_days_the_parser_takes(text: str) -> None:
    assert (re.search(CALENDAR_PATTERN, text) is not None) == parses(text), text


@given(date_like(), date_like())
def test_calendar_pattern_leaves_only_a_range_s_order_to_the_parser(first: str, last: str) -> None:
    text = f"[{first}..{last}]"
    by_pattern = re.search(CALENDAR_PATTERN, text) is not None
    assert by_pattern == (parses(first) and parses(last) and len(first) == len(last)), text
    if parses(text):
        assert by_pattern


@given(edtf_dates())
def test_a_date_survives_pickling(text: str) -> None:
    """The validation cache pickles dates; what comes back is the same date, equal, with the same days."""
    value = FuzzyDate.parse(text)
    back = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == value and type(back) is FuzzyDate
    assert (back.edtf, back.earliest, back.latest) == (value.edtf, value.earliest, value.latest)
