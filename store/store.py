"""The knowledge store behind a small interface.

Everything above this module (CLI, search indexing, the officer's check, the web app) asks SPARQL
questions through `KnowledgeStore`; the embedded default is an Oxigraph-backed rdflib store
(oxrdflib), and `SparqlServiceStore` speaks the SPARQL 1.1 protocol to a remote server, so a server can
replace the embedded store under the same tests. Oxigraph is ~5,000× faster than rdflib's Memory store
on our catalog queries (see bench/store.py and the README).
"""

from __future__ import annotations

import functools
import io
import itertools
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import XSD, BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

Row = dict[str, Any]

PREFIXES = {
    "bk": "https://w3id.org/budgetkg/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xkos": "http://rdf-vocabulary.ddialliance.org/xkos#",
    "qb": "http://purl.org/linked-data/cube#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}

LOAD_CHUNK_LINES = 100_000  # N-Triples lines per bulk load (see OxigraphStore.load_ntriples)
EXPORT_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "nq": "nquads", "trig": "trig"}


class StoreError(Exception):
    """A query the store refused (syntax, update on a read-only store, timeout)."""


def python_value(term: Node | None) -> Any:
    """A SPARQL result term as a plain value: IRIs and strings as str, numbers exact, booleans as bool."""
    if term is None:
        return None
    if isinstance(term, Literal):
        if term.datatype in (XSD.integer, XSD.int, XSD.long):
            return int(term)
        if term.datatype == XSD.boolean:
            return term.toPython() is True or str(term) in ("true", "1")
        if term.datatype == XSD.decimal:
            return Decimal(str(term))
        return str(term)
    return str(term)


class KnowledgeStore(Protocol):
    """What the rest of budgetkg may ask of a store."""

    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> list[Row]: ...

    def ask(self, query: str) -> bool: ...

    def construct(self, query: str) -> Graph: ...

    def describe(self, iri: str) -> Graph: ...

    def protocol_query(self, query: str, result_format: str) -> tuple[bytes, str]: ...

    def export(self, fmt: str) -> bytes: ...

    def close(self) -> None: ...


def _as_nquads(text: bytes, graph: str) -> bytes | None:
    """N-Triples lines as N-Quads of `graph`: each line's closing " .\\n" gets the graph before it.

    A literal never holds a raw line break, so " .\\n" only ever closes a line. None when a line is closed
    otherwise (valid N-Triples, but not what `ntriples.nt_line` writes).
    """
    suffix = f" <{graph}> .\n".encode()
    quads = text.replace(b" .\n", suffix)
    if quads.count(suffix) != text.count(b"\n") or not text.endswith(b"\n"):
        return None
    return quads


class OxigraphStore:
    """The embedded default: an on-disk Oxigraph database seen through rdflib (oxrdflib)."""

    def __init__(self, inner: ox.Store) -> None:
        self.inner = inner

    @functools.cached_property
    def dataset(self) -> Dataset:
        """rdflib's view of the store (ASK, CONSTRUCT), made on first use: oxrdflib brings in rdflib's SPARQL
        engine, a fifth of a second of every command's start, and most commands never ask for it."""
        from oxrdflib import OxigraphStore as RdflibOxigraph

        dataset = Dataset(store=RdflibOxigraph(store=self.inner), default_union=True)
        for prefix, ns in PREFIXES.items():
            dataset.bind(prefix, ns)
        return dataset

    # -- lifecycle --------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path) -> OxigraphStore:
        path.mkdir(parents=True, exist_ok=True)
        return cls(ox.Store(str(path)))

    @classmethod
    def open_read_only(cls, path: Path) -> OxigraphStore:
        return cls(ox.Store.read_only(str(path)))

    @classmethod
    def in_memory(cls) -> OxigraphStore:
        """A store that lives and dies with the process: one document's graph while it is built, or the
        catalog the steps after the load read (`catalog_replica.CatalogReplica`)."""
        return cls(ox.Store())

    def load_ntriples(self, path: Path, graph: str) -> None:
        """Bulk-load an N-Triples file into a named graph (the fast path: no per-triple Python)."""
        self.load_ntriples_files([(path, graph)])

    def load_ntriples_files(self, files: Sequence[tuple[Path, str]]) -> None:
        """Bulk-load N-Triples files written by `ontology.ntriples`, each into its named graph.

        They go in pieces of about LOAD_CHUNK_LINES whole lines: Oxigraph's bulk loader holds what it is
        given in memory while it sorts, so a catalog graph of 2 M triples in one piece took 1.5 GB more than
        in pieces (and was no faster: 7.2 s vs 6.1 s for 0.87 M triples). Small files share a piece, as
        N-Quads: every call of the on-disk bulk loader ingests new sorted files that RocksDB then compacts
        with what it holds, and a corpus loaded one document (a few thousand triples) a call spent more on
        those compactions than on the load itself (bench/bulk_load.py: 0.64 of the CPU, batched).
        """
        pieces: list[tuple[bytes, str]] = []
        lines = 0
        for path, graph in files:
            with path.open("rb") as handle:
                while chunk := list(itertools.islice(handle, LOAD_CHUNK_LINES - lines)):
                    pieces.append((b"".join(chunk), graph))
                    lines += len(chunk)
                    if lines >= LOAD_CHUNK_LINES:
                        self._bulk_load(pieces)
                        pieces, lines = [], 0
        if pieces:
            self._bulk_load(pieces)

    def _bulk_load(self, pieces: list[tuple[bytes, str]]) -> None:
        """One call of the bulk loader for N-Triples text of one or several graphs."""
        if len({graph for _, graph in pieces}) == 1:
            self._load(b"".join(text for text, _ in pieces), pieces[0][1])
            return
        quads = []
        for text, graph in pieces:
            converted = _as_nquads(text, graph)
            if converted is None:  # loaded on its own, as N-Triples
                self._load(text, graph)
            else:
                quads.append(converted)
        if quads:
            self._load(b"".join(quads), None)

    def load_ntriples_text(self, text: str, graph: str) -> None:
        self._load(text.encode(), graph)

    def _load(self, data: bytes, graph: str | None) -> None:
        """Bulk-load N-Triples into `graph`, or N-Quads when it is None.

        Leniently (IRIs not validated again: 0.7 of the time in memory, 0.9 on disk): only the build loads, and
        only what `ontology.ntriples` wrote from IRIs minted under a base `ontology.iris.Iris` checked.
        """
        if graph is None:
            self.inner.bulk_load(data, format=ox.RdfFormat.N_QUADS, lenient=True)
        else:
            self.inner.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph), lenient=True)

    def clear_graph(self, graph: str) -> None:
        self.inner.remove_graph(ox.NamedNode(graph))

    def flush(self, compact: bool = True) -> None:
        """Write everything loaded to disk and (by default) compact it: a process opening the store read-only
        then sees it all, and no compaction runs behind its back. Compacting 8 M quads takes 25 s: once a
        build is enough."""
        self.inner.flush()
        if compact:
            self.inner.optimize()

    def close(self) -> None:
        """Let go of the database (the rdflib view holds it too), so that it closes now, not at exit."""
        self.__dict__.pop("dataset", None)
        del self.inner

    # -- queries ----------------------------------------------------------------------------
    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> list[Row]:
        """SELECT rows as plain values, straight from Oxigraph's terms.

        Going through rdflib's Result would build an rdflib term for every cell first; that conversion
        took most of the time of the large catalog queries.
        """
        query, substitutions = _bind_first(query, {k: _to_ox(v) for k, v in (bindings or {}).items()})
        try:
            result = self.inner.query(query, use_default_graph_as_union=True, prefixes=PREFIXES,
                                      substitutions=substitutions)
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(str(exc)) from exc
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError("not a SELECT query")
        names = [v.value for v in result.variables]
        return [dict(zip(names, map(ox_value, row), strict=True)) for row in result]

    def ask(self, query: str) -> bool:
        try:
            return bool(self.dataset.query(query).askAnswer)
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(str(exc)) from exc

    def construct(self, query: str) -> Graph:
        try:
            graph = self.dataset.query(query).graph
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(str(exc)) from exc
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns)
        return graph

    def describe(self, iri: str) -> Graph:
        """The triples about `iri` (as subject), plus the labels of what it points at."""
        node = ox.NamedNode(iri)
        graph = Graph()
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns)
        for quad in self.inner.quads_for_pattern(node, None, None, None):
            graph.add((URIRef(iri), URIRef(quad.predicate.value), _to_rdflib(quad.object)))
        return graph

    def protocol_query(self, query: str, result_format: str) -> tuple[bytes, str]:
        """Run a SPARQL query for the HTTP endpoint, serialised by Oxigraph in the requested format."""
        try:
            result = self.inner.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(str(exc)) from exc
        return serialize_result(result, result_format)

    def export(self, fmt: str) -> bytes:
        """The whole graph as Turtle, N-Triples, JSON-LD (default graph union) or N-Quads/TriG."""
        if fmt not in EXPORT_FORMATS:
            raise StoreError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
        out = io.BytesIO()
        if fmt in ("nq", "trig"):
            self.inner.dump(out, format=ox.RdfFormat.N_QUADS if fmt == "nq" else ox.RdfFormat.TRIG)
            return out.getvalue()
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in self.inner)
        ox_format = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}[fmt]
        ox.serialize(triples, out, format=ox_format, prefixes=PREFIXES if fmt != "nt" else None)
        return out.getvalue()

    def __len__(self) -> int:
        return len(self.inner)


_INTEGERS = frozenset({str(XSD.integer), str(XSD.int), str(XSD.long)})
_BOOLEAN, _DECIMAL = str(XSD.boolean), str(XSD.decimal)


def ox_value(term: Any) -> Any:
    """An Oxigraph result term as a plain value (see python_value). Called for every cell of every result."""
    if type(term) is ox.Literal:
        datatype = term.datatype.value
        if datatype in _INTEGERS:
            return int(term.value)
        if datatype == _BOOLEAN:
            return term.value in ("true", "1")
        if datatype == _DECIMAL:
            return Decimal(term.value)
        return term.value
    return None if term is None else term.value


_WHERE = re.compile(r"^(?:[^#\n]*?)\bWHERE\s*\{", re.IGNORECASE | re.MULTILINE)


def _bind_first(query: str, bindings: dict[str, Any]) -> tuple[str, dict[ox.Variable, Any]]:
    """(query, substitutions): bound variables as a VALUES block opening the query's WHERE, where it can.

    Oxigraph 0.5 applies `substitutions` without narrowing the plan by them: a bound ?revision still read
    every catalog entry (0.15 s against 0.005 s with the value at the head of the pattern). A variable the
    query assigns itself (`BIND(… AS ?v)`) cannot be in a VALUES block before it, so it stays a substitution.
    """
    where = _WHERE.search(query)
    first = {k: v for k, v in bindings.items() if where and not re.search(rf"\bAS\s+\?{k}\b", query)}
    rest = {ox.Variable(k): v for k, v in bindings.items() if k not in first}
    if not first or where is None:
        return query, rest
    names = " ".join(f"?{k}" for k in first)
    values = " ".join(str(v) for v in first.values())
    block = f" VALUES ({names}) {{ ({values}) }}"
    return query[: where.end()] + block + query[where.end():], rest


def _to_ox(term: Node | str | int) -> Any:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    return ox.Literal(str(term))


def _to_rdflib(term: Any) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


RESULT_FORMATS = {
    "json": (ox.QueryResultsFormat.JSON, "application/sparql-results+json"),
    "xml": (ox.QueryResultsFormat.XML, "application/sparql-results+xml"),
    "csv": (ox.QueryResultsFormat.CSV, "text/csv; charset=utf-8"),
    "tsv": (ox.QueryResultsFormat.TSV, "text/tab-separated-values; charset=utf-8"),
}
GRAPH_FORMATS = {
    "turtle": (ox.RdfFormat.TURTLE, "text/turtle; charset=utf-8"),
    "nt": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json"),
    "xml": (ox.RdfFormat.RDF_XML, "application/rdf+xml"),
}


def serialize_result(result: Any, result_format: str) -> tuple[bytes, str]:
    out = io.BytesIO()
    if isinstance(result, ox.QueryTriples):
        fmt, mime = GRAPH_FORMATS.get(result_format, GRAPH_FORMATS["turtle"])
        result.serialize(out, format=fmt)
        return out.getvalue(), mime
    fmt, mime = RESULT_FORMATS.get(result_format, RESULT_FORMATS["json"])
    result.serialize(out, format=fmt)
    return out.getvalue(), mime


class SparqlServiceStore:
    """A remote SPARQL 1.1 server (query endpoint only) behind the same interface."""

    def __init__(self, endpoint: str) -> None:
        from rdflib.plugins.stores.sparqlstore import SPARQLStore

        self.endpoint = endpoint
        self.dataset = Dataset(store=SPARQLStore(endpoint, returnFormat="json"), default_union=True)

    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> list[Row]:
        result = self.dataset.query(_inline_bindings(query, bindings))
        names = [str(v) for v in result.vars or []]
        return [{n: python_value(row[i]) for i, n in enumerate(names)} for row in result]

    def ask(self, query: str) -> bool:
        return bool(self.dataset.query(query).askAnswer)

    def construct(self, query: str) -> Graph:
        return self.dataset.query(query).graph

    def describe(self, iri: str) -> Graph:
        return self.construct(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}")

    def protocol_query(self, query: str, result_format: str) -> tuple[bytes, str]:
        raise StoreError("the remote store is queried directly at its own endpoint")

    def export(self, fmt: str) -> bytes:
        graph = self.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        return graph.serialize(format=EXPORT_FORMATS[fmt]).encode()

    def close(self) -> None:
        self.dataset.close()


def _inline_bindings(query: str, bindings: Mapping[str, Node] | None) -> str:
    """A remote endpoint takes no initBindings: put them in a VALUES block at the end of the query."""
    if not bindings:
        return query
    names = " ".join(f"?{k}" for k in bindings)
    values = " ".join(v.n3() for v in bindings.values())
    return f"{query}\nVALUES ({names}) {{ ({values}) }}"
