"""Entries matched across revisions: same, renamed, recoded, moved, added, removed, not in the surviving text.

Why a graph: an entry's history is a chain through the revisions (2023 → 2024 → 2025) and a cited entry's
story ("renamed in 2025", "not in the surviving text of 2024") is a walk along it; networkx holds the chain
(edges labelled with the change) and its components give each line of descent one lineage key.

Why "not in the surviving text" is separate from "removed": the 2024 revision survives only as a fragment
and some departments lost pages; an entry absent where the text is missing was not removed, we just cannot
see it. Only absence from a department block that survives intact is a removal.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import networkx as nx

from .catalog import CatalogModel, Entry
from .revisions import RevisionInfo
from .text import bigrams

SAME, RENAMED, RECODED, MOVED, ADDED, REMOVED, MISSING = (
    "same", "renamed", "recoded", "moved", "added", "removed", "not_in_surviving_text")
CHANGE_ZH = {SAME: "未变", RENAMED: "更名", RECODED: "改码", MOVED: "移至他部门", ADDED: "新增",
             REMOVED: "删除", MISSING: "不在存世文本中"}
RENAME_SIMILARITY = 0.34


@dataclass(frozen=True)
class Change:
    change: str
    old: Entry | None
    new: Entry | None
    similarity: float = 1.0

    def as_dict(self, source_of: Any = None) -> dict[str, Any]:
        def one(e: Entry | None) -> dict[str, Any] | None:
            if e is None:
                return None
            return {"revision": e.revision, "department": e.department, "code": e.code, "level": e.level,
                    "name": e.name, "source": e.source}

        return {"change": self.change, "change_zh": CHANGE_ZH[self.change],
                "department": (self.new or self.old).department if (self.new or self.old) else None,
                "from": one(self.old), "to": one(self.new), "similarity": round(self.similarity, 2)}


def similarity(a: str, b: str) -> float:
    ga, gb = bigrams(a), bigrams(b)
    if not ga or not gb:
        return 1.0 if a == b else 0.0
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def _survives(info: RevisionInfo, department: str | None) -> bool:
    """Whether the revision's text for this department survives intact (so an absence there is real)."""
    if department is None:
        return True
    return department in info.departments and department not in info.truncated


def match_revisions(model: CatalogModel, old_rev: str, new_rev: str) -> list[Change]:
    """Every entry of `old_rev` and `new_rev` (levels ≥ 2) paired or declared added/removed/missing."""
    old_info, new_info = model.revision(old_rev), model.revision(new_rev)
    if old_info is None or new_info is None:
        raise ValueError(f"unknown revision {old_rev if old_info is None else new_rev!r}")
    old = [e for e in model.entries[old_rev] if e.level >= 2]
    new = [e for e in model.entries[new_rev] if e.level >= 2]
    changes: list[Change] = []
    left = {e.id: e for e in old}
    right = {e.id: e for e in new}

    def pair(key_old: Any, key_new: Any, kind: str, accept: Any = None) -> None:
        index: dict[Any, list[Entry]] = {}
        for e in right.values():
            index.setdefault(key_new(e), []).append(e)
        for e in list(left.values()):
            for cand in index.get(key_old(e), []):
                if cand.id not in right:
                    continue
                sim = similarity(e.key or e.name, cand.key or cand.name)
                if accept is not None and not accept(e, cand, sim):
                    continue
                change = kind
                if kind == SAME and (e.key or e.name) != (cand.key or cand.name):
                    change = RENAMED
                changes.append(Change(change, e, cand, sim))
                del left[e.id]
                del right[cand.id]
                break

    pair(lambda e: (e.department, e.code, e.level), lambda e: (e.department, e.code, e.level), SAME,
         lambda a, b, s: a.name == b.name or s >= RENAME_SIMILARITY)
    pair(lambda e: (e.department, e.key or e.name), lambda e: (e.department, e.key or e.name), RECODED)
    pair(lambda e: (e.key or e.name, e.code), lambda e: (e.key or e.name, e.code), MOVED,
         lambda a, b, s: a.department != b.department)
    for e in left.values():
        changes.append(Change(REMOVED if _survives(new_info, e.department) else MISSING, e, None, 0.0))
    for e in right.values():
        changes.append(Change(ADDED if _survives(old_info, e.department) else MISSING, None, e, 0.0))
    return changes


class Lineage:
    """Pairwise matches between A revisions, and the networkx graph of their chains."""

    def __init__(self, model: CatalogModel) -> None:
        self.model = model
        self.a_revisions = sorted((r for r in model.revisions if r.series == "A"),
                                  key=lambda r: (r.issued or "", r.revision))
        self._pairs: dict[tuple[str, str], list[Change]] = {}
        self._graph: nx.DiGraph | None = None

    def pair(self, old_rev: str, new_rev: str) -> list[Change]:
        key = (old_rev, new_rev)
        if key not in self._pairs:
            self._pairs[key] = match_revisions(self.model, old_rev, new_rev)
        return self._pairs[key]

    def consecutive(self) -> list[tuple[str, str]]:
        names = [r.revision for r in self.a_revisions]
        return list(itertools.pairwise(names))

    def graph(self) -> nx.DiGraph:
        """Entries as nodes; an edge old → new for each pairing of consecutive revisions, labelled by change."""
        if self._graph is None:
            g = nx.DiGraph()
            for old_rev, new_rev in self.consecutive():
                for c in self.pair(old_rev, new_rev):
                    for e in (c.old, c.new):
                        if e is not None:
                            g.add_node(e.id, revision=e.revision, code=e.code, department=e.department)
                    if c.old is not None and c.new is not None:
                        g.add_edge(c.old.id, c.new.id, change=c.change)
            self._graph = g
        return self._graph

    def lineage_keys(self) -> dict[str, str]:
        """Entry IRI → a stable key of its line of descent (its earliest entry's revision/department/code)."""
        g = self.graph()
        keys: dict[str, str] = {}
        for component in nx.weakly_connected_components(g):
            first = min(component, key=lambda n: (g.nodes[n]["revision"], n))
            node = g.nodes[first]
            key = f"{node['revision']}/{node['department'] or 'B'}/{node['code']}"
            for n in component:
                keys[n] = key
        return keys

    def history(self, entry: Entry) -> list[dict[str, Any]]:
        """What became of `entry` in every other A revision (matched directly against that revision)."""
        out: list[dict[str, Any]] = []
        own = self.model.revision(entry.revision)
        if own is None or own.series != "A":
            return out
        for other in self.a_revisions:
            if other.revision == entry.revision:
                continue
            earlier = (other.issued or "") < (own.issued or "")
            changes = self.pair(other.revision, entry.revision) if earlier else self.pair(entry.revision,
                                                                                           other.revision)
            for c in changes:
                mine = c.new if earlier else c.old
                if mine is None or mine.id != entry.id:
                    continue
                counterpart = c.old if earlier else c.new
                change = c.change
                if change == ADDED:
                    text = f"{other.revision}（{other.doc_no}）中没有此条目：本版新增"
                elif change == REMOVED:
                    text = f"{other.revision}（{other.doc_no}）已删除此条目"
                elif change == MISSING:
                    text = f"{other.revision}（{other.doc_no}）该部门的文本未存世，无法比较"
                elif change == SAME:
                    text = f"{other.revision}（{other.doc_no}）中同码同名"
                else:
                    assert counterpart is not None
                    text = (f"{other.revision}（{other.doc_no}）中为{counterpart.department or 'B类'} "
                            f"{counterpart.code} {counterpart.name}（{CHANGE_ZH[change]}）")
                out.append({"revision": other.revision, "doc_no": other.doc_no, "change": change,
                            "direction": "earlier" if earlier else "later",
                            "code": counterpart.code if counterpart else None,
                            "name": counterpart.name if counterpart else None,
                            "department": counterpart.department if counterpart else None, "text": text})
                break
        return out

    def diff(self, old_rev: str, new_rev: str, department: str | None = None) -> dict[str, Any]:
        old_info, new_info = self.model.revision(old_rev), self.model.revision(new_rev)
        if old_info is None or new_info is None:
            raise ValueError(f"unknown revision: {old_rev if old_info is None else new_rev}")
        changes = [c for c in self.pair(old_rev, new_rev)
                   if department is None or department in {e.department for e in (c.old, c.new) if e}]
        counts = {k: 0 for k in CHANGE_ZH}
        for c in changes:
            counts[c.change] += 1
        listed = [c.as_dict() for c in changes if c.change != SAME]
        listed.sort(key=lambda d: (d["department"] or "", (d["from"] or d["to"])["code"], d["change"]))
        notes = []
        for info in (old_info, new_info):
            if info.fragment:
                notes.append(f"{info.revision}（{info.doc_no}）在语料中仅存片段：缺失部分记为“不在存世文本中”，不记为删除")
            if department and department in info.truncated:
                notes.append(f"{info.revision}中{department}部分不完整")
            if department and department not in info.departments:
                notes.append(f"{info.revision}存世文本中没有{department}")
        return {
            "from": {"revision": old_info.revision, "doc_no": old_info.doc_no, "issued": old_info.issued,
                     "fragment": old_info.fragment},
            "to": {"revision": new_info.revision, "doc_no": new_info.doc_no, "issued": new_info.issued,
                   "fragment": new_info.fragment},
            "department": department,
            "counts": counts,
            "notes": notes,
            "changes": listed,
        }
