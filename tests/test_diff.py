"""``ailedger diff``: keyed changes between two releases, with renames as renames."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import CASES, DATASET
from releases import grown_dataset

import ailedger
from ailedger import diff
from ailedger.cli import main, run
from ailedger.errors import ReleaseReadError
from ailedger.loader import data_dir
from ailedger.schema import LATEST

BASE = CASES / "_base" / "dataset"

RENAMED = f"""\
id: rival-inc-rival-2
schema_version: {LATEST.MAJOR}
name: "Rival 2"
aliases: ["Rival-2"]
organization_id: rival-inc
kind: model
citations:
  - source_id: example-news
    quote: "outperforms Rival-2 by Rival Inc. in coding benchmarks"
    supports: [name, aliases, organization_id, kind]
"""

ADDED = f"""\
id: example-wire
schema_version: {LATEST.MAJOR}
name: "Example Wire"
kind: news_agency
citations:
  - source_id: example-news
    quote: "Example Wire"
    supports: [name, kind]
"""


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args))
    return code, out.getvalue(), err.getvalue()


def next_release(dataset: Path) -> None:
    """Three changes: an organization added, a usage figure corrected, a model renamed (and the claim naming it
    follows)."""
    (dataset / "organizations" / "example-wire.yaml").write_text(ADDED, encoding="utf-8")
    metric = dataset / "metrics" / "example-app-wau-2026-02.yaml"
    metric.write_text(
        metric.read_text(encoding="utf-8").replace("12500000", "12600000").replace("12,5 Millionen", "12,6 Millionen"),
        encoding="utf-8",
    )
    (dataset / "models" / "rival-2.yaml").unlink()
    (dataset / "models" / "rival-inc-rival-2.yaml").write_text(RENAMED, encoding="utf-8")
    claim = dataset / "claims" / "example-1-beats-rival-2.yaml"
    claim.write_text(claim.read_text(encoding="utf-8").replace("[rival-2]", "[rival-inc-rival-2]"), encoding="utf-8")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("builds")
    shutil.copytree(BASE, root / "old-dataset")
    shutil.copytree(BASE, root / "new-dataset")
    next_release(root / "new-dataset")
    for name in ("old", "new"):
        code, out, err = cli(
            "build", "--out", str(root / name), "--dataset", str(root / f"{name}-dataset"), "--allow-unverified"
        )
        assert code == 0, out + err
    return root / "old", root / "new"


def test_two_builds_differ_by_exactly_the_three_changes_markdown(builds: tuple[Path, Path]) -> None:
    old, new = builds
    code, out, _ = cli("diff", str(old), str(new))
    assert code == 0
    assert out.splitlines() == [
        f"## Changes from {old} to {new}",
        "",
        "3 changes: 1 added, 0 removed, 1 changed, 1 renamed.",
        "",
        "### organizations",
        "",
        "- added `example-wire`: Example Wire",
        "",
        "### models",
        "",
        (
            '- renamed `rival-2` → `rival-inc-rival-2` (aliases: Rival-2); `citations[0].supports`: + "aliases"; '
            '`name`: "Rival-2" → "Rival 2"; `aliases`: + "Rival-2"; references followed: '
            "claims/example-1-beats-rival-2.object_ids"
        ),
        "",
        "### metrics",
        "",
        (
            '- changed `example-app-wau-2026-02`: `citations[0].quote`: "the Example app reached 12,5 Millionen weekly '
            'active users at the end of February" → "the Example app reached 12,6 Millionen weekly active users at the '
            'end of February"; `value`: 12500000 → 12600000'
        ),
    ]


def test_two_builds_differ_by_exactly_the_three_changes_json(builds: tuple[Path, Path]) -> None:
    old, new = builds
    code, out, _ = cli("diff", str(old), str(new), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["counts"] == {"added": 1, "removed": 0, "changed": 1, "renamed": 1}
    assert doc["old"] == {
        "release": str(old),
        "dataset_version": ailedger.DATASET_VERSION,
        "schema_version": LATEST.MAJOR,
    }
    summary = [
        (c["change"], c["table"], c["id"], c.get("old_id"), [f["field"] for f in c.get("fields", [])])
        for c in doc["changes"]
    ]
    assert summary == [
        ("added", "organizations", "example-wire", None, []),
        ("renamed", "models", "rival-inc-rival-2", "rival-2", ["citations", "name", "aliases"]),
        ("changed", "metrics", "example-app-wau-2026-02", None, ["citations", "value"]),
    ]
    changed = doc["changes"][2]["fields"][1]
    assert (changed["old"], changed["new"]) == (12500000, 12600000)
    assert doc["changes"][0]["record"]["name"] == "Example Wire"
    assert doc["changes"][1]["aliases"] == ["Rival-2"]
    assert doc["changes"][1]["references"] == ["claims/example-1-beats-rival-2.object_ids"]


def test_a_release_and_its_dataset_and_the_packaged_data_agree(builds: tuple[Path, Path], tmp_path: Path) -> None:
    old, _ = builds
    assert cli("diff", str(old), str(BASE), "--format", "json")[1].count('"change"') == 0
    code, out, err = cli("build", "--out", str(tmp_path / "real"), "--dataset", str(DATASET), "--allow-unverified")
    assert code == 0, out + err
    assert json.loads(cli("diff", str(data_dir()), str(tmp_path / "real"), "--format", "json")[1])["changes"] == []
    assert json.loads(cli("diff", str(tmp_path / "real"), str(DATASET), "--format", "json")[1])["changes"] == []


def test_a_release_in_another_schema_major_is_migrated_before_comparing(tmp_path: Path) -> None:
    other = 2 if LATEST.MAJOR == 1 else 1
    shutil.copytree(BASE, tmp_path / "other")
    assert cli("migrate", "--to", str(other), "--dataset", str(tmp_path / "other"))[0] == 0
    code, out, _ = cli("diff", str(BASE), str(tmp_path / "other"))
    assert code == 0
    assert "0 changes: 0 added, 0 removed, 0 changed, 0 renamed." in out
    assert f"The old release is in schema v{LATEST.MAJOR}; it was migrated to v{other} before comparing." in out


def test_a_new_record_under_another_name_is_not_a_rename(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "new")
    other = (
        RENAMED.replace("rival-inc-rival-2", "rival-3")
        .replace('"Rival 2"', '"Rival-3"')
        .replace('["Rival-2"]', '["R3"]')
    )
    (tmp_path / "new" / "models" / "rival-3.yaml").write_text(other, encoding="utf-8")
    (tmp_path / "new" / "models" / "rival-2.yaml").unlink()
    doc = json.loads(cli("diff", str(BASE), str(tmp_path / "new"), "--format", "json")[1])
    assert [(c["change"], c["id"]) for c in doc["changes"]] == [("removed", "rival-2"), ("added", "rival-3")]


def test_a_broken_record_file_is_named_where_validate_names_it(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "new")
    broken = tmp_path / "new" / "models" / "rival-2.yaml"
    broken.write_bytes("id: rival-2\n".encode("utf-16"))
    with pytest.raises(ReleaseReadError) as exc:
        diff.read(tmp_path / "new")
    assert str(exc.value) == f"{broken}:1:1: file is UTF-16; save it as UTF-8; run ailedger validate on it"


def test_a_row_whose_schema_version_is_a_list_is_named_as_such(tmp_path: Path) -> None:
    release = tmp_path / "release"
    release.mkdir()
    (release / "models.jsonl").write_text('{"schema_version": [2], "id": "x"}\n', encoding="utf-8")
    with pytest.raises(ReleaseReadError) as exc:
        diff.read(release)
    assert str(exc.value).startswith(f"{release / 'models.jsonl'}:1: schema version [2] is not known;")


def test_a_folder_that_is_not_a_release_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["diff", str(tmp_path), str(BASE)])
    assert exc.value.code == 1
    assert "holds no <table>.jsonl, <table>.parquet or <table>/ folder of records" in capsys.readouterr().err


def test_build_against_the_previous_release_writes_the_changes(builds: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = builds
    dataset = tmp_path / "dataset"
    shutil.copytree(BASE, dataset)
    next_release(dataset)
    outs = []
    for name in ("a", "b"):
        code, out, err = cli(
            "build", "--out", str(tmp_path / name), "--dataset", str(dataset), "--previous", str(old),
            "--allow-unverified",
        )
        assert code == 0, out + err
        outs.append(tmp_path / name)
    changes = json.loads((outs[0] / "CHANGES.json").read_text(encoding="utf-8"))
    assert changes["counts"] == {"added": 1, "removed": 0, "changed": 1, "renamed": 1}
    assert changes["new"]["dataset_version"] == ailedger.DATASET_VERSION
    assert (outs[0] / "CHANGES.md").read_text(encoding="utf-8") == (outs[1] / "CHANGES.md").read_text(encoding="utf-8")
    assert (outs[0] / "CHANGES.json").read_bytes() == (outs[1] / "CHANGES.json").read_bytes(), (
        "must not depend on the build folder"
    )
    sums = (outs[0] / "SHA256SUMS").read_text(encoding="utf-8")
    assert "  CHANGES.json\n" in sums and "  CHANGES.md\n" in sums
    assert not (new / "CHANGES.json").exists(), "without --previous no changes are written"


def test_every_bulk_row_is_a_change_from_a_release_to_a_release_or_its_dataset(tmp_path: Path) -> None:
    """Bulk rows are records like any other: ``diff`` and ``build --previous`` list each, read from any form."""
    old = tmp_path / "old"
    assert cli("build", "--out", str(old), "--dataset", str(BASE), "--allow-unverified")[0] == 0
    dataset, texts, added = grown_dataset(tmp_path / "grown", rows=25)
    new = tmp_path / "new"
    code, out, err = cli(
        "build", "--out", str(new), "--dataset", str(dataset), "--texts", str(texts), "--previous", str(old)
    )
    assert code == 0, out + err
    expected = set(added.all_ids)
    for later in (new, dataset):
        doc = json.loads(cli("diff", str(old), str(later), "--format", "json")[1])
        assert {(c["change"], c["id"]) for c in doc["changes"]} == {("added", i) for i in expected}, later
    assert json.loads(cli("diff", str(new), str(dataset), "--format", "json")[1])["changes"] == []
    changes = json.loads((new / "CHANGES.json").read_text(encoding="utf-8"))
    assert {c["id"] for c in changes["changes"]} == expected
    markdown = (new / "CHANGES.md").read_text(encoding="utf-8")
    assert "- added `examplechat-wau-2026-02`: examplechat weekly active users 42,000,000" in markdown


def test_a_bad_release_is_named_by_the_folder_the_user_gave(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The build reads the release it writes in a hidden staging folder; a problem there names --out, not the staging
    folder."""
    import ailedger.release

    old = tmp_path / "old"
    assert cli("build", "--out", str(old), "--dataset", str(BASE), "--allow-unverified")[0] == 0
    good = ailedger.release.jsonl_text
    monkeypatch.setattr(
        ailedger.release, "jsonl_text", lambda records: good(records).replace('"as_of":"2026-02"', '"as_of":""')
    )
    out = tmp_path / "new"
    with pytest.raises(SystemExit) as exc:
        main(["build", "--out", str(out), "--dataset", str(BASE), "--allow-unverified", "--previous", str(old)])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert f"{out / 'metrics.jsonl'}:1: as_of:" in err and "rebuild it with ailedger build" in err
    assert ".new." not in err, err
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock")]
    assert not out.exists() and not leftovers  # only the builds' lock files stay beside their folders
