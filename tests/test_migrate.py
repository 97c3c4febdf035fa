"""Schema v2 and the migrations between v1 and v2: golden records, the real dataset, and every valid record."""

from __future__ import annotations

import contextlib
import filecmp
import io
import json
import shutil
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DATASET, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from strategies import RECORDS_BY_MAJOR

import ailedger
from ailedger import validate
from ailedger.cli import run
from ailedger.errors import SchemaVersionError
from ailedger.schema import v1, v2
from ailedger.schema.migrations import (
    DATE_KINDS,
    UNCLEAR_NOTE,
    MigrationError,
    date_kind,
    migrate,
)
from ailedger.validate import files, record, rules
from ailedger.validate.yaml12 import loads

GOLDEN = ROOT / "tests" / "golden"
GOLDEN_V1 = GOLDEN / "v1" / "dataset"
GOLDEN_TEXTS = GOLDEN / "v1" / "texts"
GOLDEN_V2 = GOLDEN / "v2-from-v1" / "dataset"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args))
    return code, out.getvalue(), err.getvalue()


def same_tree(a: Path, b: Path) -> list[str]:
    """Paths that differ (by bytes) or exist on one side only."""
    cmp = filecmp.dircmp(a, b)
    out = [str(a / n) for n in cmp.left_only + cmp.right_only]
    out += [str(a / n) for n in cmp.common_files if not filecmp.cmp(a / n, b / n, shallow=False)]
    for sub in cmp.common_dirs:
        out += same_tree(a / sub, b / sub)
    return out


def records(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    """(table, record) of every record file and every line of every bulk file."""
    out = [(p.parent.name, loads(p.read_text(encoding="utf-8")).data) for p in sorted(folder.glob("*/*.yaml"))]
    for p in sorted(folder.glob("*/*.jsonl")):
        lines = p.read_text(encoding="utf-8").splitlines()
        out += [(p.parent.name, json.loads(line)) for line in lines if line.strip()]
    return out


@contextlib.contextmanager
def validating_as(schema: types.ModuleType) -> Iterator[None]:
    """Run the validator with ``schema`` as the current version, whichever is current."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(record, "LATEST", schema)
        m.setattr(files, "LATEST", schema)
        m.setattr(rules, "LATEST", schema)
        yield


def curated(table: str, major: int) -> list[Any]:
    """The records of dataset/<table>/ as models of ``major``."""
    model = (v1 if major == 1 else v2).TABLES[table]
    return sorted(
        (model.model_validate(migrate(table, rec, major)[0], strict=True) for t, rec in records(DATASET) if t == table),
        key=lambda r: r.id,
    )


# Golden records


def test_golden_v1_records_are_valid_v1() -> None:
    with validating_as(v1):
        report = validate.validate([GOLDEN_V1], GOLDEN_TEXTS)
    assert [d.text() for d in report.diagnostics] == []
    for table, data in records(GOLDEN_V1):
        TypeAdapter(v1.TABLES[table]).validate_python(data, strict=True)


def test_golden_v1_migrates_to_the_reviewed_v2_files_and_back(tmp_path: Path) -> None:
    work = tmp_path / "dataset"
    shutil.copytree(GOLDEN_V1, work)
    code, out, _ = cli("migrate", "--to", "2", "--dataset", str(work))
    assert code == 0
    assert same_tree(work, GOLDEN_V2) == []
    assert "beispiel-3.yaml: released: moved to announced with a note" in out
    code, _, _ = cli("migrate", "--to", "1", "--dataset", str(work))
    assert code == 0
    assert same_tree(work, GOLDEN_V1) == []  # byte for byte, comments included


def test_golden_v2_records_pass_every_rule_under_v2() -> None:
    with validating_as(v2):
        report = validate.validate([GOLDEN_V2], GOLDEN_TEXTS)
    assert [d.text() for d in report.diagnostics] == []


def test_migration_puts_each_date_where_its_quote_says() -> None:
    moved = {data["id"]: data for table, data in records(GOLDEN_V2) if table == "models"}
    where = {rid: [k for k in DATE_KINDS if k in rec] for rid, rec in moved.items()}
    assert where == {
        "beispiel-1": ["available"],  # "lanciert"
        "beispiel-1-open": ["weights_released"],  # "Die Gewichte ... veröffentlicht"
        "beispiel-2": ["announced"],  # "angekündigt"
        "beispiel-3": ["announced"],  # "im Einsatz": unclear
        "beispiel-4": ["announced"],  # "angekündigt" and "auf den Markt gebracht" disagree
        "beispiel-app": [],
        "rival-2": ["available"],  # "launched"
    }
    assert {rid for rid, rec in moved.items() if rec.get("notes") == [UNCLEAR_NOTE]} == {"beispiel-3", "beispiel-4"}
    assert all("released" not in c["supports"] for rec in moved.values() for c in rec["citations"])


@pytest.mark.parametrize(
    ("quotes", "kind"),
    [
        (["Hier hat Zhipu AI ein Flaggschiff-Modell GLM 5 lanciert"], "available"),
        (["hat das Unternehmen Kling AI 3.0 auf den Markt gebracht"], "available"),
        (["am 12. Februar das offene Modell M2.5 herausgebracht"], "available"),
        (["OpenAI launched GPT-5 on Thursday"], "available"),
        (["Alibaba hat am 6. Februar Qwen 4 angekündigt"], "announced"),
        (["Alibaba hat Qwen 4 bekannt gegeben"], "announced"),
        (["Meta announced Llama 5"], "announced"),
        (["Die Gewichte wurden auf Hugging Face veröffentlicht"], "weights_released"),
        (["Mistral released the weights of Mistral 4"], "weights_released"),
        (["Das Modell ist seit 2025 im Einsatz"], None),
        (["X wurde angekündigt", "X wurde lanciert"], None),
        ([], None),
    ],
)
def test_date_kind_from_wording(quotes: list[str], kind: str | None) -> None:
    assert date_kind(quotes) == kind


# The real dataset


def _models_as_data(folder: Path) -> dict[str, Any]:
    """Each model of ``folder`` as data, its dates pooled: v1 had one release date, v2 says which kind it was.

    Going down and up, the kind is read again from the date's quote (a v1 record does not keep it),
    so a model whose curator chose another kind than its quote's wording comes back under that kind;
    its date itself never changes.
    """
    out = {}
    for table, data in records(folder):
        if table == "models":
            rec = v2.Model.model_validate(data, strict=True).model_dump(mode="json", exclude=set(DATE_KINDS))
            rec["dates"] = sorted(str(data[k]) for k in DATE_KINDS if data.get(k) is not None)
            out[data["id"]] = rec
    return out


def test_real_dataset_goes_down_to_v1_and_back_passing_every_rule(tmp_path: Path, texts: Path) -> None:
    work, as_v1 = tmp_path / "dataset", tmp_path / "v1"
    shutil.copytree(DATASET, work)
    code, out, err = cli("migrate", "--to", "1", "--allow-loss", "--dataset", str(work))
    assert code == 0, out + err
    lost = [line for line in out.splitlines() if "dropped" in line]
    assert all(": formula: dropped" in line for line in lost), lost  # no model has two dates or notes
    shutil.copytree(work, as_v1)
    with validating_as(v1):
        report = validate.validate([as_v1], texts)
    assert [d.text() for d in report.diagnostics] == []
    code, out, err = cli("migrate", "--to", "2", "--dataset", str(work))
    assert code == 0, out + err
    dated = sum(data.get("released") is not None for table, data in records(as_v1) if table == "models")
    assert out.count("released: moved to") == dated
    back = validate.validate([work], texts).diagnostics
    assert [d.text() for d in back if d.code != "metric.formula-missing"] == []  # a dropped formula is asked for
    assert len(back) == len(lost)
    assert _models_as_data(work) == _models_as_data(DATASET)
    changed = {Path(p).relative_to(work).as_posix() for p in same_tree(work, DATASET)}
    for c in sorted(c for c in changed if not c.startswith("models/")):  # only a model's date kind, and formulas
        original = (DATASET / c).read_text(encoding="utf-8").splitlines()
        kept = [line for line in original if not line.startswith("formula")]
        assert (work / c).read_text(encoding="utf-8").splitlines() == kept, c
    assert len([line for line in lost if "formula" in line]) == len(
        [c for c in changed if c.startswith("metrics/")]
    )
    code, _, err = cli("migrate", "--to", "2", "--dataset", str(work))
    assert (code, err.strip()) == (0, f"ok: migrated 0 records to schema v2; {len(records(DATASET))} already were")


def test_real_dataset_is_in_v2() -> None:
    assert all(data["schema_version"] == 2 for _, data in records(DATASET))
    models = [data for table, data in records(DATASET) if table == "models"]
    assert not any("notes" in rec or "released" in rec for rec in models)


# Every valid record

V1_RECORDS = RECORDS_BY_MAJOR[1]
v1_records = st.sampled_from(sorted(V1_RECORDS)).flatmap(lambda t: st.tuples(st.just(t), V1_RECORDS[t]))
WORDINGS = ["GLM 5 lanciert", "angekündigt", "Gewichte veröffentlicht", "im Einsatz", "launched", "unveiled"]


@st.composite
def v1_models_with_dates(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A valid v1 model whose release date is backed by quotes of every kind of wording."""
    rec = draw(V1_RECORDS["models"])
    quotes = draw(st.lists(st.sampled_from(WORDINGS), min_size=1, max_size=2))
    cites = [{"source_id": "s", "quote": q, "supports": ["released"]} for q in quotes]
    return "models", {
        **rec,
        "released": draw(st.sampled_from(["2026", "2026-02-12", None])),
        "citations": rec["citations"] + cites,
    }


@settings(max_examples=100, deadline=None)
@given(st.one_of(v1_records, v1_models_with_dates()))
def test_every_valid_v1_record_migrates_to_valid_v2_and_back_unchanged(case: tuple[str, dict[str, Any]]) -> None:
    table, rec = case
    if any(set(c["supports"]) & {*DATE_KINDS, "notes"} for c in rec.get("citations", [])):
        with pytest.raises(MigrationError):
            migrate(table, rec, 2)
        return
    up, notes = migrate(table, rec, 2)
    TypeAdapter(v2.TABLES[table]).validate_python(up, strict=True)
    assert not any(n.lost for n in notes)
    assert "released" not in up
    back, notes = migrate(table, up, 1)
    assert (back, list(back), notes) == (rec, list(rec), [])
    # The same holds for the full form a loaded record dumps to.
    full = TypeAdapter(v1.TABLES[table]).validate_python(rec, strict=True).model_dump(mode="json")
    assert migrate(table, migrate(table, full, 2)[0], 1)[0] == full


# Down to v1: what v1 cannot hold


V2_BOTH_DATES = """\
id: two-dates
schema_version: 2
name: "Two Dates"
organization_id: org
kind: model
announced: "2026-01"
available: "2026-03"
citations:
  - source_id: src
    quote: "announced in January"
    supports: [name, organization_id, kind, announced]
  - source_id: src
    quote: "launched in March"
    supports: [available]
notes: ["A curator's remark."]
"""


def test_going_down_reports_what_v1_cannot_hold_and_writes_only_when_allowed(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    file = tmp_path / "models" / "two-dates.yaml"
    file.write_text(V2_BOTH_DATES, encoding="utf-8")
    code, out, err = cli("migrate", "--to", "1", "--dataset", str(tmp_path))
    assert code == 1 and "nothing written" in err
    assert "announced: dropped 2026-01 (and quotes backing only it): v1 keeps one release date, available" in out
    assert "notes: dropped \"A curator's remark.\": v1 has no notes" in out
    assert file.read_text(encoding="utf-8") == V2_BOTH_DATES
    assert cli("migrate", "--to", "1", "--dataset", str(tmp_path), "--allow-loss")[0] == 0
    data = loads(file.read_text(encoding="utf-8")).data
    assert data["released"] == "2026-03" and "announced" not in data and "notes" not in data
    assert [c["supports"] for c in data["citations"]] == [["name", "organization_id", "kind"], ["released"]]
    TypeAdapter(v1.Model).validate_python(data, strict=True)


def test_migrate_refuses_invalid_records_and_writes_nothing(tmp_path: Path) -> None:
    shutil.copytree(GOLDEN_V1, tmp_path / "dataset")
    bad = tmp_path / "dataset" / "models" / "rival-2.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("schema_version: 1", "schema_version: 7"), encoding="utf-8")
    code, out, err = cli("migrate", "--to", "2", "--dataset", str(tmp_path / "dataset"))
    assert code == 1 and "nothing written" in err
    assert (
        "rival-2.yaml:2:1: error[schema.version-unknown] schema_version: not a schema version: this ailedger knows "
        "1, 2; a record in a newer version needs a newer ailedger (pip install -U ailedger); got 7"
        in out
    )
    assert same_tree(tmp_path / "dataset" / "organizations", GOLDEN_V1 / "organizations") == []



def test_migrate_reads_record_files_as_validate_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One reader: an unreadable file is validate's file.unreadable (was an internal error), a YAML problem located."""
    shutil.copytree(GOLDEN_V1, tmp_path / "dataset")
    broken = tmp_path / "dataset" / "models" / "rival-2.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    gone = tmp_path / "dataset" / "organizations" / next(p.name for p in (GOLDEN_V1 / "organizations").iterdir())
    read_bytes = Path.read_bytes

    def failing(path: Path) -> bytes:
        if path == gone:
            raise PermissionError(13, "Permission denied")
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", failing)
    code, out, err = cli("migrate", "--to", "2", "--dataset", str(tmp_path / "dataset"))
    assert code == 1 and "nothing written" in err
    assert f"{gone.name}: error[file.unreadable] cannot read: Permission denied" in out
    assert "rival-2.yaml:2:1: error[yaml.syntax]" in out, out


# Serving a pinned major


@pytest.mark.parametrize("table", sorted(V1_RECORDS))
def test_load_serves_v1_models_to_a_user_who_pinned_v1(table: str) -> None:
    pinned = ailedger.load(table, schema_version=1)
    assert all(type(m) is v1.TABLES[table] for m in pinned)
    assert pinned == curated(table, 1)


def test_load_pinned_to_v1_gives_the_one_release_date() -> None:
    pinned = {m.id: m for m in ailedger.load("models", schema_version=1)}
    for m in ailedger.load("models"):
        dates = [d for d in (m.available, m.announced, m.weights_released) if d is not None]
        assert pinned[m.id].released == (dates[0] if dates else None), m.id
        v2_supports = [["released" if f in DATE_KINDS else f for f in c.supports] for c in m.citations]
        assert [c.supports for c in pinned[m.id].citations] == v2_supports, m.id


def test_load_serves_v2_models_with_typed_dates() -> None:
    models = {m.id: m for m in ailedger.load("models", schema_version=2)}
    assert all(type(m) is v2.Model for m in models.values())
    assert list(models.values()) == curated("models", 2)


def test_load_refuses_an_unknown_major() -> None:
    with pytest.raises(SchemaVersionError, match="schema version 3 is not known; this ailedger reads and writes 1, 2"):
        ailedger.load("models", schema_version=3)


def test_v2_offers_every_name_v1_does_so_latest_can_switch() -> None:
    names = [
        n for n in dir(v1)
        if not n.startswith("_") and not isinstance(getattr(v1, n), types.ModuleType)
        and not getattr(getattr(v1, n), "__module__", "").startswith(("pydantic", "typing"))
    ]
    assert [n for n in names if not hasattr(v2, n)] == []


def test_every_majors_generated_schema_is_committed_and_current() -> None:
    from ailedger.schema import MAJORS, version
    from ailedger.schema.json_schema import GENERATED, json_schema

    for major in MAJORS:
        folder = ROOT / GENERATED / f"v{major}"
        assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.schema.json" for t in version(major).TABLES)
        for table in version(major).TABLES:
            committed = json.loads((folder / f"{table}.schema.json").read_text(encoding="utf-8"))
            assert committed == json_schema(table, major), f"{folder} drifted: run python scripts/refresh.py"


# Bulk files: every line migrated as a record file is, streamed

BASE = ROOT / "tests" / "cases" / "_base"


def bulk_dataset(tmp_path: Path) -> tuple[Path, Path, bytes]:
    """A copy of the _base dataset with metrics/series.jsonl: three v1 rows and one already in v2, as bulk files are
    written."""
    root = tmp_path / "dataset"
    shutil.copytree(BASE / "dataset", root)
    base = loads((root / "metrics" / "example-app-wau-2026-02.yaml").read_text(encoding="utf-8")).data
    # rows differ by region, not date: a row's date must be one its quote states ("at the end of February")
    cites = [base["citations"][0], {**base["citations"][1], "supports": ["measured_by", "region"]}]
    rows = [
        {**base, "id": f"example-app-wau-2025-{m:02d}", "region": f"A{chr(64 + m)}", "citations": cites,
         "schema_version": 2 if m == 3 else 1}
        for m in range(1, 5)
    ]
    file = root / "metrics" / "series.jsonl"
    file.write_bytes(b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in rows))
    return root, file, file.read_bytes()


def test_bulk_file_migrates_to_v2_and_back_byte_for_byte(tmp_path: Path) -> None:
    root, file, original = bulk_dataset(tmp_path)
    code, out, err = cli("migrate", "--to", "2", "--dataset", str(root))
    expected = f"ok: migrated 3 records to schema v2; {len(records(root)) - 3} already were"
    assert (code, err.strip()) == (0, expected), out + err
    lines = file.read_bytes().splitlines(keepends=True)
    assert [json.loads(line)["region"] for line in lines] == ["AA", "AB", "AC", "AD"]
    assert lines == [
        json.dumps({**json.loads(line), "schema_version": 2}, ensure_ascii=False).encode() + b"\n"
        for line in original.splitlines()
    ]
    assert [d.text() for d in validate.validate([root], BASE / "texts").diagnostics] == []
    shutil.copytree(root, tmp_path / "v2")
    assert cli("migrate", "--to", "1", "--dataset", str(root))[0] == 0
    assert file.read_bytes() == original.replace(b'"schema_version": 2', b'"schema_version": 1')
    assert cli("migrate", "--to", "2", "--dataset", str(root))[0] == 0
    assert same_tree(root, tmp_path / "v2") == []
    assert [p.name for p in (root / "metrics").iterdir() if p.name.startswith(".")] == []


def test_a_bulk_file_that_starts_with_a_bom_migrates_as_validate_reads_it(tmp_path: Path) -> None:
    """validate reads such a file with the file.bom warning; migrate read it as an error, and wrote nothing."""
    root, file, original = bulk_dataset(tmp_path)
    file.write_bytes(b"\xef\xbb\xbf" + original)
    code, out, err = cli("migrate", "--to", "2", "--dataset", str(root))
    assert code == 0, out + err
    assert file.read_bytes() == original.replace(b'"schema_version": 1', b'"schema_version": 2')


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            b'{"id": "broken",',
            "series.jsonl:2:17: error[json.syntax] Expecting property name enclosed in double quotes",
        ),
        (b'{"id": "x", "id": "y"}', "series.jsonl:2: error[json.duplicate-key]"),
        (
            b'{"id": "x", "schema_version": 7}',
            (
                "series.jsonl:2: error[schema.version-unknown] schema_version: not a schema version: this ailedger "
                "knows 1, 2; a record in a newer version needs a newer ailedger (pip install -U ailedger); got 7"
            ),
        ),
        (
            b'{"id": "x", "schema_version": 1}',
            "series.jsonl:2: error[schema.missing] subject_id: required field is missing",
        ),
    ],
)
def test_a_bad_bulk_line_is_reported_at_its_line_and_nothing_is_written(
    line: bytes, expected: str, tmp_path: Path
) -> None:
    root, file, _ = bulk_dataset(tmp_path)
    rows = file.read_bytes().splitlines()
    file.write_bytes(b"\n".join([rows[0], line, *rows[1:]]) + b"\n")
    before = file.read_bytes()
    code, out, err = cli("migrate", "--to", "2", "--dataset", str(root))
    assert code == 1 and "nothing written" in err
    assert expected in out and "Traceback" not in out + err
    assert file.read_bytes() == before
    assert sorted(p.name for p in (root / "metrics").iterdir()) == ["example-app-wau-2026-02.yaml", "series.jsonl"]


def test_dry_run_writes_no_bulk_file(tmp_path: Path) -> None:
    root, _, _ = bulk_dataset(tmp_path)
    shutil.copytree(root, tmp_path / "before")
    code, _, err = cli("migrate", "--to", "2", "--dataset", str(root), "--dry-run")
    assert (code, err.startswith("ok: would migrate 3 records")) == (0, True)
    assert same_tree(root, tmp_path / "before") == []
    assert list(root.rglob(".*")) == []


# --- schema 2-1-0: additions ------------------------------------------------------


def test_a_model_without_a_developer_is_valid_v2_but_refused_by_v1() -> None:
    cite = [{"source_id": "src", "quote": "Someone launched Anon in March", "supports": ["name"]}]
    record = {"id": "anon", "schema_version": 2, "name": "Anon", "kind": "model", "citations": cite}
    TypeAdapter(v2.Model).validate_python(record, strict=True)
    with pytest.raises(MigrationError, match=r"anon: names no developer .* schema v1 requires"):
        migrate("models", record, 1)


def test_going_down_drops_the_archive_fields_of_a_source_as_lost() -> None:
    source = {
        "id": "src", "schema_version": 2, "title": None, "publisher": "pub", "published": "2026-03-10",
        "language": "en", "url": None, "kind": "news_article", "sha256": "a" * 64,
        "archive_url": "https://archive.example/web/20260310000000id_/https://pub.example/a",
        "archive_sha256": "b" * 64, "extractor": "trafilatura 2.3.1",
    }
    down, notes = migrate("sources", source, 1)
    TypeAdapter(v1.Source).validate_python(down, strict=True)
    assert [(n.field, n.lost) for n in notes] == [("archive_url", True), ("archive_sha256", True), ("extractor", True)]
    up, _ = migrate("sources", down, 2)
    kept = {k: v for k, v in source.items() if not k.startswith("archive") and k != "extractor"}
    assert up == kept | {"schema_version": 2}


def test_load_pinned_to_v1_leaves_out_a_model_v1_cannot_hold_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from ailedger import arrow
    from ailedger.errors import RecordsLeftOutWarning

    models = ailedger.load("models")
    anon = models[0].model_copy(update={"id": "anon", "organization_id": None})
    monkeypatch.setattr(arrow, "trusted_records", lambda rows, model: [*models, anon])
    with pytest.warns(RecordsLeftOutWarning, match=r"models: 1 records cannot be written in schema v1 .*\(anon\)"):
        pinned = ailedger.load("models", schema_version=1)
    assert {m.id for m in pinned} == {m.id for m in models}


# --- schema 2-1-1: a metric's formula ----------------------------------------------

DERIVED_METRIC = {
    "id": "b-dau", "schema_version": 2, "subject_id": "b", "metric": "daily_active_users", "value": 81000000,
    "reported": "2026-02", "derived_from": ["a-dau"], "derivation": "A's figure plus the stated gap.",
    "formula": "a-dau + 23000000",
    "citations": [{"source_id": "src", "quote": "A had 58 million, 23 million fewer than B", "supports": ["value"]}],
}


def test_going_down_drops_a_formula_as_lost_and_keeps_the_derivation() -> None:
    down, notes = migrate("metrics", DERIVED_METRIC, 1)
    TypeAdapter(v1.Metric).validate_python(down, strict=True)
    assert [(n.field, n.lost) for n in notes] == [("formula", True)]
    assert "formula" not in down and down["derivation"] == DERIVED_METRIC["derivation"]
    assert migrate("metrics", {**DERIVED_METRIC, "formula": None}, 1)[1] == []


def test_load_pinned_to_v1_serves_metrics_with_a_formula() -> None:
    current = {m.id: m for m in ailedger.load("metrics")}
    pinned = {m.id: m for m in ailedger.load("metrics", schema_version=1)}
    assert pinned.keys() == current.keys()
    for rid, metric in pinned.items():
        assert (metric.value, metric.derivation) == (current[rid].value, current[rid].derivation)
        assert not hasattr(metric, "formula")
