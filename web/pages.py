"""The HTML pages (each with its JSON twin): home, search, the officer's check, catalog, diff, units, quality.

Views only parse and bound the request, call `data.py` / the services and hand one dict to `page()`,
which renders the template or returns the same dict as JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort

from ..search.documents import DOC_TYPES
from ..search.request import SearchError, SearchRequest
from . import data
from .app import MAX_QUERY_CHARS, MAX_TEXT_CHARS, int_param, page, param, workspace

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> Response | str:
    ws = workspace()
    info = {"revisions": data.revisions(ws), "units": data.units(ws), "documents": list(data.documents(ws).values()),
            "triples": ws.manifest.get("triples"), "built": ws.manifest.get("built"), "base": ws.base}
    return page("index.html", info)


# ------------------------------------------------------------------------------------ search
def search_request() -> SearchRequest | None:
    q = param("q", MAX_QUERY_CHARS)
    doc_type = param("type")
    if doc_type and doc_type not in DOC_TYPES:
        abort(400, description=f"未知的类型 {doc_type!r}：可用 {', '.join(DOC_TYPES)}")
    sort = param("sort", default="relevance")
    if sort not in ("relevance", "amount"):
        abort(400, description="sort 只能是 relevance 或 amount")
    year = param("year", 8)
    if year is not None and not year.isdigit():
        abort(400, description=f"year 应为年份数字，收到 {year!r}")
    if not q:
        return None
    return SearchRequest(query=q, type=doc_type, revision=param("revision"), department=param("department"),
                         unit=param("unit"), year=int(year) if year else None, region=param("region"),
                         page=int_param("page", 1, 1, 1000),
                         per_page=int_param("per_page", int_param("limit", 10, 1, 100), 1, 100),
                         sort=sort)  # type: ignore[arg-type]


def run_search(request: SearchRequest) -> dict[str, Any]:
    try:
        return data.search(workspace(), request)
    except SearchError as exc:
        abort(400, description=exc.message)


@bp.get("/search")
def search() -> Response | str:
    request = search_request()
    result: dict[str, Any] = {"query": None, "result": None}
    if request is not None:
        result = {"query": request.query, "filters": request.filters(), "result": run_search(request)}
    return page("search.html", result, doc_types=DOC_TYPES)


# ------------------------------------------------------------------------------------ the officer's check
def check_args() -> dict[str, Any]:
    args = {"text": param("text", MAX_TEXT_CHARS), "project": param("project"), "department": param("department"),
            "unit": param("unit"), "date": param("date", 10), "revision": param("revision", 20)}
    if args["date"] and args["revision"]:
        abort(400, description="日期与目录版本只能给一个（date 或 revision）。")
    if args["date"]:
        from datetime import date

        try:
            date.fromisoformat(args["date"])
        except ValueError:
            abort(400, description=f"日期应为 YYYY-MM-DD，收到 {args['date']!r}")
    return args


def run_check(args: dict[str, Any]) -> dict[str, Any]:
    ws = workspace()
    try:
        service = data.check_service(ws)
    except ImportError as exc:
        abort(503, description=f"审核服务不可用：{exc}")
    from ..check.service import CheckError

    try:
        return service.check(**args)
    except CheckError as exc:
        abort(400, description=str(exc))


def check_choices() -> dict[str, Any]:
    ws = workspace()
    return {"departments": data.all_departments(ws), "units": [u["name"] for u in data.units(ws)],
            "revisions": data.revisions(ws)}


@bp.get("/check")
def check() -> Response | str:
    args = check_args()
    asked = bool(args["text"] or args["project"])
    result = run_check(args) if asked else None
    return page("check.html", {"request": args, "result": result}, choices=check_choices())


# ------------------------------------------------------------------------------------ catalog
def catalog_data() -> dict[str, Any]:
    level = param("level", 1)
    if level is not None and level not in "1234":
        abort(400, description="level 应为 1 到 4")
    try:
        return data.catalog(workspace(), param("revision", 20), param("department"), int(level) if level else None)
    except LookupError as exc:
        abort(404, description=str(exc.args[0]))


@bp.get("/catalog")
def catalog() -> Response | str:
    return page("catalog.html", catalog_data())


# ------------------------------------------------------------------------------------ diff
DIFF_ROWS_SHOWN = 400
CHANGE_ORDER = {k: i for i, k in enumerate(
    ("renamed", "recoded", "moved", "added", "removed", "not_in_surviving_text"))}


def diff_data() -> dict[str, Any]:
    ws = workspace()
    names = data.revision_names(ws)
    from_rev, to_rev, department = param("from", 20), param("to", 20), param("department")
    out: dict[str, Any] = {"from": from_rev, "to": to_rev, "department": department, "diff": None}
    if not (from_rev and to_rev):
        return out
    for name in (from_rev, to_rev):
        if name not in names:
            abort(404, description=f"没有目录版本 {name!r}：可用 {', '.join(names)}")
    try:
        service = data.check_service(ws)
    except ImportError as exc:
        abort(503, description=f"版本比较不可用：{exc}")
    from ..check.service import CheckError

    try:
        out["diff"] = service.diff(from_rev, to_rev, department)
    except CheckError as exc:
        abort(400, description=str(exc))
    return out


@bp.get("/diff")
def diff() -> Response | str:
    result = diff_data()
    change = param("change", 40)
    shown: list[dict[str, Any]] = []
    if result["diff"]:
        changes = result["diff"].get("changes", [])
        shown = [c for c in changes if change is None or c.get("change") == change]
        shown.sort(key=lambda c: CHANGE_ORDER.get(c.get("change"), len(CHANGE_ORDER)))  # stable: real changes first
    ws = workspace()
    return page("diff.html", result, shown=shown[:DIFF_ROWS_SHOWN], shown_total=len(shown), change=change,
                revisions=data.revisions(ws), departments=data.all_departments(ws))


# ------------------------------------------------------------------------------------ budget side, quality
@bp.get("/units")
def units() -> Response | str:
    return page("units.html", {"units": data.units(workspace())})


@bp.get("/quality")
def quality() -> Response | str:
    return page("quality.html", data.quality(workspace()))
