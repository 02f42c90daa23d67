"""The `handbook` command: check, build, serve, import, schema.

Click gives us sub-commands, `--help` and option parsing for free; errors in
content are printed one per line (`path:line: message — hint`) with exit 1 and
never a traceback. Exit status: 0 done, 1 content problems or a failed build,
2 a command-line mistake (e.g. an `--out` that must not be replaced), 3 a fault
in the tool itself (one line; `handbook --debug …` or HANDBOOK_DEBUG=1 shows the
traceback).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from .content.errors import ContentError

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
    """The handbook, after the content and the settings files the renderers read are checked together."""
    from .content.loader import load_handbook
    from .documents.outputs import settings_problems

    notes: list = []
    problems = settings_problems()
    try:
        hb = load_handbook(root, notes)
    except ContentError as exc:
        _fail(problems + exc.problems, exc.notes if show_notes else ())
    if problems:
        _fail(problems, notes if show_notes else ())
    if show_notes:
        _show_notes(notes)
    return hb


EXIT_CONTENT, EXIT_USAGE, EXIT_FAULT = 1, 2, 3


def _usage_error(message: str) -> None:
    """A command-line mistake: one plain line, exit 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


class _Handbook(click.Group):
    """Turns an unexpected exception into one line and exit 3 instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # an option of a sub-command: one line, not click's usage block
            where = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
            click.echo(f"error: {exc.format_message()} — see {where} --help", err=True)
            ctx.exit(EXIT_USAGE)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if ctx.params.get("debug") or os.environ.get("HANDBOOK_DEBUG", "") not in ("", "0"):
                raise
            what = str(exc).splitlines()[0] if str(exc) else ""
            click.echo(f"error: the tool failed unexpectedly ({type(exc).__name__}{': ' if what else ''}{what}) — "
                       "this is a fault in handbook, not in your content; run `handbook --debug "
                       f"{ctx.invoked_subcommand or ''} …` or set HANDBOOK_DEBUG=1 to see the details",
                       err=True)
            ctx.exit(EXIT_FAULT)


@click.group(cls=_Handbook, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="handbook-as-code")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an unexpected failure.")
def main(debug: bool) -> None:
    """Build the staff handbook (site, Word, PDF, forms) from YAML."""


@main.command()
@_root_option
def check(root: Path) -> None:
    """Load and validate all content; print every problem, then notes that do not fail the build."""
    from .content.drafts import draft_ids
    from .content.model import KINDS

    hb = _load(root, show_notes=True)
    drafts = sum(len(ids) for ids in draft_ids(hb).values())
    shown = f" ({drafts} of them drafts, left out of the published build)" if drafts else ""
    counts = ", ".join(f"{len(hb.items(name))} {kind.plural}" for name, kind in KINDS.items())
    click.echo(f"OK: {counts}{shown}.")


@main.command()
@_root_option
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: site/ under --root). Must be new, empty or a previous build.")
@click.option("--jobs", type=click.IntRange(min=0), default=0, help="Worker processes for documents (0 = all cores).")
@click.option("--report", "report_file", type=click.Path(path_type=Path), default=None,
              help="Also write a JSON build report (what was rendered or reused, time per stage).")
@click.option("--drafts", "with_drafts", is_flag=True,
              help="Also build drafts (status: draft), marked 草稿; without it they are left out entirely.")
@click.option("--engine", type=click.Choice(["mkdocs", "zensical"]), default="mkdocs", show_default=True,
              help="What turns the pages into HTML: MkDocs + Material, or Zensical (its successor).")
def build(root: Path, out: Path | None, jobs: int, report_file: Path | None, with_drafts: bool, engine: str) -> None:
    """Validate, then build the site and every document into OUT, atomically."""
    from .site.build import BuildFailed, build_site
    from .site.outdir import OutRefused, check_out

    started = time.perf_counter()
    try:  # command-line mistakes first: they cost nothing to find and nothing is touched
        out = check_out(out or root / "site", root)
    except OutRefused as exc:
        _usage_error(str(exc))
    if report_file is not None:
        report_file = _check_report(report_file, out)
    try:
        result = build_site(root.resolve(), out, jobs=jobs, progress=sys.stderr.isatty(), drafts=with_drafts,
                            engine=engine)
    except OutRefused as exc:  # the folder changed since the check above
        _usage_error(str(exc))
    except BuildFailed as exc:
        click.echo(str(exc), err=True)
        click.secho(f"Build failed; {out} was left as it was.", fg="red", err=True)
        sys.exit(EXIT_CONTENT)
    took = time.perf_counter() - started
    report = result.as_json()
    click.echo(f"Built {result.hb.site.handbook_title}: {len(result.hb.roles)} roles, {result.pages} pages, "
               f"{report['documents']} documents ({len(report['rendered'])} rendered, {len(report['reused'])} reused) "
               f"→ {out} in {took:.1f} s")
    for line in result.summary:
        click.echo(line)
    if report_file:
        text = json.dumps({**report, "wall": round(took, 3)}, ensure_ascii=False, indent=2) + "\n"
        try:
            _write_atomically(report_file, text)
        except OSError as exc:
            click.echo(f"error: {report_file}: the report could not be written ({exc.strerror or exc}) — the site "
                       "was built; choose another --report path", err=True)
            sys.exit(EXIT_CONTENT)


def _check_report(path: Path, out: Path) -> Path:
    """Refuse a --report path before building: its folder must exist, and it may only replace an old report."""
    real = Path(os.path.abspath(path)).resolve()
    if real.is_dir():
        _usage_error(f"--report {path} is a folder — give a file name, e.g. {Path(path) / 'report.json'}")
    if not real.parent.is_dir():
        missing = real.parent
        while not missing.parent.exists():
            missing = missing.parent
        what = "is a file, not a folder" if missing.exists() else "does not exist"
        _usage_error(f"--report {path}: the folder {missing} {what} — create the folder first, or choose another path")
    if real.exists() and not _is_report(real):
        _usage_error(f"--report {path} already exists and is not a build report; writing would replace it "
                     "— choose a new file name")
    if real.is_relative_to(out):
        _usage_error(f"--report {path} is inside --out {out}, which the build replaces — write it next to the site")
    if not os.access(real.parent, os.W_OK | os.X_OK):
        _usage_error(f"--report {path}: you may not write to {real.parent} — choose another path")
    return real


def _is_report(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and {"pages", "documents", "rendered"} <= data.keys()


def _write_atomically(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


@main.command()
@_root_option
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True,
              help="Address and port to serve on, e.g. 127.0.0.1:8001 when 8000 is taken.")
def serve(root: Path, dev_addr: str) -> None:
    """Live preview: editing a YAML file reloads the page; broken content shows an error page."""
    from .editor.app import Editor
    from .site import preview

    try:
        preview.serve(root, dev_addr, editor=Editor)
    except preview.CannotServe as exc:
        _usage_error(str(exc))


@main.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_root_option
@click.option("--dry-run", is_flag=True, help="Show what would change (new roles as YAML on stdout); write nothing.")
@click.option("--force", is_flag=True, help="Apply a Word file's edits even if the YAML changed after it was made.")
def import_(files: tuple[Path, ...], root: Path, dry_run: bool, force: bool) -> None:
    """Bring job descriptions in: HR's edited Word copies back into roles/*.yml; other JDs
    (.docx, .doc, .pdf, .txt, .md) as new draft roles. Prints every change and where every line went."""
    from .authoring.importer import run

    try:
        status = run(list(files), root, dry_run=dry_run, force=force, echo=click.echo,
                     echo_err=lambda line: click.echo(line, err=True))
    except OSError as exc:  # unreadable file, full disk, no permission: say which and stop
        click.echo(f"{exc.filename or ''}: 读写失败（{exc.strerror or exc}）— 检查文件权限和磁盘空间；之后的文件未写入", err=True)
        sys.exit(1)
    sys.exit(status)


@main.group()
def new() -> None:
    """Create a new content file to fill in."""


@new.command("role")
@click.option("--title", required=True, help="Chinese title of the role, e.g. 大客户经理.")
@click.option("--department", required=True, help="Department: its Chinese name or alias (市场部) or its id.")
@click.option("--reports-to", default=None, help="Superior in this handbook: title, alias or id (市场部经理).")
@click.option("--reports-to-title", default=None, help="Superior outside the handbook, e.g. 总经理.")
@click.option("--id", "role_id", default=None, help="English id and file name (default: pinyin of the title).")
@click.option("--number", default=None, help="岗位编号 (default: the next free one in the department).")
@_root_option
def new_role(title: str, department: str, reports_to: str | None, reports_to_title: str | None,
             role_id: str | None, number: str | None, root: Path) -> None:
    """Write roles/<id>.yml with the next 岗位编号 and Chinese guidance; never overwrites a file."""
    from .authoring.newrole import NewRoleError, plan_role, write_role

    try:
        role = plan_role(root, title, department, reports_to, reports_to_title, role_id, number)
        path = write_role(root, role)
    except NewRoleError as exc:
        _usage_error(str(exc))
    shown = path.relative_to(root) if path.is_relative_to(root) else path
    click.echo(f"wrote {shown.as_posix()}: {role.title}, 岗位编号 {role.number}, "
               f"{role.department.shown}, " + (f"reports to {role.superior.shown}" if role.superior
                                               else f"reports to {role.superior_title}"))
    click.echo("Next: fill in purpose, duties and kpis (the comments in the file show how), "
               "then run `handbook check`.")


@main.group()
def user() -> None:
    """Who may edit in the browser when `handbook serve` is shared on a network."""


@user.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
@_root_option
def user_add(name: str, password_stdin: bool, root: Path) -> None:
    """Create a user NAME (or set their password); kept in .handbook/users.json, ignored by git, never published."""
    from .editor.auth import UserError, add_user

    password = (sys.stdin.readline().rstrip("\r\n") if password_stdin
                else click.prompt("Password", hide_input=True, confirmation_prompt=True))
    try:
        new = add_user(root, name, password)
    except UserError as exc:
        _usage_error(str(exc))
    click.echo(f"{'added' if new else 'changed the password of'} {name}")


@main.command()
@_root_option
@click.argument("rev1", required=False)
@click.argument("rev2", required=False)
@click.option("--markdown", is_flag=True, help="Markdown grouped by role, policy, guide and form, for a review.")
def diff(root: Path, rev1: str | None, rev2: str | None, markdown: bool) -> None:
    """What changed in the content between two git revisions, in HR's words.

    REV1 defaults to the last commit (HEAD), REV2 to the working tree (your unsaved-in-git edits).
    Compares the loaded content, so reordering keys or editing comments shows no change.
    """
    from .history.changes import DiffError, as_markdown, as_text
    from .history.changes import diff as compare_revisions

    try:
        found, old_label, new_label = compare_revisions(root, rev1, rev2)
    except DiffError as exc:
        _usage_error(f"handbook diff: {exc}")
    if markdown:
        click.echo(as_markdown(found, old_label, new_label), nl=False)
    else:
        click.echo(f"{old_label} → {new_label}")
        click.echo(as_text(found), nl=False)


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=REPO_ROOT / "schemas",
              show_default="schemas/", help="Where to write the *.schema.json files.")
def schema(out: Path) -> None:
    """Write JSON Schemas for the YAML files, for editor completion and checking."""
    from .content.schema import write_schemas

    try:
        written = write_schemas(out)
    except OSError as exc:
        _usage_error(f"--out {out}: cannot write the schemas there ({exc.strerror or exc}) — choose a folder you "
                     "may write to")
    for path in written:
        click.echo(f"wrote {path}")


if __name__ == "__main__":
    main()
