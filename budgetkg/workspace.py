"""The published generation opened for reading: store, repository and manifest together.

Readers never look inside a generation that is being built; `Workspace.refresh()` lets a long-lived
process (the web app) move to a newer generation when a build has published one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .search.index import open_index
from .search.request import SearchRequest, SearchResult
from .store.generations import Generations
from .store.repository import Repository
from .store.store import OxigraphStore


class NoGraphError(RuntimeError):
    """No build has been published in this data folder yet."""


@dataclass
class Workspace:
    data_dir: Path
    generation: Path
    manifest: dict[str, Any]
    store: OxigraphStore
    repo: Repository
    cache: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, data_dir: Path) -> Workspace:
        generations = Generations(data_dir)
        current = generations.current()
        if current is None:
            raise NoGraphError(f"no graph in {data_dir}: run `budgetkg build` first")
        store = OxigraphStore.open_read_only(current / "store")
        return cls(data_dir, current, generations.manifest() or {}, store, Repository(store))

    @property
    def base(self) -> str:
        return str(self.manifest.get("base", ""))

    @property
    def index_dir(self) -> Path:
        return self.generation / "index"

    def search(self, request: SearchRequest) -> SearchResult:
        """Answer from this generation's index (opened once, kept for the workspace's life)."""
        index = self.cache.get("index")
        if index is None:
            index = self.cache["index"] = open_index(self.index_dir)
        return index.search(request)

    def is_stale(self) -> bool:
        return Generations(self.data_dir).current() != self.generation

    def refresh(self) -> Workspace:
        """This workspace, or a new one on the generation published since it was opened."""
        return Workspace.open(self.data_dir) if self.is_stale() else self
