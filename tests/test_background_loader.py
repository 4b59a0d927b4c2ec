"""Loading on a thread: files load in order, and a failure reaches the build instead of vanishing."""

from __future__ import annotations

from pathlib import Path

import pytest

from budgetkg.store.loader import BackgroundLoader
from budgetkg.store.store import OxigraphStore


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_submitted_files_are_all_loaded_once_finish_returns(tmp_path: Path) -> None:
    store = OxigraphStore.create(tmp_path / "store")
    loader = BackgroundLoader(store)
    for i in range(3):
        loader.submit(_write(tmp_path / f"{i}.nt", f'<https://e.org/s{i}> <https://e.org/p> "{i}" .\n'),
                      f"https://e.org/graph/{i}")
    loader.finish()
    assert len(store) == 3


def test_a_file_that_fails_to_load_makes_finish_raise(tmp_path: Path) -> None:
    store = OxigraphStore.create(tmp_path / "store")
    loader = BackgroundLoader(store)
    loader.submit(_write(tmp_path / "bad.nt", "<https://e.org/s> this is not n-triples .\n"), "https://e.org/g")
    with pytest.raises(SyntaxError):
        loader.finish()
