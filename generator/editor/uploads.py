"""导入 Word in the browser: an uploaded job description → ``handbook import``'s report → applied on request.

An upload is kept in the editor's private folder under a random name; only .docx, .txt and .md are
accepted (a .docx must be a ZIP file), at most :data:`MAX_UPLOAD` bytes. The report and the change list
are the importer's own lines (:mod:`generator.authoring.importer.report`); applying plans the import again,
so a file that changed in between is judged as it is now.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import threading
from pathlib import Path

from ..authoring import importer
from ..authoring.importer import report
from .store import WRITING, Refused

MAX_UPLOAD = 10 * 1024 * 1024
ACCEPTED = (".docx", ".txt", ".md")


class Uploads:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.folder = Path(tempfile.mkdtemp(prefix="handbook-uploads-"))
        self._files: dict[str, Path] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def receive(self, filename: str, data: bytes) -> dict:
        """Keep an upload and say what importing it would do."""
        name = _safe_name(filename)
        if not name.lower().endswith(ACCEPTED):
            raise Refused(415, {"error": "只能导入 Word（.docx）或文本（.txt、.md）文件；旧的 .doc 请先在 Word 中另存为 .docx"})
        if len(data) > MAX_UPLOAD:
            raise Refused(413, {"error": f"文件超过 {MAX_UPLOAD // 1024 // 1024} MB，没有导入"})
        if name.lower().endswith(".docx") and not data.startswith(b"PK\x03\x04"):
            raise Refused(415, {"error": "这不是 Word（.docx）文件：文件内容与扩展名不符"})
        upload = secrets.token_hex(12)
        target = self.folder / upload / name
        target.parent.mkdir()
        target.write_bytes(data)
        with self._lock:
            self._files[upload] = target
        return {"upload": upload, **self._describe(target, dry_run=True)}

    def apply(self, upload: str) -> dict:
        with self._lock:
            target = self._files.get(upload) if re.fullmatch(r"[0-9a-f]{24}", upload) else None
        if target is None:
            raise Refused(404, {"error": "找不到这次上传的文件，请重新上传"})
        with WRITING:
            described = self._describe(target, dry_run=False)
        with self._lock:
            self._files.pop(upload, None)
        shutil.rmtree(target.parent, ignore_errors=True)
        return described

    def _describe(self, target: Path, dry_run: bool) -> dict:
        from ..authoring.importer import drafts, update

        plan = importer.plan([target], self.root)
        folder = f"{target.parent}/"

        def shown(line: str) -> str:  # the upload's name as HR knows it, never our folder
            return line.replace(folder, "")

        if plan.problems:
            return {"ok": False, "report": [shown(str(p)) for p in plan.problems] + [report.refused_line(len(plan.problems))],
                    "files": []}
        lines = [shown(line) for line in plan.notes]
        files = []
        for item in plan.updates:
            lines += [shown(line) for line in report.update_lines(item, dry_run)]
            if item.new_text is not None:
                files.append(item.shown)
                if not dry_run:
                    update.write(item)
        for draft in plan.drafts:
            lines += [shown(line) for line in report.draft_lines(draft, dry_run)]
            files.append(draft.shown)
            if not dry_run:
                drafts.write(draft, self.root)
        return {"ok": True, "report": lines, "files": files}


def _safe_name(filename: str) -> str:
    """The file's own name, without folders or characters a file name cannot hold."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip(" .")
    return name[-120:] or "upload.txt"
