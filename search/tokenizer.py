"""Text analysis: normalisation, jieba word tokens with real positions, and character bigrams for phrases.

Why our own tokenizer: jieba's stock whoosh `ChineseAnalyzer` stores the *character offset* as the token
position, so the positions of consecutive words are 0, 2, 4 … and whoosh's phrase matcher (which wants 0, 1, 2)
never matches: `"物业管理"` finds nothing. Here:

* Word stream (fields title / path_names / body): default-mode jieba tokens get sequential positions 0, 1, 2 …;
  for recall, jieba's search mode is added — dictionary words of 2–4 characters inside a longer token (网络 and
  安全 inside 网络安全; 物业管理 inside 物业管理服务) and the digit/latin runs inside a mixed token (12345 inside
  12345热线) — each at the *position of its parent*, so the main stream stays sequential. Character offsets map
  back to the original, un-normalised text (used for highlighting).
* Bigram stream (fields *_bg): overlapping character bigrams of every run of Han characters (a lone Han character
  stands for itself) and whole latin/digit runs, with sequential positions. A quoted phrase is matched here as a
  whoosh `Phrase` of its bigrams, which is an exact substring test and does not depend on how jieba happened to
  cut the phrase in a given context (物业管理服务 may be cut 物业/管理服务 in one sentence and 物业管理/服务 in
  another; bigrams are the same in both). Punctuation and spaces end a run without leaving a gap, so the phrase
  "政务 服务" matches 政务、服务 but "政务服务" does not.

Text is NFKC-normalised and lower-cased first (full-width Ａ１６０５０２ → a160502, （ → ( ); numbers stay whole
tokens (12345, 2024, 187.67; 7×24 → 7, 24).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

from .segmenter import Segmenter

SUBWORD_LENGTHS = (2, 3, 4)


class WordToken(NamedTuple):  # a tuple: millions are made while indexing
    text: str
    pos: int  # sequential position of the main token; a sub-word has its parent's
    start: int  # character offsets in the original (un-normalised) text
    end: int
    sub: bool = False


def normalize(text: str) -> tuple[str, list[int] | None]:
    """NFKC + lower case; returns the normalised text and a map from its indices to the original's (None = same).

    The map has len(normalised) + 1 entries so that an end offset maps too. It is only built when normalisation
    changed the length (ligatures, ㎡ …); otherwise offsets carry over one to one.
    """
    norm = unicodedata.normalize("NFKC", text).lower()
    if len(norm) == len(text):
        return norm, None
    pieces: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch).lower()
        pieces.append(n)
        index.extend([i] * len(n))
    index.append(len(text))
    return "".join(pieces), index


_HAN = "\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\u3007"
# Regular expressions, not loops over characters: the index tokenizes every text of the corpus (a third of the
# indexer's time was these loops). `[^\W_]` is exactly str.isalnum.
_HAN_CHAR = re.compile(f"[{_HAN}]")
_WORDLIKE = re.compile(r"[^\W_]")
_OTHER_RUN = re.compile(f"[^\\W_{_HAN}]+")  # letters and digits that are not Han
_BIGRAM_RUN = re.compile(f"([{_HAN}]+)|[^\\W_{_HAN}]+")


def is_han(ch: str) -> bool:
    return _HAN_CHAR.match(ch) is not None


def is_wordlike(text: str) -> bool:
    """A token worth indexing: it has a letter, digit or Han character (not punctuation, space or ×)."""
    return _WORDLIKE.search(text) is not None


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function words from stopwords.txt next to this module (data, not code)."""
    text = resources.files(__package__).joinpath("stopwords.txt").read_text(encoding="utf-8")
    words = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(unicodedata.normalize("NFKC", line).lower())
    return frozenset(words)


def word_tokens(segmenter: Segmenter, text: str, *, subwords: bool = True) -> list[WordToken]:
    """The word stream of `text` (see the module docstring); stop words and punctuation are dropped."""
    if not text:
        return []
    norm, index = normalize(text)
    stops = stopwords()
    has_word = segmenter.has_word
    out: list[WordToken] = []
    pos = 0
    for word, start, end in segmenter.tokenize(norm):
        if word in stops or not is_wordlike(word):
            continue
        ostart, oend = (start, end) if index is None else (index[start], index[end])
        out.append(WordToken(word, pos, ostart, oend))
        if subwords and len(word) > 2:
            seen = {word}
            for sub, s, e in inner_words(word, has_word):
                if sub not in seen and sub not in stops:
                    seen.add(sub)
                    a, b = start + s, start + e
                    out.append(WordToken(sub, pos, *((a, b) if index is None else (index[a], index[b])), sub=True))
        pos += 1
    return out


def inner_words(word: str, has_word: Any) -> Iterator[tuple[str, int, int]]:
    """jieba's search-mode rule (dictionary n-grams inside a longer word), extended to 4-grams, plus the digit /
    latin runs inside a mixed token."""
    n_chars = len(word)
    if _HAN_CHAR.search(word) is None:
        return
    for n in SUBWORD_LENGTHS:
        if n >= n_chars:
            break
        for i in range(n_chars - n + 1):
            gram = word[i : i + n]
            if has_word(gram):
                yield gram, i, i + n
    for run in _OTHER_RUN.finditer(word):
        yield run.group(), run.start(), run.end()


def bigram_tokens(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end) of the bigram stream over normalised text; the list index is the position."""
    norm, index = normalize(text)
    out: list[tuple[str, int, int]] = []
    for run in _BIGRAM_RUN.finditer(norm):
        i, j = run.span()
        if run.group(1) is None or j - i == 1:  # a latin/digit run, or a lone Han character
            out.append((run.group(), i, j))
        else:
            out.extend((norm[k : k + 2], k, k + 2) for k in range(i, j - 1))
    if index is not None:
        out = [(t, index[s], index[e]) for t, s, e in out]
    return out


# --------------------------------------------------------------------------- segmenters by key

# Whoosh pickles the schema (analyzers included) into the index's table of contents, so a tokenizer must not
# carry its segmenter (a Rust object, and the whole jieba dictionary). It carries a key; the process that builds
# or opens an index registers the segmenter under that key first.
_SEGMENTERS: dict[str, Segmenter] = {}


def register_segmenter(key: str, segmenter: Segmenter) -> None:
    _SEGMENTERS[key] = segmenter


def registered_segmenter(key: str) -> Segmenter:
    try:
        return _SEGMENTERS[key]
    except KeyError:
        raise RuntimeError(f"no segmenter registered for index key {key!r}; open the index with open_index()") from None


def __getattr__(name: str) -> Any:
    """The whoosh analyzers lived here: an index built then names them in its pickled schema (whoosh_analysis)."""
    if name in ("WordTokenizer", "BigramTokenizer"):
        from . import whoosh_analysis

        return getattr(whoosh_analysis, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
