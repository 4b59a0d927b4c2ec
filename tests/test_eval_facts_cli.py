"""Every hand-checked fact of shared/eval, asked through the CLI's JSON the way a user would."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import fact_params, norm

CATALOG = "catalog_facts.jsonl"
BUDGET = "budget_facts.jsonl"
FUNDING = ("general_public_budget", "gov_fund", "state_capital", "special_account", "unit_funds")


def dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value.replace(",", ""))


def loc(source: dict[str, Any]) -> str:
    return f"{source['file']}:{source['line']}"


# ------------------------------------------------------------------------------------------- catalog
@pytest.mark.parametrize("fact", fact_params(CATALOG, "revision"))
def test_revision_has_its_doc_no_date_supersession_and_fragment_state(cli, fact) -> None:
    revisions = {r["revision"]: r for r in cli("catalog", "revisions")}
    rev = revisions[fact["revision"]]
    assert rev["doc_no"] == fact["doc_no"]
    assert rev["issued"] == fact["issued"]
    assert rev["supersedes"] == fact["supersedes"]
    assert rev["fragment"] is fact["fragment"]


@pytest.mark.parametrize("fact", fact_params(CATALOG, "department_count"))
def test_revision_has_the_counted_departments(cli, fact) -> None:
    assert len(cli("catalog", "departments", "--revision", fact["revision"])) == fact["value"]


@pytest.mark.parametrize("fact", fact_params(CATALOG, "entry_count"))
def test_revision_has_the_counted_entries_per_level(cli, fact) -> None:
    args = ["catalog", "entries", "--revision", fact["revision"]]
    if fact["level"] is not None:
        args += ["--level", str(fact["level"])]
    assert len(cli(*args)) == fact["value"]


@pytest.mark.parametrize("fact", fact_params(CATALOG, "departments"))
def test_departments_come_in_document_order(cli, fact) -> None:
    names = [d["department"] for d in cli("catalog", "departments", "--revision", fact["revision"])]
    assert [norm(n) for n in names[: len(fact["first"])]] == [norm(n) for n in fact["first"]]


def _entry(cli, revision: str, department: str | None, code: str, level: int | None = None) -> dict[str, Any]:
    entries = [
        e for e in cli("catalog", "entries", "--revision", revision)
        if e["code"] == code and norm(e["department"]) == norm(department) and (level is None or e["level"] == level)
    ]
    assert entries, f"no entry {revision} {department} {code} (level {level})"
    return entries[0]


@pytest.mark.parametrize("fact", fact_params(CATALOG, "entry"))
def test_entry_has_level_name_parent_and_every_source_line(cli, fact) -> None:
    entry = _entry(cli, fact["revision"], fact["department"], fact["code"], fact["level"])
    assert entry["level"] == fact["level"]
    assert norm(entry["name"]) == norm(fact["name"])
    assert entry["parent_code"] == fact["parent_code"]
    assert sorted(loc(s) for s in entry["sources"]) == sorted(fact["sources"])
    assert entry["doc_no"].startswith("晋财综")


@pytest.mark.parametrize("fact", fact_params(CATALOG, "flag"))
def test_source_anomaly_is_reported(cli, fact) -> None:
    if fact["code"] is not None:
        entry = _entry(cli, fact["revision"], fact["department"], fact["code"], fact["level"])
        assert fact["flag"] in entry["flags"]
    elif fact["department"] is not None:
        departments = {norm(d["department"]): d for d in cli("catalog", "departments", "--revision", fact["revision"])}
        assert fact["flag"] in departments[norm(fact["department"])]["flags"]
    else:
        revisions = {r["revision"]: r for r in cli("catalog", "revisions")}
        assert revisions[fact["revision"]]["fragment"] is True
    kinds = {(a["kind"], a["revision"]) for a in cli("quality")["anomalies"]}
    assert (fact["flag"], fact["revision"]) in kinds


# ------------------------------------------------------------------------------------------- budget
@pytest.mark.parametrize("fact", fact_params(BUDGET, "unit"))
def test_unit_has_region_level_year_and_kind(cli, fact) -> None:
    units = [u for u in cli("units") if u["source"]["file"] == fact["file"]]
    assert len(units) == 1
    unit = units[0]
    for key in ("name", "county", "prefecture_city", "admin_level", "fiscal_year", "doc_kind"):
        assert unit[key] == fact[key], key
    assert unit["duties"] and all(isinstance(d, str) and d for d in unit["duties"])


@pytest.mark.parametrize("fact", fact_params(BUDGET, "project_count"))
def test_project_table_has_the_counted_rows(cli, fact) -> None:
    rows = [p for p in cli("projects") if p["source"]["file"] == fact["file"] and p["table"] == fact["table"]]
    assert len(rows) == fact["value"]


@pytest.mark.parametrize("fact", fact_params(BUDGET, "project"))
def test_project_row_has_its_amounts_as_printed(cli, fact) -> None:
    rows = [p for p in cli("projects") if p["source"]["file"] == fact["file"] and norm(p["name"]) == norm(fact["name"])
            and dec(p["total_wan"]) == dec(fact["total_wan"])]
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["unit"] == fact["unit"] and row["fiscal_year"] == fact["fiscal_year"]
    assert row["source"]["line"] == fact["line"]
    for key in FUNDING:
        assert dec(row[key]) == dec(fact.get(key)), key


@pytest.mark.parametrize("fact", fact_params(BUDGET, "procurement"))
def test_procurement_sentence_gives_goods_works_services(cli, fact) -> None:
    rows = [p for p in cli("tables")["procurement"] if p["source"]["file"] == fact["file"]]
    assert len(rows) == 1
    row = rows[0]
    for key in ("total", "goods", "works", "services"):
        assert dec(row[key]) == dec(fact[key]), key
    assert row["amount_unit"] == fact["unit"]
    assert row["source"]["line"] in fact["lines"]


@pytest.mark.parametrize("fact", fact_params(BUDGET, "subject"))
def test_subject_row_has_total_basic_and_project(cli, fact) -> None:
    rows = [s for s in cli("subjects") if s["source"]["file"] == fact["file"] and s["table"] == fact["table"]
            and s["code"] == fact["code"]]
    assert len(rows) == 1
    row = rows[0]
    assert norm(row["name"]) == norm(fact["name"])
    for key in ("total", "basic", "project"):
        assert dec(row[key]) == dec(fact[key]), key
    assert row["source"]["line"] == fact["line"]


@pytest.mark.parametrize("fact", fact_params(BUDGET, "econ"))
def test_econ_row_is_told_apart_by_its_government_class(cli, fact) -> None:
    rows = [e for e in cli("tables")["econ"] if e["source"]["file"] == fact["file"] and e["table"] == fact["table"]
            and e["dept_econ_name"] == fact["dept_econ_name"] and e["gov_econ_name"] == fact["gov_econ_name"]]
    assert len(rows) == 1
    assert dec(rows[0]["total"]) == dec(fact["total"])
    assert rows[0]["source"]["line"] == fact["line"]


@pytest.mark.parametrize("fact", fact_params(BUDGET, "performance"))
def test_performance_table_has_totals_and_indicators(cli, fact) -> None:
    rows = [p for p in cli("tables")["performance"] if p["source"]["file"] == fact["file"]
            and norm(p["project"]) == norm(fact["project"])]
    assert rows, fact["project"]
    row = next((r for r in rows if r["source"]["line"] == fact["title_line"]), rows[0])
    assert row["source"]["line"] == fact["title_line"]
    assert dec(row["implementation_total_yuan"]) == dec(fact["implementation_total_yuan"])
    assert dec(row["annual_total_yuan"]) == dec(fact["annual_total_yuan"])
    if "indicator_count" in fact:
        assert row["indicator_count"] == fact["indicator_count"]


@pytest.mark.parametrize("fact", fact_params(BUDGET, "empty_table"))
def test_empty_table_is_recorded_as_empty_not_missing(cli, fact) -> None:
    rows = [t for t in cli("tables")["tables"] if t["source"]["file"] == fact["file"] and t["title"] == fact["table"]]
    assert len(rows) == 1
    assert rows[0]["empty"] is True
    assert rows[0]["source"]["line"] == fact["line"]


def _check_matches(check: dict[str, Any], fact: dict[str, Any]) -> bool:
    if check["check"] != fact["check"] or check["source"]["file"] != fact["file"]:
        return False
    if fact["check"] == "project_name_mismatch":
        return norm(check.get("project")) == norm(fact["project"]) or norm(check.get("performance_name")) == norm(
            fact["performance_name"])
    if check.get("table") != fact["table"]:
        return False
    if fact["check"] == "level1_sum_vs_total":
        return check.get("column") == fact["column"]
    if fact["check"] == "basic_plus_project":
        return check.get("code") == fact["code"]
    return True


@pytest.mark.parametrize("fact", fact_params(BUDGET, "consistency"))
def test_table_check_reports_what_the_printed_numbers_give(cli, fact) -> None:
    checks = [c for c in cli("quality")["checks"] if _check_matches(c, fact)]
    assert len(checks) == 1, checks
    check = checks[0]
    assert check["holds"] is (fact["expected"] == "holds")
    numeric = {k: v for k, v in fact.items() if k not in {"id", "type", "file", "check", "expected", "table",
                                                              "column", "code", "name", "project", "performance_name"}}
    for key, value in numeric.items():
        assert dec(check.get(key)) == dec(value), key
