"""Build time and peak memory: the bundled corpus, and a synthetic corpus of N documents.

Each build runs as its own `budgetkg build` process so its peak resident memory can be read from the
kernel (ru_maxrss of the child). Targets from the issue: bundled < 5 s wall, 1,000 documents < 5 min
and < 2 GB. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic import generate


def timed_build(args: list[str]) -> tuple[float, float, dict]:
    """(wall seconds, peak MB, report) of one build in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "budgetkg.cli", "build", *args, "--json"],
                            capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    peak_kb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return wall, peak_kb / 1024, json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=1000, help="size of the synthetic corpus (0 to skip)")
    parser.add_argument("--repeat", type=int, default=3, help="builds of the bundled corpus")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="budgetkg-bench-") as tmp:
        root = Path(tmp)
        walls = []
        for i in range(args.repeat):
            wall, peak, report = timed_build(["--data-dir", str(root / f"bundled{i}")])
            walls.append(wall)
        steps = ", ".join(f"{k} {v:.2f}s" for k, v in report["steps"].items())
        print(f"bundled corpus (5 documents): median {statistics.median(walls):.2f} s wall over {args.repeat} builds "
              f"(target 5 s, ratio {statistics.median(walls) / 5:.2f}), peak {peak:.0f} MB, "
              f"{report['triples']:,} triples; steps: {steps}")
        if args.docs:
            corpus = root / "synthetic"
            generate(args.docs, corpus)
            wall, peak, report = timed_build(["--no-bundled", str(corpus), "--data-dir", str(root / "synthetic-data")])
            steps = ", ".join(f"{k} {v:.1f}s" for k, v in report["steps"].items())
            print(f"synthetic corpus ({args.docs} documents): {wall:.1f} s wall "
                  f"(target 300 s, ratio {wall / 300:.2f}), "
                  f"peak {peak:.0f} MB (target 2048 MB, ratio {peak / 2048:.2f}), {report['triples']:,} triples, "
                  f"{report['index_documents']:,} search documents; steps: {steps}")


if __name__ == "__main__":
    main()
