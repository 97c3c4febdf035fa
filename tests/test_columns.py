"""The column checks of bulk rows, on small tables: each flags what its exact check would reject."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pyarrow as pa
from pydantic import Field

from ailedger.schema import LATEST
from ailedger.validate.columns import Citations, SchemaColumns, as_flags, per_distinct, spread


def test_as_flags_fills_nulls() -> None:
    column = pa.array([True, None, False])
    assert as_flags(column).tolist() == [True, False, False]
    assert as_flags(column, True).tolist() == [True, True, False]


def test_spread_flags_the_rows_holding_a_flagged_item() -> None:
    lists = pa.array([["a"], [], ["b", "c"], None])
    assert spread(np.array([False, False, True]), lists, 4).tolist() == [False, False, True, False]


def test_per_distinct_asks_once_per_value_and_passes_nulls() -> None:
    asked: list[str] = []

    def ok(value: str) -> bool:
        asked.append(value)
        return value != "bad"

    assert per_distinct(pa.array(["x", "bad", "x", None, "bad"]), ok).tolist() == [False, True, False, False, True]
    assert sorted(asked) == ["bad", "x"]


def test_schema_columns_flag_what_the_model_would_refuse() -> None:
    columns = SchemaColumns()
    short = Annotated[str, Field(min_length=2, max_length=4, pattern=r"^[a-z]+$")]
    names = pa.array(["ab", "a", "abcde", "AB", None, "abc"])
    assert columns.column(names, short, [], True, "id").tolist() == [False, True, True, True, False, False]
    assert columns.column(names, short, [], False, "id").tolist()[4] is True  # required: a null is refused
    counts = pa.array([0, -1, None], pa.int64())
    assert columns.column(counts, Annotated[int, Field(ge=0)], [], True, "value").tolist() == [False, True, False]
    dates = pa.array(["2026-02", "2026-13", "2026-02"])
    assert columns.column(dates, LATEST.Metric.model_fields["as_of"].annotation, [], True, "as_of").tolist() == [
        False,
        True,
        False,
    ]
    assert columns.dates["2026-13"] is None


def test_schema_columns_hold_names_to_text_hygiene() -> None:
    names = pa.array(["Qwen", "Qwen\u200b", "Qwen"])
    assert SchemaColumns().column(names, str, [], False, "name").tolist() == [False, True, False]


def test_citations_know_which_fields_each_supports() -> None:
    table = pa.table(
        {
            "citations": [
                [{"source_id": "s", "quote": "q", "via": None, "supports": ["value", "as_of"]}],
                [
                    {"source_id": "s", "quote": "q", "via": None, "supports": ["value", "value"]},
                    {"source_id": "t", "quote": "r", "via": "v", "supports": ["nonsense"]},
                ],
            ]
        }
    )
    bit = {"value": np.uint64(1), "as_of": np.uint64(2)}
    cites = Citations.of(table, bit)
    assert cites.row.tolist() == [0, 1, 1]
    assert cites.supporting("value").tolist() == [True, True, False]
    assert cites.supporting("as_of").tolist() == [True, False, False]
    assert cites.doubled.tolist() == [False, True, True]
    assert cites.unknown.tolist() == [False, False, True]
