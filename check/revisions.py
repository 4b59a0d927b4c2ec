"""Which catalog revision is in force on a date, for a department.

Why not simply "the latest": a budget for fiscal year Y is judged by the catalog in force on 1 January Y;
a revision is in force from its issue date until the issue date of the revision that supersedes it; and a
revision that survives in the corpus only as a fragment cannot answer for a department it lacks — then the
latest complete text that has the department answers, marked superseded, and the answer says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class RevisionInfo:
    revision: str
    series: str
    doc_no: str
    issued: str | None
    supersedes: str | None
    fragment: bool
    departments: frozenset[str]
    truncated: frozenset[str] = frozenset()

    @property
    def catalog_doc(self) -> str:
        return self.doc_no + ("（B类）" if self.series == "B" else "")


@dataclass
class Choice:
    """The revisions an answer uses, and why."""

    a: RevisionInfo | None
    b: RevisionInfo | None
    in_force: RevisionInfo | None  # the A revision in force on the date (may differ from `a`)
    date: str | None
    explicit: bool
    superseded: bool = False  # `a` was replaced by a later revision on the date
    fragmentary: bool = False  # the revision in force is a fragment
    department_missing: bool = False  # … and lacks the department asked about
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def one(info: RevisionInfo | None, superseded: bool) -> dict[str, Any] | None:
            if info is None:
                return None
            return {"revision": info.revision, "doc_no": info.doc_no, "catalog_doc": info.catalog_doc,
                    "issued": info.issued, "superseded": superseded, "fragment": info.fragment}

        return {
            "date": self.date,
            "explicit": self.explicit,
            "A": one(self.a, self.superseded),
            "B": one(self.b, False),
            "in_force": self.in_force.revision if self.in_force else None,
            "fragmentary": self.fragmentary,
            "department_missing": self.department_missing,
            "notes": self.notes,
        }


def _issued(info: RevisionInfo) -> str:
    return info.issued or "0000-00-00"


def in_force(revisions: list[RevisionInfo], series: str, on: str) -> RevisionInfo | None:
    """The revision of a series in force on `on` (YYYY-MM-DD): issued by then and not yet superseded.

    A revision is superseded once a revision that repeals it has been issued; among several issued and
    unrepealed ones the latest issued wins (a later notice replaces an earlier one of the same series).
    """
    issued = [r for r in revisions if r.series == series and _issued(r) <= on]
    if not issued:
        return None
    repealed = {r.supersedes for r in issued if r.supersedes}
    live = [r for r in issued if r.revision not in repealed] or issued
    return max(live, key=lambda r: (_issued(r), r.revision))


def choose(revisions: list[RevisionInfo], department: str | None, on: date | str | None = None,
           revision: str | None = None, attached: str | None = None) -> Choice:
    """Pick the A and B revisions for a department on a date, or honour an explicit revision.

    `attached` is the revision printed with the budget document being checked (if any): the answer notes
    when it is not the one in force.
    """
    by_name = {r.revision: r for r in revisions}
    day = on.isoformat() if isinstance(on, date) else (on or date.today().isoformat())
    notes: list[str] = []
    if revision is not None:
        chosen = by_name.get(revision)
        if chosen is None:
            raise ValueError(f"unknown revision {revision!r}; known: {', '.join(sorted(by_name))}")
        if chosen.series == "B":
            a = in_force(revisions, "A", day)
            return Choice(a, chosen, a, day, True, notes=notes)
        b = in_force(revisions, "B", _issued(chosen) if _issued(chosen) > day else day) or in_force(
            revisions, "B", "9999-12-31")
        later = [r for r in revisions if r.supersedes == chosen.revision]
        choice = Choice(chosen, b, chosen, None, True, superseded=bool(later))
        if later:
            notes.append(f"{chosen.revision}（{chosen.doc_no}）已被{later[0].revision}（{later[0].doc_no}）废止")
        _fragment_fallback(choice, revisions, department, notes)
        choice.notes = notes
        return choice

    a = in_force(revisions, "A", day)
    b = in_force(revisions, "B", day)
    choice = Choice(a, b, a, day, False)
    if a is None:
        earliest = min((r for r in revisions if r.series == "A"), key=_issued, default=None)
        if earliest is not None:
            notes.append(f"{day}时语料中尚无已印发的目录；按最早的{earliest.revision}（{earliest.doc_no}，"
                         f"{earliest.issued}印发）回答")
            choice.a = choice.in_force = earliest
    if b is None:
        b_any = [r for r in revisions if r.series == "B"]
        if b_any:
            choice.b = min(b_any, key=_issued)
            notes.append(f"B类目录{choice.b.doc_no}于{choice.b.issued}印发，晚于{day}；仅供参考")
    _fragment_fallback(choice, revisions, department, notes)
    if attached and choice.in_force is not None and attached != choice.in_force.revision:
        other = by_name.get(attached)
        if other is not None and other.series == "A":
            notes.append(f"文件所附目录为{other.revision}（{other.doc_no}），而{day}施行的是"
                         f"{choice.in_force.revision}（{choice.in_force.doc_no}）")
    choice.notes = [n for n in notes if n]
    return choice


def _fragment_fallback(choice: Choice, revisions: list[RevisionInfo], department: str | None,
                       notes: list[str]) -> None:
    """If the chosen A revision is a fragment lacking the department, answer from the latest complete text."""
    a = choice.a
    if a is None or not a.fragment:
        return
    choice.fragmentary = True
    if department is None or department in a.departments:
        notes.append(f"{a.revision}（{a.doc_no}）在语料中仅存片段，但含{department or '所问部门'}")
        return
    choice.department_missing = True
    older = [r for r in revisions if r.series == "A" and r is not a and not r.fragment
             and department in r.departments and _issued(r) <= _issued(a)]
    newer = [r for r in revisions if r.series == "A" and r is not a and not r.fragment
             and department in r.departments]
    fallback = max(older, key=_issued) if older else (min(newer, key=_issued) if newer else None)
    if fallback is None:
        notes.append(f"{a.revision}（{a.doc_no}）仅存片段且不含{department}，语料中也没有含该部门的完整文本")
        return
    notes.append(f"施行中的{a.revision}（{a.doc_no}）在语料中仅存片段，不含{department}；"
                 f"按含该部门的最近完整文本{fallback.revision}（{fallback.doc_no}）回答，该版本已被取代")
    choice.a = fallback
    choice.superseded = _issued(fallback) <= _issued(a)
