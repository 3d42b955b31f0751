"""Half characters: a JSON or YAML escape such as \\ud800 that names one half of a UTF-16 surrogate
pair without the other. The parsers accept it, but it is no character: no UTF-8 text can hold it,
so the text checker, every report and the database failed on it (an internal error that lost the
whole batch). Readers refuse such a value where they read it, with its file and line."""

from __future__ import annotations

import re

_HALF = re.compile("[\ud800-\udfff]")
# how such a value is written in a JSON or YAML file (\ud800, \uDC00, \U0000d800): the readers look
# at a parsed value only when its source holds one of these, so ordinary files cost one search
ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F][0-9a-fA-F]{2}")


def has_escape(raw: str | bytes) -> bool:
    return ESCAPE.search(raw if isinstance(raw, str) else raw.decode("utf-8", "replace")) is not None


def half_character(value) -> str | None:
    """The first unpaired surrogate in value (a string, or the strings, keys and values of nested
    lists and mappings), as its escape (\\ud800); None when there is none."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            m = _HALF.search(item)
            if m:
                return f"\\u{ord(m.group()):04x}"
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return None


def escape_line(text: str) -> int | None:
    """The line of text's first such escape. YAML never joins two escapes into one character (write
    \\U0001F600, or the character itself), so in a settings file the first one is the culprit."""
    m = ESCAPE.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def problem(value) -> str | None:
    """What to tell the user about value's half character, or None."""
    half = half_character(value)
    if half is None:
        return None
    return f"holds {half}, half of a UTF-16 surrogate pair without its other half (no character): remove it or write the whole character"


def parsed_problem(raw: str | bytes, value) -> str | None:
    """problem() of a value parsed from raw (a JSON line, a JSON or YAML file): looked at only where
    raw writes such an escape, so an ordinary file costs one search."""
    return problem(value) if has_escape(raw) else None
