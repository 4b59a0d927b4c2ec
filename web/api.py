"""The JSON API under /api/: the same answers as the CLI's `--json` (same service calls, same records),
described by /openapi.json. Always JSON, whatever the Accept header says; errors are {"error", "status"}."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from . import data
from .app import json_response, param, workspace
from .linked_data import entity_data, iri_from_path
from .pages import catalog_data, check_args, diff_data, run_check, run_search, search_request

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search() -> Response:
    search_req = search_request()
    if search_req is None:
        abort(400, description="缺少查询词：/api/search?q=…")
    return json_response(run_search(search_req))


@bp.get("/check")
def check() -> Response:
    args = check_args()
    if not (args["text"] or args["project"]):
        abort(400, description="缺少 text（或 project）：/api/check?text=…&department=…&date=…")
    return json_response(run_check(args))


@bp.get("/catalog")
def catalog() -> Response:
    """Revisions (no parameters), a revision's departments, or a department's entries."""
    return json_response(catalog_data())


@bp.get("/catalog/revisions")
def revisions() -> Response:
    return json_response(data.revisions(workspace()))


@bp.get("/catalog/entries")
def entries() -> Response:
    """What `budgetkg catalog entries --revision R [--department D] [--level N] --json` prints."""
    revision = param("revision", 20)
    if not revision:
        abort(400, description="缺少 revision")
    result = catalog_data()
    return json_response(result.get("entries", data.entries(workspace(), revision)))


@bp.get("/diff")
def diff() -> Response:
    result = diff_data()
    if result["diff"] is None:
        abort(400, description="缺少 from 和 to：/api/diff?from=2023&to=2025&department=…")
    return json_response(result["diff"])


@bp.get("/units")
def units() -> Response:
    return json_response(data.units(workspace()))


@bp.get("/projects")
def projects() -> Response:
    return json_response(workspace().repo.projects(param("unit"), with_performance=True))


@bp.get("/quality")
def quality() -> Response:
    return json_response(data.quality(workspace()))


@bp.get("/entity")
def entity() -> Response:
    """An entity by its IRI (?iri=…) or by its path under /id/ (?path=unit/…)."""
    iri = param("iri", 2000)
    path = param("path", 2000)
    ws = workspace()
    if path:
        iri = iri_from_path(ws, path.removeprefix("/").removeprefix("id/"))
    if not iri:
        abort(400, description="缺少 iri 或 path")
    if not iri.startswith(ws.base) or not data.exists(ws, iri):
        abort(404, description=f"图中没有 {iri}")
    return json_response(entity_data(ws, iri))
