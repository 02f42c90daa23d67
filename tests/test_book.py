"""全部岗位说明书 assembled from one cached piece per role: read back as a person (and a screen reader) gets it.

tests/test_downloads.py checks the outline, the continuous 第 n 页 / 共 N 页, the 目录's numbers and the
fonts embedded once on the session build's book; here: the links, the structure tree after renumbering, the
numbers as pagination artifacts, glyph outlines, a 目录 longer than one page, determinism, and what a save
in `serve` costs (tests/test_build.py: an edited role lays out one piece again).
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from conftest import REPO
from helpers import overlay_root
from pypdf import PdfReader
from test_pdf_fonts import missing_outlines

BOOK = "downloads/job-descriptions-all.pdf"


@pytest.fixture(scope="module")
def book(built_site) -> bytes:
    item = next(p for p in built_site.report.produced if p.doc.path == BOOK)
    return built_site.blobs[item.file.name]


@pytest.fixture(scope="module")
def pieces(built_site) -> dict[str, bytes]:
    """role id → its piece, as the session build cached it."""
    from generator.documents import outputs
    from generator.documents import plan as documents
    from generator.documents.produce import targets

    part = outputs.get("job-description-book", "pdf").parts
    hb = built_site.hb
    found: dict = {}
    targets(hb, [d for d in documents.plan(hb) if d.path == BOOK], Path("names-only"), parts=found)
    (paths,) = found.values()
    assert len(paths) == len(part.subjects_of(hb))
    return {rid: built_site.blobs[path.name] for rid, path in paths.items()}


def test_contents_links_lead_to_each_role_and_say_where(book, built_site):
    pdf = pikepdf.open(io.BytesIO(book))
    reader = PdfReader(io.BytesIO(book))
    texts = [page.extract_text() for page in reader.pages]
    links = [annot for page in pdf.pages[:1] for annot in page.obj.get("/Annots", [])]
    hb = built_site.hb
    # WeasyPrint gives a link one annotation per box it spans (title, number): one role each, all of them
    assert {str(annot.Contents) for annot in links} == {f"{r.title}岗位说明书" for r in hb.roles}
    for annot in links:
        assert "/A" not in annot  # no web address left over from laying out the 目录 alone
        target = [p.objgen for p in pdf.pages].index(annot.Dest[0].objgen)
        title = str(annot.Contents)  # what a screen reader announces: the job description's title
        assert title.endswith("岗位说明书") and title in texts[target]
        role = next(r for r in hb.roles if f"{r.title}岗位说明书" == title)
        assert re.search(re.escape(role.title) + r"\s*" + str(target + 1) + r"\b", texts[0])


def _mcids(page: pikepdf.Page) -> set[int]:
    found = set()
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
            found.add(int(operands[1].MCID))
    return found


def test_one_structure_tree_whose_entries_point_at_their_pages(book):
    pdf = pikepdf.open(io.BytesIO(book))
    root = pdf.Root.StructTreeRoot
    (document,) = root.K if isinstance(root.K, pikepdf.Array) else [root.K]
    assert document.S == "/Document" and document.P.objgen == root.objgen
    assert all(kid.P.objgen == document.objgen for kid in document.K)
    nums = root.ParentTree.Nums
    tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    keys = [int(page.obj.StructParents) for page in pdf.pages]
    assert len(set(keys)) == len(keys) and int(root.ParentTreeNextKey) > max(tree)
    for page, key in zip(pdf.pages, keys):
        used = _mcids(page)
        assert used, "every page has tagged content"
        entries = tree[key]
        for mcid in used:  # each marked sequence of the page is found from the page, and leads back to it
            element = entries[mcid]
            assert element.Pg.objgen == page.obj.objgen
    assert len(list(document.K)) > 5
    trees = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/StructTreeRoot"]
    assert len(trees) == 1  # no piece's own tree came along (e.g. through its running headers' elements)


def test_page_numbers_are_pagination_artifacts_drawn_in_an_embedded_font(book):
    pdf = pikepdf.open(io.BytesIO(book))
    for number, page in enumerate(pdf.pages, 1):
        ops = [(str(op), operands) for operands, op in pikepdf.parse_content_stream(page)]
        artifacts = [i for i, (op, operands) in enumerate(ops) if op == "BDC" and operands[0] == "/Artifact"]
        assert artifacts, number
        # the footer is the last thing drawn, outside the pieces' marked (tagged) content
        assert ops[artifacts[-1] + 1][0] == "BT" and "/Pagination" in str(ops[artifacts[-1]][1][1])
    assert missing_outlines(book) == []  # every glyph drawn, the numbers' too, has its outline in the one font


def test_the_book_is_the_same_bytes_from_the_same_pieces(built_site, pieces, book):
    from generator.documents import outputs

    output = outputs.get("job-description-book", "pdf")
    view = output.view(built_site.hb, built_site.hb)
    assert output.render(view, built_site.hb, pieces) == book


def test_a_contents_longer_than_a_page_counts_its_own_pages(tmp_path):
    """90 roles: the 目录 takes several pages, and the first job description starts right after them."""
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    import synthetic_org

    from generator.content.loader import load_handbook
    from generator.documents.renderers import pdf_book

    root = synthetic_org.write(90, tmp_path / "org")
    hb = load_handbook(root)
    groups = pdf_book.book_roles(hb)
    counts = {role.id: 2 + i % 2 for i, (_, roles) in enumerate(groups) for role in roles}
    cover = pdf_book.cover_and_contents(hb, groups, counts)
    pages = len(cover.pages)
    assert pages >= 3
    out = io.BytesIO()
    cover.save(out)
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    first = groups[0][1][0]
    assert re.search(re.escape(first.title) + r"\s*" + str(pages + 1) + r"\b", text)
    second = groups[0][1][1]
    assert re.search(re.escape(second.title) + r"\s*" + str(pages + 1 + counts[first.id]) + r"\b", text)
    last_group = groups[-1][1]
    expected_last = pages + 1 + sum(counts.values()) - counts[last_group[-1].id]
    assert re.search(re.escape(last_group[-1].title) + r"\s*" + str(expected_last) + r"\b", text)


def test_merged_fonts_hold_every_glyph_of_every_piece(pieces):
    from generator.documents.renderers import pdf_fonts

    programs = {}
    for role_id, data in pieces.items():
        pdf = pikepdf.open(io.BytesIO(data))
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                program = font.DescendantFonts[0].FontDescriptor.FontFile3
                programs.setdefault(str(font.BaseFont).split("+")[-1], {})[role_id, program.objgen] = \
                    program.read_bytes()
    from fontTools.cffLib import CFFFontSet

    for face, found in programs.items():
        merged = CFFFontSet()
        merged.decompile(io.BytesIO(pdf_fonts.merge_cff(list(found.values()))), None, isCFF2=False)
        names = set(merged[merged.fontNames[0]].charset)
        for program in found.values():
            one = CFFFontSet()
            one.decompile(io.BytesIO(program), None, isCFF2=False)
            assert set(one[one.fontNames[0]].charset) <= names, face
    regular, bold = (list(found.values())[0] for found in programs.values())
    with pytest.raises(ValueError):
        pdf_fonts.merge_cff([regular, bold])  # two faces are never mixed


def test_serve_assembles_the_book_only_when_it_is_asked_for(tmp_path):
    from test_incremental_preview import Serving

    root = overlay_root(tmp_path)
    serving = Serving(root, tmp_path / "site", tmp_path / "cache")
    try:
        plugin = serving.build(first=True)
        docs = plugin.preview.documents
        docs.release()  # queued behind the pages by a thread of the preview; this waits for it
        book_target = docs.targets[BOOK][1]
        assert book_target not in docs.inflight  # pieces render behind the pages, the book does not
        piece_paths = {path for pieces in docs.parts.values() for path in pieces.values()}
        assert piece_paths and piece_paths <= set(docs.inflight)
        data = docs.fetch(BOOK)
        reader = PdfReader(io.BytesIO(data))
        assert f"第 1 页 / 共 {len(reader.pages)} 页" in reader.pages[0].extract_text()

        worker = root / "roles" / "worker.yml"
        worker.write_text(worker.read_text(encoding="utf-8").replace("拜访客户。", "拜访重点客户。"), encoding="utf-8")
        plugin = serving.build()
        docs = plugin.preview.documents
        docs.release()
        queued = [path for path in docs.inflight if path.suffix == ".pdf"]
        assert docs.targets[BOOK][1] not in docs.inflight and not docs.targets[BOOK][1].exists()
        assert any(path in piece.values() for piece in docs.parts.values() for path in queued)  # the edited role's piece
        assert "拜访重点客户" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(docs.fetch(BOOK))).pages)
    finally:
        serving.close()
        shutil.rmtree(tmp_path / "cache", ignore_errors=True)


def test_widths_and_to_unicode_survive_a_round_trip():
    from generator.documents.renderers import pdf_fonts

    widths = {1: 224.0, 16: 392.0, 17: 555.0, 18: 555.5, 40: 1000.0}
    written = pdf_fonts.write_widths(widths)
    assert written == [1, [224], 16, [392, 555, 555.5], 40, [1000]]
    assert pdf_fonts.read_widths(pikepdf.Array(written)) == widths
    assert pdf_fonts.read_widths([16, 18, 500]) == {16: 500.0, 17: 500.0, 18: 500.0}  # the c_first c_last w form
    mapping = {1: " ", 0x746D: "第", 0x2AA6: "共", 0x5000: "𠀀"}  # one outside the BMP (a surrogate pair)
    assert pdf_fonts.read_to_unicode(pdf_fonts.write_to_unicode(mapping)) == mapping
    ranged = b"1 beginbfrange\n<0011> <0013> <0030>\nendbfrange"
    assert pdf_fonts.read_to_unicode(ranged) == {0x11: "0", 0x12: "1", 0x13: "2"}


@pytest.mark.parametrize("rows", [5, 8])
def test_the_signatures_never_stand_alone_on_a_page(rows):
    """A role whose 修订记录 fills its page: 签字确认 takes the last rows before it along to the next page, rather
    than stand alone after a page that had room (as the bundled 市场部经理 did with five more revisions)."""
    import datetime as dt

    from generator.content.loader import load_handbook
    from generator.content.model import Revision
    from generator.documents import outputs

    hb = load_handbook(REPO)
    role = hb.role("market-manager")
    summary = "调整岗位职责与考核指标的权重，补充回款相关的说明"
    added = [Revision(version=f"1.{i}", date=dt.date(2027, 1, i), summary=summary * (1 + i % 2)) for i in range(1, rows + 1)]
    role = role.model_copy(update={"revisions": [*reversed(added), *role.revisions]})
    hb = hb.model_copy(update={"roles": [role if r.id == role.id else r for r in hb.roles]})
    part = outputs.BOOK_PART
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(part.render(part.view(hb, role), role))).pages]
    last = pages[-1]
    before_signatures = last[:last.index("签字确认")]
    assert "修订内容" in before_signatures and re.search(r"\d{4}-\d{2}-\d{2}", before_signatures), last[:200]


def test_no_page_of_the_book_opens_with_the_signatures(book):
    """全部岗位说明书 as built: every 签字确认 shares its page with the content before it."""
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(book)).pages]
    assert sum("签字确认" in text for text in pages) >= 5
    assert [i for i, text in enumerate(pages, 1) if text.lstrip().startswith("签字确认")] == []
