"""The JSON Schemas published for each table, generated from the pydantic models.

They let non-Python users check records; ``scripts/refresh.py`` writes them to
:data:`GENERATED` and a test fails when the committed files drift.

From schema 2-1-2 on the published schemas are *refined* (:func:`refined`):
they say with patterns and enums what the models and ``ailedger validate``
already refuse, so that a JSON Schema validator refuses it too. A refinement
refuses no record that ailedger accepts; ``ailedger schema check`` lists each as
``refinement`` (docs/versioning.md, "Refinements"). v1's schemas stay as
released (their ``$id`` names the frozen 1-0-0).
"""

from __future__ import annotations

import re
from typing import Any

from ailedger.dates import CALENDAR_PATTERN, EDTF_PATTERN
from ailedger.schema import LATEST, SCHEMAVER, version
from ailedger.schema.fields import BOOKKEEPING

DRAFT = "https://json-schema.org/draft/2020-12/schema"
GENERATED = "schema/generated"
"""In the repository, ``schema/generated/v<major>/``: each major's schemas as the models make them now, rewritten
by ``scripts/refresh.py``. The released versions sit beside it as ``schema/<X-Y-Z>/``, frozen (never rewritten)."""
BASE = "https://huggingface.co/datasets/ailedger/ailedger/resolve/main/schema"
"""Where the release workflow publishes every SchemaVer of the schemas (the Hub mirror, ``schema/<X-Y-Z>/``),
so each ``$id`` resolves."""

REFINED_FROM = 2
"""The first major whose schemas are refined (from 2-1-2); v1's stay as released."""
END = "$(?!\\n)"
"""The end of a pattern. ECMA-262's ``$`` matches only at the end, but Python's ``re`` (python-jsonschema) also
matches before a final newline, so ``^glm-5$`` took ``"glm-5\\n"``; the lookahead refuses it, and means nothing
more to an ECMA-262 engine."""
SUPPORT_NAME = "^[a-z_]+$"
"""The pattern of a name in ``supports`` before 2-1-2, where any word passed; now an enum of the table's fields."""
TEXT = (
    "^[^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e"
    "\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb]*" + END
)
"""Free text: no control character but tab and newline, no direction control, no invisible format character of
the Basic Multilingual Plane (Unicode category Cf) but the joiners U+200C and U+200D, which some scripts need.
``ailedger validate`` refuses all of these (text.control-char, text.bidi-control, text.invisible-char) and more
that a pattern cannot say (NFC, a joiner between ASCII letters, mixed scripts)."""


def citable(table: str, major: int = LATEST.MAJOR) -> list[str]:
    """The fields a quote may support: the record's fields but its bookkeeping and the curator's own text."""
    module = version(major)
    return [f for f in module.TABLES[table].model_fields if f not in BOOKKEEPING | module.CURATOR_TEXT]


def refined(node: Any, fields: list[str] | None = None) -> Any:
    """``node`` (a JSON Schema or part of one) with the refinements of 2-1-2: patterns that end at the end,
    calendar dates, free text without control or invisible characters, and (given the table's citable
    ``fields``) ``supports`` naming only those fields, each once."""
    if isinstance(node, list):
        return [refined(item, fields) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: refined(value, fields) for key, value in node.items()}
    if out.get("type") == "string" and not {"enum", "const"} & out.keys():
        pattern = out.get("pattern")
        if pattern == SUPPORT_NAME and fields is not None:
            del out["pattern"]
            out["enum"] = fields
        elif pattern is None:
            out["pattern"] = TEXT
        else:
            out["pattern"] = anchored(CALENDAR_PATTERN if pattern == EDTF_PATTERN else pattern)
    if out.get("type") == "array" and fields is not None and out.get("items", {}).get("enum") == fields:
        out["uniqueItems"] = True
    return out


def anchored(pattern: str) -> str:
    """A pattern whose final ``$`` matches only at the very end, under ECMA-262 and Python's ``re`` alike."""
    return re.sub(r"(?<!\\)\$$", lambda _: END, pattern) if not pattern.endswith(END) else pattern


def json_schema(table: str, major: int = LATEST.MAJOR) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one table's records in schema ``major``, with a versioned ``$id``."""
    model = version(major).TABLES[table]
    body = model.model_json_schema(mode="validation")
    comment = "Generated from ailedger.schema; do not edit. Patterns follow ECMA-262 ($ matches only at the end)."
    if major >= REFINED_FROM:
        body = refined(body, citable(table, major) if "citations" in model.model_fields else None)
        comment += (
            " ailedger validate checks more than a schema can say (the order of a date range's ends, quotes against "
            "their sources, references, ...): docs/data-dictionary.md lists those checks."
        )
    return {"$schema": DRAFT, "$id": f"{BASE}/{SCHEMAVER[major]}/{table}.schema.json", "$comment": comment, **body}
