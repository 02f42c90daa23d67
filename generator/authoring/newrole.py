"""``handbook new role``: a new role file HR only has to fill in.

HR names the department and the superior the way they speak (市场部, 市场部经理);
this module finds the ids behind those names, picks the next free 岗位编号 of the
department, derives an English id from the title (:mod:`generator.authoring.ids`) and writes
``roles/<id>.yml`` with Chinese guidance in YAML comments. Purpose, duties and KPIs
are left empty — valid YAML that ``handbook check`` reports as "… is empty — 请填写…"
— because an invented duty would be published as if HR had written it.

It reads the content with the safe YAML reader only, not the whole loader, so a
new role can be added while another file is still broken.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..content.errors import display_path
from ..content.model import SLUG_PATTERN
from ..content.numbering import Named, NoSeries, next_number, normalise
from ..content.yamlsource import load_yaml
from ..history.changes import whole_item
from .ids import slug_from_title


class NewRoleError(Exception):
    """A one-line reason why nothing was written (the CLI prints it and exits 2)."""


@dataclass(frozen=True)
class Directory:
    """What the content root already has, read leniently (a broken file is skipped)."""

    departments: list[Named]
    roles: list[Named]

    @classmethod
    def read(cls, root: Path) -> "Directory":
        site = _data(root, root / "content" / "site.yml")
        departments = [
            Named(str(d.get("id")), str(d.get("name") or d.get("id")), _names(d.get("aliases")))
            for d in (site.get("departments") or []) if isinstance(d, dict) and d.get("id")
        ]
        roles = []
        for path in sorted((root / "roles").glob("*.yml")):
            data = _data(root, path)
            role_id = str(data.get("id") or path.stem)
            roles.append(Named(role_id, str(data.get("title") or role_id), _names(data.get("aliases")),
                               str(data.get("number") or ""), str(data.get("department") or "")))
        return cls(departments, roles)

    @classmethod
    def of(cls, hb) -> "Directory":
        """The same view of an already loaded :class:`~generator.content.model.Handbook`."""
        return cls([Named(d.id, d.name, tuple(d.aliases)) for d in hb.site.departments],
                   [Named(r.id, r.title, tuple(r.aliases), r.number, r.department) for r in hb.roles])

    def department(self, text: str) -> Named:
        return _resolve(text, self.departments, "部门", "content/site.yml 的部门")

    def role(self, text: str) -> Named:
        return _resolve(text, self.roles, "岗位", "roles/ 的岗位")


def _data(root: Path, path: Path) -> dict:
    if not path.is_file():
        return {}
    doc, _ = load_yaml(path, display_path(path, root))
    return doc.data if doc is not None and isinstance(doc.data, dict) else {}


def _names(value) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _resolve(text: str, items: list[Named], what: str, where: str) -> Named:
    """An id, a Chinese name or an alias → the one item it names; anything else is a one-line error."""
    text = text.strip()
    for match in ([i for i in items if i.id == text], [i for i in items if text in (i.name, *i.aliases)]):
        if len(match) == 1:
            return match[0]
        if len(match) > 1:
            raise NewRoleError(f"'{text}' 同时指几个{what}：{_listed(match)} — 写出你指的那一个的 id")
    close = [i for i in items if text and (text in i.name or i.name in text or any(text in a for a in i.aliases))]
    if close:
        raise NewRoleError(f"没有叫 '{text}' 的{what} — 是不是想写 {' 或 '.join(i.shown for i in close)}？")
    raise NewRoleError(f"没有叫 '{text}' 的{what} — 从 {where}中选：{_listed(items) or '（还没有）'}")


def _listed(items: list[Named]) -> str:
    return "、".join(item.shown for item in items)


# --------------------------------------------------------------------------- the file


@dataclass(frozen=True)
class NewRole:
    id: str
    title: str
    number: str
    department: Named
    superior: Named | None
    superior_title: str | None
    started: dt.date  # the day the draft was written: its 修订记录 row's date (生效日期 stays empty until published)

    #: what to write for department and reports_to: the Chinese name when it names only that one, else the id
    department_ref: str = ""
    superior_ref: str = ""

    def yaml(self) -> str:
        return ROLE_TEMPLATE.format(
            id=self.id, title=_scalar(self.title), number=_scalar(self.number), today=self.started.isoformat(),
            first_version=_scalar(whole_item("role", self.id, self.title, added=True).text),
            dept_ref=_scalar(self.department_ref or self.department.id),
            dept_note=_comment(f"所属部门（id：{self.department.id}）"),
            reports=(f"reports_to: {_scalar(self.superior_ref or self.superior.id)}" if self.superior else
                     f"reports_to_title: {_scalar(self.superior_title or '')}"),
            reports_note=(_comment(f"直接上级（岗位 id：{self.superior.id}）") if self.superior
                          else "手册之外的直接上级（不在 roles/ 中）"),
            title_comment=_comment(self.title),
        )


def _scalar(text: str) -> str:
    """``text`` as a YAML value: plain when YAML reads it back unchanged, else double-quoted."""
    try:
        if yaml.safe_load(f"v: {text}") == {"v": text} and "#" not in text:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def _comment(text: str) -> str:
    return " ".join(text.split())


def plan_role(root: Path, title: str, department: str, reports_to: str | None = None,
              reports_to_title: str | None = None, role_id: str | None = None, number: str | None = None,
              today: dt.date | None = None) -> NewRole:
    """Resolve names and choose id and 岗位编号; raises :class:`NewRoleError`, writes nothing."""
    title = " ".join(title.split())
    if not title:
        raise NewRoleError("--title 是空的 — 写上岗位的中文名称，如 --title 大客户经理")
    if (reports_to is None) == (reports_to_title is None):
        raise NewRoleError("--reports-to（本手册中的岗位，如 市场部经理）和 --reports-to-title（手册之外的上级，"
                           "如 总经理）要写一个，且只写一个")
    directory = Directory.read(root)
    dept = directory.department(department)
    superior = directory.role(reports_to) if reports_to is not None else None
    same_title = [r for r in directory.roles if title in (r.name, *r.aliases)]
    if same_title:
        raise NewRoleError(f"已经有叫 '{title}' 的岗位：{_listed(same_title)} — "
                           f"换一个岗位名称，或直接修改 roles/{same_title[0].id}.yml")
    taken_ids = {r.id for r in directory.roles} | {p.stem for p in (root / "roles").glob("*.yml")}
    if role_id is None:
        role_id = slug_from_title(title, taken_ids)
    elif not re.fullmatch(SLUG_PATTERN, role_id) or len(role_id) > 64:
        raise NewRoleError(f"--id '{role_id}' 不是有效的 id — 只用英文小写字母、数字和连字符，"
                           f"如 --id {slug_from_title(title, taken_ids)}")
    elif role_id in taken_ids:
        raise NewRoleError(f"roles/{role_id}.yml 已经存在 — 换一个 --id，如 {slug_from_title(role_id, taken_ids)}")
    if number is None:
        number = _next_number(directory, dept, superior)
    else:
        number = number.strip()
        owner = [r for r in directory.roles if normalise(r.number) == normalise(number)]
        if owner:
            raise NewRoleError(f"岗位编号 {number} 已被 {_listed(owner)}使用 — 换一个 --number，"
                               f"如 {_next_number(directory, dept, superior)}")
    return NewRole(role_id, title, number, dept, superior, reports_to_title, today or dt.date.today(),
                   _by_name(directory.department, dept), _by_name(directory.role, superior) if superior else "")


def _next_number(directory: Directory, department: Named, superior: Named | None) -> str:
    try:
        return next_number(directory.roles, department, superior)
    except NoSeries as exc:
        raise NewRoleError(str(exc)) from None


def _by_name(find, item: Named) -> str:
    """The Chinese name HR knows it by, if that name finds this item and no other; else its id."""
    try:
        return item.name if find(item.name).id == item.id else item.id
    except NewRoleError:
        return item.id


def write_role(root: Path, role: NewRole) -> Path:
    """Create ``roles/<id>.yml``; never overwrites (the file is opened with O_EXCL)."""
    path = root / "roles" / f"{role.id}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(role.yaml())
    except FileExistsError:
        raise NewRoleError(f"roles/{role.id}.yml 已经存在，没有写入任何内容 — 换一个 --id") from None
    return path


ROLE_TEMPLATE = """\
# yaml-language-server: $schema=../schemas/role.schema.json
# 新岗位：{title_comment}（由 handbook new role 生成）
#
# 填写说明（以 # 开头的行是说明，不会出现在手册里；填好后可以删掉）：
#   · 每行写“键: 值”，英文冒号后面留一个空格；缩进用两个空格，不要用 Tab 键。
#   · 冒号左边的键（id、title、duties……）是英文，不要翻译；冒号右边写中文。
#   · id 一律用英文小写字母、数字和连字符（如 key-accounts），它们是文件名和网页地址的一部分。
#   · 复制别的岗位文件时，请删掉原文件顶部关于“来源”的说明，那些只对原岗位成立。
#   · 写完运行 handbook check：它会一次列出所有还缺的内容和写错的地方，并说明怎么改。

id: {id}    # 英文 id，也是文件名；定下后不要再改（页面地址会变）
status: draft    # 草稿：预览（handbook serve）里看得到；内容经确认后改为 published 才正式发布
title: {title}
aliases: []    # 文中对本岗位的其他称呼，如 [KA经理]；没有就保持 []
number: {number}    # 岗位编号：按本部门的编号顺延，不能与其他岗位重复
department: {dept_ref}    # {dept_note}；写部门的中文名称或 id 均可，见 content/site.yml
{reports}    # {reports_note}；写上级岗位的名称或 id 均可
version: "1.0"    # 版本：正式发布后，每次修改内容都升一级（1.0 → 1.1）
effective:    # 生效日期：草稿先空着；改为 status: published 正式发布时填写，格式 YYYY-MM-DD

# 岗位目的：一两句话，写本岗位为什么设立、对什么结果负责。例如：
#   purpose: 开发并维护公司重点大客户，完成大客户销售额与回款目标。
purpose:

# 岗位职责：每条职责一行，以“- ”开头；动词开头（负责、组织、协助……），一条只写一件事。
# 要被 KPI 考核的职责写成两行，给它一个英文 id：
#   - id: key-accounts
#     text: 负责重点大客户的开发、拜访与关系维护。
#   - id: collection
#     text: 跟踪合同执行，按期回收货款。
#   - 完成上级交办的其他任务。
# 职责很多时可以分组：
#   - heading: 客户开发
#     duties:
#       - 收集行业客户信息，建立客户档案。
duties:

# 关键绩效指标（KPI）：每个指标写齐下面 7 项；一个岗位所有指标的 weight 加起来等于 100。
#   - name: 大客户销售额达成率
#     definition: 实际销售额 ÷ 计划销售额 × 100%
#     target: ≥ 100%
#     weight: 60
#     cycle: 月度
#     source: 财务部销售台账
#     measures: [key-accounts]
#   - name: 货款回收率
#     definition: 当期实际回款额 ÷ 当期应收货款额 × 100%
#     target: ≥ 95%
#     weight: 40
#     cycle: 月度
#     source: 财务部应收账款台账
#     measures: [collection]
# name 指标名称；definition 定义或计算公式；target 目标值；weight 权重（只写数字）；
# cycle 考核周期（月度、季度、年度）；source 数据来源；measures 该指标考核的职责 id。
# 每条重要职责最好都有指标考核；一条职责不宜独占一半以上的权重（handbook check 会提示）。
kpis:
  status: proposed    # proposed = 拟定，待人力资源部确认；确认后改为 approved
  items:

# 修订记录：正式发布新版本时在最上面加一行（版本、日期、修订内容、修订人）；handbook import 会自动加
revisions:
  - version: "1.0"
    date: {today}
    summary: {first_version}
"""
