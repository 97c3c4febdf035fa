"""The release's ``README.md``: a Hugging Face dataset card.

The YAML header is what the Hub (and ``datasets.load_dataset(folder, table)``)
reads: one config per table whose ``data_files`` is that table's Parquet file,
``DEFAULT_CONFIG`` marked as the default (so ``load_dataset(folder)`` without a
config name works rather than raising), the licence, the languages, the tasks
and the size category computed from the rows. Values are written as JSON, which
every YAML parser reads the same way.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from ailedger._version import __version__
from ailedger.release import about
from ailedger.schema import LATEST, SCHEMA_VERSION

DEFAULT_CONFIG = "models"
"""The table ``load_dataset`` gives without a config name: the one most readers come for."""
TASK_CATEGORIES = ["table-question-answering", "text-retrieval"]
"""Hub task categories: questions answered from the tables, and finding the source sentence behind a fact."""

_SIZES = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")]


def size_category(rows: int) -> str:
    """The Hub's ``size_categories`` value for a number of rows."""
    return next((label for limit, label in _SIZES if rows < limit), "1M<n<10M")


def header(tables: dict[str, pa.Table], records: dict[str, list[Any]]) -> str:
    lines = [
        "---",
        f"pretty_name: {json.dumps(about.NAME)}",
        f"license: {json.dumps(about.LICENCE['hub'])}",
        f"language: {json.dumps(about.languages(records))}",
        f"size_categories: {json.dumps([size_category(sum(t.num_rows for t in tables.values()))])}",
        f"task_categories: {json.dumps(TASK_CATEGORIES)}",
        f"tags: {json.dumps(about.KEYWORDS)}",
        "configs:",
    ]
    for name in tables:
        lines += [
            f"- config_name: {json.dumps(name)}",
            *(["  default: true"] if name == DEFAULT_CONFIG else []),
            "  data_files:",
            "  - split: train",
            f"    path: {json.dumps(f'{name}.parquet')}",
        ]
    return "\n".join([*lines, "---"]) + "\n"


def render(tables: dict[str, pa.Table], records: dict[str, list[Any]], verification: dict[str, Any]) -> str:
    """The whole card: the YAML header, what the tables hold, how to read them, and the data dictionary."""
    from ailedger.release.dictionary import dictionary_markdown

    rows = "\n".join(
        f"| `{name}` | {table.num_rows} | {about.table_description(LATEST.TABLES[name])} |"
        for name, table in tables.items()
    )
    sources = "\n".join(f"- {s['title']}" + (f" <{s['path']}>" if "path" in s else "") for s in about.sources(records))
    return f"""{header(tables, records)}
# {about.TITLE}

{about.DESCRIPTION}

Dataset version {__version__}, schema {SCHEMA_VERSION}. Each table comes as Parquet (`<table>.parquet`;
dates are structs of the EDTF text and `earliest`/`latest` day bounds) and as JSON Lines
(`<table>.jsonl`; the exact JSON of the schema's records), with its JSON Schema (`<table>.schema.json`).
`datapackage.json` (Frictionless) and `croissant.json` (MLCommons Croissant) describe the files;
`ailedger.db` holds every table in SQLite, quotes in their own table, with full-text search, and
`datasette.json` its Datasette metadata: browse both with `ailedger serve .` (`pip install 'ailedger[site]'`)
or `datasette ailedger.db -m datasette.json`. `SHA256SUMS` lists their hashes (`sha256sum -c SHA256SUMS`).

| table | rows | what a row is |
|---|---|---|
{rows}

## Where it comes from

The files are the assets of the release [v{__version__}]({about.HOMEPAGE}/releases/tag/v{__version__}) of
{about.HOMEPAGE}, where the code, the records and the issues are; the Hugging Face dataset
repository [{about.HUB_REPO}](https://huggingface.co/datasets/{about.HUB_REPO}) mirrors them.

## Read it

```python
import duckdb
duckdb.sql("SELECT * FROM 'metrics.parquet' WHERE metric = 'weekly_active_users'")

from datasets import load_dataset
load_dataset("{about.HUB_REPO}")              # the {DEFAULT_CONFIG} table
load_dataset("{about.HUB_REPO}", "metrics")   # another table
load_dataset("parquet", data_files="models.parquet")   # a downloaded file

import ailedger                      # pip install ailedger: the same data, as typed records
ailedger.load("models")
```

{dictionary_markdown(heading_level=2, records=records)}
## Sources

{sources}

## Verification

{about.verification_markdown(verification)}

## Licence

{about.LICENCE['title']} ({about.LICENCE['spdx']}). {about.DOCUMENTS}
"""
