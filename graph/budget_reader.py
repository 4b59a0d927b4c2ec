"""Reading one budget disclosure (单位/部门预算公开) into a BudgetDocument.

The document is read part by part (cover and 概况, the 13 tables, the 情况说明 sentences, the 项目支出绩效目标表),
each by its own module; this module assembles them, refuses a text that is no disclosure at all, and warns
when parts listed in the table of contents are not in the text (a truncated document).
"""

from __future__ import annotations

import re
from typing import Literal

from .budget_tables import ContentsEntry, flag_unit_totals, read_contents, read_tables
from .disclosure_lines import Lines, make_lines
from .explanation_reader import read_procurement, read_vehicles
from .performance_reader import read_performance
from .records import BudgetDocument, BudgetTable, Issue, SourceError
from .source_text import SourceText
from .text_clean import normalise_name
from .unit_reader import find_cover_title, read_unit

_YEAR = re.compile(r"(\d{4})年")


def read_budget(source: SourceText) -> BudgetDocument:
    """The records of one disclosure; SourceError when the text is not a budget disclosure at all."""
    lines = make_lines(source.file, source.lines)
    cover = find_cover_title(lines)
    contents = read_contents(lines)
    tables, issues = read_tables(lines, contents)
    if cover is None and not tables:
        raise SourceError(
            source.file,
            _first_content_line(lines),
            "not a budget disclosure: no '<year>年度单位预算公开' / '部门预算公开' title and none of the budget tables",
        )
    unit = read_unit(lines, cover, [year for t in tables if (year := _table_year(t))])
    if unit is None:
        raise SourceError(source.file, _first_content_line(lines), "the disclosure names no unit (单位名称)")
    flag_unit_totals(tables, {normalise_name(unit.name)})
    performance, performance_issues = read_performance(lines)
    issues += performance_issues
    issues += _missing_tables(contents, tables)
    if not tables:
        issues.append(Issue("warning", "no_tables", "none of the 13 budget tables is in the text", unit.source))
    return BudgetDocument(
        file=source.file,
        sha256=source.sha256,
        flavour=_flavour(source.lines),
        unit=unit,
        tables=tables,
        performance=performance,
        procurement=read_procurement(lines),
        vehicles=read_vehicles(lines),
        issues=issues,
        line_count=len(source.lines),
    )


def _table_year(table: BudgetTable) -> int:
    """The budget year a table title names ("2024年预算收支总表" → 2024)."""
    found = _YEAR.search(table.title)
    return int(found.group(1)) if found else 0


def _first_content_line(lines: Lines) -> int:
    """Where the text starts (the line a refusal names)."""
    content = lines.content()
    return content[0].number if content else 1


def _missing_tables(contents: list[ContentsEntry], tables: list[BudgetTable]) -> list[Issue]:
    """A warning for each table the table of contents lists that the text does not print."""
    printed = {(_table_year(t), t.kind) for t in tables}
    return [
        Issue(
            "warning",
            "missing_table",
            f"表{entry.number} {entry.title} is in the contents but not in the text: the document is truncated",
            entry.source,
        )
        for entry in contents
        if entry.table is not None and entry.table not in printed
    ]


def _flavour(raw_lines: list[str]) -> Literal["plain", "markdown"]:
    """markdown when headings or tags are printed, else plain."""
    for raw in raw_lines:
        stripped = raw.lstrip()
        if stripped.startswith("#") or "<b>" in raw:
            return "markdown"
    return "plain"
