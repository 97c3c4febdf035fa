"""Rewriting a dataset folder into another schema major version, losing nothing.

Each record file is read strictly, checked against the schema version it
states, migrated (:mod:`ailedger.schema.migrations`) and checked again: the
result must be valid in the target version and, for an up-migration, must
migrate back to exactly the original. Only then is anything written.

Files are edited rather than re-serialised: ruamel.yaml's round-trip mode keeps
key order, quoting, flow lists and comments, so a rewritten file differs from
the original only on the lines the schema change touches. All new files are
written as temporary files first and then renamed into place; records state
their own version, so a run cut short is finished by running it again.

Bulk files (``metrics/<name>.jsonl``) hold up to millions of records, so they
are streamed: the plan reads each line, checks and migrates it exactly as a
record file, and keeps only what it decided; writing reads the file again and
writes each migrated line as bulk files are written (``json.dumps`` with text
as UTF-8, one object per line, key order kept) and lines already in the target
version as they were.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ailedger.errors import MigrationError
from ailedger.schema import adapter, version
from ailedger.schema.migrations import Note, migrate
from ailedger.validate.diagnostics import Diagnostic, sort
from ailedger.validate.files import BULK_SUFFIX, discover, display
from ailedger.validate.jsonl import read_line, skip_bom
from ailedger.validate.record import in_major, read_document, version_problem
from ailedger.validate.yaml12 import Document, loads


@dataclass(slots=True)
class Plan:
    """What a migration of a folder to major ``to`` would do: new file texts, its notes, and problems that stop it."""

    to: int
    texts: dict[Path, str] = field(default_factory=dict)
    bulk: dict[Path, str] = field(default_factory=dict)
    """Bulk files with lines to migrate, each with its table; :func:`write` migrates them line by line."""
    migrated: int = 0
    notes: list[tuple[str, Note]] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    unchanged: int = 0

    @property
    def lost(self) -> list[tuple[str, Note]]:
        return [(path, note) for path, note in self.notes if note.lost]


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 16
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


def _styled(value: Any) -> Any:
    """A new value in the dataset's house style: text double-quoted."""
    if isinstance(value, str):
        return DoubleQuotedScalarString(value)
    if isinstance(value, list):
        return [_styled(v) for v in value]
    if isinstance(value, dict):
        return {k: _styled(v) for k, v in value.items()}
    return value


def _same(node: Any, value: Any) -> bool:
    return node == value and isinstance(node, bool) == isinstance(value, bool)


def sync(node: Any, new: Any) -> Any:
    """``node`` (ruamel round-trip data) changed in place to equal ``new``, keeping what did not change as it was."""
    if isinstance(node, CommentedMap) and isinstance(new, dict):
        # Removed values with their line comments, so a renamed key keeps both.
        removed = [(node.pop(key), node.ca.items.pop(key, None)) for key in [k for k in node if k not in new]]
        for i, (key, value) in enumerate(new.items()):
            if key in node:
                node[key] = sync(node[key], value)
                continue
            reuse = next(((old, comment) for old, comment in removed if _same(old, value)), None)
            node.insert(i, key, reuse[0] if reuse else _styled(value))
            if reuse and reuse[1] is not None:
                node.ca.items[key] = reuse[1]
        return node
    if isinstance(node, CommentedSeq) and isinstance(new, list):
        if len(node) == len(new):
            for i, value in enumerate(new):
                node[i] = sync(node[i], value)
        else:
            node[:] = _styled(new)
        return node
    if _same(node, new):
        return node
    if isinstance(node, str) and isinstance(new, str):
        return type(node)(new)  # keep the quoting style
    return _styled(new)


def _rewritten(text: str, new: dict[str, Any]) -> str:
    yaml = _yaml()
    doc = yaml.load(text)
    out = io.StringIO()
    yaml.dump(sync(doc, new), out)
    return out.getvalue()


def _check(table: str, data: Any, shown: str, doc: Any) -> list[Diagnostic]:
    """Schema problems of a record in the version it states."""
    unknown = version_problem(doc, shown)
    if unknown is not None:
        return [unknown]
    major = data.get("schema_version") if isinstance(data, dict) else None
    if major is None:
        line, col = doc.locate(())
        return [Diagnostic(shown, line, col, "schema.missing", "schema_version", "required field is missing; add it")]
    return in_major(table, doc, shown, major)[1]


def plan(dataset: Path, to: int) -> Plan:
    """Everything a migration of ``dataset`` to major ``to`` would write and note, without writing."""
    version(to)  # an unknown target is a usage error, before any file is read
    files, problems = discover([dataset])
    result = Plan(to, problems=problems)
    for table, path in files:
        shown = display(path)
        if path.suffix == BULK_SUFFIX:
            _plan_bulk(result, table, path, shown)
            continue
        text, doc, found = read_document(path, shown)
        if doc is None:
            result.problems += [d for d in found if d.severity == "error"]
            continue
        new = _migrated(result, table, doc, shown, None)
        if new is None:
            continue
        rewritten = _rewritten(text, new)
        if loads(rewritten).data != new:
            raise MigrationError(
                f"{shown}: the rewritten file does not read back as the migrated record; this is a bug"
            )
        result.texts[path] = rewritten
    result.problems = sort(result.problems)
    return result


def _migrated(result: Plan, table: str, doc: Document, shown: str, line: int | None) -> dict[str, Any] | None:
    """The record in the target major, proven lossless; None when it already is or cannot be (``result`` says why).

    Shared by record files and the lines of bulk files, so both are checked alike.
    """
    to = result.to
    where = shown if line is None else f"{shown}:{line}"
    found = _check(table, doc.data, shown, doc)
    if found:
        result.problems += found
        return None
    old = doc.data
    if old["schema_version"] == to:
        result.unchanged += 1
        return None
    try:
        new, notes = migrate(table, old, to)
    except MigrationError as exc:
        result.problems.append(Diagnostic(shown, line, None, "migrate.refused", "", str(exc)))
        return None
    adapter(version(to).TABLES[table]).validate_python(new, strict=True)
    if to > old["schema_version"] and migrate(table, new, old["schema_version"])[0] != old:
        raise MigrationError(
            f"{where}: migrating to {to} and back does not give the record back; this is a bug in the migration"
        )
    result.migrated += 1
    result.notes += [(where, note) for note in notes]
    return new


def _plan_bulk(result: Plan, table: str, path: Path, shown: str) -> None:
    """Every line of a bulk file checked and migrated as a record file is, one line in memory at a time."""
    before = result.migrated
    with path.open("rb") as fh:
        skip_bom(fh)  # as validate does: a warning there, and the file is written without it
        for line, raw in enumerate(fh, start=1):
            doc = read_line(raw.rstrip(b"\r\n"), line, shown)
            if isinstance(doc, Diagnostic):
                result.problems.append(doc)
            else:
                _migrated(result, table, doc, shown, line)
    if result.migrated > before:
        result.bulk[path] = table


def _bulk_lines(table: str, path: Path, to: int) -> Iterator[bytes]:
    """The lines of a planned bulk file in major ``to``; the plan has checked every one."""
    with path.open("rb") as fh:
        skip_bom(fh)
        for raw in fh:
            old = json.loads(raw)
            if old["schema_version"] == to:
                yield raw
            else:
                yield json.dumps(migrate(table, old, to)[0], ensure_ascii=False).encode("utf-8") + b"\n"


def write(result: Plan) -> None:
    """Put the planned texts and bulk files in place: every file written beside its target first, then renamed over it.
    """
    temps: list[tuple[Path, Path]] = []
    todo: list[tuple[Path, Iterable[bytes]]] = [(path, [text.encode("utf-8")]) for path, text in result.texts.items()]
    todo += [(path, _bulk_lines(table, path, result.to)) for path, table in result.bulk.items()]
    try:
        for path, chunks in todo:
            tmp = path.with_name(f".{path.name}.migrating")
            temps.append((tmp, path))
            with tmp.open("wb") as fh:
                fh.writelines(chunks)
                fh.flush()
                os.fsync(fh.fileno())
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in temps:
        os.replace(tmp, path)
