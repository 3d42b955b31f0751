"""The matcher's shortcuts (a form tried only where its key part has the sounds it needs and every
part aligns somewhere; a phrase a candidate only where such a form exists) must never lose a match:
on real agent lines of the paraphrase sets, every rule's forms are also tried one by one, as the
matcher did before it pruned, and both must give the same hits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phrasecheck.config.profile import Profile
from phrasecheck.engine.checker import Checker

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def agent_lines() -> list[str]:
    lines = []
    for path in sorted(SAMPLES.glob("eval-paraphrase*/eval-paraphrase*.jsonl")):
        if path.name.endswith(".gold.jsonl"):
            continue
        lines += [m["text"] for m in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if m["role"] == "agent"]
    return lines


@pytest.mark.parametrize("kind", ["forbidden", "courtesy"])
def test_pruning_finds_what_every_form_tried_one_by_one_finds(lexicon, kind):
    # every ninety-sixth line: tried one form at a time, the forbidden forms take over a second a line (every
    # forty-eighth took 76-84 s of a 21-minute CI run in session 41; every twenty-fourth 132 s in session 40,
    # every twelfth 221 s in session 39)
    lines = agent_lines()[::96]
    assert len(lines) > 35
    # a checker of its own, and each line's hits dropped after it: every form tried on every line would
    # leave tens of thousands of cached hits per line in the matcher's text cache
    checker = Checker(lexicon, Profile())
    matcher = checker.matcher
    phrases = [p for p in checker.phrases if p.kind == kind]
    found = 0
    for line in lines:
        text = matcher.prepare(line)
        for phrase in phrases:
            threshold = checker.threshold(phrase)
            every = [(f.text, h.start, h.end, h.score) for f in phrase.forms if (h := matcher.find_form(f, text, threshold))]
            pruned = [(h.form.text, h.start, h.end, h.score) for h in checker._hits(phrase, text)]
            assert sorted(pruned) == sorted(every), (phrase.id, line)
            assert not every or phrase.id in matcher.candidates(text), (phrase.id, line)
            found += bool(every)
        text.hits.clear()
    assert found > len(lines) // 5  # the lines do hold the rules' words: the comparison is not between two empty lists


def test_every_part_written_as_said_is_looked_at(lexicon):
    """A turn is read character by character, a lexicon part in context: 不了解 reads liao there and le in
    every turn, and F02's 不了解，别问我 was never even aligned. Each part's own words, written as a turn,
    must reach the alignment: filed in the index under the turn's reading, and every phrase with a form of
    that part alone a candidate."""
    checker = Checker(lexicon, Profile())
    matcher = checker.matcher
    single: dict[str, set[str]] = {}
    for phrase in checker.phrases:
        for form in phrase.forms:
            if len(form.parts) == 1:
                single.setdefault(form.parts[0].key, set()).add(phrase.id)
    missed = []
    for part, pid in matcher._pid.items():
        text = matcher.prepare(part.key)
        if len(part.key) > 2 and pid not in matcher.present(text):
            missed.append(part.key)
        elif not single.get(part.key, set()) <= matcher.candidates(text):
            missed.append(part.key)
    assert len(matcher._pid) > 5000 and not missed, missed[:20]
