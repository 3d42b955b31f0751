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
from datetime import datetime
from pathlib import Path

from phrasecheck.calls.audio import AUDIO_SUFFIXES
from phrasecheck.config.profile import CSV_COLUMNS, Profile
from phrasecheck.data import AGENT, Conversation, Turn
from phrasecheck.errors import InputError

CHAT_SUFFIXES = {".jsonl", ".csv", ".txt"}
# Files beside the inputs that describe them rather than hold conversations: eval labels, the
# scripts and placement references of synthetic calls, and the recordings' manifest.
NOT_INPUT_SUFFIXES = (".gold.jsonl", ".script.jsonl", ".refs.jsonl")
NOT_INPUT_NAMES = {"manifest.csv"}

# Headers that Chinese service-desk exports use, beside the canonical ones.
HEADER_ALIASES = {
    "conversation_id": ["会话id", "会话编号", "对话id", "session_id", "conversation"],
    "agent_id": ["坐席工号", "客服工号", "工号", "坐席", "客服id", "agent"],
    "role": ["角色", "发送方", "speaker", "sender"],
    "text": ["内容", "消息内容", "消息", "文本", "message", "content"],
    "timestamp": ["时间", "发送时间", "消息时间", "time", "datetime"],
}

TXT_LINE = re.compile(r"^\s*(?:\[(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)\]\s*)?(?P<label>[^:：\s\[\]]{1,12})\s*[:：]\s*(?P<text>.*)$")
TXT_HEADER = re.compile(r"^\s*#\s*(?P<key>agent|agent_id|conversation|conversation_id|started|call_time)\s*[:：]\s*(?P<value>\S.*?)\s*$", re.I)


@dataclass
class Loaded:
    """What one file gave: its conversations and the problems met on the way."""

    path: Path
    conversations: list[Conversation] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


def discover(paths: Iterable[Path], with_audio: bool = True) -> tuple[list[Path], list[Path], list[InputError]]:
    """Files to check under the given paths (recursively), files that are not inputs, and missing paths."""
    wanted = CHAT_SUFFIXES | (set(AUDIO_SUFFIXES) if with_audio else set())
    found: list[Path] = []
    ignored: list[Path] = []
    errors: list[InputError] = []
    for path in paths:
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.parts[len(path.parts) :])):
                (found if _is_input(f, wanted) else ignored).append(f)
        elif path.is_file():
            if _is_input(path, wanted):
                found.append(path)
            else:
                errors.append(InputError(str(path), f"not a known input type (expected {', '.join(sorted(wanted))})"))
        else:
            errors.append(InputError(str(path), "no such file or folder"))
    return found, ignored, errors


def _is_input(path: Path, wanted: set[str]) -> bool:
    name = path.name.lower()
    return name not in NOT_INPUT_NAMES and not name.endswith(NOT_INPUT_SUFFIXES) and path.suffix.lower() in wanted


def read_file(path: Path, profile: Profile, agent: str | None = None, audio: Callable[[Path], Conversation] | None = None) -> Loaded:
    suffix = path.suffix.lower()
    loaded = Loaded(path)
    try:
        if suffix in AUDIO_SUFFIXES:
            if audio is None:
                raise InputError(str(path), "audio input needs the transcriber (phrasecheck check/scan handle it)")
            conv = audio(path)
            if agent:
                conv.agent_id = agent
            loaded.conversations.append(conv)
        elif suffix == ".jsonl":
            _read_jsonl(path, profile, loaded)
        elif suffix == ".csv":
            _read_csv(path, profile, loaded)
        elif suffix == ".txt":
            loaded.conversations.append(_read_txt(path, profile, agent))
        else:
            raise InputError(str(path), f"unknown input type '{suffix}'")
    except InputError as exc:
        loaded.errors.append(exc)
    except OSError as exc:
        loaded.errors.append(InputError(str(path), f"cannot read: {exc.strerror or exc}"))
    if agent:
        for conv in loaded.conversations:
            conv.agent_id = agent
    if not loaded.conversations and not loaded.errors:
        loaded.errors.append(InputError(str(path), "no conversation in this file"))
    return loaded


def decode(path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK), as Excel in China writes CSV."""
    data = path.read_bytes()
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

    def add(self, conv_id: str, agent_id: str, turn: Turn) -> None:
        conv = self.convs.get(conv_id)
        if conv is None:
            conv = self.convs[conv_id] = Conversation(conv_id, agent_id or "unknown", str(self.path))
        elif conv.agent_id == "unknown" and agent_id:
            conv.agent_id = agent_id
        conv.turns.append(turn)
        if conv.started_at is None and turn.timestamp is not None:
            conv.started_at = turn.timestamp


def _message(record: dict, path: Path, line: int, profile: Profile) -> tuple[str, str, Turn, InputError | None]:
    """One exported message. A bad timestamp keeps the message (its text is fine) and is reported."""
    missing = [k for k in ("conversation_id", "role", "text") if record.get(k) in (None, "")]
    if missing:
        raise InputError(str(path), f"missing {', '.join(missing)}", line)
    role = profile.role_of(str(record["role"]))
    if role is None:
        raise InputError(str(path), f"unknown role {record['role']!r} (expected agent or customer)", line)
    text = record["text"]
    if not isinstance(text, str):
        raise InputError(str(path), "text must be a string", line)
    ts, problem = None, None
    try:
        ts = parse_time(record.get("timestamp"), path, line)
    except InputError as exc:
        problem = exc
    turn = Turn(role=role, text=text, timestamp=ts, line=line, heard=_heard(record.get("heard"), path, line, text))
    return str(record["conversation_id"]), str(record.get("agent_id") or ""), turn, problem


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
                builder.add(conv_id, agent_id, turn)
            except InputError as exc:
                error = exc
        if error is not None:
            loaded.errors.append(error)
    loaded.conversations.extend(builder.convs.values())


def _read_jsonl(path: Path, profile: Profile, loaded: Loaded) -> None:
    def records():
        for n, raw in enumerate(decode(path).splitlines(), 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield n, None, InputError(str(path), f"not valid JSON: {exc.msg} (column {exc.colno})", n)
                continue
            if not isinstance(record, dict):
                yield n, None, InputError(str(path), "expected a JSON object per line", n)
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


def _read_csv(path: Path, profile: Profile, loaded: Loaded) -> None:
    reader = csv.reader(io.StringIO(decode(path), newline=""))
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
    position = {c: header.index(h) for c, h in mapping.items()}

    def records():
        try:
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                yield line, {c: (row[i] if i < len(row) else None) for c, i in position.items()}, None
        except csv.Error as exc:
            yield reader.line_num, None, InputError(str(path), f"broken CSV row: {exc}", reader.line_num)

    _add_records(records(), path, profile, loaded)


def _read_txt(path: Path, profile: Profile, agent: str | None) -> Conversation:
    meta: dict[str, str] = {}
    conv = Conversation(path.stem, agent or path.stem, str(path))
    for n, raw in enumerate(decode(path).splitlines(), 1):
        if not raw.strip():
            continue
        header = TXT_HEADER.match(raw)
        if header and not conv.turns:
            meta[header["key"].lower()] = header["value"]
            continue
        m = TXT_LINE.match(raw)
        role = profile.role_of(m["label"]) if m else None
        if role is None:
            if conv.turns:  # a message that runs over several lines
                conv.turns[-1].text += "\n" + raw.strip()
                continue
            raise InputError(str(path), "expected '客服:…' or '客户:…' (optionally after [hh:mm:ss])", n)
        conv.turns.append(Turn(role=role, text=m["text"].strip(), start_s=_seconds(m["ts"]), line=n))
    conv.agent_id = agent or meta.get("agent") or meta.get("agent_id") or path.stem
    conv.conversation_id = meta.get("conversation") or meta.get("conversation_id") or path.stem
    if "started" in meta or "call_time" in meta:
        conv.started_at = parse_time(meta.get("started") or meta.get("call_time"), path, 1)
    if not conv.turns:
        raise InputError(str(path), "no '客服:' or '客户:' lines in this transcript")
    agent_times = [t.start_s for t in conv.turns if t.role == AGENT and t.start_s is not None]
    if agent_times:
        conv.first_agent_s = agent_times[0]
    return conv


def _seconds(stamp: str | None) -> float | None:
    if not stamp:
        return None
    total = 0.0
    for piece in stamp.split(":"):
        total = total * 60 + float(piece)
    return total
