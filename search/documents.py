"""The document the search engine indexes: one flat record per graph entity.

The graph side produces these (one per unit, project, catalog entry, 科目 and paragraph); the engine never looks
at the graph itself, so a different backend can index the same records. `to_json`/`from_json` are the wire format
of `bench/search.py --docs-from FILE.jsonl` (one object per line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

DOC_TYPES = ("unit", "project", "catalog_entry", "subject", "paragraph")


@dataclass
class SearchDoc:
    id: str  # the entity's IRI (unique)
    type: str  # "unit" | "project" | "catalog_entry" | "subject" | "paragraph"
    title: str  # display title (entry name, project name, unit name, 科目 name, first words of a paragraph)
    body: str = ""  # main text: duties, 项目概况 + 立项依据 + indicators, paragraph text …
    path_names: str = ""  # catalog entry: names along its code path (一级 … 四级), space-joined
    codes: list[str] = field(default_factory=list)  # A160502, its ancestors' codes, 科目 codes (2080505)…
    department: str | None = None  # catalog department (e.g. 行政审批); None for B-class
    revision: str | None = None  # 2023 | 2024 | 2025 | B2023
    doc_no: str | None = None  # 晋财综〔2023〕43号
    unit: str | None = None
    year: int | None = None
    region: str | None = None  # county / prefecture city
    amount: Decimal | None = None  # 万元, for sort by amount
    file: str | None = None  # source document file name
    line: int | None = None  # source line
    extra: dict[str, str] = field(default_factory=dict)  # identifying fields to return unchanged (name, code …)

    @property
    def own_code(self) -> str | None:
        """The entity's own code: `extra["code"]` when given, else the first of `codes` (ancestors follow it)."""
        code = self.extra.get("code") or (self.codes[0] if self.codes else None)
        return code or None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "body": self.body,
            "path_names": self.path_names,
            "codes": list(self.codes),
            "department": self.department,
            "revision": self.revision,
            "doc_no": self.doc_no,
            "unit": self.unit,
            "year": self.year,
            "region": self.region,
            "amount": None if self.amount is None else str(self.amount),
            "file": self.file,
            "line": self.line,
            "extra": dict(self.extra),
        }
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SearchDoc:
        """Reads one exported record; unknown keys are ignored so exports may carry more than the engine needs."""
        try:
            doc_id, doc_type, title = str(data["id"]), str(data["type"]), str(data.get("title") or "")
        except KeyError as exc:
            raise ValueError(f"search document without {exc.args[0]!r}: {data!r:.200}") from None
        amount = data.get("amount")
        year = data.get("year")
        line = data.get("line")
        return cls(
            id=doc_id,
            type=doc_type,
            title=title,
            body=str(data.get("body") or ""),
            path_names=str(data.get("path_names") or ""),
            codes=[str(c) for c in data.get("codes") or []],
            department=_opt_str(data.get("department")),
            revision=_opt_str(data.get("revision")),
            doc_no=_opt_str(data.get("doc_no")),
            unit=_opt_str(data.get("unit")),
            year=None if year in (None, "") else int(year),
            region=_opt_str(data.get("region")),
            amount=_to_decimal(amount),
            file=_opt_str(data.get("file")),
            line=None if line in (None, "") else int(line),
            extra={str(k): str(v) for k, v in (data.get("extra") or {}).items() if v is not None},
        )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _to_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None
