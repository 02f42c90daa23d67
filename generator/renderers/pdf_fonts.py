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
