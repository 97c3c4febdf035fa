"""Dates no sharper than their source.

A source says "2026-02-12", "end of December" or "last week". One type serves
every date field: it keeps the interval in which the day lies (``earliest`` ..
``latest``) and the EDTF string it was written as, so a month stays a month and
"last week" stays a range instead of becoming a made-up day.

Accepted syntax is the subset of ISO 8601-2 / EDTF that sources need:

* ``2026-02-12`` (day), ``2025-12`` (month), ``2023`` (year);
* ``[2026-02-09..2026-02-15]``: one day somewhere in a range (EDTF level 2
  "one of a set"); both ends have the same precision (days, months or years).

The parser is a regular expression rather than the ``edtf`` package because it
runs once per metric on million-row inputs; the test suite checks it against
``edtf`` as an oracle.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["CALENDAR_PATTERN", "EDTF_PATTERN", "FuzzyDate"]

_YEAR = r"[0-9]{4}"
_MONTH = rf"{_YEAR}-(?:0[1-9]|1[0-2])"
_DAY = rf"{_MONTH}-(?:0[1-9]|[12][0-9]|3[01])"
_POINT = rf"(?:{_DAY}|{_MONTH}|{_YEAR})"
EDTF_PATTERN = rf"^(?:{_POINT}|\[(?:{_YEAR}\.\.{_YEAR}|{_MONTH}\.\.{_MONTH}|{_DAY}\.\.{_DAY})\])$"
"""The pattern of the JSON Schemas released up to 2-1-1; the parser also checks real calendar days."""

_CAL_YEAR = r"(?!0000)[0-9]{4}"
_LEAP_YEAR = r"(?!0000)(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_CAL_MONTH = rf"{_CAL_YEAR}-(?:0[1-9]|1[0-2])"
_CAL_DAY = rf"(?:{_CAL_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
CALENDAR_PATTERN = (
    rf"^(?:{_CAL_DAY}|{_CAL_MONTH}|{_CAL_YEAR}"
    rf"|\[(?:{_CAL_YEAR}\.\.{_CAL_YEAR}|{_CAL_MONTH}\.\.{_CAL_MONTH}|{_CAL_DAY}\.\.{_CAL_DAY})\])$"
)
"""EDTF_PATTERN with the calendar in it (schema 2-1-2 on): no year 0000, no 2026-02-30, 29 February only in
leap years (Gregorian: every 4th year, not every 100th, every 400th). What a pattern cannot say, the order and
distinctness of a range's ends, only the parser checks."""

_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_POINT_RE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", re.ASCII)
_RANGE_RE = re.compile(r"\[([0-9-]+)\.\.([0-9-]+)\]", re.ASCII)


def _point(text: str) -> tuple[date, date]:
    """The first and last day that a single EDTF point (year, month or day) covers."""
    m = _POINT_RE.fullmatch(text)
    if m is None:
        raise ValueError(
            f"{text!r} is not a date; write YYYY, YYYY-MM, YYYY-MM-DD or [START..END]"
        )
    year, month, day = int(m[1]), m[2], m[3]
    if year < 1:
        raise ValueError(f"year {m[1]} is out of range; use 0001 to 9999")
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    mon = int(month)
    if not 1 <= mon <= 12:
        raise ValueError(f"month {month} is out of range in {text!r}; use 01 to 12")
    last = _MONTH_DAYS[mon] + (mon == 2 and calendar.isleap(year))
    if day is None:
        return date(year, mon, 1), date(year, mon, last)
    d = int(day)
    if not 1 <= d <= last:
        raise ValueError(f"day {day} is out of range in {text!r}; {year}-{month} has {last} days")
    return date(year, mon, d), date(year, mon, d)


@dataclass(frozen=True, slots=True)
class FuzzyDate:
    """A day known to lie between ``earliest`` and ``latest`` (inclusive), written as ``edtf``."""

    edtf: str
    earliest: date
    latest: date

    @classmethod
    def parse(cls, text: str) -> FuzzyDate:
        """Parse EDTF text; raise ``ValueError`` with a fix-it message on anything else."""
        rng = _RANGE_RE.fullmatch(text)
        if rng is None:
            first, last = _point(text)
            return cls(text, first, last)
        start, _ = _point(rng[1])
        _, end = _point(rng[2])
        if len(rng[1]) != len(rng[2]):
            raise ValueError(f"both ends of {text!r} need the same precision (EDTF); e.g. [2025-12..2026-01]")
        if rng[1] == rng[2]:
            raise ValueError(f"range {text!r} has equal ends; write {rng[1]}")
        if start > end:
            raise ValueError(
                f"earliest {start.isoformat()} is after latest {end.isoformat()} in {text!r}; "
                "swap the two ends"
            )
        return cls(text, start, end)

    @property
    def precision(self) -> str:
        """``day``, ``month``, ``year`` or ``range``: how sharp the source was."""
        if self.edtf.startswith("["):
            return "range"
        return {4: "year", 7: "month", 10: "day"}[len(self.edtf)]

    def __str__(self) -> str:
        return self.edtf

    def __repr__(self) -> str:
        return f"FuzzyDate({self.edtf!r})"

    def __reduce__(self) -> tuple[type[FuzzyDate], tuple[str, date, date]]:
        # A slotted dataclass restores its state through fields(), eight times the cost: the validation cache
        # unpickles a date for every cached metric.
        return FuzzyDate, (self.edtf, self.earliest, self.latest)

    @classmethod
    def _checked(cls, value: object) -> FuzzyDate:
        from pydantic_core import PydanticCustomError

        if isinstance(value, cls):
            return value
        if not isinstance(value, str):
            raise PydanticCustomError(
                "date_invalid",
                "a date is written as quoted text like '2026-02-12', got {kind}",
                {"kind": type(value).__name__},
            )
        try:
            return cls.parse(value)
        except ValueError as exc:
            raise PydanticCustomError("date_invalid", str(exc)) from None

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.json_or_python_schema(
            json_schema=core_schema.no_info_after_validator_function(
                cls._checked, core_schema.str_schema(strict=True)
            ),
            python_schema=core_schema.no_info_plain_validator_function(cls._checked),
            serialization=core_schema.plain_serializer_function_ser_schema(
                str, when_used="json"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, core: Any, handler: Any) -> dict[str, Any]:
        return {
            "type": "string",
            "pattern": EDTF_PATTERN,
            "description": (
                "EDTF date no sharper than its source: YYYY, YYYY-MM, YYYY-MM-DD, "
                "or [START..END] for one day somewhere in that range."
            ),
            "examples": ["2026-02-12", "2025-12", "2023", "[2026-02-09..2026-02-15]"],
        }
