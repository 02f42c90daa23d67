"""The company's look: the logo file ``content/site.yml`` names (``logo:``) and its ``brand_color:``.

A logo reaches every page of the site, every PDF and every Word file, so it is read and checked once,
while the content loads, and never again: renderers get its bytes (:class:`~generator.content.model.Logo`),
not a path. What is checked, and why:

* **where**: a file inside ``content/`` of the content root (the site copies it, never fetches it;
  nothing outside the content may reach a page);
* **what**: the *bytes* say SVG or PNG, and the name's suffix agrees (a JPEG renamed ``.png`` is
  refused, and so is a PNG named ``.svg``: the site serves files by suffix);
* **how big**: at most :data:`MAX_LOGO_BYTES` (it is embedded in every PDF and Word file) and
  :data:`MAX_LOGO_PIXELS` per side of a PNG (decompression bombs);
* **safe**: an SVG is XML that browsers would run: scripts, event handlers (``onload=``),
  ``<foreignObject>`` (HTML inside SVG), entity declarations and references to anything outside the
  file (``href="http://…"``, ``url(…)``, ``@import``) are refused, never cleaned, so what HR sees in
  the file is what every page shows.

The colour helpers pick the header's text colour by contrast (WCAG 2 relative luminance): white or
black, whichever is more readable on the brand colour; links on white pages get the brand colour
darkened until it reads (4.5:1).
"""

from __future__ import annotations

import io
import re
from pathlib import Path, PurePosixPath

from .model import Logo

LOGO_FOLDER = "content"
MAX_LOGO_BYTES = 512 * 1024  # a crisp logo is a few KB (SVG) to ~100 KB (PNG); it goes into every file
MAX_LOGO_PIXELS = 4096  # per side of a PNG: more is a photograph, and a decompression bomb's first sign
COLOR_PATTERN = r"^#[0-9A-Fa-f]{6}$"

SVG_NS = "http://www.w3.org/2000/svg"
XHTML_NS = "http://www.w3.org/1999/xhtml"
# Elements that run code, embed other documents or HTML: refused wherever they appear.
_FORBIDDEN_ELEMENTS = {"script": "a <script>", "foreignobject": "a <foreignObject> (HTML inside the SVG)",
                       "iframe": "an <iframe>", "embed": "an <embed>", "object": "an <object>",
                       "handler": "a <handler> (a script)", "listener": "a <listener> (an event handler)"}
# References inside the file (#id) and embedded raster images are fine; anything else is fetched from elsewhere.
_SAFE_REFERENCE = re.compile(r"^\s*(#|data:image/(png|jpeg|gif|webp);base64,)", re.IGNORECASE)
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px|pt|pc|mm|cm|in)?\s*$")
_UNITS_PX = {None: 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}

# Bytes that name other image formats, so a refusal can say what the file really is.
_SIGNATURES = ((b"\xff\xd8\xff", "a JPEG image"), (b"GIF87a", "a GIF image"), (b"GIF89a", "a GIF image"),
               (b"BM", "a BMP image"), (b"%PDF", "a PDF file"), (b"\x00\x00\x01\x00", "a Windows icon (.ico)"),
               (b"PK\x03\x04", "a zip file (Word, Excel …)"), (b"II*\x00", "a TIFF image"),
               (b"MM\x00*", "a TIFF image"), (b"8BPS", "a Photoshop file"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPORT_HINT = "export the logo as PNG or SVG (in the design program: 导出 / Export / Save as PNG)"


class LogoProblem(Exception):
    """Why a logo cannot be used, and how to fix it (becomes one ``content/site.yml:line`` problem)."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


# --------------------------------------------------------------------------- the logo file


def read_logo(root: Path, value: str) -> Logo:
    """The logo named by ``logo: value`` (a path from the content root), read and checked."""
    rel = PurePosixPath(value.strip().replace("\\", "/"))
    shown = rel.as_posix()
    folder = (Path(root) / LOGO_FOLDER).resolve()
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.parts[0] != LOGO_FOLDER or len(rel.parts) < 2:
        name = rel.name if rel.suffix else "logo.svg"
        hint = (f"write logo: {LOGO_FOLDER}/{name}" if (folder / name).is_file()
                else f"copy the file into the {LOGO_FOLDER}/ folder and write logo: {LOGO_FOLDER}/{name}"
                     " (the path is relative to the folder that holds roles/ and content/)")
        raise LogoProblem(f"the logo '{_short(value)}' is not a file inside {LOGO_FOLDER}/", hint)
    path = Path(root) / rel
    if path.exists() and not path.resolve().is_relative_to(folder):  # the file, or a folder on its way, links out
        raise LogoProblem(f"the logo {shown} is a symbolic link to a file outside {LOGO_FOLDER}/",
                          "copy the real file into the content/ folder instead of linking to it")
    if not path.exists():
        raise LogoProblem(f"the logo file {shown} does not exist",
                          f"put the logo file at {shown}, or correct the path "
                          "(relative to the folder that holds roles/ and content/)")
    if not path.is_file():
        raise LogoProblem(f"the logo {shown} is not a file", "name an .svg or .png file")
    size = path.stat().st_size
    if size > MAX_LOGO_BYTES:
        raise LogoProblem(f"the logo {shown} is {size / 1024:,.0f} KB; at most {MAX_LOGO_BYTES // 1024} KB are allowed",
                          "export it smaller (a header logo needs ~600 px width as PNG), or as SVG")
    data = path.read_bytes()
    suffix = rel.suffix.lower()
    kind = sniff(data)
    if kind == "png":
        if suffix != ".png":
            raise LogoProblem(f"the logo {shown} is a PNG image but its name ends in '{rel.suffix}'",
                              f"rename it to {rel.with_suffix('.png').name} and write logo: {rel.with_suffix('.png')}")
        width, height = _check_png(data, shown)
    elif kind == "svg":
        if suffix != ".svg":
            raise LogoProblem(f"the logo {shown} is an SVG image but its name ends in '{rel.suffix}'",
                              f"rename it to {rel.with_suffix('.svg').name} and write logo: {rel.with_suffix('.svg')}")
        width, height = check_svg(data, shown)
    else:
        if kind is None:
            named = {".png": "a PNG", ".svg": "an SVG"}.get(suffix, "an SVG or PNG")
            message = f"the logo {shown} is not {named} image" + (" (the file is empty)" if not data else "")
        else:
            message = f"the logo {shown} is {kind}, not an SVG or PNG image"
        raise LogoProblem(message, EXPORT_HINT)
    return Logo(path=shown, format=kind, data=data, width=width, height=height)


def sniff(data: bytes) -> str | None:
    """'png', 'svg', a description of another known format, or None: from the bytes, not the name."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            return what
    if data[:12].startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "a WebP image"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg", b"<!doctype svg")) and b"<svg" in data[:65536]:
        return "svg"
    return None


def _check_png(data: bytes, shown: str) -> tuple[float, float]:
    """A PNG Pillow can decode whole, of a sensible size; (width, height) in pixels."""
    from PIL import Image  # Pillow (WeasyPrint's own dependency): only a content root with a PNG logo needs it

    damaged = LogoProblem(f"the logo {shown} is a damaged PNG file", "export it again as PNG from the original")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if image.format != "PNG":
                raise damaged
            if width > MAX_LOGO_PIXELS or height > MAX_LOGO_PIXELS:
                raise LogoProblem(f"the logo {shown} is {width} × {height} pixels; at most {MAX_LOGO_PIXELS} "
                                  "per side are allowed", "export it smaller (~600 px wide is plenty for a header)")
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
        raise LogoProblem(f"the logo {shown} declares XML entities (<!ENTITY>)",
                          "export the SVG again without a DOCTYPE, or delete the <!DOCTYPE …[…]> block")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise LogoProblem(f"the logo {shown} is not a well-formed SVG file (line {exc.lineno or 1}: {exc.msg})",
                          "export it again from the design program") from None
    if etree.QName(root).localname != "svg" or etree.QName(root).namespace != SVG_NS:
        raise LogoProblem(f"the logo {shown} is not an SVG image (its first element is <{etree.QName(root).localname}>)",
                          EXPORT_HINT)
    node = root.getprevious()
    while node is not None:
        if isinstance(node, etree._ProcessingInstruction) and node.target == "xml-stylesheet":
            raise LogoProblem(f"the logo {shown} loads a stylesheet from another file (<?xml-stylesheet?>)",
                              "delete that line; keep the styles inside the SVG")
        node = node.getprevious()
    for element in root.iter():
        _check_element(element, shown, etree)
    return _svg_size(root, shown)


def _check_element(element, shown: str, etree) -> None:
    if isinstance(element, etree._ProcessingInstruction) and element.target == "xml-stylesheet":
        raise LogoProblem(f"the logo {shown} loads a stylesheet from another file (<?xml-stylesheet?>)",
                          "delete that line; keep the styles inside the SVG")
    if not isinstance(element.tag, str):  # comments, processing instructions
        return
    line = element.sourceline or 1
    name = etree.QName(element)
    local = name.localname.lower()
    refuse_hint = "delete it in the SVG (or export the logo again as a plain SVG or PNG); the logo must be a picture only"
    if local in _FORBIDDEN_ELEMENTS or name.namespace == XHTML_NS:
        what = _FORBIDDEN_ELEMENTS.get(local, f"HTML (<{name.localname}>)")
        raise LogoProblem(f"the logo {shown} contains {what} (SVG line {line})", refuse_hint)
    if local in ("set", "animate") and ("href" in (element.get("attributeName") or "").lower()
                                        or (element.get("attributeName") or "").lower().startswith("on")):
        raise LogoProblem(f"the logo {shown} animates a link or event (SVG line {line})", refuse_hint)
    for attribute, value in element.attrib.items():
        attr = etree.QName(attribute).localname.lower()
        if attr.startswith("on"):
            raise LogoProblem(f"the logo {shown} has an event handler '{etree.QName(attribute).localname}' "
                              f"(SVG line {line})", refuse_hint)
        if attr in ("href", "src") and not _SAFE_REFERENCE.match(value):
            raise LogoProblem(f"the logo {shown} refers to another file or address ('{_short(value)}') (SVG line {line})",
                              "embed the picture in the SVG, or export the logo as a single self-contained file")
        _check_css(value, shown, line)
    if local == "style":
        _check_css(element.text or "", shown, line)


def _check_css(text: str, shown: str, line: int) -> None:
    lowered = text.lower()
    if "javascript:" in lowered or "expression(" in lowered:
        raise LogoProblem(f"the logo {shown} contains script in a style or attribute (SVG line {line})",
                          "delete it; the logo must be a picture only")
    if "@import" in lowered:
        raise LogoProblem(f"the logo {shown} imports a stylesheet from elsewhere (@import) (SVG line {line})",
                          "delete the @import; keep the styles inside the SVG")
    for match in _URL.finditer(text):
        if not _SAFE_REFERENCE.match(match.group(2)):
            raise LogoProblem(f"the logo {shown} refers to another file or address ('{_short(match.group(2))}') "
                              f"(SVG line {line})", "embed the picture in the SVG, or export the logo as a single "
                                                 "self-contained file")


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
    raise LogoProblem(f"the logo {shown} has no size (no viewBox, no width and height)",
                      "export it again with a size, or add viewBox=\"0 0 W H\" to its <svg> element")


# --------------------------------------------------------------------------- the brand colour

# A few names HR may type; the message then says how to write them.
_NAMED = {"red": "#FF0000", "green": "#008000", "blue": "#0000FF", "black": "#000000", "white": "#FFFFFF",
          "orange": "#FFA500", "navy": "#000080", "purple": "#800080", "gray": "#808080", "grey": "#808080",
          "红": "#C00000", "红色": "#C00000", "蓝": "#1F4E79", "蓝色": "#1F4E79", "绿": "#00703C", "绿色": "#00703C"}


def color_problem(value: str) -> tuple[str, str] | None:
    """(message, hint) when ``value`` is not a ``#RRGGBB`` colour, else None."""
    text = value.strip()
    if re.match(COLOR_PATTERN, text):
        return None
    example = _NAMED.get(text.lower())
    if example is None and re.match(r"^#?[0-9A-Fa-f]{3}$", text):
        digits = text.lstrip("#")
        example = "#" + "".join(c * 2 for c in digits).upper()
    if example is None and re.match(r"^[0-9A-Fa-f]{6}$", text):
        example = "#" + text.upper()
    hint = (f"write it as \"{example}\" (a # and six hex digits, in quotes)" if example
            else "write a # and six hex digits in quotes, e.g. brand_color: \"#1F4E79\"")
    return f"brand_color '{_short(text)}' is not a colour written as #RRGGBB", hint


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
    """CSS variables of Material's ``primary: custom`` and ``accent: custom`` palettes for ``color``.

    The header, tabs and drawer title take the brand colour with white or black text (:func:`text_on`).
    Inside the page's text (``.md-typeset``: buttons, KPI tags, links) the primary colour is the brand
    colour made readable on white (:func:`readable_on_white`): a light yellow brand keeps its yellow
    header but never writes yellow text on a white page.
    """
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


def _short(value: str, limit: int = 60) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
