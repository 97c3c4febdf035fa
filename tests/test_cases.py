"""Data-driven bad-input cases: each folder under tests/cases/<rule>/ is one case.

A case overlays ``files/`` onto a copy of the valid ``_base`` dataset and
``texts/`` onto a copy of its source texts, removes the paths listed in
``delete``, creates the symbolic links listed in ``symlinks`` (one
``link target`` pair a line, relative to the dataset root: git checkouts on
some systems do not keep links), then runs ``ailedger validate`` with the
arguments in ``args`` (default ``. --texts ../texts``) from the dataset root and
compares the output lines with ``expected.txt`` exactly. The exit code must be
1 when an error is expected and 0 otherwise, under both YAML parsers (libyaml
and the pure-Python fallback). ``tests/cases/README.md`` maps the cases to the
catalogue of bad inputs.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import CASES

from ailedger.cli import run

BASE = CASES / "_base"
CASE_DIRS = sorted(p for p in CASES.glob("*/*") if p.is_dir() and p.parent.name != "_base")
DEFAULT_ARGS = [".", "--texts", "../texts"]


def run_case(case: Path, tmp_path: Path) -> tuple[int, list[str]]:
    root = tmp_path / "dataset"
    shutil.copytree(BASE / "dataset", root)
    shutil.copytree(BASE / "texts", tmp_path / "texts")
    for part, target in (("files", root), ("texts", tmp_path / "texts")):
        if (case / part).is_dir():
            shutil.copytree(case / part, target, dirs_exist_ok=True, symlinks=True)
    if (case / "delete").is_file():
        for rel in (case / "delete").read_text().split():
            doomed = root / rel
            shutil.rmtree(doomed) if doomed.is_dir() else doomed.unlink()
    if (case / "symlinks").is_file():
        for line in (case / "symlinks").read_text().splitlines():
            link, target = line.split()
            (root / link).symlink_to(target)
    args = (case / "args").read_text().split() if (case / "args").is_file() else DEFAULT_ARGS
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = run(["validate", *args])
    finally:
        os.chdir(cwd)
    return code, out.getvalue().splitlines()


def test_base_is_valid(tmp_path: Path, yaml_parser: str) -> None:
    code, lines = run_case(BASE, tmp_path)
    assert (code, lines) == (0, [])


def test_there_are_enough_cases() -> None:
    assert len(CASE_DIRS) >= 60
    assert all((case / "expected.txt").is_file() for case in CASE_DIRS)


@pytest.mark.parametrize("case", CASE_DIRS, ids=[f"{p.parent.name}/{p.name}" for p in CASE_DIRS])
def test_case(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, yaml_parser: str) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    code, lines = run_case(case, tmp_path)
    assert lines == expected
    has_error = any(
        "error[" in line or line.startswith("::error ") or '"severity": "error"' in line for line in expected
    )
    assert code == (1 if has_error else 0)
    # Nothing a record holds may start an output line: GitHub would run it as a workflow command.
    assert not [
        line for line in lines if line.startswith("::") and not line.startswith(("::error file=", "::warning file="))
    ]


def test_catalogue_map_names_existing_cases() -> None:
    named = set(re.findall(r"`([a-z0-9-]+/[a-z0-9-]+)`", (CASES / "README.md").read_text(encoding="utf-8")))
    cases = {f"{p.parent.name}/{p.name}" for p in CASE_DIRS}
    assert named - cases == set()
    assert cases - named == set(), "add the new case to tests/cases/README.md"
