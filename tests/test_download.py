"""``ailedger.download()`` against a release served on 127.0.0.1: good files arrive, bad ones never land."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from releases import chinese_dataset

import ailedger
from ailedger import fetch
from ailedger.loader import sha256
from ailedger.release import build_release, database, sums_text

VERSION = "2000.01.01"


@dataclass
class Mirror:
    """A release served over HTTP, with the registry a package of that version would ship."""

    url: str
    files: Path
    registry: dict[str, str]
    hits: list[str] = field(default_factory=list)
    drop: set[str] = field(default_factory=set)
    """Files whose response announces the full length, sends half and closes the connection."""


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mirror]:
    dataset, texts = chinese_dataset(tmp_path / "src")
    served = tmp_path / "served"
    hashes = build_release(dataset, served / VERSION, texts)
    shipped = tmp_path / "registry" / f"{VERSION}.txt"
    shipped.parent.mkdir()
    shipped.write_text(sums_text(hashes), encoding="utf-8")
    monkeypatch.setattr(fetch, "registry_path", lambda version: shipped.parent / f"{version}.txt")
    state = Mirror("", served / VERSION, hashes)

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            name = self.path.rsplit("/", 1)[-1]
            state.hits.append(name)
            if name not in state.drop:
                super().do_GET()
                return
            body = (state.files / name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/{{version}}/"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


def test_good_files_arrive_and_verify(mirror: Mirror, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    paths = ailedger.download(VERSION, dest, base_url=mirror.url)
    assert sorted(paths) == sorted(mirror.registry) and len(paths) == 24
    for name, path in paths.items():
        assert path == dest / name
        assert path.read_bytes() == (mirror.files / name).read_bytes()
        assert sha256(path) == mirror.registry[name]
    assert sorted(p.name for p in dest.iterdir()) == sorted(paths)  # no temporary files left


def test_environment_sets_server_and_cache_and_the_cache_is_reused(
    mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AILEDGER_BASE_URL", mirror.url)
    monkeypatch.setenv("AILEDGER_CACHE", str(tmp_path / "cache"))
    paths = ailedger.download(VERSION)
    assert all(p.parent == tmp_path / "cache" / VERSION for p in paths.values())
    fetched = len(mirror.hits)
    assert fetched == 24
    assert ailedger.download(VERSION) == paths
    assert len(mirror.hits) == fetched  # verified copies are not fetched again
    paths["models.parquet"].write_bytes(b"corrupted on disk")
    assert ailedger.download(VERSION)["models.parquet"].read_bytes() == (mirror.files / "models.parquet").read_bytes()
    assert mirror.hits[fetched:] == ["models.parquet"]


def _refused(mirror: Mirror, dest: Path, name: str) -> fetch.DownloadError:
    with pytest.raises(ailedger.DownloadError) as caught:
        fetch.download(VERSION, dest, base_url=mirror.url)
    assert caught.value.file == name
    assert not (dest / name).exists()
    assert {p.name for p in dest.iterdir()} <= set(mirror.registry) - {name}  # nothing half-written, no temp files
    return caught.value


@pytest.mark.parametrize("damage", ["tampered", "truncated"])
def test_a_file_that_does_not_match_the_registry_is_refused(mirror: Mirror, tmp_path: Path, damage: str) -> None:
    file = mirror.files / "models.parquet"
    data = bytearray(file.read_bytes())
    if damage == "tampered":
        data[len(data) // 2] ^= 0xFF
    else:
        del data[len(data) // 2 :]
    file.write_bytes(bytes(data))
    error = _refused(mirror, tmp_path / "dest", "models.parquet")
    assert error.expected == mirror.registry["models.parquet"]
    assert error.actual == sha256(file) != error.expected
    assert error.expected in str(error) and error.actual in str(error) and "models.parquet" in str(error)


def test_a_dropped_connection_is_refused(mirror: Mirror, tmp_path: Path) -> None:
    mirror.drop.add("metrics.jsonl")
    error = _refused(mirror, tmp_path / "dest", "metrics.jsonl")
    assert "metrics.jsonl" in str(error) and "download failed" in str(error)


def test_a_version_without_shipped_hashes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ailedger.DownloadError, match=r"no hashes for release '1999\.01\.01'"):
        ailedger.download("1999.01.01", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_package_ships_a_hash_for_every_file_of_its_release() -> None:
    shipped = fetch.registry_path(ailedger.DATASET_VERSION)
    assert shipped.parent == Path(ailedger.__file__).parent / "registry"
    hashes = fetch.registry(ailedger.DATASET_VERSION)
    tables = ailedger.tables()
    expected = {"README.md", "SHA256SUMS", "croissant.json", "datapackage.json"}
    expected |= {f"{t}.{ext}" for t in tables for ext in ("parquet", "jsonl", "schema.json")}
    expected |= {database.FILE, database.METADATA}
    assert set(hashes) == expected
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes.values())


def test_info_says_where_releases_come_from_and_go(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ailedger.cli import run

    monkeypatch.setenv("AILEDGER_CACHE", str(tmp_path))
    assert run(["info"]) == 0
    out = capsys.readouterr().out
    assert f"data: {Path(ailedger.__file__).parent / 'data'}" in out
    assert "metrics" in out and f"{len(ailedger.load('metrics'))} rows" in out
    assert (
        f"checked against {fetch.registry_path(ailedger.DATASET_VERSION)}, into {tmp_path / ailedger.DATASET_VERSION}"
        in out
    )


def test_a_version_that_is_not_a_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ailedger.DownloadError, match="is not a release version"):
        ailedger.download("../../etc/passwd", tmp_path, base_url="http://127.0.0.1:9/")
