"""Reading the data shipped inside the package.

The installed package carries one Parquet file per table and a manifest of
their SHA-256 hashes written at build time. pip does not check a wheel's
hashes on install, so every read checks the file against the manifest and
refuses altered bytes instead of returning wrong rows.

"Every read" is meant literally: :func:`load_table` reads the file's bytes once,
hashes those bytes and decodes the very same bytes, so nothing can change between
the check and the read, and nothing is remembered between reads (a cache keyed on
size and mtime let a same-size edit with the mtime put back return altered rows).
The price is one SHA-256 pass over the file per read, measured against
``pyarrow.parquet.read_table`` in benchmarks/ (case c).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ailedger.errors import (
    IntegrityError,
    PackageDataError,
    UnknownRecordError,
    UnknownTableError,
)
from ailedger.schema import LATEST

if TYPE_CHECKING:
    import pyarrow as pa

MANIFEST = "manifest.json"


def data_dir() -> Path:
    """Where the installed package keeps its Parquet files."""
    return Path(__file__).parent / "data"


@cache
def manifest() -> dict[str, Any]:
    """The build manifest: dataset and schema versions, and per table its file, rows and SHA-256."""
    file = data_dir() / MANIFEST
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackageDataError(file, "is missing: this copy of ailedger has no built data") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PackageDataError(file, f"cannot be read ({exc})") from None
    if not _well_formed(document):
        raise PackageDataError(file, "is not an ailedger manifest (no file, rows and sha256 for every table)")
    return document


def _well_formed(document: Any) -> bool:
    tables = document.get("tables") if isinstance(document, dict) else None
    return isinstance(tables, dict) and all(
        isinstance(tables.get(name), dict)
        and isinstance(tables[name].get("file"), str)
        and isinstance(tables[name].get("rows"), int)
        and isinstance(tables[name].get("sha256"), str)
        for name in LATEST.TABLES
    )


def tables() -> list[str]:
    """The table names, in dependency order (sources first)."""
    return list(LATEST.TABLES)


def _check_table(name: str) -> None:
    if name not in LATEST.TABLES:
        raise UnknownTableError(name, tables())


def path(table: str) -> Path:
    """The Parquet file of ``table``, for DuckDB, pandas, polars and other tools."""
    _check_table(table)
    return data_dir() / manifest()["tables"][table]["file"]


def sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified_bytes(table: str) -> bytes:
    """The bytes of the table's file, read once and checked against the manifest's SHA-256."""
    file = path(table)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise PackageDataError(file, "is missing from the installed package") from None
    except OSError as exc:
        raise PackageDataError(file, f"cannot be read ({exc.strerror or exc})") from None
    expected = manifest()["tables"][table]["sha256"]
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise IntegrityError(file, expected, actual)
    return data


def load_table(table: str) -> pa.Table:
    """The table as a ``pyarrow.Table``: dates as structs (edtf, earliest, latest), nested fields as lists and structs.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    # The rows are decoded from the bytes that were hashed, so per-page checksums add nothing but time.
    return pq.read_table(pa.BufferReader(verified_bytes(table)))


def load(table: str, schema_version: int | None = None, validate: bool = False) -> list[Any]:
    """The table's records as models of the current schema, or of major ``schema_version`` for a user who pinned it.

    The package ships one copy of the data, in the current schema; another
    major is served by migrating each record (:mod:`ailedger.schema.migrations`).
    The rows were validated when the package was built and the file's hash is
    checked on every read, so the models are built without validating each
    record again; ``validate=True`` runs the full model validation anyway.
    """
    from ailedger.arrow import from_table, trusted_records

    rows = load_table(table)
    records = from_table(rows, LATEST.TABLES[table]) if validate else trusted_records(rows, LATEST.TABLES[table])
    if schema_version is None or schema_version == LATEST.MAJOR:
        return records
    from pydantic import TypeAdapter

    from ailedger.errors import MigrationError, RecordsLeftOutWarning
    from ailedger.schema import version
    from ailedger.schema.migrations import migrate

    model = version(schema_version).TABLES[table]
    moved, left_out = [], []
    for r in records:
        try:
            moved.append(migrate(table, r.model_dump(mode="json"), schema_version)[0])
        except MigrationError:  # a record the older major cannot say at all, such as a model with no developer in v1
            left_out.append(r.id)
    if left_out:
        import warnings

        warnings.warn(
            f"{table}: {len(left_out)} records cannot be written in schema v{schema_version} and were left out "
            f"({', '.join(left_out[:5])}{', ...' if len(left_out) > 5 else ''}); load the current schema to get them",
            RecordsLeftOutWarning, stacklevel=2,
        )
    return TypeAdapter(list[model]).validate_python(moved, strict=True)  # type: ignore[valid-type]


@cache
def _index() -> dict[str, Any]:
    return {rec.id: rec for name in tables() for rec in load(name)}


def get(record_id: str) -> Any:
    """The record with this id, from whichever table holds it."""
    index = _index()
    if record_id not in index:
        raise UnknownRecordError(record_id, difflib.get_close_matches(record_id, list(index), n=3))
    return index[record_id]
