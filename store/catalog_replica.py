"""The catalog as the build's steps after the load read it: from memory and from its files, not the store.

The links and the search documents read the whole reconciled catalog (about 60,000 terms, the same at any
corpus size) and where each copy of each entry is printed (a million copies at a thousand documents). From the
on-disk store every term costs a lookup of its string; the catalog's triples in memory answer the same queries
in a fifth of the time. The copies are too many to hold as triples in memory: they are read from the very
N-Triples file the store loads, straight into the compact form `Repository.entry_places` gives. Needing nothing
from the store, the indexer starts while the store is still loading.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .store import PREFIXES, OxigraphStore

Places = dict[str, dict[str, tuple[int, int]]]  # entry IRI → {document file → (line, end line)}

_SOURCE = PREFIXES["bk"] + "source"
_LOCATION = re.compile(r"^(?P<doc>[^#]+)#L(?P<line>\d+)(?:-L(?P<end>\d+))?$")


def parse_location(location: str, files: Mapping[str, str]) -> tuple[str, int, int] | None:
    """(file, line, end line) of a location IRI <document#Lline[-Lend]>; `files` maps document IRIs to file
    names (a document missing from it keeps its IRI)."""
    match = _LOCATION.match(location)
    if match is None:
        return None
    line = int(match["line"])
    return files.get(match["doc"], match["doc"]), line, int(match["end"]) if match["end"] else line


def add_place(places: dict[str, tuple[int, int]], place: tuple[str, int, int], first_file_only: bool) -> None:
    """Keep the first copy of an entry in each document (or, with `first_file_only`, in the first document by
    file name only: all that an entry's first source needs, a thousandth of the memory at scale)."""
    file, lines = place[0], place[1:]
    if first_file_only and places:
        kept = next(iter(places))
        if file > kept:
            return
        if file < kept:
            places.clear()
    places[file] = min(places.get(file, lines), lines)


def read_places(copies: Path, files: Mapping[str, str], first_file_only: bool = False) -> Places:
    """Every entry's places, from the catalog copies' N-Triples file (`ontology.mapping.Mapper.entry_copies`).

    Parsed leniently: the build wrote the file itself, from IRIs it minted.
    """
    places: Places = {}
    for triple in ox.parse(path=copies, format=ox.RdfFormat.N_TRIPLES, lenient=True):
        if triple.predicate.value != _SOURCE:
            continue
        place = parse_location(triple.object.value, files)
        if place is not None:
            add_place(places.setdefault(triple.subject.value, {}), place, first_file_only)
    return places


@dataclass(frozen=True)
class CatalogReplica:
    """The catalog graph without its copies in memory, the copies' places, and the documents' file names.

    `Repository(store, catalog=replica)` answers the catalog from it and everything else from `store`.
    """

    store: OxigraphStore
    places: Places
    files: dict[str, str]  # document IRI → file name

    @classmethod
    def read(cls, catalog: Path, copies: Path, graph: str, files: Mapping[str, str],
             first_file_only: bool = False) -> CatalogReplica:
        """From the two files of the catalog graph (`catalog` and its `copies`) the build wrote."""
        store = OxigraphStore.in_memory()
        store.load_ntriples(catalog, graph)
        return cls(store, read_places(copies, files, first_file_only), dict(files))
