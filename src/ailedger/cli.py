"""The ``ailedger`` command: parse arguments, run one subcommand, return an exit code.

Exit codes: 0 success, 1 the data has problems (or an :class:`~ailedger.errors.AiledgerError`),
2 usage error, 3 internal error (a bug), 130 interrupted. Only :func:`main` exits;
every subcommand returns its code so it can be tested in-process.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from ailedger._version import __version__


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
    for line in compatibility.lines(findings):
        print(line)
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
    from ailedger import cli_args, cli_texts

    return cli_args.build_parser(
        _Parser,
        {
            "validate": _validate,
            "new": _new,
            "info": _info,
            "build": _build,
            "serve": _serve,
            "download": _download,
            "texts fetch": lambda args: _emit(cli_texts.fetch(args)),
            "source add": lambda args: _emit(cli_texts.add(args)),
            "show": _show,
            "plot": _plot,
            "schema check": _schema_check,
            "migrate": _migrate,
            "diff": _diff,
        },
    )


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command and exit: 0 ok, 1 problems, 2 usage, 3 internal error (a bug: please report it)."""
    from ailedger.errors import AiledgerError

    validating = list(sys.argv[1:] if argv is None else argv)[:1] == ["validate"]
    if validating:
        # Every record stays alive until the process exits, right after the command: the cyclic collector
        # would only scan them all again when validation turns it back on (0.3 s for 10,000 record files).
        gc.disable()
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
    if validating and argv is None:  # the whole process, as a console script or python -m
        _exit_now(code)
    sys.exit(code)


def _exit_now(code: int) -> None:
    """Leave without freeing every record one by one (0.2 s at 10,000 record files), as mypy does: the output is
    flushed and every file the command wrote is closed already."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # the reader went away, or the stream was closed
        pass
    os._exit(code)
