"""The whoosh backend: index layout, building into a fresh directory, and answering SearchRequests.

Library choice: whoosh-reloaded 2.7.5 (the Sygil-Dev fork), not Whoosh 2.7.4. The fork is the same code base,
API and file format, with the maintenance the original stopped getting in 2016: Whoosh 2.7.4 emits
invalid-escape SyntaxWarnings on Python 3.12+ from its analysis modules (whoosh/analysis/filters.py …, due to
become errors), the fork fixed them (compiling all of 2.7.5 here warns only in its vendored
whoosh/support/pyparsing.py, which we never import) and ships current releases. Nothing here depends on
fork-only API, so either imports the same. What we use is the stable core: fields with custom analyzers,
the W3 codec's postings (ids, weights, positions), stored fields, Term / Prefix queries for code look-ups and
the BM25F formula; the boolean evaluation and scoring run over cached postings instead of whoosh's matcher
tree (postings.py says why).

Index directory (everything needed to answer queries, so an index is self-contained):
* whoosh's files (_MAIN_*.toc, *.seg …);
* budgetkg-search.json — format version, segmenter backend and the key its analyzers were pickled with;
* dictionary.txt — the domain words added to the segmenter (queries must be cut like the documents were);
* synonyms.tsv — the synonym table the index was built with;
* docmeta.json — per document number: facet values, amount, own code and whoosh's field lengths, so that
  filters, facet counts, amount sorting, code ranking and BM25 are array look-ups instead of stored-field reads.

Fields: title / path_names / body (word stream, stored for highlighting), title_bg / path_bg / body_bg (bigram
stream with positions, for phrases), code (own code, upper case), codes (all codes: own, ancestors', 科目),
payload (stored JSON with what a Hit returns).
"""

from __future__ import annotations

import contextlib
import heapq
import html
import json
import os
import shutil
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.searching import Searcher

from .dictionary import Synonyms, build_dictionary
from .documents import DOC_TYPES, SearchDoc
from .highlight import code_highlight, highlights
from .matching import QueryEvaluator, intersect_sum, union_sum
from .postings import PostingCache
from .query import ParsedQuery, normalize_code, parse_query, require_searchable
from .request import (
    FACETS,
    Hit,
    IndexUnavailable,
    Mode,
    QueryError,
    SearchError,
    SearchRequest,
    SearchResult,
)
from .segmenter import Segmenter, make_segmenter
from .tokenizer import BigramTokenizer, WordTokenizer, register_segmenter

FORMAT = "budgetkg-search/1"
MANIFEST = "budgetkg-search.json"
DICTIONARY = "dictionary.txt"
SYNONYMS = "synonyms.tsv"
DOCMETA = "docmeta.json"
WRITER_MEMORY_MB = 256
LENGTH_FIELDS = ("title", "path_names", "body")

ANY_NOTICE = "没有同时包含全部词语的结果，显示包含任一词语的结果 (no result has all the words; showing those with any)"


def make_schema(segmenter_key: str) -> Schema:
    words = WordTokenizer(segmenter_key)
    bigrams = BigramTokenizer()
    return Schema(
        id=ID(stored=True, unique=True),
        payload=STORED,
        title=TEXT(analyzer=words, phrase=False, stored=True),
        path_names=TEXT(analyzer=words, phrase=False, stored=True),
        body=TEXT(analyzer=words, phrase=False, stored=True),
        title_bg=TEXT(analyzer=bigrams, phrase=True),
        path_bg=TEXT(analyzer=bigrams, phrase=True),
        body_bg=TEXT(analyzer=bigrams, phrase=True),
        code=ID,
        codes=KEYWORD(lowercase=False, commas=False, scorable=False),
    )


# --------------------------------------------------------------------------- building


def _facet_value(doc: SearchDoc, name: str) -> str | None:
    value = getattr(doc, name)
    return None if value is None or value == "" else str(value)


def _payload(doc: SearchDoc) -> str:
    return json.dumps(
        {
            "type": doc.type,
            "id": doc.id,
            "title": doc.title,
            "file": doc.file,
            "line": doc.line,
            "unit": doc.unit,
            "revision": doc.revision,
            "department": doc.department,
            "doc_no": doc.doc_no,
            "year": doc.year,
            "region": doc.region,
            "amount": None if doc.amount is None else str(doc.amount),
            "code": doc.own_code,
            "extra": doc.extra,
        },
        ensure_ascii=False,
    )


class _MetaBuilder:
    """Collects docmeta.json column by column (values interned: a column is a list of small integers)."""

    def __init__(self) -> None:
        self.values: dict[str, list[str]] = {f: [] for f in FACETS}
        self.lookup: dict[str, dict[str, int]] = {f: {} for f in FACETS}
        self.columns: dict[str, list[int]] = {f: [] for f in FACETS}
        self.amounts: list[str | None] = []
        self.codes: list[str | None] = []
        self.lengths: dict[str, list[int]] = {}

    def add(self, doc: SearchDoc) -> None:
        for name in FACETS:
            value = _facet_value(doc, name)
            if value is None:
                self.columns[name].append(-1)
                continue
            table = self.lookup[name]
            if value not in table:
                table[value] = len(self.values[name])
                self.values[name].append(value)
            self.columns[name].append(table[value])
        self.amounts.append(None if doc.amount is None else str(doc.amount))
        code = doc.own_code
        self.codes.append(normalize_code(code) if code else None)

    def to_json(self) -> dict[str, Any]:
        return {
            "facets": {f: {"values": self.values[f], "column": self.columns[f]} for f in FACETS},
            "amounts": self.amounts,
            "codes": self.codes,
            "lengths": self.lengths,
        }


def _check(doc: SearchDoc, seen: set[str]) -> None:
    if not isinstance(doc, SearchDoc):
        raise TypeError(f"build_index takes SearchDoc objects, got {type(doc).__name__}")
    if not doc.id:
        raise ValueError(f"search document without id: {doc.title!r}")
    if doc.id in seen:
        raise ValueError(f"duplicate search document id {doc.id!r}")
    if doc.type not in DOC_TYPES:
        raise ValueError(f"search document {doc.id!r} has unknown type {doc.type!r} (use one of {DOC_TYPES})")
    seen.add(doc.id)


def build_whoosh_index(
    docs: Iterable[SearchDoc],
    directory: Path,
    *,
    dictionary_words: Iterable[str] = (),
    segmenter: str | None = None,
) -> dict[str, Any]:
    """Builds a complete index in a private sibling directory and renames it to `directory` at the end.

    `directory` must not exist (or be empty). Returns the manifest (counts and timings). See index.build_index.
    """
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise FileExistsError(
            f"{directory} already exists and is not empty: build into a fresh directory, then swap it in "
            "(budgetkg.search.index.swap_in)"
        )
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = directory.parent / f".{directory.name}.building-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    try:
        manifest = _build_into(staging, list(docs), list(dictionary_words), segmenter)
        if directory.exists():
            directory.rmdir()  # empty, checked above
        os.rename(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _build_into(staging: Path, docs: list[SearchDoc], names: list[str], backend: str | None) -> dict[str, Any]:
    started = time.perf_counter()
    seen: set[str] = set()
    for doc in docs:
        _check(doc, seen)
    synonyms = Synonyms.load()
    seg = make_segmenter(backend)
    proper = {v for d in docs for v in (d.region, d.department) if v}
    words = build_dictionary(names, seg, proper_names=proper, synonyms=synonyms)
    seg.add_words(words)
    key = f"{seg.name}:{uuid.uuid4().hex}"
    register_segmenter(key, seg)
    dictionary_seconds = time.perf_counter() - started

    ix = whoosh_index.create_in(str(staging), make_schema(key))
    writer = ix.writer(limitmb=WRITER_MEMORY_MB)
    meta = _MetaBuilder()
    try:
        for doc in docs:
            fields: dict[str, Any] = {"id": doc.id, "payload": _payload(doc)}
            for name, bg in (("title", "title_bg"), ("path_names", "path_bg"), ("body", "body_bg")):
                text = getattr(doc, name) or ""
                if text.strip():
                    fields[name] = text
                    fields[bg] = text
            if doc.own_code:
                fields["code"] = normalize_code(doc.own_code)
            codes = {normalize_code(c) for c in doc.codes if c and c.strip()}
            if doc.own_code:
                codes.add(normalize_code(doc.own_code))
            if codes:
                fields["codes"] = " ".join(sorted(codes))
            writer.add_document(**fields)
            meta.add(doc)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    index_seconds = time.perf_counter() - started - dictionary_seconds

    with ix.searcher() as searcher:  # documents are numbered in the order they were added: check the ends
        if searcher.doc_count_all() != len(docs):
            raise SearchError(f"index holds {searcher.doc_count_all()} documents, expected {len(docs)}")
        for docnum in {0, len(docs) // 2, len(docs) - 1} if docs else ():
            if searcher.stored_fields(docnum)["id"] != docs[docnum].id:
                raise SearchError("whoosh did not number documents in insertion order; docmeta would be wrong")
        reader = searcher.reader()  # whoosh's (quantised) field lengths, for BM25 without a call per posting
        meta.lengths = {
            field: [reader.doc_field_length(d, field, 0) for d in range(len(docs))] for field in LENGTH_FIELDS
        }
    ix.close()

    (staging / DICTIONARY).write_text("".join(w + "\n" for w in words), encoding="utf-8")
    (staging / SYNONYMS).write_text(
        "# snapshot of the synonym table this index was built with\n"
        + "".join(f"{t}\t" + "\t".join(e) + "\n" for t, e in synonyms.expansions.items()),
        encoding="utf-8",
    )
    (staging / DOCMETA).write_text(json.dumps(meta.to_json(), ensure_ascii=False), encoding="utf-8")
    manifest = {
        "format": FORMAT,
        "segmenter": seg.name,
        "segmenter_key": key,
        "documents": len(docs),
        "dictionary_words": len(words),
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": {"dictionary": round(dictionary_seconds, 3), "index": round(index_seconds, 3)},
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


# --------------------------------------------------------------------------- searching


class _DocMeta:
    """Per-document facet values, amounts, own codes and field lengths, indexed by whoosh document number."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.values: dict[str, list[str]] = {f: data["facets"][f]["values"] for f in FACETS}
        self.columns: dict[str, list[int]] = {f: data["facets"][f]["column"] for f in FACETS}
        self.lookup: dict[str, dict[str, int]] = {f: {v: i for i, v in enumerate(vs)} for f, vs in self.values.items()}
        amounts = [_decimal(a) for a in data["amounts"]]
        self.amounts: list[Decimal | None] = amounts
        self.codes: list[str | None] = data["codes"]
        self.lengths: dict[str, list[int]] = data.get("lengths", {})
        self.count = len(self.codes)
        # rank of each document when sorted by amount, largest first, documents without an amount last
        order = sorted(range(self.count), key=lambda d: (amounts[d] is None, -(amounts[d] or 0), d))
        self.amount_rank = [0] * self.count
        for rank, d in enumerate(order):
            self.amount_rank[d] = rank
        self._value_docs: dict[tuple[str, int], frozenset[int]] = {}
        # Each distinct combination of facet values gets a number: facet counts are then one Counter pass over
        # the matched documents plus a loop over the (few thousand at most) combinations present.
        combos: dict[tuple[int, ...], int] = {}
        columns = [self.columns[f] for f in FACETS]
        self.combo = [combos.setdefault(values, len(combos)) for values in zip(*columns, strict=True)]
        self.combo_values: list[tuple[int, ...]] = list(combos)

    def docs_with(self, facet: str, vid: int) -> frozenset[int]:
        key = (facet, vid)
        if key not in self._value_docs:
            column = self.columns[facet]
            self._value_docs[key] = frozenset(d for d, v in enumerate(column) if v == vid)
        return self._value_docs[key]

    def facet_counts(self, docs: Iterable[int], wanted: dict[str, int]) -> dict[str, dict[int, int]]:
        """Value id → count per facet, each facet counted with every *other* filter applied."""
        per_combo = Counter(map(self.combo.__getitem__, docs)).items()
        combo_values = self.combo_values
        filters = [(FACETS.index(f), vid) for f, vid in wanted.items()]
        # (combination, documents, the one filter it fails or -1); combinations failing two filters count nowhere
        rows: list[tuple[int, int, int]] = []
        for combo, n in per_combo:
            values = combo_values[combo]
            failing = [i for i, vid in filters if values[i] != vid] if filters else []
            if len(failing) <= 1:
                rows.append((combo, n, failing[0] if failing else -1))
        counts: dict[str, dict[int, int]] = {}
        for i, name in enumerate(FACETS):
            tally: dict[int, int] = {}
            get = tally.get
            for combo, n, failed in rows:
                if failed == -1 or failed == i:
                    value = combo_values[combo][i]
                    tally[value] = get(value, 0) + n
            tally.pop(-1, None)
            counts[name] = tally
        return counts


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


class WhooshSearchIndex:
    """An open index. Keeps one searcher (and so its files) open until close(); safe to share between threads."""

    def __init__(self, directory: Path) -> None:
        directory = Path(directory)
        self.directory = directory
        manifest_path = directory / MANIFEST
        if not manifest_path.is_file():
            raise IndexUnavailable(f"no search index at {directory} (build one first)")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT:
                raise IndexUnavailable(
                    f"the index at {directory} has format {manifest.get('format')!r}, this engine reads {FORMAT!r}: "
                    "rebuild it"
                )
            words = (directory / DICTIONARY).read_text(encoding="utf-8").split()
            self.synonyms = Synonyms.load(directory / SYNONYMS)
            self.segmenter: Segmenter = make_segmenter(manifest["segmenter"], words)
            register_segmenter(manifest["segmenter_key"], self.segmenter)
            self.meta = _DocMeta(json.loads((directory / DOCMETA).read_text(encoding="utf-8")))
            self._ix = whoosh_index.open_dir(str(directory))
            self._searcher: Searcher = self._ix.searcher()
            self.postings = PostingCache(self._searcher, self.meta.lengths)
        except SearchError:
            raise
        except Exception as exc:  # damaged or half-copied directory: say so, without whoosh's traceback
            raise IndexUnavailable(f"cannot open the search index at {directory}: {exc}") from None
        self.manifest = manifest
        self._lock = threading.Lock()

    # -- lifecycle

    def close(self) -> None:
        with self._lock:
            self._searcher.close()
            self._ix.close()

    def __enter__(self) -> WhooshSearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def doc_count(self) -> int:
        return self.meta.count

    # -- searching

    def search(self, request: SearchRequest) -> SearchResult:
        request.validate()
        filters = request.filters()
        parsed = parse_query(request.query, self.segmenter)
        if parsed.empty and not filters:
            require_searchable(parsed)
        try:
            with self._lock:
                return self._search(request, parsed, filters)
        except SearchError:
            raise
        except Exception as exc:  # a whoosh failure must not reach the caller as a traceback
            raise QueryError(f"the search failed: {type(exc).__name__}: {exc}") from None

    def _search(self, request: SearchRequest, parsed: ParsedQuery, filters: dict[str, str]) -> SearchResult:
        notices = list(parsed.notices)
        wanted = self._wanted(filters)
        if parsed.code is not None:
            tiers = self._code_tiers(parsed.code)
            if tiers:
                page, total = self._page(request, set(tiers), wanted, tiers=tiers)
                hits = [self._code_hit(d, 3.0 - tiers[d], parsed.code) for d in page]
                return self._result(request, set(tiers), wanted, hits, total, "code", notices)
            if not parsed.words and not parsed.phrases:  # a code-like word that no document carries
                notices.append(f"没有代码为 {parsed.code} 的条目 (no entry has the code {parsed.code})")
                return self._result(request, set(), wanted, [], 0, "code", notices)
        if not parsed.words and not parsed.phrases:  # filters only: browse
            everything = set(range(self.meta.count))
            page, total = self._page(request, everything, wanted)
            hits = [self._hit(d, 0.0, None) for d in page]
            return self._result(request, everything, wanted, hits, total, "all", notices)

        evaluator = QueryEvaluator(self._searcher, self.postings, self.segmenter, self.synonyms)
        units = evaluator.units(parsed)
        mode: Mode = "phrase" if parsed.phrases else "all"
        scores = intersect_sum(units)
        if len(units) > 1 and not self._select(scores.keys(), wanted):
            any_scores = union_sum((u, 1.0) for u in units)
            if self._select(any_scores.keys(), wanted):
                scores, mode = any_scores, "any"
                notices.append(ANY_NOTICE)
        matched = scores.keys()
        page, total = self._page(request, matched, wanted, scores=scores)
        hits = [self._hit(d, scores[d], evaluator) for d in page]
        return self._result(request, matched, wanted, hits, total, mode, notices)

    # -- filters, facets, pages (docmeta arrays)

    def _wanted(self, filters: dict[str, str]) -> dict[str, int] | None:
        """Filter values as value ids; None when a filter asks for a value no document has."""
        wanted: dict[str, int] = {}
        for name, value in filters.items():
            vid = self.meta.lookup[name].get(value)
            if vid is None:
                return None
            wanted[name] = vid
        return wanted

    def _select(self, docs: AbstractSet[int], wanted: dict[str, int] | None) -> AbstractSet[int]:
        """The documents of `docs` that pass every filter; `docs` itself when there is no filter."""
        if wanted is None:
            return frozenset()
        selected = docs
        for name, vid in wanted.items():
            selected = selected & self.meta.docs_with(name, vid)
        return selected

    def _facets(self, matched: AbstractSet[int], wanted: dict[str, int] | None) -> dict[str, dict[str, int]]:
        """Counts per facet over the matched documents with every *other* filter applied (so a chosen value
        still shows its alternatives); with a filter value that no document has, over all matched documents."""
        counts = self.meta.facet_counts(matched, wanted or {})
        facets: dict[str, dict[str, int]] = {}
        for name in FACETS:
            values = self.meta.values[name]
            ordered = sorted(counts[name].items(), key=lambda kv: (-kv[1], values[kv[0]]))
            facets[name] = {values[v]: c for v, c in ordered}
        return facets

    def _page(
        self,
        request: SearchRequest,
        matched: AbstractSet[int],
        wanted: dict[str, int] | None,
        *,
        scores: dict[int, float] | None = None,
        tiers: dict[int, int] | None = None,
    ) -> tuple[list[int], int]:
        """(document numbers of the requested page in the requested order, number of documents selected)."""
        selected = self._select(matched, wanted)
        start = (request.page - 1) * request.per_page
        end = start + request.per_page
        if start >= len(selected):
            page: list[int] = []
        elif request.sort == "amount":
            page = heapq.nsmallest(end, selected, key=self.meta.amount_rank.__getitem__)[start:]
        elif tiers is not None:
            codes = self.meta.codes
            page = sorted(selected, key=lambda d: (tiers[d], codes[d] or "", d))[start:end]
        elif scores is None:
            page = heapq.nsmallest(end, selected)[start:]
        else:  # best first; equal scores keep a fixed order, so pages never overlap
            if selected is matched:
                pairs: Iterable[tuple[int, float]] = scores.items()
            else:
                pairs = zip(selected, map(scores.__getitem__, selected), strict=True)
            ranked = heapq.nlargest(end, pairs, key=itemgetter(1))
            page = [d for d, _ in ranked[start:]]
        return page, len(selected)

    def _result(
        self,
        request: SearchRequest,
        matched: AbstractSet[int],
        wanted: dict[str, int] | None,
        hits: list[Hit],
        total: int,
        mode: Mode,
        notices: list[str],
    ) -> SearchResult:
        return SearchResult(
            total=total,
            hits=hits,
            facets=self._facets(matched, wanted),
            page=request.page,
            per_page=request.per_page,
            mode=mode,
            notice=" ".join(notices) or None,
        )

    # -- hits

    def _payload(self, docnum: int) -> tuple[dict[str, Any], dict[str, Any]]:
        stored = self._searcher.stored_fields(docnum)
        return stored, json.loads(stored["payload"])

    def _hit(self, docnum: int, score: float, evaluator: QueryEvaluator | None) -> Hit:
        stored, p = self._payload(docnum)
        if evaluator is not None:
            marks = highlights(
                self.segmenter,
                evaluator.highlight_words(),
                evaluator.phrases,
                title=stored.get("title", ""),
                path_names=stored.get("path_names", ""),
                body=stored.get("body", ""),
            )
        else:
            marks = [html.escape(p["title"])]
        return _make_hit(p, score, marks)

    def _code_hit(self, docnum: int, score: float, code: str) -> Hit:
        _, p = self._payload(docnum)
        return _make_hit(p, score, [code_highlight(p["title"], p.get("code"), code)])

    # -- code lookups

    def _code_tiers(self, code: str) -> dict[int, int]:
        """Own code equal (tier 0), own code extends it — descendants (tier 1), code cited among the document's
        codes (tier 2). Empty when nothing carries the code: the query is then searched as text (12345, 2024)."""
        tiers: dict[int, int] = {}
        for tier, q in enumerate((wq.Term("code", code), wq.Prefix("code", code), wq.Term("codes", code))):
            for d in self._searcher.docs_for_query(q):
                tiers.setdefault(d, tier)
        return tiers


def _make_hit(p: dict[str, Any], score: float, marks: list[str]) -> Hit:
    extra: dict[str, str] = p.get("extra") or {}
    title = p["title"]
    return Hit(
        type=p["type"],
        id=p["id"],
        title=title,
        score=score,
        highlights=marks,
        file=p.get("file"),
        line=p.get("line"),
        unit=p.get("unit"),
        name=extra.get("name") or (title if p["type"] in ("project", "unit", "catalog_entry", "subject") else None),
        revision=p.get("revision"),
        department=p.get("department"),
        code=extra.get("code") or p.get("code"),
        year=p.get("year"),
        region=p.get("region"),
        doc_no=p.get("doc_no"),
        amount=_decimal(p.get("amount")),
        extra=extra,
    )


def remove_index(directory: Path) -> None:
    """Deletes an index directory that no reader uses any more (e.g. the one swap_in returned)."""
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(directory)
