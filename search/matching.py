"""Evaluating a ParsedQuery: which documents match, with what score (dicts docnum → score).

The boolean structure is whoosh's (an OR sums the scores of the alternatives that match, an AND requires all and
sums them), evaluated over cached per-term postings (postings.py) with set and dict operations.

One query word matches when any of these does (their scores add up):
* the word itself in title / path_names / body, boosted 4 : 2 : 1 — a match in the name beats one in the path
  of parent catalog names, which beats one in running text;
* all words of one of its synonyms.tsv expansions, at 0.8;
* all of its pieces (each with its own synonyms), at half weight — the query-side half of search mode: a long
  query word (物业管理服务, 12345热线, 等保测评) still matches text that jieba cut differently (物业/管理服务;
  12345政务服务热线; 网络安全等级保护 … 测评);
* the code fields, when the word looks like a code (A160502 inside a longer query).
A quoted phrase matches where its character bigrams stand at consecutive positions of a bigram field (the
engine's phrase match); its score is the phrase's idf times the boost of each field it occurs in.

The engine behind is seen only through `Postings`: per-term BM25 score dicts and document sets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Set
from typing import Any, Protocol

from .dictionary import Synonyms
from .query import ParsedQuery, looks_like_code, normalize_code
from .segmenter import Segmenter
from .tokenizer import bigram_tokens, inner_words, word_tokens

Scores = dict[int, float]

WORD_FIELDS = (("title", 4.0), ("path_names", 2.0), ("body", 1.0))
BIGRAM_FIELDS = (("title_bg", 4.0), ("path_bg", 2.0), ("body_bg", 1.0))
PIECES_WEIGHT = 0.5
SYNONYM_WEIGHT = 0.8
CODE_WEIGHT = 8.0
# Pieces and synonym words are highlighted only where they are not everywhere (服务 from an expansion would
# light up every catalog name): at most this share of documents, or COMMON_FLOOR documents in a small index.
COMMON_SHARE = 0.02
COMMON_FLOOR = 50


class Postings(Protocol):
    """What the evaluation needs from an engine: postings by field and term, document numbers 0 … doc_count-1."""

    doc_count: int

    def memo(self, key: tuple[str, str, str], make: Callable[[], Any]) -> Any:
        """The value cached under `key`, made on first use (the engine's posting cache)."""
        ...

    def scores(self, field: str, text: str) -> Scores:
        """Document → BM25 score of the term in a word field (no boost applied)."""
        ...

    def docs(self, field: str, text: str) -> Set[int]: ...

    def prefix_docs(self, field: str, prefix: str) -> Set[int]:
        """Documents with a term of `field` that starts with `prefix` (code look-ups)."""
        ...

    def phrase_docs(self, field: str, grams: list[str]) -> Set[int]:
        """Documents where the terms stand at consecutive positions of a positional field."""
        ...

    def doc_frequency(self, field: str, text: str) -> int: ...


def union_sum(parts: Iterable[tuple[Scores, float]]) -> Scores:
    """OR: every document of any part, with the weighted scores of the parts it is in added up."""
    nonempty = sorted(((d, w) for d, w in parts if d), key=lambda p: -len(p[0]))
    if not nonempty:
        return {}
    base, w0 = nonempty[0]
    out = dict(base) if w0 == 1.0 else {k: v * w0 for k, v in base.items()}
    get = out.get
    for part, w in nonempty[1:]:
        for k, v in part.items():
            out[k] = get(k, 0.0) + v * w
    return out


def intersect_sum(parts: list[Scores], weight: float = 1.0) -> Scores:
    """AND: the documents in every part, with their scores added up (times `weight`). May return one of the
    parts itself: callers never modify a Scores dict."""
    if not parts or any(not p for p in parts):
        return {}
    ordered = sorted(parts, key=len)
    if len(ordered) == 1:
        only = ordered[0]
        return only if weight == 1.0 else {k: v * weight for k, v in only.items()}
    common: Iterable[int] = ordered[0].keys()
    for part in ordered[1:]:
        common = [k for k in common if k in part]
        if not common:
            return {}
    if len(ordered) == 2:
        a, b = ordered
        return {k: (a[k] + b[k]) * weight for k in common}
    return {k: weight * sum(p[k] for p in ordered) for k in common}


def pieces(word: str, segmenter: Segmenter) -> list[str] | None:
    """The finest tiling of `word` by its inner dictionary words (and digit/latin runs), or None if there is none.

    Finest, because a document that cut the text differently still has every short piece as a token or
    sub-word, while a longer piece (物业管理) may be missing from a document cut as 物业/管理服务.
    """
    by_start: dict[int, list[tuple[int, str]]] = {}
    for sub, s, e in inner_words(word, segmenter.has_word):
        by_start.setdefault(s, []).append((e, sub))
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[n] = []
    for i in range(n - 1, -1, -1):
        for e, sub in by_start.get(i, []):
            tail = best[e]
            current = best[i]
            if tail is not None and (current is None or len(tail) + 1 > len(current)):
                best[i] = [sub, *tail]
    result = best[0]
    return result if result and len(result) > 1 else None


class QueryEvaluator:
    """Scores the units of one query and remembers what to highlight."""

    def __init__(self, postings: Postings, segmenter: Segmenter, synonyms: Synonyms) -> None:
        self.postings = postings
        self.segmenter = segmenter
        self.synonyms = synonyms
        self.doc_count = max(1, postings.doc_count)
        self.primary_words: set[str] = set()
        self.secondary_words: set[str] = set()
        self.phrases: list[str] = []

    # -- words

    def in_text(self, word: str) -> Scores:
        """The word in the three text fields, field boosts applied (cached as a whole: words recur)."""
        postings = self.postings
        return postings.memo(
            ("w", "", word), lambda: union_sum((postings.scores(f, word), b) for f, b in WORD_FIELDS)
        )

    def text_or_pieces(self, word: str) -> Scores:
        """The word in the text fields, or all of its pieces (at PIECES_WEIGHT)."""
        tiling = pieces(word, self.segmenter)
        if not tiling:
            return self.in_text(word)
        self.secondary_words.update(tiling)
        return union_sum(
            [(self.in_text(word), 1.0), (intersect_sum([self.in_text(p) for p in tiling]), PIECES_WEIGHT)]
        )

    def with_synonyms(self, word: str) -> Scores:
        """The word in the text fields, or all words of one of its synonym expansions (each word also matched
        by its pieces: 法律咨询 must find 法律咨询服务 even where jieba cut it 法律/咨询服务)."""
        alternatives: list[tuple[Scores, float]] = [(self.in_text(word), 1.0)]
        for expansion in self.synonyms.expand(word):
            words = [t.text for t in word_tokens(self.segmenter, expansion, subwords=False)]
            if words:
                self.secondary_words.update(words)
                alternatives.append((intersect_sum([self.text_or_pieces(w) for w in words]), SYNONYM_WEIGHT))
        return union_sum(alternatives) if len(alternatives) > 1 else alternatives[0][0]

    def word(self, word: str) -> Scores:
        self.primary_words.add(word)
        alternatives: list[tuple[Scores, float]] = [(self.with_synonyms(word), 1.0)]
        tiling = pieces(word, self.segmenter)
        if tiling:  # 等保测评 → 等保 + 测评, each with its own synonyms
            self.secondary_words.update(tiling)
            alternatives.append((intersect_sum([self.with_synonyms(p) for p in tiling]), PIECES_WEIGHT))
        if looks_like_code(word):
            code = normalize_code(word)
            alternatives.append((dict.fromkeys(self.postings.docs("code", code), CODE_WEIGHT), 1.0))
            alternatives.append((dict.fromkeys(self.postings.docs("codes", code), CODE_WEIGHT / 2), 1.0))
        return union_sum(alternatives)

    # -- phrases

    def phrase(self, text: str) -> Scores:
        grams = [t for t, _, _ in bigram_tokens(text)]
        if not grams:
            return {}
        self.phrases.append(text)
        per_field = [(self.postings.phrase_docs(f, grams), b) for f, b in BIGRAM_FIELDS]
        matched = set().union(*(docs for docs, _ in per_field))
        idf = math.log(self.doc_count / (len(matched) + 1)) + 1
        return union_sum((dict.fromkeys(docs, idf), b) for docs, b in per_field)

    # -- the whole query

    def units(self, parsed: ParsedQuery) -> list[Scores]:
        return [self.phrase(p) for p in parsed.phrases] + [self.word(w) for w in parsed.words]

    def highlight_words(self) -> set[str]:
        limit = max(COMMON_FLOOR, COMMON_SHARE * self.doc_count)
        common = {
            w
            for w in self.secondary_words - self.primary_words
            if max(self.postings.doc_frequency(f, w) for f, _ in WORD_FIELDS) > limit
        }
        return (self.primary_words | self.secondary_words) - common
