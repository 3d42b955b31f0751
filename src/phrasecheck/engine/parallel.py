"""check --jobs N: conversations checked in N worker processes, results handed on in reading order.

The main process reads and groups (inputs/stream.py) and writes the report; workers only check.
Conversations go out in batches of a few thousand turns, and only what checking adds (findings,
courtesy evidence, greeting, score) comes back, to be put together with the conversation the main
process kept: half the pickling. At most 2 x N batches are in flight, so memory stays bounded.
The checker is deterministic per conversation, so the output is the same byte for byte as --jobs 1.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from phrasecheck.data import Conversation, Finding, Greeting, Result
from phrasecheck.engine.checker import Checker

BATCH_TURNS = 4000

_checker: Checker | None = None

Checked = tuple[list[Finding], list[Finding], Greeting, float, list[str]]  # a Result less its conversation


def default_jobs() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _init(checker: Checker) -> None:
    global _checker
    _checker = checker


def _check_batch(convs: list[Conversation]) -> list[Checked]:
    out = []
    for conv in convs:
        r = _checker.check(conv)
        out.append((r.findings, r.courtesy, r.greeting, r.attitude_score, r.notes))
    return out


def _batches(convs: Iterator[tuple[Conversation, list[str]]]) -> Iterator[list[tuple[Conversation, list[str]]]]:
    batch, turns = [], 0
    for item in convs:
        batch.append(item)
        turns += len(item[0].turns)
        if turns >= BATCH_TURNS:
            yield batch
            batch, turns = [], 0
    if batch:
        yield batch


def check_parallel(checker: Checker, convs: Iterator[tuple[Conversation, list[str]]], jobs: int) -> Iterator[Result]:
    batches = _batches(convs)
    first = next(batches, None)
    if first is None:
        return
    second = next(batches, None)
    if second is None:  # one batch (a small input): no pool to start
        for conv, notes in first:
            r = checker.check(conv)
            r.notes.extend(notes)
            yield r
        return
    yield from _pooled(checker, itertools.chain([first, second], batches), jobs)


def _pooled(checker: Checker, batches: Iterator[list[tuple[Conversation, list[str]]]], jobs: int) -> Iterator[Result]:
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(checker,)) as pool:
        pending: deque[tuple[list[tuple[Conversation, list[str]]], Future]] = deque()

        def ready() -> Iterator[Result]:
            batch, future = pending.popleft()
            for (conv, notes), (findings, courtesy, greeting, score, checked) in zip(batch, future.result()):
                yield Result(conversation=conv, findings=findings, courtesy=courtesy, greeting=greeting, attitude_score=score, notes=[*checked, *notes])

        for batch in batches:
            pending.append((batch, pool.submit(_check_batch, [conv for conv, _ in batch])))
            while len(pending) > 2 * jobs:
                yield from ready()
        while pending:
            yield from ready()
