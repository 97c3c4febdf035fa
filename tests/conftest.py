from __future__ import annotations

from pathlib import Path

import pytest

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
