"""Benchmark 全部岗位说明书.pdf (the book of every job description) at scale.

    .venv/bin/python benchmarks/book.py                      # 100 and 500 roles, 3 runs each (~30 min)
    .venv/bin/python benchmarks/book.py --sizes 100 --runs 3 --json book.json

For each size a synthetic content root (``synthetic_org.write``) is measured:

* **book alone, cold** (``--runs`` times, each from an empty cache): only the book is produced
  (``documents.plan`` narrowed to it) through ``produce.produce`` with every core, in a fresh process;
* **full build, cold** (``--cold-runs`` times): ``handbook build`` with ``.cache/`` and the output deleted;
* **rebuild after editing one duty** (``--runs`` times, after the last cold build, each editing another role:
  HR's week): the first duty of a role rewritten with the same length (its page count stays), then
  ``handbook build`` again.

Each measurement runs as a subprocess under a small wrapper that samples the process tree every 0.1 s: wall
time, CPU time of every process, and peak RSS of the largest single process (the build, the forkserver or one
pool worker, not their sum; ``RUSAGE_CHILDREN`` would miss the workers, which the forkserver forks). The load
average (``/proc/loadavg``) is read before each measurement: the VM is shared, so read the medians with it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import run as build_bench  # noqa: E402
import synthetic_org  # noqa: E402
from run import CORES, revision, table  # noqa: E402

# The build's workers are forked by a forkserver the build never waits for, so RUSAGE_CHILDREN misses them:
# this wrapper samples the whole process tree instead (/proc, every 0.1 s): peak RSS is the largest VmHWM
# of any one process (build, forkserver or worker), CPU the sum over every process seen.
WRAPPER = """import json, os, subprocess, sys, time
def tree(root):
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return found
def sample(pid, peak, cpu):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    peak[pid] = max(peak.get(pid, 0), int(line.split()[1]))
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu[pid] = max(cpu.get(pid, 0), int(fields[11]) + int(fields[12]))
    except (OSError, IndexError, ValueError):
        pass
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
peak, cpu = {}, {}
while proc.poll() is None:
    for pid in tree(proc.pid):
        sample(pid, peak, cpu)
    time.sleep(0.1)
wall = time.perf_counter() - started
ticks = os.sysconf("SC_CLK_TCK")
json.dump({"rc": proc.returncode, "wall": wall, "cpu": sum(cpu.values()) / ticks,
           "peak_kb": max(peak.values(), default=0), "processes": len(peak)}, open(sys.argv[1], "w"))
"""


def measured(cmd: list[str], work: Path) -> dict:
    """Run ``cmd`` under WRAPPER: wall seconds, CPU seconds of the process tree, peak RSS (MB) of its largest process."""
    return build_bench.measured(cmd, work, WRAPPER)


BOOK_ALONE = """import sys
from pathlib import Path
from generator.documents import plan
from generator.documents.produce import Production
from generator.content.loader import load_handbook
root, cache = Path(sys.argv[1]), Path(sys.argv[2])
hb = load_handbook(root)
everything = plan.plan
plan.plan = lambda hb: [d for d in everything(hb) if d.kind == "job-description-book"]
report = Production(hb, cache).wait()
assert [d.kind for d in report.rendered] == ["job-description-book"], report.rendered
"""


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0]) if Path("/proc/loadavg").exists() else 0.0


def build(root: Path, out: Path, work: Path, name: str) -> dict:
    report = work / f"{name}.json"
    run = measured([sys.executable, "-m", "generator.cli", "build", "--root", str(root), "--out", str(out),
                    "--report", str(report)], work)
    data = json.loads(report.read_text(encoding="utf-8"))
    return {**run, "load": None, "documents_s": data["timings"].get("documents", 0.0),
            "rendered": data["rendered"]}


def edit_one_duty_of(root: Path, index: int) -> str:
    """Rewrite the first duty of the ``index``-th role (from the middle on), keeping its length."""
    files = sorted((root / "roles").glob("*.yml"))
    path = files[(len(files) // 2 + 7 * index) % len(files)]
    text = path.read_text(encoding="utf-8")
    match = re.search(r"^(\s+text: )(.+)$", text, re.MULTILINE)
    assert match, path
    old = match.group(2)
    new = f"修订{index % 10}" + old[3:]
    path.write_text(text[:match.start(2)] + new + text[match.end(2):], encoding="utf-8")
    return path.stem


def book_alone(size: int, work: Path) -> dict:
    root = work / "content"
    if not root.exists():
        synthetic_org.write(size, root)
    cache = work / "book-cache"
    shutil.rmtree(cache, ignore_errors=True)
    before = load()
    result = {**measured([sys.executable, "-c", BOOK_ALONE, str(root), str(cache)], work), "load": before}
    shutil.rmtree(cache, ignore_errors=True)
    return result


def cold_build(size: int, work: Path) -> dict:
    root, out = work / "content", work / "site"
    synthetic_org.write(size, root)  # fresh content, no .cache/
    shutil.rmtree(out, ignore_errors=True)
    before = load()
    return {**build(root, out, work, "cold"), "load": before}


def rebuild(work: Path, index: int) -> dict:
    root, out = work / "content", work / "site"
    edited = edit_one_duty_of(root, index)
    before = load()
    result = {**build(root, out, work, f"rebuild{index}"), "load": before, "edited": edited}
    result["book_kb"] = (out / "downloads" / "job-descriptions-all.pdf").stat().st_size / 1024
    return result


def markdown(results: dict[str, dict[str, list[dict]]], commit: str) -> str:
    rows = []
    for size, parts in results.items():
        for part, label in (("book_alone", "book alone, cold"), ("cold", "full build, cold"),
                            ("rebuild", "rebuild after one duty edit")):
            runs = parts.get(part, [])
            if not runs:
                continue
            rows.append([size, label, len(runs), statistics.median(r["wall"] for r in runs),
                         statistics.median(r["peak_mb"] for r in runs), statistics.median(r["cpu"] for r in runs),
                         ", ".join(f"{r['wall']:.1f}" for r in runs), ", ".join(f"{r['load']:.1f}" for r in runs)])
    notes = []
    for size, parts in results.items():
        for r in parts.get("rebuild", [])[:1]:
            notes.append(f"Rebuild after editing {r['edited']} ({size} roles) re-rendered: {', '.join(r['rendered'])}; "
                         f"book {r['book_kb']:.0f} KB")
    return (f"Commit {commit}, {CORES} cores.\n\n"
            + table(["roles", "what", "runs", "wall s (median)", "peak RSS MB (median)", "CPU s (median)",
                     "wall s of each run", "load average before each run"], rows)
            + "\n\n" + "\n".join(notes) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500", help="comma-separated role counts")
    parser.add_argument("--runs", type=int, default=3, help="book-alone runs and rebuilds per size")
    parser.add_argument("--book-runs", type=int, help="book-alone runs per size (default: --runs)")
    parser.add_argument("--cold-runs", type=int, default=3, help="full cold builds per size")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--rebuilds-only", action="store_true",
                        help="only the rebuilds, on the content and site a previous run left in --keep")
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",")]
    commit = revision()
    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="handbook-book-"))
    results: dict[str, dict[str, list[dict]]] = {}

    def record(size: str, part: str, result: dict) -> None:
        results.setdefault(size, {}).setdefault(part, []).append(result)
        if args.json:
            args.json.write_text(json.dumps({"commit": commit, "cores": CORES, "results": results},
                                            ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    try:
        for size in sizes:
            folder = work / size
            if args.rebuilds_only:
                for n in range(args.runs):
                    print(f"book benchmark: {size} roles, rebuild {n + 1}/{args.runs}", file=sys.stderr, flush=True)
                    record(size, "rebuild", rebuild(folder, n))
                continue
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            book_runs = args.runs if args.book_runs is None else args.book_runs
            for n in range(book_runs):
                print(f"book benchmark: {size} roles, book alone {n + 1}/{book_runs}", file=sys.stderr, flush=True)
                record(size, "book_alone", book_alone(int(size), folder))
            for n in range(args.cold_runs):
                print(f"book benchmark: {size} roles, cold build {n + 1}/{args.cold_runs}", file=sys.stderr, flush=True)
                record(size, "cold", cold_build(int(size), folder))
            for n in range(args.runs if args.cold_runs else 0):
                print(f"book benchmark: {size} roles, rebuild {n + 1}/{args.runs}", file=sys.stderr, flush=True)
                record(size, "rebuild", rebuild(folder, n))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(markdown(results, commit))


if __name__ == "__main__":
    main()
