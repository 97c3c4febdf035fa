"""The shipped Parquet files are checked on every read: altered bytes raise IntegrityError, never wrong rows.

A missing file or a damaged manifest is a PackageDataError naming the file (the CLI exits 1, not 3).
"""

from __future__ import annotations

import os
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
    monkeypatch.setattr(loader, "data_dir", lambda: copy)
    yield copy
    loader.manifest.cache_clear()


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


def test_a_same_size_edit_with_the_mtime_put_back_is_caught(shipped_copy: Path) -> None:
    """Audit Ma6: nothing is remembered between reads, so a later edit is caught whatever it keeps."""
    file = shipped_copy / "models.parquet"
    before = ailedger.load_table("models")
    stat = file.stat()
    raw = file.read_bytes()
    data = bytearray(raw)
    data[len(data) // 2] ^= 0x04
    file.write_bytes(bytes(data))
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (file.stat().st_size, file.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    with pytest.raises(ailedger.IntegrityError):
        ailedger.load_table("models")
    file.write_bytes(raw)
    assert ailedger.load_table("models").equals(before)


def test_a_missing_parquet_file_is_a_package_data_error(shipped_copy: Path) -> None:
    """Audit Ma3: a Parquet file missing from the installed package is an AiledgerError naming it."""
    (shipped_copy / "models.parquet").unlink()
    with pytest.raises(
        ailedger.PackageDataError, match=r"models\.parquet is missing from the installed package"
    ) as caught:
        ailedger.load("models")
    assert caught.value.path == shipped_copy / "models.parquet"
    assert "reinstall" in str(caught.value)


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"[]", b'{"tables": {}}', b'{"tables": {"models": {"file": 3}}}', b"\xff\xfe{"],
    ids=["not-json", "empty", "a-list", "no-tables", "bad-entry", "not-utf8"],
)
def test_a_damaged_manifest_is_a_package_data_error(shipped_copy: Path, content: bytes) -> None:
    """Audit Ma5: a corrupt manifest (``{not json`` among others) is an AiledgerError naming it."""
    manifest = shipped_copy / "manifest.json"
    manifest.write_bytes(content)
    with pytest.raises(ailedger.PackageDataError, match=r"manifest\.json") as caught:
        ailedger.load_table("models")
    assert caught.value.path == manifest


def test_a_missing_manifest_is_a_package_data_error(shipped_copy: Path) -> None:
    (shipped_copy / "manifest.json").unlink()
    with pytest.raises(ailedger.PackageDataError, match=r"manifest\.json is missing"):
        ailedger.path("models")


@pytest.mark.parametrize("damage", ["missing-parquet", "corrupt-manifest"])
def test_the_cli_reports_a_damaged_install_as_an_error_not_a_bug(
    shipped_copy: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from ailedger.cli import main

    if damage == "missing-parquet":
        (shipped_copy / "models.parquet").unlink()
    else:
        (shipped_copy / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["show", "glm-5"] if damage == "missing-parquet" else ["info"])
    err = capsys.readouterr().err
    assert exited.value.code == 1, err
    assert "internal error" not in err and "reinstall" in err
