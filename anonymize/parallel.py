"""An ordered, bounded pool of worker processes: each task is a group of calls, results come back in
submission order, and at most `ahead` groups are in flight, so memory stays bounded on any stream."""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterator


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class OrderedPool:
    """submit(tag, calls) then drain(): (tag, [result of each call]) in submission order.

    Workers are forked, so they inherit the compiled patterns and jieba's dictionary already loaded.
    """

    def __init__(self, workers: int, ahead: int | None = None):
        self.ahead = ahead or workers * 3
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
        self.pending: deque = deque()

    def submit(self, tag, calls: list[tuple[Callable, tuple]]) -> Iterator:
        """Queue one group; yields the groups that had to be collected to stay within `ahead`."""
        self.pending.append((tag, [self.pool.submit(fn, *args) for fn, args in calls]))
        while len(self.pending) > self.ahead:
            yield self._pop()

    def drain(self) -> Iterator:
        while self.pending:
            yield self._pop()

    def _pop(self):
        tag, futures = self.pending.popleft()
        return tag, [f.result() for f in futures]

    def close(self) -> None:
        for _, futures in self.pending:
            for f in futures:
                f.cancel()
        self.pending.clear()
        self.pool.shutdown(wait=True, cancel_futures=True)
