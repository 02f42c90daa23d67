"""PDF renderer: what the printed documents say, how they are built, and what they may load.

Every PDF is rendered once per session (module-scoped fixtures); the tests read the
text back with pypdf and inspect fonts with poppler's ``pdffonts``.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from generator.content import outline
from generator.content.loader import load_handbook
from generator.documents import views
from generator.documents.renderers import pdf, weasy

ROOT = Path(__file__).resolve().parents[1]
ROLE_IDS = sorted(p.stem for p in (ROOT / "roles").glob("*.yml"))
FORM_IDS = sorted(p.stem for p in (ROOT / "content" / "forms").glob("*.yml"))
A4_PT = (595.28, 841.89)


def squash(text: str) -> str:
    """Remove all whitespace: PDF text extraction breaks lines wherever the layout did."""
    return re.sub(r"\s+", "", text)


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def page_count(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def pdffonts(data: bytes, tmp_dir: Path) -> list[dict]:
    path = tmp_dir / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        tokens = line.split()
        if tokens:
            # name  type (may contain spaces)  encoding  emb sub uni  object-number generation
            fonts.append({"name": tokens[0], "emb": tokens[-5], "sub": tokens[-4], "uni": tokens[-3]})
    return fonts


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def hb(built_site):
    """The handbook the session build rendered the documents below from (with the repository's history)."""
    return built_site.hb


# The session build's PDFs (conftest.documents): rendered once, by the real pipeline, for all tests.
@pytest.fixture(scope="module")
def jds(hb, documents):
    return {role.id: documents[("job-description", role.id, "pdf")] for role in hb.roles}


@pytest.fixture(scope="module")
def appraisals(hb, documents):
    return {role.id: documents[("appraisal", role.id, "pdf")] for role in hb.roles}


@pytest.fixture(scope="module")
def forms(hb, documents):
    return {form.id: documents[("form", form.id, "pdf")] for form in hb.forms}


@pytest.fixture(scope="module")
def texts(jds, appraisals, forms):
    return {
        **{("jd", k): text_of(v) for k, v in jds.items()},
        **{("appraisal", k): text_of(v) for k, v in appraisals.items()},
        **{("form", k): text_of(v) for k, v in forms.items()},
    }


def test_bundled_content_is_covered(hb):
    assert sorted(r.id for r in hb.roles) == ROLE_IDS and ROLE_IDS
    assert sorted(f.id for f in hb.forms) == FORM_IDS and FORM_IDS


# --------------------------------------------------------------------------- job descriptions


@pytest.mark.parametrize("role_id", ROLE_IDS)
def test_jd_has_title_and_every_duty(hb, texts, role_id):
    role = hb.role(role_id)
    text = squash(texts[("jd", role_id)])
    assert squash(role.title + "岗位说明书") in text
    assert squash(hb.site.handbook_title) in text
    for duty in outline.all_duty_texts(role):
        assert squash(duty) in text, duty


@pytest.mark.parametrize("role_id", ROLE_IDS)
def test_jd_sections_in_order_with_basic_info_kpis_and_signatures(hb, texts, role_id):
    role = hb.role(role_id)
    text = squash(texts[("jd", role_id)])
    positions = [text.find(squash(label)) for label in views.JD_SECTIONS]
    assert -1 not in positions and positions == sorted(positions)
    for key, value in views.basic_info(hb, role):
        assert squash(key + value) in text
    for row in views.kpi_rows(role):
        for cell in row:
            assert squash(cell) in text
    for column in views.KPI_COLUMNS:
        assert squash(column) in text
    for who in views.SIGNATORIES:
        assert squash(who) in text
    assert text.count("签字：") >= len(views.SIGNATORIES)
    assert squash(views.COPIES_NOTE) in text
    if role.kpis.status == "proposed":
        assert squash(views.PROPOSED_NOTICE) in text
    if role.kpis.note:
        assert squash(role.kpis.note) in text


@pytest.mark.parametrize("role_id", ROLE_IDS)
def test_jd_headers_and_page_numbers(hb, jds, texts, role_id):
    role, data = hb.role(role_id), jds[role_id]
    text = squash(texts[("jd", role_id)])
    pages = page_count(data)
    for page in range(1, pages + 1):
        assert f"第{page}页/共{pages}页" in text
    assert text.count(squash(role.number)) >= pages  # in the header of every page


@pytest.mark.parametrize("role_id", ROLE_IDS)
def test_jd_is_a4_small_and_titled(hb, jds, role_id):
    data = jds[role_id]
    reader = pypdf.PdfReader(io.BytesIO(data))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4_PT[0]) <= 1 and abs(height - A4_PT[1]) <= 1
    assert reader.metadata.title == hb.role(role_id).title + "岗位说明书"
    assert "/CreationDate" not in reader.metadata and "/ModDate" not in reader.metadata
    assert len(data) <= 300 * 1024 * len(reader.pages) / 2, f"{len(data)} bytes for {len(reader.pages)} pages"


@pytest.mark.parametrize("role_id", ROLE_IDS)
def test_jd_fonts_are_embedded_subsets_of_the_sc_face(jds, tmp_path, role_id):
    fonts = pdffonts(jds[role_id], tmp_path)
    assert fonts
    for font in fonts:
        assert font["emb"] == "yes" and font["sub"] == "yes" and font["uni"] == "yes", font
        assert re.match(r"^[A-Z]{6}\+", font["name"]), font
        # one family only: a glyph missing from it would pull in a fallback font (or print tofu)
        assert "Noto-Sans-CJK-SC" in font["name"] or "NotoSansCJKsc" in font["name"], font
    assert any("Bold" in font["name"] for font in fonts)


def test_nested_duties_keep_group_headings_and_numbering(hb, texts):
    role = hb.role("planning-manager")
    text = squash(texts[("jd", role.id)])
    items = outline.duty_outline(role)
    assert any(item.is_heading and item.depth > 0 for item in items)
    cursor = 0
    for item in items:  # every numbered line, in outline order
        found = text.find(squash(item.label + item.text), cursor)
        assert found >= 0, item
        cursor = found


@pytest.mark.parametrize("role_id", ROLE_IDS)
def test_kpis_name_the_duties_they_measure(hb, texts, role_id):
    """Nested roles too: their labels carry the group labels (二、2.7)), so they say which duty is meant."""
    role = hb.role(role_id)
    text = squash(texts[("jd", role_id)])
    for kpi in role.kpis.items:
        measures = outline.kpi_measures(role, kpi)
        assert measures
        assert squash(kpi.name + "考核职责：" + " ".join(measures)) in text


def test_rendering_is_deterministic(hb, jds):
    role = hb.role("planning-manager")
    assert pdf.job_description(hb, role) == jds[role.id]


def test_compacted_fonts_render_exactly_like_weasyprints_own(hb, tmp_path):
    """The font compaction must not change a single pixel (poppler rendering)."""
    role = hb.role("market-manager")
    rendered = {}
    for compact in (True, False):
        original = pdf.html_to_pdf
        try:
            pdf.html_to_pdf = lambda html, _c=compact: original(html, compact_fonts=_c)
            data = pdf.job_description(hb, role)
        finally:
            pdf.html_to_pdf = original
        path = tmp_path / f"{compact}.pdf"
        path.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "50", str(path), str(tmp_path / f"p{compact}")], check=True)
        rendered[compact] = [p.read_bytes() for p in sorted(tmp_path.glob(f"p{compact}*.ppm"))]
        rendered[(compact, "size")] = len(data)
    assert rendered[True] and rendered[True] == rendered[False]
    assert rendered[(True, "size")] < rendered[(False, "size")] / 2


# --------------------------------------------------------------------------- forms


def test_entertainment_form_has_every_label_and_the_meal_rule(hb, forms, texts):
    form = hb.form("key-client-entertainment")
    text = squash(texts[("form", form.id)])
    assert squash(form.title) in text
    for section in form.sections:
        assert squash(section.heading) in text
        for field in section.fields:
            assert squash(field.label) in text, field.label
    for para in form.instructions:
        assert squash(para) in text
    policy = hb.policy(form.policy)
    assert squash(policy.meal_standard.rule) in text
    assert squash(views.form_footer(form)) in text
    assert squash(form.footer_note) in text
    assert "第1页/共1页" in text


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_bundled_forms_fit_one_a4_page(hb, forms, texts, tmp_path, form_id):
    data = forms[form_id]
    assert page_count(data) == 1
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    assert abs(float(page.mediabox.width) - A4_PT[0]) <= 1
    for font in pdffonts(data, tmp_path):
        assert font["emb"] == "yes" and font["sub"] == "yes" and "SC" in font["name"], font
    form = hb.form(form_id)
    text = squash(texts[("form", form_id)])
    for section in form.sections:
        for field in section.fields:
            assert squash(field.label) in text
            for column in field.columns:
                assert squash(column.label) in text


def test_choice_options_have_tick_boxes(hb, texts):
    text = squash(texts[("form", "key-client-entertainment")])
    assert squash(views.CHECKBOX + "全彩屏大客户") in text
    assert squash(views.CHECKBOX + "外地广告车客户") in text


@pytest.mark.slow
def test_form_follows_the_policy_data(tmp_path):
    """Changing the policy's meal standard changes the printed form: nothing is retyped."""
    for folder in ("roles", "content"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    policy_file = tmp_path / "content" / "policies" / "entertainment-expenses.yml"
    source = policy_file.read_text(encoding="utf-8")
    assert "extra_dishes: 1" in source
    policy_file.write_text(source.replace("extra_dishes: 1", "extra_dishes: 2"), encoding="utf-8")
    changed = load_handbook(tmp_path)
    text = squash(text_of(pdf.form(changed, changed.form("key-client-entertainment"))))
    assert "人数+2" in text
    assert "人数+1" not in text


def test_venues_from_the_policy_become_options(hb):
    policy = hb.policy("entertainment-expenses")
    venues = ["某某酒店（某某路 1 号）", "迎宾楼"]
    with_venues = policy.model_copy(update={"venues": venues})
    changed = hb.model_copy(update={"policies": [with_venues if p.id == policy.id else p for p in hb.policies]})
    text = squash(text_of(pdf.form(changed, changed.form("key-client-entertainment"))))
    for venue in venues:
        assert squash(views.CHECKBOX + venue) in text
    assert squash(views.CHECKBOX + "其他：") in text


# --------------------------------------------------------------------------- appraisal


@pytest.mark.parametrize("role_id", ROLE_IDS)
def test_appraisal_has_every_kpi_and_a_total(hb, appraisals, texts, role_id):
    role = hb.role(role_id)
    text = squash(texts[("appraisal", role_id)])
    assert squash(role.title + "绩效考核表") in text
    for column in views.APPRAISAL_COLUMNS:
        assert squash(column) in text
    for kpi in role.kpis.items:
        assert squash(kpi.name) in text
        assert squash(outline.weight_text(kpi)) in text
    assert "合计100%" in text and squash("".join(views.appraisal_total_row(role))) == "合计100%"
    for label, value in views.appraisal_info(hb, role):
        assert squash(label + value) in text
    assert [label for label, value in views.appraisal_info(hb, role) if not value] == list(views.APPRAISAL_BLANKS)
    for who in views.APPRAISAL_SIGNERS:
        assert who + "签字：日期：" in text
    assert text.count("签字：") == 2 and text.count("日期：") == 2
    assert page_count(appraisals[role_id]) == 1


# --------------------------------------------------------------------------- safety


def test_url_fetcher_refuses_everything_but_the_templates():
    fetcher = weasy.LocalOnlyFetcher()
    for url in (
        "file:///etc/passwd",
        "http://example.com/x.png",
        "https://example.com/x.png",
        (weasy.TEMPLATE_DIR / ".." / ".." / "generator" / "model.py").as_uri(),
        "file://elsewhere" + (weasy.TEMPLATE_DIR / "style.css").as_posix(),
    ):
        with pytest.raises(weasy.BlockedURL):
            fetcher(url)
    response = fetcher((weasy.TEMPLATE_DIR / "style.css").as_uri())
    try:
        assert b"Noto Sans CJK SC" in response.read()
    finally:
        response.close()


def test_markup_in_content_is_printed_as_text(hb):
    hostile = ['<img src="file:///etc/passwd">', "<script>alert(1)</script>", "{{ 7*7 }} & &amp;"]
    role = hb.role("market-manager")
    duties = [*hostile, *role.duties[1:]]
    evil = role.model_copy(update={"duties": duties, "purpose": "<b>加粗</b>" + role.purpose})
    changed = hb.model_copy(update={"roles": [evil if r.id == role.id else r for r in hb.roles]})
    data = pdf.job_description(changed, changed.role(role.id))
    text = squash(text_of(data))
    for snippet in hostile:
        assert squash(snippet) in text, snippet
    assert squash("<b>加粗</b>") in text


def test_urls_in_content_are_never_fetched_while_rendering(hb, monkeypatch):
    """Record every URL WeasyPrint asks for while rendering content that names local files and hosts."""
    requested: list[str] = []
    original = weasy.LocalOnlyFetcher.fetch

    def recording(self, url, headers=None):
        requested.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(weasy.LocalOnlyFetcher, "fetch", recording)
    weasy._weasy.cache_clear()  # the cached fetcher instance is rebuilt with the recording method
    hostile = ['<img src="file:///etc/passwd">', '<img src="http://example.com/x.png">',
               '<link rel="stylesheet" href="https://example.com/x.css">', "url(http://example.com/y.png)"]
    role = hb.role("market-manager")
    evil = role.model_copy(update={"duties": [*hostile, *role.duties[1:]]})
    changed = hb.model_copy(update={"roles": [evil if r.id == role.id else r for r in hb.roles]})
    try:
        pdf.job_description(changed, changed.role(role.id))
    finally:
        weasy._weasy.cache_clear()
    outside = [u for u in requested if not u.startswith(weasy.TEMPLATE_DIR.as_uri())]
    assert outside == []


def test_templates_autoescape():
    assert weasy.environment().autoescape is True
    for path in weasy.TEMPLATE_DIR.glob("*.html"):
        assert "|safe" not in path.read_text(encoding="utf-8").replace(" ", "")


def test_html_declares_chinese_and_names_the_sc_family():
    base = (weasy.TEMPLATE_DIR / "base.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in base
    css = (weasy.TEMPLATE_DIR / "style.css").read_text(encoding="utf-8")
    families = set(re.findall(r'"(Noto[^"]*)"', css))
    assert families == {"Noto Sans CJK SC"}
    assert "sans-serif" not in css and "Serif" not in css


# --------------------------------------------------------------------------- long content


def test_long_kpi_table_breaks_across_pages_with_its_header(hb):
    role = hb.role("market-manager")
    long = "组织下属人员全面履行部门职责，全面负责销售部的日常管理工作，对销售的工作过程与工作成果负全面的管理和监控责任。"
    template = role.kpis.items[0]
    kpis = [
        template.model_copy(update={
            "name": f"长指标{i:02d}",
            "definition": long * (1 + i % 4) + " https://example.com/an/unbreakable/" + "x" * 60,
            "weight": 5,
        })
        for i in range(20)
    ]
    duties = [*role.duties, long * 8]
    changed_role = role.model_copy(update={"duties": duties, "kpis": role.kpis.model_copy(update={"items": kpis})})
    changed = hb.model_copy(update={"roles": [changed_role if r.id == role.id else r for r in hb.roles]})
    data = pdf.job_description(changed, changed.role(role.id))
    pages = [squash(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    assert len(pages) >= 4
    kpi_pages = [text for text in pages if "长指标" in text]
    assert len(kpi_pages) >= 3
    for text in kpi_pages:  # thead repeated on every page the table continues on
        assert squash("".join(views.KPI_COLUMNS)) in text
    everything = "".join(pages)
    for kpi in kpis:
        assert everything.count(kpi.name) == 1  # every row printed once (rows are not split)
    assert squash(long * 8) in everything


def test_site_overrides_replace_templates(hb, tmp_path, monkeypatch):
    (tmp_path / "appraisal.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>本地覆盖模板：{{ role_title }}</p>{% endblock %}',
        encoding="utf-8",
    )
    monkeypatch.setattr(weasy, "OVERRIDE_DIR", tmp_path)
    weasy.environment.cache_clear()
    weasy._weasy.cache_clear()
    try:
        assert weasy.search_path()[0] == tmp_path
        text = squash(text_of(pdf.appraisal(hb, hb.roles[0])))
        assert squash("本地覆盖模板：" + hb.roles[0].title) in text
        response = weasy.LocalOnlyFetcher()((tmp_path / "appraisal.html").as_uri())
        try:
            assert "本地覆盖模板" in response.read().decode("utf-8")
        finally:
            response.close()
    finally:
        monkeypatch.undo()
        weasy.environment.cache_clear()
        weasy._weasy.cache_clear()
