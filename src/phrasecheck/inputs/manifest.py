"""The recordings' manifest (CSV: file, agent_id, call_time[, conversation_id]): who took each call, and when.

A row's file is a path relative to the manifest's folder (dayA/001.wav from a manifest above the
day folders, 001.wav beside it), so dayB/001.wav never takes dayA's row. A bare name that is not
there is looked up among the recordings being checked, and used only when exactly one has it.
Every row that cannot be used is reported (a missing file, a second row for the same file, a bad
call_time, a row without a file name); the other rows are used."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path, PurePath

from phrasecheck.errors import InputError
from phrasecheck.inputs.readers import decode, parse_time

MANIFEST_NAME = "manifest.csv"


@dataclass
class ManifestRow:
    line: int
    file: str  # as written
    path: Path  # resolved against the manifest's folder
    meta: dict  # agent_id, conversation_id, started_at


def read_manifest(path: Path) -> tuple[list[ManifestRow], list[InputError]]:
    """The usable rows, and a problem for each row that is not (the rest of the manifest still counts).
    Raises InputError when the file as a whole cannot be read."""
    try:
        reader = csv.DictReader(decode(path).splitlines())
        rows = list(reader)
    except OSError as exc:
        raise InputError(path, f"cannot read manifest: {exc.strerror or exc}") from None
    except csv.Error as exc:
        raise InputError(path, f"not a readable CSV: {exc}") from None
    header = [(h or "").strip() for h in reader.fieldnames or []]
    missing = [c for c in ("file", "agent_id", "call_time") if c not in header]
    if missing:  # file,agent,time was taken as a manifest of files alone: every call charged to unknown, exit 0
        found = ", ".join(h for h in header if h) or "none"
        raise InputError(
            path, f"a manifest needs the columns file, agent_id, call_time (conversation_id optional); {', '.join(missing)} missing (found: {found})", 1
        )
    out: list[ManifestRow] = []
    problems: list[InputError] = []
    for n, raw in enumerate(rows, 2):
        row = {(k or "").strip(): (v.strip() if isinstance(v, str) else "") for k, v in raw.items()}
        if not any(row.values()):
            continue
        name = row.get("file") or ""
        if not name:
            problems.append(InputError(path, "this row names no file (short row?); it is left out", n))
            continue
        meta = {"agent_id": row.get("agent_id") or None, "conversation_id": row.get("conversation_id") or None, "started_at": None}
        try:
            meta["started_at"] = parse_time(row.get("call_time"), path, n)
        except InputError as exc:
            problems.append(InputError(path, f"{exc.message}; {name} is checked without its call time", n))
        out.append(ManifestRow(n, name, (path.parent / name).resolve(), meta))
    return out, problems


def match_manifest(path: Path, rows: list[ManifestRow], audio: list[Path]) -> tuple[dict[str, dict], list[InputError]]:
    """Resolved recording path -> its row's meta, for the rows of the manifest at `path`; and the problems."""
    by_name: dict[str, list[Path]] = {}
    for a in audio:
        by_name.setdefault(a.name, []).append(a.resolve())
    meta: dict[str, dict] = {}
    first: dict[str, ManifestRow] = {}
    conflicting: set[str] = set()
    problems: list[InputError] = []
    for row in rows:
        target = row.path
        if not target.exists():
            named = by_name.get(row.file, []) if PurePath(row.file).name == row.file else []
            if len(named) != 1:
                why = f"{len(named)} recordings are called {row.file}" if named else "no such recording"
                problems.append(InputError(path, f"{row.file}: {why} ({row.path.parent}); the row is not used", row.line))
                continue
            target = named[0]
        key = str(target)
        if key in first:
            if first[key].meta != row.meta:
                problems.append(
                    InputError(path, f"{row.file} is listed again with other details (first on line {first[key].line}); neither row is used", row.line)
                )
                conflicting.add(key)
            else:
                problems.append(InputError(path, f"{row.file} is listed twice (also line {first[key].line})", row.line))
            continue
        first[key] = row
        meta[key] = row.meta
    for key in conflicting:
        del meta[key]
    return meta, problems
