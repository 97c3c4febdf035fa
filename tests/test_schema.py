"""The current schema: round trips, strictness, and agreement between pydantic and the published JSON Schema."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import regress
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from strategies import RECORDS, tables

from ailedger.schema import LATEST, SCHEMA_VERSION
from ailedger.schema.json_schema import GENERATED, json_schema

SCHEMA_DIR = ROOT / GENERATED / f"v{LATEST.MAJOR}"


@functools.cache
def _ecma(pattern: str) -> regress.Regex:
    return regress.Regex(pattern, "u")


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    # JSON Schema's patterns are ECMA-262 regexes; python-jsonschema runs them with Python's `re`, where `$` also
    # matches before a final "\n". regress (the Rust ECMA engine check-jsonschema uses) answers as a JS reader does.
    if isinstance(instance, str) and _ecma(pattern).find(instance) is None:
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _ecma_pattern})
VALIDATORS = {
    t: EcmaValidator(json_schema(t), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER) for t in RECORDS
}


def pydantic_accepts(table: str, doc: Any) -> bool:
    try:
        LATEST.TABLES[table].model_validate_json(json.dumps(doc))
    except ValidationError:
        return False
    return True


def json_schema_accepts(table: str, doc: Any) -> bool:
    return VALIDATORS[table].is_valid(doc)


# Documented, deliberate disagreements: JSON Schema cannot say these, pydantic does.
def known_gap(doc: Any, table: str) -> str | None:
    """Why the JSON Schema accepts a record that pydantic rejects, or None."""
    from ailedger.dates import FuzzyDate

    for name, info in LATEST.TABLES[table].model_fields.items():
        value = doc.get(name) if isinstance(doc, dict) else None
        if isinstance(value, str) and "FuzzyDate" in repr(info.annotation):
            try:
                FuzzyDate.parse(value)
            except ValueError:
                return "a range's order and distinct ends are checked by the parser, not the pattern"
        if isinstance(value, float) and value.is_integer():
            return "JSON Schema's integer type accepts 1.0; pydantic strict does not"
    return None


@pytest.mark.parametrize("table", sorted(RECORDS))
def test_published_schema_is_committed_and_current(table: str) -> None:
    committed = json.loads((SCHEMA_DIR / f"{table}.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(table), "schema/ drifted from the models; run python scripts/refresh.py"
    jsonschema.Draft202012Validator.check_schema(committed)
    assert committed["$id"].endswith(f"/{SCHEMA_VERSION}/{table}.schema.json")
    assert committed["additionalProperties"] is False


def test_schema_folder_has_exactly_the_tables() -> None:
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(f"{t}.schema.json" for t in RECORDS)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_round_trip_model_json_model(data: st.DataObject) -> None:
    table = data.draw(tables)
    doc = data.draw(RECORDS[table])
    model = LATEST.TABLES[table]
    record = model.model_validate_json(json.dumps(doc))
    again = model.model_validate_json(record.model_dump_json())
    assert again == record
    assert keeps(json.loads(record.model_dump_json()), doc), "a value was lost or changed on the way"


def keeps(dumped: Any, given: Any) -> bool:
    """Every value the contributor wrote is in the dump unchanged (defaults may be added)."""
    if isinstance(given, dict):
        return isinstance(dumped, dict) and all(k in dumped and keeps(dumped[k], v) for k, v in given.items())
    if isinstance(given, list):
        return isinstance(dumped, list) and len(dumped) == len(given) and all(map(keeps, dumped, given))
    return type(dumped) is type(given) and dumped == given


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_valid_records_pass_both(data: st.DataObject) -> None:
    table = data.draw(tables)
    doc = data.draw(RECORDS[table])
    assert pydantic_accepts(table, doc)
    assert json_schema_accepts(table, doc)


WRONG_VALUES = st.one_of(
    st.just("155000000"),
    st.just(" 1 "),
    st.just(True),
    st.just(1.5),
    st.just(1.0),
    st.just(None),
    st.just([]),
    st.just({}),
    st.just(-1),
    st.just(2**63),
    st.just("bytedance\n"),
    st.just("ByteDance"),
    st.just("২০২৬"),
    st.just("2026-02-30"),
    st.just("2026-2-12"),
    st.just("[2026-02-15..2026-02-09]"),
    st.just("2026-02-12T00:00:00Z"),
    st.just("x" * 501),
    st.just(""),
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    """A valid record with one change: a field removed, added, or given a wrong value."""
    table = draw(tables)
    doc = dict(draw(RECORDS[table]))
    how = draw(st.sampled_from(["remove", "add", "replace", "replace-nested"]))
    if how == "remove":
        doc.pop(draw(st.sampled_from(sorted(doc))))
    elif how == "add":
        doc[draw(st.from_regex(r"[a-z_]{1,12}", fullmatch=True))] = 1
    elif how == "replace":
        doc[draw(st.sampled_from(sorted(LATEST.TABLES[table].model_fields)))] = draw(WRONG_VALUES)
    elif "citations" in doc:
        cite = dict(doc["citations"][0])
        cite[draw(st.sampled_from(["source_id", "quote", "supports", "via", "translation", "page"]))] = draw(
            WRONG_VALUES
        )
        doc["citations"] = [cite, *doc["citations"][1:]]
    return table, doc


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_pydantic_and_json_schema_agree(case: tuple[str, Any]) -> None:
    table, doc = case
    by_pydantic = pydantic_accepts(table, doc)
    by_schema = json_schema_accepts(table, doc)
    if by_pydantic != by_schema:
        assert by_schema and not by_pydantic, f"pydantic accepts what the JSON Schema refuses: {doc!r}"
        assert known_gap(doc, table) is not None, f"unexplained disagreement on {doc!r}"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("value", "155000000"),
        ("value", True),
        ("value", 155000000.0),
        ("value", 2**63),
        ("schema_version", True),
        ("schema_version", str(LATEST.MAJOR)),
        ("schema_version", LATEST.MAJOR - 1),
        ("as_of", "2026-02-12T00:00:00"),
        ("region", "cn"),
        ("subject_id", "doubao\n"),
        ("unit", "million"),
    ],
)
def test_strict_never_coerces(field: str, value: Any) -> None:
    base = {
        "id": "m",
        "schema_version": LATEST.MAJOR,
        "subject_id": "doubao",
        "metric": "weekly_active_users",
        "value": 155000000,
        "reported": "2025-12",
        "citations": [{"source_id": "s", "quote": "q", "supports": ["value"]}],
    }
    assert pydantic_accepts("metrics", base)
    bad = {**base, field: value}
    assert not pydantic_accepts("metrics", bad)
    with pytest.raises(ValidationError):
        LATEST.TABLES["metrics"].model_validate(bad, strict=True)


def test_schema_module_is_frozen_per_version() -> None:
    # Every major keeps the tables v1 released; a new major goes beside the old module, never into it.
    assert list(LATEST.TABLES) == ["sources", "organizations", "models", "events", "metrics", "claims"]
    assert Path(LATEST.__file__).name == f"v{LATEST.MAJOR}.py"


# --- what python-jsonschema itself refuses (issue 16, F17; issue 14, item 8) ---------------------------------

PLAIN = {t: jsonschema.Draft202012Validator(json_schema(t)) for t in RECORDS}
"""python-jsonschema as a user runs it: Python's re, where `$` also matches before a final newline."""

GLM_5 = {
    "id": "glm-5",
    "schema_version": LATEST.MAJOR,
    "name": "GLM 5",
    "organization_id": "zhipu-ai",
    "kind": "model",
    "available": "2026-02",
    "citations": [{"source_id": "s", "quote": "Zhipu AI launched GLM 5 in February", "supports": ["name"]}],
}


def test_python_jsonschema_accepts_the_plain_record() -> None:
    assert PLAIN["models"].is_valid(GLM_5)


REFUSED = [
    {"id": "glm-5\n"},
    {"organization_id": "zhipu-ai\n"},
    {"available": "2026-02-30"},
    {"available": "2025-02-29"},
    {"available": "1900-02-29"},
    {"available": "0000"},
    {"available": "[2026-02-15..2026-02-30]"},
    {"name": "GLM\u200b5"},
    {"name": "GLM \u202e5"},
    {"aliases": ["GLM\x075"]},
    {"citations": [{**GLM_5["citations"][0], "supports": ["nonexistent"]}]},
    {"citations": [{**GLM_5["citations"][0], "supports": ["name", "name"]}]},
    {"citations": [{**GLM_5["citations"][0], "supports": ["id"]}]},
    {"citations": [{**GLM_5["citations"][0], "supports": ["notes"]}]},
    {"citations": [{**GLM_5["citations"][0], "source_id": "s\n"}]},
]
"""Changes to GLM_5 that ailedger refuses and a pattern can refuse."""


@pytest.mark.parametrize("change", REFUSED)
def test_python_jsonschema_refuses_what_ailedger_refuses(change: dict[str, Any]) -> None:
    """Audit Sb34: the published schemas refuse what ailedger refuses, ``id: "glm-5\\n"`` under Python's ``$``
    among them (and the impossible days of Sb36)."""
    bad = {**GLM_5, **change}
    assert not PLAIN["models"].is_valid(bad)
    assert not pydantic_accepts("models", bad) or validate_refuses(bad)


@pytest.mark.parametrize("change", REFUSED)
def test_an_ecma_262_reader_refuses_it_too(change: dict[str, Any]) -> None:
    assert VALIDATORS["models"].is_valid(GLM_5)
    assert not VALIDATORS["models"].is_valid({**GLM_5, **change})


SHIPPED = sorted((ROOT / "schema").glob("**/*.schema.json"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_published_pattern_is_an_ecma_262_regex(path: Path) -> None:
    """A pattern only Python's `re` can compile would fail in every JavaScript and Rust validator."""
    patterns = [v for k, v in _walk(json.loads(path.read_text(encoding="utf-8"))) if k == "pattern"]
    for pattern in patterns:
        _ecma(pattern)  # raises regress.RegressError on a pattern ECMA-262 refuses


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def validate_refuses(record: dict[str, Any]) -> bool:
    """Whether ailedger's record checks (the model, then text hygiene and the citations' names) refuse it."""
    from ailedger.schema.fields import BOOKKEEPING
    from ailedger.validate.text import problems

    texts = [record["name"], *record.get("aliases", [])]
    if any(sev == "error" for t in texts for _, sev, _ in problems(t, name=True)):
        return True
    names = [n for c in record["citations"] for n in c["supports"]]
    fields = LATEST.TABLES["models"].model_fields
    return len(set(names)) < len(names) or any(
        n not in fields or n in BOOKKEEPING | LATEST.CURATOR_TEXT for n in names
    )


def test_python_jsonschema_accepts_29_february_of_a_leap_year() -> None:
    assert PLAIN["models"].is_valid({**GLM_5, "available": "2024-02-29"})
    assert PLAIN["models"].is_valid({**GLM_5, "available": "2000-02-29"})


def test_a_range_out_of_order_is_left_to_the_parser_and_said_so() -> None:
    """Audit Sb36: an impossible day is refused by the pattern (``REFUSED``); a reversed range passes the
    schema, and the data dictionary says that only ailedger validate checks the order."""
    reversed_range = {**GLM_5, "available": "[2026-02-15..2026-02-09]"}
    assert PLAIN["models"].is_valid(reversed_range) and not pydantic_accepts("models", reversed_range)
    assert "order" in (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_python_jsonschema_accepts_every_record_the_model_accepts(data: st.DataObject) -> None:
    table = data.draw(tables)
    doc = data.draw(RECORDS[table])
    assert pydantic_accepts(table, doc)
    assert PLAIN[table].is_valid(doc), list(PLAIN[table].iter_errors(doc))[:1]
