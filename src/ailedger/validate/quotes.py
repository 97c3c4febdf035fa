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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MIN_QUOTE = 12
MIN_QUOTE_CJK = 6
"""Characters of a quote in Chinese, Japanese or Korean, where a word is a character or two."""

_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFC, every run of white space one space, no white space at the ends."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass(frozen=True, slots=True)
class SourceText:
    """A source's text file: its hash and its normalized text, read once per run."""

    path: Path
    sha256: str
    normalized: str

    @classmethod
    def read(cls, path: Path) -> SourceText:
        raw = path.read_bytes()
        return cls(path, hashlib.sha256(raw).hexdigest(), normalize(raw.decode("utf-8")))

    def contains(self, quote: str) -> bool:
        return normalize(quote) in self.normalized

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


class SourceTexts:
    """The source texts of one run, each read on first use; ``None`` for a source without a text file."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._read: dict[str, SourceText | None] = {}

    def get(self, source_id: str) -> SourceText | None:
        if source_id not in self._read:
            path = self.folder / f"{source_id}.txt" if self.folder else None
            self._read[source_id] = SourceText.read(path) if path and path.is_file() else None
        return self._read[source_id]


_CJK = re.compile("[\u3040-\u9fff\uac00-\ud7af]")
"""Kana, CJK ideographs and Hangul: a few of these characters say as much as a sentence."""


def shortest(quote: str) -> int:
    """The fewest characters a quote needs to pin down its passage ("the company" matches every article)."""
    return MIN_QUOTE_CJK if _CJK.search(quote) else MIN_QUOTE


def long_enough(quote: str) -> bool:
    return len(quote.strip()) >= shortest(quote)


_GRAM = 8
_BYTE_SPACE = re.compile(rb" ")


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
        """Whether each quote is in the text; one vectorized lookup for all of them."""
        import numpy as np

        needles = [normalize(q).encode("utf-8") for q in found]
        offsets = [_word_starts(n) for n in needles]
        owner = np.array([k for k, offs in enumerate(offsets) for _ in offs], dtype=np.int64)
        flat = np.array([o for offs in offsets for o in offs], dtype=np.int64)
        if len(flat):
            bases = np.cumsum([0] + [len(n) for n in needles])[:-1]
            data = np.frombuffer(b"".join(needles), dtype=np.uint8)
            keys = _grams(data, bases[owner] + flat)
            lo = np.searchsorted(self.grams, keys, side="left")
            hi = np.searchsorted(self.grams, keys, side="right")
        out = []
        first = 0
        for needle, offs in zip(needles, offsets):
            if not offs:
                out.append(needle in self.raw)
                continue
            span = slice(first, first + len(offs))
            first += len(offs)
            best = first - len(offs) + int(np.argmin((hi - lo)[span]))
            shift = int(flat[best])
            out.append(
                any(self.raw.startswith(needle, int(p) - shift) for p in self.starts[lo[best] : hi[best]] if p >= shift)
            )
        return out


def _word_starts(needle: bytes, most: int = 4) -> list[int]:
    """A few places in ``needle`` right after a space with 8 bytes to follow: candidates for the lookup."""
    starts = [m.end() for m in _BYTE_SPACE.finditer(needle, 0, len(needle) - _GRAM)]
    step = max(1, len(starts) // most)
    return starts[::step][:most]


def _grams(data: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The 8 bytes at each start, as one integer (starts are at least 8 bytes before the end)."""
    import numpy as np

    out = np.zeros(len(starts), dtype=np.uint64)
    for k in range(_GRAM):
        out |= data[starts + k].astype(np.uint64) << np.uint64(8 * k)
    return out
