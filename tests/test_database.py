"""``ailedger.db`` in a release: tables, foreign keys, full-text search, views, metadata, reproducible bytes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from releases import chinese_dataset

from ailedger.fetch import parse_sums
from ailedger.release import SUMS, build_release, database
from ailedger.release.dictionary import meaning
from ailedger.schema import LATEST

TABLES = list(LATEST.TABLES)
CITED = [t for t in TABLES if "citations" in LATEST.TABLES[t].model_fields]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("db")
    dataset, texts = chinese_dataset(root)
    build_release(dataset, root / "release", texts)
    return root / "release"


@pytest.fixture
def db(release: Path) -> sqlite_utils.Database:
    return sqlite_utils.Database(sqlite3.connect(f"file:{release / database.FILE}?mode=ro", uri=True))


def jsonl(release: Path, table: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (release / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()]


def test_two_builds_are_byte_identical(release: Path, tmp_path: Path) -> None:
    dataset, texts = chinese_dataset(tmp_path)
    build_release(dataset, tmp_path / "again", texts)
    assert (tmp_path / "again" / database.FILE).read_bytes() == (release / database.FILE).read_bytes()
    assert (tmp_path / "again" / database.METADATA).read_bytes() == (release / database.METADATA).read_bytes()


def test_the_database_and_its_metadata_are_in_sha256sums(release: Path) -> None:
    sums = parse_sums((release / SUMS).read_text(encoding="utf-8"))
    assert {database.FILE, database.METADATA} <= set(sums)


def test_a_table_per_release_table_plus_citations_records_search_and_views(db: sqlite_utils.Database) -> None:
    assert set(TABLES) | {"citations", "records"} <= set(db.table_names())
    assert set(db.view_names()) == {"facts", "launches", "usage"}
    for table, columns in database.SEARCHED.items():
        assert db[table].detect_fts() == f"{table}_fts", table
        assert [c.name for c in db[f"{table}_fts"].columns] == columns, table
    assert db["models"].pks == ["id"] and db["citations"].pks == ["id"]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # no WAL files beside a downloaded copy


def test_foreign_keys_are_declared_and_hold(db: sqlite_utils.Database) -> None:
    keys = {(fk.table, fk.column, fk.other_table) for t in db.table_names() for fk in db[t].foreign_keys}
    assert keys == {
        ("sources", "publisher", "organizations"),
        ("organizations", "parent_id", "organizations"),
        ("models", "organization_id", "organizations"),
        ("models", "family_id", "models"),
        ("metrics", "subject_id", "records"),
        ("metrics", "measured_by", "organizations"),
        ("claims", "subject_id", "records"),
        ("claims", "asserted_by", "organizations"),
        ("citations", "record_id", "records"),
        ("citations", "source_id", "sources"),
        ("citations", "via", "organizations"),
    }
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_rows_are_the_release_rows_with_dates_as_text_and_bounds(release: Path, db: sqlite_utils.Database) -> None:
    for table in TABLES:
        expected = jsonl(release, table)
        rows = list(db.query(f"SELECT * FROM {table} ORDER BY id"))
        assert [r["id"] for r in rows] == [e["id"] for e in expected], table
        for row, record in zip(rows, expected):
            for field, value in record.items():
                if field == "citations":
                    continue
                if isinstance(value, list):
                    assert json.loads(row[field]) == value, (table, field)
                elif isinstance(value, bool):
                    assert row[field] == int(value), (table, field)
                else:
                    assert row[field] == value, (table, field)
    model = db["models"].get("example-1")
    assert (model["available"], model["available_earliest"], model["available_latest"]) == ("2026-03-02",) * 3
    metric = db["metrics"].get("example-app-wau-2026-02")
    dates = (metric["as_of"], metric["as_of_earliest"], metric["as_of_latest"])
    assert dates == ("2026-02", "2026-02-01", "2026-02-28")
    assert db["records"].count == sum(len(jsonl(release, t)) for t in TABLES)


def test_each_quote_is_a_citation_row_in_record_order(release: Path, db: sqlite_utils.Database) -> None:
    expected = [
        {"record_id": r["id"], "record_table": t, "position": i, "source_id": c["source_id"], "quote": c["quote"],
         "supports": c["supports"], "via": c["via"], "translation": c["translation"]}
        for t in CITED for r in jsonl(release, t) for i, c in enumerate(r["citations"])
    ]
    rows = list(db.query("SELECT * FROM citations ORDER BY id"))
    assert [r["id"] for r in rows] == list(range(1, len(expected) + 1))
    assert [{k: json.loads(v) if k == "supports" else v for k, v in r.items() if k != "id"} for r in rows] == expected


def test_full_text_search_finds_names_statements_and_quotes(db: sqlite_utils.Database) -> None:
    assert [r["id"] for r in db["organizations"].search("示例实验室")] == ["example-labs"]  # an alias in Chinese
    assert [r["id"] for r in db["claims"].search("coding")] == ["example-1-beats-rival-2"]
    quotes = {r["record_id"] for r in db["citations"].search("Hangzhou")}
    assert quotes == {"example-labs", "example-1", "example-1-launch"}


def test_facts_view_puts_each_quote_beside_its_record_and_source(db: sqlite_utils.Database) -> None:
    (fact,) = db.query("SELECT * FROM facts WHERE record_id = 'example-1' AND quote LIKE '%2 March%'")
    assert fact["record"] == "Example-1"
    assert json.loads(fact["fields"]) == ["name", "organization_id", "kind", "available", "open_weights"]
    assert (fact["source_title"], fact["publisher"], fact["source_published"]) == (
        "Example Labs releases Example-1", "Example Daily", "2026-03-10"
    )
    assert fact["source_url"] == "https://example.org/news/example-1"
    assert db.execute("SELECT count(*) FROM facts").fetchone()[0] == db["citations"].count


def test_canned_queries_run_and_answer(release: Path, db: sqlite_utils.Database) -> None:
    queries = json.loads((release / database.METADATA).read_text(encoding="utf-8"))["databases"]["ailedger"]["queries"]
    assert set(queries) == {"launches_by_month", "usage_figures", "claims_by_asserter"}
    answers = {name: list(db.query(q["sql"])) for name, q in queries.items()}
    assert answers["launches_by_month"][0]["month"] == "2026-03"
    assert answers["launches_by_month"][0]["launches"] == 2
    (usage,) = answers["usage_figures"]
    assert (usage["subject"], usage["value"], usage["measured_by"]) == ("Example", 12500000, "CountCo")
    assert usage["derived"] == 0
    (claim,) = answers["claims_by_asserter"]
    assert (claim["asserter"], claim["subject"], claim["verified"]) == ("Example Labs", "Example-1", 0)
    assert "outperforms Rival-2" in claim["quotes"]


def test_a_month_range_is_listed_as_a_range_not_a_made_up_month(tmp_path: Path) -> None:
    dataset, texts = chinese_dataset(tmp_path)
    model = dataset / "models" / "example-1.yaml"
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace('available: "2026-03-02"', 'available: "[2026-02..2026-03]"'), encoding="utf-8")
    build_release(dataset, tmp_path / "release", texts)
    db = sqlite_utils.Database(tmp_path / "release" / database.FILE)
    sql = database.QUERIES["launches_by_month"]["sql"]
    assert [(r["month"], r["launches"]) for r in db.query(sql)] == [("2026-02..2026-03", 1), ("2026-03", 1)]
    assert db["models"].get("example-1")["available_latest"] == "2026-03-31"


def test_metadata_carries_the_data_dictionary_licence_and_source(release: Path) -> None:
    meta = json.loads((release / database.METADATA).read_text(encoding="utf-8"))
    assert meta["license"] == "CC-BY-4.0" and meta["license_url"].startswith("https://creativecommons.org/")
    assert meta["source_url"].startswith("https://")
    tables = meta["databases"]["ailedger"]["tables"]
    for table, model in LATEST.TABLES.items():
        assert tables[table]["description"].startswith(" ".join(model.__doc__.split())), table
        for field, info in model.model_fields.items():
            if field != "citations":
                assert tables[table]["columns"][field].startswith(meaning(field, info)), (table, field)
    assert set(tables["models"]["columns"]) >= {"available_earliest", "available_latest"}
    assert set(database.VIEWS) <= set(tables) and tables["citations"]["columns"]["quote"]


@pytest.mark.slow
def test_a_long_bulk_series_goes_in_batch_by_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More rows than a batch, so the citation numbering continues across batches."""
    from test_bulk import GOOD, region

    monkeypatch.setattr(database, "BATCH", 200)
    dataset, texts = chinese_dataset(tmp_path)
    # Rows differ by region, not by date: a row's date must be one its quote states.
    regions = [region(i) for i in range(26 * 26)]
    lines = [json.dumps({**GOOD, "id": f"example-app-wau-d{i:05d}", "region": r}) for i, r in enumerate(regions)]
    (dataset / "metrics" / "series.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    build_release(dataset, tmp_path / "release", texts)
    db = sqlite_utils.Database(tmp_path / "release" / database.FILE)
    assert db["metrics"].count == len(regions) + 1
    ids = [r[0] for r in db.execute("SELECT id FROM citations ORDER BY id")]
    assert ids == list(range(1, len(ids) + 1))
    first, last = (db["metrics"].get(f"example-app-wau-d{i:05d}") for i in (0, len(regions) - 1))
    assert (first["region"], last["region"]) == (regions[0], regions[-1])
    quotes = list(db.query("SELECT position, quote FROM citations WHERE record_id = ? ORDER BY id", [last["id"]]))
    assert [q["position"] for q in quotes] == [0, 1] and "CountCo" in quotes[1]["quote"]
