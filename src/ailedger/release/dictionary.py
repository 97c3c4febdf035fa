"""The data dictionary: every table and field, generated from the schema models.

One text serves ``docs/data-dictionary.md`` and the release's dataset card, so
the two cannot disagree with each other or with the models. Types and allowed
values come from the annotations, meanings from the field descriptions, and
examples from the packaged data, so a change to any of them shows up as drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ailedger.arrow import unwrap
from ailedger.dates import FuzzyDate
from ailedger.schema import LATEST, SCHEMA_VERSION
from ailedger.schema.fields import needs_citation

_EXAMPLE_WIDTH = 70


def _describe(annotation: Any, metadata: list[Any], targets: tuple[str, ...]) -> tuple[str, str]:
    """(type, allowed values) of one annotation, in words a reader of the Parquet files needs."""
    bare, nullable, bounds = unwrap(annotation, metadata)
    kind, allowed = _describe_bare(bare, bounds, targets)
    return f"{kind} or null" if nullable else kind, allowed


def _describe_bare(bare: Any, bounds: dict[str, Any], targets: tuple[str, ...]) -> tuple[str, str]:
    origin = get_origin(bare)
    if origin is list:
        kind, allowed = _describe(get_args(bare)[0], [], targets)
        allowed = "; ".join(
            filter(None, [allowed, f"at least {bounds['min_length']}" if "min_length" in bounds else ""])
        )
        return f"list of {kind}", allowed
    if origin is Literal:
        values = get_args(bare)
        kind = "integer" if all(isinstance(v, int) for v in values) else "text"
        return kind, ", ".join(f"`{v}`" for v in values)
    if bare is FuzzyDate:
        return "date", "EDTF: `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `[START..END]`"
    if isinstance(bare, type) and issubclass(bare, BaseModel):
        return bare.__name__.lower(), f"see {bare.__name__}"
    if bare is bool:
        return "boolean", "`true`, `false`"
    if bare is int:
        low, high = bounds.get("ge"), bounds.get("le")
        high_text = "2^63−1" if high == LATEST.MAX_INT64 else str(high)
        return "integer", f"{low} to {high_text}" if low is not None else ""
    if bare is str:
        if bounds.get("pattern") == LATEST.ID_PATTERN:
            kind = f"id of {' or '.join(targets)}" if targets else "id"
            return kind, "lower-case slug, at most 64 characters"
        if "pattern" in bounds:
            return "text", f"pattern `{bounds['pattern']}`"
        if "max_length" in bounds:
            return "text", f"{bounds.get('min_length', 0)} to {bounds['max_length']} characters"
        return "text", ""
    raise TypeError(f"no description for annotation {bare!r}; teach ailedger.release.dictionary about it")


def _annotated_description(annotation: Any) -> str | None:
    """A description attached to a type alias (``Country``, ``Language``), also inside ``X | None`` or a list."""
    bare, _, found = unwrap(annotation)
    if "description" in found:
        return str(found["description"])
    return _annotated_description(get_args(bare)[0]) if get_origin(bare) is list else None


_ID_TEXT = _annotated_description(LATEST.Id)


def meaning(name: str, info: FieldInfo) -> str:
    """The field's description; for an id field only its own, not the generic one of the ``Id`` type."""
    alias = _annotated_description(info.annotation)
    if alias == _ID_TEXT and name != "id":
        alias = None
    return info.description or alias or ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _example(values: Iterable[Any]) -> str:
    """The first non-empty value, shortened to fit a table cell."""
    for value in values:
        if value is None or value == []:
            continue
        if isinstance(value, BaseModel) or (isinstance(value, list) and isinstance(value[0], BaseModel)):
            return "—"
        if isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value)
        if len(text) > _EXAMPLE_WIDTH:
            text = text[: _EXAMPLE_WIDTH - 1].rstrip() + "…"
        return f"`{_cell(text)}`"
    return "—"


def _rows(model: type[BaseModel], table: str | None, records: list[Any]) -> list[str]:
    lines = [
        "| Field | Type | Required | Meaning | Allowed values | Example | Needs citation |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, info in model.model_fields.items():
        targets = LATEST.REFERENCES.get((table, name), ()) if table else ()
        if name in ("source_id", "via") and table is None:
            targets = ("sources",) if name == "source_id" else ("organizations",)
        kind, allowed = _describe(info.annotation, list(info.metadata), targets)
        cite = "yes, when set" if needs_citation(model, name) else "no"
        lines.append(
            f"| `{name}` | {kind} | {_required(info)} | {_cell(meaning(name, info))} | {_cell(allowed) or '—'} "
            f"| {_example(getattr(r, name) for r in records)} | {cite} |"
        )
    return lines


def _required(info: FieldInfo) -> str:
    if info.is_required():
        return "yes"
    default = info.get_default(call_default_factory=True)
    shown = "null" if default is None else str(default).lower() if isinstance(default, bool) else default
    return f"no (default `{shown}`)"


def _citation_model() -> type[BaseModel]:
    """The model of one entry of ``citations``, as the current schema declares it."""
    cited = next(m for m in LATEST.TABLES.values() if "citations" in m.model_fields)
    return get_args(cited.model_fields["citations"].annotation)[0]


def dictionary_markdown(heading_level: int = 1, records: Mapping[str, Sequence[Any]] | None = None) -> str:
    """The data dictionary as Markdown, for ``docs/data-dictionary.md`` and the dataset card.

    ``heading_level`` is the level of its title, so the card can nest it under its own headings;
    ``records`` (table name to records) are the ones the examples and counts come from, by default
    the packaged data, so a release built from ``dataset/`` can describe exactly what it holds.
    """
    from ailedger import loader

    h = "#" * heading_level
    out = [
        f"{h} Data dictionary",
        "",
        (
            f"Schema {SCHEMA_VERSION}. Generated from the pydantic models in "
            "`ailedger.schema` by `python scripts/refresh_docs.py`; do not edit by hand."
        ),
        "",
        (
            "Every record has an `id` unique across all tables. A field marked *needs citation* states a fact: "
            "when it is set (differs from its default), one of the record's citations must name it in `supports` "
            "and quote the source verbatim. The curator's own sentences "
            f"({', '.join(f'`{n}`' for n in sorted(LATEST.CURATOR_TEXT))}) need no quote. "
            "Dates are EDTF and no sharper than the source; in Parquet each date is a struct of "
            "`edtf` (the text) and `earliest`/`latest` (the first and last day it may be)."
        ),
        "",
    ]
    citations: list[Any] = []
    for table, model in LATEST.TABLES.items():
        # Sorted by id, as the release rows are, so the examples do not depend on file order.
        rows = sorted(records[table] if records is not None else loader.load(table), key=lambda r: r.id)
        citations.extend(c for r in rows for c in getattr(r, "citations", []))
        about = (model.__doc__ or "").replace("``", "`")
        if "citations" not in model.model_fields:
            about += " It states no facts of its own, so its fields need no citation."
        out += [
            f"{h}# {table}",
            "",
            f"{about} {len(rows)} {'record' if len(rows) == 1 else 'records'} in this release.",
            "",
        ]
        out += _rows(model, table, rows)
        out.append("")
    out += [
        f"{h}# Citation",
        "",
        "Each entry of a record's `citations`: one verbatim quote and the fields it backs.",
        "",
        *_rows(_citation_model(), None, citations),
        "",
        f"{h}# Checks only `ailedger validate` makes",
        "",
        (
            "The JSON Schemas check each record alone: types, vocabularies, patterns and bounds; from schema 2-1-2 "
            "also calendar days (`2026-02-30`, 29 February outside leap years), ids without a trailing newline, "
            "`supports` naming only the table's fields once each, and free text without control, direction or "
            "invisible characters. These need more than a pattern, other records or the source texts, so only the "
            "validator makes them:"
        ),
        "",
        *[f"- {check}" for check in VALIDATOR_ONLY],
        "",
    ]
    return "\n".join(out)


VALIDATOR_ONLY = (
    "date ranges in order and with two different ends (`[2026-03..2026-02]`), and no date before 1950",
    ("text hygiene a pattern cannot say: NFC, a joiner only between letters of a script that needs it, no tab or "
    "line break in a one-line value, no confusable mixed scripts in names"),
    "ids unique across tables and equal to the file name; references point at existing records of the right table",
    "every set field backed by a citation whose `supports` names it, and `supports` naming only set fields",
    "each quote verbatim in its source's text, long enough, and the text's SHA-256 as recorded",
    "each name, reference and metric kind stated by its quote; a value the figure the quote gives its subject",
    "each date no sharper than, and inside, the date expressions of its quotes, resolved against publication",
    "claims apart from facts: claimant not the relaying outlet, `verified` only with an independent source",
    "figures: no more users than people, daily <= weekly <= monthly, one figure per source and period",
    "possible duplicates by name, and derived figures recomputed from their formula",
)
