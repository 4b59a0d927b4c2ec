"""What each page shows, as plain dicts: the HTML templates render them and the JSON twins return them.

Keeping the data apart from the views is why every page can have a JSON twin that says exactly what the
page says, and why the API answers what the CLI's `--json` answers (same service calls, same records).
A generation never changes once published, so per-generation results are cached in `workspace.cache`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

import pyoxigraph as ox

from ..search.request import SearchRequest
from ..store.store import PREFIXES
from ..workspace import Workspace

T = TypeVar("T")
BK = PREFIXES["bk"]
RDF_TYPE = PREFIXES["rdf"] + "type"
LABELS = (PREFIXES["skos"] + "prefLabel", PREFIXES["rdfs"] + "label", PREFIXES["dcterms"] + "title",
          PREFIXES["skos"] + "notation")

_locks_guard = threading.Lock()


def cached(ws: Workspace, key: str, make: Callable[[], T]) -> T:
    """`make()` once per generation (with a per-key lock, so concurrent first requests do the work once)."""
    try:
        return ws.cache[key]
    except KeyError:
        pass
    with _locks_guard:
        lock = ws.cache.setdefault(f"lock:{key}", threading.Lock())
    with lock:
        if key not in ws.cache:
            ws.cache[key] = make()
        return ws.cache[key]


def check_service(ws: Workspace) -> Any:
    """The officer's check over this generation; raises ImportError when the check package is absent."""
    from ..check.service import CheckService

    return cached(ws, "web:check-service", lambda: CheckService(ws))


# ------------------------------------------------------------------------------------ search
def search(ws: Workspace, request: SearchRequest) -> dict[str, Any]:
    return ws.search(request).to_json()


# ------------------------------------------------------------------------------------ catalog
def revisions(ws: Workspace) -> list[dict[str, Any]]:
    return cached(ws, "web:revisions", ws.repo.revisions)


def revision_names(ws: Workspace) -> list[str]:
    return [r["revision"] for r in revisions(ws)]


def departments(ws: Workspace, revision: str) -> list[dict[str, Any]]:
    return cached(ws, f"web:departments:{revision}", lambda: ws.repo.departments(revision))


def entries(ws: Workspace, revision: str) -> list[dict[str, Any]]:
    return cached(ws, f"web:entries:{revision}", lambda: ws.repo.entries(revision))


def all_departments(ws: Workspace) -> list[str]:
    def make() -> list[str]:
        seen: dict[str, None] = {}
        for rev in revision_names(ws):
            for d in departments(ws, rev):
                seen.setdefault(d["department"], None)
        return list(seen)

    return cached(ws, "web:all-departments", make)


def catalog(ws: Workspace, revision: str | None, department: str | None, level: int | None = None,
            ) -> dict[str, Any]:
    """Revisions × departments; with a revision, its departments; with a department too, its entries."""
    revs = revisions(ws)
    data: dict[str, Any] = {"revisions": revs, "revision": revision, "department": department}
    if revision is None:
        data["tree"] = [{"revision": r["revision"], "fragment": r["fragment"],
                         "departments": departments(ws, r["revision"])} for r in revs]
        return data
    info = next((r for r in revs if r["revision"] == revision), None)
    if info is None:
        raise LookupError(f"没有目录版本 {revision!r}：可用 {', '.join(r['revision'] for r in revs)}")
    data["info"] = info
    data["departments"] = departments(ws, revision)
    rows = entries(ws, revision)
    if department is not None:
        if department == "B":
            department = None
        elif department not in {d["department"] for d in data["departments"]}:
            raise LookupError(f"目录 {revision} 中没有部门 {department!r}")
        rows = [e for e in rows if e["department"] == department]
        data["entries"] = [e for e in rows if level is None or e["level"] == level]
    elif not data["departments"]:  # the B-class catalog has no departments: show its entries at once
        data["entries"] = [e for e in rows if level is None or e["level"] == level]
    return data


# ------------------------------------------------------------------------------------ budget side
def units(ws: Workspace) -> list[dict[str, Any]]:
    return cached(ws, "web:units", ws.repo.units)


def quality(ws: Workspace) -> dict[str, Any]:
    def make() -> dict[str, Any]:
        checks = ws.repo.checks()
        return {"anomalies": ws.repo.anomalies(), "checks": checks,
                "failed_checks": [c for c in checks if not c["holds"]],
                "build_problems": ws.manifest.get("problems", [])}

    return cached(ws, "web:quality", make)


# ------------------------------------------------------------------------------------ sources
def documents(ws: Workspace) -> dict[str, dict[str, Any]]:
    """Document IRI → {id, file, lines, sha256}."""
    return cached(ws, "web:documents", lambda: {d["id"]: d for d in ws.repo.documents()})


def source_path(ws: Workspace, file: str) -> Path | None:
    """The kept source text of `file`, only if it lies inside this generation's sources folder."""
    root = (ws.generation / "sources").resolve()
    path = (root / file).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def source_lines(ws: Workspace, file: str) -> list[str]:
    def make() -> list[str]:
        path = source_path(ws, file)
        return path.read_text(encoding="utf-8").splitlines() if path else []

    return cached(ws, f"web:lines:{file}", make)


def excerpt(ws: Workspace, source: dict[str, Any] | None, around: int = 3) -> list[dict[str, Any]]:
    """Lines of the source text around a fact, numbered, the fact's own lines marked."""
    if not source or not source.get("file"):
        return []
    lines = source_lines(ws, source["file"])
    first, last = int(source["line"]), int(source.get("end_line") or source["line"])
    lo, hi = max(1, first - around), min(len(lines), last + around)
    return [{"line": n, "text": lines[n - 1], "hit": first <= n <= last} for n in range(lo, hi + 1)]


# ------------------------------------------------------------------------------------ resources
def term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["lang"] = term.language
    elif term.datatype and term.datatype.value != PREFIXES["xsd"] + "string":
        out["datatype"] = term.datatype.value
    return out


def exists(ws: Workspace, iri: str) -> bool:
    node = ox.NamedNode(iri)
    store = ws.store.inner
    return next(iter(store.quads_for_pattern(node, None, None, None)), None) is not None or \
        next(iter(store.quads_for_pattern(None, None, node, None)), None) is not None


def describe_triples(ws: Workspace, iri: str) -> list[ox.Triple]:
    """The resource's own triples and those of its blank nodes (its concise bounded description),
    de-duplicated across named graphs."""
    node = ox.NamedNode(iri)
    seen: dict[tuple[Any, Any, Any], ox.Triple] = {}
    todo: list[Any] = [node]
    done: set[Any] = set()
    while todo and len(seen) < 20_000:  # the concise bounded description: blank nodes are followed
        subject = todo.pop()
        done.add(subject)
        for q in ws.store.inner.quads_for_pattern(subject, None, None, None):
            seen.setdefault((q.subject, q.predicate, q.object), ox.Triple(q.subject, q.predicate, q.object))
            if isinstance(q.object, ox.BlankNode) and q.object not in done:
                todo.append(q.object)
    if not seen:  # only ever an object: describe it by what points at it
        for q in ws.store.inner.quads_for_pattern(None, None, node, None):
            seen.setdefault((q.subject, q.predicate, q.object), ox.Triple(q.subject, q.predicate, q.object))
    return list(seen.values())


def label_of(ws: Workspace, iri: str) -> str | None:
    node = ox.NamedNode(iri)
    for p in LABELS:
        for q in ws.store.inner.quads_for_pattern(node, ox.NamedNode(p), None, None):
            return q.object.value
    return None


def resource(ws: Workspace, iri: str, incoming_limit: int = 100) -> dict[str, Any]:
    """Every property of a resource (objects with labels), and some of what points at it."""
    props: dict[str, list[dict[str, Any]]] = {}
    types: list[str] = []
    for t in describe_triples(ws, iri):
        if t.subject.value != iri:
            continue
        value = term_json(t.object)
        if value["type"] == "uri":
            if t.predicate.value == RDF_TYPE:
                types.append(value["value"])
            label = label_of(ws, value["value"])
            if label:
                value["label"] = label
        props.setdefault(t.predicate.value, []).append(value)
    incoming = []
    for q in ws.store.inner.quads_for_pattern(None, None, ox.NamedNode(iri), None):
        if len(incoming) >= incoming_limit:
            break
        if isinstance(q.subject, ox.NamedNode):
            incoming.append({"subject": q.subject.value, "predicate": q.predicate.value,
                             "label": label_of(ws, q.subject.value)})
    return {"iri": iri, "label": label_of(ws, iri), "types": types, "properties": props, "incoming": incoming}


def curie(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def id_parts(ws: Workspace, iri: str) -> list[str]:
    """The decoded path segments of an IRI under the base's id/ (e.g. ['catalog', '2023', '民政', 'A01'])."""
    prefix = ws.base + "id/"
    return [unquote(s) for s in iri[len(prefix):].split("/")] if iri.startswith(prefix) else []


def unit_page(ws: Workspace, iri: str) -> dict[str, Any]:
    unit = next((u for u in units(ws) if u["id"] == iri), None)
    if unit is None:
        return {}
    name = unit["name"]
    subjects = ws.repo.subjects(name)
    econ = ws.repo.econ(name)
    expenditure = [s for s in subjects if "支出总表" in (s["table"] or "") and s["code"] and len(s["code"]) == 3]
    if not expenditure:
        first_table = next((s["table"] for s in subjects if s["code"]), None)
        expenditure = [s for s in subjects if s["table"] == first_table and s["code"] and len(s["code"]) == 3]
    econ_top = [e for e in econ if not e["gov_econ_name"] and e["dept_econ_name"] not in ("合计", "总计", None)]
    first_econ_table = econ_top[0]["table"] if econ_top else None
    econ_top = [e for e in econ_top if e["table"] == first_econ_table]
    texts = cached(ws, "web:unit-texts", ws.repo.unit_texts).get(iri, {})
    return {
        "unit": unit,
        "duties": texts.get("duties", []),
        "organisation": texts.get("organisation"),
        "by_subject": [{"label": f"{s['code']} {s['name']}", "value": s["total"], "source": s["source"],
                        "table": s["table"]} for s in expenditure],
        "by_econ": [{"label": e["dept_econ_name"], "value": e["total"], "source": e["source"],
                     "table": e["table"]} for e in econ_top],
        "subjects": subjects,
        "econ": econ,
        "projects": ws.repo.projects(name, with_performance=False),
        "tables": ws.repo.tables(name),
    }


def project_page(ws: Workspace, iri: str) -> dict[str, Any]:
    unit_iri = None
    for q in ws.store.inner.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(BK + "unit"), None, None):
        unit_iri = q.object.value
    unit = next((u for u in units(ws) if u["id"] == unit_iri), None)
    projects = ws.repo.projects(unit["name"] if unit else None, with_performance=False)
    project = next((p for p in projects if p["id"] == iri), None)
    if project is None:
        return {}
    perf_iri = next((q.object.value for q in ws.store.inner.quads_for_pattern(
        ox.NamedNode(iri), ox.NamedNode(BK + "performance"), None, None)), None)
    performance = ws.repo.performance(perf_iri) if perf_iri else None
    return {
        "project": project,
        "unit": unit,
        "performance": performance,
        "excerpt": excerpt(ws, project["source"], 3),
        "link": catalog_link(ws, iri),
    }


def catalog_link(ws: Workspace, project_iri: str) -> dict[str, Any] | None:
    """The build's project → catalog link (check/linking.py), if the graph has one."""
    link = project_iri + "/link"
    if not exists(ws, link):
        return None
    res = resource(ws, link, incoming_limit=0)
    props = res["properties"]

    def first(name: str) -> Any:
        values = props.get(BK + name) or props.get(PREFIXES["dcterms"] + name)
        return values[0]["value"] if values else None

    matches = []
    for m in props.get(BK + "match", []):
        mp = resource(ws, m["value"], incoming_limit=0)["properties"]
        entry = (mp.get(BK + "entry") or [{}])[0]
        matches.append({
            "id": m["value"],
            "role": (mp.get(BK + "role") or [{}])[0].get("value"),
            "rank": (mp.get(BK + "rank") or [{}])[0].get("value"),
            "score": (mp.get(BK + "score") or [{}])[0].get("value"),
            "matched_terms": [t for t in ((mp.get(BK + "matchedTerms") or [{}])[0].get("value") or "").split("|")
                              if t],
            "entry": entry.get("value"),
            "entry_label": entry.get("label"),
        })
    matches.sort(key=lambda m: (str(m["role"]), int(m["rank"] or 0)))
    return {"id": link, "verdict": first("verdict"), "kind": first("kind"), "explanation": first("description"),
            "matches": matches,
            "prohibitions": [p["value"] for p in props.get(BK + "prohibitionCitation", [])]}


def entry_page(ws: Workspace, iri: str) -> dict[str, Any]:
    parts = id_parts(ws, iri)
    if len(parts) != 4 or parts[0] != "catalog":
        return {}
    _, revision, dept, code = parts
    department = None if dept == "B" else dept
    rows = entries(ws, revision)
    entry = next((e for e in rows if e["id"] == iri), None)
    if entry is None:
        return {}
    same_dept = {e["code"]: e for e in rows if e["department"] == department}
    path = []
    parent = entry["parent_code"]
    while parent and parent in same_dept and len(path) < 6:
        path.insert(0, same_dept[parent])
        parent = same_dept[parent]["parent_code"]
    children = [e for e in rows if e["department"] == department and e["parent_code"] == code]
    elsewhere = [e for e in rows if e["code"] == code and e["id"] != iri]
    across = []
    for rev in revision_names(ws):
        if rev == revision:
            continue
        across.extend(e for e in entries(ws, rev) if e["code"] == code and e["department"] == department)
    history: list[dict[str, Any]] = []
    try:
        service = check_service(ws)
        model_entry = next((e for e in service.model.entries.get(revision, []) if e.id == iri), None)
        if model_entry is not None:
            history = service.lineage.history(model_entry)
    except ImportError:
        pass
    revision_info = next((r for r in revisions(ws) if r["revision"] == revision), None)
    return {"entry": entry, "revision": revision_info, "path": path, "children": children,
            "departments": elsewhere, "same_code_other_revisions": across, "history": history,
            "excerpt": excerpt(ws, entry["source"], 2)}


def document_page(ws: Workspace, iri: str) -> dict[str, Any]:
    doc = documents(ws).get(iri)
    if doc is None:
        return {}
    return {"document": doc, "lines": source_lines(ws, doc["file"])}
