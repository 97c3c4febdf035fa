"""The published JSON Schemas and pydantic agree on every record of every bad-input case.

Each YAML record in ``tests/cases/*/*/files`` that the strict reader accepts
is checked by both; where they disagree, the reason must be one JSON Schema
cannot express (see ``test_schema.known_gap``), and pydantic is the stricter;
or, where the JSON Schema says what only ``ailedger validate`` checked
(refinements, schema 2-1-2: ``supports`` names, text hygiene), the case
expects an error in that file. Rules beyond one record (references, quotes,
figures) are the validator's, not the schema's, and are not compared here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import CASES
from pydantic import ValidationError
from test_schema import json_schema_accepts, known_gap

from ailedger.schema import LATEST
from ailedger.validate.yaml12 import YamlProblem, decode, loads


def _read(path: Path) -> Any:
    text, _ = decode(path.read_bytes())
    return loads(text).data


def _records() -> list[tuple[str, Path]]:
    """Record files of the cases that the strict reader accepts (the rest never reach a schema)."""
    out = []
    for path in sorted(CASES.glob("*/*/files/*/*.yaml")) + sorted(CASES.glob("_base/dataset/*/*.yaml")):
        if path.parent.name not in LATEST.TABLES:
            continue
        try:
            _read(path)
        except YamlProblem:
            continue
        out.append((path.parent.name, path))
    return out


RECORDS = _records()


def pydantic_accepts(table: str, data: Any) -> bool:
    try:
        LATEST.TABLES[table].model_validate(data, strict=True)
    except ValidationError:
        return False
    return True


def test_cases_hold_records() -> None:
    assert len(RECORDS) >= 70


@pytest.mark.parametrize(("table", "path"), RECORDS, ids=[str(p.relative_to(CASES)) for _, p in RECORDS])
def test_pydantic_and_published_schema_agree(table: str, path: Path) -> None:
    data = _read(path)
    by_pydantic = pydantic_accepts(table, data)
    by_schema = json_schema_accepts(table, data)
    if by_pydantic and not by_schema:  # a refinement (schema 2-1-2): ailedger validate must refuse it too
        expected = (path.parents[2] / "expected.txt").read_text(encoding="utf-8").splitlines()
        assert any(line.startswith(f"{table}/{path.name}:") and " error[" in line for line in expected), (
            f"the JSON Schema refuses what ailedger accepts: {data!r}"
        )
    elif by_pydantic != by_schema:
        assert known_gap(data, table) is not None, f"unexplained disagreement on {data!r}"
