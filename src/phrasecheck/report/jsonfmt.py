"""The JSON report: the machine-readable contract (schema_version 1, documented in README)."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import TextIO

from phrasecheck.config.profile import Profile
from phrasecheck.data import Conversation, Finding, Result, Run
from phrasecheck.report.options import DEFAULT_OPTIONS, EmitOptions
from phrasecheck.scoring.kpi import compute_kpi
from phrasecheck.scoring.review import finding_key

SCHEMA_VERSION = 1


_FINDING_FIELDS = tuple(x.name for x in fields(Finding))


def finding_dict(f: Finding, conversation: Conversation | None = None) -> dict:
    d = {name: getattr(f, name) for name in _FINDING_FIELDS}  # asdict() without its deep copy: every field is a plain value
    if conversation is not None:
        d["key"] = finding_key(conversation, f)
    for optional in ("end_turn", "review", "agent_id", "heard", "verify_score", "word_probs"):
        if d[optional] is None:
            del d[optional]
    return d


def conversation_dict(r: Result) -> dict:
    c = r.conversation
    return {
        "conversation_id": c.conversation_id,
        "agent_id": c.agent_id,
        "source": c.source,
        "roles": c.roles,
        "started_at": c.started_at.isoformat() if c.started_at else None,
        "first_agent_s": c.first_agent_s,
        "duration_s": c.duration_s,
        "speech": {role: [list(r) for r in regions] for role, regions in c.speech.items()},
        "greeting": {"ok": r.greeting.ok, "text": r.greeting.text, "missing": r.greeting.missing},
        "findings": [finding_dict(f, c) for f in r.findings],
        "courtesy_used": r.courtesy_used,
        "courtesy": [finding_dict(f, c) for f in r.courtesy],
        "attitude_score": r.attitude_score,
        "notes": [*c.notes, *r.notes],  # the recording's (dual mono) and the check's (skipped rules, transfers)
        "turns": [_turn_dict(t) for t in c.turns],
    }


def _turn_dict(t) -> dict:
    d = {"role": t.role, "text": t.text, "start_s": t.start_s, "end_s": t.end_s}
    # optional: chat timestamps (for response times) and source lines (for CI annotations)
    if t.timestamp is not None:
        d["timestamp"] = t.timestamp.isoformat()
    if t.line is not None:
        d["line"] = t.line
    if t.agent_id is not None:
        d["agent_id"] = t.agent_id
    return d


def agent_dict(a) -> dict:
    return {
        "agent_id": a.agent_id,
        "conversations": a.conversations,
        "attitude_score": a.attitude,
        "points": a.points,
        "band": a.grade,
        "greeting_rate": round(a.greeting_pct / 100, 3),
        "forbidden": a.forbidden,
        "openers": a.openers,
        "courtesy_per_conversation": a.courtesy_per_conversation,
    }


def error_dict(e) -> dict:
    return {"path": e.source, "line": e.line, "reason": e.message, **({"warning": True} if e.warning else {})}


def document(run: Run, profile: Profile, fatal: frozenset[str] | set[str] = frozenset()) -> dict:
    """fatal: the rules that zero a conversation, for the agents' rows where a transfer splits one (as kpi.csv has
    them); `check` leaves it empty, as its streamed output does (engine/run.py Totals)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "conversations": [conversation_dict(r) for r in run.results],
        "agents": [agent_dict(a) for a in sorted(compute_kpi(run.results, profile, fatal), key=lambda a: a.agent_id)],
        "errors": [error_dict(e) for e in run.errors],
    }


def emit_json(run: Run, profile: Profile, out: TextIO, options: EmitOptions = DEFAULT_OPTIONS) -> None:
    json.dump(document(run, profile), out, ensure_ascii=False, indent=2)
    out.write("\n")
