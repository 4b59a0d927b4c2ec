"""Score catalog entries against a request: which entries could allow it, with the words that matched.

Why coverage of the *entry's* words first: catalog names are short and specific (企业开办印章免费刻制服务),
requests are long and noisy (a 项目概况 of two hundred characters). An entry matches when most of its
informative words (weighted by rarity over all entries, generic words like 服务 nearly weightless) are
found in the request, counting a word found in the project name more than one found in its overview.
The share of the request's own words the entry explains, and words of the entry's code path, refine the
order. Synonyms (check/synonyms.tsv, search/synonyms.tsv) are expanded on the request side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .catalog import CatalogModel, Entry
from .text import bigrams, load_toml, norm, segmenter, synonyms


@dataclass(frozen=True)
class Scope:
    entry: str
    requires: re.Pattern[str] | None
    department_excludes: str | None
    department_requires: str | None
    factor: float
    why: str


@dataclass
class Request:
    """The text fields of a request, normalised and synonym-expanded once."""

    fields: dict[str, str]  # text / overview / goals / indicators → normalised text
    expanded: dict[str, str]
    grams: set[str]
    query_words: list[tuple[str, float]]  # informative words of the text field with weights
    department: str | None
    field_grams: dict[str, set[str]] = field(default_factory=dict)
    credits: dict[str, tuple[float, str | None]] = field(default_factory=dict)  # memo of Scorer._credit
    all_text: str = ""

    def __post_init__(self) -> None:
        """What scoring each entry against the request's own words needs, worked out once per request."""
        pairs = synonyms().pairs
        self.query_expansions = [(w, weight, tuple(pairs.get(w, ()))) for w, weight in self.query_words]
        self.query_total = sum(weight for _w, weight in self.query_words) or 1.0


@dataclass
class Candidate:
    entry: Entry
    score: float
    matched: list[str]
    entry_coverage: float
    query_coverage: float
    scope_note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@cache
def _config() -> dict[str, Any]:
    return load_toml("ranking.toml")


@cache
def _word_bigrams(word: str) -> frozenset[str]:
    """The bigrams a longer word may be partly matched by (catalog words recur in every request)."""
    return frozenset(bigrams(word)) if len(word) >= 3 else frozenset()


class Scorer:
    def __init__(self, model: CatalogModel, config: dict[str, Any] | None = None) -> None:
        self.model = model
        c = config or _config()
        self.threshold: float = c["cover_threshold"]
        self.list_limit: int = c["list_limit"]
        self.near_miss_limit: int = c["near_miss_limit"]
        self.w_entry, self.w_query, self.w_path = c["entry_weight"], c["query_weight"], c["path_weight"]
        self.partial: float = c["partial_factor"]
        self.b_margin: float = c["b_margin"]
        self.part_factor: float = c["part_factor"]
        self.unanchored_factor: float = c["unanchored_factor"]
        self.field_factors: dict[str, float] = dict(c["fields"])
        self.scopes = [Scope(s["entry"], re.compile(s["requires"]) if s.get("requires") else None,
                             s.get("department_excludes"), s.get("department_requires"), float(s["factor"]),
                             s.get("why", "")) for s in c.get("scope", [])]

    def request(self, fields: dict[str, str | None], department: str | None) -> Request:
        syn = synonyms()
        normed = {k: norm(v) for k, v in fields.items() if v}
        expanded = {k: syn.expand_text(v) for k, v in normed.items()}
        grams: set[str] = set()
        for v in expanded.values():
            grams |= bigrams(v)
        words = list(dict.fromkeys(segmenter().words(normed.get("text", ""))))
        query_words = [(w, self.model.weight(w)) for w in words]
        return Request(normed, expanded, grams, query_words, department,
                       {k: bigrams(v) for k, v in expanded.items()}, {}, " ".join(normed.values()))

    def _credit(self, word: str, request: Request) -> tuple[float, str | None]:
        """How well the request shows `word` (0..1) and in which field (memoised per request)."""
        known = request.credits.get(word)
        if known is None:
            known = request.credits[word] = self._credit_uncached(word, request)
        return known

    def _credit_uncached(self, word: str, request: Request) -> tuple[float, str | None]:
        best, where = 0.0, None
        grams = _word_bigrams(word)
        for name, text in request.expanded.items():
            factor = self.field_factors.get(name, self.field_factors["goals"])
            if factor <= best:
                continue
            if word in text:
                best, where = factor, name
            elif grams:
                shared = len(grams & request.field_grams[name]) / len(grams)
                if shared >= 0.5 and factor * shared * self.partial > best:
                    best, where = factor * shared * self.partial, name
        return best, where

    def _coverage(self, words: list[tuple[str, float]], request: Request, matched: list[str],
                  anchors: frozenset[str]) -> tuple[float, bool]:
        """Weighted share of `words` the request shows, and whether an informative one is in the text field."""
        total = sum(w for _word, w in words) or 1.0
        got = 0.0
        anchored = False
        for word, weight in words:
            credit, where = self._credit(word, request)
            if credit > 0:
                got += weight * credit
                if word not in matched:
                    matched.append(word)
                if where == "text" and word in anchors:
                    anchored = True
        return got / total, anchored

    def score(self, entry: Entry, request: Request) -> Candidate:
        matched: list[str] = []
        entry_cov, anchored = self._coverage(entry.words, request, matched, entry.anchors)
        for part in entry.parts:
            cov, anchor = self._coverage(part, request, matched, entry.anchors)
            if cov * self.part_factor > entry_cov:
                entry_cov, anchored = cov * self.part_factor, anchor
        entry_text = entry.key + entry.path_text
        qgot = 0.0
        for word, weight, expansions in request.query_expansions:
            if word in entry_text or any(x in entry_text for x in expansions):
                qgot += weight
                if word not in matched:
                    matched.append(word)
        query_cov = qgot / request.query_total if request.query_words else 0.0
        path_hits = [w for w in entry.path_words if w in request.all_text]
        path_cov = min(1.0, len(path_hits) / 2)
        score = self.w_entry * entry_cov + self.w_query * query_cov + self.w_path * path_cov
        if len(request.fields) > 1 and not anchored:
            score *= self.unanchored_factor
        cand = Candidate(entry, score, matched + [w for w in path_hits if w not in matched], entry_cov, query_cov)
        self._apply_scopes(cand, request)
        return cand

    def _apply_scopes(self, cand: Candidate, request: Request) -> None:
        for scope in self.scopes:
            if scope.entry not in cand.entry.key:
                continue
            dept = request.department or ""
            limited = False
            if scope.requires is not None and not scope.requires.search(request.all_text):
                limited = True
            if scope.department_excludes and scope.department_excludes in dept:
                limited = True
            if scope.department_requires and scope.department_requires not in dept:
                limited = True
            if limited:
                cand.score *= scope.factor
                cand.scope_note = scope.why

    def rank(self, entries: list[Entry], request: Request, by_bigram: dict[str, list[Entry]] | None = None,
             ) -> list[Candidate]:
        """Candidates sorted best first; only entries sharing an informative bigram with the request are scored."""
        pool = {id(e): e for e in entries}
        if by_bigram is not None:
            hit: dict[int, Entry] = {}
            for g in request.grams:
                for e in by_bigram.get(g, ()):
                    if id(e) in pool:
                        hit[id(e)] = e
            pool = hit
        scored = [self.score(e, request) for e in pool.values()]
        scored = [c for c in scored if c.score > 0.05]
        scored.sort(key=lambda c: (-c.score, c.entry.revision, c.entry.order))
        return scored
