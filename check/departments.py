"""Which catalog department a budget unit belongs to, with the evidence for it.

Why matching names rather than a table of units: units are many and new ones come with every disclosure,
while the catalog's departments are few and named after the government bodies they serve. A unit's own
name ("吕梁市工业和信息化局") usually contains its department ("工业和信息化"); where it does not
(柳林县社会保险中心), the 主管部门 printed in its 绩效目标表 ("柳林县人力资源和社会保障局") or a keyword of
unit_departments.tsv does. The TSV also holds explicit overrides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import data_file, norm

_PREFIX_CODE = re.compile(r"^\d+[-－—]")
_TAGS = re.compile(r"[\[（(【][^\]）)】]*[\]）)】]")
_REGION = re.compile(r"^(中国共产党|中共|中国)?(山西省)?([\u4e00-\u9fff]{1,6}?(市|地区|自治州|盟))?"
                     r"([\u4e00-\u9fff]{1,6}?(县|区|市|旗))?")
_SUFFIX = re.compile(r"(管理局|服务中心|事务中心|委员会|办公室|办公厅|中心|局|厅|委|办|站|所)$")


@dataclass(frozen=True)
class DepartmentMatch:
    department: str | None
    evidence: str
    method: str  # override | keyword | name | competent | none
    score: float

    def as_dict(self) -> dict[str, object]:
        return {"department": self.department, "evidence": self.evidence, "method": self.method,
                "score": round(self.score, 3)}


def _core(name: str, regions: tuple[str, ...] = ()) -> str:
    """A unit or department name without region, 文号-like codes, bracketed tags and its organ suffix."""
    text = _TAGS.sub("", _PREFIX_CODE.sub("", norm(name)))
    for region in regions:
        if region:
            text = text.replace(region, "")
    text = text.replace("山西省", "")
    return text


def _lcs(a: str, b: str) -> int:
    """Length of the longest common substring (names are short: the quadratic DP is fine)."""
    best = 0
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


class DepartmentMapper:
    """Maps unit names to the catalog's department names."""

    def __init__(self, departments: set[str], table: str | None = None) -> None:
        self.departments = departments
        self.overrides: dict[str, tuple[str, str]] = {}
        self.keywords: list[tuple[str, str, str]] = []
        for line in (table if table is not None else data_file("unit_departments.tsv")).splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            cells = [c.strip() for c in line.split("\t")]
            match, pattern, department = cells[:3]
            why = cells[3] if len(cells) > 3 else ""
            if match == "unit":
                self.overrides[norm(pattern)] = (department, why)
            elif match == "keyword":
                self.keywords.append((norm(pattern), department, why))
        self.keywords.sort(key=lambda k: -len(k[0]))

    def _by_name(self, name: str, regions: tuple[str, ...]) -> tuple[str | None, float]:
        core = _core(name, regions)
        stripped = _SUFFIX.sub("", core)
        best: tuple[str | None, float, int] = (None, 0.0, 0)
        for dept in self.departments:
            dcore = _SUFFIX.sub("", _TAGS.sub("", norm(dept)))
            if not dcore:
                continue
            common = _lcs(stripped or core, dcore)
            if common < 2:
                continue
            score = common / len(dcore)
            if (score, common) > (best[1], best[2]):
                best = (dept, score, common)
        return best[0], best[1]

    def map(self, unit: str, competent: list[str] | None = None, regions: tuple[str, ...] = ()) -> DepartmentMatch:
        """The department of `unit`; `competent` are the 主管部门 names printed for it."""
        key = norm(unit)
        if key in self.overrides:
            dept, why = self.overrides[key]
            return DepartmentMatch(dept, f"unit_departments.tsv: {unit} → {dept}（{why}）", "override", 1.0)
        names = [("name", unit)] + [("competent", c) for c in competent or [] if norm(c) != key]
        best = DepartmentMatch(None, "单位名称与目录部门名称无匹配", "none", 0.0)
        for method, name in names:
            dept, score = self._by_name(name, regions)
            if dept is not None and score > best.score:
                label = "单位名称" if method == "name" else "主管部门"
                best = DepartmentMatch(dept, f"{label}“{_TAGS.sub('', _PREFIX_CODE.sub('', name))}”含目录部门"
                                             f"“{dept}”的名称", method, score)
        if best.score >= 0.99:
            return best
        for method, name in names:
            text = norm(name)
            for word, dept, why in self.keywords:
                if word in text and dept in self.departments:
                    label = "单位名称" if method == "name" else "主管部门"
                    return DepartmentMatch(dept, f"{label}“{_TAGS.sub('', _PREFIX_CODE.sub('', name))}”含“{word}”"
                                                 f"（{why}）→ {dept}", "keyword", 0.95)
        return best if best.score >= 0.5 else DepartmentMatch(None, best.evidence, "none", best.score)


def resolve_department(name: str, departments: set[str]) -> str | None:
    """A department named by a user ("工信", "人社局", "政协") as the catalog prints it."""
    text = norm(name)
    if text in departments:
        return text
    match = DepartmentMapper(departments).map(text)
    return match.department

