from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# No timing asserts: on a machine shared with other jobs an example may take a second; that is not a failure.
settings.register_profile("ailedger", deadline=None)
settings.load_profile("ailedger")

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "dataset"
CASES = ROOT / "tests" / "cases"

TEXTS_ENV = "AILEDGER_TEXTS"
"""Set it to a folder of ``<source id>.txt`` to run the tests that need the real dataset's source texts."""
NEED_TEXTS_ENV = "AILEDGER_TESTS_NEED_TEXTS"
"""Set to 1 (``.ci/run`` does) to make a missing text folder fail those tests instead of skipping them."""
TEAM_TEXTS = ROOT.parent / "shared" / "sources"
"""Where the maintainers' checkout keeps the texts; used when ``AILEDGER_TEXTS`` is not set."""

REAL_TEXTS = Path(os.environ[TEXTS_ENV]).resolve() if os.environ.get(TEXTS_ENV) else TEAM_TEXTS
"""The real dataset's source texts, if this machine has them."""

# Every test sees the same clean environment: no text folder, mirror or user cache of the person running
# them, so what a command finds is only what the test put there (subprocesses inherit this).
for _name in (TEXTS_ENV, "AILEDGER_TEXTS_URL"):
    os.environ.pop(_name, None)
os.environ["AILEDGER_CACHE"] = tempfile.mkdtemp(prefix="ailedger-test-cache-")
atexit.register(shutil.rmtree, os.environ["AILEDGER_CACHE"], True)


@pytest.fixture(scope="session")
def texts() -> Path:
    """The source texts the real dataset quotes; a test that needs them is skipped, visibly, without them."""
    if not REAL_TEXTS.is_dir():
        reason = (f"the real dataset's source texts are not at {REAL_TEXTS}; set {TEXTS_ENV}=DIR "
                  "(a folder of <source id>.txt) to run this test")
        if os.environ.get(NEED_TEXTS_ENV) == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return REAL_TEXTS


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
