"""The company's look (content/site.yml: logo, brand_color, company), read back from what users get:
the site's header logo, favicon, copied file and computed colours (Chromium); every PDF page's header
(the logo drawn, the company's name in its text, still PDF/A-2b); every Word header (the picture and
the name, East Asian fonts from styles). The refusals of bad logos and colours are in tests/bad_roots/
(exact lines) and below (what needs a generated file: too large, too many pixels)."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from browsing import DESKTOP, PHONE, SHOTS, open_page, serve
from docx import Document
from docx.oxml.ns import qn
from helpers import MINIMAL, TESTS, copy_bundled_content, overlay_root, problems_of
from pypdf import PdfReader

from generator.content import brand
from generator.content.loader import load_handbook
from generator.documents import outputs, views

SVG_ROOT = TESTS / "roots" / "branded-svg"
PNG_ROOT = TESTS / "roots" / "branded-png"
SVG_LOGO = (SVG_ROOT / "content" / "logo.svg").read_bytes()
PNG_LOGO = (PNG_ROOT / "content" / "brand" / "logo.png").read_bytes()
COMPANY = "河南星辰光电科技有限公司"
LOGO_BLUE = (0x1F, 0x4E, 0x79)  # the SVG fixture's screen colour


def _with_site(root: Path, extra: str) -> Path:
    site = root / "content" / "site.yml"
    text = site.read_text(encoding="utf-8")
    site.write_text(text.replace("organisation: 营销中心\n", "organisation: 营销中心\n" + extra, 1), encoding="utf-8")
    return root


def _logo_root(tmp: Path, svg: bytes, name: str = "logo.svg", extra: str = "") -> Path:
    root = overlay_root(tmp)
    (root / "content" / name).write_bytes(svg)
    site = root / "content" / "site.yml"
    site.write_text(site.read_text(encoding="utf-8") + f"logo: content/{name}\n{extra}", encoding="utf-8")
    return root


# --------------------------------------------------------------------------- refusals that need generated files


def test_a_logo_over_the_size_limit_is_refused_with_the_limit_named(tmp_path):
    padding = b"<!--" + b"x" * brand.MAX_LOGO_BYTES + b"-->"
    root = _logo_root(tmp_path, SVG_LOGO.replace(b"<svg ", padding + b"<svg ", 1))
    [line] = problems_of(root)
    assert re.fullmatch(r"content/site\.yml:6: logo content/logo\.svg 有 \d+ KB，最大 512 KB — .+", line), line


def test_a_png_with_too_many_pixels_is_refused(tmp_path):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (brand.MAX_LOGO_PIXELS + 1, 2)).save(buffer, "PNG")  # a few hundred bytes, 4097 px wide
    root = _logo_root(tmp_path, buffer.getvalue(), "logo.png")
    assert problems_of(root) == [f"content/site.yml:6: logo content/logo.png 有 {brand.MAX_LOGO_PIXELS + 1} × 2 "
                                 "像素，每边最多 4096 像素 — 导出得小一些（页眉用约 600 像素宽就够了）"]


@pytest.mark.parametrize("svg, says", [
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg" '
     b'viewBox="0 0 4 4">&a;</svg>', "声明了 XML 实体"),
    (b'<?xml-stylesheet href="http://example.com/x.css"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"/>',
     "从另一个文件加载样式表"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><style>@import url(x.css);</style></svg>',
     "从别处导入样式表（@import）"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect style="fill:url(http://e.com/p#g)"/></svg>',
     "引用了另一个文件或网址（'http://e.com/p#g'）"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><a href="javascript:alert(1)"><rect/></a></svg>',
     "引用了另一个文件或网址（'javascript:alert(1)'）"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><a href="#x"><set attributeName="href" '
     b'to="javascript:alert(1)"/></a></svg>', "用动画改变链接或事件"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 4 4">'
     b'<image xlink:href="data:image/svg+xml;base64,PHN2Zz4="/></svg>', "引用了另一个文件或网址"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect ONLOAD="x()"/></svg>', "有事件处理程序 'ONLOAD'"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4"/></svg>', "没有尺寸"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect></svg>', "不是格式正确的 SVG 文件"),
    (b"<svg viewBox='0 0 4 4'><rect/></svg>", "不是 SVG 图片（第一个元素是 <svg>）"),
    (b"<html><body>logo</body></html>", "不是 SVG 图片"),
])
def test_unsafe_or_unusable_svgs_are_refused_at_the_logo_line(tmp_path, svg, says):
    [line] = problems_of(_logo_root(tmp_path, svg))
    assert line.startswith("content/site.yml:6: logo content/logo.svg ") and says in line, line


def test_a_self_contained_svg_with_a_doctype_and_an_embedded_picture_is_accepted(tmp_path):
    svg = (b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
           b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
           b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="30mm" '
           b'height="10mm"><defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>'
           b'<rect width="10" height="10" fill="url(#g)"/><use xlink:href="#g"/>'
           b'<image width="4" height="4" xlink:href="data:image/png;base64,' + base64.b64encode(PNG_LOGO)
           + b'"/></svg>')
    hb = load_handbook(_logo_root(tmp_path, svg))
    assert hb.brand.logo.format == "svg" and hb.brand.logo.ratio == pytest.approx(3.0)


def test_a_logo_path_without_content_is_told_the_path_that_works(tmp_path):
    root = _logo_root(tmp_path, SVG_LOGO)
    site = root / "content" / "site.yml"
    site.write_text(site.read_text(encoding="utf-8").replace("logo: content/logo.svg", "logo: logo.svg"),
                    encoding="utf-8")
    assert problems_of(root) == ["content/site.yml:6: logo 'logo.svg' 不是 content/ 文件夹中的文件 — "
                                 "写成 logo: content/logo.svg"]


def test_a_logo_linked_from_outside_the_content_is_refused(tmp_path):
    outside = tmp_path / "elsewhere.svg"
    outside.write_bytes(SVG_LOGO)
    root = overlay_root(tmp_path)
    (root / "content" / "logo.svg").symlink_to(outside)
    (root / "content" / "site.yml").write_text((MINIMAL / "content" / "site.yml").read_text(encoding="utf-8")
                                               + "logo: content/logo.svg\n", encoding="utf-8")
    assert problems_of(root) == ["content/site.yml:6: logo content/logo.svg 是指向 content/ 之外的符号链接 — "
                                 "把真正的文件复制到 content/ 文件夹，不要用链接"]


def test_colour_shorthands_and_bare_hex_are_told_their_full_spelling(tmp_path):
    for typed, told in (('"#abc"', '"#AABBCC"'), ("1f4e79", '"#1F4E79"'), ("蓝色", '"#1F4E79"')):
        root = overlay_root(tmp_path / typed.strip('"#'))
        site = root / "content" / "site.yml"
        site.write_text(site.read_text(encoding="utf-8") + f"brand_color: {typed}\n", encoding="utf-8")
        [line] = problems_of(root)
        assert line.startswith("content/site.yml:6: 品牌主色 brand_color ") and f"写成 {told}" in line, line


# --------------------------------------------------------------------------- colours


@pytest.mark.parametrize("color", ["#1F4E79", "#F2C94C", "#777777", "#FF0000", "#00FF00", "#0000FF", "#FFFFFF",
                                   "#000000", "#808080", "#C00000", "#FFA500", "#00A0E9"])
def test_header_text_and_page_links_stay_readable_on_any_brand_colour(color):
    assert brand.contrast(brand.text_on(color), color) >= 4.5
    link = brand.readable_on_white(color)
    assert brand.contrast(link, "#FFFFFF") >= 4.5
    if brand.contrast(color, "#FFFFFF") >= 4.5:
        assert link == color  # a colour that already reads is kept as it is


def test_site_css_is_material_custom_palette_variables():
    css = brand.site_css("#f2c94c")
    assert css.startswith(":root>*{--md-primary-fg-color:#F2C94C;") and "--md-primary-bg-color:#000000" in css
    assert ".md-typeset{--md-primary-fg-color:#" in css  # text on white pages: darkened yellow
    assert ".md-typeset" not in brand.site_css("#1F4E79")  # dark blue reads on white as it is


# --------------------------------------------------------------------------- cache keys


def test_the_logo_bytes_and_colour_are_in_every_shown_documents_cache_key(tmp_path):
    root = tmp_path / "root"
    shutil.copytree(SVG_ROOT, root)
    hb = load_handbook(root)
    role = hb.roles[0]

    def keys(handbook):
        return {o.key: outputs.cache_key(o, o.view(handbook, s), s, "stamp")
                for o in outputs.all_outputs() for s in o.subjects_of(handbook)[:1]}

    before = keys(hb)
    assert keys(load_handbook(root)) == before  # nothing changed: nothing re-renders
    (root / "content" / "logo.svg").write_bytes(SVG_LOGO.replace(b"#E8A33D", b"#D9822B"))
    after = keys(load_handbook(root))
    shown = {k for k in before if k[0] != "roster"}
    assert {k for k in before if before[k] != after[k]} == shown  # every document that prints it; not the roster
    site = root / "content" / "site.yml"
    site.write_text(site.read_text(encoding="utf-8").replace("#1F4E79", "#204E79"), encoding="utf-8")
    recoloured = load_handbook(root)
    assert recoloured.brand.color == "#204E79"
    changed = {k for k, v in keys(recoloured).items() if v != after[k]}
    # per-role and per-form documents do not show the site's colour: none re-renders; 全部岗位说明书's view
    # holds all of site.yml, so it re-renders, as for any edit of site.yml
    assert changed == {("job-description-book", "pdf")}
    # the bytes stand in the key as their hash, never base64 of the whole file
    assert "sha256:" in str(outputs.fingerprint(views.role_view(hb, role))["brand"])


# --------------------------------------------------------------------------- the bundled content with a logo


@pytest.fixture(scope="module")
def branded(build_root, tmp_path_factory):
    """The bundled content with the SVG fixture logo, a company name and a dark brand colour; three of its five
    roles (a superior, its report and theirs: every kind of document, each printed alike for every role)."""
    root = copy_bundled_content(tmp_path_factory.mktemp("branded"))
    for leaf in ("planning-manager", "sales-assistant"):
        (root / "roles" / f"{leaf}.yml").unlink()
    (root / "content" / "logo.svg").write_bytes(SVG_LOGO)
    _with_site(root, f'company: {COMPANY}\nlogo: content/logo.svg\nbrand_color: "#1F4E79"\n')
    return build_root(root)


def _documents(built, fmt: str) -> dict[tuple[str, str], bytes]:
    return {(p.doc.kind, p.doc.id): built.blobs[p.file.name] for p in built.report.produced if p.doc.format == fmt}


def _logo_drawn_on_every_page(data: bytes, tmp_path: Path, name: str, resolutions=(60, 72, 96)) -> None:
    """The top-left header area of every page (above the 20 mm top margin's end, so no heading bar of the
    page's own can stand in for it), as pdftoppm draws it at screen zooms, holds the logo's blue."""
    from PIL import Image

    for dpi in resolutions:
        prefix = tmp_path / f"{name}-{dpi}"
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-W", str(dpi * 11 // 3), "-H", str(dpi * 44 // 60),
                        "-", str(prefix)], input=data, check=True, capture_output=True)
        pages = sorted(tmp_path.glob(f"{name}-{dpi}-*.png"))
        assert len(pages) == len(PdfReader(io.BytesIO(data)).pages)
        for page in pages:
            with Image.open(page) as image:
                blue = _pixels_near(image.convert("RGB"), LOGO_BLUE)
            assert blue > dpi // 2, f"{name}: no logo in the header of {page.name} at {dpi} dpi"


def _pixels_near(image, colour: tuple[int, int, int], within: int = 40) -> int:
    """How many pixels of ``image`` are within ``within`` of ``colour`` in each of R, G and B."""
    from PIL import ImageChops

    bands = [band.point([255 if abs(v - c) < within else 0 for v in range(256)])
             for band, c in zip(image.split(), colour)]
    return ImageChops.multiply(ImageChops.multiply(bands[0], bands[1]), bands[2]).histogram()[255]


def test_every_pdf_page_has_the_logo_and_the_company_name_in_its_header(branded, tmp_path):
    pdfs = _documents(branded, "pdf")
    assert {kind for kind, _ in pdfs} == {"job-description", "appraisal", "form", "job-description-book"}
    zoomed = set()  # every zoom for one document of each kind (the header is drawn alike in all), 72 dpi for the rest
    for (kind, ident), data in pdfs.items():
        reader = PdfReader(io.BytesIO(data))
        for number, page in enumerate(reader.pages, 1):
            assert COMPANY in page.extract_text(), f"{kind}/{ident} page {number}"
        _logo_drawn_on_every_page(data, tmp_path, f"{kind}-{ident}", resolutions=(72,) if kind in zoomed else (60, 72, 96))
        zoomed.add(kind)


def test_an_svg_logo_with_a_gradient_is_drawn_as_png_and_a_plain_one_stays_vector(branded, tmp_path):
    """WeasyPrint draws SVG gradients as tiling patterns that poppler leaves out at some zooms: such a
    logo goes in as a 600 dpi PNG; a logo of plain fills stays vector, and both show at every zoom."""
    data = _documents(branded, "pdf")[("job-description", "market-manager")]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        [image] = [x for x in pdf.pages[0].Resources.XObject.values() if x.get("/Subtype") == "/Image"]
        assert image.Height == round(9 / 25.4 * 600) and "/SMask" in image
    root = tmp_path / "root"
    shutil.copytree(SVG_ROOT, root)
    plain = SVG_LOGO.replace(b'fill="url(#screen)"', b'fill="#1F4E79"')
    plain = re.sub(rb"<defs>.*</defs>", b"", plain, flags=re.DOTALL)
    (root / "content" / "logo.svg").write_bytes(plain)
    hb = load_handbook(root)
    from generator.documents.renderers import pdf as renderer

    role = hb.roles[0]
    vector = renderer.job_description(views.role_view(hb, role), role)
    with pikepdf.open(io.BytesIO(vector)) as pdf:
        assert not [x for x in pdf.pages[0].Resources.get("/XObject", {}).values() if x.get("/Subtype") == "/Image"]
    _logo_drawn_on_every_page(vector, tmp_path, "vector", resolutions=(50, 60, 72, 96, 100))


def test_branded_pdfs_stay_pdfa_2b_and_tagged(branded, branded_png):
    for built in (branded, branded_png):
        for key, data in _documents(built, "pdf").items():
            with pikepdf.open(io.BytesIO(data)) as pdf:
                meta = pdf.open_metadata()
                assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B", key
                assert pdf.Root.OutputIntents[0].S == "/GTS_PDFA1", key
                assert pdf.Root.MarkInfo.Marked is True and "/StructTreeRoot" in pdf.Root, key


def test_a_png_logo_is_one_image_with_its_transparency_on_every_page(branded_png):
    for key, data in _documents(branded_png, "pdf").items():
        with pikepdf.open(io.BytesIO(data)) as pdf:
            for number, page in enumerate(pdf.pages, 1):
                images = [x for x in page.Resources.get("/XObject", {}).values() if x.get("/Subtype") == "/Image"]
                assert any(x.Width == 250 and x.Height == 100 and "/SMask" in x for x in images), (key, number)
        assert "郑州明辉广告有限公司" in PdfReader(io.BytesIO(data)).pages[0].extract_text()


def _header(data: bytes):
    doc = Document(io.BytesIO(data))
    return doc, doc.sections[0].header


def test_every_word_header_holds_the_picture_and_the_company_name_in_styles_fonts(branded):
    docs = _documents(branded, "docx")
    assert {kind for kind, _ in docs} == {"job-description", "appraisal", "form"}
    for key, data in docs.items():
        doc, header = _header(data)
        images = [rel for rel in header.part.rels.values() if rel.reltype.endswith("/image")]
        assert len(images) == 1, key
        png = images[0].target_part.blob
        assert png.startswith(b"\x89PNG") and images[0].target_part.content_type == "image/png", key
        blips = header._element.findall(".//" + qn("a:blip"))
        assert [b.get(qn("r:embed")) for b in blips] == [images[0].rId], key
        text = "".join(p.text for p in header.paragraphs)
        assert text.startswith(f" {COMPANY}\u3000营销中心员工手册"), (key, text)
        assert header._element.findall(".//" + qn("w:rFonts")) == [], key  # fonts come from the Header style
        east_asian = doc.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:rFonts")).get(qn("w:eastAsia"))
        assert east_asian, key
        assert header._element.find(".//" + qn("wp:docPr")).get("descr") == COMPANY, key


def test_the_logo_check_sees_no_logo_where_there_is_none(documents, tmp_path):
    """The check above cannot pass on a page without a logo (the heading bars are blue too, but lower)."""
    for key, data in documents.items():
        if key[2] == "pdf":
            with pytest.raises(AssertionError, match="no logo in the header"):
                _logo_drawn_on_every_page(data, tmp_path, "-".join(key[:2]))


def test_without_a_logo_the_word_header_is_the_references_own(documents):
    for key, data in documents.items():
        if key[2] == "docx":
            doc, header = _header(data)
            assert not [r for r in header.part.rels.values() if r.reltype.endswith("/image")], key
            assert header.paragraphs[0].text.startswith("营销中心员工手册"), key


def test_a_word_file_with_a_logo_opens_in_libreoffice_with_the_picture(branded, tmp_path):
    data = _documents(branded, "docx")[("job-description", "market-manager")]
    source = tmp_path / "jd.docx"
    source.write_bytes(data)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    converted = (tmp_path / "jd.pdf").read_bytes()
    assert COMPANY in PdfReader(io.BytesIO(converted)).pages[0].extract_text()
    _logo_drawn_on_every_page(converted, tmp_path, "lo")


# --------------------------------------------------------------------------- the site


def _logo_uri(built) -> str:
    [logo] = list((built.path / "assets" / "brand").iterdir())
    return logo.relative_to(built.path).as_posix()


def test_the_site_copies_the_logo_and_uses_it_as_header_logo_and_favicon(branded):
    uri = _logo_uri(branded)
    assert (branded.path / uri).read_bytes() == SVG_LOGO
    assert re.fullmatch(r"assets/brand/logo-[0-9a-f]{12}\.svg", uri)
    for page, prefix in (("index.html", ""), ("roles/market-manager.html", "../")):
        html = (branded.path / page).read_text(encoding="utf-8")
        assert f'<link rel="icon" href="{prefix}{uri}">' in html
        assert html.count(f'<img src="{prefix}{uri}"') == 2  # the header and the menu drawer
        assert 'data-md-color-primary="custom"' in html and "--md-primary-fg-color:#1F4E79" in html
        assert "material/book-open-variant" not in html and "http" not in uri


def test_the_offline_zip_carries_the_logo(branded):
    uri = _logo_uri(branded)
    with zipfile.ZipFile(branded.path / "downloads" / "handbook-offline.zip") as archive:
        top = archive.namelist()[0].split("/")[0]  # the site unpacks into one folder
        assert archive.read(f"{top}/{uri}") == SVG_LOGO
        assert f'<img src="{uri}"' in archive.read(f"{top}/index.html").decode("utf-8")


def test_without_a_logo_the_site_keeps_its_icon_and_palette(built_site):
    html = (built_site.path / "index.html").read_text(encoding="utf-8")
    assert not (built_site.path / "assets" / "brand").exists()
    assert 'data-md-color-primary="indigo"' in html and "<style>" not in html and "md-logo" in html


@pytest.mark.parametrize("which, background, text", [("branded", (31, 78, 121), (255, 255, 255)),
                                                     ("branded_png", (242, 201, 76), (0, 0, 0))])
def test_the_header_shows_the_brand_colour_with_readable_text_and_the_logo(request, browser, which, background, text):
    built = request.getfixturevalue(which)
    SHOTS.mkdir(exist_ok=True)
    with serve(built.path) as url:
        for label, viewport in (("1280", DESKTOP), ("390", PHONE)):
            page = open_page(browser, url + "index.html", viewport)
            colours = page.evaluate("""() => {
                const header = getComputedStyle(document.querySelector('.md-header'));
                const button = document.querySelector('.md-typeset a, .md-typeset .md-button');
                return [header.backgroundColor, header.color, getComputedStyle(button).color]; }""")
            parsed = [tuple(int(v) for v in re.findall(r"\d+", c)[:3]) for c in colours]
            assert parsed[0] == background and parsed[1] == text, (label, colours)
            hexes = ["#%02X%02X%02X" % rgb for rgb in parsed]
            assert brand.contrast(hexes[0], hexes[1]) >= 4.5
            assert brand.contrast(hexes[2], "#FFFFFF") >= 4.5, f"page text {hexes[2]} on white"
            if viewport is DESKTOP:
                loaded = page.evaluate("document.querySelector('.md-header .md-logo img').naturalWidth")
                assert loaded > 0
            page.screenshot(path=str(SHOTS / f"brand-{which}-{label}.png"))
            page.close()


def test_the_change_log_words_the_company_logo_and_colour_changes():
    from generator.history import changes

    before = load_handbook(MINIMAL).site
    after = before.model_copy(update={"company": COMPANY, "logo": "content/logo.svg", "brand_color": "#1F4E79"})
    assert [c.text for c in changes._site(before, after)] == [
        f"新增公司名称 {COMPANY}", "新增公司 logo content/logo.svg", "新增品牌色 #1F4E79"]
    again = after.model_copy(update={"logo": "content/brand.png", "brand_color": None})
    assert [c.text for c in changes._site(after, again)] == [
        "公司 logo content/logo.svg 改为 content/brand.png", "删除品牌色 #1F4E79"]


@pytest.mark.slow
def test_the_preview_shows_a_replaced_logo_on_every_page_and_in_the_documents(tmp_path):
    from test_incremental_preview import Serving

    root = tmp_path / "root"
    shutil.copytree(SVG_ROOT, root)
    serving = Serving(root, tmp_path / "site", tmp_path / "cache")
    try:
        plugin = serving.build(first=True)
        pdf_before = plugin.preview.download("downloads/job-descriptions/worker.pdf")
        # every page but 404.html, which the preview renders once (the MkDocs engine's on_env)
        pages = sorted(p.relative_to(serving.site_dir).as_posix() for p in serving.site_dir.rglob("*.html")
                       if p.name != "404.html")
        new = SVG_LOGO.replace(b"#E8A33D", b"#D9822B")
        (root / "content" / "logo.svg").write_bytes(new)
        plugin = serving.build()
        logo = serving.site_dir / "assets" / "brand" / f"logo-{hashlib.sha256(new).hexdigest()[:12]}.svg"
        assert logo.read_bytes() == new
        for page in pages:  # every page's header was rebuilt with the new file (no page skipped as unchanged)
            html = (serving.site_dir / page).read_text(encoding="utf-8")
            assert logo.name in html, page
        assert plugin.preview.download("downloads/job-descriptions/worker.pdf") != pdf_before
    finally:
        serving.close()


def test_a_long_company_name_puts_the_logo_on_its_own_header_line_in_word(tmp_path):
    from generator.documents.renderers import docx as renderer

    root = tmp_path / "root"
    shutil.copytree(SVG_ROOT, root)
    long_name = "河南省郑州市星辰光电显示科技股份有限公司营销中心分公司暨广告车租赁服务有限责任公司"
    site = root / "content" / "site.yml"
    site.write_text(site.read_text(encoding="utf-8").replace(COMPANY, long_name), encoding="utf-8")
    hb = load_handbook(root)
    role = hb.roles[0]
    _, header = _header(renderer.job_description(views.role_view(hb, role), role))
    first, second = header.paragraphs[:2]
    assert first._p.findall(".//" + qn("a:blip")) and first.text == " " + long_name
    assert second.text == "测试手册\t岗位编号：T-01" and not second._p.findall(".//" + qn("a:blip"))
    assert first.style.name == second.style.name == "Header"
    _, short = _header(renderer.job_description(views.role_view(load_handbook(SVG_ROOT), role), role))
    assert short.paragraphs[0].text == f" {COMPANY}\u3000测试手册\t岗位编号：T-01"  # fits: one line


def test_the_unzipped_offline_site_shows_the_logo_from_file_urls(branded, browser, tmp_path):
    target = tmp_path / "offline"
    with zipfile.ZipFile(branded.path / "downloads" / "handbook-offline.zip") as archive:
        archive.extractall(target)
    target = next(target.iterdir())  # the site unpacks into one folder
    context = browser.new_context(viewport=DESKTOP)  # its own: file:// pages, nothing cached from http://
    try:
        page = context.new_page()
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url))
        page.goto((target / "roles" / "market-manager.html").as_uri())
        page.wait_for_load_state("load")
        width = page.evaluate("document.querySelector('.md-header .md-logo img').naturalWidth")
        icon = page.evaluate("document.querySelector('link[rel=icon]').href")
    finally:
        context.close()
    assert width > 0 and icon.startswith("file:") and icon.endswith(".svg")
    assert not [u for u in asked if not u.startswith(("file:", "data:"))], asked
