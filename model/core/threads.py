"""Running a compiled loop over chunks of citizens on several threads.

The loops release Python's lock (numba ``nogil``), so threads run them side by side. Each
thread takes a contiguous range of whole chunks; a chunk's totals are summed in citizen
order and the chunks' totals in chunk order afterwards, so the numbers never depend on how
many threads ran. Worker processes that already share the cores between runs set one thread each
(``set_thread_count(1)``), so that runs do not compete with themselves for cores.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from numba import njit

#: Citizens summed together, in index order, before the chunks are summed in order: the
#: unit of work of a thread, and what makes every total independent of the thread count.
CHUNK = 1024

#: A loop over fewer chunks (65,536 citizens) runs on the calling thread: handing work to a
#: thread costs more than it saves below that (measured in benchmarks/, docs/performance.md).
PARALLEL_MIN_CHUNKS = 64

#: Environment variable that sets the number of threads (default: every core).
THREADS_VARIABLE = "BELARUS_ABM_THREADS"

_pool: ThreadPoolExecutor | None = None
_threads: int | None = None
_CORES = os.cpu_count() or 1


@njit(cache=True)
def chunk_count(n):
    """Return how many chunks ``n`` citizens make."""
    return (n + CHUNK - 1) // CHUNK


def thread_count() -> int:
    """Return the number of threads a large run uses (``BELARUS_ABM_THREADS`` or every core).

    The variable is read at the first call after the start or a ``set_thread_count(None)``,
    not every time: the engine asks several times a month.
    """
    global _threads
    if _threads is None:
        value = os.environ.get(THREADS_VARIABLE, "")
        _threads = int(value) if value.isdigit() and int(value) > 0 else _CORES
    return _threads


def set_thread_count(threads: int | None) -> None:
    """Set the number of threads for this process (``None``: back to the variable or default)."""
    global _threads, _pool
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    _threads = threads
    if _pool is not None:
        _pool.shutdown()
        _pool = None


def uses_threads(n: int) -> bool:
    """Return whether a loop over ``n`` citizens is split between threads."""
    # chunk_count(n) >= PARALLEL_MIN_CHUNKS, without calling compiled code from Python.
    return thread_count() > 1 and n > (PARALLEL_MIN_CHUNKS - 1) * CHUNK


def for_chunks(loop: Callable, n: int, *args) -> None:
    """Run ``loop(first_chunk, last_chunk, worker, *args)`` over the chunks of ``n`` citizens.

    ``worker`` numbers the threads from 0, so that each can own a scratch buffer.
    """
    chunks = chunk_count(n)
    threads = min(thread_count(), chunks) if chunks >= PARALLEL_MIN_CHUNKS else 1
    if threads <= 1:
        loop(0, chunks, 0, *args)
        return
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(thread_count(), thread_name_prefix="belarus-abm")
    bounds = [chunks * k // threads for k in range(threads + 1)]
    futures = [_pool.submit(loop, bounds[k], bounds[k + 1], k, *args) for k in range(threads)]
    for future in futures:
        future.result()
