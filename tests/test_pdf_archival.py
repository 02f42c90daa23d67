"""Every PDF is PDF/A-2b and tagged: read back with pikepdf what an archive validator and a screen
reader look at (no veraPDF here). Font compaction must survive both (see test_pdf_fonts.py)."""

from __future__ import annotations

import io

import pikepdf
from conftest import REPO

from generator.content import outline
from generator.content.loader import load_handbook


def _pdfs(documents):
    return {key: data for key, data in documents.items() if key[2] == "pdf"}


def _structure(pdf: pikepdf.Pdf) -> dict[str, int]:
    counts: dict[str, int] = {}

    def walk(node) -> None:
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            counts[str(node.S)] = counts.get(str(node.S), 0) + 1
            if "/K" in node:
                walk(node.K)

    walk(pdf.Root.StructTreeRoot.K)
    return counts


def test_every_pdf_is_pdfa_2b_with_xmp_metadata_and_an_srgb_output_intent(documents):
    assert _pdfs(documents)
    for key, data in _pdfs(documents).items():
        with pikepdf.open(io.BytesIO(data)) as pdf:
            assert pdf.pdf_version >= "1.7", key
            intents = pdf.Root.OutputIntents
            assert len(intents) == 1 and intents[0].S == "/GTS_PDFA1", key
            assert b"sRGB" in intents[0].DestOutputProfile.read_bytes()[:200] or \
                "sRGB" in str(intents[0].OutputConditionIdentifier), key
            assert str(pdf.Root.Lang) == "zh-CN", key
            meta = pdf.open_metadata()
            assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B", key
            assert meta["dc:title"] and meta["dc:title"] == str(pdf.docinfo.Title), key
            assert meta["dc:creator"] == ["营销中心"], key
            assert meta["dc:language"] == {"zh-CN"}, key
            assert meta["pdf:Producer"].startswith("WeasyPrint"), key
            assert "xmp:CreateDate" not in meta and "xmp:ModifyDate" not in meta, key  # no clock in the bytes


def test_every_pdf_is_tagged_with_lists_and_table_headers(documents):
    for key, data in _pdfs(documents).items():
        with pikepdf.open(io.BytesIO(data)) as pdf:
            assert pdf.Root.MarkInfo.Marked is True, key
            counts = _structure(pdf)
            assert counts.get("/Document") == 1 and counts.get("/H1", 0) >= 1, (key, counts)
            assert counts.get("/Table", 0) >= 1 and counts.get("/TH", 0) >= 1, (key, counts)
            if key[0] == "job-description":  # every duty is a list item (duty groups are headings)
                role = load_handbook(REPO).role(key[1])
                duties = sum(1 for item in outline.duty_outline(role) if not item.is_heading)
                assert counts.get("/L", 0) >= 1 and counts.get("/LI", 0) >= duties, (key, counts)


def test_tagging_keeps_the_pdfs_deterministic_and_fonts_compact(documents):
    from generator.documents.renderers import pdf as renderer

    key = next(k for k in _pdfs(documents) if k[0] == "form")
    hb = load_handbook(REPO)
    form = next(f for f in hb.forms if f.id == key[1])
    first, second = renderer.form(hb, form), renderer.form(hb, form)
    assert first == second
    with pikepdf.open(io.BytesIO(first)) as pdf:
        fonts = [f for page in pdf.pages for f in page.Resources.Font.values()]
        for font in fonts:
            program = font.DescendantFonts[0].FontDescriptor.FontFile3
            assert len(program.read_bytes()) < 200_000  # compacted, not the 60 000-glyph subset
