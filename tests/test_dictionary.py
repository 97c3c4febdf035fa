"""The data dictionary: generated from the models, complete, and committed as generated."""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

import pytest
from conftest import ROOT

import ailedger
from ailedger.release.dictionary import (
    _describe,
    dictionary_markdown,
    meaning,
    needs_citation,
)
from ailedger.schema import LATEST
from ailedger.validate import rules

COMMITTED = ROOT / "docs" / "data-dictionary.md"


def _rows(markdown: str) -> dict[tuple[str, str], list[str]]:
    """(section, field) to the cells of its row, parsed back out of the generated Markdown."""
    out: dict[tuple[str, str], list[str]] = {}
    section = ""
    for line in markdown.splitlines():
        if line.startswith("## "):
            section = line[3:]
        elif line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            out[(section, cells[0].strip("`"))] = cells
    return out


@pytest.fixture(scope="module")
def rows() -> dict[tuple[str, str], list[str]]:
    return _rows(dictionary_markdown())


def test_committed_dictionary_matches_the_models() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == dictionary_markdown(), (
        "docs/data-dictionary.md is stale: run python scripts/refresh_docs.py and commit the result"
    )


def test_every_field_of_every_table_has_a_row_with_a_meaning(rows: dict[tuple[str, str], list[str]]) -> None:
    for table, model in LATEST.TABLES.items():
        for name, info in model.model_fields.items():
            assert (table, name) in rows, f"{table}.{name} missing from the dictionary"
            assert meaning(name, info), f"{table}.{name} has no meaning: give it a description"
            assert rows[(table, name)][3], f"{table}.{name}: empty meaning cell"


def _literal_values(annotation: Any) -> list[Any]:
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    return [v for arg in get_args(annotation) for v in _literal_values(arg)]


def test_every_vocabulary_value_is_listed(rows: dict[tuple[str, str], list[str]]) -> None:
    checked = 0
    for table, model in LATEST.TABLES.items():
        for name, info in model.model_fields.items():
            for value in _literal_values(info.annotation):
                assert f"`{value}`" in rows[(table, name)][4], f"{table}.{name}: {value!r} not listed"
                checked += 1
    assert checked > 30


def test_citation_column_agrees_with_the_validator(rows: dict[tuple[str, str], list[str]]) -> None:
    """Every field the validator wants a quote for is marked, and curator text and ids are not."""
    for table in ailedger.tables():
        for record in ailedger.load(table):
            if "citations" in type(record).model_fields:
                for name in rules.set_fields(record):
                    assert rows[(table, name)][6] == "yes, when set", f"{table}.{name}"
    assert rows[("events", "summary")][6] == "no"
    assert rows[("models", "id")][6] == "no"
    assert all(rows[("models", name)][6] == "yes, when set" for name in ("announced", "available", "weights_released"))
    assert rows[("models", "notes")][6] == "no"
    assert not needs_citation(LATEST.TABLES["sources"], "title")


def test_examples_come_from_the_real_data(rows: dict[tuple[str, str], list[str]]) -> None:
    available = {str(m.available) for m in ailedger.load("models") if m.available is not None}
    assert rows[("models", "available")][5].strip("`") in available
    assert rows[("models", "organization_id")][1] == "id of organizations or null"
    assert rows[("metrics", "subject_id")][1] == "id of models or organizations"
    assert rows[("metrics", "value")][4] == "0 to 2^63−1"


def test_heading_level_nests_the_dictionary_in_a_card() -> None:
    nested = dictionary_markdown(heading_level=2)
    assert nested.startswith("## Data dictionary\n")
    assert "\n### models\n" in nested


def test_an_annotation_it_cannot_describe_is_an_error_not_a_blank() -> None:
    with pytest.raises(TypeError, match=r"teach ailedger\.release\.dictionary"):
        _describe(float, [], ())


def test_examples_and_counts_follow_the_records_given() -> None:
    """The dataset card passes the records it builds from; with none there are no examples."""
    empty = _rows(dictionary_markdown(records={table: [] for table in LATEST.TABLES}))
    assert empty[("models", "available")][5] == "—"
    assert (
        "\n\nAn AI model, or an AI product or app built on models. 0 records in this release.\n"
        in dictionary_markdown(records={table: [] for table in LATEST.TABLES})
    )
