"""岗位清单.xlsx: every role on one sheet, every KPI on another, for HR's own filtering and counting.

openpyxl writes the workbook; this module only decides what goes where. Looks
(font, header colours, width limits, sheet names) come from
``templates/xlsx/roster.yml``. Like the other documents the bytes depend on the
content only: openpyxl stamps the save time into ``docProps/core.xml`` and every
zip entry, so the package is rewritten with the roles' latest 生效日期 as its
date and fixed entry times.

Column widths fit Chinese text: Excel measures in widths of the digit 0, and a
Chinese character is two of those. Every font is marked GB2312 (``charset`` 134), so Excel takes a
Simplified Chinese font where 等线 is missing (LibreOffice takes its glyph shapes from its own Asian language
setting: the file cannot say, see README). Each sheet prints on A4 landscape, one page wide, its header row
on every page and 第 n 页 / 共 N 页 in the footer.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from ... import TOOL_ROOT
from ...content import outline
from ...content.model import KPI, Department, Handbook, Role
from .. import outputs

SETTINGS_FILE = TOOL_ROOT / "templates" / "xlsx" / "roster.yml"
SETTINGS_KEYS = {"font": str, "font_size": (int, float), "header": dict, "row_height": (int, float),
                 "min_width": (int, float), "max_width": (int, float), "roles_sheet": str, "kpis_sheet": str,
                 "proposed": str, "approved": str}
HEADER_KEYS = {"bold": bool, "fill": str, "colour": str}

ROLE_COLUMNS = ("岗位编号", "岗位名称", "所属部门", "直接上级", "直接下级", "版本", "生效日期", "职责数", "KPI数")
KPI_COLUMNS = ("岗位", "指标", "定义", "目标值", "权重", "周期", "数据来源", "状态")
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
GB2312 = 134  # the font charset that says "Simplified Chinese" to Excel
PAGE_FOOTER = "第 &P 页 / 共 &N 页"  # Excel's header/footer codes: &P this page, &N the number of pages
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


# --------------------------------------------------------------------------- the view


@dataclass(frozen=True)
class RosterRole:
    """One role as the roster prints it: its facts, counts and KPIs, not its duty texts."""

    id: str
    title: str
    number: str | None
    department: str | None  # a draft may not have one yet
    reports_to: str | None
    reports_to_title: str | None
    version: str
    effective: dt.date | None
    duties: int
    kpi_status: str
    kpis: tuple[KPI, ...]


@dataclass(frozen=True)
class RosterView:
    """What the roster is rendered from (its fingerprint is the cache key): editing a duty's
    wording or a policy leaves the roster alone; renaming a role or a KPI re-renders it."""

    organisation: str
    departments: tuple[Department, ...]
    roles: tuple[RosterRole, ...]

    def department(self, dept_id: str) -> Department:
        return next(d for d in self.departments if d.id == dept_id)

    def department_name(self, role: RosterRole) -> str | None:
        return self.department(role.department).name if role.department else None

    def superior(self, role: RosterRole) -> RosterRole | None:
        return next((r for r in self.roles if r.id == role.reports_to), None) if role.reports_to else None

    def direct_reports(self, role: RosterRole) -> list[RosterRole]:
        return [r for r in self.roles if r.reports_to == role.id and r.id != role.id]


def _duty_count(role: Role) -> int:
    return sum(1 for item in outline.duty_outline(role) if not item.is_heading)


def roster_view(hb: Handbook, _subject: Any = None) -> RosterView:
    roles = tuple(RosterRole(r.id, r.title, r.number, r.department, r.reports_to, r.reports_to_title, r.version,
                             r.effective, _duty_count(r), r.kpis.status if r.kpis else "",
                             tuple(r.kpis.items) if r.kpis else ()) for r in hb.roles)
    return RosterView(hb.site.organisation, tuple(hb.site.departments), roles)


# --------------------------------------------------------------------------- settings


class SettingsError(ValueError):
    """A mistake in templates/xlsx/roster.yml, worded for whoever edited it."""


@lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    data = yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8")) or {}
    _check(data, SETTINGS_KEYS, "")
    _check(data["header"], HEADER_KEYS, "header.")
    return data


def _check(data: dict, keys: dict, prefix: str) -> None:
    shown = SETTINGS_FILE.name
    for key, value in data.items():
        if key not in keys:
            raise SettingsError(f"templates/xlsx/{shown}: unknown setting '{prefix}{key}' — "
                                f"known settings: {', '.join(prefix + k for k in keys)}")
        if not isinstance(value, keys[key]) or isinstance(value, bool) and keys[key] is not bool:
            raise SettingsError(f"templates/xlsx/{shown}: '{prefix}{key}' has the wrong kind of value ({value!r})")
    missing = [k for k in keys if k not in data]
    if missing:
        raise SettingsError(f"templates/xlsx/{shown}: missing setting(s) {', '.join(prefix + k for k in missing)}")


def display_width(text: str) -> int:
    """Width in Excel character units: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _text(value: Any) -> Any:
    return _INVALID_XML.sub("", value) if isinstance(value, str) else value


def _role_files(role: RosterRole) -> list[tuple[str, str]]:
    """(column header, path relative to the roster) of each file the registry makes for a role."""
    here = outputs.get("roster", "xlsx").file("roster").rsplit("/", 1)[0]
    files = []
    for output in outputs.all_outputs():
        if output.subjects == "role":
            path = output.file(role.id)
            files.append((f"{output.label}（{output.format_label}）",
                          path[len(here) + 1:] if path.startswith(here + "/") else "../" * here.count("/") + path))
    return files


def roster(hb: RosterView) -> bytes:
    """Sheet 1: one row per role with links to its files; sheet 2: one row per KPI."""
    from openpyxl import Workbook  # imported here: planning a build only needs roster_view

    cfg = settings()
    wb = Workbook()
    roles = wb.active
    roles.title = cfg["roles_sheet"]
    link_headers = [header for header, _ in _role_files(hb.roles[0])] if hb.roles else []
    role_rows = []
    for role in hb.roles:
        superior = hb.superior(role)
        row = [role.number or outline.NOT_YET, role.title, hb.department_name(role) or outline.NOT_YET,
               superior.title if superior else (role.reports_to_title or "—"),
               "、".join(r.title for r in hb.direct_reports(role)) or "—",
               role.version, role.effective, role.duties, len(role.kpis)]
        role_rows.append((row, _role_files(role)))
    title = f"{hb.organisation}岗位清单"
    _fill(roles, [*ROLE_COLUMNS, *link_headers],
          [row + [path.rsplit("/", 1)[-1] for _, path in files] for row, files in role_rows], cfg, title)
    for r, (_, files) in enumerate(role_rows, start=2):
        for c, (_, path) in enumerate(files, start=len(ROLE_COLUMNS) + 1):
            cell = roles.cell(row=r, column=c)
            cell.hyperlink = path
            cell.font = _font(cfg, color="0563C1", underline="single")
    date_column = ROLE_COLUMNS.index("生效日期") + 1
    for r in range(2, len(role_rows) + 2):
        roles.cell(row=r, column=date_column).number_format = "yyyy-mm-dd"

    kpis = wb.create_sheet(cfg["kpis_sheet"])
    kpi_rows = []
    for role in hb.roles:
        status = cfg["proposed"] if role.kpi_status == "proposed" else cfg["approved"]
        for kpi in role.kpis:
            kpi_rows.append([role.title, kpi.name, kpi.definition, kpi.target, kpi.weight / 100, kpi.cycle,
                             kpi.source, status])
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
