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
from phrasecheck.data import Finding, Result, Run
from phrasecheck.inputs.discover import AUDIO_SUFFIXES
from phrasecheck.report.labels import (
    KIND_LABEL,
    MISSING_LABEL,
    ROLE_LABEL,
    SEVERITY_LABEL,
    STATUS_LABEL,
    YES_NO,
    RuleNames,
    default_rule_names,
    note_label,
    reason,
    rule_label,
)
from phrasecheck.scoring.kpi import AgentKpi
from phrasecheck.scoring.review import ReviewEntry, finding_key
from phrasecheck.scoring.score import counts, greeting_compliant

PAGE_SIZE = 50  # conversations on one page of the report: what the browser lays out at once


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


def _audio_hrefs(source: str, out_dir: Path, absolute: bool = False) -> list[str]:
    """Where the player looks for the recording, in order: relative to the report folder (the
    folder and the recordings moved or served together), then, when `absolute` (a report made with
    --no-redact), its absolute file: URL (the report folder alone moved on the same machine). A
    redacted report leaves the absolute path out: mailed, it would show the machine's folders.
    URL-encoded: Chinese names, spaces."""
    rel = os.path.relpath(os.path.abspath(source), os.path.abspath(out_dir))
    return [quote(PurePath(rel).as_posix())] + ([Path(os.path.abspath(source)).as_uri()] if absolute else [])


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    m, s = divmod(int(seconds), 60)
    return f"{m:02d}:{s:02d}"


TIMELINE_WIDTH = 1000  # SVG user units; the picture stretches to the page width


def _timeline(r: Result, keys: list[str], names: RuleNames) -> dict | None:
    """The call on one time axis: each party's speech and the behaviour findings, as SVG rects
    (attributes, not inline styles: the page's CSP allows no style attribute)."""
    c = r.conversation
    events = [(f, k) for f, k in zip(r.findings, keys) if f.kind == "behaviour" and f.start_s is not None and f.end_s is not None]
    if not c.speech and not events:
        return None
    ends = [b for regions in c.speech.values() for _, b in regions] + [t.end_s or t.start_s or 0 for t in c.turns] + [f.end_s for f, _ in events]
    total = max([c.duration_s or 0.0, *ends]) or 1.0

    def rect(a: float, b: float) -> dict:
        x = TIMELINE_WIDTH * a / total
        return {"x": round(x, 1), "w": round(max(TIMELINE_WIDTH * (b - a) / total, 2.0), 1), "a": round(a, 2), "b": round(b, 2)}

    rows = [
        {"role": role, "label": ROLE_LABEL.get(role, "双方"), "y": 2 + 10 * i, "rects": [rect(a, b) for a, b in regions]}
        for i, (role, regions) in enumerate(sorted(c.speech.items()))
    ]
    marks = [
        dict(
            rect(f.start_s, f.end_s), key=k, rule=f.id, severity=f.severity, message=reason(f.kind, f.id, f.message, None, names), overruled=f.review == "false"
        )
        for f, k in events
    ]
    return {"rows": rows, "events": marks, "height": 10 * len(rows) + 4, "clock": _clock(total)}


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _conversation(
    r: Result,
    out_dir: Path,
    reviews: dict[str, ReviewEntry],
    names: RuleNames,
    absolute: bool = False,
    fatal: frozenset[str] = frozenset(),
    count_review: bool = False,
) -> dict:
    c = r.conversation
    call = c.is_call
    findings = []
    spans: dict[int, list] = {}
    for f in r.findings:
        key = finding_key(c, f)
        e = reviews.get(key)
        findings.append(
            {
                "key": key,
                "f": f,
                "turn": f.turn_no,
                "clock": _clock(f.start_s),
                "appeal": e.appeal if e else "",
                "note": e.note if e else "",
                "by": e.by if e else "",
                "label": rule_label(f.id, names),
                "kind": KIND_LABEL.get(f.kind, f.kind),
                "severity": SEVERITY_LABEL.get(f.severity, f.severity),
                "status": STATUS_LABEL.get(f.review, f.review) if f.review else "",
                "why": reason(f.kind, f.id, f.message, r.greeting.missing, names),
                "fatal": f.id in fatal and counts(f, count_review),  # this finding set the conversation to 0
            }
        )
        end = f.end_char if f.end_turn is None else len(c.turns[f.turn].text) if f.turn < len(c.turns) else f.end_char
        if f.end_char > f.start_char or f.kind == "greeting":
            spans.setdefault(f.turn, []).append((f.start_char, max(end, f.start_char + 1) if f.kind != "greeting" else end, f, key))
    for f in r.courtesy:
        spans.setdefault(f.turn, []).append((f.start_char, f.end_char, f, finding_key(c, f)))
    started = c.started_at or next((t.timestamp for t in c.turns if t.timestamp), None)
    turns = []
    for i, t in enumerate(c.turns):
        if t.start_s is not None:
            when = _clock(t.start_s)
        elif t.timestamp is None:
            when = ""
        else:  # the date once in the header; again on a turn only when the chat ran past midnight
            when = t.timestamp.strftime("%H:%M:%S" if started and t.timestamp.date() == started.date() else "%Y-%m-%d %H:%M:%S")
        turns.append(
            {"role": t.role, "label": ROLE_LABEL.get(t.role, t.role), "when": when, "start_s": t.start_s, "segments": _segments(t.text, spans.get(i, []))}
        )
    return {
        "id": c.conversation_id,
        "agent": c.agent_id,
        "source": c.source,
        "call": call,
        "date": _date(started),
        "greeting_ok": YES_NO[greeting_compliant(r)],
        "missing": "、".join(MISSING_LABEL.get(m, m) for m in r.greeting.missing),
        "audio": _audio_hrefs(c.source, out_dir, absolute) if Path(c.source).suffix.lower() in AUDIO_SUFFIXES else None,
        "roles": c.roles,
        "score": r.attitude_score,
        "courtesy": r.courtesy_used,
        "greeting": r.greeting,
        "findings": findings,
        "turns": turns,
        "rules": sorted({f.id for f in r.findings}),
        "timeline": _timeline(r, [x["key"] for x in findings], names),
        "notes": [note_label(n) for n in (*c.notes, *r.notes)],
        "severities": sorted({f.severity for f in r.findings}),
        "hits": sorted({f"{f.id}:{f.severity}" for f in r.findings}),
    }


def render(
    run: Run,
    agents: list[AgentKpi],
    out_dir: Path,
    formula: list[str],
    reviews: dict[str, ReviewEntry] | None = None,
    review_href: str | None = None,
    redacted: bool = True,
    rule_names: RuleNames | None = None,
    fatal: set[str] | frozenset[str] = frozenset(),
    count_review: bool = False,
) -> str:
    """rule_names: id -> (phrase, suggestion) of the lexicon the run was checked with (default: the shipped one);
    fatal: the rules that set a conversation to 0 (一票否决), as the scores were computed."""
    template = resources.files("phrasecheck.report").joinpath("templates/report.html.j2").read_text(encoding="utf-8")
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    names = rule_names if rule_names is not None else default_rule_names()
    conversations = [_conversation(r, out_dir, reviews or {}, names, not redacted, frozenset(fatal), count_review) for r in run.results]
    rules = sorted({f for c in conversations for f in c["rules"]})
    return env.from_string(template).render(
        nonce=secrets.token_urlsafe(16),
        version=__version__,
        generated=datetime.now().isoformat(timespec="seconds"),
        agents=agents,
        conversations=conversations,
        rules=[(r, rule_label(r, names)) for r in rules],
        with_findings=sum(bool(c["findings"]) for c in conversations),
        page_size=PAGE_SIZE,
        SEVERITY_LABEL=SEVERITY_LABEL,
        errors=run.errors,
        formula=formula,
        review_href=review_href,
        redacted=redacted,
    )


def write_html(path: Path, *args, **kwargs) -> None:
    path.write_text(render(*args, **kwargs), encoding="utf-8")
