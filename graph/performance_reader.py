"""The 项目支出绩效目标表 of a disclosure: one PerformanceTarget per table, labelled fields and indicators.

Each table is a label/value grid ("项目名称 | … | 7×24小时自助办理建设项目质保金"), but the extraction moves
values between columns, so a value is found as the first non-empty cell after its label (and before the
next label), never by column number. Labels are vocabulary (performance_targets.toml).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from .disclosure_lines import Line, Lines
from .performance_indicators import is_header_row, read_indicators
from .records import Issue, PerformanceTarget
from .text_clean import normalise_name, strip_markup

_VOCABULARY = Path(__file__).with_name("performance_targets.toml")
_HTML_ROW = re.compile(r"<\s*/?\s*t[rd]\b")
_HEADING = re.compile(r"^([一二三四五六七八九十]+、|第[一二三四五六七八九十]+部分)")
_TEXT_FIELDS = ("overview", "basis", "necessity", "measures", "plan")


@dataclass(frozen=True)
class _Vocabulary:
    title_suffix: str
    labels: dict[str, tuple[str, ...]]  # field → label spellings
    funds: dict[str, tuple[str, ...]]  # fund key → label spellings


@dataclass
class _Table:
    """The lines of one performance table, found between its title and its 负责人 line."""

    title: Line
    rows: list[Line] = field(default_factory=list)
    signed: bool = False


@cache
def _vocabulary() -> _Vocabulary:
    data = tomllib.loads(_VOCABULARY.read_text(encoding="utf-8"))

    def spellings(section: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
        return {key: tuple(normalise_name(w) for w in words) for key, words in section.items()}

    return _Vocabulary(normalise_name(data["title_suffix"]), spellings(data["labels"]), spellings(data["funds"]))


def read_performance(lines: Lines) -> tuple[list[PerformanceTarget], list[Issue]]:
    """Every 项目支出绩效目标表 in the document, with a warning for each one that is cut off."""
    targets, issues = [], []
    for table in _tables(lines):
        target = _target(table, lines)
        targets.append(target)
        if not table.signed:
            issues.append(
                Issue(
                    "warning",
                    "truncated_performance_table",
                    f"项目支出绩效目标表 of {target.project or '?'} ends without its 负责人 line: it is cut off",
                    target.source,
                )
            )
    return targets, issues


def _is_title(line: Line) -> bool:
    """The title line of a project performance table ("永和县县(区)级预算部门(单位)项目支出绩效目标表")."""
    return not line.is_row and len(line.key) < 60 and line.key.endswith(_vocabulary().title_suffix)


def _tables(lines: Lines) -> list[_Table]:
    """Each table from its title to its 负责人 line (or to whatever ends it when that line is missing)."""
    tables: list[_Table] = []
    current: _Table | None = None
    for line in lines.items:
        if _is_title(line):
            current = _Table(line)
            tables.append(current)
            continue
        if current is None or line.blank:
            continue
        if not line.is_row and (_HEADING.match(line.text) or line.raw.lstrip().startswith("#")):
            current = None
            continue
        current.rows.append(line)
        if line.is_row and _label_of(line.filled()[0] if line.filled() else "") == "signature":
            current.signed = True
            current = None
    return tables


def _key(cell: str) -> str:
    """A cell as a label candidate: normalised, without a trailing colon or a leading 其中："""
    return normalise_name(cell).rstrip("：").removeprefix("其中：")


@cache
def _lookup(section: str) -> dict[str, str]:
    """Label spelling → field, including every cut-short form of four characters or more."""
    vocab = _vocabulary()
    spellings = vocab.labels if section == "labels" else vocab.funds
    table: dict[str, str] = {}
    for name, words in spellings.items():
        for word in words:
            table[word] = name
    for name, words in spellings.items():
        for word in words:
            for length in range(4, len(word)):
                table.setdefault(word[:length], name)
    return table


@lru_cache(maxsize=8192)
def _label_of(cell: str) -> str | None:
    """The field a cell labels, None for a value."""
    return _lookup("labels").get(_key(cell))


def _label_starting(cell: str) -> str | None:
    """The label a row's first cell starts with, when the extraction glued something onto it
    ("项目属性: 07960", "主管部门/发代码"): the first cell of a row is a label in this grid."""
    key = _key(cell)
    spellings = [(word, name) for name, words in _vocabulary().labels.items() for word in words if len(word) >= 4]
    matches = [(len(word), name) for word, name in spellings if key.startswith(word)]
    return max(matches)[1] if matches else None


@lru_cache(maxsize=8192)
def _fund_of(cell: str) -> str | None:
    """The fund a breakdown cell labels (central, provincial, local, self_raised, other)."""
    return _lookup("funds").get(_key(cell))


def _row_cells(line: Line) -> list[str | None]:
    """The row's cells; HTML table markup leaked into a cell ends the row there (what follows is a copy
    of the next rows, flattened)."""
    return list(_cells_of(line.raw))


@lru_cache(maxsize=4096)
def _cells_of(raw_line: str) -> tuple[str | None, ...]:
    result: list[str | None] = []
    for raw in raw_line.split("\t"):
        result.append(_clean(raw) or None)
        if "<" in raw and _HTML_ROW.search(raw):
            break
    return tuple(result)


def _labelled(line: Line) -> list[tuple[str, str | None, int]]:
    """(label, value, cell index) for each label of a row; the value is the next non-label cell."""
    row = _row_cells(line)
    first = next((index for index, cell in enumerate(row) if cell), None)
    found = []
    for index, cell in enumerate(row):
        if not cell:
            continue
        fund = _fund_of(cell)
        label = _label_of(cell) or (f"fund:{fund}" if fund else None)
        if label is None and index == first:
            label = _label_starting(cell)
        if label:
            found.append((label, index))
    result = []
    for position, (label, index) in enumerate(found):
        stop = found[position + 1][1] if position + 1 < len(found) else len(row)
        value = next((cell for cell in row[index + 1 : stop] if cell), None)
        result.append((label, value, index))
    return result


def _clean(raw_cell: str) -> str:
    """A cell's text; HTML table markup that leaked into a cell starts the next cell's text, so cut there."""
    if not any(mark in raw_cell for mark in "<*#"):
        return raw_cell.strip()
    cut = _HTML_ROW.search(raw_cell)
    text = raw_cell[: cut.start()] if cut else raw_cell
    return strip_markup(text).strip()


@dataclass
class _Fields:
    """Labelled values as they are found, with where the overview was printed."""

    values: dict[str, str | None] = field(default_factory=dict)
    funds: dict[str, str | None] = field(default_factory=dict)
    goals: list[str] = field(default_factory=list)
    overview_line: int | None = None
    overview_end: int | None = None


def _target(table: _Table, lines: Lines) -> PerformanceTarget:
    """A PerformanceTarget from the rows of one table."""
    fields = _Fields()
    indicator_rows: list[Line] = []
    in_indicators = False
    last_text_field: str | None = None
    rows = table.rows
    for position, line in enumerate(rows):
        if not line.is_row:
            if last_text_field and fields.values.get(last_text_field):
                fields.values[last_text_field] = f"{fields.values[last_text_field]}{line.text}"
                if last_text_field == "overview":
                    fields.overview_end = line.number
            continue
        labels = _labelled(line)
        if in_indicators and not any(label == "signature" for label, _, _ in labels):
            indicator_rows.append(line)
            continue
        if is_header_row([c for c in _row_cells(line) if c]):
            in_indicators = True
            continue
        following = rows[position + 1] if position + 1 < len(rows) else None
        last_text_field = _take_labels(labels, line, following, fields)
        if any(label == "goal" for label, _, _ in labels):
            in_indicators = True
    block = read_indicators([([c for c in _row_cells(row) if c], lines.ref(row.number)) for row in indicator_rows])
    end = table.rows[-1].number if table.rows else table.title.number
    values = fields.values
    return PerformanceTarget(
        project=values.get("project") or "",
        department=values.get("department"),
        implementing_unit=values.get("implementing_unit"),
        attribute=values.get("attribute"),
        period=values.get("period"),
        implementation_total_yuan=values.get("implementation_total"),
        annual_total_yuan=values.get("annual_total"),
        funds=fields.funds,
        overview=values.get("overview"),
        overview_source=lines.ref(fields.overview_line, fields.overview_end) if fields.overview_line else None,
        basis=values.get("basis"),
        necessity=values.get("necessity"),
        measures=values.get("measures"),
        plan=values.get("plan"),
        goal_implementation=fields.goals[0] if fields.goals else None,
        goal_annual=fields.goals[1] if len(fields.goals) > 1 else None,
        indicators=block.indicators,
        indicator_count=block.count,
        source=lines.ref(table.title.number, end),
    )


def _take_labels(
    labels: list[tuple[str, str | None, int]], line: Line, following: Line | None, fields: _Fields
) -> str | None:
    """Store a row's labelled values; returns the text field the row holds (for continuation lines)."""
    text_field = None
    for order, (label, value, index) in enumerate(labels):
        if value is None and order == len(labels) - 1:
            value = _value_on_next_row(following)
        if label == "goal":
            fields.goals = [cell for cell in _row_cells(line)[index + 1 :] if cell]
        elif label.startswith("fund:"):
            half = "implementation" if not any(k.endswith("." + label[5:]) for k in fields.funds) else "annual"
            fields.funds[f"{half}.{label[5:]}"] = value
        elif label in ("funds", "goal_header", "signature"):
            continue
        elif label not in fields.values or fields.values[label] is None:
            fields.values[label] = value
            if label in _TEXT_FIELDS:
                text_field = label
            if label == "overview":
                fields.overview_line = fields.overview_end = line.number
    return text_field


def _value_on_next_row(following: Line | None) -> str | None:
    """A value pushed onto a row of its own by the extraction ("项目期" above, "99年" below)."""
    if following is None or not following.is_row or _labelled(following):
        return None
    filled = following.filled()
    return filled[0] if len(filled) == 1 else None
