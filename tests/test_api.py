"""The public API: tables, load, load_table, get, path, and their errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

import ailedger
from ailedger.schema import LATEST


def test_public_api_is_short_and_importable() -> None:
    for name in ailedger.__all__:
        assert hasattr(ailedger, name), name
    assert {"load", "load_table", "tables", "get", "path"} <= set(ailedger.__all__)


def test_tables_in_dependency_order() -> None:
    assert ailedger.tables() == list(LATEST.TABLES)


@pytest.mark.parametrize("table", list(LATEST.TABLES))
def test_load_and_load_table_give_the_same_rows(table: str) -> None:
    records = ailedger.load(table)
    arrow = ailedger.load_table(table)
    assert isinstance(arrow, pa.Table)
    assert arrow.num_rows == len(records) > 0
    assert arrow.column("id").to_pylist() == [r.id for r in records] == sorted(r.id for r in records)
    assert all(isinstance(r, LATEST.TABLES[table]) for r in records)
    assert ailedger.path(table).is_file()


def test_dates_are_structs_with_bounds() -> None:
    models = ailedger.load_table("models")
    available = models.schema.field("available").type
    assert [available.field(i).name for i in range(available.num_fields)] == ["edtf", "earliest", "latest"]
    assert available.field("earliest").type == pa.date32()
    assert all(models.schema.field(name).type == available for name in ("announced", "weights_released"))
    row = {r["id"]: r["available"] for r in models.to_pylist()}["glm-5"]
    assert row["edtf"] == "[2026-02-09..2026-02-15]"
    assert (row["earliest"].isoformat(), row["latest"].isoformat()) == ("2026-02-09", "2026-02-15")


def test_get_finds_any_table() -> None:
    assert ailedger.get("qwen-app").name == "Qwen"
    assert ailedger.get("questmobile").kind == "data_provider"


def test_unknown_table_lists_the_tables() -> None:
    with pytest.raises(
        ailedger.UnknownTableError, match="unknown table 'modles'; available tables: sources, organizations, models"
    ):
        ailedger.load("modles")
    with pytest.raises(LookupError):
        ailedger.path("nope")


def test_unknown_id_suggests() -> None:
    with pytest.raises(ailedger.UnknownRecordError, match="did you mean 'glm-5'"):
        ailedger.get("glm5")


def test_errors_are_value_errors() -> None:
    assert issubclass(ailedger.AiledgerError, ValueError)
    assert issubclass(ailedger.IntegrityError, ailedger.AiledgerError)


USER_CODE = """\
import ailedger

models = ailedger.load("models")
reveal_type(models)
reveal_type(ailedger.load("metrics", schema_version=1))
name: str = models[0].name
wrong: int = models[0].name
"""


@pytest.mark.slow
def test_a_users_strict_type_checker_sees_the_models_load_returns(tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="mypy comes with the lint extra (.ci/run installs it)")
    (tmp_path / "user.py").write_text(USER_CODE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), "user.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300,
    )
    # older mypy spells list as builtins.list
    out = done.stdout.replace("builtins.list", "list")
    lines = [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("user.py:")]
    assert lines == [
        'note: Revealed type is "list[ailedger.schema.v2.Model]"',
        'note: Revealed type is "list[ailedger.schema.v1.Metric]"',
        'error: Incompatible types in assignment (expression has type "str", variable has type "int")  [assignment]',
    ], done.stdout + done.stderr
