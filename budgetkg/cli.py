"""`budgetkg`: build the graph and ask it questions. Every command takes --json and --data-dir.

The CLI is a thin shell over the pipeline and the repository: it parses options, opens the published
generation and prints; the answers themselves come from the same code the web app uses.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import click

from . import settings
from .pipeline import Builder, discover
from .search.documents import DOC_TYPES
from .search.request import SearchError, SearchRequest
from .store.generations import BuildLockedError
from .store.store import EXPORT_FORMATS, StoreError
from .workspace import NoGraphError, Workspace

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
DATA_OPTION = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help=f"Where the graph and index live (default ${settings.DATA_ENV} or ./data).",
)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit(data: Any, as_json: bool, text: Callable[[Any], Iterable[str]] | None = None) -> None:
    if as_json or text is None:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_default))
        return
    for line in text(data):
        click.echo(line)


def table_lines(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> Iterable[str]:
    """Rows as tab-separated text lines under a header (pipe into `column -t -s $'\\t'`)."""
    yield "\t".join(columns)
    for row in rows:
        yield "\t".join("" if row.get(c) is None else str(row.get(c)) for c in columns)


def open_workspace(data_dir: Path | None) -> Workspace:
    try:
        return Workspace.open(settings.data_dir(data_dir))
    except NoGraphError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="budgetkg")
def main() -> None:
    """Knowledge graph and Chinese search over budget disclosures and Shanxi's 政府购买服务指导性目录."""


# ------------------------------------------------------------------------------------- build
def _run_build(paths: tuple[Path, ...], data_dir: Path | None, base: str | None, bundled: bool,
               keep_current: bool, as_json: bool) -> None:
    sources = ([*settings.bundled_corpus()] if bundled else []) + discover(paths)
    progress = (lambda _m: None) if as_json else (lambda m: click.echo(m, err=True))
    try:
        builder = Builder(settings.data_dir(data_dir), settings.base_iri(base), progress)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--base") from exc
    try:
        report = builder.run(sources, keep_current_sources=keep_current)
    except BuildLockedError as exc:
        raise click.ClickException(str(exc)) from exc
    emit(report.as_dict(), as_json, _build_text)
    if not report.ok:
        sys.exit(1)


def _build_text(report: dict[str, Any]) -> Iterable[str]:
    for doc in report["documents"]:
        yield f"{doc['status']:>14}  {doc['file']}"
    if report["ok"]:
        yield (f"built generation {report['generation']}: {report['triples']} triples, "
               f"{report['index_documents']} search documents, {report['links']} project links "
               f"in {report['seconds']} s")
    else:
        yield "build failed: the previous graph and index are still in use"


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--no-bundled", is_flag=True, help="Leave out the bundled sample corpus.")
@click.option("--base", default=None, help=f"IRI base (default ${settings.BASE_ENV} or {settings.base_iri()}).")
@DATA_OPTION
@JSON_OPTION
def build(paths: tuple[Path, ...], no_bundled: bool, base: str | None, data_dir: Path | None, as_json: bool) -> None:
    """Build the graph and index from the bundled corpus plus any PATHS (files or folders)."""
    _run_build(paths, data_dir, base, not no_bundled, False, as_json)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--base", default=None, help="IRI base.")
@DATA_OPTION
@JSON_OPTION
def ingest(paths: tuple[Path, ...], base: str | None, data_dir: Path | None, as_json: bool) -> None:
    """Add documents to the current graph; a document already there (same file name) is replaced."""
    _run_build(paths, data_dir, base, False, True, as_json)


# ------------------------------------------------------------------------------------- budget
@main.command()
@DATA_OPTION
@JSON_OPTION
def units(data_dir: Path | None, as_json: bool) -> None:
    """Units and the disclosure each was read from."""
    rows = open_workspace(data_dir).repo.units()
    emit(rows, as_json, lambda r: table_lines(r, ["name", "county", "prefecture_city", "admin_level",
                                                   "fiscal_year", "doc_kind"]))


@main.command()
@click.option("--unit", default=None, help="Only this unit's projects.")
@DATA_OPTION
@JSON_OPTION
def projects(unit: str | None, data_dir: Path | None, as_json: bool) -> None:
    """Projects of the 项目支出预算表 with funding columns and their 绩效目标表."""
    rows = open_workspace(data_dir).repo.projects(unit, with_performance=as_json)
    emit(rows, as_json, lambda r: table_lines(r, ["unit", "fiscal_year", "name", "total_wan"]))


@main.command()
@click.option("--unit", default=None, help="Only this unit's rows.")
@DATA_OPTION
@JSON_OPTION
def subjects(unit: str | None, data_dir: Path | None, as_json: bool) -> None:
    """科目 rows of the income and expenditure tables."""
    rows = open_workspace(data_dir).repo.subjects(unit)
    emit(rows, as_json, lambda r: table_lines(r, ["unit", "table", "code", "name", "total", "basic", "project"]))


@main.command()
@click.option("--unit", default=None, help="Only this unit's tables.")
@DATA_OPTION
@JSON_OPTION
def tables(unit: str | None, data_dir: Path | None, as_json: bool) -> None:
    """The budget tables of each disclosure (empty ones included), economic-class rows, 政府采购, 绩效目标表."""
    ws = open_workspace(data_dir)
    data = {"tables": ws.repo.tables(unit), "econ": ws.repo.econ(unit), "procurement": ws.repo.procurement(),
            "performance": ws.repo.performances(unit)}
    emit(data, as_json, lambda d: table_lines(d["tables"], ["unit", "number", "title", "empty"]))


# ------------------------------------------------------------------------------------- catalog
@main.group()
def catalog() -> None:
    """The 政府购买服务指导性目录 revisions."""


@catalog.command("revisions")
@DATA_OPTION
@JSON_OPTION
def catalog_revisions(data_dir: Path | None, as_json: bool) -> None:
    """Revisions with 文号, issue date, what each supersedes and whether it is a fragment."""
    rows = open_workspace(data_dir).repo.revisions()
    emit(rows, as_json, lambda r: table_lines(r, ["revision", "doc_no", "issued", "supersedes", "fragment",
                                                   "departments", "entries"]))


@catalog.command("entries")
@click.option("--revision", required=True, help="2023, 2024, 2025 or B2023.")
@click.option("--department", default=None, help="Catalog department, e.g. 行政审批.")
@click.option("--level", type=click.IntRange(1, 4), default=None, help="Only this level.")
@DATA_OPTION
@JSON_OPTION
def catalog_entries(revision: str, department: str | None, level: int | None, data_dir: Path | None,
                    as_json: bool) -> None:
    """Entries of one revision, in document order."""
    rows = open_workspace(data_dir).repo.entries(revision, department, level)
    emit(rows, as_json, lambda r: table_lines(r, ["department", "code", "level", "name", "flags"]))


@catalog.command("departments")
@click.option("--revision", required=True, help="2023, 2024, 2025 or B2023.")
@DATA_OPTION
@JSON_OPTION
def catalog_departments(revision: str, data_dir: Path | None, as_json: bool) -> None:
    """Departments of one revision in document order, with entry counts and flags."""
    rows = open_workspace(data_dir).repo.departments(revision)
    emit(rows, as_json, lambda r: table_lines(r, ["order", "department", "entries", "flags"]))


# ------------------------------------------------------------------------------------- search
@main.command()
@click.argument("query")
@click.option("--type", "doc_type", type=click.Choice(DOC_TYPES), default=None, help="Only this kind of result.")
@click.option("--revision", default=None, help="Catalog revision (2023, 2024, 2025, B2023).")
@click.option("--department", default=None, help="Catalog department.")
@click.option("--unit", default=None, help="Budget unit.")
@click.option("--year", type=int, default=None, help="Fiscal year.")
@click.option("--region", default=None, help="County or prefecture city.")
@click.option("--limit", type=click.IntRange(1, 100), default=10, help="Results per page.")
@click.option("--page", type=click.IntRange(1, 1000), default=1)
@click.option("--sort", type=click.Choice(["relevance", "amount"]), default="relevance")
@DATA_OPTION
@JSON_OPTION
def search(query: str, doc_type: str | None, revision: str | None, department: str | None, unit: str | None,
           year: int | None, region: str | None, limit: int, page: int, sort: str, data_dir: Path | None,
           as_json: bool) -> None:
    """Chinese full-text search over units, projects, catalog entries, 科目 and source paragraphs."""
    ws = open_workspace(data_dir)
    request = SearchRequest(query=query, type=doc_type, revision=revision, department=department, unit=unit,
                            year=year, region=region, page=page, per_page=limit, sort=sort)  # type: ignore[arg-type]
    try:
        result = ws.search(request)
    except SearchError as exc:
        raise click.ClickException(str(exc)) from exc
    emit(result.to_json(), as_json, _search_text)


def _search_text(result: dict[str, Any]) -> Iterable[str]:
    yield f"{result['total']} results ({result['mode']})" + (f" — {result['notice']}" if result["notice"] else "")
    for hit in result["hits"]:
        where = f"{hit['source']['file']}:{hit['source']['line']}" if hit["source"]["file"] else ""
        yield f"{hit['score']:>8.2f}  {hit['type']:<13} {hit['title']}  {where}"


# ------------------------------------------------------------------------------------- graph
@main.command()
@click.argument("query")
@DATA_OPTION
@JSON_OPTION
def sparql(query: str, data_dir: Path | None, as_json: bool) -> None:
    """Run a SPARQL query (text, or a file name) against the graph."""
    text = Path(query).read_text(encoding="utf-8") if Path(query).is_file() else query
    ws = open_workspace(data_dir)
    try:
        body, _mime = ws.store.protocol_query(text, "json" if as_json else "tsv")
    except StoreError as exc:
        raise click.ClickException(f"SPARQL: {exc}") from exc
    click.echo(body.decode("utf-8"))


@main.command()
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORT_FORMATS)), default="ttl")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@DATA_OPTION
@JSON_OPTION
def export(fmt: str, output: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """The whole graph as Turtle, N-Triples or JSON-LD (N-Quads/TriG keep the named graphs)."""
    data = open_workspace(data_dir).store.export("jsonld" if as_json else fmt)
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


@main.command()
@DATA_OPTION
@JSON_OPTION
def quality(data_dir: Path | None, as_json: bool) -> None:
    """Source anomalies and table checks (level-1 sums, 基本+项目, project sums, names)."""
    ws = open_workspace(data_dir)
    data = {"anomalies": ws.repo.anomalies(), "checks": ws.repo.checks(),
            "build_problems": ws.manifest.get("problems", [])}
    emit(data, as_json, _quality_text)


def _quality_text(data: dict[str, Any]) -> Iterable[str]:
    yield f"{len(data['anomalies'])} source anomalies"
    for a in data["anomalies"]:
        where = f"{a['source']['file']}:{a['source']['line']}"
        yield f"  {a['kind']:<22} {where:<32} {a['message']}"
    failed = [c for c in data["checks"] if not c["holds"]]
    yield f"{len(data['checks'])} table checks, {len(failed)} fail"
    for c in failed:
        yield f"  {c['check']:<26} {c['source']['file']}:{c['source']['line']}  {c.get('table') or ''}"


# ------------------------------------------------------------------------------------- officer's check
def _check_service(data_dir: Path | None) -> Any:
    from .check.service import CheckService

    return CheckService(open_workspace(data_dir))


@main.command()
@click.argument("text", required=False)
@click.option("--project", default=None, help="A budget project by name instead of TEXT.")
@click.option("--department", default=None, help="Catalog department of the buyer, e.g. 工业和信息化.")
@click.option("--unit", default=None, help="Budget unit name (mapped to its catalog department).")
@click.option("--date", "on", default=None, help="YYYY-MM-DD: the revision in force on that day (default today).")
@click.option("--revision", default=None, help="Use this revision (2023, 2024, 2025, B2023) instead of a date.")
@DATA_OPTION
@JSON_OPTION
def check(text: str | None, project: str | None, department: str | None, unit: str | None, on: str | None,
          revision: str | None, data_dir: Path | None, as_json: bool) -> None:
    """May this department buy this service, under which revision? Verdict with evidence."""
    from .check.service import CheckError

    if not text and not project:
        raise click.UsageError("give TEXT or --project")
    if not (department or unit or project):
        raise click.UsageError("give --department or --unit")
    if on is not None and revision is not None:
        raise click.UsageError("give --date or --revision, not both")
    try:
        result = _check_service(data_dir).check(text=text, project=project, department=department, unit=unit,
                                                date=on, revision=revision)
    except CheckError as exc:
        raise click.ClickException(str(exc)) from exc
    emit(result, as_json, _check_text)


def _check_text(result: dict[str, Any]) -> Iterable[str]:
    yield f"{result['verdict']}  ({result['kind']})"
    yield result["explanation"]
    for key in ("own_department", "b_class", "other_departments"):
        for e in result[key]:
            yield (f"  {key:<18} {e['revision']:<6} {e['department'] or 'B类':<12} {e['code']:<8} {e['name']}"
                   f"  score={e['score']}  [{'、'.join(e['matched_terms'])}]")
    for p in result["prohibited"]:
        yield f"  prohibited {p['rule_id']} {p['citation']}: {p['reason']}"


@main.command()
@click.option("--from", "from_rev", required=True, help="Older revision (2023, 2024, 2025).")
@click.option("--to", "to_rev", required=True, help="Newer revision.")
@click.option("--department", default=None, help="Only this catalog department.")
@DATA_OPTION
@JSON_OPTION
def diff(from_rev: str, to_rev: str, department: str | None, data_dir: Path | None, as_json: bool) -> None:
    """Catalog changes between two revisions: renamed, recoded, moved, added, removed, not in the surviving text."""
    from .check.service import CheckError

    try:
        result = _check_service(data_dir).diff(from_rev, to_rev, department)
    except CheckError as exc:
        raise click.ClickException(str(exc)) from exc
    emit(result, as_json, _diff_text)


def _diff_text(result: dict[str, Any]) -> Iterable[str]:
    yield f"{result['from']['revision']} → {result['to']['revision']}: " + ", ".join(
        f"{k} {v}" for k, v in result["counts"].items() if v)
    yield from result["notes"]
    for c in result["changes"]:
        old, new = c["from"] or {}, c["to"] or {}
        yield (f"  {c['change']:<22} {c['department'] or 'B':<10} {old.get('code', ''):<8} {old.get('name', '')}"
               f" → {new.get('code', '')} {new.get('name', '')}")


# ------------------------------------------------------------------------------------- web
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True, help="waitress worker threads.")
@click.option("--base", default=None, help="IRI base of a first build (IRIs resolve under the graph's own base).")
@DATA_OPTION
def serve(host: str, port: int, threads: int, base: str | None, data_dir: Path | None) -> None:
    """Serve the web app (search, check, catalog, diff, linked data, SPARQL) with waitress."""
    from waitress import serve as waitress_serve

    from .web.app import create_app

    folder = settings.data_dir(data_dir)
    try:
        ws = Workspace.open(folder)
    except NoGraphError:
        click.echo(f"no graph in {folder}: building the bundled corpus first", err=True)
        _run_build((), folder, base, True, False, False)
        ws = Workspace.open(folder)
    if base and settings.base_iri(base) != ws.base:
        click.echo(f"note: the graph was built with base {ws.base}; IRIs resolve under that base", err=True)
    app = create_app(folder)
    click.echo(f"serving http://{host}:{port}/ from {ws.generation.name}", err=True)
    waitress_serve(app, host=host, port=port, threads=threads, ident="budgetkg", clear_untrusted_proxy_headers=True)


def run() -> NoReturn:
    """The console script: `main`, then the process ends at once.

    A build leaves millions of objects behind (the catalog copies, the check's model, the index's documents);
    letting the interpreter free them one by one took 0.8 s of the bundled corpus's build. By the time a
    command returns, everything it writes is on disk and its output is flushed here.
    """
    try:
        main()
        code: Any = 0
    except SystemExit as done:
        code = done.code
    if isinstance(code, str):
        click.echo(code, err=True)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    run()
