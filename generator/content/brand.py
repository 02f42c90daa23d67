"""The company's look: the logo file ``content/site.yml`` names (``logo:``), read and checked once while the
content loads (what is checked and why: ARCHITECTURE.md, "Checking the content"), and its ``brand_color:``
with the contrast maths that picks readable text and link colours (WCAG 2)."""

from __future__ import annotations

import io
import re
from pathlib import Path, PurePosixPath

from .messages import clip, say
from .model import Logo

LOGO_FOLDER = "content"
MAX_LOGO_BYTES = 512 * 1024  # a crisp logo is a few KB (SVG) to ~100 KB (PNG); it goes into every file
MAX_LOGO_PIXELS = 4096  # per side of a PNG: more is a photograph, and a decompression bomb's first sign
COLOR_PATTERN = r"^#[0-9A-Fa-f]{6}$"

SVG_NS = "http://www.w3.org/2000/svg"
XHTML_NS = "http://www.w3.org/1999/xhtml"
# Elements that run code, embed other documents or HTML: refused wherever they appear.
_FORBIDDEN_ELEMENTS = {"script": " <script>（脚本）", "foreignobject": " <foreignObject>（SVG 中的 HTML）",
                       "iframe": " <iframe>", "embed": " <embed>", "object": " <object>",
                       "handler": " <handler>（脚本）", "listener": " <listener>（事件处理程序）"}
# References inside the file (#id) and embedded raster images are fine; anything else is fetched from elsewhere.
_SAFE_REFERENCE = re.compile(r"^\s*(#|data:image/(png|jpeg|gif|webp);base64,)", re.IGNORECASE)
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px|pt|pc|mm|cm|in)?\s*$")
_UNITS_PX = {None: 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}

# Bytes that name other image formats, so a refusal can say what the file really is.
_SIGNATURES = ((b"\xff\xd8\xff", " JPEG 图片"), (b"GIF87a", " GIF 图片"), (b"GIF89a", " GIF 图片"),
               (b"BM", " BMP 图片"), (b"%PDF", " PDF 文件"), (b"\x00\x00\x01\x00", " Windows 图标（.ico）"),
               (b"PK\x03\x04", " zip 文件（Word、Excel 等）"), (b"II*\x00", " TIFF 图片"),
               (b"MM\x00*", " TIFF 图片"), (b"8BPS", " Photoshop 文件"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPORT = "在设计软件中把 logo 导出为 PNG 或 SVG（导出 / Export / 另存为 PNG）"
REFUSE = "在 SVG 中删掉它（或把 logo 重新导出为普通的 SVG 或 PNG）；logo 只能是图片"


class LogoProblem(Exception):
    """Why a logo cannot be used, and how to fix it (becomes one ``content/site.yml:line`` problem): an entry
    of the wording table (:data:`~generator.content.messages.MESSAGES`) and its fields."""

    def __init__(self, code: str, /, **fields):
        super().__init__(say(code, **fields)[0])
        self.code, self.fields = code, fields


# --------------------------------------------------------------------------- the logo file


def read_logo(root: Path, value: str) -> Logo:
    """The logo named by ``logo: value`` (a path from the content root), read and checked."""
    rel = PurePosixPath(value.strip().replace("\\", "/"))
    shown = rel.as_posix()
    folder = (Path(root) / LOGO_FOLDER).resolve()
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.parts[0] != LOGO_FOLDER or len(rel.parts) < 2:
        name = rel.name if rel.suffix else "logo.svg"
        how = say("logo.write" if (folder / name).is_file() else "logo.copy_in", name=name)[1]
        raise LogoProblem("logo.outside", value=clip(value, 60), how=how)
    path = Path(root) / rel
    if path.exists() and not path.resolve().is_relative_to(folder):  # the file, or a folder on its way, links out
        raise LogoProblem("logo.link", shown=shown)
    if not path.exists():
        raise LogoProblem("logo.missing", shown=shown)
    if not path.is_file():
        raise LogoProblem("logo.not_file", shown=shown)
    size = path.stat().st_size
    if size > MAX_LOGO_BYTES:
        raise LogoProblem("logo.too_big", shown=shown, size=size / 1024, limit=MAX_LOGO_BYTES // 1024)
    data = path.read_bytes()
    suffix = rel.suffix.lower()
    kind = sniff(data)
    if kind in ("png", "svg"):
        if suffix != f".{kind}":
            fixed = rel.with_suffix(f".{kind}")
            raise LogoProblem(f"logo.{kind}_named", shown=shown, suffix=rel.suffix, name=fixed.name,
                              path=fixed)
        width, height = (_check_png if kind == "png" else check_svg)(data, shown)
        return Logo(path=shown, format=kind, data=data, width=width, height=height)
    if kind is None:
        named = {".png": " PNG ", ".svg": " SVG "}.get(suffix, " SVG 或 PNG ")
        raise LogoProblem("logo.not_image", shown=shown, named=named, empty="（文件是空的）" if not data else "",
                          export=EXPORT)
    raise LogoProblem("logo.other_format", shown=shown, what=kind, export=EXPORT)


def sniff(data: bytes) -> str | None:
    """'png', 'svg', a description of another known format, or None: from the bytes, not the name."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            return what
    if data[:12].startswith(b"RIFF") and data[8:12] == b"WEBP":
        return " WebP 图片"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg", b"<!doctype svg")) and b"<svg" in data[:65536]:
        return "svg"
    return None


def _check_png(data: bytes, shown: str) -> tuple[float, float]:
    """A PNG Pillow can decode whole, of a sensible size; (width, height) in pixels."""
    from PIL import Image  # Pillow (WeasyPrint's own dependency): only a content root with a PNG logo needs it

    damaged = LogoProblem("logo.damaged", shown=shown)
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if image.format != "PNG":
                raise damaged
            if width > MAX_LOGO_PIXELS or height > MAX_LOGO_PIXELS:
                raise LogoProblem("logo.pixels", shown=shown, width=width, height=height, limit=MAX_LOGO_PIXELS)
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() checks the chunks; decoding catches a cut-off file
    except LogoProblem:
        raise
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for broken files; all mean the same here
        raise damaged from None
    if width < 1 or height < 1:
        raise damaged
    return float(width), float(height)


def check_svg(data: bytes, shown: str) -> tuple[float, float]:
    """A self-contained, script-free SVG; (width, height) from its viewBox (or width/height)."""
    from lxml import etree  # python-docx's own dependency: only a content root with an SVG logo needs it

    if b"<!ENTITY" in data or b"<!entity" in data:
        raise LogoProblem("logo.entities", shown=shown)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise LogoProblem("logo.bad_svg", shown=shown, line=exc.lineno or 1, detail=exc.msg) from None
    if etree.QName(root).localname != "svg" or etree.QName(root).namespace != SVG_NS:
        raise LogoProblem("logo.not_svg", shown=shown, element=etree.QName(root).localname, export=EXPORT)
    for element in (*root.itersiblings(preceding=True), *root.iter()):  # what stands before <svg>, then it
        _check_element(element, shown, etree)
    return _svg_size(root, shown)


def _check_element(element, shown: str, etree) -> None:
    if isinstance(element, etree._ProcessingInstruction) and element.target == "xml-stylesheet":
        raise LogoProblem("logo.stylesheet", shown=shown)
    if not isinstance(element.tag, str):  # comments, processing instructions
        return
    line = element.sourceline or 1
    name = etree.QName(element)
    local = name.localname.lower()
    if local in _FORBIDDEN_ELEMENTS or name.namespace == XHTML_NS:
        what = _FORBIDDEN_ELEMENTS.get(local, f" HTML（<{name.localname}>）")
        raise LogoProblem("logo.element", shown=shown, what=what, line=line, refuse=REFUSE)
    if local in ("set", "animate") and ("href" in (element.get("attributeName") or "").lower()
                                        or (element.get("attributeName") or "").lower().startswith("on")):
        raise LogoProblem("logo.animation", shown=shown, line=line, refuse=REFUSE)
    for attribute, value in element.attrib.items():
        attr = etree.QName(attribute).localname.lower()
        if attr.startswith("on"):
            raise LogoProblem("logo.handler", shown=shown, name=etree.QName(attribute).localname, line=line,
                              refuse=REFUSE)
        if attr in ("href", "src") and not _SAFE_REFERENCE.match(value):
            raise LogoProblem("logo.reference", shown=shown, value=clip(value, 60), line=line)
        _check_css(value, shown, line)
    if local == "style":
        _check_css(element.text or "", shown, line)


def _check_css(text: str, shown: str, line: int) -> None:
    lowered = text.lower()
    if "javascript:" in lowered or "expression(" in lowered:
        raise LogoProblem("logo.script", shown=shown, line=line)
    if "@import" in lowered:
        raise LogoProblem("logo.import", shown=shown, line=line)
    for match in _URL.finditer(text):
        if not _SAFE_REFERENCE.match(match.group(2)):
            raise LogoProblem("logo.reference", shown=shown, value=clip(match.group(2), 60), line=line)


def _svg_size(root, shown: str) -> tuple[float, float]:
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            width, height = float(box[2]), float(box[3])
        except ValueError:
            width = height = 0.0
        if width > 0 and height > 0:
            return width, height
    sizes = [_LENGTH.match(root.get(name) or "") for name in ("width", "height")]
    if all(sizes):
        width, height = (float(m.group(1)) * _UNITS_PX[m.group(2)] for m in sizes)  # type: ignore[union-attr]
        if width > 0 and height > 0:
            return width, height
    raise LogoProblem("logo.no_size", shown=shown)


# --------------------------------------------------------------------------- the brand colour

# A few names HR may type; the message then says how to write them.
_NAMED = {"red": "#FF0000", "green": "#008000", "blue": "#0000FF", "black": "#000000", "white": "#FFFFFF",
          "orange": "#FFA500", "navy": "#000080", "purple": "#800080", "gray": "#808080", "grey": "#808080",
          "红": "#C00000", "红色": "#C00000", "蓝": "#1F4E79", "蓝色": "#1F4E79", "绿": "#00703C", "绿色": "#00703C"}


def color_problem(value: str) -> dict[str, str] | None:
    """The fields of the message "colour.wrong" when ``value`` is not a ``#RRGGBB`` colour, else None."""
    text = value.strip()
    if re.match(COLOR_PATTERN, text):
        return None
    example = _NAMED.get(text.lower())
    if example is None and re.match(r"^#?[0-9A-Fa-f]{3}$", text):
        digits = text.lstrip("#")
        example = "#" + "".join(c * 2 for c in digits).upper()
    if example is None and re.match(r"^[0-9A-Fa-f]{6}$", text):
        example = "#" + text.upper()
    how = say("colour.example", example=example)[1] if example else say("colour.how")[1]
    return {"value": clip(text, 60), "how": how}


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02X}" for c in rgb)


def luminance(color: str) -> float:
    """WCAG 2 relative luminance of ``#RRGGBB``."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#RRGGBB`` colours (1 … 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(color: str, other: str, share: float) -> str:
    """``color`` with ``share`` (0…1) of ``other`` mixed in."""
    return _hex(tuple(c + (o - c) * share for c, o in zip(_rgb(color), _rgb(other))))


def text_on(color: str) -> str:
    """White or black text, whichever reads better on ``color``."""
    return "#FFFFFF" if contrast(color, "#FFFFFF") >= contrast(color, "#000000") else "#000000"


def readable_on_white(color: str, ratio: float = 4.5) -> str:
    """``color``, darkened just enough to be read as text on white (links, headings)."""
    for step in range(0, 101):
        darker = mix(color, "#000000", step / 100)
        if contrast(darker, "#FFFFFF") >= ratio:
            return darker
    return "#000000"  # pragma: no cover - black always reads


def site_css(color: str) -> str:
    """CSS variables of Material's ``primary: custom`` and ``accent: custom`` palettes for ``color``: the
    header in the brand colour, the page's text (``.md-typeset``) in it made readable on white (a light yellow
    brand keeps its yellow header but never writes yellow text on a white page)."""
    color = color.upper()
    link = readable_on_white(color)

    def palette(fg: str) -> str:
        r, g, b = _rgb(fg)
        text = text_on(fg)
        return (f"--md-primary-fg-color:{fg};"
                f"--md-primary-fg-color--light:{mix(fg, '#FFFFFF', 0.2)};"
                f"--md-primary-fg-color--dark:{mix(fg, '#000000', 0.2)};"
                f"--md-primary-fg-color--transparent:rgba({r},{g},{b},.1);"
                f"--md-primary-bg-color:{text};"
                f"--md-primary-bg-color--light:{'#FFFFFFB3' if text == '#FFFFFF' else '#0000008A'}")

    r, g, b = _rgb(link)
    accent = (f"--md-accent-fg-color:{link};--md-accent-fg-color--transparent:rgba({r},{g},{b},.1);"
              f"--md-accent-bg-color:{text_on(link)};--md-typeset-a-color:{link}")
    return f":root>*{{{palette(color)};{accent}}}" + (f".md-typeset{{{palette(link)}}}" if link != color else "")


# The header logo a little larger than Material's 1.2rem icon size (a logo carries more detail than an icon),
# and shown on phones too (after the menu button), where Material keeps it only in the menu drawer.
LOGO_CSS = (".md-header__button.md-logo img{height:1.8rem;max-width:9rem;object-fit:contain}"
            ".md-header__button.md-logo{margin-top:.2rem;margin-bottom:.2rem}"
            "@media screen and (max-width:76.234375em){.md-header__button.md-logo{display:inline-block;"
            "padding-left:0;padding-right:0}.md-header__button.md-logo img{height:1.6rem;max-width:6rem}"
            ".md-header__inner>label.md-header__button[for=__drawer]{order:-1}}")
