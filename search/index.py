"""The engine's public entry points, independent of the backend.

Callers (CLI, web app, bench) only use `build_index`, `open_index`, `swap_in` and the `SearchIndex` protocol with
SearchRequest / SearchResult; whoosh stays behind `whoosh_index.py`, so a server engine (tantivy, OpenSearch …)
can replace it under the same tests by providing another pair of build/open functions.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from .documents import SearchDoc
from .request import SearchRequest, SearchResult
from .whoosh_index import WhooshSearchIndex, build_whoosh_index, remove_index


class SearchIndex(Protocol):
    def search(self, request: SearchRequest) -> SearchResult: ...

    def close(self) -> None: ...


def build_index(
    docs: Iterable[SearchDoc],
    directory: Path,
    *,
    dictionary_words: Iterable[str] = (),
    segmenter: str | None = None,
) -> dict[str, Any]:
    """Indexes `docs` into `directory`, which must not exist yet (or be empty); returns the build manifest.

    Rebuilding never exposes a half-written index: everything is written into a hidden sibling staging
    directory that is renamed to `directory` only when complete (and removed on any error). To replace a live
    index, build into a *new* directory and let the caller swap it in, e.g.::

        new = root / f"index-{time.strftime('%Y%m%d-%H%M%S')}"
        build_index(docs, new, dictionary_words=names)
        old = swap_in(new, root / "current")      # atomic symlink switch
        ...                                       # reopen: open_index(root / "current")
        remove_index(old)                         # once no reader uses the old one

    An index opened earlier keeps answering from its own directory meanwhile. `dictionary_words` are the names
    (catalog entries, 科目, units, projects) from which domain segmentation words are derived (dictionary.py);
    `segmenter` picks "rjieba" (default) or "jieba" (also via $BUDGETKG_SEGMENTER).
    """
    return build_whoosh_index(docs, Path(directory), dictionary_words=dictionary_words, segmenter=segmenter)


def open_index(directory: Path) -> WhooshSearchIndex:
    """Opens a built index (a directory or a symlink to one); raises IndexUnavailable with a clear message."""
    return WhooshSearchIndex(Path(directory))


def swap_in(built: Path, live: Path) -> Path | None:
    """Points the symlink `live` at the directory `built` in one atomic rename; returns the previous target.

    Readers that opened the previous index keep using it; new `open_index(live)` calls get the new one. Delete
    the returned directory (remove_index) only when no process has it open. `live` must be a symlink or absent.
    """
    built = Path(built).resolve()
    live = Path(live)
    previous: Path | None = None
    if live.is_symlink():
        previous = Path(os.path.realpath(live))
    elif live.exists():
        raise FileExistsError(f"{live} is a real directory; swap_in manages a symlink (move the directory away)")
    temporary = live.parent / f".{live.name}.swap-{uuid.uuid4().hex[:8]}"
    os.symlink(built, temporary, target_is_directory=True)
    os.replace(temporary, live)
    return previous if previous != built else None


__all__ = ["SearchIndex", "build_index", "open_index", "remove_index", "swap_in"]
