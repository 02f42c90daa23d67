"""岗位清单.xlsx: every role on one sheet, every KPI on another (openpyxl, from a ``RosterView``); its looks
from ``templates/xlsx/roster.yml`` (ARCHITECTURE.md, "Zips and the roster")."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from typing import Any

from pydantic import Field

from ... import TOOL_ROOT
from ...content.loader import Settings, read_settings
from .. import views
from ..views import RosterView

SETTINGS_FILE = TOOL_ROOT / "templates" / "xlsx" / "roster.yml"

ROLE_COLUMNS = ("岗位编号", "岗位名称", "所属部门", "直接上级", "直接下级", "版本", "生效日期", "职责数", "KPI数")
KPI_COLUMNS = ("岗位", "指标", "定义", "目标值", "权重", "周期", "数据来源", "状态")
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
GB2312 = 134  # the font charset that says "Simplified Chinese" to Excel
PAGE_FOOTER = "第 &P 页 / 共 &N 页"  # Excel's header/footer codes: &P this page, &N the number of pages
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


# --------------------------------------------------------------------------- settings


class Header(Settings):
    bold: bool
    fill: str = Field(pattern=r"^[0-9A-Fa-f]{6}$")
    colour: str = Field(pattern=r"^[0-9A-Fa-f]{6}$")


class RosterSettings(Settings):
    """``templates/xlsx/roster.yml``."""

    font: str = Field(min_length=1)
    font_size: float = Field(gt=0)
    header: Header
    row_height: float = Field(gt=0)
    min_width: float = Field(gt=0)
    max_width: float = Field(gt=0)
    roles_sheet: str = Field(min_length=1, max_length=31)  # Excel's limit for a sheet name
    kpis_sheet: str = Field(min_length=1, max_length=31)
    proposed: str
    approved: str


def settings() -> dict[str, Any]:
    """roster.yml as a dict, read again only when the file changes; mistakes raise a ``path:line`` ContentError."""
    return read_settings(SETTINGS_FILE, RosterSettings, TOOL_ROOT).model_dump()


def display_width(text: str) -> int:
    """Width in Excel character units: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _text(value: Any) -> Any:
    return _INVALID_XML.sub("", value) if isinstance(value, str) else value


def roster(hb: RosterView) -> bytes:
    """Sheet 1: one row per role with links to its files; sheet 2: one row per KPI."""
    from openpyxl import Workbook  # imported here: `handbook check` reads only the settings

    cfg = settings()
    wb = Workbook()
    roles = wb.active
    roles.title = cfg["roles_sheet"]
    role_rows = []
    for role in hb.roles:  # worded as the job description's 岗位基本信息; the date as a date
        info = dict(views.basic_info(hb, role))
        row = [*(info[label] for label in ROLE_COLUMNS[:5]), role.version, role.effective, role.duties,
               len(role.kpis)]
        role_rows.append((row, role.files))
    title = f"{hb.organisation}岗位清单"
    _fill(roles, [*ROLE_COLUMNS, *hb.file_columns],
          [row + [link[0] if link else "—" for link in files] for row, files in role_rows], cfg, title)
    for r, (_, files) in enumerate(role_rows, start=2):
        for c, link in enumerate(files, start=len(ROLE_COLUMNS) + 1):
            if link:
                cell = roles.cell(row=r, column=c)
                cell.hyperlink = link[1]
                cell.font = _font(cfg, color="0563C1", underline="single")
    date_column = ROLE_COLUMNS.index("生效日期") + 1
    for r in range(2, len(role_rows) + 2):
        roles.cell(row=r, column=date_column).number_format = "yyyy-mm-dd"

    kpis = wb.create_sheet(cfg["kpis_sheet"])
    kpi_rows = [[role.title, kpi.name, kpi.definition, kpi.target, kpi.weight / 100, kpi.cycle, kpi.source,
                 cfg["proposed"] if role.kpi_status == "proposed" else cfg["approved"]]
                for role in hb.roles for kpi in role.kpis]
    _fill(kpis, KPI_COLUMNS, kpi_rows, cfg, title)
    weight_column = KPI_COLUMNS.index("权重") + 1
    for r, row in enumerate(kpi_rows, start=2):
        cell = kpis.cell(row=r, column=weight_column)
        cell.number_format = "0%" if float(row[weight_column - 1] * 100).is_integer() else "0.0%"

    date = max((role.effective for role in hb.roles if role.effective), default=dt.date(2000, 1, 1))
    props = wb.properties
    props.title = _text(title)
    props.creator = props.lastModifiedBy = _text(hb.organisation)
    buffer = io.BytesIO()
    wb.save(buffer)
    return _normalise(buffer.getvalue(), dt.datetime.combine(date, dt.time()))


def _font(cfg, **style):
    """The sheet font (roster.yml), marked Simplified Chinese."""
    from openpyxl.styles import Font

    return Font(name=cfg["font"], size=cfg["font_size"], charset=GB2312, **style)


def _fill(ws, headers, rows, cfg, title: str) -> None:
    """Header row styled, frozen and filtered; cells in the sheet font; widths fitted to the text; printable."""
    from openpyxl.styles import Alignment, Border, PatternFill, Side
    from openpyxl.utils import get_column_letter

    font = _font(cfg)
    head = cfg["header"]
    header_font = _font(cfg, bold=head["bold"], color=head["colour"])
    fill = PatternFill("solid", fgColor=head["fill"])
    thin = Side(style="thin", color="A6A6A6")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.append([_text(h) for h in headers])
    for row in rows:
        ws.append([_text(v) for v in row])
    widths = [display_width(str(h)) for h in headers]
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=len(rows) + 1), start=1):
        for c, cell in enumerate(row):
            cell.border = border
            if r == 1:
                cell.font, cell.fill = header_font, fill
                cell.alignment = Alignment(horizontal="center", vertical="center")
                continue
            cell.font = font
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            value = cell.value
            shown = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
            widths[c] = max(widths[c], display_width(shown))
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(width + 2, cfg["min_width"]), cfg["max_width"])
    ws.row_dimensions[1].height = cfg["row_height"] + 4
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    _print_setup(ws, title)


def _print_setup(ws, title: str) -> None:
    """A4 landscape scaled to one page wide (as many pages down as needed), the header row repeated on every
    page, the roster's title and the sheet's name above, page numbers below."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.horizontalCentered = True
    ws.oddHeader.center.text = _text(title).replace("&", "&&") + " · &A"  # &A: the sheet's name
    ws.oddFooter.center.text = PAGE_FOOTER


def _normalise(data: bytes, when: dt.datetime) -> bytes:
    """Fixed entry times and core-property dates: the same roles give the same bytes."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + stamp + rb"\2",
                                 content)
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content, compresslevel=6)
    return out.getvalue()
