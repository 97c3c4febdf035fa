"""What the cross-record rules see: the records of a run, indexed by id when the context is made.

The index is built here, once, rather than by a rule, so the rules of
:mod:`ailedger.validate.rules` have no order and no side effects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ailedger.schema import LATEST
from ailedger.texts import Store
from ailedger.validate.diagnostics import Diagnostic, Severity
from ailedger.validate.quotes import SourceTexts
from ailedger.validate.record import ParsedRecord


class IdIndex(Mapping[str, str]):
    """Id -> table of every record of the run, read-only.

    ``first`` holds the ids of the record files; ``more`` yields the ids only
    the bulk run holds, and is read only when an id is not among the first (a
    dangling reference, a "did you mean"), since it may be a million ids.
    """

    def __init__(self, first: dict[str, str], more: Callable[[], Iterable[tuple[str, str]]] | None = None) -> None:
        self._first = first
        self._more = more
        self._rest: dict[str, str] | None = None if more is not None else {}

    def _extra(self) -> dict[str, str]:
        if self._rest is None:
            assert self._more is not None
            self._rest = {rid: table for rid, table in self._more() if rid not in self._first}
        return self._rest

    def __getitem__(self, key: str) -> str:
        found = self._first.get(key)
        return found if found is not None else self._extra()[key]

    def __iter__(self) -> Iterator[str]:
        yield from self._first
        yield from self._extra()

    def __len__(self) -> int:
        return len(self._first) + len(self._extra())


@dataclass(slots=True)
class Context:
    """What the rules see: the records, the source texts, and every id of the run.

    ``records`` are record files; ``bulk_rows`` are the bulk rows the column
    checks could not clear (their ids and file were checked by the bulk run);
    ``bulk_ids`` yields every id of the bulk files, for references.
    """

    records: list[ParsedRecord]
    texts: Store | None
    bulk_rows: list[ParsedRecord] = field(default_factory=list)
    bulk_ids: Callable[[], Iterable[tuple[str, str]]] | None = None
    require_texts: bool = False
    checked: list[ParsedRecord] | None = None
    """The records the rules judge, when not all: a cached run judges only records whose verdicts it does not have
    (every record still lends its id, names and dates through :attr:`by_id` and :meth:`all_valid`)."""
    """Whether a source whose text cannot be had is an error (``--require-texts``) rather than a warning."""
    by_id: dict[str, ParsedRecord] = field(init=False)
    """The first record file of each id."""
    table_of: IdIndex = field(init=False)
    source_texts: SourceTexts = field(init=False)
    _candidates: dict[tuple[str, ...], list[str]] = field(init=False)
    _valid: list[ParsedRecord] = field(init=False)
    """The records and bulk rows that passed the schema, in order: every rule walks them, some more than once."""
    _valid_in: dict[str, list[ParsedRecord]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {}
        tables: dict[str, str] = {}
        for rec in self.records:
            rid = record_id(rec)
            if rid in self.by_id:
                continue
            self.by_id[rid] = rec
            tables[rid] = rec.table
            if rec.record is None:  # a rejected file also answers to its file name, so its mistake does not cascade
                tables.setdefault(rec.stem, rec.table)
        self.table_of = IdIndex(tables, self.bulk_ids)
        hashes = {r.record.id: r.record.sha256 for r in self.records if r.table == "sources" and r.record is not None}
        self.source_texts = SourceTexts(self.texts, hashes)
        self._candidates = {}
        self._valid = [r for r in (*self.records, *self.bulk_rows) if r.record is not None]
        self._valid_in = {}
        for rec in self._valid:
            self._valid_in.setdefault(rec.table, []).append(rec)

    def candidates(self, allowed: tuple[str, ...]) -> list[str]:
        """The well-formed ids in the ``allowed`` tables, to suggest for a dangling reference."""
        if allowed not in self._candidates:
            self._candidates[allowed] = [i for i, t in self.table_of.items() if t in allowed and is_slug(i)]
        return self._candidates[allowed]

    def diag(
        self, rec: ParsedRecord, loc: tuple[str | int, ...], code: str, message: str, severity: Severity = "error"
    ) -> Diagnostic:
        line, col = rec.at(*loc)
        return Diagnostic(rec.path, line, col, code, ".".join(map(str, loc)), message, severity)

    def source(self, source_id: str) -> Any | None:
        """The valid source record of ``source_id``, else None (a dangling or rejected one is another rule's report)."""
        return self.record(source_id, "sources")

    def record(self, rid: str, table: str) -> Any | None:
        """The valid record of ``rid`` in ``table``, else None (a dangling or rejected one is another rule's report)."""
        found = self.by_id.get(rid)
        return found.record if found is not None and found.table == table else None

    def valid(self, *tables: str) -> Iterator[ParsedRecord]:
        """The records and bulk rows that passed the schema and are to be judged (all of them unless ``checked``);
        only those of ``tables`` when they are named."""
        if self.checked is None:
            return self.all_valid(*tables)
        judged = (r for r in self.checked if r.record is not None)
        return (r for r in judged if r.table in tables) if tables else judged

    def all_valid(self, *tables: str) -> Iterator[ParsedRecord]:
        """Every record and bulk row that passed the schema (of ``tables``): for looking up what other records say."""
        if len(tables) == 1:
            return iter(self._valid_in.get(tables[0], ()))
        return (r for r in self._valid if r.table in tables) if tables else iter(self._valid)


Rule = Callable[[Context], Iterator[Diagnostic]]


def _stated_id(rec: ParsedRecord) -> str | None:
    if rec.record is not None:
        return rec.record.id
    value = rec.doc.data.get("id")
    return value if isinstance(value, str) else None


def is_slug(value: str) -> bool:
    """Only a well-formed id is worth suggesting as a fix."""
    return re.fullmatch(LATEST.ID_PATTERN, value, re.ASCII) is not None


def record_id(rec: ParsedRecord) -> str:
    """The id a record goes by: the one it states, else its file name (for files that did not parse)."""
    return _stated_id(rec) or rec.stem
