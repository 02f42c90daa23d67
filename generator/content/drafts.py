"""Drafts (``status: draft``): in the preview, never in the published handbook, which :func:`published` makes
once, before anything is planned or rendered, as if the drafts did not exist (what that means for what is
left: ARCHITECTURE.md, "History and drafts in the pipeline")."""

from __future__ import annotations

from .model import KINDS, Handbook, History, Role, source_path

DRAFT = "draft"
BANNER_TITLE = "草稿"
BANNER_TEXT = "本页为草稿，尚未发布：只在预览（handbook serve）和 handbook build --drafts 中出现，正式发布的手册中没有此页。"
STILL_MISSING = "发布前还要填写："
WATERMARK = "草稿"
TITLE_SUFFIX = "（草稿）"


# Fields a draft may still lack (an imported JD rarely has them); a published role needs them.
DRAFT_MAY_LACK = {"number": "岗位编号", "department": "所属部门", "purpose": "岗位目的", "effective": "生效日期",
                  "kpis": "关键绩效指标"}


def is_draft(item) -> bool:
    return getattr(item, "status", "published") == DRAFT


def still_missing(item) -> list[str]:
    """What a draft still lacks, in Chinese, e.g. ['岗位目的', '生效日期']: its banner lists them, check notes them."""
    if not isinstance(item, Role):
        return []
    return [label for field, label in DRAFT_MAY_LACK.items() if getattr(item, field) is None]


def draft_ids(hb: Handbook) -> dict[str, list[str]]:
    """kind → ids of its drafts, for summaries ("2 drafts left out")."""
    return {kind: [i.id for i in hb.items(kind) if is_draft(i)] for kind in KINDS}


def select(hb: Handbook, include_drafts: bool) -> Handbook:
    """The handbook to build: everything for a preview, :func:`published` otherwise."""
    return hb if include_drafts else published(hb)


_last: tuple = (None, None)  # (handbook, published handbook): the documents ask once per output and document


def published(hb: Handbook) -> Handbook:
    """``hb`` without its drafts, reporting lines and links mended."""
    global _last
    last = _last
    if last[0] is hb:
        return last[1]
    drafts = {(kind, item.id) for kind in KINDS for item in hb.items(kind) if is_draft(item)}
    result = hb
    if drafts:
        kept = leave_out({name: hb.items(name) for name in KINDS}, drafts)
        result = hb.model_copy(update={**kept, "history": _published_history(hb)})
    _last = (hb, result)
    return result


def leave_out(items: dict[str, list], gone: set[tuple[str, str]]) -> dict[str, list]:
    """Per kind (``"role"`` …) its items → per kind's list (``roles`` …) those not ``gone`` ((kind, id) pairs),
    reporting lines and links mended (also for drafts the loader holds back for their problems)."""
    kept = {KINDS[name].plural: [i for i in found if (name, i.id) not in gone] for name, found in items.items()}
    by_id = {r.id: r for r in items.get("role", [])}
    left = {item_id for kind, item_id in gone if kind == "role"}
    roles = kept["roles"] = [_relink(role, by_id, left) for role in kept.get("roles", [])]
    role_ids, form_ids = {r.id for r in roles}, {f.id for f in kept.get("forms", [])}
    kept["forms"] = [f if f.role is None or f.role in role_ids else f.model_copy(update={"role": None})
                     for f in kept.get("forms", [])]
    kept["policies"] = [p if set(p.attachments) <= form_ids
                        else p.model_copy(update={"attachments": [a for a in p.attachments if a in form_ids]})
                        for p in kept.get("policies", [])]
    return kept


def _published_history(hb: Handbook) -> History:
    """History without the drafts' files, and 变更记录 without a line about (or naming) a draft (a commit left
    with nothing to show is dropped with its subject)."""
    hidden = {(kind, item.id): item.title for kind in KINDS for item in hb.items(kind) if is_draft(item)}
    titles = list(hidden.values())
    paths = [source_path(kind, item_id) for kind, item_id in hidden]
    files = {path: commits for path, commits in hb.history.files.items() if path not in paths}
    sets = []
    for change_set in hb.history.changes:
        kept = tuple(c for c in change_set.changes
                     if (c.kind, c.id) not in hidden and not any(t in c.text or t == c.title for t in titles))
        problems = tuple(p for p in change_set.problems if not any(t in p for t in titles + paths))
        if kept or problems or not change_set.changes:
            sets.append(change_set.model_copy(update={"changes": kept, "problems": problems}))
    return hb.history.model_copy(update={"files": files, "changes": tuple(sets)})


def _relink(role: Role, by_id: dict[str, Role], gone: set[str]) -> Role:
    """Skip superiors left out: report to the first role up the chain that stays (or its outside title)."""
    superior, seen = role.reports_to, {role.id}
    changed = False
    while superior in by_id and superior in gone and superior not in seen:
        seen.add(superior)
        draft = by_id[superior]
        changed = True
        if draft.reports_to is None:
            return role.model_copy(update={"reports_to": None, "reports_to_title": draft.reports_to_title})
        superior = draft.reports_to
    return role.model_copy(update={"reports_to": superior}) if changed else role
