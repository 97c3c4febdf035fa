"""The benchmark cases: per case, how ailedger does it and how the raw library does it on the same input.

Each side is a setup function that prepares its input (not timed) and returns
the function to time. A side runs in a process of its own, several times, so
its peak memory is its own (see :mod:`benchmarks.worker`).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Timed = Callable[[], Any]


@dataclass(frozen=True)
class Paths:
    """Where the generated input and the built data of one benchmark run live."""

    work: Path

    @property
    def dataset(self) -> Path:
        return self.work / "dataset"

    @property
    def texts(self) -> Path:
        return self.work / "texts"

    @property
    def metrics(self) -> Path:
        return self.dataset / "metrics" / "dau.jsonl"

    @property
    def data(self) -> Path:
        return self.work / "data"


def _point_loader_at(data: Path) -> Any:
    """The loader reading a built data folder instead of the installed package's (the synthetic build)."""
    from ailedger import loader

    loader.data_dir = lambda: data  # type: ignore[assignment]
    loader.manifest.cache_clear()
    return loader


# (a) validate ---------------------------------------------------------------------------------------


def validate_ailedger(p: Paths) -> Timed:
    from ailedger.validate import validate

    def run() -> None:
        report = validate([p.dataset], p.texts)
        if report.errors:
            raise SystemExit(f"the synthetic dataset has errors: {report.errors[0].text()}")

    return run


def _json_array(p: Paths) -> bytes:
    lines = p.metrics.read_bytes().splitlines()
    return b"[" + b",".join(lines) + b"]"


def validate_pydantic(p: Paths) -> Timed:
    from pydantic import TypeAdapter

    from ailedger.schema import LATEST

    adapter = TypeAdapter(list[LATEST.Metric])
    data = _json_array(p)
    return lambda: adapter.validate_json(data)


def validate_pydantic_gc_off(p: Paths) -> Timed:
    raw = validate_pydantic(p)

    def run() -> Any:
        gc.disable()
        try:
            return raw()
        finally:
            gc.enable()

    return run


# (b) build ------------------------------------------------------------------------------------------


def build_ailedger(p: Paths) -> Timed:
    """Validation (kept rows) in setup; timed: bulk rows to release tables, sort check, Parquet, hashes, manifest,
    swap."""
    from ailedger.arrow import release_table
    from ailedger.release import tables
    from ailedger.schema import LATEST
    from ailedger.validate import validate

    report = validate([p.dataset], p.texts, keep_bulk=True)
    records: dict[str, list[Any]] = {name: [] for name in LATEST.TABLES}
    for rec in report.records:
        records[rec.table].append(rec.record)

    def run() -> None:
        rows = {name: release_table(parts, LATEST.TABLES[name]) for name, parts in report.bulk_rows.items()}
        tables.write_tables(tables.to_tables(records, rows), p.data)

    return run


def build_pyarrow(p: Paths) -> Timed:
    """Timed: ``pyarrow.parquet.write_table`` of the metrics table the build writes, with the same writer settings."""
    import pyarrow.parquet as pq

    from ailedger.release.tables import PARQUET_OPTIONS

    table = pq.read_table(p.data / "metrics.parquet")
    out = p.work / "raw-metrics.parquet"
    return lambda: pq.write_table(table, out, **PARQUET_OPTIONS)


# (g) ailedger.db ------------------------------------------------------------------------------------


def _ensure_built(p: Paths) -> None:
    """The release tables of case b, built here when g runs without it."""
    if not (p.data / "metrics.parquet").is_file():
        build_ailedger(p)()


def database_ailedger(p: Paths) -> Timed:
    """Timed: ``ailedger.db`` from the release tables: every table, citations, records, indexes, full-text search,
    views, vacuum."""
    import pyarrow.parquet as pq

    from ailedger.release import database
    from ailedger.schema import LATEST

    _ensure_built(p)
    tables = {name: pq.read_table(p.data / f"{name}.parquet") for name in LATEST.TABLES}
    out = p.work / "ailedger.db"
    return lambda: database.write_database(tables, out)


def database_sqlite(p: Paths) -> Timed:
    """Timed: the metrics rows alone (dates as text, citations as JSON) through ``sqlite3.executemany`` into one
    table, in one transaction."""
    import sqlite3

    import pyarrow.parquet as pq

    _ensure_built(p)
    rows = pq.read_table(p.data / "metrics.parquet").to_pylist()
    flat = [
        tuple(json.dumps(v, default=str) if isinstance(v, (list, dict)) else v for v in row.values()) for row in rows
    ]
    out = p.work / "raw.db"

    def run() -> None:
        out.unlink(missing_ok=True)
        conn = sqlite3.connect(out)
        conn.execute(f"CREATE TABLE metrics ({', '.join(rows[0])})")
        with conn:
            conn.executemany(f"INSERT INTO metrics VALUES ({', '.join('?' * len(rows[0]))})", flat)
        conn.close()

    return run


# (c) load_table -------------------------------------------------------------------------------------


def load_table_ailedger(p: Paths) -> Timed:
    loader = _point_loader_at(p.data)

    def run() -> Any:
        return loader.load_table("metrics")  # reads, hashes and decodes the file on every call

    return run


def load_table_pyarrow(p: Paths) -> Timed:
    import pyarrow.parquet as pq

    return lambda: pq.read_table(p.data / "metrics.parquet")


# (d) load -------------------------------------------------------------------------------------------


def load_ailedger(p: Paths) -> Timed:
    loader = _point_loader_at(p.data)

    def run() -> Any:
        return loader.load("metrics")

    return run


def load_model_validate(p: Paths) -> Timed:
    """Timed: the naive loop over ``table.to_pylist()`` (dates projected to their EDTF text, which the model reads)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from ailedger.arrow import DATE
    from ailedger.schema import LATEST

    table = pq.read_table(p.data / "metrics.parquet")

    def run() -> Any:
        columns = [pc.struct_field(c, "edtf") if c.type == DATE else c for c in table.columns]
        rows = pa.table(columns, names=table.column_names).to_pylist()
        return [LATEST.Metric.model_validate(r) for r in rows]

    return run


# (e) import and (f) validate the real dataset, as whole processes ------------------------------------


def _process(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Timed:
    env = {k: v for k, v in (os.environ if env is None else env).items() if k != "PYTHONPROFILEIMPORTTIME"}

    def run() -> dict[str, float]:
        start = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - start
        if child.returncode not in (0,):
            raise SystemExit(
                f"{' '.join(argv)} exited with {child.returncode}: "
                f"{child.stderr.read().decode()[-500:] if child.stderr else ''}"
            )
        return {"seconds": elapsed, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}

    return run


def import_ailedger(p: Paths) -> Timed:
    return _process([sys.executable, "-c", "import ailedger"])


def import_pydantic(p: Paths) -> Timed:
    return _process([sys.executable, "-c", "import pydantic"])


REPO = Path(__file__).resolve().parent.parent
SHARED_TEXTS = REPO.parent / "shared" / "sources"


def validate_real_dataset(p: Paths) -> Timed:
    texts = ["--texts", str(SHARED_TEXTS)] if SHARED_TEXTS.is_dir() else []
    argv = [sys.executable, "-m", "ailedger", "validate", str(REPO / "dataset"), *texts, "--no-cache"]
    return _process(argv, cwd=REPO)


# (h) the usage chart of 100,000 figures ------------------------------------------------------------

CHART_FIGURES = 100_000
CHART_SERIES = 20


def _chart_figures() -> list[tuple[str, Any, int]]:
    """(app, day, value): 20 daily series of 5,000 days, the shape of a data provider's export."""
    import random
    from datetime import date, timedelta

    rng = random.Random(6)
    days = CHART_FIGURES // CHART_SERIES
    first = date(2012, 1, 1)
    return [
        (f"app-{a:02d}", first + timedelta(days=n), rng.randrange(10_000, 50_000_000))
        for a in range(CHART_SERIES) for n in range(days)
    ]


def chart_ailedger(p: Paths) -> Timed:
    """Draw the usage chart (spec to SVG file) as ``ailedger plot`` does; the SVG's size is reported too."""
    import matplotlib

    from ailedger import plot
    from ailedger.plot.draw import Fonts, Name, Span
    from ailedger.plot.usage import Usage, UsageFigure, draw_usage

    names = {app: Name(app.title(), (), app) for app in {a for a, _, _ in _chart_figures()}}
    by = Name("Dataprobe", (), "dataprobe")
    spec = Usage(tuple(
        UsageFigure("daily_active_users", v, Span(names[a], d, d), "as_of", by, False)
        for a, d, v in _chart_figures()
    ))
    fonts = Fonts()
    out = p.work / "usage.svg"

    def run() -> dict[str, float]:
        with matplotlib.rc_context({"svg.hashsalt": plot.HASHSALT, "font.family": "DejaVu Sans"}):
            draw_usage(spec, fonts).savefig(out, format="svg", metadata={"Date": None})
        return {"bytes": out.stat().st_size}

    return run


def chart_matplotlib(p: Paths) -> Timed:
    """Raw matplotlib on the same points: one line per series, no labels, written as SVG."""
    import matplotlib
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    series: dict[str, tuple[list[float], list[int]]] = {}
    for app, day, value in _chart_figures():
        xs, ys = series.setdefault(app, ([], []))
        xs.append(mdates.date2num(day))
        ys.append(value)
    out = p.work / "raw.svg"

    def run() -> dict[str, float]:
        with matplotlib.rc_context({"svg.hashsalt": "raw", "font.family": "DejaVu Sans"}):
            fig = Figure(figsize=(9, 6), layout="constrained")
            ax = fig.subplots()
            for xs, ys in series.values():
                ax.plot(xs, ys, linewidth=1.2)
            fig.savefig(out, format="svg", metadata={"Date": None})
        return {"bytes": out.stat().st_size}

    return run


# (i) 10,000 YAML record files, (j) again after editing one, (k) case a at 100,000 rows -------------------

RECORD_FILES = int(os.environ.get("AILEDGER_BENCH_RECORDS", "10000"))
"""Record files of cases i and j (``--records``)."""
SMALL_METRICS = 100_000


def _records(p: Paths) -> Path:
    """The record-file dataset (generated once per work folder; the seed makes it the same bytes every time)."""
    from benchmarks.generate import generate_records

    root = p.work / f"records-{RECORD_FILES}"
    if not (root / "texts").is_dir():
        generate_records(root, RECORD_FILES)
    return root


def _validate_records(root: Path, *options: str, env: dict[str, str] | None = None) -> Timed:
    return _process([sys.executable, "-m", "ailedger", "validate", "dataset", "--texts", "texts", *options], cwd=root,
                    env=env)


def records_ailedger(p: Paths) -> Timed:
    """Timed: ``ailedger validate`` of every record file, every rule, quotes checked, as a whole process, no cache."""
    return _validate_records(_records(p), "--no-cache")


def records_pyyaml(p: Paths) -> Timed:
    """Timed: PyYAML's C loader parsing the same files in-process: read each file, ``yaml.load(CSafeLoader)``."""
    import yaml

    files = sorted(_records(p).glob("dataset/*/*.yaml"))

    def run() -> None:
        for path in files:
            yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)

    return run


def revalidate_ailedger(p: Paths) -> Timed:
    """Timed: ``ailedger validate`` with the cache warm from the previous run, after a line was added to one record.

    The edit (a comment, a new one each run) changes the file's bytes, so its
    record is read again and the rules run again over every record.
    """
    root = _records(p)
    cache = p.work / "validate-cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "AILEDGER_VALIDATE_CACHE": str(cache)}
    timed = _validate_records(root, env=env)
    timed()  # fills the cache
    target = sorted((root / "dataset" / "metrics").glob("*.yaml"))[0]

    def run() -> dict[str, float]:
        with target.open("a", encoding="utf-8") as out:
            out.write(f"# edited {time.time_ns()}\n")
        return timed()

    return run


def revalidate_cold(p: Paths) -> Timed:
    """Timed: the cold run, ``ailedger validate --no-cache`` of the same files, as a whole process."""
    return _validate_records(_records(p), "--no-cache")


def _small_metrics(p: Paths) -> Paths:
    from benchmarks.generate import generate

    small = Paths(p.work / f"metrics-{SMALL_METRICS}")
    if not small.metrics.is_file():
        generate(small.work, SMALL_METRICS, models=500, seed=6)
    return small


def validate_small_ailedger(p: Paths) -> Timed:
    return validate_ailedger(_small_metrics(p))


def validate_small_pydantic(p: Paths) -> Timed:
    return validate_pydantic(_small_metrics(p))


def validate_small_pydantic_gc_off(p: Paths) -> Timed:
    return validate_pydantic_gc_off(_small_metrics(p))


@dataclass(frozen=True)
class Case:
    """One line of the report: ailedger against a baseline, with the target ratio (or seconds) from the issue."""

    key: str
    title: str
    ailedger: Callable[[Paths], Timed]
    baseline: Callable[[Paths], Timed] | None
    baseline_name: str
    target: str
    limit: float
    """Ratio ailedger/baseline to stay under; for ``import`` the allowed difference in seconds; without baseline,
    seconds."""
    extra: Callable[[Paths], Timed] | None = None
    extra_name: str = ""


CASES: list[Case] = [
    Case("a", "validate the metrics, every check", validate_ailedger, validate_pydantic,
         "pydantic TypeAdapter(list[Metric]).validate_json, default GC", "<= 0.5x", 0.5,
         validate_pydantic_gc_off, "the same with the GC paused (for reference)"),
    Case("b", "build (validation excluded)", build_ailedger, build_pyarrow,
         "pyarrow.parquet.write_table of the same table, same settings", "<= 1.5x", 1.5),
    Case("c", "load_table", load_table_ailedger, load_table_pyarrow, "pyarrow.parquet.read_table", "<= 1.1x", 1.1),
    Case("d", "load (models)", load_ailedger, load_model_validate,
         "[Metric.model_validate(r) for r in table.to_pylist()]", "<= 0.5x", 0.5),
    Case("e", "import ailedger (whole process)", import_ailedger, import_pydantic, "import pydantic (whole process)",
         "<= pydantic + 50 ms", 0.050),
    Case("f", "ailedger validate of the real dataset (whole process)", validate_real_dataset, None, "", "< 1 s", 1.0),
    Case("g", "ailedger.db of the release (every table, citations, search)", database_ailedger, database_sqlite,
         "sqlite3 executemany of the metrics rows into one table", "<= 10x", 10.0),
    Case("h", f"usage chart of {CHART_FIGURES:,} figures, drawn and written as SVG", chart_ailedger, chart_matplotlib,
         "matplotlib: one plain line per series, written as SVG", "< 3 s and SVG < 500 KB", 3.0),
    Case("i", "ailedger validate of the YAML record files (whole process)", records_ailedger,
         records_pyyaml, "PyYAML's C loader parsing the same files in-process", "<= 3x", 3.0),
    Case("j", "re-validate the record files after editing one (whole process, cache)", revalidate_ailedger,
         revalidate_cold, "the cold run: ailedger validate --no-cache", "<= 0.3x", 0.3),
    Case("k", f"validate {SMALL_METRICS:,} metrics, every check (case a at 100k)", validate_small_ailedger,
         validate_small_pydantic, "pydantic TypeAdapter(list[Metric]).validate_json, default GC", "<= 0.5x", 0.5,
         validate_small_pydantic_gc_off, "the same with the GC paused (for reference)"),
]


def find(key: str) -> Case:
    return next(c for c in CASES if c.key == key)


def clean(p: Paths) -> None:
    shutil.rmtree(p.work, ignore_errors=True)


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True)
