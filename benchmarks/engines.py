"""Both engines on a synthetic org: MkDocs + Material and Zensical build the same plan.

    .venv/bin/python benchmarks/engines.py                # 100 roles, each engine built 3 times
    .venv/bin/python benchmarks/engines.py --roles 300 --runs 5

The content root gets its documents rendered once (the first MkDocs build, cold); every timed build then finds
them in the root's cache, so the figures compare what the engines themselves cost: loading, planning the site,
turning Markdown into HTML, search index, zips. Each build runs `handbook build` as a subprocess. Afterwards the
two sites are compared: the same pages, and the same downloads in `manifest.json` (the offline zip aside: it holds
each engine's own site). Prints the medians as Markdown; exits 1 if the sites differ.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import synthetic_org  # noqa: E402

ENGINES = ("mkdocs", "zensical")


def build(root: Path, out: Path, engine: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "generator.cli", "build", "--root", str(root), "--out", str(out),
                    "--engine", engine], check=True, capture_output=True, cwd=REPO)
    return time.perf_counter() - started


def pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name != "404.html"}


def downloads(site: Path) -> dict[str, dict]:
    entries = json.loads((site / "downloads" / "manifest.json").read_bytes())
    return {e["path"]: e for e in entries if e["path"] != "downloads/handbook-offline.zip"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="engines-bench-") as tmp:
        root = synthetic_org.write(args.roles, Path(tmp) / "root")
        cold = build(root, Path(tmp) / "cold", "mkdocs")
        seconds = {engine: [build(root, Path(tmp) / engine, engine) for _ in range(args.runs)] for engine in ENGINES}
        sites = {engine: Path(tmp) / engine for engine in ENGINES}
        same_pages = pages(sites["mkdocs"]) == pages(sites["zensical"])
        same_downloads = downloads(sites["mkdocs"]) == downloads(sites["zensical"])
        count = len(pages(sites["mkdocs"]))
        shutil.rmtree(Path(tmp) / "cold", ignore_errors=True)
    print(f"{args.roles} roles, {count} pages; first (cold) build with MkDocs: {cold:.1f} s")
    print("\n| engine | median s | runs |\n|---|---|---|")
    for engine in ENGINES:
        print(f"| {engine} | {statistics.median(seconds[engine]):.2f} | "
              + ", ".join(f"{s:.2f}" for s in seconds[engine]) + " |")
    print(f"\nsame pages: {same_pages}; same downloads: {same_downloads}")
    return 0 if same_pages and same_downloads else 1


if __name__ == "__main__":
    sys.exit(main())
