"""Benchmark the test suite: wall time and the CPU time of every process it starts, serial and parallel.

    .venv/bin/python benchmarks/suite.py                 # make test's way (-n auto) and serially (-n 0)
    .venv/bin/python benchmarks/suite.py --jobs 2,3 --json suite.json

Each run is `pytest -q -n JOBS --dist loadscope --no-loadscope-reorder` (what `make test` runs; ``0`` = one process, no xdist) in a
child process of this one, which makes itself a *subreaper* (Linux ``PR_SET_CHILD_SUBREAPER``): every process
the tests start — pool workers of the forkserver, Chromium, LibreOffice, `handbook` subprocesses — is
reaped here at the latest, so ``RUSAGE_CHILDREN`` holds the CPU time of all of them. CPU time says what the
suite costs regardless of how busy the machine is; wall time is what a developer waits, and depends on it.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PR_SET_CHILD_SUBREAPER = 36


def run_suite(jobs: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", jobs, "--dist", "loadscope",
                           "--no-loadscope-reorder"], cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - started
    while True:  # orphans reparented to us: reap them all, so their CPU time is counted
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = (done.stdout.strip().splitlines() or [""])[-1]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", summary)}
    return {"jobs": jobs, "exit": done.returncode, "wall_s": round(wall, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "load_before": round(load, 2), "load_after": round(os.getloadavg()[0], 2), **counts,
            "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default="auto,0", help="comma-separated pytest-xdist worker counts (0 = serial)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args()
    if ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("cannot become a subreaper (Linux only): CPU time of orphaned processes would be missed")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    results = [run_suite(jobs) for jobs in args.jobs.split(",")]
    print(f"Commit {commit}, {os.cpu_count()} cores.\n")
    print("| workers | wall s | CPU s (all processes) | CPU / wall | passed | failed | load before → after |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {'serial' if r['jobs'] == '0' else r['jobs']} | {r['wall_s']} | {r['cpu_s']} | "
              f"{r['cpu_s'] / r['wall_s']:.2f} | {r.get('passed', 0)} | {r.get('failed', 0) + r.get('errors', 0)} | "
              f"{r['load_before']} → {r['load_after']} |")
    if args.json:
        args.json.write_text(json.dumps({"commit": commit, "results": results}, indent=2), encoding="utf-8")
    if any(r["exit"] != 0 for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
