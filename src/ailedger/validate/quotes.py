"""Checking that a quote is a verbatim span of its source text.

The match ignores only what a copy-paste legitimately changes: runs of white
space (line breaks, non-breaking spaces) and the Unicode normal form. Letters,
digits, punctuation and case must be as in the source; a quote stitched from
words that are not adjacent does not match.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

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
