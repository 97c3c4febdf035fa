"""Quotes against their source: normalization, the length rule, and the index that finds many quotes at once."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ailedger.validate.quotes import MIN_QUOTE, MIN_QUOTE_CJK, SourceText, SourceTexts, SpanIndex, long_enough, shortest

TEXT = (
    "Die Example-App erreichte Ende Februar 12,5 Millionen wöchentliche Nutzer, berichtet Reuters. "
    "示例实验室在杭州发布了示例一号。"
)


def source(tmp_path: Path, text: str = TEXT) -> SourceText:
    path = tmp_path / "s.txt"
    path.write_text(text, encoding="utf-8")
    return SourceText.read(path)


def test_cjk_quotes_may_be_shorter() -> None:
    assert shortest("the company said") == MIN_QUOTE
    assert shortest("示例实验室") == MIN_QUOTE_CJK == 6
    assert not long_enough("示例实验室")
    assert long_enough("示例实验室在杭")
    assert not long_enough("  the company ")


def test_source_texts_reads_each_file_once_and_knows_a_missing_one(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    texts = SourceTexts(tmp_path)
    first = texts.get("a")
    (tmp_path / "a.txt").write_text("changed", encoding="utf-8")
    assert texts.get("a") is first
    assert texts.get("missing") is None
    assert SourceTexts(None).get("a") is None


def test_the_index_finds_quotes_as_containment_does(tmp_path: Path) -> None:
    text = source(tmp_path)
    quotes = [
        "erreichte Ende Februar 12,5 Millionen",
        "erreichte  Ende\nFebruar",  # white space as pasted
        "erreichte Ende März",
        "Millionen wöchentliche Nutzer, berichtet",
        "示例实验室在杭州",
        "Reuters. 示例",
        "short",
        "Nutzer, berichtet Reuters. 示例实验室在杭州发布了示例一号。 more",
    ]
    assert SpanIndex.of(text).contains_all(quotes) == [text.contains(q) for q in quotes]
    assert SpanIndex.of(text).contains_all(quotes) == [True, True, False, True, True, True, False, False]


@given(st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "alphabet", "beta-gamma", "12,5"]), max_size=40),
       st.lists(st.tuples(st.integers(0, 40), st.integers(1, 12)), max_size=10))
def test_the_index_agrees_with_containment_on_any_text(words: list[str], spans: list[tuple[int, int]]) -> None:
    normalized = " ".join(words)
    text = SourceText(Path("t.txt"), "", normalized)
    quotes = [" ".join(words[start : start + size]) or "alpha" for start, size in spans]
    quotes += [q + " beta" for q in quotes] + ["gamma delta alpha beta gamma"]
    assert SpanIndex.of(text).contains_all(quotes) == [text.contains(q) for q in quotes]


SPACED = st.lists(st.sampled_from(["a", "é", "e\u0301", " ", "\t", "\n", "\u00a0", "\u2028", "\u3000", "x"]))


@given(SPACED.map("".join))
def test_normalize_collapses_white_space_as_the_pattern_does(text: str) -> None:
    import re
    import unicodedata

    from ailedger.validate.quotes import normalize

    assert normalize(text) == re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()
