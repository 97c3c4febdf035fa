"""scripts/refresh.py writes into its own checkout only, keeps a published registry, says when quotes went unchecked."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import contribution
import pytest
from conftest import ROOT

from ailedger import loader
from ailedger._version import __version__

pytestmark = pytest.mark.slow


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def test_refresh_of_a_published_version_writes_the_checkout_only_and_keeps_the_registry(tmp_path: Path) -> None:
    """A clone with a contribution, its version tagged as published, run with the texts missing (allowed).

    The ailedger this test imports (editable or installed) is another copy: it must stay as it was.
    """
    checkout = contribution.copy_checkout(ROOT, tmp_path / "clone")
    contribution.add(checkout / "dataset", tmp_path / "texts", rows=30)
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    git = ["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "published"], check=True)
    subprocess.run([*git, "tag", f"v{__version__}"], check=True)
    installed = tree_hash(loader.data_dir().parent)
    registry = checkout / "src" / "ailedger" / "registry" / f"{__version__}.txt"
    before = registry.read_bytes()
    done = subprocess.run(
        [
            sys.executable, str(checkout / "scripts" / "refresh.py"),
            "--texts", str(tmp_path / "no-texts"), "--allow-unverified",
        ],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "QUOTES NOT CHECKED" in done.stderr and f"not in the folder {tmp_path / 'no-texts'}" in done.stderr
    assert f"dataset version {__version__} is published (git tag v{__version__})" in done.stderr
    assert "src/ailedger/_version.py" in done.stderr, "it says how to make a new version"
    assert registry.read_bytes() == before
    assert "Traceback" not in done.stderr
    manifest = json.loads((checkout / "src" / "ailedger" / "data" / "manifest.json").read_text(encoding="utf-8"))
    added = 30 + 3  # the series and the article's three figures
    assert manifest["tables"]["metrics"]["rows"] == loader.manifest()["tables"]["metrics"]["rows"] + added
    assert tree_hash(loader.data_dir().parent) == installed, "the imported copy of ailedger was written"


def test_a_registry_without_sizes_names_the_same_files_as_one_with_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """A published registry written before sizes were recorded is kept, not reported as changed data."""
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import refresh

    a, b = "a" * 64, "b" * 64
    assert refresh.same_files(f"{a}  x.parquet\n", f"{a}  10  x.parquet\n")
    assert not refresh.same_files(f"{a}  x.parquet\n", f"{b}  10  x.parquet\n")
    assert not refresh.same_files(f"{a}  x.parquet\n", f"{a}  10  x.parquet\n{b}  3  y.json\n")
