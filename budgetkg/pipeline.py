"""The build: source texts → records → triples → store and index, published atomically.

Steps run in the direction of the data (graph readers → ontology mapping → store → search index →
links) and each step only consumes what the previous one produced. A document that cannot be read is
reported with its file and line and left out; if an earlier build had read it, its earlier records are
kept, so a bad re-ingest never loses what was already built. Documents are identified by file name:
ingesting one again replaces it.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from .graph.budget_reader import read_budget
from .graph.catalog_reader import read_catalog
from .graph.catalog_reconcile import reconcile
from .graph.records import BudgetDocument, CatalogCopy, Issue, Revision, SourceError, SourceRef
from .graph.source_text import load_source
from .graph.table_checks import check_document
from .ontology.iris import Iris, doc_stem
from .ontology.mapping import Mapper
from .ontology.ntriples import nt_line, write_ntriples
from .processes import Deferred, single_threaded, warm_fork_server
from .search.from_graph import DocumentParts, catalog_docs, combine, dictionary_words, document_parts
from .search.index import build_index, read_manifest
from .store.catalog_replica import CatalogReplica
from .store.generations import Generations
from .store.loader import BackgroundLoader
from .store.repository import Repository
from .store.store import OxigraphStore

Progress = Callable[[str], None]
T = TypeVar("T")


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


def _shared_node(line: str, prefixes: tuple[str, ...]) -> bool:
    """Whether an N-Triples line is about a node several documents describe (a unit, a national 科目 code).

    Those go once into the shared graph, not into each document's own: with the union default graph, a triple
    in two named graphs would answer every query twice.
    """
    return line[1:].startswith(prefixes)


@dataclass
class DocumentOutcome:
    """What the build keeps in memory of one document once a worker has read, cached and mapped it.

    Only the catalog copies (reconciled across documents) and the triples about nodes that several documents
    describe travel back; the records and the document's own triples are already on disk, so a large corpus
    is never held in memory at once.
    """

    file: str
    path: str
    sha256: str
    status: str  # ok | replaced | kept-previous | failed
    has_budget: bool = False
    copies: list[CatalogCopy] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)  # N-Triples lines about unit and 科目 nodes
    triples: Path | None = None  # the document's own N-Triples file
    search: Path | None = None  # its search documents (search.from_graph.DocumentParts), pickled
    error: SourceError | None = None


@dataclass(frozen=True)
class DocumentTask:
    """One file to ingest into `generation`; `previous` is what the current generation made of that file name."""

    path: Path
    generation: Path
    base: str
    previous: Path | None = None  # the current generation, when it holds this file name
    previous_sha256: str | None = None


_mappers: dict[str, Mapper] = {}


def _mapper(base: str) -> Mapper:
    """One Mapper per IRI base and process: its IRI cache is worth keeping across documents."""
    mapper = _mappers.get(base)
    if mapper is None:
        mapper = _mappers[base] = Mapper(Iris(base))
    return mapper


def _records(task: DocumentTask) -> tuple[DocumentRecords | None, SourceError | None, bool]:
    """(records, error, kept): this file's records, read afresh unless unchanged since the previous build.

    When the file cannot be read, the previous build's records of the same name are kept (`kept`), so a bad
    re-ingest never loses what was built.
    """
    cached = task.previous / "records" / f"{task.path.name}.pickle" if task.previous else None
    if cached is not None and cached.exists() and task.path.is_file() and _sha256(task.path) == task.previous_sha256:
        return _load_pickle(cached), None, False
    try:
        return read_document(task.path), None, False
    except SourceError as error:
        failure = error
    except Exception as error:  # a reader bug on odd input must not stop the other documents
        failure = SourceError(task.path.name, 0, f"the reader failed: {type(error).__name__}: {error}")
    if cached is not None and cached.exists():
        return _load_pickle(cached), failure, True
    return None, failure, False


def _load_pickle(path: Path) -> Any:
    with path.open("rb") as handle:
        return pickle.load(handle)


def _dump_pickle(value: Any, path: Path) -> None:
    with path.open("wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)


def ingest_document(task: DocumentTask) -> DocumentOutcome:
    """Read (or reuse) one document, cache its records and text, and write its own triples.

    Runs in a worker process: reading and mapping are the CPU-bound part of a build and every document is
    independent of the others.
    """
    records, error, kept = _records(task)
    if records is None:
        return DocumentOutcome(task.path.name, str(task.path), "", "failed", error=error)
    generation = task.generation
    _dump_pickle(records, generation / "records" / f"{records.file}.pickle")
    _copy_source(records, task.previous, generation / "sources")
    mapper = _mapper(task.base)
    prefixes = (mapper.iris.base + "id/unit/", mapper.iris.base + "id/subject/")
    shared: set[str] = set()
    stem = doc_stem(records.file)
    path = generation / "nt" / f"{stem}.nt"
    with path.open("w", encoding="utf-8") as out:
        for triple in _document_triples(mapper, records):
            line = nt_line(*triple)
            if _shared_node(line, prefixes):
                shared.add(line)
            else:
                out.write(line)
    search = generation / "search" / f"{stem}.pickle"
    _write_search_parts(path, shared, records.file, str(mapper.iris.graph(stem)), generation / "sources", search)
    if kept:
        status = "kept-previous"
    elif task.previous_sha256 is not None and task.previous_sha256 != records.sha256:
        status = "replaced"
    else:
        status = "ok"
    return DocumentOutcome(
        records.file, records.path, records.sha256, status, records.budget is not None, records.copies,
        [i for i in records.issues if i.severity == "warning"], sorted(shared), path, search, error,
    )


def _write_search_parts(triples: Path, shared: set[str], file: str, graph: str, sources: Path, out: Path) -> None:
    """The document's search documents, from its own graph in a store of its own in memory.

    The queries are the repository's, as for the whole graph; on one document's few thousand triples in memory
    they take milliseconds, where the same queries over the whole on-disk store grew with the corpus.
    """
    store = OxigraphStore.in_memory()
    store.load_ntriples(triples, graph)
    store.load_ntriples_text("".join(shared), graph)
    _dump_pickle(document_parts(Repository(store), sources, file), out)


def _copy_source(records: DocumentRecords, previous: Path | None, texts: Path) -> None:
    """Keep the text the records were read from (the app shows it): the file itself, or the previous copy."""
    for origin in (Path(records.path), previous / "sources" / records.file if previous else None):
        if origin is not None and origin.is_file() and _sha256(origin) == records.sha256:
            shutil.copyfile(origin, texts / records.file)
            return


def _document_triples(mapper: Mapper, records: DocumentRecords) -> Iterator[tuple[Any, Any, Any]]:
    stem = doc_stem(records.file)
    if records.budget is not None:
        yield from mapper.document(records.budget)
        yield from mapper.checks(records.file, check_document(records.budget))
    else:
        yield from mapper.source_document(records.file, records.sha256)
    copy_issues = [i for c in records.copies for i in c.issues]
    yield from mapper.issues(stem, [*records.issues, *copy_issues])


# Fewer documents than this are read in this process, without workers.
WORKERS_FROM_DOCUMENTS = 8
# With workers, documents' triples load in batches of this much N-Triples (store.loader.BackgroundLoader):
# about LOAD_CHUNK_LINES lines, a dozen documents. Reading in this process leaves a core idle: each loads at once.
LOAD_BATCH_BYTES = 16_000_000
INDEXER = "budgetkg-index"  # the indexer process's name
# The catalog graph's two files in a generation (`Builder._load_catalog`).
CATALOG = Path("nt", "catalog.nt")
CATALOG_COPIES = Path("nt", "catalog_copies.nt")


def _workers(tasks: list[DocumentTask]) -> int:
    """Worker processes for these tasks: one per core when there is enough to share out, else none."""
    workers = min(os.cpu_count() or 1, len(tasks))
    return workers if workers > 1 and len(tasks) >= WORKERS_FROM_DOCUMENTS else 0


def _ingest_all(tasks: list[DocumentTask]) -> Iterator[DocumentOutcome]:
    """Outcomes in task order, from a worker per core when there is enough to share out."""
    if workers := _workers(tasks):
        with multiprocessing.get_context("forkserver").Pool(workers) as pool:
            yield from pool.imap(ingest_document, tasks, chunksize=2)
    else:
        yield from map(ingest_document, tasks)


class _StringTable(dict[str, str]):
    """One object per distinct string: a thousand copies of one catalog would otherwise each hold their own."""

    def __call__(self, text: str | None) -> str | None:
        return None if text is None else self.setdefault(text, text)

    def share(self, copy: CatalogCopy) -> None:
        for row in copy.rows:
            row.revision, row.code, row.printed_code = self(row.revision), self(row.code), self(row.printed_code)
            row.name, row.name_raw, row.department = self(row.name), self(row.name_raw), self(row.department)
            row.parent_code = self(row.parent_code)


class Builder:
    """One build into a fresh generation of `data_dir`."""

    def __init__(self, data_dir: Path, base: str, progress: Progress | None = None) -> None:
        self.generations = Generations(data_dir)
        self.iris = Iris(base)
        self.mapper = Mapper(self.iris)
        self.progress = progress or (lambda _message: None)
        self.report = BuildReport(generation=None)

    def _problem(self, severity: str, kind: str, message: str, file: str, line: int) -> None:
        self.report.problems.append({"severity": severity, "kind": kind, "message": message,
                                     "file": file, "line": line})
        self.progress(f"{severity}: {file}:{line}: {message}")

    # ------------------------------------------------------------------ the build
    def run(self, paths: list[Path], keep_current_sources: bool = False) -> BuildReport:
        started = time.perf_counter()
        with self.generations.lock(), _without_cycle_collection():
            current = self.generations.current()
            built = {d["file"]: d for d in (self.generations.manifest() or {}).get("documents", [])}
            if keep_current_sources:
                given = {q.name for q in paths}
                paths = [Path(d["path"]) for d in built.values() if d["file"] not in given] + paths
            generation = self.generations.new()
            for folder in ("records", "sources", "nt", "search"):
                (generation / folder).mkdir()
            tasks = self._tasks(paths, generation, current, built)
            indexer = _early_indexer(tasks)  # before the store and the loader start their threads
            store = OxigraphStore.create(generation / "store")
            loader = BackgroundLoader(store, LOAD_BATCH_BYTES if _workers(tasks) else 0)
            try:
                t = time.perf_counter()
                documents = self._ingest(tasks, loader)
                self.report.steps["read+map"] = time.perf_counter() - t
                if not documents:
                    self._problem("error", "nothing_to_build", "no readable document: the previous graph stays",
                                  "-", 0)
                    self.report.seconds = time.perf_counter() - started
                    return self.report
                revisions = self._timed("reconcile",
                                        lambda: reconcile([c for d in documents.values() for c in d.copies]))
                for document in documents.values():  # reconciled: the copies are no longer needed in memory
                    document.copies = []
                self._timed("catalog", partial(self._load_catalog, loader, generation, revisions))
                del revisions  # mapped and written: free it before the steps that read the graph
                files = {str(self.iris.document(name)): name for name in documents}
                indexer = indexer or Deferred(multiprocessing.get_context("forkserver"), _index, INDEXER)
                indexer.run(generation, str(self.iris.graph("catalog")), files,
                            [d.search for d in documents.values() if d.search])
                replica = _in_background(partial(self._prepare_links, generation, files))
                self._timed("load", loader.finish)
                self._timed("flush", store.flush)
                store.close()  # the links read it read-only: no compaction runs under them
                store = self._timed("post-load", lambda: self._after_load(generation, replica, indexer))
            finally:
                loader.finish()  # after a failure: no load still running when the generation is removed
                if indexer is not None:
                    indexer.close()
            self.report.triples = len(store)
            store.flush(compact=False)  # compacted before the links, which came in as one sorted file
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

    def _tasks(self, paths: list[Path], generation: Path, current: Path | None,
               built: dict[str, dict[str, str]]) -> list[DocumentTask]:
        """A task per file name: ingesting a name again replaces it, the last file given wins."""
        chosen: dict[str, Path] = {}
        for path in paths:
            if path.name in chosen:
                self._problem("warning", "replaced", f"{path} replaces the earlier file of the same name",
                              path.name, 0)
            chosen[path.name] = path
        return [
            DocumentTask(path, generation, self.iris.base,
                         current if name in built else None, built.get(name, {}).get("sha256"))
            for name, path in chosen.items()
        ]

    def _ingest(self, tasks: list[DocumentTask], loader: BackgroundLoader) -> dict[str, DocumentOutcome]:
        """Ingest every document; each one's triples are loaded while the next ones are still being read."""
        documents: dict[str, DocumentOutcome] = {}
        shared: set[str] = set()
        strings = _StringTable()
        for outcome in _ingest_all(tasks):
            name = outcome.file
            if outcome.error is not None:
                error = outcome.error
                self._problem("error", "unreadable", error.problem, error.file, error.line)
                if outcome.status == "kept-previous":
                    self._problem("warning", "kept_previous", "the version read by the previous build is kept",
                                  name, error.line)
            entry: dict[str, Any] = {"file": name, "status": outcome.status}
            if outcome.status in ("ok", "replaced"):
                entry.update(budget=outcome.has_budget, catalog_copies=[c.notice.revision for c in outcome.copies])
            self.report.documents.append(entry)
            if outcome.status == "failed":
                continue
            for issue in outcome.warnings:
                self._problem("warning", issue.kind, issue.message, issue.source.file, issue.source.line)
            for copy in outcome.copies:
                strings.share(copy)
            shared.update(outcome.shared)
            outcome.shared, outcome.warnings = [], []
            assert outcome.triples is not None
            loader.submit(outcome.triples, str(self.iris.graph(doc_stem(name))))
            documents[name] = outcome
        if documents:
            path = tasks[0].generation / "nt" / "shared.nt"
            path.write_text("".join(sorted(shared)), encoding="utf-8")
            loader.submit(path, str(self.iris.graph("shared")))
        return documents

    def _load_catalog(self, loader: BackgroundLoader, generation: Path, revisions: list[Revision]) -> None:
        """The reconciled catalog goes into a graph of its own, written once from every copy's readings.

        Two files, one graph: where each copy of each entry is printed (CATALOG_COPIES, growing with the
        corpus) apart from the rest (CATALOG, the same size at any scale), which the steps after the load
        read from memory (`store.catalog_replica.CatalogReplica`).
        """
        graph = str(self.iris.graph("catalog"))
        write_ntriples(generation / CATALOG, self._catalog_triples(revisions))
        loader.submit(generation / CATALOG, graph)
        write_ntriples(generation / CATALOG_COPIES,
                       (t for revision in revisions for t in self.mapper.entry_copies(revision)))
        loader.submit(generation / CATALOG_COPIES, graph)

    def _catalog_triples(self, revisions: list[Revision]) -> Iterator[tuple[Any, Any, Any]]:
        for revision in revisions:
            yield from self.mapper.revision(revision)
            yield from self.mapper.issues(f"catalog-{revision.revision}", revision.issues)

    def _prepare_links(self, generation: Path, files: dict[str, str]) -> CatalogReplica:
        """What the links need before the store is loaded: the catalog replica, the check's code and its
        segmenter (≈ 0.8 s), made on a thread while this one waits for the load and its flush (both in Rust,
        without the GIL)."""
        from .check.linking import link_triples  # noqa: F401  (imported now, while the load runs)
        from .check.text import segmenter

        segmenter()
        return read_replica(generation, str(self.iris.graph("catalog")), files)

    def _after_load(self, generation: Path, replica: Future[CatalogReplica], indexer: Deferred) -> OxigraphStore:
        """The steps that read the loaded store: the project → catalog links, and the wait for the indexer.

        The links read the store opened read-only with the writer closed (a read-only open beside a live writer
        failed now and then, when the writer's compaction deleted a file the reader had just listed), then go
        into the store opened for writing again.
        """
        path = generation / "nt" / "links.nt"
        reading = OxigraphStore.open_read_only(generation / "store")
        self._timed("links", lambda: self._link(reading, replica.result(), path))
        reading.close()
        store = OxigraphStore.create(generation / "store")
        store.load_ntriples(path, str(self.iris.graph("links")))
        catalog_seconds = self._timed("index wait", indexer.result)
        shutil.rmtree(generation / "search")
        manifest = read_manifest(generation / "index")
        self.report.index_documents = manifest["documents"]
        self.report.steps["index documents"] = catalog_seconds
        self.report.steps["index"] = manifest["seconds"]["dictionary"] + manifest["seconds"]["index"]
        return store

    def _link(self, store: OxigraphStore, replica: CatalogReplica, path: Path) -> None:
        """Link every project to the catalog entries that allow it (check/linking.py), into `path`."""
        from .check.linking import GraphView, link_triples

        repo = Repository(store, catalog=replica)
        self.report.links = write_ntriples(path, link_triples(GraphView(store, repo), self.iris))


def _early_indexer(tasks: list[DocumentTask]) -> Deferred | None:
    """The indexer's process, forked now from this one when that is safe and no fork server is needed for read
    workers (budgetkg/processes.py); else None, and it comes from the fork server once the catalog is written."""
    if not _workers(tasks) and single_threaded():
        return Deferred(multiprocessing.get_context("fork"), _index, INDEXER)
    warm_fork_server([__name__])
    return None


def _index(generation: Path, graph: str, files: dict[str, str], parts: list[Path]) -> float:
    """The search index, in a process of its own: the catalog's search documents (from its replica, in the
    seconds returned), then the index of them and of the readers' search documents.

    It needs nothing from the store, so it runs while the store loads and the links are made: both are
    CPU-bound pure Python, and on two cores the build takes the longer of the two, not their sum.
    """
    started = time.perf_counter()
    replica = read_replica(generation, graph, files, first_file_only=True)  # a search result shows one source
    entries = list(catalog_docs(Repository(replica.store, catalog=replica)))
    del replica
    seconds = time.perf_counter() - started
    loaded: list[DocumentParts] = [_load_pickle(file) for file in parts]
    docs = list(combine(loaded, entries))
    build_index(docs, generation / "index", dictionary_words=dictionary_words(docs))
    return seconds


def read_replica(generation: Path, graph: str, files: dict[str, str], first_file_only: bool = False) -> CatalogReplica:
    """The catalog graph (`graph`) of a generation as the steps after the load read it (CatalogReplica)."""
    return CatalogReplica.read(generation / CATALOG, generation / CATALOG_COPIES, graph, files, first_file_only)


def _in_background(action: Callable[[], T]) -> Future[T]:
    """`action` run on a thread of its own; its result (or its exception) waits in the Future."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="budgetkg")
    try:
        return executor.submit(action)
    finally:
        executor.shutdown(wait=False)


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector for the build.

    A large corpus keeps millions of small objects alive (the catalog copies, the check's model); every full
    collection walks all of them again, which made the build's time grow faster than the corpus. The build
    makes no garbage cycles worth collecting early: one collection at the end is enough.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
