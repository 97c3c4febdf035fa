"""The compatibility gate: every change classified, breaking ones refused unless the MODEL version says so.

``test_repository_passes_the_gate`` is how CI runs ``ailedger schema check``.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from ailedger.cli import run
from ailedger.schema import v1, v2
from ailedger.schema.compatibility import Version, check
from ailedger.schema.compatibility import lines as shown_lines
from ailedger.schema.json_schema import json_schema

SCHEMAS = ROOT / "schema"
V1: dict[str, dict[str, Any]] = {t: json_schema(t, 1) for t in v1.TABLES}
RELEASED: dict[Version, dict[str, dict[str, Any]]] = {(1, 0, 0): V1}


def cli(*args: str) -> tuple[int, list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args))
    return code, out.getvalue().splitlines(), err.getvalue()


def models_variant(change: Any) -> dict[str, dict[str, Any]]:
    """The v1 schemas with ``change`` applied to a copy of the models schema."""
    schemas = copy.deepcopy(V1)
    change(schemas["models"])
    return schemas


def lines(current: Version, schemas: dict[str, dict[str, Any]], released: Any = RELEASED) -> list[str]:
    return [f.text() for f in check(released, current, schemas)]


def errors(current: Version, schemas: dict[str, dict[str, Any]], released: Any = RELEASED) -> list[str]:
    return [f.text() for f in check(released, current, schemas) if f.error]


def test_repository_passes_the_gate() -> None:
    code, out, err = cli("schema", "check", "--schemas", str(SCHEMAS))
    assert code == 0, "\n".join(out) + err
    assert not [line for line in out if line.startswith("error")]
    assert "against released 1-0-0" in err


def test_released_snapshots_name_their_version() -> None:
    for folder in SCHEMAS.iterdir():
        if folder.name[0].isdigit():
            for file in folder.glob("*.schema.json"):
                assert json.loads(file.read_text(encoding="utf-8"))["$id"].endswith(f"/{folder.name}/{file.name}")


def test_unchanged_schema_has_no_changes() -> None:
    assert lines((1, 0, 0), V1) == []


def test_added_optional_field_passes() -> None:
    def add(s: dict[str, Any]) -> None:
        s["properties"]["license"] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}

    assert lines((1, 0, 1), models_variant(add)) == [
        "addition: models.license: new optional field (against released 1-0-0)"
    ]


def test_added_enum_value_passes() -> None:
    def add(s: dict[str, Any]) -> None:
        s["properties"]["kind"]["enum"].append("agent")

    assert lines((1, 0, 1), models_variant(add)) == [
        "addition: models.kind: new enum value 'agent' (against released 1-0-0)"
    ]


def test_addition_without_a_version_bump_asks_for_one() -> None:
    def add(s: dict[str, Any]) -> None:
        s["properties"]["kind"]["enum"].append("agent")

    assert lines((1, 0, 0), models_variant(add)) == [
        "addition: models.kind: new enum value 'agent'; released 1-0-0 changed: bump ADDITION to 1-0-1"
    ]


def test_a_change_found_against_several_releases_is_one_line() -> None:
    def add(s: dict[str, Any]) -> None:
        s["properties"]["license"] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}

    def remove(s: dict[str, Any]) -> None:
        del s["properties"]["open_weights"]

    both = {**RELEASED, (1, 0, 1): V1}
    current = models_variant(lambda s: (add(s), remove(s)))
    assert shown_lines(check(both, (1, 0, 2), current)) == [
        f"error: models.open_weights: field removed; {BUMP}",
        "addition: models.license: new optional field (against released 1-0-0, 1-0-1)",
        f"error: models.open_weights: field removed; {BUMP.replace('1-0-0', '1-0-1')}",
    ]


BUMP = "breaking against released 1-0-0: bump MODEL to 2-0-0 and add a migration"


def test_removed_field_fails() -> None:
    def remove(s: dict[str, Any]) -> None:
        del s["properties"]["open_weights"]

    assert errors((1, 1, 0), models_variant(remove)) == [f"error: models.open_weights: field removed; {BUMP}"]


def test_renamed_field_fails_as_one_rename() -> None:
    def rename(s: dict[str, Any]) -> None:
        s["properties"]["release_date"] = s["properties"].pop("released")

    assert errors((1, 1, 0), models_variant(rename)) == [
        f"error: models.released: field renamed to release_date; {BUMP}"
    ]


def test_narrowed_enum_fails() -> None:
    def narrow(s: dict[str, Any]) -> None:
        s["properties"]["kind"]["enum"].remove("product")

    assert errors((1, 1, 0), models_variant(narrow)) == [f"error: models.kind: enum value 'product' removed; {BUMP}"]


def test_new_required_field_fails() -> None:
    def require(s: dict[str, Any]) -> None:
        s["properties"]["license"] = {"type": "string"}
        s["required"].append("license")

    assert errors((1, 1, 0), models_variant(require)) == [f"error: models.license: new required field; {BUMP}"]


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            lambda s: s["properties"]["family_id"].__setitem__("anyOf", s["properties"]["family_id"]["anyOf"][:1]),
            "models.family_id: null no longer allowed",
        ),
        (
            lambda s: s["$defs"]["Citation"]["properties"]["quote"].__setitem__("maxLength", 200),
            "models.citations[].quote: maxLength tightened: 300 -> 200",
        ),
        (lambda s: s["properties"]["name"].__setitem__("pattern", "^[A-Z]"), "models.name: pattern added: ^[A-Z]"),
        (
            lambda s: s["properties"]["aliases"].__setitem__("minItems", 1),
            "models.aliases: minItems tightened: None -> 1",
        ),
        (
            lambda s: s["properties"]["modalities_in"]["items"]["enum"].remove("action"),
            "models.modalities_in[]: enum value 'action' removed",
        ),
        (
            lambda s: s["properties"]["kind"].__setitem__("type", "integer"),
            "models.kind: type narrowed: string no longer allowed",
        ),
        (lambda s: s["required"].append("family_id"), "models.family_id: field made required"),
        (
            lambda s: s["properties"]["open_weights"].__setitem__("default", False),
            "models.open_weights: default changed from None to False",
        ),
    ],
)
def test_other_breaking_changes_fail(change: Any, line: str) -> None:
    assert errors((1, 1, 0), models_variant(change)) == [f"error: {line}; {BUMP}"]


def test_breaking_change_passes_when_model_is_bumped() -> None:
    def remove(s: dict[str, Any]) -> None:
        del s["properties"]["open_weights"]

    found = check(RELEASED, (2, 0, 0), models_variant(remove))
    assert [f.text() for f in found] == [
        "breaking: models.open_weights: field removed (against released 1-0-0; declared by MODEL 2)"
    ]
    assert not any(f.error for f in found)


def test_every_released_version_is_checked_not_only_the_newest() -> None:
    # 1-1-0 was released without `released` by mistake; the current schema matches 1-1-0 but not 1-0-0.
    without = models_variant(lambda s: s["properties"].pop("released"))
    released = {(1, 0, 0): V1, (1, 1, 0): without}
    assert errors((1, 2, 0), without, released) == [f"error: models.released: field removed; {BUMP}"]


def test_removed_table_fails() -> None:
    fewer = {t: s for t, s in V1.items() if t != "claims"}
    assert errors((1, 1, 0), fewer) == [f"error: claims: table removed; {BUMP}"]


def test_schema_v2_is_breaking_and_says_so() -> None:
    code, out, _ = cli("schema", "check", "--schemas", str(SCHEMAS), "--major", "2")
    assert code == 0
    assert "breaking: models.released: field removed (against released 1-0-0; declared by MODEL 2)" in out
    assert "addition: models.available: new optional field (against released 1-0-0)" in out
    assert (
        "breaking: models.schema_version: value changed from 1 to 2 (against released 1-0-0; declared by MODEL 2)"
        in out
    )
    as_if_v1 = {t: json_schema(t, 2) for t in v2.TABLES}
    assert f"error: models.released: field removed; {BUMP}" in errors((1, 1, 0), as_if_v1)


def test_cli_fails_with_one_line_per_undeclared_breaking_change(tmp_path: Path) -> None:
    released = tmp_path / "1-0-0"
    shutil.copytree(SCHEMAS / "1-0-0", released)
    models = json.loads((released / "models.schema.json").read_text(encoding="utf-8"))
    models["properties"]["legacy_id"] = {"type": "string"}
    (released / "models.schema.json").write_text(json.dumps(models), encoding="utf-8")
    code, out, err = cli("schema", "check", "--schemas", str(tmp_path), "--major", "1")
    assert code == 1
    assert out == [f"error: models.legacy_id: field removed; {BUMP}"]
    assert err.startswith("failed: schema 1-0-0 against released 1-0-0: 1 errors")


def test_cli_without_released_versions_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = cli("schema", "check", "--schemas", str(tmp_path))
    assert code == 2 and "no released versions" in err


# --- refinements (docs/versioning.md, "Refinements") -----------------------------------------------------------


def test_the_refined_schema_is_only_refinements_of_the_unrefined_one() -> None:
    from ailedger.schema.json_schema import citable, refined

    schemas = {t: refined(copy.deepcopy(s), citable(t, 1) if "citations" in s["properties"] else None)
               for t, s in V1.items()}
    found = check(RELEASED, (1, 0, 1), schemas)
    assert found and all(f.change.refinement and not f.change.breaking for f in found)
    shown = {f.text() for f in found}
    assert (
        "refinement: models.id: the pattern ends at the very end, also for Python's re (no trailing newline); "
        "refuses only what ailedger already refused (against released 1-0-0)"
    ) in shown
    assert (
        "refinement: models.citations[].supports: names only the table's own fields, each once; refuses only what "
        "ailedger already refused (against released 1-0-0)"
    ) in shown
    assert (
        "refinement: models.released: calendar dates only (no 2026-02-30, no year 0000; 29 February in leap years); "
        "refuses only what ailedger already refused (against released 1-0-0)"
    ) in shown
    assert (
        "refinement: models.name: free text without control, direction or invisible characters; refuses only what "
        "ailedger already refused (against released 1-0-0)"
    ) in shown


def test_a_refinement_of_a_released_version_asks_for_an_addition_bump() -> None:
    from ailedger.schema.json_schema import refined

    def refine(s: dict[str, Any]) -> None:
        s["properties"]["id"] = refined(s["properties"]["id"])

    assert lines((1, 0, 0), models_variant(refine)) == [
        ("refinement: models.id: the pattern ends at the very end, also for Python's re (no trailing newline); "
        "refuses only what ailedger already refused; released 1-0-0 changed: bump ADDITION to 1-0-1")
    ]


@pytest.mark.parametrize(
    ("pattern", "what"),
    [
        ("^[a-z0-9]+$(?!\\n)", "pattern changed: ^[a-z0-9]+$(?!\\n)"),  # anchored, but narrower: no hyphen
        ("^[a-z0-9]+(-[a-z0-9]+)*$(?!-)", "pattern changed: ^[a-z0-9]+(-[a-z0-9]+)*$(?!-)"),
    ],
)
def test_a_tightening_that_is_not_the_refinement_is_still_breaking(pattern: str, what: str) -> None:
    def tighten(s: dict[str, Any]) -> None:
        s["properties"]["family_id"]["anyOf"][0]["pattern"] = pattern

    assert errors((1, 1, 0), models_variant(tighten)) == [f"error: models.family_id: {what}; {BUMP}"]


def test_supports_restricted_to_other_names_than_the_fields_is_breaking() -> None:
    def restrict(s: dict[str, Any]) -> None:
        s["$defs"]["Citation"]["properties"]["supports"]["items"] = {"type": "string", "enum": ["name"]}

    assert any("supports[]: values restricted" in line for line in errors((1, 1, 0), models_variant(restrict)))
