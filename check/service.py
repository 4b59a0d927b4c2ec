"""The officer's check: may this department buy this service, under which revision — and the revision diff.

`CheckService(workspace).check(...)` is what the CLI, the web app, the build's linking step and the
evaluation all call, so they cannot disagree. Order of decision (shared/eval/README.md): a 第十条 item →
`prohibited`; nothing bought from outside → `not-a-service`; an entry of the unit's own department →
`purchasable-own-catalog`; a B-class entry → `purchasable-b-class`; another department's entry →
`only-other-department`; otherwise `not-in-catalog`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date
from typing import TYPE_CHECKING, Any

from ..store.repository import load_query
from .catalog import CatalogModel, Entry
from .departments import DepartmentMapper, DepartmentMatch, resolve_department
from .explain import explain, explanation_path
from .kinds import KindResult, classifier
from .lineage import Lineage
from .prohibitions import Prohibition, prohibitions
from .ranking import Candidate, Scorer
from .revisions import Choice, choose
from .text import norm, synonyms

if TYPE_CHECKING:  # the check needs only a store, its repository and a cache: a Workspace or linking's GraphView
    from ..workspace import Workspace

NOT_SERVICE_KINDS = ("transfer", "personnel", "own_operations")
JUDGED_CACHE = 20_000  # requests whose ranking is kept (a few KB each)

# kind, prohibitions, and the ranked entries: own department, other departments, B-class
_Judged = tuple[KindResult, list[Prohibition], list[Candidate], list[Candidate], list[Candidate]]


class CheckError(ValueError):
    """A request the check cannot answer (unknown project, department, revision …)."""


@dataclass
class ProjectInfo:
    iri: str
    name: str
    unit: str
    fiscal_year: int
    file: str
    line: int
    total_wan: str | None
    fields: dict[str, str | None]
    competent: list[str]


class CheckService:
    """Answers checks against one published generation; keeps its in-memory model in `workspace.cache`."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        cache = workspace.cache
        if "check.model" not in cache:
            cache["check.model"] = CatalogModel(workspace.repo)
        self.model: CatalogModel = cache["check.model"]
        if "check.lineage" not in cache:
            cache["check.lineage"] = Lineage(self.model)
        self.lineage: Lineage = cache["check.lineage"]
        self.scorer = Scorer(self.model)
        self.mapper = DepartmentMapper(self.model.departments())
        self._projects: list[ProjectInfo] | None = cache.get("check.projects")
        self._units: dict[str, dict[str, Any]] | None = cache.get("check.units")
        self._judged: dict[tuple[Any, ...], _Judged] = cache.setdefault("check.judged", {})

    # ------------------------------------------------------------------ budget side
    def projects(self) -> list[ProjectInfo]:
        if self._projects is None:
            out = []
            for r in self.ws.store.select(load_query("check_projects")):
                where = self.ws.repo.source(r["loc"]) or {"file": "", "line": 0}
                goals = "；".join(x for x in (r["necessity"], r["goal_implementation"], r["goal_annual"]) if x)
                out.append(ProjectInfo(
                    r["project"], r["name"], r["unit_name"], int(r["fiscal_year"]), where["file"], int(where["line"]),
                    r["total"], {"text": r["name"], "overview": r["overview"], "goals": goals or None,
                                 "indicators": r["indicators"] or None},
                    [c for c in (r["competents"] or "").split("|") if c]))
            self._projects = self.ws.cache["check.projects"] = out
        return self._projects

    def units(self) -> dict[str, dict[str, Any]]:
        if self._units is None:
            units: dict[str, dict[str, Any]] = {}
            for r in self.ws.store.select(load_query("check_units")):
                u = units.setdefault(r["unit_name"], {"name": r["unit_name"], "iri": r["unit"], "competent": [],
                                                      "regions": (r["county"] or "", r["prefecture_city"] or ""),
                                                      "files": []})
                u["competent"].extend(c for c in (r["competents"] or "").split("|") if c)
                u["files"].append((self.ws.repo.source(r["loc"]) or {}).get("file"))
            self._units = self.ws.cache["check.units"] = units
        return self._units

    def unit_department(self, unit: str) -> DepartmentMatch:
        """The unit's catalog department (memoised: a unit's evidence does not change within a generation)."""
        memo: dict[str, DepartmentMatch] = self.ws.cache.setdefault("check.unit_departments", {})
        if unit not in memo:
            info = self.units().get(unit)
            memo[unit] = (self.mapper.map(unit) if info is None else
                          self.mapper.map(unit, list(dict.fromkeys(info["competent"])), info["regions"]))
        return memo[unit]

    def find_project(self, name: str, unit: str | None = None) -> tuple[ProjectInfo, list[str]]:
        key = norm(name)
        index: dict[str, list[ProjectInfo]] | None = self.ws.cache.get("check.project_index")
        if index is None:
            index = {}
            for p in self.projects():
                index.setdefault(norm(p.name), []).append(p)
            self.ws.cache["check.project_index"] = index
        found = [p for p in index.get(key, []) if unit is None or p.unit == unit]
        if not found:
            found = [p for p in self.projects() if key in norm(p.name) and (unit is None or p.unit == unit)]
        if not found:
            raise CheckError(f"no project named {name!r}" + (f" of unit {unit!r}" if unit else ""))
        notes = []
        if len(found) > 1:
            notes.append(f"有{len(found)}个项目名为“{found[0].name}”，按第一个（{found[0].file}:{found[0].line}）回答")
        return found[0], notes

    # ------------------------------------------------------------------ the check
    def check(self, text: str | None = None, project: str | ProjectInfo | None = None, department: str | None = None,
              unit: str | None = None, date: str | Date | None = None, revision: str | None = None) -> dict[str, Any]:
        if not text and project is None:
            raise CheckError("give a request text or --project")
        notes: list[str] = []
        info: ProjectInfo | None = None
        if project is not None:
            if isinstance(project, ProjectInfo):
                info = project
            else:
                info, more = self.find_project(project, unit)
                notes.extend(more)
            unit = unit or info.unit
        dept_match: DepartmentMatch | None = None
        if department:
            resolved = resolve_department(department, self.model.departments())
            if resolved is None:
                raise CheckError(f"unknown catalog department {department!r}")
            dept_match = DepartmentMatch(resolved, f"由提问指定：{department}", "given", 1.0)
        elif unit:
            dept_match = self.unit_department(unit)
        if dept_match is None:
            raise CheckError("give --department or --unit (or --project)")
        dept = dept_match.department

        attached = None
        if info is not None:
            attached = next((r for r in self.model.attached.get(info.file, [])
                             if (self.model.revision(r) or _NO).series == "A"), None)
            if date is None and revision is None:
                date = f"{info.fiscal_year}-01-01"
                notes.append(f"预算年度{info.fiscal_year}年，按{date}施行的目录判断")
        try:
            choice = choose(self.model.revisions, dept, date, revision, attached)
        except ValueError as exc:
            raise CheckError(str(exc)) from exc
        choice.notes = notes + choice.notes

        fields = dict(info.fields) if info is not None else {"text": text}
        if info is not None and text:
            fields["text"] = f"{info.name} {text}"
        result = self._decide(fields, dept, choice, info.file if info else None)
        result.update({
            "request": {"text": text, "project": info.name if info else None, "unit": unit,
                        "project_id": info.iri if info else None,
                        "source": {"file": info.file, "line": info.line} if info else None,
                        "fiscal_year": info.fiscal_year if info else None,
                        "total_wan": info.total_wan if info else None},
            "department": dept,
            "department_evidence": dept_match.as_dict(),
            "revision": choice.as_dict(),
        })
        best = next((result[k][0] for k in ("own_department", "b_class", "other_departments") if result[k]), None)
        if result["verdict"] in ("prohibited", "not-a-service", "not-in-catalog"):
            best = None
        result["explanation_path"] = explanation_path(info.name if info else (text or ""), unit, dept, best)
        result["explanation"] = explain(result)
        return result

    def _decide(self, fields: dict[str, str | None], dept: str | None, choice: Choice, file: str | None,
                ) -> dict[str, Any]:
        a_rev = choice.a.revision if choice.a else None
        b_rev = choice.b.revision if choice.b else None
        key = (tuple(sorted((k, v) for k, v in fields.items() if v)), dept, a_rev, b_rev)
        judged = self._judged.get(key)
        if judged is None:
            if len(self._judged) >= JUDGED_CACHE:
                self._judged.clear()
            judged = self._judged[key] = self._judge(fields, dept, a_rev, b_rev)
        kind, banned, own, other, b_class = judged
        t = self.scorer.threshold
        own_cover = [c for c in own if c.score >= t]
        b_cover = [c for c in b_class if c.score >= t]
        other_cover = [c for c in other if c.score >= t]
        if own_cover and b_cover and b_cover[0].score - own_cover[0].score >= self.scorer.b_margin:
            own_cover = []
        if banned:
            verdict = "prohibited"
        elif kind.principal in NOT_SERVICE_KINDS:
            verdict = "not-a-service"
        elif own_cover:
            verdict = "purchasable-own-catalog"
        elif b_cover:
            verdict = "purchasable-b-class"
        elif other_cover:
            verdict = "only-other-department"
        else:
            verdict = "not-in-catalog"
        limit = self.scorer.list_limit
        listed = verdict not in ("prohibited", "not-a-service")
        near = sorted([c for c in own + b_class + other if c.score < t or not listed], key=lambda c: -c.score)
        return {
            "verdict": verdict,
            "kind": kind.kind,
            "kind_detail": kind.as_dict(),
            "prohibited": [p.as_dict() for p in banned],
            "own_department": [self._entry(c, file) for c in own_cover[:limit]] if listed else [],
            "b_class": [self._entry(c, file) for c in b_cover[:limit]] if listed else [],
            "other_departments": ([self._entry(c, file, history=False) for c in other_cover[:limit]]
                                  if listed and not own_cover else []),
            "near_misses": [self._entry(c, file, history=False) for c in near[:self.scorer.near_miss_limit]],
        }

    def _judge(self, fields: dict[str, str | None], dept: str | None, a_rev: str | None, b_rev: str | None,
               ) -> _Judged:
        """Kind, prohibitions and ranked entries of a request: what does not depend on where it is asked from.

        Kept per request (`_judged`): many projects of a corpus share a name and a department (the same
        standing project in every county, every year), and ranking every leaf of a revision is the check's cost.
        """
        expand = synonyms().expand_text
        plain = {k: expand(norm(v)) for k, v in fields.items() if v}
        kind = classifier().classify(plain)
        banned = prohibitions().check(plain, kind)
        request = self.scorer.request(fields, dept)
        own: list[Candidate] = []
        other: list[Candidate] = []
        b_class: list[Candidate] = []
        if a_rev is not None:
            ranked = self.scorer.rank(self.model.leaves(a_rev), request, self.model.by_bigram.get(a_rev))
            own = [c for c in ranked if dept is not None and c.entry.department == dept]
            other = [c for c in ranked if c.entry.department != dept]
        if b_rev is not None:
            b_class = self.scorer.rank(self.model.leaves(b_rev), request, self.model.by_bigram.get(b_rev))
        return kind, banned, self._shortlist(own), self._shortlist(other), self._shortlist(b_class)

    def _shortlist(self, ranked: list[Candidate]) -> list[Candidate]:
        """The candidates a verdict can show (the best covers, the best near misses): all a memo needs to keep
        of a ranking that may hold hundreds of weak candidates."""
        t, scorer = self.scorer.threshold, self.scorer
        covers = [c for c in ranked if c.score >= t][: max(scorer.list_limit, scorer.near_miss_limit)]
        return covers + [c for c in ranked if c.score < t][: scorer.near_miss_limit]

    def _entry(self, c: Candidate, file: str | None, history: bool = True) -> dict[str, Any]:
        e: Entry = c.entry
        info = self.model.revision(e.revision)
        out = {
            "revision": e.revision,
            "catalog_doc": info.catalog_doc if info else None,
            "doc_no": info.doc_no if info else None,
            "revision_name": e.revision,
            "department": e.department,
            "code": e.code,
            "level": e.level,
            "name": e.name,
            "name_printed": e.printed,
            "code_path": [{"code": code, "name": name} for code, name in e.path],
            "score": round(c.score, 3),
            "matched_terms": c.matched,
            "source": e.source_in(file),
            "entry_id": e.id,
            "flags": e.flags,
        }
        if c.scope_note:
            out["scope_note"] = c.scope_note
        if history:
            out["history"] = self.lineage.history(e)
        return out

    # ------------------------------------------------------------------ revisions over time
    def diff(self, from_rev: str, to_rev: str, department: str | None = None) -> dict[str, Any]:
        dept = resolve_department(department, self.model.departments()) if department else None
        if department and dept is None:
            raise CheckError(f"unknown catalog department {department!r}")
        try:
            return self.lineage.diff(from_rev, to_rev, dept)
        except ValueError as exc:
            raise CheckError(str(exc)) from exc


class _NoRevision:
    series = ""


_NO = _NoRevision()
