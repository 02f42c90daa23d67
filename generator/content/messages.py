"""Every message HR reads about the content, in one table (:data:`MESSAGES`, ``code: (message, hint)``, both
``str.format`` templates): plain Chinese, the place named as HR sees it (``第 1 个指标的权重（weight）``)."""

from __future__ import annotations

from typing import Any

from .errors import Problem, Severity

MESSAGES: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------------ reading a file
    "file.too_big": ("文件有 {size:,} 字节，超过上限 {limit:,} 字节", "把它拆成几个文件"),
    "file.utf16": ("文件不是 UTF-8 编码，看起来是 UTF-16", "{save}"),
    "file.damaged": ("文件中有 {count} 个损坏的字节（UTF-8）", "重新输入本行中显示不正常的字，然后保存"),
    "file.gbk": ("文件是 GBK 编码（中文 Windows 记事本的默认编码），不是 UTF-8，没有读取", "{save}"),
    "file.big5": ("文件是 Big5 编码，不是 UTF-8，没有读取", "{save}"),
    "file.encoding": ("文件不是 UTF-8 编码，没有读取", "{save}"),
    "file.control": ("文本中有一个看不见的字符：{name}（U+{number:04X}）",
                     "删掉它（多随从 Word 或网页粘贴的文字而来）：重新输入这一行，或在编辑器中搜索它"),
    "file.empty": ("文件是空的", "填写内容；不需要的话删掉这个文件"),
    "file.unreadable": ("无法读取这个文件（{reason}）", "检查文件是否还在、你是否有权限读取"),
    "file.not_mapping": ("文件内容必须是一行行的 '键: 值'", "每行以一个键开头，如 'title: …'"),
    "file.missing": ("缺少这个文件", "新建它；示例见 README.md"),
    "file.folder": ("这是一个文件夹，不是文件", "给文件夹改个不以 .yml 结尾的名字，或把它移走"),
    "file.special": ("这不是普通文件", "换成一个普通的 .yml 文本文件"),
    "file.link_missing": ("这是一个符号链接，指向的文件不存在", "删掉链接，把真正的文件复制到这里"),
    "file.link_outside": ("这是一个符号链接，指向内容文件夹之外的文件", "把文件复制到这个文件夹中，不要用链接"),
    "file.suffix": ("内容文件的名字必须以 '.yml' 结尾，这个文件没有读取", "改名为 {name}"),
    "file.txt_suffix": ("文件名多了 '{extra}'（记事本另存时加上的），这个文件没有读取",
                        "改名为 {name}；在资源管理器中先勾选 查看 → 文件扩展名，才看得到并删得掉 '{extra}'"),
    "folder.too_many": ("一个文件夹中有 {count:,} 个文件；最多读取 {limit:,} 个", "把手册拆成几个内容文件夹"),
    "root.empty": ("这个文件夹中没有 'roles/' 或 'content/' 文件夹", "在手册文件夹中运行命令，或用 --root 指定手册文件夹"),
    # ------------------------------------------------------------------ YAML syntax
    "yaml.tab": ("用了 Tab 键缩进（YAML 只认空格）", "改用空格缩进，每级 2 个空格；可以把编辑器设为按 Tab 键时插入空格"),
    "yaml.fullwidth_colon": ("'{key}' 后面是全角冒号 '：'，YAML 不认", "改成半角冒号加一个空格：'{key}: '"),
    "yaml.no_space": ("'{key}:' 后面少了一个空格：'{typed}'", "写成 '{key}: {value}'（冒号后面加一个空格）"),
    "yaml.dash_space": ("'-' 后面少了一个空格：'{typed}'", "列表的每一条写成 '- 内容'（短横线后面加一个空格）"),
    "yaml.colon_in_text": ("'{typed}' 中的 ': '（冒号加空格）让 YAML 以为后面又是一个键",
                           "把整段文字放进引号：{example}，或把冒号改成全角 '：'"),
    "yaml.colon_in_item": ("'{typed}' 因为含有 ': '（冒号加空格），被当成了 '键: 值'",
                           "把整条文字放进引号：- \"{typed}\"，或把冒号改成全角 '：'"),
    "yaml.quote_open": ("这里的引号没有在同一行内闭合", "在值的末尾补上对应的引号，或删掉开头的引号"),
    "yaml.quote_never": ("这里的引号一直没有闭合", "补上闭合的引号，或删掉开头的引号"),
    "yaml.quote_trailing": ("引号闭合之后还有文字：{typed}", "把整个值放进一对引号里，如 {example}"),
    "yaml.special_start": ("值不能以 '{char}' 开头：{typed}", "把整个值放进引号，如 {example}"),
    "yaml.not_key_value": ("这一行既不是 '键: 值'，也不是 '- 条目'",
                           "检查：键后面是否少了 ':'，':' 后面是否少了空格，缩进是否与上下行对齐"),
    "yaml.indented": ("这一行缩进了 {here} 个空格，上一行只有 {above} 个", "与上一行对齐：{how}"),
    "yaml.unexpected_colon": ("值中间有一个意外的 ': '", "把整个值放进引号，如 title: \"A: B\""),
    "yaml.indentation": ("缩进没有对齐", "同一个列表、同一组 '键: 值' 的各行必须从同一列开始"),
    "yaml.other": ("YAML 语法错误（{detail}）", "与同一文件夹中正常的文件对照"),
    "yaml.deep": ("文件嵌套超过 {limit} 层", "把列表和 '键: 值' 拉平；手册用不到这么多层"),
    "yaml.alias": ("不允许使用别名 '*{name}'", "把值完整写出来；为安全起见，锚点（&）和别名（*）不可用"),
    "yaml.anchor": ("不允许使用锚点 '&{name}'", "删掉 '&{name}' 标记，把每个值完整写出来"),
    "yaml.key_not_text": ("键必须是普通文字", "键写成一个英文单词，后面跟 ':'"),
    "yaml.merge": ("不允许使用合并键（'<<'）", "把值完整写出来"),
    "yaml.duplicate_key": ("键 '{key}' 重复了（第 {first} 行已经有）", "保留一个，删掉另一个"),
    "yaml.tag": ("不允许使用 YAML 标签 '{tag}'", "删掉这个标签；内容文件只含文字、数字、日期、列表和 '键: 值' 行"),
    # ------------------------------------------------------------------ fields (the model's validation)
    "field.empty": ("{where}是空的", "{fill}"),
    "field.missing": ("缺少{where}", "加一行 '{key}: …'"),
    "field.unknown": ("未知的键 '{key}'", "是不是想写 '{close}'？"),
    "field.unknown_list": ("未知的键 '{key}'", "这里可以写的键：{known}"),
    "field.colour": ("{where}写的 '{value}' 不是颜色", "写六位十六进制数，并加引号，如 \"1F3864\""),
    "field.id": ("{where}写的 '{value}' 不是有效的 id", "只用英文小写字母、数字和连字符，如 market-manager"),
    "field.too_long": ("{where}有 {count:,} 个字，最多 {limit:,} 个", "拆成几条较短的"),
    "field.too_many": ("{where}有 {count:,} 项，最多 {limit:,} 项", "拆分内容，或只保留需要的"),
    "field.choice": ("{where}不能是 '{value}'", "可以写：{expected}"),
    "field.date": ("{where}写的 '{value}' 不是日期", "写成真实的日期：年-月-日，如 2026-12-01"),
    "field.type": ("{where}应该是{expected}，而不是{got}", "把{where}写成{expected}"),
    "field.range": ("{where}是 {value}，{limit}", "改正这个数"),
    "field.number": ("{where}应该是普通的数字，而不是{got}", "改正这个数"),
    "field.other": ("{where}不符合要求（{detail}）", "{hint}"),
    "field.schema": ("", "可以写什么，见 schemas/ 中的 JSON Schema"),
    # ------------------------------------------------------------------ ids, file names, copies
    "id.copied": ("id '{id}' 已被 {other} 使用", "这个文件大概是从它复制来的：把 id 改为 '{fixed}'"),
    "id.taken": ("id '{id}' 已被 {other} 使用", "给这个文件一个自己的 id，并把文件按 id 命名"),
    "id.copy": ("这个文件是 {other} 的副本（{same}都相同）",
                "不需要的话删掉它；要新建岗位，用 handbook new role，或改掉 id、岗位名称和岗位编号，并把文件改名为新的 id"),
    "id.file_name": ("id '{id}' 与文件名 '{name}' 不一致", "{how}"),
    "id.rename_lower": ("", "把文件改名为 {id}.yml（文件名用小写，与 id 相同）"),
    "id.rename_or_id": ("", "把文件改名为 {id}.yml，或把 id 改为 '{fixed}'"),
    "id.rename": ("", "把文件改名为 {id}.yml（文件名用英文 id）"),
    "value.taken": ("{label} '{value}' 已被 {other}（第 {line} 行）使用{theirs}", "给这个岗位一个自己的{label}{next}"),
    "department.twice": ("部门 id '{id}' 用了两次", "每个部门用自己的 id"),
    # ------------------------------------------------------------------ 岗位编号
    "number.spelling": ("岗位编号 '{number}' 的写法与其他编号不同（{what}）", "写成 '{fixed}'"),
    "number.other_series": ("岗位编号 '{number}' 是{other}的编号系列（{series}…），本岗位属于{department}",
                            "改用{department}的编号，如 {next}"),
    "number.width": ("岗位编号 '{number}' 的序号位数与{department}的其他编号（{example}）不同", "写成 '{fixed}'"),
    "number.new_series": ("岗位编号 '{number}' 不在{department}的编号系列（{series}…）中",
                          "如果不是有意另起一个系列，改为 {next}"),
    # ------------------------------------------------------------------ references by name
    "ref.ambiguous": ("{field}写的 '{value}' 同时指 {listed}", "写出你指的那一个的 id"),
    "ref.unknown": ("{field}写的 '{value}' 不是本手册中的{what}", "{guess}从 {where} 中选：{choices}"),
    # ------------------------------------------------------------------ roles
    "role.missing": ("缺少{label}（{field}）", "加一行 '{field}: …'（只有 'status: draft' 的草稿可以暂缺）"),
    "role.self": ("岗位不能向自己汇报", "写上级的岗位名称或 id，或删掉 reports_to"),
    "role.both_superiors": ("reports_to 和 reports_to_title 只能写一个", "上级在本手册中时保留 reports_to"),
    "role.cycle": ("汇报关系成了一个圈：{path}", "圈中有一个岗位必须向圈外的人汇报"),
    "role.group_depth": ("职责分组嵌套超过 {limit} 层", "把这个分组上移一层"),
    "role.duty_id_twice": ("职责 id '{id}' 在本岗位中用了两次", "每条职责用自己的 id"),
    "role.too_many_duties": ("本岗位有 {count:,} 条职责和标题；最多 {limit:,} 条", "合并相近的职责，或拆分岗位"),
    "role.too_much_text": ("本岗位共有 {count:,} 个字；一个岗位最多 {limit:,} 个字",
                           "精简职责和指标：岗位说明书是给人读的，不是存档"),
    "kpi.weights": ("指标权重合计 {total:g}，不是 100", "调整各指标的权重（weight），使合计为 100：{how}"),
    "kpi.unknown_duty": ("指标 '{kpi}' 考核的职责 '{ref}' 不在本岗位中", "用本岗位的职责 id：{ids}"),
    # ------------------------------------------------------------------ drafts
    "draft.lacks": ("草稿还没有填写{labels}", "把 status 改为 published 之前填好：{keys}"),
    "draft.policy": ("制度 '{policy}' 是草稿，正式发布的手册无法据它打印这张表单",
                     "发布这个制度（status: published），或把这张表单也标为 'status: draft'"),
    "draft.depends": ("{field}写的 '{value}' 是一个还有问题的草稿，改好之前这里无法显示", "先改好 {file}"),
    # ------------------------------------------------------------------ policies and forms
    "policy.no_meal_standard": ("这一节要打印点餐标准，但制度中没有 meal_standard",
                                "加上 'meal_standard:'，写明 extra_dishes 和 drinks"),
    "policy.attachment": ("附件 '{id}' 不是表单", "用 content/forms/ 中的表单 id：{ids}"),
    "form.needs_policy": ("栏目 '{label}' 的内容取自制度，但表单没有写所属制度", "给表单加上 'policy: 制度 id'"),
    "form.policy_no_meal": ("制度 '{policy}' 没有可打印的 meal_standard", "给制度加上 meal_standard，或改变栏目的 type"),
    "form.no_options": ("选择栏目 '{label}' 没有选项", "加上 'options:' 列表，或 'options_from: venues'"),
    "form.no_columns": ("表格栏目 '{label}' 没有列", "加上 'columns:'，每列写一个 label"),
    # ------------------------------------------------------------------ site.yml: logo and colour
    "brand.comment": ("{key} 是空的：'{value}' 被当成了注释（YAML 中 # 开始一段注释）", "给值加上引号：{key}: \"{value}\""),
    "brand.empty": ("{key} 是空的", "写成 {key}: {example}，或删掉这一行"),
    "colour.wrong": ("品牌主色 brand_color '{value}' 不是 #RRGGBB 写法的颜色", "{how}"),
    "colour.example": ("", "写成 \"{example}\"（# 加六位十六进制数，加引号）"),
    "colour.how": ("", "写 # 加六位十六进制数，并加引号，如 brand_color: \"#1F4E79\""),
    "logo.outside": ("logo '{value}' 不是 content/ 文件夹中的文件", "{how}"),
    "logo.write": ("", "写成 logo: content/{name}"),
    "logo.copy_in": ("", "把文件复制到 content/ 文件夹，写成 logo: content/{name}（路径从手册文件夹写起）"),
    "logo.link": ("logo {shown} 是指向 content/ 之外的符号链接", "把真正的文件复制到 content/ 文件夹，不要用链接"),
    "logo.missing": ("logo 文件 {shown} 不存在", "把 logo 文件放到 {shown}，或改正路径（路径从手册文件夹写起）"),
    "logo.not_file": ("logo {shown} 不是文件", "写一个 .svg 或 .png 文件"),
    "logo.too_big": ("logo {shown} 有 {size:,.0f} KB，最大 {limit} KB", "导出得小一些（页眉 logo 的 PNG 约 600 像素宽就够了），或导出为 SVG"),
    "logo.png_named": ("logo {shown} 是 PNG 图片，但文件名以 '{suffix}' 结尾", "改名为 {name}，并写成 logo: {path}"),
    "logo.svg_named": ("logo {shown} 是 SVG 图片，但文件名以 '{suffix}' 结尾", "改名为 {name}，并写成 logo: {path}"),
    "logo.not_image": ("logo {shown} 不是{named}图片{empty}", "{export}"),
    "logo.other_format": ("logo {shown} 是{what}，不是 SVG 或 PNG 图片", "{export}"),
    "logo.damaged": ("logo {shown} 是损坏的 PNG 文件", "从原图重新导出为 PNG"),
    "logo.pixels": ("logo {shown} 有 {width} × {height} 像素，每边最多 {limit} 像素", "导出得小一些（页眉用约 600 像素宽就够了）"),
    "logo.entities": ("logo {shown} 声明了 XML 实体（<!ENTITY>）", "重新导出不带 DOCTYPE 的 SVG，或删掉 <!DOCTYPE …[…]> 一段"),
    "logo.bad_svg": ("logo {shown} 不是格式正确的 SVG 文件（第 {line} 行：{detail}）", "从设计软件重新导出"),
    "logo.not_svg": ("logo {shown} 不是 SVG 图片（第一个元素是 <{element}>）", "{export}"),
    "logo.stylesheet": ("logo {shown} 从另一个文件加载样式表（<?xml-stylesheet?>）", "删掉这一行，把样式写在 SVG 里面"),
    "logo.element": ("logo {shown} 含有{what}（SVG 第 {line} 行）", "{refuse}"),
    "logo.animation": ("logo {shown} 用动画改变链接或事件（SVG 第 {line} 行）", "{refuse}"),
    "logo.handler": ("logo {shown} 有事件处理程序 '{name}'（SVG 第 {line} 行）", "{refuse}"),
    "logo.reference": ("logo {shown} 引用了另一个文件或网址（'{value}'）（SVG 第 {line} 行）",
                       "把图片嵌入 SVG，或把 logo 导出为一个独立的文件"),
    "logo.script": ("logo {shown} 的样式或属性中含有脚本（SVG 第 {line} 行）", "删掉它；logo 只能是图片"),
    "logo.import": ("logo {shown} 从别处导入样式表（@import）（SVG 第 {line} 行）", "删掉 @import，把样式写在 SVG 里面"),
    "logo.no_size": ("logo {shown} 没有尺寸（没有 viewBox，也没有 width 和 height）",
                     "重新导出带尺寸的 SVG，或在 <svg> 元素上加 viewBox=\"0 0 宽 高\""),
    # ------------------------------------------------------------------ KPI coverage (notes)
    "coverage.unmeasured": ("职责 {label} '{text}' 没有指标考核",
                            "没有指标考核这条职责：{how}；兜底性的职责（如“完成上级交办的其他任务”）可以不考核"),
    "coverage.concentrated": ("{share:.0%} 的指标权重压在职责 {label} '{text}' 一条上：{names}",
                              "考核权重过于集中：只考核这一条职责的指标合计超过本岗位 KPI 权重的一半。"
                              "可在这些指标的 measures 中加上相关职责的 id，或把部分权重分给考核其他职责的指标"),
    # ------------------------------------------------------------------ versions (notes)
    "version.unraised": ("{title}的内容自上次提交以来改了 {count} 处，版本仍是 {version}",
                         "把 version 改为 \"{following}\"，在 revisions 中加一行 {following}（日期与修订内容）；"
                         "handbook diff 列出改了什么"),
    # ------------------------------------------------------------------ the settings files renderers read
    "settings.hint": ("", "改正这个值；文件中的注释写明了每项设置可以填什么"),
    "settings.not_word": ("无法作为 Word 文件打开（{detail}）", "在 Word 中另存为 .docx，或运行 scripts/make_reference_docx.py 重新生成"),
    "settings.table_style": ("缺少表格样式 '{style}'（templates/docx/layout.yml 的 tables.style）", "改用 {styles}，或在 Word 中添加它"),
    "settings.style": ("缺少{word}样式 '{name}'",
                       "在 Word 中添加名为 '{name}' 的{word}样式（样式 → 新建样式），或运行 scripts/make_reference_docx.py 重新生成"),
    "settings.sections": ("有 {count} 节，生成时只用一节", "删掉分节符"),
    "settings.placeholder": ("{part}中有未知的占位符 {{{name}}}", "可用的占位符：{known}"),
}

#: how ``handbook check`` shows notes of one code: several in one file as one line (``count``, ``lines``), and
#: the hint once, after all notes, under a topic
GROUPED: dict[str, tuple[str, str, str]] = {
    "coverage.unmeasured": ("{count} 条职责没有指标考核（第 {lines} 行）", "没有指标考核的职责",
                            "兜底性的职责（如“完成上级交办的其他任务”）可以不考核；要考核，把职责的 id 写进考核它的指标的 "
                            "measures（没有 id 的职责先加上 id：写成 '- id: 英文id' 加下一行 'text: …'）"),
    "coverage.concentrated": ("{count} 处指标权重过于集中在一条职责上（第 {lines} 行）", "权重过于集中",
                              "在这些指标的 measures 中加上相关职责的 id，或把部分权重分给考核其他职责的指标"),
}
GROUPED_OTHER = "{message}；同类提示另有 {more} 处（第 {lines} 行）"


def say(code: str, /, **fields: Any) -> tuple[str, str]:
    """The message and hint of ``code`` with ``fields`` filled in."""
    message, hint = MESSAGES[code]
    return message.format(**fields).strip(), hint.format(**fields).strip()


def problem(path: str, line: int, code: str, loc: tuple = (), severity: Severity = "error", /,
            **fields: Any) -> Problem:
    return Problem(path, line, *say(code, **fields), severity, code, tuple(loc))


# ---------------------------------------------------------------------- positions in HR's words

#: a key's Chinese name (by key, or by "parent.key" where one key means different things)
FIELD_NAMES: dict[str, str] = {
    "id": "id", "status": "状态", "title": "名称", "aliases": "别称", "number": "编号", "department": "所属部门",
    "reports_to": "直接上级", "reports_to_title": "手册之外的直接上级", "purpose": "岗位目的", "version": "版本",
    "effective": "生效日期", "duties": "岗位职责", "text": "内容", "heading": "标题", "authority": "岗位权限",
    "relations": "工作关系", "internal": "内部联系", "external": "外部联系", "qualifications": "任职资格",
    "education": "学历", "major": "专业", "experience": "工作经验", "skills": "知识技能",
    "qualifications.other": "其他要求", "kpis": "关键绩效指标", "kpis.items": "指标列表", "kpis.status": "指标状态",
    "name": "名称", "definition": "定义", "target": "目标值", "weight": "权重", "cycle": "考核周期",
    "source": "数据来源", "measures": "考核的职责", "note": "说明", "revisions": "修订记录", "date": "日期",
    "summary": "修订内容", "author": "修订人", "preamble": "前言", "sections": "章节", "body": "正文",
    "list": "列表", "venues": "定点招待地点", "meal_standard": "点餐标准", "extra_dishes": "加菜数",
    "also_served": "另加", "drinks": "酒水", "closing_note": "结尾说明", "attachments": "附件", "intro": "引言",
    "points": "要点", "policy": "所属制度", "role": "使用岗位", "instructions": "填写说明", "fields": "栏目",
    "label": "名称", "type": "类型", "width": "宽度", "options": "选项", "options_from": "选项来源",
    "other": "“其他”一项", "lines": "行数", "columns": "列", "rows": "行数", "hint": "提示",
    "footer_note": "页脚说明", "handbook_title": "手册名称", "organisation": "部门或中心名称", "company": "公司名称",
    "logo": "logo", "brand_color": "品牌主色", "description": "简介", "departments": "部门", "parent": "上级部门",
    "history": "修订记录来源", "navigation": "导航",
}
#: how the items of a list are counted: 第 1 条职责, 第 2 个指标 …
COUNTERS: dict[str, str] = {
    "duties": "条职责", "kpis.items": "个指标", "authority": "条岗位权限", "internal": "项内部联系",
    "external": "项外部联系", "skills": "项知识技能", "other": "项其他要求", "aliases": "个别称",
    "measures": "个考核的职责", "revisions": "条修订记录", "preamble": "段前言", "sections": "节", "body": "段",
    "list": "条", "venues": "个定点招待地点", "also_served": "项另加", "attachments": "个附件", "intro": "段引言",
    "points": "条要点", "instructions": "段填写说明", "fields": "个栏目", "options": "个选项", "columns": "列",
    "departments": "个部门", "navigation": "项导航", "paragraphs": "段",
}


def where(loc: tuple) -> str:
    """A YAML location as HR would say it: ``("kpis", "items", 0, "weight")`` → ``第 1 个指标的权重（weight）``
    (positions from 1, a key in Chinese with the key itself after it; a Latin end gets a space)."""
    phrases: list[str] = []
    parent = ""
    for part, after in zip(loc, (*loc[1:], None)):
        if isinstance(part, int):
            continue
        dotted = f"{parent}.{part}"
        if isinstance(after, int):
            counter = COUNTERS.get(dotted)
            if counter is not None and phrases:
                phrases.pop()  # 第 1 个指标, not 关键绩效指标的第 1 个指标
            phrases.append(f"第 {after + 1} {counter or COUNTERS.get(part) or '项'}")
        else:
            name = FIELD_NAMES.get(dotted) or FIELD_NAMES.get(part)
            if dotted in FIELD_NAMES and phrases:
                phrases.pop()
            phrases.append(f"{name}（{part}）" if name and name != part else str(part))
        parent = str(part)
    text = ""
    for phrase in phrases:
        if text:
            text += " 下的 " if text[-1].isascii() else "的 " if phrase[0].isascii() else "的"
        text += phrase
    text = text or "文件"
    return (" " if text[0].isascii() else "") + text + (" " if text[-1].isascii() else "")


def clip(value: Any, limit: int) -> str:
    """A value as quoted in a message: on one line, cut after ``limit`` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def item_list(values, limit: int = 12) -> str:
    """Choices for a hint: ``a、b、c``, cut after ``limit`` (… 还有 3 个); 无 when there are none."""
    values = list(values)
    shown = "、".join(str(v) for v in values[:limit])
    more = f" … 还有 {len(values) - limit} 个" if len(values) > limit else ""
    return shown + more if values else "（还没有）"


# ---------------------------------------------------------------------- what to write into an empty field

#: the hint of "… 是空的", by the field's path without list positions ("kpis.items", "duties.text").
#: ``handbook new role`` leaves purpose, duties and kpis.items empty on purpose (an invented value would be
#: published); the first ``handbook check`` must then read like a to-do list, not like a syntax error.
FILL: dict[str, str] = {
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
FILL_OTHER = "请在冒号后面填写内容，或删除这一行"


def fill(loc: tuple) -> str:
    """What to write into the empty field at ``loc`` (a YAML path such as ``("kpis", "items")``)."""
    return FILL.get(".".join(str(part) for part in loc if not isinstance(part, int)), FILL_OTHER)


def grouped(notes: list[Problem]) -> list[str]:
    """Notes as ``handbook check`` prints them: one line per file and code, ``path:line`` first; the hint of a
    code in :data:`GROUPED` once at the end instead of on every line."""
    groups: dict[tuple[str, str], list[Problem]] = {}
    for note in sorted(notes):
        groups.setdefault((note.path, note.code or note.message), []).append(note)
    lines, topics = [], {}
    for (path, code), found in groups.items():
        first, at = found[0], "、".join(str(n.line) for n in found)
        template, topic, hint = GROUPED.get(code, (GROUPED_OTHER, "", first.hint))
        text = first.message if len(found) == 1 else template.format(count=len(found), lines=at,
                                                                     message=first.message, more=len(found) - 1)
        if topic:
            topics[topic] = hint
        lines.append(str(Problem(path, first.line, text, "" if topic else hint, "note")))
    if topics:
        lines.append("提示不影响发布。" + "；".join(f"{topic}：{hint}" for topic, hint in topics.items()) + "。")
    return lines
