"""Rules on what quotes state (ailedger.validate.quote_rules): a record's citations grouped once read as asked field
by field."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from strategies import RECORDS_BY_MAJOR

from ailedger.schema import v1, v2
from ailedger.schema.fields import UNCITED
from ailedger.validate.context import Context
from ailedger.validate.quote_rules import Support, cited_fields, finder

SCHEMAS = {1: v1, 2: v2}
cited_records = st.sampled_from(
    [(major, table) for major in RECORDS_BY_MAJOR for table in RECORDS_BY_MAJOR[major] if table != "sources"]
)


def cited_plainly(record: Any) -> list[str]:
    """Every field of the record looked at: the reference for the fields kept per model class."""
    fields = type(record).model_fields
    return [name for name in fields if name not in UNCITED and getattr(record, name) not in (None, [], False)]


@settings(max_examples=300)
@given(st.data())
def test_a_records_support_is_its_citations_asked_field_by_field(data: st.DataObject) -> None:
    major, table = data.draw(cited_records)
    doc = data.draw(RECORDS_BY_MAJOR[major][table])
    # a field named twice in supports is supported once by that citation
    for cite in doc["citations"]:
        cite["supports"] = cite["supports"] + data.draw(
            st.lists(st.sampled_from(cite["supports"] or ["x"]), max_size=2)
        )
    record = TypeAdapter(SCHEMAS[major].TABLES[table]).validate_python(doc, strict=True)
    ctx = Context([], None)
    support = Support(ctx, record, finder(ctx))
    for name in {n for cite in record.citations for n in cite.supports} | set(type(record).model_fields):
        assert support.citations(name) == [c for c in record.citations if name in c.supports]
        assert support.quotes(name) == [c.quote for c in record.citations if name in c.supports]
    assert cited_fields(record) == cited_plainly(record)
