"""/openapi.json: the JSON API described as OpenAPI 3.1, generated from a small table next to the routes.

Why generated: the table lists each operation's parameters once, and a test checks that every /api/ route
of the app appears in it, so the document cannot silently fall behind the code.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from .app import MAX_QUERY_CHARS, MAX_SPARQL_BYTES, MAX_TEXT_CHARS, json_response

bp = Blueprint("openapi", __name__)

_P = tuple[str, str, bool, str]  # name, type, required, description

OPERATIONS: dict[str, tuple[str, str, list[_P]]] = {
    "/api/search": ("search", "全文检索（与 `budgetkg search --json` 相同）", [
        ("q", "string", True, f"查询词，最多 {MAX_QUERY_CHARS} 字"),
        ("type", "string", False, "project | catalog_entry | unit | subject | paragraph"),
        ("revision", "string", False, "目录版本：2023、2024、2025、B2023"),
        ("department", "string", False, "目录部门"), ("unit", "string", False, "预算单位"),
        ("year", "integer", False, "预算年度"), ("region", "string", False, "县或市"),
        ("page", "integer", False, "页码，从 1 开始"), ("per_page", "integer", False, "每页条数（1–100）"),
        ("limit", "integer", False, "per_page 的别名（与命令行 --limit 相同）"),
        ("sort", "string", False, "relevance | amount"),
    ]),
    "/api/check": ("check", "审核：本部门可否购买此项服务（与 `budgetkg check --json` 相同）", [
        ("text", "string", False, f"服务事项描述，最多 {MAX_TEXT_CHARS} 字（或给 project）"),
        ("project", "string", False, "项目名称"),
        ("department", "string", False, "目录部门"), ("unit", "string", False, "预算单位"),
        ("date", "string", False, "日期 YYYY-MM-DD：按当日施行的目录判断"),
        ("revision", "string", False, "直接指定目录版本"),
    ]),
    "/api/catalog": ("catalog", "目录：版本 × 部门；给 revision 得部门，再给 department 得条目", [
        ("revision", "string", False, "目录版本"), ("department", "string", False, "部门（B 表示B类）"),
        ("level", "integer", False, "只列此层级（1–4）"),
    ]),
    "/api/catalog/revisions": ("revisions", "目录版本（与 `budgetkg catalog revisions --json` 相同）", []),
    "/api/catalog/entries": ("entries", "条目（与 `budgetkg catalog entries --json` 相同）", [
        ("revision", "string", True, "目录版本"), ("department", "string", False, "部门"),
        ("level", "integer", False, "层级"),
    ]),
    "/api/diff": ("diff", "两个目录版本的差异：新增、删除、改名、改码、移动", [
        ("from", "string", True, "旧版本"), ("to", "string", True, "新版本"), ("department", "string", False, "部门"),
    ]),
    "/api/units": ("units", "预算单位（与 `budgetkg units --json` 相同）", []),
    "/api/projects": ("projects", "项目及绩效目标（与 `budgetkg projects --json` 相同）", [
        ("unit", "string", False, "只列此单位的项目"),
    ]),
    "/api/quality": ("quality", "数据质量：源文件异常与表格核对（与 `budgetkg quality --json` 相同）", []),
    "/api/entity": ("entity", "实体（单位、项目、目录条目、文档……）的全部属性与页面数据", [
        ("iri", "string", False, "实体 IRI"), ("path", "string", False, "或 /id/ 下的路径"),
    ]),
}


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, (op_id, summary, params) in OPERATIONS.items():
        paths[path] = {"get": {
            "operationId": op_id,
            "summary": summary,
            "parameters": [{"name": n, "in": "query", "required": req, "description": desc,
                            "schema": {"type": typ}} for n, typ, req, desc in params],
            "responses": {
                "200": {"description": "JSON", "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": {"description": "参数错误或过长", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Error"}}}},
                "404": {"description": "没有此对象", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Error"}}}},
            },
        }}
    paths["/sparql"] = {
        "get": {"operationId": "sparqlGet", "summary": "SPARQL 1.1 查询（只读，超时与结果上限）",
                "parameters": [{"name": "query", "in": "query", "required": True, "schema": {"type": "string"},
                                "description": f"SPARQL 查询，最多 {MAX_SPARQL_BYTES // 1000} kB"}],
                "responses": {"200": {"description": "SPARQL 结果（JSON/XML/CSV/TSV；CONSTRUCT 为 Turtle 等）"},
                              "400": {"description": "语法错误或更新操作"}, "503": {"description": "超时"}}},
        "post": {"operationId": "sparqlPost", "summary": "SPARQL 1.1 查询（表单或 application/sparql-query）",
                 "requestBody": {"content": {
                     "application/x-www-form-urlencoded": {"schema": {"type": "object",
                                                                      "properties": {"query": {"type": "string"}}}},
                     "application/sparql-query": {"schema": {"type": "string"}}}},
                 "responses": {"200": {"description": "SPARQL 结果"}, "400": {"description": "语法错误或更新操作"},
                               "413": {"description": "查询过大"}, "503": {"description": "超时"}}},
    }
    paths["/id/{path}"] = {"get": {
        "operationId": "resource", "summary": "关联数据：按内容协商返回 HTML、JSON、Turtle、N-Triples 或 JSON-LD",
        "parameters": [{"name": "path", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "实体描述", "content": {
            m: {} for m in ("text/html", "application/json", "text/turtle", "application/n-triples",
                            "application/ld+json")}}, "404": {"description": "图中没有此 IRI"}}}}
    paths["/dump"] = {"get": {
        "operationId": "dump", "summary": "整个图谱下载",
        "parameters": [{"name": "format", "in": "query", "schema": {"type": "string",
                                                                   "enum": ["ttl", "nt", "jsonld", "nq", "trig"]}}],
        "responses": {"200": {"description": "RDF"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "budgetkg API", "version": "0.1.0",
                 "description": "预算公开与政府购买服务指导性目录知识图谱。每个 HTML 页面加 ?format=json 或 .json "
                                "即得同样内容的 JSON。"},
        "paths": paths,
        "components": {"schemas": {"Error": {"type": "object", "properties": {
            "error": {"type": "string"}, "status": {"type": "integer"}}, "required": ["error", "status"]}}},
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    return json_response(document())
