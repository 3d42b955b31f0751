"""Inputs -> Conversations: chat exports (JSONL, CSV), plain-text transcripts, and (through a
transcriber the caller passes in) call recordings. Every problem is an InputError naming the file
and line; a bad line never hides the rest of its file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from phrasecheck.config.profile import CSV_COLUMNS, Profile
from phrasecheck.data import AGENT, ROLES, Conversation, Turn
from phrasecheck.errors import InputError
from phrasecheck.inputs.discover import AUDIO_SUFFIXES, STDIN
from phrasecheck.inputs.surrogates import parsed_problem

# Headers that Chinese service-desk exports use, beside the canonical ones.
HEADER_ALIASES = {
    "conversation_id": ["会话id", "会话编号", "对话id", "session_id", "conversation"],
    "agent_id": ["坐席工号", "客服工号", "工号", "坐席", "客服id", "agent"],
    "role": ["角色", "发送方", "speaker", "sender"],
    "text": ["内容", "消息内容", "消息", "文本", "message", "content"],
    "timestamp": ["时间", "发送时间", "消息时间", "time", "datetime"],
}

# 客服: / [00:12] 客服: / 10:02:03 客服: / 【客服】… / 客服小王: (a label that starts with a role word)
# / [  3.20-   5.90] agent: (seconds into the recording, as `phrasecheck transcribe --format text` writes)
TXT_LINE = re.compile(
    r"^\s*(?:(?:\[(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)\]|\[\s*(?P<start>\d+(?:\.\d+)?)\s*-\s*(?P<end>\d+(?:\.\d+)?)\s*\]"
    r"|(?P<bare>\d{1,2}:\d{2}(?::\d{2})?)(?=\s))\s*)?"
    r"(?:【(?P<blabel>[^】\s]{1,12})】\s*[:：]?|(?P<label>[^:：\s\[\]【】]{1,12})\s*[:：])\s*(?P<text>.*)$"
)
TXT_HEADER = re.compile(
    r"^\s*#\s*(?P<key>agent|agent_id|conversation|conversation_id|started|call_time|source|roles|note)\s*[:：]\s*(?P<value>\S.*?)\s*$", re.I
)


@dataclass
class Loaded:
    """What one file gave: its conversations and the problems met on the way."""

    path: Path
    conversations: list[Conversation] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


def read_file(path: Path, profile: Profile, agent: str | None = None, audio: Callable[[Path], Conversation] | None = None) -> Loaded:
    """The conversations in one input file (`-`: standard input, JSONL or a transcript), and its problems."""
    loaded = Loaded(path)
    try:
        suffix = path.suffix.lower()
        if str(path) == STDIN:
            import sys

            data = sys.stdin.buffer.read()
            if len(data) > profile.limits.max_file_mb * 1e6:
                raise InputError(str(path), f"standard input is over the limit of {profile.limits.max_file_mb:g} MB (limits.max_file_mb in phrasecheck.yaml)")
            first = next((line.strip() for line in data.splitlines() if line.strip()), b"")
            _read_text(path, ".jsonl" if first.startswith(b"{") else ".txt", decode_bytes(data, path), profile, agent, loaded)
            return _finish(loaded, agent)
        if suffix not in AUDIO_SUFFIXES:  # recordings were measured against the limits before transcribing
            check_file_size(path, profile)
        if suffix in AUDIO_SUFFIXES:
            if audio is None:
                raise InputError(str(path), "audio input needs the transcriber (phrasecheck check/scan handle it)")
            loaded.conversations.append(audio(path))
        elif suffix in (".jsonl", ".csv", ".txt"):
            _read_text(path, suffix, decode(path), profile, agent, loaded)
        else:
            raise InputError(str(path), f"unknown input type '{suffix}'")
    except InputError as exc:
        loaded.errors.append(exc)
    except OSError as exc:
        loaded.errors.append(InputError(str(path), f"cannot read: {exc.strerror or exc}"))
    return _finish(loaded, agent)


def _finish(loaded: Loaded, agent: str | None) -> Loaded:
    if agent:
        for conv in loaded.conversations:
            conv.agent_id = agent
            for t in conv.turns:  # --agent names the one agent of every conversation
                t.agent_id = None
    if not loaded.conversations and not loaded.errors:
        loaded.errors.append(InputError(str(loaded.path), "no conversation in this file"))
    return loaded


def _read_text(path: Path, suffix: str, text: str, profile: Profile, agent: str | None, loaded: Loaded) -> None:
    if suffix == ".jsonl":
        _read_jsonl(path, text, profile, loaded)
    elif suffix == ".csv":
        _read_csv(path, text, profile, loaded)
    else:
        loaded.conversations.append(_read_txt(path, text, profile, agent))


def check_file_size(path: Path, profile: Profile) -> None:
    """InputError when the file is larger than the profile's limits.max_file_mb."""
    size = path.stat().st_size
    limit = profile.limits.max_file_mb
    if size > limit * 1e6:
        raise InputError(str(path), f"the file is {size / 1e6:,.1f} MB, over the limit of {limit:g} MB (limits.max_file_mb in phrasecheck.yaml)")


def _line_too_long(path: Path, line: int, length: int, profile: Profile, what: str = "line") -> InputError | None:
    limit = profile.limits.max_line_chars
    if length <= limit:
        return None
    return InputError(str(path), f"this {what} is {length:,} characters, over the limit of {limit:,} (limits.max_line_chars in phrasecheck.yaml)", line)


def decode(path: Path) -> str:
    """A text file as UTF-8 (with or without BOM), else GB18030 (a superset of GBK), as Excel in China writes CSV."""
    return decode_bytes(path.read_bytes(), path)


def decode_bytes(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(str(path), "unknown text encoding (expected UTF-8 or GBK/GB18030)")


def parse_time(value, path: Path, line: int) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(str(path), f"timestamp {value!r} is not ISO 8601 (2026-11-26T09:15:02+08:00)", line) from None


class _Builder:
    """Collects messages into conversations in order of first appearance."""

    def __init__(self, path: Path):
        self.path = path
        self.convs: dict[str, Conversation] = {}

    def add(self, conv_id: str, agent_id: str, turn: Turn) -> InputError | None:
        """Add one message; returns the problem with its timestamp, if any (the message is kept)."""
        conv = self.convs.get(conv_id)
        if conv is None:
            conv = self.convs[conv_id] = Conversation(conv_id, agent_id or "unknown", str(self.path))
        elif conv.agent_id == "unknown" and agent_id:
            conv.agent_id = agent_id
        return add_turn(conv, turn, self.path)


def add_turn(conv: Conversation, turn: Turn, path: Path) -> InputError | None:
    """Append one message to its conversation, as every reader builds one; returns the problem with its
    timestamp, if any (the message is kept without it). A message whose role was guessed (a call
    transcript's roles "inferred") makes the conversation's roles guesses: the checker then treats it
    as a single-channel call."""
    problem = None if turn.timestamp is None else _zone_mismatch(conv, turn, path)
    if problem is not None:
        turn.timestamp = None
    conv.turns.append(turn)
    if conv.started_at is None and turn.timestamp is not None:
        conv.started_at = turn.timestamp
    if turn.roles is not None and ROLES.index(turn.roles) > ROLES.index(conv.roles):
        conv.roles = turn.roles
    return problem


def _zone_mismatch(conv: Conversation, turn: Turn, path: Path) -> InputError | None:
    """Times with and without a zone cannot be compared: a message whose time differs in that from
    the conversation's first timed message keeps its text and loses its time, reported."""
    if turn.timestamp is None:
        return None
    first = next((t.timestamp for t in conv.turns if t.timestamp is not None), None)
    if first is None or (first.tzinfo is None) == (turn.timestamp.tzinfo is None):
        return None
    has, lacks = ("has no", "have one") if turn.timestamp.tzinfo is None else ("has a", "have none")
    return InputError(
        str(path), f"timestamp {turn.timestamp.isoformat()} {has} time zone where the conversation's earlier ones {lacks}; its time is left out", turn.line
    )


def _message(record: dict, path: Path, line: int, profile: Profile) -> tuple[str, str, Turn, InputError | None]:
    """One exported message. A bad timestamp keeps the message (its text is fine) and is reported."""
    get = record.get  # once per message of every export: kept lean
    conv_id, label, text = get("conversation_id"), get("role"), get("text")
    if conv_id in (None, "") or label in (None, "") or text in (None, ""):
        missing = [k for k in ("conversation_id", "role", "text") if get(k) in (None, "")]
        raise InputError(str(path), f"missing {', '.join(missing)}", line)
    role = profile.role_of(str(label))
    if role is None:
        raise InputError(str(path), f"unknown role {label!r} (expected agent or customer)", line)
    if not isinstance(text, str):
        raise InputError(str(path), "text must be a string", line)
    agent = get("agent_id")
    for name, value in (("conversation_id", conv_id), ("agent_id", agent)):
        if value is not None and (type(value) is not str and type(value) is not int):  # a list or mapping would be charged as its Python repr
            raise InputError(str(path), f"{name} must be a string or a whole number, got {json.dumps(value, ensure_ascii=False)[:40]}", line)
    if len(text) > profile.limits.max_line_chars:
        raise _line_too_long(path, line, len(text), profile, "message")
    ts, problem = None, None
    stamp = get("timestamp")
    if stamp not in (None, ""):
        try:
            ts = parse_time(stamp, path, line)
        except InputError as exc:
            problem = exc
    agent_id = str(agent or "").strip()
    heard = get("heard")
    turn = Turn(role=role, text=text, timestamp=ts, line=line, agent_id=agent_id or None, heard=[] if heard in (None, []) else _heard(heard, path, line, text))
    if "start_s" in record or "end_s" in record:
        turn.start_s, turn.end_s = _offsets(record, path, line)
    roles = get("roles")
    if roles not in (None, ""):
        turn.roles = _roles(roles, path, line)
    return str(conv_id), agent_id, turn, problem


def _roles(value, path: Path, line: int) -> str:
    """A transcript's `roles` (JSONL field or `# roles:` header): one of data.ROLES."""
    if value not in ROLES:
        raise InputError(str(path), f"roles {value!r} is not one of {', '.join(ROLES)}", line)
    return value


def _offsets(record: dict, path: Path, line: int) -> tuple[float | None, float | None]:
    """start_s / end_s: where a message exported from a call's transcript lies in the recording
    (seconds). With them the conversation is a call: call rules apply (openers by position, a
    sentence cut by a backchannel, phone-number masking of recognized speech)."""
    out = []
    for name in ("start_s", "end_s"):
        value = record.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e7):
            raise InputError(str(path), f"{name} must be seconds into the recording (a number >= 0), got {value!r}", line)
        out.append(float(value) if value is not None else None)
    if out[0] is not None and out[1] is not None and out[1] < out[0]:
        raise InputError(str(path), f"end_s {out[1]} is before start_s {out[0]}", line)
    return out[0], out[1]


def _heard(value, path: Path, line: int, text: str) -> list[tuple[int, int, str, float]]:
    """A transcript's acoustic verification (calls/verify.py) kept in a message exported from it:
    [[char_start, char_end, heard, gain], ...] over the message's text."""
    if value in (None, []):
        return []
    try:
        heard = [(int(a), int(b), str(h), float(g)) for a, b, h, g in value]
    except (TypeError, ValueError) as exc:
        raise InputError(str(path), "heard must be a list of [char_start, char_end, text, gain]", line) from exc
    if any(not 0 <= a < b <= len(text) for a, b, _, _ in heard):
        raise InputError(str(path), "heard: a span lies outside the text", line)
    return heard


def _add_records(records: Iterable[tuple[int, dict | None, InputError | None]], path: Path, profile: Profile, loaded: Loaded) -> None:
    builder = _Builder(path)
    for line, record, error in records:
        if error is None:
            try:
                conv_id, agent_id, turn, error = _message(record, path, line, profile)
                error = builder.add(conv_id, agent_id, turn) or error
            except InputError as exc:
                error = exc
        if error is not None:
            loaded.errors.append(error)
    for conv in builder.convs.values():
        # the conversation is the first speaking agent's (a customer's row may name whoever was assigned first)
        conv.agent_id = next((t.agent_id for t in conv.turns if t.role == AGENT and t.agent_id), conv.agent_id)
    loaded.conversations.extend(builder.convs.values())


def _read_jsonl(path: Path, text: str, profile: Profile, loaded: Loaded) -> None:
    def records():
        for n, raw in enumerate(text.splitlines(), 1):
            if not raw.strip():
                continue
            too_long = _line_too_long(path, n, len(raw), profile)
            if too_long:
                yield n, None, too_long
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield n, None, InputError(str(path), f"not valid JSON: {exc.msg} (column {exc.colno})", n)
                continue
            if not isinstance(record, dict):
                yield n, None, InputError(str(path), "expected a JSON object per line", n)
                continue
            half = parsed_problem(raw, record)
            if half:
                yield n, None, InputError(str(path), half, n)
                continue
            yield n, record, None

    _add_records(records(), path, profile, loaded)


def _column_map(header: list[str], profile: Profile) -> dict[str, str]:
    """canonical column -> header in this file."""
    lowered = {h.strip().lower(): h for h in header}
    mapping = {}
    for canonical in CSV_COLUMNS:
        names = [profile.columns[canonical]] if canonical in profile.columns else [canonical, *HEADER_ALIASES[canonical]]
        for name in names:
            if name.strip().lower() in lowered:
                mapping[canonical] = lowered[name.strip().lower()]
                break
    return mapping


def csv_header(reader, path: Path, profile: Profile) -> dict[str, int]:
    """Read a CSV's header row: canonical column -> its position. Raises InputError for a bad header.
    Also lifts csv's own cap (131,072 characters a field), which would end the file at the first long
    message: the profile's limit is checked per message instead, and the rest of the file is read."""
    csv.field_size_limit(max(csv.field_size_limit(), profile.limits.max_line_chars * 4))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(str(path), "empty CSV file", 1) from None
    except csv.Error as exc:
        raise InputError(str(path), f"not a readable CSV: {exc}", 1) from None
    mapping = _column_map(header, profile)
    missing = [c for c in ("conversation_id", "role", "text") if c not in mapping]
    if missing:
        found = ", ".join(h for h in header if h) or "none"
        raise InputError(str(path), f"missing column(s) {', '.join(missing)} (found: {found}; map them under 'columns' in phrasecheck.yaml)", 1)
    folded = [h.strip().lower() for h in header]
    for h in mapping.values():
        where = [i + 1 for i, name in enumerate(folded) if name == h.strip().lower()]
        if len(where) > 1:  # the first was read and the other dropped in silence: which one holds the messages?
            raise InputError(
                str(path), f"column {header[where[0] - 1].strip()!r} is given twice (columns {where[0]} and {where[1]}): keep one, or rename the other", 1
            )
    return {c: header.index(h) for c, h in mapping.items()}


def _read_csv(path: Path, text: str, profile: Profile, loaded: Loaded) -> None:
    reader = csv.reader(io.StringIO(text, newline=""))
    position = csv_header(reader, path, profile)

    def records():
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):  # one huge message: reported, the rest is read
                    limit = profile.limits.max_line_chars
                    why = f"a field of this row is over {limit * 4:,} characters, over the limit of {limit:,} (limits.max_line_chars in phrasecheck.yaml)"
                    yield reader.line_num, None, InputError(str(path), why, reader.line_num)
                    continue
                yield reader.line_num, None, InputError(str(path), f"broken CSV row: {exc}", reader.line_num)
                return
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            yield line, {c: (row[i] if i < len(row) else None) for c, i in position.items()}, None

    _add_records(records(), path, profile, loaded)


def _read_txt(path: Path, text: str, profile: Profile, agent: str | None) -> Conversation:
    meta: dict[str, str] = {}
    conv = Conversation(path.stem, agent or path.stem, str(path))
    offsets = False  # [3.20-5.90]: seconds into a recording, never clock times
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        header = TXT_HEADER.match(raw)
        if header and not conv.turns:
            key, value = header["key"].lower(), header["value"]
            if key == "note":
                conv.notes.append(value)
            elif key == "roles":
                conv.roles = _roles(value, path, n)
            meta[key] = value
            continue
        m = TXT_LINE.match(raw)
        role = _role(profile, m["blabel"] or m["label"]) if m else None
        if role is None:
            if conv.turns:  # a message that runs over several lines
                conv.turns[-1].text += "\n" + raw.strip()
                continue
            raise InputError(str(path), "expected '客服:…' or '客户:…' (or 【客服】…, 客服小王:…, optionally after [hh:mm:ss] or 10:02:03)", n)
        turn = Turn(role=role, text=m["text"].strip(), start_s=_seconds(m["ts"] or m["bare"], path, n), line=n)
        if m["start"] is not None:
            turn.start_s, turn.end_s, offsets = float(m["start"]), float(m["end"]), True
            if turn.end_s < turn.start_s:
                raise InputError(str(path), f"end {m['end']} is before start {m['start']}", n)
        conv.turns.append(turn)
    conv.agent_id = agent or meta.get("agent") or meta.get("agent_id") or path.stem
    conv.conversation_id = meta.get("conversation") or meta.get("conversation_id") or path.stem
    if "started" in meta or "call_time" in meta:
        conv.started_at = parse_time(meta.get("started") or meta.get("call_time"), path, 1)
    if not offsets:
        _clock_times(conv)
    if not conv.turns:
        raise InputError(str(path), "no '客服:' or '客户:' lines in this transcript")
    for t in conv.turns:
        too_long = _line_too_long(path, t.line or 1, len(t.text), profile, "turn")
        if too_long:
            raise too_long
    agent_times = [t.start_s for t in conv.turns if t.role == AGENT and t.start_s is not None]
    if agent_times:
        conv.first_agent_s = agent_times[0]
    return conv


def _seconds(stamp: str | None, path: Path | None = None, line: int | None = None) -> float | None:
    """[mm:ss] or [hh:mm:ss] in seconds; seconds, and the minutes of hh:mm:ss, run to 59 ([99:99:99] is
    no time: read as 4 days, it dated the call's turns 1900-01-05). Minutes of [mm:ss] may pass 59."""
    if not stamp:
        return None
    pieces = stamp.split(":")
    if float(pieces[-1]) >= 60 or (len(pieces) == 3 and int(pieces[1]) >= 60):
        raise InputError(str(path), f"[{stamp}] is not a time: its minutes and seconds run to 59", line)
    total = 0.0
    for piece in pieces:
        total = total * 60 + float(piece)
    return total


def _role(profile: Profile, label: str) -> str | None:
    """A role label as configured, or one that starts with it and names the person (客服小王, 客户张女士)."""
    role = profile.role_of(label)
    if role is not None:
        return role
    for labels, name in ((profile.agent_labels, "agent"), (profile.customer_labels, "customer")):
        for known in sorted(labels, key=len, reverse=True):
            if len(known) >= 2 and label.lower().startswith(known.lower()) and len(label) - len(known) <= 4:
                return name
    return None


CLOCK_DAY = datetime(1900, 1, 1)  # the date of clock times in a transcript that does not say its date


def _clock_times(conv: Conversation) -> None:
    """[14:13:01] is a time of day, not 853 minutes into a recording: when the first time in a
    transcript is an hour or more, its times are clock times. They become timestamps (on the date of
    the `# started:` header when there is one), and offsets are left empty."""
    times = [t.start_s for t in conv.turns if t.start_s is not None]
    if not times or times[0] < 3600:
        return
    day = conv.started_at.replace(hour=0, minute=0, second=0, microsecond=0) if conv.started_at else CLOCK_DAY
    for t in conv.turns:
        if t.start_s is not None:
            t.timestamp = day + timedelta(seconds=t.start_s)
            t.start_s = None
    conv.first_agent_s = None
