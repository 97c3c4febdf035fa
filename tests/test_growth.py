"""The growth test: an honest contribution of any size goes through every contributor and maintainer step.

The fictional contribution of tests/contribution.py (a trade-press article with
records in all six tables, a derived figure, a figure with no ``as_of``, and a
20,000-row daily series in a bulk file) is added to a copy of the real dataset
and of the checkout. Then, as a contributor and a maintainer would: validate,
refresh the copy's generated files, build against a build of the unchanged
data, diff release to release and release to dataset folder, show, plot,
migrate down and up, and load in schema v1. Each step's output is checked for
what growth broke before: counts, nulls, every series row, the chart's size.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import contribution
import pyarrow.parquet as pq
import pytest
from conftest import DATASET, ROOT
from releases import reading

import ailedger
from ailedger.cli import run
from ailedger.schema import LATEST

pytestmark = pytest.mark.slow
ROWS = 20_000
NEXT_VERSION = "2999.12.31"
"""The copy's dataset version: changed data is a new version (CONTRIBUTING.md, "Dataset versions")."""


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory, texts: Path) -> dict[str, object]:
    root = tmp_path_factory.mktemp("growth")
    checkout = contribution.copy_checkout(ROOT, root / "checkout")
    shutil.copytree(texts, root / "texts")
    added = contribution.add(checkout / "dataset", root / "texts", ROWS)
    version = checkout / "src" / "ailedger" / "_version.py"
    text = re.sub(r'"[0-9.]+"', f'"{NEXT_VERSION}"', version.read_text(encoding="utf-8"))
    version.write_text(text, encoding="utf-8")
    dataset = checkout / "dataset"
    return {"root": root, "checkout": checkout, "dataset": dataset, "texts": root / "texts", "added": added}


def test_a_contribution_of_any_size_goes_through_every_step(grown: dict[str, object]) -> None:
    root, checkout, dataset, texts = (Path(str(grown[k])) for k in ("root", "checkout", "dataset", "texts"))
    added = grown["added"]
    assert isinstance(added, contribution.Contribution)
    expected = set(added.all_ids)
    assert len(added.bulk_ids) == ROWS

    # validate the new files in their dataset (refresh and build validate all of it again)
    code, out, err = cli("validate", str(added.bulk), str(dataset / "models" / "sample-7.yaml"), "--texts", str(texts))
    assert (code, out) == (0, ""), out[-2000:]
    assert "ok: 2 files, 0 errors" in err

    # refresh: the copy's own generated files, written into the copy only
    done = subprocess.run([sys.executable, str(checkout / "scripts" / "refresh.py"), "--texts", str(texts)],
                          capture_output=True, text=True, check=False, cwd=root)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "QUOTES NOT CHECKED" not in done.stderr
    package = checkout / "src" / "ailedger"
    manifest = json.loads((package / "data" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["dataset_version"] == NEXT_VERSION
    assert (package / "registry" / f"{NEXT_VERSION}.txt").is_file()
    usage = checkout / "docs" / "usage.svg"
    assert usage.stat().st_size < 500_000, "the chart of a long series stays small"
    svg = usage.read_text(encoding="utf-8")
    assert svg.count("Examplechat") <= 4, "a series has one label, not one per point"  # title text and glyph ids

    # build against a build of the unchanged data; diff release to release and release to dataset folder
    old, new = root / "old", root / "new"
    assert cli("build", "--dataset", str(DATASET), "--out", str(old), "--texts", str(texts))[0] == 0
    build = ["build", "--dataset", str(dataset), "--out", str(new), "--texts", str(texts), "--previous", str(old)]
    code, out, err = cli(*build)
    assert code == 0, err
    changes = json.loads((new / "CHANGES.json").read_text(encoding="utf-8"))
    assert {(c["change"], c["id"]) for c in changes["changes"]} == {("added", i) for i in expected}
    for later in (new, dataset):
        doc = json.loads(cli("diff", str(old), str(later), "--format", "json")[1])
        assert {(c["change"], c["id"]) for c in doc["changes"]} == {("added", i) for i in expected}, later

    # the release's files agree on every count, and nulls stay null
    card = (new / "README.md").read_text(encoding="utf-8")
    for table in LATEST.TABLES:
        rows = pq.read_metadata(new / f"{table}.parquet").num_rows
        lines = (new / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == rows == manifest["tables"][table]["rows"], table
        assert f"| `{table}` | {rows} |" in card, table
        assert re.search(rf"^### {table}\n\n[^\n]* {rows} records? in this release", card, re.M), table
        assert not any('":""' in line for line in lines), f"{table}.jsonl has an empty string for a null"
    rows = [json.loads(line) for line in (new / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    metrics = {row["id"]: row for row in rows}
    assert metrics["demodraw-wau-reported-2026-01"]["as_of"] is None
    assert all(metrics[i]["as_of"] == i[-10:] for i in added.bulk_ids)

    # show and load read the copy's packaged data (refresh drew its charts)
    with reading(package / "data"):
        code, out, _ = cli("show", "examplechat")
        assert code == 0 and "--all lists them" in out and len(out.splitlines()) < 60
        code, out, _ = cli("show", "mockchat-wau-2026-02")
        assert code == 0 and "derived_from" in out and "examplechat-wau-2026-02" in out
        v1 = {m.id: m for m in ailedger.load("models", schema_version=1)}
        assert str(v1["sample-7"].released) == "2026-03-03" and str(v1["mockmodel-3"].released) == "2026-02"
        assert len(ailedger.load("metrics", schema_version=1)) == manifest["tables"]["metrics"]["rows"]

    # migrate down to v1 and back: every file as it was, but for the formulas v1 cannot hold (listed as lost)
    work = root / "migrated"
    shutil.copytree(dataset, work)
    code, out, _ = cli("migrate", "--to", "1", "--dataset", str(work), "--allow-loss")
    assert code == 0 and "mockchat-wau-2026-02.yaml: formula: dropped" in out
    assert all(": formula: dropped" in line for line in out.splitlines() if "dropped" in line)
    assert cli("migrate", "--to", "2", "--dataset", str(work))[0] == 0
    for path in sorted(dataset.rglob("*.*")):
        kept = [line for line in path.read_bytes().splitlines(keepends=True) if not line.startswith(b"formula:")]
        assert (work / path.relative_to(dataset)).read_bytes() == b"".join(kept), path
