"""Training the n-gram model (engine/model.py) from labelled sets: `phrasecheck lexicon train`.

Gold labels name a conversation's rules, not the turn. The lexicon alone (no model) locates each
label in an agent turn; a conversation with a label it cannot locate is left out whole, so no turn
that says a rule in new words is taught as compliant."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from phrasecheck.config.lexicon import Lexicon
from phrasecheck.config.profile import Profile
from phrasecheck.engine.model import TurnModel, calibrate, fit
from phrasecheck.errors import InputError
from phrasecheck.inputs.readers import read_file
from phrasecheck.scoring.evaluate import load_gold

if TYPE_CHECKING:
    from phrasecheck.engine.checker import Checker


@dataclass
class TrainingSet:
    texts: list[str] = field(default_factory=list)
    labels: list[set[str]] = field(default_factory=list)
    left_out: int = 0  # conversations with a label no turn could be given
    errors: list[InputError] = field(default_factory=list)


def model_rules(lexicon: Lexicon) -> list[str]:
    """The forbidden rules the model learns: not a one-word phrase (喂!), which only where it is said decides."""
    return [p.id for p in lexicon.phrases if p.kind == "forbidden" and len("".join(ch for ch in p.text if ch.isalnum())) > 2]


def labelled_turns(pairs: list[tuple[Path, Path]], checker: Checker) -> TrainingSet:
    """Every agent turn of the labelled conversations, with the forbidden rules the checker's lexicon
    (its model left out) locates in it."""
    profile = checker.profile
    kinds = {p.id: p.kind for p in checker.lexicon.phrases}
    out = TrainingSet()
    for gold_path, data_path in pairs:
        gold, errors = load_gold(gold_path, kinds)
        out.errors += errors
        loaded = read_file(data_path, profile)
        out.errors += loaded.errors
        for conv in loaded.conversations:
            row = gold.get(conv.conversation_id)
            if row is None:
                continue
            wanted = set(row.get("forbidden", []))
            located: dict[int, set[str]] = {}
            for f in checker.check(conv, model=False).findings:
                if f.kind == "forbidden" and f.id in wanted:
                    located.setdefault(f.turn, set()).add(f.id)
            if wanted - set().union(*located.values()):
                out.left_out += 1
                continue
            for i, turn in conv.agent_turns():
                if turn.text.strip():
                    out.texts.append(turn.text)
                    out.labels.append(located.get(i, set()))
    return out


def agent_lines(paths: list[Path], profile: Profile) -> tuple[list[str], list[InputError]]:
    lines, errors = [], []
    for path in paths:
        loaded = read_file(path, profile)
        errors += loaded.errors
        lines += [t.text for conv in loaded.conversations for _, t in conv.agent_turns() if t.text.strip()]
    return lines, errors


def joined(parts: list[TrainingSet]) -> TrainingSet:
    out = TrainingSet()
    for p in parts:
        out.texts += p.texts
        out.labels += p.labels
        out.left_out += p.left_out
    return out


def train(training: TrainingSet, rules: list[str], calibration: list[str], c: float = 4.0, lookalikes: list[TrainingSet] | None = None) -> TurnModel:
    """The model on `training` and the look-alike banks, its levels from the calibration lines and
    from the banks' lines as a model that did not learn them scores them (each half of the banks is
    scored by a model trained without it): a polite line built on a rule's own words (真有本事,
    我讲了半天) scores high, and the levels must sit above such lines, not only above real agents'
    chat. Lines saying 您 are left out of that (the checker lists those for review only)."""
    lookalikes = lookalikes or []
    every = joined([training, *lookalikes])
    model = fit(every.texts, every.labels, rules, c=c)  # (fit reads only the labels among rules)
    lines = list(calibration)
    if lookalikes:
        halves = [lookalikes[0::2], lookalikes[1::2]] if len(lookalikes) > 1 else [lookalikes]
        scored = []
        for half in halves:
            rest = joined([training, *(b for b in lookalikes if all(b is not h for h in half))])
            other = fit(rest.texts, rest.labels, rules, c=c)
            texts = [t for b in half for t, labels in zip(b.texts, b.labels) if not labels and "您" not in t]
            scored.append(other.scores(texts))
        calibrate(model, lines, extra=np.vstack(scored))
    else:
        calibrate(model, lines)
    return model
