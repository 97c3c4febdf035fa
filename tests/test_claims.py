"""``claims.attributions``: its shortcut for plain ASCII quotes finds what the patterns find."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ailedger.validate import claims

PHRASES = [
    "laut Unternehmensangaben", "vonseiten des Unternehmens", "seitens des Unternehmens", "Unternehmensmitteilung",
    "nach eigenen Angaben", "according to the company", "the company says", "company claims", "laut", "according to",
    "wie es von", "wie", "nach Angaben von", "gab", "an", "says", "said", "claimed", "states", "stated", "gab an",
    "teilte mit", "behauptet", "soll", "sollten", "angeblich", "reportedly", "allegedly", "purportedly", "Examplecorp",
    "Questmobile", "der", "the", "12 million users", "据公司称", "erklärte",
]


@st.composite
def quotes(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(PHRASES), max_size=8))
    cased = [draw(st.sampled_from([w, w.upper(), w.lower(), w.title()])) for w in words]
    return draw(st.sampled_from([" ", ", ", " - "])).join(cased)


@settings(max_examples=1000, deadline=None)
@given(quote=quotes())
def test_the_ascii_shortcut_finds_what_the_patterns_find(quote: str) -> None:
    assert claims.attributions(quote) == claims._read(quote)


def test_a_plain_ascii_quote_has_no_attribution_and_a_phrase_is_found() -> None:
    assert claims.attributions("app-0000, daily active users: 2021-01-01 38518415") == ()
    assert [a.party for a in claims.attributions("Examplecorp says it has 12 million users")] == ["Examplecorp"]
    assert [a.party for a in claims.attributions("VONSEITEN DES UNTERNEHMENS hieß es")] == [claims.SELF]
