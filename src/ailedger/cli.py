"""The ``ailedger`` command: parse arguments, run one subcommand, return an exit code.

Exit codes: 0 success, 1 the data has problems, 2 usage error. Only :func:`main`
exits; every subcommand returns its code so it can be tested in-process.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ailedger._version import __version__

EPILOG = "Docs: README.md. Exit codes: 0 ok, 1 problems found, 2 usage error, 3 internal error."


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse exits with 2 itself; keep that, with a pointer to --help.
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def _validate(args: argparse.Namespace) -> int:
    from ailedger import diagnostics
    from ailedger.validate import validate

    paths = [Path(p) for p in args.paths] or [Path("dataset")]
    report = validate(paths, Path(args.texts) if args.texts else None)
    shown = report.diagnostics
    if args.format == "json":
        print(diagnostics.to_json(shown, report.files_checked))
    else:
        for d in shown:
            print(d.text())
        errors, warnings = len(report.errors), len(report.warnings)
        status = "ok" if report.exit_code(args.strict) == 0 else "failed"
        print(f"{status}: {report.files_checked} files, {errors} errors, {warnings} warnings", file=sys.stderr)
    return report.exit_code(args.strict)


def _info(args: argparse.Namespace) -> int:
    import ailedger
    from ailedger import loader

    print(f"ailedger {ailedger.__version__} (dataset {ailedger.DATASET_VERSION}, schema {ailedger.SCHEMA_VERSION})")
    print(f"data: {loader.data_dir()}")
    print("tables:")
    for name in ailedger.tables():
        print(f"  {name:<14} {loader.manifest()['tables'][name]['rows']:>6} rows  {ailedger.path(name).name}")
    print("sources:")
    for src in ailedger.load("sources"):
        print(f"  {src.id}  {src.publisher}, {src.published}, {src.language}  {src.url or '(no url)'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ailedger", description="An open, sourced dataset of the AI industry.", epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"ailedger {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    v = sub.add_parser(
        "validate",
        help="check record files against the schema and across records",
        description="Check record files against schema v1 and across records; report every problem as path:line:column.",
        epilog="Example: ailedger validate dataset/ --texts ../shared/sources. " + EPILOG,
    )
    v.add_argument("paths", nargs="*", metavar="PATH", help="record files, table folders or a dataset folder (default: dataset/)")
    v.add_argument("--texts", metavar="DIR", help="folder of source texts <source id>.txt to check quotes against; without it quotes are unverified (a warning)")
    v.add_argument("--format", choices=["text", "json"], default="text", help="text for people (default), json for machines")
    v.add_argument("--strict", action="store_true", help="treat warnings as errors")
    v.set_defaults(run=_validate)

    i = sub.add_parser("info", help="show versions, tables, row counts, sources and file locations", epilog=EPILOG)
    i.set_defaults(run=_info)
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
    except Exception as exc:  # noqa: BLE001 - never a traceback for users; say it is our bug
        print(f"ailedger: internal error: {type(exc).__name__}: {exc}; please report this as a bug", file=sys.stderr)
        code = 3
    sys.exit(code)
