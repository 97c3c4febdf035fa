"""``ailedger source add``: a source's text into the store and its record into the dataset, hash and all.

A contributor used to save the text by hand and compute its SHA-256 with
``sha256sum``; a text saved with CRLF line ends then got a bare hash mismatch.
Here the text is normalised first (:func:`ailedger.texts.normalize_text`), so
the hash is the same however the file was saved, and the record is written with
the hash of exactly what was stored.

From a web page the article text is extracted with trafilatura, and the title,
publication date and language are prefilled only where the page's own markup
states them (``<title>``/Open Graph, dated meta tags, ``<html lang>``); the
contributor checks them. With ``archived`` the page is a web-archive snapshot in
raw mode, and the record names it (``archive_url``, ``archive_sha256``,
``extractor``) so anyone can rebuild the text from it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ailedger.errors import TextError
from ailedger.schema import LATEST
from ailedger.texts import Page, Store, decode_text, digest, extractor_version, get, read_page, write_atomically

_URL = re.compile(r"^https?://\S+$")
_SNAPSHOT = re.compile(r"/web/[0-9]{1,14}[a-z_]*/(https?://\S+)$")
"""A Wayback-style snapshot address: the original address follows the timestamp."""


@dataclass(frozen=True, slots=True)
class Added:
    """What ``source add`` wrote, and what the contributor has to check or fill in."""

    record: Path
    text: Path
    sha256: str
    replaced: bool
    from_page: list[str] = field(default_factory=list)
    to_fill: list[str] = field(default_factory=list)


def _is_html(raw: bytes, name: str, content_type: str | None) -> bool:
    if content_type is not None:
        return "html" in content_type.lower()
    if name.lower().endswith((".html", ".htm", ".xhtml")):
        return True
    head = raw[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _read(file_or_url: str) -> tuple[bytes, Page]:
    """The raw bytes (a snapshot's hash is of these) and what they give."""
    if _URL.match(file_or_url):
        raw, content_type = get(file_or_url)
    else:
        path = Path(file_or_url)
        if not path.is_file():
            raise TextError(f"{path}: no such file; give a .txt or .html file, or an http(s) URL")
        raw, content_type = path.read_bytes(), None
    if _is_html(raw, file_or_url, content_type):
        return raw, read_page(raw, file_or_url)
    return raw, Page(decode_text(raw, file_or_url), None, None, None)


def _scalar(value: object) -> str:
    """A YAML 1.2 scalar: JSON's double-quoted strings are YAML too, and dates stay text."""
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def render(values: dict[str, object], notes: dict[str, str]) -> str:
    lines = [
        "# A source record written by ailedger source add. Check the fields marked below, then run: ailedger validate",
        "",
    ]
    for name in LATEST.TABLES["sources"].model_fields:
        if name not in values:
            continue
        if name in notes:
            lines.append(f"# {notes[name]}")
        lines.append(f"{name}: {_scalar(values[name]) if name not in ('id', 'schema_version') else values[name]}")
    return "\n".join(lines) + "\n"


def add(
    file_or_url: str,
    source_id: str,
    dataset: Path,
    store: Store,
    *,
    publisher: str | None = None,
    kind: str | None = None,
    url: str | None = None,
    archived: bool = False,
    force: bool = False,
) -> Added:
    """Store the text of ``file_or_url`` and write ``dataset/sources/<source_id>.yaml`` naming its SHA-256."""
    if not re.fullmatch(LATEST.ID_PATTERN, source_id, re.ASCII) or len(source_id) > 64:
        raise TextError(f"bad id {source_id!r}: an id is a lower-case ASCII slug like 'example-daily-2026-03-10'")
    if publisher is not None and not re.fullmatch(LATEST.ID_PATTERN, publisher, re.ASCII):
        raise TextError(f"bad publisher {publisher!r}: give the organization's id, a lower-case slug")
    if archived and not _URL.match(file_or_url):
        raise TextError("--archived needs the snapshot's http(s) URL (in the archive's raw mode), not a file")
    record = dataset / "sources" / f"{source_id}.yaml"
    existed = record.exists()
    if existed and not force:
        raise TextError(f"{record} already exists; edit it, choose another id, or pass --force to replace it")
    raw, page = _read(file_or_url)
    text = page.text.encode("utf-8")
    sha = digest(text)
    target = store.path(source_id, sha)
    if target.is_file() and target.read_bytes() != text and not force:
        raise TextError(f"{target} already holds another text; move it away or pass --force to replace it")
    original = url
    if original is None and _URL.match(file_or_url):
        snapshot = _SNAPSHOT.search(file_or_url) if archived else None
        original = snapshot[1] if snapshot else (None if archived else file_or_url)
    values: dict[str, object] = {
        "id": source_id,
        "schema_version": LATEST.MAJOR,
        "title": page.title,
        "publisher": publisher,
        "published": page.published,
        "language": page.language,
        "url": original,
        "kind": kind,
        "sha256": sha,
    }
    if archived:
        values |= {"archive_url": file_or_url, "archive_sha256": digest(raw), "extractor": extractor_version()}
    from_page = [k for k in ("title", "published", "language") if values[k] is not None]
    to_fill = [k for k in ("publisher", "published", "language", "kind") if values[k] is None]
    notes = dict.fromkeys(from_page, "from the page's metadata: check it")
    notes |= {k: "fill in: " + (LATEST.TABLES["sources"].model_fields[k].description or k) for k in to_fill}
    if page.title is None:
        notes["title"] = "the headline, or null when the stored text has none"
    write_atomically(text, target)
    record.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(render(values, notes).encode("utf-8"), record)
    return Added(record, target, sha, existed, from_page, to_fill)
