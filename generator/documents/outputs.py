"""The one list of downloadable outputs: each declared once (:func:`register`, at the bottom), everything else
iterates over it; cache keys derived from what the renderer receives (ARCHITECTURE.md, "Outputs")."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .. import TOOL_ROOT, cachedir
from ..content import drafts
from ..content.errors import ContentError, Problem
from ..content.model import KINDS, Handbook
from . import views

PROJECT_DIR = TOOL_ROOT
PACKAGE_DIR = PROJECT_DIR / "generator"
LOCK_FILE = "requirements.lock"  # every library's version, pinned (scripts/setup.sh installs from it)
DOWNLOADS = "downloads"

# --------------------------------------------------------------------------- subjects

HANDBOOK = "handbook"  # an output's subjects: one content kind's items ("role" …), or the whole handbook once
# the view a renderer receives for one item of a kind, when its output declares none (views.item_view otherwise)
KIND_VIEWS: dict[str, Callable[[Handbook, Any], Any]] = {"role": views.role_view, "form": views.form_view}

# Characters no file name may hold on Windows, macOS or Linux, plus those that would end a
# Markdown attribute (``{download="…"}``): each becomes a full-width look-alike, a control character "_".
_LOOKALIKE = str.maketrans('/:*?"<>|{}\\', "／：＊？＂＜＞｜｛｝＼")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_name(text: str) -> str:
    """``text`` made a portable file name that still reads the same: 经理/助理 → 经理／助理."""
    cleaned = _CONTROL.sub("_", text.translate(_LOOKALIKE)).strip().strip(".")
    return re.sub(r"\s+", " ", cleaned)[:120] or "文件"


@dataclass(frozen=True)
class Output:
    """One kind of downloadable file in one format."""

    kind: str  # manifest kind, e.g. "job-description"
    format: str  # file suffix and manifest format, e.g. "pdf"
    label: str  # what HR calls it: 岗位说明书
    format_label: str  # how its download link reads: Word, PDF, Excel
    subjects: str  # a content kind ("role", "form" …) or HANDBOOK
    path: str  # file-name pattern under the site root; ``{id}`` is the subject's id
    renderer: str  # "module:function": function(view, subject) → bytes; function(view) for HANDBOOK
    title: Callable[[Any], str]  # the document's title, from its subject
    templates: tuple[str, ...] = ()  # globs (from the project folder) of every template file it reads
    fonts: bool = False  # embeds fonts: the installed font files are part of its key
    weight: int = 1  # relative render cost: heavier outputs are started first
    view_of: Callable[[Handbook, Any], Any] | None = None  # (hb, subject) → view; default: KIND_VIEWS
    applies: Callable[[Any], bool] | None = None  # which subjects have this output (default: all)
    # made from the published handbook even when the build shows drafts (drafts.published): the book HR prints
    published_only: bool = False
    settings: str | None = None  # "module:function"() reading the renderer's settings files (ContentError)
    save_as: str = "{name}-{label}"  # the Chinese file name a person saves (suffix added): 大区经理-岗位说明书
    # assembled from another output's documents, each rendered, cached and keyed as such (全部岗位说明书: the
    # job-description PDFs); ``renderer`` then receives (view, {subject id: piece bytes})
    parts: "Output | None" = None

    def filename(self, subject: Any) -> str:
        """The save-as name of one subject's file, e.g. 大区经理-岗位说明书.pdf (URLs stay ASCII)."""
        name = "" if self.subjects == HANDBOOK else subject.title
        return safe_name(self.save_as.format(name=name, label=self.label)) + self.suffix

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.format

    @property
    def suffix(self) -> str:
        return "." + self.format

    def file(self, subject_id: str) -> str:
        return self.path.format(id=subject_id)

    def source(self, hb: Handbook) -> Handbook:
        """The handbook its documents are made from: without drafts for a ``published_only`` output."""
        return drafts.published(hb) if self.published_only else hb

    def subjects_of(self, hb: Handbook) -> list:
        hb = self.source(hb)
        subjects = [hb] if self.subjects == HANDBOOK else list(hb.items(self.subjects))
        return [s for s in subjects if self.applies(s)] if self.applies else subjects

    def subject_id(self, subject: Any) -> str:
        return self.kind if self.subjects == HANDBOOK else subject.id

    def view(self, hb: Handbook, subject: Any) -> Any:
        """What the renderer receives besides the subject; its fingerprint is part of the cache key."""
        view_of = self.view_of or KIND_VIEWS.get(self.subjects, views.item_view)
        return view_of(self.source(hb), subject)

    def function(self) -> Callable[..., bytes]:
        """The renderer, imported on first use: `handbook check` never loads WeasyPrint."""
        return _load(self.renderer)

    def render(self, view: Any, subject: Any, parts: dict[str, bytes] | None = None) -> bytes:
        if self.parts is not None:
            return self.function()(view, parts or {})
        return self.function()(view) if self.subjects == HANDBOOK else self.function()(view, subject)


REGISTRY: dict[tuple[str, str], Output] = {}


def _load(reference: str) -> Callable:
    module_name, func_name = reference.split(":")
    return getattr(importlib.import_module(module_name), func_name)


def register(output: Output) -> Output:
    if output.key in REGISTRY:
        raise ValueError(f"output {output.kind}/{output.format} is registered twice")
    if output.subjects != HANDBOOK and output.subjects not in KINDS:
        raise ValueError(f"output {output.kind}/{output.format}: unknown subjects {output.subjects!r}")
    if output.subjects == HANDBOOK and output.view_of is None:
        raise ValueError(f"output {output.kind}/{output.format}: a whole-handbook output names its view")
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
    """One zip of every document (全部文件), then one per kind of role or form output, in registration order:
    a new output joins 全部文件 and gets its own zip beside its folder (``downloads/job-descriptions.zip``)."""
    per_subject = [o for o in REGISTRY.values() if o.subjects != HANDBOOK]
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
    """Where a document sits inside a zip: 营销中心员工手册/岗位说明书/大区经理-岗位说明书.docx; a file made
    once for the whole handbook (岗位清单.xlsx) in the top folder itself."""
    if output.subjects == HANDBOOK:
        return f"{archive_root(hb)}/{filename}"
    return f"{archive_root(hb)}/{safe_name(output.label)}/{filename}"


# --------------------------------------------------------------------------- derived cache key


def fingerprint(value: Any) -> Any:
    """A JSON-able image of a view or subject: pydantic models, dataclasses, sequences, dates; anything else
    is refused rather than guessed at, so no value in a view changes the document without changing its key."""
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


def template_files(output: Output) -> list[Path]:
    files = {p for pattern in output.templates for p in PROJECT_DIR.glob(pattern) if p.is_file()}
    return sorted(p for p in files if "__pycache__" not in p.parts)


def stamp(output: Output, fonts: list | None = None) -> str:
    """Hash of everything but the view that shapes ``output``'s bytes: its declared templates, the tool's
    package source, the lock file and, for an output that embeds fonts, the font files (``fonts``, from
    :func:`cachedir.font_stamps`, may be passed in to list them once per build)."""
    lock = PROJECT_DIR / LOCK_FILE
    parts = {
        "templates": cachedir.digest(template_files(output), PROJECT_DIR),
        "package": cachedir.package_digest(PACKAGE_DIR),
        "lock": cachedir.digest([lock], PROJECT_DIR) if lock.is_file() else "missing",
        "fonts": (fonts if fonts is not None else cachedir.font_stamps()) if output.fonts else None,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def cache_key(output: Output, view: Any, subject: Any, output_stamp: str) -> str:
    """The view and subject the renderer receives, plus :func:`stamp`: equal keys, equal bytes."""
    payload = json.dumps({"output": output.key, "view": fingerprint(view),
                          "subject": None if output.subjects == HANDBOOK else fingerprint(subject),
                          "stamp": output_stamp}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


# --------------------------------------------------------------------------- the outputs

PDF_TEMPLATES = ("templates/pdf/**/*", "site_overrides/pdf/**/*")
PDF_RENDERER = "generator.documents.renderers.pdf"
DOCX_TEMPLATES = ("templates/docx/**/*",)
DOCX_RENDERER = "generator.documents.renderers.docx"


def _pdf(kind: str, label: str, subjects: str, path: str, function: str, title, **extra) -> Output:
    return Output(kind, "pdf", label, "PDF", subjects, path, f"{PDF_RENDERER}:{function}", title,
                  templates=PDF_TEMPLATES, fonts=True, **{"weight": 5, **extra})


def _docx(kind: str, label: str, subjects: str, path: str, function: str, title, **extra) -> Output:
    return Output(kind, "docx", label, "Word", subjects, path, f"{DOCX_RENDERER}:{function}", title,
                  templates=DOCX_TEMPLATES, settings=f"{DOCX_RENDERER}:read_settings", **extra)


def _has_kpis(role) -> bool:
    """A draft without KPIs yet has nothing to appraise."""
    return role.kpis is not None


def _roster_view(hb: Handbook, _subject: Any) -> views.RosterView:
    """The roster links each role's files: one column per role output, each link named by the file's Chinese
    save-as name, its address relative to the roster in the downloads folder (inside a zip the bundle points
    the links at the zip's own names: ``bundles.relinked``)."""
    here = posixpath.dirname(get("roster", "xlsx").path)
    files = [o for o in REGISTRY.values() if o.subjects == "role"]
    return views.roster_view(hb, tuple(f"{o.label}（{o.format_label}）" for o in files),
                             lambda role: tuple((o.filename(role), posixpath.relpath(o.file(role.id), here))
                                                if o.applies is None or o.applies(role) else None for o in files))


# Registration order is the order of columns and links on the site: Word before PDF.
register(_docx("job-description", "岗位说明书", "role", DOWNLOADS + "/job-descriptions/{id}.docx", "job_description",
               views.jd_title))
JOB_DESCRIPTION_PDF = register(_pdf("job-description", "岗位说明书", "role", DOWNLOADS + "/job-descriptions/{id}.pdf",
                                   "job_description", views.jd_title))
register(_docx("appraisal", "绩效考核表", "role", DOWNLOADS + "/appraisals/{id}.docx", "appraisal",
               views.appraisal_title, applies=_has_kpis))
register(_pdf("appraisal", "绩效考核表", "role", DOWNLOADS + "/appraisals/{id}.pdf", "appraisal",
              views.appraisal_title, applies=_has_kpis))
register(_docx("form", "空白表单", "form", DOWNLOADS + "/forms/{id}.docx", "form", lambda form: form.title,
               save_as="{name}"))
register(_pdf("form", "空白表单", "form", DOWNLOADS + "/forms/{id}.pdf", "form", lambda form: form.title,
              save_as="{name}"))
register(Output("roster", "xlsx", "岗位清单", "Excel", HANDBOOK, DOWNLOADS + "/roster.xlsx",
                "generator.documents.renderers.xlsx:roster", lambda hb: "岗位清单", templates=("templates/xlsx/**/*",),
                view_of=_roster_view, save_as="{label}", settings="generator.documents.renderers.xlsx:settings",
                weight=5))  # measured: about five Word files' time, as long as a PDF
# 全部岗位说明书: the published handbook's job-description PDFs, assembled (ARCHITECTURE.md, "Outputs")
register(dataclasses.replace(
    _pdf("job-description-book", "全部岗位说明书", HANDBOOK, DOWNLOADS + "/job-descriptions-all.pdf",
         "all_job_descriptions", lambda hb: "全部岗位说明书", view_of=views.book_view, save_as="{label}", weight=25,
         parts=dataclasses.replace(JOB_DESCRIPTION_PDF, published_only=True), published_only=True),
    renderer="generator.documents.renderers.pdf_book:all_job_descriptions"))
BUNDLES.update(derive_bundles())


def settings_problems() -> list[Problem]:
    """Every settings file the registered renderers read (layout.yml, roster.yml …), checked as a build reads
    them: ``handbook check`` reports their mistakes as ``path:line`` lines with the content's."""
    problems: list[Problem] = []
    for reference in dict.fromkeys(o.settings for o in REGISTRY.values() if o.settings):
        try:
            _load(reference)()
        except ContentError as exc:
            problems += exc.problems
    return problems
