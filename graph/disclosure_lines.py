"""The numbered lines of a disclosure, each once cleaned, shared by the budget readers.

Every reader needs the same three facts about a line (its text without markup, whether it is page furniture,
whether it is a table row) and the 1-based number that provenance cites, so they are computed once here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .records import SourceRef
from .text_clean import cells, is_page_noise, normalise_name, strip_markup

_LONGEST_NOISE = 20  # watermarks and page numbers are short; longer lines need no check
_PART_HEADING = re.compile(r"^第[一二三四五六七八九十]+部分")


@lru_cache(maxsize=16384)
def key_of(text: str) -> str:
    """normalise_name, remembered: the same cells come back on every row of a performance table."""
    return normalise_name(text)


@dataclass(frozen=True)
class Line:
    """One source line: `text` is stripped of markup and surrounding space; `number` is 1-based."""

    number: int
    raw: str
    text: str
    noise: bool
    is_row: bool

    @property
    def blank(self) -> bool:
        """Nothing to read here: empty, or page furniture (watermark, page number)."""
        return self.noise or not self.text

    @cached_property
    def key(self) -> str:
        """The text for comparisons: no whitespace, full-width brackets (normalise_name)."""
        return key_of(self.text)

    def cells(self) -> list[str | None]:
        """The tab-separated cells, None for an empty cell (a fresh list: callers may edit it)."""
        return list(self._cells)

    @cached_property
    def _cells(self) -> tuple[str | None, ...]:
        return tuple(cells(self.raw))

    def filled(self) -> list[str]:
        """The non-empty cells, in order: what a row says once its column positions are ignored."""
        return [c for c in self._cells if c]

    def is_part_heading(self) -> bool:
        """A 第N部分 heading (not a table-of-contents entry, which has dots and a page number)."""
        return not self.is_row and "..." not in self.text and bool(_PART_HEADING.match(self.text))


@dataclass(frozen=True)
class Lines:
    """All lines of one document, addressable by line number."""

    file: str
    items: tuple[Line, ...]

    def __len__(self) -> int:
        return len(self.items)

    def at(self, number: int) -> Line:
        """The line with that 1-based number."""
        return self.items[number - 1]

    def ref(self, first: int, last: int | None = None) -> SourceRef:
        """Provenance for lines first..last of this document."""
        return SourceRef(self.file, first, last if last is not None and last != first else None)

    def content(self, start: int = 1, stop: int | None = None) -> list[Line]:
        """Lines start..stop-1 that carry content (blank lines and page furniture dropped)."""
        stop = len(self.items) + 1 if stop is None else stop
        return [line for line in self.items[start - 1 : stop - 1] if not line.blank]


def make_lines(file: str, raw_lines: list[str]) -> Lines:
    """Clean every line once."""
    items = []
    for number, raw in enumerate(raw_lines, 1):
        text = (strip_markup(raw) if any(mark in raw for mark in "<#*") else raw).strip()
        noise = bool(text) and len(text) <= _LONGEST_NOISE and is_page_noise(text)
        items.append(Line(number, raw, text, noise, "\t" in raw))
    return Lines(file, tuple(items))
