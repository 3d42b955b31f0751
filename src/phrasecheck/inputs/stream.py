"""Chat exports (JSONL, CSV) read as a stream of messages, grouped into conversations in bounded memory.

readers.read_file loads a whole file and builds every conversation before handing any on; a month's
export does not fit that way. Here a file is read twice, both times line by line:

1. survey(): a quick pass that settles the encoding (UTF-8, else GB18030, as readers.decode) and
   learns whether each conversation's messages are contiguous ("grouped"), and which ids occur;
2. conversations(): the real pass. A grouped file hands on each conversation as soon as the next one
   starts; any other file goes through an on-disk SQLite spill (inputs/spill.py) and its
   conversations come back in order of first appearance.

Either way the conversations, their turns, their order and the InputErrors are exactly those of
readers.read_file (same line numbers, same messages), so a streamed check reports the same thing.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from phrasecheck.config.profile import Profile
from phrasecheck.data import Conversation, Turn
from phrasecheck.errors import InputError
from phrasecheck.inputs.readers import _line_too_long, _message, add_turn, check_file_size, csv_header
from phrasecheck.inputs.surrogates import parsed_problem

STREAMED_SUFFIXES = frozenset({".jsonl", ".csv"})

# Characters str.splitlines() breaks at besides \n, as UTF-8 bytes: readers.read_file splits a file
# with str.splitlines(), so a line holding one of these is split the same way here.
_CONTROL_BREAKS = re.compile(rb"[\r\x0b\x0c\x1c-\x1e]")
# U+0085, U+2028, U+2029 are checked as their bytes in _other_breaks.
_WIDE_BREAKS = (b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\xc2\x85")
# The survey reads a JSONL line's conversation id without parsing the line where that is certain: the
# key once, right after '{' or ',' (so outside any string: inside one every quote is escaped), and a
# string value without escapes. Anything else is parsed. Its ids are then those of the real pass,
# plus those of lines the real pass rejects, which can only make a file look less grouped (safe).
_ID_FIELD = re.compile(rb'[{,]\s*"conversation_id"\s*:\s*"([^"\\]*)"')


def _other_breaks(raw: bytes, end: int) -> bool:
    return bool(_CONTROL_BREAKS.search(raw, 0, end)) or any(b in raw for b in _WIDE_BREAKS)


def _may_break(chunk: bytes) -> bool:
    """Could a line of this UTF-8 chunk hold a break other than its \\n or \\r\\n (_other_breaks)? A few
    memchr-speed scans of the chunk, so a file without any skips the per-line check (a regex per
    line costs more than parsing the line). A \\r\\n cut by the chunk's end counts as a break: safe."""
    return chunk.count(b"\r") != chunk.count(b"\r\n") or any(b in chunk for b in (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", *_WIDE_BREAKS))


_BOM = codecs.BOM_UTF8

Record = tuple[int, dict | None, InputError | None]


@dataclass
class Survey:
    """What the first pass over a chat file learned."""

    path: Path
    encoding: str = "utf-8"  # utf-8 (a leading BOM skipped) or gb18030
    messages: int = 0  # non-blank lines or rows
    grouped: bool = True  # every conversation's messages are contiguous
    ids: set[str] = field(default_factory=set)  # conversation ids (dropped by the caller once used)
    error: InputError | None = None  # a problem with the whole file (encoding, CSV header): nothing else is read
    breaks: bool = True  # a line may hold a break str.splitlines() splits at besides its end (_may_break)


def _jsonl_lines(path: Path, encoding: str, breaks: bool = True) -> Iterator[tuple[int, bytes | str]]:
    """(line number, text) of the non-blank lines, numbered as str.splitlines() numbers them.
    UTF-8 lines come as bytes (orjson reads them without a decode), others as str.
    breaks=False: the survey found no break but \\n and \\r\\n in the file (Survey.breaks)."""
    with open(path, "rb") as f:
        yield from _lines_of(f, encoding, breaks)


def _lines_of(f, encoding: str, breaks: bool, n: int = 0, first: bool = True) -> Iterator[tuple[int, bytes | str]]:
    """_jsonl_lines over an open binary file (or a slice's bytes); n: lines before it, first: it
    starts the file (a BOM may lead)."""
    for k, raw in enumerate(f):
        if k == 0 and first and raw.startswith(_BOM) and encoding == "utf-8":
            raw = raw[len(_BOM) :]
        end = len(raw) - (2 if raw.endswith(b"\r\n") else 1 if raw.endswith(b"\n") else 0)
        if encoding == "utf-8" and not (breaks and _other_breaks(raw, end)):
            n += 1
            if raw.strip():
                yield n, raw[:end]
            continue
        try:
            pieces = raw.decode(encoding).splitlines() or [""]
        except UnicodeDecodeError:  # a line that is not UTF-8 in a file that is (survey): _parse reports it
            n += 1
            yield n, raw[:end]
            continue
        for piece in pieces:
            n += 1
            if piece.strip():
                yield n, piece


def _parse(raw: bytes | str, path: Path, n: int) -> Record:
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        # json's own message (and json's leniency: NaN, huge integers), exactly as readers.read_file
        try:
            record = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
            half = parsed_problem(raw, record)  # what orjson refused may be a half character, which json lets through
            if half:
                return n, None, InputError(str(path), half, n)
        except json.JSONDecodeError as exc:
            return n, None, InputError(str(path), f"not valid JSON: {exc.msg} (column {exc.colno})", n)
        except UnicodeDecodeError:  # a line pasted in from a GBK export into a UTF-8 one (survey: MIXED)
            return n, None, InputError(str(path), "this line is not UTF-8, where the rest of the file is (a line from a GBK export?): save it as UTF-8", n)
    if not isinstance(record, dict):
        return n, None, InputError(str(path), "expected a JSON object per line", n)
    return n, record, None


def jsonl_records(path: Path, encoding: str, profile: Profile | None = None, breaks: bool = True) -> Iterator[Record]:
    return _line_records(path, _jsonl_lines(path, encoding, breaks), profile)


def _line_records(path: Path, lines: Iterable[tuple[int, bytes | str]], profile: Profile | None) -> Iterator[Record]:
    limit = profile.limits.max_line_chars if profile is not None else None
    for n, raw in lines:
        if limit is not None and len(raw) > limit:  # bytes >= characters: decode only to be sure
            too_long = _line_too_long(path, n, len(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw), profile)
            if too_long is not None:
                yield n, None, too_long
                continue
        yield _parse(raw, path, n)


def _utf8(path: Path) -> tuple[bool, bool]:
    """Is the file UTF-8, and may a line of it hold a break other than its end (_may_break)?"""
    decoder = codecs.getincrementaldecoder("utf-8")()
    breaks = False
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
                breaks = breaks or _may_break(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, True
    return True, breaks


def _utf8_then_not(path: Path) -> bool:
    """Whether the file opens with UTF-8 text lines before its first line that is not UTF-8 (no NUL
    byte: UTF-16 and binary files stay one error for the whole file)."""
    good = 0
    with open(path, "rb") as f:
        for raw in f:
            if b"\0" in raw:
                return False
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return good > 0
            good += bool(raw.strip())
    return False


def _csv_open(path: Path, encoding: str):
    return open(path, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="")


def csv_records(path: Path, encoding: str, profile: Profile, f) -> Iterator[Record]:
    """Rows of an open CSV file as records keyed by canonical column; raises InputError for a bad header."""
    reader = csv.reader(f)
    position = csv_header(reader, path, profile)
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            yield line, {c: (row[i] if i < len(row) else None) for c, i in position.items()}, None
    except csv.Error as exc:
        yield reader.line_num, None, InputError(str(path), f"broken CSV row: {exc}", reader.line_num)


def records(path: Path, encoding: str, profile: Profile, breaks: bool = True) -> Iterator[Record]:
    if path.suffix.lower() == ".jsonl":
        yield from jsonl_records(path, encoding, profile, breaks)
    else:
        with _csv_open(path, encoding) as f:
            yield from csv_records(path, encoding, profile, f)


def _ids(path: Path, encoding: str, profile: Profile, breaks: bool = True) -> Iterator[str | None]:
    """The conversation id of each message (None where it has none)."""
    if path.suffix.lower() == ".jsonl" and encoding == "utf-8":
        for n, raw in _jsonl_lines(path, encoding, breaks):
            if isinstance(raw, bytes) and raw.count(b'"conversation_id"') == 1 and (m := _ID_FIELD.search(raw)):
                yield m[1].decode("utf-8", "replace") or None  # a line that is not UTF-8 is rejected by the real pass
                continue
            _, record, error = _parse(raw, path, n)
            if error is None:
                yield _id_of(record)
        return
    for _, record, error in records(path, encoding, profile):
        if error is None:
            yield _id_of(record)


def _id_of(record: dict) -> str | None:
    conv_id = record.get("conversation_id")
    return None if conv_id in (None, "") else str(conv_id)


def survey(path: Path, profile: Profile) -> Survey:
    """The first pass: encoding, message count, grouped or not, conversation ids."""
    s = Survey(path)
    try:
        check_file_size(path, profile)  # memory is bounded here, but the profile's limit still says what a run takes on
        utf8, s.breaks = _utf8(path)
        if not utf8:
            s.encoding = "gb18030"
            decoder = codecs.getincrementaldecoder("gb18030")()
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        if path.suffix.lower() != ".jsonl" or not _utf8_then_not(path):
            s.error = InputError(str(path), "unknown text encoding (expected UTF-8 or GBK/GB18030)")
            return s
        # UTF-8 lines, then one that is not (nor is the file GB18030 throughout): an export with a line
        # pasted in from a GBK one. Read as UTF-8 line by line: each line that is not is reported on
        # its own, the others are checked
        s.encoding = "utf-8"
    except InputError as exc:
        s.error = exc
        return s
    except OSError as exc:
        s.error = InputError(str(path), f"cannot read: {exc.strerror or exc}")
        return s
    last = None
    try:
        for conv_id in _ids(path, s.encoding, profile, s.breaks):
            s.messages += 1
            if conv_id is None:
                continue
            if conv_id != last:
                if conv_id in s.ids:
                    s.grouped = False
                s.ids.add(conv_id)
                last = conv_id
    except InputError as exc:
        s.error = exc
    except OSError as exc:
        s.error = InputError(str(path), f"cannot read: {exc.strerror or exc}")
    return s


class _Open:
    """One conversation being built, as readers._Builder builds it."""

    __slots__ = ("conv", "path")

    def __init__(self, conv_id: str, agent_id: str, path: Path):
        self.conv = Conversation(conv_id, agent_id or "unknown", str(path))
        self.path = path

    def add(self, agent_id: str, turn: Turn, errors: list[InputError]) -> None:
        conv = self.conv
        if conv.agent_id == "unknown" and agent_id:
            conv.agent_id = agent_id
        problem = add_turn(conv, turn, self.path)
        if problem is not None:
            errors.append(problem)


def messages(path: Path, encoding: str, profile: Profile, errors: list[InputError], breaks: bool = True) -> Iterator[tuple[str, str, Turn]]:
    """(conversation id, agent id, turn) per good message; problems go to errors, in line order."""
    return _messages_of(path, records(path, encoding, profile, breaks), profile, errors)


def _messages_of(path: Path, recs: Iterable[Record], profile: Profile, errors: list[InputError]) -> Iterator[tuple[str, str, Turn]]:
    for line, record, error in recs:
        if error is None:
            try:
                conv_id, agent_id, turn, error = _message(record, path, line, profile)
                yield conv_id, agent_id, turn
            except InputError as exc:
                error = exc
        if error is not None:
            errors.append(error)


def conversations(s: Survey, profile: Profile, errors: list[InputError], spill_dir: Path | None = None) -> Iterator[Conversation]:
    """The file's conversations in order of first appearance: streamed when grouped, else through the spill.
    A whole-file problem (encoding, header, unreadable) is appended to errors and nothing is yielded."""
    if s.error is not None:
        errors.append(s.error)
        return
    try:
        if s.grouped:
            yield from _grouped(s.path, messages(s.path, s.encoding, profile, errors, s.breaks), errors)
        else:
            from phrasecheck.inputs.spill import Spill

            with Spill(spill_dir) as spill:
                for conv_id, agent_id, turn in messages(s.path, s.encoding, profile, errors, s.breaks):
                    spill.add(conv_id, agent_id, turn)
                yield from spill.conversations(str(s.path), errors)
    except InputError as exc:
        errors.append(exc)
    except OSError as exc:
        errors.append(InputError(str(s.path), f"cannot read: {exc.strerror or exc}"))


def _grouped(path: Path, msgs: Iterable[tuple[str, str, Turn]], errors: list[InputError]) -> Iterator[Conversation]:
    """Messages of a grouped file as conversations, each handed on when the next one starts."""
    current: _Open | None = None
    for conv_id, agent_id, turn in msgs:
        if current is None or current.conv.conversation_id != conv_id:
            if current is not None:
                yield current.conv
            current = _Open(conv_id, agent_id, path)
        current.add(agent_id, turn, errors)
    if current is not None:
        yield current.conv


# --- slices: a --jobs worker reads its own part of a file ----------------------------------------


@dataclass
class FileState:
    """A sliced file as its slices come back, in order: what conversations() would have counted."""

    path: Path
    errors: list[InputError]  # the run's error list: each slice's problems are appended when it comes back
    read: int = 0  # conversations the slices gave
    problems: int = 0  # errors the slices gave
    late: InputError | None = None  # a read error met while cutting the file, reported after its slices


@dataclass
class Slice:
    """Lines of one file for a worker to parse (parse_slice) and check."""

    state: FileState
    data: bytes  # whole lines of the file
    lines_before: int  # lines of the file before them
    first: bool  # they start the file
    agent: str | None = None  # --agent: every conversation's agent


@dataclass
class FileEnd:
    """After a sliced file's last slice: its slices are all back before anything later is read."""

    state: FileState


def sliceable(s: Survey) -> bool:
    """A file whose lines can be cut into slices that workers parse themselves (slices()): UTF-8
    JSONL, grouped, without odd line breaks or a whole-file problem."""
    return s.error is None and s.grouped and s.encoding == "utf-8" and not s.breaks and s.path.suffix.lower() == ".jsonl"


def _line_id(raw: bytes, path: Path) -> str | None:
    """A line's conversation id as the survey reads it (_ids)."""
    end = len(raw) - (2 if raw.endswith(b"\r\n") else 1 if raw.endswith(b"\n") else 0)
    raw = raw[:end]
    if not raw.strip():
        return None
    if raw.count(b'"conversation_id"') == 1 and (m := _ID_FIELD.search(raw)):
        return m[1].decode("utf-8", "replace") or None
    _, record, error = _parse(raw, path, 0)
    return _id_of(record) if error is None else None


def slices(s: Survey, max_lines: int) -> Iterator[tuple[bytes, int, bool]]:
    """The file cut into slices of about max_lines lines, as (bytes, lines before it, starts the
    file), only where the conversation id changes: each conversation lies in one slice, so
    parse_slice() of each slice, in order, gives the conversations and errors conversations() gives.
    The main process does not read every line: it jumps ahead by about max_lines lines' worth of
    bytes and reads on only to the next change of id (ids read as the survey reads them; a line the
    real pass rejects can only make a cut early, which changes nothing)."""
    size = s.path.stat().st_size
    step = max(1, int(size / max(s.messages, 1) * max_lines))
    start, lines_before = 0, 0
    with open(s.path, "rb") as f:
        while start < size:
            cut = size
            if start + step < size:
                f.seek(start + step)
                f.readline()  # to the start of the next line
                prev = None
                while True:
                    at = f.tell()
                    raw = f.readline()
                    if not raw:
                        break
                    conv_id = _line_id(raw, s.path)
                    if conv_id is not None and prev is not None and conv_id != prev:
                        cut = at
                        break
                    prev = conv_id if conv_id is not None else prev
            f.seek(start)
            data = f.read(cut - start)
            yield data, lines_before, start == 0
            lines_before += data.count(b"\n")
            start = cut


def parse_slice(path: Path, data: bytes, lines_before: int, first: bool, profile: Profile, errors: list[InputError]) -> list[Conversation]:
    """The conversations of one slice (slices()), its problems appended to errors in line order."""
    lines = _lines_of(io.BytesIO(data), "utf-8", False, lines_before, first)
    return list(_grouped(path, _messages_of(path, _line_records(path, lines, profile), profile, errors), errors))
