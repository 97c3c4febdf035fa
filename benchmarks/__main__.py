"""``python -m benchmarks``: ailedger against the raw libraries on the same synthetic input, side by side.

Generates a seeded dataset (default: one million metrics), runs every case of
:mod:`benchmarks.cases` several times per side, each side in a process of its
own, prints the medians, the ratio to the baseline and the peak memory, and
writes the same figures as JSON. Exits 0 whether or not a target is met: the
report says which are.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.cases import CASES, Case, Paths, clean
from benchmarks.generate import generate

PROCESS_CASES = {"e", "f"}


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next((line.split()[1] for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")), "0")
    versions = {name: _version(name) for name in ("ailedger", "pydantic", "pydantic-core", "pyarrow", "numpy")}
    return {
        "platform": platform.platform(), "cpu": cpu, "cpus": os.cpu_count(), "memory_gb": round(int(mem) / 2**20, 1),
        "python": platform.python_version(), "versions": versions,
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def side(case: Case, name: str, work: Path, repeat: int) -> dict[str, Any]:
    argv = [sys.executable, "-m", "benchmarks.worker", case.key, name, str(work), str(repeat)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        raise SystemExit(f"case {case.key} ({name}) failed:\n{done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["median"] = statistics.median(figures["times"])
    figures["cpu_median"] = statistics.median(figures["cpu"])
    figures["min"] = min(figures["times"])
    return figures


def verdict(case: Case, ours: dict[str, Any], base: dict[str, Any] | None) -> tuple[float | None, bool]:
    if base is None:
        return None, ours["median"] < case.limit
    ratio = ours["median"] / base["median"]
    if case.key == "e":
        return ratio, ours["median"] - base["median"] <= case.limit
    if case.key == "h":  # the targets are absolute: seconds to draw, size of the file
        return ratio, ours["median"] < case.limit and ours["bytes"] < CHART_BYTES
    return ratio, ratio <= case.limit


CHART_BYTES = 500_000
MEMORY_LIMITS = {"a": 1024, "i": 500}
"""Peak memory targets in MB: validating a million metrics, and ten thousand record files."""


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: on a shared machine, what else ran beside the benchmarks."""
    try:
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def bytecode() -> None:
    """Compile ailedger's modules to bytecode, as pip does when it installs the package.

    An editable install never has any, and with ``PYTHONDONTWRITEBYTECODE`` set
    (as on the machines here) every whole process (cases e, f, i, j) would
    compile ailedger's source again, about 0.1 s that no installed copy spends.
    """
    import compileall

    import ailedger

    compileall.compile_dir(Path(ailedger.__file__).parent, quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", type=int, default=1_000_000, help="metric rows to generate (default 1000000)")
    parser.add_argument(
        "--models", type=int, default=500, help="apps the series are about, one YAML record each (default 500)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per side of the data cases (default 3)")
    parser.add_argument(
        "--process-repeat", type=int, default=10, help="runs of the whole-process cases e and f (default 10)"
    )
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--work", type=Path, help="folder for the generated data (default: a temporary folder, removed afterwards)"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=Path("benchmarks/results.json"),
        help="where to write the figures (default benchmarks/results.json)",
    )
    parser.add_argument(
        "--records", type=int, default=10_000, help="YAML record files of cases i and j (default 10000)"
    )
    parser.add_argument("--cases", default="abcdefghijk", help="which cases to run (default abcdefghijk)")
    args = parser.parse_args(argv)
    os.environ["AILEDGER_BENCH_RECORDS"] = str(args.records)  # read by the worker processes

    work = args.work or Path(tempfile.mkdtemp(prefix="ailedger-bench-"))
    paths = Paths(work)
    start = time.perf_counter()
    generate(work, args.metrics, models=args.models, seed=args.seed)
    bytecode()
    size = paths.metrics.stat().st_size
    info = machine()
    info["load_average_start"] = load_average()
    print(
        f"ailedger benchmarks: {args.metrics} metrics ({size / 1e6:.0f} MB of JSON Lines), {args.models} models, "
        f"{args.records} record files, seed {args.seed}, "
        f"{args.repeat} runs per side (whole processes e, f: {args.process_repeat}), medians"
    )
    print(f"load average at start: {load_average()}")
    print(f"machine: {info['cpu']}, {info['cpus']} cores, {info['memory_gb']} GB, Python {info['python']}, "
          + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    print()
    results = []
    try:
        for case in CASES:
            if case.key not in args.cases:
                continue
            repeat = args.process_repeat if case.key in PROCESS_CASES else args.repeat
            ours = side(case, "ailedger", work, repeat)
            base = side(case, "baseline", work, repeat) if case.baseline else None
            extra = side(case, "extra", work, repeat) if case.extra else None
            ratio, met = verdict(case, ours, base)
            row = {
                "case": case.key,
                "title": case.title,
                "target": case.target,
                "met": met,
                "ratio": ratio,
                "ailedger": ours,
            }
            print(f"({case.key}) {case.title}")
            print(f"    ailedger   {seconds(ours['median']):>10}   peak {ours['peak_mb']:7.0f} MB")
            if base is not None:
                row["baseline"] = {"name": case.baseline_name, **base}
                print(
                    f"    baseline   {seconds(base['median']):>10}   peak {base['peak_mb']:7.0f} MB   "
                    f"{case.baseline_name}"
                )
            if extra is not None:
                row["extra"] = {"name": case.extra_name, **extra, "ratio": ours["median"] / extra["median"]}
                print(
                    f"    reference  {seconds(extra['median']):>10}   peak {extra['peak_mb']:7.0f} MB   "
                    f"{case.extra_name}; ratio {ours['median'] / extra['median']:.2f}x"
                )
            shown = f"ratio {ratio:.2f}x" if ratio is not None else f"{seconds(ours['median'])}"
            if case.key == "e" and base is not None:
                shown += f", {(ours['median'] - base['median']) * 1000:+.0f} ms"
            if "bytes" in ours:
                shown += f", {seconds(ours['median'])}, SVG {ours['bytes'] / 1000:,.0f} KB"
                shown += f" (baseline {base['bytes'] / 1000:,.0f} KB)" if base and "bytes" in base else ""
            print(f"    {shown}   target {case.target}: {'met' if met else 'MISSED'}")
            if base is not None:
                row["cpu_ratio"] = ours["cpu_median"] / base["cpu_median"]
                print(
                    f"    cpu time   ailedger {seconds(ours['cpu_median'])}, baseline {seconds(base['cpu_median'])}: "
                    f"ratio {row['cpu_ratio']:.2f}x"
                )
            if case.key in MEMORY_LIMITS:
                limit = MEMORY_LIMITS[case.key]
                within = ours["peak_mb"] <= limit
                row["memory_target_met"] = within
                verdict_text = "met" if within else "MISSED"
                print(f"    peak memory {ours['peak_mb']:.0f} MB   target <= {limit} MB: {verdict_text}")
            print()
            results.append(row)
    finally:
        if args.work is None:
            clean(paths)
    print(f"load average at the end: {load_average()}")
    info["load_average_end"] = load_average()
    report = {"params": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, "jsonl_bytes": size,
              "machine": info, "seconds_total": round(time.perf_counter() - start, 1), "cases": results}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
