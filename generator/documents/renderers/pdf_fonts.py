"""The embedded CJK fonts of WeasyPrint's PDFs cut to the glyphs drawn (~60 KB instead of ~330 KB a JD), one
per face in a book: the seam in WeasyPrint and why it holds are in ARCHITECTURE.md, "PDF files"."""

from __future__ import annotations

import io
import logging
import re
import threading
from contextlib import contextmanager
from itertools import groupby

from . import harfbuzz

LOGGER = logging.getLogger(__name__)


def object_number(reference) -> int:
    """``b"12 0 R"`` → 12 (pydyf writes references as bytes)."""
    if isinstance(reference, (bytes, bytearray)):
        reference = reference.decode("ascii")
    return int(str(reference).split()[0])


def _width_codes(widths) -> set[int]:
    """Glyph codes listed in a CIDFont /W array."""
    return set(read_widths(widths))


# --------------------------------------------------------------------------- the seam in WeasyPrint


class _Kept(threading.local):
    active = False
    fonts: list = []  # WeasyPrint Font objects whose face was left whole, for the finisher


_KEPT = _Kept()
_INSTALLED: list = []  # WeasyPrint's own Font.subset, once replaced
_INSTALLING = threading.Lock()


def _cuttable(font) -> bool:
    """A face :func:`compact_fonts` cuts itself: CFF glyphs, CID-keyed, nothing WeasyPrint treats specially."""
    return not (font.missing or font.used_in_forms or font.bitmap or font.png or font.svg or font.colr
                or "fvar" in font.tables) and harfbuzz.is_cid_cff(font.file_content, font.index)


def _subset(font, to_unicode, hinting):
    """``Font.subset`` while :func:`whole_faces` is active: leave the faces :func:`compact_fonts` cuts whole."""
    if _KEPT.active and to_unicode and _cuttable(font):
        _KEPT.fonts.append(font)
        return None
    return _INSTALLED[0](font, to_unicode, hinting)


def _install() -> bool:
    from weasyprint.pdf import fonts

    with _INSTALLING:
        if not _INSTALLED:
            if not callable(getattr(fonts.Font, "subset", None)):
                return False  # another WeasyPrint: its own subsets, cut afterwards
            _INSTALLED.append(fonts.Font.subset)
            fonts.Font.subset = _subset
    return True


@contextmanager
def whole_faces():
    """While WeasyPrint writes a PDF in this thread, CID-keyed CFF faces stay whole for :func:`compact_fonts`."""
    _KEPT.active, _KEPT.fonts = _install(), []
    try:
        yield
    finally:
        _KEPT.active, _KEPT.fonts = False, []


# --------------------------------------------------------------------------- the finisher


def compact_fonts(document, pdf) -> None:
    """WeasyPrint finisher: each embedded CID-keyed CFF font becomes a bare CFF of the glyphs drawn."""
    try:
        fonts_by_file: dict[int, list] = {}
        for obj in pdf.objects:
            if isinstance(obj, dict) and obj.get("Type") == "/Font" and obj.get("Subtype") in (
                    "/CIDFontType0", "/CIDFontType2"):
                descriptor = pdf.objects[object_number(obj["FontDescriptor"])]
                program = descriptor.get("FontFile3", descriptor.get("FontFile2"))
                if program is not None:
                    fonts_by_file.setdefault(object_number(program), []).append((obj, descriptor))
    except Exception:  # an unexpected PDF structure: leave every font as WeasyPrint wrote it
        if _KEPT.fonts:
            raise
        LOGGER.warning("could not find the embedded fonts; keeping them as they are", exc_info=True)
        return
    for number, cid_fonts in fonts_by_file.items():
        stream = pdf.objects[number]
        whole = next((f for f in _KEPT.fonts if len(stream.stream) == 1 and stream.stream[0] is f.file_content), None)
        if whole is None and getattr(stream, "extra", {}).get("Subtype") != "/OpenType":
            continue  # TrueType, or another kind of font: as WeasyPrint wrote it
        used = set().union(*(_width_codes(font.get("W")) for font, _ in cid_fonts))
        try:
            if whole is not None:  # the face as WeasyPrint found it (the same file for every PDF: kept)
                cff = harfbuzz.face(whole.file_content, whole.index).cff(used)
            else:  # WeasyPrint's own subset (a file of its own in every PDF: not kept)
                cff = harfbuzz.Face(b"".join(bytes(chunk) for chunk in stream.stream), 0).cff(used)
        except Exception:
            if whole is not None:  # a whole font file must never reach the PDF
                raise
            LOGGER.warning("could not compact an embedded font; keeping it as is", exc_info=True)
            continue
        stream.stream = [cff]
        stream.extra.pop("Length1", None)
        stream.extra["Subtype"] = "/CIDFontType0C"
        for font, descriptor in cid_fonts:
            if "FontFile2" in descriptor:
                descriptor["FontFile3"] = descriptor.pop("FontFile2")
            font["Subtype"] = "/CIDFontType0"
            font.pop("CIDToGIDMap", None)  # only meaningful for TrueType-based CIDFonts


# --------------------------------------------------------------------------- one subset per face in a PDF


def merge_cff(programs: list[bytes]) -> bytes:
    """One CID-keyed CFF holding every glyph of ``programs`` (:func:`compact_fonts`'s, of one face) side by
    side (why that is enough: ARCHITECTURE.md, "PDF files"); subsets of different faces: ValueError."""
    from types import SimpleNamespace

    from fontTools.cffLib import CFFFontSet, CharStrings, FDArrayIndex, FDSelect
    from fontTools.misc.psCharStrings import T2CharString

    glyphs: dict[int, tuple[bytes, str]] = {}  # CID → (charstring, name of its Font DICT)
    font_dicts: dict[str, object] = {}  # Font DICT name → the Font DICT (with its Private DICT)
    base = base_top = None
    for data in programs:
        cff = CFFFontSet()
        cff.decompile(io.BytesIO(data), None, isCFF2=False)
        top = cff[cff.fontNames[0]]
        if "ROS" not in top.rawDict:
            raise ValueError("not a CID-keyed CFF font")
        if base is None:
            base, base_top = cff, top
        elif cff.fontNames != base.fontNames:
            raise ValueError("the subsets are not of one face")
        # the same Font DICT has different indexes in different subsets: glyphs find theirs by its name
        names = [getattr(fd, "FontName", None) for fd in top.FDArray]
        if None in names or len(set(names)) != len(names):
            raise ValueError("Font DICTs without unique names")
        for name, fd in zip(names, top.FDArray):
            font_dicts.setdefault(name, fd)
        charstrings = top.CharStrings
        for name in top.charset:
            cid = 0 if name == ".notdef" else int(name[3:])
            if cid in glyphs:
                continue
            charstring, fd = charstrings.getItemAndSelector(name)
            if charstring.bytecode is None:
                charstring.compile()
            glyphs[cid] = (bytes(charstring.bytecode), names[fd])
    if base is None:
        raise ValueError("no font to merge")
    order = sorted(font_dicts)
    fd_array = FDArrayIndex()
    for name in order:
        fd_array.append(font_dicts[name])
    index = {name: i for i, name in enumerate(order)}
    keep = sorted(glyphs)
    names = [".notdef" if cid == 0 else f"cid{cid:05d}" for cid in keep]
    charstrings = CharStrings(None, None, base.GlobalSubrs, None, None, fd_array)
    selector = FDSelect()
    for name, cid in zip(names, keep):
        bytecode, fd_name = glyphs[cid]
        selector.append(index[fd_name])
        charstrings[name] = T2CharString(bytecode=bytecode, private=font_dicts[fd_name].Private,
                                         globalSubrs=base.GlobalSubrs)
    base_top.FDArray = fd_array
    base_top.charset = names
    base_top.CharStrings = charstrings
    base_top.FDSelect = selector
    base_top.numGlyphs = len(names)
    out = io.BytesIO()
    base.compile(out, SimpleNamespace(recalcBBoxes=False), isCFF2=False)
    return out.getvalue()


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9a-fA-F]*)>")


def _utf16(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode("ascii")).decode("utf-16-be", "replace")


def read_to_unicode(cmap: bytes) -> dict[int, str]:
    """CID → text of a ToUnicode CMap (``bfchar`` and simple ``bfrange`` entries, as WeasyPrint writes)."""
    found: dict[int, str] = {}
    for block in _BFCHAR.findall(cmap):
        codes = _HEX.findall(block)
        found.update({int(code, 16): _utf16(text) for code, text in zip(codes[0::2], codes[1::2])})
    for block in _BFRANGE.findall(cmap):
        codes = _HEX.findall(block)
        for first, last, text in zip(codes[0::3], codes[1::3], codes[2::3]):
            start = _utf16(text)
            for offset, cid in enumerate(range(int(first, 16), int(last, 16) + 1)):
                found[cid] = start[:-1] + chr(ord(start[-1]) + offset) if start else ""
    return found


def write_to_unicode(mapping: dict[int, str]) -> bytes:
    """A ToUnicode CMap for ``mapping`` (CID → text), shaped like WeasyPrint's."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap", b"/CIDSystemInfo",
             b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def", b"1 begincodespacerange",
             b"<0000> <ffff>", b"endcodespacerange"]
    items = sorted(mapping.items())
    for i in range(0, len(items), 100):
        batch = items[i:i + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{cid:04x}> <{text.encode('utf-16-be').hex()}>".encode() for cid, text in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def read_widths(widths) -> dict[int, float]:
    """CID → advance of a CIDFont /W array (``c [w …]`` and ``c_first c_last w`` forms)."""
    found: dict[int, float] = {}
    items = iter(list(widths or []))
    for start in items:
        run = next(items)
        if isinstance(run, (str, bytes, int, float)) or not hasattr(run, "__iter__"):  # c_first c_last w
            found.update(dict.fromkeys(range(int(start), int(run) + 1), float(next(items))))
        else:
            found.update({int(start) + offset: float(width) for offset, width in enumerate(run)})
    return found


def write_widths(widths: dict[int, float]) -> list:
    """A /W array for ``widths``: consecutive CIDs share one ``c [w …]`` run; whole widths as integers."""
    out: list = []
    for _, run in groupby(enumerate(sorted(widths)), key=lambda item: item[1] - item[0]):
        cids = [cid for _, cid in run]
        out += [cids[0], [int(widths[c]) if float(widths[c]).is_integer() else widths[c] for c in cids]]
    return out


def merge_pdf_fonts(pdf) -> None:
    """In a pikepdf ``pdf`` made of several WeasyPrint PDFs: one embedded font per face, not one per piece.

    Type0 fonts with a compact CFF (:func:`compact_fonts`) grouped by name without the subset tag
    (``ABCDEF+Noto-Sans-CJK-SC``), each group one font with the union of glyphs, widths and ToUnicode entries
    that every page (and form XObject) refers to; a group that cannot be merged is left, with a warning.
    """
    import hashlib

    import pikepdf

    groups: dict[str, dict] = {}
    users: list[tuple] = []
    seen_resources: set = set()

    def visit(resources) -> None:
        if resources is None or (resources.is_indirect and resources.objgen in seen_resources):
            return
        if resources.is_indirect:
            seen_resources.add(resources.objgen)
        fonts = resources.get("/Font")
        for name, font in (fonts.items() if fonts is not None else []):
            descendant = font.get("/DescendantFonts")
            if font.get("/Subtype") != "/Type0" or not descendant:
                continue
            descriptor = descendant[0].get("/FontDescriptor")
            program = descriptor.get("/FontFile3") if descriptor is not None else None
            if program is None or program.get("/Subtype") != "/CIDFontType0C":
                continue
            base = str(font.BaseFont).lstrip("/").split("+", 1)[-1]
            groups.setdefault(base, {})[font.objgen] = font
            users.append((fonts, name, base))
        for xobject in (resources.get("/XObject") or {}).values() if resources.get("/XObject") else []:
            if xobject.get("/Subtype") == "/Form":
                visit(xobject.get("/Resources"))

    for page in pdf.pages:
        visit(page.obj.get("/Resources"))
    merged = {}
    for base, fonts in groups.items():
        if len(fonts) < 2:
            continue
        fonts = list(fonts.values())
        try:
            widths: dict[int, float] = {}
            to_unicode: dict[int, str] = {}
            programs: dict[tuple, bytes] = {}
            for font in fonts:
                cid_font = font.DescendantFonts[0]
                widths.update(read_widths(cid_font.get("/W")))
                if "/ToUnicode" in font:  # the first piece's text for a CID stays
                    to_unicode = read_to_unicode(font.ToUnicode.read_bytes()) | to_unicode
                program = cid_font.FontDescriptor.FontFile3
                programs.setdefault(program.objgen, program.read_bytes())
            cff = merge_cff(list(programs.values()))
        except Exception:  # keep the pieces' own fonts rather than fail the document
            LOGGER.warning("could not merge the subsets of %s; keeping them apart", base, exc_info=True)
            continue
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(cff).digest()[:6])
        name = pikepdf.Name(f"/{tag}+{base}")
        first = fonts[0]
        first_cid = first.DescendantFonts[0]
        program = pdf.make_stream(cff)
        program.Subtype = pikepdf.Name.CIDFontType0C
        descriptor = pikepdf.Dictionary({k: v for k, v in first_cid.FontDescriptor.items()})
        descriptor.FontName = name
        descriptor.FontFile3 = program
        cid_font = pikepdf.Dictionary({k: v for k, v in first_cid.items()})
        cid_font.BaseFont = name
        cid_font.FontDescriptor = pdf.make_indirect(descriptor)
        cid_font.W = pikepdf.Array(write_widths(widths))
        font = pikepdf.Dictionary({k: v for k, v in first.items()})
        font.BaseFont = name
        font.DescendantFonts = pikepdf.Array([pdf.make_indirect(cid_font)])
        if to_unicode:
            font.ToUnicode = pdf.make_stream(write_to_unicode(to_unicode))
        merged[base] = pdf.make_indirect(font)
    for fonts, name, base in users:
        if base in merged:
            fonts[name] = merged[base]
