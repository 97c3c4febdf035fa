"""The ``ailedger`` command: parse arguments, run one subcommand, return an exit code.

Exit codes: 0 success, 1 the data has problems (or an :class:`~ailedger.errors.AiledgerError`),
2 usage error, 3 internal error (a bug), 130 interrupted. Only :func:`main` exits;
every subcommand returns its code so it can be tested in-process.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from ailedger._version import __version__

EPILOG = "Docs: README.md. Exit codes: 0 ok, 1 problems found, 2 usage error, 3 internal error."


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse exits with 2 itself; keep that, with a pointer to --help.
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def _validate(args: argparse.Namespace) -> int:
    from ailedger import texts
    from ailedger.validate import diagnostics, validate

    paths = [Path(p) for p in args.paths] or [Path("dataset")]
    report = validate(paths, texts.resolve(args.texts), cache=not args.no_cache, require_texts=args.require_texts)
    shown = diagnostics.as_errors(report.diagnostics) if args.strict else report.diagnostics
    errors = sum(d.severity == "error" for d in shown)
    if args.format == "json":
        print(diagnostics.to_json(shown, report.files_checked))
    else:
        lines = diagnostics.to_github(shown) if args.format == "github" else [d.text() for d in shown]
        for line in lines:
            print(line)
        status = "ok" if errors == 0 else "failed"
        print(
            f"{status}: {report.files_checked} files, {errors} errors, {len(shown) - errors} warnings", file=sys.stderr
        )
    if args.format == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
            summary.write(diagnostics.to_markdown(shown, report.files_checked))
    return 1 if errors else 0


def _new(args: argparse.Namespace) -> int:
    from ailedger import skeleton

    try:
        path = skeleton.write(Path(args.dataset), args.table, args.id)
    except skeleton.SkeletonError as exc:
        print(f"ailedger new: error: {exc}", file=sys.stderr)
        return 2
    print(path)
    print(f"fill it in, then check it in its dataset: ailedger validate {path} --texts DIR", file=sys.stderr)
    return 0


def _info(args: argparse.Namespace) -> int:
    from ailedger import loader
    from ailedger.schema import SCHEMA_VERSION

    print(f"ailedger {__version__} (dataset {__version__}, schema {SCHEMA_VERSION})")
    print(f"data: {loader.data_dir()}")
    print("tables:")
    for name in loader.tables():
        print(f"  {name:<14} {loader.manifest()['tables'][name]['rows']:>6} rows  {loader.path(name).name}")
    print("sources:")
    for src in loader.load("sources"):
        print(f"  {src.id}  {src.publisher}, {src.published}, {src.language}  {src.url or '(no url)'}")
    from ailedger import fetch

    shipped = fetch.registry_path(__version__)
    if shipped.is_file():
        print(f"release: ailedger.download() fetches {len(fetch.registry(__version__))} files "
              f"checked against {shipped}, into {fetch.cache_dir(__version__)}")
    return 0


def _build(args: argparse.Namespace) -> int:
    from ailedger import cli_texts, texts
    from ailedger.errors import OutPathError
    from ailedger.release import build_release

    out = Path(args.out)
    previous = Path(args.previous) if args.previous else None
    try:
        hashes = build_release(Path(args.dataset), out, texts.resolve(args.texts), previous, args.allow_unverified)
    except OutPathError as exc:
        print(f"ailedger build: error: {exc}", file=sys.stderr)
        return 2
    for line in cli_texts.unverified(out):
        print(line, file=sys.stderr)
    print(f"wrote {len(hashes)} files to {out} (checksums in {out / 'SHA256SUMS'})", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from ailedger import serve

    release = Path(args.release) if args.release else serve.default_release()
    command = serve.command(release, args.port)
    print(f"serving {release / 'ailedger.db'} at http://{serve.HOST}:{args.port}/ (Ctrl-C stops it)", file=sys.stderr)
    return serve.run(command)
def _download(args: argparse.Namespace) -> int:
    from ailedger import fetch

    version = args.version or __version__
    on_terminal = sys.stderr.isatty()
    paths = fetch.download(
        version, args.dest, args.base_url, deadline=args.deadline, retries=args.retries, progressbar=on_terminal
    )
    folder = Path(args.dest) if args.dest else fetch.cache_dir(version)
    if on_terminal:
        checked = fetch.registry_path(version)
        print(f"{len(paths)} files of release {version}, each checked against {checked}", file=sys.stderr)
    print(folder)
    return 0


def _emit(result: tuple[list[str], list[str], int]) -> int:
    out, err, code = result
    for line in out:
        print(line)
    for line in err:
        print(line, file=sys.stderr)
    return code


def _show(args: argparse.Namespace) -> int:
    from ailedger import show
    from ailedger.errors import UnknownRecordError

    try:
        text = show.render(args.id, every=args.all)
    except UnknownRecordError as exc:
        found = show.unpackaged(args.id, Path(args.dataset))
        if found is not None:
            print(f"ailedger show: {args.id!r} is in {found} but not in the packaged data that show reads; "
                  "run python scripts/refresh.py to package the dataset, then show it again", file=sys.stderr)
        else:
            print(f"ailedger show: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


def _plot(args: argparse.Namespace) -> int:
    from ailedger import plot

    for path in plot.render(Path(args.out), args.chart or plot.CHARTS):
        print(path)
    return 0


def _schema_check(args: argparse.Namespace) -> int:
    from ailedger.schema import LATEST, SCHEMAVER, compatibility, version
    from ailedger.schema.json_schema import json_schema

    major = args.major or LATEST.MAJOR
    released = compatibility.released_versions(Path(args.schemas))
    if not released:
        print(f"ailedger schema check: no released versions in {args.schemas}/ (folders named like 1-0-0); "
              "run it in the repository or pass --schemas DIR", file=sys.stderr)
        return 2
    current = compatibility.parse_version(SCHEMAVER[major])
    findings = compatibility.check(released, current, {t: json_schema(t, major) for t in version(major).TABLES})
    for finding in findings:
        print(finding.text())
    errors = sum(f.error for f in findings)
    against = ", ".join(compatibility.show_version(v) for v in sorted(released) if v <= current)
    status = "failed" if errors else "ok"
    print(f"{status}: schema {SCHEMAVER[major]} against released {against}: {errors} errors, "
          f"{len(findings) - errors} changes allowed", file=sys.stderr)
    return 1 if errors else 0


def _migrate(args: argparse.Namespace) -> int:
    from ailedger import migrate

    plan = migrate.plan(Path(args.dataset), args.to)
    for d in plan.problems:
        print(d.text())
    for path, note in plan.notes:
        print(f"{path}: {note.field}: {note.message}")
    if plan.problems:
        print(
            f"failed: {len(plan.problems)} problems; nothing written. Fix them (ailedger validate) and run again",
            file=sys.stderr,
        )
        return 1
    if plan.lost and not args.allow_loss:
        print(f"failed: schema v{args.to} cannot hold {len(plan.lost)} values listed above; nothing written. "
              "Pass --allow-loss to drop them", file=sys.stderr)
        return 1
    if not args.dry_run:
        migrate.write(plan)
    verb = "would migrate" if args.dry_run else "migrated"
    print(f"ok: {verb} {plan.migrated} records to schema v{args.to}; {plan.unchanged} already were", file=sys.stderr)
    return 0


def _diff(args: argparse.Namespace) -> int:
    from ailedger.diff import diff

    report = diff(Path(args.old), Path(args.new))
    sys.stdout.write(report.to_json() if args.format == "json" else report.to_markdown())
    return 0


def build_parser() -> argparse.ArgumentParser:
    from ailedger import cli_texts

    parser = _Parser(prog="ailedger", description="An open, sourced dataset of the AI industry.", epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"ailedger {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
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
    cli_texts.add_text_options(v, "validate")
    v.add_argument(
        "--format", choices=["text", "json", "github"], default="text",
        help="text for people (default); json for machines (report object documented in README); "
        "github for GitHub Actions annotations, plus a table of every problem in $GITHUB_STEP_SUMMARY",
    )
    v.add_argument("--strict", action="store_true", help="treat warnings as errors")
    v.add_argument("--no-cache", action="store_true", help="read every file afresh (AILEDGER_VALIDATE_CACHE=off)")
    v.set_defaults(run=_validate)

    n = sub.add_parser(
        "new",
        help="write a record skeleton with every field and a comment on each",
        description="Write DATASET/TABLE/ID.yaml holding every field of the table, each with a comment; never "
            "overwrites.",
        epilog="Example: ailedger new models qwen-3. " + EPILOG,
    )
    n.add_argument("table", help="the table: sources, organizations, models, events, metrics or claims")
    n.add_argument("id", help="the new record's id, a lower-case slug like deepseek-r1")
    n.add_argument("--dataset", default="dataset", metavar="DIR", help="the dataset folder (default: dataset)")
    n.set_defaults(run=_new)

    i = sub.add_parser("info", help="show versions, tables, row counts, sources and file locations", epilog=EPILOG)
    i.set_defaults(run=_info)

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
    b.add_argument("--dataset", default="dataset", metavar="DIR", help="the dataset folder (default: dataset)")
    cli_texts.add_text_options(b, "build")
    b.add_argument(
        "--previous",
        metavar="DIR",
        help="the previous release's folder: also write CHANGES.json and CHANGES.md (the release notes) against it",
    )
    b.set_defaults(run=_build)

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
    sv.set_defaults(run=_serve)
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
    dl.set_defaults(run=_download)

    from ailedger.schema import MAJORS

    fetch, add = cli_texts.add_parsers(sub, _Parser, EPILOG)
    fetch.set_defaults(run=lambda args: _emit(cli_texts.fetch(args)))
    add.set_defaults(run=lambda args: _emit(cli_texts.add(args)))

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
    sh.add_argument("--dataset", default="dataset", metavar="DIR",
                    help="where to look for an id that is not packaged yet, to say so (default: dataset)")
    sh.set_defaults(run=_show)

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
    p.set_defaults(run=_plot)
    sc = sub.add_parser(
        "schema",
        help="work with the record schemas: `schema check` is the compatibility gate",
        description="Work with the record schemas and their versions (docs/versioning.md).",
        epilog=EPILOG,
    )
    schema_sub = sc.add_subparsers(dest="schema_command", metavar="COMMAND", parser_class=_Parser)
    schema_sub.required = True
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
    chk.set_defaults(run=_schema_check)

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
    mg.add_argument("--dataset", default="dataset", metavar="DIR", help="the dataset folder (default: dataset)")
    mg.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    mg.add_argument(
        "--allow-loss",
        action="store_true",
        help="going down, drop values the older version cannot hold (they are listed)",
    )
    mg.set_defaults(run=_migrate)

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
    d.set_defaults(run=_diff)
    return parser


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command and exit: 0 ok, 1 problems, 2 usage, 3 internal error (a bug: please report it)."""
    from ailedger.errors import AiledgerError

    try:
        code = run(argv)
    except AiledgerError as exc:
        print(f"ailedger: error: {exc}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as exc:
        print(f"ailedger: internal error: {type(exc).__name__}: {exc}; please report this as a bug", file=sys.stderr)
        code = 3
    sys.exit(code)
