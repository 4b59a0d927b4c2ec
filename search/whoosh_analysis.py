"""The tokenizer's two streams as whoosh analyzers (whoosh_index.py); apart so that only whoosh indexes import
whoosh (a tenth of a second of every command's start)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from whoosh.analysis import Token, Tokenizer

from .tokenizer import bigram_tokens, registered_segmenter, word_tokens


class _StreamTokenizer(Tokenizer):
    """A whoosh tokenizer over one of the tokenizer's streams of (text, position, start, end)."""

    def stream(self, value: str, mode: str) -> Iterable[tuple[str, int, int, int]]:
        raise NotImplementedError

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, pos, start, end in self.stream(value, mode):
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = text
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


class WordTokenizer(_StreamTokenizer):
    """Whoosh tokenizer for the word stream; `mode="query"` leaves the search-mode sub-words out."""

    def __init__(self, segmenter_key: str) -> None:
        self.segmenter_key = segmenter_key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordTokenizer) and other.segmenter_key == self.segmenter_key

    def __hash__(self) -> int:
        return hash(self.segmenter_key)

    def stream(self, value: str, mode: str) -> Iterable[tuple[str, int, int, int]]:
        segmenter = registered_segmenter(self.segmenter_key)
        return ((t.text, t.pos, t.start, t.end) for t in word_tokens(segmenter, value, subwords=mode != "query"))


class BigramTokenizer(_StreamTokenizer):
    """Whoosh tokenizer for the bigram stream (phrase matching)."""

    def stream(self, value: str, mode: str) -> Iterable[tuple[str, int, int, int]]:
        return ((text, pos, start, end) for pos, (text, start, end) in enumerate(bigram_tokens(value)))
