"""Moving records between schema major versions, one step at a time, losing nothing.

A migration works on a record in its plain JSON form (the dict a YAML file or
``model_dump(mode="json")`` gives) and returns the record in the next (or
previous) major version together with :class:`Note` s saying what it decided.
Steps keep the order of a record's keys, so a rewritten file differs from the
original only where the schema changed.

Up-migrations are lossless: ``down(up(r)) == r`` for every valid record, which
``ailedger migrate`` checks again before it writes. A down-migration can only
keep what the older schema can say; whatever it has to drop is returned as a
note with ``lost=True``.

v1 -> v2 moves ``released`` to the kind of date its quotes state: wording of
weights (``Gewichte``, ``weights``) gives ``weights_released``; of an
announcement (``angekündigt``, ``bekannt gegeben``, ``announced``) gives
``announced``; of a launch (``lanciert``, ``herausgebracht``, ``auf den Markt
gebracht``, ``launched``, ``released``) gives ``available``. When the quotes
match none of these, or disagree, the date goes to ``announced`` (the earliest
kind, so it never claims the public could already use the model) and
:data:`UNCLEAR_NOTE` is added to the record's ``notes`` for a curator to check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ailedger.errors import MigrationError, SchemaVersionError
from ailedger.schema import MAJORS

Record = dict[str, Any]
Step = Callable[[str, Record], tuple[Record, list["Note"]]]
"""A migration step: (table, record) to the record one major up or down, and what it decided."""


@dataclass(frozen=True, slots=True)
class Note:
    """What a migration step decided for one field of one record; ``lost`` when a value was dropped."""

    table: str
    id: str
    field: str
    message: str
    lost: bool = False

    def text(self) -> str:
        return f"{self.table} {self.id}: {self.field}: {self.message}"


DATE_KINDS = ("announced", "available", "weights_released")
"""The v2 fields that v1's ``released`` becomes."""

WORDING: dict[str, re.Pattern[str]] = {
    "weights_released": re.compile(r"gewichte|\bweights?\b|open[- ]weight", re.IGNORECASE),
    "announced": re.compile(
        r"angekündigt|ankündig|kündigte\b[^.]*\ban\b|bekannt ?gegeben|bekanntgab|\bgab\b[^.]*\bbekannt\b"
        r"|vorgestellt|announc|unveil",
        re.IGNORECASE,
    ),
    "available": re.compile(
        r"lancier|launch|auf den markt gebracht|herausgebracht|veröffentlicht|verfügbar|\breleas|available"
        r"|rolled out|ausgerollt|eingeführt",
        re.IGNORECASE,
    ),
}
"""Words in a quote that say which kind of release date it states (German and English sources)."""

REPLACED: dict[tuple[str, str], tuple[str, ...]] = {("models", "released"): DATE_KINDS}
"""v1 fields that v2 replaced: (table, v1 field) to the v2 fields that took its place, for the validator's hints."""


def replacement_hint(table: str, name: str) -> str | None:
    """How to fix a record that still uses ``name`` after a schema change replaced it, or None."""
    new = REPLACED.get((table, name))
    if new is None:
        return None
    return f"schema v2 replaced {name} with {', '.join(new[:-1])} and {new[-1]}: use the one its quote states"


UNCLEAR_NOTE = (
    "Schema v2 migration: the date was v1's `released`; its quotes do not say clearly whether the model was "
    "announced, made available or had its weights published, so it is under `announced`. Check the source "
    "and move it to the field the source states."
)
"""The note the v1 -> v2 migration adds when it cannot tell the kind of a release date."""


def date_kind(quotes: list[str]) -> str | None:
    """The kind of release date the quotes state, or None when they state none or disagree.

    Wording about weights wins within a quote ("released the weights" is a
    weights release); different kinds across quotes are a disagreement.
    """
    kinds = set()
    for quote in quotes:
        found = [kind for kind, words in WORDING.items() if words.search(quote)]
        if "weights_released" in found:
            found = ["weights_released"]
        if len(found) != 1:
            return None
        kinds.add(found[0])
    return kinds.pop() if len(kinds) == 1 else None


def _renamed(record: Record, old: str, new: str) -> Record:
    """``record`` with key ``old`` called ``new``, in the same place."""
    return {(new if key == old else key): value for key, value in record.items()}


def _retagged(record: Record, major: int) -> Record:
    return {**record, "schema_version": major}


def _supports_mapped(record: Record, mapping: Callable[[str], str | None]) -> Record:
    """Each citation's ``supports`` names mapped (None drops the name); citations left empty are dropped."""
    if "citations" not in record:
        return record
    citations = []
    for cite in record["citations"]:
        names = [m for m in map(mapping, cite["supports"]) if m is not None]
        if names:
            citations.append({**cite, "supports": names})
    return {**record, "citations": citations}


def v1_to_v2(table: str, record: Record) -> tuple[Record, list[Note]]:
    """One v1 record as v2: a model's ``released`` moves to the kind of date its quotes state."""
    out = _retagged(record, 2)
    if table != "models":
        return out, []
    citations = record.get("citations", [])
    for cite in citations:
        taken = set(cite["supports"]) & {*DATE_KINDS, "notes"}
        if taken:
            raise MigrationError(
                f"models {record['id']}: supports names {', '.join(sorted(taken))}, which is not a v1 field; "
                "fix the record (ailedger validate) before migrating"
            )
    quotes = [c["quote"] for c in citations if "released" in c["supports"]]
    kind = date_kind(quotes)
    target = kind or "announced"
    out = _renamed(out, "released", target)
    out = _supports_mapped(out, lambda name: target if name == "released" else name)
    if record.get("released") is None:
        return out, []
    if kind is None:
        out["notes"] = [UNCLEAR_NOTE]
        return out, [
            Note(
                table,
                record["id"],
                "released",
                "moved to announced with a note: its quotes do not say which kind of date",
            )
        ]
    return out, [Note(table, record["id"], "released", f"moved to {target}, as its quote says")]


ARCHIVE_FIELDS = ("archive_url", "archive_sha256", "extractor")
"""The source fields of schema 2-1-0 (a text rebuilt from a web-archive snapshot); v1 has none of them."""


def v2_to_v1(table: str, record: Record) -> tuple[Record, list[Note]]:
    """One v2 record as v1, whose single ``released`` keeps the date the public could use it, else the others.

    What v1 cannot say is dropped and listed as lost: a source's archive fields,
    a model's other dates and notes, a metric's ``formula`` (schema 2-1-1). The
    formula is dropped rather than refused because the prose ``derivation``
    beside it stays: a v1 reader keeps the figure and how it was computed, only
    not in the form the validator recomputes.

    A model that names no developer cannot be a v1 record at all (v1 requires
    ``organization_id``): that is a :class:`MigrationError`, not a made-up value.
    """
    out = _retagged(record, 1)
    if table == "sources":
        dropped = [Note(table, record["id"], k, f"dropped {record[k]!r}: v1 sources have no {k}", lost=True)
                 for k in ARCHIVE_FIELDS if record.get(k) is not None]
        return {k: v for k, v in out.items() if k not in ARCHIVE_FIELDS}, dropped
    if table == "metrics":
        formula = record.get("formula")
        dropped = [] if formula is None else [Note(
            table, record["id"], "formula", f"dropped {formula!r}: v1 metrics have no formula (derivation stays)",
            lost=True,
        )]
        return {k: v for k, v in out.items() if k != "formula"}, dropped
    if table != "models":
        return out, []
    rid = record["id"]
    if record.get("organization_id") is None:
        raise MigrationError(
            f"models {rid}: names no developer (organization_id is null), which schema v1 requires; "
            "this record cannot be written in v1"
        )
    notes: list[Note] = []
    present = [k for k in record if k in DATE_KINDS]
    dated = [k for k in ("available", "weights_released", "announced") if record.get(k) is not None]
    kept = dated[0] if dated else ""
    for name in dated[1:]:
        notes.append(
            Note(
                table,
                rid,
                name,
                f"dropped {record[name]} (and quotes backing only it): v1 keeps one release date, {kept}",
                lost=True,
            )
        )
    for text in record.get("notes", []):
        if text != UNCLEAR_NOTE:
            notes.append(Note(table, rid, "notes", f"dropped {text!r}: v1 has no notes", lost=True))
    if present:
        first = present[0]
        out = {("released" if k == first else k): (record.get(kept) if k == first else v)
               for k, v in out.items() if k not in DATE_KINDS or k == first}
    out.pop("notes", None)
    # A v1 date came from every name of a date kind when none is set (rule-invalid supports), else from the kept one.
    back = {kept} if kept else set(DATE_KINDS)
    out = _supports_mapped(out, lambda name: "released" if name in back else (None if name in dated else name))
    return out, notes


UP: dict[int, Step] = {1: v1_to_v2}
"""Major N to the step that turns an N record into an N+1 record."""

DOWN: dict[int, Step] = {2: v2_to_v1}
"""Major N to the step that turns an N record into an N-1 record."""


def migrate(table: str, record: Record, to: int) -> tuple[Record, list[Note]]:
    """``record`` (in the major its ``schema_version`` states) in major ``to``, through every step between."""
    if to not in MAJORS:
        raise SchemaVersionError(to, MAJORS)
    major = record.get("schema_version")
    if isinstance(major, bool) or major not in MAJORS:
        raise SchemaVersionError(major, MAJORS)
    notes: list[Note] = []
    while major != to:
        step = UP[major] if major < to else DOWN[major]
        record, found = step(table, record)
        notes += found
        major = record["schema_version"]
    return record, notes
