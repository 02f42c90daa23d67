"""handbook-as-code: YAML in, staff handbook site, Word and PDF out."""

from pathlib import Path

__version__ = "1.0.0"

#: The tool's own folder: templates/, site_overrides/, vendor/, mkdocs.yml and the bundled content.
TOOL_ROOT = Path(__file__).resolve().parent.parent
