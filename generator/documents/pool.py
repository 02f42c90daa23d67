"""The processes documents render in: a *forkserver* that imports and warms the renderers once
(:mod:`.warm`), from which every worker forks ready to render.

``fork`` from the build process would copy whatever locks ``mkdocs serve``'s threads hold (watcher, HTTP
server) into the child; ``spawn`` would import WeasyPrint again in every worker of every build (~1 s each).
This module imports nothing of the project, so `handbook build` can start the server (:func:`prepare`)
before it imports the content model and MkDocs, and both get ready side by side.
"""

from __future__ import annotations

import multiprocessing
import os

PRELOAD = __package__ + ".warm"


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def context():
    """The forkserver context, its server started (once per process)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([PRELOAD])
    _start_ignoring_ctrl_c()
    return ctx


def prepare() -> None:
    """Start the forkserver now: it imports and warms the renderers (~1 s) while the caller does other work,
    so the first documents queued find it ready."""
    context()


def _start_ignoring_ctrl_c() -> None:
    """Start the forkserver with SIGINT ignored; its workers inherit that.

    Ctrl-C in a terminal reaches the whole process group. The build process alone
    should handle it (it cancels queued documents and waits for the running ones):
    a forkserver still importing WeasyPrint, or a worker mid-render, would otherwise
    print its own KeyboardInterrupt traceback. An ignored signal survives exec, so
    it is set around the server's start (only possible from the main thread; from
    another thread the server starts as multiprocessing starts it).
    """
    import signal
    import threading
    from multiprocessing import forkserver

    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)
