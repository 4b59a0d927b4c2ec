"""The posting cache every engine shares: decoded postings by key, least recently used dropped first.

Queries recur (the same words, the same synonym expansions), and decoding a broad term's postings is the
expensive part of a query; the cache is bounded by the number of postings it holds, not by terms.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

CACHE_POSTINGS = 2_000_000  # total postings kept (≈ 150 MB at most)


class PostingMemo:
    def __init__(self, limit: int = CACHE_POSTINGS) -> None:
        self.limit = limit
        self._cache: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
        self._size = 0

    def memo(self, key: tuple[str, str, str], make: Callable[[], Any]) -> Any:
        """The cached value for `key`, made (and counted against the limit by its length) on first use."""
        cache = self._cache
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        value = make()
        cache[key] = value
        self._size += len(value)
        while self._size > self.limit and len(cache) > 1:
            _, old = cache.popitem(last=False)
            self._size -= len(old)
        return value
