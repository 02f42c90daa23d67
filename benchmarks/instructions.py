"""Instructions per job-description PDF, counted by valgrind's callgrind: a measure the machine's load leaves alone.

    .venv/bin/python benchmarks/instructions.py                       # 100-role org, every variant, 2 renders each
    .venv/bin/python benchmarks/instructions.py --variants naive,shipped --renders 3
    .venv/bin/python benchmarks/instructions.py --wall 15     # no valgrind: seconds, medians, variants interleaved

Each variant runs in a process of its own under ``valgrind --tool=callgrind --collect-atstart=no
--toggle-collect=functools_reduce``: one warm-up render, then the counted renders are called from inside
``functools.reduce`` (a C function), so only they are counted — not the imports, the content or the warm-up.
The renders lay out the same job description (the middle role of a ``synthetic_org`` root) as the build does:

* ``naive``: WeasyPrint's plain ``write_pdf`` of its HTML (same stylesheet and fonts; no PDF/A, no tags,
  WeasyPrint's own font subsets) — the floor's render;
* ``compacted``, ``tagged``, ``pdfa``: the same plus the font finisher (``pdf_fonts.compact_fonts``) alone,
  with tags, with PDF/A-2b — their differences to ``shipped`` price tagging and PDF/A;
* ``shipped``: ``pdf.job_description`` as the build runs it (PDF/A-2b, tagged, fonts cut).

Besides the total per render it reads, with ``callgrind_annotate``, what was spent inside HarfBuzz's subsetter
and zlib's ``deflate``. Needs valgrind (``apt-get install valgrind``); ~1–3 minutes per variant on a quiet machine,
far longer on a loaded one. ``--wall N`` measures seconds instead, in this process: every variant warmed up, then
N rounds of one render of each, interleaved (so all see the same load), median per variant.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import run  # noqa: E402


def renderer(root: Path, variant: str):
    """A function that renders the middle role's job description of ``root`` the ``variant`` way."""
    from generator.content.loader import load_handbook

    return run.jd_render(load_handbook(root), variant)


def child(root: Path, variant: str, renders: int) -> None:
    render = renderer(root, variant)
    render()  # warm-up, not counted
    functools.reduce(lambda done, _: render(), range(renders), None)  # counted: inside a C function


def counted(root: Path, variant: str, renders: int, work: Path) -> dict[str, float]:
    out = work / f"callgrind.{variant}"
    subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=functools_reduce",
                    f"--callgrind-out-file={out}", sys.executable, __file__, "--child", variant,
                    "--root", str(root), "--renders", str(renders)],
                   check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(out)], check=True,
                               capture_output=True, text=True).stdout

    def inclusive(pattern: str) -> float:
        found = re.findall(r"^\s*([\d,]+) .*" + pattern, annotated, re.MULTILINE)
        return sum(int(n.replace(",", "")) for n in found) / renders / 1e6

    return {"total": inclusive(r"PROGRAM TOTALS"),
            "harfbuzz subset": inclusive(r"\?\?\?:hb_subset_plan_(?:create|execute)_or_fail "),
            "deflate": inclusive(r"\?\?\?:deflate ")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=100, help="synthetic org size (the JD is its middle role)")
    parser.add_argument("--variants", default=",".join(run.JD_VARIANTS),
                        help=f"comma-separated, of {', '.join(run.JD_VARIANTS)}")
    parser.add_argument("--renders", type=int, default=2, help="counted renders per variant")
    parser.add_argument("--wall", type=int, metavar="N", help="seconds instead, median of N interleaved rounds")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.root, args.child, args.renders)
        return
    import synthetic_org

    with tempfile.TemporaryDirectory(prefix="handbook-instructions-") as folder:
        work = Path(folder)
        root = synthetic_org.write(args.roles, work / "content")
        if args.wall:
            load = os.getloadavg()[0]
            found = run.interleaved({v: renderer(root, v) for v in args.variants.split(",")}, args.wall)
            print(f"Commit {run.revision()}, {args.roles}-role org, median of {args.wall} interleaved rounds, "
                  f"load average {load:.1f} → {os.getloadavg()[0]:.1f}.\n")
            print(run.table(["variant", "s per JD", "× naive"],
                        [[v, f"{t:.3f}", f"{t / found['naive']:.2f}" if "naive" in found else ""]
                         for v, t in found.items()]))
            return
        rows = []
        for variant in args.variants.split(","):
            print(f"counting {variant} …", file=sys.stderr, flush=True)
            found = counted(root, variant, args.renders, work)
            rows.append([variant, *(f"{v:,.0f}" for v in found.values())])
    print(f"Commit {run.revision()}, {args.roles}-role org, {args.renders} counted renders per variant.\n")
    print(run.table(["variant", "M instructions per JD", "of it HarfBuzz subsetting", "of it zlib deflate"], rows))


if __name__ == "__main__":
    main()
