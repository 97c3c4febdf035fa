"""Derived figures the validator can recompute: arithmetic over metric ids and stated numbers.

``formula: "qwen-app-dau-after-campaign + 23000000"`` says how a derived value
was computed in a form a reviewer and the validator read the same way. It is
parsed with :mod:`ast` and evaluated by walking the tree, never with ``eval``:
only numbers, metric ids (hyphenated slugs, read as one name), ``+ - * /``,
unary minus and parentheses are allowed, so a formula cannot run code, call
anything or take unbounded time. simpleeval would do as much, but allows
names, comparisons and calls that a formula never needs; forty lines that
refuse everything else are easier to trust than configuring those away.
"""

from __future__ import annotations

import ast
import re
from decimal import Decimal, DivisionByZero, InvalidOperation

from ailedger.errors import FormulaError

_ID = re.compile(r"(?=[a-z0-9-]*[a-z])[a-z0-9]+(?:-[a-z0-9]+)*")
_OPS = {ast.Add: Decimal.__add__, ast.Sub: Decimal.__sub__, ast.Mult: Decimal.__mul__, ast.Div: Decimal.__truediv__}
MAX_LENGTH = 500


def _names(formula: str) -> tuple[str, dict[str, str]]:
    """Ids replaced by Python names (``qwen-app-dau`` is not one), and the map back."""
    ids: dict[str, str] = {}

    def swap(m: re.Match[str]) -> str:
        name = f"_{len(ids)}"
        for key, value in ids.items():
            if value == m.group(0):
                return key
        ids[name] = m.group(0)
        return name

    return re.sub(rf"(?<![0-9A-Za-z_.])(?:{_ID.pattern})(?![0-9A-Za-z_.])", swap, formula), ids


def parse(formula: str) -> tuple[ast.expr, dict[str, str]]:
    """The formula's tree and the ids it names; FormulaError says what is not allowed."""
    if len(formula) > MAX_LENGTH:
        raise FormulaError(f"is {len(formula)} characters long; write at most {MAX_LENGTH}")
    text, ids = _names(formula)
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise FormulaError(
            "is not arithmetic; write metric ids and numbers joined by + - * / and parentheses, "
            "such as qwen-app-dau + 23000000"
        ) from None
    for node in ast.walk(tree):
        # ** // % << ...: the BinOp itself is refused, shown with its operands (an operator has no text of its own)
        allowed = (
            (isinstance(node, ast.BinOp) and type(node.op) in _OPS)
            or isinstance(node, (ast.UnaryOp, ast.Name, ast.Load, ast.USub, ast.UAdd))
            or type(node) in _OPS
            or (isinstance(node, ast.Constant) and type(node.value) in (int, float))
        )
        if allowed:
            continue
        shown = ast.get_source_segment(text, node) or type(node).__name__
        for key, value in ids.items():
            shown = shown.replace(key, value)
        raise FormulaError(
            f"holds {shown!r}, which is not allowed; a formula holds only metric ids, numbers, + - * / and parentheses"
        )
    return tree, ids


def evaluate(tree: ast.expr, ids: dict[str, str], values: dict[str, int]) -> Decimal:
    """The formula's value, given each id's value; exact decimal arithmetic."""

    def walk(node: ast.expr) -> Decimal:
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name):
            return Decimal(values[ids[node.id]])
        if isinstance(node, ast.UnaryOp):
            inner = walk(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        assert isinstance(node, ast.BinOp)
        return _OPS[type(node.op)](walk(node.left), walk(node.right))

    try:
        return walk(tree)
    except (DivisionByZero, InvalidOperation):
        raise FormulaError("divides by zero") from None


def numbers_in(tree: ast.expr) -> list[Decimal]:
    """The literal numbers of a formula, each of which its quotes must state."""
    return [Decimal(str(n.value)) for n in ast.walk(tree) if isinstance(n, ast.Constant)]
