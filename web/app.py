"""The budgetkg web app: one Flask app factory, a few blueprints, every page also JSON.

Why this shape: the pages, the JSON API, the linked-data views and the SPARQL endpoint all read the same
published generation through `Workspace`, so the app holds exactly one `WorkspaceHolder` that moves to a
newer generation when a build publishes one (a request during a rebuild answers from the previous one).
Content negotiation follows Datasette: `?format=json`, a `.json` suffix or `Accept: application/json`
turn any page into its JSON twin; linked-data pages also speak Turtle, N-Triples and JSON-LD.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, current_app, g, render_template, request
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from .. import settings
from ..workspace import NoGraphError, Workspace

# Limits: inputs above these are refused with a clear message instead of being run.
MAX_QUERY_CHARS = 200
MAX_TEXT_CHARS = 500
MAX_PARAM_CHARS = 200
MAX_SPARQL_BYTES = 20_000
MAX_BODY_BYTES = 64 * 1024
REFRESH_SECONDS = 1.0

# Suffix → format; the suffix is taken off the path before routing (see SuffixMiddleware).
SUFFIXES = {".json": "json", ".jsonld": "jsonld", ".ttl": "ttl", ".nt": "nt", ".nq": "nq", ".trig": "trig"}
MIMETYPES = {
    "html": "text/html",
    "json": "application/json",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}


class SuffixMiddleware:
    """Datasette-style `.json` (and `.ttl`/`.nt`/`.jsonld`) suffixes: strip the suffix before Flask routes
    the path and remember the format, so every route gets its twins without a second URL rule."""

    KEEP = ("/static/", "/openapi.json")

    def __init__(self, wsgi_app: Callable[..., Any]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path: str = environ.get("PATH_INFO", "")
        if not path.startswith(self.KEEP):
            for suffix, fmt in SUFFIXES.items():
                if path.endswith(suffix) and len(path) > len(suffix) + 1:
                    environ["PATH_INFO"] = path[: -len(suffix)]
                    environ["budgetkg.format"] = fmt
                    break
        return self.wsgi_app(environ, start_response)


class WorkspaceHolder:
    """The published generation the app answers from; re-checked at most every REFRESH_SECONDS (a readlink),
    so a rebuild is picked up while serving without a restart."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._ws: Workspace | None = None
        self._checked = 0.0

    def get(self) -> Workspace:
        now = time.monotonic()
        ws = self._ws
        if ws is not None and now - self._checked < REFRESH_SECONDS:
            return ws
        with self._lock:
            if self._ws is None:
                self._ws = Workspace.open(self.data_dir)
            elif now - self._checked >= REFRESH_SECONDS:
                fresh = self._ws.refresh()
                if fresh is not self._ws:
                    self._ws = fresh
                    threading.Thread(target=warm, args=(fresh,), daemon=True).start()
            self._checked = now
            return self._ws


def warm(ws: Workspace) -> None:
    """Open the search index and build the officer's check model ahead of the first request (seconds of work
    that would otherwise land on whoever asks first)."""
    from .data import check_service

    # Best effort: a failure here shows up, with its message, on the request that needs the part.
    with contextlib.suppress(Exception):
        ws.search(_warm_request())
    with contextlib.suppress(Exception):
        check_service(ws)


def _warm_request() -> Any:
    from ..search.request import SearchRequest

    return SearchRequest(query="服务")


def json_default(value: Any) -> Any:
    """The CLI's JSON conventions (Decimal and Path as text), so the API answers what `--json` answers."""
    if isinstance(value, Decimal | Path):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=None, default=json_default)
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Vary"] = "Accept"
    return response


def workspace() -> Workspace:
    """This request's workspace (one per request, so a generation switch never splits a page)."""
    if "ws" not in g:
        try:
            g.ws = current_app.extensions["budgetkg"].get()
        except NoGraphError as exc:
            raise ServiceUnavailable("尚未构建知识图谱：请先运行 budgetkg build。") from exc
    return g.ws


class ServiceUnavailable(HTTPException):
    code = 503


def requested_format(allowed: tuple[str, ...] = ("html", "json")) -> str:
    """Suffix, then ?format=, then the Accept header; HTML wins ties (browsers send */*)."""
    fmt = request.environ.get("budgetkg.format") or request.args.get("format")
    if fmt:
        if fmt not in allowed:
            from flask import abort

            abort(406, description=f"不支持的格式 {fmt!r}：可用 {', '.join(allowed)}")
        return fmt
    best = request.accept_mimetypes.best_match([MIMETYPES[f] for f in allowed], default=MIMETYPES[allowed[0]])
    for f in allowed:
        if MIMETYPES[f] == best:
            return f
    return allowed[0]


def page(template: str, data: dict[str, Any], **context: Any) -> Response | str:
    """The HTML page, or its JSON twin (the same `data` the template renders)."""
    if requested_format() == "json":
        return json_response(data)
    response = current_app.make_response(render_template(template, data=data, **context))
    response.headers["Vary"] = "Accept"
    return response


def param(name: str, limit: int = MAX_PARAM_CHARS, default: str | None = None) -> str | None:
    """A query parameter, stripped; refused (400) when longer than `limit` characters."""
    value = request.args.get(name)
    if value is None:
        return default
    value = value.strip()
    if len(value) > limit:
        from flask import abort

        abort(400, description=f"参数 {name} 过长：最多 {limit} 个字符（收到 {len(value)} 个）。")
    return value or default


def int_param(name: str, default: int, low: int, high: int) -> int:
    raw = param(name, 12)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        from flask import abort

        abort(400, description=f"参数 {name} 应为整数，收到 {raw!r}。")
    if not low <= value <= high:
        from flask import abort

        abort(400, description=f"参数 {name} 应在 {low} 到 {high} 之间。")
    return value


# ----------------------------------------------------------------------------------- template helpers
def local_url(iri: str | None) -> str | None:
    """An IRI under the graph's base as a path of this app (so links work whatever host the base names)."""
    if not iri:
        return None
    base = workspace().base
    if base and iri.startswith(base):
        return "/" + iri[len(base):]
    return None


def source_url(source: dict[str, Any] | None) -> str | None:
    """The document page anchored at a source line: every fact links to where it was read."""
    if not source or not source.get("file"):
        return None
    stem = PurePosixPath(str(source["file"])).stem
    line = source.get("line")
    return f"/id/doc/{quote(stem, safe='')}" + (f"#L{line}" if line else "")


def source_label(source: dict[str, Any] | None) -> str:
    if not source or not source.get("file"):
        return ""
    end = source.get("end_line")
    line = source.get("line")
    span = f"{line}-{end}" if end and line and end != line else f"{line}"
    return f"{source['file']}:{span}"


def safe_highlight(html: str) -> Markup:
    """Highlights arrive HTML-escaped from the search engine with <mark> around matches: the only HTML we
    mark safe. Anything but <mark>/</mark> is escaped again, in case an engine ever forgets to."""
    escaped = str(Markup.escape(Markup(html).unescape()))
    return Markup(escaped.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))


def url_with(**changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one); used by facets and paging."""
    args = {k: v for k, v in request.args.items() if k != "format"}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    from urllib.parse import urlencode

    return request.path + ("?" + urlencode(args) if args else "")


VERDICT_ZH = {
    "purchasable-own-catalog": "可以购买：本部门目录有此事项",
    "purchasable-b-class": "可以购买：属于B类（政府履职辅助性服务）通用目录",
    "only-other-department": "本部门目录未列：仅见于其他部门目录",
    "not-in-catalog": "目录未列：不在指导性目录中",
    "not-a-service": "不属于政府购买服务",
    "prohibited": "禁止作为政府购买服务（财政部令第102号第十条）",
}

CHANGE_ZH = {"same": "未变", "renamed": "改名", "recoded": "改码", "moved": "移动", "added": "新增", "removed": "删除",
             "not_in_surviving_text": "不在存世文本中"}

TYPE_ZH = {"project": "项目", "catalog_entry": "目录条目", "unit": "单位", "subject": "科目", "paragraph": "段落"}


# ----------------------------------------------------------------------------------- the factory
def create_app(data_dir: str | Path | None = None, *, testing: bool = False, warm_up: bool = True) -> Flask:
    """The app over the graph in `data_dir` (default $BUDGETKG_DATA or ./data)."""
    app = Flask(__name__)
    app.config.update(
        TESTING=testing,
        DATA_DIR=settings.data_dir(data_dir),
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        JSON_AS_ASCII=False,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    holder = WorkspaceHolder(app.config["DATA_DIR"])
    app.extensions["budgetkg"] = holder
    from .sparql_eval import QueryWorkers

    app.extensions["budgetkg.sparql"] = QueryWorkers(size=2)
    app.wsgi_app = SuffixMiddleware(app.wsgi_app)  # type: ignore[method-assign]

    from . import api, linked_data, openapi, pages, sparql

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(linked_data.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(openapi.bp)

    app.jinja_env.filters.update(local=local_url, src=source_url, srclabel=source_label, hl=safe_highlight)
    from .charts import bar_chart

    app.jinja_env.globals.update(url_with=url_with, VERDICT_ZH=VERDICT_ZH, TYPE_ZH=TYPE_ZH, bar_chart=bar_chart,
                                 CHANGE_ZH=CHANGE_ZH)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response | tuple[str, int]:
        message = exc.description or exc.name
        if exc.code == 413 and "过大" not in str(message):
            message = f"请求体过大：最多 {MAX_BODY_BYTES // 1024} KB。"
        wants_json = request.path.startswith(("/api/", "/openapi")) or _safe_format() == "json"
        if wants_json:
            return json_response({"error": message, "status": exc.code}, exc.code or 500)
        if request.path.startswith("/sparql") and _safe_format() != "html":
            return Response(f"{message}\n", status=exc.code, mimetype="text/plain")
        return render_template("error.html", code=exc.code, name=exc.name, message=message), exc.code or 500

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; style-src 'self'; img-src 'self' data:; "
                                    "script-src 'self'; frame-ancestors 'none'")
        return response

    if warm_up:
        def _warm() -> None:
            with contextlib.suppress(NoGraphError):
                warm(holder.get())

        threading.Thread(target=_warm, daemon=True).start()
    return app


def _safe_format() -> str:
    fmt = request.environ.get("budgetkg.format") or request.args.get("format")
    if fmt:
        return fmt
    best = request.accept_mimetypes.best_match(["text/html", "application/json"], default="text/html")
    return "json" if best == "application/json" else "html"
