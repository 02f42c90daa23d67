"""岗位编号: each department numbers its roles in a series (YXZX-SC-01, YXZX-SC-02…); the next free number.

``handbook new role`` gives a new role that number, and the 维护指南 page lists each department's series.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Named:
    """A department or role as HR may name it: its id, its Chinese name and other names."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    number: str = ""
    department: str = ""

    @property
    def shown(self) -> str:
        return f"{self.id} ({self.name})"


class NoSeries(Exception):
    """A department has no number to continue from and its natural series is another's: HR chooses one."""


_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def next_number(roles: list[Named], department: Named, superior: Named | None) -> str:
    """The next free 岗位编号 in the department's series, e.g. YXZX-SC-03 → YXZX-SC-04.

    A department numbers its roles as ``<prefix><digits>``. When it uses several prefixes
    (营销中心: YXZX-01 and YXZX-CH-01), the superior's series wins, else the most used one.
    A department without roles starts a series: the company part of the other numbers
    (YXZX) plus the initials of the department's name (客服部 → KF), e.g. YXZX-KF-01.
    """
    taken = {r.number for r in roles if r.number}
    series: Counter[str] = Counter()
    highest: dict[str, tuple[int, int]] = {}
    for role in roles:
        match = _NUMBERED.match(role.number)
        if role.department != department.id or not match:
            continue
        prefix, digits = match.groups()
        series[prefix] += 1
        highest[prefix] = max(highest.get(prefix, (0, 0)), (int(digits), len(digits)))
    if series:
        own = _NUMBERED.match(superior.number) if superior and superior.department == department.id else None
        prefix = own.group(1) if own and own.group(1) in series else series.most_common(1)[0][0]
        value, width = highest[prefix]
    else:
        prefix, value, width = _new_series(roles, department), 0, 2
    while True:
        value += 1
        number = f"{prefix}{value:0{width}d}"
        if number not in taken:
            return number


def numbering(hb) -> list[tuple[Named, list[str], str | None]]:
    """Per department: its 岗位编号 in use and the one ``handbook new role`` would give next (None: pass --number)."""
    roles = [Named(r.id, r.title, tuple(r.aliases), r.number or "", r.department or "") for r in hb.roles]
    rows = []
    for dept in (Named(d.id, d.name, tuple(d.aliases)) for d in hb.site.departments):
        used = sorted(r.number for r in roles if r.department == dept.id and r.number)
        try:
            following = next_number(roles, dept, None)
        except NoSeries:
            following = None
        rows.append((dept, used, following))
    return rows


def _new_series(roles: list[Named], department: Named) -> str:
    from pypinyin import Style, lazy_pinyin

    name = re.sub(r"(部|中心|室|组|科|处)$", "", department.name) or department.name
    code = "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p and p[0].isascii()
                   and p[0].isalnum()).upper()
    code = code or department.id.split("-")[0].upper()
    companies = Counter(r.number.split("-")[0] for r in roles if "-" in r.number)
    prefix = f"{companies.most_common(1)[0][0]}-{code}-" if companies else f"{code}-"
    used_elsewhere = {m.group(1) for r in roles if r.department != department.id
                      and (m := _NUMBERED.match(r.number))}
    if prefix in used_elsewhere:
        raise NoSeries(f"the numbering {prefix}… is already another department's, and {department.shown} "
                           f"has no roles to continue from — choose its 岗位编号 with --number, e.g. --number {prefix}"
                           f"{department.id.upper()[:2]}-01")
    return prefix
