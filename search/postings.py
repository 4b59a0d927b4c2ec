"""Posting lists read from the whoosh index in bulk, scored once with whoosh's BM25F, kept in an LRU cache.

Why not whoosh's matcher tree: it advances through postings one document at a time in Python (is_active / id /
next / score on every node of the tree), ~5–10 µs per matched document per clause. A broad query ("服务" matches
tens of thousands of documents) took 0.5 s at the 1,000-document scale, and facet counts need the *whole*
matched set, not the top ten. Here a term's postings are decoded a block at a time (whoosh's own block decoder)
into a dict docnum → score (or → positions, for the phrase fields), and queries combine those dicts with set
and dict operations (matching.py), which run at C speed. Scores are whoosh's: `whoosh.scoring.bm25` with
whoosh's idf, average field length, B and K1 and the same quantised field lengths, so ranking is what whoosh's
BM25F would give for the same boolean query. The only private whoosh parts used are the W3 block readers
(`_read_ids`, `_read_weights`, `_read_values`, `_next_block`); any other matcher goes through the public API.
"""

from __future__ import annotations

from collections.abc import Callable

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F, bm25
from whoosh.searching import Searcher

from .posting_memo import CACHE_POSTINGS, PostingMemo


def read_postings(searcher: Searcher, field: str, text: str) -> tuple[list[int], list[float]]:
    """(docnums, weights) of a term, in docnum order; empty lists when the term is not in the index."""
    try:
        m = searcher.reader().postings(field, text)
    except TermNotFound:
        return [], []
    ids: list[int] = []
    weights: list[float] = []
    if isinstance(m, W3LeafMatcher):  # block at a time through whoosh's own decoder
        while m.is_active():
            m._read_ids()
            m._read_weights()
            ids.extend(m._ids)
            weights.extend(m._weights)
            m._next_block()
    else:  # any other codec or a wrapped matcher: the public, slower way
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
    return ids, weights


def read_positions(searcher: Searcher, field: str, text: str) -> dict[int, frozenset[int]]:
    """docnum → positions of a term in a positional field (the bigram fields), via whoosh's format decoder."""
    try:
        m = searcher.reader().postings(field, text)
    except TermNotFound:
        return {}
    decode = searcher.schema[field].format.decode_positions
    out: dict[int, frozenset[int]] = {}
    if isinstance(m, W3LeafMatcher):
        while m.is_active():
            m._read_ids()
            m._read_values()
            for docnum, value in zip(m._ids, m._values, strict=True):
                out[docnum] = frozenset(decode(value))
            m._next_block()
    else:
        while m.is_active():
            out[m.id()] = frozenset(m.value_as("positions"))
            m.next()
    return out


class PostingCache(PostingMemo):
    """Per-term BM25F score dicts (word fields) and docnum sets (any field) of a whoosh index."""

    def __init__(self, searcher: Searcher, field_lengths: dict[str, list[int]], limit: int = CACHE_POSTINGS) -> None:
        super().__init__(limit)
        self.searcher = searcher
        self.field_lengths = field_lengths
        weighting = searcher.weighting
        self._b: Callable[[str], float]
        if isinstance(weighting, BM25F):
            self._b = lambda f: weighting._field_B.get(f, weighting.B)
            self._k1 = weighting.K1
        else:
            self._b = lambda f: 0.75
            self._k1 = 1.2
        self.doc_count = searcher.doc_count_all()

    def scores(self, field: str, text: str) -> dict[int, float]:
        """docnum → BM25F score of `text` in `field` (no query boost applied)."""
        return self.memo(("s", field, text), lambda: self._score(field, text))

    def positions(self, field: str, text: str) -> dict[int, frozenset[int]]:
        """docnum → positions of `text` in a positional field."""
        return self.memo(("p", field, text), lambda: read_positions(self.searcher, field, text))

    def docs(self, field: str, text: str) -> frozenset[int]:
        return self.memo(("d", field, text), lambda: frozenset(read_postings(self.searcher, field, text)[0]))

    def prefix_docs(self, field: str, prefix: str) -> frozenset[int]:
        return frozenset(self.searcher.docs_for_query(wq.Prefix(field, prefix)))

    def phrase_docs(self, field: str, grams: list[str]) -> set[int]:
        """Documents where the bigrams stand at consecutive positions of `field` (positions as whoosh stored
        them, checked for the documents that have all the bigrams)."""
        lists = [self.positions(field, g) for g in grams]
        smallest = min(lists, key=len)
        candidates = [d for d in smallest if all(d in p for p in lists)]
        if len(grams) == 1:
            return set(candidates)
        found: set[int] = set()
        for docnum in candidates:
            starts = set(lists[0][docnum])
            for offset, plist in enumerate(lists[1:], 1):
                starts = {p for p in starts if p + offset in plist[docnum]}
                if not starts:
                    break
            if starts:
                found.add(docnum)
        return found

    def doc_frequency(self, field: str, text: str) -> int:
        return self.searcher.doc_frequency(field, text)

    def _score(self, field: str, text: str) -> dict[int, float]:
        ids, weights = read_postings(self.searcher, field, text)
        if not ids:
            return {}
        searcher = self.searcher
        idf = searcher.weighting.idf(searcher, field, text) if hasattr(searcher.weighting, "idf") else 1.0
        avgfl = searcher.avg_field_length(field) or 1.0
        b, k1 = self._b(field), self._k1
        lengths = self.field_lengths.get(field)
        if lengths is None:
            return {d: bm25(idf, w, avgfl, avgfl, b, k1) for d, w in zip(ids, weights, strict=True)}
        # whoosh.scoring.bm25 written out (same arithmetic), because a call per posting doubles the time
        top, flat, per_len = idf * (k1 + 1), k1 * (1 - b), k1 * b / avgfl
        return {d: top * w / (w + flat + per_len * lengths[d]) for d, w in zip(ids, weights, strict=True)}
