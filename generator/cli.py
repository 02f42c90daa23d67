"""The `handbook` command: check, build, serve, schema.

Click gives us sub-commands, `--help` and option parsing for free; errors in
content are printed one per line (`path:line: message — hint`) with exit 1 and
never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

import click

from .errors import ContentError

REPO_ROOT = Path(__file__).resolve().parent.parent


def _root_option(func):
    return click.option(
        "--root", type=click.Path(file_okay=False, path_type=Path), default=REPO_ROOT, show_default="repository",
        help="Folder holding roles/ and content/.",
    )(func)


def _fail(problems, notes=()) -> None:
    _show_notes(notes)
    for problem in problems:
        click.echo(str(problem), err=True)
    click.secho(f"{len(problems)} problem(s) found; nothing was built.", fg="red", err=True)
    sys.exit(1)


def _show_notes(notes) -> None:
    for item in notes:
        click.echo(str(item), err=True)


def _load(root: Path, show_notes: bool = False):
    from .loader import load_handbook

    notes: list = []
    try:
        hb = load_handbook(root, notes)
    except ContentError as exc:
        _fail(exc.problems, exc.notes if show_notes else ())
    if show_notes:
        _show_notes(notes)
    return hb


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="handbook-as-code")
def main() -> None:
    """Build the staff handbook (site, Word, PDF, forms) from YAML."""


@main.command()
@_root_option
def check(root: Path) -> None:
    """Load and validate all content; print every problem, then notes that do not fail the build."""
    hb = _load(root, show_notes=True)
    click.echo(f"OK: {len(hb.roles)} roles, {len(hb.policies)} policies, {len(hb.guides)} guides, "
               f"{len(hb.forms)} forms.")


@main.command()
@_root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: site/ under --root).")
@click.option("--jobs", type=int, default=0, help="Worker processes for documents (0 = all cores).")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a JSON build report (what was rendered or reused, time per stage).")
def build(root: Path, out: Path | None, jobs: int, report_file: Path | None) -> None:
    """Validate, then build the site and every document into OUT, atomically."""
    from .documents import plan
    from .sitebuild import BuildFailed, build_site

    started = time.perf_counter()
    hb = _load(root)
    out = (out or root / "site").resolve()
    try:
        total = len(plan(hb)) if sys.stderr.isatty() else None
        result = build_site(root.resolve(), out, jobs=jobs, progress_total=total, hb=hb)
    except BuildFailed as exc:
        click.echo(str(exc), err=True)
        click.secho(f"Build failed; {out} was left as it was.", fg="red", err=True)
        sys.exit(1)
    took = time.perf_counter() - started
    report = result.as_json()
    if report_file:
        report_file.write_text(json.dumps({**report, "wall": round(took, 3)}, ensure_ascii=False, indent=2) + "\n",
                               encoding="utf-8")
    click.echo(f"Built {hb.site.handbook_title}: {len(hb.roles)} roles, {result.pages} pages, "
               f"{report['documents']} documents ({len(report['rendered'])} rendered, {len(report['reused'])} reused) "
               f"→ {out} in {took:.1f} s")


@main.command()
@_root_option
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
def serve(root: Path, dev_addr: str) -> None:
    """Live preview: editing a YAML file reloads the page."""
    from mkdocs.commands import serve as mkdocs_serve

    _load(root)  # report content problems plainly before the server starts
    os.environ["HANDBOOK_ROOT"] = str(root.resolve())
    handler = logging.StreamHandler()  # MkDocs reports "Serving on …" and each rebuild through logging
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(handler)
    mkdocs_log.setLevel(logging.INFO)
    from .sitebuild import config_file_for

    mkdocs_serve.serve(config_file=str(config_file_for(root)), dev_addr=dev_addr, livereload=True,
                       watch=[str(root / "roles"), str(root / "content")])


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=REPO_ROOT / "schemas",
              show_default="schemas/", help="Where to write the *.schema.json files.")
def schema(out: Path) -> None:
    """Write JSON Schemas for the YAML files, for editor completion and checking."""
    from .schema import write_schemas

    for path in write_schemas(out):
        click.echo(f"wrote {path}")


if __name__ == "__main__":
    main()
