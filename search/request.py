"""What a caller sends to a search index and gets back; backend-neutral (no whoosh types in here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .documents import DOC_TYPES

SortOrder = Literal["relevance", "amount"]
Mode = Literal["all", "any", "phrase", "code"]

FACETS = ("type", "revision", "department", "unit", "year", "region")
MAX_PER_PAGE = 100
MAX_PAGE = 1000

# Identifying fields each type always carries in to_json (None when unknown), so a client can key results.
IDENTIFYING_FIELDS: dict[str, tuple[str, ...]] = {
    "project": ("unit", "name"),
    "catalog_entry": ("revision", "department", "code"),
    "unit": ("name",),
    "subject": ("code",),
    "paragraph": (),
}


class SearchError(Exception):
    """Base of the engine's errors; the message is meant for the person who searched or ran the command."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QueryError(SearchError):
    """The request cannot be run as given (empty, only operators, bad page or filter …)."""


class IndexUnavailable(SearchError):
    """No usable index at the given directory (missing, not built by this engine, or damaged)."""


@dataclass
class SearchRequest:
    query: str = ""
    type: str | None = None
    revision: str | None = None
    department: str | None = None
    unit: str | None = None
    year: int | None = None
    region: str | None = None
    page: int = 1
    per_page: int = 10
    sort: SortOrder = "relevance"

    def filters(self) -> dict[str, str]:
        """The active filters as facet name → value (year as text, as in the facet counts)."""
        out: dict[str, str] = {}
        for name in FACETS:
            value = getattr(self, name)
            if value is not None and value != "":
                out[name] = str(value)
        return out

    def validate(self) -> None:
        if not isinstance(self.query, str):
            raise QueryError("the query must be text")
        if isinstance(self.page, bool) or not isinstance(self.page, int) or not 1 <= self.page <= MAX_PAGE:
            raise QueryError(f"page must be a whole number from 1 to {MAX_PAGE}")
        if isinstance(self.per_page, bool) or not isinstance(self.per_page, int):
            raise QueryError("per_page must be a whole number")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page must be from 1 to {MAX_PER_PAGE}")
        if self.sort not in ("relevance", "amount"):
            raise QueryError(f"unknown sort {self.sort!r}: use 'relevance' or 'amount'")
        if self.type not in (None, "") and self.type not in DOC_TYPES:
            raise QueryError(f"unknown type {self.type!r}: use one of {', '.join(DOC_TYPES)}")
        if self.year is not None and (isinstance(self.year, bool) or not isinstance(self.year, int)):
            raise QueryError("year must be a whole number such as 2024")


@dataclass
class Hit:
    type: str
    id: str
    title: str
    score: float
    highlights: list[str] = field(default_factory=list)  # HTML-escaped; matched terms wrapped in <mark>
    file: str | None = None
    line: int | None = None
    unit: str | None = None
    name: str | None = None
    revision: str | None = None
    department: str | None = None
    code: str | None = None
    year: int | None = None
    region: str | None = None
    doc_no: str | None = None
    amount: Decimal | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.type,
            "id": self.id,
            "title": self.title,
            "score": round(float(self.score), 4),
            "highlights": list(self.highlights),
            "source": {"file": self.file, "line": self.line},
        }
        for key in IDENTIFYING_FIELDS.get(self.type, ()):
            data[key] = getattr(self, key)
        for key in ("unit", "name", "revision", "department", "code", "year", "region", "doc_no"):
            value = getattr(self, key)
            if value is not None:
                data.setdefault(key, value)
        if self.amount is not None:
            data["amount"] = str(self.amount)
        for key, value in self.extra.items():
            data.setdefault(key, value)
        return data


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    page: int
    per_page: int
    mode: Mode
    notice: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "mode": self.mode,
            "notice": self.notice,
            "facets": self.facets,
            "hits": [h.to_json() for h in self.hits],
        }
