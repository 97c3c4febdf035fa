"""``croissant.json``: the release described as MLCommons Croissant 1.0 JSON-LD.

One RecordSet per table, read from its Parquet file. Nested columns follow the
Croissant spec: a list column is a ``repeated`` field; a struct column (dates,
citations) is a field with ``subField``s that take the same column and pick
their part with a ``jsonPath`` transform (the form Hugging Face generates for
nested Parquet). A reference from a single-valued field into exactly one other
table is a ``references`` link to that table's ``id``. The others carry none:
the spec allows one target (so not ids into either models or organizations);
mlcroissant builds a dependency graph from references and recurses forever on
a table referencing itself; and it joins on references, which fails on list
columns (numpy arrays are unhashable), so lists of ids carry none either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from ailedger._version import __version__
from ailedger.loader import sha256
from ailedger.release import about
from ailedger.schema import LATEST

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
PARQUET = "application/x-parquet"
JSONL = "application/jsonlines"

# The standard Croissant 1.0 @context, key for key, as mlcroissant expects it.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def _data_type(typ: pa.DataType) -> str:
    if pa.types.is_string(typ):
        return "sc:Text"
    if pa.types.is_boolean(typ):
        return "sc:Boolean"
    if pa.types.is_integer(typ):
        return "sc:Integer"
    if pa.types.is_date32(typ):
        return "sc:Date"
    raise TypeError(f"no Croissant type for {typ}")  # pragma: no cover - a new Arrow type needs a mapping here


def _field(
    table: str, field: pa.Field, column: str, path: list[str], refs: dict[str, tuple[str, ...]]
) -> dict[str, Any]:
    """One Croissant field for ``field`` found at ``path`` inside Parquet column ``column``."""
    typ, repeated = field.type, False
    if pa.types.is_list(typ):
        typ, repeated = typ.value_type, True
    out: dict[str, Any] = {"@type": "cr:Field", "@id": "/".join([table, *path]), "name": path[-1]}
    description = (field.metadata or {}).get(b"description")
    if description:
        out["description"] = description.decode()
    source: dict[str, Any] = {"fileObject": {"@id": f"{table}.parquet"}, "extract": {"column": column}}
    if len(path) > 1:
        source["transform"] = {"jsonPath": path[-1]}
    out["source"] = source
    if pa.types.is_struct(typ):
        out["subField"] = [_field(table, sub, column, [*path, sub.name], refs) for sub in typ]
    else:
        out["dataType"] = _data_type(typ)
    if repeated:
        out["repeated"] = True
    targets = refs.get(".".join(path), ())
    if len(targets) == 1 and targets[0] != table and not repeated:
        out["references"] = {"field": {"@id": f"{targets[0]}/id"}}
    return out


def record_set(table: str, schema: pa.Schema) -> dict[str, Any]:
    refs = about.references(table) | {f"citations.{k}": v for k, v in about.CITATION_REFERENCES.items()}
    return {
        "@type": "cr:RecordSet",
        "@id": table,
        "name": table,
        "description": about.table_description(LATEST.TABLES[table]),
        "key": {"@id": f"{table}/id"},
        "field": [_field(table, f, f.name, [f.name], refs) for f in schema],
    }


def _file(folder: Path, name: str, encoding: str) -> dict[str, Any]:
    path = folder / name
    return {
        "@type": "cr:FileObject",
        "@id": name,
        "name": name,
        "contentUrl": name,
        "contentSize": f"{path.stat().st_size} B",
        "encodingFormat": encoding,
        "sha256": sha256(path),
    }


def _work(source: dict[str, str]) -> dict[str, str]:
    work = {"@type": "sc:CreativeWork", "name": source["title"]}
    if "path" in source:
        work["url"] = source["path"]
    return work


def describe(folder: Path, tables: dict[str, pa.Table], records: dict[str, list[Any]]) -> dict[str, Any]:
    """The Croissant descriptor of the release files already written in ``folder``."""
    files = [_file(folder, f"{t}.parquet", PARQUET) for t in tables]
    files += [_file(folder, f"{t}.jsonl", JSONL) for t in tables]
    year, month, day = __version__.split(".")
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": about.NAME,
        "description": f"{about.DESCRIPTION} {about.DOCUMENTS}",
        "license": about.LICENCE["url"],
        "url": about.HOMEPAGE,
        "version": __version__,
        # The calendar version is the release date; a build-time clock would break reproducible builds.
        "datePublished": f"{year}-{month}-{day}",
        "creator": {"@type": "sc:Organization", "name": about.CREATOR},
        "citeAs": about.bibtex(),
        "keywords": about.KEYWORDS,
        "inLanguage": about.languages(records),
        "isBasedOn": [_work(s) for s in about.sources(records)],
        "distribution": files,
        "recordSet": [record_set(name, table.schema) for name, table in tables.items()],
    }
