"""Font compaction (generator.documents.renderers.pdf_fonts, .harfbuzz) on small PDFs rendered here with WeasyPrint.

The decisive check reads the PDF the way a strict viewer does: every glyph id a page
draws (pypdf, from the content stream) must have an outline in the font program
embedded for it (fontTools). Poppler cannot be trusted for this on a machine with
Noto CJK installed: it substitutes the system font for a broken embedded one and
the page still looks right.
"""

from __future__ import annotations

import functools
import io

import pytest
from fontTools.cffLib import CFFFontSet
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ArrayObject

from generator.documents.renderers import harfbuzz, pdf_fonts, weasy

FIXTURE = ('<html lang="zh-CN"><body><h1>岗位说明书</h1><p>负责区域销售与回款，ABC 123。</p>'
           '<p><b>粗体：关键绩效指标</b></p></body></html>')


@pytest.fixture(scope="module")
def compacted() -> bytes:
    return weasy.html_to_pdf(FIXTURE)


@pytest.fixture(scope="module")
def original() -> bytes:
    return weasy.html_to_pdf(FIXTURE, compact_fonts=False)


def _raw(value) -> bytes:
    if isinstance(value, bytes):
        return bytes(value)
    return bytes(value.original_bytes)  # as written in the content stream (get_original_bytes() may add a BOM)


def drawn_glyphs(data: bytes) -> dict[str, set[int]]:
    """Font resource name → glyph ids (CIDs, Identity-H: two bytes each) drawn with it on any page."""
    used: dict[str, set[int]] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        font = None
        for operands, operator in page.get_contents().operations:
            if operator == b"Tf":
                font = str(operands[0])
            elif operator in (b"Tj", b"TJ", b"'", b'"'):
                strings = operands[0] if isinstance(operands[0], ArrayObject) else [operands[-1]]
                for item in strings:
                    if isinstance(item, (int, float)) or not hasattr(item, "__len__"):
                        continue
                    raw = _raw(item)
                    used.setdefault(font, set()).update(int.from_bytes(raw[i:i + 2], "big")
                                                        for i in range(0, len(raw) - 1, 2))
    return used


def embedded_fonts(data: bytes) -> dict[str, tuple[str, bytes, dict[int, str]]]:
    """Font resource name → (FontFile3 subtype, font program, CID → text from ToUnicode)."""
    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for name, ref in page["/Resources"]["/Font"].items():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            stream = descendant["/FontDescriptor"].get_object()["/FontFile3"].get_object()
            unicode_map = _to_unicode(font["/ToUnicode"].get_object().get_data()) if "/ToUnicode" in font else {}
            fonts[str(name)] = (str(stream.get("/Subtype")), stream.get_data(), unicode_map)
    return fonts


def _to_unicode(cmap: bytes) -> dict[int, str]:
    import re

    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for cid, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(cid, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, start in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = ord(bytes.fromhex(start.decode()).decode("utf-16-be"))
            for offset, cid in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                mapping[cid] = chr(first + offset)
    return mapping


@functools.lru_cache(maxsize=8)
def _opentype(program: bytes):
    """Parsing 65 000 glyph slots takes seconds: once per font program."""
    font = TTFont(io.BytesIO(program))
    return font.getGlyphSet(), font.getGlyphOrder()


def outlines(subtype: str, program: bytes, only: set[int] | None = None) -> dict[int, tuple | None]:
    """CID → bounds of its outline (None: the glyph draws nothing) in an embedded font program.

    WeasyPrint's own OpenType subset keeps glyph ids, so there a glyph id is the CID; ``only``
    limits the work to some of its 65 000 glyph slots.
    """
    if subtype == "/OpenType":
        glyphs, order = _opentype(program)
        result = {}
        for gid, name in enumerate(order):
            if only is not None and gid not in only:
                continue
            pen = BoundsPen(glyphs)
            glyphs[name].draw(pen)
            result[gid] = pen.bounds
        return result
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(program), None)
    top = cff[cff.fontNames[0]]
    result = {}
    for name in top.charset:
        cid = 0 if name == ".notdef" else int(name[3:])
        pen = BoundsPen(None)
        top.CharStrings[name].draw(pen)
        result[cid] = pen.bounds
    return result


def missing_outlines(data: bytes) -> list[str]:
    """Every drawn glyph of a visible character that has no outline in its embedded font."""
    fonts = embedded_fonts(data)
    problems = []
    for font_name, cids in drawn_glyphs(data).items():
        subtype, program, to_unicode = fonts[font_name]
        shapes = outlines(subtype, program, cids)
        for cid in sorted(cids):
            text = to_unicode.get(cid, "?")
            if text.isspace():
                continue
            if shapes.get(cid) is None:
                problems.append(f"{font_name}: glyph {cid} ({text!r}) has no outline")
    return problems


def test_fixture_draws_chinese_with_two_faces(compacted):
    glyphs = drawn_glyphs(compacted)
    assert len(glyphs) >= 2 and sum(len(c) for c in glyphs.values()) > 20
    texts = "".join(t for _, _, m in embedded_fonts(compacted).values() for t in m.values())
    assert {"岗", "绩", "效", "A", "1"} <= set(texts)


def test_every_drawn_glyph_has_an_outline_in_the_embedded_font(compacted):
    assert missing_outlines(compacted) == []


def test_the_outline_check_catches_a_font_that_lost_its_glyphs(monkeypatch):
    """The check above can fail: compact keeping only .notdef, and it reports every glyph."""
    monkeypatch.setattr(pdf_fonts, "_width_codes", lambda widths: set())
    broken = weasy.html_to_pdf(FIXTURE)
    problems = missing_outlines(broken)
    assert len(problems) > 20 and any("岗" in p for p in problems)


def test_compacted_fonts_are_bare_cid_keyed_cff_with_only_the_drawn_glyphs(compacted, original):
    fonts = embedded_fonts(compacted)
    assert {subtype for subtype, _, _ in fonts.values()} == {"/CIDFontType0C"}
    assert {subtype for subtype, _, _ in embedded_fonts(original).values()} == {"/OpenType"}
    drawn = drawn_glyphs(compacted)
    for name, (_, program, _) in fonts.items():
        kept = set(outlines("/CIDFontType0C", program))
        # HarfBuzz also keeps a glyph another one names as its component (one in this fixture's bold face)
        assert drawn[name] | {0} <= kept and len(kept - drawn[name] - {0}) <= 2, name
    assert len(compacted) < len(original) / 3


def test_each_glyph_keeps_exactly_its_outline(compacted, original):
    before, after = embedded_fonts(original), embedded_fonts(compacted)
    drawn = drawn_glyphs(compacted)
    assert drawn == drawn_glyphs(original), "page content is left untouched"
    for name, cids in drawn.items():
        old, new = outlines(*before[name][:2], cids), outlines(*after[name][:2], cids)
        assert {cid: new[cid] for cid in cids} == {cid: old[cid] for cid in cids}


def test_weasyprint_does_not_subset_the_faces_cut_here(monkeypatch):
    """The seam (pdf_fonts.whole_faces): WeasyPrint's own subsetting is skipped for the CJK faces, and only
    while html_to_pdf writes a PDF."""
    from weasyprint.pdf import fonts

    calls = []
    weasyprints = pdf_fonts._INSTALLED[0] if pdf_fonts._INSTALLED else fonts.Font.subset
    monkeypatch.setattr(pdf_fonts, "_INSTALLED", [lambda font, *args: calls.append(font.family) or weasyprints(
        font, *args)])
    data = weasy.html_to_pdf(FIXTURE)
    assert fonts.Font.subset is pdf_fonts._subset and calls == []
    assert not pdf_fonts._KEPT.active and pdf_fonts._KEPT.fonts == []
    assert missing_outlines(data) == []
    weasy.html_to_pdf(FIXTURE, compact_fonts=False)
    assert calls == ["Noto Sans CJK SC"] * 2  # WeasyPrint's own subsets when nothing cuts the fonts afterwards


def test_a_face_not_cut_whole_is_cut_from_weasyprints_subset(monkeypatch, original):
    monkeypatch.setattr(pdf_fonts, "_cuttable", lambda font: False)
    data = weasy.html_to_pdf(FIXTURE)
    fonts = embedded_fonts(data)
    assert {subtype for subtype, _, _ in fonts.values()} == {"/CIDFontType0C"}
    before = embedded_fonts(original)
    for name, cids in drawn_glyphs(data).items():
        new, old = outlines(*fonts[name][:2], cids), outlines(*before[name][:2], cids)
        assert {cid: new[cid] for cid in cids} == {cid: old[cid] for cid in cids}


def test_an_unexpected_font_is_left_as_weasyprint_wrote_it(monkeypatch, caplog):
    def refuse(face, glyphs):
        raise ValueError("HarfBuzz could not subset the font")

    monkeypatch.setattr(pdf_fonts, "_cuttable", lambda font: False)
    monkeypatch.setattr(harfbuzz.Face, "cff", refuse)
    data = weasy.html_to_pdf(FIXTURE)
    assert {subtype for subtype, _, _ in embedded_fonts(data).values()} == {"/OpenType"}
    assert missing_outlines(data) == []
    assert "keeping it as is" in caplog.text
