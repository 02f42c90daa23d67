"""One of our own Word job descriptions, edited by HR → the changes applied to ``roles/<id>.yml``.

Only what is new is applied: a part HR edited whose text the YAML already has (the same Word copy
imported before) is left alone, and a file with nothing new says so. A part the YAML changed since
the Word file was made is refused (unless ``--force``) when HR edited it too — HR's copy would
silently undo someone else's edit — unless the YAML's change is one HR's copy still holds (an earlier
import of the same copy; the text the file was made from is found in git). The version moves with
the content (:func:`generator.history.versions.offer`). The new YAML is checked like ``handbook check``
does, in a scratch copy of the content root, before the real file is replaced (atomically).
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ...content.errors import Problem
from ...content.loader import load_item
from ...content.model import Handbook, Role
from ...documents import views
from ...documents.renderers.docx.props import (
    PROP_FIELDS,
    PROP_HASH,
    PROP_ROLE,
    PROP_SECTIONS,
    PROP_VERSION,
    canonical_line,
    field_hashes,
    parse_field_hashes,
    role_hash,
    section_hashes,
)
from ...history import git, versions
from . import ownjd, roundtrip
from .sources import Source

FIELD_NAMES = {
    "title": "岗位名称", "aliases": "别称", "number": "岗位编号", "department": "所属部门", "reports_to": "直接上级",
    "reports_to_title": "直接上级", "purpose": "岗位目的", "version": "版本", "effective": "生效日期",
    "duties": "岗位职责", "authority": "岗位权限", "relations": "工作关系", "qualifications": "任职资格",
    "kpis": "关键绩效指标", "status": "状态", "id": "岗位 id", "revisions": "修订记录",
}


@dataclass
class Result:
    role_file: Path
    shown: str                 # roles/<id>.yml as messages name it
    new_text: str | None       # None: nothing to write
    changes: list[str] = field(default_factory=list)
    not_imported: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    imported_before: list[str] = field(default_factory=list)  # parts HR edited that the YAML already says


class UpdateRefused(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def is_ours(source: Source) -> bool:
    return source.kind == "docx" and bool(source.properties.get(PROP_ROLE))


def plan(source: Source, root: Path, hb: Handbook, force: bool, existing: list[Problem] = ()) -> Result:
    role_id = source.properties[PROP_ROLE]
    role_file = root / "roles" / f"{role_id}.yml"
    shown = f"roles/{role_id}.yml"
    role = next((r for r in hb.roles if r.id == role_id), None)
    if role is None or not role_file.is_file():
        if role_file.is_file():
            raise UpdateRefused([Problem(source.shown, 1, f"{shown} 现在有错误，无法把修改导入进去",
                                         "先改正它（handbook check 列出问题），再导入")]
                                + [p for p in existing if p.path == shown])
        raise UpdateRefused([Problem(source.shown, 1, f"这份 Word 文件属于岗位 {role_id}，但 {shown} 不存在",
                                     "用 --root 指向生成它的手册文件夹；岗位已改名时先把文件改回原 id")])
    result = Result(role_file, shown, None)
    if source.pending:
        from .report import pending_note

        result.not_imported.append(pending_note(source.pending))
    edited = ownjd.read(source)
    if edited.duties is None and edited.purpose is None and edited.kpi_rows is None:
        raise UpdateRefused([Problem(source.shown, 1, "找不到“岗位目的”“岗位职责”“关键绩效指标”等标题，无法读出修改",
                                     "这些标题的文字不要改动；若文件被改坏，重新下载后再改")])
    raw = role_file.read_bytes()
    bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    src = raw.decode("utf-8-sig")
    touched = _touched(source, edited)
    already = {part for part in touched if _nothing_new(src, edited, part)}  # this copy was imported before
    result.imported_before = [FIELD_NAMES[part] for part in sorted(already)]
    touched -= already
    changed = _changed_since(source, role)
    held = _held(root, role, source, edited, touched & changed)
    overlap = sorted(touched & changed - held)
    others = changed - already - held  # what the YAML changed that this copy does not hold
    edited_words = "、".join(FIELD_NAMES[name] for name in sorted(touched))
    if overlap:
        stale = _stale_line(source, role, others)
        if not force:
            hint = (f"下载新的 Word 文件重新修改；或加 --force，用 Word 中的"
                    f"{'、'.join(FIELD_NAMES[n] for n in overlap)}覆盖 YAML 中的改动")
            raise UpdateRefused([Problem(source.shown, 1, f"{stale}；Word 中新改的部分：{edited_words}", hint)])
        result.warnings.append(f"{source.shown}: {stale}；已按 --force 导入 Word 中新改的部分（{edited_words}）")
    elif touched and others - RELEASE_FIELDS:
        result.warnings.append(f"{source.shown}: {_stale_line(source, role, others)}；YAML 的这些改动保留，"
                               f"只导入 Word 中新改的部分（{edited_words}）")
    basic = _basic_info_edits(edited, hb, role, changed)
    outcome = roundtrip.apply(src, edited, touched, basic)
    result.changes, result.not_imported = outcome.changes, result.not_imported + outcome.not_imported
    if outcome.changes and outcome.text != src:
        text = outcome.text
        offer = versions.offer(root, shown, text.encode("utf-8"), before=raw, context=hb)
        if offer is not None:
            text = roundtrip.set_version(text, offer)
            result.changes.append(_version_line(role, offer))
        _validate(root, role_file, text, shown, list(existing))
        result.new_text = bom + text  # a BOM the editor put there stays
    return result


def _version_line(role: Role, offer: versions.Offer) -> str:
    """版本 1.0 → 1.1，生效日期 …；修订记录 1.1：…"""
    said = f"版本 {role.version} → {offer.version}" if offer.version != role.version else f"版本 {offer.version}"
    if offer.effective is not None and offer.effective != role.effective:
        said += f"，生效日期 {views.effective_text(role)} → {offer.effective.isoformat()}"
    row = "修订记录 {0} 改写为" if offer.replaces else "修订记录加一行 {0}"
    return f"{said}；{row.format(offer.version)}：{offer.revision.summary}"


def _held(root: Path, role: Role, source: Source, edited: ownjd.Edited, parts: set[str]) -> set[str]:
    """The parts among ``parts`` (changed in the YAML since the Word file was made, and edited in Word) whose
    YAML change HR's copy still holds: the same Word copy was imported before and edited further since.

    Told by the text each part had when the file was made, found in the role file's git history by its
    fingerprint: every change from that text to the YAML's must be in the Word file as well."""
    if not parts:
        return set()
    repo, _ = git.repository(root)
    stamped = parse_field_hashes(source.properties.get(PROP_SECTIONS, ""))
    if repo is None or not stamped:
        return set()
    made: dict[str, list[str]] = {}
    for raw in git.file_history(repo, f"roles/{role.id}.yml"):
        then = load_item(f"roles/{role.id}.yml", raw)[0]
        if then is not None:
            texts = views.jd_section_texts(then)
            made.update({part: texts[part] for part, digest in section_hashes(texts).items()
                         if part in parts and part not in made and stamped.get(part) == digest})
    now, word = views.jd_section_texts(role), ownjd.section_texts(edited)
    return {part for part, base in made.items() if holds(base, now[part], word.get(part, []))}


def holds(base: list[str], yours: list[str], theirs: list[str]) -> bool:
    """Whether every change from ``base`` to ``yours`` is also in ``theirs`` (which may change more elsewhere).

    Lines are compared as the fingerprints compare them (spaces and widths aside). A line replaced in place
    is followed to its place in ``theirs``; an insertion or deletion must sit between the same unchanged
    neighbours there."""
    base, yours, theirs = ([canonical_line(line) for line in lines] for lines in (base, yours, theirs))
    place: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, base, theirs, autojunk=False).get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            place.update({i1 + k: j1 + k for k in range(i2 - i1)})
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, base, yours, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i2 - i1 == j2 - j1:
            if any(place.get(i1 + k) is None or theirs[place[i1 + k]] != yours[j1 + k] for k in range(i2 - i1)):
                return False
            continue
        left = place.get(i1 - 1) if i1 > 0 else -1
        right = place.get(i2) if i2 < len(base) else len(theirs)
        if left is None or right is None or theirs[left + 1:right] != yours[j1:j2]:
            return False
    return True


def _touched(source: Source, edited: ownjd.Edited) -> set[str]:
    """The parts of the JD whose text differs from when the file was made: what HR edited."""
    stamped = parse_field_hashes(source.properties.get(PROP_SECTIONS, ""))
    now = section_hashes(ownjd.section_texts(edited))
    if not stamped:  # a file made before sections were fingerprinted: every part counts as edited
        return set(now)
    return {part for part, digest in now.items() if stamped.get(part) != digest}


RELEASE_FIELDS = {"version", "effective", "revisions"}  # what an import of this copy changes besides its edits


def _nothing_new(src: str, edited: ownjd.Edited, part: str) -> bool:
    """Whether a part HR edited in Word says what the YAML says already: applying it changes nothing."""
    outcome = roundtrip.apply(src, edited, {part})
    return not outcome.changes and not outcome.not_imported


def _changed_since(source: Source, role: Role) -> set[str]:
    """The role fields the YAML changed since the Word file was made (none when it is what the file was made from)."""
    props = source.properties
    if props.get(PROP_HASH) == role_hash(role):
        return set()
    then = parse_field_hashes(props.get(PROP_FIELDS, ""))
    current = field_hashes(role)
    return {name for name in [*then, *current] if then.get(name) != current.get(name)}


def _stale_line(source: Source, role: Role, fields: set[str]) -> str:
    """这份 Word 文件按 … 生成，此后 YAML 又改过：岗位职责 不同"""
    made_from, now = source.properties.get(PROP_VERSION, "?"), role.version
    order = list(type(role).model_fields)
    words = "、".join(dict.fromkeys(FIELD_NAMES.get(name, name)
                                    for name in sorted(fields, key=lambda f: order.index(f) if f in order else 99)))
    version = f"版本 {made_from}" if made_from == now else f"版本 {made_from}（YAML 现为版本 {now}）"
    return f"这份 Word 文件按 roles/{role.id}.yml 的{version}生成，此后 YAML 又改过：{words or '内容'} 不同"


BASIC_FIELDS = {"岗位名称": "title", "岗位编号": "number", "所属部门": "department", "直接上级": "reports_to",
                "版本": "version", "生效日期": "effective"}


def _basic_info_edits(edited: ownjd.Edited, hb: Handbook, role: Role, changed: set[str]) -> roundtrip.Basic:
    """HR's edits to the 岗位基本信息 table, resolved (部门 and 直接上级 by their Chinese names) and ready to apply;
    whether the result still passes ``handbook check`` (unique titles and numbers, no cycle) is decided later."""
    from .text import normalise, parse_date

    expected = dict(views.basic_info(hb, role))
    basic = roundtrip.Basic()
    for label, value in edited.basic:
        value = " ".join(value.split())
        old = " ".join(expected.get(label, "").split())
        if label not in expected or value == old:
            continue
        if BASIC_FIELDS.get(label) in changed or (label == "直接上级" and "reports_to_title" in changed):
            continue  # the YAML changed it since the file was made; HR did not
        said = f"岗位基本信息 {label}：{old} → {value}"
        if label == "直接下级":
            basic.refused.append(f"岗位基本信息 “直接下级” 改为 “{value}” 未导入 — 直接下级由其他岗位的直接上级决定，"
                                 f"请修改那些岗位的“直接上级”")
        elif not value or value == views.NOT_YET:
            basic.refused.append(f"岗位基本信息 “{label}” 被清空 — {label}不能为空，未改动")
        elif label in ("岗位名称", "岗位编号"):
            basic.set(BASIC_FIELDS[label], value, said)
        elif label == "所属部门":
            found = [d for d in hb.site.departments if normalise(value) in {normalise(n) for n in (d.id, d.name, *d.aliases)}]
            if len(found) == 1:
                basic.set("department", found[0].id, said, chinese=found[0].name)
            else:
                choices = "、".join(f"{d.id}（{d.name}）" for d in hb.site.departments)
                basic.refused.append(f"岗位基本信息 所属部门 “{value}” 未导入 — content/site.yml 中没有这个部门；可选：{choices}")
        elif label == "直接上级":
            found = [r for r in hb.roles if r.id != role.id and normalise(value) in {normalise(n) for n in (r.id, *r.names)}]
            if value in ("—", "-", "无"):
                basic.set("reports_to", None, said)
                basic.set("reports_to_title", None, "")
            elif len(found) == 1:
                basic.set("reports_to", found[0].id, said, chinese=found[0].title)
                basic.set("reports_to_title", None, "")
            elif role.reports_to_title and not found:  # a superior outside the handbook stays outside
                basic.set("reports_to_title", value, said)
            else:
                basic.refused.append(f"岗位基本信息 直接上级 “{value}” 未导入 — 不是本手册中的岗位（写岗位名称，如 "
                                     f"{hb.roles[0].title}）；上级不在本手册中时，请在 YAML 中写 reports_to_title: {value}")
        elif label == "版本":
            if re.fullmatch(r"\d+(\.\d+)*", value):
                basic.set("version", value, said)
            else:
                basic.refused.append(f"岗位基本信息 版本 “{value}” 未导入 — 版本写成数字，如 1.1")
        elif label == "生效日期":
            date = parse_date(value)
            if date is not None:
                basic.set("effective", date, said)
            else:
                basic.refused.append(f"岗位基本信息 生效日期 “{value}” 未导入 — 写成 2027-03-01 这样的日期")
    return basic


def _validate(root: Path, role_file: Path, text: str, shown: str, existing: list[Problem]) -> None:
    """Load a scratch copy of the content root with the new file; refuse if that adds any problem."""
    from .context import errors_of, new_problems

    with tempfile.TemporaryDirectory(prefix="handbook-import-") as scratch:
        copy = Path(scratch)
        for folder in ("roles", "content"):
            if (root / folder).is_dir():
                shutil.copytree(root / folder, copy / folder)
        (copy / "roles" / role_file.name).write_text(text, encoding="utf-8")
        added = new_problems(existing, errors_of(copy))
    if added:
        problems = [Problem(p.path, p.line, f"导入后 {p.message}", p.hint) for p in added]
        raise UpdateRefused([Problem(shown, 1, "Word 中的修改导入后，内容不能通过检查，未写入",
                                     "先在 Word 中改正下面的问题再导入")] + problems)


def write(result: Result) -> None:
    """Replace the role file atomically (a crash leaves the old file, never half of the new one)."""
    fd, tmp = tempfile.mkstemp(dir=result.role_file.parent, prefix=".import-", suffix=".tmp")
    try:
        os.chmod(tmp, result.role_file.stat().st_mode & 0o777)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(result.new_text or "")
        os.replace(tmp, result.role_file)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
