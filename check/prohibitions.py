"""财政部令第102号 第十条: the items that may never be bought as a government service.

Why rules tied to kinds as well as words: goods and works are recognised by the kind classifier (a
project named 固定资产购置 or an overview about 改造 and 门禁系统) while labour dispatch is a matter of the
words used; both are expressed as data in prohibitions.toml so the citation and the trigger stay together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .kinds import KindResult
from .text import load_toml


@dataclass(frozen=True)
class Rule:
    id: str
    item: int
    citation: str
    text: str
    fields: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    reason: str
    kind: str | None = None
    bundled: bool = False


@dataclass(frozen=True)
class Prohibition:
    rule: Rule
    match: str
    field: str

    def as_dict(self) -> dict[str, object]:
        return {"rule_id": self.rule.id, "item": self.rule.item, "citation": self.rule.citation,
                "item_text": self.rule.text, "reason": self.rule.reason.format(match=self.match),
                "matched": self.match, "field": self.field}


class Prohibitions:
    def __init__(self, config: dict | None = None) -> None:
        config = config or load_toml("prohibitions.toml")
        self.source: str = config["source"]
        self.rules = [
            Rule(r["id"], int(r["item"]), r["citation"], r["text"], tuple(r.get("fields", ["text"])),
                 tuple(re.compile(p) for p in r.get("patterns", [])), r.get("reason", r["text"]),
                 r.get("kind"), bool(r.get("bundled", False)))
            for r in config["rule"]
        ]

    def _find(self, rule: Rule, fields: dict[str, str]) -> tuple[str, str] | None:
        for name in rule.fields:
            text = fields.get(name) or ""
            for pattern in rule.patterns:
                found = pattern.search(text)
                if found:
                    return found.group(0), name
        return None

    def check(self, fields: dict[str, str], kind: KindResult) -> list[Prohibition]:
        """Every rule that applies, in item order."""
        out: list[Prohibition] = []
        for rule in self.rules:
            if rule.kind is not None:
                second = sorted(kind.scores, key=lambda k: -kind.scores[k])[1]
                applies = kind.principal == rule.kind or (
                    rule.bundled and kind.kind == "mixed" and rule.kind in (kind.principal, second))
                if not applies:
                    continue
                if not rule.patterns:
                    cue = (kind.evidence.get(rule.kind) or [f"text:{rule.kind}"])[0]
                    field, _, match = cue.partition(":")
                    out.append(Prohibition(rule, match, field))
                    continue
            hit = self._find(rule, fields)
            if hit is not None:
                out.append(Prohibition(rule, hit[0], hit[1]))
        return out


@cache
def prohibitions() -> Prohibitions:
    return Prohibitions()
