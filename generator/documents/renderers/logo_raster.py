"""A logo drawn as PNG, for the outputs that cannot show its SVG reliably (cairosvg, safe mode).

* **Word headers** always get a PNG: every Word, WPS and LibreOffice shows one, not all show SVG.
* **PDF headers** keep an SVG as vectors, unless it paints with gradients or patterns: WeasyPrint draws
  those as 1 × 1 tiling patterns, which poppler (Linux PDF viewers, CUPS printing) leaves out at some
  zoom levels (measured with pdftoppm: the fixture logo's gradient square vanished at 50, 72, 96 and
  100 dpi, showed at 40, 60 and 120). Such a logo is drawn at 600 dpi of its printed size instead.

The SVG was checked when the content loaded (:mod:`generator.content.brand`); cairosvg's safe mode (``unsafe=False``)
still refuses entities and reads nothing but embedded ``data:`` images.
"""

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
