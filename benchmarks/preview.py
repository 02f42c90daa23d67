"""Benchmark `handbook serve` as HR uses it: save a YAML file, watch the browser show the change.

    .venv/bin/python benchmarks/preview.py                  # the bundled content (a copy; the repo is not touched)
    .venv/bin/python benchmarks/preview.py --roles 300      # a synthetic 300-role content root
    .venv/bin/python benchmarks/preview.py --roles 300 --edits 5 --json preview300.json
    .venv/bin/python benchmarks/preview.py --editor         # saved by the browser editor's 保存, not by a text editor

Each run starts `handbook serve` on a free port with a cold document cache and measures, from outside:

* **first page**: from starting the command until a role page is served (HTTP 200);
* **save → visible**: a real Chromium (Playwright, /usr/bin/chromium) shows the role page; the role's YAML
  gets a new first duty; the time until the page, reloaded by livereload, shows the new text. Median of
  ``--edits`` edits, a few seconds apart. With ``--editor`` the duty is typed into the role's form
  (/_edit/roles/<id>, in a second tab) and 保存 pressed: timed from the click, with **save answered** (the
  form says 已保存: checked as `handbook check` checks, then written) beside it;
* **download on demand**: fetching the edited role's PDF right after the last edit (rendered on request);
* **search**: after the edits the search index holds the new text, not the old one, and every page.

Beside each time, the server process's own CPU seconds (``/proc/<pid>/stat``) and the load average: on a
shared machine the wall time is mostly waiting for a core, and the CPU time tells how much work a save costs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "benchmarks")]

import synthetic_org  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def content_root(roles: int | None, work: Path) -> tuple[Path, str]:
    """A writable content root and the role to edit."""
    if roles:
        root = synthetic_org.write(roles, work / f"org{roles}")
        return root, f"role-{roles // 2:04d}"
    root = work / "seed"
    for folder in ("roles", "content"):
        shutil.copytree(REPO / folder, root / folder)
    return root, "regional-manager"


def get(url: str, timeout: float = 120) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except OSError:
        return 0, b""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (Linux /proc), to tell work from waiting on a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_duty(path: Path, text: str) -> None:
    """Replace the text of the role's first duty (`text: …` under `duties:`), as an editor would save it."""
    source = path.read_text(encoding="utf-8")
    head, duties = source.split("\nduties:\n", 1)
    duties = re.sub(r"(\n\s+text: ).*", lambda m: m.group(1) + text, "\n" + duties, count=1)[1:]
    path.write_text(head + "\nduties:\n" + duties, encoding="utf-8")


def run(roles: int | None, edits: int, work: Path, editor: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    root, role_id = content_root(roles, work)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    page_url = f"{base}/roles/{role_id}.html"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = (work / "serve.log").open("w")
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "generator.cli", "serve", "--root", str(root),
                               "--dev-addr", f"127.0.0.1:{port}"], cwd=REPO, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    result: dict = {"size": roles or "seed", "role": role_id, "load_average": round(os.getloadavg()[0], 1),
                    "cores": len(os.sched_getaffinity(0)), "saved_by": "editor" if editor else "file"}
    try:
        while True:
            if server.poll() is not None:
                sys.exit(f"handbook serve exited ({server.returncode}); see {work / 'serve.log'}")
            status, _ = get(page_url, timeout=300)
            if status == 200:
                break
            time.sleep(0.2)
        result["first_page_s"] = round(time.perf_counter() - started, 2)
        result["first_page_server_cpu_s"] = round(cpu_seconds(server.pid), 2)
        print(f"first page after {result['first_page_s']} s ({result['first_page_server_cpu_s']} s of server CPU)",
              flush=True)

        times, cpus, answered = [], [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(page_url)
            page.wait_for_selector("article")
            form = browser.new_page() if editor else None
            duty = '[data-schemapath="root.duties.0.text"] textarea'
            if form is not None:
                form.goto(f"{base}/_edit/roles/{role_id}")
                form.wait_for_selector(duty)
            time.sleep(2)
            for n in range(1, edits + 1):
                marker = f"预览计时第{n}次修改{int(time.time() * 1000) % 100000}"
                text = f"{marker}：负责重点客户的开发与维护。"
                if form is not None:
                    form.fill(duty, text)
                    time.sleep(1.5)  # the check as HR types has answered: the click times the save alone
                saved, cpu = time.perf_counter(), cpu_seconds(server.pid)
                if form is None:
                    first_duty(root / "roles" / f"{role_id}.yml", text)
                else:
                    form.click("#save")
                    form.wait_for_function("() => document.getElementById('status').textContent.includes('已保存')",
                                           timeout=120_000, polling=20)
                    answered.append(time.perf_counter() - saved)
                page.wait_for_function("m => document.body && document.body.innerText.includes(m)", arg=marker,
                                       timeout=120_000, polling=50)
                took = time.perf_counter() - saved
                times.append(took)
                cpus.append(cpu_seconds(server.pid) - cpu)
                print(f"edit {n}: visible after {took:.2f} s ({cpus[-1]:.2f} s of server CPU)", flush=True)
                time.sleep(3)
            browser.close()
        result["edits_s"] = [round(t, 2) for t in times]
        result["edit_median_s"] = round(statistics.median(times), 2)
        result["edit_server_cpu_median_s"] = round(statistics.median(cpus), 2)
        if answered:
            result["save_answered_median_s"] = round(statistics.median(answered), 2)
        result["load_average_after"] = round(os.getloadavg()[0], 1)

        fetched = time.perf_counter()
        status, pdf = get(f"{base}/downloads/job-descriptions/{role_id}.pdf", timeout=300)
        result["pdf_on_demand_s"] = round(time.perf_counter() - fetched, 2)
        result["pdf_ok"] = status == 200 and pdf.startswith(b"%PDF")

        _, raw = get(f"{base}/search/search_index.json")
        index = json.loads(raw or b"{}")
        text = "".join(d.get("text", "") for d in index.get("docs", [])).replace("\u200b", "")
        pages = {d["location"].split("#")[0] for d in index.get("docs", [])}
        result["search_has_last_edit"] = marker in text
        result["search_has_earlier_edit"] = edits > 1 and "预览计时第1次修改" in text
        result["search_pages"] = len(pages)
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl+C: the server stops its document workers too
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=0, help="synthetic roles (0 = the bundled content)")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="keep the content root and serve.log here")
    parser.add_argument("--editor", action="store_true", help="save through the browser editor's form")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="handbook-preview-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        result = run(args.roles or None, args.edits, work, args.editor)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
