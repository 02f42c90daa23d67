"""岗位编号: each department numbers its roles in a series (YXZX-SC-01, YXZX-SC-02…): the next free number
(``handbook new role``, the 维护指南 page) and how a number departs from its series (:func:`misfit`), numbers
compared as :func:`normalise` writes them (``yxzx-sc-03`` and ``YXZX—SC—03`` are ``YXZX-SC-03``)."""

from __future__ import annotations

import re
import unicodedata
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
        return f"{self.id}（{self.name}）"


class NoSeries(Exception):
    """A department has no number to continue from and its natural series is another's: HR chooses one."""


_NUMBERED = re.compile(r"^(.*?)(\d+)$")
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")  # ‐ ‑ ‒ – — ― − ﹘ ﹣ －


def normalise(number: str) -> str:
    """A 岗位编号 as numbers are compared: half-width, every dash a '-', no spaces, upper case."""
    text = _DASHES.sub("-", unicodedata.normalize("NFKC", number))
    return re.sub(r"\s+", "", text).upper()


@dataclass(frozen=True)
class Misfit:
    """How a 岗位编号 departs from its department's series (:func:`misfit`)."""

    kind: str  # spelling | width | other_series | new_series
    fixed: str = ""  # spelling, width: the number as it should be written
    what: str = ""  # spelling: what differs, in Chinese
    series: str = ""  # other_series, new_series: the prefix of the series concerned
    department: str = ""  # other_series: the department whose series it is
    example: str = ""  # width: a number of the department's series


def misfit(role: Named, roles: list[Named]) -> Misfit | None:
    """How ``role``'s 岗位编号 departs from its department's series, as the other roles' numbers show it
    (ARCHITECTURE.md, "Checking the content"); None: it does not."""
    fixed = normalise(role.number)
    found = _NUMBERED.match(fixed)
    in_use = {m.group(1) for r in roles if r.id != role.id and (m := _NUMBERED.match(normalise(r.number)))}
    # dashes, full-width letters and spaces are always a slip; lower case only in a series written upper case
    if fixed.upper() != role.number.upper() or fixed != role.number and found and found.group(1) in in_use:
        return Misfit("spelling", fixed=fixed, what=_what_differs(role.number))
    if not found:
        return None
    prefix, digits = found.groups()
    own = [m.groups() for r in roles if r.id != role.id and r.department == role.department
           and (m := _NUMBERED.match(normalise(r.number)))]
    widths = {len(d) for p, d in own if p == prefix}
    if widths:
        if len(digits) not in widths and len(widths) == 1:
            width = widths.pop()
            example = next(p + d for p, d in own if p == prefix)
            return Misfit("width", fixed=f"{prefix}{int(digits):0{width}d}", example=example)
        return None
    others = Counter(r.department for r in roles if r.department != role.department
                     and (m := _NUMBERED.match(normalise(r.number))) and m.group(1) == prefix)
    prefixes = {p for p, _ in own}
    learned = len(own) >= 2 and len(prefixes) == 1  # the department's other roles show its one series
    if others and (sum(others.values()) >= 2 or learned):
        return Misfit("other_series", series=prefix, department=others.most_common(1)[0][0])
    if learned:
        return Misfit("new_series", series=prefixes.pop())
    return None


def _what_differs(number: str) -> str:
    dash = _DASHES.search(number)
    found = [f"'{dash.group()}' 不是半角连字符 '-'" if dash else "",
             "有全角字符" if any(unicodedata.normalize("NFKC", c) != c for c in _DASHES.sub("", number)) else "",
             "有空格" if re.search(r"\s", number) else "",
             "有小写字母" if re.search("[a-z]", number) else ""]
    return "、".join(text for text in found if text) or "写法不同"


def next_number(roles: list[Named], department: Named, superior: Named | None) -> str:
    """The next free 岗位编号 in the department's series (``<prefix><digits>``), e.g. YXZX-SC-03 → YXZX-SC-04:
    of several prefixes the superior's, else the most used; a department without roles starts one."""
    taken = {normalise(r.number) for r in roles if r.number}
    series: Counter[str] = Counter()
    highest: dict[str, tuple[int, int]] = {}
    for role in roles:
        match = _NUMBERED.match(normalise(role.number))
        if role.department != department.id or not match:
            continue
        prefix, digits = match.groups()
        series[prefix] += 1
        highest[prefix] = max(highest.get(prefix, (0, 0)), (int(digits), len(digits)))
    if series:
        own = _NUMBERED.match(normalise(superior.number)) if superior and superior.department == department.id else None
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
        raise NoSeries(f"编号 {prefix}… 已是另一个部门的编号系列，{department.shown} 又没有可以接着编的岗位 — "
                       f"用 --number 指定岗位编号，如 --number {prefix}{department.id.upper()[:2]}-01")
    return prefix
