"""Claims apart from facts: who a quote says a statement comes from.

"laut Unternehmensangaben", "wie es vonseiten des Unternehmens heißt",
"according to Examplecorp", "Examplecorp says", "soll", "据公司称": a sentence
written this way reports what someone asserts, and a fact field backed only by
such sentences is a claim dressed as a fact. The party is kept where the
words name it, because attribution to the measuring data provider or to a news
agency the citation names in ``via`` ("laut QuestMobile", "berichtet Reuters")
is how facts reach an article, while attribution to the company itself is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ailedger.validate.stated import fold

SELF = "the company"
"""The party of phrases that name no one but the company the sentence is about."""

_NAME = r"(?P<party>[A-ZÄÖÜ][\w.&-]*(?:\s+[A-Z][\w.&-]*){0,2})"
_PHRASES: list[re.Pattern[str]] = [
    # the company itself, unnamed
    re.compile(
        r"(?<![^\W_])(?:"
        r"laut (?:eigenen )?(?:unternehmensangaben|angaben des unternehmens|dem unternehmen)"
        r"|vonseiten des unternehmens|seitens des unternehmens|unternehmensmitteilung"
        r"|nach (?:eigenen )?angaben(?: des unternehmens)?"
        r"|according to the company|the company (?:says|said|claims|claimed|states|stated)|company claims"
        r"|据(?:该)?公司(?:称|表示|介绍)|公司(?:称|声称|宣称|表示)"
        r")(?![^\W_])",
        re.IGNORECASE,
    ),
    # a named party
    re.compile(
        rf"(?<![^\W_])(?i:laut|according to|wie es von|wie|nach angaben von)\s+"
        rf"(?:(?i:the|dem|der|des)\s+(?:[a-z][\w-]*\s+){{0,3}}?)?{_NAME}"
    ),
    re.compile(rf"(?<![^\W_])(?i:gab)\s+{_NAME}\s+an(?![^\W_])"),
    re.compile(
        rf"(?<![^\W_]){_NAME}\s+"
        r"(?:says|said|claims|claimed|states|stated|gab an|teilte mit|erklärte|behauptet)(?![^\W_])"
    ),
    re.compile(r"据(?P<party>[^\s，。、]{1,12}?)(?:称|表示|介绍|报道)"),
    # reported speech with no one named
    re.compile(
        r"(?<![^\W_])(?P<hearsay>soll(?:en|te|ten)?|angeblich|reportedly|allegedly|purportedly|声称|宣称|号称)(?![^\W_])",
        re.IGNORECASE,
    ),
]
_NOT_PARTIES = frozenset(
    {"der", "die", "das", "den", "dem", "des", "the", "a", "an", "es", "er", "sie", "this", "that", "it", "in", "im"}
)


_ASCII_CUES = (
    "laut", "seiten", "unternehmensmitteilung", "nach", "according", "company", "wie", "gab", "says", "said",
    "claim", "state", "teilte", "behauptet", "soll", "angeblich", "reportedly", "allegedly", "purportedly",
)
"""A word (lower case) every phrase above holds when written in ASCII ("vonseiten" and "seitens" hold "seiten"):
in an ASCII quote, the case-insensitive letters match only their ASCII cases, so a quote with none has no phrase."""


@dataclass(frozen=True, slots=True)
class Attribution:
    """A phrase that reports a statement as someone's: the words, and the party (or SELF, or None)."""

    text: str
    party: str | None


@lru_cache(maxsize=1 << 14)
def attributions(quote: str) -> tuple[Attribution, ...]:
    """Every attribution phrase of ``quote``; the named party as written, SELF, or None for hearsay.

    Kept per quote: each field a quote supports asks again.
    """
    if quote.isascii() and not any(map(quote.lower().__contains__, _ASCII_CUES)):
        return ()  # ten times faster than trying the patterns, and most quotes of a series are plain ASCII
    return _read(quote)


def _read(quote: str) -> tuple[Attribution, ...]:
    out: list[Attribution] = []
    taken: list[tuple[int, int]] = []
    for i, pattern in enumerate(_PHRASES):
        for m in pattern.finditer(quote):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append(m.span())
            groups = m.groupdict()
            if i == 0:
                out.append(Attribution(m.group(0), SELF))
            elif groups.get("hearsay"):
                out.append(Attribution(m.group(0), None))
            else:
                party = (groups.get("party") or "").strip()
                if not party or fold(party).split()[0] in _NOT_PARTIES:
                    continue
                out.append(Attribution(m.group(0), party))
    return tuple(out)


_CONFIRMED = re.compile(
    r"(?i:independent\w*|unabhängig\w*|third[- ]party|externe?n?)\W+(?:\w+\W+){0,6}?"
    r"(?i:confirm\w*|verif\w*|bestätigt\w*|überprüft\w*|nachgewiesen)"
    r"|(?i:confirm\w*|verif\w*|bestätigt\w*)\W+(?:\w+\W+){0,6}?(?i:independent\w*|unabhängig\w*)"
    r"|独立\w{0,8}(?:证实|验证|确认)"
)


def confirms(quote: str) -> str | None:
    """The words by which a quote says an independent party confirmed the statement, or None."""
    found = _CONFIRMED.search(quote)
    return found.group(0) if found else None
