"""How a build replaces its output folder (ailedger.release.tables): atomically, under a lock, only over its own.

Audit cases F14 (the folder vanished for a moment during every build, and for good when a build was
killed between two renames; staging folders of killed builds piled up), F15 (two builds into one
folder raced into "internal error") and issue 10's `build --out PATH` deleting whatever was there.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import CASES, ROOT
from releases import chinese_dataset

from ailedger import arrow
from ailedger import release as release_module
from ailedger.cli import run
from ailedger.errors import BuildLockedError, OutPathError
from ailedger.fetch import parse_sums
from ailedger.loader import sha256
from ailedger.release import SUMS, build_release, earlier_release
from ailedger.release import tables as tables_module
from ailedger.release.tables import replace_dir, write_tables
from ailedger.schema import LATEST

BASE = CASES / "_base"
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for folders), to show that nothing was touched."""
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_bytes() for p in sorted(root.rglob("*"))}


def is_complete(folder: Path) -> bool:
    """A release whose SHA256SUMS lists every other file with its hash."""
    sums = parse_sums((folder / SUMS).read_text(encoding="utf-8"))
    return set(sums) | {SUMS} == {p.name for p in folder.iterdir()} and all(
        sha256(folder / n) == h for n, h in sums.items()
    )


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Two datasets whose releases differ (the base one, and the same with Chinese aliases), and their texts."""
    root = tmp_path_factory.mktemp("sources")
    new, texts = chinese_dataset(root / "new")
    old = root / "old"
    shutil.copytree(BASE / "dataset", old)
    source = old / "sources" / "example-news.yaml"  # the same texts: the new one only adds a sentence
    digest = sha256(texts / "example-news.txt")
    source.write_text(
        re.sub(r"(?m)^sha256: .*$", f"sha256: {digest}", source.read_text(encoding="utf-8")), encoding="utf-8"
    )
    return old, new, texts


@pytest.fixture(scope="module")
def releases(
    tmp_path_factory: pytest.TempPathFactory, sources: tuple[Path, Path, Path]
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    old, new, texts = sources
    root = tmp_path_factory.mktemp("built")
    build_release(old, root / "old", texts)
    build_release(new, root / "new", texts)
    before, after = snapshot(root / "old"), snapshot(root / "new")
    assert before != after
    return before, after


# build --out refuses what it did not write -------------------------------------------------------------


def _refusal(tmp_path: Path, out: Path, sources: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> str:
    old, _, texts = sources
    before = tree(tmp_path)
    assert run(["build", "--out", str(out), "--dataset", str(old), "--texts", str(texts)]) == 2
    assert tree(tmp_path) == before  # nothing touched, not even a lock file beside it
    err = capsys.readouterr().err
    assert err.startswith(f"ailedger build: error: {out} ") and "staging" not in err
    return err


@pytest.mark.parametrize(
    "layout",
    ["source-folder", "dataset", "own-sha256sums", "release-plus-a-file", "release-without-marker"],
)
def test_build_refuses_a_folder_it_did_not_write(
    tmp_path: Path, sources: tuple[Path, Path, Path], layout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    old, _, texts = sources
    out = tmp_path / "work" / "out"
    if layout == "source-folder":
        shutil.copytree(ROOT / "src" / "ailedger" / "schema", out)
    elif layout == "dataset":
        shutil.copytree(old, out)
    else:
        build_release(old, out, texts)
        (tmp_path / "work" / ".out.lock").unlink()
        if layout == "own-sha256sums":  # someone's download folder with their own checksums
            (out / "datapackage.json").unlink()
            (out / SUMS).write_text(
                "".join(f"{sha256(f)}  {f.name}\n" for f in sorted(out.iterdir()) if f.name != SUMS)
            )
        elif layout == "release-plus-a-file":
            (out / "my-notes.txt").write_text("mine\n")
        else:
            (out / "datapackage.json").write_text('{"name": "something-else"}\n')
    err = _refusal(tmp_path / "work", out, sources, capsys)
    assert {
        "source-folder": "has no SHA256SUMS",
        "dataset": "has no SHA256SUMS",
        "own-sha256sums": "has no datapackage.json naming ailedger",
        "release-plus-a-file": "holds files its SHA256SUMS does not list (my-notes.txt)",
        "release-without-marker": "has no datapackage.json naming ailedger",
    }[layout] in err
    assert "choose another path" in err


def test_build_refuses_a_regular_file(
    tmp_path: Path, sources: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("keep me\n")
    assert "is a file, not a folder" in _refusal(tmp_path, tmp_path / "notes.txt", sources, capsys)


def test_build_refuses_a_symbolic_link(
    tmp_path: Path, sources: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, _, texts = sources
    build_release(old, tmp_path / "real", texts)
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    assert "is a symbolic link" in _refusal(tmp_path, tmp_path / "link", sources, capsys)


@pytest.mark.parametrize("state", ["absent", "empty", "earlier-release"])
def test_build_writes_over_nothing_an_empty_folder_or_an_earlier_release(
    tmp_path: Path, sources: tuple[Path, Path, Path], releases: tuple[dict[str, bytes], dict[str, bytes]], state: str
) -> None:
    old, new, texts = sources
    out = tmp_path / "deep" / "out"
    if state == "empty":
        out.mkdir(parents=True)
    elif state == "earlier-release":
        build_release(old, out, texts)
        assert earlier_release(out) is None
    build_release(new, out, texts)
    assert snapshot(out) == releases[1]


def test_package_data_is_written_only_over_package_data(tmp_path: Path) -> None:
    table = pa.table({"id": ["a"]})
    out = tmp_path / "data"
    write_tables({"sources": table}, out)
    write_tables({"sources": table}, out)  # its own earlier output: replaced
    (out / "notes.txt").write_text("mine\n")
    with pytest.raises(OutPathError, match=r"holds files ailedger does not write there \(notes.txt\)"):
        write_tables({"sources": table}, out)
    assert (out / "notes.txt").read_text() == "mine\n"


# the swap ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_replace_dir_puts_the_new_folder_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    if not exchange:
        monkeypatch.setattr(tables_module, "_exchange", lambda a, b: False)
    target, tmp = tmp_path / "out", tmp_path / ".out.staging-x"
    target.mkdir()
    (target / "old").write_text("old")
    tmp.mkdir()
    (tmp / "new").write_text("new")
    replace_dir(tmp, target)
    assert [p.name for p in tmp_path.iterdir()] == ["out"] and snapshot(target) == {"new": b"new"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_the_exchange_is_available_here(tmp_path: Path) -> None:
    """The atomic path is the one CI and maintainers take; if this fails, builds fall back to two renames."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "in-a").touch()
    assert tables_module._exchange(tmp_path / "a", tmp_path / "b")
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["in-a"] and not any((tmp_path / "a").iterdir())


# leftovers and the lock ---------------------------------------------------------------------------------


def test_leftovers_of_killed_builds_are_removed_by_the_next_build(
    tmp_path: Path, sources: tuple[Path, Path, Path], releases: tuple[dict[str, bytes], dict[str, bytes]]
) -> None:
    old, new, texts = sources
    out = tmp_path / "out"
    build_release(old, out, texts)
    for name in (
        ".out.staging-abc123",
        ".out.old",
        ".out.old-xyz/out",
    ):  # the last: a fallback swap killed after the swap
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "models.parquet").write_bytes(b"partial")
    (tmp_path / ".out.keep").mkdir()  # not a name builds use: left alone
    (tmp_path / ".other.staging-abc").mkdir()  # another folder's: left alone
    build_release(new, out, texts)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.staging-abc", ".out.keep", ".out.lock", "out"]
    assert snapshot(out) == releases[1]


def test_a_folder_left_aside_by_a_killed_fallback_swap_is_put_back(
    tmp_path: Path,
    sources: tuple[Path, Path, Path],
    releases: tuple[dict[str, bytes], dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Killed between the two renames: the name is missing; the next build restores it before anything else."""
    old, new, texts = sources
    out = tmp_path / "out"
    build_release(old, out, texts)
    (tmp_path / ".out.old-k1").mkdir()
    os.rename(out, tmp_path / ".out.old-k1" / "out")

    def failing(table: pa.Table, path: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(release_module, "write_parquet", failing)
    with pytest.raises(OSError, match="disk full"):
        build_release(new, out, texts)
    assert snapshot(out) == releases[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from filelock import FileLock
    lock = FileLock(sys.argv[1])
    lock.acquire()
    print("locked", flush=True)
    time.sleep(60)
    """
)


def test_a_second_build_into_the_same_folder_refuses_cleanly(
    tmp_path: Path,
    sources: tuple[Path, Path, Path],
    releases: tuple[dict[str, bytes], dict[str, bytes]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    old, new, texts = sources
    out = tmp_path / "out"
    build_release(old, out, texts)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path / ".out.lock")], stdout=subprocess.PIPE, env=ENV
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
        with pytest.raises(BuildLockedError, match=f"another ailedger build is writing {out}"):
            build_release(new, out, texts)
        from ailedger.cli import main

        with pytest.raises(SystemExit) as exited:
            main(["build", "--out", str(out), "--dataset", str(new), "--texts", str(texts)])
        assert exited.value.code == 1
        assert "another ailedger build is writing" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.communicate()
    assert snapshot(out) == releases[0]
    build_release(new, out, texts)  # the lock died with its holder
    assert snapshot(out) == releases[1]


# faults: a polling reader, kills at every step, two builds at once ----------------------------------------


BUILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from ailedger.release import build_release
    for _ in range(int(sys.argv[4])):
        build_release(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
    """
)


@pytest.mark.slow
def test_a_polling_reader_always_finds_the_release_during_builds(
    tmp_path: Path, sources: tuple[Path, Path, Path]
) -> None:
    """Audit Bb3: a reader polling the folder during builds never finds it missing or without its SHA256SUMS."""
    old, new, texts = sources
    out = tmp_path / "out"
    build_release(old, out, texts)
    builder = subprocess.Popen([sys.executable, "-c", BUILD, str(new), str(out), str(texts), "5"], env=ENV)
    polls, missing, unreadable = 0, 0, 0
    while builder.poll() is None:
        polls += 1
        if not out.is_dir():
            missing += 1
            continue
        try:
            (out / SUMS).read_bytes()
        except FileNotFoundError:
            unreadable += 1
    assert builder.returncode == 0
    assert polls > 100 and (missing, unreadable) == (0, 0)
    assert is_complete(out)


KILL = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from ailedger.release import build_release, tables

    dataset, out, texts, point, when = sys.argv[1:]
    def die():
        os.kill(os.getpid(), signal.SIGKILL)
    if point.startswith("fallback:"):
        tables._exchange = lambda a, b: False
        point = point.removeprefix("fallback:")
    owner = tables
    *path, name = point.split(".")
    for part in path:
        owner = getattr(owner, part)
    real = getattr(owner, name)
    def wrapped(*args, **kwargs):
        if when == "before":
            die()
        if when == "during":  # part of the old folder deleted, then the power goes
            next(p for p in Path(args[0]).rglob("*") if p.is_file()).unlink()
            die()
        real(*args, **kwargs)
        die()
    setattr(owner, name, wrapped)
    build_release(Path(dataset), Path(out), Path(texts))
    """
)

KILL_POINTS = [
    ("_lock", "after", "old"),
    ("_clean_leftovers", "after", "old"),
    ("tempfile.mkdtemp", "after", "old"),
    ("write_parquet", "after", "old"),
    ("_fsync_tree", "after", "old"),
    ("_exchange", "before", "old"),
    ("_exchange", "after", "new"),
    ("shutil.rmtree", "during", "new"),
    ("fallback:os.rename", "after", "missing"),
    ("fallback:shutil.rmtree", "during", "new"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("point", "when", "left"), KILL_POINTS, ids=[f"{w}-{p}" for p, w, _ in KILL_POINTS])
def test_a_build_killed_at_any_step_leaves_a_whole_release_and_the_next_build_cleans_up(
    tmp_path: Path,
    sources: tuple[Path, Path, Path],
    releases: tuple[dict[str, bytes], dict[str, bytes]],
    point: str,
    when: str,
    left: str,
) -> None:
    """Audit Bb2: a SIGKILL at any step, between the swap's renames too, leaves the old or the new release
    (the fallback swap: the old one aside, put back by the next build), and the next build cleans up."""
    old, new, texts = sources
    out = tmp_path / "out"
    build_release(old, out, texts)
    if point == "write_parquet":  # looked up in the release module, where build_release calls it
        code = KILL.replace("owner = tables", "from ailedger import release\nowner = release")
    else:
        code = KILL
    proc = subprocess.run(
        [sys.executable, "-c", code, str(new), str(out), str(texts), point, when],
        capture_output=True,
        env=ENV,
        timeout=120,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    if left == "missing":  # the documented gap of the fallback swap: the old folder waits aside
        assert not out.exists() and [p.name for p in tmp_path.glob(".out.old-*/*")] == ["out"]
    else:
        assert snapshot(out) == releases[0 if left == "old" else 1]
    build_release(new, out, texts)
    assert snapshot(out) == releases[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]


RACE = textwrap.dedent(
    """
    import os, sys, time
    from ailedger.release import tables
    real = tables.replace_dir
    def slow(tmp, target):
        time.sleep(0.3)  # widen the window, as the audit did
        real(tmp, target)
    tables.replace_dir = slow
    from ailedger.cli import main
    main(["build", "--out", sys.argv[2], "--dataset", sys.argv[1], "--texts", sys.argv[3]])
    """
)


@pytest.mark.slow
def test_two_builds_at_once_never_crash(tmp_path: Path, sources: tuple[Path, Path, Path]) -> None:
    """Audit Cc2: two builds into one folder, the swap's window widened as the audit did: each finishes or
    refuses with the lock's message, never an internal error."""
    old, new, texts = sources
    out = tmp_path / "out"
    build_release(old, out, texts)
    for _ in range(3):
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", RACE, str(new), str(out), str(texts)], stderr=subprocess.PIPE, env=ENV
            )
            for _ in range(2)
        ]
        errs = [p.communicate(timeout=120)[1].decode() for p in procs]
        results = [(p.returncode, err) for p, err in zip(procs, errs, strict=True)]
        for code, err in results:
            assert code in (0, 1), err
            assert code == 0 or "another ailedger build is writing" in err
        assert 0 in [code for code, _ in results]
        assert is_complete(out)
        time.sleep(0.1)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]


def test_the_lock_is_released_when_a_build_fails(
    tmp_path: Path, sources: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    old, _, texts = sources
    out = tmp_path / "out"

    def failing(table: pa.Table, path: Path) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(release_module, "write_parquet", failing)
        with pytest.raises(OSError, match="disk full"):
            build_release(old, out, texts)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock"]
    build_release(old, out, texts)
    assert is_complete(out)


def test_cjk_names_round_trip_byte_for_byte(tmp_path: Path) -> None:
    """YAML -> model -> Parquet -> load keeps Chinese and Japanese names exactly, in NFC."""
    dataset = tmp_path / "dataset"
    shutil.copytree(CASES / "_base" / "dataset", dataset)
    shutil.copytree(CASES / "text" / "cjk-name-accepted" / "files", dataset, dirs_exist_ok=True)
    names = {"name": "示例一号", "aliases": ["通义千问", "Example-1"]}
    record_file = dataset / "models" / "example-1.yaml"
    assert '"示例一号"'.encode() in record_file.read_bytes()
    japanese = "ディープシーク"
    org = dataset / "organizations" / "example-labs.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace('city: "Hangzhou"', f'city: "{japanese}"'), encoding="utf-8")
    records, _ = tables_module.collect_all(dataset, CASES / "_base" / "texts")
    built = tables_module.to_tables(records)
    loaded = {}
    for table in ("models", "organizations"):
        tables_module.write_parquet(built[table], tmp_path / f"{table}.parquet")
        for rec in arrow.from_table(pq.read_table(tmp_path / f"{table}.parquet"), LATEST.TABLES[table]):
            loaded[rec.id] = rec
    assert loaded["example-1"].name.encode() == names["name"].encode()
    assert loaded["example-1"].aliases == names["aliases"]
    assert loaded["example-labs"].city.encode() == japanese.encode()
    assert unicodedata.is_normalized("NFC", loaded["example-1"].name)
