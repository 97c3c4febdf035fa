"""``ailedger show ID``: one record with names, references both ways, and every quote with its source."""

from __future__ import annotations

import subprocess
import sys

import pytest

import ailedger
from ailedger.cli import run
from ailedger.show import render


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
