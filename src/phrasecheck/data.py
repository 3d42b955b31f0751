"""Plain data passed between the pipeline's stages: ingest -> normalize -> match -> rules -> score -> report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from phrasecheck.errors import InputError

AGENT = "agent"
CUSTOMER = "customer"

# How the agent/customer split of a conversation was obtained.
ROLES_LABELLED = "labelled"  # the export says who spoke
ROLES_CHANNELS = "channels"  # one stereo channel per party
ROLES_INFERRED = "inferred"  # guessed from the text of a mono recording
ROLES = (ROLES_LABELLED, ROLES_CHANNELS, ROLES_INFERRED)  # from the surest to the least sure

# Key of Conversation.speech for a mono recording: everyone's speech, mixed in one channel.
MIXED = "mixed"


@dataclass
class Turn:
    role: str
    text: str
    start_s: float | None = None  # offset in the recording, for calls
    end_s: float | None = None
    timestamp: datetime | None = None  # wall-clock time, for chats
    line: int | None = None  # line in the source file, for error messages and evidence
    agent_id: str | None = None  # who said it, where the export names an agent per message (a transfer)
    # Word timings from ASR: (char_start, char_end, start_s, end_s, probability) over `text`; the
    # recognizer's probability of the word is missing from transcripts made before it was kept.
    words: list[tuple] = field(default_factory=list)
    # What acoustic verification heard where the text says otherwise (calls/verify.py):
    # (char_start, char_end, heard text, log-probability gain over the decoded text).
    heard: list[tuple[int, int, str, float]] = field(default_factory=list)
    # How `role` was obtained where a call's exported transcript says (ROLES_*); None in chats.
    roles: str | None = None

    def word_probs(self, start: int, end: int) -> list[float]:
        """The recognizer's probability of each word over characters [start, end) of text (none
        where it kept none)."""
        return [w[4] for w in self.words if len(w) > 4 and w[0] < end and start < w[1]]


@dataclass
class Conversation:
    conversation_id: str
    agent_id: str
    source: str
    turns: list[Turn] = field(default_factory=list)
    started_at: datetime | None = None
    roles: str = ROLES_LABELLED
    first_agent_s: float | None = None  # seconds until the agent first spoke (calls)
    duration_s: float | None = None  # length of the recording (calls)
    # When each party spoke, as (start_s, end_s) intervals from the voice detector, per role
    # ("agent", "customer") on stereo recordings, under MIXED on mono ones; empty where unknown.
    speech: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # for the report's reader, e.g. a dual-mono recording

    @property
    def is_call(self) -> bool:
        """A recording or a timed transcript (offsets into a call), not a chat: chats carry wall-clock
        timestamps, calls carry start_s (and, from a recording, its length and speech times)."""
        return self.duration_s is not None or bool(self.speech) or any(t.start_s is not None for t in self.turns)

    def agent_turns(self) -> list[tuple[int, Turn]]:
        return [(i, t) for i, t in enumerate(self.turns) if t.role == AGENT]

    def agent_of(self, turn: int) -> str:
        """The agent who said turn `turn` (the conversation's agent unless the export names another)."""
        t = self.turns[turn] if 0 <= turn < len(self.turns) else None
        return (t.agent_id if t is not None and t.agent_id else None) or self.agent_id

    def agents(self) -> list[str]:
        """The agents who spoke, in order of their first turn; more than one is a transfer."""
        return list(dict.fromkeys(self.agent_of(i) for i, _ in self.agent_turns()))


@dataclass
class Finding:
    id: str  # stable rule id: F02, O01, G01, C07 ...
    kind: str  # forbidden | opener | greeting | courtesy | behaviour
    turn: int  # index into Conversation.turns
    start_char: int  # span in the ORIGINAL text of that turn
    end_char: int
    text: str  # original text of the span
    score: float  # 0-100 match confidence
    message: str = ""
    suggestion: str = ""
    severity: str = "error"  # error | warning | info
    start_s: float | None = None
    end_s: float | None = None
    end_turn: int | None = None  # set when a phrase was split across turns
    review: str | None = None  # confirmed | false | appeal, from the review file (复核/申诉)
    agent_id: str | None = None  # set in a transfer: the agent of `turn`, who is charged with it

    @property
    def turn_no(self) -> int:
        """The turn as people count it (1-based): the number every report and the review key show."""
        return self.turn + 1

    heard: str | None = None  # calls: the phrase the audio fits better than the decoded text (acoustic verification)
    verify_score: float | None = None  # its log-probability gain over the decoded text
    word_probs: list[float] | None = None  # calls: the recognizer's probability of each word of the span


@dataclass
class Greeting:
    ok: bool
    text: str  # what the agent said at the opening (original text)
    missing: list[str] = field(default_factory=list)  # greeting | company | surname | offer
    turn: int | None = None
    garbled_surname: str | None = None  # a call's 我姓× the recognizer garbled, taken as said (我建交)
    garbled_company: str | None = None  # a call's company the recognizer garbled, taken as said (开锁服务认陷)
    slot: tuple[int, int] | None = None  # where it stands in the first turn's matching key
    # where the whole script opened with a time-of-day word (上午好…请问有什么可以帮您) stands there
    script: tuple[int, int] | None = None


@dataclass
class Result:
    conversation: Conversation
    findings: list[Finding]
    courtesy: list[Finding]  # one evidence hit per courtesy phrase used
    greeting: Greeting
    attitude_score: float = 10.0
    notes: list[str] = field(default_factory=list)  # what a reader should know, e.g. a rule skipped on a mono call

    @property
    def courtesy_used(self) -> list[str]:
        return sorted({f.id for f in self.courtesy})


@dataclass
class Run:
    """Everything one invocation produced, handed to the report emitters."""

    results: list[Result] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files under the given folders that are not inputs
    files: int = 0

    def input_tally(self) -> str:
        """The run's input problems for a summary line: errors always, warnings (a recording with no
        speech: not scored, exit 0) only where there are any."""
        warnings = sum(e.warning for e in self.errors)
        return f"{len(self.errors) - warnings} input error(s)" + (f", {warnings} input warning(s)" if warnings else "")
