"""Formulas of derived figures: arithmetic over metric ids and numbers, walked and never run as code."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailedger.errors import FormulaError
from ailedger.validate import derive


def value(formula: str, values: dict[str, int]) -> Decimal:
    tree, ids = derive.parse(formula)
    return derive.evaluate(tree, ids, values)


def test_hyphenated_ids_are_names_and_numbers_are_literal() -> None:
    tree, ids = derive.parse("qwen-app-dau-after-campaign + 23000000")
    assert set(ids.values()) == {"qwen-app-dau-after-campaign"}
    assert derive.numbers_in(tree) == [Decimal(23000000)]
    assert value("qwen-app-dau-after-campaign + 23000000", {"qwen-app-dau-after-campaign": 58000000}) == 81000000


def test_an_id_used_twice_is_one_name() -> None:
    assert value("a-1 * 2 - a-1", {"a-1": 7}) == 7


@given(st.integers(0, 10**12), st.integers(1, 10**6), st.sampled_from("+-*/"))
def test_evaluates_as_exact_arithmetic(a: int, b: int, op: str) -> None:
    exact = {"+": Decimal(a) + b, "-": Decimal(a) - b, "*": Decimal(a) * b, "/": Decimal(a) / Decimal(b)}[op]
    assert value(f"x-dau {op} {b}", {"x-dau": a}) == exact
    assert value(f"-(x-dau) {op} ({b})", {"x-dau": a}) == {"+": -a + b, "-": -a - b, "*": -a * b}.get(
        op, Decimal(-a) / Decimal(b)
    )


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("__import__('os').getpid()", "holds \"__import__('os').getpid()\", which is not allowed"),
        ("a-dau ** 2", "holds 'a-dau ** 2', which is not allowed"),
        ("a-dau if 1 else 2", "is not arithmetic"),
        ("a-dau < 2", "holds 'a-dau < 2', which is not allowed"),
        ("'12' + a-dau", "holds \"'12'\", which is not allowed"),
        ("a-dau +", "is not arithmetic"),
        ("1" * 501, "is 501 characters long; write at most 500"),
    ],
)
def test_anything_but_arithmetic_is_refused(formula: str, message: str) -> None:
    with pytest.raises(FormulaError, match=None) as caught:
        derive.parse(formula)
    assert str(caught.value).startswith(message)


def test_division_by_zero_is_a_formula_error() -> None:
    tree, ids = derive.parse("a-dau / 0")
    with pytest.raises(FormulaError, match="divides by zero"):
        derive.evaluate(tree, ids, {"a-dau": 1})
