"""check --jobs N: conversations checked in N worker processes, results handed on in reading order.

A grouped UTF-8 JSONL file (inputs/stream.sliceable) is cut into slices of whole conversations
(stream.slices: the main process seeks ahead and reads only around each cut), and each worker
reads, parses and checks its slice; conversations and findings come back as tuples of their
fields (_Packer), with the slice's input errors. Other inputs are read and grouped by the main
process and go out in batches of a few thousand turns; only what checking adds comes back. Either
way the main process is left with surveying, redacting, writing and tallying. Input errors keep
their order: a sliced file's slices are all back (FileEnd) before anything later is read. At most
2 x N batches are in flight, so memory stays bounded. The checker is deterministic per
conversation, so the output is the same byte for byte as --jobs 1.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import fields
from operator import attrgetter

from phrasecheck.config.profile import Profile
from phrasecheck.data import Conversation, Finding, Greeting, Result, Turn
from phrasecheck.engine.checker import Checker
from phrasecheck.errors import InputError
from phrasecheck.inputs.stream import FileEnd, FileState, Slice, parse_slice

BATCH_TURNS = 4000
SLICE_LINES = 4000  # lines of a file a worker reads, parses and checks itself (inputs/stream.slices)


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
_profile: Profile | None = None

Checked = tuple[list[Finding], list[Finding], Greeting, float, list[str]]  # a Result less its conversation


def default_jobs() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _init(checker: Checker, profile: Profile | None = None) -> None:
    global _checker, _profile
    _checker, _profile = checker, profile


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


def _check_slice(path, data: bytes, lines_before: int, first: bool, agent: str | None) -> tuple[list, list[InputError]]:
    """A slice of a file (inputs/stream.slices) parsed and checked here: (packed conversation, packed
    Checked) each, and the slice's problems in line order."""
    errors: list[InputError] = []
    out = []
    for conv in parse_slice(path, data, lines_before, first, _profile, errors):
        if agent:
            conv.agent_id = agent
        r = _checker.check(conv)
        out.append(
            (
                _pack_conv(conv),
                ([_FINDING.pack(f) for f in r.findings], [_FINDING.pack(f) for f in r.courtesy], _GREETING.pack(r.greeting), r.attitude_score, r.notes),
            )
        )
    return out, errors


def _finish(state: FileState) -> None:
    """A sliced file's end, as conversations() ends a file: its read error, or "no conversation"."""
    if state.late is not None:
        state.errors.append(state.late)
    elif not state.read and not state.problems:
        state.errors.append(InputError(str(state.path), "no conversation in this file"))


def _slice_came_back(state: FileState, convs: list, errors: list[InputError]) -> None:
    state.errors.extend(errors)
    state.read += len(convs)
    state.problems += len(errors)


Batch = list[tuple[Conversation, list[str]]] | Slice | FileEnd


def _batches(items: Iterator[tuple[Conversation, list[str]] | Slice | FileEnd]) -> Iterator[Batch]:
    """Conversations in batches of about BATCH_TURNS turns; a Slice or FileEnd passes through on its own."""
    batch, turns = [], 0
    for item in items:
        if isinstance(item, (Slice, FileEnd)):
            if batch:
                yield batch
                batch, turns = [], 0
            yield item
            continue
        batch.append(item)
        turns += len(item[0].turns)
        if turns >= BATCH_TURNS:
            yield batch
            batch, turns = [], 0
    if batch:
        yield batch


def check_parallel(checker: Checker, items: Iterator[tuple[Conversation, list[str]] | Slice | FileEnd], jobs: int, profile: Profile) -> Iterator[Result]:
    """Results in reading order. items: (conversation, notes), or Slices of a file's lines that the
    workers parse themselves (profile: the reading profile), each file's Slices followed by its FileEnd."""
    batches = _batches(items)
    head: list[Batch] = []
    for b in batches:
        head.append(b)
        if sum(not isinstance(x, FileEnd) for x in head) >= 2:
            break
    if sum(not isinstance(x, FileEnd) for x in head) < 2:  # one batch (a small input): no pool to start
        for b in head:
            yield from _inline(checker, b, profile)
        return
    yield from _pooled(checker, itertools.chain(head, batches), jobs, profile)


def _inline(checker: Checker, b: Batch, profile: Profile) -> Iterator[Result]:
    if isinstance(b, FileEnd):
        _finish(b.state)
    elif isinstance(b, Slice):
        errors: list[InputError] = []
        convs = parse_slice(b.state.path, b.data, b.lines_before, b.first, profile, errors)
        _slice_came_back(b.state, convs, errors)
        for conv in convs:
            if b.agent:
                conv.agent_id = b.agent
            yield checker.check(conv)
    else:
        for conv, notes in b:
            r = checker.check(conv)
            r.notes.extend(notes)
            yield r


def _pooled(checker: Checker, batches: Iterator[Batch], jobs: int, profile: Profile) -> Iterator[Result]:
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(checker, profile)) as pool:
        pending: deque[tuple[Batch, Future]] = deque()

        def ready() -> Iterator[Result]:
            batch, future = pending.popleft()
            if isinstance(batch, Slice):
                checked, errors = future.result()
                _slice_came_back(batch.state, checked, errors)
                for packed_conv, packed in checked:
                    findings, courtesy, greeting, score, notes = _unpack_checked(packed)
                    yield Result(
                        conversation=_unpack_conv(packed_conv), findings=findings, courtesy=courtesy, greeting=greeting, attitude_score=score, notes=notes
                    )
                return
            for (conv, notes), packed in zip(batch, future.result()):
                findings, courtesy, greeting, score, checked = _unpack_checked(packed)
                yield Result(conversation=conv, findings=findings, courtesy=courtesy, greeting=greeting, attitude_score=score, notes=[*checked, *notes])

        for batch in batches:
            if isinstance(batch, FileEnd):  # the file's slices all back before anything later is read
                while pending:
                    yield from ready()
                _finish(batch.state)
                continue
            if isinstance(batch, Slice):
                future = pool.submit(_check_slice, batch.state.path, batch.data, batch.lines_before, batch.first, batch.agent)
            else:
                future = pool.submit(_check_batch, [_pack_conv(conv) for conv, _ in batch])
            pending.append((batch, future))
            while len(pending) > 2 * jobs:
                yield from ready()
        while pending:
            yield from ready()
