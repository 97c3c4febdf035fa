"""One record as a person reads it: ``ailedger show ID``.

Ids are resolved to names both ways (what the record points to, and what points
to it), and every citation is printed with its quote, translation and source,
so a reader can check a fact without opening the YAML or the Parquet files.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from ailedger.schema import LATEST
from ailedger.schema.fields import BOOKKEEPING

WIDTH = 100
LISTED = 20
"""Referring records listed before "and N more": an app with a daily series has thousands."""


@cache
def _tables() -> dict[str, list[Any]]:
    from ailedger import loader

    return {name: loader.load(name) for name in loader.tables()}


def title(record: Any) -> str:
    """The words a person knows a record by: its name, title, summary or statement."""
    if "metric" in type(record).model_fields:
        return f"{record.subject_id} {record.metric.replace('_', ' ')} {record.value:,}"
    for attr in ("name", "title", "summary", "statement"):
        value = getattr(record, attr, None)
        if value:
            return str(value)
    return record.id


def _table_of(record: Any) -> str:
    return next(name for name, model in LATEST.TABLES.items() if isinstance(record, model))


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _date_note(value: Any) -> str:
    from ailedger.dates import FuzzyDate

    if isinstance(value, FuzzyDate) and value.earliest != value.latest:
        return f"  (one day from {value.earliest} to {value.latest})"
    return ""


def referrers(record_id: str, tables: dict[str, list[Any]]) -> Iterator[tuple[str, Any, str]]:
    """(table, record, field) of every record that names ``record_id``, in table order then by id."""
    for table, records in tables.items():
        for rec in sorted(records, key=lambda r: r.id):
            for (ref_table, field), _targets in LATEST.REFERENCES.items():
                if ref_table == table and record_id in _ids(getattr(rec, field)):
                    yield table, rec, field
            for cite in getattr(rec, "citations", []):
                if record_id in (cite.source_id, cite.via):
                    yield table, rec, "citations.source_id" if cite.source_id == record_id else "citations.via"
                    break


def render(record_id: str, every: bool = False) -> str:
    """The text ``ailedger show`` prints; raises ``UnknownRecordError`` with suggestions for an unknown id.

    Records referring to this one are listed up to :data:`LISTED`, then counted;
    ``every`` lists them all.
    """
    from ailedger import loader

    record = loader.get(record_id)
    tables = _tables()
    index = {r.id: r for records in tables.values() for r in records}
    table = _table_of(record)
    lines = [f"{record.id}  (in {table}): {title(record)}", ""]
    fields = [
        (n, getattr(record, n)) for n in type(record).model_fields if n not in BOOKKEEPING
    ]
    width = max(len(n) for n, _ in fields)
    for name, value in fields:
        if value is None or value == []:
            continue
        text = _value(value)
        if (table, name) in LATEST.REFERENCES:
            text = ", ".join(f"{i} ({title(index[i])})" if i in index else i for i in _ids(value))
        lines += _wrapped(f"  {name:<{width}}  ", text + _date_note(value))
    refs = list(referrers(record.id, tables))
    lines += ["", f"Referenced by ({len(refs)}):" if refs else "Referenced by: nothing"]
    for ref_table, rec, field in refs if every else refs[:LISTED]:
        lines += _wrapped(f"  {ref_table}/{rec.id}  via {field}: ", title(rec))
    if len(refs) > LISTED and not every:
        lines.append(f"  and {len(refs) - LISTED} more; --all lists them")
    cites = getattr(record, "citations", [])
    if cites:
        lines += ["", f"Citations ({len(cites)}):"]
    for n, cite in enumerate(cites, 1):
        lines += [f"  [{n}] supports: {', '.join(cite.supports)}"]
        lines += _wrapped("      quote:       ", f"“{cite.quote}”")
        if cite.translation:
            lines += _wrapped("      translation: ", f"“{cite.translation}”")
        lines += _wrapped("      source:      ", _source(index.get(cite.source_id), cite.source_id, index))
        if cite.via:
            lines += _wrapped(
                "      via:         ", f"{cite.via} ({title(index[cite.via])})" if cite.via in index else cite.via
            )
    return "\n".join(lines) + "\n"


def _source(src: Any, source_id: str, index: dict[str, Any]) -> str:
    if src is None:
        return source_id
    publisher = title(index[src.publisher]) if src.publisher in index else src.publisher
    parts = [source_id, src.title or "(no title)", publisher, str(src.published), src.url or "(no url)"]
    return ", ".join(parts)


def _wrapped(prefix: str, text: str) -> list[str]:
    lines = textwrap.wrap(
        text,
        WIDTH,
        initial_indent=prefix,
        subsequent_indent=" " * len(prefix),
        break_on_hyphens=False,
        break_long_words=False,
    )
    return lines or [prefix.rstrip()]


def unpackaged(record_id: str, dataset: Path) -> Path | None:
    """The file of ``dataset`` that holds ``record_id`` (a record file, or a bulk file with a row of that id), if any.

    ``show`` reads the packaged data; a record just added to ``dataset/`` is
    there only after the refresh, which is what a contributor needs to hear.
    """
    from ailedger.validate.files import BULK_SUFFIX, RECORD_SUFFIX

    if not dataset.is_dir():
        return None
    for table in LATEST.TABLES:
        if (dataset / table / f"{record_id}{RECORD_SUFFIX}").is_file():
            return dataset / table / f"{record_id}{RECORD_SUFFIX}"
    row = re.compile(rb'"id"\s*:\s*"' + re.escape(record_id.encode()) + rb'"')
    for table in LATEST.TABLES:
        for bulk in sorted((dataset / table).glob(f"*{BULK_SUFFIX}")) if (dataset / table).is_dir() else []:
            with bulk.open("rb") as fh:
                if any(row.search(line) for line in fh):
                    return bulk
    return None
