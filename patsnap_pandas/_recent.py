"""The last few values a process made, by key: for work whose result depends only on its key (a chart of the same
data, an overlay of the same two pictures), done again when a report is exported in several formats."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

__all__ = ["Recent"]


class Recent(Generic[V]):
    """The ``keep`` values made last, by key (least recently used dropped first); safe across threads.

    Examples
    --------
    >>> made = Recent(keep=2)
    >>> made.get_or_make("a", lambda: 1), made.get_or_make("a", lambda: 2)
    (1, 1)
    >>> _ = made.get_or_make("b", lambda: 3), made.get_or_make("c", lambda: 4)   # "a" is dropped
    >>> made.get_or_make("a", lambda: 5), len(made)
    (5, 2)
    """

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value kept for ``key``, else ``make()``, kept (made outside the lock: two threads may both make it)."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = make()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self._keep:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
