"""The dates a quote states, as the ranges of days they allow, resolved against the publication date.

"letzte Woche" in an article of Sunday 2026-02-22 is the week 2026-02-09..15;
"Ende Dezember" the last ten days of December 2025; "am 12. Februar" one day;
"2023" a year. A record's date may be as wide as it likes ("2026" for "last
week" is true, only vague), but it may not be sharper than every expression
its quotes hold ("2026-02-15" for "last month") nor lie outside all of them
("2026-03-04" for "on 3 March").

Why a rule layer and not dateparser's ``search_dates`` (1.5.0, checked on the
expressions of issue 14 with ``RELATIVE_BASE`` = 2026-02-22): it returns one
point, not the range an expression spans ("letzte Woche" -> 2026-02-15, "2023"
-> 2023-02-22, the publication's day and month pasted in), so sharpness cannot
be judged from it; it reads ordinary words as dates ("So", "die", "mit" became
2026-02-15, 2026-02-17, 2026-02-18); it finds nothing in "in der vergangenen
Woche" or "on 3 March 2026", drops "Ende" from "Ende Dezember", reads "2月12日"
as 2025-12-10, and costs about 70 ms a sentence, seconds for a bulk series.
The expressions news text uses for dates are few; these rules cover German,
English and Chinese and say exactly which words they read.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from ailedger.dates import FuzzyDate

_MONTHS_DE = [
    "januar|jänner|jan",
    "februar|feber|feb",
    "märz|maerz|mär|mrz",
    "april|apr",
    "mai",
    "juni|jun",
    "juli|jul",
    "august|aug",
    "september|sept|sep",
    "oktober|okt",
    "november|nov",
    "dezember|dez",
]
_MONTHS_EN = [
    "january|jan",
    "february|feb",
    "march|mar",
    "april|apr",
    "may",
    "june|jun",
    "july|jul",
    "august|aug",
    "september|sept|sep",
    "october|oct",
    "november|nov",
    "december|dec",
]
_MONTH_NUMBER = {
    word: i + 1 for table in (_MONTHS_DE, _MONTHS_EN) for i, words in enumerate(table) for word in words.split("|")
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)[0-9]{2})"
_DAY = r"(?P<day>[0-3]?[0-9])"
# Part of a month: which days of it the words allow.
_PART = (
    r"(?P<part>anfang|beginn|mitte|ende|gegen ende|early|the beginning of|the start of|the middle of|mid"
    r"|the end of|end of|late)"
)
_PART_DAYS = {
    "anfang": (1, 10),
    "beginn": (1, 10),
    "early": (1, 10),
    "the beginning of": (1, 10),
    "the start of": (1, 10),
    "mitte": (11, 20),
    "the middle of": (11, 20),
    "mid": (11, 20),
    "ende": (21, 31),
    "gegen ende": (21, 31),
    "the end of": (21, 31),
    "end of": (21, 31),
    "late": (21, 31),
}

_RELATIVE = {
    # words -> (unit, offset): the unit containing the base date, moved by offset units
    "letzte woche": ("week", -1),
    "letzten woche": ("week", -1),
    "vergangene woche": ("week", -1),
    "vergangenen woche": ("week", -1),
    "vorwoche": ("week", -1),
    "last week": ("week", -1),
    "past week": ("week", -1),
    "previous week": ("week", -1),
    "上周": ("week", -1),
    "上星期": ("week", -1),
    "上個星期": ("week", -1),
    "上个星期": ("week", -1),
    "上週": ("week", -1),
    "diese woche": ("week", 0),
    "dieser woche": ("week", 0),
    "this week": ("week", 0),
    "本周": ("week", 0),
    "这周": ("week", 0),
    "本週": ("week", 0),
    "letzten monat": ("month", -1),
    "letzte monat": ("month", -1),
    "vergangenen monat": ("month", -1),
    "vormonat": ("month", -1),
    "last month": ("month", -1),
    "previous month": ("month", -1),
    "上个月": ("month", -1),
    "上月": ("month", -1),
    "上個月": ("month", -1),
    "diesen monat": ("month", 0),
    "diesem monat": ("month", 0),
    "this month": ("month", 0),
    "本月": ("month", 0),
    "letztes jahr": ("year", -1),
    "letzten jahr": ("year", -1),
    "vergangenes jahr": ("year", -1),
    "vergangenen jahr": ("year", -1),
    "vorjahr": ("year", -1),
    "last year": ("year", -1),
    "去年": ("year", -1),
    "dieses jahr": ("year", 0),
    "diesem jahr": ("year", 0),
    "this year": ("year", 0),
    "今年": ("year", 0),
    "gestern": ("day", -1),
    "yesterday": ("day", -1),
    "昨天": ("day", -1),
    "昨日": ("day", -1),
    "vorgestern": ("day", -2),
    "前天": ("day", -2),
    "heute": ("day", 0),
    "today": ("day", 0),
    "今天": ("day", 0),
    "今日": ("day", 0),
}
# Words that date something by the event just told ("shortly after", "the same day"): they allow
# any day from the latest other date the quotes give up to the publication.
_AFTER = (
    r"(?P<after>kurz darauf|kurz danach|in der folge|anschließend|daraufhin|am selben tag|am gleichen tag"
    r"|zur selben zeit|zur gleichen zeit|at the same time|shortly after(?:wards)?|soon after(?:wards)?"
    r"|subsequently|the same day)"
)

_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"(?<![0-9])(?P<year>[0-9]{4})-(?P<month>[01][0-9])-(?P<day>[0-3][0-9])(?![0-9])")),
    (
        "zh-day",
        re.compile(r"(?:(?P<year>[0-9]{4})\s*年\s*)?(?P<month>[01]?[0-9])\s*月\s*(?P<day>[0-3]?[0-9])\s*[日号號]"),
    ),
    (
        "zh-month",
        re.compile(
            r"(?:(?P<part>上旬|中旬|下旬|初|底|末)\s*)?(?P<year>[0-9]{4})\s*年\s*(?P<month>[01]?[0-9])\s*月(?:\s*(?P<part2>上旬|中旬|下旬|初|底|末))?"
        ),
    ),
    ("zh-year", re.compile(r"(?P<year>[0-9]{4})\s*年")),
    ("part", re.compile(rf"(?<![^\W_]){_PART}\s+(?:of\s+)?{_MONTH}(?:\s+{_YEAR})?(?![^\W_])", re.IGNORECASE)),
    (
        "day-month",
        re.compile(
            rf"(?<![^\W_]){_DAY}(?:\.|st|nd|rd|th)?\s*(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?(?![^\W_])", re.IGNORECASE
        ),
    ),
    (
        "month-day",
        re.compile(rf"(?<![^\W_]){_MONTH}\s+{_DAY}(?:st|nd|rd|th)?(?:,\s*{_YEAR})?(?![^\W_.]|\.[0-9])", re.IGNORECASE),
    ),
    ("month", re.compile(rf"(?<![^\W_]){_MONTH}(?:\s+{_YEAR})?(?![^\W_])", re.IGNORECASE)),
    (
        "relative",
        re.compile(
            r"(?<![^\W_])(?P<rel>"
            + "|".join(sorted((re.escape(w) for w in _RELATIVE if w.isascii()), key=len, reverse=True))
            + r")(?![^\W_])",
            re.IGNORECASE,
        ),
    ),
    (
        "relative",
        re.compile(
            r"(?P<rel>"
            + "|".join(sorted((re.escape(w) for w in _RELATIVE if not w.isascii()), key=len, reverse=True))
            + r")"
        ),
    ),
    ("after", re.compile(rf"(?<![^\W_]){_AFTER}(?![^\W_])", re.IGNORECASE)),
    ("after", re.compile(r"(?P<after>随后|此后|当天|同日)")),
    ("year", re.compile(rf"(?<![^\W_.,-]){_YEAR}(?![^\W_]|[.,][0-9])")),
]
_NEEDS = {"zh-day": "月", "zh-month": "月", "zh-year": "年"}
"""A character each of these rules' patterns must match literally (they are not case-insensitive)."""
# Month names that are everyday words too: read as months only beside a day, year or part of month.
_AMBIGUOUS_MONTHS = frozenset(
    {"mai", "may", "mar", "jun", "jul", "sep", "aug", "dec", "nov", "okt", "oct", "apr", "jan", "feb"}
)
_ZH_PARTS = {"上旬": (1, 10), "初": (1, 10), "中旬": (11, 20), "下旬": (21, 31), "底": (21, 31), "末": (21, 31)}


@dataclass(frozen=True, slots=True)
class Stated:
    """A date expression found in a quote and the days it allows (None until an "after" is resolved)."""

    text: str
    earliest: date | None
    latest: date

    def edtf(self) -> str:
        return edtf(self.earliest or self.latest, self.latest)


def edtf(first: date, last: date) -> str:
    """The EDTF a range of days is written as: a year, a month, a day, or [first..last]."""
    if first == last:
        return first.isoformat()
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and first.year == last.year:
        return str(first.year)
    if (
        first.day == 1
        and (first.year, first.month) == (last.year, last.month)
        and last.day == calendar.monthrange(last.year, last.month)[1]
    ):
        return f"{first.year:04d}-{first.month:02d}"
    return f"[{first.isoformat()}..{last.isoformat()}]"


@lru_cache(maxsize=1 << 12)
def _month_range(year: int, month: int, days: tuple[int, int] = (1, 31)) -> tuple[date, date]:
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(days[0], last)), date(year, month, min(days[1], last))


def _year_before(base: date, month: int, day: int = 1) -> int:
    """The year of the latest (month, day) not after ``base``: "am 12. Dezember" in February is last December."""
    return base.year if (month, day) <= (base.month, base.day) else base.year - 1


def _relative(words: str, base: date) -> tuple[date, date]:
    unit, offset = _RELATIVE[words]
    if unit == "day":
        day = base + timedelta(days=offset)
        return day, day
    if unit == "week":
        monday = base - timedelta(days=base.weekday()) + timedelta(weeks=offset)
        return monday, monday + timedelta(days=6)
    if unit == "month":
        index = base.year * 12 + base.month - 1 + offset
        return _month_range(index // 12, index % 12 + 1)
    return date(base.year + offset, 1, 1), date(base.year + offset, 12, 31)


def _resolve(kind: str, m: re.Match[str], base: date) -> tuple[date | None, date] | None:
    g = m.groupdict()
    try:
        if kind == "relative":
            return _relative(g["rel"].lower(), base)
        if kind == "after":
            return None, base
        if kind in ("year", "zh-year"):
            year = int(g["year"])
            return date(year, 1, 1), date(year, 12, 31)
        month_word = g.get("month") or ""
        month = int(month_word) if month_word.isdigit() else _MONTH_NUMBER[month_word.lower()]
        if kind in ("iso", "zh-day", "day-month", "month-day"):
            day = int(g["day"])
            year = int(g["year"]) if g.get("year") else _year_before(base, month, day)
            one = date(year, month, day)
            return one, one
        year = int(g["year"]) if g.get("year") else _year_before(base, month)
        part = g.get("part") or g.get("part2")
        days = _PART_DAYS.get(part.lower(), (1, 31)) if part and kind == "part" else _ZH_PARTS.get(part or "", (1, 31))
        return _month_range(year, month, days)
    except (ValueError, KeyError):
        return None  # "31. Februar", a month number 13: not a date, so nothing is stated


def found(quote: str, published: FuzzyDate) -> list[Stated]:
    """The date expressions of ``quote``, each with the days it allows given the publication date.

    The longest, most specific reading wins: "am 12. Februar 2026" is one day,
    not also a month and a year. When the publication date is itself a range,
    an expression relative to it allows the days it allows from either end.
    """
    return list(_found(quote, published))


_LOWERED = frozenset({"relative", "after", "part"})
"""Rules whose words are matched in the lower-cased quote."""
_LOOK_BEHIND = r"(?<![^\W_])"


def _ascii_scans() -> list[tuple[str, re.Pattern[str] | None, re.Pattern[str], bool] | None]:
    """For each of :data:`_RULES`, how to scan an ASCII quote: (kind, test, scan, lowered), or None to skip it.

    Matching ASCII text case-insensitively is matching its lower case as it
    is (no ASCII character folds to or from any other character), and a
    pattern without ``re.IGNORECASE`` lets the regex engine skip to where it
    can start and reject a word at its first letter: about three times as
    fast. ``test`` is a pattern that every match contains, without the
    look-behind that stops the engine skipping ahead: when it finds nothing,
    neither does the scan. A rule that must match a CJK character (the
    Chinese forms) cannot match an ASCII quote at all. tests/test_when.py
    holds the plain scans as the reference.
    """
    out: list[tuple[str, re.Pattern[str] | None, re.Pattern[str], bool] | None] = []
    for kind, pattern in _RULES:
        if not pattern.flags & re.IGNORECASE:
            # "2026-02-12": four digits and a hyphen are rare, and the test finds them without looking behind
            iso = re.compile(pattern.pattern.removeprefix("(?<![0-9])")) if kind == "iso" else None
            out.append(None if kind in _NEEDS or not pattern.pattern.isascii() else (kind, iso, pattern, False))
            continue
        source = pattern.pattern
        test = source.removeprefix(_LOOK_BEHIND)
        if kind == "day-month":  # "12. März": the day's last digit starts the test, so the engine skips to digits
            test = rf"[0-9](?:\.|st|nd|rd|th)?\s*(?:of\s+)?{_MONTH}"
        out.append((kind, re.compile(test), re.compile(source), True))
    return out


_ASCII_SCANS = _ascii_scans()


def lower(text: str) -> str:
    """``text`` in lower case, character for character: "İ" lowers to two characters, which shifted every match
    after it (and ran past the end of the quote)."""
    low = text.lower()
    return low if len(low) == len(text) else "".join(c if c == "\u0130" else c.lower() for c in text)


def _matches(text: str) -> Iterator[tuple[str, re.Match[str], str]]:
    """Each rule's matches in ``text``, rule by rule, with the month as written (for telling "may" from "May")."""
    if text.isascii():
        low = text.lower()
        for scan in _ASCII_SCANS:
            if scan is None:
                continue
            kind, test, pattern, lowered = scan
            if kind == "month" and test is not None:
                # The test's matches, with the look-behind checked after: one that fails it hides no month word,
                # which can start neither inside a word nor after the "." or white space a match holds.
                for m in test.finditer(low):
                    if not (m.start() and low[m.start() - 1].isalnum()):
                        yield kind, m, text[m.start("month") : m.end("month")]
                continue
            if test is not None and test.search(low) is None:
                continue
            for m in pattern.finditer(low if lowered else text):
                yield kind, m, text[m.start("month") : m.end("month")] if kind == "month" else ""
        return
    low = lower(text)
    for kind, pattern in _RULES:
        if kind in _NEEDS and _NEEDS[kind] not in text:
            continue  # the Chinese forms cannot match without their character: skip the scan
        for m in pattern.finditer(low if kind in _LOWERED else text):
            yield kind, m, m.group("month") if kind == "month" else ""


@lru_cache(maxsize=1 << 14)
def _found(quote: str, published: FuzzyDate) -> tuple[Stated, ...]:
    """:func:`found`, once per quote and publication date: every record citing the quote asks again."""
    text = quote.replace("\u00a0", " ")
    taken: list[tuple[int, int]] = []  # the spans read so far: a later rule does not read inside them
    bases = {published.earliest, published.latest}
    out: list[tuple[int, Stated]] = []
    for kind, m, month in _matches(text):
        start, end = m.span()
        if any(start < b and a < end for a, b in taken):
            continue
        if kind == "month" and (month.lower() in _AMBIGUOUS_MONTHS or month[0].islower()) and not m.group("year"):
            continue  # "may", "Mai" alone are words more often than dates
        ends = [_resolve(kind, m, base) for base in bases]
        if any(e is None for e in ends):
            continue
        first = None if kind == "after" else min(e[0] for e in ends if e is not None and e[0] is not None)
        last = max(e[1] for e in ends if e is not None)
        taken.append((start, end))
        out.append((start, Stated(quote[start:end], first, last)))
    return tuple(s for _, s in sorted(out, key=lambda pair: pair[0]))


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the quotes allow for a date, and how the date falls short, if it does."""

    problem: str | None
    """None, "not-stated", "sharper" or "outside"."""
    stated: tuple[Stated, ...]


def judge(value: FuzzyDate, stated: list[Stated]) -> Verdict:
    """Whether ``value`` is no sharper than, and inside, what the date expressions allow.

    The value must cover the days of at least one expression: a year for "2023",
    the week for "last week"; covering more is only vague. An "after" expression
    runs from the latest day another expression starts on to the publication.
    """
    dated = [s for s in stated if s.earliest is not None]
    if not dated:
        return Verdict("not-stated", tuple(stated))
    start = max(s.earliest for s in dated if s.earliest is not None)
    resolved = [s if s.earliest is not None else Stated(s.text, start, s.latest) for s in stated]
    for s in resolved:
        if s.earliest is not None and value.earliest <= s.earliest and value.latest >= s.latest:
            return Verdict(None, tuple(resolved))
    if any(s.earliest is not None and value.earliest <= s.latest and value.latest >= s.earliest for s in resolved):
        return Verdict("sharper", tuple(resolved))
    return Verdict("outside", tuple(resolved))
