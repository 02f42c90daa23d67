"""The one content model every renderer reads (a :class:`Handbook`, never YAML or files): pydantic validates
the YAML field by field and gives the JSON Schemas editors use from the same classes."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal, Union

from pydantic import (BaseModel, Discriminator, Field, StringConstraints, Tag, field_serializer,
                      model_validator)

from .errors import Problem
from .folders import CONTENT_FOLDERS

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

# Limits no real handbook reaches; they bound the time and memory a build may take (README, "What the tool
# refuses"). A duty of 3,000 characters is about a page; 300 duties are ten times the longest JD we know.
MAX_TEXT = 3_000          # characters in one text value (a duty, a definition, a paragraph)
MAX_DUTIES = 300          # duties and duty headings in one role, counted through groups
MAX_DUTY_DEPTH = 4        # groups inside groups
MAX_KPIS = 30             # KPIs in one role
MAX_ROLE_TEXT = 30_000    # characters of all text of one role together (a long real JD has 5,000)
MAX_ITEMS = 200           # items in any other list (sections, paragraphs, fields, venues…)

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64),
                 Field(description="英文 id：小写字母、数字和连字符，如 market-manager；定下后不要再改")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
Paragraphs = Annotated[list[Text], Field(description="一段一项", max_length=MAX_ITEMS)]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                      Field(description="中文名称（名称或别称）或英文 id，如 市场部经理 或 market-manager")]


class Strict(BaseModel, extra="forbid", frozen=True, coerce_numbers_to_str=True, allow_inf_nan=False):
    """Unknown keys are errors (typos must not vanish silently); values arrive as the text HR typed, turned
    into a number or a date only where a field asks for one."""


Version = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Status = Annotated[Literal["published", "draft"], Field(
    title="状态", description="published = 已发布；draft = 草稿：只在预览（handbook serve）和 handbook build --drafts 中出现")]


# --------------------------------------------------------------------------- revisions


class Revision(Strict, title="修订"):
    """一次正式修订（发布新版本）：人力资源部写入修订记录的一行；git 的提交记录会自动并入。"""

    version: Annotated[Version, Field(title="版本", description="修订后的版本号，如 1.1")]
    date: Annotated[dt.date, Field(title="修订日期", description="修订日期，如 2027-03-01")]
    summary: Annotated[Text, Field(title="修订内容", description="修订内容，如 增加大客户开发职责；回款率权重由 25% 调为 20%")]
    author: Annotated[Text | None, Field(title="修订人", description="修订人，如 人力资源部 张三")] = None


Revisions = Annotated[list[Revision], Field(
    title="修订记录", description="修订记录（正式发布的版本），新旧顺序不限；页面与岗位说明书按日期从新到旧列出",
    max_length=MAX_ITEMS)]


# --------------------------------------------------------------------------- roles: duties, KPIs, sections


class Duty(Strict, title="职责"):
    """One responsibility. Give it an `id` when a KPI needs to cite it."""

    id: Annotated[Slug | None, Field(title="职责 id", description="指标要考核这条职责时才需要；编辑器会自动生成")] = None
    text: Annotated[Text, Field(title="职责内容", description="一条只写一件事，动词开头，如 负责重点客户的开发与维护。")]


class DutyGroup(Strict, title="职责分组"):
    """A heading with its own duties, e.g. 细则 → 营销策划 → 1)…9)."""

    heading: Annotated[Text, Field(title="分组标题", description="本组职责的标题，如 市场调研")]
    id: Annotated[Slug | None, Field(title="分组 id", description="指标要考核整组职责时才需要")] = None
    duties: Annotated[list["DutyEntry"], Field(title="本组职责", description="本组的各条职责，可再分组",
                                               min_length=1, max_length=MAX_DUTIES)]


#: the tag pydantic puts in an error's location for each member of the unions below, and the member's model
UNION_TAGS: dict[str, type[BaseModel] | None] = {"text": None}


def _text_or(default: str, **members: tuple[str | None, type[BaseModel]]) -> Any:
    """Text, or the model of the first member (``tag=(key, model)``) whose key the value has, else
    ``default``'s."""
    models = {tag: model for tag, (_, model) in members.items()}
    UNION_TAGS.update(models)

    def tag_of(value: Any) -> str:
        if isinstance(value, str):
            return "text"
        keys = type(value).model_fields if isinstance(value, BaseModel) else value
        if not isinstance(keys, dict):
            return default
        return next((tag for tag, (key, _) in members.items() if key in keys), default)

    union = (Annotated[Text, Tag("text")], *(Annotated[model, Tag(tag)] for tag, model in models.items()))
    return Annotated[Union[union], Discriminator(tag_of)]


DutyEntry = _text_or("duty", duty=(None, Duty), group=("heading", DutyGroup))
DutyGroup.model_rebuild()


def iter_duties(entries: list, prefix: tuple[int, ...] = ()):
    """Walk duties depth-first, yielding (numbering path, entry) for items and groups."""
    for index, entry in enumerate(entries, start=1):
        path = prefix + (index,)
        yield path, entry
        if isinstance(entry, DutyGroup):
            yield from iter_duties(entry.duties, path)


def duty_loc(path: tuple[int, ...]) -> tuple:
    """Numbering path (as :func:`iter_duties` yields it) → YAML location of the duty: (2, 1) → ("duties", 1,
    "duties", 0)."""
    return tuple(part for index in path for part in ("duties", index - 1))


def duty_text(entry: Any) -> str:
    return entry if isinstance(entry, str) else getattr(entry, "text", getattr(entry, "heading", ""))


class KPI(Strict, title="指标"):
    name: Annotated[Text, Field(title="指标名称", description="指标名称，如 区域回款率")]
    definition: Annotated[Text, Field(title="定义 / 计算公式", description="定义 / 计算公式，如 实际回款额 ÷ 应收账款额 × 100%")]
    target: Annotated[Text, Field(title="目标值", description="目标值，如 ≥ 95%")]
    weight: Annotated[float, Field(gt=0, le=100, title="权重（%）", description="权重，百分比；一个岗位的权重合计为 100")]
    cycle: Annotated[Text, Field(title="考核周期", description="考核周期，如 月度、季度、年度")]
    source: Annotated[Text, Field(title="数据来源", description="数据来源，如 财务部应收账款台账")]
    measures: Annotated[list[Slug], Field(min_length=1, title="考核的职责", description="该指标考核的职责（职责 id）")]


class KPISet(Strict, title="关键绩效指标"):
    status: Annotated[Literal["proposed", "approved"],
                      Field(title="指标状态", description="proposed = 拟定，待人力资源部确认；approved = 已确认")]
    note: Annotated[Text | None, Field(title="说明", description="关于这些指标的说明，显示在指标表之前")] = None
    items: Annotated[list[KPI], Field(title="指标", description="每个指标写齐各项，权重合计 100",
                                      min_length=1, max_length=MAX_KPIS)]


class Qualifications(Strict, title="任职资格"):
    """任职资格: what the holder of the role must bring. Every part is optional."""

    education: Annotated[Text | None, Field(title="学历", description="学历，如 大专及以上")] = None
    major: Annotated[Text | None, Field(title="专业", description="专业，如 市场营销、广告学相关专业")] = None
    experience: Annotated[Text | None, Field(title="工作经验", description="工作经验，如 3 年以上销售管理经验")] = None
    skills: Annotated[list[Text], Field(title="知识/技能/能力素质", description="知识/技能/能力素质，一条一项",
                                        max_length=MAX_ITEMS)] = []
    other: Annotated[list[Text], Field(title="其他要求", description="其他要求，如 能适应出差", max_length=MAX_ITEMS)] = []


class Relations(Strict, title="工作关系"):
    """工作关系: whom the role deals with inside and outside the company."""

    internal: Annotated[list[Text], Field(title="内部联系", description="内部联系，如 财务部、生产中心",
                                          max_length=MAX_ITEMS)] = []
    external: Annotated[list[Text], Field(title="外部联系", description="外部联系，如 客户、经销商、广告媒体",
                                          max_length=MAX_ITEMS)] = []


class Role(Strict):
    """岗位说明书的全部内容。文件名（去掉 .yml）必须与 id 相同。"""

    id: Annotated[Slug, Field(title="岗位 id", description="英文 id，也是文件名和网页地址；定下后不要再改")]
    status: Status = "published"
    title: Annotated[Text, Field(title="岗位名称", description="岗位名称，如 大区经理")]
    aliases: Annotated[list[Text], Field(title="别称", description="文中对本岗位的其他称呼，如 市场总监", max_length=20)] = []
    number: Annotated[Text | None, Field(title="岗位编号", description="岗位编号；草稿可暂缺，发布前必填")] = None
    department: Annotated[Reference | None, Field(
        title="所属部门", description="所属部门：部门名称（如 市场部）或 id（见 content/site.yml）；草稿可暂缺，发布前必填")] = None
    reports_to: Annotated[Reference | None, Field(
        title="直接上级", description="直接上级：岗位名称（如 市场部经理）或岗位 id；上级不在本手册时留空并填 reports_to_title")] = None
    reports_to_title: Annotated[Text | None, Field(title="手册之外的直接上级",
                                                   description="上级不在本手册中时填写，如 总经理")] = None
    purpose: Annotated[Text | None, Field(title="岗位目的",
                                          description="岗位目的；草稿可暂缺（导入的岗位说明书常常没有），发布前必填")] = None
    version: Annotated[Version, Field(title="版本", description="版本号，如 1.0")]
    effective: Annotated[dt.date | None, Field(title="生效日期",
                                               description="生效日期，如 2026-12-01；草稿可暂缺，发布前必填")] = None
    duties: Annotated[list[DutyEntry], Field(min_length=1, max_length=MAX_DUTIES, title="岗位职责",
                                             description="岗位职责，一条一项；可以分组")]
    authority: Annotated[list[Text], Field(title="岗位权限", description="岗位权限（可选），一条一项，如 对下属的考核建议权",
                                           max_length=MAX_ITEMS)] = []
    relations: Annotated[Relations | None, Field(title="工作关系", description="工作关系（可选）：内部联系、外部联系")] = None
    qualifications: Annotated[Qualifications | None, Field(
        title="任职资格", description="任职资格（可选）：学历、专业、工作经验、知识/技能/能力素质、其他要求")] = None
    kpis: Annotated[KPISet | None, Field(title="关键绩效指标", description="关键绩效指标；草稿可暂缺，发布前必填")] = None
    reviewed: Annotated[dt.date | None, Field(title="复核日期", description="人力资源部最近一次复核本岗位说明书的日期，"
                                              "如 2027-03-01；维护概览据此（或最近一次提交的修改）判断是否需要复核")] = None
    revisions: Revisions = []

    @property
    def names(self) -> list[str]:
        return [self.title, *self.aliases]


# --------------------------------------------------------------------------- policies, guides, forms


class ListBlock(Strict, title="列表"):
    list: Annotated[list[Text], Field(title="列表", description="逐条列出，一条一项", min_length=1, max_length=MAX_ITEMS)]


class NoteBlock(Strict, title="注"):
    note: Annotated[Text, Field(title="注", description="以“注”显示的说明")]


class VenuesBlock(Strict, title="定点招待地点"):
    venues: Annotated[Text, Field(title="定点招待地点前的说明", description="列出定点招待地点之前的一句话")]


class MealStandardBlock(Strict, title="点餐标准"):
    meal_standard: Annotated[Text, Field(title="点餐标准之后的说明", description="按数据算出的点餐标准之后印出的规定")]


PolicyBlock = _text_or("list", list=("list", ListBlock), note=("note", NoteBlock),
                       venues=("venues", VenuesBlock), meal_standard=("meal_standard", MealStandardBlock))


class PolicySection(Strict, title="章节"):
    heading: Annotated[Text | None, Field(title="章节标题", description="只有一条规定的章节可以不写标题")] = None
    body: Annotated[list[PolicyBlock], Field(title="章节内容", description="段落、列表、注等，按顺序",
                                             min_length=1, max_length=MAX_ITEMS)]


class MealStandard(Strict, title="点餐标准"):
    """点餐标准 as data, so the policy page and the request form print the same rule."""

    extra_dishes: Annotated[int, Field(ge=0, le=20, title="加菜数", description="菜品数量 = 人数 + 加菜数")]
    also_served: Annotated[list[Text], Field(title="另加", description="另加，如 汤、主食")] = []
    drinks: Annotated[Text, Field(title="酒水", description="酒水安排，如 酒水由公司配备")]

    @property
    def rule(self) -> str:
        extras = "".join(f"+{item}" for item in self.also_served)
        return f"菜品数量以人数+{self.extra_dishes}的原则{extras}，{self.drinks}"

    def dishes_for(self, guests: int) -> int:
        return guests + self.extra_dishes


class Policy(Strict):
    id: Annotated[Slug, Field(title="制度 id", description="英文 id，也是文件名和网页地址；定下后不要再改")]
    status: Status = "published"
    title: Annotated[Text, Field(title="制度名称", description="制度名称，如 公司业务招待费管理规定")]
    number: Annotated[Text, Field(title="制度编号", description="制度编号")]
    version: Annotated[Version, Field(title="版本", description="版本号，如 1.0")]
    effective: Annotated[dt.date, Field(title="生效日期", description="生效日期，如 2026-12-01")]
    preamble: Annotated[Paragraphs, Field(title="前言", description="章节之前的段落，一段一项")] = []
    sections: Annotated[list[PolicySection], Field(title="章节", description="制度的各章节，按顺序",
                                                   min_length=1, max_length=MAX_ITEMS)]
    venues: Annotated[list[Text], Field(title="定点招待地点", description="定点招待地点；可为空，由行政部补充",
                                        max_length=MAX_ITEMS)] = []
    meal_standard: Annotated[MealStandard | None, Field(title="点餐标准",
                                                        description="点餐标准：制度页面和招待清单按它印出同一规定")] = None
    closing_note: Annotated[Text | None, Field(title="结语", description="制度最后的说明")] = None
    attachments: Annotated[list[Slug], Field(title="附件表单", description="附件表单 id", max_length=MAX_ITEMS)] = []
    revisions: Revisions = []


class Guide(Strict):
    id: Annotated[Slug, Field(title="指南 id", description="英文 id，也是文件名和网页地址；定下后不要再改")]
    status: Status = "published"
    title: Annotated[Text, Field(title="指南名称", description="指南名称，如 接待客户要有周密的布署")]
    intro: Annotated[Paragraphs, Field(title="引言", description="要点之前的段落，一段一项")] = []
    points: Annotated[list[Text], Field(title="要点", description="逐条列出的要点", min_length=1, max_length=MAX_ITEMS)]
    revisions: Revisions = []


FieldType = Literal["text", "choice", "lines", "signature", "meal-standard", "table"]


class TableColumn(Strict, title="表格列"):
    label: Annotated[Text, Field(title="列名", description="表头文字")]
    width: Annotated[int, Field(ge=1, le=12, title="相对宽度", description="相对宽度，1 到 12")] = 1


class FormField(Strict, title="栏目"):
    label: Annotated[Text, Field(title="栏目名称", description="表单上印出的栏目名称，如 客户单位")]
    type: Annotated[FieldType, Field(title="栏目类型", description="填写文字、选择、多行、签字、点餐标准或表格")] = "text"
    width: Annotated[int, Field(ge=1, le=4, title="宽度", description="占一行的几分之几：1=¼ … 4=整行")] = 4
    options: Annotated[list[Text], Field(title="选项", description="选择类栏目的选项，一项一条",
                                         max_length=MAX_ITEMS)] = []
    options_from: Annotated[Literal["venues"] | None,
                            Field(title="选项来源", description="从所属制度取选项：venues = 定点招待地点")] = None
    other: Annotated[bool, Field(title="加“其他”", description="选项后加一个 其他：____ 空行")] = False
    lines: Annotated[int, Field(ge=1, le=20, title="手写行数", description="多行栏目的手写行数")] = 1
    columns: Annotated[list[TableColumn], Field(title="表格列", description="表格栏目的各列", max_length=20)] = []
    rows: Annotated[int, Field(ge=1, le=60, title="表格行数", description="表格栏目的空行数")] = 10
    hint: Annotated[Text | None, Field(title="填写提示", description="印在栏目旁的填写提示")] = None


class FormSection(Strict, title="分区"):
    heading: Annotated[Text, Field(title="分区标题", description="表单一个分区的标题")]
    fields: Annotated[list[FormField], Field(title="栏目", description="本分区的栏目", min_length=1, max_length=MAX_ITEMS)]


class Form(Strict):
    id: Annotated[Slug, Field(title="表单 id", description="英文 id，也是文件名和网页地址；定下后不要再改")]
    status: Status = "published"
    title: Annotated[Text, Field(title="表单名称", description="表单名称，如 大客户招待清单")]
    number: Annotated[Text, Field(title="表单编号", description="表单编号")]
    version: Annotated[Version, Field(title="版本", description="版本号，如 1.0")]
    policy: Annotated[Reference | None, Field(title="所属制度",
                                              description="所属制度：制度 id 或名称，选项与点餐标准从中读取")] = None
    role: Annotated[Reference | None, Field(title="使用岗位", description="使用本表的岗位：岗位名称或 id")] = None
    instructions: Annotated[Paragraphs, Field(title="填写说明", description="表单前的说明，一段一项")] = []
    sections: Annotated[list[FormSection], Field(title="分区", description="表单的各分区", min_length=1,
                                                 max_length=MAX_ITEMS)]
    footer_note: Annotated[Text | None, Field(title="页脚说明", description="表单最下方的说明")] = None
    revisions: Revisions = []


# --------------------------------------------------------------------------- content kinds


@dataclass(frozen=True)
class Kind:
    """One kind of content file, declared once in :data:`KINDS`, which everything iterates (ARCHITECTURE.md,
    "Content kinds"); its model has ``id``, ``title``, ``status`` and ``revisions``, like every kind."""

    name: str  # role: how ids, history, outputs and 变更记录 name the kind
    plural: str  # roles: the Handbook's list of them (``hb.roles``) and the menu section in site.yml
    folder: str  # roles: where its files live under the content root; a file's name is its item's id
    model: type[BaseModel]
    label: str  # 岗位: what HR calls it (menu, 变更记录, schema title)
    template: str  # role.md.j2: the template of its site page (templates/site/)
    page: str  # roles/{id}.md: its site page's source path
    number_label: str = "编号"  # how 变更记录 names its ``number`` field


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    for other in KINDS.values():
        if kind.name == other.name or kind.plural == other.plural or kind.folder == other.folder:
            raise ValueError(f"content kind {kind.name}: its name, plural or folder is taken by {other.name}")
    if kind.folder.split("/")[0] not in CONTENT_FOLDERS:  # the only folders history and the preview read
        raise ValueError(f"content kind {kind.name}: its folder must lie in {' or '.join(CONTENT_FOLDERS)}")
    KINDS[kind.name] = kind
    return kind


register_kind(Kind("role", "roles", "roles", Role, "岗位", "role.md.j2", "roles/{id}.md", number_label="岗位编号"))
register_kind(Kind("policy", "policies", "content/policies", Policy, "制度", "policy.md.j2", "policies/{id}.md"))
register_kind(Kind("guide", "guides", "content/guides", Guide, "指南", "guide.md.j2", "guides/{id}.md"))
register_kind(Kind("form", "forms", "content/forms", Form, "表单", "form.md.j2", "forms/{id}.md"))


def kind_of(item: Any) -> Kind:
    """The kind of a loaded item, by its model."""
    return next(kind for kind in KINDS.values() if isinstance(item, kind.model))


def kind_at(path: str) -> Kind | None:
    """The kind whose folder holds the content file ``path`` (relative to the content root); None: not content."""
    folder, _, name = path.rpartition("/")
    return next((kind for kind in KINDS.values() if kind.folder == folder and name.endswith(".yml")), None)


def source_path(kind: str, item_id: str) -> str:
    """The content file of an item, relative to the content root, e.g. roles/regional-manager.yml."""
    return f"{KINDS[kind].folder}/{item_id}.yml"


# --------------------------------------------------------------------------- site


class Department(Strict, title="部门"):
    id: Annotated[Slug, Field(title="部门 id", description="英文 id，如 market")]
    name: Annotated[Text, Field(title="部门名称", description="部门名称，如 市场部")]
    aliases: Annotated[list[Text], Field(title="别称", description="部门的其他称呼", max_length=20)] = []
    parent: Annotated[Reference | None, Field(title="上级部门", description="上级部门：名称或 id")] = None


SECTIONS = ("org-chart", "downloads", "changes")  # the site's sections that are no content kind


class SiteSettings(Strict):
    handbook_title: Annotated[Text, Field(title="手册名称", description="手册名称，如 营销中心员工手册")]
    organisation: Annotated[Text, Field(title="部门或中心名称", description="部门或中心名称，如 营销中心")]
    company: Annotated[Text | None, Field(title="公司名称", description="公司名称：页脚，以及有 logo 时 PDF 与 Word 页眉中 logo 旁的文字")] = None
    logo: Annotated[Text | None, Field(
        title="公司 logo", description="公司 logo：content/ 文件夹中的 SVG 或 PNG 文件，路径从内容根目录写起，如 content/logo.svg；"
                                     "用于网站页眉与图标、PDF 与 Word 页眉（最大 512 KB）")] = None
    brand_color: Annotated[Text | None, Field(
        title="品牌主色", description='品牌主色：# 加六位十六进制数，写在引号里，如 "#1F4E79"；网站页眉与链接使用它',
        json_schema_extra={"pattern": "^#[0-9A-Fa-f]{6}$"})] = None
    description: Annotated[Text | None, Field(title="简介", description="手册的一句话简介（网页描述）")] = None
    intro: Annotated[Paragraphs, Field(title="首页引言", description="首页的段落，一段一项")] = []
    departments: Annotated[list[Department], Field(title="部门", description="各部门，按导航顺序",
                                                   min_length=1, max_length=MAX_ITEMS)]
    history: Annotated[Literal["git", "authored"], Field(
        title="修订记录来源", description="修订记录从哪里来：git = 内容文件写明的 revisions 加上 git 的提交记录（默认）；"
                                     "authored = 只用内容文件写明的 revisions，不读取 git（变更记录页列出全部正式修订）")] = "git"
    navigation: Annotated[list[Literal[(*(kind.plural for kind in KINDS.values()), *SECTIONS)]], Field(
        title="导航顺序", description="网站一级栏目的顺序（changes = 变更记录，未写时放在最后）",
    )] = ["roles", "org-chart", "policies", "guides", "forms", "downloads", "changes"]
    review_months: Annotated[int, Field(ge=1, le=120, title="复核周期（月）",
                                        description="岗位说明书多少个月没有修改或复核（reviewed）就列入维护概览的待复核，默认 12")] = 12


# --------------------------------------------------------------------------- history, look

class Commit(BaseModel, frozen=True):
    """One git commit that touched a content file: when (author date), who, its subject line, the file's version."""

    sha: str
    date: dt.date
    author: str
    subject: str
    version: str | None = None  # the ``version:`` the file had in this commit (in History.files; None elsewhere)

    @property
    def short(self) -> str:
        return self.sha[:7]


class Change(BaseModel, frozen=True):
    """One content-level change in HR's words, e.g. 岗位职责 3 改为 …, about one item."""

    kind: str  # a content kind's name (KINDS), or "site" for content/site.yml
    id: str
    title: str  # the item's title after the change (before it, for a deletion)
    text: str


class ChangeSet(BaseModel, frozen=True):
    """What one commit changed, expanded to the content level."""

    commit: Commit
    changes: tuple[Change, ...] = ()
    problems: tuple[str, ...] = ()  # one line per file that could not be read at this commit


class History(BaseModel, frozen=True):
    """The git history of the content root, attached to the handbook by the build (never from YAML);
    ``omitted`` says why there is none, and then only the authored ``revisions:`` are shown."""

    files: dict[str, tuple[Commit, ...]] = {}  # content path → commits, newest first (renames followed)
    changes: tuple[ChangeSet, ...] = ()  # recent commits that changed content, newest first
    omitted: str | None = None

    def of(self, kind: str, item_id: str) -> tuple[Commit, ...]:
        return self.files.get(source_path(kind, item_id), ())


class Logo(BaseModel, frozen=True):
    """The logo file site.yml names, read and checked once (:mod:`generator.content.brand`); renderers get its
    bytes, a cache key (``model_dump(mode="json")``) their SHA-256."""

    path: str  # as written in site.yml, e.g. content/logo.svg
    format: Literal["svg", "png"]
    data: bytes
    width: float  # intrinsic size (pixels, or the SVG's viewBox units): only the ratio is used
    height: float

    @field_serializer("data", when_used="json")
    def _data_digest(self, data: bytes) -> str:
        return "sha256:" + self.sha256

    @cached_property
    def sha256(self) -> str:
        """Hashed once per object: every document's cache key names it (500 KB × 2,000 documents adds up)."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def media_type(self) -> str:
        return "image/svg+xml" if self.format == "svg" else "image/png"

    @property
    def ratio(self) -> float:
        """width ÷ height."""
        return self.width / self.height


class Brand(BaseModel, frozen=True):
    """What the company's own look adds to the outputs; empty (the default) = the handbook's own look."""

    logo: Logo | None = None
    color: str | None = None  # #RRGGBB, upper case


# --------------------------------------------------------------------------- the whole


class Org:
    """Reporting lines and departments, asked alike of the :class:`Handbook` and of every view that holds
    ``roles`` (with ``id``, ``title``, ``department``, ``reports_to``) and ``departments``: one set of
    lookups, so a page, a document and the roster cannot disagree about who reports to whom."""

    def department(self, dept_id: str) -> Department:
        return next(d for d in self.departments if d.id == dept_id)

    def department_name(self, role) -> str | None:
        """The role's department name; None for a draft that has none yet."""
        return self.department(role.department).name if role.department else None

    def superior(self, role):
        """The role ``role`` reports to, when it is among ``roles`` (None: none, or outside the handbook)."""
        return next((r for r in self.roles if r.id == role.reports_to), None) if role.reports_to else None

    def direct_reports(self, role) -> list:
        return [r for r in self.roles if r.reports_to == role.id and r.id != role.id]

    def roles_in(self, dept_id: str | None) -> list:
        return [r for r in self.roles if r.department == dept_id]


class Handbook(Org, BaseModel, frozen=True, arbitrary_types_allowed=True, extra="allow"):
    """Everything loaded and cross-checked; the only input renderers get. Besides ``site``, ``history`` and
    ``brand``, one list per content kind named by its plural (``hb.roles`` …): a new kind adds no field."""

    site: SiteSettings
    history: History = History(omitted="not read")
    brand: Brand = Brand()
    #: the problems of drafts that do not pass their checks: those drafts are left out of this handbook until
    #: they are fixed (the preview shows the problems on their pages); in no document's view or cache key
    draft_problems: tuple[Problem, ...] = Field(default=(), exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _kinds(cls, data: Any) -> Any:
        """Every kind has its list, of its own model (built from dicts too, e.g. from ``model_dump``)."""
        if isinstance(data, dict):
            data = {**data, **{kind.plural: [kind.model.model_validate(item) for item in data.get(kind.plural, [])]
                               for kind in KINDS.values()}}
        return data

    @property
    def departments(self) -> list[Department]:
        return self.site.departments

    def items(self, kind: str) -> list:
        """Every item of a kind (``"role"`` …), in handbook order."""
        return getattr(self, KINDS[kind].plural, [])

    def item(self, kind: str, item_id: str) -> Any:
        return next(i for i in self.items(kind) if i.id == item_id)

    def role(self, role_id: str) -> Role:
        return self.item("role", role_id)

    def policy(self, policy_id: str) -> Policy:
        return self.item("policy", policy_id)

    def form(self, form_id: str) -> Form:
        return self.item("form", form_id)
