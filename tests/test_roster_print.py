"""岗位清单.xlsx on paper and in Chinese, read by LibreOffice Calc (an independent reader): each sheet prints A4
landscape, one page wide, its header row on every page and 第 n 页 / 共 N 页 below; the Chinese is drawn
with Simplified Chinese glyph shapes. The print settings and font hints are also read back as Excel reads
them (openpyxl). A picture of the first page lands in /tmp/shots for a person to look at.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys

import pytest
from browsing import SHOTS
from conftest import REPO
from helpers import chinese_glyph_shapes, convert_to_pdf
from openpyxl import load_workbook
from pypdf import PdfReader

from generator.content.loader import load_handbook
from generator.documents import outputs
from generator.documents.renderers import xlsx

A4_LANDSCAPE = (842, 595)  # points, rounded


@pytest.fixture(scope="module")
def printed(built_site, tmp_path_factory):
    """The bundled roster, and one of 60 synthetic roles (their KPIs fill several pages), converted by LibreOffice
    Calc in one call: name → (workbook bytes, PDF path)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import synthetic_org

    folder = tmp_path_factory.mktemp("calc")
    hb = load_handbook(synthetic_org.write(60, folder / "org"))
    output = outputs.get("roster", "xlsx")
    books = {"bundled": (built_site.path / "downloads" / "roster.xlsx").read_bytes(),
             "large": output.render(output.view(hb, None), None)}
    for name, data in books.items():
        (folder / f"{name}.xlsx").write_bytes(data)
    convert_to_pdf(folder, [f"{name}.xlsx" for name in books])
    return {name: (data, folder / f"{name}.pdf") for name, data in books.items()}


def _sheets(data: bytes):
    return load_workbook(io.BytesIO(data)).worksheets


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_on_every_page(printed):
    data, pdf = printed["large"]
    headers = [[cell.value for cell in sheet[1]] for sheet in _sheets(data)]
    pages = PdfReader(pdf).pages
    texts = [page.extract_text().replace(" ", "") for page in pages]
    assert [round(float(x)) for x in pages[0].mediabox[2:]] == list(A4_LANDSCAPE)
    assert all([round(float(x)) for x in page.mediabox[2:]] == list(A4_LANDSCAPE) for page in pages)
    # one page wide: every page holds its sheet's first and last column headings (a second page across
    # would lack the first); the header row is repeated on every page of a sheet that runs to several
    sheet_of = []
    for number, text in enumerate(texts, start=1):
        whole = [i for i, names in enumerate(headers) if all(str(name).replace(" ", "") in text for name in names)]
        assert whole, f"page {number} does not carry a whole header row: {text[:120]}"
        sheet_of.append(whole[-1])  # the KPI sheet's headings (岗位, 指标 …) also occur in the roles sheet's text
        assert f"第{number}页/共{len(pages)}页" in text, f"page {number}: no page number in the footer"
    assert sheet_of == sorted(sheet_of) and sheet_of.count(0) >= 1 and sheet_of.count(1) >= 3, sheet_of


def test_calc_draws_the_chinese_with_simplified_chinese_glyphs(printed, tmp_path):
    """Calc has no 等线: it substitutes Noto Sans CJK, and the glyphs it takes are the SC ones."""
    _, pdf = printed["bundled"]
    differing, sc, jp = chinese_glyph_shapes(pdf)
    assert len(differing) > 30
    assert not jp, f"Japanese glyph shapes in the PDF: {''.join(sorted(jp))}"
    assert len(sc) > 0.8 * len(differing)
    if shutil.which("pdftoppm"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(SHOTS / "roster_calc")],
                       check=True)


def test_print_setup_and_font_hints_as_excel_reads_them(printed):
    data, _ = printed["bundled"]
    for sheet in _sheets(data):
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.print_title_rows == "$1:$1"
        assert sheet.oddFooter.center.text == "第 &P 页 / 共 &N 页"
        assert sheet.oddHeader.center.text == "营销中心岗位清单 · &A"
        fonts = {(cell.font.name, cell.font.charset) for row in sheet.iter_rows() for cell in row}
        assert fonts == {(xlsx.settings()["font"], xlsx.GB2312)}  # every cell says: a Simplified Chinese font


def test_an_ampersand_in_the_organisation_is_printed_as_itself():
    """In a page header & starts a code (&P, &A …): the organisation's own & is doubled."""
    from openpyxl import Workbook

    sheet = Workbook().active
    xlsx._print_setup(sheet, "A&B中心岗位清单")
    assert sheet.oddHeader.center.text == "A&&B中心岗位清单 · &A"
