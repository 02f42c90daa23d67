"""Small helpers shared by the tests: content roots made from overlays."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
MINIMAL = TESTS / "roots" / "minimal"
#: the company's own document as it was scraped: every duty, rule and guideline in it must reach the handbook
SEED = TESTS / "fixtures" / "seed" / "company-document.txt"


def overlay_root(tmp: Path, overlay: Path | None = None, base: Path = MINIMAL) -> Path:
    """Copy `base`, then `overlay`'s files over it; a DELETE file lists files to remove."""
    root = tmp / "root"
    shutil.copytree(base, root)
    if overlay is not None:
        for src in overlay.rglob("*"):
            if src.is_file() and src.name not in ("DELETE", "expected.txt"):
                target = root / src.relative_to(overlay)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)
        if (overlay / "DELETE").exists():
            for rel in (overlay / "DELETE").read_text().split():
                (root / rel).unlink()
    return root


def copy_bundled_content(tmp: Path) -> Path:
    """A writable copy of the repository's own roles/ and content/."""
    root = tmp / "bundled"
    for folder in ("roles", "content"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def commit_all(root: Path, message: str = "初始版本") -> Path:
    """``root`` as a git repository whose one commit holds all of it: the last release HR made."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "人力资源部", "GIT_AUTHOR_EMAIL": "hr@example.com",
           "GIT_COMMITTER_NAME": "人力资源部", "GIT_COMMITTER_EMAIL": "hr@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}
    for args in (("init", "-q", "-b", "main"), ("add", "-A"), ("commit", "-q", "-m", message)):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)
    return root


def problems_of(root: Path) -> list[str]:
    """What `handbook check` reports for ``root`` before its notes, one string per problem: errors, then drafts'
    problems (which hold back their draft only); empty when everything loads."""
    from generator.content.errors import ContentError
    from generator.content.loader import load_handbook

    notes: list = []
    try:
        load_handbook(root, notes)
    except ContentError as exc:
        errors, notes = exc.problems, exc.notes
    else:
        errors = []
    return [str(p) for p in [*errors, *(n for n in notes if n.severity == "draft")]]


def own_cache_env(**extra: str) -> dict[str, str]:
    """The environment for a `handbook` subprocess that renders with the content root's own cache
    (``.cache/handbook/``), not the run's shared one: for tests that count or interrupt rendering,
    which another test's identical edit in the shared cache would otherwise make order-dependent."""
    from generator.cachedir import ENV

    env = {key: value for key, value in os.environ.items() if key != ENV}
    return {**env, **extra}


def soffice() -> str:
    """LibreOffice's command, the independent reader of the Word and Excel files."""
    import shutil

    found = shutil.which("soffice") or shutil.which("libreoffice")
    assert found, "LibreOffice is needed to read the Word and Excel files: apt-get install libreoffice-writer-nogui " \
                  "libreoffice-calc-nogui (scripts/setup.sh installs them)"
    return found


def convert_to_pdf(folder: Path, names: list[str]) -> None:
    """The files ``names`` in ``folder`` converted to PDF beside them by LibreOffice, in one call, with a private
    profile (parallel runs do not share its lock)."""
    import subprocess

    subprocess.run([soffice(), f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), *(str(folder / name) for name in names)],
                   check=True, capture_output=True, timeout=120)


def chinese_glyph_shapes(pdf: Path) -> tuple[set[str], set[str], set[str]]:
    """Of the characters of a PDF LibreOffice wrote whose Simplified Chinese and Japanese shapes differ
    (直, 门 …): (all of them, those drawn with the SC glyph, those drawn with the JP glyph).

    pdffonts cannot tell (every Noto CJK face embeds as 'NotoSansCJKjp'), the glyph names of the embedded
    Type 1 programs can: the faces of the Noto CJK collection share glyphs and differ in which one a
    character maps to."""
    import subprocess
    import tempfile

    from fontTools import t1Lib
    from fontTools.ttLib import TTCollection
    from pypdf import PdfReader

    ttc = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True, text=True).stdout
    faces = {f["name"].getDebugName(1): f.getBestCmap() for f in TTCollection(ttc, lazy=True).fonts}
    sc, jp = faces["Noto Sans CJK SC"], faces["Noto Sans CJK JP"]
    reader = PdfReader(pdf)
    glyphs: set[str] = set()
    seen = set()
    with tempfile.TemporaryDirectory() as tmp:
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                descriptor = font.get_object().get("/FontDescriptor")
                if descriptor is None or "/FontFile" not in descriptor.get_object() or font.idnum in seen:
                    continue
                seen.add(font.idnum)
                program = Path(tmp) / "font.pfa"
                program.write_bytes(descriptor.get_object()["/FontFile"].get_object().get_data())
                t1 = t1Lib.T1Font(str(program))
                t1.parse()
                glyphs |= set(t1.font["CharStrings"].keys())
    text = "".join(page.extract_text() for page in reader.pages)
    differing = {ch for ch in text if ord(ch) in sc and sc[ord(ch)] != jp.get(ord(ch))}
    return (differing, {ch for ch in differing if sc[ord(ch)] in glyphs},
            {ch for ch in differing if jp[ord(ch)] in glyphs})
