"""check --jobs N: conversations checked in N worker processes, results handed on in reading order.

The main process reads and groups (inputs/stream.py) and writes the report; workers only check.
Conversations go out in batches of a few thousand turns, and only what checking adds (findings,
courtesy evidence, greeting, score) comes back, to be put together with the conversation the main
process kept: half the pickling. Both ways dataclasses travel as tuples of their fields (_Packer). At most 2 x N batches are in flight, so memory stays bounded.
The checker is deterministic per conversation, so the output is the same byte for byte as --jobs 1.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import fields
from operator import attrgetter

from phrasecheck.data import Conversation, Finding, Greeting, Result, Turn
from phrasecheck.engine.checker import Checker

BATCH_TURNS = 4000


class _Packer:
    """A dataclass instance as the tuple of its fields' values, and back, for the trip to and from a
    worker: pickling 100k tuples costs a third of pickling 100k dataclass instances (each is a class
    reference and a state dict to pickle). Rebuilt as pickle rebuilds it (no __init__, the same
    __dict__), so nothing changes. An instance carrying anything but its fields travels as itself."""

    def __init__(self, cls: type):
        self.cls = cls
        self.names = tuple(f.name for f in fields(cls))
        self.values = attrgetter(*self.names)
        self.keys = frozenset(self.names)

    def pack(self, obj):
        return self.values(obj) if obj.__dict__.keys() == self.keys else obj

    def unpack(self, packed):
        if type(packed) is not tuple:
            return packed
        obj = self.cls.__new__(self.cls)
        obj.__dict__.update(zip(self.names, packed))
        return obj


_TURN, _CONV, _FINDING, _GREETING = _Packer(Turn), _Packer(Conversation), _Packer(Finding), _Packer(Greeting)


_TURNS_AT = _CONV.names.index("turns")


def _pack_conv(conv: Conversation):
    packed = _CONV.pack(conv)
    if type(packed) is not tuple:
        return conv
    return (*packed[:_TURNS_AT], [_TURN.pack(t) for t in conv.turns], *packed[_TURNS_AT + 1 :])


def _unpack_conv(packed) -> Conversation:
    if type(packed) is not tuple:
        return packed
    conv = _CONV.unpack(packed)
    conv.turns = [_TURN.unpack(t) for t in conv.turns]
    return conv


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


def _check_batch(convs: list) -> list:
    """Packed conversations -> packed Checked (see _Packer)."""
    out = []
    for packed in convs:
        r = _checker.check(_unpack_conv(packed))
        out.append(([_FINDING.pack(f) for f in r.findings], [_FINDING.pack(f) for f in r.courtesy], _GREETING.pack(r.greeting), r.attitude_score, r.notes))
    return out


def _unpack_checked(packed) -> Checked:
    findings, courtesy, greeting, score, notes = packed
    return [_FINDING.unpack(f) for f in findings], [_FINDING.unpack(f) for f in courtesy], _GREETING.unpack(greeting), score, notes


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
            for (conv, notes), packed in zip(batch, future.result()):
                findings, courtesy, greeting, score, checked = _unpack_checked(packed)
                yield Result(conversation=conv, findings=findings, courtesy=courtesy, greeting=greeting, attitude_score=score, notes=[*checked, *notes])

        for batch in batches:
            pending.append((batch, pool.submit(_check_batch, [_pack_conv(conv) for conv, _ in batch])))
            while len(pending) > 2 * jobs:
                yield from ready()
        while pending:
            yield from ready()
