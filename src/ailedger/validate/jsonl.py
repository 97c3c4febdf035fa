"""One line of a bulk (JSON Lines) file, read as strictly as a record file.

Python's ``json`` accepts what a record must not hold: a key given twice (the
last one silently wins), ``NaN`` and ``Infinity``, integers of any length and
lone surrogates. Each is refused here with a located diagnostic, the way
:mod:`ailedger.validate.yaml12` refuses them in YAML.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from ailedger.validate.diagnostics import Diagnostic, escape
from ailedger.validate.record import ParsedRecord, check_document
from ailedger.validate.text import SURROGATE
from ailedger.validate.yaml12 import Document

INT64_DIGITS = 19
"""Digits of the largest count a bulk row holds (Arrow reads it as int64); a longer number is refused unread."""


class _LineProblem(ValueError):
    def __init__(self, code: str, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.column = code, message, column


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _LineProblem("json.duplicate-key", f"key \"{escape(key)}\" appears twice in one object; keep one")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise _LineProblem("json.not-a-number", f"{name} is not a JSON number; write the count as a whole number")


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > INT64_DIGITS:
        raise _LineProblem(
            "json.number-too-large",
            f"the number {digits[:24]}… has more than {INT64_DIGITS} digits; counts fit in a 64-bit integer",
        )
    return int(digits)


def _no_surrogates(value: Any) -> None:
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            todo += list(item.keys()) + list(item.values())
        elif isinstance(item, list):
            todo += item
        elif isinstance(item, str) and SURROGATE.search(item):
            raise _LineProblem("text.surrogate", "text holds a lone surrogate code point; write the real character")


def _line_doc(data: dict[str, Any], line: int) -> Document:
    # Every field of a JSON Lines record is on its line; columns are not tracked.
    return Document(data, {(): (line, None)})


BOM = b"\xef\xbb\xbf"


def skip_bom(fh: BinaryIO) -> bool:
    """Moves past a UTF-8 byte order mark that starts a bulk file, as yaml12 drops a record file's (a warning)."""
    if fh.read(len(BOM)) == BOM:
        return True
    fh.seek(0)
    return False


def read_line(raw: bytes, line: int, shown: str) -> Document | Diagnostic:
    """One line of a bulk file as strict JSON (no duplicate keys, NaN, huge numbers or lone surrogates), else why not.
    """
    try:
        if raw.startswith(BOM):
            # The file's own BOM is skipped by its readers (skip_bom); one here starts a later line, as where two
            # files were joined.
            message = "a byte order mark starts this line, as where two files were joined; delete it"
            raise _LineProblem("file.bom", message, 1)
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _LineProblem(
                "file.encoding", f"byte {raw[exc.start]:#04x} is not UTF-8; save the file as UTF-8", exc.start + 1
            ) from None
        if not content.strip():
            raise _LineProblem("json.blank-line", "blank line; each line of a .jsonl file holds one record")
        try:
            data = json.loads(content, object_pairs_hook=_pairs, parse_constant=_constant, parse_int=_integer)
        except json.JSONDecodeError as exc:
            raise _LineProblem("json.syntax", f"{exc.msg}; each line holds one JSON object", exc.colno) from None
        except RecursionError:
            raise _LineProblem(
                "json.too-deep", "the line nests arrays or objects too deeply; a record is shallow"
            ) from None
        if not isinstance(data, dict):
            raise _LineProblem(
                "record.not-mapping",
                f'the line holds a JSON {type(data).__name__}, not an object; write one record per line as {{"id": '
                '...}',
            )
        _no_surrogates(data)
    except _LineProblem as exc:
        return Diagnostic(shown, line, exc.column, exc.code, "", exc.message)
    return _line_doc(data, line)


def check_line(table: str, raw: bytes, line: int, shown: str) -> tuple[ParsedRecord | None, list[Diagnostic]]:
    """One line of a bulk file, checked like a record file: strict JSON, text hygiene, the schema."""
    doc = read_line(raw, line, shown)
    if isinstance(doc, Diagnostic):
        return None, [doc]
    return check_document(table, doc, shown)
