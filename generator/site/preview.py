"""`handbook serve`: MkDocs' live preview, which never hangs and shows content errors in the browser.

MkDocs' server makes page requests wait for the running build, forever when it raised. Here a failed build
still completes its epoch and every page gets the error page until a save fixes it; a build running longer
than :data:`PAGE_WAIT` gets a "building" page. A draft held back by its problems (``Handbook.draft_problems``)
has them listed on its page, and every other page names it in a notice.
"""

from __future__ import annotations

import errno
import html
import logging
import mimetypes
import os
import shutil
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import jinja2
from mkdocs.livereload import LiveReloadServer, _serve_url

from .. import TOOL_ROOT
from ..content.errors import Problem
from ..content.model import kind_at
from . import publish

log = logging.getLogger("mkdocs.handbook.preview")
TEMPLATES = TOOL_ROOT / "templates" / "preview"
PAGE_WAIT = 0.5
"""Seconds a page request waits for a running build before it gets the "building" page."""
DEFAULT_TITLE = "员工手册"
EDIT_MOUNT = "/_edit/"


class CannotServe(Exception):
    """The preview cannot start (busy port, bad `--dev-addr`, no such `--root`): one line saying what to do."""


@dataclass(frozen=True)
class Failure:
    """What the last build reported: content problems (path, line, …) and/or other error lines."""

    problems: tuple[Problem, ...] = ()
    lines: tuple[str, ...] = ()


# ------------------------------------------------------------------ the page


_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                          undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render_status(kind: str, failure: Failure | None = None, title: str = DEFAULT_TITLE) -> bytes:
    """The error page (kind "errors"), a held-back draft's page (kind "draft") or the "building" page (kind
    "building"), as UTF-8 HTML."""
    failure = failure or Failure()
    html = _env.get_template("status.html").render(kind=kind, title=title or DEFAULT_TITLE,
                                                   problems=failure.problems, lines=failure.lines)
    return html.encode("utf-8")


def failure_from(exc: BaseException, logged: Iterable[str]) -> Failure:
    """Content problems from the exception chain (MkDocs wraps our PluginError in an Abort);
    otherwise the error lines MkDocs logged, or the exception itself."""
    problems = publish.content_problems(exc)
    if problems:
        return Failure(problems=tuple(problems))
    lines = [line for message in logged for line in message.splitlines() if line.strip()]
    if not lines:
        lines = [f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__]
    return Failure(lines=tuple(lines))


@dataclass(frozen=True)
class HeldDraft:
    """A draft left out of the preview by its problems: its file, its page's address and the problems."""

    path: str
    url: str
    problems: tuple[Problem, ...]


def held_drafts(problems: Iterable[Problem], mount: str = "/") -> dict[str, HeldDraft]:
    """The pages of drafts held back by ``problems`` (``Handbook.draft_problems``), by their site path."""
    files: dict[str, list[Problem]] = {}
    for problem in problems:
        files.setdefault(problem.path, []).append(problem)
    found = {}
    for path, listed in files.items():
        kind = kind_at(path.removesuffix(".txt").rpartition(".")[0] + ".yml")
        if kind is not None:
            page = kind.page.format(id=path.rsplit("/", 1)[-1].split(".")[0]).removesuffix(".md") + ".html"
            found[page] = HeldDraft(path, mount.rstrip("/") + "/" + page, tuple(listed))
    return found


def _is_page(path: str) -> bool:
    last = path.rsplit("/", 1)[-1]
    return path.endswith("/") or last.endswith((".html", ".htm")) or "." not in last


# ------------------------------------------------------------------ the server


class PreviewServer(LiveReloadServer):
    """LiveReloadServer whose page requests never wait for a failed build, and never long for a running one."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._failure: Failure | None = None  # guarded by _epoch_cond, like _visible_epoch
        self._drafts: dict[str, HeldDraft] = {}  # site path of a held-back draft's page → the draft
        self.title = DEFAULT_TITLE
        #: the downloads, made on request (set by the engine's on_serve: generator.site.incremental.Preview)
        self.downloads = None
        #: the app mounted at EDIT_MOUNT (the browser editor, given by the command) and the page being answered
        self.editor = None
        self._request = threading.local()

    def bind(self) -> None:
        """Bind now (before the first build), so a busy port is reported at once."""
        host, port = self.server_address[:2]
        try:
            self.server_bind()
            self.server_activate()
        except OSError as exc:
            self.server_close()
            raise CannotServe(_address_message(host, port, exc)) from exc

    def start_answering(self) -> None:
        """Serve requests from now on; until the first build completes, pages get the "building" page."""
        with self._epoch_cond:
            self._wanted_epoch = self._visible_epoch + 1
        self.serve_thread.start()

    def build_done(self, failure: Failure | None, drafts: Iterable[Problem] = ()) -> None:
        """Publish a finished build (or its failure) and the drafts it held back to waiting requests and
        open pages."""
        with self._epoch_cond:
            self._failure = failure
            self._drafts = held_drafts(drafts, self.mount_path)
            self._visible_epoch = self._wanted_epoch
            self._epoch_cond.notify_all()

    def serve(self, *, open_in_browser: bool = False) -> None:
        """LiveReloadServer.serve without binding (done in :meth:`bind`) or starting the thread again."""
        if self._watched_paths and not self.observer.is_alive():
            self.observer.start()
        if not self.serve_thread.is_alive():
            self.serve_thread.start()
        self._build_loop()

    def _serve_request(self, environ, start_response):
        path = environ["PATH_INFO"].encode("latin-1").decode("utf-8", "ignore")
        if self.editor is not None and path.startswith(EDIT_MOUNT):
            return self.editor(environ, start_response)
        self._request.path = path
        site_path = path[len(self.mount_path):] if path.startswith(self.mount_path) else None
        if self.downloads is not None and site_path and self.downloads.serves(site_path):
            return self._download(site_path, environ, start_response)
        if path.startswith("/livereload/") or not _is_page(path):
            return super()._serve_request(environ, start_response)
        with self._epoch_cond:
            done = self._epoch_cond.wait_for(lambda: self._visible_epoch == self._wanted_epoch, timeout=PAGE_WAIT)
            failure, epoch, draft = self._failure, self._visible_epoch, self._drafts.get(site_path or "")
        if done and failure is None and draft is not None:
            return self._status(start_response, "200 OK", render_status("draft", Failure(draft.problems), self.title),
                                epoch)
        if done and failure is None:
            return super()._serve_request(environ, start_response)
        if path == "/" and self.mount_path != "/":
            return super()._serve_request(environ, start_response)  # the redirect to the mount path
        body = render_status("errors" if done else "building", failure, self.title)
        return self._status(start_response, "500 Internal Server Error" if done else "503 Service Unavailable",
                            body, epoch)

    def held(self) -> list[HeldDraft]:
        return list(self._drafts.values())

    def _status(self, start_response, status: str, body: bytes, epoch: int):
        body = self._edit_bar(super()._inject_js_into_html(body, epoch))  # without the drafts' notice
        start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                                ("Cache-Control", "no-store")])
        return [body]

    def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
        """MkDocs adds its live-reload script to each page it serves here; the editor's bar and the drafts'
        notice go with it."""
        content = self._edit_bar(super()._inject_js_into_html(content, epoch))
        drafts = self.held()
        if not drafts:
            return content
        notice = _env.get_template("drafts.html").render(drafts=drafts).encode("utf-8")
        end = content.rfind(b"</body>")
        return content + notice if end < 0 else content[:end] + notice + content[end:]

    def _edit_bar(self, content: bytes) -> bytes:
        """The page with the editor's token and bar (编辑本页 on a content item's page, its error page too)."""
        return content if self.editor is None else self.editor.decorate(content, getattr(self._request, "path", ""))

    def _download(self, site_path: str, environ, start_response):
        """A document, zip or the manifest, made now if it is not ready (never copied into the site folder)."""
        try:
            data = self.downloads.download(site_path)
        except Exception as exc:  # noqa: BLE001 - a broken render must not take the server down
            log.error(f"{site_path} 无法生成：{exc}")
            data = None
        if data is None:
            return super()._serve_request(environ, start_response)
        kind = mimetypes.guess_type(site_path)[0] or "application/octet-stream"
        start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(data)))])
        return [data]


def _address_message(host: str, port: int, exc: OSError) -> str:
    def addr(p: int) -> str:
        return f"[{host}]:{p}" if ":" in host else f"{host}:{p}"

    shown = addr(port)
    if exc.errno == errno.EADDRINUSE:
        free = _free_port(host, port)
        return f"{shown} 已被占用（可能预览已经在运行）— 换一个端口：handbook serve --dev-addr {addr(free or port + 1)}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{shown}：1024 以下的端口需要管理员权限 — 换一个端口：handbook serve --dev-addr {addr(8000)}"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{shown}：{host} 不是这台电脑的地址 — 改用：handbook serve --dev-addr 127.0.0.1:{port}"
    return f"无法在 {shown} 上预览（{exc.strerror or exc}）— 改用：handbook serve --dev-addr 127.0.0.1:8000"


def _free_port(host: str, busy: int) -> int | None:
    """The next port after `busy` that can be bound right now (a suggestion, not a promise)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for port in range(busy + 1, min(busy + 50, 65536)):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    return None


def parse_addr(dev_addr: str) -> tuple[str, int]:
    """`host:port` → (host, port), or CannotServe saying what is wrong with it."""
    example = "如 --dev-addr 127.0.0.1:8000"
    host, sep, port_text = dev_addr.strip().rpartition(":")
    if not sep or not host:
        raise CannotServe(f"--dev-addr {dev_addr!r} 不是“地址:端口” — 写成 地址:端口，{example}")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise CannotServe(f"--dev-addr {dev_addr!r}：端口必须是 1 到 65535 之间的数字，{example}")
    if host != "localhost":
        import ipaddress

        try:
            host = str(ipaddress.ip_address(host))
        except ValueError:
            raise CannotServe(f"--dev-addr {dev_addr!r}：{host!r} 不是 IP 地址，{example}") from None
    return host, int(port_text)


# ------------------------------------------------------------------ the command


def serve(root: Path, dev_addr: str, editor=None) -> None:
    """Serve a live preview of `root` until Ctrl-C; ``editor(root, host)`` makes the app mounted at EDIT_MOUNT,
    which also marks every page (``decorate``) and is closed with the server. Its saves reach the pages as
    any other save does, through the file watcher."""
    from mkdocs.commands.build import build

    from .engines import mkdocs

    host, port = parse_addr(dev_addr)
    if not Path(root).is_dir():
        raise CannotServe(f"--root {root} 不是文件夹 — 写含有 roles/ 和 content/ 的手册文件夹")
    root = Path(root).resolve()
    _show_mkdocs_log()
    server = PreviewServer(builder=lambda: None, host=host, port=port, root=tempfile.gettempdir())
    server.bind()  # before anything slow: a busy port is one line, at once
    site_dir = tempfile.mkdtemp(prefix="handbook-preview-")
    server.root = os.path.abspath(site_dir)
    if editor is not None:
        server.editor = editor(root, host)
    serve_url = _serve_url(host, port, "/")
    state = {"failed": False}

    def get_config():
        config = mkdocs.load(root, site_dir, preview=True)
        config.site_url = serve_url
        return config

    def builder(config=None) -> None:
        with mkdocs.Collector(logging.ERROR).listening() as errors:  # the cause of a failure MkDocs then wraps
            try:
                config = config or get_config()
                build(config, serve_url=serve_url, dirty=True)  # the plugin rebuilds only pages an edit changed
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - shown in the browser, never raised
                failure = failure_from(exc, errors.messages)
                server.build_done(failure)
                count = len(failure.problems) + len(failure.lines)
                log.error(f"内容有 {count} 处错误：改好并保存之前，每个页面都列出这些错误。")
                state["failed"] = True
            else:
                server.title = html.unescape(str(config.site_name or DEFAULT_TITLE))  # escaped for the theme
                handbook = getattr(config.plugins.get("handbook"), "hb", None)
                server.build_done(None, getattr(handbook, "draft_problems", ()))
                if state["failed"]:
                    log.info("内容没有错误了：页面重新显示手册。")
                for draft in server.held():
                    log.warning(f"草稿 {draft.path} 有 {len(draft.problems)} 处问题：它的页面只列出这些问题，"
                                "其他页面照常显示。")
                state["failed"] = False

    server.builder = builder
    try:
        config = get_config()
    except Exception as exc:  # noqa: BLE001 - a broken mkdocs.yml: one line, like any other mistake
        shutil.rmtree(site_dir, ignore_errors=True)
        server.server_close()
        raise CannotServe(f"{publish.config_file_for(root)}: {exc}") from exc
    # not dirty for the plugins: the search plugin's own merging assumes one page changed (ours merges per page)
    config.plugins.on_startup(command="serve", dirty=False)
    render_status("building")  # compile the template now, not while the first build holds the CPU
    _stop_on_sigterm()
    log.info(f"预览地址 Serving on {server.url}（第一次生成中；按 Ctrl-C 停止）")
    try:
        # Watch before the first build: an edit made while it runs (or right after) is not missed.
        server.watch(config.docs_dir)
        if config.config_file_path:
            server.watch(config.config_file_path)
        server = config.plugins.on_serve(server, config=config, builder=builder)
        for item in config.watch:
            if os.path.exists(item):
                server.watch(item)
        server.observer.start()
        server.start_answering()
        builder(config)
        server.serve()
    except KeyboardInterrupt:
        log.info("正在停止 Shutting down…")
    finally:
        server.shutdown()  # also when Ctrl-C came during the first build: the serving thread must end
        config.plugins.on_shutdown()
        if server.editor is not None:
            server.editor.close()
        shutil.rmtree(site_dir, ignore_errors=True)


def _stop_on_sigterm() -> None:
    """`kill` (SIGTERM) stops the preview like Ctrl-C does: the temporary site folder is removed."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def _show_mkdocs_log() -> None:
    """MkDocs reports "Serving on …", each rebuild and build errors through logging."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    # MkDocs warns that a dirty build may leave stale menus; the plugin rebuilds every page whose menu changed
    handler.addFilter(lambda record: "'dirty' build" not in record.getMessage())
    mkdocs_log = logging.getLogger("mkdocs")
    if not any(getattr(h, "_handbook", False) for h in mkdocs_log.handlers):
        handler._handbook = True  # type: ignore[attr-defined]
        mkdocs_log.addHandler(handler)
    mkdocs_log.setLevel(logging.INFO)
