"""Merging the catalog copies of the whole corpus into one record per revision.

A revision can be printed in several documents (the 2023 catalog is attached to three disclosures), each
copy with its own extraction damage. Copies are aligned department by department and row by row; every
field of an entry is the reading most copies print, and the other readings are kept as variants with
their lines. Evidence that only the corpus as a whole holds is used here: a department whose header was
lost in one revision is recovered from the same code and name printed under a department in another
revision, `supersedes` is resolved to a revision found in the corpus, and a revision is judged a fragment
by comparing how many departments it holds with the others.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal, TypeVar

from .catalog_reader import (
    ROW_FLAGS,
    Coded,
    flag_duplicate_codes,
    flag_issue,
    flag_numbering_gaps,
    fragment_issue,
    patterns,
)
from .records import CatalogCopy, CatalogEntry, CatalogRow, Issue, Revision, SourceRef

T = TypeVar("T", bound=Hashable)
Pair = tuple[int | None, int | None]


# --------------------------------------------------------------------------- voting and alignment


def majority(values: Iterable[T]) -> T:
    """The value most readings give; a tie goes to the reading printed first (document order)."""
    readings = list(values)
    if readings.count(readings[0]) == len(readings):  # the usual case, tested in C: a thousand copies agree
        return readings[0]
    counts = Counter(readings)
    best = max(counts.values())
    return next(v for v in counts if counts[v] == best)


def align(
    a: Sequence[Hashable],
    b: Sequence[Hashable],
    fallback: Callable[[range, range], list[Pair]] | None = None,
) -> list[Pair]:
    """Pair the items of two printings in order: equal keys pair, and so do the items of a changed
    stretch of equal length (one reading damaged in place). Unequal stretches go to `fallback`, or stay
    unpaired (a row printed in one copy only)."""
    pairs: list[Pair] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            pairs.extend(zip(range(i1, i2), range(j1, j2), strict=True))
        elif tag == "replace" and fallback is not None:
            pairs.extend(fallback(range(i1, i2), range(j1, j2)))
        else:
            pairs.extend((i, None) for i in range(i1, i2))
            pairs.extend((None, j) for j in range(j1, j2))
    return pairs


# --------------------------------------------------------------------------- merged blocks


@dataclass
class _Block:
    """One department block of a revision, with the rows of every copy that prints it, slot by slot."""

    names: list[str | None]  # the department as each copy prints (or recovered) it
    evidence: str | None
    truncated: list[bool]  # per copy
    slots: list[list[CatalogRow]]
    starts_mid: bool = False

    @property
    def department(self) -> str | None:
        named = [n for n in self.names if n]
        return majority(named) if named else None

    def key(self) -> Hashable:
        """What identifies the block across copies: its department, or its first row when unknown."""
        if self.department:
            return self.department
        first = self.slots[0][0] if self.slots and self.slots[0] else None
        return ("?", first.code, first.name) if first else ("?",)


def _slot_key(slot: Sequence[CatalogRow]) -> Hashable:
    return majority((r.code, r.name) for r in slot)


def _copy_blocks(copy: CatalogCopy) -> list[_Block]:
    """A copy's rows split into its department blocks, one reading per slot."""
    grouped: dict[int, list[CatalogRow]] = defaultdict(list)
    for row in copy.rows:
        grouped[row.block].append(row)
    blocks = []
    for index, rows in grouped.items():
        blocks.append(
            _Block(
                names=[rows[0].department],
                evidence=rows[0].department_evidence,
                truncated=[index in copy.truncated_blocks],
                slots=[[r] for r in rows],
            )
        )
    if blocks and copy.notice.series == "A" and copy.rows[0].level > 1:
        blocks[0].starts_mid = True
    return blocks


def _code_fallback(a: Sequence[Sequence[CatalogRow]], b: Sequence[CatalogRow]) -> Callable[[range, range], list[Pair]]:
    """Inside a stretch where names differ, pair rows that print the same code."""

    def pair(ra: range, rb: range) -> list[Pair]:
        codes_a = [majority(r.code for r in a[i]) for i in ra]
        codes_b = [b[j].code for j in rb]
        return [
            (ra[i] if i is not None else None, rb[j] if j is not None else None) for i, j in align(codes_a, codes_b)
        ]

    return pair


def _merge_slots(slots: list[list[CatalogRow]], rows: Sequence[CatalogRow]) -> list[list[CatalogRow]]:
    """Add one copy's rows of a block to the slots gathered so far, keeping document order."""
    keys_a = [_slot_key(s) for s in slots]
    keys_b = [(r.code, r.name) for r in rows]
    merged: list[list[CatalogRow]] = []
    for i, j in align(keys_a, keys_b, _code_fallback(slots, rows)):
        slot = list(slots[i]) if i is not None else []
        if j is not None:
            slot.append(rows[j])
        merged.append(slot)
    return merged


def _merge_blocks(blocks: list[_Block], other: list[_Block]) -> list[_Block]:
    """Add one copy's blocks to those gathered so far, pairing blocks of the same department."""
    merged: list[_Block] = []
    for i, j in align([b.key() for b in blocks], [b.key() for b in other]):
        if i is None:
            assert j is not None
            merged.append(other[j])
        elif j is None:
            merged.append(blocks[i])
        else:
            a, b = blocks[i], other[j]
            merged.append(
                _Block(
                    names=a.names + b.names,
                    evidence=a.evidence or b.evidence,
                    truncated=a.truncated + b.truncated,
                    slots=_merge_slots(a.slots, [s[0] for s in b.slots]),
                    starts_mid=a.starts_mid and b.starts_mid,
                )
            )
    return merged


# --------------------------------------------------------------------------- one revision


@dataclass
class _Merged:
    """A revision while it is being reconciled."""

    name: str
    copies: list[CatalogCopy]
    blocks: list[_Block]
    issues: list[Issue] = field(default_factory=list)

    @property
    def series(self) -> Literal["A", "B"]:
        return majority(c.notice.series for c in self.copies)


def _merge_revision(name: str, copies: list[CatalogCopy]) -> _Merged:
    """All copies of one revision, aligned block by block and row by row (copies in file order).

    Copies that print exactly the same rows are aligned once: every further identical copy puts its rows
    in the slots of its twin's rows. Alignment cost grows with the distinct readings, not with the number
    of documents that attach the same catalog (a county's units mostly attach the same file).
    """
    copies = sorted(copies, key=lambda c: (c.notice.source.file, c.notice.source.line))
    twins: dict[Hashable, list[CatalogCopy]] = {}
    for copy in copies:
        twins.setdefault(_reading(copy), []).append(copy)
    distinct = [group[0] for group in twins.values()]
    blocks = _copy_blocks(distinct[0])
    for copy in distinct[1:]:
        blocks = _merge_blocks(blocks, _copy_blocks(copy))
    _add_twins(blocks, [group for group in twins.values() if len(group) > 1])
    return _Merged(name, copies, blocks)


def _reading(copy: CatalogCopy) -> Hashable:
    """What a copy prints, where aside (its lines, and the file and line its evidence of a department cites):
    two copies with one reading align identically. With the place kept, every document attaching a catalog
    whose department is recovered was a reading of its own, and aligning them grew with the square of their
    number (19 s of a thousand documents' reconciling, now 3.5 s)."""
    here = re.compile(re.escape(copy.notice.source.file) + r":\d+")
    rows = tuple((r.block, r.code, r.printed_code, r.level, r.name, r.name_raw, r.department, tuple(r.flags),
                  r.parent_code, r.department_evidence and here.sub("", r.department_evidence)) for r in copy.rows)
    return rows, tuple(copy.truncated_blocks)


def _add_twins(blocks: list[_Block], groups: list[list[CatalogCopy]]) -> None:
    """Put the rows of each identical copy in the slots of its twin's rows, and count its block readings."""
    slot_of = {id(row): slot for block in blocks for slot in block.slots for row in slot}
    block_of = {id(row): block for block in blocks for slot in block.slots for row in slot}
    for first, *others in groups:
        for other in others:
            seen: set[int] = set()
            for mine, theirs in zip(first.rows, other.rows, strict=True):
                slot_of[id(mine)].append(theirs)
                block = block_of[id(mine)]
                if id(block) not in seen:
                    seen.add(id(block))
                    block.names.append(theirs.department)
                    block.truncated.append(theirs.block in other.truncated_blocks)


# --------------------------------------------------------------------------- departments across revisions


@dataclass
class _Evidence:
    """Where a code and name is printed under a known department in one revision."""

    revision: str
    department: str
    source: SourceRef


def _evidence_index(merged: Sequence[_Merged]) -> dict[tuple[str, str], list[_Evidence]]:
    """(code, name) → every department of every revision that prints it under a known department."""
    index: dict[tuple[str, str], list[_Evidence]] = defaultdict(list)
    for rev in merged:
        for block in rev.blocks:
            if block.department is None:
                continue
            for slot in block.slots:
                code, name = _slot_key(slot)
                index[(code, name)].append(_Evidence(rev.name, block.department, slot[0].source))
    return index


def _department_scores(
    block: _Block, revision: str, index: dict[tuple[str, str], list[_Evidence]]
) -> tuple[Counter[str], dict[str, list[str]]]:
    """Evidence for each candidate department of an orphaned block, with examples deepest rows first.

    A row counts 1 / (departments printing the same code and name in that revision): a leaf that only one
    department prints is strong evidence, a shared category row (A16 行业管理服务) almost none.
    """
    scores: Counter[str] = Counter()
    examples: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for slot in block.slots:
        code, name = _slot_key(slot)
        level = majority(r.level for r in slot)
        per_revision: dict[str, set[str]] = defaultdict(set)
        sources: dict[tuple[str, str], SourceRef] = {}
        for ev in index.get((code, name), []):
            if ev.revision != revision:
                per_revision[ev.revision].add(ev.department)
                sources.setdefault((ev.revision, ev.department), ev.source)
        for rev, departments in per_revision.items():
            for department in departments:
                scores[department] += 1 / len(departments)
                if len(departments) == 1:
                    examples[department].append((level, f"{code} {name} in {rev} ({sources[(rev, department)]})"))
    return scores, {d: [text for _, text in sorted(ex, key=lambda e: -e[0])] for d, ex in examples.items()}


def _recover_departments(merged: Sequence[_Merged]) -> None:
    """Give orphaned A-series blocks the department that other revisions print their rows under.

    The best department must rest on at least one row no other department prints and beat the runner-up;
    otherwise the department stays unknown, with an Issue.
    """
    index = _evidence_index(merged)
    for rev in merged:
        if rev.series != "A":
            continue
        for block in rev.blocks:
            if block.department is not None or not block.slots:
                continue
            scores, examples = _department_scores(block, rev.name, index)
            ranked = scores.most_common(2)
            if ranked and ranked[0][1] >= 1 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
                department = ranked[0][0]
                block.names = [department]
                shown = "; ".join(examples[department][:3])
                more = len(examples[department]) - 3
                block.evidence = f"same code and name printed under {department} in another revision: {shown}" + (
                    f" and {more} more" if more > 0 else ""
                )


# --------------------------------------------------------------------------- entries


def _entry(slot: Sequence[CatalogRow], department: str | None, evidence: str | None, order: int) -> CatalogEntry:
    """One entry from the readings of all copies: each field is the reading most copies print."""
    name = majority(r.name for r in slot)
    variants: dict[str, list[SourceRef]] = {}
    for row in slot:
        if row.name != name:
            variants.setdefault(row.name, []).append(row.source)
    printed = Counter(f for r in slot for f in r.flags)
    flags = [f for f in ROW_FLAGS if printed[f] * 2 > len(slot)]
    if evidence:
        flags.append("recovered_department")
    return CatalogEntry(
        revision=slot[0].revision,
        department=department,
        code=majority(r.code for r in slot),
        level=majority(r.level for r in slot),
        name=name,
        parent_code=majority(r.parent_code for r in slot),
        sources=[r.source for r in slot],
        names_raw=[r.name_raw for r in slot],
        variants=variants,
        flags=flags,
        order=order,
        department_evidence=evidence,
    )


def _entries(rev: _Merged) -> tuple[list[CatalogEntry], dict[int, int]]:
    """The revision's entries in document order, and entry index → block index."""
    entries: list[CatalogEntry] = []
    block_of: dict[int, int] = {}
    for b, block in enumerate(rev.blocks):
        for slot in block.slots:
            block_of[len(entries)] = b
            entries.append(_entry(slot, block.department, block.evidence, len(entries)))
    index_of = {id(e): k for k, e in enumerate(entries)}

    def group(item: Coded) -> object:
        assert isinstance(item, CatalogEntry)
        return item.department if item.department is not None else ("block", block_of[index_of[id(item)]])

    flag_duplicate_codes(entries, group)
    flag_numbering_gaps(entries, group, patterns().numbered_levels.get(rev.series, frozenset()))
    return entries, block_of


def _variant_issues(rev: _Merged, entries: Sequence[CatalogEntry]) -> list[Issue]:
    """Warnings where copies disagree: a name, a code or a department printed differently."""
    issues = []
    for entry in entries:
        for name, sources in entry.variants.items():
            issues.append(
                Issue(
                    "warning",
                    "variant_reading",
                    f"{entry.code} reads {entry.name} in most copies and {name or '(no name)'} at "
                    + ", ".join(map(str, sources)),
                    sources[0],
                    rev.name,
                    entry.department,
                    entry.code,
                    entry.level,
                )
            )
    for block in rev.blocks:
        printed = {n for n in block.names if n}
        if len(printed) > 1 and block.slots:
            issues.append(
                Issue(
                    "warning",
                    "variant_department",
                    f"the copies print this department as {' / '.join(sorted(printed))}; "
                    f"{block.department} is the reading most copies print",
                    block.slots[0][0].source,
                    rev.name,
                    block.department,
                )
            )
    return issues


def _block_issues(rev: _Merged) -> list[Issue]:
    """truncated_department where every copy of a block is cut; unknown departments stay with a warning."""
    issues = []
    for block in rev.blocks:
        if not block.slots:
            continue
        first, last = block.slots[0][0], block.slots[-1][0]
        if all(block.truncated):
            who = block.department or "a department whose header was lost"
            issues.append(
                Issue(
                    "anomaly",
                    "truncated_department",
                    f"the block of {who} is cut short in every copy (surviving rows {first.code} to {last.code}); "
                    "rows beyond the cut are not in the surviving text",
                    first.source,
                    rev.name,
                    block.department,
                )
            )
        if block.department is None and rev.series == "A":
            issues.append(
                Issue(
                    "warning",
                    "department_unknown",
                    f"rows {first.code} to {last.code} follow a lost department header and no document holds "
                    "evidence of their department",
                    first.source,
                    rev.name,
                )
            )
    return issues


def _is_fragment(rev: _Merged, departments: int, merged: Sequence[_Merged]) -> tuple[bool, int]:
    """Whether only part of the revision survives, and the department count it was compared with.

    It must start inside a department in every copy and hold fewer than half the departments of the
    contents list or of the fullest other revision of its series; with nothing to compare, starting inside
    a department is all there is to go on.
    """
    starts_mid = bool(rev.blocks) and rev.blocks[0].starts_mid
    references = [len(c.contents) for c in rev.copies]
    references += [
        len({b.department for b in other.blocks if b.department})
        for other in merged
        if other is not rev and other.series == rev.series
    ]
    reference = max(references, default=0)
    if not starts_mid:
        return False, reference
    return (departments * 2 < reference) if reference else True, reference


def _build_revision(rev: _Merged, merged: Sequence[_Merged]) -> Revision:
    """The reconciled revision with its entries, departments and anomalies."""
    entries, _ = _entries(rev)
    notices = [c.notice for c in rev.copies]
    departments = list(dict.fromkeys(b.department for b in rev.blocks if b.department and b.slots))
    truncated = list(dict.fromkeys(b.department for b in rev.blocks if b.department and b.slots and all(b.truncated)))
    fragment, reference = _is_fragment(rev, len(departments), merged)
    issues = [flag_issue(f, e, e.sources[0], rev.name, e.department) for e in entries for f in e.flags]
    issues += _block_issues(rev)
    if fragment:
        issues.append(fragment_issue(rev.name, notices[0].source, len(departments), reference))
    issues += _variant_issues(rev, entries)
    return Revision(
        revision=rev.name,
        series=rev.series,
        doc_no=majority(n.doc_no for n in notices),
        title=majority(n.title for n in notices),
        issued=majority(n.issued for n in notices),
        supersedes=None,
        supersedes_doc_nos=list(dict.fromkeys(d for n in notices for d in n.supersedes_doc_nos)),
        fragment=fragment,
        departments=departments,
        truncated_departments=truncated,
        entries=entries,
        sources=[n.source for n in notices],
        issues=issues,
    )


def _resolve_supersedes(revisions: Sequence[Revision]) -> None:
    """`supersedes`: the revision of this corpus whose 文号 the notice repeals, if there is one."""
    by_doc_no = {r.doc_no: r.revision for r in revisions}
    for revision in revisions:
        found = [by_doc_no[d] for d in revision.supersedes_doc_nos if d in by_doc_no and d != revision.doc_no]
        revision.supersedes = found[0] if found else None


def reconcile(copies: list[CatalogCopy]) -> list[Revision]:
    """One Revision per catalog revision found in the copies, ordered by series and issue date."""
    by_revision: dict[str, list[CatalogCopy]] = defaultdict(list)
    for copy in copies:
        by_revision[copy.notice.revision].append(copy)
    merged = [_merge_revision(name, group) for name, group in by_revision.items()]
    _recover_departments(merged)
    revisions = [_build_revision(rev, merged) for rev in merged]
    _resolve_supersedes(revisions)
    return sorted(revisions, key=lambda r: (r.series, r.issued or "", r.revision))
