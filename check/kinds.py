"""What a request or project is (service, transfer, personnel, goods_or_works, own_operations, mixed).

Why a lexicon of weighted cues by field: budget projects are named tersely ("遗属补助", "固定资产购置")
and their 项目概况 explains them; a cue in the name counts most, the overview less, indicators least, so
a transfer whose overview says "参保经办服务" stays a transfer. The cues live in kinds.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from .text import load_toml

KINDS = ("service", "transfer", "personnel", "goods_or_works", "own_operations")


@dataclass(frozen=True)
class Cue:
    kind: str
    weight: float
    pattern: re.Pattern[str]
    decisive: bool = False


@dataclass
class KindResult:
    kind: str  # one of KINDS or "mixed"
    principal: str  # the kind that decides the verdict (== kind unless mixed)
    scores: dict[str, float]
    evidence: dict[str, list[str]] = field(default_factory=dict)  # kind → "field:matched text"

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "principal": self.principal,
                "scores": {k: round(v, 2) for k, v in self.scores.items() if v},
                "evidence": {k: v for k, v in self.evidence.items() if v}}


class KindClassifier:
    """Weighted cue counting over the fields of a request (see kinds.toml)."""

    def __init__(self, config: dict | None = None) -> None:
        config = config or load_toml("kinds.toml")
        self.default: str = config["default"]
        self.mixed_ratio: float = config["mixed_ratio"]
        self.min_score: float = config["min_score"]
        self.field_factors: dict[str, float] = dict(config["fields"])
        self.cues = [Cue(c["kind"], float(c["weight"]), re.compile(p), bool(c.get("decisive", False)))
                     for c in config["cue"] for p in c["patterns"]]

    def classify(self, fields: dict[str, str]) -> KindResult:
        """`fields` maps text/overview/goals/indicators to text; unknown fields count as goals."""
        scores = dict.fromkeys(KINDS, 0.0)
        decided: str | None = None
        evidence: dict[str, list[str]] = {k: [] for k in KINDS}
        for name, text in fields.items():
            if not text:
                continue
            factor = self.field_factors.get(name, self.field_factors["goals"])
            for cue in self.cues:
                found = cue.pattern.search(text)
                if found:
                    scores[cue.kind] += cue.weight * factor
                    if cue.decisive:
                        decided = decided or cue.kind
                    if len(evidence[cue.kind]) < 6:
                        evidence[cue.kind].append(f"{name}:{found.group(0)}")
        if decided is not None:
            return KindResult(decided, decided, scores, evidence)
        ranked = sorted(KINDS, key=lambda k: (-scores[k], KINDS.index(k)))
        top, second = ranked[0], ranked[1]
        if scores[top] <= 0:
            return KindResult(self.default, self.default, scores, evidence)
        kind = top
        if (scores[second] >= self.mixed_ratio * scores[top] and scores[second] >= self.min_score
                and "service" in (top, second)):
            kind = "mixed"
        return KindResult(kind, top, scores, evidence)


@cache
def classifier() -> KindClassifier:
    return KindClassifier()
