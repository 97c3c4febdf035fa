"""``ailedger.download()`` against a release served on 127.0.0.1: good files arrive, bad ones never land.

The mirror misbehaves on request, per file and per request (audit case F16 and its neighbours): it
trickles one byte at a time, stalls, sends more than the file or announces more, answers 404 or 500,
resets or drops the connection.
"""

from __future__ import annotations

import fcntl
import logging
import os
import pty
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import termios
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from releases import chinese_dataset

import ailedger
from ailedger import fetch
from ailedger.fetch import Entry, format_registry, parse_registry
from ailedger.loader import sha256
from ailedger.release import build_release, database

VERSION = "2000.01.01"
FAST = {"backoff": 0.01, "timeout": 5.0}
"""Short waits between attempts, so the retry tests take milliseconds."""


@dataclass
class Mirror:
    """A release served over HTTP, with the registry a package of that version would ship."""

    url: str
    files: Path
    registry: dict[str, str]
    shipped: Path
    hits: list[str] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)
    """Per file, how to misbehave on its next requests, one entry per request; an empty list serves the file."""

    def fail(self, name: str, fault: str, times: int = 1) -> None:
        self.faults.setdefault(name, []).extend([fault] * times)

    def old_registry(self) -> None:
        """Ship the registry in the format before sizes were recorded (as 2026.11.30's is)."""
        self.shipped.write_text("".join(f"{h}  {n}\n" for n, h in sorted(self.registry.items())), encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("release")
    dataset, texts = chinese_dataset(root / "src")
    build_release(dataset, root / VERSION, texts)
    return root / VERSION


@pytest.fixture
def mirror(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mirror]:
    served = tmp_path / "served"
    shutil.copytree(built, served / VERSION)
    files = served / VERSION
    hashes = {f.name: sha256(f) for f in files.iterdir()}
    shipped = tmp_path / "registry" / f"{VERSION}.txt"
    shipped.parent.mkdir()
    shipped.write_text(format_registry(hashes, {n: (files / n).stat().st_size for n in hashes}), encoding="utf-8")
    monkeypatch.setattr(fetch, "registry_path", lambda version: shipped.parent / f"{version}.txt")
    state = Mirror("", files, hashes, shipped)
    stop = threading.Event()

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            name = self.path.rsplit("/", 1)[-1]
            state.hits.append(name)
            queue = state.faults.get(name)
            if not queue:
                super().do_GET()
                return
            fault = queue.pop(0)
            body = (state.files / name).read_bytes()
            if fault in ("404", "500"):
                self.send_error(int(fault))
                return
            if fault == "reset":  # close at once with a TCP reset, before any answer
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                return
            self.send_response(200)
            if fault == "announce-more":
                self.send_header("Content-Length", str(len(body) + 1))
            elif fault != "oversend":  # oversend: no length announced, so only counting can stop it
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                if fault == "drop":  # announces the full length, sends half and closes
                    self.wfile.write(body[: len(body) // 2])
                elif fault == "oversend":
                    self.wfile.write(body)
                    for _ in range(64):
                        self.wfile.write(b"\0" * (1 << 16))
                elif fault in ("trickle", "stall"):
                    for byte in body:
                        if stop.wait(0.2 if fault == "trickle" else 30):
                            break
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                self.wfile.flush()
            except OSError:  # the client gave up, as it should
                pass
            self.close_connection = True

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/{{version}}/"
    yield state
    stop.set()
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


def _refused(mirror: Mirror, dest: Path, name: str, **limits: Any) -> fetch.DownloadError:
    with pytest.raises(ailedger.DownloadError) as caught:
        fetch.download(VERSION, dest, base_url=mirror.url, **{**FAST, **limits})
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
    assert mirror.hits.count("models.parquet") == 1  # a wrong file is not transient: no retry


def test_a_connection_dropped_every_time_is_refused_after_the_retries(mirror: Mirror, tmp_path: Path) -> None:
    mirror.fail("metrics.jsonl", "drop", times=10)
    error = _refused(mirror, tmp_path / "dest", "metrics.jsonl", retries=2)
    assert "metrics.jsonl" in str(error) and "download failed" in str(error) and "3 attempts" in str(error)
    assert mirror.hits.count("metrics.jsonl") == 3


@pytest.mark.parametrize("fault", ["500", "drop", "reset"])
def test_a_transient_failure_is_retried_with_backoff(
    mirror: Mirror, tmp_path: Path, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Audit Dd6b: a transient failure (a 500, a dropped or reset connection) is retried with backoff."""
    mirror.fail("models.parquet", fault, times=2)
    with caplog.at_level(logging.INFO, logger="ailedger"):
        paths = fetch.download(VERSION, tmp_path / "dest", base_url=mirror.url, retries=2, **FAST)
    assert sha256(paths["models.parquet"]) == mirror.registry["models.parquet"]
    assert mirror.hits.count("models.parquet") == 3
    retries = [r.getMessage() for r in caplog.records if "trying again" in r.getMessage()]
    assert len(retries) == 2 and all("models.parquet" in m for m in retries)
    assert "retry 1 of 2" in retries[0] and "retry 2 of 2" in retries[1]


def test_a_server_error_beyond_the_retries_is_refused(mirror: Mirror, tmp_path: Path) -> None:
    mirror.fail("README.md", "500", times=10)
    error = _refused(mirror, tmp_path / "dest", "README.md", retries=1)
    assert "500" in str(error) and "2 attempts" in str(error)
    assert mirror.hits.count("README.md") == 2


def test_retries_zero_means_one_attempt(mirror: Mirror, tmp_path: Path) -> None:
    mirror.fail("README.md", "500")
    _refused(mirror, tmp_path / "dest", "README.md", retries=0)
    assert mirror.hits.count("README.md") == 1


def test_not_found_is_not_retried(mirror: Mirror, tmp_path: Path) -> None:
    mirror.fail("models.jsonl", "404", times=10)
    error = _refused(mirror, tmp_path / "dest", "models.jsonl")
    assert "404" in str(error) and "models.jsonl was not saved" in str(error)
    assert mirror.hits.count("models.jsonl") == 1


def test_a_trickling_server_is_cut_off_at_the_deadline(mirror: Mirror, tmp_path: Path) -> None:
    """Audit Dd11: one byte every 0.2 s never trips the read timeout; the deadline per file ends it."""
    mirror.fail("models.parquet", "trickle")
    error = _refused(mirror, tmp_path / "dest", "models.parquet", deadline=1.0)
    assert "did not arrive within 1 s" in str(error)
    assert mirror.hits.count("models.parquet") == 1


def test_a_stalled_server_is_retried_within_the_deadline(mirror: Mirror, tmp_path: Path) -> None:
    """No byte for longer than the read timeout: a transient failure, retried; the retry succeeds."""
    mirror.fail("models.parquet", "stall")
    paths = fetch.download(VERSION, tmp_path / "dest", base_url=mirror.url, timeout=0.3, backoff=0.01)
    assert sha256(paths["models.parquet"]) == mirror.registry["models.parquet"]
    assert mirror.hits.count("models.parquet") == 2


def test_a_server_that_sends_more_than_the_recorded_size_is_cut_off(mirror: Mirror, tmp_path: Path) -> None:
    """Audit Dd12: a body that grows past the size the registry records is cut off, nothing saved."""
    size = (mirror.files / "models.parquet").stat().st_size
    mirror.fail("models.parquet", "oversend")
    error = _refused(mirror, tmp_path / "dest", "models.parquet")
    assert f"sent more than the {size} bytes this ailedger records for models.parquet" in str(error)
    assert mirror.hits.count("models.parquet") == 1  # not the file: no retry


def test_a_server_that_announces_more_than_the_recorded_size_is_refused_before_the_body(
    mirror: Mirror, tmp_path: Path
) -> None:
    mirror.fail("models.parquet", "announce-more")
    error = _refused(mirror, tmp_path / "dest", "models.parquet")
    assert "announced more than" in str(error)


def test_an_old_registry_without_sizes_still_downloads(mirror: Mirror, tmp_path: Path) -> None:
    mirror.old_registry()
    assert set(fetch.registry_entries(VERSION).values()) == {Entry(h, None) for h in mirror.registry.values()}
    paths = fetch.download(VERSION, tmp_path / "dest", base_url=mirror.url)
    assert all(sha256(p) == mirror.registry[n] for n, p in paths.items())


def test_an_old_registry_caps_files_at_max_bytes(mirror: Mirror, tmp_path: Path) -> None:
    mirror.old_registry()
    mirror.fail("models.parquet", "oversend")
    cap = max(f.stat().st_size for f in mirror.files.iterdir())  # every real file fits; the oversend does not
    error = _refused(mirror, tmp_path / "dest", "models.parquet", max_bytes=cap)
    assert f"more than {cap} bytes, the limit for a file whose size the registry does not record" in str(error)


def test_the_registry_format_with_sizes_and_the_older_one() -> None:
    a, b = "a" * 64, "b" * 64
    assert parse_registry(format_registry({"x.parquet": a, "README.md": b}, {"x.parquet": 10, "README.md": 0})) == {
        "README.md": Entry(b, 0),
        "x.parquet": Entry(a, 10),
    }
    assert format_registry({"x": a}, {"x": 10}) == f"{a}  10  x\n"
    assert parse_registry(f"{a}  x.parquet\n") == {"x.parquet": Entry(a, None)}
    with pytest.raises(ailedger.DownloadError, match="line 2 of the registry"):
        parse_registry(f"{a}  x\n{a} y\n")


def test_the_registry_of_2026_11_30_stays_readable() -> None:
    """2026.11.30's registry was written before sizes were recorded (whatever it holds, it must read)."""
    entries = fetch.registry_entries("2026.11.30")
    assert entries and all(re.fullmatch(r"[0-9a-f]{64}", e.sha256) for e in entries.values())


def test_pooch_messages_go_through_logging_and_are_silent_by_default(
    mirror: Mirror, tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    ailedger.download(VERSION, tmp_path / "a", base_url=mirror.url)
    assert capfd.readouterr().err == ""  # pooch printed one "Downloading file" line per file to stderr
    with caplog.at_level(logging.INFO, logger="ailedger"):
        ailedger.download(VERSION, tmp_path / "b", base_url=mirror.url)
    downloading = [r for r in caplog.records if r.getMessage().startswith("Downloading file")]
    assert len(downloading) == len(mirror.registry) and {r.name for r in downloading} == {"pooch"}
    assert capfd.readouterr().err == ""


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


# The command ------------------------------------------------------------------------------------------


def test_download_command_prints_the_folder_and_nothing_else_off_a_terminal(
    mirror: Mirror, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ailedger.cli import run

    monkeypatch.setenv("AILEDGER_BASE_URL", mirror.url)
    assert run(["download", VERSION, "--dest", str(tmp_path / "dest")]) == 0
    out, err = capsys.readouterr()
    assert out == f"{tmp_path / 'dest'}\n" and err == ""
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == sorted(mirror.registry)


def test_download_command_refuses_with_exit_1_and_a_message(
    mirror: Mirror, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ailedger.cli import main

    monkeypatch.setenv("AILEDGER_BASE_URL", mirror.url)
    mirror.fail("models.parquet", "trickle")
    with pytest.raises(SystemExit) as exited:
        main(["download", VERSION, "--dest", str(tmp_path / "dest"), "--deadline", "0.5", "--retries", "0"])
    assert exited.value.code == 1
    assert "models.parquet did not arrive within 0.5 s" in capsys.readouterr().err


COMMAND = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from ailedger import fetch
    from ailedger.cli import main

    fetch.registry_path = lambda version: Path(sys.argv[1]) / f"{version}.txt"
    main(["download", *sys.argv[2:]])
    """
)


def _command(mirror: Mirror, dest: Path) -> list[str]:
    return [sys.executable, "-c", COMMAND, str(mirror.shipped.parent), VERSION, "--dest", str(dest)]


def _env(mirror: Mirror) -> dict[str, str]:
    return {**os.environ, "AILEDGER_BASE_URL": mirror.url, "PYTHONPATH": str(ROOT / "src")}


@pytest.mark.slow
def test_download_command_draws_a_progress_bar_on_a_terminal(mirror: Mirror, tmp_path: Path) -> None:
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a new pty is 0 columns wide
    proc = subprocess.Popen(
        _command(mirror, tmp_path / "dest"), stdin=secondary, stdout=secondary, stderr=secondary, env=_env(mirror)
    )
    os.close(secondary)
    seen = b""
    while True:
        ready, _, _ = select.select([primary], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(primary)
    assert proc.wait(timeout=60) == 0, seen
    text = seen.decode("utf-8", "replace")
    assert f"ailedger {VERSION}" in text and "100%" in text and "\r" in text
    assert str(tmp_path / "dest") in text
    assert len(list((tmp_path / "dest").iterdir())) == len(mirror.registry)


@pytest.mark.slow
def test_download_command_is_silent_on_a_pipe(mirror: Mirror, tmp_path: Path) -> None:
    command = _command(mirror, tmp_path / "dest")
    proc = subprocess.run(command, capture_output=True, env=_env(mirror), timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    assert proc.stdout.decode() == f"{tmp_path / 'dest'}\n"
