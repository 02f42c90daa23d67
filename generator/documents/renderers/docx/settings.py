"""``templates/docx/layout.yml`` (what the renderer needs on every build) and ``styles.yml`` (what
``scripts/make_reference_docx.py`` writes into reference.docx) as pydantic models; typos are ``path:line``."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, Field, field_validator

from .... import TOOL_ROOT
from ....content.loader import Settings as _Strict
from ....content.loader import read_settings

TEMPLATES = TOOL_ROOT / "templates" / "docx"
LAYOUT_FILE = TEMPLATES / "layout.yml"
STYLES_FILE = TEMPLATES / "styles.yml"

HEX = r"^[0-9A-Fa-f]{6}$"


Positive = Field(gt=0)


# --------------------------------------------------------------------------- layout.yml


class Tables(_Strict):
    style: str = Field(min_length=1)
    header_fill: str = Field(pattern=HEX)
    label_fill: str = Field(pattern=HEX)
    section_fill: str = Field(pattern=HEX)
    kpi_widths: list[float] = Field(min_length=1)
    appraisal_widths: list[float] = Field(min_length=1)
    basic_info_pairs_per_row: int = Field(ge=1, le=4)
    basic_info_label_width: float = Field(gt=0, lt=0.5)
    basic_info_row_height_cm: float = Positive
    signature_widths: list[float] = Field(min_length=3, max_length=3)
    signature_row_height_cm: float = Positive

    @field_validator("kpi_widths", "appraisal_widths", "signature_widths")
    @classmethod
    def _positive(cls, widths: list[float]) -> list[float]:
        if any(w <= 0 for w in widths):
            raise ValueError("every width must be greater than 0")
        return widths


class Forms(_Strict):
    label_share: float = Field(gt=0, lt=1)
    row_height_cm: float = Positive
    line_height_cm: float = Positive
    table_row_height_cm: float = Positive
    blank: str = Field(min_length=1)
    venue_blank: str = Field(min_length=1)


class Appraisal(_Strict):
    head_row_height_cm: float = Positive
    row_height_cm: float = Positive


class Header(_Strict):
    logo_height_cm: float = Field(default=0.9, gt=0, le=3)
    logo_max_width_cm: float = Field(default=4.0, gt=0, le=10)


class Layout(_Strict):
    tables: Tables
    forms: Forms
    appraisal: Appraisal
    header: Header = Header()


# --------------------------------------------------------------------------- styles.yml


class Fonts(_Strict):
    east_asian: str = Field(min_length=1)
    latin: str = Field(min_length=1)
    heading_east_asian: str = ""
    heading_latin: str = ""


class Language(_Strict):
    latin: str = Field(min_length=2)
    east_asian: str = Field(min_length=2)


class Page(_Strict):
    width_cm: float = Positive
    height_cm: float = Positive
    margin_top_cm: float = Field(ge=0)
    margin_bottom_cm: float = Field(ge=0)
    margin_left_cm: float = Field(ge=0)
    margin_right_cm: float = Field(ge=0)
    header_distance_cm: float = Field(ge=0)
    footer_distance_cm: float = Field(ge=0)


class ParagraphStyle(_Strict):
    size: float | None = Field(default=None, gt=0)
    bold: bool | None = None
    color: str | None = Field(default=None, pattern=HEX)
    align: str | None = Field(default=None, pattern="^(left|center|right|justify)$")
    space_before: float | None = Field(default=None, ge=0)
    space_after: float | None = Field(default=None, ge=0)
    line_spacing: float | None = Field(default=None, gt=0)
    border_color: str | None = Field(default=None, pattern=f"{HEX}|^$")
    indent_cm: float | None = Field(default=None, ge=0)
    hanging_cm: float | None = Field(default=None, ge=0)


class CharacterStyle(_Strict):
    size: float | None = Field(default=None, gt=0)
    bold: bool | None = None
    color: str | None = Field(default=None, pattern=HEX)
    east_asian_hint: bool = False  # w:hint="eastAsia": ambiguous characters (□) take the Chinese font


class ReferenceStyles(_Strict):
    fonts: Fonts
    language: Language
    page: Page
    styles: dict[str, ParagraphStyle]
    character_styles: dict[str, CharacterStyle] = {}


# --------------------------------------------------------------------------- reading

M = TypeVar("M", bound=BaseModel)


def read(path: Path, model: type[M]) -> M:
    """``path`` validated as ``model``; every mistake as a ``path:line`` problem in one ContentError."""
    return read_settings(path, model, TOOL_ROOT)


def layout() -> Layout:
    """``layout.yml``, read again only when the file changes."""
    return read(LAYOUT_FILE, Layout)
