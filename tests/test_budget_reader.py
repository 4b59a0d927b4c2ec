"""The budget-disclosure reader and the table checks, against the hand-checked facts and small snippets.

Every fact of shared/eval/budget_facts.jsonl is one test (read at collection time, skipped with a reason
when the eval folder is absent); the snippets pin the behaviours the corpus shows only once or not at all:
an empty table, a truncated document, a text that is no disclosure, a performance table's carried-down
indicator groups, and Decimal sums that keep a 0.01 difference.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from budgetkg.graph.budget_reader import read_budget
from budgetkg.graph.records import BudgetDocument, BudgetTable, CheckResult, SourceError
from budgetkg.graph.regions import region_of
from budgetkg.graph.source_text import SourceText, load_source
from budgetkg.graph.table_checks import check_document
from budgetkg.graph.text_clean import normalise_name

CORPUS = Path(__file__).parents[1] / "corpus"
EVAL = Path(__file__).parents[2] / "shared/eval"
FACTS_FILE = EVAL / "budget_facts.jsonl"


def _facts() -> list:
    """One pytest param per fact, or a single skipped param saying why there are none."""
    if not FACTS_FILE.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"eval facts not found at {FACTS_FILE}"))]
    facts = [json.loads(line) for line in FACTS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [pytest.param(fact, id=f"{fact['id']}-{fact['type']}") for fact in facts]


@cache
def _document(file: str) -> BudgetDocument:
    return read_budget(load_source(CORPUS / file))


@cache
def _checks(file: str) -> tuple[CheckResult, ...]:
    return tuple(check_document(_document(file)))


def _table(doc: BudgetDocument, title: str) -> BudgetTable:
    matches = [t for t in doc.tables if normalise_name(t.title) == normalise_name(title)]
    assert matches, f"{doc.file}: no table titled {title}; tables: {[t.title for t in doc.tables]}"
    return matches[0]


def _same(name: str | None, other: str | None) -> bool:
    """Names compared as the eval README says (whitespace, half-width brackets); "" and None alike."""
    return normalise_name(name or "") == normalise_name(other or "")


def _same_amount(printed: str | None, expected: str | None) -> bool:
    """Amounts compared as decimals after removing thousands separators; None means an empty cell."""
    if printed is None or expected is None:
        return printed is None and expected is None
    return Decimal(printed.replace(",", "")) == Decimal(expected.replace(",", ""))


# ----------------------------------------------------------------------------------------------- facts


def _check_unit(doc: BudgetDocument, fact: dict) -> None:
    unit = doc.unit
    assert _same(unit.name, fact["name"])
    assert (unit.county, unit.prefecture_city, unit.admin_level) == (
        fact["county"],
        fact["prefecture_city"],
        fact["admin_level"],
    )
    assert (unit.fiscal_year, unit.doc_kind) == (fact["fiscal_year"], fact["doc_kind"])


_FUNDING = ("general_public_budget", "gov_fund", "state_capital", "special_account", "unit_funds")


def _check_project(doc: BudgetDocument, fact: dict) -> None:
    assert _same(doc.unit.name, fact["unit"]) and doc.unit.fiscal_year == fact["fiscal_year"]
    table = next(t for t in doc.tables if t.kind == "projects_current")
    rows = [
        p
        for p in table.projects
        if not p.is_unit_total and _same(p.name, fact["name"]) and _same_amount(p.total_wan, fact["total_wan"])
    ]
    assert rows, f"no project {fact['name']} {fact['total_wan']}"
    row = next((r for r in rows if r.source.line == fact["line"]), rows[0])
    assert row.source.line == fact["line"]
    expected = {key: fact[key] for key in _FUNDING if key in fact}
    assert set(row.funding) == set(expected)
    assert all(_same_amount(row.funding[key], value) for key, value in expected.items())


def _check_project_count(doc: BudgetDocument, fact: dict) -> None:
    table = _table(doc, fact["table"])
    assert sum(not p.is_unit_total for p in table.projects) == fact["value"]


def _check_procurement(doc: BudgetDocument, fact: dict) -> None:
    found = doc.procurement
    assert found is not None
    for key in ("total", "goods", "works", "services"):
        assert _same_amount(getattr(found, key), fact[key]), key
    assert found.unit == fact["unit"]
    assert found.source.line in fact["lines"] and (found.source.end_line or found.source.line) in fact["lines"]
    assert (found.source.end_line or found.source.line) == max(fact["lines"])


def _check_subject(doc: BudgetDocument, fact: dict) -> None:
    table = _table(doc, fact["table"])
    rows = [s for s in table.subjects if s.code == fact["code"] and _same(s.name, fact["name"])]
    assert rows, f"no 科目 {fact['code']} {fact['name']}"
    row = rows[0]
    for key in ("total", "basic", "project"):
        assert _same_amount(row.amounts.get(key), fact[key]), key
    assert row.source.line == fact["line"]


def _check_econ(doc: BudgetDocument, fact: dict) -> None:
    table = _table(doc, fact["table"])
    rows = [
        e
        for e in table.econ
        if _same(e.dept_econ_name, fact["dept_econ_name"]) and (e.gov_econ_name or None) == fact["gov_econ_name"]
    ]
    assert len(rows) == 1, rows
    assert _same_amount(rows[0].total, fact["total"])
    assert rows[0].source.line == fact["line"]


def _check_performance(doc: BudgetDocument, fact: dict) -> None:
    targets = [t for t in doc.performance if t.source.line == fact["title_line"]]
    assert targets, f"no 绩效目标表 at line {fact['title_line']}"
    target = targets[0]
    assert _same(target.project, fact["project"])
    assert _same_amount(target.implementation_total_yuan, fact["implementation_total_yuan"])
    assert _same_amount(target.annual_total_yuan, fact["annual_total_yuan"])
    assert target.implementation_total_yuan == fact["implementation_total_yuan"]  # thousands separators kept
    if "indicator_count" in fact:
        assert target.indicator_count == fact["indicator_count"]


_KEYS = {
    "project_sum_vs_unit_total": ("table",),
    "level1_sum_vs_total": ("table", "column"),
    "basic_plus_project": ("table", "code", "name"),
    "project_name_mismatch": ("project", "project_total_wan"),
}
_VALUES = {
    "project_sum_vs_unit_total": ("projects_sum", "unit_total"),
    "level1_sum_vs_total": ("level1_sum", "total"),
    "basic_plus_project": ("basic", "project", "basic_plus_project", "total"),
    "project_name_mismatch": ("performance_name", "annual_total_yuan"),
}


def _key_matches(result: CheckResult, fact: dict, key: str) -> bool:
    got = result.table if key == "table" else result.values.get(key)
    if key in ("table", "name", "project"):
        return _same(got, fact[key])
    if key == "project_total_wan":
        return _same_amount(got, fact[key])
    return got == fact[key]


def _check_consistency(doc: BudgetDocument, fact: dict) -> None:
    check = fact["check"]
    results = [r for r in _checks(doc.file) if r.check == check and all(_key_matches(r, fact, k) for k in _KEYS[check])]
    assert len(results) == 1, results
    result = results[0]
    assert result.holds == (fact["expected"] == "holds")
    for key in _VALUES[check]:
        if key == "performance_name":
            assert _same(result.values[key], fact[key])
        else:
            assert result.values[key] == fact[key], key  # printed strings: a 0.01 difference stays visible


def _check_empty_table(doc: BudgetDocument, fact: dict) -> None:
    table = _table(doc, fact["table"])
    assert table.empty and table.empty_note is not None
    assert table.empty_note.line == fact["line"]
    printed = load_source(CORPUS / doc.file).lines[fact["line"] - 1]
    assert fact["note"] in printed


_CHECKERS = {
    "unit": _check_unit,
    "project": _check_project,
    "project_count": _check_project_count,
    "procurement": _check_procurement,
    "subject": _check_subject,
    "econ": _check_econ,
    "performance": _check_performance,
    "consistency": _check_consistency,
    "empty_table": _check_empty_table,
}


@pytest.mark.parametrize("fact", _facts())
def test_reader_yields_every_budget_fact(fact: dict) -> None:
    _CHECKERS[fact["type"]](_document(fact["file"]), fact)


# ------------------------------------------------------------------------------------------- snippets


def doc_line(text: str, number: int) -> str:
    """Line `number` (1-based) of a snippet."""
    return text.split("\n")[number - 1]


def _source(text: str, file: str = "snippet.txt") -> SourceText:
    data = text.encode("utf-8")
    return SourceText(file, Path(file), hashlib.sha256(data).hexdigest(), text.split("\n"))


_COVER = """永和县行政审批服务管理局

仅供内部审核

2024年度单位预算公开

目 录
表一2024年预算收支总表.....\t3
表七2024年政府性基金预算收入表（不含上年结转）.....\t11
表十二2024年项目支出预算表（本年预算）.....\t15
"""

_FUND_INCOME_EMPTY = """2024年政府性基金预算收入表（不含上年结转）

单位名称：永和县行政审批服务管理局

单位：万元

项目\t\t政府性基金收入预算
收入科目编码\t科目名称\t
合计\t\t

注：本表无数据
"""

_PROJECTS = """2024年项目支出预算表（本年预算）

单位名称：永和县行政审批服务管理局
单位：万元

项目名称\t合计\t2024年财政拨款\t\t\t财政专户管理 资金\t单位资金
\t\t一般公共预算\t政府性 基金预 算\t国有资本经营 预算\t\t
1\t2\t3\t4\t5\t6\t7
永和县行政审批服务管理局\t15.01\t15.01\t\t\t\t
仅供内部审核
永和县行政审批服务管理局\t15.01\t15.01\t\t\t\t
刻制公章经费\t10.00\t10.00\t\t\t\t
专班工作经费\t5.00\t\t5.00\t\t\t

第三部分 2024年度单位预算情况说明
"""


def test_empty_table_is_recorded_as_empty_not_missing() -> None:
    doc = read_budget(_source(_COVER + _FUND_INCOME_EMPTY + _PROJECTS))
    table = _table(doc, "2024年政府性基金预算收入表（不含上年结转）")
    assert table.empty and table.kind == "fund_income" and table.number == 7
    assert table.empty_note is not None and "本表无数据" in doc_line(_COVER + _FUND_INCOME_EMPTY, table.empty_note.line)
    assert table.header and not table.subjects
    assert not [i for i in doc.issues if "政府性基金预算收入表" in i.message]


def test_unit_total_rows_printed_twice_are_not_projects() -> None:
    doc = read_budget(_source(_COVER + _PROJECTS))
    table = _table(doc, "2024年项目支出预算表（本年预算）")
    assert [p.is_unit_total for p in table.projects] == [True, True, False, False]
    assert table.projects[3].funding == {"gov_fund": "5.00"}
    assert len(table.header) == 3  # the two header rows and the column numbers 1..7


def test_project_sum_reports_a_cent_as_printed() -> None:
    doc = read_budget(_source(_COVER + _PROJECTS))
    (result,) = [r for r in check_document(doc) if r.check == "project_sum_vs_unit_total"]
    assert not result.holds
    assert result.values == {"projects_sum": "15.00", "unit_total": "15.01"}


def test_truncated_document_warns_with_file_and_line() -> None:
    text = _COVER + _FUND_INCOME_EMPTY + "2024年项目支出预算表（本年预算）\n\n单位名称：永和县行政审批服务管理局\n"
    doc = read_budget(_source(text, "cut.txt"))
    warnings = [i for i in doc.issues if i.severity == "warning"]
    kinds = {i.kind for i in warnings}
    assert {"missing_table", "truncated_table"} <= kinds
    missing = next(i for i in warnings if i.kind == "missing_table")
    assert missing.source.file == "cut.txt" and "预算收支总表" in doc_line(text, missing.source.line)
    cut = next(i for i in warnings if i.kind == "truncated_table")
    assert "项目支出预算表（本年预算）" in doc_line(text, cut.source.line)


def test_truncated_corpus_document_warns_about_the_tables_it_lost() -> None:
    source = load_source(CORPUS / "000_d36ff57df6df67c4.txt")
    cut = SourceText(source.file, source.path, source.sha256, source.lines[:300])
    doc = read_budget(cut)
    missing = [i for i in doc.issues if i.kind == "missing_table"]
    assert len(missing) == 6 and all(i.source.file == source.file for i in missing)
    assert any(i.kind == "truncated_table" for i in doc.issues)


def test_complete_corpus_documents_raise_no_warnings_and_keep_every_printed_row() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        doc = _document(path.name)
        assert doc.issues == [], doc.issues
        source = load_source(path)
        for table in doc.tables:
            end = table.source.end_line or table.source.line
            printed = sum("\t" in source.lines[n - 1] for n in range(table.source.line, end + 1))
            assert len(table.header) + len(table.rows) == printed, table.title


def test_text_that_is_no_disclosure_raises_source_error_naming_file_and_line() -> None:
    with pytest.raises(SourceError) as raised:
        read_budget(_source("\n\n关于召开年度工作会议的通知\n各科室：\n定于下周一召开会议。\n", "notice.txt"))
    assert raised.value.file == "notice.txt" and raised.value.line == 3
    assert "notice.txt:3" in str(raised.value)


def test_unit_place_comes_from_the_region_data() -> None:
    assert region_of("永和县行政审批服务管理局") == region_of("临汾市永和县行政审批服务管理局")
    place = region_of("孝义市行政审批服务管理局")
    assert place is not None and (place.county, place.prefecture_city, place.admin_level) == (
        "孝义市",
        "吕梁市",
        "county-level city",
    )
    city = region_of("吕梁市工业和信息化局")
    assert city is not None and (city.county, city.admin_level) == (None, "prefecture city")
    assert region_of("城区财政局") is None  # a generic district name needs its city
    assert region_of("阳泉市城区财政局") is not None


_PERFORMANCE = """永和县县(区)级预算部门(单位)项目支出绩效目标表
(2024年度)
项目名称\t\t刻制公章经费\t\t\t
主管部门及代码\t\t132-永和县行政审批服务管理局\t\t实施单位\t\t永和县行政审批服务管理局
项目属性\t\t一次性项目(1年结束)\t\t项目期\t\t1年
项目资金(元)\t\t实施期资金总额:\t\t100,000\t\t年度资金总额:\t\t
\t\t其中:中央财政资金\t\t0\t\t其中:中央财政资金\t\t0
项目概况\t\t免费刻制印章<tr> <td>立项依据</td>
立项依据\t\t年初预算
实施期目标\t\t\t\t年度目标
总体目标\t\t降低企业开办成本\t\t\t\t降低成本
绩效指标\t一级指标\t二级指标\t三级指标\t指标值\t二级指标\t三级指标\t指标值
\t产出指标\t数量指标\t刻制印章数\t≥150套\t数量指标\t刻制印章数\t≥150套
\t\t\t刻制印章户数\t≥100户\t\t刻制印章户\t≥100户
\t\t成本指标\t\t\t成本指标
满意度指标\t服务对象满意度\t服务对象满意度\t≥97%\t服务对象满意度指\t服务对象满意度\t≥97%
负责人:\t经办人:\t联系电话:\t填报日期:\t20240327195902
"""


def test_performance_table_carries_indicator_groups_down_and_counts_the_implementation_half() -> None:
    doc = read_budget(_source(_COVER + _PERFORMANCE))
    (target,) = doc.performance
    assert target.project == "刻制公章经费" and target.period == "1年"
    assert (target.implementation_total_yuan, target.annual_total_yuan) == ("100,000", None)
    assert target.funds == {"implementation.central": "0", "annual.central": "0"}
    assert target.overview == "免费刻制印章" and target.basis == "年初预算"
    assert (target.goal_implementation, target.goal_annual) == ("降低企业开办成本", "降低成本")
    assert target.indicator_count == 3
    second = [i for i in target.indicators if i.level3 == "刻制印章户数"]
    assert [(i.level1, i.level2, i.value, i.half) for i in second] == [
        ("产出指标", "数量指标", "≥100户", "implementation")
    ]
    title = len(_COVER.splitlines()) + 1
    assert (target.source.line, target.source.end_line) == (title, title + len(_PERFORMANCE.splitlines()) - 1)


_SPLIT_TABLE = """2024年预算支出总表
单位名称：永和县行政审批服务管理局
单位：万元
项目\t\t2024年预算数\t\t
科目编码\t科目名称\t合计\t基本支出\t项目支出
合计\t\t20.00\t12.00\t8.00
201\t一般公共服务支出\t20.00\t12.00\t8.00
- 3 -
仅供内部审核
2024年预算支出总表
单位名称：永和县行政审批服务管理局
项目\t\t2024年预算数\t\t
科目编码\t科目名称\t合计\t基本支出\t项目支出
2010399\t其他政府办公厅（室）及相关机构事务\t20.00\t12.00\t8.00
\t支出\t\t\t

第三部分 2024年度单位预算情况说明
"""


def test_table_broken_by_a_page_break_stays_one_table_with_its_name_cells_joined() -> None:
    doc = read_budget(_source(_COVER + _SPLIT_TABLE))
    (table,) = [t for t in doc.tables if t.kind == "expenditure"]
    assert [s.code for s in table.subjects] == [None, "201", "2010399"]
    assert table.subjects[2].name == "其他政府办公厅（室）及相关机构事务支出"
    assert table.subjects[2].amounts == {"total": "20.00", "basic": "12.00", "project": "8.00"}
    first = len(_COVER.splitlines()) + 14
    assert (table.subjects[2].source.line, table.subjects[2].source.end_line) == (first, first + 1)


def test_records_cross_processes_unchanged() -> None:
    """Workers pickle records to the build (records.record's own pickling): every field must come back."""
    from budgetkg.graph.catalog_reader import read_catalog

    for path in sorted(CORPUS.glob("*.txt")):
        document = _document(path.name)
        assert pickle.loads(pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL)) == document
        copies = read_catalog(load_source(path))
        assert pickle.loads(pickle.dumps(copies)) == copies
        assert copies[0] and copies[0][0].rows[0].source.file == path.name
