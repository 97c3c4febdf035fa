"""Which files a validation run reads: the record and bulk files under the paths a user names.

Kept apart from parsing so that every command that walks a dataset (validate,
migrate) finds the same files and reports the same file-level problems.
"""

from __future__ import annotations

import difflib
import os
from functools import cache
from pathlib import Path

from ailedger.schema import LATEST
from ailedger.validate.diagnostics import Diagnostic

RECORD_SUFFIX = ".yaml"
BULK_SUFFIX = ".jsonl"
"""Bulk files (JSON Lines, many records each) are checked by :mod:`ailedger.validate.bulk`."""


def display(path: Path) -> str:
    """A path as the user will recognise it: relative to the working directory when inside it."""
    folder, name = os.path.split(path)
    if name in ("", os.curdir, os.pardir):
        return _relative(os.getcwd(), os.fspath(path))
    cwd = os.getcwd()
    shown = _relative(cwd, folder or os.curdir)  # once per folder: relpath costs more than reading a record
    if shown == os.curdir:
        return name
    if shown.split(os.sep, 1)[0] == os.pardir:  # above the working directory, which the name may lead back into
        return _relative(cwd, os.fspath(path))
    return os.path.join(shown, name)


@cache
def _relative(cwd: str, path: str) -> str:
    try:
        return os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        return path


def discover(paths: list[Path]) -> tuple[list[tuple[str, Path]], list[Diagnostic]]:
    """The record files under ``paths``, each with its table (the folder name)."""
    tables = LATEST.TABLES
    found: list[tuple[str, Path]] = []
    problems: list[Diagnostic] = []

    def flag(path: Path, code: str, message: str) -> None:
        problems.append(Diagnostic(display(path), None, None, code, "", message))

    def table_dir(table: str, folder: Path) -> None:
        folded: dict[str, Path] = {}
        # scandir knows each entry's type without a stat call per file (ten thousand files are ten thousand calls);
        # names sort as their paths would (normcase: as Windows compares them) without building a Path for each
        with os.scandir(folder) as listing:
            kinds = {e.name: (e.is_symlink(), e.is_dir()) for e in listing if not e.name.startswith(".")}
        for name in sorted(kinds, key=os.path.normcase):
            symlink, is_dir = kinds[name]
            entry = folder / name
            other = folded.setdefault(name.casefold(), entry)
            if other is not entry:
                flag(
                    entry,
                    "file.case-collision",
                    f"differs only by case from {display(other)}; "
                    "a checkout on macOS or Windows keeps only one of them",
                )
            if symlink:
                flag(entry, "file.symlink-forbidden", "symbolic links are not followed; commit the file itself")
            elif is_dir:
                flag(
                    entry, "file.unexpected", f"folders inside {table}/ are not read; move the records up into {table}/"
                )
            elif os.path.splitext(name)[1] not in (RECORD_SUFFIX, BULK_SUFFIX):
                fix = f"rename it to <id>{RECORD_SUFFIX} or remove it"
                flag(entry, "file.extension", f"only {RECORD_SUFFIX} files are records; {fix}")
            else:
                found.append((table, entry))

    for path in paths:
        if path.is_symlink():
            flag(path, "file.symlink-forbidden", "symbolic links are not followed; commit the file itself")
        elif path.is_file():
            if path.parent.name not in tables:
                flag(path, "file.unknown-table", f"a record file lives in a table folder: one of {', '.join(tables)}")
            else:
                found.append((path.parent.name, path))
        elif path.is_dir():
            if path.name in tables:
                table_dir(path.name, path)
                continue
            for entry in sorted(path.iterdir()):
                if entry.name.startswith("."):
                    continue
                if entry.is_symlink():
                    flag(entry, "file.symlink-forbidden", "symbolic links are not followed; commit the folder itself")
                elif entry.is_dir() and entry.name in tables:
                    table_dir(entry.name, entry)
                else:
                    hint = difflib.get_close_matches(entry.name, tables, n=1)
                    fix = f"did you mean {hint[0]}/?" if hint else f"tables are {', '.join(tables)}"
                    flag(entry, "file.unknown-table", f"not a table folder; {fix}")
        else:
            flag(path, "file.missing", "no such file or folder")
    return found, problems
