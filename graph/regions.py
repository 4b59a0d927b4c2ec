"""Where a budget unit sits in Shanxi: its county-level division and prefecture city, from its name.

Disclosures name the unit ("永和县行政审批服务管理局", "孝义市行政审批服务管理局", "吕梁市工业和信息化局") but
not its place in the administrative hierarchy, so the hierarchy is data (shanxi_regions.tsv: the 11 prefecture
cities and their 117 districts, counties and county-level cities), and this module only looks names up in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .records import AdminLevel

_DATA = Path(__file__).with_name("shanxi_regions.tsv")
_LEVEL_OF_KIND: dict[str, AdminLevel] = {
    # The records contract has no district level: a 市辖区 is a county-level division like a 县.
    "县": "county",
    "市辖区": "county",
    "县级市": "county-level city",
}


@dataclass(frozen=True)
class Region:
    """A unit's place: county-level division (None for a prefecture-level unit) and prefecture city."""

    county: str | None
    prefecture_city: str
    admin_level: AdminLevel


@dataclass(frozen=True)
class _Division:
    prefecture_city: str
    name: str
    kind: str

    @property
    def needles(self) -> tuple[str, ...]:
        """The spellings that identify this division inside a unit name.

        A generic district name (城区, 矿区, 郊区) says nothing on its own, so it only counts when its city is
        printed in front of it.
        """
        qualified = self.prefecture_city + self.name
        if self.kind == "市辖区" and len(self.name) <= 2:
            return (qualified,)
        return (qualified, self.name)


@cache
def _divisions() -> tuple[_Division, ...]:
    """The rows of shanxi_regions.tsv (comments and the header skipped)."""
    rows = []
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("prefecture_city\t"):
            continue
        city, name, kind = line.split("\t")
        rows.append(_Division(city, name, kind))
    return tuple(rows)


def prefecture_cities() -> list[str]:
    """The prefecture-level cities, in the order of the data file."""
    return list(dict.fromkeys(d.prefecture_city for d in _divisions()))


def region_of(name: str) -> Region | None:
    """The region a unit name points at: the earliest county-level division it names, else its city.

    Earliest wins because Chinese names go from large to small ("临汾市永和县…"): the first division named
    is the unit's own, later ones are usually objects of its work.
    """
    best: tuple[int, int, _Division] | None = None
    for division in _divisions():
        for needle in division.needles:
            at = name.find(needle)
            if at >= 0:
                key = (at, -len(needle), division)
                if best is None or key[:2] < best[:2]:
                    best = key
    if best is not None:
        division = best[2]
        return Region(division.name, division.prefecture_city, _LEVEL_OF_KIND[division.kind])
    cities = [(name.find(city), city) for city in prefecture_cities() if city in name]
    if cities:
        return Region(None, min(cities)[1], "prefecture city")
    return None
