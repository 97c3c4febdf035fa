"""One record, from a record file or a bulk line: parsed, hygiene-checked and schema-checked, with positions.

This is the layer the cross-record rules, the bulk path and ``migrate`` build
on; it knows nothing of other records.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ailedger.schema import LATEST, MAJORS, adapter, version
from ailedger.schema.migrations import replacement_hint
from ailedger.validate import text
from ailedger.validate.diagnostics import Diagnostic, escape
from ailedger.validate.files import display
from ailedger.validate.text import codepoint
from ailedger.validate.yaml12 import Document, YamlProblem, decode, loads

MAX_PROBLEMS = 100
"""Problems reported for one record before the rest are summed up in one line."""
NAME_FIELDS = frozenset({"name", "aliases"})
PROSE_FIELDS = frozenset({"quote", "translation", "title"} | LATEST.CURATOR_TEXT)


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """One record file or bulk line, parsed with its positions; ``record`` is its model, None when the schema
    rejected it."""

    table: str
    path: str
    doc: Document
    record: Any

    def at(self, *path: str | int) -> tuple[int, int | None]:
        return self.doc.locate(tuple(path))

    @property
    def stem(self) -> str:
        """The file's name without ``.yaml`` or ``.jsonl``: ``Path(path).stem`` at a fifth of the cost, asked of every
        record by the id rules."""
        return os.path.splitext(os.path.basename(self.path))[0]


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _field_name(loc: tuple[Any, ...]) -> str:
    """``citations.0.quote``; a key a stranger typed with spaces, colons or invisible characters is shown quoted and
    escaped."""
    return ".".join(
        str(part)
        if isinstance(part, int) or _PLAIN_KEY.fullmatch(part)
        else "'" + escape(str(part)).replace(" ", "\\x20") + "'"
        for part in loc
    )


def older_major_fix(table: str, doc: Document) -> str | None:
    """The fix for a record written in an older major this package knows, or None.

    Checking its fields against the current major would only list the schema
    change, field by field, as if each were a mistake. When the record is
    valid as it is once retagged (the change did not touch it), the fix is the
    tag; otherwise ``ailedger migrate``, which checks it in its own version and
    says what it moved.
    """
    major = doc.data.get("schema_version") if isinstance(doc.data, dict) else None
    if isinstance(major, bool) or major not in MAJORS or major == LATEST.MAJOR:
        return None
    where = f"this record is in schema v{major}, the dataset in v{LATEST.MAJOR}"
    try:
        adapter(LATEST.TABLES[table]).validate_python({**doc.data, "schema_version": LATEST.MAJOR}, strict=True)
    except ValidationError:
        return f"{where}: run ailedger migrate --to {LATEST.MAJOR} --dataset <its folder>, which says what it moved"
    return f"{where}, which changed nothing else in it: set schema_version to {LATEST.MAJOR}"


def schema_diagnostics(model: type[BaseModel], error: ErrorDetails, shown: str, doc: Document) -> Diagnostic:
    """One pydantic error as a located diagnostic with a fix-it message."""
    loc = tuple(error["loc"])
    line, col = doc.locate(loc)
    kind = error["type"]
    msg = error["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        owner: Any = model
        for part in loc[:-1]:
            if isinstance(part, str) and owner is not None:
                ann = owner.model_fields.get(part)
                owner = _item_model(ann.annotation) if ann else None
        names = list(owner.model_fields) if owner is not None else []
        table = next((t for t, m in LATEST.TABLES.items() if m is owner), "")
        hint = difflib.get_close_matches(str(loc[-1]), names, n=1)
        fix = replacement_hint(table, str(loc[-1])) or (
            f"did you mean {hint[0]!r}?" if hint else f"allowed fields: {', '.join(names)}"
        )
        return Diagnostic(shown, line, col, "schema.extra-field", _field_name(loc), f"unknown field; {fix}")
    if kind == "missing":
        return Diagnostic(shown, line, col, "schema.missing", _field_name(loc), "required field is missing; add it")
    code = "date.invalid" if kind == "date_invalid" else "schema." + kind.replace("_", "-")
    if kind == "string_pattern_mismatch" and loc and _is_id_field(loc):
        code = "id.format"
        msg = "must be a lower-case ASCII slug like 'deepseek-r1' (a-z, 0-9, single hyphens, at most 64 characters)"
        stray = next((ch for ch in str(error.get("input", "")) if not (ch.isascii() and ch.isprintable())), None)
        if stray is not None:
            msg += f"; {codepoint(stray)} is not one of them"
    if kind in ("int_type", "int_from_float", "int_parsing"):
        msg += "; write a whole number without quotes (155 million is 155000000)"
    elif kind == "string_type" and isinstance(error.get("input"), (int, float, bool)):
        msg += "; quote the value if it is text"
    elif kind == "bool_type":
        msg += "; write true or false"
    if "input" in error and error["input"] is None:
        msg += "; got an empty value (null): fill it in"
    elif "input" in error and isinstance(error["input"], bool):
        msg += f"; got {str(error['input']).lower()}"
    elif "input" in error and repr(error["input"]) not in msg:
        shown_input = error["input"]
        msg += f"; got \"{escape(shown_input)}\"" if isinstance(shown_input, str) else f"; got {escape(shown_input)}"
    return Diagnostic(shown, line, col, code, _field_name(loc), msg)


@cache
def id_fields() -> frozenset[str]:
    """Fields that hold record ids: the schema's id pattern checks them, not text hygiene."""
    return frozenset({"id", "source_id", "via"} | {name for _, name in LATEST.REFERENCES})


def _is_id_field(loc: tuple[Any, ...]) -> bool:
    names = [part for part in loc if isinstance(part, str)]
    return bool(names) and names[-1] in id_fields()


def hygiene(doc: Document, shown: str) -> list[Diagnostic]:
    """Text hygiene (:mod:`ailedger.validate.text`) of every text value in the file, names held to the stricter rules.
    """
    out: list[Diagnostic] = []
    ids = id_fields()
    if doc.unusual is not None:  # in the order of the walk below, which meets the values last to first
        for path, value in reversed(doc.unusual):
            last = next((part for part in reversed(path) if isinstance(part, str)), "")
            if last not in ids:
                out += _text_problems(doc, shown, path, last, value)
        return out
    # (path of the parent, key or index, the last field name on the path, value): a list item is checked by the
    # rules of the field holding the list; a value's own path is only built when it is needed.
    todo: list[tuple[tuple[str | int, ...], str | int | None, str, Any]] = [((), None, "", doc.data)]
    while todo:
        parent, step, last, value = todo.pop()
        if isinstance(value, str):
            if last not in ids:
                out += _text_problems(doc, shown, parent if step is None else parent + (step,), last, value)
        elif isinstance(value, dict):
            path = parent if step is None else parent + (step,)
            todo += [(path, k, k, v) for k, v in value.items()]
        elif isinstance(value, list):
            path = parent if step is None else parent + (step,)
            todo += [(path, i, last, v) for i, v in enumerate(value)]
    return out


def _text_problems(doc: Document, shown: str, path: tuple[str | int, ...], last: str, value: str) -> list[Diagnostic]:
    found = list(text.problems(value, name=last in NAME_FIELDS, prose=last in PROSE_FIELDS))
    if not found:
        return []
    line, col = doc.locate(path)
    return [Diagnostic(shown, line, col, code, _field_name(path), msg, sev) for code, sev, msg in found]


def _item_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``list[Model]`` or ``Model``, to suggest its field names."""
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _item_model(arg)
        if found is not None:
            return found
    return None


def check_file(table: str, path: Path, raw: bytes | None = None) -> tuple[ParsedRecord, list[Diagnostic]]:
    """Parse and schema-check one record file; ``raw``, its bytes if the caller read them (the cache keys on them).

    The file is returned even when it is rejected (``record`` None), so that its
    id still counts as existing and one broken file does not cascade into
    dangling references elsewhere.
    """
    shown = display(path)
    _, doc, problems = read_document(path, shown, raw)
    if doc is None:
        return ParsedRecord(table, shown, Document({}), None), problems
    loaded, found = check_document(table, doc, shown)
    return loaded, problems + found


def read_document(path: Path, shown: str, raw: bytes | None = None) -> tuple[str, Document | None, list[Diagnostic]]:
    """A record file's text and YAML document, and the file's problems: the decoding's and the YAML's warnings, or
    the error that left no document (None). The one way a record file is read, by validate, migrate and diff."""
    problems: list[Diagnostic] = []
    try:
        content, warnings = decode(path.read_bytes() if raw is None else raw)
        problems += [Diagnostic(shown, w.line, w.column, w.code, "", w.message, "warning") for w in warnings]
        doc = loads(content)
    except YamlProblem as exc:
        problems.append(Diagnostic(shown, exc.line, exc.column, exc.code, "", exc.message))
        return "", None, problems
    except OSError as exc:
        problems.append(Diagnostic(shown, None, None, "file.unreadable", "", f"cannot read: {exc.strerror}"))
        return "", None, problems
    problems += [Diagnostic(shown, w.line, w.column, w.code, "", w.message, "warning") for w in doc.warnings]
    return content, doc, problems


def version_problem(doc: Document, shown: str) -> Diagnostic | None:
    """``schema_version`` that names no major this package knows, as ``schema.version-unknown``.

    Only the whole number counts: YAML's ``2.0`` or ``true`` compare equal to a
    major in Python (and pydantic's strict ``Literal[2]`` takes 2.0), so they are
    refused here, before the models see them. A missing tag is left to the schema.
    """
    data = doc.data
    if not isinstance(data, dict) or "schema_version" not in data:
        return None
    major = data["schema_version"]
    if type(major) is int and major in MAJORS:
        return None
    known = ", ".join(map(str, MAJORS))
    whole = isinstance(major, int) or (isinstance(major, float) and major.is_integer())
    if isinstance(major, bool) or not isinstance(major, (int, float)) or not whole:
        fix = f"write the version as a whole number without quotes, one of {known}"
    elif int(major) in MAJORS:
        fix = f"write the whole number {int(major)}, without a decimal point"
    else:
        fix = (
            f"this ailedger knows {known}; a record in a newer version needs a newer ailedger (pip install -U ailedger)"
        )
    got = str(major).lower() if isinstance(major, bool) else escape(major) if isinstance(major, str) else repr(major)
    line, col = doc.locate(("schema_version",))
    return Diagnostic(
        shown, line, col, "schema.version-unknown", "schema_version", f"not a schema version: {fix}; got {got}"
    )


def check_document(table: str, doc: Document, shown: str) -> tuple[ParsedRecord, list[Diagnostic]]:
    """A parsed record, from a record file or a bulk line: text hygiene, schema version, then the schema."""
    problems = hygiene(doc, shown)
    unknown = version_problem(doc, shown)
    if unknown is not None:
        return ParsedRecord(table, shown, doc, None), [*problems, unknown]
    older = older_major_fix(table, doc)
    if older is not None:
        line, col = doc.locate(("schema_version",))
        problems.append(Diagnostic(shown, line, col, "schema.version-old", "schema_version", older))
        return ParsedRecord(table, shown, doc, None), problems
    record, found, total = in_major(table, doc, shown, LATEST.MAJOR, room=max(MAX_PROBLEMS - len(problems), 0))
    return ParsedRecord(table, shown, doc, record), capped(problems + found, len(problems) + total, shown)


def in_major(
    table: str, doc: Document, shown: str, major: int, room: int | None = None
) -> tuple[Any, list[Diagnostic], int]:
    """The record as schema ``major`` reads it, or None with the schema's problems: the first ``room`` of them
    located (a "did you mean" each, so a mangled file is not read to the end), and how many there are."""
    model = version(major).TABLES[table]
    try:
        return adapter(model).validate_python(doc.data, strict=True), [], 0
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        return None, [schema_diagnostics(model, e, shown, doc) for e in errors[:room]], len(errors)


def capped(problems: list[Diagnostic], total: int, shown: str) -> list[Diagnostic]:
    """At most ``MAX_PROBLEMS`` of a file's problems, then one line saying how many more there are.

    A hostile or mangled file (100,000 unknown keys) would otherwise cost a
    "did you mean" per key and bury every other file's report.
    """
    if total <= MAX_PROBLEMS:
        return problems
    more = total - MAX_PROBLEMS
    return [
        *problems[:MAX_PROBLEMS],
        Diagnostic(
            shown,
            None,
            None,
            "record.too-many-problems",
            "",
            f"and {more} more problems in this file; fix the ones above and run again",
        ),
    ]
