"""Which files under the given paths are inputs: discovery is done once, here, for every command."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from phrasecheck.errors import InputError

CHAT_SUFFIXES = frozenset({".jsonl", ".csv", ".txt"})
# Every recorder format PyAV decodes; discovery, decoding and the report's player all read this one list.
AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".m4a", ".flac", ".ogg", ".oga", ".opus", ".aac", ".wma", ".amr"})
# Files beside the inputs that describe them rather than hold conversations: eval labels, the
# scripts and placement references of synthetic calls, and the recordings' manifest.
NOT_INPUT_SUFFIXES = (".gold.jsonl", ".script.jsonl", ".refs.jsonl")
NOT_INPUT_NAMES = {"manifest.csv"}
STDIN = "-"  # `phrasecheck check -`: a transcript or JSONL on standard input


def discover(paths: Iterable[Path], with_audio: bool = True) -> tuple[list[Path], list[Path], list[InputError]]:
    """Files to check under the given paths (recursively), files that are not inputs, and missing paths."""
    wanted = CHAT_SUFFIXES | (AUDIO_SUFFIXES if with_audio else set())
    found: list[Path] = []
    ignored: list[Path] = []
    errors: list[InputError] = []
    for path in paths:
        if str(path) == STDIN:
            found.append(path)
        elif path.is_dir():
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
