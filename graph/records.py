"""Plain records that the readers produce and the ontology mapping consumes.

Records are the contract between reading (this folder) and everything downstream: they hold what the
source printed (amounts as printed strings, names with their raw text beside the cleaned one) plus the
line they came from, and nothing computed from other documents except where a field says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from typing import Any, Literal, TypeVar

AdminLevel = Literal["county", "county-level city", "prefecture city"]
DocKind = Literal["单位预算", "部门预算"]
T = TypeVar("T")


def record(frozen: bool = False) -> Callable[[type[T]], type[T]]:
    """A slotted dataclass that pickles as its constructor's arguments.

    Records cross processes in bulk (a worker sends each document's catalog copies to the build, and caches
    its records): a slotted dataclass's own pickling looks its fields up again for every object, which made
    pickling and unpickling a catalog copy three times slower (27 ms against 8.7 ms to pickle 1,835 rows,
    median of 20).
    """

    def wrap(cls: type[T]) -> type[T]:
        made = dataclass(frozen=frozen, slots=True)(cls)
        names = [f.name for f in fields(made)]  # type: ignore[arg-type]
        values = attrgetter(*names)
        single = len(names) == 1  # attrgetter of one name gives the value, not a tuple

        def __reduce__(self: Any) -> tuple[type[T], tuple[Any, ...]]:
            return made, (values(self),) if single else values(self)

        made.__reduce__ = __reduce__  # type: ignore[method-assign,assignment]
        return made

    return wrap


@record(frozen=True)
class SourceRef:
    """Where a fact was printed: the document's file name and 1-based line numbers (inclusive)."""

    file: str
    line: int
    end_line: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "end_line": self.end_line or self.line}

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def to_decimal(printed: str | None) -> Decimal | None:
    """An amount as printed ("4,107,448.64", "10.00", "0") as an exact Decimal; None for an empty cell."""
    if printed is None:
        return None
    text = printed.replace(",", "").replace("，", "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


@record()
class Issue:
    """A problem found in a source: an error stops that document, a warning or an anomaly does not.

    `kind` uses the flag names of shared/eval/README.md for catalog anomalies (wrong_level_code,
    code_prefix_mismatch, duplicate_code, recovered_department, missing_series_letter, empty_name,
    numbering_gap, truncated_department, fragment_revision) and short snake_case names otherwise.
    """

    severity: Literal["error", "warning", "anomaly"]
    kind: str
    message: str
    source: SourceRef
    revision: str | None = None
    department: str | None = None
    code: str | None = None
    level: int | None = None


class SourceError(Exception):
    """A document that cannot be read at all; names the file, the line and the problem."""

    def __init__(self, file: str, line: int, problem: str) -> None:
        super().__init__(f"{file}:{line}: {problem}")
        self.file = file
        self.line = line
        self.problem = problem

    def __reduce__(self) -> tuple[type[SourceError], tuple[str, int, str]]:
        """Rebuild from the three fields: readers run in worker processes, which send errors back pickled."""
        return SourceError, (self.file, self.line, self.problem)


# --------------------------------------------------------------------------- budget disclosures


@record()
class UnitRecord:
    name: str
    county: str | None
    prefecture_city: str | None
    admin_level: AdminLevel | None
    fiscal_year: int
    doc_kind: DocKind
    source: SourceRef
    duties: list[tuple[str, SourceRef]] = field(default_factory=list)
    organisation: str | None = None
    organisation_source: SourceRef | None = None


@record()
class TableRow:
    """One printed row of a budget table: the cells as printed (None for an empty cell)."""

    cells: list[str | None]
    source: SourceRef


@record()
class SubjectRow:
    """A 科目 row (收入总表, 支出总表, 一般公共预算支出表, 政府性基金预算支出表 …); code None on the 合计 row."""

    code: str | None
    name: str
    amounts: dict[str, str | None]  # column key ("total", "basic", "project", "general_public_budget" …) → printed
    source: SourceRef


@record()
class EconRow:
    """A row of the 基本支出分经济科目表."""

    dept_econ_name: str
    gov_econ_name: str | None
    total: str | None
    personnel: str | None
    public: str | None
    source: SourceRef


@record()
class ProjectRow:
    """A row of a 项目支出预算表; funding keys: general_public_budget, gov_fund, state_capital,
    special_account, unit_funds (only cells that are not empty)."""

    name: str
    total_wan: str | None
    funding: dict[str, str]
    source: SourceRef
    is_unit_total: bool = False


@record()
class BudgetTable:
    """One of the 13 tables. `title` is as printed without markdown (e.g. "2024年预算支出总表")."""

    number: int | None  # 1..13 from the table of contents or "预算公开表N"; None if unknown
    title: str
    kind: str  # summary, income, expenditure, fiscal_summary, gpb_expenditure, econ, fund_income,
    # fund_expenditure, state_capital, three_public, operating_costs, projects_current, projects_carryover
    source: SourceRef
    empty: bool = False
    empty_note: SourceRef | None = None
    header: list[TableRow] = field(default_factory=list)
    rows: list[TableRow] = field(default_factory=list)
    subjects: list[SubjectRow] = field(default_factory=list)
    econ: list[EconRow] = field(default_factory=list)
    projects: list[ProjectRow] = field(default_factory=list)


@record()
class Indicator:
    level1: str  # 一级指标 (产出指标 …)
    level2: str  # 二级指标 (数量指标 …)
    level3: str  # 三级指标
    value: str | None
    half: Literal["implementation", "annual"]
    source: SourceRef


@record()
class PerformanceTarget:
    """A 项目支出绩效目标表."""

    project: str  # 项目名称 as printed in this table
    department: str | None  # 主管部门及代码 as printed ("132-永和县行政审批服务管理局")
    implementing_unit: str | None
    attribute: str | None  # 项目属性
    period: str | None  # 项目期
    implementation_total_yuan: str | None
    annual_total_yuan: str | None
    funds: dict[str, str | None]  # e.g. "implementation.central" → printed
    overview: str | None  # 项目概况
    overview_source: SourceRef | None
    basis: str | None  # 立项依据
    necessity: str | None
    measures: str | None
    plan: str | None
    goal_implementation: str | None
    goal_annual: str | None
    indicators: list[Indicator]
    indicator_count: int | None  # 三级指标 with a value in the 实施期 half; None when not firm
    source: SourceRef  # title line .. last line


@record()
class Procurement:
    total: str | None
    goods: str | None
    works: str | None
    services: str | None
    unit: str  # 万元 or 元
    source: SourceRef  # may span two lines


@record()
class Vehicles:
    text: str
    counts: dict[str, str]  # 编制, 实有, 领导用车 … → printed count
    source: SourceRef


@record()
class BudgetDocument:
    file: str
    sha256: str
    flavour: Literal["plain", "markdown"]
    unit: UnitRecord
    tables: list[BudgetTable]
    performance: list[PerformanceTarget]
    procurement: Procurement | None
    vehicles: Vehicles | None
    issues: list[Issue] = field(default_factory=list)
    line_count: int = 0


# --------------------------------------------------------------------------- the catalog


@record()
class RevisionNotice:
    """The notice (通知) that issues one catalog revision, as printed in one document."""

    doc_no: str  # 晋财综〔2023〕43号, normalised brackets
    revision: str  # "2023", "2024", "2025", "B2023"
    series: Literal["A", "B"]
    title: str
    issued: str | None  # YYYY-MM-DD from "…印发" closing the notice
    supersedes_doc_nos: list[str]  # 文号 this notice repeals ("…同时废止"), normalised
    source: SourceRef  # the 文号 line
    issued_source: SourceRef | None


@record()
class CatalogRow:
    """One printed catalog row with a code, from one copy of a revision in one document."""

    revision: str
    department: str | None  # None for B-class
    code: str  # with its series letter
    printed_code: str
    level: int  # the row's real level (printed column), 1..4 (B: 1..3)
    name: str  # cleaned: OCR marks removed, split words joined
    name_raw: str  # the printed text
    parent_code: str | None
    source: SourceRef
    flags: list[str] = field(default_factory=list)
    department_evidence: str | None = None  # how a recovered department was found
    block: int = 0  # index of the department block in its copy (a run under one header, or an orphaned run)


@record()
class CatalogCopy:
    """One revision as printed in one document."""

    notice: RevisionNotice
    rows: list[CatalogRow]
    departments: list[str]  # departments in document order (including recovered ones)
    truncated_departments: list[str]
    fragment: bool
    contents: list[str] = field(default_factory=list)  # a department contents list, where printed
    issues: list[Issue] = field(default_factory=list)
    truncated_blocks: list[int] = field(default_factory=list)  # blocks cut short, also those of unknown department


@record()
class CatalogEntry:
    """One entry of a reconciled revision: every copy's row merged, with the variant readings."""

    revision: str
    department: str | None
    code: str
    level: int
    name: str
    parent_code: str | None
    sources: list[SourceRef]
    names_raw: list[str]
    variants: dict[str, list[SourceRef]]  # other cleaned names → where they are printed
    flags: list[str]
    order: int  # position in the revision, document order
    department_evidence: str | None = None


@record()
class Revision:
    """A reconciled revision of the catalog."""

    revision: str
    series: Literal["A", "B"]
    doc_no: str
    title: str
    issued: str | None
    supersedes: str | None  # revision name of the repealed one found in the corpus, else None
    supersedes_doc_nos: list[str]
    fragment: bool
    departments: list[str]
    truncated_departments: list[str]
    entries: list[CatalogEntry]
    sources: list[SourceRef]  # each document's 文号 line
    issues: list[Issue] = field(default_factory=list)


@record()
class CheckResult:
    """One of the table checks of shared/eval/README.md, with the printed numbers it compared.

    check: project_sum_vs_unit_total | level1_sum_vs_total | basic_plus_project | project_name_mismatch.
    values holds the fields that README lists for the check (projects_sum, unit_total; column, level1_sum,
    total; code, name, basic, project, basic_plus_project, total; project, project_total_wan,
    performance_name, annual_total_yuan), decimals as strings.
    """

    file: str
    check: str
    holds: bool
    table: str | None
    values: dict[str, str | None]
    source: SourceRef
