"""Agent, call id and call time read off a recording's path, by the profile's `recording_path`.

Call centres file recordings by agent and day (A1001/2026-11-26/c0042_101500.wav); a pattern
such as `{agent_id}/{date}/{call_id}_{time}.wav` names the parts. It is matched against the last
segments of the path (as many as the pattern has), so it works for `scan DIR` and `check FILE`
alike. A pattern without an extension accepts any. A manifest row, where given, wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

FIELDS = ("agent_id", "call_id", "date", "time", "datetime", "any")
_FIELD = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class PathPattern:
    text: str
    regex: re.Pattern
    segments: int

    def meta(self, path: Path) -> tuple[dict, str | None]:
        """({agent_id, conversation_id, started_at} found in path, or {}; a problem to warn about)."""
        tail = "/".join(Path(path).parts[-self.segments :])
        m = self.regex.fullmatch(tail)
        if m is None:  # charged to no one known: said, not left to a KPI row called unknown
            return {}, f"{path}: the path does not fit recording_path {self.text!r}; its agent and call time are unknown"
        got = m.groupdict()
        meta: dict = {}
        if got.get("agent_id"):
            meta["agent_id"] = got["agent_id"]
        if got.get("call_id"):
            meta["conversation_id"] = got["call_id"]
        try:
            started = _when(got.get("date"), got.get("time"), got.get("datetime"))
        except ValueError as exc:
            return meta, f"{path}: {exc} in the path (recording_path {self.text!r}); the call time is unknown"
        if started is not None:
            meta["started_at"] = started
        return meta, None


def compile_pattern(text: str) -> PathPattern:
    """Raises ValueError naming an unknown {field}."""
    out, pos, seen = [], 0, set()
    for m in _FIELD.finditer(text):
        out.append(_literal(text[pos : m.start()]))
        name = m.group(1)
        if name not in FIELDS:
            raise ValueError(f"unknown field {{{name}}} (known: {', '.join('{' + f + '}' for f in FIELDS)})")
        # a field named twice (A1001/A1001_0930.wav) must say the same both times, not match anything
        out.append("[^/]*?" if name == "any" else f"(?P={name})" if name in seen else f"(?P<{name}>[^/]+?)")
        seen.add(name)
        pos = m.end()
    out.append(_literal(text[pos:]))
    last = text.rsplit("/", 1)[-1]
    if "." not in _FIELD.sub("", last):
        out.append(r"\.[^/.]+")  # no extension in the pattern: any
    pattern = text.strip("/")
    return PathPattern(text, re.compile("".join(out).strip("/"), re.IGNORECASE), pattern.count("/") + 1)


def _literal(s: str) -> str:
    return "".join("[^/]*" if ch == "*" else re.escape(ch) for ch in s)


def _when(date: str | None, time: str | None, stamp: str | None) -> datetime | None:
    """Digits only: date YYYYMMDD, time HHMMSS or HHMM, datetime YYYYMMDDHHMM[SS]."""
    if stamp:
        digits = re.sub(r"\D", "", stamp)
        if len(digits) not in (12, 14):
            raise ValueError(f"datetime {stamp!r} is not YYYYMMDDHHMM[SS]")
        date, time = digits[:8], digits[8:]
    if not date or not time:  # a day alone cannot place a greeting in the morning or the evening
        return None
    d, t = re.sub(r"\D", "", date), re.sub(r"\D", "", time)
    if len(d) != 8 or len(t) not in (4, 6):
        raise ValueError(f"date {date!r} / time {time!r} are not YYYYMMDD / HHMM[SS]")
    try:
        return datetime(int(d[:4]), int(d[4:6]), int(d[6:]), int(t[:2]), int(t[2:4]), int(t[4:6] or 0))
    except ValueError:
        raise ValueError(f"date {date!r} / time {time!r} is not a real day and time") from None
