"""Generation beside insertion: a forked process builds chunks while this one writes them.

Generating and hashing is Python work; inserting is mostly the database's. On a two-core
machine running them side by side nearly halves the time. Where `fork` is unavailable, or
inside a caller's transaction, the chunks are produced in process, with the same result.
"""

import multiprocessing
import queue
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection

from truce.ledger.bulk import Chain, EventBatch

from .generator import CHUNK, Chunk, Ids, World, companies_chunk, leads_chunk

Item = tuple[Chunk, EventBatch, int]  # rows, chained events, leads done (0 for companies)
_DONE = "done"


@dataclass
class Plan:
    ids: Ids
    companies: int
    leads: int
    taken: set[str]


def produce(world: World, plan: Plan, chain: Chain) -> Iterator[Item]:
    """Companies first (leads pick from them), then leads, a chunk at a time, chained in order."""
    for offset in range(0, plan.companies, CHUNK):
        count = min(CHUNK, plan.companies - offset)
        yield _chained(companies_chunk(world, plan.ids, count, plan.taken), chain, 0)
    for chunk_no, offset in enumerate(range(0, plan.leads, CHUNK)):
        count = min(CHUNK, plan.leads - offset)
        yield _chained(leads_chunk(world, plan.ids, chunk_no, count), chain, offset + count)


def _chained(chunk: Chunk, chain: Chain, done: int) -> Item:
    batch = chain.batch(chunk.events)
    chunk.events = []
    return chunk, batch, done


def _child(world: World, plan: Plan, chain: Chain, out: "multiprocessing.Queue[object]") -> None:
    try:
        for item in produce(world, plan, chain):
            out.put(item)
        out.put(_DONE)
    except BaseException as exc:  # hand the failure to the parent, which raises it
        out.put(exc)


def produce_in_background(world: World, plan: Plan, chain: Chain) -> Iterator[Item]:
    if connection.in_atomic_block or "fork" not in multiprocessing.get_all_start_methods():
        # Inside a caller's transaction (tests) the connection must stay open: no fork.
        yield from produce(world, plan, chain)
        return
    context = multiprocessing.get_context("fork")
    out: multiprocessing.Queue[object] = context.Queue(maxsize=3)
    connection.close()  # a database connection must never cross a fork
    child = context.Process(target=_child, args=(world, plan, chain, out), daemon=True)
    child.start()
    try:
        while True:
            try:
                item = out.get(timeout=1)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError("The demo data generator stopped unexpectedly.") from None
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
