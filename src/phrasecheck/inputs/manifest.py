"""The recordings' manifest (CSV: file, agent_id, call_time[, conversation_id]): who took each call, and when."""

from __future__ import annotations

import csv
from pathlib import Path

from phrasecheck.errors import InputError
from phrasecheck.inputs.readers import decode, parse_time

MANIFEST_NAME = "manifest.csv"


def read_manifest(path: Path) -> dict[str, dict]:
    """file name (and path relative to the manifest) -> {agent_id, call_time, conversation_id}."""
    try:
        rows = list(csv.DictReader(decode(path).splitlines()))
    except OSError as exc:
        raise InputError(path, f"cannot read manifest: {exc.strerror or exc}") from None
    if not rows or "file" not in rows[0]:
        raise InputError(path, "a manifest needs the columns file, agent_id, call_time (conversation_id optional)", 1)
    out = {}
    for n, row in enumerate(rows, 2):
        meta = {"agent_id": (row.get("agent_id") or "").strip() or None, "conversation_id": (row.get("conversation_id") or "").strip() or None}
        meta["started_at"] = parse_time(row.get("call_time"), path, n)
        name = row["file"].strip()
        out[name] = meta
        out[str((path.parent / name).resolve())] = meta
    return out
