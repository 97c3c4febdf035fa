from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# No timing asserts: on a machine shared with other jobs an example may take a second; that is not a failure.
settings.register_profile("ailedger", deadline=None)
settings.load_profile("ailedger")

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "dataset"
SHARED_TEXTS = ROOT.parent / "shared" / "sources"
CASES = ROOT / "tests" / "cases"


@pytest.fixture(scope="session")
def texts() -> Path:
    """The source texts the real dataset quotes; CI lays shared/ beside the clone."""
    if not SHARED_TEXTS.is_dir():
        pytest.fail(f"source texts not found at {SHARED_TEXTS}; the tests need ../shared/sources beside the checkout")
    return SHARED_TEXTS


@pytest.fixture(params=["libyaml", "pure"])
def yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test under each YAML parser: libyaml (the default where installed) and the pure-Python fallback.

    The fallback is what a machine without PyYAML's C extension runs; the
    same cases must give the same diagnostics under both.
    """
    from ailedger.validate import yaml12

    if request.param == "libyaml" and yaml12.default_parser() != "libyaml":
        pytest.fail("PyYAML's C parser is not installed (pip install PyYAML with its binary wheel)")
    monkeypatch.setenv(yaml12.PARSER_ENV, "" if request.param == "libyaml" else "pure")
    return str(request.param)


def pytest_configure(config: pytest.Config) -> None:
    """Tests validate afresh: a cached result would hide the parser or the code under test (tests/test_validate_cache.py
    turns the cache on where it is the subject). Subprocesses inherit the setting."""
    os.environ["AILEDGER_VALIDATE_CACHE"] = "off"
