"""``ailedger show ID``: one record with names, references both ways, and every quote with its source."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import contribution
import pytest
from releases import grown_dataset, packaged

import ailedger
from ailedger.cli import run
from ailedger.show import LISTED, render


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_glm_5_reads_like_a_record_card() -> None:
    text = render("glm-5")
    assert text.startswith("glm-5  (in models): GLM 5\n")
    assert "organization_id   zhipu-ai (Zhipu AI)" in text
    assert "runs_on           nvidia (NVIDIA), huawei (Huawei)" in text
    assert "(one day from 2026-02-09 to 2026-02-15)" in text
    assert "claims/glm-5-top-coding-agents  via subject_id" in text
    assert "via:         the-decoder (The Decoder)" in text
    assert "finanzen-at-2026-02-22, (no title), finanzen.at, 2026-02-22" in text


def test_an_organization_lists_what_references_it() -> None:
    text = render("questmobile")
    for metric in ailedger.load("metrics"):
        if metric.measured_by == "questmobile":
            assert f"metrics/{metric.id}  via measured_by" in text


@pytest.mark.parametrize("table", ailedger.tables())
def test_every_record_shows_every_quote_and_translation(table: str) -> None:
    for record in ailedger.load(table):
        text = _flat(render(record.id))
        for cite in getattr(record, "citations", []):
            assert _flat(f"“{cite.quote}”") in text
            if cite.translation:
                assert _flat(f"“{cite.translation}”") in text


def test_unknown_id_suggests_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["show", "glm5"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "ailedger show: no record has id 'glm5'; did you mean 'glm-5'?\n"


def test_unknown_id_from_the_command_line_has_no_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ailedger", "show", "no-such-thing"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "no record has id 'no-such-thing'" in done.stderr
    assert "Traceback" not in done.stderr


def test_show_prints_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["show", "doubao-dau-2026-02"]) == 0
    out = capsys.readouterr().out
    assert "value         81,000,000" in out
    assert "derived_from  qwen-app-dau-after-campaign (qwen-app daily active users 58,000,000)" in out


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, contribution.Contribution]]:
    """The fixture contribution (a 100-row daily series) packaged: an app referenced by far more than a screenful."""
    root = tmp_path_factory.mktemp("grown")
    dataset, texts, added = grown_dataset(root, rows=100)
    with packaged(dataset, texts, root / "data"):
        yield dataset, added


def test_a_long_list_of_referrers_is_cut_with_a_count(
    grown: tuple[Path, contribution.Contribution], capsys: pytest.CaptureFixture[str]
) -> None:
    _, added = grown
    referrers = [i for i in added.all_ids if i.startswith("examplechat-")] + ["mockchat-wau-2026-02"]
    text = render("examplechat")
    listed = [line for line in text.splitlines() if "  via " in line]
    total = int(text.split("Referenced by (")[1].split(")")[0])
    assert len(listed) == LISTED and f"  and {total - LISTED} more; --all lists them" in text
    assert run(["show", "examplechat", "--all"]) == 0
    every = capsys.readouterr().out
    assert len([line for line in every.splitlines() if "  via " in line]) == total and "--all lists them" not in every
    assert all(f"metrics/{i}  via subject_id" in every for i in referrers if i != "mockchat-wau-2026-02")


def test_an_id_in_the_dataset_but_not_packaged_says_to_refresh(
    grown: tuple[Path, contribution.Contribution], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset, _ = grown
    shutil.copytree(dataset, tmp_path / "dataset")
    (tmp_path / "dataset" / "models" / "sample-8.yaml").write_text("id: sample-8\n", encoding="utf-8")
    with (tmp_path / "dataset" / "metrics" / "dataprobe-daily-active-users.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "examplechat-dau-2030-01-01", "schema_version": 2}\n')
    for rid, where in [
        ("sample-8", "models/sample-8.yaml"),
        ("examplechat-dau-2030-01-01", "metrics/dataprobe-daily-active-users.jsonl"),
    ]:
        assert run(["show", rid, "--dataset", str(tmp_path / "dataset")]) == 1
        err = capsys.readouterr().err
        assert (
            f"{tmp_path / 'dataset' / where} but not in the packaged data" in err and "python scripts/refresh.py" in err
        ), err
    assert run(["show", "sample-9", "--dataset", str(tmp_path / "dataset")]) == 1
    assert "no record has id 'sample-9'" in capsys.readouterr().err
