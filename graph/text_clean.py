"""Cleaning what PDF extraction left in the text, shared by the readers.

Two layout flavours reach us: plain text, and a markdown-ish one with `#` headings, `<b>` tags and
`**bold**`. Page furniture (仅供内部审核, "- 1 -") sits between rows of one table.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_HEADING = re.compile(r"^\s*#{1,6}\s*")
_BOLD = re.compile(r"\*\*")
_PAGE_NUMBER = re.compile(r"^\s*[-—–]\s*\d+\s*[-—–]\s*$")
_PAGE_NOISE = {"仅供内部审核"}
_HALF_TO_FULL = str.maketrans({"(": "（", ")": "）", ",": "，", ";": "；", ":": "："})
_SPACE = re.compile(r"\s+")


def strip_markup(line: str) -> str:
    """The line without markdown headings, bold markers and HTML tags (tabs kept: they split cells)."""
    line = _TAG.sub("", line)
    line = _HEADING.sub("", line)
    return _BOLD.sub("", line)


def is_page_noise(line: str) -> bool:
    """A line that belongs to the page, not the content: watermark or page number."""
    text = strip_markup(line).strip()
    return text in _PAGE_NOISE or bool(_PAGE_NUMBER.match(text))


def cells(line: str) -> list[str | None]:
    """The tab-separated cells of a table line, stripped, with None for an empty cell."""
    return [c.strip() or None for c in strip_markup(line).split("\t")]


def normalise_name(text: str) -> str:
    """A name for comparison: no whitespace, half-width ( ) , ; : as full-width (eval README rule)."""
    return _SPACE.sub("", text).translate(_HALF_TO_FULL)
