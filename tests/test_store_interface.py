"""The store sits behind an interface: a remote SPARQL 1.1 server gives the repository the same answers.

The remote server here is budgetkg's own /sparql endpoint served by waitress over HTTP, so the remote
store speaks the real protocol to a real server.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
import pytest
from web_fixtures import *  # noqa: F403  (fixtures: server, web_app, ws)

from budgetkg.check.linking import link_triples
from budgetkg.ontology.iris import Iris
from budgetkg.ontology.ntriples import nt_line
from budgetkg.pipeline import read_replica
from budgetkg.search.building import payload
from budgetkg.search.documents import DOC_TYPES
from budgetkg.search.from_graph import documents_from_graph
from budgetkg.search.index import open_index
from budgetkg.store.repository import Repository, first_place
from budgetkg.store.store import SparqlServiceStore


@pytest.fixture(scope="module")
def remote(server: str) -> Repository:
    return Repository(SparqlServiceStore(server + "/sparql"))


def _strip_ids(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "performance"} for r in records]


def test_remote_store_lists_the_same_units_as_the_embedded_one(remote: Repository, ws: Any) -> None:
    assert remote.units() == ws.repo.units()


def test_remote_store_gives_the_same_catalog_entries_with_bound_parameters(remote: Repository, ws: Any) -> None:
    remote_entries = remote.entries("B2023")
    assert remote_entries and all(e["department"] is None for e in remote_entries)
    assert remote_entries == ws.repo.entries("B2023")


def test_remote_store_gives_the_same_projects_filtered_by_unit(remote: Repository, ws: Any) -> None:
    unit = "永和县行政审批服务管理局"
    assert _strip_ids(remote.projects(unit, with_performance=False)) == _strip_ids(
        ws.repo.projects(unit, with_performance=False))


def test_every_projects_performance_read_at_once_equals_reading_them_one_by_one(ws: Any) -> None:
    everything = {p["id"]: p["performance"] for p in ws.repo.projects()}
    one_by_one = {p["id"]: p["performance"] for u in ws.repo.units() for p in ws.repo.projects(u["name"])}
    assert one_by_one == everything
    with_indicators = [p for p in everything.values() if p and p["indicators"]]
    assert len(with_indicators) > 50
    assert all(i["line"] for p in with_indicators for i in p["indicators"])



def test_the_build_indexes_in_order_exactly_the_documents_the_whole_graph_gives(ws: Any) -> None:
    """The build makes each document's search documents from its own graph; they must be the whole graph's."""
    expected = list(documents_from_graph(ws.repo, ws.generation / "sources"))
    assert {d.type for d in expected} == set(DOC_TYPES)
    with open_index(ws.index_dir) as index:
        assert index.doc_count == len(expected)
        indexed = [index._stored(n) for n in range(index.doc_count)]
    assert [p["id"] for _texts, p in indexed] == [d.id for d in expected]
    assert [p for _texts, p in indexed] == [payload(d) for d in expected]
    assert [t.get("body", "") for t, _p in indexed] == [d.body for d in expected]


def test_the_builds_links_read_from_the_catalog_in_memory_are_those_of_the_whole_graph(ws: Any) -> None:
    """The build links projects with the catalog graph copied into memory (`CatalogReplica`); linking over
    the store on disk alone must give the same triples."""
    iris = Iris(ws.base)
    expected = ox.Store()
    expected.bulk_load("".join(nt_line(*t) for t in link_triples(Repository(ws.store), iris)).encode(),
                       format=ox.RdfFormat.N_TRIPLES)
    built = {(q.subject, q.predicate, q.object)
             for q in ws.store.inner.quads_for_pattern(None, None, None, ox.NamedNode(str(iris.graph("links"))))}
    assert len(built) > 10_000
    assert built == {(q.subject, q.predicate, q.object) for q in expected}


def test_the_replicas_places_read_from_the_copies_file_are_those_the_store_gives(ws: Any) -> None:
    """The steps after the load read where each entry is printed from the catalog copies' file, not the store:
    every revision's places, and the first document's alone (all the search documents need), must agree."""
    iris = Iris(ws.base)
    files = {d["id"]: d["file"] for d in ws.repo.documents()}
    replica = read_replica(ws.generation, str(iris.graph("catalog")), files)
    first_only = read_replica(ws.generation, str(iris.graph("catalog")), files, first_file_only=True)
    from_replica, from_first = Repository(ws.store, catalog=replica), Repository(first_only.store, catalog=first_only)
    copies = 0
    for revision in [r["revision"] for r in ws.repo.revisions()]:
        places = ws.repo.entry_places(revision)
        copies += sum(len(p) for p in places.values())
        assert from_replica.entry_places(revision) == places
        assert {e: first_place(p) for e, p in from_first.entry_places(revision).items()} == {
            e: first_place(p) for e, p in places.items()}
        assert from_first.entries(revision, sources="first") == ws.repo.entries(revision, sources="first")
    assert copies > 5_000
