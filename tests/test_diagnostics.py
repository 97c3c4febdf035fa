"""What ``ailedger validate`` prints: GitHub annotations and summary, JSON report, and the parsing limits."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import CASES

from ailedger.cli import run
from ailedger.validate import diagnostics
from ailedger.validate.diagnostics import Diagnostic
from ailedger.validate.yaml12 import MAX_BYTES, MAX_LINE


def validate(root: Path, *args: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = run(["validate", ".", "--texts", "../texts", *args])
    finally:
        os.chdir(cwd)
    return code, out.getvalue().splitlines()


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    shutil.copytree(CASES / "_base" / "dataset", tmp_path / "dataset")
    shutil.copytree(CASES / "_base" / "texts", tmp_path / "texts")
    return tmp_path / "dataset"


def test_github_annotation_escapes_data_and_properties() -> None:
    d = Diagnostic("a,b:c%.yaml", 3, 7, "ref.dangling", "x", "100%\r\nnext::error")
    [line] = diagnostics.to_github([d])
    assert line == "::error file=a%2Cb%3Ac%25.yaml,line=3,col=7,title=ref.dangling x::100%25%0D%0Anext::error"


def test_github_summary_holds_every_problem(dataset: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # 30 broken records: more than the annotations GitHub shows for one step.
    template = (dataset / "models" / "rival-2.yaml").read_text(encoding="utf-8")
    for i in range(30):
        bad = template.replace("id: rival-2", f"id: rival-{i + 10}").replace(
            "organization_id: rival-inc", f"organization_id: nobody-{i}|<b>"
        )
        (dataset / "models" / f"rival-{i + 10}.yaml").write_text(bad, encoding="utf-8")
    summary = tmp_path / "summary.md"
    summary.write_text("previous step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, lines = validate(dataset, "--format", "github")
    assert code == 1
    assert len(lines) == 30 and all(line.startswith("::error file=models/rival-") for line in lines)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("previous step\n")  # appended, never overwritten
    rows = [row for row in text.splitlines() if row.startswith("| error |")]
    assert len(rows) == 30
    assert "<b>" not in text and "&lt;b&gt;" in text
    assert all(row.count(" | ") == 4 for row in rows)  # the | in the value cannot open a new cell


def test_clean_run_writes_a_summary_too(dataset: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    assert validate(dataset, "--format", "github") == (0, [])
    assert "0 errors, 0 warnings" in (tmp_path / "summary.md").read_text(encoding="utf-8")


def test_json_report_shape_is_stable(dataset: Path) -> None:
    (dataset / "models" / "example-1.yaml").write_bytes(
        b"\xef\xbb\xbf" + (dataset / "models" / "example-1.yaml").read_bytes()
    )
    code, lines = validate(dataset, "--format", "json")
    report = json.loads("\n".join(lines))
    assert code == 0
    assert list(report) == ["version", "valid", "files_checked", "errors", "warnings", "diagnostics"]
    assert (report["version"], report["valid"], report["errors"], report["warnings"]) == (1, True, 0, 1)
    assert list(report["diagnostics"][0]) == ["path", "line", "column", "code", "field", "message", "severity"]
    strict = json.loads("\n".join(validate(dataset, "--format", "json", "--strict")[1]))
    assert (strict["valid"], strict["errors"], strict["warnings"]) == (False, 1, 0)


def test_file_over_the_size_cap_is_refused_unparsed(dataset: Path) -> None:
    path = dataset / "models" / "example-1.yaml"
    path.write_bytes(path.read_bytes() + b"# " + b"x" * MAX_BYTES + b"\n")
    code, lines = validate(dataset)
    assert code == 1
    assert lines == [
        (
            f"models/example-1.yaml:1:1: error[file.too-large] file is {path.stat().st_size} bytes; a record file is "
            f"at most {MAX_BYTES}"
        )
    ]


def test_overlong_line_is_refused(dataset: Path) -> None:
    path = dataset / "models" / "example-1.yaml"
    path.write_bytes(path.read_bytes() + b"# " + b"x" * MAX_LINE + b"\n")
    code, lines = validate(dataset)
    assert code == 1
    assert lines == [
        (
            f"models/example-1.yaml:12:1: error[file.too-large] line is {MAX_LINE + 2} bytes long; a record's line "
            f"is at most {MAX_LINE}"
        )
    ]


def test_files_whose_names_differ_by_case_are_flagged(dataset: Path) -> None:
    text = (dataset / "models" / "rival-2.yaml").read_text(encoding="utf-8")
    (dataset / "models" / "RIVAL-2.yaml").write_text(text, encoding="utf-8")
    code, lines = validate(dataset)
    assert code == 1
    assert (
        "models/rival-2.yaml: error[file.case-collision] differs only by case from models/RIVAL-2.yaml; a checkout "
        "on macOS or Windows keeps only one of them"
        in lines
    )


def test_a_file_with_hundreds_of_problems_reports_the_first_and_counts_the_rest(dataset: Path) -> None:
    from ailedger.validate.record import MAX_PROBLEMS

    record = (dataset / "models" / "example-1.yaml").read_text(encoding="utf-8")
    aliases = "aliases:\n" + "".join(f"  - {i}\n" for i in range(MAX_PROBLEMS * 3))  # numbers, not text
    (dataset / "models" / "example-1.yaml").write_text(record + aliases, encoding="utf-8")
    code, lines = validate(dataset)
    mine = [line for line in lines if line.startswith("models/example-1.yaml")]
    assert code == 1
    assert len(mine) == MAX_PROBLEMS + 1
    assert (
        "models/example-1.yaml: error[record.too-many-problems] and 200 more problems in this file; fix the ones "
        "above and run again"
        in mine
    )
    assert sum("error[schema.string-type] aliases." in line for line in mine) == MAX_PROBLEMS


def test_what_the_rules_find_is_capped_per_record_file_and_per_bulk_row() -> None:
    from ailedger.validate import per_record_cap
    from ailedger.validate.record import MAX_PROBLEMS

    def many(path: str, line: int | None, n: int) -> list[Diagnostic]:
        return [Diagnostic(path, line, i, "quote.name-not-stated", "aliases", f"{i}") for i in range(1, n + 1)]

    found = diagnostics.sort(
        many("m/a.yaml", 3, MAX_PROBLEMS + 5) + many("m/b.yaml", 3, MAX_PROBLEMS)
        + many("m/s.jsonl", 7, MAX_PROBLEMS + 2) + many("m/s.jsonl", 8, 2)
    )
    capped = per_record_cap(found)
    assert capped == diagnostics.sort(capped)
    summaries = [(d.path, d.line, d.message) for d in capped if d.code == "record.too-many-problems"]
    assert summaries == [
        ("m/a.yaml", None, "and 5 more problems in this file; fix the ones above and run again"),
        ("m/s.jsonl", 7, "and 2 more problems in this row; fix the ones above and run again"),
    ]
    assert [d.column for d in capped if d.path == "m/a.yaml" and d.line] == list(range(1, MAX_PROBLEMS + 1))
    assert len(capped) == 3 * MAX_PROBLEMS + 2 + 2
    assert per_record_cap(capped) == capped
