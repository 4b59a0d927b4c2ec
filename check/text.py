"""Text shared by the check: the eval name rule, word segmentation, bigrams and synonym expansion.

Why a module of its own: the scorer, the kinds lexicon, the department mapper and the lineage matcher
must all see a name the same way (no whitespace, full-width punctuation, OCR marks gone), or an entry
would match itself under one rule and not under another.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from ..graph.text_clean import normalise_name

_OCR_MARKS = re.compile(r"[√✓✔□■☑]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_RUN = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+")


def norm(text: str | None) -> str:
    """The eval README's name rule plus OCR marks removed: no whitespace, full-width ( ) , ; :."""
    return normalise_name(_OCR_MARKS.sub("", text or ""))


def bigrams(text: str) -> set[str]:
    """Character bigrams inside each run of Han characters or of latin/digits (no bigram crosses a comma)."""
    out: set[str] = set()
    for run in _RUN.findall(text):
        if len(run) == 1 or not _HAN.match(run):
            out.add(run)
        else:
            out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


def data_file(name: str) -> str:
    """A data file that ships next to this code."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@cache
def load_toml(name: str) -> dict[str, Any]:
    return tomllib.loads(data_file(name))


class Segmenter:
    """rjieba (jieba-rs) word cuts, with jieba as fallback; one instance per process (see `segmenter()`)."""

    def __init__(self) -> None:
        try:
            import rjieba

            self._cut = rjieba.Jieba().cut
        except ImportError:  # pragma: no cover - rjieba is a dependency
            import jieba

            self._cut = jieba.Tokenizer().lcut

    def words(self, text: str) -> list[str]:
        """Words of the normalised text, punctuation dropped."""
        return [w for w in self._cut(norm(text)) if _RUN.fullmatch(w)]


@cache
def segmenter() -> Segmenter:
    return Segmenter()


class Synonyms:
    """One-way expansions: a query word also counts as its expansions (刻章 → 印章 刻制 …).

    Read from check/synonyms.tsv (domain words of purchasing requests) and, when present, the search
    engine's search/synonyms.tsv, so both features agree on abbreviations.
    """

    def __init__(self, pairs: dict[str, set[str]]) -> None:
        self.pairs = pairs

    @classmethod
    def parse(cls, *texts: str, exclude: frozenset[str] = frozenset()) -> Synonyms:
        """`exclude`: terms never expanded (names of government organs: they say who asks, not what is bought)."""
        pairs: dict[str, set[str]] = {}
        for text in texts:
            for line in text.splitlines():
                if not line.strip() or line.startswith("#"):
                    continue
                term, *expansions = [norm(c) for c in line.split("\t") if c.strip()]
                if term in exclude:
                    continue
                pairs.setdefault(term, set()).update(e for e in expansions if e and e != term)
        return cls(pairs)

    def expand_text(self, text: str) -> str:
        """The text followed by the expansions of every term it contains (a cheap, order-free expansion)."""
        extra = [" ".join(sorted(exp)) for term, exp in self.pairs.items() if term in text]
        return text if not extra else text + " " + " ".join(extra)


def _search_synonyms() -> str:
    return resources.files("budgetkg.search").joinpath("synonyms.tsv").read_text(encoding="utf-8")


@cache
def organ_words() -> dict[str, str]:
    """Keywords of unit_departments.tsv (政协, 人社, 残联 …) → the department they name."""
    out: dict[str, str] = {}
    for line in data_file("unit_departments.tsv").splitlines():
        cells = line.split("\t")
        if len(cells) >= 3 and cells[0] == "keyword":
            out[norm(cells[1])] = cells[2].strip()
    return out


@cache
def synonyms() -> Synonyms:
    return Synonyms.parse(data_file("synonyms.tsv"), _search_synonyms(), exclude=frozenset(organ_words()))
