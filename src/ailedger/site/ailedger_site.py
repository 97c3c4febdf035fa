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
        tables = await db.table_names()
        if "facts" not in await db.view_names() or "citations" not in tables:
            return {}
        result = await db.execute(QUOTES_SQL, {"id": tilde_decode(request.url_vars["pks"])})
        return {"ailedger_quotes": [dict(row) for row in result.rows]}

    return quotes
