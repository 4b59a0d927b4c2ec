"""The JSON API answers what the CLI's --json answers, and /openapi.json describes every /api/ route."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import web_fixtures
from web_fixtures import *  # noqa: F403  (fixtures: server, web_app, ws)


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.headers["Content-Type"].startswith("application/json")
        return json.loads(response.read())


def q(text: str) -> str:
    return urllib.parse.quote(text)


def test_search_matches_cli(server: str, cli: Callable[..., Any]) -> None:
    assert get_json(server + "/api/search?q=" + q("物业")) == cli("search", "物业")
    assert get_json(server + "/api/search?q=" + q("残疾人") + "&limit=3&type=project") == \
        cli("search", "残疾人", "--limit", "3", "--type", "project")


@web_fixtures.needs_check
def test_check_matches_cli(server: str, cli: Callable[..., Any]) -> None:
    api = get_json(server + "/api/check?text=" + q("物业管理服务") + "&department=" + q("行政审批")
                   + "&date=2024-06-01")
    assert api == cli("check", "物业管理服务", "--department", "行政审批", "--date", "2024-06-01")


@web_fixtures.needs_check
def test_diff_matches_cli(server: str, cli: Callable[..., Any]) -> None:
    assert get_json(server + "/api/diff?from=2023&to=2025") == cli("diff", "--from", "2023", "--to", "2025")


def test_catalog_and_budget_side_match_cli(server: str, cli: Callable[..., Any]) -> None:
    assert get_json(server + "/api/catalog/revisions") == cli("catalog", "revisions")
    assert get_json(server + "/api/catalog/entries?revision=2024&department=" + q("生态环境")) == \
        cli("catalog", "entries", "--revision", "2024", "--department", "生态环境")
    assert get_json(server + "/api/units") == cli("units")
    assert get_json(server + "/api/quality")["anomalies"] == cli("quality")["anomalies"]


def test_entity_api(server: str, cli: Callable[..., Any]) -> None:
    unit = cli("units")[0]
    data = get_json(server + "/api/entity?iri=" + q(unit["id"]))
    assert data["iri"] == unit["id"] and data["detail"]["unit"]["name"] == unit["name"]


def test_openapi_describes_every_api_route(server: str, web_app: Any) -> None:
    doc = get_json(server + "/openapi.json")
    assert doc["openapi"].startswith("3.")
    routes = {r.rule for r in web_app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert routes <= set(doc["paths"]), routes - set(doc["paths"])
    assert "/sparql" in doc["paths"] and "q" in {p["name"] for p in doc["paths"]["/api/search"]["get"]["parameters"]}
