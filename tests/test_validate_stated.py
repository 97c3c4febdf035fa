"""``stated.NameIndex`` finds exactly the names that trying every name's pattern on the quote finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ailedger.validate import stated


def every_pattern(quote: str, candidates: dict[str, list[str]]) -> list[tuple[str, int, int]]:
    """The plain way, kept as the reference: each candidate's pattern tried on the quote."""
    plain = quote.translate(stated._MARKS).lower()
    out = []
    for rid, labels in candidates.items():
        for label in labels:
            words = label.translate(stated._MARKS).lower().split()
            if not words:
                continue
            body = r"\s+".join(map(re.escape, words))
            pattern = body if stated._CJK.search(label) else rf"(?<![^\W_]){body}(?:'?s)?(?![^\W_]|\.[0-9])"
            out += [(rid, m.start(), m.end()) for m in re.finditer(pattern, plain)]
    return out


WORDS = [
    "app",
    "apps",
    "App-1",
    "Rival-2",
    "GLM 5",
    "glm-5",
    "Zhipu",
    "ai",
    "AI's",
    "豆包",
    "claude.ai",
    "_x",
    "s",
    "3.5",
]
TEXT = st.lists(st.sampled_from([*WORDS, " ", ", ", "-", "'s ", ".", "_", "\u00a0", "ß", "SS", "İ"]), max_size=25).map(
    "".join
)
LABELS = st.lists(st.one_of(st.sampled_from(WORDS), TEXT), max_size=3)


@settings(max_examples=500, deadline=None)
@given(quote=TEXT, candidates=st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), LABELS, max_size=5))
def test_the_index_finds_what_every_pattern_finds(quote: str, candidates: dict[str, list[str]]) -> None:
    assert stated.NameIndex(candidates).spans(quote) == every_pattern(quote, candidates)


def test_a_name_is_found_with_its_plural_and_possessive() -> None:
    index = stated.NameIndex({"app": ["App"], "glm": ["GLM-5"], "doubao": ["豆包"]})
    assert [rid for rid, _, _ in index.spans("Apps and App's users; glm 5 beats 豆包")] == [
        "app",
        "app",
        "glm",
        "doubao",
    ]


def name_pattern(name: str, quote: str) -> bool:
    """The plain way of ``stated.names``, kept as the reference: the folded name's pattern searched in the quote."""
    folded = re.escape(stated.fold(name))
    pattern = folded if stated._CJK.search(name) else rf"(?<![^\W_]){folded}(?:'?s)?(?![^\W_]|\.[0-9])"
    return re.search(pattern, stated.fold(quote)) is not None


@settings(max_examples=1000, deadline=None)
@given(name=st.one_of(st.sampled_from(WORDS), TEXT), quote=TEXT)
def test_names_finds_what_the_name_pattern_finds(name: str, quote: str) -> None:
    assert stated.names(name, quote) == name_pattern(name, quote)


def test_the_character_classes_of_the_patterns_are_the_string_methods() -> None:
    """The matcher reads ``[^\\W_]`` as ``str.isalnum`` and ``\\s`` as ``str.isspace``: true of every code point."""
    every = "".join(map(chr, range(0x110000)))
    assert re.findall(r"[^\W_]", every) == [c for c in every if c.isalnum()]
    assert re.findall(r"\s", every) == [c for c in every if c.isspace()]


ASCII_TEXT = st.lists(
    st.sampled_from(
        [*WORDS, " ", "\t", "\n  ", ", ", ";", "-", "'s", ".", "..", "_", "1.5", "v2.0.1", "a.b", "2021-01-01", "4.",
         "12", "Mehr", "ALS", "than", "more", "weniger", "fewer", "多", "\u00a0", "\u2009", "/", "\x1f", "\x0b", "ǅ"]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(text=ASCII_TEXT)
def test_tokens_are_what_the_token_pattern_finds(text: str) -> None:
    assert stated.tokens(text) == frozenset(stated._TOKEN.findall(stated.fold(text)))


@settings(max_examples=500, deadline=None)
@given(text=ASCII_TEXT)
def test_fold_collapses_white_space_as_the_pattern_does(text: str) -> None:
    import unicodedata

    marked = unicodedata.normalize("NFKC", text).translate(stated._MARKS).casefold()
    assert stated.fold(text) == re.sub(r"\s+", " ", marked).strip()


@st.composite
def gap_texts(draw: st.DrawFn) -> str:
    """A figure, perhaps a word or two, a comparing word and "als"/"than" in any case; or pieces of that."""
    pieces = [
        draw(st.sampled_from(["12", "3,5 Millionen", "users", ""])),
        draw(st.sampled_from([" ", "  ", "", " Nutzer "])),
        draw(st.sampled_from(["mehr", "weniger", "more", "fewer", "über", "nothing", "多", ""])),
        draw(st.sampled_from([" ", "", ", "])),
        draw(st.sampled_from(["als", "than", "then", "also", ""])),
        draw(st.sampled_from(["", " 10", "s"])),
    ]
    return "".join(draw(st.sampled_from([p, p.upper(), p.title()])) for p in pieces)


@settings(max_examples=1000, deadline=None)
@given(text=gap_texts(), language=st.sampled_from([None, "de", "en"]))
def test_a_gap_is_what_the_gap_pattern_finds_after_a_figure(text: str, language: str | None) -> None:
    from ailedger.validate import numbers

    found = any(stated._GAP.match(text, end) for _, end, _ in numbers.located(text, language))
    assert stated.has_gap(text, language) == found
