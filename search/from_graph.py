"""The search documents of a built graph: units, projects, catalog entries, 科目 and source paragraphs.

The index is built from the graph (through the repository's queries), not from the readers' records, so
what can be found is exactly what the graph holds, under the same IRIs. Paragraphs come from the source
texts the build keeps beside the store, with their file and line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..store.repository import Repository
from .documents import SearchDoc

_PARAGRAPH_MIN_CHARS = 12
_PASSAGE_CHARS = 300


def documents_from_graph(repo: Repository, sources_dir: Path | None = None) -> Iterator[SearchDoc]:
    units = {u["name"]: u for u in repo.units()}
    yield from unit_docs(repo, units.values())
    yield from project_docs(repo, units)
    for revision in repo.revisions():
        yield from entry_docs(repo.entries(revision["revision"], sources="first"))
    yield from subject_docs(repo.subjects())
    if sources_dir is not None and sources_dir.exists():
        for document in repo.documents():
            path = sources_dir / document["file"]
            if path.exists():
                yield from paragraph_docs(document["id"], document["file"], path)


def _source_fields(record: dict[str, Any]) -> dict[str, Any]:
    source = record.get("source") or {}
    return {"file": source.get("file"), "line": source.get("line")}


def unit_docs(repo: Repository, units: Iterable[dict[str, Any]]) -> Iterator[SearchDoc]:
    texts = repo.unit_texts()
    for unit in units:
        text = texts.get(unit["id"], {})
        body = " ".join([*text.get("duties", []), text.get("organisation") or ""])
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
