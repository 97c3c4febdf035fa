"""Text hygiene (ailedger.validate.text): what a stranger's text may hold, names held to stricter rules."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from ailedger.validate.text import BIDI_CONTROLS, fold, problems


def codes(text: str, **kind: bool) -> list[str]:
    return [code for code, _, _ in problems(text, **kind)]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Doubao\u202e2026", "text.bidi-control"),
        ("Doubao\u2066x", "text.bidi-control"),
        ("Byte\u200bDance", "text.invisible-char"),
        ("Byte\u00adDance", "text.invisible-char"),
        ("Byte\u2060Dance", "text.invisible-char"),
        ("Byte\u200dDance", "text.invisible-char"),  # a joiner between Latin letters only hides
        ("Byte\x1b[31mDance", "text.control-char"),
        ("Byte\nDance", "text.control-char"),
        ("Mistral Le Chat e\u0301", "text.not-nfc"),
    ],
)
def test_refused_in_names(text: str, code: str) -> None:
    assert code in codes(text, name=True)


@pytest.mark.parametrize(
    "text",
    [
        "豆包",
        "通义千问",
        "Qwen千问",
        "ディープシーク",
        "Doubao 2.0 Pro",
        "Zhipu AI",
        "Ωmega Labs",
        "क्‍ष",
        "👩‍💻 Coder",
        "Mistral Le Chat é",
    ],
)
def test_real_names_pass(text: str) -> None:
    assert codes(text, name=True) == []


def test_line_breaks_only_in_prose() -> None:
    assert codes("first line\nsecond line", prose=True) == []
    assert codes("first line\nsecond line") == ["text.control-char"]


def test_printable_text_holds_no_character_the_rules_flag() -> None:
    """``problems`` skips its per-character scan for text ``str.isprintable`` accepts.

    That is exact only while, in this Python's Unicode version, every
    character the scan flags (controls, format and bidi characters, spaces
    other than U+0020) is one ``isprintable`` refuses.
    """
    flagged = [
        ch
        for ch in map(chr, range(sys.maxunicode + 1))
        if ch.isprintable()
        and (ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cf", "Zs"))
        and ch != " "
    ]
    assert flagged == []


def test_prose_with_tabs_and_composed_text_outside_ascii() -> None:
    assert codes("Zeile eins\n\tZeile zwei: Geschäftsführer", prose=True) == []
    assert codes("Zeile eins\n\tZeile zwei", prose=False) == ["text.control-char"]
    assert codes("Gesch\u0061\u0308ftsf\u00fchrer", prose=True) == ["text.not-nfc"]


def test_code_point_is_named() -> None:
    [(_, _, message)] = problems("Doubao\u202e2026", name=True)
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in message


@pytest.mark.parametrize("name", ["bytedаnce", "DеepSeek", "ΑΙ-Lab"])
def test_mixed_script_confusables_are_flagged(name: str) -> None:
    assert codes(name, name=True) == ["name.mixed-script-confusable"]


def test_nbsp_in_a_name_is_a_warning() -> None:
    assert [(c, s) for c, s, _ in problems("Example\u00a0Labs", name=True)] == [("text.unusual-space", "warning")]


def test_fold_makes_spellings_of_one_name_equal() -> None:
    assert fold("ByteDance") == fold("ＢｙｔｅＤａｎｃｅ") == fold("Byte Dance") == fold("byte-dance")
    assert fold("GPT 5.2") != fold("GPT 52")
    assert fold("STRASSE") == fold("straße")
