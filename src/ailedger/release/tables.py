"""Turning the curated files into the Parquet tables the package ships.

The build refuses a dataset with errors, sorts rows by id and uses fixed writer
settings, so two builds of the same files are byte-identical. It writes into a
temporary folder beside the target and swaps it in only when complete, in one
atomic exchange where the system has one (:func:`replace_dir`), under a lock, and
only over a folder it wrote before (:func:`check_out`).
"""

from __future__ import annotations

import errno as _errno
import glob
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ailedger import arrow
from ailedger._version import __version__
from ailedger.errors import BuildError, BuildLockedError, OutPathError
from ailedger.release import about
from ailedger.schema import LATEST, SCHEMA_VERSION
from ailedger.texts import HOW_TO_SUPPLY, Store, verified
from ailedger.validate import validate

# Fixed writer settings: same rows and same pyarrow give the same bytes. Parquet's
# footer also records the writer ("parquet-cpp-arrow version N", not settable), so
# the hashes shipped in data/manifest.json and registry/<version>.txt are those of
# the maintainer's pyarrow. They are what users verify downloads and installed
# files against, so a user's pyarrow never matters; pinning pyarrow for everyone
# to make CI rebuild the same bytes would be the wrong trade. Instead the drift
# test (tests/test_release.py) compares bytes when CI's pyarrow is the writer's,
# and rows, schema and metadata when it is not.
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 9,
    "write_page_checksum": True,
    "use_dictionary": True,
    "write_statistics": True,
}


def collect_all(
    dataset: Path, texts: Path | Store | None, allow_unverified: bool = False
) -> tuple[dict[str, list[Any]], dict[str, pa.Table]]:
    """The validated records of each table, and the rows of its bulk files as release tables (never as models).

    With ``allow_unverified`` a text missing from a ``--texts`` folder does not stop
    the build; :func:`checked_sources` then marks the release unverified.
    """
    from ailedger.arrow import release_table

    report = validate([dataset], texts, keep_bulk=True)
    errors = [d for d in report.errors if not (allow_unverified and d.code == "source.text-missing")]
    if errors:
        listing = "\n".join(d.text() for d in errors[:50])
        raise BuildError(f"{len(errors)} errors in {dataset}; fix them first (ailedger validate):\n{listing}")
    out: dict[str, list[Any]] = {name: [] for name in LATEST.TABLES}
    for rec in report.records:
        out[rec.table].append(rec.record)
    return out, {name: release_table(parts, LATEST.TABLES[name]) for name, parts in report.bulk_rows.items()}


def checked_sources(
    records: dict[str, list[Any]], texts: Path | Store | None, allow_unverified: bool
) -> dict[str, Any]:
    """The release's verification (:func:`about.verification`); a BuildError for a missing text unless allowed."""
    store = Store.plain(texts) if isinstance(texts, Path) else texts
    check = about.verification(records, verified(store, records["sources"]))
    missing = [s["id"] for s in check["sources"] if not s["quotes_verified"]]
    if missing and not allow_unverified:
        where = f" in the {store.describe()}" if store is not None else ""
        raise BuildError(
            f"the texts of {len(missing)} sources cannot be had{where}, so their quotes cannot be checked: "
            f"{', '.join(missing)}; {HOW_TO_SUPPLY}. Or pass --allow-unverified to build a release marked unverified"
        )
    return check


def table_metadata() -> dict[str, str]:
    return {"ailedger.schema_version": SCHEMA_VERSION, "ailedger.dataset_version": __version__}


def to_tables(records: dict[str, list[Any]], bulk_rows: dict[str, pa.Table] | None = None) -> dict[str, pa.Table]:
    """One Arrow table per table, rows sorted by id; bulk rows join the records' rows without becoming models."""
    tables = {name: arrow.to_table(recs, LATEST.TABLES[name], table_metadata()) for name, recs in records.items()}
    for name, rows in (bulk_rows or {}).items():
        joined = pa.concat_tables([tables[name], rows.replace_schema_metadata(table_metadata())])
        tables[name] = joined if _sorted(joined.column("id")) else joined.take(pc.sort_indices(joined.column("id")))
    return tables


def _sorted(ids: pa.ChunkedArray) -> bool:
    """Whether ids already ascend, as series written subject by subject do: then no sort is needed."""
    return len(ids) < 2 or pc.all(pc.less(ids[:-1], ids[1:])).as_py() is True


def write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, **PARQUET_OPTIONS)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step with Linux's ``renameat2(RENAME_EXCHANGE)``; False where it is not available."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)  # glibc 2.28 and later, musl 1.2.4 and later
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (_errno.ENOSYS, _errno.EINVAL, _errno.ENOTSUP):  # an old kernel, or a file system without it
        return False
    raise OSError(errno, os.strerror(errno), str(b))


def replace_dir(tmp: Path, target: Path) -> None:
    """Put the completed folder ``tmp`` in place of ``target`` so that ``target`` never stops existing.

    ``target`` and ``tmp`` are exchanged in one atomic step, so a reader sees the old
    folder or the new one, never neither, and a kill at any moment leaves one of
    them under the name (the other under the staging name, removed by the next
    build). Where the exchange is not available (not Linux, or a file system without
    ``RENAME_EXCHANGE``) the old folder is first renamed aside: then ``target`` is
    missing for the moment between two renames, and a build killed in that moment
    leaves the old folder as ``.<name>.old-*``, which the next build puts back
    before it starts. A reader that reads several files should open them from one
    listing and expect the folder's contents to change between listings.
    """
    if not target.exists():
        os.rename(tmp, target)
    elif _exchange(tmp, target):
        shutil.rmtree(tmp)  # now the previous release
    else:
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}{_OLD}", dir=target.parent))
        os.rename(target, aside / target.name)
        os.rename(tmp, target)
        shutil.rmtree(aside)
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a folder to flush it
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """Flush every file and the folder itself, so a crash after the swap cannot leave empty files."""
    for file in folder.iterdir():
        with file.open("rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(folder)


_STAGING = ".staging-"
_OLD = ".old-"


def _clean_leftovers(out: Path) -> None:
    """Remove what killed builds into ``out`` left beside it; put back a previous folder a kill left aside.

    Only names this module creates are touched (``.<name>.staging-*``, ``.<name>.old-*``
    and the ``.<name>.old`` of ailedger before 2026.12), and only under the build
    lock, so no running build's folder is among them.
    """
    prefix = f".{out.name}"
    for leftover in sorted(out.parent.glob(f"{glob.escape(prefix)}.*")):
        if not leftover.is_dir() or leftover.is_symlink():
            continue
        suffix = leftover.name[len(prefix) :]
        if suffix.startswith(_OLD):
            previous = leftover / out.name
            if not os.path.lexists(out) and previous.is_dir():
                os.rename(previous, out)  # killed between the two renames of the fallback swap
            shutil.rmtree(leftover)
        elif suffix.startswith(_STAGING) or suffix == ".old":
            shutil.rmtree(leftover)


def _lock(out: Path) -> Any:
    """The lock every build into ``out`` holds from start to swap: a second build refuses instead of racing.

    The lock file ``.<name>.lock`` stays beside ``out`` (deleting it on release would let
    two builds lock two different files of the same name).
    """
    from filelock import FileLock, Timeout

    lock = FileLock(str(out.parent / f".{out.name}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise BuildLockedError(
            f"another ailedger build is writing {out} (it holds {lock.lock_file}); "
            "wait for it to finish, then run this build again"
        ) from None
    return lock


def check_out(out: Path, recognise: Callable[[Path], str | None]) -> None:
    """Refuse ``out`` unless it is absent, an empty folder or what ``recognise`` says this build wrote before.

    ``recognise`` returns None for a folder it recognises, else why it does not.
    A build replaces its output as a whole; pointed at a source folder, a dataset
    or a file by mistake, it must touch nothing.
    """
    if out.is_symlink():
        raise OutPathError(out, "is a symbolic link; pass the folder itself, or a new path")
    if not out.exists():
        return
    if not out.is_dir():
        raise OutPathError(out, "is a file, not a folder")
    if next(out.iterdir(), None) is None:
        return
    reason = recognise(out)
    if reason is not None:
        raise OutPathError(out, reason)


@contextmanager
def staging(out: Path, recognise: Callable[[Path], str | None]) -> Iterator[Path]:
    """A temporary folder beside ``out`` that replaces ``out`` only if the block completes.

    The build holds a lock on ``out`` throughout (a second build into it refuses
    with :class:`BuildLockedError`), checks ``out`` may be replaced (see
    :func:`check_out`) and first removes what killed builds left. An exception
    removes the staging folder and leaves ``out`` as it was; a killed process
    leaves at most a hidden ``.<name>.staging-*`` folder, never a file under a
    final name, and ``out`` is never missing (:func:`replace_dir`).
    """
    check_out(out, recognise)  # before the lock file is made: a refused path gets nothing beside it either
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock(out)
    try:
        _clean_leftovers(out)
        check_out(out, recognise)  # again under the lock: a leftover put back, or a build that finished meanwhile
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}{_STAGING}", dir=out.parent))
        tmp.chmod(0o755)
        try:
            yield tmp
            _fsync_tree(tmp)
            replace_dir(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        lock.release()


def package_data(folder: Path) -> str | None:
    """None when ``folder`` holds only what :func:`write_tables` writes (Parquet files and the manifest)."""
    from ailedger.loader import MANIFEST

    names = {p.name for p in folder.iterdir()}
    if MANIFEST not in names:
        return f"has no {MANIFEST}, so it is not a data folder ailedger wrote"
    foreign = sorted(n for n in names - {MANIFEST} if not n.endswith(".parquet"))
    return f"holds files ailedger does not write there ({', '.join(foreign[:5])})" if foreign else None


def write_package_data(
    dataset: Path, out: Path, texts: Path | Store | None = None, allow_unverified: bool = False
) -> dict[str, Any]:
    """Write ``<table>.parquet`` and ``manifest.json`` into ``out``; return the manifest.

    Like a release, it refuses sources whose texts cannot be had unless
    ``allow_unverified``, and the manifest says which quotes were checked.
    """
    records, bulk_rows = collect_all(dataset, texts, allow_unverified)
    return write_tables(to_tables(records, bulk_rows), out, checked_sources(records, texts, allow_unverified))


def write_tables(tables: dict[str, pa.Table], out: Path, verification: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write ``<table>.parquet`` and ``manifest.json`` (with ``verification`` when given) into ``out`` atomically."""
    from ailedger.loader import MANIFEST, sha256

    with staging(out, package_data) as tmp:
        entries = {}
        for name, table in tables.items():
            file = tmp / f"{name}.parquet"
            write_parquet(table, file)
            entries[name] = {"file": file.name, "rows": table.num_rows, "sha256": sha256(file)}
        manifest = {
            "dataset_version": __version__,
            "schema_version": SCHEMA_VERSION,
            "tables": entries,
        }
        if verification is not None:
            manifest["verification"] = verification
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest
