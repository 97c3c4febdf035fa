"""The commands of the text store, ``ailedger texts fetch`` and ``ailedger source add``, as lines.

Each returns lines for stdout and stderr plus an exit code, which
:mod:`ailedger.cli` prints; their parsers are in :mod:`ailedger.cli_args`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

Result = tuple[list[str], list[str], int]
"""Lines for stdout, lines for stderr, and the exit code."""


def unverified(release: Path) -> list[str]:
    """A warning line when the release in ``release`` says some quotes were not checked."""
    import json

    verification = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))["verification"]
    missing = [s["id"] for s in verification["sources"] if not s["quotes_verified"]]
    return [f"warning: the release is marked unverified: the quotes of {', '.join(missing)} were not checked"] * bool(
        missing
    )


def fetch(args: argparse.Namespace) -> Result:
    """``ailedger texts fetch``: every source's text into the store, or why not."""
    from ailedger import texts
    from ailedger.validate.files import BULK_SUFFIX, discover
    from ailedger.validate.record import check_file

    files, problems = discover([Path(p) for p in args.paths] or [Path("dataset")])
    sources, out = [], [d.text() for d in problems]
    for table, path in files:
        if table != "sources" or path.suffix == BULK_SUFFIX:
            continue
        loaded, found = check_file(table, path)
        out += [d.text() for d in found if d.severity == "error"]
        if loaded is not None and loaded.record is not None:
            sources.append(loaded.record)
    bad = len(out)
    store = texts.resolve(args.texts)
    mirror = args.mirror or os.environ.get(texts.ENV_TEXTS_URL) or None
    outcomes = texts.fetch(sources, store, Path(args.from_dir) if args.from_dir else None, mirror)
    for o in outcomes:
        if o.how is not None:
            out.append(f"ok: {o.source_id}: {o.how}" + "".join(f"\n  after: {p}" for p in o.problems))
        else:
            out.append(f"missing: {o.source_id} (sha256 {o.sha256}):" + "".join(f"\n  {p}" for p in o.problems))
    missing = sum(o.how is None for o in outcomes)
    if missing:
        err = (
            f"failed: {missing} of {len(outcomes)} source texts could not be had; name a mirror (--mirror URL or "
            "AILEDGER_TEXTS_URL, with {sha256} in it), a folder of <source id>.txt (--from DIR), or give the source "
            "an archive_url (ailedger source add --archived)"
        )
    else:
        err = f"ok: {len(outcomes)} source texts in the {store.describe()}"
    return out, [err], 1 if missing or bad else 0


def add(args: argparse.Namespace) -> Result:
    """``ailedger source add``: the text stored, the record written, and what to check."""
    from ailedger import source_add, texts

    added = source_add.add(
        args.file_or_url,
        args.id,
        Path(args.dataset),
        texts.resolve(args.texts),
        publisher=args.publisher,
        kind=args.kind,
        url=args.url,
        archived=args.archived,
        force=args.force,
    )
    err = [f"replaced {added.record} (it existed; --force)"] if added.replaced else []
    err.append(f"text: {added.text} (sha256 {added.sha256})")
    if added.from_page:
        err.append(f"from the page's metadata: {', '.join(added.from_page)}; check them against the page")
    if added.to_fill:
        err.append(f"fill in: {', '.join(added.to_fill)}; then run ailedger validate dataset")
    return [str(added.record)], err, 0
