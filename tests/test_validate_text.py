"""Text hygiene and figures read from quotes: the units behind the validator's text rules."""

from __future__ import annotations

import shutil
import sys
import unicodedata
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import CASES

from ailedger import arrow
from ailedger.release import tables
from ailedger.schema import LATEST
from ailedger.validate.numbers import stated
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


@pytest.mark.parametrize(
    ("quote", "language", "value"),
    [
        ("Mit 155 Millionen aktiven Nutzern pro Woche", "de", 155_000_000),
        ("gefolgt von DeepSeek mit 81,6 Millionen", "de", 81_600_000),
        ("1.5 million users", "en", 1_500_000),
        ("Umsatz von 2,3 Mrd. Euro", "de", 2_300_000_000),
        ("12.000 Nutzer", "de", 12_000),
        ("12,000 users", "en", 12_000),
        ("1.234.567 Downloads", "de", 1_234_567),
        ("1,5 Mio. Nutzer", "de", 1_500_000),
        ("2 Billionen", "de", 2 * 10**12),
        ("2 billion", "en", 2 * 10**9),
        ("月活跃用户数达1.55亿", "zh", 155_000_000),
        ("日活跃用户3000万", "zh", 30_000_000),
        ("12,5 Millionen weekly active users", "en", 12_500_000),  # the unit word fixes the separators
    ],
)
def test_figures_stated_by_quotes(quote: str, language: str, value: int) -> None:
    assert value in stated(quote, language)


@pytest.mark.parametrize(
    ("quote", "language", "value"),
    [
        ("Mit 155 Millionen aktiven Nutzern", "de", 155),
        ("81,6 Millionen", "de", 816_000_000),
        ("12.000 Nutzer", "de", 12),
        ("12,000 users", "en", 12),
        ("2 Billionen", "de", 2 * 10**9),
        ("月活跃用户数达1.55亿", "zh", 155),
    ],
)
def test_figures_not_stated_by_quotes(quote: str, language: str, value: int) -> None:
    assert value not in stated(quote, language)


def test_cjk_names_round_trip_byte_for_byte(tmp_path: Path) -> None:
    """YAML -> model -> Parquet -> load keeps Chinese and Japanese names exactly, in NFC."""
    dataset = tmp_path / "dataset"
    shutil.copytree(CASES / "_base" / "dataset", dataset)
    shutil.copytree(CASES / "text" / "cjk-name-accepted" / "files", dataset, dirs_exist_ok=True)
    names = {"name": "示例一号", "aliases": ["通义千问", "Example-1"]}
    record_file = dataset / "models" / "example-1.yaml"
    assert '"示例一号"'.encode() in record_file.read_bytes()
    japanese = "ディープシーク"
    org = dataset / "organizations" / "example-labs.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace('city: "Hangzhou"', f'city: "{japanese}"'), encoding="utf-8")
    records, _ = tables.collect_all(dataset, CASES / "_base" / "texts")
    built = tables.to_tables(records)
    loaded = {}
    for table in ("models", "organizations"):
        tables.write_parquet(built[table], tmp_path / f"{table}.parquet")
        for rec in arrow.from_table(pq.read_table(tmp_path / f"{table}.parquet"), LATEST.TABLES[table]):
            loaded[rec.id] = rec
    assert loaded["example-1"].name.encode() == names["name"].encode()
    assert loaded["example-1"].aliases == names["aliases"]
    assert loaded["example-labs"].city.encode() == japanese.encode()
    assert unicodedata.is_normalized("NFC", loaded["example-1"].name)
