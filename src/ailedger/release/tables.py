"""Turning the curated files into the Parquet tables the package ships.

The build refuses a dataset with errors, sorts rows by id and uses fixed writer
settings, so two builds of the same files are byte-identical. It writes into a
temporary folder beside the target and swaps it in only when complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ailedger import arrow
from ailedger._version import __version__
from ailedger.errors import AiledgerError
from ailedger.schema import LATEST, SCHEMA_VERSION
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


class BuildError(AiledgerError):
    """The dataset has errors; the message lists them."""


def collect_all(dataset: Path, texts: Path | None) -> tuple[dict[str, list[Any]], dict[str, pa.Table]]:
    """The validated records of each table, and the rows of its bulk files as release tables (never as models)."""
    from ailedger.arrow import release_table

    report = validate([dataset], texts, keep_bulk=True)
    if report.errors:
        listing = "\n".join(d.text() for d in report.errors[:50])
        raise BuildError(f"{len(report.errors)} errors in {dataset}; fix them first (ailedger validate):\n{listing}")
    out: dict[str, list[Any]] = {name: [] for name in LATEST.TABLES}
    for rec in report.records:
        out[rec.table].append(rec.record)
    return out, {name: release_table(parts, LATEST.TABLES[name]) for name, parts in report.bulk.items()}


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


def replace_dir(tmp: Path, target: Path) -> None:
    """Put a completed folder in place of ``target``; the old one is removed only after the swap."""
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    if old.exists():
        shutil.rmtree(old)


def _fsync_tree(folder: Path) -> None:
    """Flush every file and the folder itself, so a crash after the swap cannot leave empty files."""
    for file in folder.iterdir():
        with file.open("rb") as fh:
            os.fsync(fh.fileno())
    if os.name != "posix":  # Windows cannot open a folder to flush it
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A temporary folder beside ``out`` that replaces ``out`` only if the block completes.

    An exception removes it and leaves ``out`` as it was; a killed process leaves
    at most a hidden ``.<name>.*`` folder beside it, never a file under a final name.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)
    try:
        yield tmp
        _fsync_tree(tmp)
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_package_data(dataset: Path, out: Path, texts: Path | None = None) -> dict[str, Any]:
    """Write ``<table>.parquet`` and ``manifest.json`` into ``out``; return the manifest."""
    return write_tables(to_tables(*collect_all(dataset, texts)), out)


def write_tables(tables: dict[str, pa.Table], out: Path) -> dict[str, Any]:
    """Write ``<table>.parquet`` and ``manifest.json`` into ``out`` atomically; return the manifest."""
    from ailedger.loader import MANIFEST, sha256

    with staging(out) as tmp:
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
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest
