"""The indicator rows of a 项目支出绩效目标表: three levels and a value, for the 实施期 and the 年度 half.

The printed table has two halves side by side (一级指标 | 二级指标 三级指标 指标值 | 二级指标 三级指标 指标值), prints
一级 and 二级 only on the first row of their group, and PDF extraction drops empty cells and shifts columns,
so cell positions cannot be trusted. What can be trusted is the order of the non-empty cells and the
vocabulary of 一级/二级 names (performance_targets.toml): a row reads as [一级] [二级] 三级 值 [二级] 三级 值, and
the 年度 half starts where the 二级 name of the 实施期 half is printed again.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from .disclosure_lines import key_of as normalise_name
from .records import Indicator, SourceRef

_VOCABULARY = Path(__file__).with_name("performance_targets.toml")

Half = Literal["implementation", "annual"]


@dataclass(frozen=True)
class IndicatorVocabulary:
    header: frozenset[str]
    level1: frozenset[str]
    level1_if_level2_follows: frozenset[str]
    level2: tuple[str, ...]


@dataclass
class IndicatorBlock:
    """What the indicator rows say: every indicator, and the 实施期 count (None when not firm)."""

    indicators: list[Indicator]
    count: int | None


@dataclass
class _HalfRow:
    level2: str | None
    level3: str | None
    value: str | None


@dataclass
class _State:
    """The 一级/二级 names carried down from the row that printed them."""

    level1: str = ""
    level2: dict[str, str] = field(default_factory=lambda: {"implementation": "", "annual": ""})
    seen: dict[str, list[_HalfRow]] = field(default_factory=lambda: {"implementation": [], "annual": []})
    firm: bool = True


@cache
def vocabulary() -> IndicatorVocabulary:
    """The [indicators] section of performance_targets.toml."""
    data = tomllib.loads(_VOCABULARY.read_text(encoding="utf-8"))["indicators"]
    return IndicatorVocabulary(
        header=frozenset(normalise_name(w) for w in data["header"]),
        level1=frozenset(normalise_name(w) for w in data["level1"]),
        level1_if_level2_follows=frozenset(normalise_name(w) for w in data["level1_when_followed_by_level2"]),
        level2=tuple(normalise_name(w) for w in data["level2"]),
    )


def is_header_row(filled: list[str]) -> bool:
    """The "绩效指标 一级指标 二级指标 …" row (given its non-empty cells)."""
    keys = {normalise_name(c) for c in filled}
    return "一级指标" in keys or "二级指标" in keys


def read_indicators(rows: list[tuple[list[str], SourceRef]]) -> IndicatorBlock:
    """All indicators of the rows (non-empty cells, source) between the header and the 负责人 line."""
    state = _State()
    indicators: list[Indicator] = []
    count = 0
    for filled, source in rows:
        tokens = [c for c in filled if normalise_name(c) not in vocabulary().header]
        if is_header_row(filled):
            if tokens and normalise_name(tokens[0]) in vocabulary().level1:
                state.level1 = tokens[0]  # the first 一级 name printed into the header row
            continue
        if not tokens:
            continue
        implementation, annual = _read_row(tokens, state)
        for half, part in (("implementation", implementation), ("annual", annual)):
            indicator = _indicator(part, half, state, source)
            if indicator:
                indicators.append(indicator)
        if implementation.level3 and implementation.value:
            count += 1
    return IndicatorBlock(indicators, count if state.firm and rows else None)


def _indicator(part: _HalfRow, half: Half, state: _State, source: SourceRef) -> Indicator | None:
    """An Indicator for one half of a row, unless the half only names an (empty) 二级 group."""
    if not part.level3 and not part.value:
        return None
    return Indicator(state.level1, state.level2[half], part.level3 or "", part.value, half, source)


def _read_row(tokens: list[str], state: _State) -> tuple[_HalfRow, _HalfRow]:
    """Split one row's cells into its two halves and carry 一级/二级 names down."""
    if _opens_level1(tokens):
        state.level1 = tokens[0]
        tokens = tokens[1:]
        while tokens and tokens[0] == state.level1 and normalise_name(tokens[0]) in vocabulary().level1:
            tokens = tokens[1:]  # the 一级 name printed in the 二级 column as well
    if any(normalise_name(t) in vocabulary().level1 for t in tokens):
        state.firm = False  # a 一级 name in the middle of a row: columns are scrambled
    split = _split_point(tokens)
    implementation, annual = _half(tokens[:split], state), _half(tokens[split:], state)
    if split == len(tokens) and _printed_before(implementation, state):
        implementation, annual = _HalfRow(None, None, None), implementation  # a 年度 row shifted left
    state.seen["implementation"].append(implementation)
    state.seen["annual"].append(annual)
    if implementation.level2 is None and annual.level2 is not None:
        implementation.level2 = annual.level2  # the 实施期 二级 cell was lost; the 年度 half names the group
    for half, part in (("implementation", implementation), ("annual", annual)):
        if part.level2 is not None:
            state.level2[half] = part.level2
    return implementation, annual


def _printed_before(part: _HalfRow, state: _State) -> bool:
    """A one-half row repeating a 实施期 indicator that the 年度 half has not printed yet: it belongs to
    the 年度 half (its rows drift out of step with the 实施期 rows)."""
    if not part.level3 or not part.value:
        return False

    def printed(half: str) -> bool:
        return any(
            seen.level3 and _same_name(seen.level3, part.level3 or "") and seen.value == part.value
            for seen in state.seen[half]
        )

    return printed("implementation") and not printed("annual")


def _opens_level1(tokens: list[str]) -> bool:
    """Whether the row starts with a 一级指标 name."""
    vocab = vocabulary()
    first = normalise_name(tokens[0])
    if first in vocab.level1:
        return True
    return first in vocab.level1_if_level2_follows and len(tokens) > 1 and is_level2(tokens[1])


def is_level2(token: str) -> bool:
    """A 二级指标 name, possibly cut short by its column ("服务对象满意度指")."""
    return category(token) is not None


@lru_cache(maxsize=8192)
def category(token: str) -> str | None:
    """The 二级 group a token names, without the 指标 suffix ("服务对象满意度指" → "服务对象满意度")."""
    return _categories().get(normalise_name(token))


@cache
def _categories() -> dict[str, str]:
    """Every 二级 spelling, and every cut-short form of four characters or more, → its group."""
    table: dict[str, str] = {}
    for name in vocabulary().level2:
        table[name] = name.removesuffix("指标")
    for name in vocabulary().level2:
        for length in range(4, len(name)):
            table.setdefault(name[:length], name.removesuffix("指标"))
    return table


def _split_point(tokens: list[str]) -> int:
    """Where the 年度 half starts: the split whose halves mirror each other best (the same 二级 group,
    the same 三级 name, possibly cut short, the same value) and read as whole halves, the most even
    split among equals. A row may also hold one half only.
    """
    if len(tokens) <= 1:
        return len(tokens)
    best, best_key = len(tokens), (-1, -1)
    for split in range(1, len(tokens) + 1):
        implementation, annual = tokens[:split], tokens[split:]
        score = _shape_score(implementation) + _shape_score(annual)
        if annual:
            score += _mirror_score(implementation, annual)
        key = (score, -abs(2 * split - len(tokens)))
        if key > best_key:
            best, best_key = split, key
    return best


def _shape_score(half: list[str]) -> int:
    """1 when the cells read as a whole half: nothing, [二级], [二级 三级 值] or [三级 值]."""
    if not half:
        return 1
    level2, rest = _parts(half)
    whole = (len(rest) == 2 and not is_level2(rest[0])) or (level2 is not None and not rest)
    return 1 if whole else 0


def _parts(half: list[str]) -> tuple[str | None, list[str]]:
    """The 二级 name of a half (None when carried down) and the cells after it; a 三级 name printed
    twice in a row ("CPU服务单价 CPU服务单价 300元/年/核") counts once."""
    level2 = half[0] if half and is_level2(half[0]) else None
    rest = half[1:] if level2 is not None else list(half)
    if len(rest) > 2:
        rest = [t for i, t in enumerate(rest) if i == 0 or t != rest[i - 1]]
    return level2, rest


def _mirror_score(implementation: list[str], annual: list[str]) -> int:
    """How much the two halves of a candidate split look like copies of each other."""
    score = 0
    first, second = category(implementation[0]), category(annual[0])
    if first is not None and first == second:
        score += 2
    elif second is not None and first is None:
        score += 1  # the 实施期 二级 cell is carried down, the 年度 one printed
    level3, value = _level3_and_value(implementation)
    other_level3, other_value = _level3_and_value(annual)
    if level3 and other_level3 and _same_name(level3, other_level3):
        score += 2
    if value and value == other_value:
        score += 1
    return score


def _level3_and_value(half: list[str]) -> tuple[str | None, str | None]:
    """The 三级 name and value of a half as _half reads them."""
    _, rest = _parts(half)
    if not rest:
        return None, None
    return rest[0], rest[-1] if len(rest) > 1 else None


def _same_name(first: str, second: str) -> bool:
    """Two printings of one 三级 name; the 年度 column is narrower and often cuts it short."""
    a, b = normalise_name(first), normalise_name(second)
    return a == b or (min(len(a), len(b)) >= 2 and (a.startswith(b) or b.startswith(a)))


def _half(tokens: list[str], state: _State) -> _HalfRow:
    """[二级] 三级 值 of one half."""
    level2, rest = _parts(tokens)
    if len(rest) > 2:
        state.firm = False
    if not rest:
        return _HalfRow(level2, None, None)
    if len(rest) == 1:
        return _HalfRow(level2, rest[0], None)
    return _HalfRow(level2, rest[0], rest[-1])
