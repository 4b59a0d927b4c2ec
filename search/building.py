"""Building an index, whatever the engine: checks, the domain dictionary, docmeta and the manifest.

An engine contributes one function, `write(staging, docs, segmenter)`, that puts its own files into the staging
directory for documents numbered 0 … n-1 in the order given and returns the per-field lengths it wants kept in
docmeta (empty when the engine keeps its own). Everything around it is the same for every engine, so the engines
answer from the same dictionary, synonyms and document numbers.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .dictionary import Synonyms, build_dictionary
from .docmeta import DocMetaBuilder
from .documents import DOC_TYPES, SearchDoc
from .query import normalize_code
from .segmenter import Segmenter, make_segmenter
from .tokenizer import register_segmenter

FORMAT = "budgetkg-search/1"
MANIFEST = "budgetkg-search.json"
DICTIONARY = "dictionary.txt"
SYNONYMS = "synonyms.tsv"
DOCMETA = "docmeta.json"

# (word field, bigram field) pairs: the word stream ranks, the bigram stream answers quoted phrases
TEXT_FIELDS = (("title", "title_bg"), ("path_names", "path_bg"), ("body", "body_bg"))

EngineWriter = Callable[[Path, list[SearchDoc], Segmenter, str], dict[str, list[int]]]


def payload(doc: SearchDoc) -> dict[str, Any]:
    """What a hit returns about its document, stored with it."""
    return {
        "type": doc.type,
        "id": doc.id,
        "title": doc.title,
        "file": doc.file,
        "line": doc.line,
        "unit": doc.unit,
        "revision": doc.revision,
        "department": doc.department,
        "doc_no": doc.doc_no,
        "year": doc.year,
        "region": doc.region,
        "amount": None if doc.amount is None else str(doc.amount),
        "code": doc.own_code,
        "extra": doc.extra,
    }


def indexed_codes(doc: SearchDoc) -> tuple[str | None, list[str]]:
    """(own code, all codes: own, ancestors', 科目), normalised, for the code look-ups."""
    own = normalize_code(doc.own_code) if doc.own_code else None
    codes = {normalize_code(c) for c in doc.codes if c and c.strip()}
    if own:
        codes.add(own)
    return own, sorted(codes)


def _check(doc: SearchDoc, seen: set[str]) -> None:
    if not isinstance(doc, SearchDoc):
        raise TypeError(f"build_index takes SearchDoc objects, got {type(doc).__name__}")
    if not doc.id:
        raise ValueError(f"search document without id: {doc.title!r}")
    if doc.id in seen:
        raise ValueError(f"duplicate search document id {doc.id!r}")
    if doc.type not in DOC_TYPES:
        raise ValueError(f"search document {doc.id!r} has unknown type {doc.type!r} (use one of {DOC_TYPES})")
    seen.add(doc.id)


def build_fresh(
    docs: Iterable[SearchDoc],
    directory: Path,
    *,
    engine: str,
    write: EngineWriter,
    dictionary_words: Iterable[str] = (),
    segmenter: str | None = None,
) -> dict[str, Any]:
    """Builds a complete index in a private sibling directory and renames it to `directory` at the end.

    `directory` must not exist (or be empty): a live index is never written over (see index.build_index).
    """
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise FileExistsError(
            f"{directory} already exists and is not empty: build into a fresh directory, then swap it in "
            "(budgetkg.search.index.swap_in)"
        )
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = directory.parent / f".{directory.name}.building-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    try:
        manifest = _build_into(staging, list(docs), list(dictionary_words), segmenter, engine, write)
        if directory.exists():
            directory.rmdir()  # empty, checked above
        os.rename(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _build_into(
    staging: Path, docs: list[SearchDoc], names: list[str], backend: str | None, engine: str, write: EngineWriter
) -> dict[str, Any]:
    started = time.perf_counter()
    seen: set[str] = set()
    for doc in docs:
        _check(doc, seen)
    synonyms = Synonyms.load()
    seg = make_segmenter(backend)
    proper = {v for d in docs for v in (d.region, d.department) if v}
    words = build_dictionary(names, seg, proper_names=proper, synonyms=synonyms)
    seg.add_words(words)
    key = f"{seg.name}:{uuid.uuid4().hex}"
    register_segmenter(key, seg)
    dictionary_seconds = time.perf_counter() - started

    meta = DocMetaBuilder()
    for doc in docs:
        meta.add(doc)
    meta.lengths = write(staging, docs, seg, key)
    index_seconds = time.perf_counter() - started - dictionary_seconds

    (staging / DICTIONARY).write_text("".join(w + "\n" for w in words), encoding="utf-8")
    (staging / SYNONYMS).write_text(
        "# snapshot of the synonym table this index was built with\n"
        + "".join(f"{t}\t" + "\t".join(e) + "\n" for t, e in synonyms.expansions.items()),
        encoding="utf-8",
    )
    (staging / DOCMETA).write_text(json.dumps(meta.to_json(), ensure_ascii=False), encoding="utf-8")
    manifest = {
        "format": FORMAT,
        "engine": engine,
        "segmenter": seg.name,
        "segmenter_key": key,
        "documents": len(docs),
        "dictionary_words": len(words),
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": {"dictionary": round(dictionary_seconds, 3), "index": round(index_seconds, 3)},
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest
