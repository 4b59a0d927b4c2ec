"""Records → triples, against the vocabulary in budgetkg.ttl.

The mapping is a pure function of the records: it decides IRIs (ontology.iris) and shapes, never reads
files or talks to a store, so the same records always give the same triples. Every node it mints
carries `bk:source` (the lines it was read from) and `prov:wasDerivedFrom` (its document).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal

from rdflib import XSD, URIRef
from rdflib import namespace as rdflib_namespaces

from ..graph.records import (
    BudgetDocument,
    BudgetTable,
    CheckResult,
    Issue,
    PerformanceTarget,
    ProjectRow,
    Revision,
    SourceRef,
    to_decimal,
)
from .iris import BK, CachedNamespace, Iris
from .ntriples import NTLiteral, literal

QB = CachedNamespace("http://purl.org/linked-data/cube#")
XKOS = CachedNamespace("http://rdf-vocabulary.ddialliance.org/xkos#")
RDF = CachedNamespace(str(rdflib_namespaces.RDF))
RDFS = CachedNamespace(str(rdflib_namespaces.RDFS))
SKOS = CachedNamespace(str(rdflib_namespaces.SKOS))
DCTERMS = CachedNamespace(str(rdflib_namespaces.DCTERMS))
PROV = CachedNamespace(str(rdflib_namespaces.PROV))
ORG = CachedNamespace(str(rdflib_namespaces.ORG))

Triple = tuple[URIRef, URIRef, URIRef | NTLiteral]

# record column key → measure property (local name in bk:)
MEASURES = {
    "total": "total",
    "basic": "basic",
    "project": "project",
    "personnel": "personnel",
    "public": "public",
    "general_public_budget": "generalPublicBudget",
    "gov_fund": "govFund",
    "state_capital": "stateCapital",
    "special_account": "specialAccount",
    "unit_funds": "unitFunds",
    "carryover": "carryover",
    "goods": "goods",
    "works": "works",
    "services": "services",
    "implementation_total": "implementationTotal",
    "annual_total": "annualTotal",
}


def measure_key(local_name: str) -> str:
    """The record/JSON key of a measure property's local name (inverse of MEASURES)."""
    return {v: k for k, v in MEASURES.items()}[local_name]


class Mapper:
    """Emits the triples of records under one IRI base."""

    def __init__(self, iris: Iris) -> None:
        self.iris = iris

    # ------------------------------------------------------------------ helpers
    def _provenance(self, node: URIRef, source: SourceRef) -> Iterator[Triple]:
        yield node, BK.source, self.iris.location(source.file, source.line, source.end_line)
        yield node, PROV.wasDerivedFrom, self.iris.document(source.file)

    def _at(self, node: URIRef, prop: URIRef, source: SourceRef) -> Iterator[Triple]:
        """`node prop <document#Lline>`: the IRI itself says which document and lines, so a location needs
        no triples of its own (they would be most of the graph: a catalog copy per document)."""
        yield node, prop, self.iris.location(source.file, source.line, source.end_line)

    def _amount(self, node: URIRef, key: str, printed: str | None) -> Iterator[Triple]:
        """A measure as an exact decimal plus its printed text (Oxigraph canonicalises decimals)."""
        value = to_decimal(printed)
        if value is None or printed is None:
            return
        local = MEASURES[key]
        yield node, BK[local], literal(value, datatype=XSD.decimal)
        yield node, BK[local + "Text"], literal(printed.strip())

    @staticmethod
    def _text(node: URIRef, prop: URIRef, value: str | None) -> Iterator[Triple]:
        if value:
            yield node, prop, literal(value)

    # ------------------------------------------------------------------ budget documents
    def source_document(self, file: str, sha256: str, line_count: int | None = None) -> Iterator[Triple]:
        d = self.iris.document(file)
        yield d, RDF.type, BK.SourceDocument
        yield d, DCTERMS.identifier, literal(file)
        yield d, BK.sha256, literal(sha256)
        if line_count is not None:
            yield d, BK.lineCount, literal(line_count)

    def document(self, doc: BudgetDocument) -> Iterator[Triple]:
        iris = self.iris
        yield from self.source_document(doc.file, doc.sha256, doc.line_count)
        yield iris.document(doc.file), BK.layout, literal(doc.flavour)
        yield from self.unit(doc)
        for index, table in enumerate(doc.tables, start=1):
            yield from self.table(doc, index, table)
        yield from self.projects(doc)
        if doc.procurement:
            p = iris.procurement(doc.file)
            yield iris.disclosure(doc.file), BK.procurement, p
            yield p, RDF.type, BK.Procurement
            yield p, BK.amountUnit, literal(doc.procurement.unit)
            for key in ("total", "goods", "works", "services"):
                yield from self._amount(p, key, getattr(doc.procurement, key))
            yield from self._provenance(p, doc.procurement.source)
        if doc.vehicles:
            v = iris.vehicles(doc.file)
            yield iris.disclosure(doc.file), BK.vehicles, v
            yield v, RDF.type, BK.Vehicles
            yield v, RDFS.comment, literal(doc.vehicles.text)
            for category, count in doc.vehicles.counts.items():
                yield v, BK.vehicleCount, literal(f"{category}={count}")
            yield from self._provenance(v, doc.vehicles.source)

    def unit(self, doc: BudgetDocument) -> Iterator[Triple]:
        u, unit = self.iris.unit(doc.unit.name), doc.unit
        disclosure = self.iris.disclosure(doc.file)
        yield u, RDF.type, BK.BudgetUnit
        yield u, RDF.type, ORG.Organization
        yield u, SKOS.prefLabel, literal(unit.name, lang="zh")
        yield from self._text(u, BK.county, unit.county)
        yield from self._text(u, BK.prefectureCity, unit.prefecture_city)
        yield from self._text(u, BK.adminLevel, unit.admin_level)
        yield from self._provenance(u, unit.source)
        yield disclosure, RDF.type, BK.Disclosure
        yield disclosure, BK.unit, u
        yield disclosure, BK.fiscalYear, literal(str(unit.fiscal_year), datatype=XSD.gYear)
        yield disclosure, BK.docKind, literal(unit.doc_kind)
        yield disclosure, DCTERMS.title, literal(f"{unit.name}{unit.fiscal_year}年度{unit.doc_kind}公开", lang="zh")
        yield from self._provenance(disclosure, unit.source)
        for index, (duty, source) in enumerate(unit.duties, start=1):
            node = self.iris.duty(unit.name, doc.file, index)
            yield u, BK.duty, node
            yield node, RDF.value, literal(duty, lang="zh")
            yield from self._at(node, BK.source, source)
        if unit.organisation:
            yield u, BK.organisation, literal(unit.organisation, lang="zh")

    def table(self, doc: BudgetDocument, index: int, table: BudgetTable) -> Iterator[Triple]:
        iris, t = self.iris, self.iris.table(doc.file, index)
        yield t, RDF.type, BK.BudgetTable
        yield t, DCTERMS.title, literal(table.title, lang="zh")
        yield t, BK.tableKind, literal(table.kind)
        if table.number is not None:
            yield t, BK.tableNumber, literal(table.number)
        yield t, BK.empty, literal(table.empty)
        yield t, BK.disclosure, iris.disclosure(doc.file)
        yield t, BK.amountUnit, literal("万元")
        yield from self._provenance(t, table.empty_note if table.empty and table.empty_note else table.source)
        for row_index, row in enumerate(table.subjects, start=1):
            r = iris.row(doc.file, index, row_index)
            yield r, RDF.type, BK.SubjectObservation
            yield r, QB.dataSet, t
            yield r, BK.rowIndex, literal(row_index)
            yield r, BK.rowName, literal(row.name, lang="zh")
            if row.code:
                yield r, BK.subject, iris.subject(row.code)
                yield from self.subject(row.code, row.name, row.source)
            for key, printed in row.amounts.items():
                if key in MEASURES:
                    yield from self._amount(r, key, printed)
            yield from self._provenance(r, row.source)
        offset = len(table.subjects)
        for row_index, econ in enumerate(table.econ, start=offset + 1):
            r = iris.row(doc.file, index, row_index)
            yield r, RDF.type, BK.EconObservation
            yield r, QB.dataSet, t
            yield r, BK.rowIndex, literal(row_index)
            yield r, BK.deptEconName, literal(econ.dept_econ_name, lang="zh")
            yield from self._text(r, BK.govEconName, econ.gov_econ_name)
            for key in ("total", "personnel", "public"):
                yield from self._amount(r, key, getattr(econ, key))
            yield from self._provenance(r, econ.source)
        if not table.subjects and not table.econ and not table.projects:
            for row_index, row in enumerate(table.rows, start=1):
                r = iris.row(doc.file, index, row_index)
                yield r, RDF.type, BK.RowObservation
                yield r, QB.dataSet, t
                yield r, BK.rowIndex, literal(row_index)
                yield r, BK.printedCells, literal("\t".join(c or "" for c in row.cells))
                yield from self._provenance(r, row.source)

    def subject(self, code: str, name: str, source: SourceRef) -> Iterator[Triple]:
        """A 科目 concept; codes are national, so every document's row points at the same node."""
        s = self.iris.subject(code)
        yield s, RDF.type, BK.BudgetSubject
        yield s, SKOS.inScheme, BK.subjects
        yield s, SKOS.notation, literal(code)
        yield s, SKOS.prefLabel, literal(name, lang="zh")
        yield s, BK.level, literal({3: 1, 5: 2, 7: 3}.get(len(code), 0))
        if len(code) > 3:
            yield s, SKOS.broader, self.iris.subject(code[: len(code) - 2])
        yield from self._at(s, BK.source, source)

    def projects(self, doc: BudgetDocument) -> Iterator[Triple]:
        iris = self.iris
        ordinal = 0
        paired = pair_performance(doc)
        for index, table in enumerate(doc.tables, start=1):
            for row in table.projects:
                if row.is_unit_total:
                    continue
                ordinal += 1
                p = iris.project(doc.file, ordinal)
                yield p, RDF.type, BK.Project
                yield p, RDF.type, QB.Observation
                yield p, QB.dataSet, iris.table(doc.file, index)
                yield p, SKOS.prefLabel, literal(row.name, lang="zh")
                yield p, BK.unit, iris.unit(doc.unit.name)
                yield p, BK.disclosure, iris.disclosure(doc.file)
                yield p, BK.fiscalYear, literal(str(doc.unit.fiscal_year), datatype=XSD.gYear)
                yield p, BK.carriedOver, literal(table.kind == "projects_carryover")
                yield p, BK.amountUnit, literal("万元")
                yield p, BK.order, literal(ordinal)
                yield from self._amount(p, "total", row.total_wan)
                for key, printed in row.funding.items():
                    yield from self._amount(p, key, printed)
                yield from self._provenance(p, row.source)
                perf = paired.get(id(row))
                if perf is not None:
                    yield p, BK.performance, iris.performance(doc.file, perf)
        for perf_ordinal, target in enumerate(doc.performance, start=1):
            yield from self.performance(doc, perf_ordinal, target)

    def performance(self, doc: BudgetDocument, ordinal: int, target: PerformanceTarget) -> Iterator[Triple]:
        iris, node = self.iris, self.iris.performance(doc.file, ordinal)
        yield node, RDF.type, BK.PerformanceTarget
        yield node, BK.projectNamePrinted, literal(target.project, lang="zh")
        yield node, BK.disclosure, iris.disclosure(doc.file)
        yield node, BK.amountUnit, literal("元")
        for prop, value in (
            (BK.competentDepartment, target.department),
            (BK.implementingUnit, target.implementing_unit),
            (BK.projectAttribute, target.attribute),
            (BK.projectPeriod, target.period),
            (BK.overview, target.overview),
            (BK.basis, target.basis),
            (BK.necessity, target.necessity),
            (BK.measures, target.measures),
            (BK.plan, target.plan),
            (BK.goalImplementation, target.goal_implementation),
            (BK.goalAnnual, target.goal_annual),
        ):
            yield from self._text(node, prop, value)
        yield from self._amount(node, "implementation_total", target.implementation_total_yuan)
        yield from self._amount(node, "annual_total", target.annual_total_yuan)
        if target.indicator_count is not None:
            yield node, BK.indicatorCount, literal(target.indicator_count)
        if target.overview_source:
            yield from self._at(node, BK.overviewSource, target.overview_source)
        for index, ind in enumerate(target.indicators, start=1):
            i = iris.indicator(doc.file, ordinal, index)
            yield node, BK.indicator, i
            yield i, RDF.type, BK.Indicator
            yield i, BK.order, literal(index)
            yield i, BK.indicatorLevel1, literal(ind.level1)
            yield i, BK.indicatorLevel2, literal(ind.level2)
            yield i, BK.indicatorLevel3, literal(ind.level3)
            yield from self._text(i, BK.indicatorValue, ind.value)
            yield i, BK.half, literal(ind.half)
            yield from self._at(i, BK.source, ind.source)
        yield from self._provenance(node, target.source)

    # ------------------------------------------------------------------ quality
    def checks(self, file: str, results: Iterable[CheckResult]) -> Iterator[Triple]:
        for index, result in enumerate(results, start=1):
            c = self.iris.check(file, index)
            yield c, RDF.type, BK.Check
            yield c, BK.kind, literal(result.check)
            yield c, BK.holds, literal(result.holds)
            if result.table:
                yield c, DCTERMS.title, literal(result.table, lang="zh")
            yield c, BK.checkValues, literal(json.dumps(result.values, ensure_ascii=False, sort_keys=True))
            yield from self._provenance(c, result.source)

    def issues(self, scope: str, issues: Iterable[Issue]) -> Iterator[Triple]:
        for index, issue in enumerate(issues, start=1):
            a = self.iris.anomaly(scope, index)
            yield a, RDF.type, BK.Anomaly
            yield a, BK.kind, literal(issue.kind)
            yield a, BK.severity, literal(issue.severity)
            yield a, BK.message, literal(issue.message)
            if issue.revision:
                yield a, BK.revision, self.iris.revision(issue.revision)
            if issue.department:
                yield a, BK.department, self.iris.department(issue.department)
            if issue.code:
                yield a, SKOS.notation, literal(issue.code)
            if issue.level is not None:
                yield a, BK.level, literal(issue.level)
            yield from self._provenance(a, issue.source)

    # ------------------------------------------------------------------ catalog
    def revision(self, rev: Revision) -> Iterator[Triple]:
        iris, r = self.iris, self.iris.revision(rev.revision)
        yield r, RDF.type, BK.CatalogRevision
        yield r, RDF.type, SKOS.ConceptScheme
        yield r, BK.revisionName, literal(rev.revision)
        yield r, BK.series, literal(rev.series)
        yield r, DCTERMS.identifier, literal(rev.doc_no)
        yield r, DCTERMS.title, literal(rev.title, lang="zh")
        yield r, SKOS.prefLabel, literal(f"{rev.doc_no} {rev.title}", lang="zh")
        if rev.issued:
            yield r, DCTERMS.issued, literal(rev.issued, datatype=XSD.date)
        if rev.supersedes:
            yield r, DCTERMS.replaces, iris.revision(rev.supersedes)
        for doc_no in rev.supersedes_doc_nos:
            yield r, BK.repealsDocNo, literal(doc_no)
        yield r, BK.fragment, literal(rev.fragment)
        depth = 4 if rev.series == "A" else 3
        yield r, XKOS.numberOfLevels, literal(depth)
        for level in range(1, depth + 1):
            lv = iris.level(rev.revision, level)
            yield lv, RDF.type, XKOS.ClassificationLevel
            yield lv, XKOS.depth, literal(level)
            yield lv, SKOS.inScheme, r
        for source in rev.sources:
            yield from self._provenance(r, source)
        for file in dict.fromkeys(s.file for e in rev.entries for s in e.sources):
            yield r, PROV.wasDerivedFrom, iris.document(file)
        for order, dept in enumerate(rev.departments, start=1):
            yield from self.revision_department(rev, dept, order)
        yield from self.entries(rev)

    def revision_department(self, rev: Revision, dept: str, order: int) -> Iterator[Triple]:
        iris = self.iris
        rd, d = iris.revision_department(rev.revision, dept), iris.department(dept)
        yield d, RDF.type, BK.CatalogDepartment
        yield d, SKOS.inScheme, BK.departments
        yield d, SKOS.prefLabel, literal(dept, lang="zh")
        yield rd, RDF.type, BK.RevisionDepartment
        yield rd, BK.revision, iris.revision(rev.revision)
        yield rd, BK.department, d
        yield rd, BK.order, literal(order)
        yield rd, BK.truncated, literal(dept in rev.truncated_departments)

    def _entry_nodes(self, rev: Revision) -> list[URIRef]:
        """The IRI of each entry of `rev`, in order: a code printed twice in a department (at two levels)
        gets its level as a suffix the second time."""
        seen: dict[tuple[str | None, str], int] = {}
        out = []
        for entry in rev.entries:
            key = (entry.department, entry.code)
            seen[key] = seen.get(key, 0) + 1
            suffix = "" if seen[key] == 1 else f"-L{entry.level}"
            out.append(self.iris.entry(rev.revision, entry.department, entry.code, suffix))
        return out

    def entries(self, rev: Revision) -> Iterator[Triple]:
        """Every entry of `rev` with its code, level, names, flags and place in the code tree; where each copy
        of it is printed comes from `entry_copies`."""
        iris, r = self.iris, self.iris.revision(rev.revision)
        nodes: dict[tuple[str | None, str], URIRef] = {}
        for entry, e in zip(rev.entries, self._entry_nodes(rev), strict=True):
            nodes.setdefault((entry.department, entry.code), e)
            yield e, RDF.type, BK.CatalogEntry
            yield e, RDF.type, SKOS.Concept
            yield e, SKOS.inScheme, r
            yield e, SKOS.notation, literal(entry.code)
            yield e, SKOS.prefLabel, literal(entry.name, lang="zh")
            yield e, BK.level, literal(entry.level)
            yield e, BK.order, literal(entry.order)
            yield iris.level(rev.revision, entry.level), SKOS.member, e
            if entry.department:
                yield e, BK.department, iris.department(entry.department)
            if entry.parent_code:
                yield e, BK.parentCode, literal(entry.parent_code)
                parent = nodes.get((entry.department, entry.parent_code))
                if parent is not None and parent != e:
                    yield e, SKOS.broader, parent
            else:
                yield r, SKOS.hasTopConcept, e
            for raw in dict.fromkeys(entry.names_raw):
                yield e, BK.printedName, literal(raw, lang="zh")
            for variant in entry.variants:
                yield e, BK.variantName, literal(variant, lang="zh")
            for flag in entry.flags:
                yield e, BK.flag, literal(flag)
            if entry.department_evidence:
                yield e, BK.departmentEvidence, literal(entry.department_evidence)

    def entry_copies(self, rev: Revision) -> Iterator[Triple]:
        """`entry bk:source <document#Lline>` for every copy of every entry of `rev`.

        Apart from `entries` because it is the one part of a catalog that grows with the corpus (a copy per
        document that prints the catalog): the rest stays small enough to query from memory.
        """
        for entry, node in zip(rev.entries, self._entry_nodes(rev), strict=True):
            for source in entry.sources:
                yield from self._at(node, BK.source, source)


def pair_performance(doc: BudgetDocument) -> dict[int, int]:
    """Project row (by id) → ordinal of its 绩效目标表: same normalised name, else the same amount.

    The eval README pairs by amount (年度资金总额 / 10000 = 合计); a name match is tried first so two
    projects of equal amount do not swap.
    """
    from ..graph.text_clean import normalise_name

    rows: list[ProjectRow] = [r for t in doc.tables for r in t.projects if not r.is_unit_total]
    result: dict[int, int] = {}
    taken: set[int] = set()
    by_name = {normalise_name(p.project): i for i, p in enumerate(doc.performance, start=1)}
    for row in rows:
        ordinal = by_name.get(normalise_name(row.name))
        if ordinal is not None and ordinal not in taken:
            result[id(row)] = ordinal
            taken.add(ordinal)
    for row in rows:
        if id(row) in result:
            continue
        total = to_decimal(row.total_wan)
        for ordinal, perf in enumerate(doc.performance, start=1):
            annual = to_decimal(perf.annual_total_yuan) or to_decimal(perf.implementation_total_yuan)
            if ordinal not in taken and total is not None and annual is not None and annual / Decimal(10000) == total:
                result[id(row)] = ordinal
                taken.add(ordinal)
                break
    return result
