"""A synthetic corpus of N disclosures generated from the five bundled ones, for scale benchmarks.

Each synthetic document is one of the five with its unit moved to another Shanxi county (the unit name
changes everywhere it is printed), its project rows renamed and their amounts scaled. The layout, the
noise and the attached catalog stay as printed, so the readers do the same work as on real documents.
"""

from __future__ import annotations

import argparse
import csv
import random
from decimal import Decimal
from importlib import resources
from pathlib import Path

from budgetkg import settings
from budgetkg.graph.budget_reader import read_budget
from budgetkg.graph.source_text import load_source


def counties() -> list[str]:
    text = resources.files("budgetkg.graph").joinpath("shanxi_regions.tsv").read_text(encoding="utf-8")
    rows = csv.reader((line for line in text.splitlines() if not line.startswith("#")), delimiter="\t")
    next(rows)
    return [name for _city, name, kind in rows if kind in ("县", "县级市")]


def _scale(cell: str, factor: Decimal) -> str:
    try:
        value = Decimal(cell.replace(",", ""))
    except ArithmeticError:
        return cell
    return str((value * factor).quantize(Decimal("0.01")))


def variant(lines: list[str], unit: str, county: str, project_lines: list[int], number: int,
            rng: random.Random) -> list[str]:
    """The template's lines with the unit moved to `county` and its project rows varied."""
    old_county = next((c for c in counties() if unit.find(c) >= 0), None)
    new_unit = unit.replace(old_county, county) if old_county else f"{county}{unit}"
    out = [line.replace(unit, new_unit) for line in lines]
    factor = Decimal(rng.randint(50, 200)) / Decimal(100)
    for line_no in project_lines:
        cells = out[line_no - 1].split("\t")
        cells[0] = f"{cells[0]}（{number}）"
        cells[1:] = [_scale(c, factor) if c.strip() else c for c in cells[1:]]
        out[line_no - 1] = "\t".join(cells)
    return out


def generate(n: int, out: Path, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    templates = []
    for path in settings.bundled_corpus():
        source = load_source(path)
        doc = read_budget(source)
        rows = [r.source.line for t in doc.tables for r in t.projects if not r.is_unit_total]
        templates.append((path.stem, source.lines, doc.unit.name, rows))
    places = counties()
    written = []
    for i in range(n):
        stem, lines, unit, rows = templates[i % len(templates)]
        county = places[rng.randrange(len(places))]
        path = out / f"syn{i:04d}_{stem}.txt"
        path.write_text("\n".join(variant(lines, unit, county, rows, i, rng)) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    paths = generate(args.docs, args.out)
    print(f"wrote {len(paths)} documents to {args.out}")


if __name__ == "__main__":
    main()
