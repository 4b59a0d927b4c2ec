"""The catalog as the check needs it in memory: revisions, entries with their code paths, leaves, word weights.

Why in memory: a check scores a few hundred entries per request; asking the store for them each time would
cost more than the scoring. The model is built once per workspace generation (a few SPARQL queries) and
kept in `Workspace.cache`, so a warm process answers from memory.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..store.repository import Repository, first_place
from .revisions import RevisionInfo
from .text import bigrams, load_toml, norm, organ_words, segmenter

_CONJUNCTION = re.compile(r"及|与|、|，")
_SCOPE_NOTE = re.compile(r"（(仅限|限)[^）]*）")


@dataclass
class Entry:
    id: str
    revision: str
    department: str | None
    code: str
    level: int
    name: str  # cleaned name (OCR marks removed by the reader)
    printed: str  # one printed form (name_raw), for citing
    parent_code: str | None
    source: dict[str, Any] | None  # where it is first printed
    places: dict[str, tuple[int, int]]  # document file → (line, end line) of its copy there
    flags: list[str]
    order: int
    leaf: bool = True
    path: list[tuple[str, str]] = field(default_factory=list)  # (code, name) from level 1 down to the parent
    key: str = ""  # normalised name
    words: list[tuple[str, float]] = field(default_factory=list)  # informative words of the name, with weights
    parts: list[list[tuple[str, float]]] = field(default_factory=list)  # words of each conjunct (A及B → A, B)
    path_text: str = ""
    path_words: list[str] = field(default_factory=list)  # informative words of the code path
    anchors: frozenset[str] = frozenset()  # informative words: not generic, not the department's own name

    def source_in(self, file: str | None) -> dict[str, Any] | None:
        """Where the entry is printed, preferring the copy in `file` (the project's own document)."""
        place = self.places.get(file) if file else None
        if place is None:
            return self.source
        return {"file": file, "line": place[0], "end_line": place[1]}


class CatalogModel:
    """All revisions and entries of one generation, with the word weights the scorer uses."""

    def __init__(self, repo: Repository) -> None:
        self.revisions: list[RevisionInfo] = []
        self.entries: dict[str, list[Entry]] = {}
        self.attached: dict[str, list[str]] = defaultdict(list)  # document file → revisions printed in it
        generic = load_toml("generic.toml")
        self.generic_weight: float = float(generic["weight"])
        self.generic_words = frozenset(generic["words"])
        seg = segmenter()
        for r in repo.revisions():
            departments = repo.departments(r["revision"])
            self.revisions.append(RevisionInfo(
                r["revision"], r["series"], r["doc_no"], r["issued"], r["supersedes"], bool(r["fragment"]),
                frozenset(d["department"] for d in departments),
                frozenset(d["department"] for d in departments if d["truncated"])))
            for s in r["sources"]:
                self.attached[s["file"]].append(r["revision"])
            rows = repo.entries(r["revision"], sources="none")
            places = repo.entry_places(r["revision"])
            entries = [Entry(e["id"], e["revision"], e["department"], e["code"], int(e["level"]), e["name"],
                             (e["name_raw"] or [e["name"]])[0], e["parent_code"], first_place(places.get(e["id"], {})),
                             places.get(e["id"], {}), e["flags"], i) for i, e in enumerate(rows)]
            self._link_paths(entries)
            self.entries[r["revision"]] = entries
        df: dict[str, int] = defaultdict(int)
        leaves = [e for es in self.entries.values() for e in es if e.leaf]
        cut: dict[str, list[str]] = {}
        for e in leaves:
            e.key = norm(e.name)
            # a scope note "（仅限非审计部门）" limits who may buy (ranking.toml scopes); it is not what is bought
            words = list(dict.fromkeys(seg.words(_SCOPE_NOTE.sub("", e.key))))
            cut[e.id] = words
            for w in words:
                df[w] += 1
        n = max(len(leaves), 1)
        self.idf = {w: math.log(1 + n / c) for w, c in df.items()}
        self.default_idf = math.log(1 + n)
        identity: dict[str, set[str]] = defaultdict(set)
        for word, dept in organ_words().items():
            identity[dept].add(word)
        for e in leaves:
            own = identity.get(e.department or "", set())
            e.words = [(w, self.weight(w, w in own)) for w in cut[e.id]]
            e.anchors = frozenset(w for w in cut[e.id] if w not in own and w not in self.generic_words)
            pieces = [p for p in _CONJUNCTION.split(e.key) if len(p) >= 2]
            if len(pieces) > 1:
                parts = [[(w, self.weight(w, w in own)) for w in dict.fromkeys(seg.words(p))] for p in pieces]
                # a conjunct stands alone only if it names something (青年之家建设与服务: "服务" does not)
                e.parts = [p for p in parts if any(len(w) >= 2 and w not in self.generic_words and w not in own
                                                   for w, _ in p)]
            e.path_text = norm("".join(name for _code, name in e.path))
            e.path_words = [w for w in dict.fromkeys(seg.words(e.path_text))
                            if len(w) >= 2 and w not in self.generic_words]
        self.by_bigram: dict[str, dict[str, list[Entry]]] = {}
        for rev, entries in self.entries.items():
            index: dict[str, list[Entry]] = defaultdict(list)
            for e in entries:
                if e.leaf:  # only bigrams of informative words: "服务" must not make every entry a candidate
                    grams = set().union(*(bigrams(w) for w, _ in e.words if w not in self.generic_words), set())
                    for g in grams:
                        index[g].append(e)
            self.by_bigram[rev] = dict(index)

    def weight(self, word: str, identity: bool = False) -> float:
        """Rarity of the word over all entries; generic words, and the name of the entry's own department
        (政协 in 政协宣传服务: every entry of that department is about 政协), weigh little."""
        base = self.idf.get(word, self.default_idf)
        return base * (self.generic_weight if identity or word in self.generic_words else 1.0)

    def is_generic(self, word: str) -> bool:
        return word in self.generic_words

    @staticmethod
    def _link_paths(entries: list[Entry]) -> None:
        """Parent links by printed parent code within a department; a row with a child of the next level is no leaf."""
        by_code: dict[tuple[str | None, str], list[Entry]] = defaultdict(list)
        for e in entries:
            by_code[(e.department, e.code)].append(e)
        has_child: set[str] = set()
        parents: dict[str, Entry] = {}
        for e in entries:
            if e.parent_code is None:
                continue
            candidates = [p for p in by_code.get((e.department, e.parent_code), []) if p.level < e.level]
            if candidates:
                parent = max(candidates, key=lambda p: (p.level, -abs(p.order - e.order)))
                parents[e.id] = parent
                has_child.add(parent.id)
        for e in entries:
            e.leaf = e.id not in has_child
            chain: list[tuple[str, str]] = []
            node = parents.get(e.id)
            while node is not None and len(chain) < 6:
                chain.append((node.code, node.name))
                node = parents.get(node.id)
            e.path = list(reversed(chain))

    def revision(self, name: str) -> RevisionInfo | None:
        return next((r for r in self.revisions if r.revision == name), None)

    def leaves(self, revision: str, department: str | None = None) -> list[Entry]:
        return [e for e in self.entries.get(revision, []) if e.leaf
                and (department is None or e.department == department)]

    def departments(self) -> set[str]:
        return {d for r in self.revisions for d in r.departments}
