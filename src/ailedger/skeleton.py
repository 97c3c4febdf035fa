"""Record skeletons for ``ailedger new``: every field of a table, each with a comment saying what goes there.

A contributor starts from a file that already names every field, so nothing is
forgotten or misspelt; the comments come from the schema's field descriptions,
so they cannot drift from what the validator checks. Required fields are left
empty, and the validator names each one until it is filled in.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ailedger.errors import SkeletonError as SkeletonError  # what write() raises, beside it
from ailedger.schema import LATEST
from ailedger.schema.json_schema import json_schema

REQUIRED = object()


def _kinds(prop: dict[str, Any]) -> list[dict[str, Any]]:
    return prop.get("anyOf", [prop])


def _comment(name: str, prop: dict[str, Any], default: Any) -> str:
    """One line: what the field holds, its allowed values, and whether it may stay empty."""
    described = [prop.get("description")] + [k.get("description") for k in _kinds(prop)]
    parts = [next((d for d in described if d), None) or prop.get("title") or name]
    for kind in _kinds(prop):
        if "enum" in kind:
            parts.append("one of: " + ", ".join(map(str, kind["enum"])))
        elif kind.get("pattern") == LATEST.ID_PATTERN:
            parts.append("an id such as deepseek-r1")
        items = kind.get("items", {})
        if "enum" in items:
            parts.append("a list of: " + ", ".join(map(str, items["enum"])))
        elif items.get("pattern") == LATEST.ID_PATTERN:
            parts.append("a list of ids")
    parts.append("required" if default is REQUIRED else f"optional, default {json.dumps(default)}")
    text = "; ".join(dict.fromkeys(p.rstrip(".") for p in parts))
    return "# " + re.sub(r"\s+", " ", text)


def _placeholder(name: str, prop: dict[str, Any], default: Any, record_id: str) -> str:
    if name == "id":
        return record_id
    if name == "schema_version":
        return str(LATEST.MAJOR)
    if default is not REQUIRED:
        return json.dumps(default, ensure_ascii=False)
    return "[]" if any(k.get("type") == "array" for k in _kinds(prop)) else ""


def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    return {
        name: REQUIRED if info.is_required() else info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
    }


def render(table: str, record_id: str) -> str:
    """The skeleton text of a ``table`` record called ``record_id``."""
    schema = json_schema(table)
    defaults = _defaults(LATEST.TABLES[table])
    lines = [
        (
            f"# A {table} record. Fill in each field, then run: ailedger validate dataset/{table}/{record_id}.yaml "
            "--texts DIR"
        ),
        "",
    ]
    for name, prop in schema["properties"].items():
        if name == "citations":
            continue
        lines.append(_comment(name, prop, defaults[name]))
        lines.append(f"{name}: {_placeholder(name, prop, defaults[name], record_id)}".rstrip())
    if "citations" in schema["properties"]:
        cite_defaults = _defaults(LATEST.Citation)
        lines.append(_comment("citations", schema["properties"]["citations"], REQUIRED))
        lines.append("citations:")
        for i, (name, prop) in enumerate(schema["$defs"]["Citation"]["properties"].items()):
            lines.append("    " + _comment(name, prop, cite_defaults[name]))
            prefix = "  - " if i == 0 else "    "
            lines.append(f"{prefix}{name}: {_placeholder(name, prop, cite_defaults[name], record_id)}".rstrip())
    return "\n".join(lines) + "\n"


def write(dataset: Path, table: str, record_id: str) -> Path:
    """Write ``dataset/<table>/<id>.yaml``; never overwrite a file."""
    import difflib

    if table not in LATEST.TABLES:
        hint = difflib.get_close_matches(table, list(LATEST.TABLES), n=1)
        fix = f"did you mean {hint[0]}?" if hint else f"tables are {', '.join(LATEST.TABLES)}"
        raise SkeletonError(f"unknown table {table!r}; {fix}")
    if not re.fullmatch(LATEST.ID_PATTERN, record_id, re.ASCII) or len(record_id) > 64:
        raise SkeletonError(
            f"bad id {record_id!r}: an id is a lower-case ASCII slug like 'deepseek-r1' "
            "(a-z, 0-9, single hyphens, at most 64 characters)"
        )
    from ailedger.validate.rules import RESERVED_NAMES

    if record_id in RESERVED_NAMES:
        raise SkeletonError(
            f"bad id {record_id!r}: {record_id}.yaml is a reserved device name on Windows; choose another id"
        )
    path = dataset / table / f"{record_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as out:
            out.write(render(table, record_id))
    except FileExistsError:
        raise SkeletonError(f"{path} already exists; edit it, or choose another id") from None
    return path
