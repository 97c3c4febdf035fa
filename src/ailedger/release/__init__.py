"""The release: every file users download, written by ``ailedger build --out DIR``.

A release is a flat folder (flat so it can be served as GitHub release assets
or from any static host) holding, per table, ``<table>.parquet``,
``<table>.jsonl`` (the exact JSON form of the current models, one per line, sorted
by id) and ``<table>.schema.json``; plus ``datapackage.json`` (Frictionless),
``croissant.json`` (MLCommons Croissant), the Hugging Face dataset card
``README.md``, the SQLite database ``ailedger.db`` with its Datasette metadata
``datasette.json`` (``ailedger serve``), and ``SHA256SUMS`` over every other file. Built against a previous
release, it also holds ``CHANGES.json`` and ``CHANGES.md``: every record added,
removed, changed or renamed since then, keyed by id and field.

Builds are reproducible: rows sorted by id, fixed writer settings, no
timestamps; the Parquet files are written exactly as the ones the package
ships, so one hash covers both. The folder is written beside ``DIR`` and
swapped in only when complete, atomically, under a lock, and only over an
earlier release or an empty folder (:mod:`ailedger.release.tables`).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from ailedger._version import __version__
from ailedger.loader import sha256
from ailedger.release import card, croissant, database, datapackage
from ailedger.release.tables import check_out, checked_sources, collect_all, staging, to_tables, write_parquet
from ailedger.schema.json_schema import json_schema
from ailedger.texts import Store

SUMS = "SHA256SUMS"


def schema_text(table: str, major: int | None = None) -> str:
    """The published JSON Schema of ``table`` in ``major`` (default: the current one), as committed in ``schema/``."""
    from ailedger.schema import LATEST

    return json.dumps(json_schema(table, LATEST.MAJOR if major is None else major), indent=2, ensure_ascii=False) + "\n"


def jsonl_text(records: list[Any]) -> str:
    """One record per line in the models' own JSON form, sorted by id like the Parquet rows."""
    return "".join(r.model_dump_json() + "\n" for r in sorted(records, key=lambda r: r.id))


def json_text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def sums_text(hashes: dict[str, str]) -> str:
    """``sha256sum`` format (``<hex>  <name>``), sorted by name, so ``sha256sum -c SHA256SUMS`` checks a release."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(hashes.items()))


def earlier_release(folder: Path) -> str | None:
    """None when ``folder`` is a release ailedger built (so a build may replace it), else why it is not.

    A release is recognised by its own files: a ``SHA256SUMS`` of SHA-256 lines that
    lists every other file in the folder, ``datapackage.json`` among them, naming
    ailedger. A folder holding anything the list does not name is refused, so a
    build never deletes a file it did not write.
    """
    from ailedger.fetch import parse_sums
    from ailedger.release import about

    sums = folder / SUMS
    if not sums.is_file():
        return f"has no {SUMS}, so it is not an ailedger release"
    try:
        listed = parse_sums(sums.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return f"has an unreadable {SUMS}, so it is not an ailedger release"
    if not listed or not all(re.fullmatch(r"[0-9a-f]{64}", d) and "/" not in n for n, d in listed.items()):
        return f"has a {SUMS} that is not a release's, so it is not an ailedger release"
    foreign = sorted({p.name for p in folder.iterdir()} - set(listed) - {SUMS})
    if foreign:
        return f"holds files its {SUMS} does not list ({', '.join(foreign[:5])}), so they are not part of a release"
    try:
        marker = json.loads((folder / "datapackage.json").read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        marker = None
    if marker != about.NAME:
        return f"has no datapackage.json naming {about.NAME}, so it is not an ailedger release"
    return None


def write_changes(previous: Path, folder: Path, out: Path) -> None:
    """``CHANGES.json`` and ``CHANGES.md`` from ``previous`` to the release being written in ``folder``.

    The two sides are named by their dataset versions, not their paths, so the
    files do not depend on where the build ran. ``folder`` is the staging
    folder that becomes ``out``; a problem is reported under ``out``, the name
    the user gave.
    """
    from dataclasses import replace

    from ailedger import diff

    before, after = diff.read(previous), replace(diff.read(folder, shown=out), dataset_version=__version__)
    report = diff.Report(
        before.dataset_version or previous.name, __version__, before, after, diff.compare(before, after)
    )
    (folder / "CHANGES.json").write_text(report.to_json(), encoding="utf-8")
    (folder / "CHANGES.md").write_text(report.to_markdown(), encoding="utf-8")


def build_release(
    dataset: Path,
    out: Path,
    texts: Path | Store | None = None,
    previous: Path | None = None,
    allow_unverified: bool = False,
) -> dict[str, str]:
    """Write the release of ``dataset`` into ``out`` (replacing it only when complete); return file name to SHA-256.

    The result covers every file including ``SHA256SUMS`` itself: it is what the
    package ships as the download registry of this version. With ``previous`` (the
    folder of the release before this one) the changes since then are written too.
    A source whose text cannot be had stops the build unless ``allow_unverified``;
    the release then says which quotes were not checked.
    """
    from ailedger.arrow import trusted_records
    from ailedger.schema import LATEST

    check_out(out, earlier_release)  # before the work of validating, so a wrong --out fails at once
    records, bulk_rows = collect_all(dataset, texts, allow_unverified)
    verification = checked_sources(records, texts, allow_unverified)
    tables = to_tables(records, bulk_rows)
    # Bulk rows never became models during validation; every file describing a table with bulk
    # rows (JSON Lines, the card's data dictionary) takes its records from the validated rows, so
    # all files hold and count the same records.
    released = {
        name: trusted_records(table, LATEST.TABLES[name]) if name in bulk_rows else records[name]
        for name, table in tables.items()
    }
    with staging(out, earlier_release) as tmp:
        for name, table in tables.items():
            write_parquet(table, tmp / f"{name}.parquet")
            (tmp / f"{name}.jsonl").write_text(jsonl_text(released[name]), encoding="utf-8")
            (tmp / f"{name}.schema.json").write_text(schema_text(name), encoding="utf-8")
        database.write_database(tables, tmp / database.FILE)
        (tmp / database.METADATA).write_text(database.metadata_text(), encoding="utf-8")
        if previous is not None:
            write_changes(previous, tmp, out)
        (tmp / "datapackage.json").write_text(
            json_text(datapackage.describe(tmp, released, verification)), encoding="utf-8"
        )
        (tmp / "croissant.json").write_text(json_text(croissant.describe(tmp, tables, released)), encoding="utf-8")
        (tmp / "README.md").write_text(card.render(tables, released, verification), encoding="utf-8")
        hashes = {f.name: sha256(f) for f in sorted(tmp.iterdir())}
        (tmp / SUMS).write_text(sums_text(hashes), encoding="utf-8")
        hashes[SUMS] = sha256(tmp / SUMS)
    return hashes


def registry_text(dataset: Path, texts: Path | Store | None = None, allow_unverified: bool = False) -> str:
    """The registry of this version's release: the hashes and sizes of a build of ``dataset`` in a scratch folder.

    :func:`ailedger.download` trusts only this file, so ``scripts/refresh.py``
    writes it with the packaged data, into the checkout, and it is committed.
    """
    from ailedger.fetch import format_registry

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "release"
        hashes = build_release(dataset, folder, texts, allow_unverified=allow_unverified)
        return format_registry(hashes, {name: (folder / name).stat().st_size for name in hashes})
