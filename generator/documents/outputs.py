"""The one list of downloadable outputs: each declared once, everything else iterates over it.

An :class:`Output` says what a file is (manifest ``kind`` and ``format``, Chinese
label), which subjects it has (every role, every form, or the whole handbook),
the view its renderer receives, the renderer itself, the template files and
libraries that shape its bytes, and where the file goes. :mod:`generator.documents.plan`
plans files from it, :mod:`generator.documents.produce` derives cache keys and pruning from
it, the site's download links, the bundles and ``manifest.json`` follow it.

Adding an output is one renderer module, one template folder and one
:func:`register` call at the bottom of this file, in the spirit of Sphinx's
builder registry. Registering the same (kind, format) twice is an error.

The cache key of a document is *derived* from the declaration (see
:func:`stamp` and :func:`fingerprint`): the view object the renderer receives,
the declared template files, the renderer's code (its module and every project
module it imports, found by reading their ``import`` statements), the installed
versions of the declared libraries, the system libraries they load and, for
outputs that embed fonts, the font files fontconfig knows. Nothing is kept by
hand, so nothing can go stale.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib
import json
import os
import posixpath
import re
import subprocess
import sysconfig
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable

from .. import TOOL_ROOT
from ..content.model import Handbook
from . import views

PACKAGE = "generator"
PROJECT_DIR = TOOL_ROOT
PACKAGE_DIR = PROJECT_DIR / PACKAGE
DOWNLOADS = "downloads"

# --------------------------------------------------------------------------- subjects

# subject kind → (the subjects of a handbook, their id, the view a renderer receives for one)
SUBJECTS: dict[str, tuple[Callable[[Handbook], list], Callable[[Any], str], Callable[[Handbook, Any], Any]]] = {
    "role": (lambda hb: list(hb.roles), lambda role: role.id, views.role_view),
    "form": (lambda hb: list(hb.forms), lambda form: form.id, views.form_view),
    "handbook": (lambda hb: [hb], lambda hb: "", lambda hb, _: views.roster_view(hb)),
}

# subject kind → the subject's own name, as a person would save its file (大区经理, 业务招待申请单)
SUBJECT_NAMES: dict[str, Callable[[Any], str]] = {
    "role": lambda role: role.title,
    "form": lambda form: form.title,
    "handbook": lambda hb: "",
}

# Characters no file name may hold on Windows, macOS or Linux, plus those that would end a
# Markdown attribute (``{download="…"}``): each becomes a full-width look-alike or "_".
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|{}\x00-\x1f\x7f]')
_LOOKALIKE = {"/": "／", ":": "：", "*": "＊", "?": "？", '"': "＂", "<": "＜", ">": "＞", "|": "｜",
              "{": "｛", "}": "｝", "\\": "＼"}


def safe_name(text: str) -> str:
    """``text`` made a portable file name that still reads the same: 经理/助理 → 经理／助理."""
    cleaned = _UNSAFE_NAME.sub(lambda m: _LOOKALIKE.get(m.group(), "_"), text).strip().strip(".")
    return re.sub(r"\s+", " ", cleaned)[:120] or "文件"


@dataclass(frozen=True)
class Output:
    """One kind of downloadable file in one format."""

    kind: str  # manifest kind, e.g. "job-description"
    format: str  # file suffix and manifest format, e.g. "pdf"
    label: str  # what HR calls it: 岗位说明书
    format_label: str  # how its download link reads: Word, PDF, Excel
    subjects: str  # a key of SUBJECTS: "role", "form" or "handbook"
    path: str  # file-name pattern under the site root; ``{id}`` is the subject's id
    renderer: str  # "module:function": function(view, subject) → bytes; function(view) for "handbook"
    title: Callable[[Any], str]  # the document's title, from its subject
    templates: tuple[str, ...] = ()  # globs (from the project folder) of every template file it reads
    libraries: tuple[str, ...] = ()  # distributions whose version changes its bytes
    system_libraries: tuple[str, ...] = ()  # shared libraries (sonames) those load, e.g. libpango-1.0.so.0
    fonts: bool = False  # embeds fonts: the installed font files are part of its key
    weight: int = 1  # relative render cost: heavier outputs are started first
    view_builder: str | None = None  # "module:function"(hb, subject) → view; default: the subjects' own view
    applies: Callable[[Any], bool] | None = None  # which subjects have this output (default: all)
    save_as: str = "{name}-{label}"  # the Chinese file name a person saves (suffix added): 大区经理-岗位说明书
    # A whole-handbook file assembled from one piece per subject: the documents of another output (全部岗位说明书:
    # the job-description PDFs), rendered, cached and keyed as such, so an edit re-renders only its own piece
    # and the assembly; ``renderer`` then receives (view, {subject id: piece bytes}).
    parts: "Output | None" = None

    def filename(self, subject: Any) -> str:
        """The save-as name of one subject's file, e.g. 大区经理-岗位说明书.pdf (URLs stay ASCII)."""
        name = SUBJECT_NAMES[self.subjects](subject)
        return safe_name(self.save_as.format(name=name, label=self.label)) + self.suffix

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.format

    @property
    def suffix(self) -> str:
        return "." + self.format

    def file(self, subject_id: str) -> str:
        return self.path.format(id=subject_id)

    def subjects_of(self, hb: Handbook) -> list:
        subjects = SUBJECTS[self.subjects][0](hb)
        return [s for s in subjects if self.applies(s)] if self.applies else subjects

    def subject_id(self, subject: Any) -> str:
        return SUBJECTS[self.subjects][1](subject) or self.kind

    def view(self, hb: Handbook, subject: Any) -> Any:
        """What the renderer receives besides the subject; its fingerprint is part of the cache key."""
        if self.view_builder:
            return _load(self.view_builder)(hb, subject)
        return SUBJECTS[self.subjects][2](hb, subject)

    def function(self) -> Callable[..., bytes]:
        """The renderer, imported on first use: `handbook check` never loads WeasyPrint."""
        return _load(self.renderer)

    def render(self, view: Any, subject: Any, parts: dict[str, bytes] | None = None) -> bytes:
        if self.parts is not None:
            return self.function()(view, parts or {})
        return self.function()(view) if self.subjects == "handbook" else self.function()(view, subject)


REGISTRY: dict[tuple[str, str], Output] = {}


def _load(reference: str) -> Callable:
    module_name, func_name = reference.split(":")
    return getattr(importlib.import_module(module_name), func_name)


def register(output: Output) -> Output:
    if output.key in REGISTRY:
        raise ValueError(f"output {output.kind}/{output.format} is registered twice")
    if output.subjects not in SUBJECTS:
        raise ValueError(f"output {output.kind}/{output.format}: unknown subjects {output.subjects!r}")
    if any(o.path == output.path for o in REGISTRY.values()):
        raise ValueError(f"output {output.kind}/{output.format}: file pattern {output.path} is taken")
    REGISTRY[output.key] = output
    return output


def get(kind: str, fmt: str) -> Output:
    return REGISTRY[(kind, fmt)]


def all_outputs() -> list[Output]:
    return list(REGISTRY.values())


def kinds(subjects: str) -> list[tuple[str, str]]:
    """(kind, label) of the outputs of one subject kind, in registration order, each once."""
    return list(dict.fromkeys((o.kind, o.label) for o in REGISTRY.values() if o.subjects == subjects))


def format_labels() -> dict[str, str]:
    return {**{o.format: o.format_label for o in REGISTRY.values()}, "zip": "ZIP"}


def format_order() -> dict[str, int]:
    """Download links list formats in registration order (Word before PDF), bundles last."""
    order = list(dict.fromkeys(o.format for o in REGISTRY.values()))
    return {**{fmt: i for i, fmt in enumerate(order)}, "zip": len(order)}


def suffixes() -> set[str]:
    return {o.suffix for o in REGISTRY.values()}


# --------------------------------------------------------------------------- bundles


@dataclass(frozen=True)
class Bundle:
    """A zip of documents: every output whose kind is in ``kinds``, one folder per kind inside."""

    id: str
    title: str
    path: str
    save_as: str  # the zip's Chinese file name without .zip; ``{handbook}`` is the handbook's title
    kinds: tuple[str, ...]

    def filename(self, hb: Handbook) -> str:
        return safe_name(self.save_as.format(handbook=hb.site.handbook_title)) + ".zip"

    def carries(self, output: Output) -> bool:
        return output.kind in self.kinds


BUNDLES: dict[str, Bundle] = {}  # filled from the registry at the bottom of this file (see derive_bundles)


def derive_bundles() -> dict[str, Bundle]:
    """One zip of every document (全部文件), then one per kind of role or form output, in registration order.

    Nothing to declare: a new output joins 全部文件 and gets its own zip beside its folder
    (``downloads/job-descriptions/…`` → ``downloads/job-descriptions.zip``).
    """
    per_subject = [o for o in REGISTRY.values() if o.subjects != "handbook"]
    labels = dict.fromkeys((o.kind, o.label) for o in per_subject)
    everything = Bundle("all-documents", "全部文件（" + "、".join(label for _, label in labels) + "；Word 与 PDF）",
                        f"{DOWNLOADS}/all-documents.zip", "{handbook}-全部文件",
                        tuple(o.kind for o in REGISTRY.values()))
    found = {everything.id: everything}
    for kind, label in labels:
        folder = posixpath.dirname(next(o.path for o in per_subject if o.kind == kind))
        bundle_id = posixpath.basename(folder)
        formats = "、".join(o.format_label for o in per_subject if o.kind == kind)
        found[bundle_id] = Bundle(bundle_id, f"全部{label}（{formats.replace('、', ' 与 ')}）", folder + ".zip",
                                  "{handbook}-全部" + label, (kind,))
    return found


def archive_root(hb: Handbook) -> str:
    """The one folder every zip's entries sit in, so unzipping never scatters files: 营销中心员工手册/."""
    return safe_name(hb.site.handbook_title)


def archive_name(hb: Handbook, output: Output, filename: str) -> str:
    """Where a document sits inside a zip: 营销中心员工手册/岗位说明书/大区经理-岗位说明书.docx.

    A file made once for the whole handbook (岗位清单.xlsx) sits in the top folder itself.
    """
    if output.subjects == "handbook":
        return f"{archive_root(hb)}/{filename}"
    return f"{archive_root(hb)}/{safe_name(output.label)}/{filename}"


# --------------------------------------------------------------------------- derived cache key


def fingerprint(value: Any) -> Any:
    """A JSON-able image of a view or subject: pydantic models, dataclasses, sequences, dates.

    Anything else is refused rather than guessed at, so a view can never carry a value
    that changes the document without changing its key.
    """
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "model_dump"):
        return {"$type": type(value).__name__, **value.model_dump(mode="json")}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"$type": type(value).__name__,
                **{f.name: fingerprint(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, (list, tuple)):
        return [fingerprint(v) for v in value]
    if isinstance(value, dict):
        return {str(k): fingerprint(v) for k, v in value.items()}
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot fingerprint a {type(value).__name__}: give views plain data")


def _module_file(name: str) -> Path | None:
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


_IMPORT_RE = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)|import[ \t]+([^\n#]+))",
                        re.MULTILINE)


@lru_cache(maxsize=256)
def _imports_of(name: str, path: Path, mtime_ns: int, size: int) -> frozenset[str]:
    """Project modules named by ``path``'s import statements, at any depth (``from .. import views`` too).

    A regular expression rather than :mod:`ast`: walking the trees of the renderers
    cost 0.2 s per build; this costs a millisecond. Keyed by mtime so edits count.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for match in _IMPORT_RE.finditer(path.read_text(encoding="utf-8")):
        source, names, plain = match.groups()
        if plain is not None:
            found.update(part.split()[0] for part in plain.split(",") if part.strip())
            continue
        level = len(source) - len(source.lstrip("."))
        module = source[level:]
        if level:
            base = package.split(".")
            base = base[:len(base) - (level - 1)]
            module = ".".join(base + ([module] if module else []))
        found.add(module)
        found.update(f"{module}.{part.split()[0]}" for part in names.strip("()").split(",") if part.strip())
    return frozenset(m for m in found if _module_file(m) is not None)


def _imports(name: str, path: Path) -> frozenset[str]:
    st = path.stat()
    return _imports_of(name, path, st.st_mtime_ns, st.st_size)


def code_files(module: str) -> list[Path]:
    """The renderer module and every project module it imports, transitively."""
    seen: dict[str, Path] = {}
    todo = [module]
    while todo:
        name = todo.pop()
        path = _module_file(name)
        if name in seen or path is None:
            continue
        seen[name] = path
        todo.extend(_imports(name, path))
    return sorted(set(seen.values()))


def template_files(output: Output) -> list[Path]:
    files = {p for pattern in output.templates for p in PROJECT_DIR.glob(pattern) if p.is_file()}
    return sorted(p for p in files if "__pycache__" not in p.parts)


def library_versions(output: Output) -> dict[str, str]:
    versions = {}
    for name in output.libraries:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def _library_dirs() -> list[Path]:
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    dirs = [f"/usr/lib/{multiarch}", f"/lib/{multiarch}", "/usr/lib64", "/usr/lib", "/usr/local/lib", "/opt/homebrew/lib"]
    return [Path(d) for d in dict.fromkeys(dirs) if Path(d).is_dir()]


def _file_stamp(path: Path) -> list:
    real = Path(os.path.realpath(path))
    st = real.stat()
    return [str(real), st.st_size, st.st_mtime_ns]


def system_library_stamps(output: Output) -> dict[str, Any]:
    """The resolved file of each shared library (``libpango-1.0.so.0`` → its versioned file), size and mtime."""
    stamps: dict[str, Any] = {}
    for soname in output.system_libraries:
        found = next((d / soname for d in _library_dirs() if (d / soname).exists()), None)
        stamps[soname] = _file_stamp(found) if found else "missing"
    return stamps


def font_stamps() -> list:
    """Every font file fontconfig offers (path, size, mtime): WeasyPrint may fall back to any of them."""
    try:
        listed = subprocess.run(["fc-list", "-f", "%{file}\n"], capture_output=True, text=True, check=True,
                                timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ["fc-list unavailable"]
    return [_file_stamp(Path(f)) for f in sorted(set(listed.split())) if Path(f).is_file()]


def _digest_files(paths: Iterable[Path], root: Path) -> str:
    """Names (relative to ``root``, so the checkout's location does not matter) and contents."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def stamp(output: Output, fonts: list | None = None) -> str:
    """Hash of everything but the view that shapes ``output``'s bytes.

    ``fonts`` (from :func:`font_stamps`) may be passed in to list the fonts once per build.
    """
    module = output.renderer.split(":")[0]
    parts = {
        "code": _digest_files(code_files(module), PACKAGE_DIR.parent),
        "templates": _digest_files(template_files(output), PROJECT_DIR),
        "libraries": library_versions(output),
        "system": system_library_stamps(output),
        "fonts": (fonts if fonts is not None else font_stamps()) if output.fonts else None,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def cache_key(output: Output, view: Any, subject: Any, output_stamp: str) -> str:
    """The view and subject the renderer receives, plus :func:`stamp`: equal keys, equal bytes."""
    payload = json.dumps({"output": output.key, "view": fingerprint(view),
                          "subject": None if output.subjects == "handbook" else fingerprint(subject),
                          "stamp": output_stamp}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


# --------------------------------------------------------------------------- the outputs

PDF_LIBRARIES = ("weasyprint", "pydyf", "fonttools", "tinycss2", "cssselect2", "tinyhtml5", "pyphen", "pillow",
                 "jinja2", "markupsafe", "cairosvg", "cairocffi")  # cairo*: an SVG logo with gradients as PNG
PDF_SYSTEM = ("libpango-1.0.so.0", "libpangoft2-1.0.so.0", "libharfbuzz.so.0", "libharfbuzz-subset.so.0",
              "libfontconfig.so.1", "libfreetype.so.6", "libcairo.so.2")
PDF_TEMPLATES = ("templates/pdf/**/*", "site_overrides/pdf/**/*")
PDF_RENDERER = "generator.documents.renderers.pdf"
DOCX_LIBRARIES = ("python-docx", "lxml", "pyyaml", "cairosvg", "cairocffi")  # cairo*: an SVG logo drawn as PNG
DOCX_SYSTEM = ("libcairo.so.2",)
DOCX_TEMPLATES = ("templates/docx/**/*",)
DOCX_RENDERER = "generator.documents.renderers.docx"


def _pdf(kind: str, label: str, subjects: str, path: str, function: str, title, **extra) -> Output:
    return Output(kind, "pdf", label, "PDF", subjects, path, f"{PDF_RENDERER}:{function}", title,
                  templates=PDF_TEMPLATES, libraries=PDF_LIBRARIES, system_libraries=PDF_SYSTEM, fonts=True,
                  **{"weight": 5, **extra})


def _docx(kind: str, label: str, subjects: str, path: str, function: str, title, **extra) -> Output:
    return Output(kind, "docx", label, "Word", subjects, path, f"{DOCX_RENDERER}:{function}", title,
                  templates=DOCX_TEMPLATES, libraries=DOCX_LIBRARIES, system_libraries=DOCX_SYSTEM, **extra)


# Registration order is the order of columns and links on the site: Word before PDF.
register(_docx("job-description", "岗位说明书", "role", DOWNLOADS + "/job-descriptions/{id}.docx", "job_description",
               views.jd_title))
JOB_DESCRIPTION_PDF = register(_pdf("job-description", "岗位说明书", "role", DOWNLOADS + "/job-descriptions/{id}.pdf",
                                   "job_description", views.jd_title))
def _has_kpis(role) -> bool:
    """A draft without KPIs yet has nothing to appraise."""
    return role.kpis is not None


register(_docx("appraisal", "绩效考核表", "role", DOWNLOADS + "/appraisals/{id}.docx", "appraisal",
               views.appraisal_title, applies=_has_kpis))
register(_pdf("appraisal", "绩效考核表", "role", DOWNLOADS + "/appraisals/{id}.pdf", "appraisal",
              views.appraisal_title, applies=_has_kpis))
register(_docx("form", "空白表单", "form", DOWNLOADS + "/forms/{id}.docx", "form", lambda form: form.title,
               save_as="{name}"))
register(_pdf("form", "空白表单", "form", DOWNLOADS + "/forms/{id}.pdf", "form", lambda form: form.title,
              save_as="{name}"))
register(Output("roster", "xlsx", "岗位清单", "Excel", "handbook", DOWNLOADS + "/roster.xlsx",
                "generator.documents.renderers.xlsx:roster", lambda hb: "岗位清单", templates=("templates/xlsx/**/*",),
                libraries=("openpyxl", "et-xmlfile", "pyyaml"), view_builder="generator.documents.renderers.xlsx:roster_view",
                save_as="{label}"))


def _roles_only(hb: Handbook, _subject: Any) -> Handbook:
    """全部岗位说明书 prints every role, the site settings, the roles' own history and the logo: that handbook,
    without policies, guides, forms, other files' commits or the site's colour, is its view (so editing a
    policy does not re-render the book)."""
    from ..content.model import History, source_path

    role_files = {source_path("role", r.id) for r in hb.roles}
    history = History(files={k: v for k, v in hb.history.files.items() if k in role_files},
                      omitted=hb.history.omitted)
    return hb.model_copy(update={"policies": [], "guides": [], "forms": [], "history": history,
                                 "brand": views.document_brand(hb)})


register(dataclasses.replace(
    _pdf("job-description-book", "全部岗位说明书", "handbook", DOWNLOADS + "/job-descriptions-all.pdf",
         "all_job_descriptions", lambda hb: "全部岗位说明书", view_builder="generator.documents.outputs:_roles_only",
         save_as="{label}", weight=25, parts=JOB_DESCRIPTION_PDF),
    renderer="generator.documents.renderers.pdf_book:all_job_descriptions", libraries=PDF_LIBRARIES + ("pikepdf",)))
BUNDLES.update(derive_bundles())
