"""Schema v2: typed release dates.

v1's single ``Model.released`` did not say *which* release a date is: the
announcement, the day the public could use it, or the day the weights were
published. Sources state these separately and they can be months apart, so v2
gives each its own fuzzy date, backed by its own citation like every field:
``announced``, ``available`` and ``weights_released``. ``notes`` holds the
curator's remarks (for example the v1 -> v2 migration's note on a date whose
kind the quote does not make clear); like ``summary`` it needs no quote.

Every other table is unchanged apart from ``schema_version: 2``, so those
models extend their v1 model and only re-tag the version.

Schema 2-1-0 is an ADDITION (docs/versioning.md): sources gained the optional
``archive_url``, ``archive_sha256`` and ``extractor`` (a text rebuilt from a
web-archive snapshot), and a model's ``organization_id`` may be null when no
source names the developer. Every 2-0-0 record is still valid and means the
same.

Schema 2-1-1 is an ADDITION too: a metric's optional ``formula`` states a
derived value's arithmetic so that ``ailedger validate`` can recompute it
(the prose ``derivation`` stays beside it). Like ``derivation`` it is the
curator's text: the numbers in it must be stated by the quotes, the formula
itself is not quoted.

Schema 2-1-2 changes no model: its published JSON Schemas are refined
(:mod:`ailedger.schema.json_schema`) to refuse with patterns and enums what
these models and ``ailedger validate`` already refuse. Within a major, only additions like these may change this module;
migrations to and from v1 are in :mod:`ailedger.schema.migrations`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from ailedger.dates import FuzzyDate
from ailedger.schema import v1
from ailedger.schema.v1 import (  # unchanged in v2; re-exported so code using LATEST.<name> keeps working
    ID_PATTERN,
    MAX_INT64,
    Citation,
    ClaimKind,
    Country,
    EventKind,
    Id,
    Language,
    MetricName,
    Modality,
    ModelKind,
    OrganizationKind,
    Quote,
    SourceKind,
    Text,
)

MAJOR = 2
"""The value of ``schema_version`` in every v2 record."""


def _not_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("schema_version must be the number 2, not a boolean")
    return value


__all__ = [
    "CURATOR_TEXT", "ID_PATTERN", "MAJOR", "MAX_INT64", "REFERENCES", "TABLES", "Citation", "Cited", "Claim",
    "ClaimKind", "Country", "Event", "EventKind", "Id", "Language", "Metric", "MetricName", "Modality", "Model",
    "ModelKind", "Organization", "OrganizationKind", "Quote", "Record", "SchemaVersion", "Sha256", "Source",
    "SourceKind", "Text", "Url",
]

SchemaVersion = Annotated[
    Literal[2],
    BeforeValidator(_not_bool),
    Field(description="Major schema version the record is written in; always 2 here."),
]

Sha256 = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9a-f]{64}$")]
Extractor = Annotated[str, StringConstraints(strict=True, pattern=r"^trafilatura [0-9]+(\.[0-9]+)*$")]
Url = Annotated[str, StringConstraints(strict=True, pattern=r"^https?://[^\s]+$")]


class Source(v1.Source):
    """A text that records are curated from; its text is stored by its SHA-256 (``ailedger texts fetch``)."""

    schema_version: SchemaVersion  # type: ignore[assignment]  # v2 narrows v1's Literal[1] to Literal[2]
    archive_url: Url | None = Field(
        default=None,
        description="A web-archive snapshot of the page in the archive's raw mode (the bytes as captured), "
        "from which ailedger texts fetch rebuilds the text; null when there is none.",
    )
    archive_sha256: Sha256 | None = Field(
        default=None, description="SHA-256 of the snapshot's bytes, lower-case hex; set with archive_url."
    )
    extractor: Extractor | None = Field(
        default=None,
        description="The extractor and its version that made the text from the snapshot, like 'trafilatura 2.3.1'; "
        "set with archive_url.",
    )


class Organization(v1.Organization):
    """A company, lab, data provider or publisher."""

    schema_version: SchemaVersion  # type: ignore[assignment]  # v2 narrows v1's Literal[1] to Literal[2]


class Event(v1.Event):
    """A campaign, announcement, launch or market move."""

    schema_version: SchemaVersion  # type: ignore[assignment]  # v2 narrows v1's Literal[1] to Literal[2]


class Metric(v1.Metric):
    """A usage figure: what was measured, its value, when, where and by whom."""

    schema_version: SchemaVersion  # type: ignore[assignment]  # v2 narrows v1's Literal[1] to Literal[2]
    formula: Text | None = Field(
        default=None,
        description="How a derived value is computed, as arithmetic the validator recomputes: the ids of "
        "derived_from and numbers its quotes state, joined by + - * / and parentheses, like "
        "'qwen-app-dau-after-campaign + 23000000' (schema 2-1-1).",
    )


class Claim(v1.Claim):
    """What a company (or a reporter) says of a product; not a fact."""

    schema_version: SchemaVersion  # type: ignore[assignment]  # v2 narrows v1's Literal[1] to Literal[2]


Record = v1.Record
Cited = v1.Cited


class Model(Cited):
    """An AI model, or an AI product or app built on models."""

    schema_version: SchemaVersion  # type: ignore[assignment]  # v2 narrows v1's Literal[1] to Literal[2]
    name: Text = Field(description="The name the sources use most, in its original script.")
    aliases: list[Text] = Field(default_factory=list, description="Other names the sources use.")
    organization_id: Id | None = Field(
        default=None, description="The developer; null when the sources do not name it (schema 2-1-0)."
    )
    kind: ModelKind = Field(description="model for an AI model, product for an app or service built on models.")
    family_id: Id | None = Field(default=None, description="The model or product this is a version or edition of.")
    announced: FuzzyDate | None = Field(
        default=None, description="When the developer announced it, no sharper than the source."
    )
    available: FuzzyDate | None = Field(
        default=None,
        description="When the public could first use it (app, website, API or download), no sharper than the source.",
    )
    weights_released: FuzzyDate | None = Field(
        default=None, description="When its weights were published (open models), no sharper than the source."
    )
    open_weights: bool | None = Field(
        default=None, description="Whether the weights are published; null when not stated."
    )
    modalities_in: list[Modality] = Field(default_factory=list, description="What it takes as input.")
    modalities_out: list[Modality] = Field(default_factory=list, description="What it produces.")
    runs_on: list[Id] = Field(default_factory=list, description="Organizations whose hardware it runs on.")
    distinct_from: list[Id] = Field(
        default_factory=list, description="Records with a similar name that are known to be different."
    )
    notes: list[Text] = Field(
        default_factory=list,
        description="The curator's remarks on this record, such as why a date is where it is; not facts, so no quote "
            "backs them.",
    )


TABLES: dict[str, type[Record]] = {
    "sources": Source,
    "organizations": Organization,
    "models": Model,
    "events": Event,
    "metrics": Metric,
    "claims": Claim,
}
"""Table name to record model, in dependency order."""

REFERENCES = v1.REFERENCES
"""Unchanged from v1: (table, field) to the tables its ids may point into."""

CURATOR_TEXT: frozenset[str] = v1.CURATOR_TEXT | {"notes", "formula"}
"""Fields written by the curator, which no quote needs to back."""
