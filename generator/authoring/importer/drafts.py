"""Parsed job descriptions → new ``roles/<id>.yml`` files marked ``status: draft``.

Nothing is invented: no KPIs, no purpose when the source has none, no 岗位编号 or department the
source does not give (a draft may lack them; ``handbook check`` lists what is missing). What could
be resolved is: the department by name or alias (content/site.yml), the superior by title or alias
(existing roles, and roles imported in the same run). An existing file is never overwritten: the
draft takes a free id and the report says so.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ...content.errors import Problem
from ...content.model import Handbook
from ..ids import slug_from_title
from . import parse as parser
from .sources import Source
from .text import normalise, parse_date


class NotAJobDescription(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class Draft:
    role_id: str
    title: str
    text: str
    source_shown: str
    first: int
    last: int
    unit_word: str
    duty_count: int
    source_title: str = ""     # the title as the source has it (``title`` may carry （导入）)
    sections: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unplaced: list[tuple[int, str, str]] = field(default_factory=list)
    placed: list[tuple[int, str]] = field(default_factory=list)   # (line, the field it went to)
    spans: dict[int, int] = field(default_factory=dict)           # an unplaced line → the last line joined to it
    numbers: list[int] = field(default_factory=list)              # every non-empty line of the file

    @property
    def shown(self) -> str:
        return f"roles/{self.role_id}.yml"


IMPORTED = "（导入）"


def _free_title(title: str, titles_taken: set[str]) -> str:
    """The title, or '营销总监（导入）', '营销总监（导入 2）' … when a role already has it (titles are unique)."""
    candidates = [title, f"{title}{IMPORTED}"] + [f"{title}（导入 {n}）" for n in range(2, 1000)]
    return next(c for c in candidates if normalise(c) not in titles_taken)


def plan(source: Source, root: Path, hb: Handbook, taken: set[str], titles_taken: set[str]) -> list[Draft]:
    from . import report

    parsed = parser.parse(source)
    unit = source.unit_word
    if not parsed.roles:
        raise NotAJobDescription(Problem(
            source.shown, 1, "没有找到岗位说明书（没有“岗位职责”或“X岗位职责”这样的标题及其下的职责）",
            "导入岗位说明书文件；若是本手册生成的 Word 文件，请用原文件（它带有岗位信息）"))
    taken = set(taken)
    ids_by_title: dict[str, str] = {}
    drafts = []
    for parsed_role in parsed.roles:
        named_by_file = not parsed_role.title and len(parsed.roles) == 1 and _title_from_name(source.path)
        if named_by_file:
            parsed_role.title = named_by_file
            parsed_role.repairs.append(f"原文没有写岗位名称，取自文件名：{named_by_file}")
        source_title = parsed_role.title or "未命名岗位"
        role_id = slug_from_title(source_title, taken)
        taken.add(role_id)
        title = _free_title(source_title, titles_taken)
        titles_taken.add(normalise(title))
        ids_by_title.setdefault(normalise(source_title), role_id)
        draft = Draft(role_id, title, "", source.shown, parsed_role.first, parsed_role.last, unit,
                      parsed_role.duty_count())
        draft.source_title = source_title
        drafts.append(draft)
    numbers = {r.number: r.id for r in hb.roles}
    for draft, parsed_role in zip(drafts, parsed.roles):
        draft.text, draft.notes, draft.sections = _yaml(parsed_role, draft, source, hb, ids_by_title, numbers)
        draft.notes = parsed_role.repairs + draft.notes
        draft.unplaced = parsed_role.unplaced
        draft.placed, draft.spans, draft.numbers = parsed_role.placed, parsed_role.spans, sorted(parsed.texts)
    # What concerns the whole file is reported once, with its first draft.
    first = drafts[0]
    first.unplaced = sorted(parsed.unplaced + first.unplaced, key=lambda item: item[0])
    if parsed.skipped:
        first.notes.append(report.skipped_note(parsed.skipped, unit))
    if source.converted:
        first.notes.insert(0, source.converted)
    if source.pending:
        first.notes.append(report.pending_note(source.pending))
    return drafts


def _duties(items: list[parser.Item]) -> CommentedSeq:
    seq = CommentedSeq()
    for item in items:
        if item.children:
            group = CommentedMap()
            group["heading"] = item.text.rstrip("：:")
            group["duties"] = _duties(item.children)
            seq.append(group)
        else:
            seq.append(item.text)
    return seq


def _find_role(hb: Handbook, name: str):
    key = normalise(name)
    return next((r for r in hb.roles if key in {normalise(n) for n in r.names}), None)


def _yaml(p: parser.ParsedRole, draft: Draft, source: Source, hb: Handbook, ids_by_title: dict[str, str],
          numbers: dict[str, str]) -> tuple[str, list[str], list[str]]:
    notes: list[str] = []
    comments = [f"导入自 {Path(source.shown).name}（第 {draft.first}–{draft.last} {draft.unit_word}），"
                f"由 handbook import 生成的草稿：核对后把 status 改为 published。"]
    data = CommentedMap()
    data["id"] = draft.role_id
    data["status"] = "draft"
    data["title"] = draft.title
    existing = _find_role(hb, draft.source_title)
    if existing is not None:
        notes.append(f"已有同名岗位 roles/{existing.id}.yml；草稿名为“{draft.title}”，另存为 {draft.shown}，"
                     f"请对照后合并或删除")
    elif draft.title != draft.source_title:
        notes.append(f"本次导入已有岗位“{draft.source_title}”；这一份名为“{draft.title}”")
    default_id = None
    if draft.role_id != _first_choice(draft.source_title):
        default_id = _first_choice(draft.source_title)
        notes.append(f"id {default_id} 已被占用（roles/ 中已有此文件，或本次导入的另一岗位），草稿改用 {draft.role_id}")
    number = p.info.get("number")
    if number:
        if number in numbers:
            notes.append(f"岗位编号 {number} 已被 roles/{numbers[number]}.yml 使用，未填写")
            comments.append(f"原文岗位编号：{number}（已被 {numbers[number]} 使用）")
        else:
            data["number"] = number
    else:
        notes.append("原文没有岗位编号（number）")
    department = p.info.get("department")
    if department:
        found = next((d for d in hb.site.departments
                      if normalise(department) in {normalise(n) for n in (d.name, *d.aliases)}), None)
        if found:
            data["department"] = found.id
        else:
            notes.append(f"所属部门“{department}”不在 content/site.yml 中，未填写")
            comments.append(f"原文所属部门：{department}")
    else:
        notes.append("原文没有所属部门（department）")
    superior = p.info.get("reports_to")
    if superior:
        role = _find_role(hb, superior)
        if role is not None:
            data["reports_to"] = role.id
        elif normalise(superior) in ids_by_title:
            data["reports_to"] = ids_by_title[normalise(superior)]
        else:
            data["reports_to_title"] = superior
    if p.purpose:
        data["purpose"] = p.purpose
    else:
        notes.append("原文没有岗位目的（purpose），请补写")
    version = p.info.get("version", "").lstrip("VvＶｖ版本 ")
    data["version"] = DoubleQuotedScalarString(version if re.fullmatch(r"\d+(\.\d+)*", version) else "1.0")
    effective = parse_date(p.info.get("effective", ""))
    if effective is not None:
        data["effective"] = effective
    elif p.info.get("effective"):
        notes.append(f"生效日期“{p.info['effective']}”不是日期，未填写")
        comments.append(f"原文生效日期：{p.info['effective']}")
    else:
        notes.append("原文没有生效日期（effective）")
    data["duties"] = _duties(p.duties)
    sections = []
    if p.authority:
        data["authority"] = CommentedSeq(p.authority)
        sections.append("岗位权限")
    relations = {k: v for k, v in p.relations.items() if v}
    if relations:
        data["relations"] = CommentedMap((k, CommentedSeq(relations[k])) for k in ("internal", "external")
                                         if k in relations)
        sections.append("工作关系")
    q = {k: v for k, v in p.qualifications.items() if v}
    if q:
        data["qualifications"] = CommentedMap(
            (k, CommentedSeq(q[k]) if isinstance(q[k], list) else q[k])
            for k in ("education", "major", "experience", "skills", "other") if k in q)
        sections.append("任职资格")
    comments.append("KPI（kpis）未导入：原文的考核内容见导入报告；发布前请补上")
    data.yaml_set_start_comment("\n".join(comments))
    y = YAML()
    y.width = 1 << 20
    y.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    y.dump(data, out)
    text = "# yaml-language-server: $schema=../schemas/role.schema.json\n" + out.getvalue()
    return text, notes, sections


def _title_from_name(path: Path) -> str:
    """'03 销售经理岗位说明书.docx' → '销售经理'; '' when the file name is not a role's name."""
    stem = re.sub(r"^[\d\s._-]+", "", path.stem)
    stem = re.sub(r"(?:岗位|职位)?(?:职责|说明书|说明|描述|JD)+$", "", stem, flags=re.IGNORECASE).strip(" _-（）()")
    return stem if re.fullmatch(r"[\u4e00-\u9fff][\u4e00-\u9fffA-Za-z0-9]{1,19}", stem) else ""


def _first_choice(title: str) -> str:
    return slug_from_title(title, ())


def write(draft: Draft, root: Path) -> None:
    """Create the file; never replace one (O_EXCL), even if it appeared since the plan was made."""
    path = root / "roles" / f"{draft.role_id}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(draft.text)
