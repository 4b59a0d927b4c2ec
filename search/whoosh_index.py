"""The whoosh engine: its schema, writing documents, reading postings and stored fields.

Library choice: whoosh-reloaded 2.7.5 (the Sygil-Dev fork), not Whoosh 2.7.4. The fork is the same code base,
API and file format, with the maintenance the original stopped getting in 2016: Whoosh 2.7.4 emits
invalid-escape SyntaxWarnings on Python 3.12+ from its analysis modules (whoosh/analysis/filters.py …, due to
become errors), the fork fixed them (compiling all of 2.7.5 here warns only in its vendored
whoosh/support/pyparsing.py, which we never import) and ships current releases. Nothing here depends on
fork-only API, so either imports the same. What we use is the stable core: fields with custom analyzers,
the W3 codec's postings (ids, weights, positions), stored fields, Term / Prefix queries for code look-ups and
the BM25F formula; the boolean evaluation and scoring run over cached postings instead of whoosh's matcher
tree (postings.py says why).

Index directory: whoosh's files (_MAIN_*.toc, *.seg …) beside the engine-neutral ones (building.py); whoosh's
(quantised) field lengths go into docmeta.json, so BM25 needs no call per posting.

Fields: title / path_names / body (word stream, stored for highlighting), title_bg / path_bg / body_bg (bigram
stream with positions, for phrases), code (own code, upper case), codes (all codes: own, ancestors', 科目),
payload (stored JSON with what a Hit returns).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.searching import Searcher

from .building import TEXT_FIELDS, indexed_codes, payload
from .documents import SearchDoc
from .postings import PostingCache
from .request import SearchError
from .searching import IndexSearcher
from .segmenter import Segmenter
from .whoosh_analysis import BigramTokenizer, WordTokenizer

ENGINE = "whoosh"
WRITER_MEMORY_MB = 256
LENGTH_FIELDS = ("title", "path_names", "body")


def make_schema(segmenter_key: str) -> Schema:
    words = WordTokenizer(segmenter_key)
    bigrams = BigramTokenizer()
    return Schema(
        id=ID(stored=True, unique=True),
        payload=STORED,
        title=TEXT(analyzer=words, phrase=False, stored=True),
        path_names=TEXT(analyzer=words, phrase=False, stored=True),
        body=TEXT(analyzer=words, phrase=False, stored=True),
        title_bg=TEXT(analyzer=bigrams, phrase=True),
        path_bg=TEXT(analyzer=bigrams, phrase=True),
        body_bg=TEXT(analyzer=bigrams, phrase=True),
        code=ID,
        codes=KEYWORD(lowercase=False, commas=False, scorable=False),
    )


def write_whoosh(staging: Path, docs: list[SearchDoc], _segmenter: Segmenter, key: str) -> dict[str, list[int]]:
    """Writes the documents; returns whoosh's field lengths for docmeta (see building.EngineWriter)."""
    ix = whoosh_index.create_in(str(staging), make_schema(key))
    writer = ix.writer(limitmb=WRITER_MEMORY_MB)
    try:
        for doc in docs:
            fields: dict[str, Any] = {"id": doc.id, "payload": json.dumps(payload(doc), ensure_ascii=False)}
            for name, bg in TEXT_FIELDS:
                text = getattr(doc, name) or ""
                if text.strip():
                    fields[name] = text
                    fields[bg] = text
            own, codes = indexed_codes(doc)
            if own:
                fields["code"] = own
            if codes:
                fields["codes"] = " ".join(codes)
            writer.add_document(**fields)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    with ix.searcher() as searcher:  # documents are numbered in the order they were added: check the ends
        if searcher.doc_count_all() != len(docs):
            raise SearchError(f"index holds {searcher.doc_count_all()} documents, expected {len(docs)}")
        for docnum in {0, len(docs) // 2, len(docs) - 1} if docs else ():
            if searcher.stored_fields(docnum)["id"] != docs[docnum].id:
                raise SearchError("whoosh did not number documents in insertion order; docmeta would be wrong")
        reader = searcher.reader()
        lengths = {f: [reader.doc_field_length(d, f, 0) for d in range(len(docs))] for f in LENGTH_FIELDS}
    ix.close()
    return lengths


class WhooshSearchIndex(IndexSearcher):
    """An open whoosh index. Keeps one searcher (and so its files) open until close()."""

    def _open_engine(self) -> None:
        self._ix = whoosh_index.open_dir(str(self.directory))
        self._searcher: Searcher = self._ix.searcher()
        self.postings = PostingCache(self._searcher, self.meta.lengths)

    def _stored(self, docnum: int) -> tuple[dict[str, str], dict[str, Any]]:
        stored = self._searcher.stored_fields(docnum)
        return stored, json.loads(stored["payload"])

    def _close_engine(self) -> None:
        self._searcher.close()
        self._ix.close()
