"""Search engine benchmark: index time, query latency p50/p95 of both engines behind the same interface
(tantivy, the default, and whoosh), jieba vs rjieba.

    python bench/search.py                        # 1,000 synthetic documents' worth (~60k SearchDocs)
    python bench/search.py --documents 200 --rounds 5
    python bench/search.py --docs-from docs.jsonl # real SearchDocs exported from the graph, one JSON per line
    python bench/search.py --segmenters           # also: segmentation speed/agreement and a jieba-built index

Figures are printed, never asserted (timings depend on the machine). Each query is run `--rounds` times after a
warm-up; per round we take p50 and p95 over all queries, and report the median of those over the rounds.
Both engines answer through budgetkg's own query evaluation (synonyms, sub-words, facets, highlights), so their
ratio is what a user of the search box sees. The raw tantivy reference indexes the same pre-segmented documents
and runs only tantivy's top-10 boolean query (no facets, no highlights): the floor the engine itself sets.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from importlib import resources
from pathlib import Path

from budgetkg.search import SearchDoc, SearchRequest, build_index, open_index
from budgetkg.search.matching import BIGRAM_FIELDS, WORD_FIELDS
from budgetkg.search.query import parse_query
from budgetkg.search.segmenter import make_segmenter
from budgetkg.search.tokenizer import word_tokens

COUNTIES = [
    "永和县", "孝义市", "泽州县", "汾阳市", "平遥县", "介休市", "灵石县", "襄汾县", "洪洞县", "霍州市", "古县",
    "安泽县", "浮山县", "吉县", "乡宁县", "大宁县", "隰县", "蒲县", "汾西县", "侯马市", "曲沃县", "翼城县",
    "阳城县", "陵川县", "沁水县", "高平市", "文水县", "交城县", "兴县", "临县", "柳林县", "石楼县", "岚县",
    "方山县", "中阳县", "交口县", "离石区", "清徐县", "阳曲县", "娄烦县",
]
CITIES = ["临汾市", "吕梁市", "晋城市", "太原市", "晋中市", "长治市", "运城市", "忻州市"]
DEPARTMENTS = [
    "行政审批服务管理局", "财政局", "民政局", "人力资源和社会保障局", "卫生健康局", "住房和城乡建设局",
    "市场监督管理局", "应急管理局", "司法局", "农业农村局", "残疾人联合会", "政协办公室",
]
CATALOG_DEPTS = ["行政审批", "财政", "民政", "人社", "卫健", "住建", "市场监管", "应急", "司法", "农业农村", "网信"]
REVISIONS = ["2023", "2024", "2025", "B2023"]
FALLBACK_ENTRIES = [
    ("A160502", "企业开办印章免费刻制服务"), ("B1102", "物业管理服务"), ("A150102", "政策宣传服务"),
    ("A010101", "网络安全检查服务"), ("B0101", "法律顾问服务"), ("A150401", "政务云资源服务"),
]
FALLBACK_PROJECTS = ["刻制公章经费", "12345政务服务热线服务经费", "网络安全等级保护测评服务", "物业管理费"]
FALLBACK_SENTENCES = ["免费刻制印章主要为新设立个体工商户、企业提供免费刻制印章服务。"]
FALLBACK_SUBJECTS = [("2010306", "政务公开审批"), ("2080505", "机关事业单位基本养老保险缴费支出")]

QUERIES: list[SearchRequest] = [
    SearchRequest(query=q)
    for q in [
        "政务云", "法律顾问", "刻章", "等保测评", "12345热线", "物业管理", "养老保险", "政协会议", "残保金",
        "A150102", "2080505", "A160502", "2010306", "劳务派遣", "审计", "残疾人康复", '"物业管理"',
        '"免费刻制印章"', "网络安全 测评", "服务", "印章 刻制 不存在词", "b01",
    ]
] + [
    SearchRequest(query="服务", type="catalog_entry", revision="2024"),
    SearchRequest(query="经费", type="project", sort="amount"),
    SearchRequest(query="刻章", page=2, per_page=5),
    SearchRequest(query="养老保险", year=2024),
]


# --------------------------------------------------------------------------- corpus material


def _corpus_material() -> tuple[list[tuple[str, str]], list[str], list[str], list[tuple[str, str]]]:
    """(catalog entries, project names, sentences, 科目) taken from the five sample documents, if installed."""
    entries: dict[str, str] = {}
    projects: set[str] = set()
    sentences: set[str] = set()
    subjects: dict[str, str] = {}
    try:
        files = [f for f in resources.files("budgetkg.corpus").iterdir() if f.name.endswith(".txt")]
    except (ModuleNotFoundError, FileNotFoundError):
        files = []
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            cells = [c.strip() for c in line.split("\t") if c.strip()]
            if not cells:
                continue
            if re.fullmatch(r"[AB]\d{2,6}", cells[0]) and len(cells) == 2 and len(cells[1]) >= 4:
                entries.setdefault(cells[0] + cells[1], cells[1])
            elif re.fullmatch(r"\d{3}(\d{2}){0,2}", cells[0]) and len(cells) >= 2 and not cells[1][0].isdigit():
                subjects.setdefault(cells[0], cells[1])
            elif cells[0] == "项目名称" and len(cells) == 2:
                projects.add(cells[1])
            elif cells[0] in ("项目概况", "立项依据") and len(cells) >= 2:
                sentences.update(s for s in re.split(r"(?<=[。；;])", cells[1]) if len(s) > 12)
            elif len(cells) == 1 and len(cells[0]) > 30 and not cells[0].startswith("表"):
                sentences.update(s for s in re.split(r"(?<=[。；;])", cells[0]) if len(s) > 12)
    catalog = [(key[: len(key) - len(name)], name) for key, name in entries.items()]
    return (
        sorted(catalog) or FALLBACK_ENTRIES,
        sorted(projects) or FALLBACK_PROJECTS,
        sorted(sentences) or FALLBACK_SENTENCES,
        sorted(subjects.items()) or FALLBACK_SUBJECTS,
    )


def synthetic_docs(n_documents: int, seed: int = 7) -> list[SearchDoc]:
    """SearchDocs for `n_documents` budget documents: per document one unit, ~20 projects, 10 科目 rows,
    5 paragraphs and a 30-entry catalog department block, with varied names, amounts, years and regions."""
    rng = random.Random(seed)
    catalog, projects, sentences, subjects = _corpus_material()
    docs: list[SearchDoc] = []
    for i in range(n_documents):
        county = COUNTIES[i % len(COUNTIES)]
        city = CITIES[i % len(CITIES)]
        dept = DEPARTMENTS[(i // len(COUNTIES)) % len(DEPARTMENTS)]
        unit = f"{county}{dept}" + (f"（第{i // 480 + 1}批）" if i >= 480 else "")
        year = 2023 + i % 4
        file = f"{i:04d}_synthetic.txt"
        docs.append(
            SearchDoc(
                id=f"urn:bench:unit:{i}", type="unit", title=unit, body="".join(rng.sample(sentences, 3)),
                unit=unit, year=year, region=county, file=file, line=5, extra={"name": unit},
            )
        )
        for j in range(rng.randint(8, 32)):
            name = rng.choice(projects)
            if rng.random() < 0.4:
                name = f"{year}年{name}"
            if rng.random() < 0.2:
                name = f"{county}{name}"
            amount = Decimal(rng.randint(100, 5_000_000)) / 100
            docs.append(
                SearchDoc(
                    id=f"urn:bench:project:{i}:{j}", type="project", title=name,
                    body="".join(rng.sample(sentences, 2)) + f" 数量指标 ≥{rng.randint(1, 500)}户 {amount}万元",
                    unit=unit, year=year, region=county, amount=amount, file=file, line=300 + j,
                    extra={"name": name},
                )
            )
        for j, (code, sname) in enumerate(rng.sample(subjects, min(10, len(subjects)))):
            docs.append(
                SearchDoc(
                    id=f"urn:bench:subject:{i}:{code}", type="subject", title=sname, codes=[code], unit=unit,
                    year=year, region=county, amount=Decimal(rng.randint(0, 900_000)) / 100, file=file,
                    line=100 + j, extra={"code": code, "name": sname},
                )
            )
        for j in range(5):
            text = "".join(rng.sample(sentences, 2))
            docs.append(
                SearchDoc(
                    id=f"urn:bench:paragraph:{i}:{j}", type="paragraph", title=text[:20], body=text, unit=unit,
                    year=year, region=county, file=file, line=400 + j,
                )
            )
        revision = REVISIONS[i % len(REVISIONS)]
        department = None if revision == "B2023" else f"{CATALOG_DEPTS[i % len(CATALOG_DEPTS)]}{i // 44 or ''}"
        for j, (code, ename) in enumerate(rng.sample(catalog, min(30, len(catalog)))):
            ancestors = [code[:k] for k in (5, 3, 1) if len(code) > k]
            docs.append(
                SearchDoc(
                    id=f"urn:bench:entry:{i}:{j}:{code}", type="catalog_entry", title=ename,
                    path_names=f"公共服务 {ename}", codes=[code, *ancestors], department=department,
                    revision=revision, doc_no=f"晋财综〔{revision[-4:]}〕43号", region=city, file=file,
                    line=900 + j, extra={"code": code, "name": ename},
                )
            )
    return docs


def load_docs(path: Path) -> list[SearchDoc]:
    with open(path, encoding="utf-8") as fh:
        return [SearchDoc.from_json(json.loads(line)) for line in fh if line.strip()]


def dictionary_names(docs: Iterable[SearchDoc]) -> list[str]:
    return [d.title for d in docs if d.type in ("unit", "project", "catalog_entry", "subject")]


# --------------------------------------------------------------------------- measuring


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def latency(run: Callable[[SearchRequest], object], queries: list[SearchRequest], rounds: int) -> dict[str, float]:
    """Median over rounds of the per-round p50 / p95 / max, wall clock and this process's CPU time (the CPU
    figure is steadier on a shared machine)."""
    for q in queries:  # warm-up: caches, lazy loads
        run(q)
    per_round: dict[str, list[float]] = {k: [] for k in ("p50_ms", "p95_ms", "max_ms", "cpu_p50_ms", "cpu_p95_ms")}
    for _ in range(rounds):
        wall, cpu = [], []
        for q in queries:
            t, c = time.perf_counter(), time.process_time()
            run(q)
            wall.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        per_round["p50_ms"].append(percentile(wall, 50))
        per_round["p95_ms"].append(percentile(wall, 95))
        per_round["max_ms"].append(max(wall))
        per_round["cpu_p50_ms"].append(percentile(cpu, 50))
        per_round["cpu_p95_ms"].append(percentile(cpu, 95))
    return {k: statistics.median(v) for k, v in per_round.items()}


def bench_segmenters(docs: list[SearchDoc], names: list[str]) -> None:
    texts = [t for d in docs for t in (d.title, d.body) if t]
    chars = sum(len(t) for t in texts)
    results = {}
    for backend in ("jieba", "rjieba"):
        t0 = time.perf_counter()
        seg = make_segmenter(backend)
        init = time.perf_counter() - t0
        from budgetkg.search.dictionary import Synonyms, build_dictionary

        words = build_dictionary(names, seg, synonyms=Synonyms.load())
        seg.add_words(words)
        timings = []
        for _ in range(3):
            t0 = time.perf_counter()
            cut = [seg.tokenize(t) for t in texts]
            timings.append(time.perf_counter() - t0)
        results[backend] = (cut, statistics.median(timings), init, len(words))
        print(f"  {backend:7s} init {init:5.2f} s  segment {chars / statistics.median(timings) / 1e6:5.2f} M chars/s "
              f"({statistics.median(timings):.2f} s for {chars:,} chars, {len(words)} domain words)")
    same = sum(a == b for a, b in zip(results["jieba"][0], results["rjieba"][0], strict=True))
    print(f"  identical segmentation: {same}/{len(texts)} texts ({100 * same / len(texts):.2f}%); "
          f"rjieba speed-up ×{results['jieba'][1] / results['rjieba'][1]:.1f}")


def tantivy_reference(docs: list[SearchDoc], queries: list[SearchRequest], rounds: int) -> dict[str, float] | None:
    try:
        import tantivy
    except ImportError:
        print("  tantivy not installed: reference skipped")
        return None
    seg = make_segmenter("rjieba", [])
    from budgetkg.search.dictionary import Synonyms, build_dictionary

    seg.add_words(build_dictionary(dictionary_names(docs), seg, synonyms=Synonyms.load()))

    def words(text: str) -> str:
        return " ".join(t.text for t in word_tokens(seg, text))

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("type", tokenizer_name="raw", fast=True)
    for f, _ in WORD_FIELDS:
        sb.add_text_field(f, tokenizer_name="whitespace", index_option="freq")
    for f, _ in BIGRAM_FIELDS:
        sb.add_text_field(f, tokenizer_name="whitespace")
    sb.add_text_field("code", tokenizer_name="raw")
    schema = sb.build()
    t0 = time.perf_counter()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    from budgetkg.search.tokenizer import bigram_tokens

    for d in docs:
        fields = {"id": d.id, "type": d.type, "title": words(d.title), "path_names": words(d.path_names),
                  "body": words(d.body), "title_bg": " ".join(t for t, _, _ in bigram_tokens(d.title)),
                  "path_bg": " ".join(t for t, _, _ in bigram_tokens(d.path_names)),
                  "body_bg": " ".join(t for t, _, _ in bigram_tokens(d.body))}
        if d.own_code:
            fields["code"] = d.own_code.upper()
        writer.add_document(tantivy.Document(**fields))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    print(f"  tantivy index time {time.perf_counter() - t0:.1f} s (segmentation included)")
    searcher = index.searcher()
    Q, Occur = tantivy.Query, tantivy.Occur

    def run(req: SearchRequest) -> object:
        parsed = parse_query(req.query, seg)
        if parsed.code:
            q = Q.term_query(schema, "code", parsed.code)
            res = searcher.search(q, 10)
            if res.count:
                return res
        units = []
        for p in parsed.phrases:
            grams = [t for t, _, _ in bigram_tokens(p)]
            units.append(Q.boolean_query([(Occur.Should, Q.boost_query(Q.phrase_query(schema, f, grams), b)
                                            if len(grams) > 1 else Q.boost_query(Q.term_query(schema, f, grams[0]), b))
                                          for f, b in BIGRAM_FIELDS]))
        for w in parsed.words:
            units.append(Q.boolean_query([(Occur.Should, Q.boost_query(Q.term_query(schema, f, w), b))
                                          for f, b in WORD_FIELDS]))
        clauses = [(Occur.Must, u) for u in units]
        if req.type:
            clauses.append((Occur.Must, Q.term_query(schema, "type", req.type)))
        res = searcher.search(Q.boolean_query(clauses), req.per_page, offset=(req.page - 1) * req.per_page)
        if not res.count and len(units) > 1:
            res = searcher.search(Q.boolean_query([(Occur.Should, u) for u in units]), req.per_page)
        return res

    return latency(run, queries, rounds)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--documents", type=int, default=1000, help="synthetic budget documents' worth (default 1000)")
    ap.add_argument("--docs-from", type=Path, help="JSONL file of SearchDocs instead of synthetic ones")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--segmenters", action="store_true", help="compare jieba and rjieba (speed, agreement, index)")
    ap.add_argument("--no-tantivy", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    docs = load_docs(args.docs_from) if args.docs_from else synthetic_docs(args.documents)
    names = dictionary_names(docs)
    source = args.docs_from or f"synthetic, {args.documents} documents' worth"
    print(f"corpus: {len(docs):,} SearchDocs ({source}), {sum(len(d.title) + len(d.body) for d in docs):,} chars "
          f"[{time.perf_counter() - t0:.1f} s to make]")

    if args.segmenters:
        print("segmentation, jieba vs rjieba (same domain dictionary):")
        bench_segmenters(docs, names)

    runs = [("tantivy", "rjieba"), ("whoosh", "rjieba")] + ([("tantivy", "jieba")] if args.segmenters else [])
    figures_of: dict[tuple[str, str], dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        for engine, backend in runs:
            figures_of[engine, backend] = bench_engine(docs, names, Path(tmp) / f"{engine}-{backend}", engine, backend,
                                                       args.rounds)
    t, w = figures_of["tantivy", "rjieba"], figures_of["whoosh", "rjieba"]
    print(f"whoosh/tantivy: index time ×{w['index_s'] / t['index_s']:.1f}, p50 ×{w['p50_ms'] / t['p50_ms']:.2f}, "
          f"p95 ×{w['p95_ms'] / t['p95_ms']:.2f}")
    if args.segmenters:
        j = figures_of["tantivy", "jieba"]
        print(f"jieba/rjieba (tantivy): index time ×{j['index_s'] / t['index_s']:.2f}, "
              f"p95 ×{j['p95_ms'] / t['p95_ms']:.2f}")

    if not args.no_tantivy:
        print("raw tantivy reference (same segmentation and query structure; top 10 + count, no facets/highlights):")
        ref = tantivy_reference(docs, QUERIES, args.rounds)
        if ref:
            print(f"  query latency: p50 {ref['p50_ms']:.2f} ms, p95 {ref['p95_ms']:.2f} ms")
            print(f"  budgetkg on tantivy / raw tantivy: p50 ×{t['p50_ms'] / max(ref['p50_ms'], 1e-6):.0f}, "
                  f"p95 ×{t['p95_ms'] / max(ref['p95_ms'], 1e-6):.0f}")
    target = t["p95_ms"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"target p95 < 50 ms (set for 1,000 documents' worth; this run {len(docs):,} SearchDocs): "
          f"{'met' if target < 50 else 'NOT met'} ({target:.1f} ms; load average {load:.1f} on {os.cpu_count()} CPUs)")
    return 0


def bench_engine(docs: list[SearchDoc], names: list[str], directory: Path, engine: str, backend: str,
                 rounds: int) -> dict[str, float]:
    """Build, open and query one engine; prints its figures and returns them."""
    t0 = time.perf_counter()
    manifest = build_index(docs, directory, dictionary_words=names, segmenter=backend, engine=engine)
    build_s = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 1e6
    t0 = time.perf_counter()
    ix = open_index(directory)
    open_s = time.perf_counter() - t0
    print(f"{engine} + {backend}: index {build_s:.1f} s ({len(docs) / build_s:,.0f} docs/s; dictionary "
          f"{manifest['seconds']['dictionary']:.1f} s, {manifest['dictionary_words']} words), "
          f"{size:.0f} MB, open {open_s:.2f} s")
    cold = [_time_one(ix.search, q) for q in QUERIES]  # first run after opening: postings read from disk
    print(f"  cold (first run of each query after open): p50 {percentile(cold, 50):.1f} ms, "
          f"p95 {percentile(cold, 95):.1f} ms, max {max(cold):.1f} ms")
    figures = latency(ix.search, QUERIES, rounds)
    figures["index_s"] = build_s
    print(f"  warm, {len(QUERIES)} queries × {rounds} rounds (facets and highlights included): "
          f"p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, max {figures['max_ms']:.1f} ms; "
          f"CPU p50 {figures['cpu_p50_ms']:.1f} ms, p95 {figures['cpu_p95_ms']:.1f} ms")
    slowest = sorted(((_time_one(ix.search, q), q.query) for q in QUERIES), reverse=True)[:4]
    print("  slowest: " + ", ".join(f"{q!r} {ms:.0f} ms" for ms, q in slowest))
    ix.close()
    return figures


def _time_one(run: Callable[[SearchRequest], object], q: SearchRequest) -> float:
    t = time.perf_counter()
    run(q)
    return (time.perf_counter() - t) * 1000


if __name__ == "__main__":
    sys.exit(main())
