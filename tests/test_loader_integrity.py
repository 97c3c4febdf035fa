"""The shipped Parquet files are checked on every read: altered bytes raise IntegrityError, never wrong rows."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import ailedger
from ailedger import loader


@pytest.fixture
def shipped_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The package's data folder copied to tmp_path, with the loader pointed at the copy."""
    copy = tmp_path / "data"
    shutil.copytree(loader.data_dir(), copy)
    loader.manifest.cache_clear()
    loader._verified.clear()
    monkeypatch.setattr(loader, "data_dir", lambda: copy)
    yield copy
    loader.manifest.cache_clear()
    loader._verified.clear()


def test_an_untouched_copy_loads(shipped_copy: Path) -> None:
    assert ailedger.path("metrics") == shipped_copy / "metrics.parquet"
    assert ailedger.load_table("metrics").num_rows == loader.manifest()["tables"]["metrics"]["rows"]


@pytest.mark.parametrize("where", [0.5, 0.0, -1])
def test_a_flipped_byte_raises_integrity_error(shipped_copy: Path, where: float) -> None:
    file = shipped_copy / "metrics.parquet"
    ailedger.load_table("metrics")  # verified once: a later change must still be caught
    data = bytearray(file.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    file.write_bytes(bytes(data))
    with pytest.raises(ailedger.IntegrityError) as caught:
        ailedger.load_table("metrics")
    assert caught.value.path == file
    assert caught.value.expected == loader.manifest()["tables"]["metrics"]["sha256"]
    assert caught.value.actual == loader.sha256(file)
    assert str(file) in str(caught.value)
    with pytest.raises(ailedger.IntegrityError):
        ailedger.load("metrics")
