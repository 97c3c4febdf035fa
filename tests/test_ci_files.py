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
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
PULL_REQUESTS = [p for p in WORKFLOWS if p != RELEASE]
"""Every workflow but the release's may run on a stranger's pull request."""


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_there_is_a_validation_workflow() -> None:
    assert ROOT / ".github" / "workflows" / "validate.yml" in WORKFLOWS


@pytest.mark.parametrize("path", PULL_REQUESTS, ids=[p.name for p in PULL_REQUESTS])
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
    assert "pip install '.[test]'" in runs
    assert re.search(r"ailedger texts fetch dataset --texts \S+", runs)
    assert re.search(r"ailedger validate dataset --texts \S+ --require-texts --format github", runs)
    assert "python -m pytest" in runs


def test_pull_requests_data_is_checked_by_the_base_branch_validator() -> None:
    """Audit Sj86: the PR's own code never judges its records: the base branch's code, in its own folder and
    venv, does (and CODEOWNERS, the next test, puts code, schemas and workflows under review)."""
    job = load(ROOT / ".github" / "workflows" / "validate.yml")["jobs"]["data-with-base-validator"]
    assert job["if"] == "github.event_name == 'pull_request'"
    checkouts = {s["with"]["path"]: s["with"] for s in job["steps"] if s.get("uses", "").startswith("actions/checkout")}
    assert checkouts["base"]["ref"] == "${{ github.event.pull_request.base.sha }}" and "ref" not in checkouts["pr"]
    runs = [s for s in job["steps"] if "run" in s]
    assert 'pip install ./base' in runs[0]["run"]
    assert all("pip install" not in s["run"] or "./base" in s["run"] for s in runs)
    validate = runs[-1]
    assert validate["working-directory"] == "pr"
    assert validate["run"].startswith('"$RUNNER_TEMP/base-venv/bin/ailedger" validate dataset ')
    assert "--require-texts" in validate["run"]


def test_codeowners_put_code_schemas_and_workflows_under_review() -> None:
    owners = dict(
        line.split(None, 1) for line in (ROOT / ".github" / "CODEOWNERS").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    for path in ("/src/", "/schema/", "/.github/"):
        assert owners[path].strip() == "@ailedger/maintainers", path
    assert not any(path.startswith("/dataset") for path in owners)


def test_release_workflow_publishes_only_from_a_tag_after_the_checks() -> None:
    workflow = load(RELEASE)
    assert workflow["on"] == {"push": {"tags": ["v*"]}}
    assert workflow.get("permissions") == {"contents": "read"}
    jobs = workflow["jobs"]
    assert jobs["test"]["uses"] == "./.github/workflows/validate.yml"
    build = "\n".join(s.get("run", "") for s in jobs["build"]["steps"])
    dry_run = 'publish.py --release release --dist dist --tag "$GITHUB_REF_NAME" --dry-run'
    for command in ("ailedger texts fetch", "--require-texts", "ailedger build --out release", "python -m build",
                    "twine check --strict", dry_run):
        assert command in build, command
    assert "--allow-unverified" not in RELEASE.read_text(encoding="utf-8")
    assert jobs["build"]["needs"] == "test"
    assert jobs["github"]["needs"] == jobs["huggingface"]["needs"] == "build"
    assert jobs["pypi"]["needs"] == ["github", "huggingface"]
    # Only the job that needs a right gets it: assets (contents: write), the index (id-token: trusted publishing).
    assert jobs["github"]["permissions"] == {"contents": "write"}
    assert jobs["pypi"]["permissions"] == {"id-token": "write"}
    assert [s["uses"] for s in jobs["pypi"]["steps"]][-1].startswith("pypa/gh-action-pypi-publish@")
    assert all("permissions" not in job for name, job in jobs.items() if name not in ("github", "pypi"))
    for step in steps(workflow):
        assert not re.search(r"\$\{\{[^}]*github\.(event|head_ref)", step.get("run", "")), step
        if str(step.get("uses", "")).startswith("actions/checkout"):
            assert step.get("with", {}).get("persist-credentials") is False


def test_pre_commit_hook_runs_the_validator() -> None:
    """Audit Sj91: the hook runs on bulk files too, with the changed files passed."""
    [hook] = load(ROOT / ".pre-commit-hooks.yaml")
    assert hook["id"] == "ailedger-validate"
    assert hook["language"] == "python"
    assert hook["entry"] == "ailedger validate --require-texts", "a quote no text backs must not pass a commit"
    assert hook["pass_filenames"] is True and "args" not in hook, "the changed files are what is checked"
    assert re.search(hook["files"], "dataset/models/glm-5.yaml")
    assert re.search(hook["files"], "dataset/metrics/questmobile-daily.jsonl"), "a commit of a series alone is checked"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'ailedger = "ailedger.cli:main"' in pyproject
