"""Validating the curated files: parse every file, check it against the schema, then across records.

Every problem in every file is collected, never just the first; the files are
only read, never written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ailedger.memory import gc_paused
from ailedger.schema import LATEST
from ailedger.texts import Store, verified
from ailedger.validate import rules
from ailedger.validate.diagnostics import Diagnostic, sort
from ailedger.validate.files import BULK_SUFFIX, discover
from ailedger.validate.record import MAX_PROBLEMS, ParsedRecord, check_file


@dataclass(slots=True)
class Report:
    """The outcome of a validation run; with ``keep_bulk`` it also carries the checked bulk rows to the build.

    The build validates first and must not read a million bulk rows twice, so the
    rows the run already holds as Arrow tables travel on in :attr:`bulk_rows`.
    """

    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0
    records: list[ParsedRecord] = field(default_factory=list)
    bulk_rows: dict[str, list[Any]] = field(default_factory=dict)
    """With ``keep_bulk``: per table, the checked rows of its bulk files as Arrow tables."""
    verified: dict[str, bool] = field(default_factory=dict)
    """Source id to whether its quotes were checked against a text of the SHA-256 its record names."""

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def validate(
    paths: list[Path],
    texts: Path | Store | None = None,
    keep_bulk: bool = False,
    cache: Path | bool = False,
    require_texts: bool = False,
) -> Report:
    """Validate record files and folders; cross-record rules see every record that passed the schema.

    A record or bulk file named on its own is checked in context: against every
    record of the dataset it lives in (its table folder's parent), since its
    references, ids and figures mean nothing alone. Only the named files'
    problems (and those of the folders named beside them) are reported.

    ``cache``: a folder for :mod:`ailedger.validate.cache`, which gives the
    same report faster when little changed since the last run, or True for
    the user's cache folder (unless ``AILEDGER_VALIDATE_CACHE=off``); False
    reads everything afresh.

    ``texts`` is where source texts are looked up: a folder of ``<source id>.txt``
    (a path), a :class:`~ailedger.texts.Store` (the command line passes the
    cache or ``$AILEDGER_TEXTS``), or None to check no quotes. With
    ``require_texts`` a source whose text cannot be had is an error, not a warning.
    """
    store = Store.plain(texts) if isinstance(texts, Path) else texts
    named = [p for p in paths if p.is_file() and not p.is_symlink() and p.parent.name in LATEST.TABLES]
    if not named:
        return _validate(paths, store, keep_bulk, cache, require_texts)
    datasets = sorted({p.parent.parent.resolve() for p in named})
    folders = [p.resolve() for p in paths if p not in named]
    wider = datasets + [f for f in folders if not any(f.is_relative_to(d) for d in datasets)]
    report = _validate(wider, store, keep_bulk, cache, require_texts)
    wanted = {p.resolve() for p in named} | _cited_sources(report, named)

    def asked(shown: str) -> bool:
        where = Path(shown).resolve()
        return where in wanted or any(where.is_relative_to(f) for f in folders)

    report.diagnostics = [d for d in report.diagnostics if asked(d.path)]
    report.files_checked = sum(1 for _, path in discover(paths)[0])
    return report


def _cited_sources(report: Report, named: list[Path]) -> set[Path]:
    """The files of the sources the named files quote: a problem with their text is a problem of the quotes too.

    A bulk file's rows are not kept as records, so naming one takes in every source.
    """
    wanted = {p.resolve() for p in named}
    every = any(p.suffix == BULK_SUFFIX for p in named)
    cited = {
        c.source_id
        for r in report.records
        if r.record is not None and Path(r.path).resolve() in wanted
        for c in getattr(r.record, "citations", ())
    }
    return {
        Path(r.path).resolve()
        for r in report.records
        if r.table == "sources" and r.record is not None and (every or r.record.id in cited)
    }


def _validate(
    paths: list[Path], texts: Store | None, keep_bulk: bool, cache: Path | bool, require_texts: bool
) -> Report:
    files, problems = discover(paths)
    report = Report(diagnostics=problems, files_checked=len(files))
    bulk_files = [(table, path) for table, path in files if path.suffix == BULK_SUFFIX]
    store = None
    if cache is not False:
        from ailedger.validate.cache import ValidationCache, default_folder

        folder = default_folder() if cache is True else cache
        store = None if folder is None else ValidationCache(folder, paths)
    with gc_paused():  # every parsed record stays alive to the end: the collector would only rescan them
        for table, path in files:
            if path.suffix == BULK_SUFFIX:
                continue
            loaded, found = check_file(table, path) if store is None else store.check_file(table, path)
            report.diagnostics += found
            report.records.append(loaded)
        if bulk_files:
            from ailedger.validate import bulk  # pyarrow and numpy only when there is bulk data

            keep = report.bulk_rows if keep_bulk else None
            report.diagnostics += bulk.check(report.records, bulk_files, texts, keep, require_texts)
        elif store is None:
            report.diagnostics += rules.check(report.records, texts, require_texts)
        else:
            report.diagnostics += store.rules(report.records, texts, require_texts)
    if store is not None:
        store.save()
    sources = [r.record for r in report.records if r.table == "sources" and r.record is not None]
    report.verified = verified(texts, sources)
    report.diagnostics = per_record_cap(sort(report.diagnostics))
    return report


def per_record_cap(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """At most ``MAX_PROBLEMS`` per record (a record file, or a bulk row), then one line saying how many more.

    Parsing and the schema stop at the cap themselves; this caps what the
    rules find (a record with 1,000 aliases its quote does not state). The
    list comes sorted and stays so.
    """

    def record(d: Diagnostic) -> tuple[str, int | None]:
        return (d.path, d.line if d.path.endswith(BULK_SUFFIX) else None)

    counts = Counter(map(record, diagnostics))
    over = {key for key, n in counts.items() if n > MAX_PROBLEMS + 1}  # + 1: the parser's own summary line
    if not over:
        return diagnostics
    out: list[Diagnostic] = []
    shown: Counter[tuple[str, int | None]] = Counter()
    for d in diagnostics:
        key = record(d)
        if key in over:
            shown[key] += 1
            if shown[key] > MAX_PROBLEMS:
                continue
        out.append(d)
    for path, line in over:
        more = counts[(path, line)] - MAX_PROBLEMS
        where = "file" if line is None else "row"
        message = f"and {more} more problems in this {where}; fix the ones above and run again"
        out.append(Diagnostic(path, line, None, "record.too-many-problems", "", message))
    return sorted(out, key=Diagnostic.sort_key)
