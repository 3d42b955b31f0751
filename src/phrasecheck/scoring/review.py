"""复核: QA leads confirm or overrule findings, agents appeal, through one small CSV next to findings.json.

The file is meant to be edited by hand (Excel opens it: UTF-8 with BOM), one row per finding, keyed
by a key that survives re-running the report: conversation_id:rule:turn:start_char. Verdicts:
  confirmed  the finding stands (no change to the score)
  false      overruled: kept visible, costs no points (score.counts ignores it)
  appeal     the agent disputes it (note says why); it still counts until a reviewer decides
  (empty)    not reviewed yet
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path

from phrasecheck.data import Finding, Run
from phrasecheck.errors import ReviewError

REVIEW_NAME = "review.csv"
VERDICTS = ("confirmed", "false", "appeal")
# What reviewers type in a Chinese spreadsheet, beside the English verdicts.
ALIASES = {"确认": "confirmed", "成立": "confirmed", "误报": "false", "不成立": "false", "驳回": "false", "申诉": "appeal"}


def finding_key(conversation_id: str, f: Finding) -> str:
    """Stable across re-runs on the same input: the same phrase at the same place gets the same key."""
    return f"{conversation_id}:{f.id}:{f.turn_no}:{f.start_char}"


@dataclass
class ReviewEntry:
    key: str
    conversation_id: str = ""
    agent_id: str = ""
    rule: str = ""
    turn: str = ""
    quote: str = ""
    verdict: str = ""
    note: str = ""  # the reviewer's reason
    appeal: str = ""  # the agent's reason, kept after the reviewer decides
    by: str = ""
    at: str = ""
    appeal_by: str = ""  # who appealed and when: kept when a reviewer later decides (by/at are the latest step)
    appeal_at: str = ""


COLUMNS = [f.name for f in fields(ReviewEntry)]


def normalise_verdict(value: str) -> str:
    v = (value or "").strip()
    v = ALIASES.get(v, v.lower())
    return v


def read_reviews(path: Path) -> dict[str, ReviewEntry]:
    """key -> entry; unknown verdicts and duplicate keys are errors with their line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReviewError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # saved by Excel on Chinese Windows: GBK (GB18030 is its superset)
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ReviewError(path, "unknown text encoding (expected UTF-8 or GBK)") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or "key" not in reader.fieldnames or "verdict" not in reader.fieldnames:
        raise ReviewError(path, "expected a header with at least 'key' and 'verdict'", 1)
    out: dict[str, ReviewEntry] = {}
    for row in reader:
        line = reader.line_num
        key = (row.get("key") or "").strip()
        if not key:
            continue
        verdict = normalise_verdict(row.get("verdict") or "")
        if verdict and verdict not in VERDICTS:
            raise ReviewError(path, f"verdict {row.get('verdict')!r} for {key}: expected one of {', '.join(VERDICTS)} or empty", line)
        if key in out:
            raise ReviewError(path, f"finding {key} is listed twice", line)
        entry = ReviewEntry(**{c: (row.get(c) or "").strip() for c in COLUMNS})
        entry.key, entry.verdict = key, verdict
        if verdict == "appeal" and not entry.appeal:
            entry.appeal, entry.note = entry.note, ""
        if verdict == "appeal" and not entry.appeal_by:
            entry.appeal_by, entry.appeal_at = entry.by, entry.at
        out[key] = entry
    return out


def write_reviews(path: Path, entries: list[ReviewEntry]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for e in entries:
            writer.writerow(asdict(e))


def sync_entries(run: Run, existing: dict[str, ReviewEntry]) -> list[ReviewEntry]:
    """One row per finding of the run (existing verdicts kept), then rows the run no longer has
    (kept so a hand-written verdict is never lost)."""
    rows: list[ReviewEntry] = []
    seen = set()
    for r in run.results:
        c = r.conversation
        for f in r.findings:
            key = finding_key(c.conversation_id, f)
            if key in seen:
                continue
            seen.add(key)
            old = existing.get(key)
            rows.append(
                ReviewEntry(
                    key=key,
                    conversation_id=c.conversation_id,
                    agent_id=c.agent_id,
                    rule=f.id,
                    turn=str(f.turn_no),
                    quote=f.text,
                    verdict=old.verdict if old else "",
                    note=old.note if old else "",
                    appeal=old.appeal if old else "",
                    by=old.by if old else "",
                    at=old.at if old else "",
                    appeal_by=old.appeal_by if old else "",
                    appeal_at=old.appeal_at if old else "",
                )
            )
    rows += [e for k, e in existing.items() if k not in seen]
    return rows


def apply_reviews(run: Run, entries: dict[str, ReviewEntry]) -> list[str]:
    """Set Finding.review from the verdicts (findings and courtesy hits); returns keys matching nothing."""
    used = set()
    for r in run.results:
        for f in (*r.findings, *r.courtesy):
            key = finding_key(r.conversation.conversation_id, f)
            e = entries.get(key)
            if e is not None:
                used.add(key)
                f.review = e.verdict or None
    return [k for k in entries if k not in used]


def resolve(keys: list[str], known: list[str], source: str | Path) -> list[str]:
    """Each given key exactly, or as the unique known key it starts."""
    out = []
    for k in keys:
        if k in known:
            out.append(k)
            continue
        hits = [x for x in known if x.startswith(k)]
        if len(hits) != 1:
            why = "matches no finding" if not hits else f"is ambiguous ({', '.join(hits[:4])}{', …' if len(hits) > 4 else ''})"
            raise ReviewError(source, f"--finding {k} {why}")
        out.append(hits[0])
    return out


def mark(entries: dict[str, ReviewEntry], keys: list[str], verdict: str, note: str = "", by: str = "", now: datetime | None = None) -> None:
    """Record a verdict. An appeal keeps its note in `appeal`; a reviewer's later verdict keeps the appeal."""
    verdict = normalise_verdict(verdict)
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
    stamp = (now or datetime.now()).isoformat(timespec="seconds")
    for k in keys:
        e = entries.setdefault(k, ReviewEntry(key=k))
        e.verdict, e.by, e.at = verdict, by, stamp
        if verdict == "appeal":
            e.appeal, e.appeal_by, e.appeal_at = note, by, stamp
        else:
            e.note = note
