"""The officer's check and the revision diff through the CLI JSON, on the session build of the bundled corpus."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from budgetkg.cli import main


def codes(entries: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    return [(e["department"], e["code"]) for e in entries]


def test_issue_example_b_class_with_fragment_fallback(cli: Callable[..., Any]) -> None:
    r = cli("check", "请律师担任法律顾问", "--department", "工业和信息化", "--date", "2025-03-01")
    assert r["verdict"] == "purchasable-b-class"
    assert r["kind"] == "service"
    assert codes(r["b_class"])[0] == (None, "B0101")
    assert r["b_class"][0]["catalog_doc"] == "晋财综〔2023〕47号（B类）"
    assert {"matched_terms", "score", "code_path", "source"} <= set(r["b_class"][0])
    assert ("行政审批", "A040701") in codes(r["other_departments"])
    rev = r["revision"]
    assert rev["in_force"] == "2024" and rev["fragmentary"] and rev["department_missing"]
    assert rev["A"]["revision"] == "2023" and rev["A"]["superseded"] is True
    assert rev["B"]["doc_no"] == "晋财综〔2023〕47号"
    assert "仅存片段" in r["explanation"] and r["prohibited"] == []


def test_explicit_revision_and_own_catalog(cli: Callable[..., Any]) -> None:
    r = cli("check", "给新办企业免费刻章", "--department", "行政审批", "--revision", "2025")
    assert r["verdict"] == "purchasable-own-catalog"
    assert codes(r["own_department"])[0] == ("行政审批", "A160502")
    assert r["revision"]["A"]["revision"] == "2025" and r["revision"]["explicit"]
    assert r["explanation_path"][-1].startswith("A160502")


def test_labour_dispatch_is_prohibited_item_5(cli: Callable[..., Any]) -> None:
    r = cli("check", "劳务派遣人员工资", "--department", "行政审批", "--revision", "2024")
    assert r["verdict"] == "prohibited" and r["kind"] == "personnel"
    assert r["prohibited"][0]["item"] == 5 and r["prohibited"][0]["rule_id"] == "102-10-5"
    assert "第十条" in r["prohibited"][0]["citation"]
    assert r["own_department"] == r["b_class"] == r["other_departments"] == []


def test_only_other_department(cli: Callable[..., Any]) -> None:
    r = cli("check", "残疾人康复训练", "--department", "行政审批", "--revision", "2023")
    assert r["verdict"] == "only-other-department"
    assert "残疾人联合会" in {e["department"] for e in r["other_departments"]}


def test_project_with_unit_uses_fiscal_year_and_maps_department(cli: Callable[..., Any]) -> None:
    r = cli("check", "--project", "固定资产购置", "--unit", "柳林县社会保险中心")
    assert r["department"] == "人力资源和社会保障"
    assert "人力资源和社会保障" in r["department_evidence"]["evidence"]
    assert r["revision"]["date"] == "2024-01-01" and r["revision"]["A"]["revision"] == "2023"
    assert r["verdict"] == "prohibited" and r["prohibited"][0]["item"] == 3


def test_project_attached_revision_other_than_in_force_is_noted(cli: Callable[..., Any]) -> None:
    r = cli("check", "--project", "聘请法律顾问经费", "--unit", "吕梁市工业和信息化局")
    assert r["verdict"] == "purchasable-b-class"
    assert r["revision"]["in_force"] == "2024"
    assert any("文件所附目录" in n for n in r["revision"]["notes"])


def test_unknown_department_is_an_error(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["check", "物业管理", "--department", "不存在的部门", "--data-dir",
                                       str(data_dir), "--json"])
    assert result.exit_code != 0 and "unknown catalog department" in result.output


def test_diff_2023_to_2025_lists_changes(cli: Callable[..., Any]) -> None:
    d = cli("diff", "--from", "2023", "--to", "2025", "--department", "行政审批")
    by = {(c["change"], (c["from"] or {}).get("code"), (c["to"] or {}).get("code")) for c in d["changes"]}
    assert ("recoded", "A1602", "A160101") in by
    assert ("renamed", "A180701", "A180701") in by
    assert ("added", None, "A170108") in by
    assert d["counts"]["same"] > 0 and "same" not in {c["change"] for c in d["changes"]}


def test_diff_into_fragment_reports_missing_text_not_removal(cli: Callable[..., Any]) -> None:
    d = cli("diff", "--from", "2023", "--to", "2024")
    assert d["counts"]["not_in_surviving_text"] > 1000
    removed_depts = {c["department"] for c in d["changes"] if c["change"] == "removed"}
    assert removed_depts <= {"行政审批", "生态环境"}  # only departments whose 2024 block survives intact
    assert any("不在存世文本中" in n for n in d["notes"])


def test_check_cites_entry_history(cli: Callable[..., Any]) -> None:
    r = cli("check", "12345热线外包", "--department", "行政审批", "--revision", "2023")
    top = r["own_department"][0]
    assert top["code"] == "A180701"
    changes = {h["revision"]: h["change"] for h in top["history"]}
    assert changes.get("2025") == "renamed"


def test_build_links_every_project(cli: Callable[..., Any], data_dir: Path) -> None:
    def count(query: str) -> int:
        result = CliRunner().invoke(main, ["sparql", query, "--data-dir", str(data_dir), "--json"])
        assert result.exit_code == 0, result.output
        return int(json.loads(result.output)["results"]["bindings"][0]["n"]["value"])

    projects = count("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a bk:Project }")
    links = count("SELECT (COUNT(DISTINCT ?p) AS ?n) "
                  "WHERE { ?l a bk:CatalogLink ; bk:linkedProject ?p ; bk:verdict ?v }")
    assert projects > 0 and links == projects
    chosen = count("SELECT (COUNT(*) AS ?n) WHERE { ?l bk:chosenEntry ?e . ?e a bk:CatalogEntry }")
    assert chosen > 0
    units = cli("units")
    assert all(u["catalog_department"] for u in units)
