"""Loading a corpus's documents into the on-disk store: one bulk load per document, or batched.

Builds a synthetic corpus of N documents (bench/synthetic.py), then loads its documents' N-Triples files into
fresh on-disk stores, alternately one call per file and in batches of the build's LOAD_BATCH_BYTES
(OxigraphStore.load_ntriples_files). CPU time counts RocksDB's own threads, which compact what each call
ingests. Prints medians and the ratio; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from synthetic import generate

from budgetkg.pipeline import LOAD_BATCH_BYTES
from budgetkg.store.store import OxigraphStore


def batches(files: list[Path], size: int) -> list[list[Path]]:
    out: list[list[Path]] = [[]]
    total = 0
    for file in files:
        out[-1].append(file)
        total += file.stat().st_size
        if total >= size:
            out.append([])
            total = 0
    return [b for b in out if b]


def timed(load: Callable[[OxigraphStore], None], folder: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one load into a fresh store, flushed."""
    store = OxigraphStore.create(folder)
    wall, cpu = time.perf_counter(), time.process_time()
    load(store)
    store.flush(compact=False)
    result = time.perf_counter() - wall, time.process_time() - cpu
    store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="budgetkg-bench-") as tmp:
        root = Path(tmp)
        generate(args.docs, root / "corpus")
        subprocess.run([sys.executable, "-m", "budgetkg.cli", "build", "--no-bundled", str(root / "corpus"),
                        "--data-dir", str(root / "data")], check=True, stdout=subprocess.DEVNULL)
        nt = (root / "data" / "current" / "nt").resolve()
        files = sorted(p for p in nt.glob("*.nt") if p.stem not in ("catalog", "catalog_copies", "links", "shared"))
        graph = "https://example.org/graph/"
        groups = batches(files, LOAD_BATCH_BYTES)

        def one(store: OxigraphStore) -> None:
            for f in files:
                store.load_ntriples(f, graph + f.stem)

        def batched(store: OxigraphStore) -> None:
            for group in groups:
                store.load_ntriples_files([(f, graph + f.stem) for f in group])

        results: dict[str, list[tuple[float, float]]] = {"one call per document": [], "batched": []}
        for i in range(args.repeat):
            results["one call per document"].append(timed(one, root / f"one{i}"))
            results["batched"].append(timed(batched, root / f"batched{i}"))
        size = sum(f.stat().st_size for f in files) / 1e6
        print(f"{len(files)} documents, {size:.0f} MB of N-Triples; batches of {LOAD_BATCH_BYTES / 1e6:.0f} MB: "
              f"{len(groups)} calls")
        medians = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
                   for k, v in results.items()}
        for name, (wall, cpu) in medians.items():
            print(f"  {name}: median {wall:.1f} s wall, {cpu:.1f} s CPU over {args.repeat} runs")
        (w1, c1), (w2, c2) = medians.values()
        print(f"  batched / one per document: wall {w2 / w1:.2f}, CPU {c2 / c1:.2f}")


if __name__ == "__main__":
    main()
