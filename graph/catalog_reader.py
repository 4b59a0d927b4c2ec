"""Reading the 政府购买服务指导性目录 copies printed in one disclosure document into catalog records.

A disclosure may attach several catalog revisions, each behind its own notice (通知): a line that is only a
文号 (晋财综〔2023〕43号), the title, the repeal sentence (…同时废止), the table and the `…印发` date. Forwarding
notices of city and county bureaus have the same shape but no table, so a revision is a notice section that
holds a catalog table. The table is read row by row; what extraction damaged (lost department headers and
pages, names in the wrong column, codes without their series letter, split or doubled words) is flagged on
the row, never silently repaired: the code stays as printed and the parent is the row printed above it.

Cross-document work (merging copies, recovering departments from other revisions) is catalog_reconcile's.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Literal, Protocol

from .catalog_memo import CopyMemo
from .records import CatalogCopy, CatalogRow, Issue, RevisionNotice, SourceRef
from .source_text import SourceText
from .text_clean import cells, is_page_noise, normalise_name, strip_markup

PATTERNS_FILE = Path(__file__).with_name("catalog_patterns.toml")

ROW_FLAGS = ("wrong_level_code", "code_prefix_mismatch", "missing_series_letter", "empty_name")
"""Flags that depend on the printed row alone (a merged entry keeps them when most copies print them)."""

_DOC_NO = re.compile(r"^\s*([\u4e00-\u9fff]{2,10})\s*[〔\[【]\s*(\d{4})\s*[〕\]】]\s*(\d+)\s*号\s*$")
_DOC_NO_IN_TEXT = re.compile(r"([\u4e00-\u9fff]{1,10})\s*[〔\[【]\s*(\d{4})\s*[〕\]】]\s*(\d+)\s*号")
_ISSUED = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*印\s*发\s*$")
_CODE = re.compile(r"^([A-Z]?)((?:\d{2}){0,3})$")
_RULE = re.compile(r"^\s*[-—_*]{3,}\s*$")
_SPACE = re.compile(r"\s+")
_PAGE_NO = re.compile(r"^\d{1,4}$")
_MARKUP_CHARS = frozenset("<#*")  # a name without these has no markup for strip_markup to remove


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class Patterns:
    """The vocabularies of catalog_patterns.toml."""

    ocr_marks: frozenset[str]
    trailing_junk: tuple[str, ...]
    min_doubled_word: int
    header_first_cell: str
    header_level_suffix: str
    contents_title: str
    max_department_name: int
    b_class_marker: str
    repeal_words: tuple[str, ...]
    numbered_levels: dict[str, frozenset[int]]


@cache
def patterns() -> Patterns:
    """Load catalog_patterns.toml once: vocabularies are data, kept out of the code."""
    data = tomllib.loads(PATTERNS_FILE.read_text(encoding="utf-8"))
    names, table, notice = data["names"], data["table"], data["notice"]
    return Patterns(
        ocr_marks=frozenset(names["ocr_marks"]),
        trailing_junk=tuple(names["trailing_junk"]),
        min_doubled_word=int(names["min_doubled_word"]),
        header_first_cell=table["header_first_cell"],
        header_level_suffix=table["header_level_suffix"],
        contents_title=table["contents_title"],
        max_department_name=int(table["max_department_name"]),
        b_class_marker=notice["b_class_marker"],
        repeal_words=tuple(notice["repeal_words"]),
        numbered_levels={s: frozenset(v["numbered_levels"]) for s, v in data["series"].items()},
    )


# --------------------------------------------------------------------------- names and codes


def _drop_doubled_word(text: str, min_len: int) -> str:
    """Join the pieces of a name split by whitespace, dropping a word a line join printed twice.

    "灾害防治及应急管理 管理服务": the left piece ends with the word the right piece starts with; only such an
    overlap across a gap is removed, so a word repeated inside one piece (a printed typo) is kept.
    """
    pieces = [p for p in _SPACE.split(text) if p]
    if not pieces:
        return ""
    out = pieces[0]
    for piece in pieces[1:]:
        overlap = 0
        for k in range(min(len(out), len(piece)), min_len - 1, -1):
            if out.endswith(piece[:k]):
                overlap = k
                break
        out += piece[overlap:]
    return out


@cache
def _mark_table() -> dict[int, None]:
    """str.translate table deleting the OCR marks."""
    return dict.fromkeys(map(ord, patterns().ocr_marks))


def clean_name(raw: str) -> str:
    """The entry name under the eval convention: OCR marks, markup, whitespace and trailing junk removed,
    a word doubled across a line join printed once, half-width ( ) , ; : made full-width."""
    pat = patterns()
    text = strip_markup(raw) if _MARKUP_CHARS.intersection(raw) else raw
    if not pat.ocr_marks.isdisjoint(text):
        text = text.translate(_mark_table())
    text = normalise_name(_drop_doubled_word(text, pat.min_doubled_word))
    while text and text[-1] in pat.trailing_junk and len(text) > 1:
        text = text[:-1]
    return text


def clean_department(raw: str) -> str:
    """A department name as printed in a header or contents list, compared under the name convention."""
    return clean_name(raw)


def code_level(code: str) -> int:
    """The nominal level a code's length gives: A=1, A15=2, A1502=3, A150201=4 (B likewise)."""
    return 1 + (len(code) - 1) // 2


def code_parent(code: str) -> str | None:
    """The code a code's own digits place it under (A150201 → A1502, A15 → A, A → None)."""
    return code[:-2] if len(code) > 1 else None


def parse_code(cell: str | None, series: str | None) -> tuple[str, bool] | None:
    """(code with its series letter, letter was missing) when the cell is a catalog code, else None."""
    if not cell:
        return None
    text = _SPACE.sub("", cell).upper()
    match = _CODE.match(text)
    if not match or (not match.group(1) and not match.group(2)):
        return None
    letter, digits = match.groups()
    if letter:
        return text, False
    if series is None:
        return None
    return series + digits, True


# --------------------------------------------------------------------------- notices


@dataclass
class _Section:
    """Lines [start, end) of one notice, from its 文号 line to the next notice."""

    doc_no: str
    start: int
    end: int


def normalise_doc_no(prefix: str, year: str, number: str) -> str:
    """A 文号 with the brackets of the eval convention (晋财综[2023]43号 → 晋财综〔2023〕43号)."""
    return f"{prefix}〔{year}〕{int(number)}号"


def _sections(lines: Sequence[str]) -> list[_Section]:
    """Split a document at every line that is only a 文号: each notice runs to the next one."""
    starts: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        match = _DOC_NO.match(strip_markup(line)) if "号" in line else None
        if match:
            starts.append((i, normalise_doc_no(*match.groups())))
    return [
        _Section(doc_no, i, starts[k + 1][0] if k + 1 < len(starts) else len(lines))
        for k, (i, doc_no) in enumerate(starts)
    ]


def _next_text_line(lines: Sequence[str], start: int, end: int) -> int | None:
    """Index of the first line in [start, end) with text, skipping blanks and page furniture."""
    for i in range(start, end):
        if lines[i].strip() and not is_page_noise(lines[i]) and not _RULE.match(lines[i]):
            return i
    return None


def _repealed(text: str) -> list[str]:
    """文号 named in the sentence(s) ending with a repeal word (…同时废止)."""
    found: list[str] = []
    for word in patterns().repeal_words:
        for match in re.finditer(re.escape(word), text):
            sentence = text[: match.start()]
            sentence = sentence[max(sentence.rfind("。"), sentence.rfind("；")) + 1 :]
            for doc in _DOC_NO_IN_TEXT.finditer(sentence):
                doc_no = normalise_doc_no(*doc.groups())
                if doc_no not in found:
                    found.append(doc_no)
        if found:
            break
    return found


def _notice(source: SourceText, section: _Section, table_start: int, series: str) -> RevisionNotice:
    """The notice of one revision: title, series, the repealed 文号 and the `…印发` date closing it."""
    lines = source.lines
    title_at = _next_text_line(lines, section.start + 1, table_start)
    title = normalise_name(strip_markup(lines[title_at])) if title_at is not None else ""
    prose = "".join(
        strip_markup(lines[i]).strip() for i in range(section.start + 1, table_start) if not is_page_noise(lines[i])
    )
    issued, issued_source = None, None
    for i in range(section.start + 1, section.end):
        match = _ISSUED.match(strip_markup(lines[i])) if "印" in lines[i] else None
        if match:
            year, month, day = match.groups()
            issued, issued_source = f"{year}-{int(month):02d}-{int(day):02d}", SourceRef(source.file, i + 1)
            break
    year = re.search(r"〔(\d{4})〕", section.doc_no)
    revision = ("B" if series == "B" else "") + (year.group(1) if year else section.doc_no)
    return RevisionNotice(
        doc_no=section.doc_no,
        revision=revision,
        series="B" if series == "B" else "A",
        title=title,
        issued=issued,
        supersedes_doc_nos=[d for d in _repealed(prose) if d != section.doc_no],
        source=SourceRef(source.file, section.start + 1),
        issued_source=issued_source,
    )


# --------------------------------------------------------------------------- the table as events


EventKind = Literal["break", "department", "row", "codeless"]


@dataclass
class _Event:
    """One meaningful line of the table: a page break, a department header or a code row."""

    kind: EventKind
    index: int  # 0-based line index
    row: list[str | None] = field(default_factory=list)
    text: str = ""  # the department name of a header
    code: str = ""  # the code of a row, with its series letter
    letter_missing: bool = False


def _split_cells(text: str) -> list[str | None]:
    """text_clean.cells for a line whose markup is already stripped."""
    return [c.strip() or None for c in text.split("\t")]


def _is_header_cells(row: Sequence[str | None]) -> bool:
    """Cells of the catalog's column header row (代码 一级目录 二级目录 …), repeated on every page."""
    pat = patterns()
    names = [c for c in row[1:] if c]
    return bool(row and row[0] == pat.header_first_cell and names) and all(
        c.endswith(pat.header_level_suffix) for c in names
    )


def _is_table_header(line: str) -> bool:
    """Whether a line is the catalog's column header row."""
    return "\t" in line and patterns().header_first_cell in line and _is_header_cells(cells(line))


def _looks_like_department(text: str) -> bool:
    """A tab-less line that could be a department header: short, one phrase, no sentence punctuation."""
    return 0 < len(text) <= patterns().max_department_name and not re.search(r"[，。：:；;,、\s]", text)


def _is_furniture(line: str, text: str) -> bool:
    """Page furniture between table rows: watermark, page number, markdown rule."""
    return "\t" not in text and (is_page_noise(line) or bool(_RULE.match(text)))


def _table_events(lines: Sequence[str], start: int, end: int, series: str) -> list[_Event]:
    """The table's events from its first header row up to the first line that is not part of a table."""
    events: list[_Event] = []
    for i in range(start, end):
        line = lines[i]
        text = strip_markup(line)
        if not text.strip():
            continue
        if _is_furniture(line, text):
            events.append(_Event("break", i))
            continue
        row = _split_cells(text)
        if _is_header_cells(row):
            events.append(_Event("break", i))
            continue
        event = _table_line(lines, i, end, series, row)
        if event is None:
            break
        events.append(event)
    return events


def _table_line(lines: Sequence[str], i: int, end: int, series: str, row: list[str | None]) -> _Event | None:
    """Classify one table line; None when it ends the table (prose, a signature, the next heading)."""
    first = row[0]
    if len(row) > 1:
        parsed = parse_code(first, series)
        if parsed is not None:
            return _Event("row", i, row, code=parsed[0], letter_missing=parsed[1])
        if first and not any(row[1:]):
            return _Event("department", i, row, clean_department(first))
        if not first and any(row[1:]):
            return _Event("codeless", i, row)
        return None
    text = first or ""
    nxt = _next_text_line(lines, i + 1, end)
    if _looks_like_department(text) and nxt is not None and parse_code(cells(lines[nxt])[0], series):
        return _Event("department", i, row, clean_department(text))
    return None


# --------------------------------------------------------------------------- rows and blocks


@dataclass
class _Block:
    """A run of rows under one department header, or an orphaned run whose header was lost."""

    index: int
    department: str | None
    header_line: int | None  # 1-based
    rows: list[CatalogRow] = field(default_factory=list)
    evidence: str | None = None
    truncated_start: bool = False
    truncated_end: bool = False


@dataclass
class _TableState:
    """What reading the rows in order needs to remember."""

    file: str
    revision: str
    series: str
    max_level: int
    blocks: list[_Block] = field(default_factory=list)
    path: dict[int, CatalogRow] = field(default_factory=dict)
    pending_break: bool = False
    issues: list[Issue] = field(default_factory=list)

    @property
    def block(self) -> _Block | None:
        return self.blocks[-1] if self.blocks else None

    def new_block(self, department: str | None, header_line: int | None) -> _Block:
        self.blocks.append(_Block(len(self.blocks), department, header_line))
        self.path = {}
        return self.blocks[-1]


def _printed_name(row: list[str | None], max_level: int) -> tuple[int | None, str]:
    """(column the name is printed in, 1-based level; the printed text) of a code row."""
    filled = [(k, c) for k, c in enumerate(row[1:], start=1) if c]
    if not filled:
        return None, ""
    return min(filled[0][0], max_level), " ".join(c for _, c in filled)


def _next_rows(events: Sequence[_Event]) -> list[_Event | None]:
    """For each event, the next code row of the same block (None when a department header or the end
    comes first): what tells a row that slipped into another column from a real parent."""
    out: list[_Event | None] = [None] * len(events)
    following: _Event | None = None
    for k in range(len(events) - 1, -1, -1):
        out[k] = following
        if events[k].kind == "row":
            following = events[k]
        elif events[k].kind == "department":
            following = None
    return out


def _real_level(code: str, column: int | None, nxt_code: str | None, state: _TableState) -> tuple[int, bool]:
    """(the row's real level, whether the printed code length is wrong for it).

    The column is the level when code and column agree, or when the row is a leaf of the column's level
    under a row printed one level up (a 5-character code printed as a level-4 row). When the next row is
    the code's own child, the code is right and the name merely slipped into another column.
    """
    nominal = code_level(code)
    if column is None or column == nominal:
        return nominal, False
    has_own_child = nxt_code is not None and code_parent(nxt_code) == code
    parent_in_path = column == 1 or (column - 1) in state.path
    if not has_own_child and parent_in_path:
        return column, True
    return nominal, False


def _implied_codes(block: _Block | None) -> set[str]:
    """Codes printed in the block and the ancestors their digits imply (an orphaned run lacks its top rows)."""
    codes: set[str] = set()
    for row in block.rows if block else []:
        code: str | None = row.code
        while code and code not in codes:
            codes.add(code)
            code = code_parent(code)
    return codes


def _continues(state: _TableState, code: str, level: int) -> bool:
    """Whether a row read after a page break can belong to the block before the break.

    Lost pages show as a row whose parent code is neither printed in the block nor implied by its codes, a
    code sequence that goes backwards, or a row left above with children it never got.
    """
    path = state.path
    if level > 1 and code_parent(code) not in _implied_codes(state.block):
        return False
    sibling = path.get(level)
    if sibling is not None and len(sibling.code) == len(code) and code < sibling.code:
        return False
    last = state.block.rows[-1] if state.block and state.block.rows else None
    return not (last is not None and last.level < state.max_level and level <= last.level)


def _place_row(state: _TableState, event: _Event, nxt: _Event | None) -> CatalogRow:
    """Read one code row: its level, parent, name and row flags; start a new block where one begins."""
    code, letter_missing = event.code, event.letter_missing
    column, raw = _printed_name(event.row, state.max_level)
    level, wrong_level = _real_level(code, column, nxt.code if nxt else None, state)
    _start_block_if_needed(state, code, level)
    assert state.block is not None
    parent_row = state.path.get(level - 1)
    parent_code = parent_row.code if parent_row else (code_parent(code) if level > 1 else None)
    flags = []
    if wrong_level:
        flags.append("wrong_level_code")
    elif parent_row is not None and not (code.startswith(parent_row.code) and len(code) > len(parent_row.code)):
        flags.append("code_prefix_mismatch")
    if letter_missing:
        flags.append("missing_series_letter")
    if not raw:
        flags.append("empty_name")
    elif column is not None and column != level:
        state.issues.append(_column_warning(state, event, code, column, level))
    row = CatalogRow(
        revision=state.revision,
        department=state.block.department,
        code=code,
        printed_code=(event.row[0] or "").strip(),
        level=level,
        name=clean_name(raw),
        name_raw=raw,
        parent_code=parent_code,
        source=SourceRef(state.file, event.index + 1),
        flags=flags,
        block=state.block.index,
    )
    state.path = {lv: r for lv, r in state.path.items() if lv < level}
    state.path[level] = row
    state.block.rows.append(row)
    state.pending_break = False
    return row


def _column_warning(state: _TableState, event: _Event, code: str, column: int, level: int) -> Issue:
    """A name printed in another column than its level's, where the code and the rows below show the level."""
    return Issue(
        "warning",
        "name_in_wrong_column",
        f"{code} is printed in the level-{column} column; its code and its children make it level {level}",
        SourceRef(state.file, event.index + 1),
        state.revision,
        state.block.department if state.block else None,
        code,
        level,
    )


def _start_block_if_needed(state: _TableState, code: str, level: int) -> None:
    """Open an orphaned block where rows cannot belong to the block before them.

    A-series rows before any header, a second level-1 row, or a row after a page break that does not
    continue the path belong to a department whose header was lost; B-class rows belong to no department.
    """
    block = state.block
    if block is None:
        state.new_block(None, None)
        if state.series == "A":
            state.blocks[-1].truncated_start = level > 1
        return
    if state.series != "A" or not block.rows:
        return
    if level == 1 or (state.pending_break and not _continues(state, code, level)):
        state.new_block(None, None)
        state.blocks[-1].truncated_start = level > 1


def _read_table(state: _TableState, events: Sequence[_Event]) -> None:
    """Walk the events in order, building blocks of rows."""
    next_rows = _next_rows(events)
    for event, nxt in zip(events, next_rows, strict=True):
        if event.kind == "break":
            state.pending_break = True
        elif event.kind == "department" and state.series == "A":
            state.new_block(event.text, event.index + 1)
        elif event.kind == "row":
            _place_row(state, event, nxt)
        elif event.kind == "codeless":
            state.issues.append(
                Issue(
                    "warning",
                    "row_without_code",
                    f"a catalog row without a code: {' '.join(c for c in event.row if c)}",
                    SourceRef(state.file, event.index + 1),
                    state.revision,
                    state.block.department if state.block else None,
                )
            )


def _mark_truncated_ends(state: _TableState) -> None:
    """A block is cut at its end when its last row still awaits children, or when the next block lost its
    beginning (pages are missing between them and the cut falls somewhere in that gap)."""
    for k, block in enumerate(state.blocks):
        if not block.rows or state.series != "A":
            continue
        last = block.rows[-1]
        nxt = state.blocks[k + 1] if k + 1 < len(state.blocks) else None
        if last.level < state.max_level or (nxt is not None and nxt.header_line is None and nxt.truncated_start):
            block.truncated_end = True


# --------------------------------------------------------------------------- contents list


@dataclass
class _ContentsEntry:
    name: str
    line: int  # 1-based


def _contents(lines: Sequence[str], start: int, end: int) -> list[_ContentsEntry]:
    """The department contents list (目 录, name<TAB>page) printed between a notice and its table."""
    title = patterns().contents_title
    entries: list[_ContentsEntry] = []
    inside = False
    for i in range(start, end):
        text = strip_markup(lines[i]).strip()
        if not inside:
            inside = _SPACE.sub("", text) == title
            continue
        if not text or is_page_noise(lines[i]):
            continue
        row = [c for c in cells(lines[i]) if c]
        if len(row) == 2 and _PAGE_NO.match(row[1]):
            entries.append(_ContentsEntry(clean_department(row[0]), i + 1))
        elif entries:
            break
    return entries


def same_department(a: str, b: str) -> bool:
    """Two printings of one department name: equal, or one the short form of the other
    (发展和改革 / 发展和改革委员会)."""
    return a == b or (min(len(a), len(b)) >= 2 and (a in b or b in a))


def _match_contents(blocks: Sequence[_Block], contents: Sequence[_ContentsEntry]) -> dict[int, int]:
    """Block index → contents index for the blocks whose printed header is in the list, in order."""
    matched: dict[int, int] = {}
    pos = 0
    for block in blocks:
        if block.department is None or block.header_line is None:
            continue
        for j in range(pos, len(contents)):
            if same_department(block.department, contents[j].name):
                matched[block.index] = j
                pos = j + 1
                break
    return matched


def _recover_from_contents(state: _TableState, contents: Sequence[_ContentsEntry], file: str) -> None:
    """Give orphaned blocks the departments the contents list names between their printed neighbours.

    Only when the unprinted names there are exactly as many as the orphaned blocks, so nothing is guessed.
    """
    if not contents:
        return
    matched = _match_contents(state.blocks, contents)
    k = 0
    blocks = state.blocks
    while k < len(blocks):
        if blocks[k].header_line is not None:
            k += 1
            continue
        run_end = k
        while run_end < len(blocks) and blocks[run_end].header_line is None:
            run_end += 1
        lo = matched.get(blocks[k - 1].index, -1) if k > 0 else -1
        hi = matched.get(blocks[run_end].index, len(contents)) if run_end < len(blocks) else len(contents)
        free = [contents[j] for j in range(lo + 1, hi) if j not in matched.values()]
        run = blocks[k:run_end]
        if len(free) == len(run) and (k > 0 or run_end < len(blocks)):
            before = blocks[k - 1].department if k > 0 else "the start of the catalog"
            after = blocks[run_end].department if run_end < len(blocks) else "the end of the catalog"
            for block, entry in zip(run, free, strict=True):
                block.department = entry.name
                block.evidence = (
                    f"department contents list {file}:{entry.line} names {entry.name} between {before} and "
                    f"{after}, whose headers are printed"
                )
        k = run_end


def _missing_from_text(state: _TableState, contents: Sequence[_ContentsEntry], file: str) -> list[Issue]:
    """Departments the contents list names that no block of the table holds: not in the surviving text."""
    present = [b.department for b in state.blocks if b.department]
    return [
        Issue(
            "warning",
            "department_not_in_text",
            f"the contents list names {entry.name}, whose rows are not in the surviving text",
            SourceRef(file, entry.line),
            state.revision,
            entry.name,
        )
        for entry in contents
        if not any(same_department(entry.name, d) for d in present)
    ]


# --------------------------------------------------------------------------- flags over a whole catalog


class Coded(Protocol):
    """A catalog row or a merged entry: what the flags over a whole catalog need."""

    code: str
    level: int
    name: str
    parent_code: str | None
    flags: list[str]


def _add_flag(item: Coded, flag: str) -> None:
    if flag not in item.flags:
        item.flags.append(flag)


def flag_duplicate_codes(items: Sequence[Coded], group: Callable[[Coded], object]) -> None:
    """duplicate_code on every row of a department whose code is printed again there with another name."""
    names: dict[tuple[object, str], set[str]] = defaultdict(set)
    for item in items:
        names[(group(item), item.code)].add(item.name)
    for item in items:
        if len(names[(group(item), item.code)]) > 1:
            _add_flag(item, "duplicate_code")


def flag_numbering_gaps(items: Sequence[Coded], group: Callable[[Coded], object], levels: Iterable[int]) -> None:
    """numbering_gap on a row whose preceding siblings are missing from its department.

    Only levels numbered by the catalog itself are checked, only under a parent printed in the department
    (an orphaned run's first rows are cut, not gaps), and only when the missing codes are printed nowhere
    in the department. Rows whose code does not fit their place (wrong level, other prefix) are skipped.
    """
    levels = frozenset(levels)
    by_group: dict[object, list[Coded]] = defaultdict(list)
    for item in items:
        by_group[group(item)].append(item)
    for members in by_group.values():
        codes = {m.code for m in members}
        printed: set[str] = set()
        last: dict[str, int] = {}
        for item in members:
            if _numbered_child(item, levels) and item.parent_code in printed:
                parent = item.parent_code
                assert parent is not None
                number = int(item.code[-2:])
                first_expected = last.get(parent, 0) + 1
                missing = [f"{parent}{n:02d}" for n in range(first_expected, number)]
                if missing and not any(c in codes for c in missing):
                    _add_flag(item, "numbering_gap")
                last[parent] = max(last.get(parent, 0), number)
            printed.add(item.code)


def _numbered_child(item: Coded, levels: frozenset[int]) -> bool:
    """Whether the item's last two digits number it among the children of its parent."""
    parent = item.parent_code
    return (
        item.level in levels
        and parent is not None
        and "wrong_level_code" not in item.flags
        and "code_prefix_mismatch" not in item.flags
        and item.code.startswith(parent)
        and len(item.code) == len(parent) + 2
        and item.code[-2:].isdigit()
    )


FLAG_SENTENCES = {
    "wrong_level_code": "{code} is printed as a level-{level} row but its code length says level {nominal}",
    "code_prefix_mismatch": "{code} is printed under {parent}, whose code it does not start with",
    "duplicate_code": "{code} is printed more than once in {department} with different names",
    "recovered_department": "the department header of {code} was lost; {department} was recovered from evidence",
    "missing_series_letter": "{code} is printed without its series letter",
    "empty_name": "{code} is printed without a name",
    "numbering_gap": "sibling codes before {code} are not printed in {department}",
}


def flag_issue(flag: str, item: Coded, source: SourceRef, revision: str, department: str | None) -> Issue:
    """The anomaly Issue that lets `budgetkg quality` list an entry-level flag."""
    message = FLAG_SENTENCES[flag].format(
        code=item.code,
        level=item.level,
        nominal=code_level(item.code),
        parent=item.parent_code,
        department=department or "an unknown department",
    )
    return Issue("anomaly", flag, message, source, revision, department, item.code, item.level)


# --------------------------------------------------------------------------- one copy


def _series_of(title: str, lines: Sequence[str], table_start: int, end: int) -> str:
    """B for the B-class catalog (its title says so, or its first lettered code does), else A."""
    if patterns().b_class_marker in title.upper():
        return "B"
    for i in range(table_start, end):
        first = cells(lines[i])[0] if "\t" in lines[i] else None
        parsed = parse_code(first, None)
        if parsed is not None:
            return parsed[0][0]
    return "A"


def _max_level(lines: Sequence[str], table_start: int) -> int:
    """Number of level columns in the table header (4 for A, 3 for the B class)."""
    return max(1, sum(1 for c in cells(lines[table_start])[1:] if c))


def _table_start(lines: Sequence[str], section: _Section) -> int | None:
    """The first column header row of the section's catalog table, if it has one."""
    return next((i for i in range(section.start, section.end) if _is_table_header(lines[i])), None)


def _read_copy(source: SourceText, section: _Section, table_start: int) -> CatalogCopy:
    """One revision as printed in this document: its notice, rows, departments and anomalies."""
    lines = source.lines
    first_title = _next_text_line(lines, section.start + 1, table_start)
    title = strip_markup(lines[first_title]) if first_title is not None else ""
    series = _series_of(title, lines, table_start, section.end)
    events = _table_events(lines, table_start, section.end, series)
    notice = _notice(source, section, table_start, series)
    state = _TableState(source.file, notice.revision, series, _max_level(lines, table_start))
    _read_table(state, events)
    _mark_truncated_ends(state)
    contents = _contents(lines, section.start, table_start)
    _recover_from_contents(state, contents, source.file)
    return _finish_copy(state, notice, contents)


def _settle_rows(state: _TableState) -> list[CatalogRow]:
    """The copy's rows with their blocks' final departments and the flags that need the whole catalog."""
    rows: list[CatalogRow] = []
    for block in state.blocks:
        for row in block.rows:
            row.department = block.department
            if block.evidence:
                row.department_evidence = block.evidence
                _add_flag(row, "recovered_department")
            rows.append(row)

    def group(item: Coded) -> object:
        assert isinstance(item, CatalogRow)
        return item.department if item.department is not None else ("block", item.block)

    flag_duplicate_codes(rows, group)
    flag_numbering_gaps(rows, group, patterns().numbered_levels.get(state.series, frozenset()))
    return rows


def _finish_copy(state: _TableState, notice: RevisionNotice, contents: Sequence[_ContentsEntry]) -> CatalogCopy:
    """Settle departments, catalog-wide flags and the Issues of a copy once all its rows are read.

    A copy is a fragment only when this document proves it: it starts inside a department and its contents
    list names more than twice the departments it holds (the corpus-wide judgement is reconcile's).
    """
    rows = _settle_rows(state)
    departments = list(dict.fromkeys(b.department for b in state.blocks if b.department and b.rows))
    truncated = [b for b in state.blocks if b.rows and (b.truncated_start or b.truncated_end)]
    starts_mid = bool(state.blocks) and state.blocks[0].header_line is None and state.blocks[0].truncated_start
    fragment = starts_mid and bool(contents) and len(departments) < len(contents) / 2
    issues = [flag_issue(f, r, r.source, r.revision, r.department) for r in rows for f in r.flags]
    issues += [truncation_issue(b.department, b.rows, state.revision) for b in truncated]
    issues += _unknown_department_issues(state)
    issues += state.issues
    issues += _missing_from_text(state, contents, state.file)
    if fragment:
        issues.append(fragment_issue(state.revision, notice.source, len(departments), len(contents)))
    return CatalogCopy(
        notice=notice,
        rows=rows,
        departments=departments,
        truncated_departments=list(dict.fromkeys(b.department for b in truncated if b.department)),
        fragment=fragment,
        contents=[c.name for c in contents],
        issues=issues,
        truncated_blocks=[b.index for b in truncated],
    )


def truncation_issue(department: str | None, rows: Sequence[CatalogRow], revision: str) -> Issue:
    """truncated_department: the block lost its beginning or end; the missing rows are not in the text."""
    who = department or "a department whose header was lost"
    return Issue(
        "anomaly",
        "truncated_department",
        f"the block of {who} is cut short (from {rows[0].code} to {rows[-1].code}); rows beyond the cut "
        "are not in the surviving text",
        rows[0].source,
        revision,
        department,
    )


def fragment_issue(revision: str, source: SourceRef, departments: int, reference: int) -> Issue:
    """fragment_revision: only part of the catalog survives in the corpus."""
    return Issue(
        "anomaly",
        "fragment_revision",
        f"revision {revision} survives only as a fragment: it starts inside a department and holds "
        f"{departments} of about {reference} departments",
        source,
        revision,
    )


def _unknown_department_issues(state: _TableState) -> list[Issue]:
    """An A-series row may keep an unknown department only with an Issue saying so."""
    return [
        Issue(
            "warning",
            "department_unknown",
            f"rows from {b.rows[0].code} to {b.rows[-1].code} follow a lost department header and this "
            "document holds no evidence of their department",
            b.rows[0].source,
            state.revision,
        )
        for b in state.blocks
        if b.rows and b.department is None and state.series == "A"
    ]


_MEMO = CopyMemo()


def read_catalog(source: SourceText, memo: CopyMemo | None = None) -> tuple[list[CatalogCopy], list[Issue]]:
    """Every catalog copy printed in one document, with the document-level issues.

    A document without a catalog gives no copies and one warning naming the file and line 1. Sections printed
    the same in a document read earlier by this process come from `memo` (catalog_memo.py).
    """
    memo = _MEMO if memo is None else memo
    copies: list[CatalogCopy] = []
    issues: list[Issue] = []
    sections = _sections(source.lines)
    for section in sections:
        table_start = _table_start(source.lines, section)
        if table_start is not None:
            copies.append(memo.read(source.file, source.lines, section.start, section.end, table_start,
                                    partial(_read_copy, source, section, table_start)))
    before = _Section("", 0, sections[0].start if sections else len(source.lines))
    orphan_table = _table_start(source.lines, before)
    if orphan_table is not None:
        issues.append(
            Issue(
                "warning",
                "catalog_without_notice",
                "a catalog table is printed before any notice (文号): its revision is unknown, so it is not read",
                SourceRef(source.file, orphan_table + 1),
            )
        )
    if not copies:
        issues.append(
            Issue(
                "warning",
                "no_catalog",
                f"{source.file} prints no 政府购买服务指导性目录 (no notice followed by a catalog table)",
                SourceRef(source.file, 1),
            )
        )
    return copies, issues
