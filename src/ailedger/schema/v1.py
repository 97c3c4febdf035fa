"""Schema v1: the record types of ailedger, as released.

Never edit this module once released: a change goes into ``v2.py`` beside it,
with a migration. The models hold what JSON Schema can express (types,
vocabularies, patterns, bounds); rules that need other records or the source
texts live in :mod:`ailedger.validate.rules`.

Every model is strict (``"12"`` is not an int, ``true`` is not 1), closed (an
unknown field is an error, never dropped) and frozen.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from ailedger.dates import FuzzyDate

MAJOR = 1
"""The value of ``schema_version`` in every v1 record."""

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
MAX_INT64 = 2**63 - 1


def _not_bool(value: object) -> object:
    # Literal[1] takes True in strict mode (True == 1); a version must be the number.
    if isinstance(value, bool):
        raise ValueError("schema_version must be the number 1, not a boolean")
    return value


Id = Annotated[
    str,
    StringConstraints(strict=True, pattern=ID_PATTERN, max_length=64),
    Field(description="Record id: lower-case ASCII slug, unique across all tables."),
]
Text = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=500)]
Quote = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=300)]
Country = Annotated[
    str,
    StringConstraints(strict=True, pattern=r"^[A-Z]{2}$"),
    Field(description="ISO 3166-1 alpha-2 code."),
]
Language = Annotated[
    str,
    StringConstraints(strict=True, pattern=r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$"),
    Field(description="BCP 47 language tag (language, optional script and region)."),
]
SchemaVersion = Annotated[
    Literal[1],
    BeforeValidator(_not_bool),
    Field(description="Major schema version the record is written in; always 1 here."),
]
OrganizationKind = Literal[
    "company", "research_lab", "data_provider", "news_outlet", "news_agency",
    "government", "university", "other",
]
SourceKind = Literal[
    "news_article", "press_release", "data_report", "blog_post", "paper", "filing", "other",
]
ModelKind = Literal["model", "product"]
Modality = Literal["text", "image", "audio", "video", "action"]
EventKind = Literal["campaign", "announcement", "launch", "market_move", "partnership", "other"]
MetricName = Literal[
    "weekly_active_users", "daily_active_users", "monthly_active_users", "downloads", "paying_users",
]
ClaimKind = Literal[
    "comparable_to", "outperforms", "cheaper_than", "faster_than", "capability", "cost", "training",
]


class _Strict(BaseModel):
    model_config = ConfigDict(
        strict=True, extra="forbid", frozen=True, allow_inf_nan=False, validate_default=False
    )


class Citation(_Strict):
    """Where a record's fields come from: a short verbatim span of one source."""

    source_id: Id = Field(description="Id of the source record whose text holds the quote.")
    quote: Quote = Field(
        description="Verbatim span of the source text (matched ignoring whitespace), at most 300 characters."
    )
    supports: list[Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z_]+$")]] = Field(
        min_length=1, description="Names of this record's fields that the quote states."
    )
    via: Id | None = Field(
        default=None,
        description="Organization the source attributes the statement to (a news agency or data provider it cites).",
    )
    translation: Text | None = Field(
        default=None, description="The curator's English translation of the quote, for readers."
    )


# The base of every table's model (v2 builds on it too, so it has a public name).
class Record(_Strict):
    id: Id
    schema_version: SchemaVersion


# The base of every table whose records carry citations.
class Cited(Record):
    citations: list[Citation] = Field(min_length=1, description="The quotes that back this record's fields.")


class Source(Record):
    """A text that records are curated from; its text file is ``<id>.txt``."""

    title: Text | None = Field(description="Headline, or null when the stored text has none.")
    publisher: Id = Field(description="Organization id of the publisher.")
    published: FuzzyDate = Field(description="Publication date.")
    language: Language
    url: Annotated[str, StringConstraints(strict=True, pattern=r"^https?://[^\s]+$")] | None = Field(
        description="Where the source was published, or null when unknown."
    )
    kind: SourceKind = Field(description="What sort of text the source is.")
    sha256: Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9a-f]{64}$")] = Field(
        description="SHA-256 of the source's text file, lower-case hex."
    )


class Organization(Cited):
    """A company, lab, data provider or publisher."""

    name: Text = Field(description="The name the sources use most, in its original script.")
    aliases: list[Text] = Field(default_factory=list, description="Other names the sources use.")
    kind: OrganizationKind | None = Field(
        default=None, description="What the organization is; null when the sources do not say."
    )
    country: Country | None = Field(default=None, description="Country of the headquarters, ISO 3166-1 alpha-2.")
    city: Text | None = Field(default=None, description="City of the headquarters.")
    parent_id: Id | None = Field(default=None, description="Organization this one belongs to.")
    distinct_from: list[Id] = Field(
        default_factory=list, description="Records with a similar name that are known to be different."
    )


class Model(Cited):
    """An AI model, or an AI product or app built on models."""

    name: Text = Field(description="The name the sources use most, in its original script.")
    aliases: list[Text] = Field(default_factory=list, description="Other names the sources use.")
    organization_id: Id = Field(description="The developer.")
    kind: ModelKind = Field(description="model for an AI model, product for an app or service built on models.")
    family_id: Id | None = Field(default=None, description="The model or product this is a version or edition of.")
    released: FuzzyDate | None = Field(default=None, description="When it was released, no sharper than the source.")
    open_weights: bool | None = Field(
        default=None, description="Whether the weights are published; null when not stated."
    )
    modalities_in: list[Modality] = Field(default_factory=list, description="What it takes as input.")
    modalities_out: list[Modality] = Field(default_factory=list, description="What it produces.")
    runs_on: list[Id] = Field(default_factory=list, description="Organizations whose hardware it runs on.")
    distinct_from: list[Id] = Field(
        default_factory=list, description="Records with a similar name that are known to be different."
    )


class Event(Cited):
    """A campaign, announcement, launch or market move."""

    kind: EventKind = Field(description="What sort of event it was.")
    date: FuzzyDate = Field(description="When it happened, no sharper than the source.")
    organization_ids: list[Id] = Field(default_factory=list, description="Organizations that acted.")
    subject_ids: list[Id] = Field(default_factory=list, description="Models or products concerned.")
    summary: Text = Field(description="One English sentence by the curator.")


class Metric(Cited):
    """A usage figure: what was measured, its value, when, where and by whom."""

    subject_id: Id = Field(description="The model, product or organization measured.")
    metric: MetricName = Field(description="What was counted.")
    value: int = Field(ge=0, le=MAX_INT64, description="Absolute count: 155 million is 155000000.")
    as_of: FuzzyDate | None = Field(default=None, description="When the figure was true.")
    reported: FuzzyDate | None = Field(default=None, description="When the figure was published.")
    region: Country | None = Field(
        default=None, description="Where it was counted, ISO 3166-1 alpha-2; null when the source does not say."
    )
    measured_by: Id | None = Field(default=None, description="Organization that measured it.")
    derived_from: list[Id] = Field(
        default_factory=list, description="Metric ids this value was computed from; empty when reported."
    )
    derivation: Text | None = Field(default=None, description="How a derived value was computed.")


class Claim(Cited):
    """What a company (or a reporter) says of a product; not a fact."""

    subject_id: Id = Field(description="The model, product or organization the claim is about.")
    kind: ClaimKind = Field(description="What sort of claim it is.")
    object_ids: list[Id] = Field(default_factory=list, description="What the subject is compared with.")
    asserted_by: Id = Field(description="The claimant organization.")
    statement: Text = Field(description="One English sentence by the curator.")
    verified: bool = Field(default=False, description="True only when an independent source confirms it.")


TABLES: dict[str, type[Record]] = {
    "sources": Source,
    "organizations": Organization,
    "models": Model,
    "events": Event,
    "metrics": Metric,
    "claims": Claim,
}
"""Table name to record model, in dependency order."""

REFERENCES: dict[tuple[str, str], tuple[str, ...]] = {
    ("sources", "publisher"): ("organizations",),
    ("organizations", "parent_id"): ("organizations",),
    ("organizations", "distinct_from"): ("organizations",),
    ("models", "organization_id"): ("organizations",),
    ("models", "family_id"): ("models",),
    ("models", "runs_on"): ("organizations",),
    ("models", "distinct_from"): ("models",),
    ("events", "organization_ids"): ("organizations",),
    ("events", "subject_ids"): ("models", "organizations"),
    ("metrics", "subject_id"): ("models", "organizations"),
    ("metrics", "measured_by"): ("organizations",),
    ("metrics", "derived_from"): ("metrics",),
    ("claims", "subject_id"): ("models", "organizations"),
    ("claims", "object_ids"): ("models", "organizations"),
    ("claims", "asserted_by"): ("organizations",),
}
"""(table, field) to the tables its ids may point into; citations' source_id and via are implied."""

CURATOR_TEXT: frozenset[str] = frozenset({"summary", "statement", "derivation"})
"""Fields written by the curator, which no quote needs to back."""
