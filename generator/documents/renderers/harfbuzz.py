"""HarfBuzz's subsetter through its public C API (ctypes): a CID-keyed CFF font cut to some glyphs without
kept ids, ~8 ms instead of WeasyPrint's ~40 ms per face (ARCHITECTURE.md, "PDF files")."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import io
import threading

# hb-subset.h
_NO_HINTING, _DESUBROUTINIZE = 0x1, 0x4
_DROP_TABLE_TAG, _LAYOUT_FEATURE_TAG = 3, 6
_CFF = "CFF "


class HarfBuzzMissing(OSError):
    """libharfbuzz or libharfbuzz-subset cannot be loaded."""


def _tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii"), "big")


@functools.lru_cache(maxsize=1)
def _libraries() -> tuple[ctypes.CDLL, ctypes.CDLL]:
    found = []
    for soname, short in (("libharfbuzz.so.0", "harfbuzz"), ("libharfbuzz-subset.so.0", "harfbuzz-subset")):
        try:
            found.append(ctypes.CDLL(soname))
        except OSError:
            try:  # e.g. macOS: find_library asks the system (slow: a subprocess), so only when the soname fails
                found.append(ctypes.CDLL(ctypes.util.find_library(short) or soname))
            except OSError as exc:
                raise HarfBuzzMissing(f"{soname} cannot be loaded: {exc}") from exc
    hb, subset = found
    p, u = ctypes.c_void_p, ctypes.c_uint
    for name, result, args in (
            ("hb_blob_create", p, [ctypes.c_char_p, u, ctypes.c_int, p, p]), ("hb_blob_destroy", None, [p]),
            ("hb_blob_get_data", p, [p, ctypes.POINTER(u)]), ("hb_face_create", p, [p, u]),
            ("hb_face_destroy", None, [p]), ("hb_face_reference_table", p, [p, u]),
            ("hb_face_get_table_tags", u, [p, u, ctypes.POINTER(u), ctypes.POINTER(u)]),
            ("hb_set_add", None, [p, u]), ("hb_set_clear", None, [p])):
        function = getattr(hb, name)
        function.restype, function.argtypes = result, args
    for name, result, args in (
            ("hb_subset_input_create_or_fail", p, []), ("hb_subset_input_destroy", None, [p]),
            ("hb_subset_input_glyph_set", p, [p]), ("hb_subset_input_set", p, [p, ctypes.c_int]),
            ("hb_subset_input_set_flags", None, [p, u]), ("hb_subset_or_fail", p, [p, p])):
        function = getattr(subset, name)
        function.restype, function.argtypes = result, args
    return hb, subset


class Face:
    """One face of a font file, as HarfBuzz reads it; ``data`` is kept alive as long as the face."""

    def __init__(self, data: bytes, index: int):
        hb, _ = _libraries()
        self.data, self.lock = data, threading.Lock()
        blob = hb.hb_blob_create(data, len(data), 1, None, None)  # HB_MEMORY_MODE_READONLY: no copy
        self.face = hb.hb_face_create(blob, index)
        hb.hb_blob_destroy(blob)  # the face holds its own reference
        count = ctypes.c_uint(64)
        tags = (ctypes.c_uint * 64)()
        hb.hb_face_get_table_tags(self.face, 0, ctypes.byref(count), tags)
        self.tables = {tags[i] for i in range(count.value)}

    def cff(self, glyphs: set[int]) -> bytes:
        """The face's CFF table with only ``glyphs`` (and .notdef), desubroutinized, without hints."""
        hb, subset = _libraries()
        with self.lock:
            request = subset.hb_subset_input_create_or_fail()
            if not request:
                raise MemoryError("HarfBuzz could not start a subset")
            try:
                wanted = subset.hb_subset_input_glyph_set(request)
                for gid in sorted(glyphs):
                    hb.hb_set_add(wanted, gid)
                subset.hb_subset_input_set_flags(request, _NO_HINTING | _DESUBROUTINIZE)
                # no layout closure: only the glyphs asked for (a page draws what it draws, no alternates)
                hb.hb_set_clear(subset.hb_subset_input_set(request, _LAYOUT_FEATURE_TAG))
                dropped = subset.hb_subset_input_set(request, _DROP_TABLE_TAG)
                for tag in self.tables - {_tag(_CFF)}:
                    hb.hb_set_add(dropped, tag)
                result = subset.hb_subset_or_fail(self.face, request)
            finally:
                subset.hb_subset_input_destroy(request)
            if not result:
                raise ValueError("HarfBuzz could not subset the font")
            try:
                data = _cff_table(result)
            finally:
                hb.hb_face_destroy(result)
        if not data:
            raise ValueError("the subset has no CFF table")
        return data

    @functools.cached_property
    def cid_keyed(self) -> bool:
        """A CFF table whose Top DICT has ROS (fontTools reads the table's first 256 KB: its header, names,
        Top DICT and strings; a table it cannot read so is not cut here)."""
        from fontTools.cffLib import CFFFontSet

        if _tag(_CFF) not in self.tables:
            return False
        try:
            cff = CFFFontSet()
            cff.decompile(io.BytesIO(_cff_table(self.face, 1 << 18)), None, isCFF2=False)
            return "ROS" in cff[cff.fontNames[0]].rawDict
        except Exception:  # not a CFF fontTools can read: not ours to cut
            return False

    def __del__(self):
        try:
            _libraries()[0].hb_face_destroy(self.face)
        except Exception:  # interpreter shutdown
            pass


def _cff_table(face, limit: int | None = None) -> bytes:
    """The CFF table of a HarfBuzz face (at most its first ``limit`` bytes); b"" without one."""
    hb, _ = _libraries()
    table = hb.hb_face_reference_table(face, _tag(_CFF))
    try:
        length = ctypes.c_uint()
        pointer = hb.hb_blob_get_data(table, ctypes.byref(length))
        return ctypes.string_at(pointer, min(length.value, limit or length.value)) if pointer else b""
    finally:
        hb.hb_blob_destroy(table)


_FACES: dict[tuple, Face] = {}


def face(data: bytes, index: int) -> Face:
    """The face ``index`` of the font file ``data``, made once per process (WeasyPrint hands each PDF a fresh
    copy of the file: the length, the face and the table directories in the first 64 KB tell copies apart)."""
    key = (len(data), index, hashlib.blake2b(data[:65536], digest_size=16).digest())
    if key not in _FACES:
        _FACES[key] = Face(data, index)
    return _FACES[key]


def is_cid_cff(data: bytes, index: int) -> bool:
    """Whether face ``index`` of ``data`` has a CID-keyed CFF table: what a PDF embeds as CIDFontType0C."""
    try:
        return face(data, index).cid_keyed
    except HarfBuzzMissing:
        return False
