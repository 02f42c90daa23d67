"""Font compaction for WeasyPrint's PDFs: embedded CJK fonts cut down to the glyphs a document draws.

WeasyPrint subsets fonts with HarfBuzz but keeps the glyph ids (RETAIN_GIDS), because
the page content already refers to glyphs by id. The simplified-Chinese glyphs of
Noto Sans CJK SC sit near the end of its 65 000 glyphs, so every "subset" still holds
~60 000 empty glyph slots: ~140 KB per face, ~290 KB for regular + bold on every PDF.

The finisher below rewrites each embedded font as a bare CID-keyed CFF
(FontFile3 /CIDFontType0C) that holds only the glyphs the document uses, with the
glyph id as CID in its charset. Page content, widths (/W) and ToUnicode are keyed by
CID and stay untouched; a viewer maps CID → glyph through the charset, as CFF CID fonts
have always required. Result: ~20–40 KB per face. If anything is unexpected, the font
is left as WeasyPrint wrote it.

Relies on (pinned in pyproject.toml): WeasyPrint's finisher hook and the shape of
the font objects it writes through pydyf (``/CIDFontType0`` with ``/W`` and a
``/FontFile3`` ``/OpenType`` stream), and fontTools' CFF compiler. The tests in
``tests/test_pdf_fonts.py`` check, on PDFs rendered in the test, that every glyph a
page draws still has an outline in the embedded font program.
"""

from __future__ import annotations

import bisect
import io
import logging
import re

LOGGER = logging.getLogger(__name__)


def _object_number(reference) -> int:
    """``b"12 0 R"`` → 12 (pydyf writes references as bytes)."""
    if isinstance(reference, (bytes, bytearray)):
        reference = reference.decode("ascii")
    return int(str(reference).split()[0])


def _width_codes(widths) -> set[int]:
    """Glyph codes listed in a CIDFont /W array: ``[start [w1 w2 …] start [w …] …]``."""
    codes: set[int] = set()
    items = list(widths or [])
    for start, run in zip(items[0::2], items[1::2]):
        codes.update(range(int(start), int(start) + len(run)))
    return codes


def compact_fonts(document, pdf) -> None:
    """WeasyPrint finisher: replace each embedded OpenType CFF font by its compact CID-keyed CFF."""
    try:
        fonts_by_file: dict[int, list] = {}
        for obj in pdf.objects:
            if isinstance(obj, dict) and obj.get("Type") == "/Font" and obj.get("Subtype") == "/CIDFontType0":
                descriptor = pdf.objects[_object_number(obj["FontDescriptor"])]
                if "FontFile3" in descriptor:
                    fonts_by_file.setdefault(_object_number(descriptor["FontFile3"]), []).append(obj)
    except Exception:  # an unexpected PDF structure: leave every font as WeasyPrint wrote it
        LOGGER.warning("could not find the embedded fonts; keeping them as they are", exc_info=True)
        return
    for number, cid_fonts in fonts_by_file.items():
        stream = pdf.objects[number]
        if getattr(stream, "extra", {}).get("Subtype") != "/OpenType":
            continue
        try:
            used = set().union(*(_width_codes(font.get("W")) for font in cid_fonts))
            cff = compact_cff(b"\n".join(bytes(chunk) for chunk in stream.stream), used)
        except Exception:  # keep WeasyPrint's font rather than fail the document
            LOGGER.warning("could not compact an embedded font; keeping it as is", exc_info=True)
            continue
        stream.stream = [cff]
        stream.extra["Subtype"] = "/CIDFontType0C"
        for font in cid_fonts:
            font.pop("CIDToGIDMap", None)  # only meaningful for TrueType-based CIDFonts


def compact_cff(otf: bytes, used: set[int]) -> bytes:
    """The CFF table of ``otf`` reduced to glyph 0 and ``used``, each glyph's CID = its old glyph id.

    Only the small parts of the CFF are parsed by fontTools; the 60 000-entry charset,
    CharStrings offsets and FDSelect are read just for the kept glyphs (fontTools'
    full parse would cost ~80 ms per face).
    """
    from fontTools.cffLib import CFFFontSet, CharStrings, FDSelect
    from fontTools.misc.psCharStrings import T2CharString
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(otf), lazy=True, recalcBBoxes=False)
    data = font.reader["CFF "]
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(data), font, isCFF2=False)
    top = cff[cff.fontNames[0]]
    raw = top.rawDict
    if "ROS" not in raw or "FDArray" not in raw or "FDSelect" not in raw:
        raise ValueError("not a CID-keyed CFF font")

    # CharStrings INDEX: count, offSize, (count + 1) offsets, then the data.
    pos = raw["CharStrings"]
    count = int.from_bytes(data[pos:pos + 2], "big")
    off_size = data[pos + 2]
    offsets_at = pos + 3
    data_base = offsets_at + (count + 1) * off_size - 1

    def offset(i: int) -> int:
        start = offsets_at + i * off_size
        return int.from_bytes(data[start:start + off_size], "big")

    keep = [0] + sorted(g for g in used if 0 < g < count)
    if len(keep) != len(used | {0}):
        raise ValueError("a used glyph is missing from the font")
    fd_of = _fd_select(data, raw["FDSelect"], count)
    fd_array = top.FDArray
    names = [".notdef"] + [f"cid{g:05d}" for g in keep[1:]]
    charstrings = CharStrings(None, None, cff.GlobalSubrs, None, None, fd_array)
    selector = FDSelect()
    for name, gid in zip(names, keep):
        fd = fd_of(gid)
        selector.append(fd)
        charstrings[name] = T2CharString(
            bytecode=bytes(data[data_base + offset(gid):data_base + offset(gid + 1)]),
            private=fd_array[fd].Private, globalSubrs=cff.GlobalSubrs,
        )
    # Set before first access, so fontTools never parses the originals.
    top.charset = names
    top.CharStrings = charstrings
    top.FDSelect = selector
    top.numGlyphs = len(names)
    out = io.BytesIO()
    cff.compile(out, font, isCFF2=False)
    return out.getvalue()


def _fd_select(data: bytes, pos: int, count: int):
    """gid → Font DICT index, from an FDSelect of format 0 or 3."""
    fmt = data[pos]
    if fmt == 0:
        return lambda gid: data[pos + 1 + gid]
    if fmt != 3:
        raise ValueError(f"unsupported FDSelect format {fmt}")
    n = int.from_bytes(data[pos + 1:pos + 3], "big")
    firsts = [int.from_bytes(data[pos + 3 + 3 * i:pos + 5 + 3 * i], "big") for i in range(n)]
    fds = [data[pos + 5 + 3 * i] for i in range(n)]
    return lambda gid: fds[bisect.bisect_right(firsts, gid) - 1]


# --------------------------------------------------------------------------- one subset per face in a PDF


def merge_cff(programs: list[bytes]) -> bytes:
    """One CID-keyed CFF holding every glyph of ``programs`` (each from :func:`compact_cff` of the same face).

    WeasyPrint's subsets keep glyph ids and are desubroutinized (no subroutines to renumber): a glyph's
    charstring is the same bytes in every subset, and its Font DICT (hinting values) is found by name. The
    union is those glyphs side by side. Subsets of different faces are refused (ValueError), never mixed.
    """
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
        # HarfBuzz keeps only the Font DICTs a subset uses, so the same DICT has different indexes in
        # different subsets: glyphs are matched to their DICT by its name.
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
        for code, text in zip(codes[0::2], codes[1::2]):
            found[int(code, 16)] = _utf16(text)
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
    items = list(widths or [])
    i = 0
    while i < len(items):
        start = int(items[i])
        run = items[i + 1] if i + 1 < len(items) else None
        if run is not None and not isinstance(run, (str, bytes, int, float)) and hasattr(run, "__iter__"):
            for offset, width in enumerate(run):
                found[start + offset] = float(width)
            i += 2
        else:
            for cid in range(start, int(items[i + 1]) + 1):
                found[cid] = float(items[i + 2])
            i += 3
    return found


def write_widths(widths: dict[int, float]) -> list:
    """A /W array for ``widths``: consecutive CIDs share one ``c [w …]`` run."""
    out: list = []
    run: list = []
    start = previous = None
    for cid in sorted(widths):
        if previous is not None and cid == previous + 1:
            run.append(widths[cid])
        else:
            if run:
                out += [start, run]
            start, run = cid, [widths[cid]]
        previous = cid
    if run:
        out += [start, run]
    return [v if not isinstance(v, list) else [int(w) if float(w).is_integer() else w for w in v] for v in out]


def merge_pdf_fonts(pdf) -> None:
    """In a pikepdf ``pdf`` made of several WeasyPrint PDFs: one embedded font per face, not one per piece.

    Every Type0 font whose CIDFont carries a compact CFF (:func:`compact_fonts`) is grouped by its name
    without the subset tag (``ABCDEF+Noto-Sans-CJK-SC`` → ``Noto-Sans-CJK-SC``); each group becomes one
    font holding the union of glyphs, widths and ToUnicode entries, and every page (and form XObject)
    refers to it. A group that cannot be merged is left as it is, with a warning.
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
                if "/ToUnicode" in font:
                    for cid, text in read_to_unicode(font.ToUnicode.read_bytes()).items():
                        to_unicode.setdefault(cid, text)
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
