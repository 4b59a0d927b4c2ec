"""Search quality on the labelled queries: recall@10 and nDCG@10, against plain substring matching.

Runs each query of shared/eval/queries_dev.jsonl (and any --queries file of the same format) through the
same code as `budgetkg search` (Workspace.search), maps hits to the eval's stable keys and scores them.
The baseline ranks the same search documents by whether the raw query is a substring of their title,
code path or body: what a user gets without segmentation, synonyms or codes.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from pathlib import Path
from typing import Any

from budgetkg import settings
from budgetkg.pipeline import Builder
from budgetkg.search.documents import SearchDoc
from budgetkg.search.from_graph import documents_from_graph
from budgetkg.search.request import SearchRequest
from budgetkg.workspace import Workspace

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "queries_dev.jsonl"
K = 10


def key_of(result: dict[str, Any]) -> tuple | None:
    """The eval's stable key of a result (hit JSON or search document fields)."""
    kind = result["type"]
    if kind == "project":
        return ("project", result["file"], result["name"])
    if kind == "catalog_entry":
        return ("catalog_entry", result["revision"], result["department"] or None, result["code"])
    if kind == "unit":
        return ("unit", result["name"])
    if kind == "subject":
        return ("subject", result["code"])
    return None


def relevant_key(item: dict[str, Any]) -> tuple:
    return key_of({**item, "department": item.get("department")})


def unique_keys(results: list[dict[str, Any]]) -> list[tuple]:
    seen: list[tuple] = []
    for result in results:
        key = key_of(result)
        if key is not None and key not in seen:
            seen.append(key)
    return seen


def scores(ranked: list[tuple], relevant: dict[tuple, int]) -> tuple[float, float]:
    top = ranked[:K]
    recall = len([k for k in top if k in relevant]) / min(K, len(relevant))
    dcg = sum(relevant.get(k, 0) / math.log2(i + 2) for i, k in enumerate(top))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(relevant.values(), reverse=True)[:K]))
    return recall, dcg / ideal if ideal else 0.0


def product_ranking(ws: Workspace, query: str) -> list[tuple]:
    result = ws.search(SearchRequest(query=query, per_page=40))
    hits = [{**h, "file": h["source"]["file"]} for h in (hit.to_json() for hit in result.hits)]
    return unique_keys(hits)


def substring_ranking(docs: list[SearchDoc], query: str) -> list[tuple]:
    def score(doc: SearchDoc) -> int:
        return 3 * (query in doc.title) + 2 * (query in doc.path_names or query in doc.codes) + (query in doc.body)

    ranked = sorted((d for d in docs if score(d)), key=score, reverse=True)
    return unique_keys([{"type": d.type, "file": d.file, **d.extra, "name": d.extra.get("name", d.title)}
                        for d in ranked])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="a built data folder (default: build one)")
    parser.add_argument("--queries", type=Path, action="append", default=None)
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()
    data_dir = args.data_dir
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="budgetkg-eval-"))
        Builder(data_dir, settings.base_iri()).run(settings.bundled_corpus())
    ws = Workspace.open(data_dir)
    docs = list(documents_from_graph(ws.repo, ws.generation / "sources"))
    files = args.queries or [EVAL]
    queries = [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    totals = {"product": [0.0, 0.0], "substring": [0.0, 0.0]}
    print(f"{'id':<6}{'query':<12}{'recall@10':>10}{'nDCG@10':>9}{'base R':>8}{'base N':>8}")
    for q in queries:
        relevant = {relevant_key(r): r["grade"] for r in q["relevant"]}
        ours = scores(product_ranking(ws, q["query"]), relevant)
        base = scores(substring_ranking(docs, q["query"]), relevant)
        for name, (r, n) in (("product", ours), ("substring", base)):
            totals[name][0] += r
            totals[name][1] += n
        print(f"{q['id']:<6}{q['query']:<12}{ours[0]:>10.2f}{ours[1]:>9.2f}{base[0]:>8.2f}{base[1]:>8.2f}")
        if args.verbose and ours[0] < 1:
            missing = [k for k in relevant if k not in product_ranking(ws, q["query"])[:K]]
            print("      missing:", missing)
    n = len(queries)
    (pr, pn), (br, bn) = ([v / n for v in totals[k]] for k in ("product", "substring"))
    print(f"mean over {n} queries: recall@10 {pr:.3f} (target 0.9), nDCG@10 {pn:.3f}; "
          f"substring baseline recall@10 {br:.3f}, nDCG@10 {bn:.3f}; ratio {pr / br if br else float('inf'):.2f}×")


if __name__ == "__main__":
    main()
