"""The reliability audit of 3 December 2026 (issue 16): each of its 38 cases that fell short, as a test.

The audit copied ``dataset/`` and changed one file per case (shared/reviews/reliability-audit.md gives the
commands). The tests here make the same change to a copy of the real dataset and check the outcome the audit
expected, or the one issue 16 settled on instead, which each test says. Only the changed file is looked at, so
the dataset may grow. A case that another module's tests already reproduce is named there: the docstring of
that test starts with ``Audit <ID>``. The last test checks that every case is named by exactly one test.
"""

from __future__ import annotations

import ast
import contextlib
import io
import itertools
import json
import os
import re
import shutil
import string
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from conftest import DATASET, ROOT

from ailedger.cli import run
from ailedger.validate import bulk, yaml12
from ailedger.validate.record import MAX_PROBLEMS

AUDIT = {
    "A12b": "F1", "L1e": "F1", "I82a": "F2", "F64c": "F3",
    "X-f1": "F4", "X-f2": "F4", "X-f3": "F4", "X-f4": "F4", "X-f5": "F4", "X-f6": "F4",
    "L9": "F5", "L9b": "F5", "L7": "F6", "L17": "F7", "L16b": "F8", "L4a": "F9", "L24b": "F9", "L24e": "F9",
    "Xe2": "F10", "Xe2b": "F10", "Xe4": "F10", "Xe5": "F10", "Xe6": "F10", "Xe7": "F10", "J85b": "F11",
    "Ma3": "F12", "Ma5": "F12", "Ma6": "F13", "Bb2": "F14", "Bb3": "F14", "Cc2": "F15",
    "Dd6b": "F16", "Dd11": "F16", "Dd12": "F16", "Sb34": "F17", "Sb36": "F17", "Sj86": "F18", "Sj91": "F19",
}  # fmt: skip
"""The 38 cases that fell short, each with its finding."""

GLM_5 = Path("models") / "glm-5.yaml"
QWEN = Path("metrics") / "qwen-app-dau-after-campaign.yaml"
SERIES = Path("metrics") / "series.jsonl"
LINE = re.compile(r"^(?P<path>[^:\s]+)(?::(?P<line>\d+)(?::\d+)?)?: (?P<severity>\w+)\[(?P<code>[\w.-]+)\]")


@pytest.fixture
def ds(tmp_path: Path) -> Path:
    """``fresh`` of the audit: a copy of the dataset, validated from the folder above it."""
    shutil.copytree(DATASET, tmp_path / "ds")
    return tmp_path / "ds"


def validate(ds: Path, *args: str) -> tuple[int, list[tuple[str, int | None, str, str]]]:
    """``ailedger validate ds ARGS`` as the audit ran it: exit code and (path, line, severity, code) per problem."""
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ds.parent)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = run(["validate", ds.name, "--no-cache", *args])
    finally:
        os.chdir(cwd)
    found = []
    for line in out.getvalue().splitlines():
        if m := LINE.match(line):
            found.append((m["path"], int(m["line"]) if m["line"] else None, m["severity"], m["code"]))
    return code, found


def of(found: list[tuple[str, int | None, str, str]], path: Path) -> list[tuple[int | None, str, str]]:
    """(line, severity, code) of the problems of one file of the copy."""
    shown = str(Path("ds") / path)
    return [(line, severity, code) for where, line, severity, code in found if where == shown]


def edit(ds: Path, path: Path, old: str, new: str) -> int:
    """``sed -i s/old/new/`` on one line of a record file; the number of the line changed."""
    file = ds / path
    lines = file.read_text(encoding="utf-8").split("\n")
    [number] = [n for n, line in enumerate(lines) if old in line]
    lines[number] = lines[number].replace(old, new)
    file.write_text("\n".join(lines), encoding="utf-8")
    return number + 1


def row() -> dict[str, Any]:
    """The audit's ``row.json``: the Qwen record as one bulk row."""
    data = yaml12.loads((DATASET / QWEN).read_text(encoding="utf-8")).data
    return {**data, "id": "qwen-bulk-1", "as_of": "1990", "reported": "1990"}


def bulk_file(ds: Path, third: bytes) -> None:
    """A series whose third line is the case's."""
    rows = [json.dumps({**row(), "id": f"qwen-bulk-{i}", "region": r}).encode() for i, r in ((10, "AT"), (11, "DE"))]
    (ds / SERIES).write_bytes(b"\n".join([*rows, third]) + b"\n")


def third(found: list[tuple[str, int | None, str, str]]) -> list[tuple[str, str]]:
    """(severity, code) of the problems of the series' third line (the rows before it are the audit's row, which
    issue 14's checks of dates and regions flag too)."""
    return [(severity, code) for line, severity, code in of(found, SERIES) if line == 3]


def heap_peak(action: Any) -> int:
    """The Python heap's peak in bytes while ``action`` runs (tracemalloc)."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- F1, F2: schema_version -----------------------------------------------------------------------------------


def test_schema_version_2_0_in_a_record_file_is_refused(ds: Path) -> None:
    """Audit A12b: ``schema_version: 2.0`` is refused at its line (issue 16: ``schema.version-unknown``, which names
    the whole number, rather than the audit's ``schema.literal-error``)."""
    line = edit(ds, GLM_5, "schema_version: 2", "schema_version: 2.0")
    code, found = validate(ds)
    assert code == 1
    assert of(found, GLM_5) == [(line, "error", "schema.version-unknown")]


def test_schema_version_2_0_in_a_bulk_row_is_refused(ds: Path) -> None:
    """Audit L1e: ``"schema_version": 2.0`` in a bulk row is refused at its line, as in a record file."""
    bulk_file(ds, json.dumps(row()).replace('"schema_version": 2,', '"schema_version": 2.0,').encode())
    code, found = validate(ds)
    assert code == 1
    assert third(found) == [("error", "schema.version-unknown")]


def test_an_unknown_major_is_version_unknown(ds: Path) -> None:
    """Audit I82a: ``schema_version: 9`` is ``schema.version-unknown`` (was ``schema.literal-error``)."""
    line = edit(ds, GLM_5, "schema_version: 2", "schema_version: 9")
    code, found = validate(ds)
    assert code == 1
    assert of(found, GLM_5) == [(line, "error", "schema.version-unknown")]


# --- F3, F4: what the quotes say ------------------------------------------------------------------------------


def test_a_fabricated_quote_fails_what_ci_runs(ds: Path, texts: Path) -> None:
    """Audit F64c: CI fetches the texts and runs ``--require-texts`` (issue 13; the workflow is checked in
    test_ci_files), so a made-up quote fails there: with the text it is ``quote.not-in-source``, and without any
    text the run fails on the source instead of passing with a warning."""
    edit(ds, GLM_5, 'Flaggschiff-Modell GLM 5 lanciert"', 'Flaggschiff-Modell GLM 6 lanciert"')
    code, found = validate(ds, "--require-texts")
    assert code == 1
    assert any(severity == "error" and path.startswith(str(Path("ds") / "sources")) for path, _, severity, _ in found)
    code, found = validate(ds, "--texts", str(texts), "--require-texts")
    assert code == 1
    assert (None, "error", "quote.not-in-source") in [(None, s, c) for _, s, c in of(found, GLM_5)]


NOT_IN_QUOTE = {
    "X-f1": (GLM_5, 'name: "GLM 5"', 'name: "GLM 6"'),
    "X-f2": (GLM_5, 'available: "[2026-02-09..2026-02-15]"', 'available: "2025-06"'),
    "X-f3": (GLM_5, "runs_on: [nvidia, huawei]", "runs_on: [nvidia, huawei, google]"),
    "X-f4": (GLM_5, "organization_id: zhipu-ai", "organization_id: openai"),
    "X-f5": (QWEN, "metric: daily_active_users", "metric: monthly_active_users"),
    "X-f6": (QWEN, "value: 58000000", "value: 23000000"),
}


@pytest.mark.parametrize("case", list(NOT_IN_QUOTE))
def test_a_supported_field_its_quote_does_not_state_is_an_error(case: str, ds: Path, texts: Path) -> None:
    """Audit X-f1, X-f2, X-f3, X-f4, X-f5, X-f6: a field whose value the quote that supports it does not state
    (issue 14) is an error at that field's line."""
    path, old, new = NOT_IN_QUOTE[case]
    line = edit(ds, path, old, new)
    code, found = validate(ds, "--texts", str(texts))
    assert code == 1
    assert line in [at for at, severity, _ in of(found, path) if severity == "error"], of(found, path)


# --- F5-F9: bulk files ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, 5_000], ids=["L9", "L9b"])
def test_a_bulk_line_nested_deep_is_a_located_error(depth: int, ds: Path) -> None:
    """Audit L9, L9b: a bulk line nested 100,000 or 5,000 deep is ``json.too-deep`` at its line, never an internal
    error (issue 16 names it ``json.too-deep`` rather than the audit's ``json.syntax``)."""
    bulk_file(ds, b'{"id": ' + b"[" * depth + b"]" * depth + b"}")
    code, found = validate(ds)
    assert code == 1
    assert third(found) == [("error", "json.too-deep")]


def test_an_empty_bulk_file_is_record_empty(ds: Path) -> None:
    """Audit L17: an empty bulk file is ``record.empty``, as an empty record file is."""
    (ds / SERIES).write_bytes(b"")
    code, found = validate(ds)
    assert code == 1
    assert of(found, SERIES) == [(1, "error", "record.empty")]


def test_a_10_mb_bulk_line_is_refused_unread(ds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Audit L4a: a 10 MB bulk line is ``file.too-large`` at its line; it is never held whole (read in chunks of
    1 MiB, the Python heap stays below the line's size)."""
    long = row()
    long["citations"][0]["translation"] = "x" * 10_000_000
    bulk_file(ds, json.dumps(long).encode())
    code, found = validate(ds)
    assert code == 1
    assert third(found) == [("error", "file.too-large")]
    monkeypatch.setattr(bulk, "CHUNK_BYTES", 1 << 20)
    assert heap_peak(lambda: validate(ds)) < 10_000_000


def _bad_rows(n: int) -> bytes:
    """The audit's series of ``n`` rows, each with a value its quote does not state (and, since issue 14, a date
    outside what its quotes state)."""
    import datetime

    out = []
    for i in range(n):
        day = (datetime.date(1960, 1, 1) + datetime.timedelta(days=i)).isoformat()
        out.append(json.dumps({**row(), "id": f"qwen-bulk-{i}", "as_of": day, "reported": day, "value": 59000000}))
    return ("\n".join(out) + "\n").encode()


def _validate_alone(ds: Path) -> tuple[list[str], int]:
    """``ailedger validate ds`` in a process of its own: its output lines and its peak memory in bytes."""
    measure = (
        "import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(p.stdout); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    cmd = [sys.executable, "-c", measure, sys.executable, "-m", "ailedger", "validate", ds.name, "--no-cache"]
    out = subprocess.run(cmd, cwd=ds.parent, capture_output=True, text=True, check=True).stdout.split("\n")
    return out[:-2], int(out[-2]) * 1024


@pytest.mark.slow
@pytest.mark.parametrize("rows", [20_000, 5_000], ids=["L24b", "L24e"])
def test_thousands_of_flagged_bulk_rows_each_get_their_error_in_bounded_memory(rows: int, ds: Path) -> None:
    """Audit L24b, L24e: 20,000 (5,000) rows, each with a value its quote does not state, each get
    ``metric.quote-mismatch`` at their line, and the run stays within a few hundred MB (it took 1.05 GB and
    354 MB: 45 KB a flagged row; the rows re-read for the rules keep only their models)."""
    (ds / SERIES).write_bytes(_bad_rows(rows))
    lines, peak = _validate_alone(ds)
    mismatch = [line for line in lines if "error[metric.quote-mismatch]" in line and "series.jsonl:" in line]
    assert len(mismatch) == rows
    assert mismatch[0].startswith(f"{Path('ds') / SERIES}:1:")
    assert peak < 200_000_000 + rows * 20_000, peak  # now about 175 MB + 13 KB a row


# --- F10: record files under the 1 MiB cap -------------------------------------------------------------------


def _names(n: int) -> list[str]:
    """The audit's keys: ``aaaa``, ``aaab`` ..."""
    return ["".join(k) for k in itertools.islice(itertools.product(string.ascii_lowercase, repeat=4), n)]


def _keys() -> str:
    return "".join(f"{k}: 1\n" for k in _names(100_000))


def _flow_keys() -> str:
    keys = [f"{k}: 1" for k in _names(92_000)]
    return "{" + ",\n".join(", ".join(keys[i : i + 10]) for i in range(0, len(keys), 10)) + "}\n"


def _aliases(ds: Path) -> str:
    text = (ds / GLM_5).read_text(encoding="utf-8")
    aliases = "aliases:\n" + "".join(f"  - GLM 5 b{i:05d}\n" for i in range(50_000))
    return text.replace("organization_id:", aliases + "organization_id:", 1)


FLOW = "id: [\n" + ("1," * 62 + "\n") * 8000 + "]\n"
HUGE_RECORDS: dict[str, tuple[str, Any, str]] = {
    "Xe2": ("keys.yaml", lambda ds: _keys(), "yaml.too-many-keys"),
    "Xe2b": ("keys.yaml", lambda ds: _flow_keys(), "yaml.too-many-keys"),
    "Xe4": ("list.yaml", lambda ds: "runs_on:\n" + "  - x\n" * 100_000, "yaml.too-many-items"),
    "Xe5": ("glm-5.yaml", _aliases, "yaml.too-many-items"),
    "Xe6": ("flow.yaml", lambda ds: FLOW, "yaml.too-many-items"),
}


@pytest.mark.parametrize("case", list(HUGE_RECORDS))
def test_a_record_file_with_more_keys_or_items_than_any_record_is_refused_at_the_cap(case: str, ds: Path) -> None:
    """Audit Xe2, Xe2b, Xe4, Xe5, Xe6: 100,000 keys (block or flow), 100,000 or 500,000 list items, or 50,000
    aliases in a record file under 1 MiB are refused with one diagnostic where the cap is passed, before the schema
    or any rule sees them (they cost 5-18 s and up to 352 MB). Issue 16 caps keys per mapping and items per list,
    so the audit's valid record of 50,000 aliases (Xe5, "exit 0") is refused too: no record has that many."""
    name, text, code = HUGE_RECORDS[case]
    path = Path("models") / name
    (ds / path).write_text(text(ds), encoding="utf-8")
    assert (ds / path).stat().st_size < yaml12.MAX_BYTES
    status, found = validate(ds)
    assert status == 1
    [(line, severity, got)] = of(found, path)
    assert (severity, got) == ("error", code)
    assert line is not None and line <= yaml12.MAX_ITEMS + 10


def test_three_1_mb_flow_lists_cost_no_more_than_one(ds: Path) -> None:
    """Audit Xe7: three 1 MB files of 500,000 list items each are each refused at the cap, and the Python heap
    stays small (61 s and 481 MB before: every item was parsed, validated and kept)."""
    for i in range(3):
        (ds / "models" / f"flow{i}.yaml").write_text(FLOW, encoding="utf-8")
    found: list[Any] = []
    peak = heap_peak(lambda: found.extend(validate(ds)[1]))
    for i in range(3):
        assert [(s, c) for _, s, c in of(found, Path("models") / f"flow{i}.yaml")] == [("error", "yaml.too-many-items")]
    assert peak < 64 << 20, peak
    assert len(found) <= MAX_PROBLEMS


# --- F11 -----------------------------------------------------------------------------------------------------


def test_a_symlinked_table_folder_is_symlink_forbidden(ds: Path) -> None:
    """Audit J85b: a table folder that is a symbolic link is ``file.symlink-forbidden`` on that folder (was
    ``file.unknown-table``)."""
    (ds / "models").rename(ds.parent / "ds-models")
    (ds / "models").symlink_to(Path("..") / "ds-models")
    code, found = validate(ds)
    assert code == 1
    assert (str(Path("ds") / "models"), None, "error", "file.symlink-forbidden") in found
    assert not [f for f in found if f[3] == "file.unknown-table"]


# --- every case is a test ------------------------------------------------------------------------------------

_NAMED = re.compile(r"Audit ((?:[A-Za-z0-9-]+)(?:, [A-Za-z0-9-]+)*):")


def test_every_case_of_the_audit_is_named_by_exactly_one_test() -> None:
    """Each of the 38 ids opens the docstring of one test function (``Audit L7: ...``) in tests/, no more."""
    named: dict[str, list[str]] = {}
    for file in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                m = _NAMED.match(ast.get_docstring(node) or "")
                for case in m.group(1).split(", ") if m else ():
                    named.setdefault(case, []).append(f"{file.name}::{node.name}")
    assert {case: tests for case, tests in named.items() if len(tests) != 1} == {}
    assert sorted(named) == sorted(AUDIT)
