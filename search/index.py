"""The engine's public entry points, independent of the backend.

Callers (CLI, web app, bench, the build) only use `build_index`, `open_index`, `read_manifest`, `swap_in` and
the `SearchIndex` protocol with SearchRequest / SearchResult. Two engines sit behind them and pass the same
tests: tantivy (the default, tantivy_index.py) and whoosh (whoosh_index.py); `$BUDGETKG_SEARCH_ENGINE` or
`engine=` picks one for a build, and an index remembers its engine in its manifest. A server engine
(OpenSearch …) would be a third pair of a writer and an IndexSearcher subclass.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from .building import EngineWriter, build_fresh
from .documents import SearchDoc
from .request import IndexUnavailable, SearchRequest, SearchResult
from .searching import IndexSearcher, read_manifest

# Engine name → its module (imported when an index of that engine is built or opened: each imports its library)
# and that module's writer and searcher.
ENGINES = {
    "tantivy": ("tantivy_index", "write_tantivy", "TantivySearchIndex"),
    "whoosh": ("whoosh_index", "write_whoosh", "WhooshSearchIndex"),
}
DEFAULT_ENGINE = "tantivy"


class SearchIndex(Protocol):
    def search(self, request: SearchRequest) -> SearchResult: ...

    def close(self) -> None: ...


def build_index(
    docs: Iterable[SearchDoc],
    directory: Path,
    *,
    dictionary_words: Iterable[str] = (),
    segmenter: str | None = None,
    engine: str | None = None,
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
    `segmenter` picks "rjieba" (default) or "jieba" (also via $BUDGETKG_SEGMENTER); `engine` picks "tantivy"
    (default) or "whoosh" (also via $BUDGETKG_SEARCH_ENGINE).
    """
    name = engine_name(engine)
    write, _ = _engine(name)
    return build_fresh(
        docs, Path(directory), engine=name, write=write, dictionary_words=dictionary_words, segmenter=segmenter
    )


def engine_name(requested: str | None = None) -> str:
    name = (requested or os.environ.get("BUDGETKG_SEARCH_ENGINE") or DEFAULT_ENGINE).strip().lower()
    if name not in ENGINES:
        raise ValueError(f"unknown search engine {name!r} (use one of {', '.join(ENGINES)})")
    return name


def _engine(name: str) -> tuple[EngineWriter, type[IndexSearcher]]:
    module, writer, searcher = ENGINES[name]
    engine = importlib.import_module(f".{module}", __package__)
    return getattr(engine, writer), getattr(engine, searcher)


def open_index(directory: Path) -> IndexSearcher:
    """Opens a built index (a directory or a symlink to one) with the engine that built it; raises
    IndexUnavailable with a clear message."""
    manifest = read_manifest(Path(directory))
    name = manifest.get("engine", "whoosh")  # indexes from before there was a choice are whoosh's
    if name not in ENGINES:
        raise IndexUnavailable(f"the index at {directory} was built by the engine {name!r}, which this build lacks")
    _, searcher = _engine(name)
    return searcher(Path(directory))


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


def remove_index(directory: Path) -> None:
    """Deletes an index directory that no reader uses any more (e.g. the one swap_in returned)."""
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(directory)


__all__ = ["SearchIndex", "build_index", "open_index", "read_manifest", "remove_index", "swap_in"]
