"""docmeta.json: per-document facet values, amounts, own codes and field lengths, by document number.

Engine-neutral: every backend numbers documents in the order they were given and keeps this file beside its own,
so filters, facet counts, amount sorting and code ranking are array look-ups instead of stored-field reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from .documents import SearchDoc
from .query import normalize_code
from .request import FACETS


def _facet_value(doc: SearchDoc, name: str) -> str | None:
    value = getattr(doc, name)
    return None if value is None or value == "" else str(value)


class DocMetaBuilder:
    """Collects docmeta.json column by column (values interned: a column is a list of small integers)."""

    def __init__(self) -> None:
        self.values: dict[str, list[str]] = {f: [] for f in FACETS}
        self.lookup: dict[str, dict[str, int]] = {f: {} for f in FACETS}
        self.columns: dict[str, list[int]] = {f: [] for f in FACETS}
        self.amounts: list[str | None] = []
        self.codes: list[str | None] = []
        self.lengths: dict[str, list[int]] = {}

    def add(self, doc: SearchDoc) -> None:
        for name in FACETS:
            value = _facet_value(doc, name)
            if value is None:
                self.columns[name].append(-1)
                continue
            table = self.lookup[name]
            if value not in table:
                table[value] = len(self.values[name])
                self.values[name].append(value)
            self.columns[name].append(table[value])
        self.amounts.append(None if doc.amount is None else str(doc.amount))
        code = doc.own_code
        self.codes.append(normalize_code(code) if code else None)

    def to_json(self) -> dict[str, Any]:
        return {
            "facets": {f: {"values": self.values[f], "column": self.columns[f]} for f in FACETS},
            "amounts": self.amounts,
            "codes": self.codes,
            "lengths": self.lengths,
        }


class DocMeta:
    """Per-document facet values, amounts, own codes and field lengths, indexed by document number."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.values: dict[str, list[str]] = {f: data["facets"][f]["values"] for f in FACETS}
        self.columns: dict[str, list[int]] = {f: data["facets"][f]["column"] for f in FACETS}
        self.lookup: dict[str, dict[str, int]] = {f: {v: i for i, v in enumerate(vs)} for f, vs in self.values.items()}
        amounts = [decimal_or_none(a) for a in data["amounts"]]
        self.amounts: list[Decimal | None] = amounts
        self.codes: list[str | None] = data["codes"]
        self.lengths: dict[str, list[int]] = data.get("lengths", {})
        self.count = len(self.codes)
        # rank of each document when sorted by amount, largest first, documents without an amount last
        order = sorted(range(self.count), key=lambda d: (amounts[d] is None, -(amounts[d] or 0), d))
        self.amount_rank = [0] * self.count
        for rank, d in enumerate(order):
            self.amount_rank[d] = rank
        self._value_docs: dict[tuple[str, int], frozenset[int]] = {}
        # Each distinct combination of facet values gets a number: facet counts are then one Counter pass over
        # the matched documents plus a loop over the (few thousand at most) combinations present.
        combos: dict[tuple[int, ...], int] = {}
        columns = [self.columns[f] for f in FACETS]
        self.combo = [combos.setdefault(values, len(combos)) for values in zip(*columns, strict=True)]
        self.combo_values: list[tuple[int, ...]] = list(combos)

    def docs_with(self, facet: str, vid: int) -> frozenset[int]:
        key = (facet, vid)
        if key not in self._value_docs:
            column = self.columns[facet]
            self._value_docs[key] = frozenset(d for d, v in enumerate(column) if v == vid)
        return self._value_docs[key]

    def facet_counts(self, docs: Iterable[int], wanted: dict[str, int]) -> dict[str, dict[int, int]]:
        """Value id → count per facet, each facet counted with every *other* filter applied."""
        per_combo = Counter(map(self.combo.__getitem__, docs)).items()
        combo_values = self.combo_values
        filters = [(FACETS.index(f), vid) for f, vid in wanted.items()]
        # (combination, documents, the one filter it fails or -1); combinations failing two filters count nowhere
        rows: list[tuple[int, int, int]] = []
        for combo, n in per_combo:
            values = combo_values[combo]
            failing = [i for i, vid in filters if values[i] != vid] if filters else []
            if len(failing) <= 1:
                rows.append((combo, n, failing[0] if failing else -1))
        counts: dict[str, dict[int, int]] = {}
        for i, name in enumerate(FACETS):
            tally: dict[int, int] = {}
            get = tally.get
            for combo, n, failed in rows:
                if failed == -1 or failed == i:
                    value = combo_values[combo][i]
                    tally[value] = get(value, 0) + n
            tally.pop(-1, None)
            counts[name] = tally
        return counts


def decimal_or_none(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None
