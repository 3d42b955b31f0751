"""GitHub Actions workflow commands: ::error file=…,line=…::message, shown on the changed file."""

from __future__ import annotations

from typing import TextIO

from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.report.cifmt import turn_line

LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def emit_github(run: Run, profile: Profile, out: TextIO) -> None:
    for r in run.results:
        c = r.conversation
        for f in r.findings:
            level = "notice" if f.review == "false" else LEVEL.get(f.severity, "warning")
            props = [f"file={_prop(c.source)}"]
            line = turn_line(r, f)
            if line:
                props.append(f"line={line}")
            title = f"{f.id} {c.conversation_id} agent {c.agent_id}" + (" (overruled)" if f.review == "false" else "")
            props.append(f"title={_prop(title)}")
            msg = f"{f.message}: “{f.text}”"
            if f.suggestion:
                msg += f"\nsay instead: {f.suggestion}"
            out.write(f"::{level} {','.join(props)}::{_data(msg)}\n")
    for e in run.errors:
        props = [f"file={_prop(e.source)}"] + ([f"line={e.line}"] if e.line else [])
        out.write(f"::error {','.join(props)}::{_data(e.message)}\n")
