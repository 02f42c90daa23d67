"""``handbook import``: job descriptions from Word and text files into the YAML content.

Two kinds of input, told apart by the custom properties our own Word files carry:

* a job description this project generated, edited by HR → :mod:`.update` applies the edits to
  ``roles/<id>.yml`` (:mod:`.ownjd` reads the file, :mod:`.roundtrip` edits the YAML);
* any other job description (.docx, .doc, .pdf, .txt, .md) → :mod:`.parse` finds roles, duties and sections,
  :mod:`.drafts` writes each as a new ``roles/<id>.yml`` with ``status: draft``.

Everything is read and checked before anything is written: one bad file means nothing is written.
:mod:`.report` words the outcome for HR.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...content.errors import Problem, display_path
from . import report
from .sources import Refused, read
from .text import normalise


@dataclass
class Plan:
    updates: list = field(default_factory=list)   # update.Result
    drafts: list = field(default_factory=list)    # drafts.Draft
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _shown(path: Path) -> str:
    return display_path(path, Path.cwd())


IMPORTABLE = (".docx", ".doc", ".pdf", ".txt", ".md", ".markdown")


def expand(files: list[Path]) -> list[Path]:
    """A folder stands for the files in it that can be imported (sorted); Word's '~$' lock files are skipped."""
    found: list[Path] = []
    for path in files:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMPORTABLE
                            and not p.name.startswith(("~$", ".")))
        elif not path.name.startswith("~$"):
            found.append(path)
    return found


def plan(files: list[Path], root: Path, *, force: bool = False) -> Plan:
    from . import context, drafts, update

    result = Plan()
    sources = []
    files = expand(files)
    if not files:
        result.problems.append(Problem(".", 1, "没有可导入的文件", "给出 Word（.docx、.doc）、PDF 或文本（.txt、.md）文件，或含有它们的文件夹"))
    for path in files:
        try:
            sources.append(read(path, _shown(path)))
        except Refused as exc:
            result.problems.append(Problem(exc.shown, 1, exc.message, exc.hint))
    if result.problems:
        return result
    hb, existing = context.load(root)
    if hb is None:
        result.problems.append(Problem(str(root), 1, "读不出手册的设置（content/site.yml），无法导入",
                                       "先改正下面的问题（handbook check 也会列出）"))
        result.problems += existing
        return result
    if existing:
        result.notes.append(f"注意：手册现有内容有 {len(existing)} 个问题（运行 handbook check 查看）；"
                            f"导入照常进行，只要求导入不带来新的问题")
    taken = {p.stem for p in (root / "roles").glob("*.yml")} | {r.id for r in hb.roles}
    titles_taken = {normalise(name) for r in hb.roles for name in r.names}
    seen: dict[str, str] = {}
    for source in sources:
        role_id = source.properties.get("HandbookRoleId") if source.kind == "docx" else None
        if role_id and role_id in seen:
            result.problems.append(Problem(source.shown, 1, f"{seen[role_id]} 也是岗位 {role_id} 的 Word 文件",
                                           "同一个岗位一次只导入一个文件"))
            continue
        if role_id:
            seen[role_id] = source.shown
        if source.encoding == "GBK":
            result.notes.append(f"{source.shown}: 按 GBK 编码读取（中文 Windows 记事本的默认编码）")
        try:
            if update.is_ours(source):
                result.updates.append(update.plan(source, root, hb, force, existing))
            else:
                found = drafts.plan(source, root, hb, taken, titles_taken)
                taken |= {d.role_id for d in found}
                titles_taken |= {normalise(d.title) for d in found}
                result.drafts += found
        except update.UpdateRefused as exc:
            result.problems += exc.problems
        except drafts.NotAJobDescription as exc:
            result.problems.append(exc.problem)
    return result


def run(files: list[Path], root: Path, *, dry_run: bool = False, force: bool = False, echo=print,
        echo_err=print) -> int:
    """Plan, then write (unless ``dry_run``) and report; returns the exit status."""
    from . import drafts, update

    result = plan(files, root, force=force)
    if result.problems:
        for problem in result.problems:
            echo_err(str(problem))
        echo_err(report.refused_line(len(result.problems)))
        return 1
    for line in result.notes:
        echo_err(line)
    for item in result.updates:
        for line in report.update_lines(item, dry_run):
            echo_err(line)
        if item.new_text is not None:
            if dry_run:
                echo(report.yaml_diff(item))
            else:
                update.write(item)
    for draft in result.drafts:
        for line in report.draft_lines(draft, dry_run):
            echo_err(line)
        if dry_run:
            echo(f"# ---- {draft.shown}")
            echo(draft.text.rstrip("\n"))
        else:
            drafts.write(draft, root)
    if not dry_run and result.drafts:
        echo_err(report.drafts_footer(len(result.drafts)))
    return 0
