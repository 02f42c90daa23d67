"""Names HR types where an id is expected (``department: 市场部``, ``reports_to: 市场部经理``: a name, title or
alias), resolved to ids once, here, so the model the renderers get holds ids only."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .errors import Problem
from .loaded import Loaded, LoadedRoot
from .messages import item_list, where
from .model import KINDS

SHOWN_CHOICES = 12


@dataclass
class Names:
    """Every way to name one kind of object → the ids it may mean."""

    what: str                     # 部门, 岗位 …, for messages
    where: str                    # where such objects are defined, for hints
    labels: dict[str, str]        # id → Chinese name, for listing choices
    by_name: dict[str, set[str]]  # id, name or alias → ids
    unknowable: bool              # a file of this kind could not be read: unknown names may be its
    held: dict[str, str] = field(default_factory=dict)  # file name → file of a draft too broken to name itself

    def choices(self, exclude: str | None = None) -> str:
        shown = [f"{i}（{label}）" if label != i else i for i, label in sorted(self.labels.items()) if i != exclude]
        return item_list(shown, SHOWN_CHOICES)

    def resolve(self, item: Loaded, loc: tuple, value: str,
                exclude: str | None = None) -> tuple[str | None, list[Problem]]:
        """The id ``value`` names, or None with the problem (none when the answer may lie in an unreadable file)."""
        ids = {value} if value in self.labels else self.by_name.get(value, set())  # an id always means itself
        if len(ids) == 1:
            return next(iter(ids)), []
        if len(ids) > 1:
            listed = "、".join(f"{i}（{self.labels[i]}）" for i in sorted(ids))
            return None, [item.doc.say(loc, "ref.ambiguous", field=where(loc), value=value, listed=listed)]
        if self.unknowable:
            return None, []
        if value in self.held:
            return None, [item.doc.say(loc, "draft.depends", field=where(loc), value=value, file=self.held[value])]
        close = difflib.get_close_matches(value, list(self.by_name), n=1, cutoff=0.6)
        guess = f"是不是想写 '{close[0]}'？" if close else ""
        return None, [item.doc.say(loc, "ref.unknown", field=where(loc), value=value, what=self.what, guess=guess,
                                   where=self.where, choices=self.choices(exclude))]


def _names(what: str, where: str, items: list[tuple[str, str, list[str]]], unknowable: bool,
           held: dict[str, str] | None = None) -> Names:
    """``items`` are (id, Chinese name, aliases)."""
    by_name: dict[str, set[str]] = {}
    for ident, name, aliases in items:
        for key in (ident, name, *aliases):
            by_name.setdefault(key, set()).add(ident)
    return Names(what, where, {ident: name for ident, name, _ in items}, by_name, unknowable, held or {})


def item_names(loaded: LoadedRoot, kind: str) -> Names:
    """Ids, titles and aliases of one kind's items (``"role"``, ``"policy"``)."""
    found = loaded.of_kind(kind)
    items = [(i.obj.id, i.obj.title if i.has("title") else i.obj.id, list(i.obj.aliases) if i.has("aliases") else [])
             for i in found if i.has("id")]
    # a draft held back by its own problems is nothing to wait for: a name only it could have is unknown
    unknowable = bool(loaded.unreadable.get(kind)) or any(not i.has("title") for i in found
                                                          if i.doc.shown_as not in loaded.drafts)
    named = {item.obj.id for item in found if item.has("id")}
    held = {path.rsplit("/", 1)[-1].split(".")[0]: path for path in loaded.drafts
            if path.rsplit("/", 1)[0] == KINDS[kind].folder and path.rsplit("/", 1)[-1].split(".")[0] not in named}
    return _names(KINDS[kind].label, KINDS[kind].folder + "/", items, unknowable, held)


def resolve(loaded: LoadedRoot) -> list[Problem]:
    """Replace every name by its id in place (objects are swapped for updated copies); return the problems."""
    problems: list[Problem] = []
    site, departments = loaded.site, None
    if site is not None and site.has("departments"):
        named = [(d.id, d.name, list(d.aliases)) for d in site.obj.departments]
        departments = _names("部门", "content/site.yml", named, unknowable=False)
        updated = []
        for index, dept in enumerate(site.obj.departments):
            if dept.parent is not None:
                ident, found = departments.resolve(site, ("departments", index, "parent"),
                                                   dept.parent, exclude=dept.id)
                problems += found
                if ident != dept.parent:
                    dept = dept.model_copy(update={"parent": ident})
            updated.append(dept)
        if any(new is not old for new, old in zip(updated, site.obj.departments)):
            _update(site, departments=updated)

    roles, policies = item_names(loaded, "role"), item_names(loaded, "policy")
    for kind, key, names in (("role", "department", departments), ("role", "reports_to", roles),
                             ("form", "role", roles), ("form", "policy", policies)):
        for item in loaded.of_kind(kind):
            if names is not None and item.has(key) and getattr(item.obj, key) is not None:
                exclude = item.obj.id if key == "reports_to" and item.has("id") else None  # not itself
                problems += _resolve_field(item, key, names, exclude)
    return problems


def _resolve_field(item: Loaded, field: str, names: Names, exclude: str | None = None) -> list[Problem]:
    ident, problems = names.resolve(item, (field,), getattr(item.obj, field), exclude)
    if ident is not None:
        _update(item, **{field: ident})
    else:
        item.broken = item.broken | {field}  # checks that follow the reference skip it
    return problems


#: (id of an object, changes) → (that object, its updated copy): while `handbook serve` hands out the same
#: objects for unchanged files, resolving their names gives the same copies, so later stages can cache by identity
_COPIES: dict[tuple, tuple] = {}


def _update(item: Loaded, **changes) -> None:
    if all(getattr(item.obj, name, None) == value for name, value in changes.items()):
        return  # already ids: keep the object
    hashable = all(isinstance(value, str) for value in changes.values())
    key = (id(item.obj), tuple(sorted(changes.items()))) if hashable else None
    found = _COPIES.get(key) if key else None
    if found is not None and found[0] is item.obj:
        item.obj = found[1]
        return
    copy = item.obj.model_copy(update=changes)
    if key:
        if len(_COPIES) > 50_000:
            _COPIES.clear()
        _COPIES[key] = (item.obj, copy)  # holds the original: its id is not reused while listed
    item.obj = copy
