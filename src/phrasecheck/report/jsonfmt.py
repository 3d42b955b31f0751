"""The JSON report: the machine-readable contract (schema_version 1, documented in README)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TextIO

from phrasecheck.config.profile import Profile
from phrasecheck.data import Finding, Result, Run
from phrasecheck.scoring.review import finding_key
from phrasecheck.scoring.score import summarize_agents

SCHEMA_VERSION = 1


def finding_dict(f: Finding, conversation_id: str | None = None) -> dict:
    d = asdict(f)
    if conversation_id is not None:
        d["key"] = finding_key(conversation_id, f)
    for optional in ("end_turn", "review", "heard", "verify_score"):
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
        **({"notes": c.notes} if c.notes else {}),
        "greeting": {"ok": r.greeting.ok, "text": r.greeting.text, "missing": r.greeting.missing},
        "findings": [finding_dict(f, c.conversation_id) for f in r.findings],
        "courtesy_used": r.courtesy_used,
        "courtesy": [finding_dict(f, c.conversation_id) for f in r.courtesy],
        "attitude_score": r.attitude_score,
        "turns": [_turn_dict(t) for t in c.turns],
    }


def _turn_dict(t) -> dict:
    d = {"role": t.role, "text": t.text, "start_s": t.start_s, "end_s": t.end_s}
    # optional: chat timestamps (for response times) and source lines (for CI annotations)
    if t.timestamp is not None:
        d["timestamp"] = t.timestamp.isoformat()
    if t.line is not None:
        d["line"] = t.line
    return d


def document(run: Run, profile: Profile) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "conversations": [conversation_dict(r) for r in run.results],
        "agents": [
            {
                "agent_id": a.agent_id,
                "conversations": a.conversations,
                "attitude_score": a.attitude_score,
                "points": a.points,
                "band": a.band,
                "greeting_rate": a.greeting_rate,
                "forbidden": a.forbidden,
                "openers": a.openers,
                "courtesy_per_conversation": a.courtesy_per_conversation,
            }
            for a in summarize_agents(run.results, profile.weights.max_score)
        ],
        "errors": [{"path": e.source, "line": e.line, "reason": e.message} for e in run.errors],
    }


def emit_json(run: Run, profile: Profile, out: TextIO) -> None:
    json.dump(document(run, profile), out, ensure_ascii=False, indent=2)
    out.write("\n")
