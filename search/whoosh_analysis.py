"""The tokenizer's two streams as whoosh analyzers (whoosh_index.py); apart so that only whoosh indexes import
whoosh (a tenth of a second of every command's start)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token, Tokenizer

from .tokenizer import bigram_tokens, registered_segmenter, word_tokens


class WordTokenizer(Tokenizer):
    """Whoosh tokenizer for the word stream; `mode="query"` leaves the search-mode sub-words out."""

    def __init__(self, segmenter_key: str) -> None:
        self.segmenter_key = segmenter_key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordTokenizer) and other.segmenter_key == self.segmenter_key

    def __hash__(self) -> int:
        return hash(self.segmenter_key)

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
        segmenter = registered_segmenter(self.segmenter_key)
        for wt in word_tokens(segmenter, value, subwords=mode != "query"):
            t.text = wt.text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = wt.text
            if positions:
                t.pos = start_pos + wt.pos
            if chars:
                t.startchar = start_char + wt.start
                t.endchar = start_char + wt.end
            yield t


class BigramTokenizer(Tokenizer):
    """Whoosh tokenizer for the bigram stream (phrase matching)."""

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
        for pos, (text, start, end) in enumerate(bigram_tokens(value)):
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
