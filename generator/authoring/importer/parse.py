"""Job descriptions written by anyone (Word, text, Markdown, PDF) → roles: title, facts, purpose, duties, sections.

Reads a document in three layers:

1. **Lines**: Word paragraphs, text lines and table cells become lines. A table is read row by row
   (``岗位名称 | 销售经理 | 岗位编号 | XS-01`` → ``岗位名称：销售经理``, ``岗位编号：XS-01``); a label standing
   alone with its value on the next line (a table pasted as text, one cell per line) is joined to it, and
   so is a number standing alone (``职责一`` / ``制订销售计划``). Site chrome and download notices are set aside.
2. **Roles**: one role per file, unless the file clearly holds several complete job descriptions — each
   with its own title (``[营销总监岗位职责]``, ``X岗位说明书``, ``岗位名称：X``) and duties. A title such as
   ``公司业务招待费管理规定`` starts a part that is not a role (kept out, and reported).
3. **Sections and duties**: headings switch sections however they are written (``三、岗位职责``,
   ``（二）任职资格``, ``第四条 岗位权限``, ``【任职要求】``, a bold paragraph, a Word heading, a table's label
   cell; with or without a colon and text after it). Duties nest by the *kind* of their numbering label in
   order of appearance (``一、`` › ``1.`` › ``1)`` …), so any numbering scheme reads right; a line broken in
   the middle of a sentence is joined back; items glued on one line are split. After the duties, a heading
   written like the duties' own heading (same numbering, same bold) ends them even when its name is unknown.

Every line ends up placed (which field) or not placed (and why): nothing is lost silently.
KPIs are never read into the role: a JD's KPI part is reported, not imported.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from .sources import Para, Source, Table
from .text import TERMINAL, cjk_punctuation, is_boilerplate, split_glued, split_label

# --------------------------------------------------------------------------- vocabulary

INFO_LABELS: dict[str, tuple[str, ...]] = {
    "title": ("岗位名称", "职位名称", "岗位", "职位", "职务名称", "职务", "招聘职位", "招聘岗位", "招聘", "诚聘"),
    "number": ("岗位编号", "职位编号", "岗位编码", "职位编码", "岗位代码", "职位代码", "编号"),
    "department": ("所属部门", "所在部门", "所属部门/科室", "部门", "隶属部门", "所属科室"),
    "reports_to": ("直接上级", "直属上级", "直接主管", "直属上司", "直接上司", "直属上司职位", "直接上级职位", "汇报对象",
                   "直接汇报对象", "汇报上级", "上级", "上级领导", "直属领导", "汇报给", "报告对象"),
    "subordinates": ("直接下级", "直属下级", "下属", "直接下属", "管理对象", "直接督导"),
    "effective": ("生效日期", "生效时间", "执行日期", "实施日期"),
    "version": ("版本号", "版本"),
    "ignored": ("岗位定员", "定员", "定员人数", "所辖人数", "岗位人数", "岗位等级", "职位等级", "职级", "岗位级别",
                "编制", "编制日期", "填写日期", "编写日期", "更新日期", "审核", "批准", "核准", "任职人",
                "签字", "可轮调岗位", "可升迁岗位", "临时替代岗位", "晋升方向", "岗位类型", "工作性质", "间接督导",
                "薪酬等级", "岗位序列", "文件编号", "所属系统"),
}
_INFO_KEYS = {label: key for key, labels in INFO_LABELS.items() for label in labels}
_LABEL_WORDS = "|".join(sorted(map(re.escape, _INFO_KEYS), key=len, reverse=True))
# 'label：value', several to a line; a label of four characters or more may also be followed by spaces only.
_INFO_RE = re.compile(rf"(?P<label>{_LABEL_WORDS})\s*[:：]\s*")
_INFO_SPACED_RE = re.compile(rf"(?:(?<=\s)|^)(?P<label>{_LABEL_WORDS})(?:\s*[:：]\s*|[ \t\u3000]+)")
# Any 'label：' inside a facts line (岗位人数：1 职位等级：), so unknown labels split the line too.
_ANY_LABEL_RE = re.compile(r"(?:(?<=\s)|^)(?P<label>[\u4e00-\u9fff/（）()]{2,10})\s*[:：]\s*")

# Sections, in the order they are tried; a heading's name must match one pattern whole (after its numbering,
# brackets, markup, 本/该 and a trailing colon are removed). "recruit" and "other" are reported, never imported.
_P = "(?:岗位|职位|职务|工作|本岗位|本职位)?"
SECTION_PATTERNS: tuple[tuple[str, str], ...] = (
    ("recruit", r"公司(?:简介|介绍|概况)|企业(?:简介|介绍)|关于我们|(?:薪资|薪酬|薪水|工资)(?:待遇|福利|范围|水平)?|"
                r"福利(?:待遇)?|(?:薪资)?福利待遇|待遇|(?:工作|上班|办公)(?:地点|地址|城市)|联系(?:方式|我们|人|电话)|"
                r"(?:简历)?投递(?:方式|邮箱)?|应聘方式|加分项|优先条件|招聘(?:人数|对象|岗位)|面试(?:流程|地点|方式)"),
    ("info", rf"{_P}(?:基本)?(?:信息|资料|情况|概况|标识)|基本(?:信息|资料|情况)|汇报关系|报告关系|岗位设置"),
    ("other", rf"{_P}(?:工作)?(?:环境|条件)|使用(?:设备|工具)|(?:工作)?(?:设备|工具)|职业发展|(?:晋升|发展)(?:通道|方向|路径|空间)|"
              r"培训(?:要求|内容|需求)?|工作时间|(?:岗位|职位)?在组织中的位置|组织(?:结构|架构|位置)|(?:岗位|职位)关系图|"
              r"岗位特征|劳动强度|备注|其他说明|附则|说明|岗位说明|职业风险"),
    ("purpose", rf"{_P}(?:目的|概述|概要|使命|宗旨|综述|职能|简介|设置目的|目标)|工作概要|职责概述|职责概要|总体职责"),
    ("duties", rf"{_P}(?:主要|具体|核心|基本)?(?:职责|工作职责|工作内容|工作任务|任务|职责描述|职位描述|岗位描述|工作描述|职责范围|"
               r"主要工作)(?:(?:与|及|和)(?:工作任务|工作内容|权限|职权|工作标准))?(?:细化描述|描述|范围|说明|内容|与任务)?|"
               r"职位描述|岗位描述|工作描述|职责细化描述"),
    ("authority", rf"{_P}(?:权限|职权|权力|权利|权责)(?:范围|划分|说明)?|职权范围|权限范围"),
    ("relations", rf"{_P}(?:关系|联系|协作关系|沟通关系|协调关系|接触对象|工作关系)|(?:业务)?接触对象|内外部关系|工作协作|协作部门"),
    ("qualifications", rf"{_P}(?:任职|任用|应聘|入职)?(?:资格|条件|要求|资格要求|资格条件|规范)|任职资格|任职要求|任职条件|"
                       r"岗位要求|职位要求|资格要求|任用资格|岗位任职资格|任职资格要求|能力要求"),
    ("kpi", rf"{_P}(?:绩效)?(?:考核|考评|评价|衡量)(?:指标|标准|要点|内容|方式|办法|原则)?|(?:关键)?绩效(?:考核)?(?:指标|标准|目标)?|"
            r"KPI|关键绩效指标|考核指标|业绩标准"),
)
_SECTION_RES = [(key, re.compile(pattern, re.IGNORECASE)) for key, pattern in SECTION_PATTERNS]
SECTION_NAMES = {"info": "岗位基本信息", "purpose": "岗位目的", "duties": "岗位职责", "authority": "岗位权限",
                 "relations": "工作关系", "qualifications": "任职资格", "kpi": "考核", "other": "其他",
                 "recruit": "招聘信息", "lead": "标题"}
FACT_NAMES = {"title": "岗位名称", "number": "岗位编号", "department": "所属部门", "reports_to": "直接上级",
              "effective": "生效日期", "version": "版本"}
HEADING_MAX = 14   # a section heading's name is at most this long

SUB_LABELS: dict[str, tuple[str, ...]] = {
    "education": ("学历要求", "教育背景", "教育程度", "受教育程度", "文化程度", "学历", "最低学历"),
    "major": ("专业要求", "专业背景", "所学专业", "专业"),
    "experience": ("工作经验", "工作经历", "经验要求", "相关经验", "经验", "工作年限"),
    "skills": ("知识技能", "知识/技能/能力素质", "知识/技能", "专业知识", "知识", "技能要求", "技能", "基本技能", "专业技能",
               "能力素质", "能力要求", "能力", "素质要求", "个人素质", "素质", "基本素质", "综合素质", "业务了解范围", "业务了解"),
    "other": ("其他要求", "其他", "年龄", "性别", "身体状况", "身体", "特殊要求", "培训经历", "资格证书", "证书", "职称"),
    "internal": ("内部联系", "内部关系", "内部协调", "内部协作", "内部", "部门内", "公司内部", "对内"),
    "external": ("外部联系", "外部关系", "外部协调", "外部协作", "外部", "部门外", "公司外部", "对外"),
}
_SUB_KEYS = {label: key for key, labels in SUB_LABELS.items() for label in labels}
_SUB_WORDS = "|".join(sorted(map(re.escape, _SUB_KEYS), key=len, reverse=True))
_SUB_RE = re.compile(rf"(?P<label>{_SUB_WORDS})\s*[:：]\s*(?P<rest>.*)$")
_SUB_ANY_RE = re.compile(rf"(?:(?<=\s)|^)(?P<label>{_SUB_WORDS})\s*[:：]\s*")

_TITLE = r"[\u4e00-\u9fffA-Za-z0-9（）()·/&＆\- ]{2,24}?"
# 'X岗位职责', '【X岗位职责】', 'X职位说明书', '岗位说明书' (no name: the name comes from 岗位名称)
_HEADER_RE = re.compile(
    rf"^[\[【〔]?\s*(?P<title>{_TITLE})?\s*(?P<what>(?:岗位|职位|工作)?(?:职责说明书|说明书|职责|说明|描述|工作描述)(?:书)?)"
    r"\s*[\]】〕]?\s*(?P<rest>.*)$")
_ROLE_WORD = re.compile(r"(经理|主管|专员|助理|总监|主任|工程师|技术员|设计师|代表|顾问|文员|会计|出纳|司机|内勤|业务员|销售员|"
                        r"接待员|管理员|操作员|讲解员|安装工|技工|组长|班长|部长|总经理|秘书|督导|策划|客服|[员师长])$")
_ROLE_WORD_BEFORE = re.compile(_ROLE_WORD.pattern.rstrip("$").replace("(经理", "^.{1,16}?(?:经理", 1) + "的?")
_NON_ROLE_RE = re.compile(r"(规定|制度|办法|流程|指南|须知|清单|通知|布署|部署|守则|规范|细则表|附件|记录表|申请表|登记表|"
                          r"报销单|审批单|状况表|考核表|评分表|评价表)")
_KPI_REMARK_RE = re.compile(r"绩效考核|考核指标|KPI", re.IGNORECASE)
_SALARY_RE = re.compile(r"\d+(?:\.\d+)?\s*[千kK万wW]|元\s*/\s*月|/月|薪|面议|五险|社保|公积金")
_SIGNATURE_RE = re.compile(r"^(?:(?:撰写人|编写人|初审人|审核人|核准人|批准人|任职者|直接上级|人力资源部|签字|签名|日期|审核|批准|编制)"
                           r"\s*[:：_＿]*\s*)+$")
_COLUMN_HEADER_RE = re.compile(r"^(?:(?:序号|编号|项目|内容|工作内容|职责|工作任务|任务|工作标准|标准|职责描述|工作职责|"
                               r"主要职责|具体职责|职责名称|频次|权重|占比|时间|及|和|与|、|/)\s*)+$")
_BULLET_ONLY = re.compile(r"^(?:职责|任务|工作)[一二三四五六七八九十\d]+\s*[:：、.．]?$|^[（(]?[一二三四五六七八九十\d]{1,3}[)）]?\s*[、.．)）]?$"
                          r"|^[①②③④⑤⑥⑦⑧⑨⑩]$")

SHORT_HEADING = 16   # a numbered line this short without a full stop may head a group
LONG_LINE = 20       # a line this long ending mid-sentence continues on the next line


@dataclass(frozen=True)
class Line:
    where: int        # line / paragraph number shown in messages
    text: str
    numbered: bool = False  # Word auto-numbering or a Markdown list item (the label is not in the text)
    level: int = 0          # its list level
    heading: int = 0        # Word/Markdown heading level (Heading 2 → 2); 0 for other paragraphs
    kpi_table: bool = False  # a cell of a table with a 权重 column: KPIs, never imported
    blank_field: bool = False  # a table label whose value cell is empty (a form to fill in)
    bold: bool = False      # a paragraph that is all bold
    group: bool = False     # a table cell that names a group of duties (the cells after it are its duties)
    column: str = ""        # a duty table's other column (工作标准 …): reported, not imported
    item: bool = False      # a duty table's duty cell: an item of its own, never a continuation
    title_style: bool = False  # Word's Title style
    also: tuple[int, ...] = ()  # further lines joined into this one (a label and its value on two lines)

    @property
    def numbers(self) -> tuple[int, ...]:
        return (self.where, *self.also)


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
    placed: list[tuple[int, str]] = field(default_factory=list)   # (line, the field it went to)
    spans: dict[int, int] = field(default_factory=dict)  # an unplaced line → the last line joined into it
    repairs: list[str] = field(default_factory=list)

    def duty_count(self) -> int:
        def count(items):
            return sum(count(i.children) if i.children else 1 for i in items)
        return count(self.duties)


@dataclass
class Parsed:
    roles: list[ParsedRole]
    unplaced: list[tuple[int, str, str]]   # lines outside any role
    skipped: list[int]                     # site chrome and download notices
    texts: dict[int, str] = field(default_factory=dict)  # every non-empty input line, by number


# --------------------------------------------------------------------------- 1. lines


def lines_of(source: Source) -> list[Line]:
    found: list[Line] = []
    for block in source.blocks:
        if isinstance(block, Para):
            match = re.match(r"^(?:heading|标题)\s*(\d)$", block.style)
            for part in block.text.split("\n"):
                found.append(Line(block.no, part.strip(), block.numbered, block.level,
                                  int(match.group(1)) if match else 0, bold=block.bold,
                                  title_style=block.style in ("title", "标题", "subtitle", "副标题")))
        elif isinstance(block, Table):
            found += _table_lines(block)
    return _joined([_unbracketed(line) for line in found if line.text])


def _unbracketed(line: Line) -> Line:
    """'【岗位名称】区域销售主管' says '岗位名称：区域销售主管'."""
    match = re.match(r"^[【\[〔]\s*([^】\]〕]{2,10})\s*[】\]〕]\s*(.*)$", line.text)
    if match and _bare(match.group(1)) in _INFO_KEYS:
        return Line(line.where, f"{_bare(match.group(1))}：{match.group(2)}", line.numbered, line.level, line.heading,
                    bold=line.bold, also=line.also)
    return line


def _texts(source: Source) -> dict[int, str]:
    texts: dict[int, list[str]] = {}
    for block in source.blocks:
        if isinstance(block, Para):
            if block.text.strip():
                texts.setdefault(block.no, []).append(block.text.strip())
        else:
            for row, nos in zip(block.rows, block.numbers or [[()] * len(r) for r in block.rows]):
                for cell, cell_nos in zip(row, nos):
                    for text, no in zip(cell, cell_nos or (block.no,) * len(cell)):
                        if text.strip():
                            texts.setdefault(no, []).append(text.strip())
    return {no: " | ".join(dict.fromkeys(parts)) for no, parts in texts.items()}


def _bare(text: str) -> str:
    return re.sub(r"[\s　]+", "", text).strip("：:")


def _label_key(cell: str) -> tuple[str, str] | None:
    text = _bare(cell)
    if text in _INFO_KEYS:
        return "info", text
    if _section(cell) is not None and not _section(cell)[2]:
        return "section", text
    if text in _SUB_KEYS:
        return "sub", text
    return None


def _table_lines(table: Table) -> list[Line]:
    """A table read row by row: label | value cells as 'label：value' lines; a section label cell followed by
    its content (a group name cell, then that group's duties); a duty table (序号 | 工作内容 | 工作标准) as
    one duty per row; a KPI table (a 权重 column) as KPI lines, never imported."""
    numbers = table.numbers or tuple(tuple((table.no,) * len(cell) for cell in row) for row in table.rows)
    rows = [[(tuple(p.strip() for p in cell), nos) for cell, nos in zip(row, row_nos)]
            for row, row_nos in zip(table.rows, numbers)]
    first = [_bare("".join(cell)) for cell, _ in rows[0]] if rows else []
    if any(cell.startswith("权重") for cell in first):
        kpi_lines = []
        for row in rows:
            nos = [n for _, ns in row for n in ns]
            text = " | ".join(dict.fromkeys("".join(c) for c, _ in row if "".join(c)))
            if text:
                kpi_lines.append(Line(nos[0] if nos else table.no, text, kpi_table=True, also=tuple(nos[1:])))
        return kpi_lines
    duty_column = next((k for k, cell in enumerate(first) if cell and _COLUMN_HEADER_RE.match(cell)
                        and re.search(r"职责|工作内容|工作任务", cell)), None)
    if duty_column is not None and all(not cell or _COLUMN_HEADER_RE.match(cell) for cell in first):
        return _duty_table(rows, duty_column, first)
    out: list[Line] = []
    section = None
    for row in rows:
        cells = [(tuple(p for p in cell if p), tuple(n for p, n in zip(cell, nos) if p)) for cell, nos in row]
        if cells and all(not c or _COLUMN_HEADER_RE.match(_bare("".join(c))) for c, _ in cells):
            out += [Line(n, p, column="表头") for c, ns in cells for p, n in zip(c, ns)]
            continue
        if cells and not cells[0][0] and section is not None:
            cells = cells[1:]  # a label cell merged down from the row above: the section goes on
        elif cells:
            section = None
        k = 0
        while k < len(cells):
            cell, nos = cells[k]
            key = _label_key("".join(cell)) if cell else None
            if key and key[0] == "section" and k + 1 < len(cells):
                section = key[1]
                out.append(Line(nos[0], key[1]))
                k += 1
                continue
            if section is not None and cell and k + 1 < len(cells) and cells[k + 1][0] and len(cell) == 1 \
                    and _heading_text(cell[0]) and not _label_key(cell[0]):
                out.append(Line(nos[0], cell[0], group=True))  # a group's name, its duties in the next cell
                k += 1
                continue
            if key and key[0] in ("info", "sub") and k + 1 < len(cells) and cells[k + 1][0] \
                    and not _label_key("".join(cells[k + 1][0])):
                value, value_nos = cells[k + 1]
                out.append(Line(nos[0], f"{key[1]}：{''.join(value)}", also=tuple(nos[1:]) + value_nos))
                k += 2
                continue
            blank_value = key is not None and key[0] == "info" and (k + 1 >= len(cells) or not cells[k + 1][0])
            out += [Line(n, p, blank_field=blank_value) for p, n in zip(cell, nos)]
            k += 1
    return out


def _duty_table(rows, column: int, header: list[str]) -> list[Line]:
    out = [Line(n, p, column="表头") for cell, nos in rows[0] for p, n in zip(cell, nos) if p]
    for row in rows[1:]:
        for k, (cell, nos) in enumerate(row):
            texts = [(p, n) for p, n in zip(cell, nos) if p]
            if k == column:
                out += [Line(n, p, item=True) for p, n in texts]
            elif k < len(header) and re.fullmatch(r"(序号|编号)?", header[k]) and all(
                    re.fullmatch(r"\d{1,3}[.、]?", p) for p, _ in texts):
                out += [Line(n, p, column="序号") for p, n in texts]
            else:
                out += [Line(n, p, column=header[k] if k < len(header) and header[k] else "表格的另一列")
                        for p, n in texts]
    return out


def _joined(lines: list[Line]) -> list[Line]:
    """A label or a number on a line of its own, its value on the next (a table pasted one cell per line)."""
    out: list[Line] = []
    k = 0
    while k < len(lines):
        line = lines[k]
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        bare = _bare(line.text)
        if nxt is not None and not line.numbered and not line.group and not line.column and not line.kpi_table:
            nxt_bare = _bare(nxt.text)
            value_ok = not (nxt_bare in _INFO_KEYS or nxt_bare in _SUB_KEYS or _section(nxt.text) is not None
                            or is_boilerplate(nxt.text) or _BULLET_ONLY.match(nxt_bare))
            # a two-character label ('其他', '专业') takes only a short value: it may as well be a group's name
            short = len(nxt.text) <= (24 if len(bare) <= 2 else 60)
            if (bare in _INFO_KEYS or bare in _SUB_KEYS) and line.text.rstrip()[-1:] not in ":：" and value_ok \
                    and not _INFO_RE.match(nxt.text) and short:
                out.append(Line(line.where, f"{bare}：{nxt.text}", also=nxt.numbers))
                k += 2
                continue
            if _BULLET_ONLY.match(bare) and value_ok and not split_label(nxt.text).kind:
                out.append(Line(line.where, f"{bare} {nxt.text}", also=nxt.numbers, heading=line.heading,
                                bold=line.bold))
                k += 2
                continue
        out.append(line)
        k += 1
    return out


# --------------------------------------------------------------------------- headings


def _strip_heading(text: str) -> tuple[str, str, str]:
    """(style, name, rest): how a heading is written ('cn', 'bracket', 'plain' …), its name, text after it."""
    text = text.strip()
    style = "plain"
    bracket = re.match(r"^[【\[〔]\s*([^】\]〕]{1,20})\s*[】\]〕]\s*[:：]?\s*(.*)$", text)
    if bracket:
        return "bracket", bracket.group(1), bracket.group(2).strip()
    part = re.match(r"^第\s*[一二三四五六七八九十\d]+\s*(?:部分|章|节|条)\s*[、.．:：]?\s*", text)
    if part:
        style, text = "article", text[part.end():]
    else:
        labelled = split_label(text)
        if labelled.kind in ("cn", "cn-paren", "dun", "dot", "paren", "article", "right-paren", "circled", "bullet"):
            style, text = labelled.kind, labelled.text
    text = re.sub(r"^(?:本|该)(?=岗位|职位)", "", text)
    match = re.match(r"^([^:：]{1,30}?)\s*[:：]\s*(.*)$", text)
    if match:
        return style, match.group(1), match.group(2).strip()
    return style, text, ""


@functools.lru_cache(maxsize=4096)
def _section(text: str, after_role: bool = True) -> tuple[str, str, str] | None:
    """(section key, the heading's name, the text after it) when the line is a section heading."""
    _, name, rest = _strip_heading(text)
    name = re.sub(r"\s+", "", name)
    if not name or len(name) > HEADING_MAX + 10:
        return None
    # '三、销售经理岗位职责', '营销总监的任职资格': the role's name may stand before the heading's own name
    role = _ROLE_WORD_BEFORE.match(name) if after_role else None
    for candidate in (name, name[role.end():] if role else None):
        if candidate and len(candidate) <= HEADING_MAX:
            for key, pattern in _SECTION_RES:
                if pattern.fullmatch(candidate):
                    return key, candidate, rest
    return None


def _heading_text(text: str) -> bool:
    """Short, with no punctuation inside: could name a group or a section."""
    return len(text) <= SHORT_HEADING and not re.search(r"[，,；;。！？!?]", text) and not text.endswith(tuple(TERMINAL))


@functools.lru_cache(maxsize=4096)
def _header(text: str) -> tuple[str, str, str] | None:
    """(title, what, rest) for '[营销总监岗位职责]', '营销策划经理职责一、总则', 'X岗位说明书', '岗位说明书'."""
    if split_label(text).kind is not None and not re.match(r"^[\[【〔]", text):
        return None
    match = _HEADER_RE.match(text.strip())
    if not match:
        return None
    title, what, rest = (match.group("title") or "").strip(), match.group("what"), match.group("rest").strip()
    if re.fullmatch(r"[（(]?[\d一二三四五六七八九十]{1,3}[）)]?|[（(]?共\s*\d+\s*篇[）)]?", rest):
        rest = ""  # '行政专员岗位职责2': the second variant in a collection of JDs
    if rest and split_label(rest).kind is None and rest not in ("】", "]"):
        return None  # '…职责：负责…' is a sentence, not a heading
    if title and (_section(title + what, False) is not None or _section(title, False) is not None or
                  re.fullmatch(r"(岗位|职位|工作|某公司|公司|企业|本公司)+", title)):
        if _section(title + what, False) is not None and title not in ("某公司", "公司", "企业", "本公司"):
            return None  # '主要职责', '工作描述': a section heading
        title = ""
    if not title and ("说明" not in what and "描述" not in what or _section(text, False) is not None):
        return None  # a bare '岗位职责' or '职位描述' is the duties section
    return title, what, rest


def _title_line(line: Line) -> str | None:
    """A line that names the role on its own: '广告车业务员' as a heading, or a short line ending in a role word."""
    text = line.text.strip().strip("#*【】[] ")
    if not text or len(text) > 20 or re.search(r"[，,。；;：:！!？?|/]", text) or split_label(text).kind:
        return None
    if _section(text) is not None or _NON_ROLE_RE.search(text):
        return None
    return text if line.heading or line.bold or line.title_style or _ROLE_WORD.search(text) else None


def _non_role_title(text: str) -> bool:
    """A short unnumbered title such as 公司业务招待费管理规定 (a policy, guide or form, not a role)."""
    if len(text) > 30 or split_label(text).kind is not None or re.search(r"[，,。；;：:！!？?]", text):
        return False
    if _section(text) or _INFO_RE.match(text):
        return False
    return bool(_NON_ROLE_RE.search(text))


# --------------------------------------------------------------------------- 2. roles


def parse(source: Source) -> Parsed:
    lines = lines_of(source)
    texts = _texts(source)
    skipped = [n for line in lines if is_boilerplate(line.text) for n in line.numbers]
    lines = [line for line in lines if not is_boilerplate(line.text)]
    parts = _parts(lines)
    roles: list[ParsedRole] = []
    outside: list[tuple[int, str, str]] = []
    trial = [(kind, chunk, _build(chunk, lead_is_duties=True) if kind == "role" else None) for kind, chunk in parts]
    complete = [k for k, (kind, _, role) in enumerate(trial) if kind == "role" and role.duties and role.title]
    groups: list[list[Line]] = []
    if len(complete) < 2:  # one role per file: every role part joins it (or the whole file is one role)
        role_lines = [line for kind, chunk, _ in trial if kind == "role" for line in chunk]
        groups = [role_lines] if role_lines else []
    else:  # several complete JDs; a part without a title or duties joins the role before it
        lead: list[Line] = []
        for k, (kind, chunk, _) in enumerate(trial):
            if kind != "role":
                continue
            if k in complete:
                groups.append(lead + chunk)
                lead = []
            elif groups:
                groups[-1] += chunk
            else:
                lead += chunk
    for chunk in groups:
        role = _build(chunk)
        if not role.duties:
            fallback = _build(chunk, lead_is_duties=True)
            if fallback.duties:
                role = fallback
        if role.duties:
            roles.append(role)
        else:
            outside += _outside(chunk, texts, "没有找到岗位职责，不当作岗位")
    for kind, chunk, _ in trial:
        if kind != "role":
            outside += _outside(chunk, texts, f"不是岗位说明书的内容（《{chunk[0].text}》）")
    return Parsed(roles, sorted(outside), sorted(skipped), texts)


def _outside(chunk: list[Line], texts: dict[int, str], why: str) -> list[tuple[int, str, str]]:
    return [(n, line.text if n == line.where else texts.get(n, ""), why) for line in chunk for n in line.numbers]


def _parts(lines: list[Line]) -> list[tuple[str, list[Line]]]:
    """The file cut where a role or a non-role part may start: ('role' | 'other', lines)."""
    parts: list[tuple[str, list[Line]]] = []
    kind, current, titled_by_label, has_items, in_duties = "role", [], False, False, False
    for line in lines:
        header = _header(line.text) if not line.numbered else None
        info = _INFO_RE.match(line.text)
        title_fact = bool(info and _INFO_KEYS[info.group("label")] == "title")
        starts = (header is not None and header[0]) or (title_fact and kind == "role" and titled_by_label and has_items)
        named = bool(info and info.group("label") in ("岗位名称", "职位名称"))  # not '岗位：' on a form
        if starts or (named and kind == "other") or (header is not None and kind == "other"):
            if current:
                parts.append((kind, current))
            kind, current, titled_by_label, has_items, in_duties = "role", [], False, False, False
        elif _non_role_title(line.text) and not line.numbered:
            if current:
                parts.append((kind, current))
            kind, current = "other", []
        current.append(line)
        titled_by_label = titled_by_label or title_fact
        section = _section(line.text)
        has_items = has_items or bool(split_label(line.text).kind or line.numbered or line.item) or \
            (in_duties and section is None)
        in_duties = section[0] == "duties" if section else in_duties
    if current:
        parts.append((kind, current))
    return parts


def _build(lines: list[Line], lead_is_duties: bool = False) -> ParsedRole:
    role = ParsedRole(first=lines[0].where if lines else 0)
    builder = _RoleBuilder(role, lead_is_duties)
    for line in lines:
        builder.feed(line)
        role.last = max(role.last, *line.numbers)
    builder.finish()
    return role


# --------------------------------------------------------------------------- 3. sections and duties


class _RoleBuilder:
    def __init__(self, role: ParsedRole, lead_is_duties: bool = False):
        self.role = role
        self.section = "lead"   # before the first section: title, facts
        self.lead_is_duties = lead_is_duties
        self.stack: list[tuple[str, Item]] = []
        self.last: Item | None = None
        self.last_raw = ""
        self.sub: str | None = None
        self.heading: tuple | None = None   # how the last section heading was written, and its number
        self.header_title = False
        self.title_lines: tuple[int, ...] = ()

    # ----- accounting

    def placed(self, line: Line, what: str) -> None:
        self.role.placed += [(n, what) for n in line.numbers]

    def unplaced(self, line: Line, why: str, text: str | None = None) -> None:
        self.role.unplaced.append((line.where, text or line.text, why))
        if line.also:
            self.role.spans[line.where] = max(line.also)

    # ----- dispatch

    def feed(self, line: Line) -> None:
        text = line.text
        if line.kpi_table:
            self.unplaced(line, "考核指标表格；导入不生成 KPI，请在 kpis 中填写")
            return
        if line.column:
            if line.column == "序号":
                self.placed(line, "岗位职责（序号）")
            elif line.column == "表头":
                self.unplaced(line, "表格的表头")
            else:
                self.unplaced(line, f"职责表格中“{line.column}”一列的内容；本手册的职责没有这一项")
            return
        if self._heading(line):
            return
        if self._facts(line):
            return
        if self.section in ("duties", "lead") and line.group:
            self._duty(line, text, kind="table-group")
            self.placed(line, "岗位职责（分组）")
            return
        if re.search(r"[_＿]{4,}", text) or line.blank_field:
            self.unplaced(line, "填写栏，不是岗位内容")
            return
        if _SIGNATURE_RE.match(re.sub(r"\s+", "", text)):
            self.unplaced(line, "签字栏，不是岗位内容")
            return
        if _COLUMN_HEADER_RE.match(_bare(text)) and not line.numbered:
            self.unplaced(line, "表格的表头")
            return
        if self.section == "duties" and _KPI_REMARK_RE.search(text) and not split_label(text).kind \
                and not line.numbered:
            self.unplaced(line, "关于绩效考核的说明；导入不生成 KPI，请在 kpis 中填写")
            return
        getattr(self, f"_{self.section}")(line)

    def _style(self, line: Line) -> tuple:
        style, _, _ = _strip_heading(line.text)
        return (style, line.heading, line.bold, line.numbered and line.level)

    def _heading(self, line: Line) -> bool:
        """A role title, a section heading, or (after the duties) a heading written like theirs."""
        text = line.text
        header = _header(text) if not line.numbered else None
        if header is not None:
            title, what, rest = header
            if self.role.duties or self.section not in ("lead", "duties"):
                if not title or _same_title(title, self.role.title):
                    self.unplaced(line, "重复的标题")
                else:
                    self.unplaced(line, "另一个岗位的标题，但其下没有岗位职责")
                return True
            if title and not self.role.title_from_label:
                if self.title_lines and not _same_title(title, self.role.title):
                    # '营销中心岗位职责' above '[营销总监岗位职责]': the collection's title
                    self.role.placed = [p for p in self.role.placed if p[0] not in self.title_lines]
                    self.role.unplaced.append((self.title_lines[0], self.role.title, "整个文件的标题，不是岗位名称"))
                self.role.title = title
                self.header_title = True
                self.title_lines = line.numbers
            self.placed(line, "岗位名称" if title else "文件标题")
            if "职责" in what:
                self._switch("duties", line, headed=False)
            if rest:
                self.feed(Line(line.where, rest))
            return True
        section = _section(text)
        if section is not None and not (line.numbered and section[2]):
            key, name, rest = section
            if key == "duties" and self.section == "duties" and (self.role.duties or self.stack):
                if rest:
                    return False  # '职责：…' inside the duties is a duty that starts with a word
                self.placed(line, "岗位职责（小标题）")  # '工作任务' above a group's items: the list goes on
                return True
            self._switch(key, line)
            if key in ("kpi", "other", "recruit"):  # its heading (and any text after it) is not imported either
                getattr(self, f"_{key}")(line)
                return True
            self.placed(line, SECTION_NAMES[key])
            if rest:
                self.feed(Line(line.where, rest))
            return True
        if self.heading is not None and self.section != "lead" and _heading_text(text) and not line.numbered:
            style, number = self.heading
            later = _label_number(text)
            if self._style(line) == style and number is not None and later is not None and later > number:
                self._switch("other", line)  # '四、其他' after '三、任职条件': a part this handbook has no place for
                self.unplaced(line, "本手册的岗位没有这一部分")
                return True
        if self.section == "lead" and not self.role.duties:
            title = _title_line(line)
            if title and (not self.role.title or (not self.role.title_from_label and not self.header_title)):
                self.role.title = title
                self.placed(line, "岗位名称")
                return True
        return False

    def _switch(self, key: str, line: Line, headed: bool = True) -> None:
        """A new section: numbering and sub-labels start afresh."""
        self.section = key
        self.sub = None
        self.stack, self.last = [], None
        if headed:
            self.heading = (self._style(line), _label_number(line.text))

    def _facts(self, line: Line) -> bool:
        """'岗位名称：X　岗位编号：Y', 'label value', wherever they are (a facts table may come late)."""
        text = line.text
        if self.section in ("duties", "authority", "relations", "qualifications", "purpose") and \
                (split_label(text).kind or line.numbered):
            return False
        spaced = self.section in ("lead", "info")
        first = (_INFO_SPACED_RE if spaced else _INFO_RE).match(text)
        if not first or (not spaced and first.start() != 0):
            return False
        if first.group(0).rstrip() == first.group("label") or not re.search(r"[:：]", first.group(0)):
            if len(first.group("label")) < 4:
                return False  # '部门 内部…': a two-character label needs its colon
        cuts = sorted({m.start("label") for m in _INFO_SPACED_RE.finditer(text)
                       if len(m.group("label")) >= 4 or ":" in m.group(0) or "：" in m.group(0)} |
                      {m.start("label") for m in _ANY_LABEL_RE.finditer(text)})
        cuts = [c for c in cuts if c >= first.start()] + [len(text)]
        placed: list[str] = []
        for start, end in zip(cuts, cuts[1:]):
            piece = text[start:end].strip()
            match = _INFO_SPACED_RE.match(piece) if spaced else _INFO_RE.match(piece)
            label = match.group("label") if match else re.split(r"[:：]", piece)[0].strip()
            value = piece[match.end():].strip(" \t　;；,，") if match else piece[len(label):].strip(" \t　:：;；,，")
            key = _INFO_KEYS.get(label)
            if not value:
                continue
            if key == "title":
                self.role.title = re.sub(r"\s*[（(]\s*(?:\d+|若干)\s*[名人个]?\s*[)）]$", "", value)  # '售后技术员（2名）'
                self.role.title_from_label = True
                placed.append(FACT_NAMES[key])
            elif key in FACT_NAMES:
                self.role.info.setdefault(key, value)
                placed.append(FACT_NAMES[key])
            elif key == "subordinates":
                self.unplaced(line, "直接下级由各岗位的直接上级推出，不必填写", f"{label}：{value}")
            else:
                self.unplaced(line, "本手册的岗位没有这一项", piece)
        if placed:
            self.role.placed += [(n, "、".join(dict.fromkeys(placed))) for n in line.numbers]
        elif not any(u[0] == line.where for u in self.role.unplaced):
            self.unplaced(line, "空白栏，没有内容")
        return True

    # ----- sections

    def _lead(self, line: Line) -> None:
        if self.lead_is_duties and (split_label(line.text).kind or line.numbered or self.role.duties):
            self._duties(line)
            return
        if _SALARY_RE.search(line.text) and len(line.text) < 60:
            self.unplaced(line, "招聘信息（薪资、地点、经验等），不是岗位说明书内容")
        else:
            self.unplaced(line, "在标题和第一部分之间，不属于任何一项")

    def _info(self, line: Line) -> None:
        self.unplaced(line, "岗位基本信息中本手册没有的一项" if _bare(line.text) not in _INFO_KEYS else "空白栏，没有内容")

    def _purpose(self, line: Line) -> None:
        self.role.purpose += cjk_punctuation(split_label(line.text).text)
        self.placed(line, SECTION_NAMES["purpose"])

    def _kpi(self, line: Line) -> None:
        self.unplaced(line, "绩效考核内容不导入；KPI 请在 kpis 中填写")

    def _other(self, line: Line) -> None:
        self.unplaced(line, "本手册的岗位没有这一部分")

    def _recruit(self, line: Line) -> None:
        self.unplaced(line, "招聘广告的内容（公司简介、薪资福利、工作地点等），不是岗位说明书内容")

    def _authority(self, line: Line) -> None:
        for part in split_glued(line.text):
            self._list_item(self.role.authority, part, line)
        self.placed(line, SECTION_NAMES["authority"])

    def _list_item(self, target: list[str], text: str, line: Line | None = None) -> None:
        labelled = split_label(text)
        value = cjk_punctuation(labelled.text)
        numbered = labelled.kind is not None or (line is not None and line.numbered)
        if not numbered and target and not target[-1].endswith(tuple(TERMINAL)) and len(self.last_raw) >= LONG_LINE:
            target[-1] += value
        else:
            target.append(value)
        self.last_raw = text

    def _relations(self, line: Line) -> None:
        labelled = split_label(line.text)
        subs = list(_SUB_ANY_RE.finditer(labelled.text))
        relation_subs = [m for m in subs if _SUB_KEYS[m.group("label")] in ("internal", "external")]
        if relation_subs and relation_subs[0].start() == 0:
            for k, match in enumerate(relation_subs):
                end = relation_subs[k + 1].start() if k + 1 < len(relation_subs) else len(labelled.text)
                self.sub = _SUB_KEYS[match.group("label")]
                rest = labelled.text[match.end():end].strip()
                items = [p for p in re.split(r"[；;、，,]", rest) if p.strip()]
                target = self.role.relations.setdefault(self.sub, [])
                target += [cjk_punctuation(item.strip().rstrip("。")) for item in items]
            self.placed(line, SECTION_NAMES["relations"])
            return
        bare = _bare(labelled.text)
        if bare in _SUB_KEYS and _SUB_KEYS[bare] in ("internal", "external"):
            self.sub = _SUB_KEYS[bare]
            self.placed(line, SECTION_NAMES["relations"])
            return
        if self.sub is None:
            self.unplaced(line, "工作关系中既不是内部联系也不是外部联系")
            return
        self._list_item(self.role.relations.setdefault(self.sub, []), line.text, line)
        self.placed(line, SECTION_NAMES["relations"])

    def _qualifications(self, line: Line) -> None:
        q = self.role.qualifications
        labelled = split_label(line.text)
        subs = [m for m in _SUB_ANY_RE.finditer(labelled.text) if _SUB_KEYS[m.group("label")] not in
                ("internal", "external")]
        if subs and subs[0].start() == 0:
            for k, match in enumerate(subs):
                end = subs[k + 1].start() if k + 1 < len(subs) else len(labelled.text)
                key = _SUB_KEYS[match.group("label")]
                rest = cjk_punctuation(labelled.text[match.end():end].strip())
                self.sub = key
                if not rest:
                    continue
                if key in ("skills", "other"):
                    if match.group("label") in ("年龄", "性别", "身体状况", "身体", "证书", "资格证书", "职称"):
                        rest = f"{match.group('label')}：{rest}"
                    q.setdefault(key, []).extend(i.strip() for i in re.split(r"[；;]", rest) if i.strip())
                elif key in q:
                    q[key] += "；" + rest
                else:
                    q[key] = rest
            self.placed(line, SECTION_NAMES["qualifications"])
            return
        bare = _bare(labelled.text)
        if bare in _SUB_KEYS and _SUB_KEYS[bare] not in ("internal", "external"):
            self.sub = _SUB_KEYS[bare]
            self.placed(line, SECTION_NAMES["qualifications"])
            return
        text = cjk_punctuation(labelled.text)
        key = self.sub if self.sub in ("skills", "other") else None
        if key is None:
            if re.search(r"学历|本科|大专|专科|硕士|研究生|中专|高中|技校|初中", text) and "education" not in q:
                key = "education"
            elif re.search(r"经验|年以上", text) and "experience" not in q:
                key = "experience"
            elif re.search(r"专业$|相关专业", text) and "major" not in q:
                key = "major"
            else:
                key = "skills"
        if key in ("skills", "other"):
            self._list_item(q.setdefault(key, []), line.text if labelled.kind else text, line)
        else:
            q[key] = text
        self.placed(line, SECTION_NAMES["qualifications"])

    # ----- duties

    def _duties(self, line: Line) -> None:
        parts = split_glued(line.text)
        if len(parts) > 1:
            self.role.repairs.append(f"第 {line.where} 行有 {len(parts)} 条职责挤在一行，已分开")
        for part in parts:
            self._duty(line, part)
        self.placed(line, SECTION_NAMES["duties"])

    def _duty(self, line: Line, text: str, kind: str | None = None) -> None:
        labelled = split_label(text)
        kind = kind or labelled.kind or (f"auto-{line.level}" if line.numbered else None)
        if (line.heading or line.bold) and not labelled.kind and not line.numbered:
            kind = f"heading-{line.heading or 9}"  # a heading inside the duties heads a group
        value = cjk_punctuation(labelled.text if kind != "table-group" else text)
        if kind == "amp":
            self.role.repairs.append(f"第 {line.where} 行的 “&” 当作编号（抓取损坏的“8、”一类）")
            kind = self.stack[-1][0] if self.stack else "dun"
        if kind is None and line.item:
            kind = "table-item"
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
        elif kind == "table-group":
            while self.stack and self.stack[-1][0] != "table-group":
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
        self.role.purpose = self.role.purpose.strip()


_NUMERALS = {c: k for k, c in enumerate("零一二三四五六七八九", start=0)}


def _label_number(text: str) -> int | None:
    """The number of a heading's label: '四、其他' → 4, '第十二条' → 12, '3. 任职资格' → 3; None without one."""
    match = re.match(r"^\s*第?\s*[（(]?\s*([一二三四五六七八九十]{1,3}|\d{1,2})\s*[)）]?\s*(?:[、.．:：条章节]|部分)", text)
    if not match:
        return None
    digits = match.group(1)
    if digits.isdigit():
        return int(digits)
    tens, _, ones = digits.rpartition("十")
    if "十" not in digits:
        return _NUMERALS.get(digits)
    return (_NUMERALS.get(tens, 1) if tens else 1) * 10 + (_NUMERALS.get(ones, 0) if ones else 0)


def _same_title(a: str, b: str) -> bool:
    return re.sub(r"\s", "", a) == re.sub(r"\s", "", b) or not b


def _heading_like(item: Item) -> bool:
    """A short line with no punctuation inside (市场调研, 总则) may head the lines under it."""
    return not item.children and len(item.text) <= SHORT_HEADING and not re.search(r"[，,；;。]", item.text) \
        and not item.text.endswith(tuple(TERMINAL))
