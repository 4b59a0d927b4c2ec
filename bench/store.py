"""Which embedded store: rdflib's Memory store against the Oxigraph-backed rdflib store (oxrdflib).

Loads the same graph (the bundled corpus, built into a temporary data folder unless --data-dir names
one) into both, runs the CLI's own catalog and project queries through rdflib's `Graph.query`, and
prints load time, median query time and the ratio. Figures, not assertions: the machine is noisy.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Literal

from budgetkg import settings
from budgetkg.pipeline import Builder
from budgetkg.store.repository import load_query
from budgetkg.store.store import OxigraphStore
from budgetkg.workspace import Workspace

QUERIES = {
    "one department's entries": (Path(__file__).parent / "queries" / "catalog_department.rq",
                                 {"revision": Literal("2023"), "dept_name": Literal("行政审批")}),
    "catalog entries of 2023 (CLI)": ("catalog_entries", {"revision": Literal("2023")}),
    "departments of 2025 (CLI)": ("catalog_departments", {"revision": Literal("2025")}),
    "projects (CLI)": ("projects", {}),
}


def median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        action()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data_dir = args.data_dir
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="budgetkg-bench-"))
        Builder(data_dir, settings.base_iri()).run(settings.bundled_corpus())
    workspace = Workspace.open(data_dir)
    nquads = workspace.store.export("nq")

    t = time.perf_counter()
    memory = Dataset(store="Memory", default_union=True)
    memory.parse(data=nquads, format="nquads")
    memory_load = time.perf_counter() - t

    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        oxi = OxigraphStore.create(Path(folder) / "store")
        path = Path(folder) / "all.nq"
        path.write_bytes(nquads)
        oxi.inner.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        oxi_load = time.perf_counter() - t
        print(f"graph: {len(memory):,} quads")
        print(f"load: rdflib Memory {memory_load:.2f} s, Oxigraph {oxi_load:.2f} s")
        print(f"{'query':<32}{'Memory ms':>12}{'Oxigraph ms':>14}{'direct ms':>12}{'ratio':>10}")
        print("(Memory and Oxigraph through rdflib's Graph.query; direct = the product's SELECT path, same store)")
        for label, (name, bindings) in QUERIES.items():
            text = name.read_text(encoding="utf-8") if isinstance(name, Path) else load_query(name)
            slow_repeat = max(1, args.repeat // 2)
            ox_ms = median_ms(lambda t=text, b=bindings: list(oxi.dataset.query(t, initBindings=b)), args.repeat)
            direct_ms = median_ms(lambda t=text, b=bindings: oxi.select(t, b), args.repeat)
            try:
                mem_ms = median_ms(lambda t=text, b=bindings: list(memory.query(t, initBindings=b)), slow_repeat)
            except Exception as exc:  # rdflib's own engine fails on some of the CLI's queries
                print(f"{label:<32}{'fails':>12}{ox_ms:>14.2f}{direct_ms:>12.2f}   rdflib: {type(exc).__name__}")
                continue
            print(f"{label:<32}{mem_ms:>12.1f}{ox_ms:>14.2f}{direct_ms:>12.2f}{mem_ms / ox_ms:>9.0f}×")
        oxi.close()


if __name__ == "__main__":
    main()
