"""Rules on what records state (ailedger.validate.value_rules): the per-class shortcuts see what a full scan sees."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from strategies import RECORDS_BY_MAJOR

from ailedger.dates import FuzzyDate
from ailedger.schema import v1, v2
from ailedger.validate.value_rules import dated_fields

SCHEMAS = {1: v1, 2: v2}
every_record = st.sampled_from([(major, table) for major in RECORDS_BY_MAJOR for table in RECORDS_BY_MAJOR[major]])


def dated_plainly(record: Any) -> list[tuple[str, FuzzyDate]]:
    """Every field of the record looked at: the reference for the fields kept per model class."""
    return [
        (name, getattr(record, name))
        for name in type(record).model_fields
        if isinstance(getattr(record, name), FuzzyDate)
    ]


@settings(max_examples=300)
@given(st.data())
def test_dated_fields_are_every_field_holding_a_date(data: st.DataObject) -> None:
    major, table = data.draw(every_record)
    record = TypeAdapter(SCHEMAS[major].TABLES[table]).validate_python(
        data.draw(RECORDS_BY_MAJOR[major][table]), strict=True
    )
    assert list(dated_fields(record)) == dated_plainly(record)
