"""The command line: exit codes, output forms, and that validation never writes."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CASES, DATASET

from ailedger.cli import run


def ailedger_cmd(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ailedger", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_validate_real_dataset_exits_0(texts: Path) -> None:
    done = ailedger_cmd("validate", str(DATASET), "--texts", str(texts))
    assert (done.returncode, done.stdout) == (0, "")
    assert "0 errors, 0 warnings" in done.stderr


def test_broken_copy_names_file_line_and_field(tmp_path: Path) -> None:
    """The issue's example: a duplicate id, a dangling reference, a wrong quote, an impossible date, an unknown field.
    """
    root = tmp_path / "dataset"
    shutil.copytree(CASES / "_base" / "dataset", root)
    models = root / "models"
    shutil.copy(models / "example-1.yaml", models / "example-one.yaml")
    text = (models / "rival-2.yaml").read_text()
    (models / "rival-2.yaml").write_text(
        text.replace("organization_id: rival-inc", "organization_id: rival-incorporated")
    )
    metric = root / "metrics" / "example-app-wau-2026-02.yaml"
    metric.write_text(
        metric.read_text()
        .replace("12,5 Millionen", "12,6 Millionen")
        .replace('as_of: "2026-02"', 'as_of: "2026-02-30"')
    )
    claim = root / "claims" / "example-1-beats-rival-2.yaml"
    claim.write_text(claim.read_text() + "source_url: https://example.org\n")
    before = tree_digest(tmp_path)
    done = ailedger_cmd("validate", "dataset", "--texts", str(CASES / "_base" / "texts"), cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    expected = [
        ("models/example-one.yaml:1:1", "id.filename-mismatch", "id"),
        ("models/example-one.yaml:1:1", "id.duplicate", "id"),
        ("models/rival-2.yaml:4:1", "ref.dangling", "organization_id"),
        ("metrics/example-app-wau-2026-02.yaml:6:1", "date.invalid", "as_of"),
        ("claims/example-1-beats-rival-2.yaml:", "schema.extra-field", "source_url"),
    ]
    for where, code, field in expected:
        assert any(line.startswith("dataset/" + where) and f"[{code}] {field}:" in line for line in lines), (
            where,
            code,
            lines,
        )
    assert tree_digest(tmp_path) == before, "validate must never change a file"


def test_wrong_quote_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "dataset"
    shutil.copytree(CASES / "_base" / "dataset", root)
    metric = root / "metrics" / "example-app-wau-2026-02.yaml"
    metric.write_text(metric.read_text().replace("12,5 Millionen", "12,6 Millionen"))
    done = ailedger_cmd("validate", str(root), "--texts", str(CASES / "_base" / "texts"))
    assert done.returncode == 1
    assert "error[quote.not-in-source] citations.0.quote: not found verbatim in example-news.txt" in done.stdout


def test_json_report_is_stable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "models"
    root.mkdir()
    (root / "x.yaml").write_text("id: x\nid: y\n")
    code = run(["validate", str(root), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["version"] == 1 and report["valid"] is False and report["files_checked"] == 1
    (diag,) = report["diagnostics"]
    assert {k: diag[k] for k in ("line", "column", "code", "severity")} == {
        "line": 2,
        "column": 1,
        "code": "yaml.duplicate-key",
        "severity": "error",
    }


def test_usage_error_exits_2() -> None:
    done = ailedger_cmd("validate", "--format", "xml")
    assert done.returncode == 2
    assert "see ailedger validate --help" in done.stderr
    assert "Traceback" not in done.stderr
    assert ailedger_cmd().returncode == 2


def test_help_explains_each_command() -> None:
    done = ailedger_cmd("--help")
    assert done.returncode == 0
    for command in ("validate", "info"):
        assert command in done.stdout
    assert "--texts" in ailedger_cmd("validate", "--help").stdout


@pytest.mark.slow
def test_console_script_and_module_agree() -> None:
    script = Path(sys.executable).with_name("ailedger")
    if not script.exists():
        pytest.fail(f"console script not installed next to {sys.executable}")
    by_script = subprocess.run([str(script), "info"], capture_output=True, text=True, check=False)
    by_module = ailedger_cmd("info")
    assert by_script.returncode == by_module.returncode == 0
    assert by_script.stdout == by_module.stdout
    assert "metrics" in by_script.stdout and "finanzen-at-2026-02-22" in by_script.stdout


def test_missing_path_is_a_located_problem(tmp_path: Path) -> None:
    done = ailedger_cmd("validate", str(tmp_path / "nope"))
    assert done.returncode == 1
    assert "error[file.missing]" in done.stdout
