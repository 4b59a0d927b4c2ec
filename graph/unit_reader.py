"""The unit a disclosure is about: name, year, 单位/部门, place in Shanxi, duties and internal organisation.

The cover prints the unit's name (one or two lines) above "2024年度单位预算公开"; the tables repeat the name
after 单位名称/部门名称, which is the fallback when the cover is lost. Duties and organisation are the two
sections of 第一部分 概况.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .disclosure_lines import Line, Lines
from .records import DocKind, SourceRef, UnitRecord
from .regions import region_of

_COVER_TITLE = re.compile(r"^(.*?)(\d{4})年度?(单位|部门)预算(公开)?$")
_META_NAME = re.compile(r"^(单位|部门)名称[:：]\s*(.+)$")
_DUTIES = re.compile(r"^一、(本)?(单位|部门)?(主要)?职[责能]")
_ORGANISATION = re.compile(r"^二、(内设)?机构设置")
_LATER_SECTION = re.compile(r"^[三四五六七八九十]+、")
_NEW_PARAGRAPH = re.compile(r"^([（(][一二三四五六七八九十\d]+[)）]|\d+[、.．]|[一二三四五六七八九十]+、|[-•·]\s)")
_PARAGRAPH_END = ("。", "；", ";", "：", ":", "！", "？")
_SPACE = re.compile(r"\s+")
_COVER_LINES = 40  # the cover title sits before the table of contents


@dataclass(frozen=True)
class CoverTitle:
    """The "2024年度单位预算公开" line and what it says."""

    line: Line
    year: int
    doc_kind: DocKind
    name: str  # a name printed on the same line, else ""


def find_cover_title(lines: Lines) -> CoverTitle | None:
    """The cover title among the first content lines, None when the cover is missing."""
    for line in lines.content()[:_COVER_LINES]:
        found = None if line.is_row else _COVER_TITLE.match(line.key)
        if found:
            kind: DocKind = "单位预算" if found.group(3) == "单位" else "部门预算"
            return CoverTitle(line, int(found.group(2)), kind, found.group(1))
    return None


def read_unit(lines: Lines, cover: CoverTitle | None, table_years: list[int]) -> UnitRecord | None:
    """The UnitRecord, None when neither the cover nor a 单位名称 line names the unit."""
    named = _name_from_cover(lines, cover) or _name_from_tables(lines)
    year = cover.year if cover else (min(table_years) if table_years else None)
    if named is None or year is None:
        return None
    name, source = named
    doc_kind: DocKind = cover.doc_kind if cover else _doc_kind_from_tables(lines)
    region = region_of(name)
    unit = UnitRecord(
        name=name,
        county=region.county if region else None,
        prefecture_city=region.prefecture_city if region else None,
        admin_level=region.admin_level if region else None,
        fiscal_year=year,
        doc_kind=doc_kind,
        source=source,
        duties=read_duties(lines),
    )
    organisation = read_organisation(lines)
    if organisation:
        unit.organisation, unit.organisation_source = organisation
    return unit


def _name_from_cover(lines: Lines, cover: CoverTitle | None) -> tuple[str, SourceRef] | None:
    """The name lines right above the cover title (the name can wrap onto a second line)."""
    if cover is None:
        return None
    if cover.name:
        return cover.name, lines.ref(cover.line.number)
    parts: list[Line] = []
    for number in range(cover.line.number - 1, 0, -1):
        line = lines.at(number)
        if not line.text:
            continue
        if line.noise or line.is_row or len(parts) == 3:
            if parts:
                break
            continue
        parts.insert(0, line)
    if not parts:
        return None
    return "".join(_SPACE.sub("", p.text) for p in parts), lines.ref(parts[0].number, parts[-1].number)


def _name_from_tables(lines: Lines) -> tuple[str, SourceRef] | None:
    """The first 单位名称/部门名称 line of the tables, joined with a wrapped second line."""
    for line in lines.items:
        found = None if line.is_row else _META_NAME.match(line.key)
        if found:
            following = lines.content(line.number + 1, line.number + 3)
            name, last = found.group(2), line.number
            if following and not following[0].is_row and not following[0].key.startswith("单位"):
                name, last = name + _SPACE.sub("", following[0].text), following[0].number
            return name, lines.ref(line.number, last)
    return None


def _doc_kind_from_tables(lines: Lines) -> DocKind:
    """部门预算 when the tables say 部门名称, else 单位预算."""
    for line in lines.items:
        found = None if line.is_row else _META_NAME.match(line.key)
        if found:
            return "部门预算" if found.group(1) == "部门" else "单位预算"
    return "单位预算"


def _section(lines: Lines, heading: re.Pattern[str], stop: re.Pattern[str]) -> list[Line] | None:
    """The content lines under a 概况 heading, up to the next heading of that part (None if not printed)."""
    start = next(
        (line for line in lines.items if not line.is_row and "..." not in line.text and heading.match(line.key)),
        None,
    )
    if start is None:
        return None
    body = []
    for line in lines.content(start.number + 1):
        if line.is_part_heading() or stop.match(line.key) or line.is_row:
            break
        if line.text.startswith("预算公开表") or line.text.startswith("单位名称"):
            break
        body.append(line)
    return body


def _paragraphs(body: list[Line], lines: Lines) -> list[tuple[str, SourceRef]]:
    """Lines joined into paragraphs: a line continues the one above unless that one ended a sentence
    or this one starts a new item ("（三）", "3、", "- ")."""
    paragraphs: list[tuple[str, int, int]] = []
    for line in body:
        text = re.sub(r"^[-•·]\s+", "", line.text)
        if paragraphs and not _NEW_PARAGRAPH.match(line.text) and not paragraphs[-1][0].endswith(_PARAGRAPH_END):
            previous, first, _ = paragraphs[-1]
            paragraphs[-1] = (previous + text, first, line.number)
        else:
            paragraphs.append((text, line.number, line.number))
    return [(text, lines.ref(first, last)) for text, first, last in paragraphs]


def read_duties(lines: Lines) -> list[tuple[str, SourceRef]]:
    """The paragraphs of 一、本单位职责 / 本部门职责."""
    body = _section(lines, _DUTIES, _ORGANISATION)
    return _paragraphs(body, lines) if body else []


def read_organisation(lines: Lines) -> tuple[str, SourceRef] | None:
    """The text of 二、机构设置情况 (paragraphs separated by newlines) and the lines it spans."""
    body = _section(lines, _ORGANISATION, _LATER_SECTION)
    if not body:
        return None
    paragraphs = _paragraphs(body, lines)
    text = "\n".join(p for p, _ in paragraphs)
    return text, lines.ref(body[0].number, body[-1].number)
