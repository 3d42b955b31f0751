"""findings.json -> Run, and re-scoring, so reviews change scores and the KPI without re-checking
(or re-transcribing a day of recordings)."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from pathlib import Path

from phrasecheck.data import AGENT, CUSTOMER, Conversation, Finding, Greeting, Result, Run, Turn
from phrasecheck.errors import FindingsFileError, InputError, NoSpeech
from phrasecheck.inputs.surrogates import parsed_problem

_FINDING_FIELDS = {f.name for f in fields(Finding)}


def is_findings_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".json"


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _finding(d: dict) -> Finding:
    return Finding(**{k: v for k, v in d.items() if k in _FINDING_FIELDS})


_NUMBER = (int, float)
_OPTIONAL_NUMBER = (int, float, type(None))
_OPTIONAL_INT = (int, type(None))
_OPTIONAL_STR = (str, type(None))
# What each entry's fields must be for the report, the KPI, the review keys and the database to use
# them: a findings.json edited by hand, or written by another tool, fails here with the field named,
# never later as a crash.
_CONVERSATION_FIELDS = {
    "conversation_id": (str, int),
    "agent_id": (str, int),
    "source": str,
    "turns": list,
    "findings": list,
    "courtesy": list,
    "notes": list,
    "speech": (dict, type(None)),
    "greeting": (dict, type(None)),
    "roles": str,
    "started_at": _OPTIONAL_STR,
    "attitude_score": _NUMBER,
    "first_agent_s": _OPTIONAL_NUMBER,
    "duration_s": _OPTIONAL_NUMBER,
}
_TURN_FIELDS = {
    "role": str,
    "text": str,
    "start_s": _OPTIONAL_NUMBER,
    "end_s": _OPTIONAL_NUMBER,
    "timestamp": _OPTIONAL_STR,
    "line": _OPTIONAL_INT,
    "agent_id": _OPTIONAL_STR,
}
_FINDING_TYPES = {
    "id": str,
    "kind": str,
    "turn": int,
    "start_char": int,
    "end_char": int,
    "text": str,
    "score": _NUMBER,
    "message": str,
    "suggestion": str,
    "severity": str,
    "start_s": _OPTIONAL_NUMBER,
    "end_s": _OPTIONAL_NUMBER,
    "end_turn": _OPTIONAL_INT,
    "review": _OPTIONAL_STR,
    "agent_id": _OPTIONAL_STR,
    "heard": _OPTIONAL_STR,
    "verify_score": _OPTIONAL_NUMBER,
    "word_probs": (list, type(None)),
}
_FINDING_REQUIRED = ("id", "kind", "turn", "start_char", "end_char", "text", "score")
_ERROR_FIELDS = {"path": str, "reason": str, "line": _OPTIONAL_INT}


def _wrong_type(entry: dict, types: dict, what: str) -> str | None:
    for key, allowed in types.items():
        value = entry.get(key)
        if key in entry and (
            not isinstance(value, allowed) or (isinstance(value, bool) and bool not in (allowed if isinstance(allowed, tuple) else (allowed,)))
        ):
            return f"{what}: {key} is {json.dumps(value, ensure_ascii=False)[:40]}, which is not {_type_name(allowed)}"
    return None


def _bad_time(value: str | None, what: str) -> str | None:
    try:
        _time(value)
    except ValueError:
        return f"{what} {value!r} is not an ISO 8601 time"
    return None


def _type_name(allowed) -> str:
    names = {str: "text", int: "a whole number", float: "a number", list: "a list", dict: "a mapping", type(None): "null"}
    kinds = allowed if isinstance(allowed, tuple) else (allowed,)
    return " or ".join(dict.fromkeys(names[k] for k in kinds if not (k is int and float in kinds)))


def document_problem(doc: dict) -> str | None:
    """What is wrong with a findings document's entries, in words (the first problem), or None.
    Each conversation, turn, finding and error must have the fields every reader of the document
    relies on, of the right types, and each finding must point at a turn the conversation has."""
    if not isinstance(doc.get("conversations"), list):
        return "conversations is not a list"
    if not isinstance(doc.get("errors", []), list):
        return "errors is not a list"
    scoring = doc.get("scoring", {})
    if (
        not isinstance(scoring, dict)
        or not isinstance(scoring.get("fatal", []), (list, type(None)))
        or not all(isinstance(x, str) for x in scoring.get("fatal") or [])
    ):
        return "scoring must be a mapping whose fatal is a list of rule ids"
    for n, c in enumerate(doc["conversations"], 1):
        where = f"conversation {n}"
        if not isinstance(c, dict):
            return f"{where} is not a mapping"
        where = f"conversation {n} ({c.get('conversation_id')})"
        missing = [k for k in ("conversation_id", "agent_id", "source") if c.get(k) is None]
        if missing:
            return f"{where}: {', '.join(missing)} missing"
        problem = _wrong_type(c, _CONVERSATION_FIELDS, where) or _bad_time(c.get("started_at"), f"{where}: started_at")
        if problem:
            return problem
        turns = c.get("turns", [])
        for i, t in enumerate(turns, 1):
            if not isinstance(t, dict) or not isinstance(t.get("role"), str) or not isinstance(t.get("text"), str):
                return f"{where}: turn {i} needs a role and a text"
            problem = _wrong_type(t, _TURN_FIELDS, f"{where}, turn {i}") or _bad_time(t.get("timestamp"), f"{where}, turn {i}: timestamp")
            if not problem and t["role"] not in (AGENT, CUSTOMER):
                problem = f"{where}, turn {i}: role {t['role']!r} is not {AGENT} or {CUSTOMER}"
            if problem:
                return problem
        for region_role, regions in (c.get("speech") or {}).items():
            if not isinstance(regions, list) or not all(isinstance(r, list) and len(r) == 2 and all(isinstance(x, _NUMBER) for x in r) for r in regions):
                return f"{where}: speech.{region_role} must be a list of [start_s, end_s] pairs"
        for list_name in ("findings", "courtesy"):
            for i, f in enumerate(c.get(list_name, []), 1):
                fw = f"{where}, {list_name} {i}"
                if not isinstance(f, dict):
                    return f"{fw} is not a mapping"
                missing = [k for k in _FINDING_REQUIRED if k not in f]
                if missing:
                    return f"{fw}: {', '.join(missing)} missing"
                problem = _wrong_type(f, _FINDING_TYPES, fw)
                if problem:
                    return problem
                if f["start_char"] < 0 or f["end_char"] < 0:
                    return f"{fw}: start_char and end_char must be 0 or more"
                for key in ("turn", "end_turn"):
                    if f.get(key) is not None and not 0 <= f[key] < len(turns):
                        return f"{fw}: {key} {f[key]} is not a turn of this conversation (it has {len(turns)})"
    for n, e in enumerate(doc.get("errors", []), 1):
        if not isinstance(e, dict) or not isinstance(e.get("path"), str) or not isinstance(e.get("reason"), str):
            return f"error {n} needs a path and a reason"
        problem = _wrong_type(e, _ERROR_FIELDS, f"error {n}")
        if problem:
            return problem
    return None


def run_from_document(doc: dict) -> Run:
    run = Run()
    for c in doc.get("conversations", []):
        conv = Conversation(
            conversation_id=str(c["conversation_id"]),
            agent_id=str(c["agent_id"]),
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
    run, scoring = load_findings_scoring(path)
    fatal = scoring.get("fatal")
    return run, set(fatal) if fatal is not None else None


def load_findings_scoring(path: Path) -> tuple[Run, dict]:
    """The Run a findings.json describes, and its `scoring` as recorded (fatal, weights, kpi; empty
    for a `check --format json` file, which records none)."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM, as Notepad saves an edited file, is read as the importer reads it
        doc = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FindingsFileError(path, f"not a readable findings file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("schema_version") != 1 or "conversations" not in doc:
        raise FindingsFileError(path, "not a phrasecheck findings file (schema_version 1)")
    problem = parsed_problem(text, doc) or document_problem(doc)  # a hand-edited \ud800: no report can write it
    if problem:
        raise FindingsFileError(path, f"broken findings file: {problem}")
    try:
        run = run_from_document(doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise FindingsFileError(path, f"broken findings file: {exc!r}") from None
    return run, dict(doc.get("scoring") or {})
