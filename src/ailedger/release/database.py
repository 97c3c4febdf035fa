"""``ailedger.db``: the release as a SQLite database, and the Datasette metadata that makes it a site.

People who would rather look than query open it with ``ailedger serve`` (Datasette):
each record is a row of its table, and its quotes are rows of ``citations`` whose
foreign keys lead to the source and the organization quoted. Parquet stays the
format for analysis; this file is for reading, searching and linking.

Layout, chosen for browsing and plain SQL rather than round-tripping:

* one table per release table, ``id`` the primary key; a date is three text
  columns, ``<field>`` (EDTF as written), ``<field>_earliest`` and ``<field>_latest``
  (ISO days), so ``WHERE available_earliest >= '2026-02'`` needs no EDTF parser;
  lists are JSON arrays (SQLite's ``json_each`` reads them);
* ``citations``: one row per quote, keyed to the record, the source and ``via``;
* ``records``: every id with its table and a readable label, the target of the
  references that may point into more than one table (a metric's ``subject_id``,
  a citation's ``record_id``);
* full-text search over names, aliases, titles, summaries, statements and quotes;
* views: ``facts`` (every quote with the record it backs and its source),
  ``launches``, ``usage``.

Rows go in from the release's Arrow tables in id order, batch by batch, as
prepared statements into the tables sqlite-utils created, so a million-row series
costs no models and no per-value checks; the file is vacuumed into place at the end, so two
builds with the same SQLite and sqlite-utils are byte-identical.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ailedger import arrow
from ailedger._version import __version__
from ailedger.arrow import DATE
from ailedger.release import about
from ailedger.schema import LATEST, SCHEMA_VERSION

FILE = "ailedger.db"
METADATA = "datasette.json"
"""Datasette's metadata for ``ailedger.db`` (``datasette ailedger.db -m datasette.json``)."""
DATABASE = FILE.removesuffix(".db")
"""The name Datasette gives the database: the file's stem, which the URLs and canned queries use."""

BATCH = 5_000
"""Rows converted from Arrow and handed to sqlite-utils at a time: bounded memory for any series length."""

LABELS = {"sources": "title", "organizations": "name", "models": "name", "events": "summary", "claims": "statement"}
"""The column that names a record to a reader; a metric has none (its id says what it counts)."""

SEARCHED = {
    "sources": ["title"],
    "organizations": ["name", "aliases"],
    "models": ["name", "aliases", "notes"],
    "events": ["summary"],
    "claims": ["statement"],
    "citations": ["quote", "translation"],
    "records": ["label"],
}
"""Full-text indexed columns per table."""

CITATION_COLUMNS = {
    "id": "Position of the quote in the whole release (records in table and id order, quotes in their order).",
    "record_id": "The record whose fields the quote backs.",
    "record_table": "The table of that record.",
    "position": "Index of the quote in the record's citations, from 0.",
}

VIEWS = {
    "facts": """
SELECT c.id AS citation, c.record_table, c.record_id, r.label AS record, c.supports AS fields,
       c.quote, c.translation, c.source_id, s.title AS source_title, s.published AS source_published,
       p.name AS publisher, s.url AS source_url, v.name AS via
FROM citations AS c
JOIN records AS r ON r.id = c.record_id
JOIN sources AS s ON s.id = c.source_id
LEFT JOIN organizations AS p ON p.id = s.publisher
LEFT JOIN organizations AS v ON v.id = c.via
ORDER BY c.id""",
    "launches": """
SELECT m.id, m.name, o.name AS organization, 'available' AS kind, m.available AS date,
       m.available_earliest AS earliest, m.available_latest AS latest
FROM models AS m LEFT JOIN organizations AS o ON o.id = m.organization_id WHERE m.available IS NOT NULL
UNION ALL
SELECT m.id, m.name, o.name, 'announced', m.announced, m.announced_earliest, m.announced_latest
FROM models AS m LEFT JOIN organizations AS o ON o.id = m.organization_id WHERE m.announced IS NOT NULL
UNION ALL
SELECT m.id, m.name, o.name, 'weights_released', m.weights_released, m.weights_released_earliest,
       m.weights_released_latest
FROM models AS m LEFT JOIN organizations AS o ON o.id = m.organization_id WHERE m.weights_released IS NOT NULL
UNION ALL
SELECT e.id, e.summary, (SELECT group_concat(o.name, ', ') FROM json_each(e.organization_ids) AS j
                         JOIN organizations AS o ON o.id = j.value),
       'launch event', e.date, e.date_earliest, e.date_latest
FROM events AS e WHERE e.kind = 'launch'""",
    "usage": """
SELECT m.id, r.label AS subject, m.subject_id, m.metric, m.value, m.as_of, m.as_of_earliest, m.as_of_latest,
       m.reported, m.region, o.name AS measured_by, json_array_length(m.derived_from) > 0 AS derived, m.derivation
FROM metrics AS m
JOIN records AS r ON r.id = m.subject_id
LEFT JOIN organizations AS o ON o.id = m.measured_by""",
}

VIEW_DESCRIPTIONS = {
    "facts": "Every quote with the record it backs, the fields it states and its source (title, date, publisher, URL).",
    "launches": "Every release date of a model or product (announced, available, weights released) and every launch "
    "event, each with the range its source allows.",
    "usage": "Every usage figure with what it measures, when, where and who measured it; derived figures marked.",
}

QUERIES = {
    "launches_by_month": {
        "title": "Launches by month",
        "description": "Release dates and launch events grouped by month. A date the source gives only as a range "
        "spanning months is listed under that range, never under a made-up month.",
        "sql": """
SELECT CASE WHEN substr(earliest, 1, 7) = substr(latest, 1, 7) THEN substr(earliest, 1, 7)
            ELSE substr(earliest, 1, 7) || '..' || substr(latest, 1, 7) END AS month,
       count(*) AS launches,
       group_concat(name || ' (' || kind || ' ' || date || ')', '; ') AS what
FROM (SELECT * FROM launches ORDER BY earliest, latest, id)
GROUP BY month
ORDER BY min(earliest), month""",
    },
    "usage_figures": {
        "title": "Usage figures and who measured them",
        "description": "Every usage figure with its subject, date range and the organization that measured it "
        "(empty when the source does not say); derived figures are marked.",
        "sql": """
SELECT subject, metric, value, as_of, as_of_earliest, as_of_latest, reported, region,
       coalesce(measured_by, '(not stated)') AS measured_by, derived, id
FROM usage
ORDER BY subject, metric, as_of_earliest, id""",
    },
    "claims_by_asserter": {
        "title": "Claims by asserter",
        "description": "What each organization claims about models and products (claims, not facts), with the quotes "
        "that record them.",
        "sql": """
SELECT a.name AS asserter, r.label AS subject, c.kind, c.statement, c.verified,
       (SELECT group_concat(q.quote, ' / ') FROM citations AS q WHERE q.record_id = c.id) AS quotes, c.id
FROM claims AS c
JOIN organizations AS a ON a.id = c.asserted_by
JOIN records AS r ON r.id = c.subject_id
ORDER BY asserter, subject, c.id""",
    },
}


def _references(table: str) -> list[tuple[str, str, str]]:
    """Single-valued references as SQLite foreign keys: to the one table, or to ``records`` when several."""
    schema = arrow.schema(LATEST.TABLES[table])
    return [
        (field, targets[0] if len(targets) == 1 else "records", "id")
        for field, targets in about.references(table).items()
        if not pa.types.is_list(schema.field(field).type)  # lists stay JSON arrays; json_each joins them
    ]


def _columns(table: str, schema: pa.Schema) -> dict[str, type]:
    """SQLite column types of one release table, dates split into text, earliest and latest."""
    out: dict[str, type] = {}
    for field in schema:
        if field.name == "citations":
            continue
        if field.type == DATE:
            out |= {field.name: str, f"{field.name}_earliest": str, f"{field.name}_latest": str}
        elif pa.types.is_integer(field.type) or pa.types.is_boolean(field.type):
            out[field.name] = int
        else:  # text, and lists as JSON text
            out[field.name] = str
    return out


def _sql_names(field: pa.Field) -> list[str]:
    """The SQLite columns one Arrow field becomes."""
    if field.type == DATE:
        return [field.name, f"{field.name}_earliest", f"{field.name}_latest"]
    return [field.name]


def _json_lists(column: pa.Array) -> list[str | None]:
    """Each list as JSON text; a series repeats a few lists (``[]``, the same ``supports``), each encoded once."""
    seen: dict[tuple[Any, ...], str] = {}
    out: list[str | None] = []
    for value in column.to_pylist():
        if value is None:
            out.append(None)
            continue
        key = tuple(value)
        text = seen.get(key)
        if text is None:
            text = seen[key] = json.dumps(value, ensure_ascii=False)
        out.append(text)
    return out


def _column_values(field: pa.Field, column: pa.Array) -> list[list[Any]]:
    """Python values of one Arrow column, one list per SQLite column it becomes (see :func:`_sql_names`)."""
    if field.type == DATE:
        return [
            pc.struct_field(column, "edtf").to_pylist(),
            pc.cast(pc.struct_field(column, "earliest"), pa.string()).to_pylist(),
            pc.cast(pc.struct_field(column, "latest"), pa.string()).to_pylist(),
        ]
    if pa.types.is_list(field.type):
        return [_json_lists(column)]
    return [column.to_pylist()]


def _rows(batch: pa.RecordBatch) -> Iterator[tuple[Any, ...]]:
    """The rows of a batch in the column order of :func:`_columns`."""
    values: list[list[Any]] = []
    for field, column in zip(batch.schema, batch.columns):
        if field.name != "citations":
            values += _column_values(field, column)
    return zip(*values)


CITATION_TABLE: dict[str, type] = {
    "id": int, "record_id": str, "record_table": str, "position": int,
    "source_id": str, "quote": str, "supports": str, "via": str, "translation": str,
}


def _citation_rows(table: str, batch: pa.RecordBatch, first_id: int) -> list[tuple[Any, ...]]:
    """One row per quote of the records in ``batch`` (columns as ``CITATION_TABLE``), numbered from ``first_id``."""
    cites = batch.column("citations")
    # A batch is a slice: its list offsets do not start at 0, and only compute functions honour a slice's offset.
    offsets = [o - cites.offsets[0].as_py() for o in cites.offsets.to_pylist()]
    flat = cites.flatten()
    source_id, quote, via, translation = (
        pc.struct_field(flat, name).to_pylist() for name in ("source_id", "quote", "via", "translation")
    )
    supports = _json_lists(pc.struct_field(flat, "supports"))
    ids = batch.column("id").to_pylist()
    rows: list[tuple[Any, ...]] = []
    for record, start, end in zip(ids, offsets, offsets[1:]):
        for position, i in enumerate(range(start, end)):
            number = first_id + len(rows)
            rows.append((number, record, table, position, source_id[i], quote[i], supports[i], via[i], translation[i]))
    return rows


def _record_rows(table: str, batch: pa.RecordBatch) -> Iterator[tuple[str, str, str]]:
    ids = batch.column("id").to_pylist()
    labels = batch.column(LABELS[table]).to_pylist() if table in LABELS else ids
    return ((record, table, record if label is None else label) for record, label in zip(ids, labels))


def _insert(db: Any, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Rows into a table sqlite-utils created, as one prepared statement over the batch.

    sqlite-utils' ``insert_all`` takes dicts, checks every value for JSON and writes a new
    statement per 50 rows or so: three quarters of the build time on a long series. The rows
    here are already typed and ordered, so the plain statement does the same work.
    """
    names = ", ".join(f'"{c}"' for c in columns)
    db.conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})', rows)


def write_database(tables: dict[str, pa.Table], path: Path) -> None:
    """Write ``ailedger.db`` from the release's Arrow tables (rows already sorted by id) to ``path``."""
    import sqlite_utils

    path.unlink(missing_ok=True)
    building = path.with_name(f".{path.name}.building")
    building.unlink(missing_ok=True)
    db = sqlite_utils.Database(building)
    # The file is written once into a staging folder that is flushed and swapped in as a whole,
    # so no journal is needed while it is built.
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.table("records").create({"id": str, "table_name": str, "label": str}, pk="id", not_null={"table_name", "label"})
    # Referenced tables first: sqlite-utils checks that a foreign key's target exists.
    for name, table in sorted(tables.items(), key=lambda item: item[0] != "organizations"):
        db.table(name).create(
            _columns(name, table.schema),
            pk="id",
            not_null={c for f in table.schema if not f.nullable and f.name != "citations" for c in _sql_names(f)},
            foreign_keys=_references(name),
        )
    db.table("citations").create(
        CITATION_TABLE,
        pk="id",
        not_null={"record_id", "record_table", "position", "source_id", "quote", "supports"},
        foreign_keys=[("record_id", "records", "id"), ("source_id", "sources", "id"), ("via", "organizations", "id")],
    )
    next_citation = 1
    for name, table in tables.items():
        columns = list(_columns(name, table.schema))
        cited = "citations" in table.schema.names
        for batch in table.to_batches(max_chunksize=BATCH):
            _insert(db, "records", ["id", "table_name", "label"], _record_rows(name, batch))
            _insert(db, name, columns, _rows(batch))
            if cited:
                rows = _citation_rows(name, batch, next_citation)
                _insert(db, "citations", list(CITATION_TABLE), rows)
                next_citation += len(rows)
    db.conn.commit()
    for table, column in ("records", "table_name"), ("citations", "record_id"), ("citations", "source_id"):
        db.table(table).create_index([column])
    db.table("metrics").create_index(["subject_id"])
    for name, columns in SEARCHED.items():
        db.table(name).enable_fts(columns, fts_version="FTS5", create_triggers=False)
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip())
    db.conn.commit()
    # VACUUM INTO writes a fresh file: its header's change counter no longer depends on how many
    # transactions the build took, so the bytes depend on the content (and SQLite's version) alone.
    db.execute("VACUUM INTO ?", [str(path)])
    db.close()
    building.unlink()


def metadata() -> dict[str, Any]:
    """Datasette's metadata: titles, descriptions from the data dictionary, licence, source and canned queries."""
    from ailedger.release.dictionary import meaning

    tables: dict[str, Any] = {}
    for name, model in LATEST.TABLES.items():
        columns: dict[str, str] = {}
        for field in arrow.schema(model):
            if field.name == "citations":
                continue
            text = meaning(field.name, model.model_fields[field.name])
            if field.type == DATE:
                columns[field.name] = f"{text} EDTF, as the source gives it."
                columns[f"{field.name}_earliest"] = f"First day the date `{field.name}` may be (ISO 8601)."
                columns[f"{field.name}_latest"] = f"Last day the date `{field.name}` may be (ISO 8601)."
            else:
                columns[field.name] = f"{text} (a JSON array)" if pa.types.is_list(field.type) and text else text
        entry: dict[str, Any] = {"description": about.table_description(model), "columns": columns}
        if name in LABELS:
            entry["label_column"] = LABELS[name]
        if "citations" in model.model_fields:
            entry["description"] += " Its quotes are in the citations table and on each record's page."
        tables[name] = entry
    tables["citations"] = {
        "description": "Every quote: a short verbatim span of one source, and the fields of one record it backs.",
        "columns": CITATION_COLUMNS
        | {
            f: meaning(f, i) + (" (a JSON array)" if f == "supports" else "")
            for f, i in LATEST.Citation.model_fields.items()
        },
        "label_column": "quote",
    }
    tables["records"] = {
        "description": "Every record of every table, by id, with a readable label; the target of references "
        "that may point into more than one table.",
        "columns": {"id": "Record id, unique across all tables.", "table_name": "The table that holds it.",
                    "label": "Its name, title, summary or statement (a metric's id)."},
        "label_column": "label",
    }
    tables |= {name: {"description": text} for name, text in VIEW_DESCRIPTIONS.items()}
    return {
        "title": about.TITLE,
        "description": f"{about.DESCRIPTION} Dataset version {__version__}, schema {SCHEMA_VERSION}.",
        "license": about.LICENCE["spdx"],
        "license_url": about.LICENCE["url"],
        "source": about.NAME,
        "source_url": about.HOMEPAGE,
        "databases": {
            DATABASE: {
                "title": f"ailedger {__version__}",
                "description": about.DOCUMENTS,
                "tables": tables,
                "queries": {name: dict(q, sql=q["sql"].strip()) for name, q in QUERIES.items()},
            }
        },
    }


def metadata_text() -> str:
    return json.dumps(metadata(), indent=2, ensure_ascii=False) + "\n"
