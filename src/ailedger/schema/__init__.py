"""Versioned record schemas; ``v1`` is current and is never edited once released."""

from ailedger.schema import v1

SCHEMA_VERSION = "1-0-0"
"""SchemaVer ``MODEL-REVISION-ADDITION`` of the current schema; records carry the MODEL part."""

LATEST = v1

__all__ = ["LATEST", "SCHEMA_VERSION", "v1"]
