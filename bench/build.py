"""Build time and peak memory: the bundled corpus, and a synthetic corpus of N documents.

Each build runs as its own `budgetkg build` process. A build is several processes (readers, the
indexer), so two peaks are printed: the largest single process (ru_maxrss, from the kernel) and the whole
process tree (resident memory of the build and all its descendants, sampled from /proc twice a second).
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


def _tree_rss_kb(root: int) -> int:
    """Resident memory (kB) of `root` and all its descendants, read from /proc."""
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
    total = 0
    for pid in tree:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total


def timed_build(args: list[str]) -> tuple[float, float, float, dict]:
    """(wall seconds, peak MB of one process, peak MB of the process tree, report) of one build."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    with subprocess.Popen([sys.executable, "-m", "budgetkg.cli", "build", *args, "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        peaks = [0]
        sampler = threading.Thread(target=lambda: _sample(child, peaks), daemon=True)
        sampler.start()
        out, err = child.communicate()
        sampler.join()
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"build failed ({child.returncode}): {err[-2000:]}")
    peak_kb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return wall, peak_kb / 1024, peaks[0] / 1024, json.loads(out)


def _sample(child: subprocess.Popen, peaks: list[int]) -> None:
    while child.poll() is None:
        peaks[0] = max(peaks[0], _tree_rss_kb(child.pid))
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
        print(f"reference loop: {reference_ms():.0f} ms (the same loop took 192–511 ms on this machine in 2026-11)")
        walls, outside = [], []
        for i in range(args.repeat):
            wall, peak, tree, report = timed_build(["--data-dir", str(root / f"bundled{i}")])
            walls.append(wall)
            outside.append(wall - report["seconds"])
        steps = ", ".join(f"{k} {v:.2f}s" for k, v in report["steps"].items())
        print(f"bundled corpus (5 documents): median {statistics.median(walls):.2f} s wall over {args.repeat} builds "
              f"(target 5 s, ratio {statistics.median(walls) / 5:.2f}), peak {peak:.0f} MB (one process), "
              f"{tree:.0f} MB (process tree), "
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
                  f"{tree:.0f} MB for the process tree (ratio {tree / 2048:.2f}), {report['triples']:,} triples, "
                  f"{report['index_documents']:,} search documents; steps: {steps}")
        print(f"reference loop after the builds: {reference_ms():.0f} ms")


if __name__ == "__main__":
    main()
