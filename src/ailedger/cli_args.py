"""The argument parsers of every ``ailedger`` command: what each takes, with its help and examples.

Construction only: nothing here prints, reads a file or exits. :mod:`ailedger.cli`
gives the parser class that reports usage errors and the function that runs each
command, so the commands stay testable in-process.
"""

from __future__ import annotations

import argparse
import typing
from collections.abc import Callable, Mapping
from typing import Any

from ailedger._version import __version__
from ailedger.schema import LATEST, MAJORS

EPILOG = "Docs: README.md. Exit codes: 0 ok, 1 problems found, 2 usage error, 3 internal error."
Handler = Callable[[argparse.Namespace], int]


def build_parser(parser_class: type[argparse.ArgumentParser], run: Mapping[str, Handler]) -> argparse.ArgumentParser:
    """The ``ailedger`` parser; ``run`` maps each command (``"validate"``, ``"texts fetch"``) to what runs it."""
    parser = parser_class(prog="ailedger", description="An open, sourced dataset of the AI industry.", epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"ailedger {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=parser_class)
    sub.required = True

    v = sub.add_parser(
        "validate",
        help="check record files against the schema and across records",
        description="Check record files against the current schema and across records; report every problem as "
            "path:line:column.",
        epilog="Example: ailedger texts fetch && ailedger validate dataset --require-texts. " + EPILOG,
    )
    v.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="record files (<id>.yaml), bulk files (metrics/<name>.jsonl, one record per line), table folders or a "
            "dataset folder (default: dataset/)",
    )
    _text_options(v, "validate")
    v.add_argument(
        "--format", choices=["text", "json", "github"], default="text",
        help="text for people (default); json for machines (report object documented in README); "
        "github for GitHub Actions annotations, plus a table of every problem in $GITHUB_STEP_SUMMARY",
    )
    v.add_argument("--strict", action="store_true", help="treat warnings as errors")
    v.add_argument("--no-cache", action="store_true", help="read every file afresh (AILEDGER_VALIDATE_CACHE=off)")
    v.set_defaults(run=run["validate"])

    n = sub.add_parser(
        "new",
        help="write a record skeleton with every field and a comment on each",
        description="Write DATASET/TABLE/ID.yaml holding every field of the table, each with a comment; never "
            "overwrites.",
        epilog="Example: ailedger new models qwen-3. " + EPILOG,
    )
    n.add_argument("table", help="the table: sources, organizations, models, events, metrics or claims")
    n.add_argument("id", help="the new record's id, a lower-case slug like deepseek-r1")
    _dataset(n)
    n.set_defaults(run=run["new"])

    i = sub.add_parser("info", help="show versions, tables, row counts, sources and file locations", epilog=EPILOG)
    i.set_defaults(run=run["info"])

    b = sub.add_parser(
        "build",
        help="write the release files (Parquet, JSON Lines, JSON Schemas, datapackage.json, croissant.json, card, "
            "ailedger.db, SHA256SUMS)",
        description="Validate the dataset and write its release into DIR: per table Parquet, JSON Lines and JSON "
            "Schema, "
        "plus datapackage.json (Frictionless), croissant.json (MLCommons Croissant), a Hugging Face dataset card "
        "README.md, the SQLite database ailedger.db with its Datasette metadata datasette.json (ailedger serve) "
        "and SHA256SUMS. Two builds of the same files are byte-identical. DIR is replaced only when the "
        "build completes; a dataset with errors builds nothing (exit 1).",
        epilog="Example: ailedger texts fetch && ailedger build --out release. " + EPILOG,
    )
    b.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="the release folder to write: absent, empty or an earlier release (replaced as a whole, atomically); "
        "anything else exits 2",
    )
    _dataset(b)
    _text_options(b, "build")
    b.add_argument(
        "--previous",
        metavar="DIR",
        help="the previous release's folder: also write CHANGES.json and CHANGES.md (the release notes) against it",
    )
    b.set_defaults(run=run["build"])

    sv = sub.add_parser(
        "serve",
        help="browse a release's ailedger.db in Datasette on this machine (needs pip install 'ailedger[site]')",
        description="Open the release's SQLite database in Datasette at http://127.0.0.1:PORT/: every table, "
        "full-text search, the facts view (every quote with its record and source), canned queries, and on each "
        "record's page the quotes that back it. Served to this machine only; the file is opened read-only.",
        epilog="Example: ailedger build --out release && ailedger serve release. " + EPILOG,
    )
    sv.add_argument(
        "release",
        nargs="?",
        metavar="RELEASE_DIR",
        help="a release folder holding ailedger.db (default: where ailedger.download() puts this version)",
    )
    sv.add_argument("--port", type=int, default=8001, help="the port on 127.0.0.1 (default: 8001)")
    sv.set_defaults(run=run["serve"])
    dl = sub.add_parser(
        "download",
        help="fetch the release files of a dataset version, each checked against the hash this package ships",
        description="Fetch every file of a release (Parquet, JSON Lines, JSON Schemas, datapackage.json, "
        "croissant.json, card, SHA256SUMS) and check each against the SHA-256 and size this ailedger records for "
        "that version; a file that does not match is deleted. Files already there with the right hash are not "
        "fetched again. Prints the folder; on a terminal also a progress bar. A transient failure (5xx, dropped "
        "connection) is retried.",
        epilog="Example: ailedger download --dest release-files. " + EPILOG,
    )
    dl.add_argument(
        "version", nargs="?", metavar="VERSION", help=f"the dataset version (default: this ailedger's, {__version__})"
    )
    dl.add_argument(
        "--dest", metavar="DIR", help="folder to write the files into (default: the user cache or $AILEDGER_CACHE)"
    )
    dl.add_argument(
        "--base-url",
        metavar="URL",
        help="where the files are served ({version} is replaced; default: $AILEDGER_BASE_URL, else the releases)",
    )
    dl.add_argument(
        "--deadline",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="give up on a file after this long, retries included (default: 600)",
    )
    dl.add_argument(
        "--retries", type=int, default=3, metavar="N", help="further attempts after a transient failure (default: 3)"
    )
    dl.set_defaults(run=run["download"])

    texts_sub = _group(
        sub,
        "texts",
        help="the source texts quotes are checked against: `texts fetch` fills the store",
        description="Source texts are kept out of the repository and addressed by the SHA-256 in each source record.",
    )
    tf = texts_sub.add_parser(
        "fetch",
        help="fetch the text of every source into the store, each checked against its record's SHA-256",
        description="Put the text of every source record into the store: the user cache folder (by SHA-256), or the "
        "folder --texts DIR or $AILEDGER_TEXTS names (<source id>.txt). Each text comes from the first of: the folder "
        "--from DIR; the mirror --mirror URL or $AILEDGER_TEXTS_URL (a base URL with {sha256} in it); the source's "
        "web-archive snapshot (archive_url, checked against archive_sha256, its article text extracted with "
        "trafilatura). A text whose SHA-256 does not match is deleted and reported with both hashes. Exit 1 when a "
        "text cannot be had.",
        epilog="Example: AILEDGER_TEXTS_URL=https://texts.example/{sha256}.txt ailedger texts fetch. " + EPILOG,
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

    source_sub = _group(
        sub,
        "source",
        help="work with sources: `source add` stores a text and writes its record",
        description="Work with source records and their texts.",
    )
    sa = source_sub.add_parser(
        "add",
        help="store a source's text (a .txt file, an HTML page or a URL) and write its record with the hash",
        description="Read a text file (UTF-8) or a web page (a file or an http(s) URL; its article text is extracted "
        "with trafilatura), normalise it (NFC, LF line ends, trimmed lines: a text saved with CRLF hashes like one "
        "saved with LF), store it, and write DATASET/sources/ID.yaml with its SHA-256 and with title, published and "
        "language taken from the page's metadata where it states them, for you to check. An empty text or one that "
        "is not UTF-8 is refused; an existing record is replaced only with --force.",
        epilog="Example: ailedger source add https://web.archive.org/web/20260310000000id_/https://example.org/a "
        "--id example-daily-2026-03-10 --archived --publisher example-daily --kind news_article. " + EPILOG,
    )
    sa.add_argument(
        "file_or_url",
        metavar="FILE_OR_URL",
        help="a .txt file, an .html file, or an http(s) URL of the page",
    )
    sa.add_argument("--id", required=True, help="the source's id, a lower-case slug like example-daily-2026-03-10")
    _dataset(sa)
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
    tf.set_defaults(run=run["texts fetch"])
    sa.set_defaults(run=run["source add"])

    sh = sub.add_parser(
        "show",
        help="print one record: its fields, what it references, what references it, its quotes and sources",
        description="Print one record the way a person reads it, with ids resolved to names and every citation quoted.",
        epilog="Example: ailedger show glm-5. " + EPILOG,
    )
    sh.add_argument("id", help="a record id from any table, like glm-5 or questmobile")
    sh.add_argument(
        "--all", action="store_true", help="list every record that references it (default: the first 20, then a count)"
    )
    _dataset(sh, "where to look for an id that is not packaged yet, to say so (default: dataset)")
    sh.set_defaults(run=run["show"])

    p = sub.add_parser(
        "plot",
        help="draw the charts (release timeline, usage figures) as SVG; needs pip install 'ailedger[plot]'",
        description="Draw charts of the packaged data as SVG files: timeline.svg (releases per organization, "
        "uncertain dates as ranges) and usage.svg (usage figures with their dates and who measured them).",
        epilog="Example: ailedger plot --out docs. " + EPILOG,
    )
    p.add_argument(
        "--out", default=".", metavar="DIR", help="folder to write the SVG files into (default: the current folder)"
    )
    p.add_argument(
        "--chart",
        action="append",
        choices=["timeline", "usage"],
        help="draw only this chart (repeatable; default: all)",
    )
    p.set_defaults(run=run["plot"])
    schema_sub = _group(
        sub,
        "schema",
        help="work with the record schemas: `schema check` is the compatibility gate",
        description="Work with the record schemas and their versions (docs/versioning.md).",
    )
    chk = schema_sub.add_parser(
        "check",
        help="compare the current schema with every released version; fail on an undeclared breaking change",
        description="Compare the models' JSON Schemas with every released schema version in "
            "schema/<MODEL-REVISION-ADDITION>/ "
        "and print one line per change (table.field: what changed). Removing or renaming a field, narrowing a type, "
        "removing an enum value, a new required field or a tightened pattern or bound is breaking; it fails (exit 1) "
        "unless the MODEL part of the version was bumped. New optional fields and enum values are additions.",
        epilog="Example: ailedger schema check; ailedger schema check --major 2. " + EPILOG,
    )
    chk.add_argument(
        "--schemas", default="schema", metavar="DIR", help="folder holding the released versions (default: schema)"
    )
    chk.add_argument(
        "--major", type=int, choices=list(MAJORS), help="check this major's models instead of the current one"
    )
    chk.set_defaults(run=run["schema check"])

    mg = sub.add_parser(
        "migrate",
        help="rewrite a dataset folder into another schema major version, losing nothing",
        description="Rewrite every record of a dataset folder into schema major N, one version step at a time. Each "
            "record "
        "is checked in its own version, migrated, checked in N and (going up) migrated back to prove nothing was "
        "lost; only "
        "then are files rewritten, keeping their layout, quoting and comments (bulk .jsonl files line by line, in "
        "order). Every decision is printed "
        "(for example which field a v1 release date moved to).",
        epilog="Example: ailedger migrate --to 2 --dry-run. " + EPILOG,
    )
    mg.add_argument(
        "--to",
        required=True,
        type=int,
        choices=list(MAJORS),
        metavar="N",
        help=f"the target major version: {', '.join(map(str, MAJORS))}",
    )
    _dataset(mg)
    mg.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    mg.add_argument(
        "--allow-loss",
        action="store_true",
        help="going down, drop values the older version cannot hold (they are listed)",
    )
    mg.set_defaults(run=run["migrate"])

    d = sub.add_parser(
        "diff",
        help="list the records added, removed, changed and renamed between two releases",
        description="Compare two releases: folders written by `ailedger build --out` (<table>.jsonl or "
            "<table>.parquet), "
        "the packaged data folder, or dataset folders of YAML records. Changes are keyed by table, id and field "
        "(old -> new); a record under a new id that keeps its old name as a name or alias, or is otherwise unchanged, "
        "is one rename. An old release in an older schema major is migrated first.",
        epilog="Example: ailedger diff release-2026.11.30 release --format json > CHANGES.json. " + EPILOG,
    )
    d.add_argument("old", metavar="OLD", help="the earlier release or dataset folder")
    d.add_argument("new", metavar="NEW", help="the later release or dataset folder")
    d.add_argument(
        "--format",
        choices=["markdown", "json"],
        default="markdown",
        help="markdown for release notes (default), json for machines",
    )
    d.set_defaults(run=run["diff"])
    return parser


def _dataset(parser: argparse.ArgumentParser, help: str = "the dataset folder (default: dataset)") -> None:
    parser.add_argument("--dataset", default="dataset", metavar="DIR", help=help)


def _group(sub: Any, name: str, help: str, description: str) -> Any:
    """A command that only groups subcommands (``texts``, ``source``, ``schema``), one of which must be given."""
    group = sub.add_parser(name, help=help, description=description, epilog=EPILOG)
    commands = group.add_subparsers(dest=f"{name}_command", metavar="COMMAND", parser_class=type(group))
    commands.required = True
    return commands


def _text_options(parser: argparse.ArgumentParser, command: str) -> None:
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
