"""The real dataset, whatever it holds: every record valid, every fact quoted, every figure stated or marked derived.

These tests state invariants, never counts or contents: the dataset grows with
every contribution, and a new honest record must not need a test edited. Exact
expected outputs are checked on the fixture datasets under tests/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import DATASET

import ailedger
from ailedger.dates import FuzzyDate
from ailedger.validate import validate
from ailedger.validate.numbers import stated
from ailedger.validate.quotes import SourceText

DATA_FILES = ("*/*.yaml", "*/*.jsonl")


@pytest.fixture(scope="module")
def tables() -> dict[str, list[Any]]:
    return {name: ailedger.load(name) for name in ailedger.tables()}


def test_dataset_is_valid(texts: Path) -> None:
    report = validate([DATASET], texts)
    assert [d.text() for d in report.diagnostics] == []
    assert report.files_checked == sum(1 for pattern in DATA_FILES for _ in DATASET.glob(pattern))


def test_every_quote_is_verbatim_in_its_source_text(tables: dict[str, list[Any]], texts: Path) -> None:
    sources = {s.id: SourceText.read(texts / f"{s.id}.txt") for s in tables["sources"]}
    for records in tables.values():
        for rec in records:
            for cite in getattr(rec, "citations", []):
                assert sources[cite.source_id].contains(cite.quote), (rec.id, cite.quote)


def test_every_figure_is_stated_by_its_quote_or_marked_derived(tables: dict[str, list[Any]]) -> None:
    language = {s.id: s.language for s in tables["sources"]}
    metrics = {m.id for m in tables["metrics"]}
    for m in tables["metrics"]:
        if m.derived_from:
            assert m.derivation, f"{m.id}: a derived figure says how it was derived"
            assert set(m.derived_from) <= metrics, m.id
            assert any("derived_from" in c.supports for c in m.citations), m.id
            continue
        assert m.derivation is None, m.id
        numbers = set().union(*(stated(c.quote, language[c.source_id]) for c in m.citations if "value" in c.supports))
        assert m.value in numbers, f"{m.id}: {m.value} is not stated by a quote supporting value"


def _dates(record: Any) -> list[tuple[str, FuzzyDate]]:
    return [
        (name, getattr(record, name))
        for name in type(record).model_fields
        if isinstance(getattr(record, name), FuzzyDate)
    ]


def test_every_date_is_within_its_sources_publication(tables: dict[str, list[Any]]) -> None:
    published = {s.id: s.published for s in tables["sources"]}
    for records in tables.values():
        for rec in records:
            for name, when in _dates(rec):
                cites = [c for c in getattr(rec, "citations", []) if name in c.supports]
                assert cites or rec.id in published, f"{rec.id}.{name} has no citation"
                for c in cites:
                    assert when.earliest <= published[c.source_id].latest, (
                        f"{rec.id}.{name} {when} is after {c.source_id}"
                    )


def test_a_date_given_to_the_day_has_that_day_in_a_quote(tables: dict[str, list[Any]]) -> None:
    """No sharper than the source: a single day must be written in a quote that supports it (the day's number)."""
    for records in tables.values():
        for rec in records:
            for name, when in _dates(rec):
                if when.earliest != when.latest or not hasattr(rec, "citations"):
                    continue
                quotes = " ".join(c.quote for c in rec.citations if name in c.supports)
                assert re.search(rf"(?<!\d)0?{when.earliest.day}(?!\d)", quotes), (
                    f"{rec.id}.{name} {when}: no day {when.earliest.day} in {quotes!r}"
                )


def test_every_set_field_is_cited(tables: dict[str, list[Any]]) -> None:
    from ailedger.schema.fields import needs_citation

    for records in tables.values():
        for rec in records:
            model = type(rec)
            supported = {f for c in getattr(rec, "citations", []) for f in c.supports}
            for name, info in model.model_fields.items():
                if needs_citation(model, name) and getattr(rec, name) != info.get_default(call_default_factory=True):
                    assert name in supported, f"{rec.id}.{name} is set but not cited"
