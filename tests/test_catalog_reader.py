"""The catalog reader and reconciler: every fact of shared/eval/catalog_facts.jsonl against the corpus, and
the noise the PDF extraction leaves, on small synthetic snippets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from budgetkg.graph.catalog_memo import CopyMemo
from budgetkg.graph.catalog_reader import clean_name, read_catalog
from budgetkg.graph.catalog_reconcile import _reading, reconcile
from budgetkg.graph.records import CatalogCopy, CatalogEntry, CatalogRow, Revision
from budgetkg.graph.source_text import SourceText, load_source
from budgetkg.graph.text_clean import normalise_name

CORPUS = Path(__file__).parents[1] / "corpus"
EVAL = Path(__file__).parents[2] / "shared/eval"
FACTS_FILE = EVAL / "catalog_facts.jsonl"


# --------------------------------------------------------------------------- fixtures


def _facts(kind: str) -> list[object]:
    """Facts of one type as pytest params; a single skipped param when the eval data is absent."""
    if not FACTS_FILE.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"eval facts not found at {FACTS_FILE}"))]
    facts = [json.loads(line) for line in FACTS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [pytest.param(f, id=f["id"]) for f in facts if f["type"] == kind]


@pytest.fixture(scope="module")
def corpus_copies() -> list[CatalogCopy]:
    copies: list[CatalogCopy] = []
    for path in sorted(CORPUS.glob("*.txt")):
        found, _ = read_catalog(load_source(path))
        copies.extend(found)
    return copies


@pytest.fixture(scope="module")
def revisions(corpus_copies: list[CatalogCopy]) -> dict[str, Revision]:
    return {r.revision: r for r in reconcile(corpus_copies)}


def _norm(name: str | None) -> str:
    return normalise_name(name or "")


def _entries(revision: Revision, department: str | None, code: str, level: int) -> list[CatalogEntry]:
    return [
        e for e in revision.entries if _norm(e.department) == _norm(department) and e.code == code and e.level == level
    ]


def _issue_kinds(revision: Revision, department: str | None, code: str | None) -> set[str]:
    return {
        i.kind
        for i in revision.issues
        if i.severity == "anomaly" and _norm(i.department) == _norm(department) and i.code == code
    }


# --------------------------------------------------------------------------- eval facts


@pytest.mark.parametrize("fact", _facts("revision"))
def test_revision_notice_gives_doc_no_issue_date_repeal_and_fragment(fact: dict, revisions: dict) -> None:
    revision = revisions[fact["revision"]]
    assert revision.doc_no == fact["doc_no"]
    assert revision.issued == fact["issued"]
    assert revision.supersedes == fact["supersedes"]
    assert revision.fragment is fact["fragment"]


@pytest.mark.parametrize("fact", _facts("department_count"))
def test_department_count_includes_recovered_departments(fact: dict, revisions: dict) -> None:
    assert len(revisions[fact["revision"]].departments) == fact["value"]


@pytest.mark.parametrize("fact", _facts("entry_count"))
def test_entry_count_per_level_counts_coded_rows_only(fact: dict, revisions: dict) -> None:
    entries = revisions[fact["revision"]].entries
    assert sum(1 for e in entries if fact["level"] is None or e.level == fact["level"]) == fact["value"]


@pytest.mark.parametrize("fact", _facts("departments"))
def test_departments_are_listed_in_document_order(fact: dict, revisions: dict) -> None:
    departments = revisions[fact["revision"]].departments
    assert [_norm(d) for d in departments[: len(fact["first"])]] == [_norm(d) for d in fact["first"]]


@pytest.mark.parametrize("fact", _facts("entry"))
def test_entry_has_level_name_parent_and_every_printed_line(fact: dict, revisions: dict) -> None:
    found = _entries(revisions[fact["revision"]], fact["department"], fact["code"], fact["level"])
    assert len(found) == 1, f"expected exactly one entry, found {len(found)}"
    entry = found[0]
    assert _norm(entry.name) == _norm(fact["name"])
    assert entry.parent_code == fact["parent_code"]
    assert sorted(str(s) for s in entry.sources) == sorted(fact["sources"])
    if "name_raw" in fact:
        assert fact["name_raw"] in entry.names_raw


@pytest.mark.parametrize("fact", _facts("flag"))
def test_flag_is_reported_on_the_record_and_as_an_issue(fact: dict, revisions: dict) -> None:
    revision = revisions[fact["revision"]]
    flag = fact["flag"]
    if fact["code"] is not None:
        found = _entries(revision, fact["department"], fact["code"], fact["level"])
        assert any(flag in e.flags for e in found), [e.flags for e in found]
        assert flag in _issue_kinds(revision, fact["department"], fact["code"])
    elif fact["department"] is not None:
        assert fact["department"] in revision.truncated_departments
        assert flag in _issue_kinds(revision, fact["department"], None)
    else:
        assert revision.fragment
        assert flag in _issue_kinds(revision, None, None)


# --------------------------------------------------------------------------- corpus-wide behaviour


def test_a_section_printed_again_elsewhere_reads_as_if_read_afresh() -> None:
    """The memo gives a copy moved to its new file and lines, messages and evidence included."""
    memo = CopyMemo()
    moved_refs = 0
    for path in sorted(CORPUS.glob("*.txt")):
        source = load_source(path)
        read_catalog(source, memo)
        moved_lines = ["前言", "", "正文", *source.lines]
        shifted = SourceText(source.file.replace(".txt", "-moved.txt"), source.path, source.sha256, moved_lines)
        hits = memo.hits
        remembered, issues = read_catalog(shifted, memo)
        assert (remembered, issues) == read_catalog(shifted, CopyMemo())
        assert memo.hits == hits + len(remembered)
        for copy in remembered:
            assert all(r.source.file == shifted.file for r in copy.rows)
            assert all(source.file not in (r.department_evidence or "") for r in copy.rows)
            moved_refs += sum(1 for r in copy.rows if shifted.file in (r.department_evidence or ""))
    assert moved_refs > 0  # the corpus has departments recovered from a contents list, cited by file:line


def test_forwarding_notices_are_not_revisions(corpus_copies: list[CatalogCopy]) -> None:
    assert {c.notice.doc_no for c in corpus_copies} == {
        "晋财综〔2023〕43号",
        "晋财综〔2024〕37号",
        "晋财综〔2025〕28号",
        "晋财综〔2023〕47号",
    }


def test_each_copy_keeps_its_own_lines(corpus_copies: list[CatalogCopy]) -> None:
    for copy in corpus_copies:
        assert all(r.source.file == copy.notice.source.file for r in copy.rows)
        assert all(r.source.line > copy.notice.source.line for r in copy.rows)


def test_every_entry_flag_has_an_anomaly_issue(revisions: dict) -> None:
    for revision in revisions.values():
        issued = {(i.kind, i.department, i.code, i.level) for i in revision.issues}
        for entry in revision.entries:
            for flag in entry.flags:
                assert (flag, entry.department, entry.code, entry.level) in issued


def test_b_class_entries_belong_to_no_department(revisions: dict) -> None:
    assert all(e.department is None for e in revisions["B2023"].entries)
    assert revisions["B2023"].series == "B"


# --------------------------------------------------------------------------- synthetic snippets

HEADER = "代码\t一级目录\t二级目录\t三级目录\t四级目录"
TITLE = "山西省财政厅关于印发《山西省部门政府购买服务指导性目录》的通知"


def _source(lines: Sequence[str], file: str = "snippet.txt") -> SourceText:
    return SourceText(file, Path(file), "", list(lines))


def _doc(
    table: Sequence[str],
    doc_no: str = "晋财综〔2030〕5号",
    title: str = TITLE,
    prose: Sequence[str] = ("本目录自印发之日起施行,《…》(晋财综[2029]9号)同时废止。",),
    before_table: Sequence[str] = (),
    header: str = HEADER,
    closing: str = "2030年1月2日印发",
    file: str = "snippet.txt",
) -> SourceText:
    lines = ["某县财政局文件", "某财综〔2030〕1号", "关于转发《…》的通知", "2030年3月1日印发", "山西省财政厅文件"]
    lines += [doc_no, "", title, "各市财政局:", *prose, *before_table, header, *table]
    lines += ["", "信息公开选项:主动公开", "山西省财政厅办公室", closing, "第四部分 名词解释"]
    return _source(lines, file)


def _rows(source: SourceText) -> list[CatalogRow]:
    copies, _ = read_catalog(source)
    assert len(copies) == 1
    return copies[0].rows


def _one(rows: Sequence[CatalogRow], code: str, level: int | None = None) -> CatalogRow:
    found = [r for r in rows if r.code == code and (level is None or r.level == level)]
    assert len(found) == 1, found
    return found[0]


DEPT_A = [
    "宣传部\t\t\t\t",
    "A\t公共服务\t\t\t",
    "A15\t\t公共信息与宣传服务\t\t",
    "A1502\t\t\t公共公益宣传服务\t",
    "A150201\t\t\t\t政策宣传服务",
]


def test_notice_takes_its_own_issue_date_not_the_forwarding_one() -> None:
    copies, issues = read_catalog(_doc(DEPT_A))
    notice = copies[0].notice
    assert issues == []
    assert (notice.doc_no, notice.revision, notice.series) == ("晋财综〔2030〕5号", "2030", "A")
    assert notice.issued == "2030-01-02"
    assert notice.supersedes_doc_nos == ["晋财综〔2029〕9号"]


def test_b_class_title_names_the_revision_with_b() -> None:
    table = ["B\t政府履职辅助性服务\t\t", "B01\t\t法律服务\t", "B0101\t\t\t法律顾问服务"]
    source = _doc(
        table,
        title="关于印发《山西省政府购买服务指导性目录（B类）》的通知",
        header="代码\t一级目录\t二级目录\t三级目录",
    )
    copies, _ = read_catalog(source)
    assert copies[0].notice.revision == "B2030"
    assert [(r.code, r.level, r.department) for r in copies[0].rows][-1] == ("B0101", 3, None)


def test_document_without_catalog_gives_a_warning_on_line_1() -> None:
    copies, issues = read_catalog(_source(["一、部门职责", "无。"], "plain.txt"))
    assert copies == []
    assert [(i.severity, i.source.file, i.source.line) for i in issues] == [("warning", "plain.txt", 1)]


def test_page_markers_blank_lines_and_repeated_headers_do_not_split_a_department() -> None:
    table = [*DEPT_A[:4], "", "仅供内部审核", "", "- 3 -", "", HEADER, DEPT_A[4], "A150202\t\t\t\t新闻宣传服务"]
    copies, _ = read_catalog(_doc(table))
    copy = copies[0]
    assert {r.block for r in copy.rows} == {0}
    assert copy.departments == ["宣传部"] and copy.truncated_departments == []
    assert _one(copy.rows, "A150202").parent_code == "A1502"


def test_bold_department_header_is_a_department() -> None:
    rows = _rows(_doc(["<b>生态环境</b>\t\t\t\t", *DEPT_A[1:]]))
    assert {r.department for r in rows} == {"生态环境"}


def test_ocr_mark_split_words_doubled_word_and_trailing_junk_are_cleaned_but_raw_kept() -> None:
    table = [
        *DEPT_A[:4],
        "A150201\t\t\t\t√ 法律顾问服务",
        "A150202\t\t\t\t机关工作人员培 训服务",
        "A150203\t\t\t\t法律咨询服务的",
        "A150204\t\t\t\t12368 诉讼热线服务",
        "A150205\t\t\t\t电视天气预报节目;气象旅游推广宣传服务",
        "A14\t\t灾害防治及应急管理 管理服务\t\t",
    ]
    rows = _rows(_doc(table))
    assert _one(rows, "A150201").name == "法律顾问服务"
    assert _one(rows, "A150201").name_raw == "√ 法律顾问服务"
    assert _one(rows, "A150202").name == "机关工作人员培训服务"
    assert _one(rows, "A150203").name == "法律咨询服务"
    assert _one(rows, "A150204").name == "12368诉讼热线服务"
    assert _one(rows, "A150205").name == "电视天气预报节目；气象旅游推广宣传服务"
    assert _one(rows, "A14").name == "灾害防治及应急管理服务"


def test_doubled_word_rule_keeps_names_whose_pieces_do_not_overlap() -> None:
    assert (
        clean_name("交通运输行业信息数据采集统计分析 & 决策支持服务") == "交通运输行业信息数据采集统计分析&决策支持服务"
    )
    assert clean_name("IPv6 规模部署监测服务") == "IPv6规模部署监测服务"
    assert clean_name("12345政务服务便民服务热线便民服务") == "12345政务服务便民服务热线便民服务"


def test_missing_series_letter_is_restored_and_flagged() -> None:
    rows = _rows(_doc([*DEPT_A, "A1606\t\t\t行业标准制修订服务\t", "160601\t\t\t\t标准制修订辅助服务"]))
    row = _one(rows, "A160601")
    assert row.printed_code == "160601"
    assert row.flags == ["missing_series_letter"]
    assert row.parent_code == "A1606"


def test_code_without_name_is_flagged_empty_name() -> None:
    row = _one(_rows(_doc([*DEPT_A, "A150202\t\t\t\t"])), "A150202")
    assert (row.name, row.level, row.flags) == ("", 4, ["empty_name"])


def test_short_code_printed_as_a_leaf_gets_the_column_level_and_wrong_level_code() -> None:
    table = [*DEPT_A, "A16\t\t行业管理服务\t\t", "A1601\t\t\t行业规划服务\t", "A1602\t\t\t\t专项规划研究服务"]
    row = _one(_rows(_doc(table)), "A1602")
    assert (row.level, row.parent_code, row.flags) == (4, "A1601", ["wrong_level_code"])


def test_name_slipped_into_another_column_keeps_the_code_level_when_children_follow() -> None:
    copies, _ = read_catalog(_doc([*DEPT_A[:2], "A15\t公共信息与宣传服务\t\t\t", *DEPT_A[3:]]))
    row = _one(copies[0].rows, "A15")
    assert (row.level, row.flags) == (2, [])
    assert "name_in_wrong_column" in {i.kind for i in copies[0].issues}


def test_code_under_a_parent_it_does_not_extend_keeps_the_printed_parent() -> None:
    table = [*DEPT_A, "A1503\t\t\t公共公益展览服务\t", "A050301\t\t\t\t展览、会展服务"]
    row = _one(_rows(_doc(table)), "A050301")
    assert (row.parent_code, row.flags) == ("A1503", ["code_prefix_mismatch"])


def test_same_code_with_two_names_in_a_department_is_duplicate_code() -> None:
    table = [*DEPT_A, "A16\t\t行业管理服务\t\t", "A1601\t\t\t行业规划服务\t", "A1604\t\t\t\t数字政府规划服务"]
    table += ["A1604\t\t\t行业职业资格准入和水平评价管理服务\t", "A160401\t\t\t\t考试服务"]
    rows = _rows(_doc(table))
    assert "duplicate_code" in _one(rows, "A1604", 3).flags
    assert "duplicate_code" in _one(rows, "A1604", 4).flags


def test_numbering_gap_only_where_the_missing_siblings_are_not_printed() -> None:
    table = [*DEPT_A, "A150203\t\t\t\t新闻宣传服务", "A1503\t\t\t公共公益展览服务\t", "A150302\t\t\t\t展览服务"]
    rows = _rows(_doc(table))
    assert "numbering_gap" in _one(rows, "A150203").flags
    assert "numbering_gap" in _one(rows, "A150302").flags
    assert "numbering_gap" not in _one(rows, "A150201").flags


def test_rows_after_a_lost_page_start_an_orphaned_block_and_cut_both_neighbours() -> None:
    table = [*DEPT_A, "", HEADER, "A040604\t\t\t\t残疾人权益服务", "A040605\t\t\t\t残疾人体育服务"]
    copies, _ = read_catalog(_doc(table))
    copy = copies[0]
    orphan = _one(copy.rows, "A040604")
    assert orphan.department is None and orphan.block == 1
    assert orphan.parent_code == "A0406"
    assert copy.truncated_blocks == [0, 1]
    assert copy.truncated_departments == ["宣传部"]
    assert {"department_unknown", "truncated_department"} <= {i.kind for i in copy.issues}


def test_code_going_backwards_after_a_page_break_is_a_lost_header() -> None:
    table = [*DEPT_A, "A18\t\t其他公共服务\t\t", "A1805\t\t\t舆情监控服务\t", "A180501\t\t\t\t舆情监测服务"]
    table += ["", HEADER, "A04\t\t社会保障服务\t\t", "A0401\t\t\t社会救助服务\t", "A040101\t\t\t\t教育戒治服务"]
    rows = _rows(_doc(table))
    assert _one(rows, "A04").block == 1


def test_lost_header_is_recovered_from_the_contents_list() -> None:
    contents = ["", "目 录", "", "宣传部\t9", "统战部\t9", "社会工作部\t10"]
    table = [*DEPT_A, "A\t公共服务\t\t\t", "A15\t\t公共信息与宣传服务\t\t", "A1502\t\t\t公共公益宣传服务\t"]
    table += ["A150201\t\t\t\t统战宣传服务", "社会工作部\t\t\t\t", *DEPT_A[1:]]
    copies, _ = read_catalog(_doc(table, before_table=contents))
    copy = copies[0]
    row = next(r for r in copy.rows if r.name == "统战宣传服务")
    assert row.department == "统战部"
    assert "recovered_department" in row.flags
    assert "contents list" in (row.department_evidence or "")
    assert copy.departments == ["宣传部", "统战部", "社会工作部"]
    assert copy.contents == ["宣传部", "统战部", "社会工作部"]
    assert copy.truncated_departments == []


def test_copies_whose_recovery_cites_only_their_own_contents_list_reconcile_as_one_reading() -> None:
    """The same catalog attached to many documents: each copy's evidence names its own file, which is where it
    is printed, not what it prints; every copy counts in every entry, and the evidence is the first copy's."""
    contents = ["", "目 录", "", "宣传部\t9", "统战部\t9", "社会工作部\t10"]
    table = [*DEPT_A, "A\t公共服务\t\t\t", "A15\t\t公共信息与宣传服务\t\t", "A1502\t\t\t公共公益宣传服务\t"]
    table += ["A150201\t\t\t\t统战宣传服务", "社会工作部\t\t\t\t", *DEPT_A[1:]]
    copies = [c for f in ("a.txt", "b.txt", "c.txt")
              for c in read_catalog(_doc(table, before_table=contents, file=f))[0]]
    assert len({row.department_evidence for c in copies for row in c.rows if row.department_evidence}) == 3
    assert len({_reading(c) for c in copies}) == 1  # aligned once, not once per document
    revision = reconcile(copies)[0]
    entry = _entries(revision, "统战部", "A150201", 4)[0]
    assert [s.file for s in entry.sources] == ["a.txt", "b.txt", "c.txt"]
    assert "recovered_department" in entry.flags and "a.txt:" in (entry.department_evidence or "")
    assert revision.departments == ["宣传部", "统战部", "社会工作部"]


def test_reconcile_recovers_a_lost_header_from_another_revision() -> None:
    old = _doc(
        [
            *DEPT_A,
            "统计\t\t\t\t",
            "A\t公共服务\t\t\t",
            "A16\t\t行业管理服务\t\t",
            "A1601\t\t\t行业规划服务\t",
            "A160101\t\t\t\t统计发展规划编制服务",
        ],
        doc_no="晋财综〔2029〕9号",
        file="old.txt",
    )
    new = _doc(
        [
            *DEPT_A[:3],
            "",
            HEADER,
            "A16\t\t行业管理服务\t\t",
            "A1601\t\t\t行业规划服务\t",
            "A160101\t\t\t\t统计发展规划编制服务",
        ],
        file="new.txt",
    )
    copies = read_catalog(old)[0] + read_catalog(new)[0]
    revisions = {r.revision: r for r in reconcile(copies)}
    entry = _entries(revisions["2030"], "统计", "A160101", 4)[0]
    assert "recovered_department" in entry.flags
    assert "old.txt" in (entry.department_evidence or "")
    assert revisions["2030"].departments == ["宣传部", "统计"]
    assert revisions["2030"].supersedes == "2029"


def test_orphaned_rows_without_evidence_keep_an_unknown_department_with_an_issue() -> None:
    new = _doc([*DEPT_A, "", HEADER, "A040604\t\t\t\t无处可考服务"])
    revision = reconcile(read_catalog(new)[0])[0]
    entry = _entries(revision, None, "A040604", 4)[0]
    assert entry.department is None and "recovered_department" not in entry.flags
    assert "department_unknown" in {i.kind for i in revision.issues}


def test_reconcile_takes_the_reading_most_copies_print_and_keeps_variants() -> None:
    def copy(name: str, file: str) -> SourceText:
        return _doc([*DEPT_A[:4], f"A150201\t\t\t\t{name}"], file=file)

    copies = [
        c
        for f, n in (("a.txt", "甲服务"), ("b.txt", "乙服务"), ("c.txt", "乙服务"))
        for c in read_catalog(copy(n, f))[0]
    ]
    revision = reconcile(copies)[0]
    entry = _entries(revision, "宣传部", "A150201", 4)[0]
    assert entry.name == "乙服务"
    assert [s.file for s in entry.sources] == ["a.txt", "b.txt", "c.txt"]
    assert list(entry.variants) == ["甲服务"] and entry.variants["甲服务"][0].file == "a.txt"
    assert len(revision.entries) == 4


def test_a_catalog_starting_inside_a_department_with_few_departments_is_a_fragment() -> None:
    full = _doc(
        [*DEPT_A, "统计\t\t\t\t", *DEPT_A[1:], "信访\t\t\t\t", *DEPT_A[1:]], doc_no="晋财综〔2029〕9号", file="a.txt"
    )
    part = _doc(["A150201\t\t\t\t政策宣传服务"], file="b.txt")
    revisions = {r.revision: r for r in reconcile(read_catalog(full)[0] + read_catalog(part)[0])}
    assert revisions["2030"].fragment and not revisions["2029"].fragment
    assert "fragment_revision" in {i.kind for i in revisions["2030"].issues}
