"""The contributor workflow: the CI workflow is safe for strangers' pull requests, the pre-commit hook runs the
validator."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from ruamel.yaml import YAML

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_there_is_a_validation_workflow() -> None:
    assert ROOT / ".github" / "workflows" / "validate.yml" in WORKFLOWS


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflow_is_safe_for_pull_requests_from_strangers(path: Path) -> None:
    workflow = load(path)
    triggers = workflow["on"]
    assert "pull_request_target" not in triggers and "workflow_run" not in triggers
    assert workflow.get("permissions") == {"contents": "read"}
    assert all("permissions" not in job for job in workflow["jobs"].values())
    text = path.read_text(encoding="utf-8")
    assert "secrets." not in re.sub(r"#.*", "", text)
    for step in steps(workflow):
        # Untrusted event data (titles, branch names) reaches a shell only through env:.
        assert not re.search(r"\$\{\{[^}]*github\.(event|head_ref)", step.get("run", "")), step
        if str(step.get("uses", "")).startswith("actions/checkout"):
            assert step.get("with", {}).get("persist-credentials") is False


def test_validation_workflow_runs_the_validator_with_annotations() -> None:
    workflow = load(ROOT / ".github" / "workflows" / "validate.yml")
    assert "pull_request" in workflow["on"]
    runs = "\n".join(step.get("run", "") for step in steps(workflow))
    assert "pip install ." in runs
    assert re.search(r"ailedger validate dataset --texts \S+ --format github", runs)


def test_pre_commit_hook_runs_the_validator() -> None:
    [hook] = load(ROOT / ".pre-commit-hooks.yaml")
    assert hook["id"] == "ailedger-validate"
    assert hook["language"] == "python"
    assert hook["entry"] == "ailedger validate"
    assert hook["pass_filenames"] is True and "args" not in hook, "the changed files are what is checked"
    assert re.search(hook["files"], "dataset/models/glm-5.yaml")
    assert re.search(hook["files"], "dataset/metrics/questmobile-daily.jsonl"), "a commit of a series alone is checked"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'ailedger = "ailedger.cli:main"' in pyproject
