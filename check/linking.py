"""Every project of the corpus linked to the catalog entries that allow it (or to why none does).

Why links are triples: the officer's answers become part of the graph, so "which projects rely on B1102",
"which projects are prohibited under 第十条（三）" or "what did 2025 rename that 2024 budgets cited" are
SPARQL questions. Each link keeps its verdict, kind, revisions, scores, matched words and provenance
(the project's source line and the build that produced it). The lineage of entries across revisions is
written alongside (prov:wasRevisionOf plus a bk:EntryChange node for every change).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rdflib import RDF, XSD, Namespace, URIRef

from ..ontology.iris import BK, Iris
from ..ontology.ntriples import NTLiteral, literal
from ..store.repository import Repository
from ..store.store import KnowledgeStore
from .lineage import SAME, Lineage
from .service import CheckService

PROV = Namespace("http://www.w3.org/ns/prov#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
Triple = tuple[URIRef, URIRef, Any]
ROLES = (("own_department", "own"), ("b_class", "b_class"), ("other_departments", "other"))


@dataclass
class GraphView:
    """What CheckService needs of a workspace: a store, its repository and a cache (the build has no Workspace)."""

    store: KnowledgeStore
    repo: Repository
    cache: dict[str, Any] = field(default_factory=dict)


def _lit(value: Any) -> NTLiteral:
    if isinstance(value, float):
        return literal(Decimal(str(round(value, 3))), datatype=XSD.decimal)
    return literal(value)


def link_triples(view: Any, iris: Iris) -> Iterator[Triple]:
    """Triples linking every project (verdict, entries, scores, provenance), the units' departments, lineage."""
    if isinstance(view, Repository):
        view = GraphView(view.store, view)
    service = CheckService(view)
    units_done: set[str] = set()
    for project in service.projects():
        result = service.check(project=project)
        p = URIRef(project.iri)
        link = iris.link(p)
        yield link, RDF.type, BK.CatalogLink
        yield link, RDF.type, PROV.Entity
        yield link, BK.linkedProject, p
        yield link, BK.verdict, literal(result["verdict"])
        yield link, BK.kind, literal(result["kind"])
        yield link, DCTERMS.description, literal(result["explanation"], lang="zh")
        yield link, PROV.wasDerivedFrom, iris.document(project.file)
        yield link, BK.source, iris.location(project.file, project.line)
        rev = result["revision"]
        if rev["A"]:
            yield link, BK.catalogRevision, iris.revision(rev["A"]["revision"])
            yield link, BK.revisionSuperseded, literal(bool(rev["A"]["superseded"]))
        if rev["B"]:
            yield link, BK.catalogRevision, iris.revision(rev["B"]["revision"])
        if rev["in_force"]:
            yield link, BK.revisionInForce, iris.revision(rev["in_force"])
        for note in rev["notes"]:
            yield link, BK.note, literal(note, lang="zh")
        dept = result["department"]
        if dept:
            yield link, BK.department, iris.department(dept)
            unit_iri = service.units().get(project.unit, {}).get("iri")
            if unit_iri and unit_iri not in units_done:
                units_done.add(unit_iri)
                yield URIRef(unit_iri), BK.catalogDepartment, iris.department(dept)
                yield URIRef(unit_iri), BK.catalogDepartmentEvidence, literal(result["department_evidence"]["evidence"],
                                                                              lang="zh")
        for ban in result["prohibited"]:
            yield link, BK.prohibitedBy, literal(ban["rule_id"])
            yield link, BK.prohibitionCitation, literal(ban["citation"], lang="zh")
            yield link, BK.prohibitionReason, literal(ban["reason"], lang="zh")
        best: float | None = None
        for key, role in ROLES:
            for rank, entry in enumerate(result[key], 1):
                match = URIRef(f"{link}/{role}/{rank}")
                yield link, BK.match, match
                yield match, RDF.type, BK.CatalogMatch
                yield match, BK.entry, URIRef(entry["entry_id"])
                yield match, BK.role, literal(role)
                yield match, BK.rank, literal(rank)
                yield match, BK.score, _lit(entry["score"])
                yield match, BK.matchedTerms, literal("|".join(entry["matched_terms"]))
                if entry.get("source"):
                    yield match, BK.source, iris.location(entry["source"]["file"], entry["source"]["line"])
                if rank == 1:
                    yield link, BK.chosenEntry, URIRef(entry["entry_id"])
                    best = max(best or 0.0, entry["score"])
        if best is not None:
            yield link, BK.score, _lit(best)
    yield from lineage_triples(service.lineage, iris)


def lineage_triples(lineage: Lineage, iris: Iris) -> Iterator[Triple]:
    """prov:wasRevisionOf between matched entries of consecutive revisions, and one node per change."""
    keys = lineage.lineage_keys()
    for entry_id, key in keys.items():
        yield URIRef(entry_id), BK.lineage, iris.lineage(key)
    for old_rev, new_rev in lineage.consecutive():
        for i, change in enumerate(lineage.pair(old_rev, new_rev)):
            if change.old is not None and change.new is not None:
                yield URIRef(change.new.id), PROV.wasRevisionOf, URIRef(change.old.id)
            if change.change == SAME:
                continue
            node = iris.lineage(f"change/{old_rev}-{new_rev}/{i}")
            yield node, RDF.type, BK.EntryChange
            yield node, BK.change, literal(change.change)
            yield node, BK.fromRevision, iris.revision(old_rev)
            yield node, BK.toRevision, iris.revision(new_rev)
            if change.old is not None:
                yield node, BK.fromEntry, URIRef(change.old.id)
            if change.new is not None:
                yield node, BK.toEntry, URIRef(change.new.id)
            dept = (change.new or change.old).department if (change.new or change.old) else None
            if dept:
                yield node, BK.department, iris.department(dept)
