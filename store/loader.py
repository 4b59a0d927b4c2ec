"""Loading N-Triples files into the store on a thread of its own, in the order they are given.

Why a thread: Oxigraph's bulk loader runs in Rust without the GIL, so the build keeps reading and mapping the
next documents (in worker processes, fed by this process) while the finished ones are loaded; the load is no
longer a step of its own at the end.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from .store import OxigraphStore

_DONE = None


class BackgroundLoader:
    """`submit` files to load into named graphs; `finish` waits for all of them and raises the first failure."""

    def __init__(self, store: OxigraphStore) -> None:
        self.store = store
        self._queue: queue.Queue[tuple[Path, str] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="budgetkg-loader", daemon=True)
        self._thread.start()

    def submit(self, path: Path, graph: str) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((path, graph))

    def finish(self) -> None:
        self._queue.put(_DONE)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while (item := self._queue.get()) is not _DONE:
            if self._error is None:  # after a failure, drain the queue without loading
                try:
                    self.store.load_ntriples(*item)
                except BaseException as error:  # handed to the caller by submit/finish
                    self._error = error
