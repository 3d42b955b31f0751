"""Score findings against hand labels of single agent lines (ids and verdicts only, no text).

A labels file is JSONL, one agent line per row:
    {"file": "x.jsonl", "conversation_id": "...", "turn_index": 3, "rule": "F02", "verdict": "true", "reason": "bare"}
turn_index counts the conversation's turns from 0. verdict: true (the rule is broken: an error finding
is right), arguable (a review finding is right, an error finding is a false accusation), false (nothing
of that rule belongs there). Precision and recall are of error findings; review findings are counted
apart (right on arguable lines, noise on false ones).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from phrasecheck.data import Finding, Result
from phrasecheck.errors import InputError
from phrasecheck.scoring.evaluate import Tally

VERDICTS = ("true", "arguable", "false")


@dataclass(frozen=True)
class LineLabel:
    file: str
    conversation_id: str
    turn_index: int
    rule: str
    verdict: str
    reason: str = ""


@dataclass
class RuleScore(Tally):
    """evaluate.Tally (tp, fp, fn, precision, recall) plus what labelled lines add."""

    review_right: int = 0  # review findings on arguable lines
    review_noise: int = 0  # review findings on false lines
    lines: int = 0


@dataclass
class LineScores:
    rules: dict[str, RuleScore] = field(default_factory=dict)
    wrong: list[tuple[LineLabel, str]] = field(default_factory=list)  # (label, what the checker said)
    unlabelled: list[tuple[str, int, str, str]] = field(default_factory=list)  # (conversation, turn index, rule, severity)

    def total(self, prefix: str) -> RuleScore:
        out = RuleScore()
        for rule, s in self.rules.items():
            if rule.startswith(prefix):
                for name in ("tp", "fp", "fn", "review_right", "review_noise", "lines"):
                    setattr(out, name, getattr(out, name) + getattr(s, name))
        return out


def load_line_labels(path: Path) -> list[LineLabel]:
    labels = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            label = LineLabel(
                str(row["file"]), str(row["conversation_id"]), int(row["turn_index"]), str(row["rule"]), str(row["verdict"]), str(row.get("reason", ""))
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(path, f"bad label: {exc}", n) from None
        if label.verdict not in VERDICTS:
            raise InputError(path, f"verdict must be one of {', '.join(VERDICTS)}, got {label.verdict!r}", n)
        labels.append(label)
    return labels


def _on(f: Finding, turn: int) -> bool:
    return f.turn == turn or (f.end_turn is not None and f.turn <= turn <= f.end_turn)


def score_lines(results: list[Result], labels: list[LineLabel], kinds: tuple[str, ...] = ("forbidden",)) -> LineScores:
    """Per rule: error findings on true lines are right, on arguable or false lines wrong; a true line
    without an error finding is missed. Findings of `kinds` on lines no label names are listed."""
    by_conv = {r.conversation.conversation_id: r for r in results}
    out = LineScores()
    labelled = set()
    for label in labels:
        labelled.add((label.conversation_id, label.turn_index, label.rule))
        score = out.rules.setdefault(label.rule, RuleScore())
        score.lines += 1
        result = by_conv.get(label.conversation_id)
        found = [f for f in (result.findings if result else []) if f.id == label.rule and _on(f, label.turn_index)]
        error = any(f.severity == "error" for f in found)
        review = any(f.severity == "review" for f in found)
        said = "error" if error else "review" if review else "nothing"
        if label.verdict == "true":
            if error:
                score.tp += 1
            else:
                score.fn += 1
                out.wrong.append((label, said))
        elif error:
            score.fp += 1
            out.wrong.append((label, said))
        elif review:
            if label.verdict == "arguable":
                score.review_right += 1
            else:
                score.review_noise += 1
    for r in results:
        for f in r.findings:
            if f.kind in kinds and f.severity in ("error", "review") and (r.conversation.conversation_id, f.turn, f.id) not in labelled:
                out.unlabelled.append((r.conversation.conversation_id, f.turn, f.id, f.severity))
    return out
