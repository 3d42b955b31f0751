"""findings.json -> Run, and re-scoring, so reviews change scores and the KPI without re-checking
(or re-transcribing a day of recordings)."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from pathlib import Path

from phrasecheck.data import Conversation, Finding, Greeting, Result, Run, Turn
from phrasecheck.errors import FindingsFileError, InputError, NoSpeech

_FINDING_FIELDS = {f.name for f in fields(Finding)}


def is_findings_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".json"


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _finding(d: dict) -> Finding:
    return Finding(**{k: v for k, v in d.items() if k in _FINDING_FIELDS})


def run_from_document(doc: dict) -> Run:
    run = Run()
    for c in doc.get("conversations", []):
        conv = Conversation(
            conversation_id=c["conversation_id"],
            agent_id=c["agent_id"],
            source=c["source"],
            turns=[
                Turn(
                    role=t["role"],
                    text=t["text"],
                    start_s=t.get("start_s"),
                    end_s=t.get("end_s"),
                    timestamp=_time(t.get("timestamp")),
                    line=t.get("line"),
                    agent_id=t.get("agent_id"),
                )
                for t in c.get("turns", [])
            ],
            started_at=_time(c.get("started_at")),
            roles=c.get("roles", "labelled"),
            first_agent_s=c.get("first_agent_s"),
            duration_s=c.get("duration_s"),
            speech={role: [tuple(r) for r in regions] for role, regions in (c.get("speech") or {}).items()},
        )  # the document's notes (the recording's and the check's together) come back as the result's
        g = c.get("greeting") or {}
        run.results.append(
            Result(
                conversation=conv,
                findings=[_finding(f) for f in c.get("findings", [])],
                courtesy=[_finding(f) for f in c.get("courtesy", [])],
                greeting=Greeting(ok=bool(g.get("ok", True)), text=g.get("text", ""), missing=list(g.get("missing", []))),
                attitude_score=c.get("attitude_score", 10.0),
                notes=list(c.get("notes", [])),
            )
        )
    run.errors = [(NoSpeech if e.get("warning") else InputError)(e["path"], e["reason"], e.get("line")) for e in doc.get("errors", [])]
    run.files = len({r.conversation.source for r in run.results})
    return run


def load_findings(path: Path) -> tuple[Run, set[str] | None]:
    """The Run a findings.json describes, and the fatal rule ids it was scored with (if recorded)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FindingsFileError(path, f"not a readable findings file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("schema_version") != 1 or "conversations" not in doc:
        raise FindingsFileError(path, "not a phrasecheck findings file (schema_version 1)")
    try:
        run = run_from_document(doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise FindingsFileError(path, f"broken findings file: {exc!r}") from None
    fatal = (doc.get("scoring") or {}).get("fatal")
    return run, set(fatal) if fatal is not None else None
