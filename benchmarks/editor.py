"""Benchmark the browser editor as HR uses it: change a duty in the form, press 保存, watch the page change.

    .venv/bin/python benchmarks/editor.py                  # the bundled content (a copy; the repo is not touched)
    .venv/bin/python benchmarks/editor.py --roles 300      # a synthetic 300-role content root
    .venv/bin/python benchmarks/editor.py --roles 300 --edits 5 --json editor300.json

`handbook serve` starts on a free port. In one real Chromium (/usr/bin/chromium) tab the role's page is shown, in
another its form (/_edit/roles/<id>). Each edit types a new first duty into the form and presses 保存; measured:

* **save → visible**: from the click until the page tab, reloaded by livereload, shows the new text (the target:
  ≤ 1 s for the seed, ≤ 2 s at 300 roles);
* **save answered**: from the click until the form says 已保存 (the check as `handbook check` and the write);
* the server process's CPU seconds per edit and the load average, as in benchmarks/preview.py.

Medians of ``--edits`` edits, a few seconds apart.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from preview import CHROMIUM, REPO, content_root, cpu_seconds, free_port, get  # noqa: E402


def run(roles: int | None, edits: int, work: Path) -> dict:
    from playwright.sync_api import sync_playwright

    root, role_id = content_root(roles, work)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (work / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "generator.cli", "serve", "--root", str(root),
                               "--dev-addr", f"127.0.0.1:{port}"], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                              stdout=log, stderr=subprocess.STDOUT)
    result: dict = {"size": roles or "seed", "role": role_id, "load_average": round(os.getloadavg()[0], 1)}
    try:
        while get(f"{base}/roles/{role_id}.html", timeout=300)[0] != 200:
            if server.poll() is not None:
                sys.exit(f"handbook serve exited ({server.returncode}); see {work / 'serve.log'}")
            time.sleep(0.2)
        visible, answered, cpus = [], [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            shown = browser.new_page()
            shown.goto(f"{base}/roles/{role_id}.html")
            form = browser.new_page()
            form.goto(f"{base}/_edit/roles/{role_id}")
            duty = '[data-schemapath="root.duties.0.text"] textarea'
            form.wait_for_selector(duty)
            time.sleep(2)
            for n in range(1, edits + 1):
                marker = f"表单计时第{n}次修改{int(time.time() * 1000) % 100000}"
                form.fill(duty, f"{marker}：负责重点客户的开发与维护。")
                time.sleep(1.5)  # the check as HR types has answered; the click measures the save alone
                cpu, started = cpu_seconds(server.pid), time.perf_counter()
                form.click("#save")
                form.wait_for_function("() => document.getElementById('status').textContent.includes('已保存')",
                                       timeout=120_000, polling=20)
                answered.append(time.perf_counter() - started)
                shown.wait_for_function("m => document.body && document.body.innerText.includes(m)", arg=marker,
                                        timeout=120_000, polling=20)
                visible.append(time.perf_counter() - started)
                cpus.append(cpu_seconds(server.pid) - cpu)
                print(f"edit {n}: saved after {answered[-1]:.2f} s, visible after {visible[-1]:.2f} s "
                      f"({cpus[-1]:.2f} s of server CPU)", flush=True)
                time.sleep(3)
            browser.close()
        result.update(visible_s=[round(t, 2) for t in visible], visible_median_s=round(statistics.median(visible), 2),
                      answered_median_s=round(statistics.median(answered), 2),
                      server_cpu_median_s=round(statistics.median(cpus), 2),
                      load_average_after=round(os.getloadavg()[0], 1))
    finally:
        server.send_signal(signal.SIGINT)
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
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="handbook-editor-bench-"))
    try:
        result = run(args.roles or None, args.edits, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
