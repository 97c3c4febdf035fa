"""``datapackage.json``: the release described as a Frictionless Data Package v2.

Each table appears twice. ``<table>`` is the JSON Lines file: the exact JSON of
the current models, typed by a Table Schema derived from the published JSON Schema
(types, ``required``, ``enum``, ``pattern``, lengths, bounds). ``<table>-parquet``
is the Parquet file with the same fields; there, list columns are typed ``any``
and date and citation structs ``object``, because frictionless-py reads Parquet
through pandas, which hands list cells over as numpy arrays that its ``array``
type rejects. The exact Arrow types are in the Parquet file itself. Every
resource carries its ``sha256`` hash; note that frictionless-py checks it (and
``bytes``) only for the JSON Lines files: for Parquet it reports no byte count
(so ``bytes`` is left out there, else validation fails) and skips the hash
silently. ``SHA256SUMS`` and ``croissant.json`` cover those files.

Dates are EDTF text (``2025-12``, ``[2026-02-09..2026-02-15]``), which no Table
Schema date type can hold, so they are strings with the EDTF pattern.

Foreign keys: Table Schema can express a reference only from a single-valued
field into one table, so only those are ``foreignKeys``; the others (lists of
ids, ids into either models or organizations, the citations' ``source_id``)
are named in the field description and checked by ``ailedger validate``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from ailedger import arrow
from ailedger._version import __version__
from ailedger.loader import sha256
from ailedger.release import about
from ailedger.schema import LATEST
from ailedger.schema.json_schema import json_schema

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
RESOURCE_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
TABLE_SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
_CONSTRAINTS = ("enum", "pattern", "minLength", "maxLength", "minimum", "maximum")


def _targets(targets: tuple[str, ...]) -> str:
    return " or ".join(f"{t}.id" for t in targets)


def _field(name: str, prop: dict[str, Any], refs: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """A Table Schema field from a JSON Schema property (``anyOf [X, null]`` is a nullable X)."""
    variants = [p for p in prop.get("anyOf", [prop]) if p != {"type": "null"}]
    (body,) = variants
    kind = "object" if "$ref" in body else body["type"]
    constraints: dict[str, Any] = {"required": True} if "anyOf" not in prop else {}
    constraints.update({k: body[k] for k in _CONSTRAINTS if k in body})
    if "const" in body:
        constraints["enum"] = [body["const"]]
    if "minItems" in body:
        constraints["minLength"] = body["minItems"]
    notes = [prop.get("description"), body.get("description") if body is not prop else None]
    if name in refs:
        notes.append(f"References {_targets(refs[name])}.")
    if name == "citations":
        notes.append(
            "In each: " + "; ".join(f"{k} references {_targets(v)}" for k, v in about.CITATION_REFERENCES.items()) + "."
        )
    field = {
        "name": name,
        "type": kind,
        "description": " ".join(n for n in dict.fromkeys(notes) if n),
        "constraints": constraints,
    }
    return {k: v for k, v in field.items() if v}


def _foreign_keys(table: str) -> list[dict[str, Any]]:
    """References Table Schema can express: a single-valued field into exactly one table."""
    model = LATEST.TABLES[table]
    out = []
    for field, targets in sorted(about.references(table).items()):
        single = arrow.arrow_type(model.model_fields[field].annotation)[0] == pa.string()
        if single and len(targets) == 1:
            reference = {"fields": ["id"]} if targets[0] == table else {"resource": targets[0], "fields": ["id"]}
            out.append({"fields": [field], "reference": reference})
    return out


def table_schema(table: str) -> dict[str, Any]:
    """The Table Schema of ``<table>.jsonl``."""
    body = json_schema(table)
    refs = about.references(table)
    return {
        "$schema": TABLE_SCHEMA_PROFILE,
        "fields": [_field(name, prop, refs) for name, prop in body["properties"].items()],
        "primaryKey": ["id"],
        "foreignKeys": _foreign_keys(table),
    }


def _parquet_schema(table: str) -> dict[str, Any]:
    """The JSON Lines schema retyped for the Parquet columns as frictionless-py reads them."""
    types = {f.name: f.type for f in arrow.schema(LATEST.TABLES[table])}
    schema = table_schema(table)
    fields = []
    for field in schema["fields"]:
        typ = types[field["name"]]
        if pa.types.is_list(typ) or pa.types.is_struct(typ):
            constraints = {k: v for k, v in field.get("constraints", {}).items() if k == "required"}
            field = {**field, "type": "any" if pa.types.is_list(typ) else "object", "constraints": constraints}
        fields.append(field)
    keys = [{**fk, "reference": {**fk["reference"], "resource": f"{fk['reference'].get('resource', table)}-parquet"}}
            for fk in schema["foreignKeys"]]
    return {**schema, "fields": fields, "foreignKeys": keys}


def _resource(folder: Path, name: str, file: str, extra: dict[str, Any]) -> dict[str, Any]:
    path = folder / file
    return {
        "$schema": RESOURCE_PROFILE,
        "name": name,
        "path": file,
        "type": "table",
        **extra,
        "hash": f"sha256:{sha256(path)}",
    }


def describe(folder: Path, records: dict[str, list[Any]], verification: dict[str, Any]) -> dict[str, Any]:
    """The Data Package descriptor of the release files already written in ``folder``.

    ``verification`` (from :func:`about.verification`) says which sources' quotes were checked.
    """
    jsonl, parquet = [], []
    for table, model in LATEST.TABLES.items():
        what = about.table_description(model)
        jsonl.append(_resource(folder, table, f"{table}.jsonl", {
            "title": f"{table} (JSON Lines)", "description": what, "format": "jsonl", "mediatype": "application/jsonl",
            "encoding": "utf-8", "bytes": (folder / f"{table}.jsonl").stat().st_size, "schema": table_schema(table),
        }))
        parquet.append(_resource(folder, f"{table}-parquet", f"{table}.parquet", {
            "title": f"{table} (Parquet)", "description": f"{what} The rows of resource {table}, with Arrow types.",
            "format": "parquet", "mediatype": "application/vnd.apache.parquet", "schema": _parquet_schema(table),
        }))
    return {
        "$schema": PROFILE,
        "name": about.NAME,
        "title": about.TITLE,
        "description": f"{about.DESCRIPTION} {about.DOCUMENTS}",
        "version": __version__,
        "homepage": about.HOMEPAGE,
        "keywords": about.KEYWORDS,
        "licenses": [{"name": about.LICENCE["spdx"], "path": about.LICENCE["url"], "title": about.LICENCE["title"]}],
        "sources": [{k: v for k, v in s.items() if k != "id"} for s in about.sources(records)],
        "contributors": [{"title": about.CREATOR, "roles": ["creator"]}],
        "resources": jsonl + parquet,
        "verification": verification,
    }
