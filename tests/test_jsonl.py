"""The strict reader of one bulk line: what Python's json would accept silently is a located diagnostic."""

from __future__ import annotations

import pytest

from ailedger.validate.diagnostics import Diagnostic
from ailedger.validate.jsonl import INT64_DIGITS, check_line, read_line
from ailedger.validate.yaml12 import Document


def test_a_good_line_is_a_document_located_on_its_line_without_columns() -> None:
    doc = read_line(b'{"id": "a", "value": 3}', 7, "m.jsonl")
    assert isinstance(doc, Document)
    assert doc.data == {"id": "a", "value": 3}
    assert doc.locate(("value",)) == (7, None)


@pytest.mark.parametrize(
    ("raw", "code", "column"),
    [
        (b'{"id": "a", "id": "b"}', "json.duplicate-key", None),
        (b'{"value": NaN}', "json.not-a-number", None),
        (b'{"value": Infinity}', "json.not-a-number", None),
        (b'{"id": "\\udc00"}', "text.surrogate", None),
        (b'{"id": "\xff"}', "file.encoding", 9),
        (b"\xef\xbb\xbf{}", "file.bom", 1),
        (b"  ", "json.blank-line", None),
        (b'{"id": }', "json.syntax", 8),
        (b'"text"', "record.not-mapping", None),
        (b'{"a": [{"b": {"c": "\\ud800"}}]}', "text.surrogate", None),
    ],
)
def test_refused_lines_name_code_line_and_column(raw: bytes, code: str, column: int | None) -> None:
    found = read_line(raw, 4, "m.jsonl")
    assert isinstance(found, Diagnostic)
    assert (found.path, found.line, found.column, found.code) == ("m.jsonl", 4, column, code)


def test_a_byte_order_mark_that_starts_a_later_line_is_named_as_such() -> None:
    found = read_line(b"\xef\xbb\xbf{}", 4, "m.jsonl")
    assert isinstance(found, Diagnostic)
    assert found.message == "a byte order mark starts this line, as where two files were joined; delete it"


def test_a_count_may_have_as_many_digits_as_int64_and_no_more() -> None:
    assert isinstance(read_line(b'{"value": ' + b"9" * INT64_DIGITS + b"}", 1, "m.jsonl"), Document)
    too_long = read_line(b'{"value": -' + b"9" * (INT64_DIGITS + 1) + b"}", 1, "m.jsonl")
    assert isinstance(too_long, Diagnostic)
    assert too_long.code == "json.number-too-large"


def test_check_line_stops_at_the_reader_and_otherwise_checks_the_schema() -> None:
    loaded, problems = check_line("metrics", b"[]", 2, "m.jsonl")
    assert loaded is None
    assert [p.code for p in problems] == ["record.not-mapping"]
    loaded, problems = check_line("metrics", b'{"id": "x"}', 2, "m.jsonl")
    assert loaded is not None and loaded.record is None
    assert problems and all(p.line == 2 for p in problems)
