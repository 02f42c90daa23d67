"""Job descriptions written by anyone (Word or text) → roles: title, facts, purpose, duties, sections.

Reads a document line by line, in three layers:

1. **Lines**: Word paragraphs and table rows become lines (a table row ``岗位名称 | 销售经理 | 岗位编号 |
   XS-01`` becomes ``岗位名称：销售经理`` and ``岗位编号：XS-01``); download-site lines are set aside.
2. **Roles**: a heading such as ``[营销总监岗位职责]``, ``X岗位说明书`` or a ``岗位名称：`` line starts a
   role; a title such as ``公司业务招待费管理规定`` starts a non-role part (kept out, and reported).
3. **Sections and duties**: ``岗位目的`` ``岗位职责`` ``岗位权限`` ``工作关系`` ``任职资格`` (numbered or not,
   with or without a colon) switch sections; duties nest by the *kind* of their numbering label in
   order of appearance (``一、`` › ``1.`` › ``1)`` …), so any numbering scheme reads right. A line
   broken in the middle of a sentence is joined back; items glued on one line are split.

Every line ends up placed, or in the ``unplaced`` list with its line number and the reason.
KPIs are never read into the role: a JD's KPI part is reported, not imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .sources import Para, Source, Table
from .text import TERMINAL, cjk_punctuation, is_boilerplate, split_glued, split_label

# --------------------------------------------------------------------------- vocabulary

INFO_LABELS: dict[str, tuple[str, ...]] = {
    "title": ("岗位名称", "职位名称", "岗位", "职位"),
    "number": ("岗位编号", "职位编号", "岗位编码", "职位编码", "岗位代码", "编号"),
    "department": ("所属部门", "所在部门", "部门"),
    "reports_to": ("直接上级", "直属上级", "直接主管", "汇报对象", "汇报上级", "上级"),
    "subordinates": ("直接下级", "直属下级", "下属"),
    "ignored": ("岗位定员", "定员", "工作地点", "岗位等级", "职级", "岗位级别", "薪酬", "薪资", "编制", "填写日期",
                "编写日期", "生效日期", "审核", "批准", "核准", "任职人", "签字"),
}
_INFO_KEYS = {label: key for key, labels in INFO_LABELS.items() for label in labels}
_INFO_RE = re.compile(r"(?P<label>" + "|".join(sorted(map(re.escape, _INFO_KEYS), key=len, reverse=True)) +
                      r")\s*[:：]\s*")

SECTION_LABELS: dict[str, tuple[str, ...]] = {
    "purpose": ("岗位目的", "职位目的", "岗位概述", "职位概述", "岗位概要", "职位概要", "工作概述", "岗位使命",
                "岗位职能", "工作目标", "岗位宗旨"),
    "duties": ("岗位职责与工作任务", "岗位职责", "工作职责", "主要职责", "职责描述", "工作内容", "职责范围", "职责"),
    "authority": ("岗位权限", "工作权限", "职权范围", "职权", "权限"),
    "relations": ("工作关系", "工作联系", "协作关系", "沟通关系"),
    "qualifications": ("任职资格", "任职条件", "任职要求", "岗位要求", "资格要求", "任职资格要求"),
    "kpi": ("关键绩效指标", "绩效考核指标", "绩效考核", "考核指标", "绩效指标", "考核标准", "KPI"),
    "other": ("工作环境", "工作条件", "职业发展", "晋升通道", "晋升方向", "培训要求", "薪资待遇", "薪酬待遇", "工作时间",
              "使用工具", "工作设备"),
}
_SECTION_KEYS = {label: key for key, labels in SECTION_LABELS.items() for label in labels}
_SECTION_RE = re.compile(r"(?P<label>" + "|".join(sorted(map(re.escape, _SECTION_KEYS), key=len, reverse=True)) +
                         r")\s*(?:[:：]\s*(?P<rest>.*))?$", re.IGNORECASE)

SUB_LABELS: dict[str, tuple[str, ...]] = {
    "education": ("学历要求", "教育背景", "教育程度", "文化程度", "学历"),
    "major": ("专业要求", "专业背景", "专业"),
    "experience": ("工作经验", "工作经历", "经验要求", "经验"),
    "skills": ("知识技能", "知识/技能/能力素质", "知识/技能", "专业知识", "知识", "技能要求", "技能", "能力素质",
               "能力要求", "能力", "素质要求", "个人素质", "素质"),
    "other": ("其他要求", "其他", "年龄", "性别", "身体状况", "身体"),
    "internal": ("内部联系", "内部关系", "内部协调", "内部"),
    "external": ("外部联系", "外部关系", "外部协调", "外部"),
}
_SUB_KEYS = {label: key for key, labels in SUB_LABELS.items() for label in labels}
_SUB_RE = re.compile(r"(?P<label>" + "|".join(sorted(map(re.escape, _SUB_KEYS), key=len, reverse=True)) +
                     r")\s*[:：]\s*(?P<rest>.*)$")

_TITLE = r"[\u4e00-\u9fffA-Za-z0-9（）()·/&＆\-]{2,20}?"
_HEADER_RE = re.compile(
    rf"^[\[【〔]?\s*(?P<title>{_TITLE})\s*(?:岗位|职位)?(?:工作)?(?:职责|说明书|说明|描述)(?:书|说明书)?\s*[\]】〕]?"
    r"\s*(?P<rest>.*)$")
_NON_ROLE_RE = re.compile(r"(规定|制度|办法|流程|指南|须知|清单|通知|布署|部署|守则|规范|细则表|附件|记录表|申请表|登记表|"
                          r"报销单|审批单|状况表|考核表|评分表|评价表)")
_KPI_REMARK_RE = re.compile(r"绩效考核|考核指标|KPI", re.IGNORECASE)

SHORT_HEADING = 16   # a numbered line this short without a full stop may head a group
LONG_LINE = 20       # a line this long ending mid-sentence continues on the next line


@dataclass(frozen=True)
class Line:
    where: int        # line / paragraph number shown in messages
    text: str
    numbered: bool = False  # Word auto-numbering (the label is not in the text)
    level: int = 0          # its list level
    heading: int = 0        # Word heading level (Heading 2 → 2); 0 for other paragraphs
    kpi_table: bool = False  # a cell of a table with a 权重 column: KPIs, never imported
    blank_field: bool = False  # a table label whose value cell is empty (a form to fill in)


@dataclass
class Item:
    text: str
    kind: str | None
    where: int
    children: list["Item"] = field(default_factory=list)


@dataclass
class ParsedRole:
    first: int
    last: int = 0
    title: str = ""
    title_from_label: bool = False
    info: dict[str, str] = field(default_factory=dict)
    purpose: str = ""
    duties: list[Item] = field(default_factory=list)
    authority: list[str] = field(default_factory=list)
    relations: dict[str, list[str]] = field(default_factory=dict)
    qualifications: dict = field(default_factory=dict)
    unplaced: list[tuple[int, str, str]] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)

    def duty_count(self) -> int:
        def count(items):
            return sum(count(i.children) if i.children else 1 for i in items)
        return count(self.duties)


@dataclass
class Parsed:
    roles: list[ParsedRole]
    unplaced: list[tuple[int, str, str]]   # lines outside any role
    skipped: list[int]                     # download-site lines


# --------------------------------------------------------------------------- 1. lines


def lines_of(source: Source) -> list[Line]:
    found: list[Line] = []
    for block in source.blocks:
        if isinstance(block, Para):
            match = re.match(r"^(?:heading|标题)\s*(\d)$", block.style)
            for part in block.text.split("\n"):
                found.append(Line(block.no, part.strip(), block.numbered, block.level,
                                  int(match.group(1)) if match else 0))
        elif isinstance(block, Table):
            found += _table_lines(block)
    return found


def _label_key(cell: str) -> tuple[str, str] | None:
    text = re.sub(r"\s+", "", cell).rstrip(":：")
    if text in _INFO_KEYS:
        return "info", text
    if text in _SECTION_KEYS:
        return "section", text
    return None


def _table_lines(table: Table) -> list[Line]:
    """Label | value cells as 'label：value' lines; a section label cell followed by its content."""
    out: list[Line] = []
    first = ["".join(cell).strip() for cell in table.rows[0]] if table.rows else []
    if any(cell in ("权重", "权重（%）", "权重(%)") for cell in first):
        return [Line(table.no, " | ".join(dict.fromkeys("".join(c).strip() for c in row if "".join(c).strip())),
                     kpi_table=True) for row in table.rows]
    for row in table.rows:
        cells = [tuple(p.strip() for p in cell if p.strip()) for cell in row]
        merged: list[tuple[str, ...]] = []
        for cell in cells:  # merged cells repeat in python's view of a row: keep one
            if not merged or cell != merged[-1]:
                merged.append(cell)
        k = 0
        while k < len(merged):
            cell = merged[k]
            key = _label_key("".join(cell)) if cell else None
            if key and k + 1 < len(merged) and merged[k + 1] and not _label_key("".join(merged[k + 1])):
                value = merged[k + 1]
                if key[0] == "info":
                    out.append(Line(table.no, f"{key[1]}：{''.join(value)}"))
                else:
                    out.append(Line(table.no, key[1]))
                    out += [Line(table.no, p) for p in value]
                k += 2
                continue
            blank_value = len(merged) % 2 == 0 and k % 2 == 0 and k + 1 < len(merged) and not merged[k + 1]
            out += [Line(table.no, p, blank_field=blank_value) for p in cell]
            k += 1
    return out


# --------------------------------------------------------------------------- 2. roles


def parse(source: Source) -> Parsed:
    lines = lines_of(source)
    roles: list[ParsedRole] = []
    outside: list[tuple[int, str, str]] = []
    skipped: list[int] = []
    role: ParsedRole | None = None
    builder: _RoleBuilder | None = None
    non_role: str | None = None

    def close() -> None:
        nonlocal role, builder
        if role is not None and builder is not None:
            builder.finish()
            if role.duties:
                roles.append(role)
            else:
                outside.append((role.first, role.title, "标题之下没有岗位职责，不当作岗位"))
                outside.extend(role.unplaced)
        role, builder = None, None

    for line in lines:
        text = line.text
        if not text:
            continue
        if is_boilerplate(text):
            skipped.append(line.where)
            continue
        header = _header(text)
        info = _INFO_RE.match(text)
        if info and non_role is not None and info.group("label") not in ("岗位名称", "职位名称"):
            info = None  # '岗位：…' in a form or appraisal sheet does not start a job description
        starts_by_label = bool(info and _INFO_KEYS[info.group("label")] == "title" and role is not None and
                               (role.title_from_label or role.duties))
        if header or (info and _INFO_KEYS[info.group("label")] == "title" and role is None) or starts_by_label:
            close()
            non_role = None
            role = ParsedRole(first=line.where)
            builder = _RoleBuilder(role)
            if header:
                role.title = header[0]
                role.last = line.where
                if header[1]:
                    builder.feed(Line(line.where, header[1], False))
                continue
        elif _non_role_title(text, role):
            close()
            non_role = text
        if non_role is not None:
            outside.append((line.where, text, f"不是岗位说明书的内容（《{non_role}》）"))
            continue
        if role is None:
            outside.append((line.where, text, "不在任何岗位之下"))
            continue
        builder.feed(line)
        role.last = line.where
    close()
    return Parsed(roles, outside, skipped)


def _header(text: str) -> tuple[str, str] | None:
    """(title, rest of the line) for '[营销总监岗位职责]', '营销策划经理职责一、总则', 'X岗位说明书'."""
    if split_label(text).kind is not None and not re.match(r"^[\[【〔]", text):
        return None
    match = _HEADER_RE.match(text.strip())
    if not match:
        return None
    title, rest = match.group("title"), match.group("rest").strip()
    if re.fullmatch(r"[（(]?[\d一二三四五六七八九十]{1,3}[）)]?", rest):
        rest = ""  # '行政专员岗位职责2': the second variant in a collection of JDs
    if title in _SECTION_KEYS or title in _INFO_KEYS or re.fullmatch(r"(岗位|职位|工作)+", title):
        return None
    if rest and split_label(rest).kind is None and rest not in ("】", "]"):
        return None  # '…职责：负责…' is a sentence, not a heading
    return title, rest


def _non_role_title(text: str, role: ParsedRole | None) -> bool:
    """A short unnumbered title such as 公司业务招待费管理规定 (a policy, guide or form, not a role)."""
    if len(text) > 30 or split_label(text).kind is not None or re.search(r"[，,。；;：:！!？?]", text):
        return False
    if _SECTION_RE.fullmatch(text) or _INFO_RE.match(text):
        return False
    return bool(_NON_ROLE_RE.search(text))


# --------------------------------------------------------------------------- 3. sections and duties


class _RoleBuilder:
    def __init__(self, role: ParsedRole):
        self.role = role
        self.section = "duties"  # a bare role heading is followed by its duties
        self.stack: list[tuple[str, Item]] = []
        self.last: Item | None = None
        self.last_raw = ""
        self.sub: str | None = None
        self.section_lines: list[tuple[int, str]] = []

    # ----- dispatch

    def feed(self, line: Line) -> None:
        text = line.text
        labelled = split_label(text)
        bare = labelled.text if labelled.kind in (None, "cn", "cn-paren", "dun", "dot", "article") else text
        section = _SECTION_RE.match(bare)
        if section and len(bare) <= 40 and (section.group("rest") is not None or section.end() == len(bare)):
            key = _SECTION_KEYS[_canonical(section.group("label"))]
            if key != "duties" or not self.role.duties or (section.group("rest") or "").strip() == "":
                self._switch(key, line, section.group("label"))
                rest = (section.group("rest") or "").strip()
                if rest:
                    self.feed(Line(line.where, rest, False))
                return
        info_parts = list(_INFO_RE.finditer(text))
        if info_parts and info_parts[0].start() == 0:
            self._info(line, info_parts)
            return
        if line.kpi_table:
            self.role.unplaced.append((line.where, text, "考核指标表格；导入不生成 KPI，请在 kpis 中填写"))
            return
        if re.search(r"[_＿]{4,}", text) or line.blank_field:
            self.role.unplaced.append((line.where, text, "填写栏，不是岗位内容"))
            return
        if self.section == "duties" and _KPI_REMARK_RE.search(text) and labelled.kind is None:
            self.role.unplaced.append((line.where, text, "关于绩效考核的说明；导入不生成 KPI，请在 kpis 中填写"))
            return
        getattr(self, f"_{self.section}")(line)

    def _switch(self, key: str, line: Line, label: str) -> None:
        """A new section: numbering and sub-labels start afresh."""
        self.section = key
        self.sub = None
        self.stack, self.last = [], None

    def _info(self, line: Line, parts: list[re.Match]) -> None:
        text = line.text
        for k, match in enumerate(parts):
            end = parts[k + 1].start() if k + 1 < len(parts) else len(text)
            label = match.group("label")
            value = text[match.end():end].strip(" \t　;；,，")
            key = _INFO_KEYS[label]
            if not value:
                continue
            if key == "title":
                self.role.title = value
                self.role.title_from_label = True
            elif key in ("number", "department", "reports_to"):
                self.role.info[key] = value
            elif key == "subordinates":
                self.role.unplaced.append((line.where, f"{label}：{value}",
                                           "直接下级由各岗位的直接上级推出，不必填写"))
            else:
                self.role.unplaced.append((line.where, f"{label}：{value}", "本手册的岗位没有这一项"))

    # ----- sections

    def _purpose(self, line: Line) -> None:
        self.role.purpose += cjk_punctuation(split_label(line.text).text)

    def _kpi(self, line: Line) -> None:
        self.role.unplaced.append((line.where, line.text, "绩效考核内容不导入；KPI 请在 kpis 中填写"))

    def _other(self, line: Line) -> None:
        self.role.unplaced.append((line.where, line.text, "本手册的岗位没有这一部分"))

    def _authority(self, line: Line) -> None:
        for part in split_glued(line.text):
            self._list_item(self.role.authority, part)

    def _list_item(self, target: list[str], text: str) -> None:
        labelled = split_label(text)
        value = cjk_punctuation(labelled.text)
        if labelled.kind is None and target and not target[-1].endswith(tuple(TERMINAL)) and \
                len(self.last_raw) >= LONG_LINE:
            target[-1] += value
        else:
            target.append(value)
        self.last_raw = text

    def _relations(self, line: Line) -> None:
        labelled = split_label(line.text)
        sub = _SUB_RE.match(labelled.text)
        if sub and _SUB_KEYS[sub.group("label")] in ("internal", "external"):
            self.sub = _SUB_KEYS[sub.group("label")]
            rest = sub.group("rest").strip()
            items = [p for p in re.split(r"[；;]", rest) if p.strip()] if rest else []
            for item in items:
                self.role.relations.setdefault(self.sub, []).append(cjk_punctuation(item.strip().rstrip("。")))
            self.role.relations.setdefault(self.sub, [])
            return
        bare = re.sub(r"\s+", "", labelled.text).rstrip(":：")
        if bare in _SUB_KEYS and _SUB_KEYS[bare] in ("internal", "external"):
            self.sub = _SUB_KEYS[bare]
            return
        if self.sub is None:
            self.role.unplaced.append((line.where, line.text, "工作关系中既不是内部联系也不是外部联系"))
            return
        self._list_item(self.role.relations.setdefault(self.sub, []), line.text)

    def _qualifications(self, line: Line) -> None:
        q = self.role.qualifications
        labelled = split_label(line.text)
        sub = _SUB_RE.match(labelled.text)
        if sub and _SUB_KEYS[sub.group("label")] not in ("internal", "external"):
            key, rest = _SUB_KEYS[sub.group("label")], cjk_punctuation(sub.group("rest").strip())
            self.sub = key
            if not rest:
                return
            if key in ("skills", "other"):
                items = [p for p in re.split(r"[；;]", rest) if p.strip()]
                q.setdefault(key, []).extend(i.strip() for i in items)
            elif key in q:
                q[key] += "；" + rest
            else:
                q[key] = rest
            return
        bare = re.sub(r"\s+", "", labelled.text).rstrip(":：")
        if bare in _SUB_KEYS and _SUB_KEYS[bare] not in ("internal", "external"):
            self.sub = _SUB_KEYS[bare]
            return
        text = cjk_punctuation(labelled.text)
        key = self.sub if self.sub in ("skills", "other") else None
        if key is None:
            if re.search(r"学历|本科|大专|专科|硕士|研究生|中专|高中", text) and "education" not in q:
                key = "education"
            elif re.search(r"经验|年以上", text) and "experience" not in q:
                key = "experience"
            elif re.search(r"专业$|相关专业", text) and "major" not in q:
                key = "major"
            else:
                key = "skills"
        if key in ("skills", "other"):
            self._list_item(q.setdefault(key, []), line.text if labelled.kind else text)
        else:
            q[key] = text

    # ----- duties

    def _duties(self, line: Line) -> None:
        parts = split_glued(line.text)
        if len(parts) > 1:
            self.role.repairs.append(f"第 {line.where} 行有 {len(parts)} 条职责挤在一行，已分开")
        for part in parts:
            self._duty(line, part)

    def _duty(self, line: Line, text: str) -> None:
        labelled = split_label(text)
        kind = labelled.kind or (f"auto-{line.level}" if line.numbered else None)
        if line.heading and not labelled.kind:
            kind = f"heading-{line.heading}"  # a Word heading inside the duties heads a group
        value = cjk_punctuation(labelled.text)
        if kind == "amp":
            self.role.repairs.append(f"第 {line.where} 行的 “&” 当作编号（抓取损坏的“8、”一类）")
            kind = self.stack[-1][0] if self.stack else "dun"
        if kind is None:
            last = self.last
            if last is not None and not last.text.endswith(tuple(TERMINAL)) and (
                    len(self.last_raw) >= LONG_LINE or not _heading_like(last)):
                last.text += value  # the sentence went on on the next line
                self.last_raw = text
                return
            if last is not None and _heading_like(last) and last.kind not in (None, "plain"):
                kind = "plain"
                self._place(kind, Item(value, kind, line.where), child_of_last=True)
            else:
                kind = self.stack[-1][0] if self.stack else "plain"
                self._place(kind, Item(value, kind, line.where))
        else:
            self._place(kind, Item(value, kind, line.where))
        self.last_raw = text

    def _place(self, kind: str, item: Item, child_of_last: bool = False) -> None:
        if kind.startswith("heading-"):
            # Headings sit above every list: close lists and deeper or equal headings.
            level = int(kind.split("-")[1])
            while self.stack and not (self.stack[-1][0].startswith("heading-") and
                                      int(self.stack[-1][0].split("-")[1]) < level):
                self.stack.pop()
        kinds = [k for k, _ in self.stack]
        if child_of_last:
            parent = self.last
            self.stack.append((kind, item))
        elif kind in kinds:
            depth = kinds.index(kind)
            del self.stack[depth:]
            parent = self.stack[-1][1] if self.stack else None
            self.stack.append((kind, item))
        else:
            parent = self.stack[-1][1] if self.stack else None
            self.stack.append((kind, item))
        (parent.children if parent is not None else self.role.duties).append(item)
        self.last = item

    def finish(self) -> None:
        if self.role.purpose:
            self.role.purpose = self.role.purpose.strip()


def _heading_like(item: Item) -> bool:
    """A short line with no punctuation inside (市场调研, 总则) may head the lines under it."""
    return not item.children and len(item.text) <= SHORT_HEADING and not re.search(r"[，,；;。]", item.text) \
        and not item.text.endswith(tuple(TERMINAL))


def _canonical(label: str) -> str:
    return next((key for key in _SECTION_KEYS if key.lower() == label.lower()), label)
