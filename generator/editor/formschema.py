"""The form of one content file: the kind's JSON Schema (content/schema.py), adapted for the form library.

Labels and help texts are the model's Chinese ``title`` and ``description``; nothing else names a field.
What the form needs beyond the schema is added here, as the library's own schema options: references
(``$ref``) written out, optional values as their one real type, ids hidden (HR never types one), long
texts as text areas, dates with a date picker, Chinese names for fixed choices, departments, superiors,
policies, forms and roles offered by their Chinese names (the value written stays the spelling the file
already uses: a name where it had a name, an id where it had an id), and a role's duties in one shape,
``{text, id, duties}`` (a group is a duty with duties of its own), so KPIs can pick them by their text.
"""

from __future__ import annotations

from typing import Any

from ..content.model import MAX_DUTY_DEPTH, Handbook
from ..content.schema import schema_for

ENUM_TITLES = {"published": "已发布", "draft": "草稿", "proposed": "拟定（待人力资源部确认）", "approved": "已确认",
               "text": "填写文字", "choice": "选择", "lines": "多行书写", "signature": "签字", "meal-standard": "点餐标准",
               "table": "表格", "venues": "定点招待地点"}
LONG_TEXTS = {"text", "purpose", "definition", "summary", "note", "closing_note", "footer_note", "meal_standard",
              "venues", "experience", "hint", "description"}
PARAGRAPH_LISTS = {"preamble", "intro", "points", "instructions", "list", "authority", "body"}
#: help texts of the form where the schema's (written for people editing YAML) names keys or values
FORM_HELP = {
    "status": "草稿只在预览中显示，不会发布；内容确认后改为“已发布”",
    "department": "从列表中选择所属部门；草稿可暂缺，发布前必填",
    "reports_to": "从列表中选择直接上级；上级不在本手册中时选“（不填）”，并填写下一项",
    "kpis.status": "拟定：待人力资源部确认；确认后改为“已确认”",
    "options_from": "从所属制度取选项（定点招待地点）",
}
DUTIES_HELP = "一条只写一件事。把几条职责归为一组时，“职责内容”写这一组的标题，再用“添加下级职责”列出本组的职责"
#: the choice of the 'multiple' editor for a plain text in a list of blocks
TEXT_TITLE = {"body": "段落"}


def form_schema(kind: str, data: dict, hb: Handbook | None) -> dict:
    """The form's schema for an item of ``kind`` whose data is ``data`` (names offered from ``hb`` when it loads)."""
    schema = schema_for(kind)
    defs = schema.pop("$defs", {})
    out = _inline(schema, defs, set())
    for key in ("$schema", "$id"):
        out.pop(key, None)
    out["title"] = data.get("title") or out.get("title", "")
    out.pop("description", None)
    out["options"] = {"disable_collapse": True}
    _widgets(out, None)
    props = out["properties"]
    props["id"]["options"] = {"hidden": True}
    if kind == "role":
        props["duties"] = _duties_schema(props["duties"], 1)
        props["kpis"]["properties"]["items"]["items"]["properties"]["measures"] = _measures_schema(
            props["kpis"]["properties"]["items"]["items"]["properties"]["measures"])
        props["_duty_choices"] = {"type": "array", "options": {"hidden": True},
                                  "items": {"type": "object", "properties": {"key": {"type": "string"},
                                                                             "text": {"type": "string"}}}}
    if hb is not None:
        _choices(kind, props, data, hb)
    _help(out, "")
    _order(out)  # (after the choices: it also takes the checks out of them)
    return out


#: checked by the server as HR types (the loader's messages, the CLI's wording), not by the form library
CHECKED_BY_SERVER = ("minLength", "maxLength", "minItems", "maxItems", "pattern", "minimum", "maximum",
                     "exclusiveMinimum", "exclusiveMaximum", "uniqueItems")


def _order(schema: Any) -> None:
    """Every field shown, in the model's order (the library sorts by ``propertyOrder``, ties in no fixed
    order, and shows an optional field only while it has a value); no checks of the library's own."""
    if isinstance(schema, dict):
        for key in CHECKED_BY_SERVER:
            if not isinstance(schema.get(key), dict):
                schema.pop(key, None)
        if "properties" in schema:
            schema["required"] = list(schema["properties"])
        for position, prop in enumerate(schema.get("properties", {}).values()):
            prop["propertyOrder"] = position + 1
        for value in schema.values():
            _order(value)
    elif isinstance(schema, list):
        for value in schema:
            _order(value)


def _help(schema: dict, path: str) -> None:
    for key, prop in schema.get("properties", {}).items():
        where = f"{path}.{key}" if path else key
        for name in (where, key):
            if name in FORM_HELP:
                prop["description"] = FORM_HELP[name]
                break
        _help(prop, where)
        items = prop.get("items")
        if isinstance(items, dict):
            if "enum" in items:  # a list of choices: the list's own help says it
                items.pop("description", None)
            _help(items, where)


def _inline(schema: Any, defs: dict, seen: set[str]) -> Any:
    """``$ref``s written out; ``anyOf [X, null]`` becomes X (an empty value is left out when saving)."""
    if isinstance(schema, list):
        return [_inline(item, defs, seen) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:  # a duty group inside a duty group: the role's duties are rebuilt below
            return {"type": "object", "title": defs[name].get("title", "")}
        target = _inline(defs[name], defs, seen | {name})
        target.pop("description", None)  # a model's own docstring; the field's description says it in Chinese
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    if "anyOf" in schema:
        real = [option for option in schema["anyOf"] if option.get("type") != "null"]
        if len(real) == 1:
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
            return _inline({**real[0], **rest}, defs, seen)
    return {key: _inline(value, defs, seen) for key, value in schema.items()}


def _widgets(schema: dict, name: str | None) -> None:
    """Text areas, date pickers, Chinese names of fixed choices; no 'edit JSON' or 'properties' buttons."""
    options = schema.setdefault("options", {}) if isinstance(schema, dict) else {}
    if "enum" in schema:
        options["enum_titles"] = [ENUM_TITLES.get(value, value) for value in schema["enum"]]
    if schema.get("type") == "string" and schema.get("format") == "date":
        options["inputAttributes"] = {"placeholder": "YYYY-MM-DD"}
    elif schema.get("type") == "string" and name in LONG_TEXTS:
        _textarea(schema)
    if schema.get("type") == "array":
        items = schema.get("items", {})
        if items.get("type") == "string" and name in PARAGRAPH_LISTS:
            _textarea(items)
        items.setdefault("title", schema.get("title", ""))
        _widgets(items, name)
    for option in schema.get("oneOf", []):
        if option.get("type") == "string":
            option.setdefault("title", TEXT_TITLE.get(name, "文字"))
            _textarea(option)
        _widgets(option, name)
    for key, prop in schema.get("properties", {}).items():
        _widgets(prop, key)
        if key == "id":
            prop.setdefault("options", {})["hidden"] = True


def _textarea(schema: dict) -> None:
    schema["format"] = "textarea"
    schema.setdefault("options", {})["inputAttributes"] = {"rows": 2}


def _duties_schema(field: dict, depth: int) -> dict:
    """A role's duties in the form's one shape: text (a duty, or a group's heading), hidden id, sub-duties
    (shown open: a group's duties are its content; an empty list is only its 添加下级职责 button)."""
    item = {"type": "object", "title": "职责" if depth == 1 else "下级职责",
            "properties": {
                "text": {"type": "string", "title": "职责内容", "format": "textarea",
                         "options": {"grid_columns": 12, "inputAttributes": {"rows": 2}}},
                "id": {"type": "string", "options": {"hidden": True}},
            }}
    if depth < MAX_DUTY_DEPTH:
        sub = _duties_schema({"title": "下级职责", "description": "把几条职责归为一组时，在这里列出本组的职责"}, depth + 1)
        sub["options"] = {"grid_columns": 12}
        item["properties"]["duties"] = sub
    help = DUTIES_HELP if depth == 1 else field.get("description", "")
    return {"type": "array", "title": field.get("title", "岗位职责"), "description": help,
            "items": item} | ({"options": field["options"]} if "options" in field else {})


def _measures_schema(field: dict) -> dict:
    """A KPI's duties, each picked from the role's duties by their text (kept current as duties are edited)."""
    return {"type": "array", "title": field["title"], "description": "从本岗位的职责中选择该指标考核的职责",
            "format": "table", "uniqueItems": True,
            "items": {"type": "string", "title": "职责", "watch": {"choices": "root._duty_choices"},
                      "enumSource": [{"source": "choices", "value": "{{item.key}}", "title": "{{item.text}}"}]}}


def _named(options: list[tuple[list[str], str, str]], current: str | None) -> tuple[list[str], list[str]]:
    """(values, titles) of a choice among named things: each (its spellings, id, Chinese name). The value
    is written as the file writes it: its current spelling for the chosen thing, else names where it uses a
    name, ids where it uses an id."""
    uses_names = current is not None and any(current in names[1:] for names, _, _ in options)
    values, titles = [""], ["（不填）"]
    for names, item_id, title in options:
        if current in names:
            values.append(current)
        else:
            values.append(title if uses_names and sum(title in n for n, _, _ in options) == 1 else item_id)
        titles.append(title)
    return values, titles


def _set_choice(prop: dict, values: list[str], titles: list[str]) -> None:
    prop.pop("minLength", None)
    prop.pop("pattern", None)
    prop["enum"] = values
    prop.setdefault("options", {})["enum_titles"] = titles


def _choices(kind: str, props: dict, data: dict, hb: Handbook) -> None:
    departments = [([d.id, d.name, *d.aliases], d.id, d.name) for d in hb.site.departments]
    roles = [([r.id, r.title, *r.aliases], r.id, r.title) for r in hb.roles if r.id != data.get("id")]
    if kind == "role":
        _set_choice(props["department"], *_named(departments, data.get("department")))
        _set_choice(props["reports_to"], *_named(roles, data.get("reports_to")))
    elif kind == "form":
        policies = [([p.id, p.title], p.id, p.title) for p in hb.policies]
        _set_choice(props["policy"], *_named(policies, data.get("policy")))
        _set_choice(props["role"], *_named(roles, data.get("role")))
    elif kind == "policy":
        item = props["attachments"]["items"]
        item["enum"] = [f.id for f in hb.forms]
        item.setdefault("options", {})["enum_titles"] = [f.title for f in hb.forms]
        item.pop("pattern", None)
        props["attachments"]["format"] = "table"

