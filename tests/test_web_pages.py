"""The pages and their JSON twins, over a real waitress server and the session's build."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
import web_fixtures
from web_fixtures import *  # noqa: F403  (fixtures: server, web_app, ws)


def get(url: str, accept: str | None = None) -> tuple[int, str, str]:
    """(status, content type, body) of a GET; HTTP errors are returned, not raised."""
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode("utf-8")


def get_json(url: str) -> Any:
    status, ctype, body = get(url)
    assert status == 200, body[:500]
    assert ctype.startswith("application/json")
    return json.loads(body)


def q(text: str) -> str:
    return urllib.parse.quote(text)


PAGES = ["/", "/search?q=" + q("物业"), "/catalog", "/catalog?revision=2024", "/units", "/quality",
         "/catalog?revision=2023&department=" + q("民政")]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_json_twin(server: str, path: str) -> None:
    status, ctype, html = get(server + path)
    assert status == 200 and ctype.startswith("text/html")
    assert '<html lang="zh-CN">' in html
    sep = "&" if "?" in path else "?"
    by_param = get_json(server + path + sep + "format=json")
    status, ctype, body = get(server + path, accept="application/json")
    assert status == 200 and ctype.startswith("application/json")
    assert json.loads(body) == by_param
    route, _, query = path.partition("?")
    suffixed = (route.rstrip("/") or "/index") if route != "/" else None
    if suffixed:
        assert get_json(server + suffixed + ".json" + ("?" + query if query else "")) == by_param


def test_search_highlights_facets_pagination_and_entity_links(server: str) -> None:
    data = get_json(server + "/search?format=json&q=" + q("服务") + "&per_page=5")
    result = data["result"]
    assert result["total"] > 5 and result["pages"] > 1
    assert any("<mark>" in h for hit in result["hits"] for h in hit["highlights"])
    _status, _, html = get(server + "/search?q=" + q("服务") + "&per_page=5")
    assert "<mark>" in html and 'rel="next"' in html
    assert "类型" in html and "目录版本" in html  # facet headings
    page2 = get_json(server + "/search?format=json&q=" + q("服务") + "&per_page=5&page=2")["result"]
    assert page2["page"] == 2 and {h["id"] for h in page2["hits"]}.isdisjoint(h["id"] for h in result["hits"])
    filtered = get_json(server + "/search?format=json&q=" + q("服务") + "&type=catalog_entry&revision=2025")
    assert all(h["type"] == "catalog_entry" and h["revision"] == "2025" for h in filtered["result"]["hits"])
    links = re.findall(r'<a class="title" href="([^"]+)"', html)
    assert links and all(link.startswith("/id/") for link in links)
    for link in links:
        assert get(server + link)[0] == 200, link
    src = re.findall(r'<a class="src" href="(/id/doc/[^"#]+)#L(\d+)"', html)
    assert src, "every hit links to its source line"


def test_search_errors_are_messages(server: str) -> None:
    status, _, body = get(server + "/api/search?q=" + q("服务") + "&page=0")
    assert status == 400 and "page" in json.loads(body)["error"]
    status, _, body = get(server + "/search?q=x&type=nonsense")
    assert status == 400 and "未知的类型" in body


@web_fixtures.needs_check
def test_check_page_shows_verdict_evidence_and_revision(server: str) -> None:
    path = "/check?text=" + q("物业管理服务") + "&department=" + q("行政审批") + "&date=2024-06-01"
    status, _, html = get(server + path)
    assert status == 200
    assert 'data-verdict="purchasable-b-class"' in html
    assert "B1102" in html and "晋财综〔2023〕47号" in html
    assert "政府履职辅助性服务 › B11 后勤服务" in html  # code path
    assert re.search(r'class="src" href="/id/doc/[^"]+#L2228"', html)
    data = get_json(server + path + "&format=json")
    assert data["result"]["verdict"] == "purchasable-b-class"


@web_fixtures.needs_check
def test_check_prohibited_shows_citation(server: str) -> None:
    path = "/check?text=" + q("购买办公设备") + "&department=" + q("民政")
    data = get_json(server + path + "&format=json")["result"]
    assert data["verdict"] == "prohibited"
    _status, _, html = get(server + path)
    assert 'id="prohibitions"' in html and "财政部令第102号 第十条（三）" in html


@web_fixtures.needs_check
def test_check_refuses_bad_input_clearly(server: str) -> None:
    status, _, body = get(server + "/api/check?text=" + q("物业") + "&department=" + q("不存在的部门"))
    assert status == 400 and "不存在的部门" in json.loads(body)["error"]
    status, _, body = get(server + "/check?text=x&department=" + q("民政") + "&date=2024-13-45")
    assert status == 400 and "YYYY-MM-DD" in body


def test_catalog_tree_marks_the_fragment_revision(server: str) -> None:
    status, _, html = get(server + "/catalog")
    assert status == 200 and 'id="catalog-tree"' in html
    for rev in ("2023", "2024", "2025", "B2023"):
        assert f"<strong>{rev}</strong>" in html
    assert "仅存片段" in html
    data = get_json(server + "/catalog?revision=2024&format=json")
    assert data["info"]["fragment"] is True
    status, _, html = get(server + "/catalog?revision=2024")
    assert 'id="fragment-note"' in html
    dept = data["departments"][0]["department"]
    entries = get_json(server + "/catalog?format=json&revision=2024&department=" + q(dept))["entries"]
    assert entries and all(e["department"] == dept for e in entries)
    assert get(server + "/catalog?revision=1999")[0] == 404


@web_fixtures.needs_check
def test_diff_lists_changes(server: str) -> None:
    data = get_json(server + "/diff?format=json&from=2023&to=2025")
    counts = data["diff"]["counts"]
    assert sum(counts.values()) > 0
    _status, _, html = get(server + "/diff?from=2023&to=2025")
    assert 'id="diff-table"' in html and "新增" in html and "改名" in html
    one = get_json(server + "/api/diff?from=2023&to=2025&department=" + q("民政"))
    assert all("民政" in {(c["from"] or {}).get("department"), (c["to"] or {}).get("department")}
               for c in one["changes"])


def test_unit_page_has_charts_projects_and_sources(server: str, ws: Any) -> None:
    unit = ws.repo.units()[0]
    path = unit["id"][len(ws.base) - 1:]
    status, _, html = get(server + path)
    assert status == 200 and unit["name"] in html
    assert html.count('<svg class="chart"') == 2
    assert 'id="projects"' in html
    data = get_json(server + path + ".json")
    assert data["detail"]["by_subject"] and data["detail"]["by_econ"]


def test_project_page_has_amounts_indicators_excerpt(server: str, ws: Any) -> None:
    project = next(p for p in ws.repo.projects() if p["performance"])
    path = project["id"][len(ws.base) - 1:]
    status, _, html = get(server + path)
    assert status == 200 and project["name"] in html
    assert 'id="amounts"' in html and 'id="indicators"' in html
    line = project["source"]["line"]
    assert f'#L{line}"' in html and "源文件摘录" in html
    detail = get_json(server + path + ".json")["detail"]
    assert any(row["hit"] and row["line"] == line for row in detail["excerpt"])


def test_project_page_shows_the_catalog_link(server: str, ws: Any) -> None:
    """The build links every project to the catalog (check/linking.py); the project page shows the verdict."""
    project = ws.repo.projects(with_performance=False)[0]
    detail = get_json(server + project["id"][len(ws.base) - 1:] + ".json")["detail"]
    if detail["link"] is None:
        pytest.skip("this build has no project → catalog links")
    _, _, html = get(server + project["id"][len(ws.base) - 1:])
    assert "目录对应" in html and "verdict-inline" in html


def test_entry_page_has_path_departments_history(server: str) -> None:
    status, _, html = get(server + "/id/catalog/2025/" + q("住房和城乡建设") + "/A110101")
    assert status == 200
    assert 'id="code-path"' in html and "A11" in html and "A1101" in html
    detail = get_json(server + "/id/catalog/2025/" + q("住房和城乡建设") + "/A110101.json")["detail"]
    assert [p["code"] for p in detail["path"]] == ["A", "A11", "A1101"]
    assert "history" in detail


def test_document_page_anchors_every_line(server: str, ws: Any) -> None:
    doc = ws.repo.documents()[0]
    status, _, html = get(server + doc["id"][len(ws.base) - 1:])
    assert status == 200
    assert f'id="L{doc["lines"]}"' in html and 'id="L1"' in html


def test_quality_page_lists_anomalies_and_failed_checks(server: str, ws: Any) -> None:
    data = get_json(server + "/quality.json")
    assert len(data["anomalies"]) == len(ws.repo.anomalies())
    assert all(not c["holds"] for c in data["failed_checks"])
    _status, _, html = get(server + "/quality")
    assert 'id="failed-checks"' in html and 'id="anomalies"' in html
