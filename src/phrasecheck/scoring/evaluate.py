"""Score the checker against labelled conversations: precision, recall and F1 per category and per id."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import regex

from phrasecheck.data import Result
from phrasecheck.errors import InputError

CATEGORIES = ("forbidden", "openers", "courtesy")
GOLD_KEYS = {"conversation_id", "greeting_ok", *CATEGORIES}


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    # findings of severity review (listed for 复核, not counted): of the missed labels, and of rules not labelled
    review: int = 0
    review_unlabelled: int = 0

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
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "review": self.review,
            "review_unlabelled": self.review_unlabelled,
        }


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
    greeting_checked: bool = True  # False where select/ignore leave the greeting rule out
    labelled: int = 0  # conversations found with a gold line
    disagreements: list[Disagreement] = field(default_factory=list)
    unlabelled: int = 0  # conversations found without a gold line
    errors: list[InputError] = field(default_factory=list)

    @property
    def greeting_accuracy(self) -> float:
        return self.greeting_right / self.greeting_total if self.greeting_total else 1.0

    def as_dict(self) -> dict:
        return {
            "conversations": self.labelled,
            "greeting_accuracy": round(self.greeting_accuracy, 4) if self.greeting_checked else None,
            "categories": {c: t.as_dict() for c, t in self.categories.items()},
            "per_id": {k: t.as_dict() for k, t in sorted(self.per_id.items())},
            "disagreements": [d.__dict__ for d in self.disagreements],
            "unlabelled_conversations": self.unlabelled,
            "errors": [str(e) for e in self.errors],
        }


_PUNCT = regex.compile(r"[\p{P}\p{S}\s]+")
CLOSEST_LEAST = 50.0  # % alike: below it no turn is pointed at as the place of a missed label

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


def predicted(result: Result, severity: str = "error") -> dict[str, set[str]]:
    """The rule ids found per category, of findings of that severity (courtesy has none to review)."""
    live = [f for f in result.findings if f.severity == severity]
    return {
        "forbidden": {f.id for f in live if f.kind == "forbidden"},
        "openers": {f.id for f in live if f.kind == "opener"},
        "courtesy": set(result.courtesy_used) if severity == "error" else set(),
    }


def _evidence(result: Result, category: str, rule_id: str, phrase: str | None = None) -> str:
    """The finding's words; for a missed label, a finding of it that does not count (for review), else
    the agent turn closest to the rule's phrase: where the lexicon or the recognizer fell short."""
    pool = result.courtesy if category == "courtesy" else result.findings
    hit = next((f for f in pool if f.id == rule_id), None)
    if hit:
        return hit.text if category == "courtesy" or hit.severity == "error" else f"{hit.text}  (found with severity {hit.severity}: not counted)"
    agent = [(i, t.text) for i, t in result.conversation.agent_turns()]
    closest = _closest(agent, phrase) if phrase else None
    if closest is None:
        return " / ".join(text for _, text in agent)
    i, alike = closest
    if alike < CLOSEST_LEAST:
        return f"no agent turn comes close to {phrase} (the closest, turn {i + 1}, is {alike:.0f}% alike)"
    return f"turn {i + 1}: {result.conversation.turns[i].text}  (closest to {phrase}: {alike:.0f}% alike)"


def _closest(turns: list[tuple[int, str]], phrase: str) -> tuple[int, float] | None:
    """The turn most like the phrase: each of its parts (急什么 / 烦死人了) found as closely as it can
    be in the turn, averaged. None where the conversation has no agent turn."""
    from rapidfuzz import fuzz

    parts = [p for p in _PUNCT.split(phrase) if p]
    best = None
    for i, text in turns:
        plain = _PUNCT.sub("", text)
        alike = sum(fuzz.partial_ratio(p, plain) for p in parts) / len(parts) if parts and plain else 0.0
        if best is None or alike > best[1]:
            best = (i, alike)
    return best


def evaluate(
    results: list[Result],
    gold: dict[str, dict],
    checked: Callable[[str], bool] | None = None,
    kinds: dict[str, str] | None = None,
    greeting_id: str | None = None,
    phrases: dict[str, str] | None = None,
) -> Evaluation:
    """checked: the profile's select/ignore (Profile.enabled). A label of a rule not checked is
    left out, not counted as missed; so is a category with no rule checked (kinds: rule id -> kind
    of the lexicon in use), and the greeting where its rule (greeting_id) is not checked.
    phrases: rule id -> its phrase, to quote the closest agent turn for a missed label."""
    phrases = phrases or {}
    ev = Evaluation(greeting_checked=checked is None or greeting_id is None or checked(greeting_id))
    if checked is not None and kinds is not None:
        live = {kind for rule_id, kind in kinds.items() if checked(rule_id)}
        ev.categories = {c: t for c, t in ev.categories.items() if CATEGORY_KINDS[c] in live}
    seen = set()
    for r in results:
        cid = r.conversation.conversation_id
        label = gold.get(cid)
        if label is None:
            ev.unlabelled += 1
            continue
        seen.add(cid)
        ev.labelled += 1
        pred, listed = predicted(r), predicted(r, "review")
        for category in ev.categories:
            want = {i for i in label.get(category, []) if checked is None or checked(i)}
            got = pred[category]
            tally = ev.categories[category]
            tally.review += len((want - got) & listed[category])
            tally.review_unlabelled += len(listed[category] - want - got)
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
                    ev.disagreements.append(Disagreement(cid, category, rule_id, "missed", _evidence(r, category, rule_id, phrases.get(rule_id))))
        if "greeting_ok" in label and ev.greeting_checked:
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
