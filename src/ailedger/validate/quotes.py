"""Checking that a quote is a verbatim span of its source text.

The match ignores only what a copy-paste legitimately changes: runs of white
space (line breaks, non-breaking spaces) and the Unicode normal form. Letters,
digits, punctuation and case must be as in the source; a quote stitched from
words that are not adjacent does not match.

Bulk files check many quotes against one text at a time, so a text also gets a
:class:`SpanIndex` that looks them all up in one vectorized pass.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ailedger.texts import Store

if TYPE_CHECKING:
    import numpy as np

MIN_QUOTE = 12
MIN_QUOTE_CJK = 6
"""Characters of a quote in Chinese, Japanese or Korean, where a word is a character or two."""


def normalize(text: str) -> str:
    """NFC, every run of white space one space, no white space at the ends."""
    return " ".join(unicodedata.normalize("NFC", text).split())  # split() breaks where \s+ does: str.isspace


@dataclass(frozen=True, slots=True)
class SourceText:
    """A source's text file: its hash and its normalized text, read once per run."""

    path: Path
    sha256: str
    normalized: str
    _contains: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)
    """Answers of :meth:`contains` so far: each rule asks whether a quote is in its source again."""

    @classmethod
    def read(cls, path: Path) -> SourceText:
        raw = path.read_bytes()
        return cls(path, hashlib.sha256(raw).hexdigest(), normalize(raw.decode("utf-8")))

    def contains(self, quote: str) -> bool:
        found = self._contains.get(quote)
        if found is None:
            found = self._contains[quote] = normalize(quote) in self.normalized
        return found

    def closest(self, quote: str) -> tuple[str, float]:
        """The source span that best matches ``quote`` and the share of the quote it covers.

        Shown to a contributor whose quote does not match, so the typo is easy to find.
        """
        q = normalize(quote)
        matcher = difflib.SequenceMatcher(None, self.normalized, q, autojunk=False)
        best = matcher.find_longest_match(0, len(self.normalized), 0, len(q))
        start = max(0, best.a - best.b)
        span = self.normalized[start : start + len(q)]
        ratio = difflib.SequenceMatcher(None, span, q, autojunk=False).ratio()
        return span, ratio

    def departure(self, quote: str) -> Departure:
        """The closest passage, aligned with the quote, and where the two first part.

        The whole passage is kept (a quote is at most 300 characters), so a
        difference late in a long quote is shown, not cut off.
        """
        q = normalize(quote)
        matcher = difflib.SequenceMatcher(None, self.normalized, q, autojunk=False)
        best = matcher.find_longest_match(0, len(self.normalized), 0, len(q))
        left = max(0, best.a - best.b - PAD)
        window = self.normalized[left : best.a - best.b + len(q) + PAD]
        aligned = difflib.SequenceMatcher(None, window, q, autojunk=False)
        blocks = [b for b in aligned.get_matching_blocks() if b.size]
        start = max(0, blocks[0].a - blocks[0].b) if blocks else 0
        end = (
            min(len(window), blocks[-1].a + blocks[-1].size + len(q) - blocks[-1].b - blocks[-1].size)
            if blocks
            else len(q)
        )
        passage = window[start:end]
        ratio = difflib.SequenceMatcher(None, passage, q, autojunk=False).ratio()
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, passage, q, autojunk=False).get_opcodes():
            if tag != "equal":
                return Departure(passage, ratio, i1, i2, q, j1, j2)
        return Departure(passage, ratio, len(passage), len(passage), q, len(q), len(q))


class SourceTexts:
    """The source texts of one run, each read on first use; ``None`` for a source without a text in the store.

    ``hashes`` (source id to the SHA-256 its record names) is how the cache,
    which keeps texts by hash, finds them; a plain folder finds them by id.
    """

    def __init__(self, store: Path | Store | None, hashes: Mapping[str, str] | None = None) -> None:
        store = Store.plain(store) if isinstance(store, Path) else store
        self.store = store
        self.hashes = hashes or {}
        self._read: dict[str, SourceText | None] = {}

    def path(self, source_id: str) -> Path | None:
        if self.store is None or not (self.store.by_id or source_id in self.hashes):
            return None
        return self.store.path(source_id, self.hashes.get(source_id, ""))

    def get(self, source_id: str) -> SourceText | None:
        if source_id not in self._read:
            path = self.path(source_id)
            self._read[source_id] = SourceText.read(path) if path and path.is_file() else None
        return self._read[source_id]


_CJK = re.compile("[\u3040-\u9fff\uac00-\ud7af]")
"""Kana, CJK ideographs and Hangul: a few of these characters say as much as a sentence."""


def shortest(quote: str) -> int:
    """The fewest characters a quote needs to pin down its passage ("the company" matches every article)."""
    return MIN_QUOTE if quote.isascii() else MIN_QUOTE_CJK if _CJK.search(quote) else MIN_QUOTE


def long_enough(quote: str) -> bool:
    return len(quote.strip()) >= shortest(quote)


_GRAM = 8
_TRIED = 4


@dataclass(slots=True)
class SpanIndex:
    """Where each word of a source text starts, sorted by its first 8 bytes, to find many quotes without a scan each.

    A quote is a substring of the text exactly when its UTF-8 bytes are a
    substring of the text's; a word of the quote (after one of its spaces) starts
    where a word of the text starts, so only those places need indexing. The
    index only proposes where to compare; the comparison is on the bytes.
    numpy is imported on first use: YAML-only runs never need it.
    """

    raw: bytes
    grams: np.ndarray = field(repr=False)
    starts: np.ndarray = field(repr=False)

    @classmethod
    def of(cls, source: SourceText) -> SpanIndex:
        import numpy as np

        raw = source.normalized.encode("utf-8")
        data = np.frombuffer(raw, dtype=np.uint8)
        starts = np.flatnonzero(data[:-_GRAM] == 0x20).astype(np.int64) + 1
        grams = _grams(data, starts)
        order = np.argsort(grams)
        return cls(raw, grams[order], starts[order])

    def contains_all(self, found: list[str]) -> list[bool]:
        """Whether each quote is in the text; one vectorized lookup for all of them.

        Every word start of every quote is looked up at once; per quote, the one
        whose first 8 bytes the text has least often gives the places to compare.
        """
        import numpy as np

        needles = [normalize(q).encode("utf-8") for q in found]
        sizes = np.fromiter(map(len, needles), dtype=np.int64, count=len(needles))
        ends = np.cumsum(sizes)
        data = np.frombuffer(b"".join(needles), dtype=np.uint8)
        spaces = np.flatnonzero(data == 0x20)
        owner = np.searchsorted(ends, spaces, side="right")
        keep = spaces + 1 + _GRAM <= ends[owner]  # a word start with 8 bytes of its quote after it
        owner, starts = owner[keep], spaces[keep] + 1
        # at most 4 of each quote's word starts, evenly spread: enough to find a rare one, a tenth of the lookups
        count = np.bincount(owner, minlength=len(needles))
        rank = np.arange(len(owner)) - (np.cumsum(count) - count)[owner]
        step = np.maximum(1, count // _TRIED)[owner]
        keep = (rank % step == 0) & (rank // step < _TRIED)
        owner, starts = owner[keep], starts[keep]
        keys = _grams(data, starts)
        lo = np.searchsorted(self.grams, keys, side="left")
        hi = np.searchsorted(self.grams, keys, side="right")
        order = np.lexsort((hi - lo, owner))  # by quote, then by how often the text has the 8 bytes
        firsts = order[np.r_[True, owner[order][1:] != owner[order][:-1]]] if len(order) else order
        shifts = starts - (ends - sizes)[owner]
        out: list[bool | None] = [None] * len(needles)
        for k, a, b, shift in zip(*(column[firsts].tolist() for column in (owner, lo, hi, shifts))):
            out[k] = any(self.raw.startswith(needles[k], p - shift) for p in self.starts[a:b].tolist() if p >= shift)
        # a quote without such a word start is short: searched for in the whole text
        return [needle in self.raw if found is None else found for needle, found in zip(needles, out)]


def _grams(data: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The 8 bytes at each start, as one integer (starts are at least 8 bytes before the end)."""
    import numpy as np

    out = np.zeros(len(starts), dtype=np.uint64)
    for k in range(_GRAM):
        out |= data[starts + k].astype(np.uint64) << np.uint64(8 * k)
    return out


PAD = 12
_KINDS = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "a typographic apostrophe or single quote"),
    **dict.fromkeys("\u201c\u201d\u201e\u00ab\u00bb\u2033", "a typographic double quote"),
    "'": "a straight apostrophe",
    '"': "a straight double quote",
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "a dash"),
    "-": "a hyphen-minus",
    **dict.fromkeys("\u00a0\u202f\u2007\u2009\u200a\u2002\u2003", "a special space"),
    " ": "a space",
}


def _named(text: str) -> str:
    import unicodedata as ud

    if len(text) == 1:
        kind = _KINDS.get(text)
        label = f"U+{ord(text):04X} {ud.name(text, '')}".rstrip()
        return f"{text} ({label}{', ' + kind if kind else ''})"
    return f'"{text}"' if text else "nothing"


@dataclass(frozen=True, slots=True)
class Departure:
    """The closest passage of the source and the first place the quote parts from it."""

    passage: str
    ratio: float
    start: int
    """Where in ``passage`` the difference begins; ``end`` is where it ends."""
    end: int
    quote: str
    at: int
    """Where in the (normalized) quote the difference begins; ``until`` is where it ends."""
    until: int

    def marked(self) -> str:
        return f"{self.passage[: self.start]}«{self.passage[self.start : self.end]}»{self.passage[self.end :]}"

    def difference(self) -> str:
        """What differs, naming typographic-versus-straight quotes, dashes and spaces; else the words that differ."""
        text, quoted = self.passage[self.start : self.end], self.quote[self.at : self.until]
        if len(text) <= 1 and len(quoted) <= 1 and (text in _KINDS or quoted in _KINDS):
            return f"the quote has {_named(quoted)} where the text has {_named(text)}"
        ours, theirs = _word(self.quote, self.at, self.until), _word(self.passage, self.start, self.end)
        return f'the quote has "{ours}" where the text has "{theirs}"'


def _word(text: str, start: int, end: int) -> str:
    """The words around text[start:end], so a one-letter typo is seen in its word."""
    left = text.rfind(" ", 0, start) + 1
    right = text.find(" ", end)
    return text[left : right if right != -1 else len(text)]
