"""The build: source texts → records → triples → store and index, published atomically.

Steps run in the direction of the data (graph readers → ontology mapping → store → search index →
links) and each step only consumes what the previous one produced. A document that cannot be read is
reported with its file and line and left out; if an earlier build had read it, its earlier records are
kept, so a bad re-ingest never loses what was already built. Documents are identified by file name:
ingesting one again replaces it.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Literal

from .graph.budget_reader import read_budget
from .graph.catalog_reader import read_catalog
from .graph.catalog_reconcile import reconcile
from .graph.records import BudgetDocument, CatalogCopy, Issue, Revision, SourceError, SourceRef
from .graph.source_text import load_source
from .graph.table_checks import check_document
from .ontology.iris import Iris, doc_stem
from .ontology.mapping import Mapper
from .search.from_graph import dictionary_words, documents_from_graph
from .search.index import build_index
from .store.generations import Generations
from .store.repository import Repository
from .store.store import OxigraphStore

Progress = Callable[[str], None]


@dataclass
class DocumentRecords:
    """What the readers made of one source: cached per generation so re-ingesting others is cheap."""

    file: str
    path: str
    sha256: str
    budget: BudgetDocument | None
    copies: list[CatalogCopy]
    issues: list[Issue]


@dataclass
class BuildReport:
    generation: str | None
    documents: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    triples: int = 0
    index_documents: int = 0
    links: int = 0
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.generation is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "generation": self.generation,
            "documents": self.documents,
            "problems": self.problems,
            "triples": self.triples,
            "index_documents": self.index_documents,
            "links": self.links,
            "seconds": round(self.seconds, 3),
            "steps": {k: round(v, 3) for k, v in self.steps.items()},
        }


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files named on the command line, and every visible file inside named folders (sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        else:
            found.append(path)
    return found


def read_document(path: Path) -> DocumentRecords:
    """Read one file into records; raise SourceError when it is not a usable disclosure at all."""
    source = load_source(path)
    budget: BudgetDocument | None = None
    issues: list[Issue] = []
    try:
        budget = read_budget(source)
        issues.extend(budget.issues)
    except SourceError as budget_error:
        copies, catalog_issues = read_catalog(source)
        if not copies:
            raise budget_error
        issues.append(Issue("warning", "no_budget_tables", f"{budget_error.problem}; only the catalog was read",
                            SourceRef(source.file, budget_error.line)))
        return DocumentRecords(source.file, str(path), source.sha256, None, copies, issues + catalog_issues)
    copies, catalog_issues = read_catalog(source)
    issues.extend(catalog_issues)
    return DocumentRecords(source.file, str(path), source.sha256, budget, copies, issues)


def _read_or_error(path: Path) -> DocumentRecords | SourceError:
    """Read one document; any failure becomes a SourceError for that document, never the whole build's."""
    try:
        return read_document(path)
    except SourceError as error:
        return error
    except Exception as error:  # a reader bug on odd input must not stop the other documents
        return SourceError(path.name, 0, f"the reader failed: {type(error).__name__}: {error}")


def _read_in_parallel(paths: list[Path], previous: dict[str, DocumentRecords]) -> list[DocumentRecords | SourceError]:
    """Documents unchanged since the previous build reuse its records; the others are read on every core."""
    outcomes: list[DocumentRecords | SourceError | None] = []
    todo: list[int] = []
    for i, path in enumerate(paths):
        kept = previous.get(path.name)
        if kept is not None and path.is_file() and _sha256(path) == kept.sha256:
            outcomes.append(kept)
        else:
            outcomes.append(None)
            todo.append(i)
    workers = min(os.cpu_count() or 1, len(todo))
    if workers > 1 and len(todo) >= 8:
        with multiprocessing.get_context("forkserver").Pool(workers) as pool:
            fresh = pool.map(_read_or_error, [paths[i] for i in todo], chunksize=4)
    else:
        fresh = [_read_or_error(paths[i]) for i in todo]
    for i, outcome in zip(todo, fresh, strict=True):
        outcomes[i] = outcome
    return [o for o in outcomes if o is not None]


class Builder:
    """One build into a fresh generation of `data_dir`."""

    def __init__(self, data_dir: Path, base: str, progress: Progress | None = None) -> None:
        self.generations = Generations(data_dir)
        self.iris = Iris(base)
        self.mapper = Mapper(self.iris)
        self.progress = progress or (lambda _message: None)
        self.report = BuildReport(generation=None)

    # ------------------------------------------------------------------ sources
    def _previous_records(self) -> dict[str, DocumentRecords]:
        current = self.generations.current()
        if current is None:
            return {}
        cache: dict[str, DocumentRecords] = {}
        for path in sorted((current / "records").glob("*.pickle")):
            with path.open("rb") as handle:
                records: DocumentRecords = pickle.load(handle)
            cache[records.file] = records
        return cache

    def _read_all(self, paths: list[Path], previous: dict[str, DocumentRecords]) -> dict[str, DocumentRecords]:
        documents: dict[str, DocumentRecords] = {}
        for path, outcome in zip(paths, _read_in_parallel(paths, previous), strict=True):
            name = path.name
            if name in documents:
                self._problem("warning", "replaced", f"{path} replaces the earlier file of the same name", name, 0)
            try:
                if isinstance(outcome, SourceError):
                    raise outcome
                records = outcome
            except SourceError as error:
                self._problem("error", "unreadable", error.problem, error.file, error.line)
                kept = previous.get(name)
                if kept is not None:
                    documents[name] = kept
                    self._problem("warning", "kept_previous",
                                  "the version read by the previous build is kept", name, error.line)
                    self.report.documents.append({"file": name, "status": "kept-previous"})
                else:
                    self.report.documents.append({"file": name, "status": "failed"})
                continue
            documents[name] = records
            status = "replaced" if name in previous and previous[name].sha256 != records.sha256 else "ok"
            self.report.documents.append({"file": name, "status": status, "budget": records.budget is not None,
                                          "catalog_copies": [c.notice.revision for c in records.copies]})
            for issue in records.issues:
                if issue.severity == "warning":
                    self._problem("warning", issue.kind, issue.message, issue.source.file, issue.source.line)
        return documents

    def _problem(self, severity: str, kind: str, message: str, file: str, line: int) -> None:
        self.report.problems.append({"severity": severity, "kind": kind, "message": message,
                                     "file": file, "line": line})
        self.progress(f"{severity}: {file}:{line}: {message}")

    # ------------------------------------------------------------------ the build
    def run(self, paths: list[Path], keep_current_sources: bool = False) -> BuildReport:
        started = time.perf_counter()
        with self.generations.lock():
            previous = self._previous_records()
            if keep_current_sources:
                given = {q.name for q in paths}
                paths = [Path(r.path) for r in previous.values() if r.file not in given] + paths
            generation = self.generations.new()
            t = time.perf_counter()
            documents = self._read_all(paths, previous)
            self.report.steps["read"] = time.perf_counter() - t
            if not documents:
                self._problem("error", "nothing_to_build", "no readable document: the previous graph stays", "-", 0)
                self.report.seconds = time.perf_counter() - started
                return self.report
            revisions = self._timed("reconcile", lambda: reconcile([c for d in documents.values() for c in d.copies]))
            self._timed("cache", lambda: self._write_cache(generation, documents))
            store = OxigraphStore.create(generation / "store")
            self._timed("map+load", lambda: self._load(store, generation, documents, revisions))
            self._timed("post-load", lambda: self._after_load(store, generation))
            self.report.triples = len(store)
            store.flush()
            store.close()
            manifest = {
                "base": self.iris.base,
                "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "documents": [{"file": d.file, "path": d.path, "sha256": d.sha256} for d in documents.values()],
                "problems": self.report.problems,
                "triples": self.report.triples,
                "index_documents": self.report.index_documents,
                "links": self.report.links,
            }
            self.generations.publish(generation, manifest)
            self.generations.collect_garbage()
            self.report.generation = generation.name
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _timed(self, step: str, action: Callable[[], Any]) -> Any:
        t = time.perf_counter()
        result = action()
        self.report.steps[step] = self.report.steps.get(step, 0.0) + time.perf_counter() - t
        return result

    def _write_cache(self, generation: Path, documents: dict[str, DocumentRecords]) -> None:
        """Keep each document's records and its text: the next build reuses them, the app shows the text."""
        folder, texts = generation / "records", generation / "sources"
        folder.mkdir()
        texts.mkdir()
        previous = self.generations.current()
        for records in documents.values():
            with (folder / f"{records.file}.pickle").open("wb") as handle:
                pickle.dump(records, handle, protocol=pickle.HIGHEST_PROTOCOL)
            kept = previous / "sources" / records.file if previous else None
            origin = kept if kept is not None and kept.exists() and _sha256(kept) == records.sha256 else None
            if origin is None and Path(records.path).exists() and _sha256(Path(records.path)) == records.sha256:
                origin = Path(records.path)
            if origin is not None:
                shutil.copyfile(origin, texts / records.file)

    def _load(self, store: OxigraphStore, generation: Path, documents: dict[str, DocumentRecords],
              revisions: list[Revision]) -> None:
        """Map each document into its own named graph, the reconciled catalog into another.

        Nodes that several documents describe (a unit over the years, a national 科目 code) go once into
        a shared graph: with the union default graph, a triple repeated in two named graphs would answer
        every query twice.
        """
        nt_dir = generation / "nt"
        nt_dir.mkdir()
        shared_prefixes = (self.iris.base + "id/unit/", self.iris.base + "id/subject/")
        shared: set[tuple[Any, Any, Any]] = set()
        for records in documents.values():
            own = []
            for triple in self._document_triples(records):
                (shared.add if str(triple[0]).startswith(shared_prefixes) else own.append)(triple)
            path = nt_dir / f"{doc_stem(records.file)}.nt"
            write_ntriples(path, own)
            store.load_ntriples(path, str(self.iris.graph(doc_stem(records.file))))
        for name, triples in (("shared", sorted(shared)), ("catalog", self._catalog_triples(revisions))):
            path = nt_dir / f"{name}.nt"
            write_ntriples(path, triples)
            store.load_ntriples(path, str(self.iris.graph(name)))

    def _document_triples(self, records: DocumentRecords) -> Iterator[tuple[Any, Any, Any]]:
        stem = doc_stem(records.file)
        if records.budget is not None:
            yield from self.mapper.document(records.budget)
            yield from self.mapper.checks(records.file, check_document(records.budget))
        else:
            yield from self.mapper.source_document(records.file, records.sha256)
        copy_issues = [i for c in records.copies for i in c.issues]
        yield from self.mapper.issues(stem, [*records.issues, *copy_issues])

    def _catalog_triples(self, revisions: list[Revision]) -> Iterator[tuple[Any, Any, Any]]:
        for revision in revisions:
            yield from self.mapper.revision(revision)
            yield from self.mapper.issues(f"catalog-{revision.revision}", revision.issues)

    def _after_load(self, store: OxigraphStore, generation: Path) -> None:
        """Steps that read the loaded graph: the search index and the project → catalog links.

        Both are CPU-bound pure Python and independent, so the index is written by another process while
        this one links projects: on two cores the build takes the longer of the two, not their sum. Worker
        processes come from a fork server, never a fork of this process: a fork of a process with threads (a
        server, the store's own) can inherit a held lock and hang.
        """
        docs = self._timed("index documents", lambda: list(documents_from_graph(Repository(store),
                                                                                 generation / "sources")))
        started = time.perf_counter()
        indexer = multiprocessing.get_context("forkserver").Process(
            target=build_index, args=(docs, generation / "index"),
            kwargs={"dictionary_words": list(dictionary_words(docs))}, name="budgetkg-index",
        )
        indexer.start()
        try:
            self._timed("links", lambda: self._link(store, generation))
        finally:
            indexer.join()
        self.report.steps["index"] = time.perf_counter() - started
        if indexer.exitcode != 0:
            raise RuntimeError(f"building the search index failed (exit code {indexer.exitcode})")
        self.report.index_documents = len(docs)

    def _link(self, store: OxigraphStore, generation: Path) -> None:
        """Link every project to the catalog entries that allow it (check/linking.py), into the "links" graph."""
        from .check.linking import GraphView, link_triples

        path = generation / "nt" / "links.nt"
        self.report.links = write_ntriples(path, link_triples(GraphView(store, Repository(store)), self.iris))
        store.load_ntriples(path, str(self.iris.graph("links")))


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def nt_term(term: Any) -> str:
    """One term in N-Triples syntax (rdflib's n3() would write multi-line literals as Turtle \"\"\"…\"\"\")."""
    if isinstance(term, Literal):
        text = '"' + str(term).translate(_ESCAPES) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype:
            return f"{text}^^<{term.datatype}>"
        return text
    return term.n3()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_ntriples(path: Path, triples: Iterable[tuple[Any, Any, Any]]) -> int:
    """Serialise triples as N-Triples lines for Oxigraph's bulk loader."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for s, p, o in triples:
            out.write(f"{s.n3()} {p.n3()} {nt_term(o)} .\n")
            count += 1
    return count
