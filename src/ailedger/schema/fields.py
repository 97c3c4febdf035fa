"""What the schema's fields are for, beyond their types: which state a fact, which point into their own table.

The validator, the data dictionary and ``ailedger show`` all need these
answers; they are written here once.
"""

from __future__ import annotations

from pydantic import BaseModel

from ailedger.schema import LATEST

BOOKKEEPING = frozenset({"id", "schema_version", "citations"})
"""Fields that state no fact about the world: the record's own bookkeeping."""

UNCITED = BOOKKEEPING | LATEST.CURATOR_TEXT
"""Fields that need no quote: the bookkeeping and the curator's own text."""

SAME_TABLE_REFERENCES = frozenset(
    name for (owner, name), allowed in LATEST.REFERENCES.items() if allowed == (owner,)
)
"""Reference fields that point into their own table: parent_id, family_id, derived_from, distinct_from."""


def needs_citation(model: type[BaseModel], field: str) -> bool:
    """Whether a set value of ``field`` must be named in a citation's ``supports``."""
    return "citations" in model.model_fields and field not in UNCITED
