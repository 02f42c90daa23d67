"""What changed between two versions of the content, in HR's words (``大区经理 · 删除 KPI 区域回款率``).

Loaded models are compared, not YAML text, so key order and comments change nothing. :func:`compare` serves
``handbook diff``; :func:`recent` the 变更记录 page, reading only the files each recent commit touched.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .. import cachedir
from ..content import outline
from ..content.errors import ContentError
from ..content.loader import CONTENT_FOLDERS, load_handbook, load_item
from ..content.model import (
    KINDS, KPI, Change, ChangeSet, Commit, Form, Guide, Handbook, History, Policy, Role, SiteSettings, kind_at,
    kind_of,
)
from ..content.yamlsource import top_level_value
from . import git as history
from .git import GitError, Log, Repository, git

KPI_STATUS_WORDS = {"proposed": "拟定", "approved": "已确认"}
KPI_FIELDS = (("definition", "定义"), ("target", "目标值"), ("weight", "权重"), ("cycle", "考核周期"),
              ("source", "数据来源"))
RECENT_COMMITS = 20


@dataclass
class Snapshot:
    """Items by kind and id; a partial snapshot (some files only) is fine."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind → id → item
    site: SiteSettings | None = None

    @classmethod
    def of(cls, hb: Handbook) -> "Snapshot":
        return cls({kind: {item.id: item for item in hb.items(kind)} for kind in KINDS}, hb.site)

    def add(self, obj: Any) -> None:
        if isinstance(obj, SiteSettings):
            self.site = obj
        else:
            self.items.setdefault(kind_of(obj).name, {})[obj.id] = obj


class _Names:
    """Titles of roles and names of departments, from either side or the current handbook."""

    def __init__(self, *snapshots: Snapshot):  # a later snapshot's names win
        self.roles = {rid: r.title for snap in snapshots for rid, r in snap.items.get("role", {}).items()}
        self.depts = {d.id: d.name for snap in snapshots if snap.site for d in snap.site.departments}

    def role(self, role_id: str | None, outside: str | None = None) -> str:
        return self.roles.get(role_id, role_id) if role_id else (outside or "—")

    def dept(self, dept_id: str | None) -> str:
        return self.depts.get(dept_id, dept_id) if dept_id else outline.NOT_YET


# --------------------------------------------------------------------------- comparing


def compare(old: Snapshot | Handbook, new: Snapshot | Handbook, renames: dict[tuple[str, str], str] | None = None,
            context: Handbook | None = None) -> list[Change]:
    """Every difference between ``old`` and ``new``, item by item in handbook order. ``renames``: (kind, old
    id) → new id where git saw a file renamed; else an item deleted and one added with its number or title
    are one."""
    old = old if isinstance(old, Snapshot) else Snapshot.of(old)
    new = new if isinstance(new, Snapshot) else Snapshot.of(new)
    names = _Names(*([Snapshot.of(context)] if context else []), old, new)
    changes: list[Change] = []
    if old.site and new.site and old.site != new.site:
        changes += _site(old.site, new.site)
    for kind in KINDS:
        before, after = old.items.get(kind, {}), new.items.get(kind, {})
        for old_id, new_id in _pair(kind, before, after, renames or {}):
            a, b = before.get(old_id), after.get(new_id)  # never both None
            if a is None or b is None:
                changes.append(whole_item(kind, (a or b).id, (a or b).title, added=a is None))
            elif a != b:
                changes += [Change(kind=kind, id=b.id, title=b.title, text=line)
                            for line in _item_lines(kind, a, b, names)]
    return changes


def _pair(kind: str, before: dict, after: dict, renames: dict) -> list[tuple[str | None, str | None]]:
    """(old id, new id) pairs in the new side's order, then deletions; renamed items paired."""
    def same(old: str, new: str) -> bool:
        a, b = before[old], after[new]
        number = getattr(a, "number", None)
        return bool(number) and number == getattr(b, "number", None) or a.title == b.title

    matched = _twins(before, after, same, {old: new for (of_kind, old), new in renames.items() if of_kind == kind})
    back = {v: k for k, v in matched.items()}
    pairs: list[tuple[str | None, str | None]] = [(back.get(i, i if i in before else None), i) for i in after]
    pairs += [(i, None) for i in before if i not in after and i not in matched]
    return pairs


def _twins(before: dict, after: dict, same, told: dict[str, str]) -> dict[str, str]:
    """Deleted → added names that ``told`` (renames known already) or ``same`` takes for one item renamed, each
    paired once, in order."""
    gone = [i for i in before if i not in after]
    came = [i for i in after if i not in before]
    matched = {old: new for old, new in told.items() if old in gone and new in came}
    for old in gone:
        twin = next((new for new in came if new not in matched.values() and same(old, new)), None)
        if old not in matched and twin is not None:
            matched[old] = twin
    return matched


def _item_lines(kind: str, a: Any, b: Any, names: _Names) -> list[str]:
    lines: list[str] = []
    word = KINDS[kind].label
    if a.title != b.title:
        lines.append(f"{word}名称 {a.title} 改为 {b.title}")
    if a.id != b.id:
        lines.append(f"{word}代码 {a.id} 改为 {b.id}（页面地址随之改变）")
    if a.status != b.status:
        lines.append("转为草稿（不再发布）" if b.status == "draft" else "由草稿转为正式发布")
    for name, label in (("number", KINDS[kind].number_label), ("version", "版本"), ("effective", "生效日期")):
        lines += _scalar(a, b, name, label)
    lines += _DETAILS.get(kind, _other_fields)(a, b, names)
    lines += _revisions(a, b)
    return lines


def _show(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _scalar(a: Any, b: Any, name: str, label: str) -> list[str]:
    old, new = getattr(a, name, None), getattr(b, name, None)
    return [] if old == new else [f"{label} {_show(old)} → {_show(new)}"]


def quoted(text: Any) -> str:
    """A text value as a change line shows it: “…”."""
    return f"“{text}”"


def _text(a: str | None, b: str | None, label: str) -> list[str]:
    if a == b:
        return []
    if not a:
        return [f"新增{label}：{b}"]
    if not b:
        return [f"删除{label}：{a}"]
    return [f"{label}：{quoted(a)} → {quoted(b)}"]


def _list(old: list[str], new: list[str], label: str, unit: str = "") -> list[str]:
    """Numbered lists (paragraphs, points): N 改为 …, 新增 …, 删除 …, moved items said once."""
    return _sequence([(f"{i}", t) for i, t in enumerate(old, 1)], [(f"{i}", t) for i, t in enumerate(new, 1)],
                     label, unit)


def _sequence(old: list[tuple[str, str]], new: list[tuple[str, str]], label: str, unit: str) -> list[str]:
    """(number label, text) lists compared by text, so an insertion does not renumber everything after it."""
    lines: list[str] = []
    matcher = difflib.SequenceMatcher(a=[t for _, t in old], b=[t for _, t in new], autojunk=False)
    deleted: list[tuple[str, str]] = []
    inserted: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace":
            pairs = _similar_pairs([t for _, t in old[i1:i2]], [t for _, t in new[j1:j2]])
            for k, m in pairs:
                (n_old, t_old), (n_new, t_new) = old[i1 + k], new[j1 + m]
                where = n_new if n_new == n_old else f"{n_old}（现 {n_new}）"
                lines.append(f"{label} {where}：{quoted(t_old)} → {quoted(t_new)}")
            deleted += [item for k, item in enumerate(old[i1:i2]) if k not in {k for k, _ in pairs}]
            inserted += [item for m, item in enumerate(new[j1:j2]) if m not in {m for _, m in pairs}]
        elif op == "delete":
            deleted += old[i1:i2]
        else:
            inserted += new[j1:j2]
    moved = {t for _, t in deleted} & {t for _, t in inserted}
    for number, text in inserted:
        if text in moved:
            was = next(n for n, t in deleted if t == text)
            lines.append(f"{label} {was} 移至 {number}：{text}")
        else:
            lines.append(f"新增{unit or label} {number}：{text}")
    lines += [f"删除{unit or label} {number}：{text}" for number, text in deleted if text not in moved]
    return lines


def _similar_pairs(old: list[str], new: list[str], least: float = 0.4) -> list[tuple[int, int]]:
    """(old index, new index) of the texts that are one text edited, in order: a deleted item next to an
    edited one is not taken for the edited one's old text."""
    pairs: list[tuple[int, int]] = []
    start = 0
    for m, text in enumerate(new):
        scored = [(difflib.SequenceMatcher(None, old[k], text, autojunk=False).ratio(), k)
                  for k in range(start, len(old))]
        best = max(scored, default=(0.0, -1))
        if best[0] >= least:
            pairs.append((best[1], m))
            start = best[1] + 1
    return pairs


# --------------------------------------------------------------------------- roles


def _duty_lines(role: Role) -> list[tuple[str, str]]:
    """(number as printed, text) for every duty and group heading, e.g. ('3', …) or ('二、2.7)', …)."""
    items = outline.duty_outline(role)
    return [(number.rstrip(".、"), f"【{item.text}】" if item.is_heading else item.text)
            for item, number in zip(items, outline.full_labels(items))]


def _role(a: Role, b: Role, names: _Names) -> list[str]:
    lines: list[str] = []
    if set(a.aliases) != set(b.aliases):
        lines.append(f"其他称呼 {_show('、'.join(a.aliases))} → {_show('、'.join(b.aliases))}")
    if a.department != b.department:
        lines.append(f"所属部门 {names.dept(a.department)} 改为 {names.dept(b.department)}")
    if (a.reports_to, a.reports_to_title) != (b.reports_to, b.reports_to_title):
        lines.append(f"直接上级 {names.role(a.reports_to, a.reports_to_title)} 改为 "
                     f"{names.role(b.reports_to, b.reports_to_title)}")
    lines += _text(a.purpose, b.purpose, "岗位目的")
    if a.duties != b.duties:
        lines += _sequence(_duty_lines(a), _duty_lines(b), "岗位职责", "职责")
    lines += _kpis(a, b)
    return lines


def _kpis(a: Role, b: Role) -> list[str]:
    if a.kpis == b.kpis:
        return []
    if a.kpis is None:
        return [f"新增关键绩效指标 {len(b.kpis.items)} 项：" + "、".join(k.name for k in b.kpis.items)]
    if b.kpis is None:
        return ["删除全部关键绩效指标"]
    lines: list[str] = []
    if a.kpis.status != b.kpis.status:
        lines.append(f"KPI 状态 {KPI_STATUS_WORDS[a.kpis.status]} → {KPI_STATUS_WORDS[b.kpis.status]}")
    lines += _text(a.kpis.note, b.kpis.note, "KPI 说明")
    old = {k.name: k for k in a.kpis.items}
    new = {k.name: k for k in b.kpis.items}
    renamed = _twins(old, new, lambda o, n: old[o].definition == new[n].definition, {})
    back = {n: o for o, n in renamed.items()}
    for kpi in b.kpis.items:
        before = old.get(kpi.name) or old.get(back.get(kpi.name, ""))
        if before is None:
            lines.append(f"新增 KPI {kpi.name}（权重 {outline.weight_text(kpi)}，目标值 {kpi.target}）")
            continue
        if before.name != kpi.name:
            lines.append(f"KPI 名称 {before.name} 改为 {kpi.name}")
        lines += [f"KPI {kpi.name}：{line}" for line in _kpi_fields(a, b, before, kpi)]
    lines += [f"删除 KPI {name}" for name in old if name not in new and name not in renamed]
    return lines


def _kpi_fields(role_a: Role, role_b: Role, a: KPI, b: KPI) -> list[str]:
    lines = []
    for name, label in KPI_FIELDS:
        old, new = getattr(a, name), getattr(b, name)
        if old == new:
            continue
        if name == "weight":
            lines.append(f"{label} {outline.percent(old)} → {outline.percent(new)}")
        elif name == "definition":
            lines.append(f"{label}：{quoted(old)} → {quoted(new)}")
        else:
            lines.append(f"{label} {old} → {new}")
    old_refs, new_refs = outline.kpi_measures(role_a, a), outline.kpi_measures(role_b, b)
    if a.measures != b.measures and old_refs != new_refs:
        lines.append(f"考核职责 {' '.join(old_refs) or '（无）'} → {' '.join(new_refs) or '（无）'}")
    return lines


# --------------------------------------------------------------------------- policies, guides, forms


def _blocks(policy: Policy) -> list[tuple[str, str]]:
    """Every paragraph of a policy as (section number, text)."""
    lines = []
    for s, section in enumerate(policy.sections, 1):
        where = f"第{outline.chinese_numeral(s)}部分"
        texts = [f"【{section.heading}】"] if section.heading else []
        for block in section.body:
            texts += [block] if isinstance(block, str) else block.list if hasattr(block, "list") \
                else [next(iter(block.model_dump().values()))]
        lines += [(where, text) for text in texts]
    return lines


def _policy(a: Policy, b: Policy, names: _Names) -> list[str]:
    lines = _list(a.preamble, b.preamble, "前言段落")
    if a.sections != b.sections:
        lines += _sequence(_blocks(a), _blocks(b), "条文", "条文")
    lines += [f"新增定点招待地点 {v}" for v in b.venues if v not in a.venues]
    lines += [f"删除定点招待地点 {v}" for v in a.venues if v not in b.venues]
    if a.meal_standard != b.meal_standard:
        lines.append(f"点餐标准：{_meal(a)} → {_meal(b)}")
    lines += _text(a.closing_note, b.closing_note, "附注")
    if a.attachments != b.attachments:
        lines.append(f"附件表单 {_show('、'.join(a.attachments))} → {_show('、'.join(b.attachments))}")
    return lines


def _meal(policy: Policy) -> str:
    meal = policy.meal_standard
    return quoted(f"{meal.rule}（另加 {meal.extra_dishes} 个菜）") if meal else "（无）"


def _guide(a: Guide, b: Guide, names: _Names) -> list[str]:
    return _list(a.intro, b.intro, "引言段落") + _list(a.points, b.points, "要点")


def _form(a: Form, b: Form, names: _Names) -> list[str]:
    lines = _list(a.instructions, b.instructions, "填表说明")
    old = {(s.heading, f.label): f for s in a.sections for f in s.fields}
    new = {(s.heading, f.label): f for s in b.sections for f in s.fields}
    lines += [f"新增栏目 {'·'.join(key)}" for key in new if key not in old]
    lines += [f"删除栏目 {'·'.join(key)}" for key in old if key not in new]
    for key, f in new.items():
        if key in old and old[key] != f:
            lines += [f"栏目 {'·'.join(key)} 的{line}" for line in _fields(old[key], f)]
    if [s.heading for s in a.sections] != [s.heading for s in b.sections] and not lines:
        lines.append("栏目分组调整")
    lines += _text(a.footer_note, b.footer_note, "表尾说明")
    if a.policy != b.policy:
        lines.append(f"所属制度 {_show(a.policy)} → {_show(b.policy)}")
    if a.role != b.role:
        lines.append(f"使用岗位 {names.role(a.role)} → {names.role(b.role)}")
    return lines


_COMMON = {"id", "title", "status", "number", "version", "effective", "revisions"}  # worded by _item_lines


def _other_fields(a: Any, b: Any, names: _Names) -> list[str]:
    """A kind with no wording of its own: the fields that changed, old → new."""
    return _fields(a, b, skip=_COMMON)


def _fields(a: Any, b: Any, skip: Iterable[str] = ()) -> list[str]:
    """``名称：old → new`` for every field of two objects of one model that differs; a field is named by its
    Chinese title where the model gives one, else as the YAML spells it."""
    lines = []
    for name, info in type(b).model_fields.items():
        old, new = getattr(a, name, None), getattr(b, name, None)
        if name in skip or old == new:
            continue
        text = any(isinstance(v, str) and len(v) > 12 for v in (old, new))  # a text: both sides quoted
        shown = [_show("、".join(map(_value, v)) if isinstance(v, list) else _value(v, text)) for v in (old, new)]
        lines.append(f"{info.title or name}：{shown[0]} → {shown[1]}")
    return lines


def _value(value: Any, text: bool = False) -> str:
    if hasattr(value, "model_dump"):
        return "，".join(f"{k} {v}" for k, v in value.model_dump(exclude_defaults=True).items())
    if isinstance(value, str) and value and (text or len(value) > 12):
        return quoted(value)
    return _show(value)


_DETAILS = {"role": _role, "policy": _policy, "guide": _guide, "form": _form}  # kinds with wording of their own


def _revisions(a: Any, b: Any) -> list[str]:
    old = {(r.version, r.date) for r in a.revisions}
    return [f"新增修订记录 {r.version}（{r.date.isoformat()}）：{r.summary}"
            for r in b.revisions if (r.version, r.date) not in old]


def _site(a: SiteSettings, b: SiteSettings) -> list[Change]:
    lines = []
    if a.handbook_title != b.handbook_title:
        lines.append(f"手册名称 {a.handbook_title} 改为 {b.handbook_title}")
    old = {d.id: d.name for d in a.departments}
    new = {d.id: d.name for d in b.departments}
    lines += [f"新增部门 {name}" for i, name in new.items() if i not in old]
    lines += [f"删除部门 {name}" for i, name in old.items() if i not in new]
    lines += [f"部门名称 {old[i]} 改为 {name}" for i, name in new.items() if i in old and old[i] != name]
    for label, before, after in (("公司名称", a.company, b.company), ("公司 logo", a.logo, b.logo),
                                 ("品牌色", a.brand_color, b.brand_color)):
        if before != after:
            lines.append(f"新增{label} {after}" if before is None else f"删除{label} {before}" if after is None
                         else f"{label} {before} 改为 {after}")
    if not lines:
        lines += _fields(a, b, skip={"handbook_title", "departments", "company", "logo", "brand_color"})
    return [Change(kind="site", id="site", title="手册设置", text=line) for line in lines]


# --------------------------------------------------------------------------- as text


def line(change: Change) -> str:
    """``大区经理 · 删除 KPI 区域回款率``; additions and deletions of whole items stand alone."""
    word = KINDS[change.kind].label if change.kind in KINDS else None
    if word and change.text.startswith(("新增" + word, "删除" + word)) and change.text.endswith(change.title):
        return change.text
    return f"{change.title} · {change.text}"


def as_text(changes: Iterable[Change]) -> str:
    rows = [line(c) for c in changes]
    return "\n".join(rows) + "\n" if rows else "没有内容变更。\n"


def as_markdown(changes: list[Change], old_label: str, new_label: str) -> str:
    """Grouped by item, ready to paste into a review."""
    out = [f"### 内容变更：{old_label} → {new_label}", ""]
    if not changes:
        return "\n".join(out + ["没有内容变更。", ""])
    for kind, _, title, texts in grouped(changes):
        out += [f"**{_md(title)}**（{KINDS[kind].label if kind in KINDS else '设置'}）", ""]
        out += [f"- {_md(text)}" for text in texts] + [""]
    return "\n".join(out[:-1]) + "\n"


def grouped(changes: Iterable[Change]) -> list[tuple[str, str, str, list[str]]]:
    """(kind, id, title, lines) per item, in the order the comparison found them."""
    groups: dict[tuple[str, str], tuple[str, str, str, list[str]]] = {}
    for change in changes:
        key = (change.kind, change.id)
        groups.setdefault(key, (*key, change.title, []))[3].append(change.text)
    return list(groups.values())


def _md(text: str) -> str:
    """Markdown-safe text: the characters that would format are backslash-escaped."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+-.!|~" else ch for ch in text)


# --------------------------------------------------------------------------- recent commits


def recent(repo: Repository, log: Log, context: Handbook | None = None, limit: int = RECENT_COMMITS,
           cache_dir: Path | None = None, shared: bool = False) -> list[ChangeSet]:
    """The last ``limit`` commits that changed content, each compared with its parent file by file: blobs
    read with one ``git cat-file --batch``, each parsed once; a file added or deleted whole read for its id
    and title alone; a file that does not load at a commit skipped with one line."""
    commits = log.commits[:limit]
    cache = _ChangeCache(cache_dir, context, shared)
    done = {c.sha: cache.get(c) for c in commits}
    todo = [c for c in commits if done[c.sha] is None]
    wanted: list[tuple[str, str]] = []  # (rev, path)
    for commit in todo:
        for status, path, old in log.touched[commit.sha]:
            if status != "A":
                wanted.append((f"{commit.sha}^", old))
            if status != "D":
                wanted.append((commit.sha, path))
    try:
        blobs = history.blobs(repo, wanted)
    except GitError:
        blobs = {}
    parsed: dict[str, tuple[Any, list]] = {}  # blob id → (object, errors)
    for commit in todo:
        done[commit.sha] = cache.put(_commit_changes(commit, log.touched[commit.sha], blobs, parsed, context))
    cache.prune(commits)
    return [done[c.sha] for c in commits]


class _ChangeCache:
    """A commit never changes, so neither does what it changed: kept as JSON between builds, keyed by the
    commit, the tool's code and the role titles and department names the lines borrow (直接上级 A 改为 B)."""

    def __init__(self, folder: Path | None, context: Handbook | None, shared: bool = False):
        self.folder, self.shared = folder, shared
        if folder is not None:
            digest = hashlib.sha256(cachedir.package_digest().encode())
            if context is not None:
                names = [[r.id, r.title] for r in context.roles]
                names += [[d.id, d.name] for d in context.site.departments]
                digest.update(json.dumps(names, ensure_ascii=False).encode())
            self.stamp = digest.hexdigest()[:16]

    def _path(self, sha: str) -> Path:
        return self.folder / f"changes-{sha}-{self.stamp}.json"

    def get(self, commit: Commit) -> ChangeSet | None:
        try:
            return ChangeSet.model_validate_json(self._path(commit.sha).read_bytes()) if self.folder else None
        except (OSError, ValueError):
            return None

    def prune(self, commits: list[Commit]) -> None:
        """Keep only the files of the commits listed now: the cache stays at ``limit`` files
        (a shared cache keeps other roots' files until they expire)."""
        if self.folder is None or not self.folder.is_dir():
            return
        keep = {self._path(c.sha).name for c in commits}
        others = []
        for path in self.folder.glob("changes-*"):
            if path.name in keep:
                os.utime(path)  # used now: a shared cache keeps it
            else:
                others.append(path)
        for path in cachedir.expired(others) if self.shared else others:
            path.unlink(missing_ok=True)

    def put(self, change_set: ChangeSet) -> ChangeSet:
        try:
            if self.folder is not None:
                self.folder.mkdir(parents=True, exist_ok=True)
                data = change_set.model_dump_json().encode()
                cachedir.write_atomically(self._path(change_set.commit.sha), data)
        except OSError:  # a read-only cache only costs time
            pass
        return change_set


def _whole(kind: str, raw: bytes, added: bool) -> Change | None:
    """新增/删除 a whole item from its top-level id and title lines alone; None when they are not plain lines."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # the full road says what is wrong with it
        return None
    item_id, title = ((top_level_value(text, key) or "").strip() for key in ("id", "title"))
    return whole_item(kind, item_id, title, added) if item_id and title else None


def whole_item(kind: str, item_id: str, title: str, added: bool) -> Change:
    """新增岗位 大客户经理 / 删除制度 …: an item added or deleted as a whole."""
    return Change(kind=kind, id=item_id, title=title, text=f"{'新增' if added else '删除'}{KINDS[kind].label} {title}")


def _commit_changes(commit: Commit, touched: list[tuple[str, str, str]], blobs: dict, parsed: dict,
                    context: Handbook | None) -> ChangeSet:
    old, new = Snapshot(), Snapshot()
    renames: dict[tuple[str, str], str] = {}
    problems: list[str] = []
    whole: list[Change] = []
    # an addition and a deletion of one kind in one commit may be a rename git did not see: compare them fully
    kinds = {(status, _kind_of_path(path)) for status, path, _ in touched}
    for status, path, before in touched:
        kind = _kind_of_path(path)
        if status in ("A", "D") and kind and ("D" if status == "A" else "A", kind) not in kinds:
            blob = blobs.get((commit.sha, path) if status == "A" else (f"{commit.sha}^", before))
            change = _whole(kind, blob[1], status == "A") if blob else None
            if change is not None:
                whole.append(change)
                continue
        loaded, failed = [], False
        for side, rev, name in ((old, f"{commit.sha}^", before), (new, commit.sha, path)):
            blob = blobs.get((rev, name))
            if blob is None:
                continue
            if blob[0] not in parsed:
                parsed[blob[0]] = load_item(name, blob[1])
            obj, errors = parsed[blob[0]]
            if errors:
                first = errors[0]
                problems.append(f"提交 {commit.short} 中的 {first.path}:{first.line} 无法读取（{first.message}），已跳过")
                failed = True
            elif obj is not None:
                loaded.append((side, obj))
        if failed:  # one side unreadable: comparing the other with nothing would report it new or deleted
            continue
        for side, obj in loaded:
            side.add(obj)
        renames.update(_rename(status, path, before))
    found = whole + compare(old, new, renames, context)
    order = {k: i for i, k in enumerate(("site", *KINDS))}
    found.sort(key=lambda c: order[c.kind])  # stable: each kind keeps the comparison's order
    return ChangeSet(commit=commit, changes=tuple(found), problems=tuple(dict.fromkeys(problems)))


def with_history(hb: Handbook, root: Path, limit: int = RECENT_COMMITS, cache_dir: Path | None = None,
                 shared: bool = False) -> Handbook:
    """``hb`` with its git history attached: per-file commits and the recent changes, expanded; none when the
    content root keeps its 修订记录 by hand (site.yml ``history: authored``)."""
    if hb.site.history == "authored":
        return hb.model_copy(update={"history": History(omitted=history.AUTHORED_ONLY)})
    found, log, repo = history.read(root)
    if log is not None and repo is not None:
        found = found.model_copy(update={"changes": tuple(recent(repo, log, hb, limit, cache_dir, shared))})
    return hb.model_copy(update={"history": found})


# --------------------------------------------------------------------------- handbook diff

LAST_COMMIT, WORKING_TREE = "上次提交", "当前"


class DiffError(Exception):
    """One line for `handbook diff`: no repository, a bad revision, content that does not load."""


def load_at(repo: Repository, rev: str, dest: Path) -> Handbook:
    """The whole handbook as it was at ``rev``, loaded from a temporary copy (nothing checked out)."""
    history.materialise(repo, rev, dest)
    return _load(dest, f"提交 {rev[:7]} 中的内容")


def _load(root: Path, what: str) -> Handbook:
    try:
        return load_handbook(root)
    except ContentError as exc:
        first = exc.problems[0] if exc.problems else "没有内容"
        more = f"（另有 {len(exc.problems) - 1} 处问题）" if len(exc.problems) > 1 else ""
        raise DiffError(f"{what}读不出来：{first}{more}") from None


def renames_between(repo: Repository, old_rev: str, new_rev: str | None) -> dict[tuple[str, str], str]:
    """(kind, old id) → new id for content files git sees renamed between two revisions (or the working tree)."""
    args = ["diff", "-M", "--raw", "-z", "--relative", old_rev] + ([new_rev] if new_rev else [])
    try:
        fields = git(repo.root, *args, "--", *CONTENT_FOLDERS).decode("utf-8", "replace").split("\0")
    except GitError:
        return {}
    found = {}
    for status, new, old, _ in history.raw_entries(fields):
        found.update(_rename(status, new, old))
    return found


def _rename(status: str, path: str, before: str) -> dict[tuple[str, str], str]:
    """{(kind, old id): new id} when git saw a content file renamed within its kind, else {}."""
    kind = _kind_of_path(path)
    if status == "R" and kind and _kind_of_path(before) == kind:
        return {(kind, Path(before).stem): Path(path).stem}
    return {}


def _kind_of_path(path: str) -> str | None:
    kind = kind_at(path)
    return kind.name if kind else None


def _label(root: Path, rev: str, sha: str, authored: bool) -> str:
    """How HR knows a commit: 上次提交（2027-03-15 大区经理：调整考核权重）; another revision by its own name.
    A root that keeps its 修订记录 by hand (``history: authored``) shows no commit's words, only its date."""
    date, _, subject = git(root, "log", "-1", "--format=%as%x1f%s", sha).decode("utf-8", "replace").strip() \
        .partition("\x1f")
    return f"{LAST_COMMIT if rev == 'HEAD' else rev}（{date if authored else f'{date} {subject}'}）"


def diff(root: Path, old_rev: str | None = None, new_rev: str | None = None) -> tuple[list[Change], str, str]:
    """Changes from ``old_rev`` (default HEAD) to ``new_rev`` (default: the working tree), with their labels."""
    repo, why = history.repository(root)
    if repo is None and not why.startswith("shallow clone"):
        raise DiffError(f"无法比较：{history.in_chinese(why)}（{why}）")
    if repo is None:  # a shallow clone still has the commits it has
        prefix = git(root, "rev-parse", "--show-prefix").decode().strip()
        repo = Repository(Path(root), prefix)
    try:
        old_sha = history.resolve(root, old_rev or "HEAD")
        new_sha = history.resolve(root, new_rev) if new_rev else None
    except GitError as exc:
        raise DiffError(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="handbook-diff-") as tmp:
        old = load_at(repo, old_sha, Path(tmp) / "old")
        new = load_at(repo, new_sha, Path(tmp) / "new") if new_sha else _load(root, "当前的内容")
    authored = new.site.history == "authored"
    old_label = _label(root, old_rev or "HEAD", old_sha, authored)
    new_label = _label(root, new_rev, new_sha, authored) if new_sha else WORKING_TREE
    return compare(old, new, renames_between(repo, old_sha, new_sha), new), old_label, new_label
