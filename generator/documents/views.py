"""What a job description or form *says*, computed once from the model: PDF, Word and site differ only in how
things look, so the words, numbering, rows and field layout they print cannot drift apart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from ..content.model import (
    KINDS,
    KPI,
    Brand,
    Department,
    Form,
    FormField,
    Handbook,
    History,
    MealStandard,
    Org,
    Revision,
    Role,
    kind_of,
    source_path,
)
from ..content.outline import NOT_YET, duty_outline, kpi_items, kpi_measures, percent, weight_text

JD_SECTIONS = ("岗位基本信息", "岗位目的", "岗位职责", "关键绩效指标", "签字确认")
KPI_COLUMNS = ("指标", "定义/计算公式", "目标值", "权重", "考核周期", "数据来源")
APPRAISAL_COLUMNS = ("指标", "权重", "目标值", "实际完成", "得分", "备注")
SIGNATORIES = ("任职者", "直接上级", "人力资源部")
COPIES_NOTE = "本说明书一式三份，任职者、直接上级、人力资源部各执一份。"
PROPOSED_NOTICE = "以下绩效考核指标为拟定稿，待人力资源部确认。"

CHECKBOX = "□"  # U+25A1 is in Noto Sans CJK SC; U+2610 ☐ is not (the PDF would pull in a second font)
OTHER_OPTION = "其他"
SIGNATURE_LABELS = ("签字", "日期")

APPRAISAL_BLANKS = ("被考核人", "考核人", "考核期间")  # filled in by hand at the head of the sheet
APPRAISAL_SIGNERS = ("被考核人", "考核人")
TOTAL_LABEL = "合计"


# --------------------------------------------------------------------------- what one document may see


@dataclass(frozen=True)
class SiteFacts:
    """The handbook-wide words a document prints: the page header's name and the author in its metadata."""

    handbook_title: str
    organisation: str
    company: str | None = None


@dataclass(frozen=True)
class RoleRef:
    """Another role as a document names it: by title, in the reporting line."""

    id: str
    title: str
    reports_to: str | None = None


@dataclass(frozen=True)
class PolicyFacts:
    """What a form prints from its policy: the designated venues (tick boxes) and the meal rule."""

    id: str
    venues: tuple[str, ...] = ()
    meal_standard: MealStandard | None = None


@dataclass(frozen=True)
class DocumentView(Org):
    """The slice of the handbook one document of an item is rendered from, in place of the ``Handbook``: the
    same questions (``site``, ``Org``'s lookups, ``policy()``), only the facts the document prints, so its
    fingerprint is exactly what can change the document: editing a role's duties re-renders that role's files
    and nobody else's, renaming it its superior's and reports' too."""

    site: SiteFacts
    departments: tuple[Department, ...] = ()
    roles: tuple[RoleRef, ...] = ()  # the roles the document names, in handbook order
    policies: tuple[PolicyFacts, ...] = ()
    history: History = History()  # the git commits of the subject's own file only (修订记录)
    brand: Brand = Brand()  # the company's logo, as documents print it (document_brand; a hash in the cache key)

    def policy(self, policy_id: str) -> PolicyFacts:
        return next(p for p in self.policies if p.id == policy_id)


def site_facts(hb: Handbook) -> SiteFacts:
    return SiteFacts(hb.site.handbook_title, hb.site.organisation, hb.site.company)


def _own_history(hb: Handbook, kind: str, item_id: str) -> History:
    """The item's own commits; not why there are none (no document prints it, so it is no part of a cache key)."""
    path = source_path(kind, item_id)
    commits = hb.history.files.get(path, ())
    return History(files={path: commits} if commits else {})


def item_view(hb: Handbook, item: Any) -> DocumentView:
    """What a document of any other item prints from outside it: the handbook's name, its own history, the logo."""
    return DocumentView(site=site_facts(hb), history=_own_history(hb, kind_of(item).name, item.id),
                        brand=document_brand(hb))


def role_view(hb: Handbook, role: Role) -> DocumentView:
    """What a job description or appraisal sheet of ``role`` prints from outside the role itself."""
    named = {role.reports_to, *(r.id for r in hb.direct_reports(role))}
    return DocumentView(
        site=site_facts(hb),
        departments=(hb.department(role.department),) if role.department else (),
        roles=tuple(RoleRef(r.id, r.title, r.reports_to) for r in hb.roles if r.id in named and r.id != role.id),
        history=_own_history(hb, "role", role.id),
        brand=document_brand(hb),
    )


def form_view(hb: Handbook, form: Form) -> DocumentView:
    """A blank form prints its policy's venues and meal rule, nothing else from outside."""
    policy = hb.policy(form.policy) if form.policy else None
    policies = (PolicyFacts(policy.id, tuple(policy.venues), policy.meal_standard),) if policy else ()
    return DocumentView(site=site_facts(hb), policies=policies, brand=document_brand(hb))


def document_brand(hb: Handbook) -> Brand:
    """What PDFs and Word files show of the company's look: the logo, not the site's colour (so changing
    ``brand_color`` re-renders no document, changing the logo every one)."""
    return Brand(logo=hb.brand.logo)


def book_view(hb: Handbook, _subject: Any = None) -> Handbook:
    """全部岗位说明书 prints every role, the site settings, the roles' own history and the logo: that handbook,
    without the other kinds' items, other files' commits or the site's colour, is its view (so editing a
    policy does not re-render the book)."""
    role_files = {source_path("role", r.id) for r in hb.roles}
    history = History(files={k: v for k, v in hb.history.files.items() if k in role_files})
    others = {kind.plural: [] for name, kind in KINDS.items() if name != "role"}
    return hb.model_copy(update={**others, "history": history, "brand": document_brand(hb)})


@dataclass(frozen=True)
class RosterRole:
    """One role as the roster prints it: its facts, counts and KPIs, not its duty texts."""

    id: str
    title: str
    number: str | None
    department: str | None  # a draft may not have one yet
    reports_to: str | None
    reports_to_title: str | None
    version: str
    effective: dt.date | None  # a draft may not have one yet
    duties: int
    kpi_status: str
    kpis: tuple[KPI, ...]
    # the role's files in RosterView.file_columns order: (link text: the name the file is saved as, its address
    # relative to the roster), None where the role has no such file (a draft without KPIs: no appraisal sheet)
    files: tuple[tuple[str, str] | None, ...] = ()


@dataclass(frozen=True)
class RosterView(Org):
    """What 岗位清单 is rendered from (its fingerprint is the cache key): editing a duty's wording or a
    policy leaves the roster alone; renaming a role or a KPI re-renders it."""

    organisation: str
    departments: tuple[Department, ...]
    roles: tuple[RosterRole, ...]
    file_columns: tuple[str, ...] = ()  # the header of each linked file, e.g. 岗位说明书（PDF）


def roster_view(hb: Handbook, file_columns: tuple[str, ...] = (),
                files_of: Callable[[Role], tuple[tuple[str, str] | None, ...]] = lambda role: ()) -> RosterView:
    roles = tuple(RosterRole(r.id, r.title, r.number, r.department, r.reports_to, r.reports_to_title, r.version,
                             r.effective, sum(1 for item in duty_outline(r) if not item.is_heading),
                             r.kpis.status if r.kpis else "", tuple(r.kpis.items) if r.kpis else (), files_of(r))
                  for r in hb.roles)
    return RosterView(hb.site.organisation, tuple(hb.site.departments), roles, file_columns)


@dataclass(frozen=True)
class HeaderLogo:
    """The logo as a page header prints it: its picture and its size, fitted into a box."""

    data: bytes
    format: str  # "svg" or "png"
    media_type: str
    width_mm: float
    height_mm: float


def header_logo(view: DocumentView | Handbook, max_height_mm: float, max_width_mm: float) -> HeaderLogo | None:
    """The document's logo at ``max_height_mm`` high, or narrower and lower when it is wider than ``max_width_mm``;
    None without a logo (the header then looks as it always did)."""
    logo = view.brand.logo
    if logo is None:
        return None
    height = min(max_height_mm, max_width_mm / logo.ratio)
    return HeaderLogo(logo.data, logo.format, logo.media_type, round(height * logo.ratio, 2), round(height, 2))


# --------------------------------------------------------------------------- titles, headers, footers


def jd_title(role: Role) -> str:
    return f"{role.title}岗位说明书"


def appraisal_title(role: Role) -> str:
    return f"{role.title}绩效考核表"


NO_KPIS = "本岗位尚未制定关键绩效指标。"


def role_number(role: Role) -> str:
    return role.number or NOT_YET


def role_number_line(role: Role) -> str:
    """The page header's document number on job descriptions and appraisal sheets."""
    return f"岗位编号：{role_number(role)}"


def department_text(hb: Org, role: Role) -> str:
    return hb.department_name(role) or NOT_YET


def form_number_line(form: Form) -> str:
    return f"表单编号：{form.number}"


def jd_footer(role: Role) -> str:
    return f"{jd_title(role)}　版本：{role.version}　生效日期：{effective_text(role)}"


def appraisal_footer(role: Role) -> str:
    return f"{appraisal_title(role)}　{role_number_line(role)}　版本：{role.version}"


# --------------------------------------------------------------------------- job description


def effective_text(role: Role) -> str:
    """The 生效日期 as printed; a draft may not have one yet."""
    return role.effective.isoformat() if role.effective else NOT_YET


def basic_info(hb: Org, role: Role) -> list[tuple[str, str]]:
    superior = hb.superior(role)
    reports = hb.direct_reports(role)
    return [
        ("岗位名称", role.title),
        ("岗位编号", role_number(role)),
        ("所属部门", department_text(hb, role)),
        ("直接上级", superior.title if superior else (role.reports_to_title or "—")),
        ("直接下级", "、".join(r.title for r in reports) or "—"),
        ("版本", role.version),
        ("生效日期", effective_text(role)),
    ]


# The optional sections real job descriptions carry, in the order they are printed (after 岗位职责).
QUALIFICATIONS, AUTHORITY, RELATIONS = "任职资格", "岗位权限", "工作关系"
EXTRA_SECTIONS = (AUTHORITY, RELATIONS, QUALIFICATIONS)
QUALIFICATION_LABELS = {"education": "学历", "major": "专业", "experience": "工作经验",
                        "skills": "知识/技能/能力素质", "other": "其他要求"}
RELATION_LABELS = {"internal": "内部联系", "external": "外部联系"}


@dataclass(frozen=True)
class Entry:
    """One line of an optional section: ``label`` (None for a plain list item) and its items; a single-valued
    entry (学历) prints as "学历：大专", a list entry (知识/技能) its label, then each item numbered 1. 2. …"""

    label: str | None
    items: tuple[str, ...]
    is_list: bool = False


@dataclass(frozen=True)
class ExtraSection:
    heading: str
    entries: tuple[Entry, ...]


def extra_sections(role: Role) -> list[ExtraSection]:
    """岗位权限, 工作关系 and 任职资格 as printed on the page and in the JD; absent ones are left out."""
    sections: list[ExtraSection] = []
    if role.authority:
        sections.append(ExtraSection(AUTHORITY, (Entry(None, tuple(role.authority), True),)))
    if role.relations and (role.relations.internal or role.relations.external):
        entries = tuple(Entry(label, tuple(items), True) for key, label in RELATION_LABELS.items()
                        if (items := getattr(role.relations, key)))
        sections.append(ExtraSection(RELATIONS, entries))
    if role.qualifications is not None:  # a text (学历) is one entry, a list (知识/技能) a numbered one
        values = [(label, getattr(role.qualifications, key)) for key, label in QUALIFICATION_LABELS.items()]
        entries = tuple(Entry(label, (value,)) if isinstance(value, str) else Entry(label, tuple(value), True)
                        for label, value in values if value is not None and value != [])
        if entries:
            sections.append(ExtraSection(QUALIFICATIONS, entries))
    return sections


def extra_section_lines(section: ExtraSection) -> list[str]:
    """The paragraphs of an optional section in the Word JD: '学历：大专', '知识/技能/能力素质：', '1. …'."""
    lines: list[str] = []
    for entry in section.entries:
        if not entry.is_list:
            lines.append(f"{entry.label}：{entry.items[0]}")
            continue
        if entry.label:
            lines.append(f"{entry.label}：")
        lines += [f"{number}. {item}" for number, item in enumerate(entry.items, start=1)]
    return lines


EXTRA_KEYS = {AUTHORITY: "authority", RELATIONS: "relations", QUALIFICATIONS: "qualifications"}


def jd_section_texts(role: Role) -> dict[str, list[str]]:
    """What each editable part of the Word JD says, line by line, keyed by the role field it shows:
    fingerprinted into the file when it is made, recomputed when it comes back, so ``handbook import`` knows
    what HR edited."""
    texts = {
        "purpose": [role.purpose or ""],
        "duties": [f"{'H' if item.is_heading else 'D'}{item.depth}:{item.text}" for item in duty_outline(role)],
        "kpis": ["|".join(row) for row in kpi_rows(role)]
        + [f"note:{role.kpis.note or '' if role.kpis.status == 'proposed' else ''}"] if role.kpis else [],
    }
    shown = {section.heading: extra_section_lines(section) for section in extra_sections(role)}
    return texts | {key: shown.get(heading, []) for heading, key in EXTRA_KEYS.items()}


def kpi_rows(role: Role) -> list[tuple[str, ...]]:
    return [(k.name, k.definition, k.target, weight_text(k), k.cycle, k.source) for k in kpi_items(role)]


MEASURES_LABEL = "考核职责："


def kpi_measures_text(role: Role, kpi: KPI) -> str:
    """'考核职责：3. 9.' under a KPI's name (Word); '' when it names no duty. The PDF prints the same
    label and labels, each label kept on one line."""
    labels = kpi_measures(role, kpi)
    return MEASURES_LABEL + " ".join(labels) if labels else ""


# --------------------------------------------------------------------------- appraisal


def appraisal_info(hb: Org, role: Role) -> list[tuple[str, str]]:
    """(label, value) pairs at the head of an appraisal sheet; an empty value is a blank to fill in."""
    return [("岗位", role.title), ("所属部门", department_text(hb, role)),
            *((label, "") for label in APPRAISAL_BLANKS)]


def appraisal_rows(role: Role) -> list[tuple[str, ...]]:
    return [(k.name, weight_text(k), k.target, "", "", "") for k in kpi_items(role)]


def appraisal_total_row(role: Role) -> tuple[str, ...]:
    """The last row of the appraisal table, in APPRAISAL_COLUMNS order: the total weight, e.g. '100%'."""
    total = percent(sum(k.weight for k in kpi_items(role)))
    return (TOTAL_LABEL, total) + ("",) * (len(APPRAISAL_COLUMNS) - 2)


# --------------------------------------------------------------------------- forms


@dataclass(frozen=True)
class Cell:
    """A field placed on a 4-column grid; ``options`` and ``text`` are already resolved."""

    field: FormField
    span: int
    options: tuple[str, ...] = ()
    text: str = ""

    @property
    def label(self) -> str:
        return self.field.label

    @property
    def type(self) -> str:
        return self.field.type


@dataclass
class SectionLayout:
    heading: str
    rows: list[list[Cell]] = field(default_factory=list)


GRID = 4


def form_layout(hb: DocumentView | Handbook, form: Form) -> list[SectionLayout]:
    """Pack fields into rows of 4 quarters; a field that does not fit starts a new row."""
    policy = hb.policy(form.policy) if form.policy else None
    sections = []
    for section in form.sections:
        layout = SectionLayout(section.heading)
        row: list[Cell] = []
        used = 0
        for f in section.fields:
            span = GRID if f.type in ("table", "meal-standard") else f.width
            if used + span > GRID:
                layout.rows.append(_stretch(row, used))
                row, used = [], 0
            venues = tuple(policy.venues) if f.options_from == "venues" and policy is not None else ()
            meal = policy.meal_standard if f.type == "meal-standard" and policy is not None else None
            row.append(Cell(f, span, tuple(f.options) + venues, meal_standard_text(meal) if meal else ""))
            used += span
        if row:
            layout.rows.append(_stretch(row, used))
        sections.append(layout)
    return sections


def _stretch(row: list[Cell], used: int) -> list[Cell]:
    """Give the last cell of a short row the remaining width, so rows end flush."""
    if used < GRID and row:
        row = row[:-1] + [replace(row[-1], span=row[-1].span + GRID - used)]
    return row


def meal_standard_text(meal) -> str:
    """The rule as printed on the request form: the same data as the policy page."""
    return f"{meal.rule}（菜品数量 = 来访人数 + {meal.extra_dishes}）"


def meal_standard_explained(meal: MealStandard) -> str:
    """The rule in the words staff ask it in (每人几个菜, 点菜标准), worked out from the same numbers."""
    extras = f"，另上{'、'.join(meal.also_served)}" if meal.also_served else ""
    example = 4
    return (f"点菜标准：每人一个菜，再加 {meal.extra_dishes} 个菜——几位客人就点几个菜再加 {meal.extra_dishes} 个"
            f"（如 {example} 位客人点 {meal.dishes_for(example)} 个菜）{extras}；{meal.drinks}。")


def form_footer(form: Form) -> str:
    return f"{form.title}　{form_number_line(form)}　版本：{form.version}"


# --------------------------------------------------------------------------- blanks, tick boxes, signatures
# A printed line is a list of (words, blank) items: ``blank`` names the line to write on after the words
# ("" for none): "sign", "date", "other" or "fill" (across the box); renderers draw it (border, underscores).


def signature_items() -> list[tuple[str, str]]:
    """签字：____　日期：____"""
    return [(f"{label}：", blank) for label, blank in zip(SIGNATURE_LABELS, ("sign", "date"))]


def value_items(cell: Cell) -> list[tuple[str, str]]:
    """What a form field's value box says; text, lines and table fields are left for handwriting."""
    if cell.type == "choice":
        if not cell.options:  # e.g. 招待地点 before 行政部 lists the venues: room to write one
            return [("", "fill")]
        other = [(f"{CHECKBOX} {OTHER_OPTION}：", "other")] if cell.field.other else []
        return [(f"{CHECKBOX} {option}", "") for option in cell.options] + other
    if cell.type == "signature":
        return signature_items()
    if cell.type == "meal-standard" and cell.text:
        return [(cell.text, "")]
    return []


def line_text(items: list[tuple[str, str]], blanks: Mapping[str, str], gap: str = "　　") -> str:
    """Items as one line of plain text, each blank written as ``blanks[kind]`` (e.g. underscores)."""
    return gap.join(words + blanks.get(blank, "") for words, blank in items)


# --------------------------------------------------------------------------- revisions (修订记录)
# An item's releases (``revisions:``) and the git commits of its file, newest first: all on the page, the
# latest REVISIONS_IN_DOCUMENT in the job description.

REVISIONS_HEADING = "修订记录"
REVISION_COLUMNS = ("版本", "日期", "修订内容", "修订人")
LAST_UPDATED = "最后更新"
REVISIONS_IN_DOCUMENT = 8
NO_VERSION = "—"  # a commit whose file had no readable version line
CHANGES_TITLE = "变更记录"


@dataclass(frozen=True)
class RevisionRow:
    """One line of a 修订记录 table, in REVISION_COLUMNS order (``commit``: the git id, or "")."""

    version: str
    date: dt.date
    summary: str
    author: str
    commit: str = ""

    @property
    def cells(self) -> tuple[str, str, str, str]:
        return (self.version, self.date.isoformat(), self.summary, self.author)


def revision_rows(hb: DocumentView | Handbook, item, limit: int | None = None) -> list[RevisionRow]:
    """Authored revisions and git commits of ``item``, newest first; a release before a commit of the same day."""
    authored = [RevisionRow(r.version, r.date, r.summary, r.author or "", "") for r in _authored(item)]
    commits = [RevisionRow(c.version or NO_VERSION, c.date, c.subject, c.author, c.short)
               for c in hb.history.of(kind_of(item).name, item.id)]
    # sorted() is stable: commits keep git's newest-first order within a day
    return sorted(authored + commits, key=lambda row: (row.date, not row.commit), reverse=True)[:limit]


def authored_revisions(hb: Handbook) -> list[tuple[str, str, str, RevisionRow]]:
    """(kind, id, title, row) of every revision written in the content files, newest first: the 变更记录 page of
    a handbook that keeps its 修订记录 by hand."""
    found = [(kind, item.id, item.title, RevisionRow(r.version, r.date, r.summary, r.author or ""))
             for kind in KINDS for item in hb.items(kind) for r in _authored(item)]
    return sorted(found, key=lambda entry: (entry[3].date, entry[2]), reverse=True)


def _authored(item) -> list[Revision]:
    return sorted(getattr(item, "revisions", []), key=lambda r: (r.date, r.version), reverse=True)


def last_updated(hb: DocumentView | Handbook, item) -> dt.date | None:
    """The date of the newest revision or commit; None when neither exists (e.g. no git history)."""
    rows = revision_rows(hb, item, 1)
    return rows[0].date if rows else None


KIND_WORDS = {**{name: kind.label for name, kind in KINDS.items()}, "site": "手册设置"}  # 变更记录's headings
