"""Stable IRIs under a configurable base.

An IRI is made only from what identifies the thing in the sources (a file name, a 科目 code, a revision,
department and code), never from build order, so rebuilding or re-ingesting yields the same IRIs and
links stay valid. Non-ASCII segments are percent-encoded so every client can use them as plain URIs.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import PurePosixPath
from urllib.parse import quote

from rdflib import Namespace, URIRef


class CachedNamespace:
    """An rdflib Namespace whose terms are made once: `Namespace.x` builds a new URIRef on every access,
    which dominated the mapping's time."""

    def __init__(self, iri: str) -> None:
        self._namespace = Namespace(iri)
        self._terms: dict[str, URIRef] = {}

    def __getitem__(self, name: str) -> URIRef:
        term = self._terms.get(name)
        if term is None:
            term = self._terms[name] = self._namespace[name]
        return term

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __str__(self) -> str:
        return str(self._namespace)


BK = CachedNamespace("https://w3id.org/budgetkg/ns#")
DEFAULT_BASE = "https://example.org/budgetkg/"
# An absolute IRI (RFC 3987: a scheme, then no character an IRI forbids) with no query or fragment to append to.
_BASE = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|\\^`?#]+$')


def segment(text: str) -> str:
    """One path segment, percent-encoded (a slash inside a name must not open a new segment)."""
    return quote(text, safe="")


@cache
def doc_stem(file: str) -> str:
    return PurePosixPath(file).stem


class Iris:
    """Mints the IRIs of one graph under `base` (a '/' is added when it does not end with one)."""

    def __init__(self, base: str = DEFAULT_BASE) -> None:
        """Raises ValueError for a base that is not an absolute IRI: everything minted under it is trusted as
        valid when loaded (`store.OxigraphStore._load`), so a bad base must stop the build here."""
        if not _BASE.match(base):
            raise ValueError(f"the IRI base {base!r} is not an absolute IRI without a query or fragment "
                             f"(for example {DEFAULT_BASE})")
        if not base.endswith("/"):
            base += "/"
        self.base = base
        self._minted: dict[tuple[str, ...], URIRef] = {}

    def _id(self, *parts: str) -> URIRef:
        """Mint (once: building URIRefs dominates the mapping's time) the IRI of a path under the base."""
        iri = self._minted.get(parts)
        if iri is None:
            iri = self._minted[parts] = URIRef(self.base + "id/" + "/".join(segment(p) for p in parts))
        return iri

    # sources -------------------------------------------------------------------------------
    def document(self, file: str) -> URIRef:
        return self._id("doc", doc_stem(file))

    def location(self, file: str, line: int, end_line: int | None = None) -> URIRef:
        key = ("#", file, str(line), str(end_line or line))
        iri = self._minted.get(key)
        if iri is None:
            fragment = f"L{line}" if not end_line or end_line == line else f"L{line}-L{end_line}"
            iri = self._minted[key] = URIRef(f"{self.document(file)}#{fragment}")
        return iri

    def graph(self, name: str) -> URIRef:
        return self._id("graph", name)

    # budget side ---------------------------------------------------------------------------
    def unit(self, name: str) -> URIRef:
        return self._id("unit", name)

    def duty(self, unit: str, file: str, index: int) -> URIRef:
        """A duty as one disclosure prints it (an IRI, not a blank node: it is loaded in another file)."""
        return self._id("unit", unit, "duty", doc_stem(file), str(index))

    def disclosure(self, file: str) -> URIRef:
        return self._id("disclosure", doc_stem(file))

    def table(self, file: str, index: int) -> URIRef:
        return self._id("table", doc_stem(file), str(index))

    def row(self, file: str, table_index: int, row_index: int) -> URIRef:
        return self._id("table", doc_stem(file), str(table_index), str(row_index))

    def project(self, file: str, ordinal: int) -> URIRef:
        return self._id("project", doc_stem(file), str(ordinal))

    def performance(self, file: str, ordinal: int) -> URIRef:
        return self._id("performance", doc_stem(file), str(ordinal))

    def indicator(self, file: str, perf_ordinal: int, index: int) -> URIRef:
        return self._id("performance", doc_stem(file), str(perf_ordinal), "indicator", str(index))

    def procurement(self, file: str) -> URIRef:
        return self._id("procurement", doc_stem(file))

    def vehicles(self, file: str) -> URIRef:
        return self._id("vehicles", doc_stem(file))

    def subject(self, code: str) -> URIRef:
        return self._id("subject", code)

    def check(self, file: str, index: int) -> URIRef:
        return self._id("check", doc_stem(file), str(index))

    def anomaly(self, scope: str, index: int) -> URIRef:
        return self._id("anomaly", scope, str(index))

    # catalog side --------------------------------------------------------------------------
    def revision(self, name: str) -> URIRef:
        return self._id("catalog", name)

    def level(self, revision: str, depth: int) -> URIRef:
        return self._id("catalog", revision, "level", str(depth))

    def department(self, name: str) -> URIRef:
        return self._id("department", name)

    def revision_department(self, revision: str, department: str) -> URIRef:
        return self._id("catalog", revision, "department", department)

    def entry(self, revision: str, department: str | None, code: str, suffix: str = "") -> URIRef:
        return self._id("catalog", revision, department or "B", code + suffix)

    def link(self, project: URIRef) -> URIRef:
        return URIRef(str(project) + "/link")

    def lineage(self, key: str) -> URIRef:
        return self._id("lineage", key)
