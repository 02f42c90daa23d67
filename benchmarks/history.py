"""What reading the git history costs a build: N roles in a git repository with a few commits.

    .venv/bin/python benchmarks/history.py --roles 500 --commits 12

Writes ``synthetic_org.py --roles N`` into a temporary git repository, commits it, then
makes ``--commits`` more commits that each edit a few roles (a duty, a weight) and one
that renames a role. Then it times, median of ``--repeat`` runs each:

* the single ``git log`` pass that gives every content file its commits (``history.read``),
* the 变更记录 expansion (``changes.recent``): the files of the recent commits read with one
  ``git cat-file --batch`` and compared as models,
* the whole of what the build adds (``changes.with_history``), cold and with its cache of
  expanded commits (a rebuild), against loading the handbook.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.synthetic_org import write  # noqa: E402
from generator.content.loader import load_handbook  # noqa: E402
from generator.history import changes  # noqa: E402
from generator.history import git as history


def git(root: Path, *args: str, day: int = 1) -> None:
    date = f"2027-01-{day:02d}T10:00:00+08:00"
    env = {**os.environ, "GIT_AUTHOR_NAME": "HR", "GIT_AUTHOR_EMAIL": "hr@example.com", "GIT_COMMITTER_NAME": "HR",
           "GIT_COMMITTER_EMAIL": "hr@example.com", "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def repository(roles: int, commits: int, work: Path) -> Path:
    root = write(roles, work / f"org{roles}")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "初始版本")
    files = sorted((root / "roles").glob("*.yml"))
    for n in range(commits):
        for path in files[n * 7 % len(files):][:3]:  # three roles per commit
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("。", f"（第{n + 1}次修订）。", 1), encoding="utf-8")
        git(root, "commit", "-q", "-am", f"修订 {n + 1}", day=2 + n % 27)
    renamed = files[-1]
    git(root, "mv", str(renamed.relative_to(root)), f"roles/{renamed.stem}-renamed.yml")
    target = root / "roles" / f"{renamed.stem}-renamed.yml"
    target.write_text(target.read_text(encoding="utf-8").replace(f"id: {renamed.stem}", f"id: {renamed.stem}-renamed"),
                      encoding="utf-8")
    git(root, "commit", "-q", "-am", "岗位更名", day=28)
    return root


def median_seconds(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=500)
    parser.add_argument("--commits", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="history-bench-") as tmp:
        root = repository(args.roles, args.commits, Path(tmp))
        hb = load_handbook(root)
        found, log, repo = history.read(root)
        print(history.summary_line(found))
        log_s = median_seconds(lambda: history.read(root), args.repeat)
        recent_s = median_seconds(lambda: changes.recent(repo, log, hb), args.repeat)
        whole_s = median_seconds(lambda: changes.with_history(hb, root), args.repeat)
        cache = Path(tmp) / "cache"
        changes.with_history(hb, root, cache_dir=cache)  # fills the cache of expanded commits
        cached_s = median_seconds(lambda: changes.with_history(hb, root, cache_dir=cache), args.repeat)
        load_s = median_seconds(lambda: load_handbook(root), max(1, args.repeat // 2))
        lines = sum(len(cs.changes) for cs in changes.recent(repo, log, hb))
        print(f"roles: {args.roles}, commits: {len(log.commits)}, content files: {len(found.files)}")
        print(f"git log pass (history.read):        {log_s * 1000:8.1f} ms")
        print(f"变更记录 of {min(len(log.commits), changes.RECENT_COMMITS)} commits (changes.recent): "
              f"{recent_s * 1000:8.1f} ms  ({lines} change lines)")
        print(f"all history work of a build:         {whole_s * 1000:8.1f} ms")
        print(f"…again, commits already expanded:    {cached_s * 1000:8.1f} ms  (a rebuild: cache of 变更记录)")
        print(f"for comparison, load_handbook:       {load_s * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
