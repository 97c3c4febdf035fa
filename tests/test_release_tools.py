"""The outside tools accept a fresh release: Frictionless, Croissant, DuckDB, polars, pandas, Hugging Face datasets.

Every reader must return exactly the rows of ``ailedger.load()``; a second, small
release built from the test dataset adds Chinese text and month-precision dates.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import DATASET
from releases import CHINESE, as_row, chinese_dataset, plain

import ailedger
from ailedger.release import build_release
from ailedger.release.tables import collect_all
from ailedger.schema import LATEST

pytestmark = pytest.mark.slow  # outside tools

TABLES = list(LATEST.TABLES)
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory, texts: Path) -> tuple[Path, dict[str, list[Any]]]:
    """The release of dataset/, and the records load() returns."""
    out = tmp_path_factory.mktemp("real") / "release"
    build_release(DATASET, out, texts)
    return out, {t: ailedger.load(t) for t in TABLES}


@pytest.fixture(scope="module")
def chinese(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[Any]]]:
    """The release of the test dataset with Chinese aliases, and its validated records."""
    root = tmp_path_factory.mktemp("zh")
    dataset, texts = chinese_dataset(root)
    build_release(dataset, root / "release", texts)
    return root / "release", collect_all(dataset, texts)[0]


@pytest.fixture(params=["real", "chinese"])
def built(request: pytest.FixtureRequest) -> tuple[Path, dict[str, list[Any]]]:
    return request.getfixturevalue(request.param)


def expected(records: dict[str, list[Any]], table: str) -> list[dict[str, Any]]:
    return [as_row(r) for r in sorted(records[table], key=lambda r: r.id)]


def tool(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / name), *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=300)


def test_chinese_release_holds_chinese_text_and_date_bounds(chinese: tuple[Path, dict[str, list[Any]]]) -> None:
    _, records = chinese
    rows = {r["id"]: r for r in expected(records, "organizations")}
    assert rows["example-labs"]["aliases"] == ["示例实验室"]
    assert any(c["quote"] == CHINESE for c in rows["example-labs"]["citations"])
    (metric,) = expected(records, "metrics")
    assert (metric["as_of"]["earliest"].isoformat(), metric["as_of"]["latest"].isoformat()) == (
        "2026-02-01",
        "2026-02-28",
    )


def test_frictionless_validates_the_data_package(built: tuple[Path, dict[str, list[Any]]]) -> None:
    folder, _ = built
    proc = tool("frictionless", "validate", "--json", "datapackage.json", cwd=folder)
    report = json.loads(proc.stdout)
    assert proc.returncode == 0 and report["valid"], json.dumps(report["tasks"], indent=1)[:3000]
    assert {t["name"] for t in report["tasks"]} == set(TABLES) | {f"{t}-parquet" for t in TABLES}
    rows = {t["name"]: t["stats"]["rows"] for t in report["tasks"]}
    assert all(rows[t] == rows[f"{t}-parquet"] for t in TABLES)


def test_frictionless_catches_an_altered_file(tmp_path: Path, chinese: tuple[Path, dict[str, list[Any]]]) -> None:
    import shutil

    folder = tmp_path / "release"
    shutil.copytree(chinese[0], folder)
    file = folder / "models.jsonl"
    file.write_text(file.read_text(encoding="utf-8").replace('"example-labs"', '"example-lab"', 1), encoding="utf-8")
    proc = tool("frictionless", "validate", "--json", "datapackage.json", cwd=folder)
    errors = {e["type"] for t in json.loads(proc.stdout)["tasks"] for e in t["errors"]}
    assert proc.returncode != 0
    assert {"hash-count", "foreign-key"} <= errors


def test_croissant_validator_accepts_the_metadata(built: tuple[Path, dict[str, list[Any]]]) -> None:
    folder, _ = built
    proc = tool("mlcroissant", "validate", "--jsonld", "croissant.json", cwd=folder)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Done" in proc.stderr
    assert "error" not in proc.stderr.lower().replace("encountered errors", "")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised inside rdflib and pandas as mlcroissant calls them
def test_croissant_record_sets_read_the_rows(built: tuple[Path, dict[str, list[Any]]]) -> None:
    import mlcroissant as mlc

    folder, records = built
    dataset = mlc.Dataset(str(folder / "croissant.json"))
    rows = {table: list(dataset.records(table)) for table in TABLES}
    for table in TABLES:
        assert [r[f"{table}/id"].decode() for r in rows[table]] == [r["id"] for r in expected(records, table)], table
    models = {r["models/id"].decode(): r for r in rows["models"]}
    for record in records["models"]:
        row = models[record.id]
        assert [a.decode() for a in row["models/aliases"]] == record.aliases
        assert [c["models/citations/quote"].decode() for c in row["models/citations"]] == [
            c.quote for c in record.citations
        ]


def test_duckdb_reads_exactly_the_rows(built: tuple[Path, dict[str, list[Any]]]) -> None:
    import duckdb

    folder, records = built
    for table in TABLES:
        result = duckdb.sql(f"SELECT * FROM read_parquet('{folder / table}.parquet')")
        rows = [dict(zip(result.columns, values)) for values in result.fetchall()]
        assert rows == expected(records, table), table


def test_polars_reads_exactly_the_rows(built: tuple[Path, dict[str, list[Any]]]) -> None:
    import polars as pl

    folder, records = built
    for table in TABLES:
        assert pl.read_parquet(folder / f"{table}.parquet").to_dicts() == expected(records, table), table


def test_pandas_reads_exactly_the_rows(built: tuple[Path, dict[str, list[Any]]]) -> None:
    import pandas as pd

    folder, records = built
    for table in TABLES:
        frame = pd.read_parquet(folder / f"{table}.parquet")
        assert plain(frame.to_dict(orient="records")) == expected(records, table), table


def test_hugging_face_datasets_loads_the_files_offline(
    built: tuple[Path, dict[str, list[Any]]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    import datasets

    folder, records = built
    for table in TABLES:
        data = datasets.load_dataset(
            "parquet", data_files=str(folder / f"{table}.parquet"), split="train", cache_dir=str(tmp_path / "c")
        )
        assert data.to_list() == expected(records, table), table
    # The card's YAML header: one config per table, models the default.
    by_card = datasets.load_dataset(str(folder), "metrics", split="train", cache_dir=str(tmp_path / "c"))
    assert by_card.to_list() == expected(records, "metrics")
    by_default = datasets.load_dataset(str(folder), cache_dir=str(tmp_path / "c"))
    assert list(by_default) == ["train"]
    assert by_default["train"].to_list() == expected(records, "models")
