"""Score the checker against labelled conversations: precision, recall and F1 per category and per id."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from phrasecheck.data import Result
from phrasecheck.errors import InputError

CATEGORIES = ("forbidden", "openers", "courtesy")
GOLD_KEYS = {"conversation_id", "greeting_ok", *CATEGORIES}


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class Disagreement:
    conversation_id: str
    category: str
    id: str
    verdict: str  # false positive | missed
    text: str


@dataclass
class Evaluation:
    categories: dict[str, Tally] = field(default_factory=lambda: {c: Tally() for c in CATEGORIES})
    per_id: dict[str, Tally] = field(default_factory=dict)
    greeting_right: int = 0
    greeting_total: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    unlabelled: int = 0  # conversations found without a gold line
    errors: list[InputError] = field(default_factory=list)

    @property
    def greeting_accuracy(self) -> float:
        return self.greeting_right / self.greeting_total if self.greeting_total else 1.0

    def as_dict(self) -> dict:
        return {
            "conversations": self.greeting_total,
            "greeting_accuracy": round(self.greeting_accuracy, 4),
            "categories": {c: t.as_dict() for c, t in self.categories.items()},
            "per_id": {k: t.as_dict() for k, t in sorted(self.per_id.items())},
            "disagreements": [d.__dict__ for d in self.disagreements],
            "unlabelled_conversations": self.unlabelled,
            "errors": [str(e) for e in self.errors],
        }


# the kind of rule each gold category names
CATEGORY_KINDS = {"forbidden": "forbidden", "openers": "opener", "courtesy": "courtesy"}


class Labels(dict):
    """The labels by conversation id, with the gold file they came from and each label's line: a
    label whose conversation the inputs lack is an error of that line (evaluate)."""

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self.path = str(path) if path is not None else "gold"
        self.lines: dict[str, int] = {}


def load_gold(path: Path, kinds: dict[str, str] | None = None) -> tuple[Labels, list[InputError]]:
    """The labels by conversation id, and each bad line as an error. kinds (rule id -> kind, the lexicon in
    use): a label naming no rule of its category's kind (F99, or O01 under forbidden) can never be found,
    and would count as the checker's miss with no word: an error of its line."""
    gold = Labels(path)
    errors: list[InputError] = []
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return gold, [InputError(str(path), f"cannot read gold file: {exc}")]
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(InputError(str(path), f"not valid JSON: {exc.msg}", n))
            continue
        if not isinstance(row, dict) or "conversation_id" not in row:
            errors.append(InputError(str(path), "expected an object with conversation_id", n))
            continue
        unknown = set(row) - GOLD_KEYS
        if unknown:
            errors.append(InputError(str(path), f"unknown key(s) {', '.join(sorted(unknown))}", n))
            continue
        bad = [c for c in CATEGORIES if not isinstance(row.get(c, []), list)]
        if bad or not isinstance(row.get("greeting_ok", True), bool):
            errors.append(InputError(str(path), "forbidden/openers/courtesy must be lists, greeting_ok true or false", n))
            continue
        cid = str(row["conversation_id"])
        if cid in gold:
            errors.append(InputError(str(path), f"conversation {cid} labelled twice", n))
        for category, kind in CATEGORY_KINDS.items() if kinds is not None else ():
            wrong = [i for i in row.get(category, []) if kinds.get(i) != kind]
            if wrong:
                errors.append(InputError(str(path), f"{cid}: {category} {', '.join(map(str, wrong))} names no {kind} rule of the lexicon in use", n))
        gold[cid] = row
        gold.lines.setdefault(cid, n)
    return gold, errors


def predicted(result: Result) -> dict[str, set[str]]:
    live = [f for f in result.findings if f.severity == "error"]
    return {
        "forbidden": {f.id for f in live if f.kind == "forbidden"},
        "openers": {f.id for f in live if f.kind == "opener"},
        "courtesy": set(result.courtesy_used),
    }


def _evidence(result: Result, category: str, rule_id: str) -> str:
    pool = result.courtesy if category == "courtesy" else result.findings
    hit = next((f for f in pool if f.id == rule_id), None)
    if hit:
        return hit.text
    return " / ".join(t.text for t in result.conversation.turns if t.role == "agent")


def evaluate(results: list[Result], gold: dict[str, dict]) -> Evaluation:
    ev = Evaluation()
    seen = set()
    for r in results:
        cid = r.conversation.conversation_id
        label = gold.get(cid)
        if label is None:
            ev.unlabelled += 1
            continue
        seen.add(cid)
        pred = predicted(r)
        for category in CATEGORIES:
            want = set(label.get(category, []))
            got = pred[category]
            tally = ev.categories[category]
            for rule_id in want | got:
                per = ev.per_id.setdefault(rule_id, Tally())
                if rule_id in want and rule_id in got:
                    tally.tp += 1
                    per.tp += 1
                elif rule_id in got:
                    tally.fp += 1
                    per.fp += 1
                    ev.disagreements.append(Disagreement(cid, category, rule_id, "false positive", _evidence(r, category, rule_id)))
                else:
                    tally.fn += 1
                    per.fn += 1
                    ev.disagreements.append(Disagreement(cid, category, rule_id, "missed", _evidence(r, category, rule_id)))
        if "greeting_ok" in label:
            ev.greeting_total += 1
            if label["greeting_ok"] == r.greeting.ok:
                ev.greeting_right += 1
            else:
                verdict = "false positive" if not r.greeting.ok else "missed"
                why = ", ".join(r.greeting.missing) or "judged complete"
                ev.disagreements.append(Disagreement(cid, "greeting", "G01", verdict, f"{r.greeting.text} [{why}]"))
    origin = gold if isinstance(gold, Labels) else Labels()
    for cid in sorted(set(gold) - seen):
        ev.errors.append(InputError(origin.path, f"conversation {cid} is labelled but was not found in the inputs", origin.lines.get(cid)))
    return ev
