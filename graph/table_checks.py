"""The four consistency checks of shared/eval/README.md, on the printed numbers of one BudgetDocument.

Every sum is Decimal arithmetic on the printed strings (never floats), and results keep the printed
strings, so a 0.01 difference shows exactly as the document prints it.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from .budget_tables import vocabulary
from .records import BudgetDocument, BudgetTable, CheckResult, PerformanceTarget, ProjectRow, SubjectRow, to_decimal
from .text_clean import normalise_name

_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_YUAN_PER_WAN = Decimal(10000)


def check_document(doc: BudgetDocument) -> list[CheckResult]:
    """Every check result of the document, in table order then project order."""
    results: list[CheckResult] = []
    for table in doc.tables:
        if table.empty:
            continue
        results += _project_sum(doc.file, table)
        results += _level1_sums(doc.file, table)
        results += _basic_plus_project(doc.file, table)
    results += _name_matches(doc)
    return results


def _sum(printed: list[str | None]) -> Decimal:
    """The exact sum of printed amounts (empty cells count as nothing)."""
    return sum((to_decimal(p) or _ZERO for p in printed), _ZERO)


def _text(value: Decimal) -> str:
    """A computed amount as a string, keeping the printed scale ("187.67", "0")."""
    return str(value)


def _project_sum(file: str, table: BudgetTable) -> Iterator[CheckResult]:
    """project_sum_vs_unit_total: the projects' 合计 add up to the unit-total row (the first one printed)."""
    totals = [p for p in table.projects if p.is_unit_total]
    projects = [p for p in table.projects if not p.is_unit_total]
    if not totals or not projects:
        return
    total = totals[0]
    projects_sum = _sum([p.total_wan for p in projects])
    unit_total = to_decimal(total.total_wan)
    yield CheckResult(
        file=file,
        check="project_sum_vs_unit_total",
        holds=unit_total is not None and projects_sum == unit_total,
        table=table.title,
        values={"projects_sum": _text(projects_sum), "unit_total": total.total_wan},
        source=total.source,
    )


def _level1_sums(file: str, table: BudgetTable) -> Iterator[CheckResult]:
    """level1_sum_vs_total: in every column, the level-1 科目 rows (3-digit codes) add up to the 合计 row."""
    total_row = next((s for s in table.subjects if s.code is None), None)
    level1 = [s for s in table.subjects if s.code is not None and len(s.code) == 3]
    if total_row is None or not level1:
        return
    for column, printed_total in total_row.amounts.items():
        printed = [s.amounts.get(column) for s in level1]
        if printed_total is None and all(p is None for p in printed):
            continue
        level1_sum = _sum(printed)
        total = to_decimal(printed_total)
        yield CheckResult(
            file=file,
            check="level1_sum_vs_total",
            holds=(total or _ZERO) == level1_sum,
            table=table.title,
            values={"column": column, "level1_sum": _text(level1_sum), "total": printed_total},
            source=total_row.source,
        )


def _basic_plus_project(file: str, table: BudgetTable) -> Iterator[CheckResult]:
    """basic_plus_project: 基本支出 + 项目支出 = 合计 on every row of an expenditure table."""
    if table.kind not in vocabulary().basic_plus_project:
        return
    for row in table.subjects:
        yield from _row_basic_plus_project(file, table, row)


def _row_basic_plus_project(file: str, table: BudgetTable, row: SubjectRow) -> Iterator[CheckResult]:
    basic, project, total = (row.amounts.get(k) for k in ("basic", "project", "total"))
    if basic is None and project is None and total is None:
        return
    both = _sum([basic, project])
    yield CheckResult(
        file=file,
        check="basic_plus_project",
        holds=(to_decimal(total) or _ZERO) == both,
        table=table.title,
        values={
            "code": row.code,
            "name": row.name,
            "basic": basic,
            "project": project,
            "basic_plus_project": _text(both),
            "total": total,
        },
        source=row.source,
    )


def _name_matches(doc: BudgetDocument) -> list[CheckResult]:
    """project_name_mismatch for each project of the 本年预算 table that has a 绩效目标表 of its amount."""
    projects = [p for t in doc.tables if t.kind == "projects_current" for p in t.projects if not p.is_unit_total]
    pairs = _pair_by_amount(projects, doc.performance)
    results = []
    for project, target in pairs:
        results.append(
            CheckResult(
                file=doc.file,
                check="project_name_mismatch",
                holds=normalise_name(project.name) == normalise_name(target.project),
                table=next(t.title for t in doc.tables if project in t.projects),
                values={
                    "project": project.name,
                    "project_total_wan": project.total_wan,
                    "performance_name": target.project,
                    "annual_total_yuan": target.annual_total_yuan,
                },
                source=project.source,
            )
        )
    return results


def _wan(printed_yuan: str | None, exact: bool) -> Decimal | None:
    """元 as 万元: exactly, or rounded to the cent the project table prints."""
    yuan = to_decimal(printed_yuan)
    if yuan is None:
        return None
    wan = yuan / _YUAN_PER_WAN
    return wan if exact else wan.quantize(_CENT, rounding=ROUND_HALF_UP)


def _pair_by_amount(
    projects: list[ProjectRow], targets: list[PerformanceTarget]
) -> list[tuple[ProjectRow, PerformanceTarget]]:
    """Each project paired with one 绩效目标表 whose 年度资金总额 / 10000 is its 合计 (one to one).

    Passes go from the strongest evidence to the weakest: exact amount and same name, exact amount, the
    amount rounded to the cent, then the 实施期资金总额 where the 年度 one is printed blank. Within a pass,
    among tables of the same amount, the most similar name wins (two meetings can cost the same).
    """
    free_projects, free_targets = list(projects), list(targets)
    pairs: list[tuple[ProjectRow, PerformanceTarget]] = []
    passes = (
        lambda t: _wan(t.annual_total_yuan, exact=True),
        lambda t: _wan(t.annual_total_yuan, exact=False),
        lambda t: _wan(t.implementation_total_yuan, exact=True) if t.annual_total_yuan is None else None,
    )
    for same_name_only in (True, False):
        for amount_of in passes:
            for project in list(free_projects):
                wan = to_decimal(project.total_wan)
                candidates = [t for t in free_targets if wan is not None and amount_of(t) == wan]
                if same_name_only:
                    candidates = [t for t in candidates if normalise_name(t.project) == normalise_name(project.name)]
                if candidates:
                    target = max(candidates, key=lambda t: _similarity(project.name, t.project))
                    pairs.append((project, target))
                    free_projects.remove(project)
                    free_targets.remove(target)
    pairs.sort(key=lambda pair: pair[0].source.line)
    return pairs


def _similarity(first: str, second: str) -> int:
    """Shared characters of two names (enough to tell 七届六次政协会 from 八届一次政协会)."""
    a, b = normalise_name(first), normalise_name(second)
    return sum(min(a.count(ch), b.count(ch)) for ch in set(a))
