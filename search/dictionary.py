"""Domain vocabulary: segmentation words derived from the data, and the synonym / abbreviation table.

Why: jieba's dictionary is general Chinese. Budget and catalog names are full of domain compounds (等级保护,
免费刻制, 政务云) and abbreviations (等保, 残保金) that jieba cuts differently from one context to the next, or
glues to a neighbour through its HMM. Making them dictionary words keeps one term one token in documents and in
queries alike (the index stores its word list and queries are segmented with the same one).

What is derived from `dictionary_words` (catalog, 科目, unit and project names) and the documents' regions and
departments:
* short proper names as they are: regions (永和县, 吕梁市), departments up to 6 characters (行政审批);
* sub-terms: two adjacent jieba tokens of a name that together make 3–6 Han characters, recur in at least
  `min_count` different names and hang together (等级保护 from 网络安全等级保护测评服务 and …等级保护咨询…),
  skipping those that begin or end with a stop word or a generic head (服务, 经费, 项目 …: 管理服务 would
  swallow 物业管理);
* every abbreviation that synonyms.tsv expands (等保, 刻章, 12345热线), so the query word is looked up whole.
Whole long names are not added: a 12-character token would hide its parts from phrase-free word matching.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .segmenter import Segmenter
from .tokenizer import is_han, stopwords

GENERIC_HEADS = frozenset(
    ["服务", "经费", "项目", "工作", "资金", "费用", "专项", "支出", "补助", "补贴", "费", "款", "其他", "相关"]
)
# Words that modify the word after them: a sub-term never ends with one (城乡居民基本 is not a term).
MODIFIERS = frozenset(["基本", "其他", "相关", "有关", "专项", "综合", "一般", "各类", "各项", "年度", "新", "主要"])
MIN_TERM, MAX_TERM = 3, 6


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


@dataclass(frozen=True)
class Synonyms:
    """TERM → expansions, read from synonyms.tsv (TERM<TAB>EXPANSION[<TAB>EXPANSION …], '#' comments)."""

    expansions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def expand(self, word: str) -> tuple[str, ...]:
        return self.expansions.get(_norm(word), ())

    def terms(self) -> list[str]:
        return sorted(self.expansions)

    @classmethod
    def parse(cls, text: str) -> Synonyms:
        table: dict[str, list[str]] = {}
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            cells = [_norm(c) for c in raw.split("\t")]
            cells = [c for c in cells if c]
            if len(cells) < 2:
                raise ValueError(f"synonyms line {number}: need TERM<TAB>EXPANSION, got {raw!r}")
            term, *expansions = cells
            merged = table.setdefault(term, [])
            merged.extend(e for e in expansions if e != term and e not in merged)
        return cls({term: tuple(exps) for term, exps in table.items()})

    @classmethod
    def load(cls, path: Path | None = None) -> Synonyms:
        """The file at `path`, or the synonyms.tsv shipped next to this module."""
        if path is None:
            text = resources.files(__package__).joinpath("synonyms.tsv").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        return cls.parse(text)


def _pieces(name: str) -> list[str]:
    """Runs of Han characters, letters and digits: punctuation, brackets and spaces split a name."""
    out: list[str] = []
    current: list[str] = []
    for ch in name:
        if ch.isalnum():
            current.append(ch)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


def derive_terms(names: Iterable[str], segmenter: Segmenter, *, min_count: int = 2) -> list[str]:
    """Recurring two-token sub-terms of `names` (see the module docstring); `segmenter` should be a plain one.

    A pair must also hang together: more than half of the names that contain its first token continue it with the
    second (等级 → 等级保护 passes; 网络安全 + 等级 does not, 网络安全 goes on in many other ways), and it must
    not end in a word that modifies what follows (城乡居民 + 基本 … 养老保险).
    """
    stops = stopwords()
    pair_counts: Counter[str] = Counter()
    word_counts: Counter[str] = Counter()
    parts: dict[str, tuple[str, str]] = {}
    for name in {_norm(n) for n in names if n}:
        seen: set[str] = set()
        words_seen: set[str] = set()
        for piece in _pieces(name):
            words = [w for w, _, _ in segmenter.tokenize(piece)]
            words_seen.update(words)
            for a, b in itertools.pairwise(words):
                term = a + b
                if not (MIN_TERM <= len(term) <= MAX_TERM) or term in seen:
                    continue
                if not all(is_han(ch) for ch in term):
                    continue
                if a in stops or b in stops or b in GENERIC_HEADS or a in GENERIC_HEADS or b in MODIFIERS:
                    continue
                seen.add(term)
                parts[term] = (a, b)
        pair_counts.update(seen)
        word_counts.update(words_seen)
    return sorted(
        term
        for term, count in pair_counts.items()
        if count >= min_count
        and count * 2 > word_counts[parts[term][0]]
        and not segmenter.has_word(term)
    )


def build_dictionary(
    names: Iterable[str],
    segmenter: Segmenter,
    *,
    proper_names: Iterable[str] = (),
    synonyms: Synonyms | None = None,
    min_count: int = 2,
) -> list[str]:
    """The domain words for an index: derived sub-terms, short proper names and the synonym terms."""
    words = set(derive_terms(names, segmenter, min_count=min_count))
    for name in proper_names:
        n = _norm(name or "")
        if 2 <= len(n) <= MAX_TERM and all(is_han(ch) for ch in n):
            words.add(n)
    if synonyms is not None:
        words.update(t for t in synonyms.terms() if len(t) >= 2)
    return sorted(words)
