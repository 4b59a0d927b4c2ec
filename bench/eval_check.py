"""Evaluate the officer's check on the dev sets: verdict accuracy, top-1/top-3 entry accuracy, confusion matrix.

Runs the same `CheckService.check` the CLI runs: projects of linking_dev.jsonl by name (and amount, where a
document prints two rows of one name) with their unit, so the unit → department mapping and the revision in
force for the fiscal year are exercised too; free-text questions of officer_queries_dev.jsonl with the asking
department and the revision they name.

    python bench/eval_check.py [--data-dir DIR] [--eval-dir ../shared/eval] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from budgetkg.check.service import CheckService
from budgetkg.check.text import norm
from budgetkg.cli import open_workspace

VERDICTS = ["purchasable-own-catalog", "purchasable-b-class", "only-other-department", "not-in-catalog",
            "not-a-service", "prohibited"]
DECIDING = {"purchasable-own-catalog": ("own_dept_matches", "own_department"),
            "purchasable-b-class": ("b_class_matches", "b_class"),
            "only-other-department": ("other_dept_matches", "other_departments")}
SHORT = {"purchasable-own-catalog": "own", "purchasable-b-class": "B", "only-other-department": "other",
         "not-in-catalog": "none", "not-a-service": "n-a-s", "prohibited": "prohib"}


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_project(service: CheckService, row: dict[str, Any]) -> dict[str, Any]:
    same = [p for p in service.projects() if norm(p.name) == norm(row["project"]) and p.unit == row["unit"]]
    exact = [p for p in same if p.total_wan == row.get("amount_wan")] or same
    if not exact:
        raise SystemExit(f"project {row['project']!r} of {row['unit']!r} not in the graph")
    return service.check(project=exact[0], unit=row["unit"])


def run_query(service: CheckService, row: dict[str, Any]) -> dict[str, Any]:
    return service.check(text=row["query"], department=row["department"], revision=row["revision"])


def score(rows: list[dict[str, Any]], results: list[dict[str, Any]], title: str, verbose: bool) -> dict[str, Any]:
    n = len(rows)
    correct = top1 = top3 = entry_rows = 0
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    high = [0, 0]
    kinds = 0
    for row, res in zip(rows, results, strict=True):
        ok = res["verdict"] == row["answer"]
        correct += ok
        kinds += res["kind_detail"]["principal"] == row["kind"] or res["kind"] == row["kind"]
        confusion[row["answer"]][res["verdict"]] += 1
        if row.get("confidence") == "high":
            high[0] += ok
            high[1] += 1
        hit1 = hit3 = None
        if row["answer"] in DECIDING:
            gold_key, mine_key = DECIDING[row["answer"]]
            gold = {(m["department"], m["code"]) for m in row[gold_key]}
            mine = [(m["department"], m["code"]) for m in res[mine_key]]
            if not mine:  # the product's list of that kind, even if another list decided its verdict
                mine = [(m["department"], m["code"]) for m in res["near_misses"]]
            hit1 = bool(gold & set(mine[:1]))
            hit3 = bool(gold & set(mine[:3]))
            entry_rows += 1
            top1 += hit1
            top3 += hit3
        if verbose or not ok or hit3 is False:
            got = [f"{m['department'] or 'B'}:{m['code']}:{m['name']}:{m['score']}"
                   for k in ("own_department", "b_class", "other_departments") for m in res[k]][:4]
            near = [f"{m['department'] or 'B'}:{m['code']}:{m['name']}:{m['score']}" for m in res["near_misses"]][:2]
            print(f"  {'OK ' if ok else 'BAD'} {row['id']:<7} {(row.get('project') or row.get('query'))[:24]:<26}"
                  f" gold={SHORT[row['answer']]:<6} got={SHORT[res['verdict']]:<6} kind={res['kind']}"
                  f" top3={hit3} {got} near={near}")
    print(f"\n{title}: n={n}")
    print(f"  verdict accuracy  {correct / n:.3f} ({correct}/{n});  high-confidence {high[0]}/{high[1]}")
    print(f"  kind accuracy     {kinds / n:.3f}")
    if entry_rows:
        print(f"  top-1 entry acc.  {top1 / entry_rows:.3f} ({top1}/{entry_rows})")
        print(f"  top-3 entry acc.  {top3 / entry_rows:.3f} ({top3}/{entry_rows})")
    print("  confusion (rows = gold, columns = product):")
    print("    " + " " * 8 + "".join(f"{SHORT[v]:>8}" for v in VERDICTS))
    for gold in VERDICTS:
        if confusion[gold]:
            print(f"    {SHORT[gold]:<8}" + "".join(f"{confusion[gold][v]:>8}" for v in VERDICTS))
    return {"n": n, "verdict": correct, "top1": top1, "top3": top3, "entry_rows": entry_rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--eval-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    service = CheckService(open_workspace(args.data_dir))
    totals = Counter()
    for name, runner, title in (("linking_dev.jsonl", run_project, "linking_dev (projects)"),
                                ("officer_queries_dev.jsonl", run_query, "officer_queries_dev (free text)")):
        rows = load(args.eval_dir / name)
        results = [runner(service, row) for row in rows]
        totals.update(score(rows, results, title, args.verbose))
    rows = max(totals["entry_rows"], 1)
    print(f"\nboth: verdict {totals['verdict'] / totals['n']:.3f}, top-1 {totals['top1'] / rows:.3f},"
          f" top-3 {totals['top3'] / rows:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
