"""Data-driven bad-input cases: each folder under tests/cases/<rule>/ is one case.

A case overlays ``files/`` onto a copy of the valid ``_base`` dataset (and
removes the paths listed in ``delete``), runs ``ailedger validate`` with the
arguments in ``args`` (if any) and compares the output lines with ``expected.txt``
exactly. Paths in the output are relative to the dataset root.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from pathlib import Path

import pytest

from ailedger.cli import run
from conftest import CASES

BASE = CASES / "_base"
CASE_DIRS = sorted(p for p in CASES.glob("*/*") if p.is_dir() and p.parent.name != "_base")


def run_case(case: Path, tmp_path: Path) -> tuple[int, list[str]]:
    root = tmp_path / "dataset"
    shutil.copytree(BASE / "dataset", root)
    shutil.copytree(BASE / "texts", tmp_path / "texts")
    overlay = case / "files"
    if overlay.is_dir():
        shutil.copytree(overlay, root, dirs_exist_ok=True, symlinks=True)
    delete = case / "delete"
    if delete.is_file():
        for rel in delete.read_text().split():
            (root / rel).unlink()
    args = (case / "args").read_text().split() if (case / "args").is_file() else []
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = run(["validate", ".", "--texts", "../texts", *args])
    finally:
        os.chdir(cwd)
    return code, out.getvalue().splitlines()


def test_base_is_valid(tmp_path: Path) -> None:
    code, lines = run_case(BASE, tmp_path)
    assert (code, lines) == (0, [])


@pytest.mark.parametrize("case", CASE_DIRS, ids=[f"{p.parent.name}/{p.name}" for p in CASE_DIRS])
def test_case(case: Path, tmp_path: Path) -> None:
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    code, lines = run_case(case, tmp_path)
    assert lines == expected
    has_error = any("error[" in line for line in expected)
    assert code == (1 if has_error else 0)
