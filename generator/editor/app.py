"""The editor as a WSGI application mounted at ``/_edit/`` in ``handbook serve``: its pages and its JSON API.

Every request that changes anything must carry the page's token (``X-Handbook-Token``, from the
``<meta name="handbook-token">`` every served page has) and come from the server's own origin; on
127.0.0.1 the ``Host`` must be a loopback name too (a web page elsewhere cannot reach the editor through
a domain that resolves to this computer). Off loopback, every page and API request needs a signed-in user
(:mod:`.auth`). Bodies are bounded (1 MB; an upload 10 MB) and JSON; ids are plain ids or nothing.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import jinja2

from .. import TOOL_ROOT
from ..content.model import KINDS
from ..site.plan import html as page_address
from . import auth, checks, gitops, overview, store, uploads, versions
from .formschema import form_schema
from .store import Refused

log = logging.getLogger("mkdocs.handbook.editor")
MOUNT = "/_edit/"
MAX_BODY = 1024 * 1024
TEMPLATES = TOOL_ROOT / "templates" / "editor"
STATIC = {"editor.js": TEMPLATES / "editor.js", "editor.css": TEMPLATES / "editor.css",
          "bar.js": TEMPLATES / "bar.js", "jsoneditor.js": TOOL_ROOT / "vendor" / "json-editor" / "jsoneditor.js"}
SAFE = ("GET", "HEAD")
PAGES = {"overview": ("overview.html", "维护概览"), "changes": ("changes.html", "待提交的修改"),
         "import": ("import.html", "导入 Word"), "new-role": ("new-role.html", "新建岗位"),
         "login": ("login.html", "登录")}

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                          undefined=jinja2.StrictUndefined)


class Request:
    def __init__(self, environ: dict):
        self.environ = environ
        self.method = environ["REQUEST_METHOD"].upper()
        full = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        self.path = full[len(MOUNT):] if full.startswith(MOUNT) else ""
        self.raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or full
        self.query = parse_qs(environ.get("QUERY_STRING", ""))

    def header(self, name: str) -> str | None:
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"))

    def body(self, limit: int) -> bytes:
        try:
            length = int(self.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Refused(400, {"error": "Content-Length 不是数字"}) from None
        if length > limit:
            raise Refused(413, {"error": f"请求太大（上限 {limit // 1024 // 1024} MB），没有处理"})
        return self.environ["wsgi.input"].read(length) if length > 0 else b""

    def json(self) -> dict:
        try:
            data = json.loads(self.body(MAX_BODY) or b"{}")
        except ValueError:
            raise Refused(400, {"error": "请求体不是 JSON"}) from None
        if not isinstance(data, dict):
            raise Refused(400, {"error": "请求体应为 JSON 对象"})
        return data


class Editor:
    """One running preview's editor: its token, sign-in gate, check mirror and uploads."""

    def __init__(self, root: Path, host: str):
        self.root = Path(root).resolve()
        self.host = host
        self.open = auth.is_loopback(host)  # on 127.0.0.1 editing needs no sign-in
        self.token = secrets.token_urlsafe(32)
        self.gate = auth.Gate(self.root)
        self.mirror = checks.Mirror(self.root)
        self.uploads = uploads.Uploads(self.root)
        self._pages = [(re.compile(re.escape(page_address(kind.page)).replace(re.escape("{id}"), "([a-z0-9-]+)") + "$"),
                        kind.plural) for kind in KINDS.values()]

    def close(self) -> None:
        self.mirror.close()
        self.uploads.close()

    # ------------------------------------------------------------------ the preview's pages

    def decorate(self, page: bytes, site_path: str) -> bytes:
        """A page of the preview with the token and the editor's bar (编辑本页 on a content item's page)."""
        target = next((f"{MOUNT}{plural}/{m.group(1)}" for pattern, plural in self._pages
                       if (m := pattern.search(site_path))), "")
        head = f'<meta name="handbook-token" content="{self.token}">'.encode()
        bar = (f'<script src="{MOUNT}static/bar.js" data-edit="{target}" defer></script>').encode()
        at = page.find(b"</head>")
        if at < 0:
            return head + bar + page
        return page[:at] + head + bar + page[at:]

    # ------------------------------------------------------------------ WSGI

    def __call__(self, environ: dict, start_response) -> list[bytes]:
        request = Request(environ)
        try:
            status, headers, body = self._answer(request)
        except Refused as exc:
            status, headers, body = exc.status, [], _json(exc.body)
        except Exception:  # noqa: BLE001 - one request failing must not take the preview down
            log.exception("editor request failed")
            status, headers, body = 500, [], _json({"error": "内部错误：请求没有完成，文件未改动"})
        if not any(name == "Content-Type" for name, _ in headers):
            headers.append(("Content-Type", "application/json; charset=utf-8"))
        headers += [("Content-Length", str(len(body))), ("Cache-Control", "no-store"),
                    ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")]
        start_response(f"{status} {_REASONS.get(status, 'OK')}", headers)
        return [body] if request.method != "HEAD" else []

    def _answer(self, request: Request) -> tuple[int, list, bytes]:
        self._check_host(request)
        if request.method not in SAFE:
            self._check_origin(request)
        path = request.path
        if path.startswith("static/"):
            return self._static(path.removeprefix("static/"))
        if path == "login":
            return self._login(request)
        user = None if self.open else self.gate.user(request.header("Cookie"))
        if not self.open and user is None:
            if path.startswith("api/") or request.method not in SAFE:
                raise Refused(401, {"error": "请先登录"})
            return 303, [("Location", f"{MOUNT}login?next={quote(MOUNT + path)}")], b""
        if path == "logout" and request.method == "POST":
            return 200, [("Set-Cookie", auth.logout_cookie())], _json({"ok": True})
        if path.startswith("api/"):
            return self._api(request, path.removeprefix("api/"), user)
        if request.method not in SAFE:
            raise Refused(405, {"error": "不支持这种请求"})
        if path == "":
            return 303, [("Location", f"{MOUNT}overview")], b""
        if path in PAGES:
            return self._page(PAGES[path][0], PAGES[path][1], user, self._page_data(path))
        parts = path.split("/")
        if len(parts) == 2:
            return self._item_page(parts[0], parts[1], user)
        raise Refused(404, {"error": "没有这个页面"})

    # ------------------------------------------------------------------ security

    def _check_host(self, request: Request) -> None:
        if not self.open:
            return
        host = (request.header("Host") or "").strip().lower()
        name = host[1:host.index("]")] if host.startswith("[") and "]" in host else host.rsplit(":", 1)[0]
        if name not in ("localhost", "127.0.0.1", "::1", self.host.lower()):
            raise Refused(403, {"error": "只接受本机地址的请求"})

    def _check_origin(self, request: Request) -> None:
        origin = request.header("Origin")
        if origin is None and request.header("Referer"):
            parts = urlsplit(request.header("Referer"))
            origin = f"{parts.scheme}://{parts.netloc}"
        own = f"{request.environ.get('wsgi.url_scheme', 'http')}://{request.header('Host') or ''}"
        if origin != own:
            raise Refused(403, {"error": "请求不是来自本预览的页面，已拒绝"})
        sent = request.header("X-Handbook-Token") or ""
        if not hmac.compare_digest(sent.encode(), self.token.encode()):
            raise Refused(403, {"error": "缺少或错误的令牌（X-Handbook-Token）：请刷新页面后重试"})

    def _login(self, request: Request) -> tuple[int, list, bytes]:
        if request.method in SAFE:
            return self._page("login.html", "登录", None, {})
        body = request.json()
        name, password = str(body.get("name", "")).strip(), str(body.get("password", ""))
        address = request.environ.get("REMOTE_ADDR", "")
        keys = (f"addr:{address}", f"name:{name}")
        wait = self.gate.wait_seconds(*keys)
        if wait:
            return 429, [("Retry-After", str(wait))], _json({"error": f"密码错误次数太多，请 {wait} 秒后再试"})
        if not self.gate.check(name, password, *keys):
            raise Refused(401, {"error": "用户名或密码不对"})
        return 200, [("Set-Cookie", self.gate.cookie(name))], _json({"ok": True, "name": name})

    # ------------------------------------------------------------------ the API

    def _api(self, request: Request, path: str, user: str | None) -> tuple[int, list, bytes]:
        method, parts = request.method, path.split("/")
        if path == "changes" and method == "GET":
            return self._ok(self._pending())
        if path == "changes/discard" and method == "POST":
            with store.WRITING:
                gitops.discard(self.root, str(request.json().get("path", "")))
            return self._ok({"ok": True})
        if path == "commit" and method == "POST":
            body = request.json()
            with store.WRITING:
                sha = gitops.commit(self.root, str(body.get("message", "")), user or str(body.get("author", "")))
            return self._ok({"commit": sha})
        if path == "overview" and method == "GET":
            return self._ok(overview.overview(self.root))
        if path == "import" and method == "POST":
            name = request.header("X-Filename") or ""
            return self._ok(self.uploads.receive(unquote(name), request.body(uploads.MAX_UPLOAD)))
        if len(parts) == 3 and parts[0] == "import" and parts[2] == "apply" and method == "POST":
            return self._ok(self.uploads.apply(parts[1]))
        if path == "roles" and method == "POST":
            role_id, etag = store.create_role(self.root, request.json())
            return 201, [("ETag", f'"{etag}"'), ("Location", f"{MOUNT}api/roles/{role_id}")], _json(
                {"id": role_id, "etag": etag})
        if len(parts) == 3 and parts[2] == "check" and method == "POST":
            _, notes, _, _ = store.save(self.root, parts[0], parts[1], None, request.json().get("data"),
                                        self.mirror, write=False)
            return self._ok({"problems": [p.as_json() for p in notes]})
        if len(parts) == 2:
            if method == "GET":
                item = store.read(self.root, parts[0], parts[1], self.mirror)
                body = {"data": item.data, "etag": item.etag, "problems": [p.as_json() for p in item.problems]}
                status = 200 if item.data is not None else 422
                return status, [("ETag", f'"{item.etag}"')], _json(body)
            if method == "PUT":
                etag, notes, before, data = store.save(self.root, parts[0], parts[1], request.header("If-Match"),
                                                       request.json().get("data"), self.mirror)
                _, rel, path = store.locate(self.root, parts[0], parts[1])
                offered = versions.offer(self.root, rel, path.read_bytes(), before, data)
                return 200, [("ETag", f'"{etag}"')], _json({"etag": etag, "problems": [p.as_json() for p in notes],
                                                            "offer": offered})
            raise Refused(405, {"error": "不支持这种请求"})
        raise Refused(404, {"error": "没有这个接口"})

    def _pending(self) -> dict:
        try:
            return gitops.pending(self.root)
        except Refused as exc:
            if exc.body.get("git") is False:
                return {"git": False, "files": [], "note": exc.body["error"]}
            raise

    @staticmethod
    def _ok(body: dict) -> tuple[int, list, bytes]:
        return 200, [], _json(body)

    # ------------------------------------------------------------------ pages

    def _static(self, name: str) -> tuple[int, list, bytes]:
        path = STATIC.get(name)
        if path is None or not path.is_file():
            raise Refused(404, {"error": f"{name} 不存在" + ("：运行一次 make setup" if name == "jsoneditor.js" else "")})
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        return 200, [("Content-Type", f"{kind}; charset=utf-8")], path.read_bytes()

    def _page_data(self, name: str) -> dict:
        if name == "overview":
            return {"overview": overview.overview(self.root)}
        if name == "new-role":
            from ..authoring.importer.context import load

            hb, _ = load(self.root)
            return {"departments": [d.name for d in hb.site.departments] if hb else [],
                    "roles": [r.title for r in hb.roles] if hb else []}
        return {}

    def _item_page(self, plural: str, item_id: str, user: str | None) -> tuple[int, list, bytes]:
        from ..authoring.importer.context import load

        kind, rel, _ = store.locate(self.root, plural, item_id)
        item = store.read(self.root, plural, item_id, self.mirror)
        hb, _ = load(self.root)
        schema = form_schema(kind.name, item.data or {}, hb) if item.data is not None else None
        title = (item.data or {}).get("title") or item_id
        config = {"kind": plural, "id": item_id, "api": f"{MOUNT}api/{plural}/{item_id}", "schema": schema,
                  "page": "/" + page_address(kind.page.format(id=item_id)), "label": kind.label, "file": rel}
        return self._page("item.html", f"编辑{kind.label}：{title}", user, {"config": config})

    def _page(self, template: str, title: str, user: str | None, data: dict) -> tuple[int, list, bytes]:
        page = _env.get_template(template).render(title=title, token=self.token, user=user, open=self.open,
                                                  mount=MOUNT, **data)
        return 200, [("Content-Type", "text/html; charset=utf-8")], page.encode("utf-8")


def _json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


_REASONS = {200: "OK", 201: "Created", 303: "See Other", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large",
            415: "Unsupported Media Type", 422: "Unprocessable Entity", 428: "Precondition Required",
            429: "Too Many Requests", 500: "Internal Server Error"}
