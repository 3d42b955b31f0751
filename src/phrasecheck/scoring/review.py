"""复核: QA leads confirm or overrule findings, agents appeal, through one small CSV next to findings.json.

The file is meant to be edited by hand (Excel opens it: UTF-8 with BOM; a copy saved back as GBK is
read too, and columns a reviewer adds are kept), one row per finding, keyed by a key that survives
re-running the report: source:conversation_id:rule:turn:start_char. The source (the input file as
given) is part of it because two files can hold the same conversation_id (each day's export restarts
its numbering): a verdict on one agent's finding must never land on another's. Verdicts:
  confirmed  the finding stands (no change to the score)
  false      overruled: kept visible, costs no points (score.counts ignores it)
  appeal     the agent disputes it (note says why); it still counts until a reviewer decides
  (empty)    not reviewed yet
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path, PurePath
from typing import TextIO

from phrasecheck.cells import safe_cell, unescape_cell
from phrasecheck.data import Conversation, Finding, Run
from phrasecheck.errors import InputError, ReviewError

REVIEW_NAME = "review.csv"
VERDICTS = ("confirmed", "false", "appeal")
# What reviewers type in a Chinese spreadsheet, beside the English verdicts.
ALIASES = {"确认": "confirmed", "成立": "confirmed", "误报": "false", "不成立": "false", "驳回": "false", "申诉": "appeal"}
ALIASES |= {"确认成立": "confirmed", "判为误报": "false", "提出申诉": "appeal"}  # report/labels.py's VERDICT_LABEL


def finding_key(conversation: Conversation | str, f: Finding) -> str:
    """Stable across re-runs on the same input: the same phrase at the same place gets the same key.
    Given a Conversation, the key starts with its source file; given a bare conversation id, it is
    the short key (conversation:rule:turn:start) that people type and older review files hold."""
    if isinstance(conversation, str):
        return f"{conversation}:{f.id}:{f.turn_no}:{f.start_char}"
    return f"{conversation.source}:{conversation.conversation_id}:{f.id}:{f.turn_no}:{f.start_char}"


def short_key(conversation: Conversation, f: Finding) -> str:
    return finding_key(conversation.conversation_id, f)


@dataclass
class ReviewEntry:
    key: str
    source: str = ""
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
    extra: dict[str, str] = field(default_factory=dict)  # columns a reviewer added, kept as they were


COLUMNS = [f.name for f in fields(ReviewEntry) if f.name != "extra"]


def normalise_verdict(value: str) -> str:
    v = (value or "").strip()
    v = ALIASES.get(v, v.lower())
    return v


def read_reviews(path: Path) -> dict[str, ReviewEntry]:
    """key -> entry; unknown verdicts and duplicate keys are errors with their line."""
    from phrasecheck.inputs.readers import decode  # UTF-8 or, once Excel saved it, GBK/GB18030

    try:
        text = decode(path)
    except OSError as exc:
        raise ReviewError(path, f"cannot read: {exc.strerror or exc}") from None
    except InputError as exc:
        raise ReviewError(path, exc.message) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames:  # a second BOM, as a file saved twice with one may carry, is no part of a column's name
        reader.fieldnames = [c.lstrip("\ufeff") for c in reader.fieldnames]
    if not reader.fieldnames or "key" not in reader.fieldnames or "verdict" not in reader.fieldnames:
        if reader.fieldnames and len(reader.fieldnames) == 1 and ";" in reader.fieldnames[0]:
            raise ReviewError(path, "the columns are separated by ';': save it as CSV with commas (Excel: CSV UTF-8)", 1)
        raise ReviewError(path, "expected a header with at least 'key' and 'verdict'", 1)
    named = [c.strip() for c in reader.fieldnames if c and c.strip()]
    if twice := sorted({c for c in named if named.count(c) > 1}):
        # csv.DictReader keeps the last of two same-named columns: a verdict in the first would be lost
        raise ReviewError(path, f"column {twice[0]!r} is given twice: keep one", 1)
    out: dict[str, ReviewEntry] = {}
    added = [c for c in reader.fieldnames if c and c not in COLUMNS]
    for raw in reader:
        line = reader.line_num
        row = {k: unescape_cell(v) if isinstance(v, str) else v for k, v in raw.items()}
        key = row.get("key") or ""  # as written: a conversation id may start or end with a blank
        if not key.strip():
            if any((v or "").strip() for k, v in row.items() if k != "key" and isinstance(v, str)):
                # a verdict with its key cell emptied (Excel) would be dropped, and lost when review.csv is written again
                raise ReviewError(path, "a row with no key (the finding it is for): write its key back or delete the row", line)
            continue  # a blank row
        verdict = normalise_verdict(row.get("verdict") or "")
        if verdict and verdict not in VERDICTS:
            raise ReviewError(path, f"verdict {row.get('verdict')!r} for {key}: expected one of {', '.join(VERDICTS)} or empty", line)
        if key in out:
            raise ReviewError(path, f"finding {key} is listed twice", line)
        entry = ReviewEntry(**{c: (row.get(c) or "").strip() for c in COLUMNS})
        entry.key, entry.verdict = key, verdict
        entry.extra = {c: row.get(c) or "" for c in added}
        if verdict == "appeal" and not entry.appeal:
            entry.appeal, entry.note = entry.note, ""
        if verdict == "appeal" and not entry.appeal_by:
            entry.appeal_by, entry.appeal_at = entry.by, entry.at
        out[key] = entry
    return out


def write_reviews(path: Path, entries: list[ReviewEntry]) -> None:
    """review.csv as Excel opens it: UTF-8 with BOM, CRLF."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        write_review_rows(out, entries)


def write_review_rows(out: TextIO, entries: list[ReviewEntry]) -> None:
    """Every cell through safe_cell (a quote may start with '='); added columns after ours."""
    added: dict[str, None] = {}
    for e in entries:
        added.update(dict.fromkeys(e.extra))
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS + list(added))
    for e in entries:
        writer.writerow([safe_cell(getattr(e, c)) for c in COLUMNS] + [safe_cell(e.extra.get(c, "")) for c in added])


def sync_entries(run: Run, existing: dict[str, ReviewEntry]) -> list[ReviewEntry]:
    """One row per finding of the run (existing verdicts kept), then rows the run no longer has
    (kept so a hand-written verdict is never lost)."""
    rows: list[ReviewEntry] = []
    seen = set()
    for r in run.results:
        c = r.conversation
        for f in r.findings:
            key = finding_key(c, f)
            if key in seen:
                continue
            seen.add(key)
            old = existing.get(key)
            rows.append(
                ReviewEntry(
                    key=key,
                    source=c.source,
                    conversation_id=c.conversation_id,
                    agent_id=f.agent_id or c.agent_id,
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
                    extra=dict(old.extra) if old else {},
                )
            )
    rows += [e for k, e in existing.items() if k not in seen]
    return rows


def apply_reviews(run: Run, entries: dict[str, ReviewEntry]) -> list[str]:
    """Set Finding.review from the verdicts (findings and courtesy hits); returns the keys of rows that
    carry a verdict and match nothing. A blank row matching nothing is not worth a warning: a browser
    export that spans other runs has one for every finding of those runs."""
    used = set()
    for r in run.results:
        for f in (*r.findings, *r.courtesy):
            key = finding_key(r.conversation, f)
            e = entries.get(key)
            if e is not None:
                used.add(key)
                f.review = e.verdict or None
    return [k for k, e in entries.items() if k not in used and e.verdict]


def resolve(keys: list[str], known: list[str] | dict[str, str], source: str | Path) -> list[str]:
    """Each given key exactly, or as the unique known key it starts. `known` may map each full key
    to its short form (conversation:rule:turn:start), which a key may then start instead."""
    shorts = known if isinstance(known, dict) else {k: k for k in known}
    out = []
    for k in keys:
        if k in shorts:
            out.append(k)
            continue
        hits = [x for x, short in shorts.items() if x.startswith(k) or short.startswith(k)]
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


def known_keys(run: Run) -> dict[str, str]:
    """Every finding's and courtesy hit's full key -> its short key."""
    return {finding_key(r.conversation, f): short_key(r.conversation, f) for r in run.results for f in (*r.findings, *r.courtesy)}


@dataclass
class Migration:
    old: str
    new: str


def _split_key(key: str) -> tuple[str, str, int, int] | None:
    """(conversation-or-source-and-conversation, rule, turn, start) of a key, or None."""
    parts = key.rsplit(":", 3)
    if len(parts) != 4 or not parts[2].isdigit() or not parts[3].isdigit():
        return None
    return parts[0], parts[1], int(parts[2]), int(parts[3])


def migrate(run: Run, entries: dict[str, ReviewEntry]) -> list[Migration]:
    """Re-key, in place, entries whose key matches no finding of the run but that name exactly one
    finding by what the row itself says. Covers review files written before the key held the source
    (conversation:rule:turn:start, with a 1-based turn, or a 0-based one from before that), and the
    same input given under another path. A row must agree on conversation, rule, start, quote and
    agent (where the row has them); anything ambiguous stays unmatched and is reported, never applied
    to a guess."""
    found: list[tuple[Conversation, Finding, str]] = [
        (r.conversation, f, finding_key(r.conversation, f)) for r in run.results for f in (*r.findings, *r.courtesy)
    ]
    current = {k for _, _, k in found}
    taken = set(current) & set(entries)
    moves: list[Migration] = []
    for key, e in list(entries.items()):
        if key in current:
            continue
        parsed = _split_key(key)
        if parsed is None:
            continue
        head, rule, turn, start = parsed
        conv_id = e.conversation_id or head
        if e.source:
            turns = {turn}  # written with sources: already 1-based
        else:
            turns = {turn, turn + 1}  # 1-based, or 0-based from before turns were counted from 1
        hits = [
            k
            for c, f, k in found
            if k not in taken
            and f.id == (e.rule or rule)
            and f.start_char == start
            and f.turn_no in turns
            and c.conversation_id == conv_id
            and (not e.quote or e.quote == f.text)
            and (not e.agent_id or e.agent_id == (f.agent_id or c.agent_id))
            and (not e.source or PurePath(e.source).name == PurePath(c.source).name)
        ]
        if len(hits) != 1:
            continue
        new = hits[0]
        taken.add(new)
        del entries[key]
        e.key = new
        e.source = next(c.source for c, _, k in found if k == new)
        entries[new] = e
        moves.append(Migration(key, new))
    return moves
