"""Search engine core: Chinese full-text search over SearchDocs produced from the graph (see index.py)."""

from .documents import DOC_TYPES, SearchDoc
from .index import SearchIndex, build_index, open_index, remove_index, swap_in
from .request import Hit, IndexUnavailable, QueryError, SearchError, SearchRequest, SearchResult

__all__ = [
    "DOC_TYPES",
    "Hit",
    "IndexUnavailable",
    "QueryError",
    "SearchDoc",
    "SearchError",
    "SearchIndex",
    "SearchRequest",
    "SearchResult",
    "build_index",
    "open_index",
    "remove_index",
    "swap_in",
]
