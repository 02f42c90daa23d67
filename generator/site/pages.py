"""Handbook → Markdown pages (``src_uri → text``), the menu and the org chart.

Content is data, never markup: ``finalize`` escapes every plain string a template prints for HTML and
Markdown (:func:`md_escape`); templates link with ``link()`` or ``linkify``, ``safe`` is disabled.
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.bccache import MemcachedBytecodeCache
from markupsafe import Markup, escape

from .. import TOOL_ROOT
from ..content import drafts, numbering, outline
from ..content.model import KINDS, Handbook, Role
from ..documents import outputs, views
from ..history.changes import grouped
from ..history.git import in_chinese

TEMPLATES = TOOL_ROOT / "templates" / "site"
OVERRIDES = TOOL_ROOT / "site_overrides" / "site"

# --------------------------------------------------------------------------- escaping

# HTML's specials, and the Markdown characters that act anywhere in a line (ARCHITECTURE.md, Invariants)
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_ENTITIES.update({ch: f"&#{ord(ch)};" for ch in "\\`*_[]{}|"})
_ESCAPE_RE = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")
# Block markers (`#`, `-`, `+`, `1.`, `---`, `===`, `!!!`, `???`): escaped only at a line's start
_LINE_START_RE = re.compile(r"^(?:[#+\-=!?:]|\d+[.)](?=\s|$))")
_SPACE_RE = re.compile(r"\s+")
_SAFE_TARGET = re.compile(r"^[a-z0-9][a-z0-9/._-]*(#[a-z0-9-]+)?$|^#[a-z0-9-]+$")


def collapse(text: str) -> str:
    """One line, single spaces: a value can never start a Markdown block of its own."""
    return _SPACE_RE.sub(" ", text).strip()


def md_escape(value: Any, line_start: bool = True) -> Markup:
    """Plain text → Markup that Markdown and the browser both show literally, still readable as text; block
    markers escaped too unless the value follows other text (``line_start`` false)."""
    if hasattr(value, "__html__"):
        return Markup(value)
    text = _SPACE_RE.sub(" ", "" if value is None else str(value))
    escaped = _ESCAPE_RE.sub(lambda m: _ENTITIES[m.group()], text)
    start = _LINE_START_RE.match(text) if line_start else None
    if start:
        marker = start.group()
        escaped = escaped[:len(marker) - 1] + f"&#{ord(marker[-1])};" + escaped[len(marker):]
    return Markup(escaped)


def _finalize(value: Any) -> Any:
    return value if hasattr(value, "__html__") else md_escape(collapse("" if value is None else str(value)))


# --------------------------------------------------------------------------- page addresses


def page_uri(kind: str, item_id: str) -> str:
    """The page of one item: a page per item of each content kind (``KINDS[kind].page``)."""
    return KINDS[kind].page.format(id=item_id)


role_uri, policy_uri, guide_uri, form_uri = (functools.partial(page_uri, kind) for kind in
                                             ("role", "policy", "guide", "form"))  # the templates' link helpers

HOME, ORG_CHART, FORMS_INDEX, DOWNLOADS_PAGE = "index.md", "org-chart.md", "forms/index.md", "downloads.md"
CHANGES_PAGE = "changes.md"
MAINTENANCE = "maintenance.md"  # 维护指南: for HR, last in the preview's menu; in the published site only by its address
NO_DEPARTMENT = "待定部门"  # the menu group of draft roles that have no department yet


def commit_anchor(short: str) -> str:
    """The 变更记录 page's anchor of one commit, e.g. c-3d561e6."""
    return f"c-{short}"


@functools.lru_cache(maxsize=1 << 16)
def relative(from_uri: str, to_uri: str) -> str:
    """Link from one source file to another; MkDocs checks it and rewrites it to the built URL."""
    return posixpath.relpath(to_uri, posixpath.dirname(from_uri) or ".")


# --------------------------------------------------------------------------- downloads


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


class Downloads:
    """Files the pages link to (anything with ``.doc`` and ``.size``) looked up by what they belong to."""

    kinds = staticmethod(outputs.kinds)  # (kind, label) of the outputs of "role", "form" or "handbook"

    def __init__(self, items: Iterable[Any]):
        items, order = list(items), outputs.format_order()
        self.bundles = [p for p in items if p.doc.kind == "bundle"]  # as given: 全部文件 first, the offline site last
        self.items = sorted(items, key=lambda p: (p.doc.kind, p.doc.id, order.get(p.doc.format, len(order))))
        self._by_subject: dict[tuple[str, str], list[Any]] = {}
        for item in self.items:
            self._by_subject.setdefault((item.doc.kind, item.doc.id), []).append(item)

    def of(self, kind: str, item_id: str) -> list[Any]:
        return list(self._by_subject.get((kind, item_id), []))

    def whole(self) -> list[tuple[str, list[Any]]]:
        """(label, files) of each output made once for the whole handbook (e.g. the 岗位清单)."""
        return [(label, [p for p in self.items if p.doc.kind == kind]) for kind, label in self.kinds("handbook")]


# --------------------------------------------------------------------------- KPI → duties


def measure_refs(role: Role, kpi: Any) -> list[tuple[str, str]]:
    """(label, duty id) for each duty a KPI measures; labels are :func:`outline.kpi_measures`, as printed."""
    wanted = set(kpi.measures)
    refs = [item.id for item in outline.duty_outline(role) if item.id in wanted]  # printed order, as the labels
    labels = outline.kpi_measures(role, kpi)
    assert len(labels) == len(refs), "outline.kpi_measures and the duty ids disagree"
    return list(zip(labels, refs))


# --------------------------------------------------------------------------- org chart


@dataclass
class OrgNode:
    role: Role
    department: str
    colour: int
    children: list["OrgNode"] = field(default_factory=list)


def dept_colour(hb: Handbook, dept_id: str) -> int:
    """Six colours in the stylesheet, given out in department order."""
    return next((i % 6 for i, d in enumerate(hb.site.departments) if d.id == dept_id), 0)


def org_tree(hb: Handbook) -> list[tuple[str | None, list[OrgNode]]]:
    """Top roles grouped under the superior outside the handbook (e.g. 总经理), then their reports."""
    known = {r.id for r in hb.roles}

    def node(role: Role, seen: frozenset[str]) -> OrgNode:
        children = [node(r, seen | {role.id}) for r in hb.direct_reports(role) if r.id not in seen]
        return OrgNode(role, views.department_text(hb, role), dept_colour(hb, role.department), children)

    groups: dict[str | None, list[OrgNode]] = {}
    for role in hb.roles:
        if not role.reports_to or role.reports_to not in known:
            groups.setdefault(role.reports_to_title, []).append(node(role, frozenset()))
    return list(groups.items())


# --------------------------------------------------------------------------- navigation


def nav(hb: Handbook, maintainers: bool = False) -> list[dict]:
    """MkDocs ``nav`` in ``site.navigation`` order, titles escaped as Markup (the theme prints them raw, or
    escapes them once more). The 维护指南 is HR's: last in the preview's menu (``maintainers``), else out."""
    e = escape
    role_groups = [(d.name, hb.roles_in(d.id)) for d in hb.site.departments]
    role_groups.append((NO_DEPARTMENT, hb.roles_in(None)))  # only drafts can lack a department
    sections = {kind.plural: {kind.label: [{e(item.title): page_uri(kind.name, item.id)}
                                           for item in hb.items(kind.name)]} for kind in KINDS.values()}
    sections["roles"] = {KINDS["role"].label: [{e(name): [{e(r.title): role_uri(r.id)} for r in roles]}
                                              for name, roles in role_groups if roles]}  # grouped by department
    sections["forms"][KINDS["form"].label].insert(0, FORMS_INDEX)  # the printable list of every form first
    sections.update({"org-chart": {"组织架构": ORG_CHART}, "downloads": {"下载": DOWNLOADS_PAGE},
                     "changes": {views.CHANGES_TITLE: CHANGES_PAGE}})
    order = list(hb.site.navigation) + ([] if "changes" in hb.site.navigation else ["changes"])
    wanted = [sections[key] for key in order]
    guide = [{"维护指南": MAINTENANCE}] if maintainers else []
    return [{"首页": HOME}] + [s for s in wanted if all(s.values())] + guide  # no empty sections


# --------------------------------------------------------------------------- history


def page_of(hb: Handbook, kind: str, item_id: str) -> str | None:
    """The page of an item that is in this build (None for a deleted or left-out one)."""
    return page_uri(kind, item_id) if kind in KINDS and any(i.id == item_id for i in hb.items(kind)) else None


# --------------------------------------------------------------------------- environment


class _Site:
    """Per-build helpers the templates call; holds the handbook, never global state."""

    def __init__(self, hb: Handbook, downloads: Downloads):
        self.hb = hb
        self.downloads = downloads
        # Text that names a page: role titles and aliases, and form titles in 《》.
        self._targets = {name: role_uri(role.id) for role in hb.roles for name in role.names}
        self._targets.update({f"《{form.title}》": form_uri(form.id) for form in hb.forms})
        ordered = sorted(self._targets, key=len, reverse=True)  # longest first: 销售部经理助理 before 销售部经理
        self._names_re = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @staticmethod
    @pass_context
    def link(ctx, text: Any, target: str) -> Markup:
        """``[text](relative target)`` from a validated page or file address."""
        if not _SAFE_TARGET.match(target):
            raise ValueError(f"refusing to build a link to {target!r}")
        href = target if target.startswith("#") else relative(ctx["page_uri"], target)
        return Markup(f"[{md_escape(collapse(str(text)), line_start=False)}]({href})")

    @pass_context
    def linkify(self, ctx, text: str) -> Markup:
        """Escape ``text``; every role title or alias (and 《form title》) in it links to its page, but its own.
        Names match the raw text and each piece is escaped on its own: never inside an entity."""
        text = collapse(str(text))
        if self._names_re is None:
            return md_escape(text)
        out, pos = [], 0
        for match in self._names_re.finditer(text):
            out.append(md_escape(text[pos:match.start()]))
            target = self._targets[match.group()]
            if target == ctx["page_uri"]:
                out.append(md_escape(match.group()))
            else:
                out.append(self.link(ctx, match.group(), target))
            pos = match.end()
        out.append(md_escape(text[pos:]))
        return Markup("").join(out)

    @pass_context
    def role_facts(self, ctx, role: Role) -> list[tuple[str, Any]]:
        """:func:`views.basic_info`, with 直接上级/直接下级 linked to their pages."""
        superior, reports = self.hb.superior(role), self.hb.direct_reports(role)
        facts: list[tuple[str, Any]] = []
        for label, value in views.basic_info(self.hb, role):
            if label == "直接上级" and superior:
                value = self.link(ctx, superior.title, role_uri(superior.id))
            elif label == "直接下级" and reports:
                value = Markup("、").join(self.link(ctx, r.title, role_uri(r.id)) for r in reports)
            elif label == "生效日期" and role.effective:
                value = day(role.effective)
            facts.append((label, value))
        return facts

    @pass_context
    def file_links(self, ctx, items: list[Any], with_size: bool = True) -> Markup:
        """``Word（35 KB） · PDF（401 KB）`` for the produced files of one document."""
        links = []
        for item in items:
            label = outputs.format_labels().get(item.doc.format, item.doc.format.upper())
            if with_size and getattr(item, "size", None) is not None:
                label += f"（{size_text(item.size)}）"
            links.append(self.link(ctx, label, item.doc.path) + _download_attr(getattr(item.doc, "filename", "")))
        return Markup(" · ").join(links) if links else md_escape("—")


def _download_attr(filename: str) -> Markup:
    """``{download="大区经理-岗位说明书.pdf"}`` (attr_list): the browser saves the file under its Chinese name
    (made safe by :func:`generator.documents.outputs.safe_name`, escaped here too)."""
    if not filename:
        return Markup("")
    if re.search(r'["{}\\/]', filename):
        raise ValueError(f"not a safe file name: {filename!r}")
    return Markup('{download="%s"}') % Markup(escape(filename))


def day(date: Any) -> Markup:
    """A date kept on one line: a phone's narrow column would break 2026-12-01 after a hyphen."""
    return Markup('<span class="date">%s</span>') % date.isoformat()


def _slug(value: str) -> Markup:
    """An id from the model, for anchors and CSS classes: only slug characters pass."""
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", str(value)):
        raise ValueError(f"not a slug: {value!r}")
    return Markup(value)


def _join(items: Iterable[Any], sep: str = "") -> Markup:
    """Jinja's own ``join`` would only HTML-escape; this one Markdown-escapes too."""
    return md_escape(sep).join(_finalize(item) for item in items)


def _refuse_safe(value: Any) -> Markup:
    raise TypeError("'safe' is disabled in site templates: content must stay text; use link()/linkify")


def environment(hb: Handbook, downloads: Downloads, extra_dirs: Iterable[Path] = ()) -> Environment:
    dirs = [d for d in (*extra_dirs, OVERRIDES, TEMPLATES) if d.is_dir()]
    env = Environment(loader=ChoiceLoader([FileSystemLoader(str(d)) for d in dict.fromkeys(dirs)]),
                      autoescape=True, finalize=_finalize, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True,
                      bytecode_cache=TEMPLATE_CACHE)
    site = _Site(hb, downloads)
    env.filters.update(
        slug=_slug, join=_join, safe=_refuse_safe, size=size_text, day=day,
        inline=lambda value: md_escape(collapse("" if value is None else str(value)), line_start=False),
        linkify=site.linkify)
    env.globals.update(
        hb=hb, views=views, outline=outline, drafts=drafts, downloads=downloads, link=site.link,
        role_facts=site.role_facts, file_links=site.file_links,
        role_uri=role_uri, policy_uri=policy_uri, guide_uri=guide_uri, form_uri=form_uri, page_of=page_of,
        HOME=HOME, ORG_CHART=ORG_CHART, FORMS_INDEX=FORMS_INDEX, DOWNLOADS_PAGE=DOWNLOADS_PAGE,
        CHANGES_PAGE=CHANGES_PAGE, commit_anchor=commit_anchor, grouped=grouped,
        on_changes_page={cs.commit.short for cs in hb.history.changes},
        revision_rows=lambda item: views.revision_rows(hb, item), history_omitted_text=in_chinese,
        last_updated=lambda item: views.last_updated(hb, item),
        hashes=lambda n: Markup("#" * int(n)), indent=lambda n: Markup("    " * int(n)),
        chinese_numeral=outline.chinese_numeral, org_tree=org_tree, measure_refs=measure_refs,
        dept_colour=lambda dept_id: dept_colour(hb, dept_id), numbering=lambda: numbering.numbering(hb))
    return env


class _Memory(dict):
    """The client Jinja's memcached bytecode cache asks for (``get``, ``set``), in this process's memory."""

    set = dict.__setitem__


# Templates compiled once per process, not per Environment (every build makes new ones, ours and the theme's);
# keyed by name and source checksum
TEMPLATE_CACHE = MemcachedBytecodeCache(_Memory())


def stamp(folders: Iterable[Path], pattern: str) -> tuple:
    """Names and modification times of the files matching ``pattern`` in ``folders``: an edit changes it."""
    return tuple((str(p), p.stat().st_mtime_ns) for folder in dict.fromkeys(folders) if folder.is_dir()
                 for p in sorted(folder.rglob(pattern)))


# --------------------------------------------------------------------------- pages

LISTINGS = [("index.md.j2", HOME), ("org-chart.md.j2", ORG_CHART), ("forms-index.md.j2", FORMS_INDEX),
            ("downloads.md.j2", DOWNLOADS_PAGE), ("changes.md.j2", CHANGES_PAGE), ("maintenance.md.j2", MAINTENANCE)]


def pages(hb: Handbook, downloads: Iterable[Any], extra_dirs: Iterable[Path] = (),
          memo: dict | None = None, maintainers: bool = False) -> dict[str, str]:
    """Every page of the site as Markdown, keyed by its source path (``roles/market-manager.md``).

    ``memo`` (the preview's, kept across rebuilds; download sizes are not printed there) reuses a role page,
    and a page listing every role, while everything it prints is unchanged (the loader hands out the same
    object for an unchanged file).
    """
    env = environment(hb, Downloads(downloads), extra_dirs)
    env.globals["maintainers"] = maintainers  # the 维护指南 is a search result only where it is in the menu
    fresh: dict[str, tuple] = {}

    def render(template: str, uri: str, key: Any = None, **context: Any) -> str:
        if memo is None or key is None:
            return env.get_template(template).render(page_uri=uri, **context)
        found = memo.get(uri)
        if found is None or found[0] != key:  # keeps the role alive with its page: ids stay unique
            found = (key, context.get("role"), env.get_template(template).render(page_uri=uri, **context))
        fresh[uri] = found
        return found[2]

    shared = listed = None
    if memo is not None:  # what every page prints: site settings, templates, role names and forms (links)
        shared = (id(hb.site), stamp([*extra_dirs, OVERRIDES, TEMPLATES], "*.j2"),
                  tuple((r.id, r.title, tuple(r.aliases)) for r in hb.roles),
                  tuple((f.id, f.title, f.role) for f in hb.forms))
        # the pages listing every role print no duties or KPIs; 变更记录 is made afresh every time
        listed = (shared,
                  tuple((r.number, r.department, r.reports_to, r.reports_to_title, r.purpose, r.status)
                        for r in hb.roles),
                  tuple(id(item) for kind in KINDS if kind != "role" for item in hb.items(kind)),
                  hb.history.omitted, tuple(hb.history.of("role", r.id)[:1] for r in hb.roles))
    out = {uri: render(template, uri, None if uri == CHANGES_PAGE else listed) for template, uri in LISTINGS}
    for kind in KINDS.values():
        for item in hb.items(kind.name):
            uri, key = page_uri(kind.name, item.id), None
            if kind.name == "role" and shared:  # the role, its superior's and reports' titles, its commits
                boss = hb.superior(item)
                key = (id(item), boss and boss.title, tuple(r.title for r in hb.direct_reports(item)),
                       hb.history.of("role", item.id), shared)
            out[uri] = render(kind.template, uri, key, **{kind.name: item})
    if memo is not None:
        memo.clear()
        memo.update(fresh)
    return out
