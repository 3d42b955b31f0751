"""SARIF 2.1.0 for code-scanning views: one rule per rule id met, one result per finding."""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import TextIO
from urllib.parse import quote

from phrasecheck import __version__
from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.report.cifmt import level, turn_line
from phrasecheck.report.options import DEFAULT_OPTIONS, EmitOptions
from phrasecheck.scoring.review import finding_key

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(source: str) -> str:
    return quote(PurePath(source).as_posix(), safe="/:")


def document(run: Run, fail_on: frozenset[str] = DEFAULT_OPTIONS.fail_on, count_review: bool = False) -> dict:
    rules: dict[str, dict] = {}
    results = []
    for r in run.results:
        c = r.conversation
        for f in r.findings:
            if f.id not in rules:
                described = "greeting script (问候语) missing or incomplete" if f.kind == "greeting" else f.message
                rules[f.id] = {
                    "id": f.id,
                    "name": f"{f.kind}-{f.id}",
                    "shortDescription": {"text": described},
                    "help": {"text": f"Say instead: {f.suggestion}" if f.suggestion else f.message},
                    "defaultConfiguration": {"level": "error" if f.kind in fail_on else "warning"},
                    "properties": {"kind": f.kind},
                }
            location: dict = {"physicalLocation": {"artifactLocation": {"uri": _uri(c.source)}}}
            line = turn_line(r, f)
            if line:
                location["physicalLocation"]["region"] = {"startLine": line, **({"snippet": {"text": f.text}} if f.text else {})}
            location["logicalLocations"] = [{"name": c.conversation_id, "kind": "conversation"}]
            result = {
                "ruleId": f.id,
                "ruleIndex": list(rules).index(f.id),
                "level": level(f, fail_on, count_review),
                "message": {"text": f"{f.message}" + (f": “{f.text}”" if f.text else "") + f" (agent {c.agent_id}, turn {f.turn_no})"},
                "locations": [location],
                # the file too: two exports may hold the same conversation id (v1 was the key alone)
                "partialFingerprints": {"phrasecheckKey/v2": f"{_uri(c.source)}#{finding_key(c.conversation_id, f)}"},
                "properties": {"agent": c.agent_id, "conversation": c.conversation_id, "score": f.score},
            }
            if f.review == "false":
                result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": "overruled by a QA reviewer (复核)"}]
            results.append(result)
    notifications = [
        {
            "level": "warning" if e.warning else "error",
            "message": {"text": str(e)},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(e.source)}}}],
        }
        for e in run.errors
    ]
    sarif_run: dict = {
        "tool": {"driver": {"name": "phrasecheck", "version": __version__, "rules": list(rules.values())}},
        "results": results,
    }
    if notifications:
        # a warning (a recording with no speech) leaves the run successful, as its exit code 0 says
        sarif_run["invocations"] = [{"executionSuccessful": all(e.warning for e in run.errors), "toolExecutionNotifications": notifications}]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [sarif_run]}


def emit_sarif(run: Run, profile: Profile, out: TextIO, options: EmitOptions = DEFAULT_OPTIONS) -> None:
    json.dump(document(run, options.fail_on, profile.count_review), out, ensure_ascii=False, indent=2)
    out.write("\n")
