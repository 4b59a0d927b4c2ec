"""Catalog copies already read, reused when another document prints the very same notice section.

Most disclosures of a year attach the same catalog revisions, printed identically: reading a copy is about a
quarter of reading a document, and a reader process of a large corpus reads the same few sections again and
again. A copy depends on nothing but its section's lines, so a section read before gives the same records,
moved to the new document: every SourceRef gets the new file and shifted lines, and so does every `file:line`
written into a message or a department's evidence. Nothing else in a copy names its place.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace

from .records import CatalogCopy, CatalogRow, Issue, RevisionNotice, SourceRef

SectionKey = tuple[tuple[str, ...], int]


class CopyMemo:
    """The last `size` distinct sections read, by their text and where their table starts in them."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._copies: OrderedDict[SectionKey, tuple[CatalogCopy, str, int]] = OrderedDict()
        self.hits = 0

    def read(self, file: str, lines: Sequence[str], start: int, end: int, table_start: int,
             read: Callable[[], CatalogCopy]) -> CatalogCopy:
        """The copy of lines[start:end] in `file`: `read()` the first time, a moved copy after that.

        The memo keeps a private copy: callers may change what they get (reconciliation shares strings).
        """
        key = (tuple(lines[start:end]), table_start - start)
        known = self._copies.get(key)
        if known is not None:
            self._copies.move_to_end(key)
            self.hits += 1
            copy, old_file, old_start = known
            return moved(copy, old_file, file, start - old_start)
        copy = read()
        self._copies[key] = (moved(copy, file, file, 0), file, start)
        if len(self._copies) > self.size:
            self._copies.popitem(last=False)
        return copy


def moved(copy: CatalogCopy, old_file: str, new_file: str, delta: int) -> CatalogCopy:
    """A copy of `copy` as if printed in `new_file`, `delta` lines further down."""
    where = _Mover(old_file, new_file, delta)
    return CatalogCopy(
        notice=_notice(copy.notice, where),
        rows=[_row(r, where) for r in copy.rows],
        departments=list(copy.departments),
        truncated_departments=list(copy.truncated_departments),
        fragment=copy.fragment,
        contents=list(copy.contents),
        issues=[_issue(i, where) for i in copy.issues],
        truncated_blocks=list(copy.truncated_blocks),
    )


class _Mover:
    def __init__(self, old_file: str, new_file: str, delta: int) -> None:
        self.old_file, self.new_file, self.delta = old_file, new_file, delta
        self._cited = re.compile(re.escape(old_file) + r":(\d+)")

    def ref(self, ref: SourceRef) -> SourceRef:
        end = None if ref.end_line is None else ref.end_line + self.delta
        return SourceRef(self.new_file, ref.line + self.delta, end)

    def text(self, text: str) -> str:
        if self.old_file not in text:
            return text
        return self._cited.sub(lambda m: f"{self.new_file}:{int(m[1]) + self.delta}", text)


def _notice(notice: RevisionNotice, where: _Mover) -> RevisionNotice:
    issued = None if notice.issued_source is None else where.ref(notice.issued_source)
    return replace(notice, supersedes_doc_nos=list(notice.supersedes_doc_nos), source=where.ref(notice.source),
                   issued_source=issued)


def _row(row: CatalogRow, where: _Mover) -> CatalogRow:
    """The row moved (its constructor, not dataclasses.replace: a copy moves a thousand rows per document)."""
    evidence = None if row.department_evidence is None else where.text(row.department_evidence)
    return CatalogRow(row.revision, row.department, row.code, row.printed_code, row.level, row.name, row.name_raw,
                      row.parent_code, where.ref(row.source), list(row.flags), evidence, row.block)


def _issue(issue: Issue, where: _Mover) -> Issue:
    return replace(issue, message=where.text(issue.message), source=where.ref(issue.source))
