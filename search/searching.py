"""Answering a SearchRequest over an open index, whatever the engine.

An engine stores postings and documents; everything a user sees is decided here, the same for every engine: the
query language, synonyms and sub-words (matching.py), code look-ups, filters, facet counts, pages, sorting and
highlights. An engine subclass opens its files and provides `postings` (the matching.Postings protocol), the
stored fields of a document number, and close().
"""

from __future__ import annotations

import heapq
import html
import json
import threading
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from operator import itemgetter
from pathlib import Path
from typing import Any

from .building import DICTIONARY, DOCMETA, FORMAT, MANIFEST, SYNONYMS
from .dictionary import Synonyms
from .docmeta import DocMeta, decimal_or_none
from .highlight import code_highlight, highlights
from .matching import Postings, QueryEvaluator, intersect_sum, union_sum
from .query import ParsedQuery, parse_query, require_searchable
from .request import FACETS, Hit, IndexUnavailable, Mode, QueryError, SearchError, SearchRequest, SearchResult
from .segmenter import Segmenter, make_segmenter
from .tokenizer import register_segmenter

ANY_NOTICE = "没有同时包含全部词语的结果，显示包含任一词语的结果 (no result has all the words; showing those with any)"


def read_manifest(directory: Path) -> dict[str, Any]:
    """The index's manifest; IndexUnavailable when there is none or it was written by another format."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise IndexUnavailable(f"no search index at {directory} (build one first)")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexUnavailable(f"cannot open the search index at {directory}: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise IndexUnavailable(
            f"the index at {directory} has format {manifest.get('format')!r}, this engine reads {FORMAT!r}: rebuild it"
        )
    return manifest


class IndexSearcher:
    """An open index; safe to share between threads (one query at a time)."""

    postings: Postings

    def __init__(self, directory: Path) -> None:
        directory = Path(directory)
        self.directory = directory
        self.manifest = read_manifest(directory)
        try:
            words = (directory / DICTIONARY).read_text(encoding="utf-8").split()
            self.synonyms = Synonyms.load(directory / SYNONYMS)
            self.segmenter: Segmenter = make_segmenter(self.manifest["segmenter"], words)
            register_segmenter(self.manifest["segmenter_key"], self.segmenter)
            self.meta = DocMeta(json.loads((directory / DOCMETA).read_text(encoding="utf-8")))
            self._open_engine()
        except SearchError:
            raise
        except Exception as exc:  # damaged or half-copied directory: say so, without the engine's traceback
            raise IndexUnavailable(f"cannot open the search index at {directory}: {exc}") from None
        self._lock = threading.Lock()

    # -- what an engine provides

    def _open_engine(self) -> None:
        """Open the engine's files in self.directory and set self.postings."""
        raise NotImplementedError

    def _stored(self, docnum: int) -> tuple[dict[str, str], dict[str, Any]]:
        """(the document's title / path_names / body as given, its payload)."""
        raise NotImplementedError

    def _close_engine(self) -> None:
        raise NotImplementedError

    # -- lifecycle

    def close(self) -> None:
        with self._lock:
            self._close_engine()

    def __enter__(self) -> IndexSearcher:
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
        except Exception as exc:  # an engine failure must not reach the caller as a traceback
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

        evaluator = QueryEvaluator(self.postings, self.segmenter, self.synonyms)
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

    def _hit(self, docnum: int, score: float, evaluator: QueryEvaluator | None) -> Hit:
        texts, p = self._stored(docnum)
        if evaluator is not None:
            marks = highlights(
                self.segmenter,
                evaluator.highlight_words(),
                evaluator.phrases,
                title=texts.get("title", ""),
                path_names=texts.get("path_names", ""),
                body=texts.get("body", ""),
            )
        else:
            marks = [html.escape(p["title"])]
        return _make_hit(p, score, marks)

    def _code_hit(self, docnum: int, score: float, code: str) -> Hit:
        _, p = self._stored(docnum)
        return _make_hit(p, score, [code_highlight(p["title"], p.get("code"), code)])

    # -- code look-ups

    def _code_tiers(self, code: str) -> dict[int, int]:
        """Own code equal (tier 0), own code extends it — descendants (tier 1), code cited among the document's
        codes (tier 2). Empty when nothing carries the code: the query is then searched as text (12345, 2024)."""
        tiers: dict[int, int] = {}
        postings = self.postings
        for tier, docs in enumerate(
            (postings.docs("code", code), postings.prefix_docs("code", code), postings.docs("codes", code))
        ):
            for d in docs:
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
        amount=decimal_or_none(p.get("amount")),
        extra=extra,
    )
