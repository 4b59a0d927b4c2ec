"""The search documents of a built graph: units, projects, catalog entries, 科目 and source paragraphs.

The index is built from the graph (through the repository's queries), not from the readers' records, so
what can be found is exactly what the graph holds, under the same IRIs. Paragraphs come from the source
texts the build keeps beside the store, with their file and line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..store.repository import Repository, by_position
from .documents import SearchDoc

_PARAGRAPH_MIN_CHARS = 12
_PASSAGE_CHARS = 300


@dataclass
class DocumentParts:
    """The search documents one source document's own graph gives (all but the catalog entries), and its 科目
    rows, which merge across documents into one document per national code (see `combine`).

    A build makes them where each document is mapped, from that document's graph alone, so that the
    store-wide queries for projects, 绩效目标表 and 科目 rows (most of the indexing time of a large corpus) are
    never run on the whole store.
    """

    file: str
    units: list[dict[str, Any]] = field(default_factory=list)  # the repository's unit records
    projects: list[SearchDoc] = field(default_factory=list)
    subject_rows: list[dict[str, Any]] = field(default_factory=list)
    paragraphs: list[SearchDoc] = field(default_factory=list)


def documents_from_graph(repo: Repository, sources_dir: Path | None = None) -> Iterator[SearchDoc]:
    """Every search document of a graph: `combine` of its parts and its catalog entries."""
    return combine([document_parts(repo, sources_dir)], catalog_docs(repo))


def document_parts(repo: Repository, sources_dir: Path | None = None, file: str = "") -> DocumentParts:
    """Units, projects, 科目 rows and source paragraphs of `repo`'s graph (one document's, or all of them)."""
    units = repo.units()
    parts = DocumentParts(file, units, list(project_docs(repo, {u["name"]: u for u in units})))
    parts.subject_rows = [{k: row[k] for k in ("code", "name", "unit", "subject", "source")} for row in repo.subjects()]
    if sources_dir is not None and sources_dir.exists():
        for document in repo.documents():
            path = sources_dir / document["file"]
            if path.exists():
                parts.paragraphs.extend(paragraph_docs(document["id"], document["file"], path))
    return parts


def catalog_docs(repo: Repository) -> Iterator[SearchDoc]:
    for revision in repo.revisions():
        yield from entry_docs(repo.entries(revision["revision"], sources="first"))


def combine(parts: list[DocumentParts], entries: Iterable[SearchDoc]) -> Iterator[SearchDoc]:
    """The search documents in the order of one graph-wide pass: units, projects, catalog entries, 科目,
    paragraphs; each kind in source order (file, line)."""
    ordered = sorted(parts, key=lambda p: p.file)
    yield from unit_docs(_merge_units(by_position(u for p in ordered for u in p.units)))
    yield from sorted((d for p in ordered for d in p.projects), key=_position)
    yield from entries
    yield from subject_docs([row for p in ordered for row in p.subject_rows])
    for p in ordered:
        yield from p.paragraphs


def _position(doc: SearchDoc) -> tuple[str, int]:
    return (doc.file or "", doc.line or 0)


def _merge_units(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """One record per unit name, as one query over every document gives it: the last disclosure's fields, the
    duties of all of them in printed order."""
    merged: dict[str, dict[str, Any]] = {}
    for unit in records:
        earlier = merged.get(unit["name"])
        if earlier is not None:
            unit = {**unit, "duties": list(dict.fromkeys([*earlier["duties"], *unit["duties"]])),
                    "organisation": earlier["organisation"] or unit["organisation"]}
        merged[unit["name"]] = unit
    return iter(merged.values())


def _source_fields(record: dict[str, Any]) -> dict[str, Any]:
    source = record.get("source") or {}
    return {"file": source.get("file"), "line": source.get("line")}


def unit_docs(units: Iterable[dict[str, Any]]) -> Iterator[SearchDoc]:
    for unit in units:
        body = " ".join([*unit["duties"], unit["organisation"] or ""])
        yield SearchDoc(
            id=unit["id"], type="unit", title=unit["name"], body=body, unit=unit["name"],
            year=unit["fiscal_year"], region=unit["county"] or unit["prefecture_city"],
            extra={"name": unit["name"]}, **_source_fields(unit),
        )


def _performance_text(performance: dict[str, Any] | None) -> str:
    if not performance:
        return ""
    parts = [performance.get(k) or "" for k in ("project", "overview", "basis", "goal_implementation", "goal_annual")]
    parts += [f"{i['level3']} {i['value'] or ''}" for i in performance.get("indicators", [])]
    return " ".join(p for p in parts if p)


def project_docs(repo: Repository, units: dict[str, dict[str, Any]]) -> Iterator[SearchDoc]:
    for project in repo.projects():
        unit = units.get(project["unit"], {})
        total = project.get("total_wan")
        yield SearchDoc(
            id=project["id"], type="project", title=project["name"], body=_performance_text(project["performance"]),
            unit=project["unit"], year=project["fiscal_year"],
            region=unit.get("county") or unit.get("prefecture_city"),
            amount=Decimal(total.replace(",", "")) if total else None,
            extra={"name": project["name"], "unit": project["unit"]}, **_source_fields(project),
        )


def entry_docs(entries: list[dict[str, Any]]) -> Iterator[SearchDoc]:
    """Catalog entries with the names and codes along their code path (same revision and department)."""
    by_code = {(e["department"], e["code"]): e for e in entries}
    for entry in entries:
        path: list[dict[str, Any]] = []
        parent = entry["parent_code"]
        while parent and len(path) < 4:
            ancestor = by_code.get((entry["department"], parent))
            if ancestor is None or ancestor is entry:
                break
            path.insert(0, ancestor)
            parent = ancestor["parent_code"]
        yield SearchDoc(
            id=entry["id"], type="catalog_entry", title=entry["name"] or entry["code"],
            path_names=" ".join(a["name"] for a in path), codes=[entry["code"], *(a["code"] for a in reversed(path))],
            department=entry["department"], revision=entry["revision"], doc_no=entry["doc_no"],
            extra={"code": entry["code"], "revision": entry["revision"], "department": entry["department"] or "",
                   "level": str(entry["level"])},
            **_source_fields(entry),
        )


def subject_docs(rows: list[dict[str, Any]]) -> Iterator[SearchDoc]:
    """One document per 科目 code (codes are national), named by its most printed name."""
    names: dict[str, Counter[str]] = {}
    first: dict[str, dict[str, Any]] = {}
    units: dict[str, set[str]] = {}
    for row in rows:
        if not row["code"]:
            continue
        names.setdefault(row["code"], Counter())[row["name"]] += 1
        first.setdefault(row["code"], row)
        units.setdefault(row["code"], set()).add(row["unit"])
    for code, counter in names.items():
        name = counter.most_common(1)[0][0]
        parents = [code[:n] for n in (5, 3) if len(code) > n]
        yield SearchDoc(
            id=first[code]["subject"],
            type="subject", title=name, codes=[code, *parents], body=" ".join(sorted(units[code])),
            extra={"code": code, "name": name}, **_source_fields(first[code]),
        )


def paragraph_docs(doc_iri: str, file: str, path: Path) -> Iterator[SearchDoc]:
    """Passages of narrative lines (table rows end one), each about a paragraph or a few short ones, found
    by their first line. Grouping short lines keeps the index small without losing where a word is printed."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start, chunk = 0, []
    for number, raw in enumerate([*lines, "\t"], start=1):
        text = raw.strip().lstrip("#").strip()
        if not text or text == "仅供内部审核":
            continue
        if "\t" not in raw:
            if not chunk:
                start = number
            chunk.append(text)
            if sum(len(c) for c in chunk) < _PASSAGE_CHARS:
                continue
        if chunk and sum(len(c) for c in chunk) >= _PARAGRAPH_MIN_CHARS:
            body = "".join(chunk)
            yield SearchDoc(id=f"{doc_iri}#L{start}", type="paragraph", title=body[:40], body=body,
                            file=file, line=start, extra={"name": body[:40]})
        chunk = []


def dictionary_words(docs: Iterable[SearchDoc]) -> Iterator[str]:
    """Names worth keeping whole in segmentation: entries, 科目, units and projects."""
    for doc in docs:
        if doc.type in ("catalog_entry", "subject", "unit", "project") and doc.title:
            yield doc.title
