"""Datasette plugin loaded by ``ailedger serve`` (``--plugins-dir``): a record's page shows its quotes and sources.

Datasette's own record page lists only the record's columns and a count of the
rows that link to it; a reader wants the evidence beside the fact. This adds the
record's rows of the ``facts`` view (quote, translation, the fields it backs,
the source's title, publisher, date and URL) to the template, which
``templates/_table.html`` shows under the record. It is not part of the
``ailedger`` package's import graph: only Datasette loads it.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils import tilde_decode

QUOTES_SQL = """
SELECT fields, quote, translation, source_id, source_title, source_published, publisher, source_url, via
FROM facts WHERE record_id = :id ORDER BY citation
"""


@hookimpl
def extra_template_vars(view_name: str, database: str | None, table: str | None, request: Any, datasette: Any) -> Any:
    if view_name != "row" or request is None or database is None or table in (None, "citations", "sources"):
        return {}

    async def quotes() -> dict[str, Any]:
        db = datasette.get_database(database)
        if "facts" not in await db.view_names() or "records" not in await db.table_names():
            return {}
        record = tilde_decode(request.url_vars["pks"])
        result = await db.execute(QUOTES_SQL, {"id": record})
        return {"ailedger_quotes": [dict(row) for row in result.rows], "ailedger_links": await links(db, record)}

    async def links(db: Any, record: str) -> dict[str, str]:
        """Column to the page of the record it references (a reference into records goes to the record's own table)."""
        out = {}
        for key in await db.foreign_keys_for_table(table):
            row = (await db.execute(f'SELECT "{key["column"]}" FROM "{table}" WHERE id = :id', {"id": record})).first()
            if row is None or row[0] is None:
                continue
            target = key["other_table"]
            if target == "records":
                found = (await db.execute("SELECT table_name FROM records WHERE id = :id", {"id": row[0]})).first()
                target = found[0] if found else target
            out[key["column"]] = datasette.urls.row(database, target, row[0])
        return out

    return quotes
