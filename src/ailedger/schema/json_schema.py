"""The JSON Schemas published for each table, generated from the pydantic models.

They let non-Python users check records; ``scripts/refresh.py`` writes them to
:data:`GENERATED` and a test fails when the committed files drift.
"""

from __future__ import annotations

from typing import Any

from ailedger.schema import LATEST, SCHEMAVER, version

DRAFT = "https://json-schema.org/draft/2020-12/schema"
GENERATED = "schema/generated"
"""In the repository, ``schema/generated/v<major>/``: each major's schemas as the models make them now, rewritten
by ``scripts/refresh.py``. The released versions sit beside it as ``schema/<X-Y-Z>/``, frozen (never rewritten)."""
BASE = "https://huggingface.co/datasets/ailedger/ailedger/resolve/main/schema"
"""Where the release workflow publishes every SchemaVer of the schemas (the Hub mirror, ``schema/<X-Y-Z>/``),
so each ``$id`` resolves."""


def json_schema(table: str, major: int = LATEST.MAJOR) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one table's records in schema ``major``, with a versioned ``$id``."""
    model = version(major).TABLES[table]
    body = model.model_json_schema(mode="validation")
    return {
        "$schema": DRAFT,
        "$id": f"{BASE}/{SCHEMAVER[major]}/{table}.schema.json",
        "$comment": "Generated from ailedger.schema; do not edit. Patterns follow ECMA-262 ($ matches only at the "
        "end).",
        **body,
    }
