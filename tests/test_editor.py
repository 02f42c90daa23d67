"""The browser editor's server side, called as the preview calls it (WSGI), without a server or a browser:
every status of the JSON API, the security rules, the round-trip writer and the maintenance overview."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from helpers import commit_all, copy_bundled_content

from generator.editor import auth, yamlpatch
from generator.editor.app import Editor

HOST = "127.0.0.1:8000"
ORIGIN = f"http://{HOST}"


class Client:
    """Calls the editor as the preview's server does; sends the token and the origin unless told otherwise."""

    def __init__(self, editor: Editor):
        self.editor = editor
        self.cookie = ""

    def __call__(self, method: str, path: str, body=None, *, token: str | None = "ok", origin: str | None = ORIGIN,
                 host: str = HOST, headers: dict | None = None, raw: bytes | None = None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "CONTENT_LENGTH": str(len(data)),
                   "wsgi.input": io.BytesIO(data), "wsgi.url_scheme": "http", "HTTP_HOST": host,
                   "REMOTE_ADDR": "10.0.0.7"}
        if token is not None:
            environ["HTTP_X_HANDBOOK_TOKEN"] = self.editor.token if token == "ok" else token
        if origin is not None:
            environ["HTTP_ORIGIN"] = origin
        if self.cookie:
            environ["HTTP_COOKIE"] = self.cookie
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        answer = {}

        def start_response(status, response_headers):
            answer["status"] = int(status.split()[0])
            answer["headers"] = dict(response_headers)

        body_bytes = b"".join(self.editor(environ, start_response))
        answer["body"] = body_bytes
        kind = answer["headers"].get("Content-Type", "")
        answer["json"] = json.loads(body_bytes) if "json" in kind and body_bytes else None
        return answer


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> Path:
    """The bundled content in a git repository with one commit (copied for each test: cheaper than git)."""
    return commit_all(copy_bundled_content(tmp_path_factory.mktemp("repository")))


@pytest.fixture
def root(tmp_path, repository) -> Path:
    import shutil

    return Path(shutil.copytree(repository, tmp_path / "bundled", symlinks=True))


@pytest.fixture
def client(root):
    editor = Editor(root, "127.0.0.1")
    yield Client(editor)
    editor.close()


ROLE = "/_edit/api/roles/regional-manager"
ROLE_FILE = "roles/regional-manager.yml"
NASTY = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes" \'single\' #hash: colon'


def test_get_gives_the_data_as_the_yaml_reads_with_an_etag(client, root):
    got = client("GET", ROLE, token=None, origin=None)
    assert got["status"] == 200
    data = got["json"]["data"]
    assert list(data)[:4] == ["id", "title", "number", "department"]  # the file's keys in the file's order
    assert data["department"] == "market" and data["version"] == "1.0" and data["effective"] == "2026-12-01"
    assert data["kpis"]["items"][0]["weight"] == 35  # a number, where the model wants a number
    assert got["headers"]["ETag"] == f'"{got["json"]["etag"]}"'


@pytest.mark.parametrize("path, status", [
    ("/_edit/api/notes/regional-manager", 404), ("/_edit/api/roles/no-such-role", 404),
    ("/_edit/api/roles/..", 400), ("/_edit/api/roles/Regional", 400), ("/_edit/api/roles/a%2Fb", 400),
    ("/_edit/api/roles/../content/site", 404), ("/_edit/api/roles/x/../../site", 404),
    ("/_edit/api/policies/..%2F..%2Froles%2Fregional-manager", 400),
])
def test_unknown_kinds_ids_and_traversal_never_reach_a_file(client, path, status):
    assert client("GET", path)["status"] == status
    assert client("PUT", path, {"data": {}}, headers={"If-Match": "x"})["status"] == status


def _edit(client, change) -> dict:
    got = client("GET", ROLE)["json"]
    data = got["data"]
    change(data)
    return client("PUT", ROLE, {"data": data}, headers={"If-Match": f'"{got["etag"]}"'})


def test_a_save_rewrites_only_the_edited_line(client, root):
    before = (root / "roles/regional-manager.yml").read_bytes()
    saved = _edit(client, lambda d: d["duties"][2].update(text="做好销售日报工作。"))
    assert saved["status"] == 200 and saved["json"]["etag"] != ""
    after = (root / "roles/regional-manager.yml").read_bytes()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(before.splitlines()) == len(after.splitlines())
    assert changed == [(b"    text: " + "做好销售计划的日（周、月）报工作，及时组织收取销售应达帐，确保帐款的安全、到位。".encode(),
                        b"    text: " + "做好销售日报工作。".encode())]
    assert "做好销售日报工作。" in json.dumps(client("GET", "/_edit/api/changes")["json"], ensure_ascii=False)


def test_a_stale_etag_is_refused_with_the_current_version_and_nothing_is_written(client, root):
    got = client("GET", ROLE)["json"]
    path = root / "roles/regional-manager.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: 大区经理", "title: 区域经理"), encoding="utf-8")  # an editor
    on_disk = path.read_bytes()
    got["data"]["purpose"] = "别的目的。"
    refused = client("PUT", ROLE, {"data": got["data"]}, headers={"If-Match": f'"{got["etag"]}"'})
    assert refused["status"] == 409
    assert refused["json"]["data"]["title"] == "区域经理" and refused["json"]["etag"] != got["etag"]
    assert path.read_bytes() == on_disk
    assert client("PUT", ROLE, {"data": got["data"]})["status"] == 428  # no If-Match at all


def test_a_save_that_would_not_pass_check_is_refused_at_its_field(client, root):
    before = (root / "roles/regional-manager.yml").read_bytes()
    refused = _edit(client, lambda d: d["kpis"]["items"][0].update(weight=45))
    assert refused["status"] == 422
    problems = refused["json"]["problems"]
    errors = [p for p in problems if p["severity"] == "error"]
    assert [p["field"] for p in errors] == ["kpis.items"] and "110" in errors[0]["message"]
    from generator.content.errors import ContentError
    from generator.content.loader import load_handbook

    broken = copy_bundled_content(root.parent / "broken")
    path = broken / "roles/regional-manager.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("weight: 35", "weight: 45"), encoding="utf-8")
    with pytest.raises(ContentError) as cli:
        load_handbook(broken)
    assert errors[0]["message"] == str(cli.value.problems[0]).split(": ", 1)[1]  # the CLI's own wording
    assert (root / "roles/regional-manager.yml").read_bytes() == before
    missing = _edit(client, lambda d: d["kpis"]["items"][1].update(name=""))
    assert missing["status"] == 422 and missing["json"]["problems"][0]["field"] == "kpis.items.1.name"


def test_check_answers_as_a_save_would_without_writing(client, root):
    got = client("GET", ROLE)["json"]
    got["data"]["kpis"]["items"][0]["weight"] = 30
    answer = client("POST", ROLE + "/check", {"data": got["data"]})
    assert answer["status"] == 422 and answer["json"]["problems"][0]["field"] == "kpis.items"
    assert client("GET", ROLE)["json"]["etag"] == got["etag"]


def test_kpis_name_duties_by_their_text_and_those_duties_get_an_id(client, root):
    def change(data):
        data["duties"].append("每月提交区域市场分析报告。")
        data["kpis"]["items"][0]["measures"].append("每月提交区域市场分析报告。")

    assert _edit(client, change)["status"] == 200
    text = (root / "roles/regional-manager.yml").read_text(encoding="utf-8")
    new_id = re.search(r"  - id: (mei-yue-ti-jiao[a-z-]*)\n    text: 每月提交区域市场分析报告。\n", text).group(1)
    assert f"measures: [regional-plan, targets, {new_id}]" in text




def test_script_and_html_in_every_text_field_are_stored_literally(client, root):
    """Every text of a role (names, duties, KPI cells, 修订记录 …) at once: saved, read back and shown as typed."""
    not_text = {"id", "number", "department", "reports_to", "status", "effective", "date", "version", "measures", "weight"}

    def change(data):
        for where, value in list(_leaves(data)):
            if isinstance(value, str) and not not_text & set(map(str, where)):
                target = data
                for part in where[:-1]:
                    target = target[part]
                target[where[-1]] = f"{NASTY} {len(where)}"

    saved = _edit(client, change)
    assert saved["status"] == 200, saved["json"]
    data = client("GET", ROLE)["json"]["data"]
    texts = [value for where, value in _leaves(data) if isinstance(value, str) and NASTY in value]
    assert len(texts) > 30 and all(value.startswith(NASTY) for value in texts)
    page = client("GET", "/_edit/roles/regional-manager")["body"].decode()
    assert "<script>alert" not in page and "<img src=x" not in page


def test_changes_need_the_token_and_the_servers_own_origin(client, root):
    got = client("GET", ROLE)["json"]
    body, headers = {"data": got["data"]}, {"If-Match": f'"{got["etag"]}"'}
    assert client("PUT", ROLE, body, headers=headers, token=None)["status"] == 403
    assert client("PUT", ROLE, body, headers=headers, token="guessed")["status"] == 403
    assert client("PUT", ROLE, body, headers=headers, origin="http://evil.example")["status"] == 403
    assert client("PUT", ROLE, body, headers=headers, origin=None)["status"] == 403
    assert client("PUT", ROLE, body, headers={**headers, "Referer": ORIGIN + "/_edit/x"}, origin=None)["status"] == 200
    assert client("GET", ROLE, host="evil.example:8000")["status"] == 403  # a name that resolves to this computer
    assert client("POST", "/_edit/api/roles", {"title": "x"}, token=None)["status"] == 403


def test_bodies_over_a_megabyte_are_refused(client):
    big = json.dumps({"data": {"purpose": "长" * 600_000}}).encode()
    assert client("PUT", ROLE, raw=big, headers={"If-Match": "x"})["status"] == 413
    assert client("PUT", ROLE, raw=b"{not json", headers={"If-Match": "x"})["status"] == 400


def test_new_role_is_handbook_new_role(client, root):
    made = client("POST", "/_edit/api/roles", {"title": "大客户经理", "department": "市场部", "reports_to": "市场部经理"})
    assert made["status"] == 201 and made["json"]["id"] == "da-ke-hu-jing-li"
    text = (root / "roles/da-ke-hu-jing-li.yml").read_text(encoding="utf-8")
    assert "status: draft" in text and "number: YXZX-SC-04" in text and "department: 市场部" in text
    assert client("GET", "/_edit/api/roles/da-ke-hu-jing-li")["json"]["etag"] == made["json"]["etag"]
    wrong = client("POST", "/_edit/api/roles", {"title": "客服专员", "department": "客服部", "reports_to": "市场部经理"})
    assert wrong["status"] == 422 and wrong["json"]["problems"][0]["field"] == "department"
    again = client("POST", "/_edit/api/roles", {"title": "大客户经理", "department": "市场部", "reports_to": "市场部经理"})
    assert again["status"] == 422 and again["json"]["problems"][0]["field"] == "title"


def test_a_draft_saves_unfinished_and_publishing_it_asks_for_what_is_missing(client, root):
    made = client("POST", "/_edit/api/roles", {"title": "大客户经理", "department": "市场部", "reports_to": "市场部经理"})
    url, path = f"/_edit/api/roles/{made['json']['id']}", root / f"roles/{made['json']['id']}.yml"
    got = client("GET", url)["json"]
    got["data"]["purpose"] = "负责重点客户的开发与维护。"
    got["data"]["duties"], got["data"]["kpis"]["items"] = [], []  # as the form sends the file's empty lists
    saved = client("PUT", url, {"data": got["data"]}, headers={"If-Match": f'"{got["etag"]}"'})
    assert saved["status"] == 200, saved["json"]  # a draft without duties or KPIs is saved: the draft rules
    text = path.read_text(encoding="utf-8")
    assert "purpose: 负责重点客户的开发与维护。" in text and "\nduties:\n" in text and "  items:\n" in text
    before = path.read_bytes()
    got = client("GET", url)["json"]
    got["data"]["status"] = "published"  # 发布
    refused = client("PUT", url, {"data": got["data"]}, headers={"If-Match": f'"{got["etag"]}"'})
    assert refused["status"] == 422 and path.read_bytes() == before
    assert {"duties", "kpis"} <= {p["field"].split(".")[0] for p in refused["json"]["problems"] if p["severity"] == "error"}


def test_pending_changes_discard_and_commit(client, root):
    _edit(client, lambda d: d.update(purpose="新的岗位目的。"))
    from generator.history import changes

    listed = client("GET", "/_edit/api/changes")["json"]["files"][0]["changes"]
    assert listed == [changes.line(c) for c in changes.diff(root)[0]]  # `handbook diff`'s own lines, verbatim
    assert listed[0].startswith("大区经理 · 岗位目的") and listed[0].endswith("→ “新的岗位目的。”")
    client("POST", "/_edit/api/roles", {"title": "大客户经理", "department": "市场部", "reports_to": "市场部经理"})
    (root / "notes.txt").write_text("not content")
    files = client("GET", "/_edit/api/changes")["json"]["files"]
    assert [(f["path"], f["status"]) for f in files] == [("roles/da-ke-hu-jing-li.yml", "新文件"),
                                                        ("roles/regional-manager.yml", "已修改")]
    assert [f["title"] for f in files] == ["大客户经理", "大区经理"]  # a new file too, by its Chinese title
    assert client("POST", "/_edit/api/changes/discard", {"path": "roles/da-ke-hu-jing-li.yml"})["status"] == 200
    assert not (root / "roles/da-ke-hu-jing-li.yml").exists()
    assert client("POST", "/_edit/api/changes/discard", {"path": "../notes.txt"})["status"] == 404
    assert client("POST", "/_edit/api/commit", {"message": "改岗位目的", "author": ""})["status"] == 422
    done = client("POST", "/_edit/api/commit", {"message": "改岗位目的", "author": "张三"})
    assert done["status"] == 200 and re.fullmatch(r"[0-9a-f]{40}", done["json"]["commit"])
    assert _git(root, "log", "-1", "--format=%an|%s") == "张三|改岗位目的\n"
    assert _git(root, "status", "--porcelain") == "?? notes.txt\n"  # only content is committed
    assert client("POST", "/_edit/api/commit", {"message": "again", "author": "张三"})["status"] == 409


def test_pages_carry_the_token_and_the_bar(client):
    editor = client.editor
    page = editor.decorate(b"<html><head><title>t</title></head><body></body></html>", "/roles/regional-manager.html")
    assert f'<meta name="handbook-token" content="{editor.token}">'.encode() in page
    assert b'data-edit="/_edit/roles/regional-manager"' in page
    assert b'data-edit=""' in editor.decorate(b"<head></head>", "/org-chart.html")
    for path in ("/_edit/overview", "/_edit/changes", "/_edit/import", "/_edit/new-role", "/_edit/roles/regional-manager"):
        answer = client("GET", path)
        assert answer["status"] == 200 and editor.token.encode() in answer["body"], path


def test_the_form_names_every_field_in_chinese(client, root):
    from generator.content.loader import load_handbook
    from generator.editor import store
    from generator.editor.formschema import form_schema

    hb = load_handbook(root)
    for kind in store.KINDS_BY_PLURAL.values():
        for item in hb.items(kind.name):
            data = client("GET", f"/_edit/api/{kind.plural}/{item.id}")["json"]["data"]
            schema = form_schema(kind.name, data, hb)
            for where, node in _walk(schema, ""):
                if node.get("options", {}).get("hidden"):
                    continue
                for key in ("title", "description"):
                    text = node.get(key) if isinstance(node.get(key), str) else ""
                    assert not re.search(r"[A-Za-z]{3,}", text.replace("KPI", "")), (where, text)
                for prop, sub in node.get("properties", {}).items():
                    if not sub.get("options", {}).get("hidden"):
                        assert re.search(r"[\u4e00-\u9fff]", sub.get("title", "")), (where, prop)


def _walk(node, where):
    """Every schema the form shows (hidden ones and what they hold left out)."""
    if isinstance(node, dict):
        if node.get("options", {}).get("hidden"):
            return
        yield where, node
        for key, value in node.items():
            if isinstance(value, (dict, list)) and key not in ("enum", "required", "enumSource"):
                yield from _walk(value, f"{where}.{key}")
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, where)


# ---------------------------------------------------------------------------------------- the writer


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, path + (index,))
    else:
        yield path, value


def test_single_value_edits_change_exactly_one_line_of_every_bundled_file(root):
    """For texts, numbers and dates spread over each content file: change one, write, and only its line differs."""
    from generator.content.schema import schema_for
    from generator.content.yamlsource import load_yaml
    from generator.editor.store import KINDS_BY_PLURAL

    for kind in KINDS_BY_PLURAL.values():
        for path in sorted((root / kind.folder).glob("*.yml")):
            src = path.read_text(encoding="utf-8")
            schema = schema_for(kind.name)
            old = yamlpatch.typed(load_yaml(path, path.name)[0].data, schema)
            assert yamlpatch.apply(src, old, old) == src
            leaves = [(where, value) for where, value in _leaves(old)
                      if where[-1] != "id" and value is not None and not isinstance(value, bool)]
            for where, value in leaves[::max(1, len(leaves) // 6)]:
                new = json.loads(json.dumps(old))
                target = new
                for part in where[:-1]:
                    target = target[part]
                target[where[-1]] = (value + 1 if isinstance(value, (int, float)) else
                                     "2030-01-02" if re.fullmatch(r"\d{4}-\d\d-\d\d", value) else value + "（改）")
                out = yamlpatch.apply(src, old, new)
                differ = [(a, b) for a, b in zip(src.splitlines(), out.splitlines()) if a != b]
                assert len(out.splitlines()) == len(src.splitlines()) and len(differ) == 1, (path.name, where, differ)
                assert yamlpatch.typed(load_yaml(path, path.name, out.encode())[0].data, schema) == new


def test_a_new_row_is_written_in_the_models_order_without_its_empty_fields(client, root):
    """A 修订记录 row added above the old one, its keys in whatever order the form sends, its 修订人 left empty:
    written as the file's rows are (the model's order, "1.1" in quotes), the old row untouched."""
    def change(data):
        data["version"] = "1.1"
        data["revisions"].insert(0, {"author": "", "date": "2026-12-07", "summary": "调整职责", "version": "1.1"})

    before = (root / ROLE_FILE).read_text(encoding="utf-8")
    assert _edit(client, change)["status"] == 200
    after = (root / ROLE_FILE).read_text(encoding="utf-8")
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ['version: "1.1"', '  - version: "1.1"', "    date: 2026-12-07", "    summary: 调整职责"]


def test_the_writer_keeps_windows_line_ends_and_quoting():
    src = 'title: "旧名称"   # 注释\r\nversion: "1.0"\r\nitems: [a, b]\r\n'
    old = {"title": "旧名称", "version": "1.0", "items": ["a", "b"]}
    out = yamlpatch.apply(src, old, {"title": "新名称", "version": "1.1", "items": ["a", "b", "c"]})
    assert out == 'title: "新名称"   # 注释\r\nversion: "1.1"\r\nitems: [a, b, c]\r\n'


# ---------------------------------------------------------------------------------------- on a network


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """Argon2id with its smallest cost: the same code paths, milliseconds instead of a second per hash."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(auth, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def shared(root):
    auth.add_user(root, "李四", "correct horse battery")
    editor = Editor(root, "0.0.0.0")
    yield Client(editor)
    editor.close()


def test_on_a_network_editing_needs_a_signed_in_user(shared, root):
    assert shared("GET", ROLE)["status"] == 401
    assert shared("GET", "/_edit/overview")["status"] == 303
    assert shared("GET", "/_edit/login")["status"] == 200
    assert shared("POST", "/_edit/login", {"name": "李四", "password": "wrong"})["status"] == 401
    signed = shared("POST", "/_edit/login", {"name": "李四", "password": "correct horse battery"})
    assert signed["status"] == 200
    cookie = signed["headers"]["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    shared.cookie = cookie.split(";")[0]
    assert shared("GET", ROLE)["status"] == 200
    _edit(shared, lambda d: d.update(purpose="网络上改的。"))
    assert shared("POST", "/_edit/api/commit", {"message": "网络上提交", "author": "冒名"})["status"] == 200
    assert _git(root, "log", "-1", "--format=%an") == "李四\n"  # the signed-in user, whatever the body says
    shared.cookie = shared.cookie[:-3] + "abc"  # a forged signature
    assert shared("GET", ROLE)["status"] == 401


def test_repeated_wrong_passwords_are_slowed_down(shared):
    answers = [shared("POST", "/_edit/login", {"name": "李四", "password": f"guess {n}"})["status"] for n in range(7)]
    assert answers[:5] == [401] * 5 and answers[5:] == [429, 429]
    late = shared("POST", "/_edit/login", {"name": "李四", "password": "correct horse battery"})
    assert late["status"] == 429 and int(late["headers"]["Retry-After"]) > 0


def test_users_are_kept_out_of_git_and_of_the_site(root, tmp_path):
    from click.testing import CliRunner

    from generator.cli import main

    done = CliRunner().invoke(main, ["user", "add", "王五", "--password-stdin", "--root", str(root)],
                              input="a long password\n")
    assert done.exit_code == 0 and "已添加用户 王五" in done.output, done.output
    stored = (root / auth.USERS_FILE).read_text(encoding="utf-8")
    assert "王五" in stored and "a long password" not in stored and "$argon2id$" in stored
    assert _git(root, "check-ignore", auth.USERS_FILE).strip() == auth.USERS_FILE
    assert _git(root, "status", "--porcelain") == ""
    short = CliRunner().invoke(main, ["user", "add", "赵六", "--password-stdin", "--root", str(root)], input="short\n")
    assert short.exit_code == 2 and "密码至少要有 8 个字符" in short.output


# ---------------------------------------------------------------------------------------- import, overview


def test_uploads_are_bounded_and_only_word_or_text(client):
    def upload(name, data):
        return client("POST", "/_edit/api/import", raw=data, headers={"X-Filename": name})

    assert upload("big.docx", b"PK\x03\x04" + b"0" * (10 * 1024 * 1024))["status"] == 413
    assert upload("scan.pdf", b"%PDF-1.7")["status"] == 415
    assert upload("fake.docx", b"<html>not a zip</html>")["status"] == 415
    assert upload("../../x.txt", "岗位名称：客服专员\n岗位职责：\n1. 接听客户来电。\n".encode())["status"] == 200


def test_importing_a_text_file_writes_a_draft_after_the_report(client, root):
    text = "岗位名称：客服专员\n所属部门：市场部\n岗位职责：\n1. 接听客户来电，记录客户需求。\n2. 跟踪售后问题的处理。\n"
    seen = client("POST", "/_edit/api/import", raw=text.encode(), headers={"X-Filename": "客服专员.txt"})
    report = "\n".join(seen["json"]["report"])
    assert seen["status"] == 200 and "客服专员.txt" in report and "roles/ke-fu-zhuan-yuan.yml" in report
    assert "/tmp" not in report and "handbook-uploads" not in report
    assert not (root / "roles/ke-fu-zhuan-yuan.yml").exists()
    applied = client("POST", f"/_edit/api/import/{seen['json']['upload']}/apply")
    assert applied["status"] == 200 and applied["json"]["files"] == ["roles/ke-fu-zhuan-yuan.yml"]
    assert "status: draft" in (root / "roles/ke-fu-zhuan-yuan.yml").read_text(encoding="utf-8")
    assert client("POST", f"/_edit/api/import/{seen['json']['upload']}/apply")["status"] == 404


def test_overview_lists_what_needs_attention(client, root):
    from generator.editor.overview import overview

    path = root / "roles/sales-assistant.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: published", "status: draft")
                    if "status: published" in path.read_text(encoding="utf-8")
                    else path.read_text(encoding="utf-8") + "status: draft\n", encoding="utf-8")
    seen = overview(root, today=dt.date.today() + dt.timedelta(days=800))
    assert [e["id"] for e in seen["drafts"]] == ["sales-assistant"]
    assert {e["id"] for e in seen["proposed_kpis"]} >= {"regional-manager"}
    assert any(e["id"] == "regional-manager" and "承办领导交办的其他事项" in e["detail"] for e in seen["unmeasured"])
    assert {e["id"] for e in seen["not_reviewed"]} == {r.stem for r in (root / "roles").glob("*.yml")}
    assert {e["id"] for e in seen["no_qualifications"]} >= {"regional-manager"}
    fresh = overview(root, today=dt.date.today())
    assert fresh["not_reviewed"] == []
    role = root / "roles/regional-manager.yml"
    role.write_text(role.read_text(encoding="utf-8") + "reviewed: 2031-01-01\n", encoding="utf-8")
    later = overview(root, today=dt.date(2031, 6, 1))
    assert "regional-manager" not in {e["id"] for e in later["not_reviewed"]}
    client("POST", "/_edit/api/roles", {"title": "大客户经理", "department": "市场部", "reports_to": "市场部经理"})
    held = overview(root)["drafts"]  # a new draft without purpose, duties or KPIs: held back, and listed
    assert [(e["id"], e["title"], e["detail"]) for e in held][-1] == ("da-ke-hu-jing-li", "大客户经理", "还有 3 处问题要改正")
    page = client("GET", "/_edit/overview")["body"].decode()
    assert "维护概览" in page and "大区经理" in page and "大客户经理" in page


def test_a_save_offers_the_next_version_from_the_history_layer(client, root):
    """A published role changed since the last commit: the save offers the history layer's next version and its
    修订记录 row, in `handbook diff`'s words; taking it is one more save, and nothing else is rewritten."""
    saved = _edit(client, lambda d: d.update(purpose="新的目的。"))
    offered = saved["json"]["offer"]
    from generator.history import changes

    said = [c.text for c in changes.diff(root)[0]]  # what `handbook diff` says of the same change
    assert offered["version"] == "1.1" and offered["changes"] == said and said[0].endswith("→ “新的目的。”")
    row = offered["data"]["revisions"][0]
    assert row["version"] == "1.1" and "新的目的。" in row["summary"]
    got = client("GET", ROLE)["json"]
    taken = client("PUT", ROLE, {"data": offered["data"]}, headers={"If-Match": f'"{got["etag"]}"'})
    assert taken["status"] == 200 and taken["json"]["offer"] is None  # the version now says it
    text = (root / "roles/regional-manager.yml").read_text(encoding="utf-8")
    assert 'version: "1.1"' in text and row["summary"] in text
