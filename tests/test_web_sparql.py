"""The SPARQL endpoint driven by SPARQLWrapper as a real client: results, formats, read-only, limits."""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from web_fixtures import *  # noqa: F403  (fixtures: server, web_app, ws)
from web_fixtures import serving

from budgetkg.web.app import create_app

REVISIONS = """SELECT ?revision ?doc_no WHERE { ?r a bk:CatalogRevision ; bk:revisionName ?revision ;
  dcterms:identifier ?doc_no } ORDER BY ?revision"""


def client(server: str, query: str, fmt: str = JSON, method: str | None = None) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    if method:
        sparql.setMethod(method)
    return sparql


def test_select_json_get_and_post(server: str) -> None:
    for method in (None, POST):
        result = client(server, REVISIONS, JSON, method).queryAndConvert()
        rows = {b["revision"]["value"]: b["doc_no"]["value"] for b in result["results"]["bindings"]}  # type: ignore
        assert rows["2023"] == "晋财综〔2023〕43号" and set(rows) == {"2023", "2024", "2025", "B2023"}


def test_select_xml_and_csv(server: str) -> None:
    xml = client(server, REVISIONS, XML).queryAndConvert()
    assert len(xml.getElementsByTagName("result")) == 4  # type: ignore[union-attr]
    text = client(server, REVISIONS, CSV).queryAndConvert()
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8"))))  # type: ignore[union-attr]
    assert {r["revision"] for r in rows} == {"2023", "2024", "2025", "B2023"}


def test_ask_and_construct(server: str) -> None:
    assert client(server, "ASK { ?e a bk:CatalogEntry }", JSON).queryAndConvert()["boolean"] is True  # type: ignore
    graph = client(server, "CONSTRUCT { ?r ?p ?o } WHERE { ?r a bk:CatalogRevision ; ?p ?o }",
                   TURTLE).queryAndConvert()
    parsed = graph if isinstance(graph, Graph) else Graph().parse(data=graph, format="turtle")
    assert len(parsed) > 10


def test_updates_are_refused(server: str) -> None:
    for update in ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE WHERE { ?s ?p ?o }", "CLEAR ALL",
                   "DROP GRAPH <urn:g>", "LOAD <http://example.org/x>", "CREATE GRAPH <urn:g>"):
        with pytest.raises(QueryBadFormed):
            client(server, update, JSON, POST).query()
        # sent as a query (not as `update=`), the text itself is refused before any store sees it
        url = server + "/sparql?" + urllib.parse.urlencode({"query": update})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(url, timeout=30)
        assert info.value.code == 400 and "只读" in info.value.read().decode("utf-8")
    # a keyword inside a string or an IRI is not an update
    ok = client(server, 'SELECT ?x WHERE { BIND("DELETE ALL" AS ?x) }').queryAndConvert()
    assert ok["results"]["bindings"][0]["x"]["value"] == "DELETE ALL"  # type: ignore[index]


def test_syntax_errors_and_oversized_queries(server: str) -> None:
    with pytest.raises(QueryBadFormed):
        client(server, "SELEKT * WHERE { ?s ?p ?o }").query()
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 21_000
    request = urllib.request.Request(server + "/sparql", data=big.encode(),
                                     headers={"Content-Type": "application/sparql-query"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=30)
    assert info.value.code == 413 and "kB" in info.value.read().decode("utf-8")


def test_result_cap(server: str) -> None:
    url = server + "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert "10000" in response.headers["X-Result-Truncated"]
        assert len(json.loads(response.read())["results"]["bindings"]) == 10_000


@pytest.fixture(scope="module")
def impatient_server(data_dir: Path) -> Iterator[str]:
    app = create_app(data_dir, testing=True, warm_up=False)
    app.config["SPARQL_TIMEOUT"] = 0.3
    with serving(app) as url:
        yield url


def test_timeout_gives_503(impatient_server: str) -> None:
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    url = impatient_server + "/sparql?" + urllib.parse.urlencode({"query": slow})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"}),
                               timeout=30)
    assert info.value.code == 503 and "超时" in info.value.read().decode("utf-8")


def test_examples_page_and_examples_run(server: str) -> None:
    with urllib.request.urlopen(server + "/sparql", timeout=30) as response:
        html = response.read().decode("utf-8")
    assert "示例查询" in html and html.count('class="example"') >= 4
    from budgetkg.web.sparql import examples

    for example in examples():
        fmt = TURTLE if "CONSTRUCT" in example["query"] else JSON
        result: Any = client(server, example["query"], fmt).queryAndConvert()
        assert result, example["name"]
