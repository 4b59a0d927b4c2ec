"""Where budgetkg keeps its graph and index, and which IRI base it mints: one place to decide."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from .ontology.iris import DEFAULT_BASE

DATA_ENV = "BUDGETKG_DATA"
BASE_ENV = "BUDGETKG_BASE"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir, else $BUDGETKG_DATA, else ./data (relative to where the command runs)."""
    chosen = explicit or os.environ.get(DATA_ENV) or "data"
    return Path(chosen).expanduser().resolve()


def base_iri(explicit: str | None = None) -> str:
    base = explicit or os.environ.get(BASE_ENV) or DEFAULT_BASE
    return base if base.endswith("/") else base + "/"


def bundled_corpus() -> list[Path]:
    """The five sample disclosures shipped with the package."""
    folder = resources.files("budgetkg.corpus")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".txt"))
