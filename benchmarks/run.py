"""Benchmark `handbook build`: the seed handbook and synthetic orgs, cold and unchanged, against a floor.

    make bench                                        # = .venv/bin/python benchmarks/run.py
    .venv/bin/python benchmarks/run.py --sizes seed,100 --json bench.json --keep /tmp/bench

For each size (``seed`` = this repository's content, a number = ``synthetic_org.write`` with that many
roles) the build runs three times as a subprocess: cold (the content root's ``.cache/`` and the output deleted
first; for ``seed`` that is this repository's ``.cache/``), then again with nothing changed (the up-to-date
check answers: the whole command is what a user waits), then with ``--force`` (a real build with every
document in the cache: the old "no-change rebuild"). A tiny
wrapper process times each build and reports its peak RSS (``RUSAGE_CHILDREN`` ``ru_maxrss``: the largest
*single* process among the build and its pool workers, not their sum) and CPU time; it is a subreaper, so
the forkserver's workers, orphaned when the build exits, are counted too. Stage times come from
the build's ``--report`` JSON; load vs validate is split in-process.

The floor, measured in the same run: one warm WeasyPrint render of a job description (median of 10 after a
warm-up, in-process) and a bare ``mkdocs build`` of the same generated pages without the ``handbook`` plugin
(no documents, no zips; link validation off since the downloads are missing).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import synthetic_org  # noqa: E402

from generator.content.loader import content_files, load_handbook  # noqa: E402
from generator.content.yamlsource import load_yaml  # noqa: E402

CORES = len(os.sched_getaffinity(0))
# The wrapper is a subreaper (Linux PR_SET_CHILD_SUBREAPER = 36): the forkserver and its pool workers, orphaned
# when the build exits, are reaped here, so RUSAGE_CHILDREN counts their CPU time and peak RSS too.
WRAPPER = """import ctypes, json, os, resource, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)
started = time.perf_counter()
rc = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - started
while True:
    try:
        os.waitpid(-1, 0)
    except ChildProcessError:
        break
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
open(sys.argv[1], "w").write(json.dumps({"rc": rc, "wall": wall, "cpu": cpu, "peak_kb": usage.ru_maxrss}))
"""


def measured(cmd: list[str], work: Path, wrapper: str = WRAPPER) -> dict:
    """Run ``cmd`` under ``wrapper``; wall seconds, CPU seconds and peak RSS (MB), or exit with its stderr."""
    result = work / "wrapper.json"
    result.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-c", wrapper, str(result), *cmd], capture_output=True, text=True,
                          cwd=REPO)
    data = json.loads(result.read_text()) if result.exists() else {"rc": proc.returncode}
    if proc.returncode or data["rc"]:
        sys.exit(f"failed (exit {data['rc']}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    return {"wall": data["wall"], "cpu": data["cpu"], "peak_mb": data["peak_kb"] / 1024}


def build(root: Path, out: Path, work: Path, name: str, *extra: str) -> dict:
    report = work / f"{name}.json"
    run = measured([sys.executable, "-m", "generator.cli", "build", "--root", str(root), "--out", str(out),
                    "--report", str(report), *extra], work)
    return {**run, "report": json.loads(report.read_text(encoding="utf-8"))}


def load_split(root: Path) -> tuple[float, float]:
    """(YAML reading, validation): load_yaml over every content file vs the whole load_handbook."""
    started = time.perf_counter()
    for path in content_files(root):
        load_yaml(path, str(path))
    yaml_s = time.perf_counter() - started
    started = time.perf_counter()
    load_handbook(root)
    return yaml_s, max(0.0, time.perf_counter() - started - yaml_s)


JD_VARIANTS = ("naive", "compacted", "tagged", "pdfa", "shipped")


def jd_render(hb, variant: str):
    """A function that renders the middle role's job description the ``variant`` way: ``naive`` is WeasyPrint's
    plain ``write_pdf`` of its HTML with the same stylesheet and fonts (no PDF/A, no tags, fonts as WeasyPrint
    subsets them: the floor); ``compacted``, ``tagged``, ``pdfa`` add the font finisher alone, with tags, with
    PDF/A-2b; ``shipped`` is the renderer as the build runs it (PDF/A-2b, tagged, fonts cut)."""
    from weasyprint import HTML

    from generator.documents.renderers import pdf, pdf_fonts, weasy

    role = hb.roles[len(hb.roles) // 2]
    if variant == "shipped":
        return lambda: pdf.job_description(hb, role)
    pages: list[str] = []  # the page the shipped renderer lays out, taken as it is handed to WeasyPrint
    shipped, pdf.html_to_pdf = pdf.html_to_pdf, pages.append
    try:
        pdf.job_description(hb, role)
    finally:
        pdf.html_to_pdf = shipped
    page = pages[0]
    css, fonts, fetcher = weasy._weasy()
    base_url = weasy.search_path()[0].as_uri() + "/"
    options = {"naive": {}, "compacted": {}, "tagged": {"pdf_tags": True}, "pdfa": {"pdf_variant": weasy.PDF_VARIANT}}
    finisher = None if variant == "naive" else pdf_fonts.compact_fonts
    return lambda: HTML(string=page, base_url=base_url, url_fetcher=fetcher).write_pdf(
        stylesheets=[css], font_config=fonts, finisher=finisher, **options[variant])


def interleaved(renders: dict, rounds: int = 10) -> dict[str, float]:
    """Median seconds of each of ``renders``, in this process: each warmed up (imports, fonts, stylesheet), then
    ``rounds`` rounds of one call of each, interleaved so that all see the same load."""
    for render in renders.values():
        render()
    times: dict[str, list[float]] = {name: [] for name in renders}
    for _ in range(rounds):
        for name, render in renders.items():
            gc.collect()
            started = time.perf_counter()
            render()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(found) for name, found in times.items()}


def pdf_floor(hb) -> dict[str, float]:
    """Median seconds of 10 warm renders of one job description, ``naive`` (the floor) and ``shipped``."""
    return interleaved({variant: jd_render(hb, variant) for variant in ("naive", "shipped")})


def bare_mkdocs(hb, root: Path, out: Path, work: Path) -> float:
    """Wall seconds of `mkdocs build` of the site plan's pages and static files (sizes read from ``out``), with
    the same theme, markdown and search settings, no handbook plugin."""
    from mkdocs.utils.yaml import yaml_load

    from generator.site import plan as site
    from generator.site.engines.mkdocs import SEARCH_WORDS

    docs, site_dir = work / "bare-docs", work / "bare-site"
    shutil.rmtree(docs, ignore_errors=True)
    sizes = {p.relative_to(out).as_posix(): p.stat().st_size for p in out.glob("downloads/**/*") if p.is_file()}
    planned = site.plan(hb, sizes, [root / "site_overrides" / "site"])
    for uri, data in {**planned.assets, **planned.pages}.items():
        (docs / uri).parent.mkdir(parents=True, exist_ok=True)
        (docs / uri).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    with open(REPO / "mkdocs.yml", encoding="utf-8") as f:
        mkdocs_yml = yaml_load(f)
    plugins = [p for p in mkdocs_yml["plugins"] if "handbook" not in (p if isinstance(p, str) else p.keys())]
    search = next(p for p in plugins if isinstance(p, dict) and "search" in p)["search"]
    search["jieba_dict_user"] = str(SEARCH_WORDS)  # as the handbook plugin sets it
    settings = planned.theme.settings(mkdocs_yml["theme"].get("palette", {}))  # as the handbook plugin sets them
    config = {"INHERIT": str(REPO / "mkdocs.yml"), "docs_dir": str(docs), "site_dir": str(site_dir),
              **{k: str(v) for k, v in settings.items() if k not in ("theme", "extra")},
              "theme": {"custom_dir": str(REPO / "site_overrides"), **settings["theme"]}, "extra": settings["extra"],
              "plugins": plugins, "nav": planned.nav,
              "watch": [], "validation": {k: "ignore" for k in ("omitted_files", "absolute_links",
                                                                "unrecognized_links", "anchors", "not_found")}}
    (work / "bare-mkdocs.yml").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return measured([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(work / "bare-mkdocs.yml")], work)["wall"]


def revision() -> str:
    """The commit measured, marked +dirty when tracked files differ from it."""
    git = ["git", "-C", str(REPO)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                           text=True).stdout
    return (head or "unknown") + ("+dirty" if dirty.strip() else "")


def kb_stats(files: list[Path]) -> tuple[float, float]:
    sizes = [p.stat().st_size / 1024 for p in files] or [0.0]
    return statistics.median(sizes), max(sizes)


def bench(size: str, work: Path) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    root = REPO if size == "seed" else synthetic_org.write(int(size), work / "content")
    out = work / "site"
    shutil.rmtree(root / ".cache", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    cold = build(root, out, work, "cold")
    unchanged = build(root, out, work, "unchanged")
    warm = build(root, out, work, "rebuild", "--force")
    rep, t, t_warm = cold["report"], cold["report"]["timings"], warm["report"]["timings"]
    hb = load_handbook(root)
    yaml_s, validate_s = load_split(root)
    t_jd, t_mkdocs = pdf_floor(hb), bare_mkdocs(hb, root, out, work)
    t_pdf = t_jd["naive"]
    pdfs_rendered = sum(p.endswith(".pdf") for p in rep["rendered"])
    pages = [p for p in out.rglob("*.html") if p.name != "404.html"]
    floor_roles = len(hb.roles) * t_pdf / CORES + t_mkdocs
    floor_pdfs = pdfs_rendered * t_pdf / CORES + t_mkdocs
    return {
        "size": size, "roles": len(hb.roles), "documents": rep["documents"], "pages": rep["pages"],
        "cold_s": cold["wall"], "cold_cpu_s": cold["cpu"], "rebuild_s": warm["wall"],
        "unchanged_s": unchanged["wall"],
        "unchanged_up_to_date": unchanged["report"].get("up_to_date", False),
        "unchanged_pct": 100 * unchanged["wall"] / cold["wall"],
        "peak_rss_mb": {"cold": cold["peak_mb"], "rebuild": warm["peak_mb"]},
        "stages_s": {"load": yaml_s, "validate": validate_s, "plugin load": t.get("load", 0.0),
                     "pages": t.get("pages", 0.0), "mkdocs": t.get("mkdocs", 0.0), "zip": t.get("zip", 0.0),
                     "documents (wait)": t.get("documents", 0.0),
                     "outside report": cold["wall"] - rep["wall"], "cli before plugin": rep["wall"] - sum(t.values())},
        "render_cpu_s": {k: rep["render_seconds"].get(k, 0.0) for k in ("pdf", "docx", "forms")},
        "documents_elapsed_s": rep["documents_elapsed"],
        "docs_per_s": rep["documents"] / rep["documents_elapsed"] if rep["documents_elapsed"] else 0.0,
        "rebuild_documents_s": t_warm.get("documents", 0.0),
        "rebuild_rendered": len(warm["report"]["rendered"]),
        "rebuild_documents_pct": 100 * t_warm.get("documents", 0.0) / max(t.get("documents", 0.0), 1e-9),
        "kb": {"median_pdf": kb_stats(list(out.glob("downloads/**/*.pdf")))[0],
               "max_jd_pdf": kb_stats(list(out.glob("downloads/job-descriptions/*.pdf")))[1],
               "median_docx": kb_stats(list(out.glob("downloads/**/*.docx")))[0],
               "median_html": kb_stats(pages)[0], "max_html": kb_stats(pages)[1]},
        "floor": {"jd_pdf_s": t_pdf, "shipped_jd_pdf_s": t_jd["shipped"], "bare_mkdocs_s": t_mkdocs, "cores": CORES,
                  "pdfs_rendered": pdfs_rendered,
                  "floor_roles_s": floor_roles, "ratio_roles": cold["wall"] / floor_roles,
                  "floor_pdfs_s": floor_pdfs, "ratio_pdfs": cold["wall"] / floor_pdfs},
    }


def table(header: list[str], rows: list[list]) -> str:
    cells = [[f"{c:.2f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                     + ["| " + " | ".join(row) + " |" for row in cells])


def targets(rows: list[dict]) -> str:
    """The performance targets, each with the value reached."""
    checks = []
    for r in rows:
        if r["size"] == "seed":
            checks.append(("seed: cold build ≤ 3 s", r["cold_s"], 3))
        if r["size"] == "100":
            checks.append(("100: cold build ≤ 0.9 × naive floor (N = PDFs)", r["floor"]["ratio_pdfs"], 0.9))
        if r["size"] == "500":
            checks += [("500: cold build ≤ 1.3 × floor (N = roles)", r["floor"]["ratio_roles"], 1.3),
                       ("500: largest HTML page ≤ 60 KB", r["kb"]["max_html"], 60)]
        memory = 1000 if r["size"].isdigit() and int(r["size"]) > 100 else 500
        checks += [(f"{r['size']}: peak RSS ≤ {memory} MB", max(r["peak_rss_mb"].values()), memory),
                   (f"{r['size']}: no-change rebuild ≤ 10 % of cold (whole command, %)",
                    r["unchanged_pct"], 10),
                   (f"{r['size']}: --force rebuild's documents step ≤ 10 % of cold's",
                    r["rebuild_documents_pct"], 10),
                   (f"{r['size']}: largest JD PDF ≤ 300 KB", r["kb"]["max_jd_pdf"], 300)]
    return "\n".join(f"- {'met' if value <= limit else 'MISSED'}: {name} — {value:.2f}"
                     for name, value, limit in checks)


def markdown(rows: list[dict], commit: str) -> str:
    s = lambda r: r["stages_s"]  # noqa: E731
    builds = table(
        ["size", "roles", "docs", "cold s", "no-change s", "no-change / cold %", "--force s",
         "peak RSS MB cold/--force", "load", "validate", "pages", "mkdocs", "zip", "PDF Σ", "DOCX Σ",
         "forms Σ", "docs/s", "docs wait cold→--force s", "--force docs wait / cold %"],
        [[r["size"], r["roles"], r["documents"], r["cold_s"],
          f"{r['unchanged_s']:.2f}" + (" (up to date)" if r["unchanged_up_to_date"] else " (built)"),
          r["unchanged_pct"], r["rebuild_s"],
          "{cold:.0f} / {rebuild:.0f}".format(**r["peak_rss_mb"]),
          s(r)["load"], s(r)["validate"], s(r)["pages"], s(r)["mkdocs"], s(r)["zip"], *r["render_cpu_s"].values(),
          r["docs_per_s"], f"{s(r)['documents (wait)']:.2f} → {r['rebuild_documents_s']:.3f}",
          f"{r['rebuild_documents_pct']:.1f}"] for r in rows])
    overhead = table(
        ["size", "cold CPU s (all processes)", "CLI before MkDocs (incl. load)", "interpreter start + imports",
         "documents elapsed", "--force re-rendered"],
        [[r["size"], r["cold_cpu_s"], s(r)["cli before plugin"],
          s(r)["outside report"], r["documents_elapsed_s"], r["rebuild_rendered"]] for r in rows])
    sizes = table(["size", "median PDF KB", "max JD PDF KB", "median DOCX KB", "median HTML KB", "max HTML KB"],
                  [[r["size"], *r["kb"].values()] for r in rows])
    floor = table(["size", "JD PDF s, naive (warm)", "JD PDF s, shipped (warm)", "bare mkdocs s", "N roles", "floor s",
                   "cold / floor", "N PDFs", "floor s ", "cold / floor "],
                  [[r["size"], r["floor"]["jd_pdf_s"], r["floor"]["shipped_jd_pdf_s"], r["floor"]["bare_mkdocs_s"], r["roles"],
                    r["floor"]["floor_roles_s"], r["floor"]["ratio_roles"], r["floor"]["pdfs_rendered"],
                    r["floor"]["floor_pdfs_s"], r["floor"]["ratio_pdfs"]] for r in rows])
    return f"""Commit {commit}, {CORES} cores.

## Builds (seconds unless marked)

{builds}

Wall times are measured outside the build process. Peak RSS is the largest single process (the build or one of
its pool workers; forked workers count pages shared with the parent), not the sum. load = reading YAML
(`load_yaml` over every content file), validate = the rest of `load_handbook`, both timed in this process;
PDF/DOCX/forms Σ are render seconds summed over the workers (each document timed in its worker, so they
exceed CPU time when workers are preempted); docs/s = documents / documents elapsed (cold). "no-change" is the
second build with nothing changed, the whole command timed from outside ("up to date": the stamp matched and
nothing was built); "--force" builds again anyway, every document from the cache. "docs wait" is the plugin's
`documents` stage (time MkDocs waits for documents), compared between the cold and the --force build.

{overhead}

## Output sizes

{sizes}

## Floor ({CORES} cores)

{floor}

floor = N × t(naive JD PDF) / cores + t(bare mkdocs), the naive way to make these files: a plain WeasyPrint render
of each (no PDF/A, no tags, WeasyPrint's own font subsets), then MkDocs. With N = roles (first ratio) the floor is
one job-description PDF per role; with N = PDFs actually rendered (JD + appraisal + forms + 全部岗位说明书, second
ratio) every PDF is priced like a JD. Neither counts the DOCX files, the workbook or the zips. "Shipped" is the
JD as the build makes it (PDF/A-2b, tagged, fonts cut), for comparison.

## Targets

{targets(rows)}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="seed,100,500", help="comma-separated: seed and/or role counts")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--keep", type=Path, help="keep content roots, outputs and reports in this folder")
    args = parser.parse_args()
    sizes = [size.strip() for size in args.sizes.split(",")]
    if any(size != "seed" and not size.isdigit() for size in sizes):
        parser.error(f"--sizes takes 'seed' and role counts, not {args.sizes!r}")
    commit = revision()
    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="handbook-bench-"))
    try:
        rows = []
        for size in sizes:
            print(f"benchmarking {size} …", file=sys.stderr, flush=True)
            rows.append(bench(size, work / size))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if revision() != commit:
        commit += f" (changed to {revision()} during the run: results mix both)"
    print(markdown(rows, commit))
    if args.json:
        args.json.write_text(json.dumps({"commit": commit, "cores": CORES, "sizes": rows}, ensure_ascii=False,
                                        indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
