"""Applying HR's Word edits to ``roles/<id>.yml`` without disturbing anything else in the file.

ruamel.yaml's round-trip mode keeps comments, key order, quoting and flow lists; only the values
HR changed are assigned. Duties are matched old ↔ new by text (exact first, then moved, then
similar in the same place), so a duty whose text is unchanged keeps its ``id`` and its comments
wherever it moved, and an edited duty keeps its ``id`` too (KPIs keep measuring it).

As a last guard, when ruamel would reformat a line HR did not touch, the change is transplanted
line by line onto the original text, so untouched lines stay byte-identical.
"""

from __future__ import annotations

import difflib
import io
import re
import unicodedata
from dataclasses import dataclass, field

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ...content import outline
from ...documents import views
from .ownjd import KPI_FIELDS, Edited, Node
from .text import normalise

KPI_LABELS = dict(zip(KPI_FIELDS, ("名称", "定义/计算公式", "目标值", "权重", "考核周期", "数据来源")))
SIMILAR = 0.45


@dataclass
class Basic:
    """Edits to the 岗位基本信息 table: field → value (None removes the field), and the edits refused."""

    values: dict[str, object] = field(default_factory=dict)
    chinese: dict[str, str] = field(default_factory=dict)   # the same value as a name, for a file that uses names
    said: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def set(self, key: str, value, said: str, chinese: str | None = None) -> None:
        self.values[key] = value
        if chinese:
            self.chinese[key] = chinese
        if said:
            self.said.append(said)


# Where a field HR adds goes: after the last of these that the file has.
ROLE_KEYS = ("id", "status", "title", "aliases", "number", "department", "reports_to", "reports_to_title", "purpose",
             "version", "effective", "revisions", "duties")


@dataclass
class Outcome:
    text: str                                            # the new YAML text
    changes: list[str] = field(default_factory=list)     # in HR's words
    not_imported: list[str] = field(default_factory=list)  # edits that could not be applied, and why


def _yaml(src: str) -> YAML:
    """A round-trip YAML whose indentation reproduces ``src`` exactly when some setting can."""
    from ruamel.yaml.util import load_yaml_guess_indent

    _, guessed, offset = load_yaml_guess_indent(src)
    guessed = guessed or 2
    offset = offset if offset is not None else 0
    tries = [(2, 4, 2), (2, 2, 0), (guessed, guessed, offset), (2, guessed, offset), (4, 4, 2), (4, 6, 4)]
    first = None
    for mapping, sequence, dash in tries:
        if sequence < dash + 2:
            continue
        y = YAML()
        y.preserve_quotes = True
        y.width = 1 << 20  # never fold a long duty onto two lines
        y.indent(mapping=mapping, sequence=sequence, offset=dash)
        first = first or y
        if _dump(y, y.load(src)) == src:
            return y
    return first


def _dump(y: YAML, data) -> str:
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def apply(src: str, edited: Edited, only: set[str] | None = None, basic: Basic | None = None) -> Outcome:
    """Apply the edits of the parts named in ``only`` (all when None: purpose, duties, kpis, authority,
    relations, qualifications) and of the 岗位基本信息 table; a file saved with Windows line ends keeps them."""
    if "\r\n" in src:
        outcome = apply(src.replace("\r\n", "\n"), edited, only, basic)
        outcome.text = outcome.text.replace("\n", "\r\n") if outcome.changes else src
        return outcome
    y = _yaml(src)
    data = y.load(src)
    baseline = _dump(y, data)
    outcome = Outcome(src)
    def wanted(part: str) -> bool:
        return only is None or part in only

    if basic is not None:
        _basic(data, basic, outcome)
    if edited.purpose is not None and wanted("purpose"):
        _purpose(data, edited.purpose, outcome)
    if edited.duties is not None and wanted("duties"):
        deleted_ids: list[str] = []
        _duties(data["duties"], edited.duties, (), outcome, deleted_ids)
        _drop_measures(data, deleted_ids, outcome)
    if edited.kpi_rows is not None and isinstance(data.get("kpis"), dict) and wanted("kpis"):
        _kpis(data, edited, outcome)
    _extras(data, edited, outcome, wanted)
    if not outcome.changes:
        return outcome
    changed = _dump(y, data)
    outcome.text = changed if baseline == src else _transplant(src, baseline, changed)
    return outcome


def set_version(src: str, offer) -> str:
    """``src`` with the version, 生效日期 and 修订记录 row of a :class:`generator.history.versions.Offer`: the row
    replaces the one of the same version, else goes first (last in a list kept oldest first)."""
    if "\r\n" in src:
        return set_version(src.replace("\r\n", "\n"), offer).replace("\n", "\r\n")
    y = _yaml(src)
    data = y.load(src)
    baseline = _dump(y, data)
    basic = Basic()
    basic.set("version", offer.version, "")
    if offer.effective is not None:
        basic.set("effective", _own(offer.effective), "")
    _basic(data, basic, Outcome(src))
    row = CommentedMap(offer.revision.model_dump(exclude_none=True))
    row["version"], row["date"] = DoubleQuotedScalarString(offer.version), _own(offer.revision.date)
    rows = data.get("revisions")
    if not isinstance(rows, list):
        keys = list(data.keys())
        data.insert(keys.index("effective") + 1 if "effective" in keys else len(keys), "revisions", CommentedSeq([row]))
    else:
        same = next((i for i, r in enumerate(rows) if str(r.get("version")) == offer.version), None)
        if same is not None:
            rows[same] = row
        elif len(rows) > 1 and str(rows[0].get("date")) < str(rows[-1].get("date")):
            rows.append(row)
        else:
            rows.insert(0, row)
    changed = _dump(y, data)
    return changed if baseline == src else _transplant(src, baseline, changed)


def _own(day):
    """A date object of its own: ruamel writes one object used twice as an anchor and an alias."""
    return type(day).fromordinal(day.toordinal())


def _transplant(original: str, baseline: str, changed: str) -> str:
    """Apply the baseline → changed line edits to the original text (same line count assumed)."""
    a, b, o = baseline.splitlines(True), changed.splitlines(True), original.splitlines(True)
    if len(a) != len(o):
        return changed
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        out += o[i1:i2] if tag == "equal" else b[j1:j2]
    return "".join(out)


def _same(a, b) -> bool:
    return " ".join(str(a).split()) == " ".join(str(b).split())


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --------------------------------------------------------------------------- 岗位基本信息


def _basic(data, basic: Basic, outcome: Outcome) -> None:
    for key, value in basic.values.items():
        if value is None:
            if key in data:
                del data[key]
            continue
        old = data.get(key)
        if key in basic.chinese and old is not None and not re.fullmatch(r"[a-z0-9-]+", str(old)):
            value = basic.chinese[key]  # the file names it in Chinese: keep doing so
        if key == "version":
            value = DoubleQuotedScalarString(value)
        if key in data:
            data[key] = value
        else:
            keys = list(data.keys())
            before = [k for k in ROLE_KEYS[:ROLE_KEYS.index(key)] if k in keys]
            data.insert(keys.index(before[-1]) + 1 if before else 0, key, value)
    outcome.changes += basic.said
    outcome.not_imported += basic.refused


# --------------------------------------------------------------------------- purpose


def _purpose(data, new: str, outcome: Outcome) -> None:
    if not new.strip():
        if data.get("purpose"):
            outcome.not_imported.append("岗位目的 在 Word 中被清空 — 岗位目的不能为空，未改动")
        return
    if "purpose" not in data:  # a draft without one: place it where the README's example has it
        keys = list(data.keys())
        position = next((keys.index(k) for k in ("version", "effective", "duties") if k in keys), len(keys))
        data.insert(position, "purpose", new.strip())
        outcome.changes.append(f"新增岗位目的：{_short(new)}")
    elif not _same(data.get("purpose") or "", new):
        data["purpose"] = new.strip()
        outcome.changes.append(f"岗位目的 改为：{_short(new)}")


# --------------------------------------------------------------------------- duties


@dataclass
class _Old:
    index: int
    kind: str
    text: str
    obj: object


def _olds(seq) -> list[_Old]:
    found = []
    for i, item in enumerate(seq):
        if isinstance(item, str):
            found.append(_Old(i, "duty", item, item))
        elif isinstance(item, dict) and "heading" in item:
            found.append(_Old(i, "group", str(item["heading"]), item))
        else:
            found.append(_Old(i, "duty", str(item.get("text", "")), item))
    return found


def _match(old: list[_Old], new: list[Node]) -> dict[int, int]:
    """new index → old index."""
    key_old = [(o.kind, normalise(o.text)) for o in old]
    key_new = [(n.kind, normalise(n.text)) for n in new]
    pairs: dict[int, int] = {}
    for block in difflib.SequenceMatcher(None, key_old, key_new, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            pairs[block.b + k] = block.a + k
    used = set(pairs.values())
    for j, key in enumerate(key_new):  # moved, unchanged
        if j not in pairs:
            i = next((i for i, k in enumerate(key_old) if k == key and i not in used), None)
            if i is not None:
                pairs[j] = i
                used.add(i)

    def gap(index: int, matched: set[int]) -> int:
        return sum(1 for m in matched if m < index)

    free_old = [i for i in range(len(old)) if i not in used]
    free_new = [j for j in range(len(new)) if j not in pairs]
    matched_old, matched_new = set(used), set(pairs)
    candidates = []
    for j in free_new:
        same_gap = [i for i in free_old if gap(i, matched_old) == gap(j, matched_new) and old[i].kind == new[j].kind]
        for i in free_old:
            if old[i].kind != new[j].kind:
                continue
            score = difflib.SequenceMatcher(None, key_old[i][1], key_new[j][1], autojunk=False).ratio()
            if len(same_gap) == 1 and same_gap[0] == i and \
                    len([x for x in free_new if gap(x, matched_new) == gap(j, matched_new)]) == 1:
                score = max(score, 1.0)  # the one duty in this place was rewritten
            if score >= SIMILAR:
                candidates.append((-score, j, i))
    for _, j, i in sorted(candidates):
        if j not in pairs and i not in used:
            pairs[j] = i
            used.add(i)
    return pairs


def _labels(entries_kinds: list[str], prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
    has_groups = "group" in entries_kinds
    depth = len(prefix)
    return [prefix + (outline.label(depth, n, has_groups),) for n in range(1, len(entries_kinds) + 1)]


def _where(path: tuple[str, ...]) -> str:
    text = "".join(path)
    return text[:-1] if text.endswith((".", "、")) else text


def _new_object(node: Node):
    if node.kind == "duty":
        return node.text
    group = CommentedMap()
    group["heading"] = node.text
    group["duties"] = CommentedSeq(_new_object(child) for child in node.children)
    return group


def _ids_in(obj) -> list[str]:
    if isinstance(obj, dict):
        found = [obj["id"]] if obj.get("id") else []
        for child in obj.get("duties", []) or []:
            found += _ids_in(child)
        return found
    return []


def _duties(seq, new: list[Node], prefix: tuple[str, ...], outcome: Outcome, deleted_ids: list[str]) -> None:
    old = _olds(seq)
    pairs = _match(old, new)
    old_paths = _labels([o.kind for o in old], prefix)
    new_paths = _labels([n.kind for n in new], prefix)
    # Moves: matched pairs outside the longest run that keeps the old order.
    order = [pairs[j] for j in range(len(new)) if j in pairs]
    keep = set(_longest_increasing(order))
    final: list[tuple[object, int | None]] = []
    for j, node in enumerate(new):
        i = pairs.get(j)
        if i is None:
            what = "新增职责" if node.kind == "duty" else "新增分组"
            outcome.changes.append(f"{what} {_where(new_paths[j])}：{_short(node.text)}")
            final.append((_new_object(node), None))
            continue
        o = old[i]
        obj = o.obj
        if i not in keep:
            outcome.changes.append(f"职责 {_where(old_paths[i])} 移到第 {_where(new_paths[j])} 条：{_short(node.text)}")
        if not _same(o.text, node.text):
            if o.kind == "group":
                obj["heading"] = node.text
                outcome.changes.append(f"分组 {_where(old_paths[i])} {_short(o.text, 20)} 改名为：{_short(node.text)}")
            else:
                if isinstance(obj, str):
                    obj = node.text
                else:
                    obj["text"] = node.text
                outcome.changes.append(f"岗位职责 {_where(old_paths[i])} 改为：{_short(node.text)}")
        if o.kind == "group":
            _duties(obj["duties"], node.children, new_paths[j], outcome, deleted_ids)
        final.append((obj, i))
    for o in old:
        if o.index not in pairs.values():
            what = "删除职责" if o.kind == "duty" else "删除分组"
            outcome.changes.append(f"{what} {_where(old_paths[o.index])}：{_short(o.text)}")
            deleted_ids += _ids_in(o.obj)
    if [i for _, i in final] != list(range(len(old))) or any(
            i is not None and obj is not seq[i] for obj, i in final):
        _replace_items(seq, final)


def _longest_increasing(values: list[int]) -> list[int]:
    if not values:
        return []
    best: list[list[int]] = []
    for v in values:
        candidates = [run for run in best if run[-1] < v]
        longest = max(candidates, key=len, default=[])
        best.append(longest + [v])
    return max(best, key=len)


def _replace_items(seq: CommentedSeq, final: list[tuple[object, int | None]]) -> None:
    """Set the list's items, carrying each kept item's comments along with it."""
    old_comments = dict(seq.ca.items)
    list.__delitem__(seq, slice(None))
    list.extend(seq, [obj for obj, _ in final])
    seq.ca.items.clear()
    for k, (_, i) in enumerate(final):
        if i is not None and i in old_comments:
            seq.ca.items[k] = old_comments[i]


def _drop_measures(data, deleted_ids: list[str], outcome: Outcome) -> None:
    """A deleted duty is no longer measured; each KPI that cited it says so."""
    if not deleted_ids or not isinstance(data.get("kpis"), dict):
        return
    for item in data["kpis"].get("items", []) or []:
        measures = item.get("measures")
        if not measures:
            continue
        gone = [m for m in measures if m in deleted_ids]
        for ref in gone:
            measures.remove(ref)
        if gone:
            outcome.changes.append(f"指标 {item.get('name')} 不再考核已删除的职责（{'、'.join(gone)}）")


# --------------------------------------------------------------------------- KPIs


def _weight(text: str) -> float | int | None:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*", unicodedata.normalize("NFKC", text))
    if not match:
        return None
    value = float(match.group(1))
    return int(value) if value.is_integer() else value


def _shown(key: str, value) -> str:
    return outline.percent(value) if key == "weight" else str(value)


def _kpis(data, edited: Edited, outcome: Outcome) -> None:
    kpis = data["kpis"]
    items = kpis.get("items")
    rows = edited.kpi_rows
    if items is None:
        return
    pairs: dict[int, int] = {}  # row → item
    if len(rows) == len(items):
        pairs = {k: k for k in range(len(rows))}
    else:
        names = [normalise(str(item.get("name", ""))) for item in items]
        for r, row in enumerate(rows):
            if normalise(row["name"]) in names and names.index(normalise(row["name"])) not in pairs.values():
                pairs[r] = names.index(normalise(row["name"]))
        scored = []
        for r, row in enumerate(rows):
            for k, item in enumerate(items):
                if r in pairs or k in pairs.values():
                    continue
                a = normalise("".join(str(item.get(f, "")) for f in KPI_FIELDS if f != "weight"))
                b = normalise("".join(row[f] for f in KPI_FIELDS if f != "weight"))
                score = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
                if score >= 0.5:
                    scored.append((-score, r, k))
        for _, r, k in sorted(scored):
            if r not in pairs and k not in pairs.values():
                pairs[r] = k
    for r, k in sorted(pairs.items()):
        item, row = items[k], rows[r]
        name = item.get("name")
        for key in KPI_FIELDS:
            new = row[key]
            old = item.get(key)
            if key == "weight":
                value = _weight(new)
                if value is None:
                    outcome.not_imported.append(f"指标 {name} 的权重 “{new}” 不是数字（如 20%），未改动")
                    continue
                if float(old) != float(value):
                    item[key] = value
                    outcome.changes.append(f"指标 {name}：权重 {_shown(key, old)} → {_shown(key, value)}")
                continue
            if not new.strip():
                outcome.not_imported.append(f"指标 {name} 的{KPI_LABELS[key]}在 Word 中被清空 — 不能为空，未改动")
                continue
            if not _same(old, new):
                item[key] = new.strip()
                if key == "name":
                    outcome.changes.append(f"指标 {name} 改名为：{new.strip()}")
                else:
                    outcome.changes.append(f"指标 {name}：{KPI_LABELS[key]} {_short(old, 40)} → {_short(new, 40)}")
    for k in sorted(set(range(len(items))) - set(pairs.values()), reverse=True):
        outcome.changes.append(f"删除指标 {items[k].get('name')}")
        del items[k]
    for r in sorted(set(range(len(rows))) - set(pairs)):
        _new_kpi(data, items, rows[r], outcome)
    if kpis.get("status") != "proposed":
        return  # the Word file prints the note only with the "proposed" notice
    note = (edited.kpi_note or "").strip()
    old_note = kpis.get("note") or ""
    if note and not _same(note, old_note):
        kpis["note"] = note
        outcome.changes.append(f"考核说明 改为：{_short(note)}")
    elif not note and old_note:
        del kpis["note"]
        outcome.changes.append("删除考核说明")


def _new_kpi(data, items, row: dict[str, str], outcome: Outcome) -> None:
    """A row HR added: a new KPI when every cell is filled and its 考核职责 line names duties of the role."""
    name = row["name"].strip() or "（未命名）"
    empty = [KPI_LABELS[key] for key in KPI_FIELDS if not row[key].strip()]
    weight = _weight(row["weight"])
    if empty or weight is None:
        why = f"{'、'.join(empty)}为空" if empty else f"权重 “{row['weight']}” 不是数字（如 20%）"
        outcome.not_imported.append(f"新增指标 “{name}” 未导入：{why} — 在 Word 中填齐这一行后再导入")
        return
    slots = _duty_slots(data["duties"])
    wanted = [_slot_of(token, slots) for token in re.split(r"[\s，,；;]+", row.get("measures", "")) if token]
    if not wanted or None in wanted:
        outcome.not_imported.append(
            f"新增指标 “{name}” 未导入：没有写它考核哪些职责，或写的职责编号不存在 — 在指标名称下另起一行写"
            f"“{views.MEASURES_LABEL}3. 5.”（职责前的编号，与岗位职责中的一致）后再导入")
        return
    taken = set(_all_ids(data["duties"]))
    measures = list(dict.fromkeys(_duty_id(seq, index, taken) for seq, index in wanted))
    item = CommentedMap()
    for key in KPI_FIELDS:
        item[key] = weight if key == "weight" else row[key].strip()
    item["measures"] = CommentedSeq(measures)
    item["measures"].fa.set_flow_style()
    items.append(item)
    outcome.changes.append(f"新增指标 {name}（权重 {_shown('weight', weight)}，考核职责 {row['measures'].strip()}）")


def _duty_slots(seq, prefix: str = "", depth: int = 0) -> dict[str, tuple[object, int]]:
    """Each duty's printed label ('3.', '二、2.7)') → (its list, its index), as views.kpi_measures prints them."""
    has_groups = any(isinstance(e, dict) and "heading" in e for e in seq)
    slots: dict[str, tuple[object, int]] = {}
    for number, entry in enumerate(seq, start=1):
        label = prefix + outline.label(depth, number, has_groups)
        slots[label] = (seq, number - 1)
        if isinstance(entry, dict) and "heading" in entry:
            slots.update(_duty_slots(entry["duties"], label, depth + 1))
    return slots


def _slot_of(token: str, slots: dict[str, tuple[object, int]]):
    token = unicodedata.normalize("NFKC", token).replace("．", ".")
    for candidate in (token, f"{token}.", token.rstrip("、") + "."):
        if candidate in slots:
            return slots[candidate]
    return None


def _all_ids(seq) -> list[str]:
    found = []
    for entry in seq:
        found += _ids_in(entry)
    return found


def _duty_id(seq, index: int, taken: set[str]) -> str:
    """The duty's id; a duty without one gets one (pinyin of its first words), so a KPI can name it."""
    from ..ids import slug_from_title

    entry = seq[index]
    if isinstance(entry, dict) and entry.get("id"):
        return entry["id"]
    text = str(entry if isinstance(entry, str) else entry.get("text", entry.get("heading", "")))
    new_id = slug_from_title(re.split(r"[，,。；;、：:（(]", text)[0][:6], taken)
    taken.add(new_id)
    if isinstance(entry, dict) and "heading" in entry:  # a group measured as a whole
        entry.insert(1, "id", new_id)
        return new_id
    duty = CommentedMap()
    duty["id"] = new_id
    duty["text"] = text
    if isinstance(entry, dict):
        for key, value in entry.items():
            if key not in ("id", "text"):
                duty[key] = value
    seq[index] = duty
    return new_id


# --------------------------------------------------------------------------- 岗位权限, 工作关系, 任职资格

_EXTRA_KEYS = {views.AUTHORITY: "authority", views.RELATIONS: "relations", views.QUALIFICATIONS: "qualifications"}


def _extras(data, edited: Edited, outcome: Outcome, wanted=lambda part: True) -> None:
    """Read each optional section the Word file has (the same reader as for other JDs) and apply it."""
    from . import parse as parser

    for heading, key in _EXTRA_KEYS.items():
        if not wanted(key):
            continue
        lines = edited.extras.get(heading)
        if lines is None:
            if data.get(key):
                outcome.not_imported.append(f"Word 文件中没有“{heading}”这一部分（标题被删除或改动）— YAML 中的{heading}未改动；"
                                            f"要删除它，请直接在 YAML 中删除 {key}")
            continue
        found = parser.ParsedRole(first=0)
        builder = parser._RoleBuilder(found)
        builder.section = key
        for line in lines:
            builder.feed(parser.Line(0, line))
        outcome.not_imported += [f"“{heading}”中的一行未导入（{why}）：{text}" for _, text, why in found.unplaced]
        if key == "authority":
            _set_list(data, None, "authority", found.authority, heading, outcome)
        elif key == "relations":
            parent = _child_map(data, "relations")
            for sub, label in views.RELATION_LABELS.items():
                _set_list(parent, data, sub, found.relations.get(sub, []), label, outcome)
            _drop_if_empty(data, "relations")
        else:
            parent = _child_map(data, "qualifications")
            for sub, label in views.QUALIFICATION_LABELS.items():
                value = found.qualifications.get(sub)
                if sub in ("skills", "other"):
                    _set_list(parent, data, sub, value or [], label, outcome)
                else:
                    _set_scalar(parent, sub, value, f"{heading} {label}", outcome)
            _drop_if_empty(data, "qualifications")


def _child_map(data, key: str):
    if not isinstance(data.get(key), dict):
        _insert_before_kpis(data, key, CommentedMap())
    return data[key]


def _drop_if_empty(data, key: str) -> None:
    if key in data and not any(data[key].values()):
        del data[key]


def _insert_before_kpis(data, key: str, value) -> None:
    keys = list(data.keys())
    position = keys.index("kpis") if "kpis" in keys else len(keys)
    data.insert(position, key, value)


def _set_scalar(parent, key: str, value: str | None, label: str, outcome: Outcome) -> None:
    old = parent.get(key)
    if normalise(old or "") == normalise(value or ""):
        return
    if value:
        parent[key] = value
        outcome.changes.append(f"{label} 改为：{_short(value)}" if old else f"新增{label}：{_short(value)}")
    else:
        del parent[key]
        outcome.changes.append(f"删除{label}：{_short(old)}")


def _set_list(parent, root, key: str, new: list[str], label: str, outcome: Outcome) -> None:
    """Replace a list of texts, naming each added, removed or changed item."""
    container = parent if parent is not None else root
    old = [str(x) for x in (container.get(key) or [])]
    if [normalise(x) for x in old] == [normalise(x) for x in new]:
        return
    matcher = difflib.SequenceMatcher(None, [normalise(x) for x in old], [normalise(x) for x in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            outcome.changes += [f"{label} {i1 + k + 1} 改为：{_short(new[j1 + k])}" for k in range(i2 - i1)]
            continue
        outcome.changes += [f"删除{label}：{_short(x)}" for x in old[i1:i2]]
        outcome.changes += [f"新增{label}：{_short(x)}" for x in new[j1:j2]]
    if not new:
        del container[key]
    elif key in container and isinstance(container[key], list):
        seq = container[key]
        list.__delitem__(seq, slice(None))
        list.extend(seq, new)
        seq.ca.items.clear()
    elif parent is None:
        _insert_before_kpis(container, key, CommentedSeq(new))
    else:
        container[key] = CommentedSeq(new)
