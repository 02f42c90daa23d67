"""The built site: every page, every seed line, safe text, offline-only, reproducible downloads.

Builds use the fixtures in conftest.py (the bundled content built once per session).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO, build_site, fill_cache
from helpers import SEED, TESTS, copy_bundled_content, overlay_root

from generator import cachedir


# ---------------------------------------------------------------------------------------------- the seed
# Every non-empty line of the seed document, sorted into three kinds.

# Content: each clause (text between punctuation) of ≥ 4 Chinese characters must be on the site.
SEED_CONTENT = [
    '1、根据公司整体战略,制定公司的营销规划。',
    '2、组织对市场信息的收集、整理和分析,及时了解行业中的最新动态,并为总经理提供决策依据;',
    '3、负责实施销售管理,审核公司各项营销、企划计划,并在实施过程中进行监督和改进;',
    '4、编制年度销售计划、毛利计划和费用计划,核定营销部各岗位的用工方案和其岗位职责;',
    '6、组织召开营销分析会并负责具体工作的下达和协调;',
    '7、对属下员工进行日常工作评估及考核,对人员的晋升和录入调整,拿出主导性建议;&负责实施审核合同、合作条款、各项相关费用,协调和解决各种合作中的问题;',
    '9、督促并实施营销部年、月、周、日的工作计划,审核营销部外发文件;',
    '10、建立健全本部门各项管理和规章制度,负责对属下人员进行日常工作考核,监督所属员工廉洁奉公;',
    '11、处理重大顾客投诉;',
    '12、承办总经理交办的其他任务。',
    '此处同上个文件中的绩效考核指标设定',
    '1、组织下属人员全面履行部门职责,全面负责销售部的日常管理工作,对销售的工作',
    '过程与工作成果负全面的管理和监控责任。',
    '2、组织下属各分区搜集、反馈市场信息,提出营销策略构思。',
    '3、组织下属各分区积极、努力销售产品并及时回收货款,控制不良账款的发生并组织清收坏账、呆账。',
    '4、组织开展销售渠道的建设、维护与管理。',
    '5、组织下属做好经销商的维护、培训工作。',
    '6、组织下属做好客户资源管理工作。',
    '7、提出市场推广的策略构思,组织、督导各分区落实、执行公司的推广策略与管理制度、政策。',
    '&组织下属分区实施对客户的甄选、调整、服务、沟通、培训、激励、评价、监控,组织开展合同、订单管理及应收账款管理。',
    '9、拟制月、季度、年度的销售计划,并在批准后分解落实、督导实施。',
    '10、做好直属工作人员的工作调配与督导监控,培训、评价、激励下属人员的工作,提出任免奖惩建议。',
    '11、协调销售部与相关各部门的工作关系,协调部门内部各人员的关系与工作。',
    '12、审核、控制本部门的费用开支。',
    '13、代表公司与客户沟通联络,组织处理客户投诉。',
    '14、做好本部门的流程、制度的健全和完善工作。',
    '15、组织处理销售事务中的突发事件。',
    '16、完成上级交办的其他任务。',
    '♦依据公司经营计划,并配合公司总目标,拟订本区域的目标与工作计划,并随时',
    '予以追踪控制,以便有效执行。',
    '♦建立健全销售档案,并于每天晚上10 点之前将客户拜访或跟踪状况表发送到主管经理邮箱。',
    '♦做好销售计划的日(周、月)报工作,及时组织收取销售应达帐,确保帐款的安全、到位。',
    '♦全力以赴完成本区域销售和回款任务。',
    '♦据市场需求的变化,及时向主管经理反馈市场信息。',
    '♦承办领导交办的其他事项及未尽事宜。',
    '营销策划的目标——通过创造性的思维对项目进行准确定位、推广,且要用最少',
    '的投入为企业创造更大的价值。',
    '1.市场调研',
    '根据实际情况,分阶段对市场需求进行调查,及时掌握了解准客户需求,积累收集相关信息和资料。',
    '2.营销策划',
    '1)对企业形象、品牌建设、目标客户分析、产品功能等各个方面进行市场定位。',
    '2)适时进行合理的模拟定价,编写产品的成本估算报告,分析产品的投入产出比,并做相应提示。',
    '3)公司产品的PPT文件制作,公司推广用文本和彩页的制作,对外公开的产品方案制作,广告推广渠道的建设,广告方案的制作。',
    '4)广告语荟萃、储备。',
    '5)制定分阶段广告策略及其相应主题,注意不同阶段的媒介策略及组合。',
    '6)策划并组织实施阶段性系列公关活动及其现场包装。',
    '7)对每项推广活动的费用进行预算、计划,并营销总监汇报、批准。',
    '8 )监控、评估产品营销推广的效果,并及时进行相应修正调整。9)完成公司交办的其他工作。',
    '1. 各种合同、投标书、方案与效果图的制作。',
    '2. 负责公司销售合同及其他营销文件资料的管理、归类、整理、建档和保管工作。',
    '3.负责各类销售指标的月度、季度、年度统计报表和报告的制作、编写,并随时答',
    '复领导对销售动态情况的质询。',
    '4.《工程计划单》《生产计划单》的制作,并督促销售人员签字、财务人员签字,',
    '并传真或递交到生产中心。',
    '5.负责收集、整理、归纳市场行情、价格,以及新产品、替代品、客源等信息资料,',
    '提出分析报告,为部门业务人员、领导决策提供参考。',
    '6.协助销售人员做好上门客户的接待和电话来访工作;在销售人员缺席时,及时',
    '转告客户信息,妥善处理。',
    '7.负责客户、顾客的投诉记录,协助有关部门妥善处理。',
    '8.协助营销总监做好内务、各种会议的记录等工作。',
    '9.逐步推广使用电脑信息系统处理营销资料,妥善保管电脑资料,不泄露销售秘',
    '密。',
    '10.其他营销平台的后台管理。',
    '11.完成市场总监临时交办的其他任务。',
    '公司业务招待费管理规定',
    '业务招待费实行公司统一安排管理,,招待费使用只限于客户用餐和住宿,不包括购买礼品、高档消费和',
    '娱乐。招待费一定先申请后使用,即使特殊情况也要以短信形式申请,事后必补,否则公司有权拒付招待费。',
    '本规定试行期一个季度,若执行一季度后发现有不合理、不便或和销售业绩不成比例时要上报公司做出合理调整。',
    '一、业务招待费使用原则',
    '有实质性进展来郑考察的客户,上报销售部经理并批准后,本着尽地主之谊公司统一安排招待,客户招待要提前一天上报并填写《大客户招待清单》见附件或以短信形式发给销售部经理助理翟玉香或者行政部进行招待安排。',
    '二、业务招待费使用范围',
    '1全彩屏大客户',
    '2广告车外地来郑的客户(本市客户和外出联系业务中发生的招待费不在此范畴)注:单次接待的客户人数要尽可能少,方便安排。',
    '以定点招待为原则:',
    '招待地点有:',
    '点餐标准(菜品数量以人数+1的原则+汤+主食,酒水由公司配备),点餐由公司统一安排,严格按公司制定的就餐标准执行,凡由销售人员特殊要求的超出标准的部分由销售人员自理,凡没有完善业务招待手续的招待费一律自理,招待来客时,严格控制陪同人员,定点地址如有新地点再另行通知,定点场所由执行人员根据情况选定。',
    '四、本规定颁布之日起执行。',
    '五、本制度由财务部负责检查和考核,不明之处有财务部负责解释。',
    '*招待费属纯利润支出项目,因此它将作为销售部业绩评测标准之一,(招待费将从销售额中直接扣减)',
    '请慎之!*',
    '接待客户要有周密的布署',
    '迎来送往,是社会交往接待活动中最基本的形式和重要环节,是表达主人情谊、体现礼貌素养的重要方面。尤其是迎接,是给客人良好第一印象的最重要工作。给对方留下好的第一印象,就为下一步深入接触打下了基础。迎接客人要有周密的布署,应注意以下事项。',
    '(一)对前来访问、洽谈业务、参加会议的外地客人,应首先了解对方到达的车次、航班。若因某种原因,相应身份的主人不能前往,前去迎接的主人应向客人作出礼貌的解释。',
    '(二)主人到车站、机场去迎接客人,应提前到达,恭候客人的到来,决不能迟到让客人久等。客人看到有人来迎接,内心必定感到非常高兴,若迎接来迟,必定会给客人心里留下阴影,事后无论怎样解释,都无法消除这种失职和不守信誉的印象。',
]

# Headings of the scraped document → what the site shows instead.
SEED_HEADINGS = {
    "营销中心岗位职责": ("营销中心", "岗位职责"),
    "[营销总监岗位职责]": ("营销总监", "岗位职责"),
    "【市场部经理岗位职责】": ("市场部经理",),
    "[大区经理岗位职责]": ("大区经理",),
    "营销策划经理职责一、总则": ("营销策划经理", "一、总则"),
    "二、细则": ("二、细则",),
    "市场部销售助理岗位职责】": ("市场部销售助理",),
    "附件大客户招待清单": ("附件", "《大客户招待清单》"),
}

# Blank lines for venues in the seed: the site says they are pending instead of inventing any.
SEED_PLACEHOLDERS = ["1、 " + "_" * 49, "2、 " + "_" * 49, "3、 " + "_" * 49]

# The download platform's own text around the document: must appear nowhere.
SEED_BOILERPLATE = [
    "合集下载",
    "1. 1、下载文档前请自行甄别文档内容的完整性,平台不提供额外的编辑、内容补充、找答案等附加服务。",
    '2. 2、"仅部分预览"的文档,不可在线预览部分如存在完整性等问题,可反馈申请退款(可完整预览的文档不适用该条件!)。',
    "3. 3、如文档侵犯您的权益,请联系客服反馈,我们会尽快为您处理(人工客服工作时间:9:00-18:30)。",
    "相关文档",
    "最新文档",
]
BOILERPLATE_MARKERS = ["合集下载", "下载文档前请自行甄别", "人工客服工作时间", "相关文档", "最新文档", "仅部分预览"]

CJK = re.compile(r"[\u4e00-\u9fff]")
EXTERNAL_HOSTS = ["unpkg.com", "fonts.googleapis.com", "fonts.gstatic.com", "cdn.jsdelivr.net"]
MANIFEST_KEYS = ["path", "filename", "kind", "id", "format", "title", "version", "effective", "bytes", "sha256"]


def normalise(text: str) -> str:
    """No whitespace, full-width punctuation as half-width (NFKC)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def clauses(line: str) -> list[str]:
    """Runs of letters/digits/CJK between punctuation, leading numbering dropped, ≥ 4 CJK characters."""
    parts = (re.sub(r"^\d+", "", part) for part in re.split(r"[^\w]+", normalise(line)))
    return [part for part in parts if len(CJK.findall(part)) >= 4]


class _Text(HTMLParser):
    """Text of the page's <article> (the content, not menus), entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "article" or self.depth:
            self.depth += 1 if tag not in ("br", "img", "input", "meta", "link", "hr") else 0

    def handle_endtag(self, tag):
        if self.depth and tag not in ("br", "img", "input", "meta", "link", "hr"):
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.chunks.append(data)


def article_text(page: Path) -> str:
    parser = _Text()
    parser.feed(page.read_text(encoding="utf-8"))
    return " ".join(parser.chunks)


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


@pytest.fixture(scope="module")
def site(built_site) -> Path:
    assert built_site.warnings == [], built_site.warnings
    return built_site.path


@pytest.fixture(scope="module")
def all_text(site) -> str:
    return normalise("\n".join(article_text(p) for p in html_pages(site)))


@pytest.fixture(scope="module")
def hb():
    from generator.content.loader import load_handbook

    return load_handbook(REPO)


# ---------------------------------------------------------------------------------------------- pages


def test_every_role_policy_guide_and_form_has_a_page(site, hb):
    expected = (["index.html", "org-chart.html", "downloads.html", "forms/index.html"]
                + [f"roles/{r.id}.html" for r in hb.roles] + [f"policies/{p.id}.html" for p in hb.policies]
                + [f"guides/{g.id}.html" for g in hb.guides] + [f"forms/{f.id}.html" for f in hb.forms])
    for rel in expected:
        assert (site / rel).is_file(), rel
    for role in hb.roles:
        text = article_text(site / "roles" / f"{role.id}.html")
        assert role.title in text and "岗位职责" in text and "关键绩效指标" in text


def test_navigation_follows_site_yml_and_departments(site):
    page = (site / "roles" / "market-manager.html").read_text(encoding="utf-8")
    nav = page[page.index('md-nav--primary'):]
    labels = ("首页", "岗位", "营销中心", "市场部", "组织架构", "制度", "指南", "表单", "下载")
    position = 0
    for label in labels:  # each one found after the one before it
        found = re.compile(rf">\s*{label}\s*<").search(nav, position)
        assert found, f"{label} not in the menu after position {position}"
        position = found.end()
    assert "<title>市场部经理 - 营销中心员工手册</title>" in page


def test_role_page_structure(site):
    page = (site / "roles" / "market-manager.html").read_text(encoding="utf-8")
    text = article_text(site / "roles" / "market-manager.html")
    assert 'href="marketing-director.html">营销总监</a>' in page  # 直接上级 links to its page
    assert 'href="regional-manager.html">大区经理</a>' in page  # 直接下级 too
    assert "拟定，待人力资源部确认" in text
    assert 'id="duty-sales-collection"' in page and 'href="#duty-sales-collection"' in page
    for fmt in ("docx", "pdf"):
        assert f'href="../downloads/job-descriptions/market-manager.{fmt}"' in page
        assert f'href="../downloads/appraisals/market-manager.{fmt}"' in page
    assert "data-handbook-print" in page and "打印本页" in page
    # Chinese anchors, not #_1
    assert 'id="岗位职责"' in page
    regional = (site / "roles" / "regional-manager.html").read_text(encoding="utf-8")
    assert 'href="../forms/visit-report.html"' in regional  # the form this role uses


def test_role_names_in_text_link_to_their_pages(site):
    policy = (site / "policies" / "entertainment-expenses.html").read_text(encoding="utf-8")
    assert '<a href="../roles/market-manager.html">销售部经理</a>' in policy  # alias
    assert '<a href="../roles/sales-assistant.html">销售部经理助理</a>' in policy  # longest match wins
    assistant = (site / "roles" / "sales-assistant.html").read_text(encoding="utf-8")
    assert '<a href="marketing-director.html">市场总监</a>' in assistant
    assert not re.search(r"<h[1-6][^>]*>[^<]*<a href=\"[^#]", policy)  # never inside headings


def test_policy_page(site, hb):
    text = normalise(article_text(site / "policies" / "entertainment-expenses.html"))
    policy = hb.policy("entertainment-expenses")
    assert normalise("点餐标准（" + policy.meal_standard.rule + "），") in text
    assert "定点招待地点待行政部公布" in text  # venues empty: pending, none invented
    for numbered in ("一、业务招待费使用原则", "二、业务招待费使用范围", "三、本规定颁布之日起执行", "四、本制度由财务部"):
        assert numbered in text
    page = (site / "policies" / "entertainment-expenses.html").read_text(encoding="utf-8")
    assert 'href="../forms/key-client-entertainment.html"' in page
    assert 'href="../downloads/forms/key-client-entertainment.pdf"' in page


def test_guide_points_are_numbered(site):
    text = normalise(article_text(site / "guides" / "reception.html"))
    assert "(一)对前来访问" in text and "(二)主人到车站" in text


def test_org_chart_is_a_local_tree(site, hb):
    page = (site / "org-chart.html").read_text(encoding="utf-8")
    chart = page[page.index('class="org-chart"'):]
    assert chart.index("总经理") < chart.index("营销总监") < chart.index("市场部经理") < chart.index("大区经理")
    for role in hb.roles:
        assert f'href="roles/{role.id}.html"' in chart
    assert "<script" not in chart[:chart.index("</div>")]


def test_downloads_page_lists_every_file_with_size(site, built_site):
    page = (site / "downloads.html").read_text(encoding="utf-8")
    for item in built_site.report.produced:
        assert f'href="{item.doc.path}"' in page
        assert re.search(f'<a download="{re.escape(item.doc.filename)}" href="{re.escape(item.doc.path)}">'
                         r'(Word|PDF|Excel)（\d+ KB）', page), item.doc.path
    assert 'href="downloads/job-descriptions.zip"' in page and 'href="downloads/handbook-offline.zip"' in page


# ---------------------------------------------------------------------------------------------- seed text


@pytest.mark.parametrize("line", SEED_CONTENT)
def test_seed_line_is_on_the_site(line, all_text):
    missing = [clause for clause in clauses(line) if clause not in all_text]
    assert not missing, f"seed line {line!r}: not on the site: {missing}"


@pytest.mark.parametrize("line", sorted(SEED_HEADINGS))
def test_seed_heading_is_on_the_site(line, all_text):
    for fragment in SEED_HEADINGS[line]:
        assert normalise(fragment) in all_text, (line, fragment)


def test_seed_lines_are_all_accounted_for():
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    known = set(SEED_CONTENT) | set(SEED_HEADINGS) | set(SEED_PLACEHOLDERS) | set(SEED_BOILERPLATE)
    assert [line for line in lines if line not in known] == []
    assert clauses("2广告车外地来郑的客户(本市客户)注:单次接待") == ["广告车外地来郑的客户", "本市客户", "单次接待"]


def test_no_platform_boilerplate_anywhere(site):
    for path in site.rglob("*"):
        if path.suffix in (".html", ".js", ".json", ".css", ".xml", ".txt"):
            texts = [path.read_text(encoding="utf-8", errors="replace")]
        elif path.suffix in (".docx", ".zip") and path.stat().st_size:
            with zipfile.ZipFile(path) as archive:
                texts = [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                         if n.endswith((".xml", ".html", ".json", ".js"))]
        else:
            continue
        for text in texts:
            found = [m for m in BOILERPLATE_MARKERS if m in text]
            assert not found, f"{path.relative_to(site)}: {found}"


# ---------------------------------------------------------------------------------------------- search


def test_search_index_finds_chinese_words(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    separator = re.compile(index["config"]["separator"])
    assert "\u200b" in index["config"]["separator"] or "\\u200b" in index["config"]["separator"]
    found: dict[str, set[str]] = {}
    for doc in index["docs"]:
        text = re.sub(r"<[^>]+>", " ", doc["title"] + " " + doc["text"])
        for token in separator.split(text):
            found.setdefault(token.lower(), set()).add(doc["location"].split("#")[0])
    assert "roles/market-manager.html" in found["坏账"]
    assert "policies/entertainment-expenses.html" in found["招待费"]
    assert found["回款"]
    assert found["kpi"]  # from （KPI） in the role pages' headings
    assert (site / "search" / "search_index.js").read_text(encoding="utf-8").startswith("var __index =")


# ---------------------------------------------------------------------------------------------- offline


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") and value:
                self.refs.append((tag, name, value))


def test_interface_is_chinese(site):
    for path in html_pages(site) + [site / "404.html"]:
        page = path.read_text(encoding="utf-8")
        for english in ("Not found", "Permanent link", "Made with", "Material for MkDocs"):
            assert english not in page, f"{path.relative_to(site)}: {english}"


# Material's bundle names two scripts on a CDN that it asks for only when a browser lacks ResizeObserver
# (every browser the handbook supports has it) or a page has a Mermaid diagram (`pre.mermaid`: content is
# text, no page can have one). The bundle reaches the site unchanged, so they stay named; the browser tests
# record every request the pages make.
DORMANT = {"https://unpkg.com/resize-observer-polyfill", "https://unpkg.com/mermaid@11/dist/mermaid.min.js"}
THEME = Path(__import__("material").__file__).parent / "templates"


def test_no_internet_references(site):
    for path in site.rglob("*"):
        if path.suffix not in (".html", ".js", ".css", ".json"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        rel = path.relative_to(site).as_posix()
        for host in EXTERNAL_HOSTS:
            if host in text:  # only the theme's own bundle, unchanged, naming only its dormant fallbacks
                assert (THEME / rel).is_file() and path.read_bytes() == (THEME / rel).read_bytes(), f"{rel}: {host}"
                assert set(re.findall(r"https://" + re.escape(host) + r"[^\"'`\s)]*", text)) <= DORMANT, rel
        if path.suffix == ".html":
            assert 'class="mermaid"' not in text, rel
            parser = _Refs()
            parser.feed(text)
            loading = [(t, n, v) for t, n, v in parser.refs
                       if (t in ("script", "img", "iframe", "source", "video", "audio", "object", "embed")
                           or (t == "link" and n == "href")) and re.match(r"(https?:)?//", v)]
            assert loading == [], f"{rel} loads {loading}"
    assert (site / "assets/javascripts/iframe-worker-shim.js").is_file()


def test_every_theme_file_reaches_the_site_unchanged(site):
    """No file the installed theme ships is patched: each one in the site has the package's bytes."""
    shipped = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
               and (THEME / p.relative_to(site)).is_file() and p.name not in ("404.html", "sitemap.xml")]
    changed = [rel for rel in shipped if (site / rel).read_bytes() != (THEME / rel).read_bytes()]
    assert changed == []
    assert len(shipped) >= 40 and any(rel.startswith("assets/javascripts/workers/search.") for rel in shipped)
    assert any(re.fullmatch(r"assets/javascripts/bundle\.\w+\.min\.js", rel) for rel in shipped)


# ---------------------------------------------------------------------------------------------- safety

HOSTILE = '<script>alert(1)</script> [x](javascript:alert(1)) {: onclick="x"} {{ 7*7 }} {% raw %} **b** _i_'


def test_hostile_content_renders_as_text(tmp_path, build_root):
    root = copy_bundled_content(tmp_path)
    role = root / "roles" / "market-manager.yml"
    yaml = role.read_text(encoding="utf-8")
    yaml = yaml.replace("text: 组织开展销售渠道的建设、维护与管理。", f"text: '{HOSTILE}'")
    yaml = yaml.replace("name: 部门费用控制率", "name: 'a | b <i>'")
    role.write_text(yaml, encoding="utf-8")
    regional = root / "roles" / "regional-manager.yml"
    regional.write_text(regional.read_text(encoding="utf-8").replace(
        "title: 大区经理", "title: '大区经理<img src=x onerror=alert(1)>'"), encoding="utf-8")

    built = build_root(root)
    page = (built.path / "roles" / "market-manager.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert 'href="javascript:' not in page and 'onclick="x"' not in page
    text = article_text(built.path / "roles" / "market-manager.html")
    assert HOSTILE in text  # shown exactly as typed, Jinja syntax included
    assert "a | b <i>" in text
    for path in built.path.rglob("*.html"):
        body = path.read_text(encoding="utf-8")
        assert "<img src=x" not in body and "<script>alert" not in body, path


def test_pages_escape_every_field():
    """Every text field of every model set to markup: no page's Markdown contains it raw."""
    from generator.content.loader import load_handbook
    from generator.content.model import Handbook
    from generator.documents.plan import plan
    from generator.site.pages import pages

    evil = "<b>*_[a](b){: .c}</b>"
    skip = {"id", "department", "reports_to", "measures", "attachments", "policy", "role", "status", "type",
            "options_from", "effective", "weight", "navigation", "parent", "extra_dishes", "width", "lines",
            "rows", "other", "version", "history"}

    def poison(value, key=None):
        if isinstance(value, dict):
            return {k: poison(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [poison(v, key) for v in value]
        if isinstance(value, str) and key not in skip:
            return "??? note " + value + evil  # pymdownx.details syntax at the start of a line
        return value

    hb = load_handbook(REPO)
    bad = Handbook.model_validate(poison(hb.model_dump()))

    class Fake:
        def __init__(self, doc):
            self.doc, self.size = doc, 2048

    for uri, markdown in pages(bad, [Fake(d) for d in plan(bad)]).items():
        assert "<b>" not in markdown and "*_[a](b)" not in markdown and "{: .c}" not in markdown, uri
        assert not re.search(r"^\s*\?\?\? note", markdown, re.M), uri  # never where it would open a block
        assert "&lt;b&gt;&#42;&#95;&#91;a&#93;(b)&#123;: .c&#125;" in markdown, uri  # readable: only syntax escaped


# ---------------------------------------------------------------------------------------------- errors


def test_content_errors_fail_the_build_with_every_problem(tmp_path):
    """The build fails with one `path:line: message — hint` line per problem, and nothing else."""
    from generator.site.build import BuildFailed

    case = TESTS / "bad_roots" / "several-files"
    root = overlay_root(tmp_path, case)
    with pytest.raises(BuildFailed) as failed:
        build_site(root, tmp_path / "site", tmp_path / "cache")
    assert str(failed.value).splitlines() == (case / "expected.txt").read_text(encoding="utf-8").splitlines()


def test_missing_shim_fails_with_setup_hint(tmp_path, monkeypatch):
    from generator.site import plan
    from generator.site.build import BuildFailed

    monkeypatch.setattr(plan, "SHIM", tmp_path / "nope" / "shim.js")
    with pytest.raises(BuildFailed, match="缺少.*make setup"):
        build_site(REPO, tmp_path / "site", tmp_path / "cache")


def test_mkdocs_cli_strict_build(tmp_path, built_site):
    """Plain `mkdocs build --strict`: the plugin's `root` option defaults to mkdocs.yml's folder, the bundled
    content (documents from the run's shared cache; nothing is written into the repository)."""
    env = {"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1", cachedir.ENV: os.environ[cachedir.ENV],
           "HOME": str(tmp_path), "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([str(Path(sys.executable).with_name("mkdocs")), "build", "--strict", "-q",
                             "-f", str(REPO / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "roles" / "market-manager.html").is_file()
    assert (tmp_path / "site" / "downloads" / "manifest.json").read_bytes() == \
        (built_site.path / "downloads" / "manifest.json").read_bytes()


# ---------------------------------------------------------------------------------------------- downloads


def test_manifest_lists_every_download_with_correct_hashes(site, built_site):
    entries = json.loads((site / "downloads" / "manifest.json").read_text(encoding="utf-8"))
    assert [e["path"] for e in entries] == sorted(e["path"] for e in entries)
    for entry in entries:
        assert list(entry) == MANIFEST_KEYS
        data = (site / entry["path"]).read_bytes()
        assert entry["bytes"] == len(data), entry["path"]
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), entry["path"]
        assert entry["kind"] in ("job-description", "form", "appraisal", "roster", "job-description-book", "bundle")
        assert entry["format"] in ("pdf", "docx", "xlsx", "zip")
    paths = {e["path"] for e in entries}
    assert {item.doc.path for item in built_site.report.produced} <= paths
    bundles = {e["id"]: e for e in entries if e["kind"] == "bundle"}
    assert set(bundles) == {"all-documents", "job-descriptions", "appraisals", "forms", "handbook-offline"}
    with zipfile.ZipFile(site / "downloads" / "job-descriptions.zip") as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert len(names) == sum(1 for p in built_site.report.produced if p.doc.kind == "job-description")
        infos = archive.infolist()
    by_name = {f"营销中心员工手册/岗位说明书/{p.doc.filename}": p.doc for p in built_site.report.produced
               if p.doc.kind == "job-description"}
    assert set(names) == set(by_name)
    for info in infos:
        assert info.flag_bits & 0x800, f"{info.filename}: the UTF-8 name flag is not set"
        updated = by_name[info.filename].updated
        assert info.date_time == ((updated.year, updated.month, updated.day, 0, 0, 0) if updated
                                  else (1980, 1, 1, 0, 0, 0))
    role = {e["id"]: e for e in entries if e["path"] == "downloads/job-descriptions/regional-manager.pdf"}
    assert role["regional-manager"]["filename"] == "大区经理-岗位说明书.pdf"
    assert role["regional-manager"]["version"] == "1.0"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", role["regional-manager"]["effective"])
    assert bundles["job-descriptions"]["filename"] == "营销中心员工手册-全部岗位说明书.zip"


def test_role_and_form_pages_save_downloads_under_chinese_names(site):
    page = (site / "roles" / "regional-manager.html").read_text(encoding="utf-8")
    assert ('<a download="大区经理-岗位说明书.pdf" href="../downloads/job-descriptions/regional-manager.pdf">'
            in page)
    assert '<a download="大区经理-绩效考核表.docx" href="../downloads/appraisals/regional-manager.docx">' in page
    form = next((site / "forms").glob("*.html"))
    links = re.findall(r'<a download="([^"]+)" href="\.\./downloads/forms/([a-z0-9-]+)\.(pdf|docx)"',
                       form.read_text(encoding="utf-8"))
    assert links and all(re.search(r"[\u4e00-\u9fff]", name) and name.endswith("." + fmt)
                         for name, _, fmt in links), links
    downloads = (site / "downloads.html").read_text(encoding="utf-8")
    assert 'download="营销中心员工手册-离线版.zip" href="downloads/handbook-offline.zip"' in downloads


def test_save_as_names_are_portable_and_zip_dates_follow_source_date_epoch(monkeypatch):
    import datetime as dt

    from generator.documents import plan as documents
    from generator.documents.bundles import deterministic_zip
    from generator.documents.outputs import safe_name

    assert safe_name('经理/助理: "A|B" {x}') == "经理／助理： ＂A｜B＂ ｛x｝"
    assert safe_name("\x00..") == "_" and safe_name("...") == "文件"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01 UTC
    assert documents.source_date() == dt.date(2026, 1, 1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")
    assert documents.source_date() is None
    data = deterministic_zip([("手册/表.pdf", b"1", dt.date(2026, 3, 2)), ("手册/a.txt", b"2", None)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert [(i.filename, i.date_time, bool(i.flag_bits & 0x800)) for i in archive.infolist()] == [
            ("手册/a.txt", (1980, 1, 1, 0, 0, 0), True), ("手册/表.pdf", (2026, 3, 2, 0, 0, 0), True)]


def test_offline_zip_holds_the_site_in_one_folder_dated_like_the_content(site, built_site):
    from generator.documents.bundles import content_date

    with zipfile.ZipFile(site / "downloads" / "handbook-offline.zip") as archive:
        infos = archive.infolist()
    top = "营销中心员工手册-离线版/"
    assert all(info.filename.startswith(top) for info in infos)  # unpacks into one folder
    names = {info.filename.removeprefix(top) for info in infos}
    assert {"index.html", "assets/javascripts/iframe-worker-shim.js", "search/search_index.js",
            "roles/market-manager.html", "downloads/manifest.json"} <= names
    assert "downloads/handbook-offline.zip" not in names
    date = content_date(built_site.hb)
    assert date is not None and {info.date_time for info in infos} == {(date.year, date.month, date.day, 0, 0, 0)}


def test_two_builds_are_identical(built_site, tmp_path):
    """A second build gives the same manifest: same document bytes, same zips, same offline site.

    Its render cache is a copy of the first's, so the zips and pages are rebuilt but documents are
    not; that re-rendering gives the same bytes is test_build.py's serial = parallel test (both cold).
    """
    again = build_site(REPO, tmp_path / "site", fill_cache(tmp_path / "cache", built_site))
    assert len(again.report.reused) == len(again.report.produced)
    first = (built_site.path / "downloads" / "manifest.json").read_bytes()
    assert (again.path / "downloads" / "manifest.json").read_bytes() == first


def test_deterministic_zip_is_stable_and_sorted():
    from generator.documents.bundles import Entry, deterministic_zip, manifest

    one = deterministic_zip([("b.txt", b"2"), ("a/c.txt", b"1")])
    two = deterministic_zip([("a/c.txt", b"1"), ("b.txt", b"2")])
    assert one == two
    entry = Entry("downloads/x.pdf", "form", "x", "pdf", "表", 1, "0" * 64)
    assert manifest([entry]).decode().endswith("}\n]\n") and "表" in manifest([entry]).decode()
