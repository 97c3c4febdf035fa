"""The record reader: libyaml (PyYAML's C parser) and the pure-Python fallback read every text alike.

The pure parser is the reference. These tests compare the whole outcome of
:func:`ailedger.validate.yaml12.loads` under both parsers (values with their
types and written form, every position, every warning, or the problem with its
code, message, line and column) on generated YAML-ish text, on the record files
of the dataset and the case folders, and on mutations of them.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES, DATASET
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import hygiene_texts, yaml_texts

from ailedger.validate import yaml12
from ailedger.validate.record import hygiene
from ailedger.validate.yaml12 import YamlProblem, loads

SAME = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _readable(paths: list[Path]) -> dict[str, str]:
    """Record files as text, by path; files the byte checks refuse (not UTF-8, too large) never reach a parser."""
    out = {}
    for path in paths:
        try:
            out[str(path.relative_to(DATASET.parent))] = yaml12.decode(path.read_bytes())[0]
        except YamlProblem:
            continue
    return out


RECORD_FILES = _readable(sorted([*DATASET.glob("*/*.yaml"), *CASES.glob("**/*.yaml")]))


@pytest.fixture(autouse=True)
def _libyaml_installed() -> None:
    if yaml12._libyaml() is None:
        pytest.fail("PyYAML's C parser is not installed: the comparison needs both parsers")


def typed(value: Any) -> Any:
    """A value with the types and written form that equality alone would blur (1 == 1.0 == True, nan != nan)."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    if isinstance(value, float):
        return ("float", repr(value), "nan" if math.isnan(value) else value)
    return (type(value).__name__, value)


def outcome(text: str, parser: str) -> Any:
    try:
        doc = loads(text, parser)
    except YamlProblem as problem:
        return ("problem", problem.code, problem.message, problem.line, problem.column)
    warnings = [(w.code, w.message, w.line, w.column) for w in doc.warnings]
    return ("doc", typed(doc.data), doc.positions, warnings, doc.unusual)


def assert_same(text: str) -> None:
    assert outcome(text, "libyaml") == outcome(text, "pure"), repr(text)


@SAME
@given(text=yaml_texts)
def test_both_parsers_read_yamlish_text_alike(text: str) -> None:
    assert_same(text)


@pytest.mark.parametrize("path", sorted(RECORD_FILES))
def test_both_parsers_read_every_record_file_alike(path: str) -> None:
    assert_same(RECORD_FILES[path])


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_both_parsers_read_mangled_record_files_alike(data: st.DataObject) -> None:
    """Real records with lines dropped, repeated, re-indented or cut: the near misses contributors make."""
    lines = RECORD_FILES[data.draw(st.sampled_from(sorted(RECORD_FILES)))].split("\n")
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        change = data.draw(st.sampled_from(["drop", "repeat", "indent", "dedent", "cut", "tab", "insert"]))
        if change == "drop":
            del lines[i]
        elif change == "repeat":
            lines.insert(i, lines[i])
        elif change == "indent":
            lines[i] = " " * data.draw(st.integers(1, 3)) + lines[i]
        elif change == "dedent":
            lines[i] = lines[i].lstrip()
        elif change == "cut":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
        elif change == "tab":
            lines[i] = lines[i].replace("  ", "\t", 1)
        else:
            lines.insert(i, data.draw(yaml_texts))
        if not lines:
            lines = [""]
    assert_same("\n".join(lines))


@pytest.mark.parametrize(
    "text",
    [
        "a: [" * 40 + "]" * 40,  # deeper than MAX_DEPTH: refused at the limit, not by the stack
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: 1\na: 2\n",
        "<<: {a: 1}\n",
        "? [a]\n: 1\n",
        "a: 1\n---\nb: 2\n",
        '"\\ud800": 1\n',
        "a: '\\ud800'\nb: \"\\udc00\"\n",
        "%YAML 1.1\n---\na: yes\n",
        "a:\tb\n",
        "a:\n\t- b\n",
        "- a\n",
        "",
        "# only a comment\n",
        "a: 0755\n",
        "a: 1234567890123456789012345678901\n",
        "a: .NaN\nb: -.inf\nc: 1.10\n",
        "a: b\u2028c: d\n",
        "a: b\x85c: d\n",
        "a: \ufeffb\n",
        "a: 'x\n",
        "x" * 2000 + ": 1\n",
    ],
)
def test_both_parsers_agree_on_the_edge_cases(text: str) -> None:
    assert_same(text)


def _keys(n: int, flow: bool = False) -> str:
    pairs = [f"k{i}: {i}" for i in range(n)]
    return "{" + ", ".join(pairs) + "}\n" if flow else "".join(f"{p}\n" for p in pairs)


def _items(n: int, item: str = "x", flow: bool = False) -> str:
    return "a: [" + ", ".join([item] * n) + "]\n" if flow else "a:\n" + f"  - {item}\n" * n


LIST_OF_99 = "[" + ", ".join("x" * 99) + "]"
"""A list item that is 100 values."""
CAPS = {
    "keys-at-cap": (_keys(yaml12.MAX_KEYS), None),
    "keys-over-cap": (_keys(yaml12.MAX_KEYS + 1), ("yaml.too-many-keys", yaml12.MAX_KEYS + 1, 1)),
    "flow-keys-over-cap": (_keys(yaml12.MAX_KEYS + 1, flow=True), ("yaml.too-many-keys", 1, None)),
    "nested-keys-over-cap": ("a:\n" + _keys(yaml12.MAX_KEYS + 1).replace("k", "  k"), ("yaml.too-many-keys", None, 3)),
    "items-at-cap": (_items(yaml12.MAX_ITEMS), None),
    "items-over-cap": (_items(yaml12.MAX_ITEMS + 1), ("yaml.too-many-items", yaml12.MAX_ITEMS + 2, 5)),
    "flow-items-over-cap": (_items(yaml12.MAX_ITEMS + 1, "1", flow=True), ("yaml.too-many-items", 1, None)),
    "list-items-over-cap": (_items(yaml12.MAX_ITEMS + 1, "[x]", flow=True), ("yaml.too-many-items", 1, None)),
    "mapping-items-over-cap": (_items(yaml12.MAX_ITEMS + 1, "{b: 1}"), ("yaml.too-many-items", None, 5)),
    "values-at-cap": (_items(yaml12.MAX_VALUES // 100 - 1, LIST_OF_99), None),
    "values-over-cap": (_items(yaml12.MAX_VALUES // 100 + 1, LIST_OF_99), ("yaml.too-many-values", None, None)),
}


@pytest.mark.parametrize("name", list(CAPS))
def test_keys_and_items_are_capped_alike_by_both_parsers(name: str) -> None:
    """More keys or items than any record has are refused where the cap is passed, alike by both parsers."""
    text, expected = CAPS[name]
    assert_same(text)
    if expected is None:
        assert loads(text).data
        return
    with pytest.raises(YamlProblem) as problem:
        loads(text)
    code, line, column = expected
    assert problem.value.code == code
    assert line is None or problem.value.line == line
    assert column is None or problem.value.column == column


def test_the_default_parser_is_libyaml_and_the_environment_can_force_the_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(yaml12.PARSER_ENV, raising=False)
    assert yaml12.default_parser() == "libyaml"
    monkeypatch.setenv(yaml12.PARSER_ENV, "pure")
    assert yaml12.default_parser() == "pure"


def test_libyaml_answers_for_clean_files_and_the_reference_names_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(yaml12.PARSER_ENV, raising=False)
    pure = yaml12._pure_events
    monkeypatch.setattr(yaml12, "_pure_events", lambda text: pytest.fail("the pure parser read a file libyaml reads"))
    assert loads("a: 1\nb: [x, 'y']\n").data == {"a": 1, "b": ["x", "y"]}
    used: list[str] = []
    monkeypatch.setattr(yaml12, "_pure_events", lambda text: used.append(text) or pure(text))
    with pytest.raises(YamlProblem) as problem:
        loads("a: 1\na: 2\n")
    assert (problem.value.code, used) == ("yaml.duplicate-key", ["a: 1\na: 2\n"])


def test_the_shared_pure_parser_survives_a_kept_problem() -> None:
    """A traceback kept by the caller must not reset the parser in the middle of the next file."""
    kept = []
    for text in ("a: [1\n", "a: &x 1\n", "- 1\n"):
        with pytest.raises(YamlProblem) as problem:
            loads(text, "pure")
        kept.append(problem)
    assert loads("a: 1\nb: {c: [d]}\n", "pure").data == {"a": 1, "b": {"c": ["d"]}}


@SAME
@given(text=st.one_of(yaml_texts, hygiene_texts()))
def test_the_values_noted_unusual_are_all_text_hygiene_can_refuse(text: str) -> None:
    """Hygiene over the values the reader noted (not printable ASCII) finds what a walk of every value finds, in the
    same order (the order decides which problems a capped record shows)."""
    try:
        doc = loads(text)
    except YamlProblem:
        return
    assert doc.unusual is not None
    walked = hygiene(dataclasses.replace(doc, unusual=None), "f.yaml")
    assert hygiene(doc, "f.yaml") == walked
    assert all(not (v.isascii() and v.isprintable()) for _, v in doc.unusual)
