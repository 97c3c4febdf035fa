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
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple

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
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_TOKEN = re.compile(r"[^\W_]+(?:\.[0-9]+)*", re.UNICODE)


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Case, spacing, hyphens and typographic marks folded away, for comparing names with quotes.

    Kept per text: every rule folds the same quotes and names again.
    """
    # " ".join(split()) is re.sub(r"\s+", " ", ...).strip(), faster: \s is str.isspace (tests/test_validate_stated.py)
    if text.isascii():  # NFKC keeps ASCII, casefold is lower, and the only ASCII marks are - _ /: no translate
        return " ".join(text.replace("-", " ").replace("_", " ").replace("/", " ").lower().split())
    return " ".join(unicodedata.normalize("NFKC", text).translate(_MARKS).casefold().split())


def names(name: str, quote: str) -> bool:
    """Whether ``quote`` names ``name`` (both as written; folding is done here).

    The folded name as a whole word: not inside another word or version ("GLM 5"
    is not in "GLM 50"); a trailing genitive s ("NVIDIAs", "Googles", "OpenAI's")
    still names it. A CJK name is found anywhere.
    """
    return next(_occurrences(fold(quote), (fold(name),), not _CJK.search(name)), None) is not None


def _occurrences(text: str, words: tuple[str, ...], whole: bool) -> Iterator[tuple[int, int]]:
    r"""(start, end) of each occurrence of ``words`` in ``text``, left to right and not overlapping.

    The words are separated by white space; with ``whole``, the occurrence
    stands as a whole word, perhaps with a genitive or plural s. This is what
    ``re.finditer`` finds with ``(?<![^\W_])w1\s+w2(?:'?s)?(?![^\W_]|\.[0-9])``
    (without ``whole``: ``w1\s+w2``), without compiling a pattern per name:
    a dataset of thousands of names spent more compiling than matching.
    """
    first, size = words[0], len(text)
    start = text.find(first)
    while start >= 0:
        end: int | None = _words_end(text, start + len(first), words[1:], size)
        if end is not None and whole:
            end = _whole_word_end(text, start, end)
        if end is None:
            start = text.find(first, start + 1)
            continue
        yield start, end
        start = text.find(first, end if end > start else start + 1)


def _words_end(text: str, end: int, words: tuple[str, ...], size: int) -> int | None:
    """Where ``words`` end when they follow ``text[:end]``, each after a run of white space; None if they do not."""
    for word in words:
        at = end
        while at < size and text[at].isspace():
            at += 1
        if at == end or not text.startswith(word, at):
            return None
        end = at + len(word)
    return end


def _whole_word_end(text: str, start: int, end: int) -> int | None:
    r"""Where a name found at ``text[start:end]`` ends as a whole word, with its s if it has one; else None.

    ``[^\W_]`` is ``str.isalnum`` and ``[0-9]`` the ASCII digits, as in Python's ``re``.
    """
    if start and text[start - 1].isalnum():
        return None
    for stop in (end + 2 if text.startswith("'s", end) else -1, end + 1 if text.startswith("s", end) else -1, end):
        if stop < 0 or (stop < len(text) and text[stop].isalnum()):
            continue
        if text.startswith(".", stop) and stop + 1 < len(text) and text[stop + 1] in _ASCII_DIGITS:
            continue
        return stop
    return None


_ASCII_DIGITS = frozenset("0123456789")


@lru_cache(maxsize=1 << 16)
def scripts(text: str) -> frozenset[str]:
    """ "cjk" and/or "latin": a name in one script cannot be looked for in a quote written only in the other."""
    out = set()
    if _CJK.search(text):
        out.add("cjk")
    if re.search(r"[^\W\d_]", _CJK.sub("", text)):
        out.add("latin")
    return frozenset(out)


def comparable(label: str, quotes: Iterable[str]) -> bool:
    """Whether the quotes are written in a script of ``label``.

    "示例一号" in an English article is its original-script name, not a name the article fails to state.
    """
    have: set[str] = set()
    for quote in quotes:
        have |= scripts(quote)
    return bool(scripts(label) & have)


@lru_cache(maxsize=1 << 16)
def tokens(text: str) -> frozenset[str]:
    """:func:`words`, kept per text: the rules ask again for each name they compare."""
    return words(text)


def words(text: str) -> frozenset[str]:
    """The words and numbers ("2.0") of the folded text; not kept (a bulk file's quotes would fill memory)."""
    folded = fold(text)
    if not folded.isascii():
        return frozenset(_TOKEN.findall(folded))
    # ASCII: a token never crosses a character other than [a-z0-9.], so each run of those is read alone,
    # and a run without a dot is one token (folded text has no capitals); a run per pattern search is slow
    runs = set(folded.encode().translate(_NOT_TOKEN_ASCII).decode().split())
    dotted = [run for run in runs if "." in run]
    runs.difference_update(dotted)
    for run in dotted:
        runs.update(_TOKEN.findall(run))
    return frozenset(runs)


_NOT_TOKEN_ASCII = bytes(c if chr(c).isalnum() or chr(c) == "." else 32 for c in range(256))


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


@lru_cache(maxsize=1 << 14)
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


def has_gap(quote: str, language: str | None = None) -> bool:
    """Whether some figure of the quote is a difference ("12 million more than").

    Where figures end does not depend on the language; passing the source's
    language reuses the reading :func:`figures` and the value checks make.
    """
    if quote.isascii() and not ("than" in (low := quote.lower()) or "als" in low):
        return False  # every difference names "als" or "than" (多 and 少 are not ASCII): no need to read figures
    return any(_GAP.match(quote, end) for _, end, _ in numbers.located(quote, language))


class Figure(NamedTuple):
    """A number of a quote: where it is, the values it may mean, and whose it is.

    A named tuple: a quote's figures are many, and a frozen dataclass took a microsecond to make each.
    """

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
    return list(_figures(quote, language, tuple(named)))


@lru_cache(maxsize=1 << 14)
def _figures(quote: str, language: str | None, named: tuple[tuple[str, int, int], ...]) -> tuple[Figure, ...]:
    """:func:`figures`, once per quote, language and names: every metric citing the quote asks again."""
    out = []
    low = quote.lower()
    gaps = not quote.isascii() or "than" in low or "als" in low  # as in has_gap: no difference without them
    for start, end, values in numbers.located(quote, language):
        if start and (
            quote[start - 1].isalpha() or (quote[start - 1] in "-." and start > 1 and quote[start - 2].isalnum())
        ):
            continue  # the 2 of "Rival-2", the 5 of "GLM-5": part of a name
        gap = gaps and _GAP.match(quote, end) is not None
        owner = None
        if named:
            owner = min(named, key=lambda n: n[1] - end if n[1] >= end else start - n[2] if n[2] <= start else 0)[0]
        out.append(Figure(quote[start:end], frozenset(values), gap, owner))
    return tuple(out)


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
        entries: list[tuple[int, str, tuple[str, ...], bool, list[str]]] = []
        for rid, labels in candidates.items():
            for label in labels:
                words = tuple(label.translate(_MARKS).lower().split())
                if words:
                    cjk = _CJK.search(label) is not None
                    keys = [] if cjk else [w for w in words if _RUN.fullmatch(w)]
                    entries.append((len(entries), rid, words, not cjk, keys))
        self._spans: dict[str, list[tuple[str, int, int]]] = {}
        often = Counter(w for *_, keys in entries for w in set(keys))
        self._by_word: dict[str, list[tuple[int, str, tuple[str, ...], bool]]] = {}
        self._others: list[tuple[int, str, tuple[str, ...], bool]] = []
        for order, rid, words, whole, keys in entries:
            if keys:
                self._by_word.setdefault(min(keys, key=lambda w: often[w]), []).append((order, rid, words, whole))
            else:
                self._others.append((order, rid, words, whole))

    def spans(self, quote: str) -> list[tuple[str, int, int]]:
        """(id, start, end) in ``quote`` of each name or alias, in the order of the index's records and names.

        Positions are found in the quote as written (case-insensitively,
        hyphens as spaces) so they line up with the figures' positions.
        Kept per quote, which every metric citing it asks for.
        """
        found = self._spans.get(quote)
        if found is None:
            found = self._spans[quote] = self._find(quote)
        return list(found)

    def _find(self, quote: str) -> list[tuple[str, int, int]]:
        plain = quote.translate(_MARKS).lower()
        # in ASCII, [^\W_] is a letter or digit: the runs are what is left between the other characters
        runs = set(plain.translate(_NOT_RUN_ASCII).split() if plain.isascii() else _RUN.findall(plain))
        runs |= {run[:-1] for run in runs if run.endswith("s")}
        tried = {entry[0]: entry for entry in self._others}
        for word in runs & self._by_word.keys():  # most words are no name's: looked up in one set operation
            tried.update((entry[0], entry) for entry in self._by_word[word])
        out = []
        for _, rid, words, whole in sorted(tried.values(), key=lambda entry: entry[0]):
            if all(word in plain for word in words):
                out += [(rid, start, end) for start, end in _occurrences(plain, words, whole)]
        return out


_RUN = re.compile(r"[^\W_]+")
_NOT_RUN_ASCII = {c: " " for c in range(128) if not chr(c).isalnum()}
"""A run of letters and digits: where a name's pattern may begin and end (it looks around for ``[^\\W_]``)."""


def meaning_key(name: str, developers: Iterable[str] = ()) -> str:
    """A name without its developer's name, spacing and version punctuation: "Zhipu GLM 5", "GLM-5", "GLM 5" agree.

    Empty when nothing is left ("DeepSeek" by DeepSeek): such a name says nothing beyond its developer.
    """
    folded = " " + fold(name) + " "
    for developer in sorted((fold(d) for d in developers), key=len, reverse=True):
        if developer:
            folded = re.sub(rf"(?<![^\W_]){re.escape(developer)}(?:'?s)?(?![^\W_])", " ", folded)
    return re.sub(r"[\W_]+", "", folded)
