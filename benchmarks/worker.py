"""Run one side of one case several times in this process and print its figures as JSON.

A process per side keeps each side's peak memory its own: ``ru_maxrss`` is the
high-water mark of the process, setup included. CPU time (user and system, all
threads; of the child for whole-process cases) is kept beside the wall clock:
on a shared machine it varies less with what else runs.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time
from pathlib import Path

from benchmarks.cases import Paths, find


def main(argv: list[str]) -> None:
    key, side, work, repeat = argv[0], argv[1], Path(argv[2]), int(argv[3])
    case = find(key)
    setup = {"ailedger": case.ailedger, "baseline": case.baseline, "extra": case.extra}[side]
    assert setup is not None
    timed = setup(Paths(work))
    times: list[float] = []
    cpu: list[float] = []
    child_peaks: list[float] = []
    sizes: list[float] = []
    for _ in range(repeat):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = timed()
        elapsed, used = time.perf_counter() - start, time.process_time() - start_cpu
        if isinstance(result, dict) and "seconds" in result:  # a whole process: its own time and memory
            elapsed, used = result["seconds"], result["cpu"]
            child_peaks.append(result["peak_mb"])
        if isinstance(result, dict) and "bytes" in result:  # a file written: its size is a figure too
            sizes.append(result["bytes"])
        times.append(elapsed)
        cpu.append(used)
        del result
    peak = max(child_peaks) if child_peaks else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures: dict[str, object] = {"times": times, "cpu": cpu, "peak_mb": round(peak, 1)}
    if sizes:
        figures["bytes"] = max(sizes)
    print(json.dumps(figures), flush=True)
    # Done: leave without the interpreter's teardown, during which a pyarrow thread pool still running can abort
    # the process ("terminate called without an active exception", apache/arrow#34314; seen once in case c).
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
