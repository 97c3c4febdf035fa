"""Bulk JSON Lines metrics: the same rules, codes and messages as one-record YAML files.

Each bad metric is validated twice on a copy of the valid ``_base`` dataset:
once as ``metrics/<id>.yaml`` and once as a line of ``metrics/series.jsonl``
between clean rows. The diagnostics (code, field, message, severity) must be
the same; only the location differs (``file:line`` for JSON Lines).
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES
from hypothesis import given, settings
from hypothesis import strategies as st

from ailedger import arrow
from ailedger.schema import LATEST
from ailedger.validate import bulk, validate
from ailedger.validate.jsonl import BOM

BASE = CASES / "_base"
QUOTE = "the Example app reached 12,5 Millionen weekly active users at the end of February"
GOOD: dict[str, Any] = {
    "id": "example-app-wau-2026-01",
    "schema_version": 2,
    "subject_id": "example-app",
    "metric": "weekly_active_users",
    "value": 12500000,
    "as_of": "2026-02",
    "region": "JP",
    "measured_by": "countco",
    "citations": [
        {"source_id": "example-news", "quote": QUOTE, "supports": ["subject_id", "metric", "value", "as_of"]},
        {
            "source_id": "example-news",
            "quote": "According to the data provider CountCo",
            "supports": ["measured_by", "region"],
        },
    ],
}
# Rows differ by region, not by date: the source states one date, and a row's date must be one its quote states.


def region(n: int) -> str:
    return f"{chr(65 + n // 26)}{chr(65 + n % 26)}"


def clean_row(month: int) -> dict[str, Any]:
    return {**GOOD, "id": f"example-app-wau-2025-{month:02d}", "region": region(month)}


def dataset(tmp_path: Path) -> Path:
    root = tmp_path / "dataset"
    shutil.copytree(BASE / "dataset", root)
    shutil.copytree(BASE / "texts", tmp_path / "texts")
    return root


def write_lines(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def shape(diagnostics: list[Any]) -> set[tuple[str, str, str, str]]:
    return {(d.code, d.field, d.message, d.severity) for d in diagnostics}


def as_yaml(tmp_path: Path, record: dict[str, Any]) -> list[Any]:
    root = dataset(tmp_path / "yaml")
    (root / "metrics" / f"{record['id']}.yaml").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return validate([root], root.parent / "texts").diagnostics


def as_bulk(tmp_path: Path, record: dict[str, Any]) -> tuple[list[Any], Path]:
    root = dataset(tmp_path / "bulk")
    file = root / "metrics" / "series.jsonl"
    rows = [clean_row(1), clean_row(2), record, clean_row(3)]
    write_lines(file, [json.dumps(r, ensure_ascii=False).encode() for r in rows])
    return validate([root], root.parent / "texts").diagnostics, file


def cite(**changes: Any) -> list[dict[str, Any]]:
    return [{**GOOD["citations"][0], **changes}, GOOD["citations"][1]]


ABSENT = object()
DERIVED: dict[str, Any] = {
    "derived_from": ["example-app-wau-2026-02"],
    "derivation": "The same figure as the base record's.",
    "citations": cite(supports=["subject_id", "metric", "value", "as_of", "derived_from"]),
}
BAD: dict[str, dict[str, Any]] = {
    "older-schema-version": {"schema_version": 1},
    "negative-value": {"value": -5},
    "value-as-text": {"value": "12500000"},
    "value-as-float": {"value": 12500000.0},
    "unknown-field": {"valeu": 3},
    "missing-citations": {"citations": []},
    "bad-id": {"id": "Example_App"},
    "bad-date": {"as_of": "2026-02-30"},
    "bad-metric": {"metric": "hourly_users"},
    "quote-not-in-source": {"citations": cite(quote="the Example app reached 13 Millionen weekly active users")},
    "quote-too-short": {"citations": cite(quote="Example")},
    "quote-control-char": {"citations": cite(quote="the Example app\x07 reached 12,5 Millionen")},
    "supports-unknown": {"citations": cite(supports=["subject_id", "metric", "value", "as_of", "valeu"])},
    "supports-curator-text": {"citations": cite(supports=["subject_id", "metric", "value", "as_of", "derivation"])},
    "supports-twice": {"citations": cite(supports=["subject_id", "metric", "value", "value", "as_of"])},
    "unsupported-region": {"citations": [GOOD["citations"][0], {**GOOD["citations"][1], "supports": ["measured_by"]}]},
    "supports-unset": {"citations": cite(supports=["subject_id", "metric", "value", "as_of", "reported"])},
    "value-not-quoted": {"value": 12600000},
    "more-than-world": {"value": 9_000_000_000},
    "after-source": {"as_of": "2027-01"},
    "too-early": {"as_of": "1900"},
    "reported-before-as-of": {
        "reported": "2025-12",
        "citations": cite(supports=["subject_id", "metric", "value", "as_of", "reported"]),
    },
    "undated": {"as_of": ABSENT, "citations": cite(supports=["subject_id", "metric", "value"])},
    "derived-from-null": {"derived_from": None},
    "region-null": {"region": None},
    "blank-quote": {"citations": cite(quote="")},
    "dangling-subject": {"subject_id": "example-ap"},
    "subject-wrong-table": {"subject_id": "example-news"},
    "measured-by-model": {"measured_by": "example-app"},
    "dangling-source": {"citations": cite(source_id="example-newz")},
    "via-not-reporting": {"citations": cite(via="example-labs")},
    "derived-without-derivation": {"derived_from": ["example-app-wau-2026-02"]},
    "derivation-without-derived": {"derivation": "sum of the weeks"},
    "derived-from-itself": {"derived_from": ["example-app-wau-2026-01"], "derivation": "the same"},
    "same-period-as-yaml-metric": {
        "region": ABSENT,
        "citations": [GOOD["citations"][0], {**GOOD["citations"][1], "supports": ["measured_by"]}],
    },
    "id-of-yaml-record": {"id": "example-app", "as_of": "2026-01"},
    # what the quotes state (issue 14)
    "metric-not-in-quote": {"metric": "monthly_active_users"},
    "date-sharper-than-quote": {"as_of": "2026-02-27"},
    "date-outside-quote": {"as_of": "2026-01"},
    "subject-not-named": {"subject_id": "example-1"},
    "measured-by-not-named": {"measured_by": "example-daily"},
    "value-from-another-sentence": {
        "citations": cite(quote="Example Labs from Hangzhou released its open model Example-1 on 2 March")
    },
    # derived figures recomputed from their formula
    "formula-mismatch": DERIVED | {"formula": "example-app-wau-2026-02 - 12500000"},
    "formula-number-not-stated": DERIVED | {"formula": "example-app-wau-2026-02 + 7"},
    "formula-invalid": DERIVED | {"formula": "example-app-wau-2026-02 ** 2"},
    "formula-ids": DERIVED | {"formula": "example-app-wau-2025-01 + 0"},
    "formula-missing": DERIVED,
    "formula-without-derived-from": {"formula": "12500000"},
}


@pytest.mark.parametrize("name", list(BAD))
def test_bulk_row_gets_the_diagnostics_of_a_record_file(name: str, tmp_path: Path, yaml_parser: str) -> None:
    record = {**GOOD, **BAD[name]}
    record = {k: v for k, v in record.items() if v is not ABSENT}
    from_yaml = shape(as_yaml(tmp_path, record))
    found, _ = as_bulk(tmp_path, record)
    from_bulk = shape(found)
    if name == "id-of-yaml-record":  # the YAML copy clashes with its file name; the message names the first user
        assert {d for d in from_bulk if d[0] == "id.duplicate"}
        assert any("models/example-app.yaml" in d[2] for d in from_bulk)
        return
    assert from_yaml or name == "region-null", "the mutation must be an error in a record file"
    assert from_bulk == from_yaml
    assert {d.line for d in found if d.path.endswith("series.jsonl")} <= {3}


def test_a_formula_over_bulk_rows_is_recomputed_with_their_values(tmp_path: Path) -> None:
    """The row a derived row is computed from may pass every column check; it goes the exact way all the same."""
    root = dataset(tmp_path)
    plain = {k: v for k, v in GOOD.items() if k not in ("measured_by", "region")}  # no attribution: clears the columns
    first = plain | {"id": "example-app-wau-late-feb", "as_of": "[2026-02-21..2026-02-28]"}
    first["citations"] = [GOOD["citations"][0]]
    supports = ["subject_id", "metric", "value", "as_of", "derived_from"]
    derived = plain | {
        "id": "example-app-wau-2026",
        "as_of": "2026",
        "derived_from": [first["id"]],
        "derivation": "The same figure as the row before.",
        "formula": first["id"],
        "citations": [{**GOOD["citations"][0], "supports": supports}],
    }
    file = root / "metrics" / "series.jsonl"
    write_lines(file, [json.dumps(first).encode(), json.dumps(derived).encode()])
    assert validate([root], root.parent / "texts").diagnostics == []
    wrong = derived | {"formula": f"{first['id']} - 12500000"}
    write_lines(file, [json.dumps(first).encode(), json.dumps(wrong).encode()])
    found = validate([root], root.parent / "texts").diagnostics
    assert [(d.line, d.code, d.message) for d in found] == [
        (
            2,
            "metric.formula-mismatch",
            (
                f"12500000 differs from its formula {first['id']} - 12500000, which gives 0 (with {first['id']} = "
                "12500000); correct the value or the formula"
            ),
        )
    ]


def test_clean_bulk_file_is_valid_and_counts_as_one_file(tmp_path: Path) -> None:
    root = dataset(tmp_path)
    write_lines(root / "metrics" / "series.jsonl", [json.dumps(clean_row(m)).encode() for m in range(1, 13)])
    report = validate([root], root.parent / "texts")
    assert report.diagnostics == []
    assert report.files_checked == len(list(root.rglob("*.yaml"))) + 1


STRICT_JSON = {
    "duplicate-key": (b'{"id": "a", "id": "b"}', "json.duplicate-key"),
    "nan": (b'{"value": NaN}', "json.not-a-number"),
    "infinity": (b'{"value": -Infinity}', "json.not-a-number"),
    "huge-integer": (b'{"value": 123456789012345678901234567890}', "json.number-too-large"),
    "lone-surrogate": (b'{"id": "\\ud800"}', "text.surrogate"),
    "invalid-utf8": (b'{"id": "\xff"}', "file.encoding"),
    "syntax": (b'{"id": "a",}', "json.syntax"),
    "blank-line": (b"", "json.blank-line"),
    "array": (b"[1, 2]", "record.not-mapping"),
    "two-objects": (b'{"id": "a"} {"id": "b"}', "json.syntax"),
}


@pytest.mark.parametrize("name", list(STRICT_JSON))
def test_json_that_pydantic_or_orjson_would_accept_silently_is_a_located_error(name: str, tmp_path: Path) -> None:
    line, code = STRICT_JSON[name]
    root = dataset(tmp_path)
    file = root / "metrics" / "series.jsonl"
    write_lines(file, [json.dumps(clean_row(1)).encode(), line, json.dumps(clean_row(2)).encode()])
    found = [d for d in validate([root], root.parent / "texts").diagnostics if d.path.endswith("series.jsonl")]
    assert [(d.line, d.code) for d in found] == [(2, code)]


def test_duplicate_key_is_named_escaped(tmp_path: Path) -> None:
    root = dataset(tmp_path)
    write_lines(root / "metrics" / "series.jsonl", [b'{"id\\u202e": 1, "id\\u202e": 2}'])
    found = [d for d in validate([root], root.parent / "texts").diagnostics if d.path.endswith("series.jsonl")]
    assert [d.message for d in found] == ['key "id\\u202e" appears twice in one object; keep one']


def test_duplicate_ids_within_bulk_files_name_the_first_line(tmp_path: Path) -> None:
    root = dataset(tmp_path)
    rows = [json.dumps(clean_row(m)).encode() for m in (1, 2, 1)]
    write_lines(root / "metrics" / "series.jsonl", rows)
    found = [d for d in validate([root], root.parent / "texts").diagnostics if d.code == "id.duplicate"]
    assert [(d.line, d.message) for d in found] == [
        (3, f"id {clean_row(1)['id']} is already used by {found[0].path}:1; ids are unique across all tables")
    ]


def test_a_rejected_row_still_exists_for_references(tmp_path: Path) -> None:
    root = dataset(tmp_path)
    broken = clean_row(1) | {"value": -1}
    derived = clean_row(2) | {"derived_from": [broken["id"]], "derivation": "the month before"}
    derived["citations"] = [
        {**GOOD["citations"][0], "supports": ["subject_id", "metric", "value", "as_of", "derived_from"]},
        GOOD["citations"][1],
    ]
    write_lines(root / "metrics" / "series.jsonl", [json.dumps(broken).encode(), json.dumps(derived).encode()])
    found = [d for d in validate([root], root.parent / "texts").diagnostics if d.path.endswith("series.jsonl")]
    assert [(d.line, d.code) for d in found] == [(1, "schema.greater-than-equal"), (2, "metric.formula-missing")]


def test_bulk_files_outside_metrics_are_refused(tmp_path: Path) -> None:
    root = dataset(tmp_path)
    write_lines(root / "models" / "more.jsonl", [b"{}"])
    found = [d for d in validate([root], root.parent / "texts").diagnostics if d.path.endswith("more.jsonl")]
    assert [d.code for d in found] == ["file.extension"]


def test_many_chunks_keep_line_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "CHUNK_BYTES", 1000)
    root = dataset(tmp_path)
    rows = [
        json.dumps(clean_row(m % 12 + 1) | {"id": f"example-app-wau-x{m}", "region": region(m)}).encode()
        for m in range(40)
    ]
    rows[29] = rows[29].replace(b'"value": 12500000', b'"value": -1')
    write_lines(root / "metrics" / "series.jsonl", rows)
    found = [d for d in validate([root], root.parent / "texts").diagnostics if d.path.endswith("series.jsonl")]
    assert [(d.line, d.code) for d in found] == [(30, "schema.greater-than-equal")]


def test_release_table_of_kept_rows_equals_the_table_of_the_same_records(tmp_path: Path) -> None:
    root = dataset(tmp_path)
    rows = [clean_row(m) for m in range(1, 4)]
    write_lines(root / "metrics" / "series.jsonl", [json.dumps(r).encode() for r in rows])
    report = validate([root], root.parent / "texts", keep_bulk=True)
    assert report.diagnostics == []
    table = arrow.release_table(report.bulk_rows["metrics"], LATEST.Metric)
    expected = arrow.to_table([LATEST.Metric.model_validate(r, strict=True) for r in rows], LATEST.Metric)
    assert table.schema.equals(expected.schema)
    assert table.sort_by("id").equals(expected)


@pytest.mark.parametrize("table", LATEST.TABLES)
def test_trusted_load_equals_validated_load(table: str) -> None:
    import ailedger

    trusted = ailedger.load(table)
    assert trusted == ailedger.load(table, validate=True)
    assert [r.model_fields_set for r in trusted] == [r.model_fields_set for r in ailedger.load(table, validate=True)]


def test_package_build_takes_bulk_rows_with_the_records(tmp_path: Path) -> None:
    from ailedger.release.tables import write_package_data

    root = dataset(tmp_path)
    rows = [clean_row(m) for m in (3, 1, 2)]  # out of id order: the build sorts
    write_lines(root / "metrics" / "series.jsonl", [json.dumps(r).encode() for r in rows])
    out = tmp_path / "data"
    manifest = write_package_data(root, out, root.parent / "texts")
    assert manifest["tables"]["metrics"]["rows"] == 4
    import pyarrow.parquet as pq

    table = pq.read_table(out / "metrics.parquet")
    assert table.column("id").to_pylist() == sorted(table.column("id").to_pylist())
    assert arrow.trusted_records(table, LATEST.Metric) == arrow.from_table(table, LATEST.Metric)
    expected = sorted([LATEST.Metric.model_validate(r, strict=True) for r in rows], key=lambda m: m.id)
    assert [m for m in arrow.from_table(table, LATEST.Metric) if m.id.startswith("example-app-wau-2025")] == expected


def test_release_holds_bulk_rows_in_parquet_and_json_lines(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from ailedger.release import build_release

    root = dataset(tmp_path)
    rows = [clean_row(m) for m in (3, 1, 2)]
    write_lines(root / "metrics" / "series.jsonl", [json.dumps(r).encode() for r in rows])
    out = tmp_path / "release"
    build_release(root, out, root.parent / "texts")
    parquet_ids = pq.read_table(out / "metrics.parquet").column("id").to_pylist()
    lines = (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == parquet_ids == sorted(parquet_ids)
    assert {r["id"] for r in rows} < set(parquet_ids)
    by_id = {json.loads(line)["id"]: line for line in lines}
    assert by_id["example-app-wau-2025-01"] == LATEST.Metric.model_validate(rows[1], strict=True).model_dump_json()


def test_did_you_mean_suggests_a_bulk_id_as_it_does_a_yaml_id(tmp_path: Path) -> None:
    typo = clean_row(3) | {"derived_from": ["example-app-wau-2025-1"], "derivation": "the month before"}
    typo["citations"] = cite(supports=["subject_id", "metric", "value", "as_of", "derived_from"])

    def dangling(diagnostics: list[Any]) -> list[str]:
        return [d.message for d in diagnostics if d.code == "ref.dangling"]

    yaml_root = dataset(tmp_path / "yaml")
    for row in (clean_row(1), clean_row(2), typo):
        (yaml_root / "metrics" / f"{row['id']}.yaml").write_text(json.dumps(row), encoding="utf-8")
    bulk_root = dataset(tmp_path / "bulk")
    write_lines(bulk_root / "metrics" / "series.jsonl", [json.dumps(clean_row(m)).encode() for m in (1, 2)])
    (bulk_root / "metrics" / f"{typo['id']}.yaml").write_text(json.dumps(typo), encoding="utf-8")

    expected = ["no record has id example-app-wau-2025-1; did you mean example-app-wau-2025-01?"]
    assert dangling(validate([yaml_root], yaml_root.parent / "texts").diagnostics) == expected
    assert dangling(validate([bulk_root], bulk_root.parent / "texts").diagnostics) == expected


def test_a_bom_is_a_warning_as_in_a_record_file(tmp_path: Path) -> None:
    """Audit L7: a bulk file starting with a UTF-8 BOM gets the record file's ``file.bom`` warning, its rows read."""
    root = dataset(tmp_path)
    file = root / "metrics" / "series.jsonl"
    rows = [json.dumps(clean_row(1)).encode(), json.dumps(clean_row(2) | {"value": -1}).encode()]
    file.write_bytes(BOM + b"\n".join(rows) + b"\n")
    found = [d for d in validate([root], root.parent / "texts").diagnostics if d.path.endswith("series.jsonl")]
    assert [(d.line, d.column, d.code, d.severity) for d in found] == [
        (1, 1, "file.bom", "warning"),
        (2, None, "schema.greater-than-equal", "error"),
    ]
    assert found[0].message == "UTF-8 byte order mark ignored; save the file as UTF-8 without BOM"


def test_a_flagged_first_row_after_a_bom_is_checked_by_the_exact_rules(tmp_path: Path) -> None:
    root = dataset(tmp_path)
    file = root / "metrics" / "series.jsonl"
    file.write_bytes(BOM + json.dumps(clean_row(1) | {"value": 12600000}).encode() + b"\n")
    found = [d for d in validate([root], root.parent / "texts").diagnostics if d.path.endswith("series.jsonl")]
    assert sorted((d.line, d.code) for d in found) == [(1, "file.bom"), (1, "metric.quote-mismatch")]


@pytest.mark.parametrize("key", [b'"d\\u0065rived_from"', b'"derived_\\u0066rom"'])
def test_an_escaped_key_set_to_null_is_the_null_of_the_plain_key(key: bytes, tmp_path: Path) -> None:
    """Audit L16b: the fast path decodes keys before looking for explicit nulls (Arrow reads null as absent)."""
    plain = json.loads(key).encode()
    rows = {}
    for name, spelled in (("plain", b'"' + plain + b'"'), ("escaped", key)):
        root = dataset(tmp_path / name)
        line = json.dumps(clean_row(2)).encode().replace(b'"id":', spelled + b': null, "id":', 1)
        write_lines(root / "metrics" / "series.jsonl", [json.dumps(clean_row(1)).encode(), line])
        rows[name] = [
            (d.line, d.code, d.field)
            for d in validate([root], root.parent / "texts").diagnostics
            if d.path.endswith("series.jsonl")
        ]
    assert rows["escaped"] == rows["plain"]
    assert rows["plain"] and rows["plain"][0][0] == 2


def test_clean_rows_never_take_the_exact_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The column checks clear every clean row: here each row's publisher line names the developer and the data
    provider, which only matters to a quote that supports value."""
    from benchmarks.generate import generate

    made = generate(tmp_path, metrics=300, models=20)
    reread: list[int] = []
    exact = bulk.check_line
    monkeypatch.setattr(bulk, "check_line", lambda *a, **k: reread.append(a[2]) or exact(*a, **k))
    assert validate([made["dataset"]], made["texts"]).diagnostics == []
    assert reread == []


def _naive_lines(data: bytes, cap: int) -> list[tuple[int, bytes | int]]:
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return [(n, line if len(line) <= cap else len(line)) for n, line in enumerate(lines, start=1)]


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"x")), max_size=30),
    last_newline=st.booleans(),
    chunk=st.integers(1, 64),
    cap=st.integers(0, 24),
)
def test_chunks_give_every_line_in_order_and_only_the_length_of_an_overlong_one(
    lines: list[bytes], last_newline: bool, chunk: int, cap: int
) -> None:
    data = b"\n".join(lines) + (b"\n" if last_newline and lines else b"")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulk, "CHUNK_BYTES", chunk)
        got: list[tuple[int, bytes | int]] = []
        for first, part in bulk._chunks(io.BytesIO(data), cap):
            if isinstance(part, int):
                got.append((first, part))
            else:
                assert part and all(len(line) <= cap for line in bulk._lines_of(part))
                got += [(first + i, line) for i, line in enumerate(bulk._lines_of(part))]
    assert got == _naive_lines(data, cap)


def test_a_line_longer_than_a_record_is_refused_unread_and_the_rows_around_it_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "CHUNK_BYTES", 4096)
    root = dataset(tmp_path)
    long = json.dumps(clean_row(2) | {"citations": cite(translation="x" * 20_000)}).encode()
    rows = [json.dumps(clean_row(1)).encode(), long, json.dumps(clean_row(3) | {"value": -1}).encode()]
    write_lines(root / "metrics" / "series.jsonl", rows)
    monkeypatch.setattr(bulk, "MAX_ROW_BYTES", 10_000)
    found = [d for d in validate([root], root.parent / "texts").diagnostics if d.path.endswith("series.jsonl")]
    assert [(d.line, d.column, d.code, d.message) for d in found] == [
        (2, 1, "file.too-large", f"line is {len(long)} bytes long; a bulk row is at most 10000"),
        (3, None, "schema.greater-than-equal", found[1].message),
    ]


def test_a_bulk_file_over_the_cap_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = dataset(tmp_path)
    write_lines(root / "metrics" / "series.jsonl", [json.dumps(clean_row(m)).encode() for m in (1, 2)])
    size = (root / "metrics" / "series.jsonl").stat().st_size
    monkeypatch.setattr(bulk, "MAX_FILE_BYTES", size - 1)
    found = [d for d in validate([root], root.parent / "texts").diagnostics if d.path.endswith("series.jsonl")]
    assert [(d.line, d.code, d.message) for d in found] == [
        (None, "file.too-large", f"file is {size} bytes; a bulk file is at most {size - 1}: split the series")
    ]
