"""Which files under the given paths are inputs: discovery is done once, here, for every command."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from phrasecheck.errors import InputError


class Skipped(InputError):
    """A path discovery left out on purpose (a symbolic link loop, a file reached twice): a warning."""

    warning = True


CHAT_SUFFIXES = frozenset({".jsonl", ".csv", ".txt"})
# Every recorder format PyAV decodes (.amr: AMR-NB or AMR-WB as Chinese switches write it; .awb AMR-WB; .3gp AMR
# in a mobile container); discovery, decoding and the report's player all read this one list.
AUDIO_SUFFIXES = frozenset({".wav", ".amr", ".awb", ".3gp", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".wma"})
# Files beside the inputs that describe them rather than hold conversations: eval labels, the
# scripts and placement references of synthetic calls, and the recordings' manifest.
GOLD_SUFFIX = ".gold.jsonl"  # eval labels: never conversations, even when named
NOT_INPUT_SUFFIXES = (GOLD_SUFFIX, ".script.jsonl", ".refs.jsonl")
NOT_INPUT_NAMES = {"manifest.csv"}
STDIN = "-"  # `phrasecheck check -`: a transcript or JSONL on standard input


def discover(paths: Iterable[Path], with_audio: bool = True) -> tuple[list[Path], list[Path], list[InputError]]:
    """Files to check under the given paths (recursively), files that are not inputs, and problems.

    Symbolic links to folders are followed (a loop is reported, not followed); a file reached twice
    is read once (reported); a broken link or a FIFO, socket or device where an input would be is
    reported: nothing under the folders is skipped without a word."""
    wanted = CHAT_SUFFIXES | (AUDIO_SUFFIXES if with_audio else set())
    walk = _Walk(wanted)
    for path in paths:
        if str(path) == STDIN:
            walk.found.append(path)
        elif path.is_dir():
            walk.folder(path, frozenset())
        elif path.is_file():
            if _named_input(path, wanted):
                walk.add(path)
            elif path.name.lower().endswith(GOLD_SUFFIX):
                walk.errors.append(InputError(shown(path), "eval labels, not conversations: give this file to `phrasecheck eval`"))
            elif path.name.lower() in NOT_INPUT_NAMES:
                walk.errors.append(
                    InputError(
                        shown(path),
                        "the recordings' manifest (file, agent_id, call_time), not a chat export: give its folder to `phrasecheck scan`, or the file to --manifest",
                    )
                )
            else:
                walk.errors.append(InputError(shown(path), f"not a known input type (expected {', '.join(sorted(wanted))})"))
        elif path.is_symlink():
            walk.errors.append(InputError(shown(path), f"broken symbolic link (to {os.readlink(path)})"))
        elif path.exists():
            walk.errors.append(InputError(shown(path), "not a regular file (a FIFO, socket or device)"))
        else:
            walk.errors.append(InputError(shown(path), "no such file or folder"))
    return walk.found, walk.ignored, walk.errors


class _Walk:
    def __init__(self, wanted: set[str]):
        self.wanted = wanted
        self.found: list[Path] = []
        self.ignored: list[Path] = []
        self.errors: list[InputError] = []
        self.seen: dict[str, Path] = {}  # real path -> the path it was first found under

    def add(self, path: Path) -> None:
        if not _printable(path):
            self.errors.append(InputError(shown(path), "the file name is not valid UTF-8 (no report could name it): rename the file to check it; not read"))
            return
        real = os.path.realpath(path)
        if real in self.seen:
            self.errors.append(Skipped(shown(path), f"the same file as {self.seen[real]} (through a symbolic link or given twice); read once"))
            return
        self.seen[real] = path
        self.found.append(path)

    def folder(self, folder: Path, above: frozenset[str]) -> None:
        real = os.path.realpath(folder)
        if real in above:
            self.errors.append(Skipped(shown(folder), f"symbolic link loop (back to {real}); not followed"))
            return
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.errors.append(InputError(shown(folder), f"cannot read this folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = folder / entry.name
            try:
                is_dir, is_file = entry.is_dir(), entry.is_file()  # both follow symbolic links
            except OSError:
                is_dir = is_file = False
            if is_dir and _report_folder(path):
                self.ignored += [p for p in sorted(path.rglob("*")) if p.is_file()]  # its CSVs are reports, not chat exports
            elif is_dir:
                self.folder(path, above | {real})
            elif not _is_input(path, self.wanted):
                self.ignored.append(path)
            elif is_file:
                self.add(path)
            elif entry.is_symlink():
                self.errors.append(InputError(shown(path), f"broken symbolic link (to {os.readlink(path)}); not read"))
            else:
                self.errors.append(InputError(shown(path), "not a regular file (a FIFO, socket or device); not read"))


def shown(path: Path | str) -> str:
    """A path as text every report can write: bytes of its name that are not UTF-8 (a file copied
    from a GBK system) as \\xNN escapes, where str() keeps them as lone surrogates no UTF-8 writer takes."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _printable(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _report_folder(folder: Path) -> bool:
    """A report folder phrasecheck wrote (report, scan: findings.json beside report.html) under the
    inputs, as `scan .` writes ./phrasecheck-report-DATE: its kpi.csv, calls.csv and review.csv are
    reports, and a run over the inputs reads none of them as a chat export."""
    return (folder / "findings.json").is_file() and (folder / "report.html").is_file()


def _is_input(path: Path, wanted: set[str]) -> bool:
    name = path.name.lower()
    return name not in NOT_INPUT_NAMES and not name.endswith(NOT_INPUT_SUFFIXES) and path.suffix.lower() in wanted


def _named_input(path: Path, wanted: set[str]) -> bool:
    """A file named on the command line is read when its type is known, even where a folder's walk
    leaves it out (a synthetic call's .script.jsonl is a chat export); eval labels never are."""
    name = path.name.lower()
    return path.suffix.lower() in wanted and not name.endswith(GOLD_SUFFIX) and name not in NOT_INPUT_NAMES


def found_among(paths: Iterable[Path], target: Path) -> Path | None:
    """The given path (a file, or a folder above it) through which discovery would read `target` as
    an input, or None: a report written to an input's place is read (or emptied) by its own run."""
    real = Path(os.path.realpath(target))
    for path in paths:
        if str(path) == STDIN:
            continue
        top = Path(os.path.realpath(path))
        if real == top:
            return path
        if top.is_dir() and real.is_relative_to(top) and _is_input(real, CHAT_SUFFIXES | AUDIO_SUFFIXES):
            if not any(part.startswith(".") for part in real.relative_to(top).parts):  # the walk skips hidden names
                return path
    return None


def audio_among(paths: Iterable[Path]) -> list[Path]:
    """The recordings among paths (folders searched as discover does)."""
    files, _, _ = discover(paths)
    return [f for f in files if f.suffix.lower() in AUDIO_SUFFIXES]
