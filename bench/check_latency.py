"""Latency of the officer's check in a warm process: p50/p95 over free-text and project checks.

The issue's target is p95 < 100 ms at the 1,000-document synthetic corpus. Build it first (someone else's
script): `python bench/synthetic.py --docs 1000 --out DIR` then `budgetkg build --no-bundled DIR
--data-dir D`, and run `python bench/check_latency.py --data-dir D`. Without --data-dir the default data
folder is used (the bundled build: say so when quoting figures).

The first check of a process loads the catalog model (reported as "warm-up"); the figures are for the
checks after it, which is what the web app and a long CLI session see.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from budgetkg.check.service import CheckService
from budgetkg.cli import open_workspace

QUERIES = [
    "请律师担任法律顾问", "办公楼物业管理", "政务云租用", "12345热线外包", "残疾人康复训练",
    "机关食堂餐饮服务外包", "劳务派遣人员工资", "采购办公电脑和打印机", "给企业发放技术改造补助资金",
    "网络安全等级保护测评", "会议服务", "档案数字化整理", "公务用车租赁", "课题研究", "第三方绩效评价",
]
DEPARTMENTS = ["行政审批", "工业和信息化", "人力资源和社会保障", "民政", "教育"]
DATES = ["2024-03-01", "2025-03-01", "2026-01-01"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--n", type=int, default=300, help="checks per kind")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    t = time.perf_counter()
    service = CheckService(open_workspace(args.data_dir))
    projects = service.projects()
    service.check(text=QUERIES[0], department=DEPARTMENTS[0])
    warm = time.perf_counter() - t
    print(f"warm-up (catalog model, projects, first check): {warm * 1000:.0f} ms; {len(projects)} projects, "
          f"{sum(len(v) for v in service.model.entries.values())} catalog entries")
    for label, run in (
        ("text", lambda: service.check(text=rng.choice(QUERIES), department=rng.choice(DEPARTMENTS),
                                       date=rng.choice(DATES))),
        ("project", lambda: service.check(project=rng.choice(projects).name)),
    ):
        if label == "project" and not projects:
            continue
        times = []
        for _ in range(args.n):
            t = time.perf_counter()
            run()
            times.append((time.perf_counter() - t) * 1000)
        print(f"{label:<8} n={len(times)}  p50 {statistics.median(times):.1f} ms  p95 {percentile(times, 0.95):.1f} ms"
              f"  max {max(times):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
