"""One pass over inputs as a stream: discover -> ingest (-> transcribe) -> check -> hand on each Result.

Conversations are checked as they are read and handed on as they are finished, so a month's export
is checked in bounded memory: chat exports are read line by line (inputs/stream.py; input that is
not grouped by conversation goes through an on-disk spill), and what a report needs besides the
results themselves (errors, counts, the per-agent KPI tallies) is accumulated in Totals.

A conversation spread over several chat files of one run (same conversation id and agent: an
export cut at midnight or by size) is joined into one, with a note; its parts wait in an on-disk
store until the last file holding it has been read, and the joined conversation comes out there.
check_paths() collects the stream into a Run for the commands that need everything at once.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from phrasecheck.config.lexicon import default_lexicon_dir, resolve_lexicon
from phrasecheck.config.profile import Profile, find_profile
from phrasecheck.data import ROLES, Conversation, Result, Run
from phrasecheck.engine.checker import Checker
from phrasecheck.engine.compiled import cached_checker
from phrasecheck.errors import InputError
from phrasecheck.inputs.discover import discover
from phrasecheck.inputs.readers import read_file
from phrasecheck.inputs.stream import STREAMED_SUFFIXES, FileEnd, FileState, Slice, conversations, sliceable, slices, survey
from phrasecheck.scoring.kpi import AgentKpi, KpiTally, rank, tally_result


def rules_folder(profile: Profile, lexicon_dir: Path | None = None) -> Path:
    """--lexicon (a folder, or a shipped pack's name: ecommerce), else the profile's, else lexicons/default."""
    return resolve_lexicon(lexicon_dir) if lexicon_dir else profile.lexicon or default_lexicon_dir()


def split_ids(value: str | None) -> list[str]:
    return [s.strip() for s in (value or "").split(",") if s.strip()]


def build_checker(config: Path | None, lexicon_dir: Path | None = None, select: str | None = None, ignore: str | None = None) -> tuple[Profile, Checker]:
    """The profile (--config, else ./phrasecheck.yaml, else defaults) narrowed by --select/--ignore,
    and a Checker over its lexicon. Raises ConfigError for a bad profile or lexicon."""
    profile = find_profile(config)
    if select:
        profile.select = split_ids(select)
    profile.ignore += split_ids(ignore)
    return profile, cached_checker(profile, rules_folder(profile, lexicon_dir))


@dataclass
class Totals:
    """What a streamed run keeps besides the results it hands on: input problems, counts, and one
    KPI tally per agent (scoring/kpi.py), so the agents' summary needs no list of every result."""

    errors: list[InputError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    files: int = 0
    messages: int = 0  # chat messages the first pass counted (for a progress bar), 0 if unknown
    conversations: int = 0
    notes: list[str] = field(default_factory=list)  # about the run's reading (joins), printed once at its end
    tallies: dict[str, KpiTally] = field(default_factory=dict)

    def add(self, r: Result, profile: Profile, fatal: set[str] | frozenset[str] = frozenset()) -> None:
        """fatal: the rules that zero a conversation, for the agents' parts where a transfer splits one
        (a second agent's F11 zeroes their part, as kpi.csv and findings.json count it)."""
        self.conversations += 1
        tally_result(self.tallies, r, profile, set(fatal))

    def noted(self, convs: list[tuple[Conversation, list[str]]]) -> list[tuple[Conversation, list[str]]]:
        """convs, their reading notes (a conversation joined across files) kept for the run's
        summary too. A result's own notes (a rule not checked on a mono call, a greeting part heard
        by verification) stay with the result, in every report: one stderr line per call would bury
        the summary, and a list of them would grow with a month's input."""
        for _, notes in convs:
            self.notes.extend(notes)
        return convs

    def agents(self, profile: Profile) -> list[AgentKpi]:
        """compute_kpi's rows, ranked."""
        return rank([t.kpi(a, profile) for a, t in self.tallies.items()])

    def as_run(self, results: list[Result] | None = None) -> Run:
        return Run(results=results or [], errors=self.errors, ignored=self.ignored, files=self.files)


class _Parts:
    """Parts of conversations that continue in a later file, on disk until their last file is read."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="phrasecheck-join-")
        self.db = sqlite3.connect(Path(self._tmp.name) / "parts.db")
        self.db.execute("CREATE TABLE parts (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, conv BLOB NOT NULL)")
        self.db.execute("CREATE INDEX parts_by_id ON parts (id, seq)")

    def put(self, conv: Conversation) -> None:
        self.db.execute("INSERT INTO parts (id, conv) VALUES (?, ?)", (conv.conversation_id, pickle.dumps(conv, protocol=pickle.HIGHEST_PROTOCOL)))

    def take(self, conv_id: str) -> list[Conversation]:
        rows = self.db.execute("SELECT conv FROM parts WHERE id = ? ORDER BY seq", (conv_id,)).fetchall()
        self.db.execute("DELETE FROM parts WHERE id = ?", (conv_id,))
        return [pickle.loads(r[0]) for r in rows]

    def left(self) -> list[str]:
        """Ids still waiting (their later part had no good message), in order of their first part."""
        return [r[0] for r in self.db.execute("SELECT id FROM parts GROUP BY id ORDER BY MIN(seq)")]

    def close(self) -> None:
        self.db.close()
        self._tmp.cleanup()


JOIN_GAP_S = 6 * 3600  # a part that starts this long after the previous one ended is a new conversation


def _continues(prev: Conversation, part: Conversation) -> bool:
    """Whether part carries on prev: it starts after prev's last message, and not hours later.
    Parts without times are taken to continue (nothing says otherwise)."""
    end = next((t.timestamp for t in reversed(prev.turns) if t.timestamp is not None), None)
    start = next((t.timestamp for t in part.turns if t.timestamp is not None), None)
    if end is None or start is None or (end.tzinfo is None) != (start.tzinfo is None):
        return end is None or start is None
    return 0 <= (start - end).total_seconds() <= JOIN_GAP_S


def joined(parts: list[Conversation]) -> list[tuple[Conversation, list[str]]]:
    """Parts of one conversation id from several files: those of one agent that carry on each other
    (_continues) become one conversation (turns in file order) with a note; parts of another agent,
    or that start anew, stay conversations of their own."""
    by_agent: dict[str, list[list[Conversation]]] = {}
    for p in parts:
        chains = by_agent.setdefault(p.agent_id, [])
        if chains and _continues(chains[-1][-1], p):
            chains[-1].append(p)
        else:  # the same id starting anew (an export that restarts its numbering): a conversation of its own
            chains.append([p])
    out = []
    for agent, group in ((a, g) for a, chains in by_agent.items() for g in chains):
        if len(group) == 1:
            out.append((group[0], []))
            continue
        first = group[0]
        conv = Conversation(first.conversation_id, agent, first.source, roles=max((p.roles for p in group), key=ROLES.index), first_agent_s=first.first_agent_s)
        for p in group:
            conv.turns.extend(p.turns)
        conv.started_at = next((t.timestamp for t in conv.turns if t.timestamp is not None), None)
        sources = list(dict.fromkeys(p.source for p in group))
        note = f"conversation {conv.conversation_id} (agent {agent}) is spread over {len(sources)} files and was joined: {', '.join(sources)}"
        out.append((conv, [note]))
    return out


def stream_conversations(
    paths: Iterable[Path],
    profile: Profile,
    totals: Totals,
    agent: str | None = None,
    audio: Callable[[Path], Conversation] | None = None,
    slice_lines: int = 0,
) -> Iterator[tuple[Conversation, list[str]] | Slice | FileEnd]:
    """(conversation, notes) in reading order, filling totals' errors, ignored and files.
    slice_lines > 0 (--jobs workers): a file that can be cut (stream.sliceable, and not joined with
    another) comes as Slices of raw lines for the workers to parse, then a FileEnd."""
    files, ignored, errors = discover(paths, with_audio=audio is not None)
    totals.errors.extend(errors)
    totals.ignored.extend(str(p) for p in ignored)
    totals.files = len(files)
    surveys = {p: survey(p, profile) for p in files if p.suffix.lower() in STREAMED_SUFFIXES}
    # conversation ids found in more than one chat file -> index of the last such file
    last_file: dict[str, int] = {}
    seen: dict[str, int] = {}
    for i, p in enumerate(files):
        s = surveys.get(p)
        if s is None:
            continue
        totals.messages += s.messages
        for conv_id in s.ids:
            if conv_id in seen:
                last_file[conv_id] = i
            seen[conv_id] = i
    sliced = {p for p, s in surveys.items() if slice_lines > 0 and sliceable(s) and not any(c in last_file for c in s.ids)}
    for s in surveys.values():
        s.ids = set()
    del seen
    parts = _Parts() if last_file else None
    try:
        for i, path in enumerate(files):
            s = surveys.pop(path, None)
            if s is None:
                loaded = read_file(path, profile, agent, audio)
                totals.errors.extend(loaded.errors)
                for conv in loaded.conversations:
                    yield conv, []
                continue
            if path in sliced:
                state = FileState(path, totals.errors)
                try:
                    for data, lines_before, first in slices(s, slice_lines):
                        yield Slice(state, data, lines_before, first, agent)
                except OSError as exc:
                    state.late = InputError(str(path), f"cannot read: {exc.strerror or exc}")
                yield FileEnd(state)
                continue
            before, read = len(totals.errors), 0
            for conv in conversations(s, profile, totals.errors):
                read += 1
                if agent:
                    conv.agent_id = agent
                last = last_file.get(conv.conversation_id)
                if last is None:
                    yield conv, []
                elif last != i:
                    parts.put(conv)
                else:
                    yield from totals.noted(joined([*parts.take(conv.conversation_id), conv]))
            if not read and len(totals.errors) == before:
                totals.errors.append(InputError(str(path), "no conversation in this file"))
        for conv_id in parts.left() if parts is not None else []:
            yield from totals.noted(joined(parts.take(conv_id)))
    finally:
        if parts is not None:
            parts.close()


def check_stream(
    paths: Iterable[Path],
    checker: Checker,
    profile: Profile,
    totals: Totals,
    agent: str | None = None,
    audio: Callable[[Path], Conversation] | None = None,
    jobs: int = 1,
) -> Iterator[Result]:
    """Results in reading order, each handed on as soon as it is checked (totals updated first).
    jobs > 1 checks in that many worker processes; the results and their order are the same."""
    if jobs > 1:
        from phrasecheck.engine.parallel import SLICE_LINES, check_parallel

        results = check_parallel(checker, stream_conversations(paths, profile, totals, agent, audio, SLICE_LINES), jobs, profile)
    else:
        results = _check_each(checker, stream_conversations(paths, profile, totals, agent, audio))
    for r in results:
        totals.add(r, profile, checker.fatal)
        yield r


def _check_each(checker: Checker, convs: Iterator[tuple[Conversation, list[str]]]) -> Iterator[Result]:
    for conv, notes in convs:
        r = checker.check(conv)
        r.notes.extend(notes)
        yield r


def check_paths(
    paths: Iterable[Path],
    checker: Checker,
    profile: Profile,
    agent: str | None = None,
    audio: Callable[[Path], Conversation] | None = None,
) -> Run:
    """The whole run at once, for the commands that need every result together (report, kpi, eval)."""
    totals = Totals()
    results = list(check_stream(paths, checker, profile, totals, agent, audio))
    return totals.as_run(results)
