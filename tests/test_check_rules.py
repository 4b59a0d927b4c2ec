"""Unit tests of the check's rules: revision in force, kinds, 第十条 prohibitions, department mapping, lineage."""

from __future__ import annotations

import pytest

from budgetkg.check.catalog import Entry
from budgetkg.check.departments import DepartmentMapper
from budgetkg.check.kinds import KindClassifier
from budgetkg.check.lineage import ADDED, MISSING, MOVED, RECODED, REMOVED, RENAMED, SAME, match_revisions
from budgetkg.check.prohibitions import Prohibitions
from budgetkg.check.revisions import RevisionInfo, choose

DEPTS_2023 = frozenset({"行政审批", "工业和信息化", "人力资源和社会保障"})
R2023 = RevisionInfo("2023", "A", "晋财综〔2023〕43号", "2023-08-22", None, False, DEPTS_2023)
R2024 = RevisionInfo("2024", "A", "晋财综〔2024〕37号", "2024-08-02", "2023", True, frozenset({"行政审批", "信访"}),
                     frozenset({"信访"}))
R2025 = RevisionInfo("2025", "A", "晋财综〔2025〕28号", "2025-07-15", "2024", False, DEPTS_2023)
B2023 = RevisionInfo("B2023", "B", "晋财综〔2023〕47号", "2023-09-01", None, False, frozenset())
ALL = [R2023, R2024, R2025, B2023]


@pytest.mark.parametrize(("day", "a", "b"), [
    ("2023-08-21", "2023", "B2023"),  # before any issue: the earliest, with a note
    ("2023-08-22", "2023", None),     # B not yet issued (the earliest B is offered with a note)
    ("2023-09-01", "2023", "B2023"),
    ("2024-08-01", "2023", "B2023"),
    ("2024-08-02", "2024", "B2023"),
    ("2025-07-14", "2024", "B2023"),
    ("2025-07-15", "2025", "B2023"),
    ("2026-01-01", "2025", "B2023"),
])
def test_revision_in_force_by_issue_date(day: str, a: str, b: str | None) -> None:
    choice = choose(ALL, "行政审批", day)
    assert choice.a is not None and choice.a.revision == a
    assert choice.b is not None and choice.b.revision == (b or "B2023")
    if day < "2023-08-22" or b is None:
        assert choice.notes


def test_fragment_lacking_department_falls_back_to_latest_complete_text() -> None:
    choice = choose(ALL, "工业和信息化", "2025-01-01")
    assert choice.in_force is R2024 and choice.a is R2023
    assert choice.fragmentary and choice.department_missing and choice.superseded
    assert any("仅存片段" in n for n in choice.notes)


def test_fragment_with_department_is_used() -> None:
    choice = choose(ALL, "行政审批", "2025-01-01")
    assert choice.a is R2024 and choice.fragmentary and not choice.department_missing


def test_attached_revision_other_than_in_force_is_noted() -> None:
    choice = choose(ALL, "工业和信息化", "2025-01-01", attached="2023")
    assert any("文件所附目录为2023" in n for n in choice.notes)


def test_explicit_superseded_revision() -> None:
    choice = choose(ALL, "行政审批", revision="2023")
    assert choice.a is R2023 and choice.superseded and choice.explicit
    with pytest.raises(ValueError):
        choose(ALL, "行政审批", revision="1999")


@pytest.mark.parametrize(("fields", "kind"), [
    ({"text": "遗属补助"}, "transfer"),
    ({"text": "市级技术改造专项资金", "overview": "对享受省级资金项目予以配套支持"}, "transfer"),
    ({"text": "固定资产购置"}, "goods_or_works"),
    ({"text": "党建工作经费", "overview": "党员活动经费"}, "own_operations"),
    ({"text": "临时工工资"}, "personnel"),
    ({"text": "办公楼物业管理"}, "service"),
    ({"text": "某高速公路工程建设项目", "overview": "专项债务利息通过对应的政府性基金收入偿还"}, "transfer"),
])
def test_kinds(fields: dict[str, str], kind: str) -> None:
    assert KindClassifier().classify(fields).principal == kind


@pytest.mark.parametrize(("text", "item"), [
    ("劳务派遣人员工资", 5),
    ("设置公益性岗位", 5),
    ("采购办公电脑和打印机", 3),
    ("通过购买服务进行融资", 4),
    ("委托第三方作出行政处罚决定", 2),
])
def test_prohibitions(text: str, item: int) -> None:
    kind = KindClassifier().classify({"text": text})
    found = Prohibitions().check({"text": text}, kind)
    assert found and found[0].rule.item == item
    assert "第十条" in found[0].rule.citation


def test_services_are_not_prohibited() -> None:
    for text in ("办公楼物业管理", "聘请法律顾问", "机关事业单位招录考试服务"):
        assert Prohibitions().check({"text": text}, KindClassifier().classify({"text": text})) == []


def test_department_mapping_by_name_competent_and_override() -> None:
    mapper = DepartmentMapper({"工业和信息化", "人力资源和社会保障", "行政审批", "人民政治协商会议委员会办公厅（室）"})
    assert mapper.map("吕梁市工业和信息化局").department == "工业和信息化"
    assert mapper.map("永和县行政审批服务管理局", regions=("永和县", "临汾市")).department == "行政审批"
    social = mapper.map("柳林县社会保险中心", ["051-柳林县人力资源和社会保障局[部门]"])
    assert social.department == "人力资源和社会保障" and social.method == "competent"
    assert mapper.map("柳林县社会保险中心").department == "人力资源和社会保障"  # keyword row of the TSV
    assert mapper.map("中国人民政治协商会议山西省泽州县委员会办公室").department == "人民政治协商会议委员会办公厅（室）"
    custom = DepartmentMapper({"行政审批"}, "unit\t某某中心\t行政审批\t测试覆盖\n")
    assert custom.map("某某中心").method == "override"


def _entry(rev: str, dept: str, code: str, name: str, order: int) -> Entry:
    return Entry(f"{rev}/{dept}/{code}", rev, dept, code, 4, name, name, None, None, {}, [], order, key=name)


class _Model:
    """A two-revision catalog built in memory (plain data: the matcher only reads revisions and entries)."""

    def __init__(self) -> None:
        depts = frozenset({"甲", "乙", "丙"})
        self.revs = {"old": RevisionInfo("old", "A", "旧", "2023-01-01", None, False, depts),
                     "new": RevisionInfo("new", "A", "新", "2024-01-01", "old", False, frozenset({"甲", "乙"}))}
        self.entries = {
            "old": [_entry("old", "甲", "A010101", "物业管理服务", 0), _entry("old", "甲", "A010102", "会议服务", 1),
                    _entry("old", "甲", "A010103", "档案整理服务", 2), _entry("old", "乙", "A020101", "翻译服务", 3),
                    _entry("old", "甲", "A010104", "旧的服务项目", 4), _entry("old", "丙", "A030101", "丙部门服务", 5)],
            "new": [_entry("new", "甲", "A010101", "物业管理服务", 0),
                    _entry("new", "甲", "A010102", "会议会务服务", 1),
                    _entry("new", "甲", "A010109", "档案整理服务", 2), _entry("new", "甲", "A020101", "翻译服务", 3),
                    _entry("new", "乙", "A020105", "全新的条目", 4)],
        }

    def revision(self, name: str) -> RevisionInfo | None:
        return self.revs.get(name)


def test_lineage_categories() -> None:
    changes = match_revisions(_Model(), "old", "new")  # type: ignore[arg-type]
    got = {(c.change, c.old.code if c.old else None, c.new.code if c.new else None) for c in changes}
    assert (SAME, "A010101", "A010101") in got
    assert (RENAMED, "A010102", "A010102") in got
    assert (RECODED, "A010103", "A010109") in got
    assert (MOVED, "A020101", "A020101") in got
    assert (REMOVED, "A010104", None) in got
    assert (ADDED, None, "A020105") in got
    assert (MISSING, "A030101", None) in got  # 丙 is not in the surviving text of "new": not a removal
