"""Whether a quote states the value it supports: names, references, the kind of a metric, its figure.

A quote proves a field only if the field's value can be read in it. Names are
compared after folding what copying and typesetting change (case, spacing,
hyphens, typographic quotes and dashes, NFKC), so "GLM-5" is named by "GLM 5"
and "NVIDIA" by "NVIDIA-GPUs" or the genitive "NVIDIAs", but "GLM 6" is not
named by "GLM 5". News prose refers back ("das Modell", "the company",
"die Nachrichtenagentur"): a quote with such a word states a reference when
another quote of the same record names the record it refers to, so the
antecedent is on file too. A name the text only puts together ("Die
Pro-Version" of "Doubao 2.0") is stated when every word of it stands in the
quotes that support it.

These are pure functions of strings, shared by the per-record rule and the
column checks of bulk files.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ailedger.validate import numbers

# Typographic marks a copy or a typesetter swaps for plain ones, and the hyphens and dashes that
# join or split a name ("GLM-5", "GLM 5", "GLM–5").
_MARKS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "-": " ",
        "\u2010": " ",
        "\u2011": " ",
        "\u2012": " ",
        "\u2013": " ",
        "\u2014": " ",
        "\u2212": " ",
        "_": " ",
        "/": " ",
    }
)
_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_TOKEN = re.compile(r"[^\W_]+(?:\.[0-9]+)*", re.UNICODE)


def fold(text: str) -> str:
    """Case, spacing, hyphens and typographic marks folded away, for comparing names with quotes."""
    text = unicodedata.normalize("NFKC", text).translate(_MARKS).casefold()
    return _SPACES.sub(" ", text).strip()


def _pattern(name: str) -> re.Pattern[str]:
    """A folded name as a whole word: not inside another word or version ("GLM 5" is not in "GLM 50").

    A trailing genitive s ("NVIDIAs", "Googles", "OpenAI's") still names it.
    """
    folded = re.escape(fold(name))
    if _CJK.search(name):
        return re.compile(folded)
    return re.compile(rf"(?<![^\W_]){folded}(?:'?s)?(?![^\W_]|\.[0-9])")


_PATTERNS: dict[str, re.Pattern[str]] = {}


def names(name: str, quote: str) -> bool:
    """Whether ``quote`` names ``name`` (both as written; folding is done here)."""
    pattern = _PATTERNS.get(name)
    if pattern is None:
        pattern = _PATTERNS[name] = _pattern(name)
    return pattern.search(fold(quote)) is not None


def scripts(text: str) -> set[str]:
    """ "cjk" and/or "latin": a name in one script cannot be looked for in a quote written only in the other."""
    out = set()
    if _CJK.search(text):
        out.add("cjk")
    if re.search(r"[^\W\d_]", _CJK.sub("", text)):
        out.add("latin")
    return out


def comparable(label: str, quotes: Iterable[str]) -> bool:
    """Whether the quotes are written in a script of ``label``.

    "示例一号" in an English article is its original-script name, not a name the article fails to state.
    """
    have: set[str] = set()
    for quote in quotes:
        have |= scripts(quote)
    return bool(scripts(label) & have)


def tokens(text: str) -> set[str]:
    return set(_TOKEN.findall(fold(text)))


def composed(name: str, quotes: Iterable[str]) -> bool:
    """Every word of ``name`` stands in the quotes together ("Doubao 2.0" in one, "Pro-Version" in another)."""
    wanted = tokens(name)
    have: set[str] = set()
    for quote in quotes:
        have |= tokens(quote)
    return bool(wanted) and wanted <= have


# Words that refer back to a record named elsewhere, by the table they point into.
_ANAPHORS = {
    "models": re.compile(
        r"(?<![^\W_])(?:(?:das|des|dem|den|dieses?|seinem|seines|sein|ihr(?:em|es)?) (?:ki )?modells?|pro version"
        r"|the model|this model|its model|the app|die app|der app|该模型|此模型|这款模型)(?![^\W_])"
    ),
    "organizations": re.compile(
        r"(?<![^\W_])(?:(?:das|des|dem|dieses?) unternehmens?|unternehmensangaben|unternehmensmitteilung"
        r"|angaben des unternehmens|(?:die|der) nachrichtenagentur|the company|the firm|the agency|the news agency"
        r"|the developer|der hersteller|des herstellers|该公司|公司)(?![^\W_])"
    ),
}


def refers_back(table: str, quote: str) -> bool:
    pattern = _ANAPHORS.get(table)
    return pattern is not None and pattern.search(fold(quote)) is not None


def closest_words(name: str, quote: str) -> str | None:
    """The run of words in ``quote`` most like ``name``, to show what the quote does say."""
    import difflib

    words = quote.split()
    size = max(1, len(name.split()))
    best, score = None, 0.0
    for i in range(len(words) - size + 1):
        window = " ".join(words[i : i + size]).strip(",.;:()\"'„“”")
        ratio = difflib.SequenceMatcher(None, fold(window), fold(name)).ratio()
        if ratio > score:
            best, score = window, ratio
    return best if score >= 0.5 else None


# --- the kind of a metric ----------------------------------------------------------------------------

_METRIC_LATIN = {
    "daily_active_users": r"täglich\w*|pro tag|je tag|am tag|daily|per day|a day|each day|dau",
    "weekly_active_users": r"wöchentlich\w*|pro woche|je woche|in der woche|weekly|per week|a week|each week|wau",
    "monthly_active_users": r"monatlich\w*|pro monat|je monat|im monat|monthly|per month|a month|each month|mau",
    "downloads": r"download\w*|heruntergeladen|installationen|installs?",
    "paying_users": r"zahlende\w*|abonnent\w*|paying|paid users|subscribers?",
}
_METRIC_CJK = {
    "daily_active_users": "日活|每日|每天|日均",
    "weekly_active_users": "周活|週活|每周|每週",
    "monthly_active_users": "月活|每月",
    "downloads": "下载|下載",
    "paying_users": "付费|付費",
}
METRIC_WORDS: dict[str, re.Pattern[str]] = {
    metric: re.compile(rf"(?<![^\W_])(?:{latin})(?![^\W_])|{_METRIC_CJK[metric]}")
    for metric, latin in _METRIC_LATIN.items()
}


def metric_words(metric: str, quote: str) -> str | None:
    """The words of ``quote`` that state ``metric``, or None."""
    pattern = METRIC_WORDS.get(metric)
    found = pattern.search(fold(quote)) if pattern is not None else None
    return found.group(0) if found else None


def metric_spoken_of(quote: str) -> list[tuple[str, str]]:
    """(metric, words) for each kind of count the quote does speak of."""
    out = []
    for metric, pattern in METRIC_WORDS.items():
        found = pattern.search(fold(quote))
        if found:
            out.append((metric, found.group(0)))
    return out


# --- whose figure a number is ------------------------------------------------------------------------

# A figure followed by these is a difference between two counts, not a count: "23 Millionen weniger
# als", "12 million more than", "多1200万".
_GAP = re.compile(
    r"\s*(?:\w+\s+){0,2}?(?:weniger|mehr|fewer|more|less|higher|lower|über|unter|above|below)\s+(?:als|than)\b|\s*(?:多|少)",
    re.IGNORECASE,
)


def has_gap(quote: str) -> bool:
    """Whether some figure of the quote is a difference ("12 million more than")."""
    return any(_GAP.match(quote, end) for _, end, _ in numbers.located(quote))


@dataclass(frozen=True, slots=True)
class Figure:
    """A number of a quote: where it is, the values it may mean, and whose it is."""

    text: str
    values: frozenset[int]
    gap: bool
    owner: str | None
    """Id of the nearest record named in the quote, when figures of more than one record could be meant."""


def figures(quote: str, language: str | None, named: Sequence[tuple[str, int, int]]) -> list[Figure]:
    """The quote's figures, each given to the nearest named record.

    ``named`` holds (record id, start, end) of the names found in the quote,
    among the records a figure of this kind could belong to.
    """
    out = []
    for start, end, values in numbers.located(quote, language):
        if start and (
            quote[start - 1].isalpha() or (quote[start - 1] in "-." and start > 1 and quote[start - 2].isalnum())
        ):
            continue  # the 2 of "Rival-2", the 5 of "GLM-5": part of a name
        gap = _GAP.match(quote, end) is not None
        owner = None
        if named:
            owner = min(named, key=lambda n: n[1] - end if n[1] >= end else start - n[2] if n[2] <= start else 0)[0]
        out.append(Figure(quote[start:end], frozenset(values), gap, owner))
    return out


class NameIndex:
    """The names of many records (id -> names and aliases), to find those a quote names without trying each one.

    A metric's quote is matched against every record of its subject's table,
    so trying every name's pattern on every quote grows with the square of the
    dataset. Each word of a name that is letters and digits only can match
    only where the quote has it as a whole run of letters and digits (the last
    one perhaps with an ``s``), so a name is tried only where its rarest such
    word is in the quote; CJK names and names without such a word are tried
    whenever all their words occur.
    """

    def __init__(self, candidates: dict[str, list[str]]) -> None:
        entries: list[tuple[int, str, tuple[str, ...], str, list[str]]] = []
        for rid, labels in candidates.items():
            for label in labels:
                words = _label_words(label)
                if words:
                    keys = [] if _CJK.search(label) else [w for w in words if _RUN.fullmatch(w)]
                    entries.append((len(entries), rid, words, label, keys))
        often = Counter(w for *_, keys in entries for w in set(keys))
        # A name's pattern is compiled only when a quote holds all its words: compiling 50,000 aliases' patterns
        # up front cost seconds for names no quote has.
        self._by_word: dict[str, list[tuple[int, str, tuple[str, ...], str]]] = {}
        self._others: list[tuple[int, str, tuple[str, ...], str]] = []
        for order, rid, words, label, keys in entries:
            if keys:
                self._by_word.setdefault(min(keys, key=lambda w: often[w]), []).append((order, rid, words, label))
            else:
                self._others.append((order, rid, words, label))

    def spans(self, quote: str) -> list[tuple[str, int, int]]:
        """(id, start, end) in ``quote`` of each name or alias, in the order of the index's records and names.

        Positions are found in the quote as written (case-insensitively,
        hyphens as spaces) so they line up with the figures' positions.
        """
        plain = quote.translate(_MARKS).lower()
        tried = {entry[0]: entry for entry in self._others}
        for run in set(_RUN.findall(plain)):
            for word in (run, run[:-1]) if run.endswith("s") else (run,):
                tried.update((entry[0], entry) for entry in self._by_word.get(word, ()))
        out = []
        for _, rid, words, label in sorted(tried.values(), key=lambda entry: entry[0]):
            if all(word in plain for word in words):
                out += [(rid, m.start(), m.end()) for m in _label_pattern(label).finditer(plain)]
        return out


_RUN = re.compile(r"[^\W_]+")
"""A run of letters and digits: where a name's pattern may begin and end (it looks around for ``[^\\W_]``)."""


def _label_words(label: str) -> tuple[str, ...]:
    """A name's words as :class:`NameIndex` compares them: marks as spaces, lower case."""
    return tuple(label.translate(_MARKS).lower().split())


@lru_cache(maxsize=1 << 16)
def _label_pattern(label: str) -> re.Pattern[str]:
    """The pattern :class:`NameIndex` finds a name by (a name with words)."""
    body = r"\s+".join(map(re.escape, _label_words(label)))
    return re.compile(body if _CJK.search(label) else rf"(?<![^\W_]){body}(?:'?s)?(?![^\W_]|\.[0-9])")


def meaning_key(name: str, developers: Iterable[str] = ()) -> str:
    """A name without its developer's name, spacing and version punctuation: "Zhipu GLM 5", "GLM-5", "GLM 5" agree.

    Empty when nothing is left ("DeepSeek" by DeepSeek): such a name says nothing beyond its developer.
    """
    folded = " " + fold(name) + " "
    for developer in sorted((fold(d) for d in developers), key=len, reverse=True):
        if developer:
            folded = re.sub(rf"(?<![^\W_]){re.escape(developer)}(?:'?s)?(?![^\W_])", " ", folded)
    return re.sub(r"[\W_]+", "", folded)
