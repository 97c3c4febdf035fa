"""The date expressions of a quote (ailedger.validate.when): the ASCII shortcuts read what the plain scans read."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailedger.dates import FuzzyDate
from ailedger.validate import when


def found_plainly(quote: str, published: FuzzyDate) -> tuple[when.Stated, ...]:
    """``when._found`` as first written, every rule's pattern scanned over the whole quote: the reference."""
    text = quote.replace("\u00a0", " ")
    taken = [False] * len(text)
    out: list[tuple[int, when.Stated]] = []
    for kind, pattern in when._RULES:
        for m in pattern.finditer(when.lower(text) if kind in ("relative", "after", "part") else text):
            if any(taken[m.start() : m.end()]):
                continue
            if (
                kind == "month"
                and (m.group("month").lower() in when._AMBIGUOUS_MONTHS or m.group("month")[0].islower())
                and not m.group("year")
            ):
                continue
            ends = [when._resolve(kind, m, base) for base in {published.earliest, published.latest}]
            if any(e is None for e in ends):
                continue
            first = None if kind == "after" else min(e[0] for e in ends if e is not None and e[0] is not None)
            last = max(e[1] for e in ends if e is not None)
            for i in range(m.start(), m.end()):
                taken[i] = True
            out.append((m.start(), when.Stated(quote[m.start() : m.end()], first, last)))
    return tuple(s for _, s in sorted(out, key=lambda pair: pair[0]))


def _cases(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.upper(), word.title(), word.capitalize()])


# Every word the patterns read, and the words and marks around dates in news text.
_WORDS = sorted(
    {w for words in when._MONTHS_DE + when._MONTHS_EN for w in words.split("|")}
    | set(when._RELATIVE)
    | set(re.findall(r"[^\W\d_]+", when._PART + when._AFTER))
    | {"of", "the", "st", "nd", "rd", "th", "am", "on", "in", "mar", "market", "main", "mayor", "ende"}
)
_MONTH_WORDS = sorted(when._MONTH_NUMBER)
# A date expression, perhaps glued to the word or figure before it ("x12. März 2026"): the look-behinds decide.
_EXPRESSIONS = st.tuples(
    st.sampled_from(["", "", "x", "5", ".", "-", "_", "é"]),
    st.sampled_from(["", "", "12", "3.", "1st", "the 12th of", "mid", "Ende", "early"]).flatmap(_cases),
    st.sampled_from(["", " ", "  ", "\n"]),
    st.sampled_from(_MONTH_WORDS).flatmap(_cases),
    st.sampled_from(["", ".", " ", ". ", ", "]),
    st.sampled_from(["", "2020", "1999", "12", "3rd", "2020x", "20.5"]),
).map("".join)
_PIECES = st.one_of(
    _EXPRESSIONS,
    st.sampled_from(_WORDS).flatmap(_cases),
    st.sampled_from(_WORDS).flatmap(_cases),
    st.integers(0, 40).map(str),
    st.integers(0, 40).map(lambda n: f"{n}{'st' if n % 10 == 1 else 'th'}").flatmap(_cases),
    st.integers(1890, 2110).map(str),
    # characters that case-fold onto ASCII letters, or grow when lowered: the shortcuts must not take these quotes
    st.sampled_from(["\u0130", "\u0131", "\u017f", "\u212a", "ä", "Ä", "ß", "ẞ", "é", "\u00b5", "月", "年", "日"]),
    st.text(max_size=3),
)
_BETWEEN = st.sampled_from(["", " ", " ", " ", "  ", "\n", "\t", "\u00a0", ".", ". ", ",", ", ", "-", ": ", "'s "])
_QUOTES = st.lists(st.tuples(_PIECES, _BETWEEN).map("".join), max_size=12).map("".join)


@settings(max_examples=1500)
@given(
    _QUOTES,
    st.sampled_from(["2026-02-22", "2026-02", "2025", "[2025-12-30..2026-01-02]", "2020-03-31"]),
)
def test_found_reads_what_the_plain_scans_read(quote: str, published: str) -> None:
    when._found.cache_clear()
    day = FuzzyDate.parse(published)
    assert when.found(quote, day) == list(found_plainly(quote, day))


@pytest.mark.parametrize(
    "quote",
    [
        "January 2020: 425,931,215; February 2020: 308,077,325; March 2020: 441,293,218",
        "on 3 March 2026, the same day, and in mid February; Late December 2025 and last week",
        "ON THE 12TH OF MAY, 2024 or May 12th, 2024 or may 12 or early jan or THE END OF OCT 1999",
        "am 12. Februar 2026, Ende Dezember, Anfang März, letzte Woche, kurz darauf",
        "2026年2月12日, 上周, 2025年12月下旬, 随后",
        "\u0130n late \u017fept 2020 and on 1 \u212aov",
    ],
)
def test_found_reads_what_the_plain_scans_read_in_news_text(quote: str) -> None:
    day = FuzzyDate("2026-02-22", date(2026, 2, 22), date(2026, 2, 22))
    assert when.found(quote, day) == list(found_plainly(quote, day))


def test_the_ascii_shortcuts_skip_only_rules_that_need_a_cjk_character() -> None:
    """A rule skipped for ASCII quotes has a CJK character in every way it can match."""
    skipped = [pattern for pattern, scan in zip(when._RULES, when._ASCII_SCANS, strict=True) if scan is None]
    assert [kind for kind, _ in skipped] == ["zh-day", "zh-month", "zh-year", "relative", "after"]
    for _, pattern in skipped:
        assert pattern.search("".join(chr(c) for c in range(128)) * 2) is None
        assert all(not word.isascii() for word in re.sub(r"\(\?P<\w+>|[()]", "", pattern.pattern).split("|")), pattern
