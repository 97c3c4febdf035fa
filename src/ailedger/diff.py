"""What changed between two releases, keyed by table, id and field.

A release is read from a folder of per-table ``<table>.jsonl`` files (what
``ailedger build`` writes), of ``<table>.parquet`` files (a build, or the data
inside the package), or from a dataset folder of YAML records and bulk
``.jsonl`` files. Every record is
validated against the schema version it states and compared in its full JSON
form, so the three forms of the same data show no difference. When the two
releases are in different schema majors, the old one is migrated to the new
one's first, so the changes shown are changes of data, not of schema.

A rename (the same record under a new id) is one change, not a removal and an
addition. A removed and an added record of the same table are the same record
when either

* the new record goes by the old one's name: its ``name`` equals the old name,
  or its ``aliases`` hold the old name or the old id (the documented way to
  rename: keep the old name as an alias), or
* they are equal apart from the id,

and the pairing is unique both ways. A field of another record that only
follows a rename (its old id replaced by the new one) is listed under the
rename, not as a change of that record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ailedger.errors import AiledgerError, ReleaseReadError
from ailedger.validate.diagnostics import escape

FORMAT_VERSION = 1

Records = dict[str, dict[str, dict[str, Any]]]
"""Table to id to the record's JSON form."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(slots=True)
class Change:
    """One record added, removed, changed or renamed."""

    change: str
    table: str
    id: str
    old_id: str | None = None
    fields: list[FieldChange] = field(default_factory=list)
    record: dict[str, Any] | None = None
    aliases: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Release:
    """The records of one release and the schema major they are in."""

    records: Records
    major: int
    dataset_version: str | None = None


def _tables() -> list[str]:
    from ailedger.schema import LATEST

    return list(LATEST.TABLES)


REBUILD = "rebuild it with ailedger build"
"""What to do about a bad record in a release: releases are written by the build, never by hand."""
REVALIDATE = "run ailedger validate on it"


def _normalised(table: str, data: Any, where: str, fix: str = REBUILD) -> dict[str, Any]:
    """A record in its full JSON form (defaults filled in), checked against the schema version it states."""
    from pydantic import ValidationError

    from ailedger.schema import adapter, version

    major: Any = data.get("schema_version") if isinstance(data, dict) else None
    try:
        return adapter(version(major).TABLES[table]).validate_python(data, strict=True).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = ".".join(map(str, first["loc"]))
        raise ReleaseReadError(f"{where}: {loc}: {first['msg']}; {fix}") from None
    except AiledgerError as exc:  # not a schema_version this package knows
        raise ReleaseReadError(f"{where}: {exc}") from None


def _jsonl(file: Path, table: str, shown: Path, fix: str = REBUILD) -> Iterator[dict[str, Any]]:
    for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ReleaseReadError(f"{shown}:{n}: not JSON ({exc.msg})") from None
            yield _normalised(table, data, f"{shown}:{n}", fix)


def _parquet(file: Path, table: str, shown: Path) -> Iterator[dict[str, Any]]:
    """Rows of a Parquet table, read with the models of the schema version its metadata names."""
    import pyarrow.parquet as pq

    from ailedger.arrow import from_table
    from ailedger.schema import version

    data = pq.read_table(file)
    stated = (data.schema.metadata or {}).get(b"ailedger.schema_version", b"").decode()
    try:
        model = version(int(stated.split("-")[0])).TABLES[table]
    except (ValueError, AiledgerError):
        raise ReleaseReadError(
            f"{shown}: metadata ailedger.schema_version is {stated!r}, not a known schema version"
        ) from None
    for record in from_table(data, model):
        yield record.model_dump(mode="json")


def _dataset_table(folder: Path, table: str) -> Iterator[dict[str, Any]]:
    """The records of a dataset's table folder: each YAML record file, then each line of its bulk files."""
    from ailedger.validate.files import BULK_SUFFIX, RECORD_SUFFIX
    from ailedger.validate.record import read_document

    for file in sorted(folder.glob(f"*{RECORD_SUFFIX}")):
        _, doc, problems = read_document(file, str(file))
        if doc is None:
            where = ":".join(str(p) for p in (file, problems[-1].line, problems[-1].column) if p is not None)
            raise ReleaseReadError(f"{where}: {problems[-1].message}; {REVALIDATE}")
        yield _normalised(table, doc.data, str(file), REVALIDATE)
    for file in sorted(folder.glob(f"*{BULK_SUFFIX}")):
        yield from _jsonl(file, table, file, REVALIDATE)


def read(path: Path, shown: Path | None = None) -> Release:
    """The records of a release folder (JSON Lines or Parquet per table) or of a dataset folder (YAML and bulk files).

    Problems name files under ``shown`` (default ``path``): the build reads the
    release it is writing in a staging folder, but reports it under the folder
    the user asked for.
    """
    shown = path if shown is None else shown
    if not path.is_dir():
        raise ReleaseReadError(
            f"{path}: no such folder; give a release folder (ailedger build --out) or a dataset folder"
        )
    records: Records = {}
    for table in _tables():
        if (path / f"{table}.jsonl").is_file():
            rows = _jsonl(path / f"{table}.jsonl", table, shown / f"{table}.jsonl")
        elif (path / f"{table}.parquet").is_file():
            rows = _parquet(path / f"{table}.parquet", table, shown / f"{table}.parquet")
        elif (path / table).is_dir():
            rows = _dataset_table(path / table, table)
        else:
            continue
        records[table] = {r["id"]: r for r in rows}
    if not records:
        raise ReleaseReadError(
            f"{path}: holds no <table>.jsonl, <table>.parquet or <table>/ folder of records; "
            "give a release folder (ailedger build --out) or a dataset folder"
        )
    majors = {r["schema_version"] for recs in records.values() for r in recs.values()}
    if len(majors) > 1:
        raise ReleaseReadError(
            f"{shown}: records are in several schema versions ({sorted(majors)}); migrate them to one (ailedger "
            "migrate)"
        )
    return Release(records, majors.pop() if majors else 0, _dataset_version(path))


def _dataset_version(path: Path) -> str | None:
    """The dataset version a release (``datapackage.json``) or the packaged data (``manifest.json``) states."""
    for name, key in (("datapackage.json", "version"), ("manifest.json", "dataset_version")):
        if (path / name).is_file():
            return json.loads((path / name).read_text(encoding="utf-8")).get(key)
    return None


def _migrated(release: Release, major: int) -> Release:
    from ailedger.schema.migrations import migrate

    records = {
        table: {rid: _normalised(table, migrate(table, rec, major)[0], f"{table}/{rid}") for rid, rec in recs.items()}
        for table, recs in release.records.items()
    }
    return Release(records, major, release.dataset_version)


def _replace_ids(value: Any, renames: dict[str, str]) -> Any:
    if isinstance(value, str):
        return renames.get(value, value)
    if isinstance(value, list):
        return [_replace_ids(v, renames) for v in value]
    if isinstance(value, dict):
        return {k: _replace_ids(v, renames) for k, v in value.items()}
    return value


def _same_record(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether ``new`` is ``old`` under another id (see the module docstring for the rule)."""
    if {k: v for k, v in old.items() if k != "id"} == {k: v for k, v in new.items() if k != "id"}:
        return True
    name = old.get("name")
    return name is not None and (
        new.get("name") == name or name in new.get("aliases", []) or old["id"] in new.get("aliases", [])
    )


def _renames(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]], removed: list[str], added: list[str]
) -> dict[str, str]:
    """Removed id to added id, for the pairs that are the same record and match no other."""
    matches = {r: [a for a in added if _same_record(old[r], new[a])] for r in removed}
    claimed: dict[str, int] = {}
    for found in matches.values():
        for a in found:
            claimed[a] = claimed.get(a, 0) + 1
    return {r: found[0] for r, found in matches.items() if len(found) == 1 and claimed[found[0]] == 1}


def _fields(
    old: dict[str, Any], new: dict[str, Any], renames: dict[str, str], where: str, followed: dict[str, list[str]]
) -> list[FieldChange]:
    """Field changes from ``old`` to ``new``; fields that only follow a rename go to ``followed`` instead."""
    out = []
    for name in [*new, *(k for k in old if k not in new)]:
        before, after = old.get(name), new.get(name)
        if name == "id" or before == after:
            continue
        if _replace_ids(before, renames) == after:
            for old_id, new_id in renames.items():
                if _replace_ids(before, {old_id: new_id}) != before:
                    followed.setdefault(new_id, []).append(f"{where}.{name}")
            continue
        out.append(FieldChange(name, before, after))
    return out


def compare(old: Release, new: Release) -> list[Change]:
    """Every record added, removed, changed or renamed from ``old`` to ``new``, by table (in schema order) and id."""
    if old.major != new.major and old.major and new.major:
        old = _migrated(old, new.major)
    renames: dict[str, dict[str, str]] = {}
    for table in _tables():
        before, after = old.records.get(table, {}), new.records.get(table, {})
        removed = sorted(before.keys() - after.keys())
        added = sorted(after.keys() - before.keys())
        renames[table] = _renames(before, after, removed, added)
    every = {o: n for pairs in renames.values() for o, n in pairs.items()}
    followed: dict[str, list[str]] = {}
    changes: list[Change] = []
    for table in _tables():
        before, after = old.records.get(table, {}), new.records.get(table, {})
        paired = renames[table]
        for rid in sorted(before.keys() | after.keys()):
            if rid in paired:
                new_id = paired[rid]
                fields = _fields(before[rid], after[new_id], every, f"{table}/{new_id}", followed)
                changes.append(
                    Change("renamed", table, new_id, rid, fields, aliases=list(after[new_id].get("aliases", [])))
                )
            elif rid in before and rid in after:
                fields = _fields(before[rid], after[rid], every, f"{table}/{rid}", followed)
                if fields:
                    changes.append(Change("changed", table, rid, fields=fields))
            elif rid in before and rid not in paired:
                changes.append(Change("removed", table, rid, record=before[rid]))
            elif rid in after and rid not in paired.values():
                changes.append(Change("added", table, rid, record=after[rid]))
    for c in changes:
        if c.change == "renamed":
            c.references = sorted(followed.get(c.id, []))
    return changes


def counts(changes: list[Change]) -> dict[str, int]:
    return {kind: sum(c.change == kind for c in changes) for kind in ("added", "removed", "changed", "renamed")}


@dataclass(slots=True)
class Report:
    """The changes between two releases, with how to name them and the schema majors they were in."""

    old: str
    new: str
    old_release: Release
    new_release: Release
    changes: list[Change]

    def to_json(self) -> str:
        """The machine form (``CHANGES.json``): format version, the two releases, counts and every change."""
        doc = {
            "version": FORMAT_VERSION,
            "old": self._about(self.old, self.old_release),
            "new": self._about(self.new, self.new_release),
            "counts": counts(self.changes),
            "changes": [{k: v for k, v in asdict(c).items() if v not in (None, [])} for c in self.changes],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    @staticmethod
    def _about(label: str, release: Release) -> dict[str, Any]:
        return {"release": label, "dataset_version": release.dataset_version, "schema_version": release.major}

    def to_markdown(self) -> str:
        """The form for people (release notes): one line per change, grouped by table."""
        summary = ", ".join(f"{v} {k}" for k, v in counts(self.changes).items())
        lines = [f"## Changes from {self.old} to {self.new}", "", f"{len(self.changes)} changes: {summary}."]
        old, new = self.old_release.major, self.new_release.major
        if old != new:
            lines.append(f"The old release is in schema v{old}; it was migrated to v{new} before comparing.")
        for table in _tables():
            mine = [c for c in self.changes if c.table == table]
            if mine:
                lines += ["", f"### {table}", "", *(_line(c) for c in mine)]
        return "\n".join(lines) + "\n"


def diff(old: Path, new: Path) -> Report:
    """The changes from release (or dataset) folder ``old`` to ``new``."""
    before, after = read(old), read(new)
    return Report(str(old), str(new), before, after, compare(before, after))


def _shown(value: Any) -> str:
    return escape(json.dumps(value, ensure_ascii=False), 100)


def _leaves(path: str, old: Any, new: Any) -> Iterator[tuple[str, Any, Any]]:
    """The innermost parts that differ: into objects by key and into same-length lists of objects by index."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*new, *(k for k in old if k not in new)]:
            if old.get(key) != new.get(key):
                yield from _leaves(f"{path}.{key}", old.get(key), new.get(key))
    elif (
        isinstance(old, list)
        and isinstance(new, list)
        and len(old) == len(new)
        and all(isinstance(v, dict) for v in old + new)
    ):
        for i, (a, b) in enumerate(zip(old, new)):
            if a != b:
                yield from _leaves(f"{path}[{i}]", a, b)
    else:
        yield path, old, new


def _field_text(f: FieldChange) -> str:
    parts = []
    for path, old, new in _leaves(f.field, f.old, f.new):
        if isinstance(old, list) and isinstance(new, list):
            diff = [f"+ {_shown(v)}" for v in new if v not in old] + [f"- {_shown(v)}" for v in old if v not in new]
            parts.append(f"`{path}`: {', '.join(diff) or 'reordered'}")
        else:
            parts.append(f"`{path}`: {_shown(old)} → {_shown(new)}")
    return "; ".join(parts)


def _line(c: Change) -> str:
    fields = "; ".join(_field_text(f) for f in c.fields)
    if c.change == "renamed":
        trail = f" (aliases: {', '.join(escape(a) for a in c.aliases)})" if c.aliases else ""
        refs = f"; references followed: {', '.join(c.references)}" if c.references else ""
        return f"- renamed `{c.old_id}` → `{c.id}`{trail}{'; ' + fields if fields else ''}{refs}"
    if c.change == "changed":
        return f"- changed `{c.id}`: {fields}"
    record = c.record or {}
    label = record.get("name") or record.get("title") or record.get("summary") or record.get("statement")
    if c.table == "metrics" and not label:
        label = (
            f"{record.get('subject_id')} {str(record.get('metric', '')).replace('_', ' ')} {record.get('value', 0):,}"
        )
    return f"- {c.change} `{c.id}`" + (f": {escape(label)}" if label else "")
