"""Versioned record schemas; ``v2`` is current; a released version is never edited.

Each major version is a module (``v1``, ``v2`` ...) kept forever, so records
written in any of them can still be read and migrated
(:mod:`ailedger.schema.migrations`). ``LATEST`` is the version ``dataset/``
and the packaged data are written in.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType
from typing import Any

from pydantic import BaseModel, TypeAdapter

from ailedger.errors import SchemaVersionError
from ailedger.schema import v1, v2

SCHEMAVER: dict[int, str] = {1: "1-0-0", 2: "2-1-2"}
"""SchemaVer ``MODEL-REVISION-ADDITION`` of each major's models; records carry the MODEL part."""

LATEST = v2

SCHEMA_VERSION = SCHEMAVER[LATEST.MAJOR]
"""SchemaVer of the current schema."""

MAJORS: tuple[int, ...] = tuple(SCHEMAVER)
"""Every major version this package can read, migrate to and serve."""


_MODULES: dict[int, ModuleType] = {1: v1, 2: v2}


def version(major: int) -> ModuleType:
    """The schema module of a major version; only a whole number names one (not ``True``, not ``2.0``)."""
    if type(major) is not int or major not in MAJORS:
        raise SchemaVersionError(major, MAJORS)
    return _MODULES[major]


@cache
def adapter(model: type[BaseModel]) -> TypeAdapter[Any]:
    """One cached TypeAdapter per model: building one costs more than validating a record with it."""
    return TypeAdapter(model)


__all__ = ["LATEST", "MAJORS", "SCHEMAVER", "SCHEMA_VERSION", "adapter", "v1", "v2", "version"]
