"""HarfBuzz's subsetter through uharfbuzz: a CID-keyed CFF font cut to some glyphs without kept ids, ~8 ms
instead of WeasyPrint's ~40 ms per face (ARCHITECTURE.md, "PDF files")."""

from __future__ import annotations

import functools
import hashlib
import io
import threading

import uharfbuzz as hb

_CFF = "CFF "


class Face:
    """One face of a font file, as HarfBuzz reads it (from its own copy of ``data``)."""

    def __init__(self, data: bytes, index: int):
        self.lock = threading.Lock()
        self.face = hb.Face(hb.Blob(data), index)
        self.tables = set(self.face.table_tags)

    def cff(self, glyphs: set[int]) -> bytes:
        """The face's CFF table with only ``glyphs`` (and .notdef), desubroutinized, without hints."""
        request = hb.SubsetInput()
        request.glyph_set.update(sorted(glyphs))
        request.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.DESUBROUTINIZE
        # no layout closure: only the glyphs asked for (a page draws what it draws, no alternates)
        request.layout_feature_tag_set.clear()
        request.drop_table_tag_set.update(int.from_bytes(tag.encode("ascii"), "big") for tag in self.tables - {_CFF})
        with self.lock:
            try:
                result = hb.subset(self.face, request)
            except RuntimeError as exc:
                raise ValueError("HarfBuzz could not subset the font") from exc
        data = result.reference_table(_CFF).data
        if not data:
            raise ValueError("the subset has no CFF table")
        return data

    @functools.cached_property
    def cid_keyed(self) -> bool:
        """A CFF table whose Top DICT has ROS (fontTools reads the table's first 256 KB: its header, names,
        Top DICT and strings; a table it cannot read so is not cut here)."""
        from fontTools.cffLib import CFFFontSet

        if _CFF not in self.tables:
            return False
        try:
            cff = CFFFontSet()
            cff.decompile(io.BytesIO(self.face.reference_table(_CFF).data[:1 << 18]), None, isCFF2=False)
            return "ROS" in cff[cff.fontNames[0]].rawDict
        except Exception:  # not a CFF fontTools can read: not ours to cut
            return False


_FACES: dict[tuple, Face] = {}


def face(data: bytes, index: int) -> Face:
    """The face ``index`` of the font file ``data``, made once per process (WeasyPrint hands each PDF a fresh
    copy of the file: the length, the face and the table directories in the first 64 KB tell copies apart)."""
    key = (len(data), index, hashlib.blake2b(data[:65536], digest_size=16).digest())
    if key not in _FACES:
        _FACES[key] = Face(data, index)
    return _FACES[key]
