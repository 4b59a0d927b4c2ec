"""The tantivy engine (the default): documents written and postings read by Rust, under the same answers.

Why: whoosh's writer is pure Python, about 1 ms a document, and was the longest step of a build (5.2 s of the
bundled corpus's 10 s; 217 s at 1,000 documents). tantivy writes the same documents in a fraction of that
(bench/build.py, bench/search.py print the figures). What a user sees does not depend on the engine:
tokenization, the query language, synonyms, codes, filters, facets and highlights are ours (searching.py,
matching.py); tantivy stores what our tokenizer produced and answers term, term-set and phrase queries.

Our tokenizer runs in Python and hands tantivy whitespace-joined tokens, indexed by tantivy's whitespace
tokenizer: the word fields keep term frequencies (BM25, tantivy's own formula and field norms), the bigram
fields keep positions (a quoted phrase is a tantivy phrase query of its bigrams). Word tokens never contain
whitespace (jieba cuts at it; is_wordlike drops it). A document's number is its place in the input, kept in the
fast field `n`, so that docmeta.json (facets, amounts, codes) stays an array look-up whatever order tantivy
keeps documents in. The texts and payload a hit shows are one stored JSON value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tantivy

from .building import TEXT_FIELDS, indexed_codes, payload
from .documents import SearchDoc
from .posting_memo import PostingMemo
from .request import IndexUnavailable, SearchError
from .searching import IndexSearcher
from .segmenter import Segmenter
from .tokenizer import bigram_tokens, word_tokens

ENGINE = "tantivy"
SUBDIRECTORY = "tantivy"
WRITER_HEAP_BYTES = 128_000_000  # one indexing thread: the Python tokenizer feeding it is the slower side


def make_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("n", stored=False, indexed=False, fast=True)
    builder.add_bytes_field("stored", stored=True, indexed=False, fast=False)
    for words, bigrams in TEXT_FIELDS:
        builder.add_text_field(words, tokenizer_name="whitespace", index_option="freq")
        builder.add_text_field(bigrams, tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("code", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("codes", tokenizer_name="whitespace", index_option="basic")
    return builder.build()


def _document(n: int, doc: SearchDoc, segmenter: Segmenter) -> tantivy.Document:
    document = tantivy.Document()
    document.add_unsigned("n", n)
    texts: dict[str, str] = {}
    for words, bigrams in TEXT_FIELDS:
        text = getattr(doc, words) or ""
        if not text.strip():
            continue
        texts[words] = text
        document.add_text(words, " ".join([t.text for t in word_tokens(segmenter, text)]))
        document.add_text(bigrams, " ".join([t for t, _, _ in bigram_tokens(text)]))
    own, codes = indexed_codes(doc)
    if own:
        document.add_text("code", own)
    if codes:
        document.add_text("codes", " ".join(codes))
    stored = {"payload": payload(doc), "texts": texts}
    document.add_bytes("stored", json.dumps(stored, ensure_ascii=False).encode("utf-8"))
    return document


def write_tantivy(staging: Path, docs: list[SearchDoc], segmenter: Segmenter, _key: str) -> dict[str, list[int]]:
    """Writes the documents (see building.EngineWriter); tantivy keeps its own field norms."""
    folder = staging / SUBDIRECTORY
    folder.mkdir()
    index = tantivy.Index(make_schema(), path=str(folder))
    writer = index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
    try:
        for n, doc in enumerate(docs):
            writer.add_document(_document(n, doc, segmenter))
    except BaseException:
        writer.rollback()
        raise
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    held = index.searcher().num_docs
    if held != len(docs):
        raise SearchError(f"index holds {held} documents, expected {len(docs)}")
    return {}


class TantivyPostings(PostingMemo):
    """matching.Postings over a tantivy searcher: every match of a term query, mapped to document numbers."""

    def __init__(self, index: tantivy.Index, searcher: tantivy.Searcher, doc_count: int) -> None:
        super().__init__()
        self.schema = index.schema
        self.searcher = searcher
        self.doc_count = doc_count

    def _matches(self, query: tantivy.Query) -> tuple[list[int], list[float]]:
        """(document numbers, scores) of every document the query matches."""
        hits = self.searcher.search(query, limit=max(1, self.doc_count), count=False).hits
        if not hits:
            return [], []
        numbers = self.searcher.fast_field_values("n", [address for _, address in hits])
        return numbers, [score for score, _ in hits]

    def scores(self, field: str, text: str) -> dict[int, float]:
        def make() -> dict[int, float]:
            numbers, scores = self._matches(tantivy.Query.term_query(self.schema, field, text))
            return dict(zip(numbers, scores, strict=True))

        return self.memo(("s", field, text), make)

    def docs(self, field: str, text: str) -> frozenset[int]:
        return self.memo(("d", field, text), lambda: self._docs(tantivy.Query.term_query(self.schema, field, text)))

    def prefix_docs(self, field: str, prefix: str) -> frozenset[int]:
        terms = [term for term, _ in self.searcher.terms_with_prefix(field, prefix)]
        if not terms:
            return frozenset()
        return self._docs(tantivy.Query.term_set_query(self.schema, field, terms))

    def phrase_docs(self, field: str, grams: list[str]) -> frozenset[int]:
        if len(grams) == 1:
            return self.docs(field, grams[0])
        return self.memo(
            ("p", field, "\t".join(grams)),
            lambda: self._docs(tantivy.Query.phrase_query(self.schema, field, grams)),
        )

    def doc_frequency(self, field: str, text: str) -> int:
        return int(self.searcher.doc_freq(field, text))

    def _docs(self, query: tantivy.Query) -> frozenset[int]:
        return frozenset(self._matches(query)[0])

    def addresses(self) -> list[Any]:
        """Document number → tantivy's address of the document."""
        hits = self.searcher.search(tantivy.Query.all_query(), limit=max(1, self.doc_count), count=False).hits
        found = [address for _, address in hits]
        out: list[Any] = [None] * self.doc_count
        for n, address in zip(self.searcher.fast_field_values("n", found), found, strict=True):
            out[n] = address
        return out


class TantivySearchIndex(IndexSearcher):
    """An open tantivy index: one searcher, kept until close()."""

    def _open_engine(self) -> None:
        folder = self.directory / SUBDIRECTORY
        if not tantivy.Index.exists(str(folder)):
            raise IndexUnavailable(f"no tantivy index in {folder}")
        self._index = tantivy.Index.open(str(folder))
        self._searcher = self._index.searcher()
        if self._searcher.num_docs != self.meta.count:
            raise IndexUnavailable(
                f"the tantivy index in {folder} holds {self._searcher.num_docs} documents, docmeta {self.meta.count}"
            )
        self.postings = TantivyPostings(self._index, self._searcher, self.meta.count)
        self._addresses = self.postings.addresses()

    def _stored(self, docnum: int) -> tuple[dict[str, str], dict[str, Any]]:
        stored = json.loads(self._searcher.doc(self._addresses[docnum]).get_first("stored"))
        return stored["texts"], stored["payload"]

    def _close_engine(self) -> None:
        self._addresses = []
