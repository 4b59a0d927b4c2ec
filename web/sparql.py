"""A read-only SPARQL 1.1 Protocol endpoint at /sparql (GET and POST), with a timeout and a result cap.

Why not `store.protocol_query` in the request thread: it serialises the whole result in one call that
nothing can interrupt. Queries run in worker processes (sparql_eval.py) that stop at the row cap; the
request waits at most the timeout and a worker past it is killed (503). Updates are refused (400) by
looking at the query text before any store sees it; the stores are opened read-only besides.
"""

from __future__ import annotations

import re
from importlib import resources

from flask import Blueprint, Response, abort, current_app, render_template, request

from .app import MAX_SPARQL_BYTES, workspace
from .sparql_eval import GRAPH_FORMATS, SELECT_FORMATS, QueryFailed, QueryTimeout, QueryWorkers

bp = Blueprint("sparql", __name__)

TIMEOUT_SECONDS = 10.0
MAX_ROWS = 10_000
FORMAT_ALIASES = {"ttl": "turtle", "n-triples": "nt", "json-ld": "jsonld", "rdfxml": "xml", "rdf": "xml"}

_UPDATE = re.compile(r"(?<![?$:\w])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)(?![\w:])", re.IGNORECASE)
_STRIP = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\''
                    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*')


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
    store_path = str((workspace().generation / "store").resolve())
    timeout = float(current_app.config.get("SPARQL_TIMEOUT", TIMEOUT_SECONDS))
    page = wants_page() and request.values.get("format") in (None, "html")
    select_fmt, select_mime = ("json", SELECT_FORMATS["json"]) if page else choose_format("select")
    graph_fmt, graph_mime = ("turtle", "text/turtle") if page else choose_format("graph")
    workers: QueryWorkers = current_app.extensions["budgetkg.sparql"]
    try:
        outcome = workers.run(store_path, text, select_fmt, graph_fmt, MAX_ROWS, timeout)
    except QueryTimeout:
        abort(503, description=f"查询超时：超过 {timeout:g} 秒未完成，请缩小查询范围或加 LIMIT。")
    except QueryFailed as exc:
        abort(400, description=f"查询有误：{exc}")
    if page:
        return render_template("sparql.html", examples=examples(), query=text, result=outcome, max_rows=MAX_ROWS)
    mime = graph_mime if outcome["kind"] == "graph" else select_mime
    response = Response(outcome["body"], mimetype=mime)
    if mime.startswith("text/"):
        response.headers["Content-Type"] = f"{mime}; charset=utf-8"
    response.headers["Vary"] = "Accept"
    if outcome.get("truncated"):
        response.headers["X-Result-Truncated"] = f"results capped at {MAX_ROWS}"
    return response
