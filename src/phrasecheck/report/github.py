"""GitHub Actions workflow commands: ::error file=…,line=…::message, shown on the changed file."""

from __future__ import annotations

from typing import TextIO

from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.report.cifmt import courtesy_shortfall, level, turn_line
from phrasecheck.report.options import DEFAULT_OPTIONS, EmitOptions

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def _data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def emit_github(run: Run, profile: Profile, out: TextIO, options: EmitOptions = DEFAULT_OPTIONS) -> None:
    tally = {"error": 0, "warning": 0, "note": 0}
    for r in run.results:
        c = r.conversation
        for f in r.findings:
            severity = level(f, options.fail_on, profile.count_review)
            tally[severity] += 1
            props = [f"file={_prop(c.source)}"]
            line = turn_line(r, f)
            if line:
                props.append(f"line={line}")
            title = f"{f.id} {c.conversation_id} agent {c.agent_id}" + (" (overruled)" if f.review == "false" else "")
            props.append(f"title={_prop(title)}")
            msg = f"{f.message}: “{f.text}”" if f.text else f.message  # a chat's late first reply (B01) quotes no words
            if f.suggestion:
                msg += f"\nsay instead: {f.suggestion}"
            out.write(f"::{COMMAND[severity]} {','.join(props)}::{_data(msg)}\n")
        shortfall = courtesy_shortfall(r, options.fail_on, profile.weights.courtesy_target)
        if shortfall:
            tally["error"] += 1
            title = f"courtesy {c.conversation_id} agent {c.agent_id}"
            out.write(f"::error file={_prop(c.source)},title={_prop(title)}::{_data(shortfall)}\n")
    for e in run.errors:  # a warning (a recording with no speech) does not fail the run: ::warning, as the exit code says
        props = [f"file={_prop(e.source)}"] + ([f"line={e.line}"] if e.line else [])
        out.write(f"::{'warning' if e.warning else 'error'} {','.join(props)}::{_data(e.message)}\n")
    fail_on = ",".join(sorted(options.fail_on)) or "none"
    out.write(
        f"phrasecheck: {len(run.results)} conversation(s), {tally['error']} failing finding(s) (--fail-on {fail_on}), "
        f"{tally['warning']} warning(s), {tally['note']} overruled or info, {run.input_tally()}\n"
    )
