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
    """`submit` files to load into named graphs; `finish` waits for all of them and raises the first failure.

    With `batch_bytes`, files wait until that much is submitted and then load together: one bulk load of many
    small files costs RocksDB one compaction instead of one each (OxigraphStore.load_ntriples_files). Without,
    each file loads as soon as it comes, which suits a build whose reading leaves a core idle.
    """

    def __init__(self, store: OxigraphStore, batch_bytes: int = 0) -> None:
        self.store = store
        self.batch_bytes = batch_bytes
        self._queue: queue.Queue[tuple[Path, str] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="budgetkg-loader", daemon=True)
        self._thread.start()

    def submit(self, path: Path, graph: str) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((path, graph))

    def finish(self) -> None:
        """Wait for every file submitted; called again once it has returned, only raise what failed."""
        if self._thread.is_alive():
            self._queue.put(_DONE)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        batch: list[tuple[Path, str]] = []
        size = 0
        while True:
            item = self._queue.get()
            if item is not _DONE:
                batch.append(item)
                size += item[0].stat().st_size
                if size < self.batch_bytes:
                    continue
            if batch and self._error is None:  # after a failure, drain the queue without loading
                try:
                    self.store.load_ntriples_files(batch)
                except BaseException as error:  # handed to the caller by submit/finish
                    self._error = error
            batch, size = [], 0
            if item is _DONE:
                return
