"""report.html: one self-contained page (inline CSS/JS, nothing fetched) for QA leads and agents.

Chat text is written by customers, so every piece of it goes through Jinja2 autoescaping; the
scripts carry a per-report CSP nonce, so even markup that slipped through could not run script.
Highlights are computed here as plain (text, classes) segments; the template only escapes and joins.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path, PurePath
from urllib.parse import quote

from jinja2 import Environment

from phrasecheck import __version__
from phrasecheck.calls.audio import AUDIO_SUFFIXES
from phrasecheck.data import Finding, Result, Run
from phrasecheck.scoring.kpi import AgentKpi, is_call
from phrasecheck.scoring.review import ReviewEntry, finding_key

ROLE_LABEL = {"agent": "客服", "customer": "客户"}


@dataclass
class Segment:
    text: str
    keys: list[str] = field(default_factory=list)  # findings covering this piece
    css: str = ""
    start_s: float | None = None


def _segments(text: str, spans: list[tuple[int, int, Finding, str]]) -> list[Segment]:
    """Cut text at every span edge; each piece lists the findings that cover it."""
    cuts = sorted({0, len(text), *(max(0, min(len(text), s)) for s, _, _, _ in spans), *(max(0, min(len(text), e)) for _, e, _, _ in spans)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        if a == b:
            continue
        cover = [(f, key) for s, e, f, key in spans if s <= a and b <= e]
        seg = Segment(text[a:b])
        if cover:
            seg.keys = [key for _, key in cover]
            bad = [f for f, _ in cover if f.kind != "courtesy"]
            if bad:
                live = [f for f in bad if f.review != "false"]
                worst = live or bad
                sev = "error" if any(f.severity == "error" for f in worst) else worst[0].severity
                seg.css = f"hit sev-{sev} kind-{worst[0].kind}" + ("" if live else " overruled")
            else:
                seg.css = "hit courtesy"
            seg.start_s = next((f.start_s for f, _ in cover if f.start_s is not None), None)
        out.append(seg)
    return out or [Segment("")]


def _audio_hrefs(source: str, out_dir: Path) -> list[str]:
    """Where the player looks for the recording, in order: relative to the report folder (the
    folder and the recordings moved or served together), then its absolute file: URL (the
    report folder alone moved or mailed on the same machine). URL-encoded: Chinese names, spaces."""
    rel = os.path.relpath(os.path.abspath(source), os.path.abspath(out_dir))
    return [quote(PurePath(rel).as_posix()), Path(os.path.abspath(source)).as_uri()]


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    m, s = divmod(int(seconds), 60)
    return f"{m:02d}:{s:02d}"


def _conversation(r: Result, out_dir: Path, reviews: dict[str, ReviewEntry]) -> dict:
    c = r.conversation
    call = is_call(c)
    findings = []
    spans: dict[int, list] = {}
    for f in r.findings:
        key = finding_key(c.conversation_id, f)
        e = reviews.get(key)
        findings.append(
            {
                "key": key,
                "f": f,
                "turn": f.turn + 1,
                "clock": _clock(f.start_s),
                "appeal": e.appeal if e else "",
                "note": e.note if e else "",
                "by": e.by if e else "",
            }
        )
        end = f.end_char if f.end_turn is None else len(c.turns[f.turn].text) if f.turn < len(c.turns) else f.end_char
        if f.end_char > f.start_char or f.kind == "greeting":
            spans.setdefault(f.turn, []).append((f.start_char, max(end, f.start_char + 1) if f.kind != "greeting" else end, f, key))
    for f in r.courtesy:
        spans.setdefault(f.turn, []).append((f.start_char, f.end_char, f, finding_key(c.conversation_id, f)))
    turns = []
    for i, t in enumerate(c.turns):
        when = _clock(t.start_s) if t.start_s is not None else (t.timestamp.strftime("%H:%M:%S") if t.timestamp else "")
        turns.append(
            {"role": t.role, "label": ROLE_LABEL.get(t.role, t.role), "when": when, "start_s": t.start_s, "segments": _segments(t.text, spans.get(i, []))}
        )
    return {
        "id": c.conversation_id,
        "agent": c.agent_id,
        "source": c.source,
        "call": call,
        "audio": _audio_hrefs(c.source, out_dir) if call and Path(c.source).suffix.lower() in AUDIO_SUFFIXES else None,
        "roles": c.roles,
        "notes": c.notes,
        "score": r.attitude_score,
        "courtesy": r.courtesy_used,
        "greeting": r.greeting,
        "findings": findings,
        "turns": turns,
        "rules": sorted({f.id for f in r.findings}),
        "severities": sorted({f.severity for f in r.findings}),
    }


def render(
    run: Run,
    agents: list[AgentKpi],
    out_dir: Path,
    formula: list[str],
    reviews: dict[str, ReviewEntry] | None = None,
    review_href: str | None = None,
    redacted: bool = True,
) -> str:
    template = resources.files("phrasecheck.report").joinpath("templates/report.html.j2").read_text(encoding="utf-8")
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    conversations = [_conversation(r, out_dir, reviews or {}) for r in run.results]
    return env.from_string(template).render(
        nonce=secrets.token_urlsafe(16),
        version=__version__,
        generated=datetime.now().isoformat(timespec="seconds"),
        agents=agents,
        conversations=conversations,
        rules=sorted({f for c in conversations for f in c["rules"]}),
        errors=run.errors,
        formula=formula,
        review_href=review_href,
        redacted=redacted,
    )


def write_html(path: Path, *args, **kwargs) -> None:
    path.write_text(render(*args, **kwargs), encoding="utf-8")
