"""A read-only SPARQL 1.1 Protocol endpoint at /sparql (GET and POST), with a timeout and a result cap.

Why not `store.protocol_query`: it serialises the whole result in one call that cannot be interrupted.
Here the query runs in a worker thread that iterates Oxigraph's lazy results, stops at the deadline or at
the row cap, and the request thread waits at most the timeout (503 past it). Updates are refused (400)
by looking at the query text before the store is touched; the store is opened read-only besides.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, render_template, request

from ..store.store import PREFIXES
from .app import MAX_SPARQL_BYTES, workspace

bp = Blueprint("sparql", __name__)

TIMEOUT_SECONDS = 10.0
MAX_ROWS = 10_000
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sparql")

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
FORMAT_ALIASES = {"ttl": "turtle", "n-triples": "nt", "json-ld": "jsonld", "rdfxml": "xml", "rdf": "xml"}

_UPDATE = re.compile(r"(?<![?$:\w])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)(?![\w:])", re.IGNORECASE)
_STRIP = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\''
                    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*')


class QueryTimeout(Exception):
    pass


def is_update(text: str) -> bool:
    """An update keyword outside strings, IRIs and comments (a query never needs one)."""
    return bool(_UPDATE.search(_STRIP.sub(" ", text)))


def examples() -> list[dict[str, str]]:
    """The example queries of sparql_examples/*.rq (first comment line = title)."""
    out = []
    folder = resources.files(__package__).joinpath("sparql_examples")
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".rq"):
            text = item.read_text(encoding="utf-8")
            title = text.splitlines()[0].lstrip("# ").strip() if text.startswith("#") else item.name
            out.append({"name": item.name, "title": title, "query": text})
    return out


def _term(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def run(store: ox.Store, text: str, deadline: float) -> dict[str, Any]:
    """Evaluate and collect at most MAX_ROWS results, checking the deadline as rows arrive."""
    result = store.query(text, use_default_graph_as_union=True, prefixes=PREFIXES)
    if isinstance(result, ox.QueryBoolean):
        return {"kind": "ask", "value": bool(result)}
    rows: list[Any] = []
    truncated = False
    if isinstance(result, ox.QueryTriples):
        for triple in result:
            if len(rows) >= MAX_ROWS:
                truncated = True
                break
            rows.append(triple)
            if time.monotonic() > deadline:
                raise QueryTimeout
        return {"kind": "graph", "triples": rows, "truncated": truncated}
    names = [v.value for v in result.variables]
    for solution in result:
        if len(rows) >= MAX_ROWS:
            truncated = True
            break
        rows.append([solution[n] for n in names])
        if time.monotonic() > deadline:
            raise QueryTimeout
    return {"kind": "select", "vars": names, "rows": rows, "truncated": truncated}


def render_select(vars_: list[str], rows: list[list[Any]], fmt: str) -> bytes:
    if fmt == "json":
        bindings = [{n: _term(t) for n, t in zip(vars_, row, strict=True) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": vars_}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode()
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
            writer.writerow(["" if t is None else (t.value if not isinstance(t, ox.BlankNode) else f"_:{t.value}")
                             for t in row])
        return buf.getvalue().encode()
    lines = ["\t".join(f"?{n}" for n in vars_)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def choose_format(kind: str) -> tuple[str, str]:
    asked = (request.values.get("format") or request.environ.get("budgetkg.format") or "").lower()
    asked = FORMAT_ALIASES.get(asked, asked)
    if kind == "graph":
        if asked in GRAPH_FORMATS:
            return asked, GRAPH_FORMATS[asked][1]
        mimes = [m for _f, m in GRAPH_FORMATS.values()]
        best = request.accept_mimetypes.best_match(mimes, default="text/turtle")
        fmt = next(f for f, (_x, m) in GRAPH_FORMATS.items() if m == best)
        return fmt, best
    if asked in SELECT_FORMATS:
        return asked, SELECT_FORMATS[asked]
    if asked == "text":
        return "tsv", SELECT_FORMATS["tsv"]
    mimes = [*SELECT_FORMATS.values(), "application/json", "application/xml", "text/xml"]
    best = request.accept_mimetypes.best_match(mimes, default=SELECT_FORMATS["json"])
    aliases = {"application/json": "json", "application/xml": "xml", "text/xml": "xml"}
    fmt = aliases.get(best) or next(f for f, m in SELECT_FORMATS.items() if m == best)
    return fmt, SELECT_FORMATS[fmt]


def query_text() -> str | None:
    """The query of a protocol request: ?query=, form field `query`, or a application/sparql-query body."""
    content_type = (request.mimetype or "").lower()
    if request.method == "POST" and content_type == "application/sparql-update":
        abort(400, description="此端点只读：不接受 SPARQL Update。")
    if request.method == "POST" and "update" in request.form:
        abort(400, description="此端点只读：不接受 SPARQL Update。")
    if "update" in request.args:
        abort(400, description="此端点只读：不接受 SPARQL Update。")
    if request.method == "POST" and content_type == "application/sparql-query":
        raw = request.get_data(cache=False)
        if len(raw) > MAX_SPARQL_BYTES:
            abort(413, description=f"查询过大：最多 {MAX_SPARQL_BYTES // 1000} kB（收到 {len(raw)} 字节）。")
        return raw.decode("utf-8", errors="replace")
    text = request.form.get("query") if request.method == "POST" else None
    return text if text is not None else request.args.get("query")


def wants_page() -> bool:
    if request.values.get("format") == "html":
        return True
    best = request.accept_mimetypes.best_match(["text/html", *SELECT_FORMATS.values(), "text/turtle"])
    return best == "text/html"


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response | str | tuple[str, int]:
    text = query_text()
    if text is None or not text.strip():
        if not wants_page() and request.method == "POST":
            abort(400, description="缺少 query 参数。")
        return render_template("sparql.html", examples=examples(), query=examples()[0]["query"], result=None)
    if len(text.encode("utf-8")) > MAX_SPARQL_BYTES:
        abort(413, description=f"查询过大：最多 {MAX_SPARQL_BYTES // 1000} kB（收到 {len(text.encode())} 字节）。")
    if is_update(text):
        abort(400, description="此端点只读：不接受 INSERT/DELETE/LOAD/CLEAR/DROP/CREATE 等更新操作。")
    store = workspace().store.inner
    timeout = float(current_app.config.get("SPARQL_TIMEOUT", TIMEOUT_SECONDS))
    deadline = time.monotonic() + timeout
    future = _pool.submit(run, store, text, deadline)
    try:
        outcome = future.result(timeout=timeout + 0.5)
    except (FutureTimeout, QueryTimeout):
        abort(503, description=f"查询超时：超过 {timeout:g} 秒未完成，请缩小查询范围或加 LIMIT。")
    except SyntaxError as exc:
        abort(400, description=f"SPARQL 语法错误：{exc}")
    except (ValueError, OSError, RuntimeError) as exc:
        abort(400, description=f"查询失败：{exc}")
    if wants_page() and request.values.get("format") in (None, "html"):
        return render_template("sparql.html", examples=examples(), query=text, result=outcome,
                               max_rows=MAX_ROWS)
    if outcome["kind"] == "ask":
        fmt, mime = choose_format("select")
        if fmt == "xml":
            body = ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                    f"<boolean>{'true' if outcome['value'] else 'false'}</boolean></sparql>\n").encode()
        elif fmt in ("csv", "tsv"):
            body = f"_askResult\r\n{'true' if outcome['value'] else 'false'}\r\n".encode()
        else:
            body = json.dumps({"head": {}, "boolean": outcome["value"]}).encode()
            fmt, mime = "json", SELECT_FORMATS["json"]
    elif outcome["kind"] == "graph":
        fmt, mime = choose_format("graph")
        out = io.BytesIO()
        ox.serialize(outcome["triples"], out, format=GRAPH_FORMATS[fmt][0],
                     prefixes=PREFIXES if fmt in ("turtle",) else None)
        body = out.getvalue()
    else:
        fmt, mime = choose_format("select")
        body = render_select(outcome["vars"], outcome["rows"], fmt)
    response = Response(body, mimetype=mime)
    if mime.startswith("text/"):
        response.headers["Content-Type"] = f"{mime}; charset=utf-8"
    response.headers["Vary"] = "Accept"
    if outcome.get("truncated"):
        response.headers["X-Result-Truncated"] = f"results capped at {MAX_ROWS}"
    return response
