"""Producing beside consuming: a forked process builds items while this one writes them.

Building (parsing, matching, hashing) is Python work; writing is mostly the database's. On a
two-core machine running them side by side nearly halves the time. Where `fork` is
unavailable, or inside a caller's transaction, the items are produced in process instead.
"""

import multiprocessing
import os
import queue
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import connection

T = TypeVar("T")
_DONE = "done"


def _child(
    produce: Callable[[], Iterator[T]], out: "multiprocessing.Queue[object]", parent: int
) -> None:
    def put(item: object) -> None:
        while True:
            try:
                out.put(item, timeout=1)
                return
            except queue.Full:
                if os.getppid() != parent:  # the parent was killed: nobody will read this
                    os._exit(1)

    try:
        for item in produce():
            put(item)
        put(_DONE)
    except BaseException as exc:  # hand the failure to the parent, which raises it
        put(exc)


def forks() -> bool:
    """Whether `in_background` would fork. Inside a caller's transaction (tests) the
    connection must stay open, so it does not."""
    return not connection.in_atomic_block and "fork" in multiprocessing.get_all_start_methods()


def in_background(produce: Callable[[], Iterator[T]], *, what: str, ahead: int = 3) -> Iterator[T]:
    """The items of `produce()`, built in a forked process at most `ahead` items in advance."""
    if not forks():
        yield from produce()
        return
    context = multiprocessing.get_context("fork")
    out: multiprocessing.Queue[object] = context.Queue(maxsize=ahead)
    connection.close()  # a database connection must never cross a fork
    child = context.Process(target=_child, args=(produce, out, os.getpid()), daemon=True)
    child.start()
    try:
        while True:
            try:
                item = out.get(timeout=1)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(f"{what} stopped unexpectedly.") from None
                continue
            if item == _DONE:
                break
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
