"""The `handbook` command. Exit status: 0 done, 1 content problems (one `path:line` line each) or a failed
build, 2 a command-line mistake, 3 a fault in the tool (one line; `--debug` or HANDBOOK_DEBUG=1: traceback).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import click

from .content.errors import ContentError

REPO_ROOT = Path(__file__).resolve().parent.parent


def _root_option(func):
    return click.option(
        "--root", type=click.Path(file_okay=False, path_type=Path), default=None, callback=_content_root,
        help="手册文件夹（含 roles/ 和 content/）。默认：当前文件夹或它的上级中第一个含有它们的文件夹，"
             "都没有时用工具自带的示例内容。",
    )(func)


def _content_root(ctx: click.Context, param, value: Path | None) -> Path:
    """The content root a command works on, said in one line first (HR must see which folder was read)."""
    from .content.folders import find_root

    here = Path.cwd()
    found = find_root(here) if value is None else None
    if value is not None:
        root, why = value, "--root 指定"
    elif found is not None:
        root, why = found, "当前文件夹" if found == here.absolute() else "当前文件夹的上级"
    else:
        root, why = REPO_ROOT, "工具自带的示例内容：当前文件夹和它的上级中都没有 roles/ 或 content/"
    if not ctx.resilient_parsing:
        click.echo(f"内容文件夹：{root.absolute()}（{why}）", err=True)
    return root


EXIT_CONTENT, EXIT_USAGE, EXIT_FAULT = 1, 2, 3


def _usage_error(message: str) -> None:
    """A command-line mistake: one plain line, exit 2."""
    click.echo(f"错误：{message}", err=True)
    sys.exit(EXIT_USAGE)


class _Chinese:
    """Click's own help option, in Chinese like every other line."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option


class _Command(_Chinese, click.Command):
    pass


class _Group(_Chinese, click.Group):
    command_class = _Command


class _Handbook(_Group):
    """Turns an unexpected exception into one line and exit 3 instead of a traceback."""

    group_class = _Group

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # an option of a sub-command: one line, not click's usage block
            where = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
            click.echo(f"错误：{exc.format_message()} — 见 {where} --help", err=True)
            ctx.exit(EXIT_USAGE)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if ctx.params.get("debug") or os.environ.get("HANDBOOK_DEBUG", "") not in ("", "0"):
                raise
            what = str(exc).splitlines()[0] if str(exc) else ""
            click.echo(f"错误：工具本身出了故障（{type(exc).__name__}{': ' if what else ''}{what}）— 不是你的内容有问题；"
                       f"运行 handbook --debug {ctx.invoked_subcommand or ''} … 或设置 HANDBOOK_DEBUG=1 查看详情，"
                       "报告给维护工具的人", err=True)
            ctx.exit(EXIT_FAULT)


@click.group(cls=_Handbook, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="handbook-as-code", message="%(prog)s %(version)s", help="显示版本号并退出。")
@click.option("--debug", is_flag=True, help="出现意外故障时显示 Python 的详细出错信息（traceback）。")
def main(debug: bool) -> None:
    """由 YAML 生成员工手册：网站、Word、PDF 和表单。

    每个命令后加 -h 查看它的用法，如 handbook check -h。
    """


@main.command()
@_root_option
@click.option("--strict", is_flag=True, help="草稿的问题也算错误，退出码 1（用于 CI）。")
def check(root: Path, strict: bool) -> None:
    """检查全部内容：先列出每一处错误和草稿的问题，再列出不影响发布的提示。"""
    from .content.drafts import draft_ids
    from .content.loader import load_handbook
    from .content.model import KINDS
    from .documents.outputs import settings_problems

    notes: list = []
    errors = settings_problems()
    hb = None
    try:
        hb = load_handbook(root, notes, strict)
    except ContentError as exc:
        errors, notes = errors + exc.problems, exc.notes
    if hb is not None:
        from .history.versions import unraised

        notes = notes + unraised(root, hb)
    _show(errors, notes)
    held = _held([n for n in notes if n.severity == "draft"])
    if errors:
        click.secho(f"发现 {len(errors)} 处错误" + (f"；{held}" if held else "") + "。", fg="red", err=True)
        sys.exit(EXIT_CONTENT)
    assert hb is not None
    drafts = sum(len(ids) for ids in draft_ids(hb).values())
    counts = "、".join(f"{len(hb.items(name))} 个{kind.label}" for name, kind in KINDS.items())
    shown = f"（其中 {drafts} 个草稿，不发布）" if drafts else ""
    click.echo(f"检查通过：{counts}{shown}。" + (f"{held}：改好之前预览中只显示它们的问题，正式发布不受影响"
                                          "（check --strict 把它们算作错误）。" if held else ""))


def _show(errors, notes) -> None:
    """Errors, then drafts' problems, each in full; then notes, one line per file and kind, each hint once."""
    from .content.messages import grouped

    for problem in [*errors, *(n for n in notes if n.severity == "draft")]:
        click.echo(str(problem), err=True)
    for line in grouped([n for n in notes if n.is_note]):
        click.echo(line, err=True)


def _held(problems) -> str:
    """``草稿 roles/x.yml 有 3 处问题``, for the summary lines."""
    files = Counter(problem.path for problem in problems)
    return "、".join(f"草稿 {path} 有 {count} 处问题" for path, count in files.items())


@main.command()
@_root_option
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="输出文件夹（默认：手册文件夹下的 site/）。必须是新的、空的或以前生成的网站。")
@click.option("--jobs", type=click.IntRange(min=0), default=0, help="生成文件的进程数（0 = 全部 CPU 核）。")
@click.option("--report", "report_file", type=click.Path(path_type=Path), default=None,
              help="另外写一份 JSON 构建报告（哪些文件新生成、哪些沿用，各阶段用时）。")
@click.option("--drafts", "with_drafts", is_flag=True,
              help="草稿（status: draft）也一起生成，标为“草稿”；不加时草稿完全不出现。")
@click.option("--engine", type=click.Choice(["mkdocs", "zensical"]), default="mkdocs", show_default=True,
              help="把页面生成 HTML 的引擎：MkDocs + Material，或它的后继 Zensical。")
@click.option("--force", is_flag=True, help="即使内容、模板和工具自上次生成以来都没有变化，也重新生成。")
def build(root: Path, out: Path | None, jobs: int, report_file: Path | None, with_drafts: bool, engine: str,
          force: bool) -> None:
    """检查内容，然后生成网站和全部文件；新网站完整生成后才替换旧的。什么都没变时不重新生成。"""
    from . import cachedir
    from .site import uptodate
    from .site.outdir import OutRefused, check_out

    started = time.perf_counter()
    try:  # command-line mistakes first: they cost nothing to find and nothing is touched
        out = check_out(out or root / "site", root)
    except OutRefused as exc:
        _usage_error(str(exc))
    if report_file is not None:
        report_file = _check_report(report_file, out)
    stamp = uptodate.inputs(root, out, engine=engine, drafts=with_drafts)  # before anything heavy is imported
    built = None if force else uptodate.is_current(out, stamp)
    if built is not None:
        click.echo(f"网站已是最新：内容、模板和工具自上次生成以来都没有变化（{out}）。要重新生成，加 --force。")
        skipped = {"up_to_date": True, "pages": built["pages"], "documents": built["documents"],
                   "rendered": [], "reused": [], "timings": {}}
        _write_report(report_file, skipped, started)
        return
    from .documents import pool

    if jobs != 1 and cachedir.empty(root):  # everything renders: its workers get ready while MkDocs loads
        pool.prepare()
    from .site.build import BuildFailed, build_site  # (MkDocs and the content model: imported after the start)

    try:
        result = build_site(root.resolve(), out, jobs=jobs, progress=sys.stderr.isatty(), drafts=with_drafts,
                            engine=engine, stamp=stamp)
    except OutRefused as exc:  # the folder changed since the check above
        _usage_error(str(exc))
    except BuildFailed as exc:
        click.echo(str(exc), err=True)
        click.secho(f"没有生成：{out} 保持原样。", fg="red", err=True)
        sys.exit(EXIT_CONTENT)
    took = time.perf_counter() - started
    report = result.as_json()
    click.echo(f"已生成 {result.hb.site.handbook_title}：{len(result.hb.roles)} 个岗位、{result.pages} 个页面、"
               f"{report['documents']} 个文件（新生成 {len(report['rendered'])} 个，沿用 {len(report['reused'])} 个）"
               f"→ {out}，用时 {took:.1f} 秒")
    for line in result.summary:
        click.echo(line)
    if result.hb.draft_problems:
        click.echo(f"{_held(result.hb.draft_problems)}，没有收入（handbook check 查看）。")
    _write_report(report_file, {**report, "up_to_date": False}, started)


def _write_report(path: Path | None, report: dict, started: float) -> None:
    """--report's JSON, with the whole command's seconds (``wall``)."""
    from . import cachedir

    if path is None:
        return
    wall = round(time.perf_counter() - started, 3)
    text = json.dumps({**report, "wall": wall}, ensure_ascii=False, indent=2)
    try:
        cachedir.write_atomically(path, (text + "\n").encode())
    except OSError as exc:
        click.echo(f"错误：{path}：构建报告无法写入（{exc.strerror or exc}）— 网站已经生成；"
                   "换一个 --report 路径", err=True)
        sys.exit(EXIT_CONTENT)


def _check_report(path: Path, out: Path) -> Path:
    """Refuse a --report path before building: its folder must exist, and it may only replace an old report."""
    real = Path(os.path.abspath(path)).resolve()
    if real.is_dir():
        _usage_error(f"--report {path} 是一个文件夹 — 给一个文件名，如 {Path(path) / 'report.json'}")
    if not real.parent.is_dir():
        missing = real.parent
        while not missing.parent.exists():
            missing = missing.parent
        what = "是文件，不是文件夹" if missing.exists() else "不存在"
        _usage_error(f"--report {path}：文件夹 {missing} {what} — 先建好这个文件夹，或换一个路径")
    if real.exists() and not _is_report(real):
        _usage_error(f"--report {path} 已经存在，而且不是构建报告，写入会覆盖它 — 换一个新文件名")
    if real.is_relative_to(out):
        _usage_error(f"--report {path} 在 --out {out} 里面，而生成时会整个替换它 — 把报告写在网站文件夹旁边")
    if not os.access(real.parent, os.W_OK | os.X_OK):
        _usage_error(f"--report {path}：你没有权限写入 {real.parent} — 换一个路径")
    return real


def _is_report(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and {"pages", "documents", "rendered"} <= data.keys()


@main.command()
@_root_option
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True,
              help="预览的地址和端口，如 8000 被占用时用 127.0.0.1:8001。")
def serve(root: Path, dev_addr: str) -> None:
    """实时预览（含浏览器中的编辑）：保存文件后页面自动刷新；内容有错时显示出错页。"""
    from .editor.app import Editor
    from .site import preview

    try:
        preview.serve(root, dev_addr, editor=Editor)
    except preview.CannotServe as exc:
        _usage_error(str(exc))


@main.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_root_option
@click.option("--dry-run", is_flag=True, help="只显示会改什么（新岗位的 YAML 输出到屏幕），不写入任何文件。")
@click.option("--force", is_flag=True, help="即使 YAML 在这份 Word 文件生成之后又改过，也应用其中的修改。")
def import_(files: tuple[Path, ...], root: Path, dry_run: bool, force: bool) -> None:
    """导入岗位说明书：HR 改过的 Word 版写回 roles/*.yml；其他岗位说明书（.docx、.doc、.pdf、.txt、.md）
    成为新的草稿岗位。列出每一处修改和每一行的去向。"""
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
    """新建一个待填写的内容文件。"""


@new.command("role")
@click.option("--title", required=True, help="岗位名称，如 大客户经理。")
@click.option("--department", required=True, help="所属部门：中文名称或别称（市场部），或它的 id。")
@click.option("--reports-to", default=None, help="直接上级（本手册中的岗位）：名称、别称或 id（市场部经理）。")
@click.option("--reports-to-title", default=None, help="手册之外的直接上级，如 总经理。")
@click.option("--id", "role_id", default=None, help="英文 id，也是文件名（默认：岗位名称的拼音）。")
@click.option("--number", default=None, help="岗位编号（默认：本部门下一个未用的编号）。")
@_root_option
def new_role(title: str, department: str, reports_to: str | None, reports_to_title: str | None,
             role_id: str | None, number: str | None, root: Path) -> None:
    """写出 roles/<id>.yml：下一个岗位编号和中文填写说明；从不覆盖已有文件。"""
    from .authoring.newrole import NewRoleError, plan_role, write_role

    try:
        role = plan_role(root, title, department, reports_to, reports_to_title, role_id, number)
        path = write_role(root, role)
    except NewRoleError as exc:
        _usage_error(str(exc))
    shown = path.relative_to(root) if path.is_relative_to(root) else path
    click.echo(f"已写入 {shown.as_posix()}：{role.title}，岗位编号 {role.number}，所属部门 {role.department.shown}，"
               f"直接上级 {role.superior.shown if role.superior else role.superior_title}")
    click.echo("下一步：填写 purpose、duties 和 kpis（文件中的注释有示例），然后运行 handbook check；"
               "这是草稿（status: draft），填好之前不影响预览和发布其他内容。")


@main.group()
def user() -> None:
    """在网络上共享 handbook serve 时，谁可以在浏览器中编辑。"""


@user.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（一行）。")
@_root_option
def user_add(name: str, password_stdin: bool, root: Path) -> None:
    """添加用户 NAME（或修改其密码）；保存在 .handbook/users.json 中，git 不跟踪，也从不发布。"""
    from .editor.auth import UserError, add_user

    password = (sys.stdin.readline().rstrip("\r\n") if password_stdin
                else click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次密码"))
    try:
        new = add_user(root, name, password)
    except UserError as exc:
        _usage_error(str(exc))
    click.echo(f"已添加用户 {name}" if new else f"已修改用户 {name} 的密码")


@main.command()
@_root_option
@click.argument("rev1", required=False)
@click.argument("rev2", required=False)
@click.option("--markdown", is_flag=True, help="输出 Markdown，按岗位、制度、指南和表单分组，便于审阅。")
def diff(root: Path, rev1: str | None, rev2: str | None, markdown: bool) -> None:
    """两个版本之间内容改了什么，用 HR 的话说。

    REV1 默认是上次提交，REV2 默认是当前文件（还没提交的修改）。比较的是读入的内容：
    只调整键的顺序或修改注释不算变更。
    """
    from .history.changes import DiffError, as_markdown, as_text
    from .history.changes import diff as compare_revisions

    try:
        found, old_label, new_label = compare_revisions(root, rev1, rev2)
    except DiffError as exc:
        _usage_error(f"handbook diff：{exc}")
    if markdown:
        click.echo(as_markdown(found, old_label, new_label), nl=False)
    else:
        click.echo(f"{old_label} → {new_label}")
        click.echo(as_text(found), nl=False)


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=REPO_ROOT / "schemas",
              show_default="schemas/", help="*.schema.json 文件写到哪里。")
def schema(out: Path) -> None:
    """写出 YAML 文件的 JSON Schema，供文本编辑器补全和检查。"""
    from .content.schema import write_schemas

    try:
        written = write_schemas(out)
    except OSError as exc:
        _usage_error(f"--out {out}：无法在这里写入 JSON Schema（{exc.strerror or exc}）— 换一个你有权限写入的文件夹")
    for path in written:
        click.echo(f"已写入 {path}")


if __name__ == "__main__":
    main()
