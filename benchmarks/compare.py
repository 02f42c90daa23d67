"""Before and after, back to back: cold builds and no-change rebuilds of two checkouts, alternated.

    .venv/bin/python benchmarks/compare.py --before main --sizes seed,100 --runs 3

Three builds per tree and size: cold, unchanged (a tree with the up-to-date check answers without building;
its report says ``up_to_date``) and, when the unchanged one did not build, once more with ``--force``: the
rebuild with every document cached, which a tree without the check made by its unchanged build.

``--before`` is a git revision of this repository, exported (``git archive``) into a temporary folder with the
vendored files ``scripts/setup.sh`` fetched copied beside it; "after" is this working tree. Both run with this
tree's ``.venv``. Every round builds each size with both trees, alternating which goes first: cold (an empty
cache of its own, ``HANDBOOK_CACHE_DIR``), then unchanged, under ``run.py``'s subreaper wrapper (wall, CPU of
every process, peak RSS of the largest). After each round it measures the naive floor again
(``run.pdf_floor``: a plain WeasyPrint render of a job description, median of 10; ``run.bare_mkdocs``), so each
cold / floor ratio is taken against a floor measured minutes from it on a machine whose load moves. Content:
``seed`` is this repository's own, a number a ``synthetic_org`` root; both trees build the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import run  # noqa: E402
import synthetic_org  # noqa: E402

from generator.content.loader import load_handbook  # noqa: E402


def export(revision: str, into: Path) -> Path:
    """``revision`` of this repository as a folder, with the untracked files set-up vendors (vendor/)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    if (REPO / "vendor").is_dir():
        shutil.copytree(REPO / "vendor", into / "vendor", dirs_exist_ok=True)
    return into


def build(tree: Path, root: Path, work: Path, name: str, cold: bool, *extra: str) -> dict:
    """One `handbook build` of ``root`` with the tool in ``tree``, its own cache and output."""
    cache, out, report = work / f"cache-{name}", work / f"site-{name}", work / f"report-{name}.json"
    if cold:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    load = os.getloadavg()[0]
    env = {**os.environ, "HANDBOOK_CACHE_DIR": str(cache), "PYTHONPATH": str(tree)}
    result = work / "wrapper.json"
    result.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-c", run.WRAPPER, str(result), sys.executable, "-m", "generator.cli",
                           "build", "--root", str(root), "--out", str(out), "--report", str(report), *extra],
                          cwd=tree, env=env, capture_output=True, text=True)
    data = json.loads(result.read_text()) if result.exists() else {"rc": proc.returncode}
    if proc.returncode or data["rc"]:
        sys.exit(f"{name}: build failed\n{proc.stdout}{proc.stderr}")
    rep = json.loads(report.read_text(encoding="utf-8"))
    return {"wall": data["wall"], "cpu": data["cpu"], "peak_mb": data["peak_kb"] / 1024, "load": load,
            "documents_wait": rep["timings"].get("documents", 0.0), "mkdocs": rep["timings"].get("mkdocs", 0.0),
            "pdfs": sum(p.endswith(".pdf") for p in rep["rendered"]), "out": str(out),
            "up_to_date": rep.get("up_to_date", False)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="main", help="git revision to compare this tree with (default: main)")
    parser.add_argument("--sizes", default="seed,100", help="comma-separated: seed and/or role counts")
    parser.add_argument("--runs", type=int, default=3, help="rounds (each: every size, both trees)")
    parser.add_argument("--json", type=Path, help="also write every measurement to this JSON file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="handbook-compare-"))
    trees = {"before": export(args.before, work / "before"), "after": REPO}
    results: dict = {}
    try:
        roots = {size: REPO if size == "seed" else synthetic_org.write(int(size), work / f"content-{size}")
                 for size in args.sizes.split(",")}
        for n in range(args.runs):
            for size, root in roots.items():
                order = list(trees) if n % 2 == 0 else list(reversed(trees))
                for name in order:
                    print(f"compare: round {n + 1}, {size}, {name}", file=sys.stderr, flush=True)
                    runs = results.setdefault(size, {}).setdefault(name, [])
                    cold = build(trees[name], root, work, f"{name}-{size}", cold=True)
                    unchanged = build(trees[name], root, work, f"{name}-{size}", cold=False)
                    cold["rebuild"], cold["up_to_date"] = unchanged["wall"], unchanged["up_to_date"]
                    forced = build(trees[name], root, work, f"{name}-{size}", False, "--force") \
                        if unchanged["up_to_date"] else unchanged
                    cold["forced"] = forced["wall"]
                    runs.append(cold)
                hb = load_handbook(root)
                floor = run.pdf_floor(hb)
                floor["mkdocs"] = run.bare_mkdocs(hb, root, Path(results[size]["after"][-1]["out"]), work)
                results[size].setdefault("floor", []).append(floor)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median = statistics.median
    rows = []
    for size, found in results.items():
        floors = found["floor"]
        for name in trees:
            runs = found[name]
            # each run against the floor of its own round
            ratios = [r["wall"] / (r["pdfs"] * f["naive"] / run.CORES + f["mkdocs"]) for r, f in zip(runs, floors)]
            path = "up to date" if all(r["up_to_date"] for r in runs) else "built"
            rows.append([size, name, median(r["wall"] for r in runs), median(r["cpu"] for r in runs),
                         f"{median(r['rebuild'] for r in runs):.2f} ({path})",
                         100 * median(r["rebuild"] / r["wall"] for r in runs),
                         median(r["forced"] for r in runs),
                         median(r["peak_mb"] for r in runs),
                         median(r["documents_wait"] for r in runs), median(ratios), runs[0]["pdfs"],
                         ", ".join(f"{r['wall']:.1f}" for r in runs), ", ".join(f"{r['load']:.1f}" for r in runs)])
        rows.append([size, "floor", median(f["naive"] for f in floors), "", "", "", "", "", "",
                     f"shipped JD {median(f['shipped'] for f in floors):.3f} s", "",
                     f"bare mkdocs {median(f['mkdocs'] for f in floors):.2f} s", ""])
    print(f"Before = {args.before}, after = {run.revision()}, {run.CORES} cores, {args.runs} rounds.\n")
    print(run.table(["size", "tree", "cold s", "cold CPU s", "no-change s", "no-change / cold %",
                     "rebuild, documents cached s", "peak RSS MB", "documents wait s",
                     "cold / naive floor (N = PDFs)", "N PDFs", "cold s of each run", "load before each run"],
                    rows))
    print("\nfloor row: the naive JD PDF in seconds (plain WeasyPrint, warm, median of 10 per round). "
          "no-change: the second build, nothing changed; rebuild, documents cached: --force where the tree "
          "has the up-to-date check, else the no-change build itself.")


if __name__ == "__main__":
    main()
