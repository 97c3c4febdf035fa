"""A small run of ``python -m benchmarks`` (10k metrics), so the benchmark code never rots.

It checks that every case runs and reports its figures; it asserts no timings
(those belong to benchmarks/README.md, measured on a known machine). Case f,
validating the real dataset, is left out: the suite checks that dataset itself
(tests/test_dataset.py), and a contribution in progress must not fail here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow


def test_small_benchmark_run_reports_every_case(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    argv = [sys.executable, "-m", "benchmarks", "--metrics", "10000", "--models", "50", "--repeat", "1",
            "--process-repeat", "1", "--work", str(tmp_path / "work"), "--json", str(out), "--cases", "abcdeghij",
            "--records", "200"]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    cases = {c["case"]: c for c in report["cases"]}
    assert sorted(cases) == ["a", "b", "c", "d", "e", "g", "h", "i", "j"]
    assert cases["i"]["memory_target_met"] in (True, False)
    assert len(list((tmp_path / "work" / "records-200" / "dataset").glob("*/*.yaml"))) == 200
    assert 0 < cases["h"]["ailedger"]["bytes"] < cases["h"]["baseline"]["bytes"], "the chart's SVG size is recorded"
    for key in "abcdeghij":
        assert cases[key]["ratio"] > 0
        assert cases[key]["baseline"]["peak_mb"] > 0
        assert cases[key]["cpu_ratio"] > 0, "CPU time is measured beside the wall clock"
        assert f"({key}) " in done.stdout
    assert all(c["ailedger"]["times"] and c["ailedger"]["peak_mb"] > 0 for c in cases.values())
    assert report["machine"]["cpus"] >= 1
    assert report["machine"]["load_average_start"] and report["machine"]["load_average_end"]
    assert report["params"]["metrics"] == 10000
    lines = (tmp_path / "work" / "dataset" / "metrics" / "dau.jsonl").read_bytes().count(b"\n")
    assert lines == 10000
