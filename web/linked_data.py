"""Linked data: every IRI under the graph's base resolves here, and the whole graph is downloadable.

Request path `/id/a/b/c` names the IRI `base + "id/" + segment(a) + "/" + segment(b) …`: Werkzeug hands us
the decoded segments and `ontology.iris.segment` re-quotes each one exactly as the build minted it, so a
browser's percent-encoding (or lack of it) cannot make two spellings of one IRI. Location IRIs
(`…/id/doc/<stem>#L12`) resolve through the document page: the fragment never reaches the server and the
page carries an anchor per line. The format is negotiated (HTML, JSON twin, Turtle, N-Triples, JSON-LD) by
suffix, `?format=` or Accept.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from typing import Any
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, render_template, request

from ..ontology.iris import segment
from ..store.store import EXPORT_FORMATS, PREFIXES
from ..workspace import Workspace
from . import data
from .app import SUFFIXES, json_response, requested_format, workspace

bp = Blueprint("linked_data", __name__)

RDF_FORMATS = {
    "ttl": (ox.RdfFormat.TURTLE, "text/turtle; charset=utf-8"),
    "nt": (ox.RdfFormat.N_TRIPLES, "application/n-triples; charset=utf-8"),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json; charset=utf-8"),
}
DUMP_MIMES = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
              "nq": "application/n-quads", "trig": "application/trig"}

TEMPLATES = {
    data.BK + "BudgetUnit": ("unit.html", data.unit_page),
    data.BK + "Project": ("project.html", data.project_page),
    data.BK + "CatalogEntry": ("entry.html", data.entry_page),
    data.BK + "SourceDocument": ("document.html", data.document_page),
}


def raw_id_path(rest: str) -> str:
    """The still-encoded path after /id/ when the server passes it (waitress: REQUEST_URI), so an encoded
    slash inside a segment (`%2F`) stays inside it; else Werkzeug's decoded path."""
    raw = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
    if not raw:
        return rest
    path = urlsplit(raw).path
    try:  # WSGI strings carry the request's bytes as latin-1; a client may send raw UTF-8 unencoded
        path = path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return rest
    if not path.startswith("/id/"):
        return rest
    path = path[len("/id/"):]
    fmt = request.environ.get("budgetkg.format")
    suffix = next((s for s, f in SUFFIXES.items() if f == fmt), None)
    if suffix and path.endswith(suffix):
        path = path[: -len(suffix)]
    return path


def iri_from_path(ws: Workspace, rest: str, encoded: bool = False) -> str:
    """The IRI a request path under /id/ names (see the module docstring)."""
    parts = [unquote(p) for p in rest.split("/")] if encoded else rest.split("/")
    if any(p in ("", ".", "..") for p in parts):
        abort(404, description="路径无效")
    return ws.base + "id/" + "/".join(segment(p) for p in parts)


ENTITY_CACHE_SIZE = 512
_entity_lock = threading.Lock()


def entity_data(ws: Workspace, iri: str) -> dict[str, Any]:
    """The entity's data, kept per generation (a published generation never changes) in a small LRU: a unit
    page takes a few SPARQL queries (~0.15 s alone, much more under concurrent load)."""
    with _entity_lock:
        lru: OrderedDict[str, dict[str, Any]] = ws.cache.setdefault("web:entities", OrderedDict())
        found = lru.get(iri)
        if found is not None:
            lru.move_to_end(iri)
            return found
    made = build_entity_data(ws, iri)
    with _entity_lock:
        lru[iri] = made
        while len(lru) > ENTITY_CACHE_SIZE:
            lru.popitem(last=False)
    return made


def build_entity_data(ws: Workspace, iri: str) -> dict[str, Any]:
    """The generic description plus, for units, projects, entries and documents, the page's own data."""
    res = data.resource(ws, iri)
    view = next((TEMPLATES[t] for t in res["types"] if t in TEMPLATES), None)
    if view is not None:
        detail = view[1](ws, iri)
        if detail:
            res["detail"] = detail
            res["view"] = view[0]
    return res


def serialize(triples: list[ox.Triple], fmt: str) -> bytes:
    out = io.BytesIO()
    ox.serialize(triples, out, format=RDF_FORMATS[fmt][0], prefixes=PREFIXES if fmt != "nt" else None)
    return out.getvalue()


@bp.get("/id/<path:rest>")
def resolve(rest: str) -> Response | str:
    ws = workspace()
    raw = raw_id_path(rest)
    iri = iri_from_path(ws, raw, encoded=raw is not rest)
    if not data.exists(ws, iri):
        abort(404, description=f"图中没有这个 IRI：{iri}")
    fmt = requested_format(("html", "json", "ttl", "nt", "jsonld"))
    if fmt in RDF_FORMATS:
        body = serialize(data.describe_triples(ws, iri), fmt)
        response = Response(body, mimetype=RDF_FORMATS[fmt][1].split(";")[0])
        response.headers["Content-Type"] = RDF_FORMATS[fmt][1]
        response.headers["Vary"] = "Accept"
        return response
    entity = entity_data(ws, iri)
    if fmt == "json":
        return json_response(entity)
    alternates = {f: f"/{iri[len(ws.base):]}.{f}" for f in ("ttl", "nt", "jsonld", "json")}
    response = current_app.make_response(render_template(
        entity.get("view", "resource.html"), data=entity, detail=entity.get("detail", {}), alternates=alternates,
        curie=data.curie))
    response.headers["Vary"] = "Accept"
    link = ", ".join(f'<{u}>; rel="alternate"; type="{RDF_FORMATS[f][1].split(";")[0]}"'
                     for f, u in alternates.items() if f in RDF_FORMATS)
    response.headers["Link"] = link
    return response


@bp.get("/dump")
def dump() -> Response:
    """The whole graph (default: Turtle); N-Quads and TriG keep the named graphs."""
    fmt = request.environ.get("budgetkg.format") or request.args.get("format") or "ttl"
    if fmt not in EXPORT_FORMATS:
        abort(400, description=f"不支持的导出格式 {fmt!r}：可用 {', '.join(EXPORT_FORMATS)}")
    ws = workspace()
    body = data.cached(ws, f"web:dump:{fmt}", lambda: ws.store.export(fmt))
    response = Response(body, mimetype=DUMP_MIMES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="budgetkg.{fmt}"'
    return response
