"""Reading the figures a quote states, with their unit words, as absolute counts.

A metric's ``value`` must be a number its quote gives: "155 Millionen" is
155000000, "81,6 Millionen" 81600000, "1.5 million" 1500000, "2,3 Mrd." 2300000000,
"12.000" 12000 in German, "1.55亿" 155000000. Only the separators of the
quote's language decide whether "12.000" is twelve thousand or twelve; a unit
word of one language (Millionen, million) settles it, and when neither tells,
both readings count.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_E = Decimal(10)

# unit word (lower case) -> (multiplier, language it fixes or None)
UNITS: dict[str, tuple[Decimal, str | None]] = {
    "tausend": (_E**3, "de"), "tsd": (_E**3, "de"),
    "millionen": (_E**6, "de"), "mio": (_E**6, "de"),
    "milliarden": (_E**9, "de"), "milliarde": (_E**9, "de"), "mrd": (_E**9, "de"),
    "billionen": (_E**12, "de"),
    "thousand": (_E**3, "en"), "k": (_E**3, "en"),
    "million": (_E**6, None), "millions": (_E**6, "en"), "mn": (_E**6, "en"), "m": (_E**6, "en"),
    "billions": (_E**9, "en"), "bn": (_E**9, "en"),
    "trillion": (_E**12, "en"), "trillions": (_E**12, "en"),
    "千": (_E**3, "zh"), "万": (_E**4, "zh"), "萬": (_E**4, "zh"), "百万": (_E**6, "zh"), "千万": (_E**7, "zh"),
    "亿": (_E**8, "zh"), "億": (_E**8, "zh"), "万亿": (_E**12, "zh"), "兆": (_E**12, "zh"),
}
# "Billion" is 10^12 in German and 10^9 in English: it depends on the language.
BILLION = {"de": _E**12, "en": _E**9}
DECIMAL_COMMA = frozenset({"de", "fr", "es", "it", "nl", "pt", "ru", "pl", "sv", "da", "nb", "fi", "cs", "tr"})
DECIMAL_POINT = frozenset({"en", "zh", "ja", "ko"})

_CJK_UNIT = "万亿|千万|百万|[千万萬亿億兆]"
_LATIN_UNIT = r"[A-Za-zä]+\.?"
_FIGURE = re.compile(
    rf"(?<![0-9.,])([0-9]+(?:[.,\u00a0\u202f][0-9]+)*)(?:\s*({_CJK_UNIT})|\s?({_LATIN_UNIT}))?",
    re.ASCII,
)


def _conventions(language: str | None, unit_language: str | None) -> list[str]:
    """Which decimal separator(s) to try: the unit word's language, else the source's, else both."""
    lang = unit_language or (language or "").split("-")[0].lower()
    if lang in DECIMAL_COMMA:
        return [","]
    if lang in DECIMAL_POINT:
        return ["."]
    return [",", "."]


def _number(digits: str, decimal_mark: str) -> Decimal | None:
    """``digits`` read with ``decimal_mark`` as decimal separator; None when the grouping does not fit."""
    digits = digits.replace("\u00a0", " ").replace("\u202f", " ")
    thousands = "." if decimal_mark == "," else ","
    whole, _, fraction = digits.partition(decimal_mark)
    if decimal_mark in fraction:
        return None
    groups = re.split(rf"[{re.escape(thousands)} ]", whole)
    if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    if any(sep in fraction for sep in (thousands, " ")):
        return None
    try:
        return Decimal("".join(groups) + ("." + fraction if fraction else ""))
    except InvalidOperation:
        return None


def stated(quote: str, language: str | None = None) -> set[int]:
    """Every whole number the quote states, unit words applied, under each plausible reading of its separators."""
    out: set[int] = set()
    for _, _, values in located(quote, language):
        out |= values
    return out


_EXACT_DIGITS = 15
"""Up to this many digits, times the largest unit (10^12), a figure fits Decimal's 28 digits: no rounding."""


@lru_cache(maxsize=1 << 14)
def located(quote: str, language: str | None = None) -> tuple[tuple[int, int, frozenset[int]], ...]:
    """Each figure of the quote: its start and end, and the whole numbers it may mean.

    Kept per (quote, language): a quote is read by several rules and, in a
    series, by every row that cites it.
    """
    found = []
    for match in _FIGURE.finditer(quote):
        digits, cjk, word = match.groups()
        if cjk is None and word is None and len(digits) <= _EXACT_DIGITS and digits.isdigit():
            found.append((match.start(), match.end(), frozenset((int(digits),))))  # the most common figure: no unit
            continue
        if cjk is None and word is None and (whole := _grouped(digits)) is not None:
            found.append((match.start(), match.end(), frozenset((whole,))))  # "425,931,215": no unit either
            continue
        unit = (cjk or word or "").rstrip(".")
        key = unit if cjk else unit.lower()
        multipliers: list[Decimal] = [Decimal(1)]
        unit_language: str | None = None
        if key == "billion":
            lang = (language or "").split("-")[0].lower()
            multipliers = [BILLION[lang]] if lang in BILLION else list(BILLION.values())
        elif key in UNITS:
            factor, unit_language = UNITS[key]
            multipliers = [factor]
        known = bool(cjk) or key == "billion" or key in UNITS
        end = match.end() if known or not word else match.end(1)
        if digits.isdigit() and len(digits) <= _EXACT_DIGITS:  # every reading is the plain number, exactly
            whole = int(digits)
            found.append((match.start(), end, frozenset(whole * int(factor) for factor in multipliers)))
            continue
        out: set[int] = set()
        readings = [n for mark in _conventions(language, unit_language) if (n := _number(digits, mark)) is not None]
        # "1.5 Mio." in a German text: the language's reading fails, and the only other one is meant.
        readings = readings or [n for mark in ",." if (n := _number(digits, mark)) is not None]
        for number in readings:
            for factor in multipliers:
                value = number * factor
                if value == value.to_integral_value():
                    out.add(int(value))
        found.append((match.start(), end, frozenset(out)))
    return tuple(found)


def _grouped(digits: str) -> int | None:
    """The number "425,931,215" or "1.234.567" is, read without Decimal; None for any other figure.

    Two or more separators of one kind, between groups of three digits, are
    thousands separators in every language (either decimal mark fails on a
    second one), so the reading does not depend on the language.
    """
    mark = "," if "," in digits else "."
    groups = digits.split(mark)
    if (
        len(groups) < 3
        or not 1 <= len(groups[0]) <= 3
        or any(len(g) != 3 for g in groups[1:])
        or not (whole := "".join(groups)).isdigit()
        or len(whole) > _EXACT_DIGITS
    ):
        return None
    return int(whole)


_PLAIN_BEFORE = frozenset("0123456789.,\u00a0\u202f")
_PLAIN_END = frozenset(["", ";", ":", ")", "]", "!", "?", '"', "'", "-", "%", "/"])
"""What may follow a plain figure for certain (the end, or a mark that is no digit, separator, space or letter)."""
_PLAIN_AFTER = re.compile(rf"(?![0-9]|[.,\u00a0\u202f][0-9]|\s*(?:[A-Za-zä]|{_CJK_UNIT}))", re.ASCII)


def plainly_states(quote: str, value: int) -> bool:
    """Whether the quote has ``value`` as a figure of its own, digits only and no unit after it.

    Then :func:`located` reads exactly that number there, in any language: the
    figure pattern starts a match at those digits (nothing that could carry a
    match into them stands before) and ends it after them (no digit, separator
    or unit word follows). A few string searches per row, where reading every
    figure of the quote costs some microseconds per figure. False says nothing.
    """
    digits = str(value)
    if value < 0 or len(digits) > _EXACT_DIGITS:
        return False
    at = quote.find(digits)
    while at >= 0:
        end = at + len(digits)
        if (at == 0 or quote[at - 1] not in _PLAIN_BEFORE) and (
            quote[end : end + 1] in _PLAIN_END or _PLAIN_AFTER.match(quote, end)
        ):
            return True
        at = quote.find(digits, at + 1)
    return False
