"""Text hygiene: what a stranger's text may hold before it is published.

Invisible and direction-changing characters make a reviewer read something
other than what ships (the "Trojan Source" class, CVE-2021-42574), and a
Cyrillic letter inside a Latin name makes two records look like one. Records
are therefore refused when their text holds control, bidi or zero-width
characters, when it is not in NFC, and, for names, when a word mixes scripts in
a confusable way. Every message names the code point, so the fix is obvious
even when the character is invisible in the editor.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator

from ailedger.validate.diagnostics import Severity

SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone surrogate: text Python holds that no UTF-8 file can (JSON and YAML escapes can write one)."""
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
JOINERS = frozenset("\u200c\u200d")  # ZWNJ, ZWJ: needed by Indic and Arabic scripts and emoji sequences
LINE_BREAKS = frozenset("\n\t")
_WORD = re.compile(r"\S+")


def codepoint(ch: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: how a message names a character the reader cannot see."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}".rstrip()


def _joiner_needed(text: str, i: int) -> bool:
    """A joiner between two non-ASCII letters or symbols may be part of the script; around ASCII it only hides."""
    before, after = text[i - 1 : i], text[i + 1 : i + 2]
    return bool(before and after) and not before.isascii() and not after.isascii()


def problems(text: str, *, name: bool = False, prose: bool = False) -> Iterator[tuple[str, Severity, str]]:
    """(code, severity, message) for each problem of ``text``.

    ``name`` applies the stricter rules of names (no unusual spaces, no
    confusable mixed scripts); ``prose`` allows line breaks and tabs, which
    quotes and the curator's sentences may hold and one-line values may not.
    """
    printable = (text.replace("\n", " ").replace("\t", " ") if prose else text).isprintable()
    if printable and (text.isascii() or unicodedata.is_normalized("NFC", text)):
        # No control, format or unusual space character (str.isprintable refuses all of them) and already NFC:
        # only a name's mixed scripts are left to check, and an ASCII word has a single script.
        if name and not text.isascii():
            yield from _confusable(text)
        return
    first: dict[str, str] = {}
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if ch in BIDI_CONTROLS:
            first.setdefault("text.bidi-control", ch)
        elif cat == "Cc" and not (prose and ch in LINE_BREAKS):
            first.setdefault("text.control-char", ch)
        elif cat == "Cf" and not (ch in JOINERS and _joiner_needed(text, i)):
            first.setdefault("text.invisible-char", ch)
        elif name and cat == "Zs" and ch != " ":
            first.setdefault("text.unusual-space", ch)
    if "text.bidi-control" in first:
        yield (
            "text.bidi-control",
            "error",
            (
                f"holds the direction control {codepoint(first['text.bidi-control'])}, which makes the text display in "
                "another order than it is stored; remove it"
            ),
        )
    if "text.control-char" in first:
        yield (
            "text.control-char",
            "error",
            f"holds the control character {codepoint(first['text.control-char'])}; remove it",
        )
    if "text.invisible-char" in first:
        yield (
            "text.invisible-char",
            "error",
            f"holds the invisible character {codepoint(first['text.invisible-char'])}; remove it",
        )
    if "text.unusual-space" in first:
        yield (
            "text.unusual-space",
            "warning",
            f"holds {codepoint(first['text.unusual-space'])} instead of a plain space; write a plain space",
        )
    nfc = unicodedata.normalize("NFC", text)
    if nfc != text:
        at = next(i for i, (a, b) in enumerate(zip(text, nfc + "\0")) if a != b)
        yield (
            "text.not-nfc",
            "error",
            (
                f"is not in Unicode NFC from character {at + 1} on ({codepoint(text[at])}); save it composed, as "
                f"{nfc[at : at + 1]!r} ({codepoint(nfc[at])})"
            ),
        )
    if name:
        yield from _confusable(nfc)


def _confusable(text: str) -> Iterator[tuple[str, Severity, str]]:
    """A word whose letters come from several scripts, one of them posing as a letter of the main one."""
    from confusable_homoglyphs import categories, confusables

    for word in _WORD.findall(text):
        scripts = Counter(categories.alias(ch) for ch in word)
        scripts.pop("COMMON", None)
        scripts.pop("INHERITED", None)
        if len(scripts) < 2:
            continue
        main = scripts.most_common(1)[0][0]
        found = confusables.is_confusable(word, greedy=True, preferred_aliases=[main.lower()]) or []
        for hit in found:
            if hit["alias"] in ("COMMON", main):
                continue
            look = hit["homoglyphs"][0]["c"]
            yield (
                "name.mixed-script-confusable",
                "error",
                (
                    f"the word {word!r} mixes {main.title()} with {codepoint(hit['character'])}, which looks like "
                    f"{look!r}; "
                    f"type the {main.title()} letter"
                ),
            )
            break


def fold(text: str) -> str:
    """The key under which two names count as the same: NFKC, case-folded, without spaces, hyphens or underscores.

    Folding makes ``ＢｙｔｅＤａｎｃｅ``, ``Byte Dance`` and ``bytedance`` one name, so a
    second record for the same thing is caught whichever spelling it uses.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return "".join(ch for ch in folded if not (ch.isspace() or unicodedata.category(ch) == "Pd" or ch == "_"))
