"""Read models over the store: the records the CLI prints as JSON and the web app renders.

Each method runs one SPARQL file from queries/ and shapes its rows into the JSON records the issues
define (field names are part of the interface: tests and users rely on them). A value the caller binds
must appear in the query's SELECT list: Oxigraph substitutes only projected variables.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from .catalog_replica import CatalogReplica, Places, add_place, parse_location
from .store import PREFIXES, KnowledgeStore, Row

Record = dict[str, Any]
SourcesWanted = typing.Literal["all", "first", "none"]
T = typing.TypeVar("T")


@cache
def load_query(name: str) -> str:
    """The SPARQL text of queries/<name>.rq, with the PREFIX lines it needs."""
    text = resources.files(__package__).joinpath("queries", f"{name}.rq").read_text(encoding="utf-8")
    header = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    return header + text


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split("|") if v]


def by_position(records: Iterable[Record]) -> list[Record]:
    """Records in source order (file, line); records without a source first."""
    return sorted(records, key=lambda r: (r["source"]["file"], r["source"]["line"]) if r.get("source") else ("", 0))


def first_place(places: dict[str, tuple[int, int]]) -> Record | None:
    """The first of an entry's copies by file name and line, as `Repository.sources` orders them."""
    if not places:
        return None
    file = min(places)
    return {"file": file, "line": places[file][0], "end_line": places[file][1]}


_NO_VALUES: tuple[list[str], list[str], list[str]] = ([], [], [])


class Repository:
    """Queries that answer the CLI commands and the pages."""

    def __init__(self, store: KnowledgeStore, catalog: CatalogReplica | None = None) -> None:
        """`catalog`, when given, answers the catalog queries and where each copy is printed, and names the
        documents: the build's replica of the catalog (store/catalog_replica.py), several times faster than the
        store on disk."""
        self.store = store
        self.catalog: KnowledgeStore = catalog.store if catalog is not None else store
        self._places = catalog.places if catalog is not None else None
        self._files: dict[str, str] | None = dict(catalog.files) if catalog is not None else None
        self._kept: dict[tuple[str, tuple[tuple[str, Any], ...]], Any] = {}

    def documents(self) -> list[Record]:
        return [{"id": r["doc"], "file": r["file"], "lines": r["lines"], "sha256": r["sha256"]}
                for r in self._select("documents")]

    def source(self, location: str | None) -> Record | None:
        """{file, line, end_line} of a location IRI <document#Lline[-Lend]>."""
        place = self._place(location) if location else None
        return None if place is None else {"file": place[0], "line": place[1], "end_line": place[2]}

    def _place(self, location: str) -> tuple[str, int, int] | None:
        """(file, line, end line) of a location IRI, without building a record (over a million at scale)."""
        if self._files is None:
            self._files = {d["id"]: d["file"] for d in self.documents()}
        return parse_location(location, self._files)

    def sources(self, joined: str | None) -> list[Record]:
        return self._locations(_split(joined))

    def _locations(self, locations: Iterable[str]) -> list[Record]:
        found = [s for s in map(self.source, dict.fromkeys(locations)) if s]
        return sorted(found, key=lambda s: (s["file"], s["line"]))

    def _select(self, name: str, on: KnowledgeStore | None = None, **bindings: Node | str | int | None) -> list[Row]:
        """Run queries/<name>.rq (on the store unless `on` says otherwise); plain values bind as literals,
        rdflib terms (IRIs) as they are."""
        bound = {k: v if isinstance(v, Node) else Literal(v) for k, v in bindings.items() if v is not None}
        return (self.store if on is None else on).select(load_query(name), bound)

    def _select_kept(self, name: str, **bindings: str) -> list[Row]:
        """`_select` on the catalog, run once per repository: for the catalog queries whose size does not grow
        with the number of documents (one reconciled catalog), which the search documents, the check and the
        pages all read. A repository reads one generation, and a generation never changes once built."""
        return self._keep(name, bindings, lambda: self._select(name, on=self.catalog, **bindings))

    def _keep(self, name: str, bindings: dict[str, str], compute: Callable[[], T]) -> T:
        """`compute()` once per repository and (name, bindings): see `_select_kept`."""
        key = (name, tuple(sorted(bindings.items())))
        if key not in self._kept:
            self._kept[key] = compute()
        return self._kept[key]  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ catalog
    def revisions(self) -> list[Record]:
        out = []
        for r in self._select_kept("catalog_revisions"):
            out.append({
                "revision": r["revision"],
                "id": r["rev"],
                "series": r["series"],
                "doc_no": r["doc_no"],
                "title": r["title"],
                "issued": r["issued"],
                "supersedes": r["supersedes"],
                "repeals_doc_nos": _split(r["repeals"]),
                "fragment": r["fragment"],
                "entries": r["entries"],
                "departments": r["departments"],
                "sources": self.sources(r["sources"]),
            })
        return out

    def entries(self, revision: str, department: str | None = None, level: int | None = None, *,
                sources: SourcesWanted = "all") -> list[Record]:
        """Entries of a revision in document order, with all their sources, only the first, or none.

        An entry has a source in every copy of its catalog (hundreds at scale); most callers show one, and
        keeping them all in memory for every entry cost a quarter of a large build's memory. With "none",
        `entry_places` gives them in a compact form.
        """
        rows = self._select_kept("catalog_entries", revision=revision)
        values = self._entry_values(revision)
        located = self._entry_locations(revision) if sources == "all" else {}
        places = self.entry_places(revision) if sources == "first" else {}
        out = []
        for r in rows:
            if department is not None and r["department"] != department:
                continue
            if level is not None and r["level"] != level:
                continue
            flags, printed, variants = values.get(r["entry"], _NO_VALUES)
            record: Record = {
                "id": r["entry"],
                "revision": r["revision"],
                "doc_no": r["doc_no"],
                "department": r["department"],
                "code": r["code"],
                "level": r["level"],
                "name": r["name"],
                "name_raw": list(printed),
                "parent_code": r["parent_code"],
                "flags": sorted(flags),
                "variants": list(variants),
                "department_evidence": r["evidence"],
            }
            if sources == "all":
                found = self._locations(located.get(r["entry"], []))
                record["source"] = found[0] if found else None
                record["sources"] = found
            elif sources == "first":
                record["source"] = first_place(places.get(r["entry"], {}))
            out.append(record)
        return out

    def _entry_values(self, revision: str) -> dict[str, tuple[list[str], list[str], list[str]]]:
        """Entry IRI → (flags, printed names, variant names), each sorted without repeats: a property's values
        have no order in RDF, and each store gives them in its own (on disk and in memory they differed)."""
        def read() -> dict[str, tuple[list[str], list[str], list[str]]]:
            values: dict[str, tuple[list[str], list[str], list[str]]] = {}
            for r in self._select("catalog_entry_values", on=self.catalog, revision=revision):
                lists = values.setdefault(r["entry"], ([], [], []))
                for kept, value in zip(lists, (r["flag"], r["printed"], r["variant"]), strict=True):
                    if value is not None and value not in kept:
                        kept.append(value)
            for lists in values.values():
                for kept in lists:
                    kept.sort()
            return values

        return self._keep("entry_values", {"revision": revision}, read)

    def _entry_locations(self, revision: str) -> dict[str, list[str]]:
        """Entry IRI → the location IRIs of its copies (`source` reads one as {file, line, end_line})."""
        return {r["entry"]: _split(r["locs"]) for r in self._select("catalog_entry_sources", revision=revision)}

    def entry_places(self, revision: str) -> Places:
        """Entry IRI → {document file → (line, end line)} of its first copy in each document.

        Every copy of every entry (a catalog in each of a thousand documents: over a million) is read once per
        repository and kept in this compact form: the search documents and the check's model both need it, and
        a dict per copy took most of the model's memory. The build's replica has them read from its file.
        """
        def read() -> Places:
            if self._places is not None:
                return {r["entry"]: self._places[r["entry"]]
                        for r in self._select_kept("catalog_entries", revision=revision) if r["entry"] in self._places}
            places: Places = {}
            for entry_iri, locations in self._entry_locations(revision).items():
                entry = places.setdefault(entry_iri, {})
                for place in filter(None, map(self._place, locations)):
                    add_place(entry, place, first_file_only=False)
            return places

        return self._keep("entry_places", {"revision": revision}, read)

    def departments(self, revision: str) -> list[Record]:
        entries: dict[str, int] = {}
        recovered: set[str] = set()
        for e in self.entries(revision, sources="none"):
            if e["department"] is not None:
                entries[e["department"]] = entries.get(e["department"], 0) + 1
                if "recovered_department" in e["flags"]:
                    recovered.add(e["department"])
        return [
            {
                "department": r["department"],
                "order": r["order"],
                "entries": entries.get(r["department"], 0),
                "truncated": r["truncated"],
                "flags": (["truncated_department"] if r["truncated"] else [])
                + (["recovered_department"] if r["department"] in recovered else []),
            }
            for r in self._select_kept("catalog_departments", revision=revision)
        ]

    # ------------------------------------------------------------------ budget side
    def units(self) -> list[Record]:
        out = []
        texts = self.unit_texts()
        for r in self._select("units"):
            out.append({
                "id": r["unit"],
                "name": r["name"],
                "county": r["county"],
                "prefecture_city": r["prefecture_city"],
                "admin_level": r["admin_level"],
                "fiscal_year": r["fiscal_year"],
                "doc_kind": r["doc_kind"],
                "catalog_department": r["catalog_department"],
                "disclosure": r["disclosure"],
                "duties": texts.get(r["unit"], {}).get("duties", []),
                "organisation": texts.get(r["unit"], {}).get("organisation"),
                "source": self.source(r["loc"]),
            })
        return by_position(out)

    def unit_texts(self) -> dict[str, dict[str, Any]]:
        """Unit IRI → {"duties": [...] in printed order, "organisation": str | None}."""
        texts: dict[str, dict[str, Any]] = {}
        printed: dict[str, list[tuple[tuple[str, int], str]]] = {}
        for r in self._select("unit_texts"):
            texts.setdefault(r["unit"], {"duties": [], "organisation": r["organisation"]})
            if r["duty"]:
                where = self.source(r["duty_loc"]) or {"file": "", "line": 0}
                printed.setdefault(r["unit"], []).append(((where["file"], where["line"]), r["duty"]))
        for unit, duties in printed.items():
            texts[unit]["duties"] = list(dict.fromkeys(duty for _where, duty in sorted(duties)))
        return texts

    def projects(self, unit: str | None = None, with_performance: bool = True) -> list[Record]:
        rows = self._select("projects", unit_name=unit)
        performances = self._tables([r["performance"] for r in rows], unit is None) if with_performance else {}
        out = []
        for r in rows:
            record: Record = {
                "id": r["project"],
                "unit": r["unit_name"],
                "fiscal_year": r["fiscal_year"],
                "name": r["name"],
                "table": r["table_title"],
                "carried_over": r["carried_over"],
                "total_wan": r["total"],
            }
            for key in ("general_public_budget", "gov_fund", "state_capital", "special_account", "unit_funds"):
                record[key] = r[key]
            record["source"] = self.source(r["loc"])
            if with_performance:
                record["performance"] = performances.get(r["performance"]) if r["performance"] else None
            out.append(record)
        return by_position(out)

    def performance(self, iri: str) -> Record | None:
        return self._performances(iri).get(iri)

    def _tables(self, iris: list[str | None], everything: bool) -> dict[str, Record]:
        """The 绩效目标表 of `iris`: all of the graph's at once (`everything`), else one by one."""
        if everything:
            return self._performances()
        return {iri: p for iri in iris if iri and (p := self.performance(iri)) is not None}

    def _performances(self, iri: str | None = None) -> dict[str, Record]:
        """One 绩效目标表 with its indicators, or (iri None) every one in the graph: two queries either way.

        Queried one by one, the tables of a thousand documents took two queries each, most of the time of
        making the search documents.
        """
        bound = {"performance": URIRef(iri)} if iri else {}
        indicators: dict[str, list[Record]] = {}
        for i in self._select("indicators", **bound):
            indicators.setdefault(i["performance"], []).append(
                {"level1": i["level1"], "level2": i["level2"], "level3": i["level3"], "value": i["value"],
                 "half": i["half"], "line": (self.source(i["loc"]) or {}).get("line")})
        out: dict[str, Record] = {}
        for r in self._select("performance", **bound):
            if r["performance"] not in out:  # a repeated optional value repeats the row: the first one stands
                out[r["performance"]] = self._performance_record(r, indicators.get(r["performance"], []))
        return out

    def _performance_record(self, r: Row, indicators: list[Record]) -> Record:
        return {
            "id": r["performance"],
            "project": r["project_name"],
            "department": r["department"],
            "implementing_unit": r["implementing_unit"],
            "attribute": r["attribute"],
            "period": r["period"],
            "implementation_total_yuan": r["implementation_total"],
            "annual_total_yuan": r["annual_total"],
            "overview": r["overview"],
            "overview_line": (self.source(r["overview_loc"]) or {}).get("line"),
            "basis": r["basis"],
            "necessity": r["necessity"],
            "goal_implementation": r["goal_implementation"],
            "goal_annual": r["goal_annual"],
            "indicator_count": r["indicator_count"],
            "indicators": indicators,
            "source": self.source(r["loc"]),
        }

    def performances(self, unit: str | None = None) -> list[Record]:
        """Every 绩效目标表, including any that no project row pairs with."""
        rows = self._select("performance_list", unit_name=unit)
        tables = self._tables([r["performance"] for r in rows], unit is None)
        return by_position([{"unit": r["unit_name"], **tables.get(r["performance"], {})} for r in rows])

    def subjects(self, unit: str | None = None) -> list[Record]:
        out = []
        for r in self._select("subjects", unit_name=unit):
            record: Record = {"id": r["row"], "subject": r["subject"], "unit": r["unit_name"], "table": r["table"],
                              "code": r["code"], "name": r["name"]}
            for key in ("total", "basic", "project", "general_public_budget", "gov_fund", "state_capital",
                        "special_account", "unit_funds", "carryover"):
                if r[key] is not None or key in ("total", "basic", "project"):
                    record[key] = r[key]
            record["source"] = self.source(r["loc"])
            out.append(record)
        return by_position(out)

    def tables(self, unit: str | None = None) -> list[Record]:
        return by_position([
            {"id": r["t"], "unit": r["unit_name"], "title": r["title"], "number": r["number"], "kind": r["kind"],
             "empty": r["empty"], "source": self.source(r["loc"])}
            for r in self._select("tables", unit_name=unit)
        ])

    def econ(self, unit: str | None = None) -> list[Record]:
        return by_position([
            {"unit": r["unit_name"], "table": r["table"], "dept_econ_name": r["dept_econ_name"],
             "gov_econ_name": r["gov_econ_name"], "total": r["total"], "personnel": r["personnel"],
             "public": r["public"], "source": self.source(r["loc"])}
            for r in self._select("econ_rows", unit_name=unit)
        ])

    def procurement(self) -> list[Record]:
        return by_position([
            {"unit": r["unit_name"], "total": r["total"], "goods": r["goods"], "works": r["works"],
             "services": r["services"], "amount_unit": r["unit"],
             "source": self.source(r["loc"])}
            for r in self._select("procurement")
        ])

    # ------------------------------------------------------------------ quality
    def anomalies(self) -> list[Record]:
        return by_position([
            {"kind": r["kind"], "severity": r["severity"], "message": r["message"], "revision": r["revision"],
             "department": r["department"], "code": r["code"], "level": r["level"],
             "source": self.source(r["loc"])}
            for r in self._select("quality_anomalies")
        ])

    def checks(self) -> list[Record]:
        return by_position([
            {"check": r["check"], "holds": r["holds"], "table": r["table"], **json.loads(r["values"]),
             "source": self.source(r["loc"])}
            for r in self._select("quality_checks")
        ])
