"""What to write into a field left empty: the hint of an "is empty" message, in Chinese.

``handbook new role`` leaves ``purpose:``, ``duties:`` and ``kpis.items:`` empty on
purpose (an empty value is valid YAML, an invented one would be published); the
first ``handbook check`` must then read like a to-do list, not like a syntax error.
"""

from __future__ import annotations

# Keyed by the field's path without list positions: "kpis.items", "duties.text".
HINTS: dict[str, str] = {
    "purpose": "请用一两句话写明本岗位为什么设立、对什么结果负责，写在冒号后面（冒号后留一个空格）",
    "duties": "请填写岗位职责，每行一条 '- …'；要被 KPI 引用的职责写成 '- id: 英文id' 加下一行 '  text: …'（见文件中的示例）",
    "duties.text": "请填写这条职责的内容，或删除这一条",
    "duties.duties": "请在这个分组下填写职责，每行一条 '- …'，或删除这个分组",
    "kpis": "请填写关键绩效指标：'status: proposed' 和 'items:'（见文件中的示例）",
    "kpis.items": "请填写关键绩效指标，每个指标写齐 name、definition、target、weight、cycle、source、measures，"
                  "权重合计 100（见文件中的示例）",
    "kpis.items.measures": "写出该指标考核的职责 id，如 [key-accounts]（职责 id 见 duties）",
    "title": "请填写岗位名称，如 大客户经理",
    "number": "请填写岗位编号，如 YXZX-SC-04（按本部门编号顺延）",
    "department": "请填写所属部门，如 市场部 的 id market（见 content/site.yml）",
    "effective": "请填写生效日期，格式 YYYY-MM-DD，如 2026-12-01",
    "version": "请填写版本号，如 \"1.0\"",
    "aliases": "没有其他称呼时写 []，或删除这一行",
}
DEFAULT = "请在冒号后面填写内容，或删除这一行"


def hint(loc: tuple) -> str:
    """The hint for the empty field at ``loc`` (a YAML path such as ``("kpis", "items")``)."""
    key = ".".join(str(part) for part in loc if not isinstance(part, int))
    return HINTS.get(key, DEFAULT)
