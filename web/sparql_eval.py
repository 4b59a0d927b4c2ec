"""SPARQL evaluation in worker processes that can be killed at the deadline.

Why processes: Oxigraph evaluates aggregates, ORDER BY and big joins inside Rust before the first row
reaches Python, so a thread cannot stop such a query; the only sure stop is to end the process running it.
Each worker opens the generation's store read-only once and answers queries over a pipe; a worker that
misses the deadline is killed and a fresh one takes its place. This module imports only pyoxigraph and
the standard library, so a worker starts quickly.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing as mp
import threading
from multiprocessing.connection import Connection
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from ..store.store import PREFIXES

SELECT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS = {
    "turtle": (ox.RdfFormat.TURTLE, "text/turtle"),
    "nt": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json"),
    "xml": (ox.RdfFormat.RDF_XML, "application/rdf+xml"),
}


class QueryFailed(Exception):
    """The query is wrong (syntax, evaluation error): a 400 with the store's message."""


class QueryTimeout(Exception):
    """The query did not finish before the deadline: its worker was ended."""


def _term(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != PREFIXES["xsd"] + "string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def render_select(vars_: list[str], rows: list[list[Any]], fmt: str) -> bytes:
    """SPARQL 1.1 results in JSON, XML, CSV or TSV (written here so rows can be capped as they stream)."""
    if fmt == "json":
        bindings = [{n: _term(t) for n, t in zip(vars_, row, strict=True) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": vars_}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f"<variable name={quoteattr(n)}/>" for n in vars_]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            for n, t in zip(vars_, row, strict=True):
                if t is None:
                    continue
                j = _term(t)
                if j["type"] == "uri":
                    inner = f"<uri>{escape(j['value'])}</uri>"
                elif j["type"] == "bnode":
                    inner = f"<bnode>{escape(j['value'])}</bnode>"
                else:
                    attrs = (f" xml:lang={quoteattr(j['xml:lang'])}" if "xml:lang" in j else "") + \
                        (f" datatype={quoteattr(j['datatype'])}" if "datatype" in j else "")
                    inner = f"<literal{attrs}>{escape(j['value'])}</literal>"
                out.append(f"<binding name={quoteattr(n)}>{inner}</binding>")
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(vars_)
        for row in rows:
            writer.writerow(["" if t is None else (f"_:{t.value}" if isinstance(t, ox.BlankNode) else t.value)
                             for t in row])
        return buf.getvalue().encode()
    lines = ["\t".join(f"?{n}" for n in vars_)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def render_boolean(value: bool, fmt: str) -> bytes:
    word = "true" if value else "false"
    if fmt == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{word}</boolean></sparql>\n").encode()
    if fmt in ("csv", "tsv"):
        return f"_askResult\r\n{word}\r\n".encode()
    return json.dumps({"head": {}, "boolean": value}).encode()


def evaluate(store: ox.Store, text: str, select_fmt: str, graph_fmt: str, max_rows: int) -> dict[str, Any]:
    """Run one query; results capped at `max_rows`, serialised in the asked format (body as bytes)."""
    result = store.query(text, use_default_graph_as_union=True, prefixes=PREFIXES)
    if isinstance(result, ox.QueryBoolean):
        return {"kind": "ask", "value": bool(result), "body": render_boolean(bool(result), select_fmt),
                "truncated": False}
    rows: list[Any] = []
    truncated = False
    if isinstance(result, ox.QueryTriples):
        for triple in result:
            if len(rows) >= max_rows:
                truncated = True
                break
            rows.append(triple)
        out = io.BytesIO()
        ox.serialize(rows, out, format=GRAPH_FORMATS[graph_fmt][0],
                     prefixes=PREFIXES if graph_fmt == "turtle" else None)
        return {"kind": "graph", "count": len(rows), "body": out.getvalue(), "truncated": truncated,
                "preview": [[str(t.subject), str(t.predicate), str(t.object)] for t in rows[:500]]}
    names = [v.value for v in result.variables]
    for solution in result:
        if len(rows) >= max_rows:
            truncated = True
            break
        rows.append([solution[n] for n in names])
    return {"kind": "select", "vars": names, "count": len(rows), "body": render_select(names, rows, select_fmt),
            "truncated": truncated,
            "preview": [[_term(t) if t is not None else None for t in row] for row in rows[:1000]]}


def _worker(conn: Connection, store_path: str) -> None:
    store = ox.Store.read_only(store_path)
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", evaluate(store, *job)))
        except (SyntaxError, ValueError, OSError, RuntimeError) as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, store_path: str) -> None:
        ctx = mp.get_context("spawn")
        self.store_path = store_path
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, store_path), daemon=True, name="budgetkg-sparql")
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Startup (interpreter, import, opening the store) is not charged to the first query's deadline."""
        if not self.ready:
            if not self.conn.poll(timeout):
                self.stop()
                raise QueryTimeout
            self.conn.recv()
            self.ready = True

    def stop(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryWorkers:
    """A few worker processes over one store; `run()` answers within `timeout` seconds or kills the worker."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._idle: list[_Worker] = []
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()

    def _take(self, store_path: str) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.store_path == store_path and worker.process.is_alive():
                    return worker
                worker.stop()  # a newer generation was published, or the worker died
        return _Worker(store_path)

    def run(self, store_path: str, text: str, select_fmt: str, graph_fmt: str, max_rows: int,
            timeout: float) -> dict[str, Any]:
        if not self._slots.acquire(timeout=timeout):
            raise QueryTimeout
        try:
            worker = self._take(store_path)
            worker.wait_ready()
            worker.conn.send((text, select_fmt, graph_fmt, max_rows))
            if not worker.conn.poll(timeout):
                worker.stop()
                raise QueryTimeout
            status, payload = worker.conn.recv()
            with self._lock:
                self._idle.append(worker)
            if status == "error":
                raise QueryFailed(payload)
            return payload
        finally:
            self._slots.release()

    def prestart(self, store_path: str) -> None:
        """Start the workers ahead of the first query (a worker's start costs a few hundred ms)."""
        with self._lock:
            while len(self._idle) < self.size:
                self._idle.append(_Worker(store_path))

    def close(self) -> None:
        with self._lock:
            for worker in self._idle:
                worker.stop()
            self._idle.clear()
