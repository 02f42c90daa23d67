"""handbook-as-code: YAML in, staff handbook site, Word and PDF out."""

__version__ = "1.0.0"
