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


def _graphs(store: OxigraphStore) -> dict[str, set[str]]:
    rows = store.select("SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } }")
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(str(row["g"]), set()).add(str(row["s"]))
    return found


def test_batched_files_each_land_in_their_own_graph(tmp_path: Path) -> None:
    store = OxigraphStore.create(tmp_path / "store")
    loader = BackgroundLoader(store, batch_bytes=10_000)
    for i in range(5):
        text = "".join(f'<https://e.org/s{i}-{k}> <https://e.org/p> "a .\\n b {k}" .\n' for k in range(3))
        loader.submit(_write(tmp_path / f"{i}.nt", text), f"https://e.org/graph/{i}")
    loader.finish()
    assert _graphs(store) == {f"https://e.org/graph/{i}": {f"https://e.org/s{i}-{k}" for k in range(3)}
                              for i in range(5)}
    assert store.select('SELECT ?o WHERE { <https://e.org/s0-1> ?p ?o }')[0]["o"] == "a .\n b 1"


def test_lines_closed_without_a_space_or_a_final_line_break_still_load(tmp_path: Path) -> None:
    store = OxigraphStore.create(tmp_path / "store")
    plain = _write(tmp_path / "plain.nt", '<https://e.org/a> <https://e.org/p> "1" .\n')
    odd = _write(tmp_path / "odd.nt", '<https://e.org/b> <https://e.org/p> <https://e.org/c>.\n'
                                      '<https://e.org/d> <https://e.org/p> "2" .')
    store.load_ntriples_files([(plain, "https://e.org/g1"), (odd, "https://e.org/g2")])
    assert _graphs(store) == {"https://e.org/g1": {"https://e.org/a"},
                              "https://e.org/g2": {"https://e.org/b", "https://e.org/d"}}
