#!/usr/bin/env python3
"""Acoustic verification on labelled calls: what it hears, and what it must not (negative controls).

    python3 benchmarks/verify_controls.py GOLD RECORDING... [--forced N] [-v]

Each recording is transcribed (through the transcript cache) and then:

- proposed: the near misses engine/nearmiss.py proposes, scored on the audio (calls/verify.py).
  Each is labelled from GOLD (the call's labels, samples/README.md): a forbidden or opener
  candidate is true when the agent said that rule in the call, a greeting part when the call's
  greeting is compliant. Heard true ones are recall the text alone lost; heard false ones would
  be false findings (or a greeting wrongly passed).
- forced negative controls: in every agent turn, N forbidden phrases the agent did NOT say in that
  call (not in GOLD), put in place of the turn's closest-sounding window however far it sounds,
  and scored the same way (never where the decoded text already says it). A heard one is
  verification inventing a finding. A greeting part counts as true when the call's greeting is
  compliant, so a surname heard on a call that fails for another part shows as a "false" heard.

Prints every score with -v (and how alike the reading sounds to the decoded words, and the
recognizer's word probabilities there, least/mean), the counts, the largest gain of a negative,
and the CPU time spent verifying against the time transcription took in the same run (the 10%
budget is measured as a whole process by benchmarks/scan_speed.py). Skips cleanly without
recordings.
"""

from __future__ import annotations

import random
import sys
import time

from labelled_calls import labelled_calls  # also puts ../src on sys.path


def main() -> int:
    got = labelled_calls(__doc__, lambda ap: ap.add_argument("--forced", type=int, default=2, help="negative controls per agent turn"))
    if got is None:
        return 0
    from phrasecheck.calls.audio import load_audio
    from phrasecheck.calls.verify import is_heard
    from phrasecheck.data import AGENT
    from phrasecheck.engine.nearmiss import Candidate, Proposer, _best_window, _candidate, _reading
    from phrasecheck.text.normalize import normalize

    a, checker, transcriber, transcribed = got.args, got.checker, got.transcriber, got.transcribed_s
    proposer = Proposer(checker)
    verifier = transcriber.verifier()
    rng = random.Random(11)
    forbidden = [(p.id, p) for p in checker.phrases if p.kind == "forbidden"]
    counts = {"proposed true": [0, 0], "proposed false": [0, 0], "forced negative": [0, 0]}
    worst = None
    spent = 0.0
    for conv, g in got.pairs():
        said = set(g.get("forbidden", [])) | set(g.get("openers", []))
        proposed = proposer.propose(conv)
        forced: list[Candidate] = []
        for k, t in enumerate(conv.turns):
            if t.role != AGENT:
                continue
            nt = normalize(t.text)
            for rid, phrase in rng.sample([f for f in forbidden if f[0] not in said], min(a.forced, len(forbidden))):
                words = min((w for f in phrase.forms if (w := "".join(p.key for p in f.parts))), key=len)
                if len(nt.key) < len(_reading(words).key):
                    continue
                got = _best_window(nt, words) or (0, 0.0)  # however far it sounds
                if nt.key[got[0] : got[0] + len(_reading(words).key)] != _reading(words).key:  # not what was decoded
                    forced.append(_candidate(k, nt, got[0], got[0] + len(_reading(words).key), words, rid, got[1]))
        audio = load_audio(conv.source)
        channel = audio.channels[0]
        t1 = time.process_time()
        scored = verifier.scored(channel, conv.turns, proposed) + verifier.scored(channel, conv.turns, forced)
        spent += time.process_time() - t1
        n_proposed = len([c for c, _, _ in scored if c in proposed])
        for i, (c, gain, own) in enumerate(scored):
            heard = is_heard(c, gain, own)  # own: an inserted word's own tokens (喂 the decoder dropped)
            if i < n_proposed:
                true = c.rule in said if not c.rule.startswith("G") else bool(g.get("greeting_ok"))
                group = "proposed true" if true else "proposed false"
            else:
                group = "forced negative"
                if worst is None or gain > worst[0]:
                    worst = (gain, conv.conversation_id, c)
            counts[group][0] += 1
            counts[group][1] += heard
            if a.verbose:
                text = conv.turns[c.turn].text
                probs = conv.turns[c.turn].word_probs(c.start, c.end)
                doubt = f"sim {c.similarity:.3f} words {min(probs, default=1):.2f}/{sum(probs) / len(probs) if probs else 1:.2f}"
                print(
                    f"{conv.conversation_id} t{c.turn + 1} {c.rule} {group:15s} gain {gain:+7.2f} {'HEARD' if heard else '     '} {doubt} {text[c.start : c.end]!r} -> {c.words!r}"
                )
    for group, (n, heard) in counts.items():
        print(f"{group:16s} {n:4d} scored, {heard:4d} heard")
    if worst:
        gain, cid, c = worst
        print(f"largest gain of a negative control: {gain:+.2f} ({cid}, {c.rule} {c.words})")
    print(f"verification CPU time {spent:.1f} s (negative controls included); transcription in this run {transcribed:.1f} s (0 when cached)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
