"""Build time and peak memory: the bundled corpus, and a synthetic corpus of N documents.

Each build runs as its own `budgetkg build` process. A build is several processes (readers, the
indexer), so peaks are printed for the largest single process (ru_maxrss, from the kernel) and for the whole
process tree (the build and all its descendants, sampled from /proc twice a second): their resident memory
summed, which counts a page the processes share once in each, and their proportional set sizes (Pss) summed,
which count it once: the memory the build really holds.
Targets from the issue: bundled < 5 s wall, 1,000 documents < 5 min and < 2 GB. Figures are printed, not
asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from synthetic import generate


def _tree(root: int) -> set[int]:
    """`root` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return tree


def _tree_memory_kb(root: int) -> tuple[int, int]:
    """(resident, proportional) memory in kB of `root` and all its descendants.

    Resident memory counts a page shared by several processes (the imports the workers and the indexer
    inherit from the fork server or the build they were forked from) once in each of them; the proportional
    set size (Pss) divides it among them, so the processes' Pss adds up to the memory the build really holds.
    """
    rss = pss = 0
    for pid in _tree(root):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss, pss


def timed_build(args: list[str]) -> tuple[float, float, tuple[float, float], dict]:
    """(wall seconds, peak MB of one process, peak (resident, proportional) MB of the process tree, report)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    with subprocess.Popen([sys.executable, "-m", "budgetkg.cli", "build", *args, "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        peaks = [0, 0]
        sampler = threading.Thread(target=lambda: _sample(child, peaks), daemon=True)
        sampler.start()
        out, err = child.communicate()
        sampler.join()
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"build failed ({child.returncode}): {err[-2000:]}")
    peak_kb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return wall, peak_kb / 1024, (peaks[0] / 1024, peaks[1] / 1024), json.loads(out)


def _sample(child: subprocess.Popen, peaks: list[int]) -> None:
    while child.poll() is None:
        rss, pss = _tree_memory_kb(child.pid)
        peaks[0], peaks[1] = max(peaks[0], rss), max(peaks[1], pss)
        time.sleep(0.5)


def reference_ms() -> float:
    """A fixed pure-Python loop (median of 5, ms): this machine's speed varies, so figures come with it."""
    def once() -> float:
        started = time.perf_counter()
        sum(i * i for i in range(3_000_000))
        return (time.perf_counter() - started) * 1000
    return statistics.median(once() for _ in range(5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=1000, help="size of the synthetic corpus (0 to skip)")
    parser.add_argument("--repeat", type=int, default=3, help="builds of the bundled corpus")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="budgetkg-bench-") as tmp:
        root = Path(tmp)
        print(f"reference loop: {reference_ms():.0f} ms (the same loop took 150–511 ms on this machine in 2026-11)")
        walls, outside = [], []
        for i in range(args.repeat):
            wall, peak, tree, report = timed_build(["--data-dir", str(root / f"bundled{i}")])
            walls.append(wall)
            outside.append(wall - report["seconds"])
        steps = ", ".join(f"{k} {v:.2f}s" for k, v in report["steps"].items())
        print(f"bundled corpus (5 documents): median {statistics.median(walls):.2f} s wall over {args.repeat} builds "
              f"(target 5 s, ratio {statistics.median(walls) / 5:.2f}), peak {peak:.0f} MB (one process), "
              f"process tree {tree[0]:.0f} MB resident, {tree[1]:.0f} MB proportional (Pss), "
              f"{report['triples']:,} triples; the process's start and end {statistics.median(outside):.2f}s; "
              f"steps: {steps}")
        if args.docs:
            corpus = root / "synthetic"
            generate(args.docs, corpus)
            wall, peak, tree, report = timed_build(["--no-bundled", str(corpus), "--data-dir",
                                                    str(root / "synthetic-data")])
            steps = ", ".join(f"{k} {v:.1f}s" for k, v in report["steps"].items())
            print(f"synthetic corpus ({args.docs} documents): {wall:.1f} s wall "
                  f"(target 300 s, ratio {wall / 300:.2f}), "
                  f"peak {peak:.0f} MB in one process (target 2048 MB, ratio {peak / 2048:.2f}), "
                  f"process tree {tree[0]:.0f} MB resident (ratio {tree[0] / 2048:.2f}), {tree[1]:.0f} MB "
                  f"proportional (Pss, ratio {tree[1] / 2048:.2f}), {report['triples']:,} triples, "
                  f"{report['index_documents']:,} search documents; steps: {steps}")
        print(f"reference loop after the builds: {reference_ms():.0f} ms")


if __name__ == "__main__":
    main()
