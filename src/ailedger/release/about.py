"""What the release says about itself, shared by datapackage.json, croissant.json and the dataset card.

Kept in one place so the three metadata files cannot disagree on the licence,
the sources or the languages.
"""

from __future__ import annotations

from typing import Any

from ailedger._version import __version__

NAME = "ailedger"
TITLE = "ailedger: an open, sourced dataset of the AI industry"
DESCRIPTION = (
    "Organizations, AI models and products, release dates, usage figures, campaigns and the claims "
    "companies make about their models. Every fact carries a verbatim quote from the source that "
    "states it, and every date is no sharper than its source (EDTF, with earliest and latest bounds)."
)
HOMEPAGE = "https://github.com/ailedger/ailedger"
"""The project's one address: code, issues, and each version's files as assets of the release tagged ``v<version>``."""
HUB_REPO = "ailedger/ailedger"
"""The Hugging Face dataset repository the release workflow mirrors every release to (tagged ``v<version>`` too)."""
CREATOR = "ailedger contributors"
KEYWORDS = ["AI industry", "AI models", "provenance", "usage metrics", "EDTF"]
LICENCE = {
    "spdx": "CC-BY-4.0",
    "hub": "cc-by-4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}
DOCUMENTS = "Quotes are short excerpts of the cited sources, whose rights stay with their publishers."


CITATION_REFERENCES: dict[str, tuple[str, ...]] = {"source_id": ("sources",), "via": ("organizations",)}
"""What the fields inside every ``citations`` entry point into (implied, so not in ``REFERENCES``)."""


def references(table: str) -> dict[str, tuple[str, ...]]:
    """Field name to the tables its ids point into, for one table (from the schema's ``REFERENCES``)."""
    from ailedger.schema import LATEST

    return {field: targets for (tab, field), targets in LATEST.REFERENCES.items() if tab == table}


def bibtex() -> str:
    return (
        f"@misc{{ailedger-{__version__}, title = {{{{{TITLE}}}}}, author = {{{{{CREATOR}}}}}, "
        f"year = {{{__version__[:4]}}}, version = {{{__version__}}}, url = {{{HOMEPAGE}}}}}"
    )


def sources(records: dict[str, list[Any]]) -> list[dict[str, str]]:
    """One entry per source text: a title (its headline, else publisher and date) and its URL when known."""
    publishers = {o.id: o.name for o in records["organizations"]}
    out = []
    for src in sorted(records["sources"], key=lambda s: s.id):
        entry = {"id": src.id, "title": src.title or f"{publishers.get(src.publisher, src.publisher)}, {src.published}"}
        if src.url:
            entry["path"] = src.url
        out.append(entry)
    return out


def languages(records: dict[str, list[Any]]) -> list[str]:
    """ISO 639 codes of the text: the sources' languages (quotes) and English (the curator's sentences)."""
    return sorted({"en"} | {src.language.split("-")[0] for src in records["sources"]})


def table_description(model: type) -> str:
    return " ".join((model.__doc__ or "").split())


def verification(records: dict[str, list[Any]], verified: dict[str, bool]) -> dict[str, Any]:
    """What the build checked: per source, whether its quotes were checked against a text of its recorded SHA-256.

    A release built with ``--allow-unverified`` says so here, in
    ``datapackage.json``, in the package's ``manifest.json`` and on the card.
    """
    sources = [
        {"id": s.id, "sha256": s.sha256, "quotes_verified": bool(verified.get(s.id))}
        for s in sorted(records["sources"], key=lambda s: s.id)
    ]
    return {"quotes_verified": all(s["quotes_verified"] for s in sources), "sources": sources}


def verification_markdown(check: dict[str, Any]) -> str:
    """The card's account of the check, for readers who never open the JSON."""
    sources = check["sources"]
    if check["quotes_verified"]:
        return (
            f"Every quote of all {len(sources)} sources was checked, when this release was built, against the "
            "source's text with the SHA-256 its record names (`sources.sha256`)."
        )
    missing = [s["id"] for s in sources if not s["quotes_verified"]]
    rest = "" if len(missing) == len(sources) else (
        " Every other quote was checked against the source's text with the SHA-256 its record names."
    )
    return (
        f"**Unverified release.** It was built without the texts of {len(missing)} of {len(sources)} sources "
        f"(`ailedger build --allow-unverified`), so their quotes were not checked against the text: "
        f"{', '.join(f'`{m}`' for m in missing)}.{rest}"
    )
