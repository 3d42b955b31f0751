#!/usr/bin/env python3
"""Acoustic verification where the call starts: a dropped 喂 and a garbled 我姓×, with negative controls.

    python3 benchmarks/verify_callstart.py GOLD RECORDING... [-v]

Each recording is transcribed (through the transcript cache), then scored (calls/verify.py):

- proposed: what engine/nearmiss.py proposes at the call's start: 喂 read before the opener words
  (O01, an inserted word) and 我姓× for a garbled greeting surname. Labelled from GOLD: O01 true
  when the agent said 喂 in the call, G01 true when the call's greeting is compliant.
- 喂 put back (true controls): calls whose agent said 喂 and whose decoded first turn has it (喂，
  讲话 / 为讲话): the turn without its 喂 is the decoded text, the turn with 喂， before it the
  reading. How a true, dropped 喂 scores.
- 喂 inserted (negative controls): the first agent turn of every call whose agent did NOT say 喂
  (您好… greetings, 讲话 / 哪里 / 找谁 alone), and every later agent turn of every call: 喂， before
  the turn's first words. A heard one is verification inventing O01.
- 我姓× forced (negative controls): every turn of either party where 我 is followed by two
  characters, none of them 姓 (我帮您看一下, 我是来取件的): 我姓 and the second one in their place,
  scored as a greeting part. A heard one would credit a surname nobody said. On the agent's own
  compliant greetings (我姓李 decoded), a surname that does not sound like it (wrong-surname
  controls) is scored too: shown, not a false finding (any surname completes the greeting).

Prints every score with -v (gain over the decoded text; own: the inserted tokens' log-probability)
and the counts heard. Skips cleanly without recordings.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from labelled_calls import labelled_calls  # also puts ../src on sys.path


def main() -> int:
    got = labelled_calls(__doc__)
    if got is None:
        return 0
    from phrasecheck.calls.audio import load_audio
    from phrasecheck.calls.verify import is_heard
    from phrasecheck.data import AGENT
    from phrasecheck.engine.nearmiss import WEI_INSERTED, WEI_SPELLINGS, Candidate, Proposer, syllable_similarity
    from phrasecheck.text.normalize import normalize

    a, transcriber = got.args, got.transcriber
    proposer = Proposer(got.checker)
    verifier = transcriber.verifier()
    groups = ["proposed O01 true", "proposed O01 false", "proposed G01 true", "proposed G01 false", "喂 put back (true)", "喂 inserted (negative)"]
    groups += ["我姓× forced (negative)", "wrong surname (shown)"]
    counts = {g: [0, 0] for g in groups}
    worst: dict[str, tuple] = {}

    def score(conv, turns, labelled: list[tuple[Candidate, str]]) -> None:
        channel = load_audio(conv.source).channels[0]
        group_of = {id(c): group for c, group in labelled}
        for c, gain, own in verifier.scored(channel, turns, [c for c, _ in labelled]):
            group = group_of[id(c)]
            heard = is_heard(c, gain, own)
            counts[group][0] += 1
            counts[group][1] += heard
            if "negative" in group and (group not in worst or gain > worst[group][0]):
                worst[group] = (gain, own, conv.conversation_id, c.words)
            if a.verbose:
                said = turns[c.turn].text[c.start : c.end]
                own_s = f" own {own:+6.2f}" if own is not None else ""
                print(f"{conv.conversation_id} t{c.turn + 1} {group:24s} gain {gain:+7.2f}{own_s} {'HEARD' if heard else '     '} {said!r} -> {c.words!r}")

    for conv, g in got.pairs():
        said_wei = "O01" in g.get("openers", [])
        agent = [k for k, t in enumerate(conv.turns) if t.role == AGENT]
        if not agent:
            continue
        first = agent[0]
        proposed = [c for c in proposer.propose(conv) if (c.rule == "O01" and c.inserted) or (c.rule == "G01" and c.words.startswith("我姓"))]
        truth = {"O01": said_wei, "G01": bool(g.get("greeting_ok"))}
        score(conv, conv.turns, [(c, f"proposed {c.rule} {'true' if truth[c.rule] else 'false'}") for c in proposed])
        # 喂 put back / inserted
        text = conv.turns[first].text
        nt = normalize(text)
        turns = list(conv.turns)
        inserted: list[Candidate] = []
        if said_wei and nt.key[:1] and (nt.key[0] == "喂" or nt.key[0] in WEI_SPELLINGS):
            drop = 2 if len(nt.key) > 1 and (nt.key[1] == "喂" or nt.key[1] in WEI_SPELLINGS) else 1
            rest = text[nt.span(0, drop)[1] :].lstrip("，,。.？?！! ")
            if rest:  # 喂 alone: nothing left to read it before
                turns[first] = replace(conv.turns[first], text=rest, words=[])
                inserted.append(Candidate(first, 0, min(2, len(rest)), WEI_INSERTED + rest[:2], "O01", 0.9, False, inserted=True))
        elif not said_wei:
            inserted.append(Candidate(first, 0, min(2, len(text)), WEI_INSERTED + text[:2], "O01", 0.9, False, inserted=True))
        for k in agent[1:]:
            t = conv.turns[k].text
            if t and normalize(t).key[:1] not in ("喂", *WEI_SPELLINGS):
                inserted.append(Candidate(k, 0, min(2, len(t)), WEI_INSERTED + t[:2], "O01", 0.9, False, inserted=True))
        score(conv, turns, [(c, "喂 put back (true)" if c.turn == first and said_wei else "喂 inserted (negative)") for c in inserted])
        # 我姓× forced, and wrong surnames on decoded 我姓×
        forced: list[Candidate] = []
        wrong: set[int] = set()
        for k, t in enumerate(conv.turns):
            tn = normalize(t.text)
            for lo in range(len(tn.key) - 2):
                if tn.key[lo] == "我" and "姓" not in tn.key[lo : lo + 3]:
                    if k == first and g.get("greeting_ok"):
                        continue  # the greeting's own 我×× may be the garbled 我姓× itself
                    start, end = tn.span(lo, lo + 3)
                    forced.append(Candidate(k, start, end, "我姓" + tn.key[lo + 2], "G01", 0.5, False, credit=True))
                    break
                if k == first and tn.key[lo : lo + 2] == "我姓":
                    start, end = tn.span(lo, lo + 3)
                    other = next(s for s in "王张刘陈杨黄赵周" if syllable_similarity(normalize(s).pinyin[0], tn.pinyin[lo + 2]) < 0.5)
                    forced.append(Candidate(k, start, end, "我姓" + other, "G01", 0.5, False, credit=True))
                    wrong.add(id(forced[-1]))
                    break
        score(conv, conv.turns, [(c, "wrong surname (shown)" if id(c) in wrong else "我姓× forced (negative)") for c in forced])
    for group, (n, heard) in counts.items():
        print(f"{group:24s} {n:4d} scored, {heard:4d} heard")
    for group, (gain, own, cid, words) in worst.items():
        own_s = f", own {own:+.2f}" if own is not None else ""
        print(f"largest gain, {group}: {gain:+.2f}{own_s} ({cid}, {words})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
