"""Where the build's other processes come from: the fork server, or a fork made before any thread starts.

A fork of a process that runs threads (the store's own, the loader's, a web server's) can hand the child a lock
one of them held, and hang it. Two sources are safe. The fork server is a clean process that imports the build's
code once (≈ 0.5 s of CPU) and forks every read worker from itself. A fork of the build itself, made before it
starts any thread, costs nothing: it serves the indexer of a build without read workers (the bundled corpus,
where the fork server's imports were a tenth of the build's CPU) whenever the caller runs no thread of its own
(the CLI does not; a test beside a live server does).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import os
from collections.abc import Callable
from typing import Any


def warm_fork_server(preload: list[str]) -> None:
    """Start the fork server now, with `preload` imported in it, on the other core while this process reads."""
    multiprocessing.set_forkserver_preload(preload)
    multiprocessing.forkserver.ensure_running()


def single_threaded() -> bool:
    """Whether this process runs one thread, native threads included (Linux: /proc/self/task)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


class Deferred:
    """A process started now that calls `target(*args)` once `run(*args)` sends it the arguments.

    `result()` waits for it and returns what `target` returned; `close()` ends it, run or not.
    """

    def __init__(self, context: multiprocessing.context.BaseContext, target: Callable[..., Any], name: str) -> None:
        self._connection, child = context.Pipe()
        self.process = context.Process(target=_run_when_told, args=(child, self._connection, target), name=name,
                                       daemon=True)
        self.process.start()
        child.close()
        self._started = False

    def run(self, *args: Any) -> None:
        self._connection.send(args)
        self._started = True

    def result(self) -> Any:
        try:
            value = self._connection.recv()
        except EOFError:
            value = None
        self.process.join()
        if self.process.exitcode != 0 or value is None:
            raise RuntimeError(f"the process {self.process.name} failed (exit code {self.process.exitcode})")
        return value[0]

    def close(self) -> None:
        """End the process: at once when it was never run or is still running (the build failed)."""
        self._connection.close()
        if self.process.is_alive() and self._started:
            self.process.terminate()
        self.process.join()


def _run_when_told(connection: multiprocessing.connection.Connection,
                   other_end: multiprocessing.connection.Connection, target: Callable[..., Any]) -> None:
    other_end.close()  # a fork holds the parent's end too: open here, it would keep `recv` from seeing the close
    try:
        args = connection.recv()
    except EOFError:  # closed unused
        return
    connection.send((target(*args),))
