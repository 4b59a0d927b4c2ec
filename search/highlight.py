"""Highlights: the stored text with matched terms in <mark>, everything HTML-escaped.

Why our own: whoosh's highlighter re-analyses text with the field analyzer and knows nothing of our bigram phrase
fields; and we want escaping guaranteed in one place. Word matches are found with the same tokenizer as the index
(so a mark covers exactly a token or sub-word that matched, at its character offsets in the original text);
phrases are found as substrings of the normalised text. The text between marks and inside them is escaped with
html.escape, so `<script>` in a document or a query can only ever come out as `&lt;script&gt;`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from .segmenter import Segmenter
from .tokenizer import normalize, word_tokens

FRAGMENT_BEFORE = 24
FRAGMENT_AFTER = 72
MAX_BODY_FRAGMENTS = 2


def find_spans(text: str, segmenter: Segmenter, words: Iterable[str], phrases: Iterable[str]) -> list[tuple[int, int]]:
    """Merged (start, end) character spans of `text` where a query word or phrase occurs."""
    if not text:
        return []
    wordset = set(words)
    spans: list[tuple[int, int]] = []
    if wordset:
        spans.extend((t.start, t.end) for t in word_tokens(segmenter, text) if t.text in wordset)
    phrase_list = [p for p in phrases if p]
    if phrase_list:
        norm, index = normalize(text)
        for phrase in phrase_list:
            start = norm.find(phrase)
            while start >= 0:
                end = start + len(phrase)
                spans.append((start, end) if index is None else (index[start], index[end]))
                start = norm.find(phrase, end)
    return merge_spans(spans)


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """text[start:end] escaped, with the spans inside it wrapped in <mark>."""
    end = len(text) if end is None else end
    out: list[str] = []
    cursor = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if e <= s:
            continue
        out.append(html.escape(text[cursor:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        cursor = e
    out.append(html.escape(text[cursor:end]))
    return "".join(out)


def fragments(text: str, spans: list[tuple[int, int]], limit: int = MAX_BODY_FRAGMENTS) -> list[str]:
    """Up to `limit` short excerpts of a long text around its first matches, with … where text was cut."""
    out: list[str] = []
    covered_until = -1
    for s, _ in spans:
        if s < covered_until:
            continue
        start = max(0, s - FRAGMENT_BEFORE)
        end = min(len(text), s + FRAGMENT_AFTER)
        inner = [(a, b) for a, b in spans if a < end and b > start]
        end = max(end, min(len(text), max(b for _, b in inner)))
        piece = mark(text, inner, start, end)
        out.append(("…" if start > 0 else "") + piece + ("…" if end < len(text) else ""))
        covered_until = end
        if len(out) >= limit:
            break
    return out


def highlights(
    segmenter: Segmenter,
    words: Iterable[str],
    phrases: Iterable[str],
    *,
    title: str,
    path_names: str = "",
    body: str = "",
) -> list[str]:
    """The title (whole) and path when they match, then body excerpts; a plain title if nothing matched."""
    words = list(words)
    phrases = list(phrases)
    out: list[str] = []
    title_spans = find_spans(title, segmenter, words, phrases)
    if title_spans:
        out.append(mark(title, title_spans))
    path_spans = find_spans(path_names, segmenter, words, phrases)
    if path_spans:
        out.append(mark(path_names, path_spans))
    body_spans = find_spans(body, segmenter, words, phrases)
    out.extend(fragments(body, body_spans))
    if not out:
        out.append(html.escape(title))
    return out


def code_highlight(title: str, own_code: str | None, query_code: str) -> str:
    """For a code lookup: the matched code marked, before the title (own code) or after it (a referenced code)."""
    if own_code and own_code.upper().startswith(query_code):
        return f"<mark>{html.escape(own_code)}</mark> {html.escape(title)}"
    return f"{html.escape(title)} <mark>{html.escape(query_code)}</mark>"
