"""The command line of the text store: ``ailedger texts fetch`` and ``ailedger source add``.

Kept beside :mod:`ailedger.cli`, which prints what these return: the argument
parsers, and each command as lines for stdout and stderr plus an exit code.
"""

from __future__ import annotations

import argparse
import os
import typing
from pathlib import Path
from typing import Any

from ailedger.schema import LATEST

Result = tuple[list[str], list[str], int]
"""Lines for stdout, lines for stderr, and the exit code."""


def add_parsers(
    sub: Any, parser_class: type[argparse.ArgumentParser], epilog: str
) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """Register ``texts fetch`` and ``source add`` on the subcommand set ``sub``; return their parsers."""
    tx = sub.add_parser(
        "texts",
        help="the source texts quotes are checked against: `texts fetch` fills the store",
        description="Source texts are kept out of the repository and addressed by the SHA-256 in each source record.",
        epilog=epilog,
    )
    texts_sub = tx.add_subparsers(dest="texts_command", metavar="COMMAND", parser_class=parser_class)
    texts_sub.required = True
    tf = texts_sub.add_parser(
        "fetch",
        help="fetch the text of every source into the store, each checked against its record's SHA-256",
        description="Put the text of every source record into the store: the user cache folder (by SHA-256), or the "
        "folder --texts DIR or $AILEDGER_TEXTS names (<source id>.txt). Each text comes from the first of: the folder "
        "--from DIR; the mirror --mirror URL or $AILEDGER_TEXTS_URL (a base URL with {sha256} in it); the source's "
        "web-archive snapshot (archive_url, checked against archive_sha256, its article text extracted with "
        "trafilatura). A text whose SHA-256 does not match is deleted and reported with both hashes. Exit 1 when a "
        "text cannot be had.",
        epilog="Example: AILEDGER_TEXTS_URL=https://texts.example/{sha256}.txt ailedger texts fetch. " + epilog,
    )
    tf.add_argument("paths", nargs="*", metavar="PATH", help="source record files or folders (default: dataset/)")
    tf.add_argument(
        "--texts",
        metavar="DIR",
        help="fill this folder of <source id>.txt instead of the text cache (also $AILEDGER_TEXTS)",
    )
    tf.add_argument(
        "--from",
        dest="from_dir",
        metavar="DIR",
        help="a local folder of <source id>.txt to take texts from first",
    )
    tf.add_argument(
        "--mirror",
        metavar="URL",
        help="a mirror of texts by hash, like https://host/texts/{sha256}.txt (default: $AILEDGER_TEXTS_URL)",
    )

    so = sub.add_parser(
        "source",
        help="work with sources: `source add` stores a text and writes its record",
        description="Work with source records and their texts.",
        epilog=epilog,
    )
    source_sub = so.add_subparsers(dest="source_command", metavar="COMMAND", parser_class=parser_class)
    source_sub.required = True
    sa = source_sub.add_parser(
        "add",
        help="store a source's text (a .txt file, an HTML page or a URL) and write its record with the hash",
        description="Read a text file (UTF-8) or a web page (a file or an http(s) URL; its article text is extracted "
        "with trafilatura), normalise it (NFC, LF line ends, trimmed lines: a text saved with CRLF hashes like one "
        "saved with LF), store it, and write DATASET/sources/ID.yaml with its SHA-256 and with title, published and "
        "language taken from the page's metadata where it states them, for you to check. An empty text or one that "
        "is not UTF-8 is refused; an existing record is replaced only with --force.",
        epilog="Example: ailedger source add https://web.archive.org/web/20260310000000id_/https://example.org/a "
        "--id example-daily-2026-03-10 --archived --publisher example-daily --kind news_article. " + epilog,
    )
    sa.add_argument(
        "file_or_url",
        metavar="FILE_OR_URL",
        help="a .txt file, an .html file, or an http(s) URL of the page",
    )
    sa.add_argument("--id", required=True, help="the source's id, a lower-case slug like example-daily-2026-03-10")
    sa.add_argument("--dataset", default="dataset", metavar="DIR", help="the dataset folder (default: dataset)")
    sa.add_argument(
        "--texts",
        metavar="DIR",
        help="store the text in this folder as <id>.txt (else $AILEDGER_TEXTS, else the text cache)",
    )
    sa.add_argument("--publisher", metavar="ORG", help="the publisher's organization id (else left for you to fill in)")
    sa.add_argument(
        "--kind",
        choices=list(typing.get_args(LATEST.SourceKind)),
        help="what sort of text it is (else left for you to fill in)",
    )
    sa.add_argument(
        "--url",
        metavar="URL",
        help="where the source was published (default: the URL given, or the original address of a snapshot)",
    )
    sa.add_argument(
        "--archived",
        action="store_true",
        help="FILE_OR_URL is a web-archive snapshot in raw mode: record it as archive_url with its SHA-256 and "
        "the extractor, so `texts fetch` can rebuild the text from it",
    )
    sa.add_argument("--force", action="store_true", help="replace an existing record of this id")
    return tf, sa


def add_text_options(parser: argparse.ArgumentParser, command: str) -> None:
    """``--texts DIR`` and, for validate, ``--require-texts``; for build, ``--allow-unverified``."""
    parser.add_argument(
        "--texts",
        metavar="DIR",
        help="folder of source texts <source id>.txt to check quotes against (else $AILEDGER_TEXTS, else the text "
        "cache that `ailedger texts fetch` fills)",
    )
    if command == "validate":
        parser.add_argument(
            "--require-texts",
            action="store_true",
            help="a source whose text cannot be had is an error (else a warning: its quotes are unverified)",
        )
    else:
        parser.add_argument(
            "--allow-unverified",
            action="store_true",
            help="build even when source texts cannot be had; the release then says which quotes were not checked",
        )


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
