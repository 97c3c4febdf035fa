"""ailedger: an open, sourced dataset of the AI industry.

Every fact carries a verbatim quote from the source that states it. Load a
table with ``ailedger.load("models")`` (pydantic models) or
``ailedger.load_table("metrics")`` (a pyarrow Table); ``ailedger.path(table)``
gives the Parquet file for other tools.

pyarrow, pydantic, the schema's models and the CLI are imported on first use,
so ``import ailedger`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

from ailedger._version import __version__
from ailedger.errors import (
    AiledgerError,
    DownloadError,
    IntegrityError,
    PackageDataError,
    SchemaVersionError,
    UnknownRecordError,
    UnknownTableError,
)

if TYPE_CHECKING:
    import os
    from pathlib import Path

    import pyarrow as pa

    from ailedger.schema import v1, v2

DATASET_VERSION = __version__
"""The dataset version users pin (calendar versioning); the package version is the same."""

__all__ = [
    "DATASET_VERSION",
    "SCHEMA_VERSION",
    "AiledgerError",
    "DownloadError",
    "IntegrityError",
    "PackageDataError",
    "SchemaVersionError",
    "UnknownRecordError",
    "UnknownTableError",
    "__version__",
    "download",
    "get",
    "load",
    "load_table",
    "path",
    "tables",
]


def __getattr__(name: str) -> Any:
    # SCHEMA_VERSION lives with the models, whose classes take most of the import time to build.
    if name == "SCHEMA_VERSION":
        from ailedger.schema import SCHEMA_VERSION

        return SCHEMA_VERSION
    raise AttributeError(f"module 'ailedger' has no attribute {name!r}")


def tables() -> list[str]:
    """The table names: sources, organizations, models, events, metrics, claims."""
    from ailedger import loader as _load

    return _load.tables()


@overload
def load(
    table: Literal["sources"], schema_version: Literal[2] | None = None, validate: bool = False
) -> list[v2.Source]: ...
@overload
def load(table: Literal["sources"], schema_version: Literal[1], validate: bool = False) -> list[v1.Source]: ...


@overload
def load(
    table: Literal["organizations"], schema_version: Literal[2] | None = None, validate: bool = False
) -> list[v2.Organization]: ...
@overload
def load(
    table: Literal["organizations"], schema_version: Literal[1], validate: bool = False
) -> list[v1.Organization]: ...


@overload
def load(
    table: Literal["models"], schema_version: Literal[2] | None = None, validate: bool = False
) -> list[v2.Model]: ...
@overload
def load(table: Literal["models"], schema_version: Literal[1], validate: bool = False) -> list[v1.Model]: ...


@overload
def load(
    table: Literal["events"], schema_version: Literal[2] | None = None, validate: bool = False
) -> list[v2.Event]: ...
@overload
def load(table: Literal["events"], schema_version: Literal[1], validate: bool = False) -> list[v1.Event]: ...


@overload
def load(
    table: Literal["metrics"], schema_version: Literal[2] | None = None, validate: bool = False
) -> list[v2.Metric]: ...
@overload
def load(table: Literal["metrics"], schema_version: Literal[1], validate: bool = False) -> list[v1.Metric]: ...


@overload
def load(
    table: Literal["claims"], schema_version: Literal[2] | None = None, validate: bool = False
) -> list[v2.Claim]: ...
@overload
def load(table: Literal["claims"], schema_version: Literal[1], validate: bool = False) -> list[v1.Claim]: ...


@overload
def load(table: str, schema_version: int | None = None, validate: bool = False) -> list[Any]: ...


def load(table: str, schema_version: int | None = None, validate: bool = False) -> list[Any]:
    """The records of ``table`` as pydantic models of the current schema (v2).

    Pass ``schema_version=N`` to get them in major version N instead, for code
    written against it: ``1`` gives v1 models (one ``released`` date per model
    instead of v2's ``announced``, ``available`` and ``weights_released``), so
    code written for v1 keeps working. The shipped rows were
    validated at build and are hash-checked on read, so they are not validated
    again unless ``validate=True``.

    >>> import ailedger
    >>> [m.name for m in ailedger.load("models")][:3]
    ['Claude Opus', 'Cosmos-Reason2', 'DeepSeek']
    """
    from ailedger import loader as _load

    return _load.load(table, schema_version, validate)


def load_table(table: str) -> pa.Table:
    """The rows of ``table`` as a ``pyarrow.Table``, checked against the hash recorded at build time."""
    from ailedger import loader as _load

    return _load.load_table(table)


def path(table: str) -> Path:
    """The Parquet file of ``table`` inside the installed package, for DuckDB, pandas or polars."""
    from ailedger import loader as _load

    return _load.path(table)


def get(record_id: str) -> Any:
    """The record with this id, whichever table holds it."""
    from ailedger import loader as _load

    return _load.get(record_id)


def download(
    version: str = __version__,
    dest: str | os.PathLike[str] | None = None,
    base_url: str | None = None,
    *,
    deadline: float = 600.0,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    max_bytes: int = 64 << 20,
    progressbar: bool = False,
) -> dict[str, Path]:
    """Fetch the files of release ``version`` (Parquet, JSON Lines, metadata), each checked against the SHA-256
    and size this package ships for that version; return file name to local path.

    Files go to ``dest``, else the cache (``AILEDGER_CACHE`` overrides where); ``base_url``, else
    ``AILEDGER_BASE_URL``, overrides where they are fetched from. Each file must arrive within ``deadline``
    seconds (all attempts), no read may wait longer than ``timeout`` seconds, a transient failure (5xx,
    dropped connection) is retried ``retries`` times after ``backoff``, 2x``backoff``, ... seconds, and a
    file may not grow past its recorded size (``max_bytes`` when the registry records none).
    ``progressbar=True`` draws a bar on stderr. Raises :class:`DownloadError` for a file that fails or
    does not match.
    """
    from ailedger import (
        fetch,  # not ailedger.download: importing that module would replace this function
    )

    return fetch.download(
        version, dest, base_url, deadline=deadline, timeout=timeout, retries=retries, backoff=backoff,
        max_bytes=max_bytes, progressbar=progressbar,
    )
