"""A logo's SVG drawn as PNG (cairosvg, safe mode): always for Word, for PDFs when it paints with gradients or
patterns, which poppler drops at some zoom levels (ARCHITECTURE.md, "PDF files")."""

from __future__ import annotations

import re
from functools import lru_cache

_PAINT_SERVERS = re.compile(rb"<(?:[\w-]+:)?(?:linearGradient|radialGradient|pattern|meshgradient)\b")


def unreliable_in_pdf(svg: bytes) -> bool:
    """True when WeasyPrint would draw this SVG with tiling patterns (gradients, patterns)."""
    return _PAINT_SERVERS.search(svg) is not None


def png_of(svg: bytes, height_mm: float, dpi: int) -> bytes:
    """The SVG drawn ``height_mm`` high at ``dpi`` (its width follows its proportions)."""
    return _draw(svg, max(16, round(height_mm / 25.4 * dpi)))


@lru_cache(maxsize=8)
def _draw(svg: bytes, height_px: int) -> bytes:
    import cairosvg  # only a handbook with an SVG logo needs it

    return cairosvg.svg2png(bytestring=svg, output_height=height_px, unsafe=False)
