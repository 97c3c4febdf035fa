"""The column checks of bulk rows, on small tables: each flags what its exact check would reject."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field

from ailedger.arrow import input_schema
from ailedger.schema import LATEST
from ailedger.schema.fields import UNCITED
from ailedger.texts import Store
from ailedger.validate import numbers, validate
from ailedger.validate.columns import Citations, RuleColumns, SchemaColumns, as_flags, per_distinct, spread


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


# --- the rule columns judge each distinct (value, quote, source) once: the same flags as judging each citation --

_QUOTES = [
    "the Example app reached 12,5 Millionen weekly active users at the end of February",
    "According to the data provider CountCo",
    "Example Labs says Example-1 outperforms Rival-2 by Rival Inc. in coding benchmarks",
    "Example-1 had 12 million more than Rival-2 in 2026-02",
    "Example Daily, 2026-03-10: the Example app, 12500000 weekly users; Example-1 5 users on 2026-03-02",
    "laut CountCo hat die Example app 12 Mio. Nutzer pro Woche",
]
_ROW = st.fixed_dictionaries(
    {
        "subject_id": st.sampled_from(["example-app", "example-1", "rival-2"]),
        "metric": st.sampled_from(["weekly_active_users", "daily_active_users"]),
        "value": st.sampled_from([12500000, 12000000, 12, 5, 2026, 1]),
        "as_of": st.sampled_from(["2026-02", "2026-03-02", "2026-03-10", "2026"]),
        "reported": st.sampled_from([None, "2026-03", "2026-03-10"]),
        "measured_by": st.sampled_from([None, "countco", "example-daily"]),
        "citations": st.lists(
            st.fixed_dictionaries(
                {
                    "source_id": st.just("example-news"),
                    "quote": st.sampled_from(_QUOTES),
                    "supports": st.lists(
                        st.sampled_from(["subject_id", "metric", "value", "as_of", "reported", "measured_by"]),
                        unique=True,
                        min_size=1,
                    ),
                }
            ),
            min_size=1,
            max_size=3,
        ),
    }
)


def _base_rule_columns() -> RuleColumns:
    base = Path(__file__).parent / "cases" / "_base"
    report = validate([base / "dataset"], base / "texts")
    return RuleColumns(report.records, Store.plain(base / "texts"), SchemaColumns())


def _citation_by_citation(rc: RuleColumns, table: pa.Table, cites: Citations) -> tuple[np.ndarray, np.ndarray]:
    """What the grouped checks stand for, asked of every citation in turn: (rows stated() flags, rows whose value
    a quote supporting it states)."""
    n = table.num_rows
    bad = np.zeros(n, dtype=bool)
    quotes, sources, rows = cites.quote.to_pylist(), cites.source_id.to_pylist(), cites.row.tolist()
    for name in ("subject_id", "measured_by", "metric", "as_of", "reported"):
        values = table.column(name).to_pylist()
        ok = [False] * n
        for c in np.flatnonzero(cites.supporting(name)).tolist():
            value = values[rows[c]]
            if value is not None:
                day = name in ("as_of", "reported") and len(value) == 10 and value in quotes[c]
                ok[rows[c]] = ok[rows[c]] or day or rc._states(name, value, quotes[c], sources[c])
        bad |= np.array([v is not None and not k for v, k in zip(values, ok)], dtype=bool)
    for c, figures in enumerate(cites.supporting("value").tolist()):
        bad[rows[c]] |= not rc._clear(quotes[c], sources[c], figures)
    values = table.column("value").to_pylist()
    stated_value = np.zeros(n, dtype=bool)
    for c in np.flatnonzero(cites.supporting("value")).tolist():
        stated_value[rows[c]] |= values[rows[c]] in numbers.stated(quotes[c], "en")
    return bad, stated_value


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(_ROW, min_size=1, max_size=12))
def test_grouped_rule_columns_flag_what_each_citation_would(rows: list[dict[str, object]]) -> None:
    rc = _base_rule_columns()
    table = pa.Table.from_pylist(rows, schema=input_schema(LATEST.Metric))
    fields = list(LATEST.Metric.model_fields)
    bit = {name: np.uint64(1) << np.uint64(i) for i, name in enumerate(fields) if name not in UNCITED}
    cites = Citations.of(table, bit)
    bad, stated_value = _citation_by_citation(rc, table, cites)
    assert rc.stated(table, cites).tolist() == bad.tolist()
    values = table.column("value").to_numpy()
    assert rc._value_stated(values, cites).tolist() == stated_value.tolist()
