"""The 13 budget tables of a disclosure: where each one is printed, its header and rows, its typed rows.

Which titles exist, which header words name which column, and which cells are header words is vocabulary
(budget_tables.toml); this module only knows the shape every table shares: a title line, meta lines
(单位名称 / 单位：万元), one or more header rows, data rows, optionally `注：本表无数据`, with page furniture
anywhere in between.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .disclosure_lines import Line, Lines
from .records import BudgetTable, EconRow, Issue, ProjectRow, SourceRef, SubjectRow, TableRow
from .text_clean import normalise_name

_VOCABULARY = Path(__file__).with_name("budget_tables.toml")
# A title may carry the 公开表N marker and the unit's name in front of the year.
_TITLE = re.compile(r"^(?:(?:预算|部门|单位)公开表\d+)?(?P<unit>[^\d]{0,40}?)(?P<year>\d{4})年度?(?P<rest>.+)$")
_CONTENTS_ENTRY = re.compile(r"^表([一二三四五六七八九十]+)\s*(\d{4}年.+?)\s*\.{2,}")
_TABLE_MARKER = re.compile(r"^(预算|部门|单位)公开表\s*\d+$")
_META = re.compile(r"^(单位名称|部门名称|单位[:：]|金额单位)")
_CODE = re.compile(r"^\d{3,}$")
_AMOUNT = re.compile(r"^-?[\d,，]+(\.\d+)?$")
_CODE_AND_NAME = re.compile(r"^(\d{3,})\s*(\S.*)$")
_NUMERAL = "[一二三四五六七八九十]+"
_SECTION_HEADING = re.compile(rf"^({_NUMERAL}、|[（(]{_NUMERAL}[)）]|第{_NUMERAL}部分)")
_FUNDING_KEYS = ("general_public_budget", "gov_fund", "state_capital", "special_account", "unit_funds")
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


@dataclass(frozen=True)
class TableSpec:
    number: int
    kind: str
    title: str  # normalised, without the year
    rows: str  # cells | subjects | econ | projects


@dataclass(frozen=True)
class Vocabulary:
    specs: tuple[TableSpec, ...]
    columns: dict[str, str]
    header_words: frozenset[str]
    year_words: re.Pattern[str]
    total_names: frozenset[str]
    empty_note: str
    basic_plus_project: frozenset[str]


@dataclass(frozen=True)
class ContentsEntry:
    """One 表N line of the table of contents, with the table it names (year, kind) when it is one of the 13."""

    number: int
    title: str  # as printed
    source: SourceRef
    table: tuple[int, str] | None


@dataclass
class _Region:
    """The lines between a table title and whatever ends the table."""

    title: Line
    year: int
    spec: TableSpec
    body: list[Line] = field(default_factory=list)
    note: Line | None = None
    reached_end: bool = False


@cache
def vocabulary() -> Vocabulary:
    """budget_tables.toml, parsed once."""
    data = tomllib.loads(_VOCABULARY.read_text(encoding="utf-8"))
    specs = tuple(TableSpec(t["number"], t["kind"], normalise_name(t["title"]), t["rows"]) for t in data["table"])
    return Vocabulary(
        specs=specs,
        columns={normalise_name(k): v for k, v in data["columns"].items()},
        header_words=frozenset(normalise_name(w) for w in data["header"]["words"]),
        year_words=re.compile(data["header"]["year_words"]),
        total_names=frozenset(data["rows"]["total_names"]),
        empty_note=data["rows"]["empty_note"],
        basic_plus_project=frozenset(data["checks"]["basic_plus_project"]),
    )


def chinese_number(text: str) -> int | None:
    """一..九十九 as an int (table numbers 表一..表十三)."""
    if not text or any(ch not in _NUMERALS for ch in text):
        return None
    if "十" not in text:
        return _NUMERALS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    return (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[ones] if ones else 0)


def match_title(line: Line) -> tuple[int, TableSpec] | None:
    """The year and spec of a table title line ("2024年预算支出总表"), None for any other line."""
    if line.is_row or line.blank or len(line.key) > 60:
        return None
    return parse_title(line.key)


def parse_title(text: str) -> tuple[int, TableSpec] | None:
    """The year and spec a title names, None when it names none of the 13 tables."""
    found = _TITLE.match(normalise_name(text))
    if not found or re.match(r"^表[一二三四五六七八九十]", found.group("unit")):
        return None  # a table-of-contents entry ("表一2024年预算收支总表")
    for spec in vocabulary().specs:
        if found.group("rest") == spec.title:
            return int(found.group("year")), spec
    return None


def read_contents(lines: Lines) -> list[ContentsEntry]:
    """The 表一..表十三 entries of the table of contents (title as printed, without the dot leader)."""
    entries = []
    for line in lines.items:
        found = _CONTENTS_ENTRY.match(line.text)
        number = chinese_number(found.group(1)) if found else None
        if found and number is not None:
            title = found.group(2).strip()
            named = parse_title(title)
            table = (named[0], named[1].kind) if named else None
            entries.append(ContentsEntry(number, title, lines.ref(line.number), table))
    return entries


def read_tables(lines: Lines, contents: list[ContentsEntry]) -> tuple[list[BudgetTable], list[Issue]]:
    """Every budget table printed in the document, and warnings for the ones that are cut off.

    Project rows are not yet told apart from unit-total rows: that needs the unit's name (flag_unit_totals).
    """
    numbers = {entry.table: entry.number for entry in contents if entry.table}
    tables, issues = [], []
    for region in _regions(lines):
        table = _build_table(region, lines, numbers)
        tables.append(table)
        problem = _cut_off(region, table)
        if problem:
            issues.append(Issue("warning", "truncated_table", f"{table.title}: {problem}", table.source))
    return tables, issues


def flag_unit_totals(tables: list[BudgetTable], unit_names: set[str]) -> None:
    """Mark project rows that are a unit's total, not a project.

    The total rows carry the unit's name (or 合计); the units of a 部门预算 are listed by name in the
    机关运行经费 table, so those names count too. When no row carries a known name, a first row whose
    合计 is the 项目支出 total of an expenditure table is the unit total all the same.
    """
    names = set(unit_names) | vocabulary().total_names
    for table in tables:
        if table.kind == "operating_costs":
            names |= {normalise_name(row.cells[0]) for row in table.rows if row.cells and row.cells[0]}
    project_totals = {
        subject.amounts.get("project")
        for table in tables
        if table.kind in vocabulary().basic_plus_project
        for subject in table.subjects
        if subject.code is None
    } - {None}
    for table in tables:
        for project in table.projects:
            project.is_unit_total = normalise_name(project.name) in names
        first = table.projects[0] if table.projects else None
        if first and not any(p.is_unit_total for p in table.projects) and len(table.projects) > 1:
            first.is_unit_total = first.total_wan in project_totals


def _regions(lines: Lines) -> list[_Region]:
    """Split the document into table regions: from each title to the next title or the end of the table."""
    regions: list[_Region] = []
    current: _Region | None = None
    for line in lines.items:
        matched = match_title(line)
        if matched and current is not None and (current.year, current.spec) == matched and current.body:
            continue  # the title printed again on the next page: the same table goes on
        if matched:
            current = _Region(line, matched[0], matched[1])
            regions.append(current)
            continue
        if current is None or line.blank:
            continue
        if _ends_table(current, line):
            current = None
            continue
        if vocabulary().empty_note in line.text:
            current.note = line
            current = None
            continue
        current.body.append(line)
    if current is not None:
        current.reached_end = True
    return regions


def _ends_table(region: _Region, line: Line) -> bool:
    """A line that cannot belong to the table: a heading, a 公开表N marker, or running prose."""
    if line.is_row:
        return False
    if _TABLE_MARKER.match(line.key) or line.is_part_heading() or line.raw.lstrip().startswith("#"):
        return True
    started = any(body.is_row for body in region.body)
    if not started:
        return bool(_SECTION_HEADING.match(line.text)) or len(line.text) > 60
    return bool(_SECTION_HEADING.match(line.text)) or len(line.text) > 40 or line.text.endswith("。")


def _build_table(region: _Region, lines: Lines, numbers: dict[tuple[int, str], int]) -> BudgetTable:
    """A BudgetTable from its region: header rows, data rows (cell continuations joined), typed rows."""
    title = region.title.text
    table = BudgetTable(
        number=numbers.get((region.year, region.spec.kind), region.spec.number),
        title=title,
        kind=region.spec.kind,
        source=lines.ref(region.title.number, (region.note or _last(region)).number),
    )
    if region.note is not None:
        table.empty = True
        table.empty_note = lines.ref(region.note.number)
    rows = _rows(region.body, lines, typed=region.spec.rows != "cells")
    split = _header_length(rows)
    # header rows printed again after a page break are not data
    table.header, table.rows = rows[:split], [row for row in rows[split:] if not _is_header_row(row)]
    if not table.empty:
        keys = _column_keys(table.header)
        _add_typed_rows(table, region.spec, keys)
    return table


def _last(region: _Region) -> Line:
    """The last line that belongs to the table."""
    return region.body[-1] if region.body else region.title


def _rows(body: list[Line], lines: Lines, typed: bool) -> list[TableRow]:
    """Table rows from the body lines, with cells that the extraction broke over two lines joined again:
    a short line without tabs continues the row above, and so does, in a table whose rows all start
    with a code or a name (`typed`), a row whose only cell is text in a later column."""
    rows: list[TableRow] = []
    for line in body:
        if line.is_row and not (typed and rows and _is_fragment(line.cells())):
            rows.append(TableRow(line.cells(), lines.ref(line.number)))
        elif rows and not _META.match(line.text):
            _continue_row(rows[-1], " ".join(line.filled()) if line.is_row else line.text, line.number, lines)
    return rows


def _is_fragment(cells: list[str | None]) -> bool:
    """A row holding only the wrapped end of a name: one text cell, not in the first column."""
    filled = [i for i, cell in enumerate(cells) if cell]
    return len(filled) == 1 and filled[0] > 0 and not _AMOUNT.match(cells[filled[0]] or "")


def _continue_row(row: TableRow, text: str, number: int, lines: Lines) -> None:
    """Join a cell that PDF extraction broke over two lines back onto the text cell it belongs to."""
    texts = [i for i, cell in enumerate(row.cells) if cell and not _AMOUNT.match(cell)]
    filled = texts or [i for i, cell in enumerate(row.cells) if cell]
    if not filled:
        return
    row.cells[filled[-1]] = (row.cells[filled[-1]] or "") + text
    row.source = lines.ref(row.source.line, number)


def _is_header_row(row: TableRow) -> bool:
    """A row of header words, years ("2024年预算数") or column numbers (1 2 3 …), never data."""
    vocab = vocabulary()
    filled = [normalise_name(c) for c in row.cells if c]
    if not filled:
        return False
    if row.cells[0] and filled[0] in vocab.total_names:
        return False  # the 合计 row opens the data, even in a table printed empty
    if all(c.isdigit() for c in filled):
        return [int(c) for c in filled] == list(range(1, len(filled) + 1))
    return all(_is_header_cell(c) for c in filled)


def _is_header_cell(cell: str) -> bool:
    """A header word, a year heading, or a piece of a header word broken over two lines ("资金")."""
    vocab = vocabulary()
    if cell in vocab.header_words or vocab.year_words.match(cell):
        return True
    return len(cell) >= 2 and any(cell in word for word in vocab.header_words)


def _header_length(rows: list[TableRow]) -> int:
    """How many leading rows are header rows."""
    count = 0
    while count < len(rows) and _is_header_row(rows[count]):
        count += 1
    return count


def _column_keys(header: list[TableRow]) -> dict[int, str]:
    """Column index → key, from the lowest header row that names the column with a known word."""
    keys: dict[int, str] = {}
    columns = vocabulary().columns
    for row in header:
        for index, cell in enumerate(row.cells):
            key = columns.get(normalise_name(cell)) if cell else None
            if key:
                keys[index] = key
    return keys


def _add_typed_rows(table: BudgetTable, spec: TableSpec, keys: dict[int, str]) -> None:
    """SubjectRow / EconRow / ProjectRow for each data row, as the table's spec says."""
    for row in table.rows:
        if spec.rows == "subjects":
            subject = _subject_row(row, keys)
            if subject:
                table.subjects.append(subject)
        elif spec.rows == "econ":
            econ = _econ_row(row, keys)
            if econ:
                table.econ.append(econ)
        elif spec.rows == "projects" and _cell(row, 0):
            table.projects.append(_project_row(row, keys))


def _cell(row: TableRow, index: int) -> str | None:
    return row.cells[index] if index < len(row.cells) else None


def _amounts(row: TableRow, keys: dict[int, str]) -> dict[str, str | None]:
    """Printed amount of every keyed column (None for an empty cell)."""
    return {key: _cell(row, index) for index, key in sorted(keys.items())}


def _subject_row(row: TableRow, keys: dict[int, str]) -> SubjectRow | None:
    """A 科目 row: code + name, or the 合计 row (code None); rows of any other shape are not subjects."""
    first = _cell(row, 0)
    if not first:
        return None
    if normalise_name(first) in vocabulary().total_names:
        return SubjectRow(None, "合计", _amounts(row, keys), row.source)
    if _CODE.match(first):
        return SubjectRow(first, _cell(row, 1) or "", _amounts(row, keys), row.source)
    joined = _CODE_AND_NAME.match(first)
    if joined:
        return SubjectRow(joined.group(1), joined.group(2).strip(), _amounts(row, keys), row.source)
    return None


def _econ_row(row: TableRow, keys: dict[int, str]) -> EconRow | None:
    """A row of the 基本支出分经济科目表: department and government economic classification, three amounts."""
    name = _cell(row, 0)
    if not name:
        return None
    amounts = {key: _cell(row, index) for index, key in keys.items()}
    gov = _cell(row, 1) if 1 not in keys else None
    return EconRow(name, gov, amounts.get("total"), amounts.get("personnel"), amounts.get("public"), row.source)


def _project_row(row: TableRow, keys: dict[int, str]) -> ProjectRow:
    """A project row (the unit-total rows are flagged later, once all unit names are known)."""
    amounts = _amounts(row, keys)
    funding = {key: value for key in _FUNDING_KEYS if (value := amounts.get(key))}
    return ProjectRow(_cell(row, 0) or "", amounts.get("total"), funding, row.source)


def _cut_off(region: _Region, table: BudgetTable) -> str | None:
    """Why the table looks cut off (None when it looks whole)."""
    if table.empty:
        return None
    if not table.rows:
        return "no rows after the header and no '注：本表无数据' note: the table is cut off"
    if region.reached_end:
        return "the document ends inside the table"
    return None
