"""Reading what a person typed into a search box: quoted phrases, words, codes; never an error trace.

The query language is deliberately small: words (all required, falling back to any), phrases in "…", “…”,
「…」 or 『…』, and a query that is just a code (A160502, a160502, B01, 2010306) looks the code up. Boolean
operators, wildcards and brackets are not syntax: they are dropped with a notice, so `AND`, `*` or `(` can never
produce a parser error. Over-long input is cut (with a notice) rather than refused, because a pasted paragraph is
a reasonable thing to search for; input with nothing searchable left raises QueryError.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .request import QueryError
from .segmenter import Segmenter
from .tokenizer import bigram_tokens, is_han, is_wordlike, normalize, stopwords, word_tokens

MAX_QUERY_CHARS = 200
MAX_UNITS = 16
QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "”": "”"}
CLOSERS = {'"': '"', "“": "”“\"", "「": "」", "『": "』", "”": "”“\""}
OPERATORS = frozenset(["and", "or", "not"])
OPERATOR_CHARS = frozenset("*?()[]{}!^~:|&\\")
PREFIX_OPERATORS = ("+", "-")

# A–Z catalog codes (A, A01, A0101, A010101, B0101 …, also the odd 5-character ones printed) and 科目 codes
# (3, 5 or 7 digits; 9 for safety). Four-digit numbers (years) and 12345 are codes only if the index has them.
_CODE_RE = re.compile(r"^(?:[a-z](?:\d{2,8})?|\d{3}(?:\d{2}){0,3})$", re.IGNORECASE)


def normalize_code(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper()


def looks_like_code(text: str) -> bool:
    return bool(_CODE_RE.match(normalize_code(text)))


@dataclass
class ParsedQuery:
    text: str  # the query as searched (after clean-up and truncation)
    words: list[str] = field(default_factory=list)  # normalised words, in order, no duplicates
    phrases: list[str] = field(default_factory=list)  # normalised phrase texts (two characters or more)
    code: str | None = None  # upper-cased code when the whole query looks like one
    notices: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases and self.code is None


def _clean(text: str) -> str:
    """Drop control and format characters (NUL, zero-width …); keep everything printable and whitespace."""
    return "".join(
        " " if ch in "\t\r\n\f\v" else ch
        for ch in text
        if ch in "\t\r\n\f\v" or unicodedata.category(ch)[0] != "C"
    ).strip()


def _split_quotes(text: str) -> tuple[list[str], list[str], bool]:
    """(free text pieces, phrase texts, unbalanced?) — an unclosed quote mark is ignored, not an error."""
    free: list[str] = []
    phrases: list[str] = []
    unbalanced = False
    i, start, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in QUOTES:
            closers = CLOSERS[ch]
            j = i + 1
            while j < n and text[j] not in closers:
                j += 1
            if j >= n:
                unbalanced = True
                free.append(text[start:i])
                free.append(text[i + 1 :])
                return free, phrases, unbalanced
            free.append(text[start:i])
            phrases.append(text[i + 1 : j])
            i = start = j + 1
            continue
        if ch in "”」』":
            unbalanced = True
            free.append(text[start:i])
            start = i + 1
        i += 1
    free.append(text[start:])
    return free, phrases, unbalanced


def parse_query(raw: str, segmenter: Segmenter, *, max_chars: int = MAX_QUERY_CHARS) -> ParsedQuery:
    """Parses the search box text; an empty result (no words) is returned as such, the caller decides."""
    notices: list[str] = []
    text = _clean(raw or "")
    if len(text) > max_chars:
        text = text[:max_chars].rstrip()
        notices.append(f"查询过长，只搜索了前 {max_chars} 个字符 (query cut to {max_chars} characters)")
    parsed = ParsedQuery(text=text, notices=notices)
    if not text:
        return parsed

    bare = text.strip(" \"“”「」『』")
    if looks_like_code(bare):
        parsed.code = normalize_code(bare)

    free, phrases, unbalanced = _split_quotes(text)
    if unbalanced:
        notices.append("引号不成对，已按普通词语搜索 (unbalanced quote ignored)")

    units: list[tuple[str, str]] = []
    for phrase in phrases:
        norm, _ = normalize(phrase)
        grams = bigram_tokens(norm)
        if not grams:
            continue
        if len(grams) == 1 and len(grams[0][0]) == 1 and is_han(grams[0][0]):
            units.append(("word", grams[0][0]))  # one character: a word, there is no bigram to match
        else:
            units.append(("phrase", norm.strip()))

    dropped_operator = False
    stops = stopwords()
    for piece in free:
        for chunk in piece.split():
            if chunk.lower() in OPERATORS or all(ch in OPERATOR_CHARS or ch in "+-" for ch in chunk):
                dropped_operator = True
                continue
            if chunk.startswith(PREFIX_OPERATORS) or any(ch in OPERATOR_CHARS for ch in chunk):
                dropped_operator = True
            for tok in word_tokens(segmenter, chunk, subwords=False):
                if tok.text not in stops and is_wordlike(tok.text):
                    units.append(("word", tok.text))
    if dropped_operator:
        notices.append("不支持查询运算符和通配符，已忽略 (operators and wildcards are ignored)")

    unique = list(dict.fromkeys(u for u in units if u[1]))  # first occurrence of each, in order
    if len(unique) > MAX_UNITS:
        unique = unique[:MAX_UNITS]
        notices.append(f"词语过多，只搜索了前 {MAX_UNITS} 个 (only the first {MAX_UNITS} words are searched)")
    parsed.words = [t for kind, t in unique if kind == "word"]
    parsed.phrases = [t for kind, t in unique if kind == "phrase"]
    return parsed


def require_searchable(parsed: ParsedQuery) -> None:
    if parsed.empty:
        if parsed.text:
            raise QueryError(f"nothing to search for in {parsed.text[:40]!r}: type words, a \"phrase\" or a code")
        raise QueryError("empty query: type words, a \"phrase\" or a code (or choose a filter)")
