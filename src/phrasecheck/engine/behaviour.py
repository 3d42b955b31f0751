"""Call behaviour rules B01-B05: how the agent behaves in time, from the parties' speech times.

    B01 late answer     the agent's first words later than behaviour.late_answer_s into the
                        recording; a chat's first reply later than kpi.limit_s (a warning there)
    B02 silent hold     both parties silent longer than behaviour.hold_s between two stretches of
                        speech, and the agent's turns just before did not announce it (请稍等…);
                        the finding says whether the agent thanked the customer after it
    B03 talk-over       the agent starts while the customer is speaking and both talk longer than
                        behaviour.talk_over_s (a short 嗯/好/对 is a backchannel, not talk-over)
    B04 speech rate     agent syllables per minute of speaking time over one turn outside
                        behaviour.rate_min..rate_max (info: no points by default)
    B05 closing         the agent's last turns of a call hold no closing courtesy (再见…), a warning

Speech times are Conversation.speech: on stereo recordings each channel's voice-detector regions,
so who spoke when is measured, not guessed. Mono recordings give only everyone's speech mixed:
a silence there is still a silence (B01, B02), but talk-over and one party's speech rate cannot
be measured, so B03 and B04 are skipped with a note on the result. Timed transcripts without a
recording fall back to their turns' times. Everything here is data in, Findings out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from phrasecheck.config.lexicon import BehaviourRule
from phrasecheck.config.profile import Profile
from phrasecheck.data import AGENT, CUSTOMER, MIXED, ROLES_INFERRED, Conversation, Finding, Turn
from phrasecheck.engine.match import Matcher

Interval = tuple[float, float]

# A party's speech pieces closer than this are one utterance: the voice detector cuts at 0.3 s
# pauses, and a breath inside a sentence is not the agent starting again.
UTTERANCE_GAP_S = 0.5
# The agent's turns that may announce a hold: those ending at most this long before it.
ANNOUNCE_LOOKBACK_S = 30.0
ANNOUNCE_TURNS = 2  # ... the agent's last ones
# ... and the turns that may thank the customer after it: starting at most this long after it.
THANKS_LOOKAHEAD_S = 30.0
# B05 reads the agent's last turns (on mono recordings, everyone's last turns: roles are guesses).
CLOSING_TURNS = 2
# B05 is not judged when this much agent speech (this long after the last transcribed word) has no text.
UNHEARD_S = 1.0
UNHEARD_GAP_S = 0.5
# B04 judges each sentence of a turn (the transcript joins a party's sentences < 1 s apart).
SENTENCE_PAUSE_S = 0.3
LONG_PAUSE_S = 0.8
_SENTENCE_END = re.compile(r"[。！？!?；;]\s*$")
_SYLLABLE = re.compile(r"[\u4e00-\u9fff]|[0-9]|[A-Za-z]+")


@dataclass
class Outcome:
    findings: list[Finding]
    notes: list[str]


def merge(intervals: list[Interval], gap: float = 0.0) -> list[Interval]:
    """Sorted intervals, those overlapping or closer than `gap` joined."""
    out: list[list[float]] = []
    for a, b in sorted(intervals):
        if out and a - out[-1][1] <= gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def syllables(text: str) -> int:
    """Spoken syllables of a turn: one per Chinese character or digit, one per Latin word."""
    return len(_SYLLABLE.findall(text))


def _overlap(a: Interval, regions: list[Interval]) -> float:
    return sum(max(0.0, min(a[1], e) - max(a[0], s)) for s, e in regions)


def _timed(t: Turn) -> bool:
    return t.start_s is not None and t.end_s is not None


def _stretches(t: Turn) -> list[tuple[tuple[int, int], Interval]]:
    """A timed turn cut into sentences: at a sentence end followed by a pause of SENTENCE_PAUSE_S, or
    at any pause over LONG_PAUSE_S; (char span, time span) each. The whole turn where it has no word
    times. (Commas are no cut: fast speech has gaps the voice detector and the word times miss.)"""
    if not t.words:
        return [((0, len(t.text)), (t.start_s, t.end_s))]
    runs = [[t.words[0]]]
    for w in t.words[1:]:
        gap = w[2] - runs[-1][-1][3]
        if gap > LONG_PAUSE_S or (gap >= SENTENCE_PAUSE_S and _SENTENCE_END.search(t.text[: w[0]])):
            runs.append([])
        runs[-1].append(w)
    return [((r[0][0], r[-1][1]), (r[0][2], r[-1][3])) for r in runs]


def party_speech(conv: Conversation) -> dict[str, list[Interval]]:
    """Speech intervals per role (or MIXED): the recording's own, else from the timed turns'
    words (or whole turns). Empty when the turns carry no end times."""
    if conv.speech:
        return {role: merge([(float(a), float(b)) for a, b in regions]) for role, regions in conv.speech.items()}
    if not conv.turns or not all(_timed(t) for t in conv.turns):
        return {}
    out: dict[str, list[Interval]] = {}
    for t in conv.turns:
        key = MIXED if conv.roles == ROLES_INFERRED else t.role
        spans = [(w[2], w[3]) for w in t.words] or [(t.start_s, t.end_s)]
        out.setdefault(key, []).extend(spans)
    return {k: merge(v, 0.3) for k, v in out.items()}


class Behaviour:
    """The behaviour rules of one lexicon and profile; holds no per-conversation state."""

    def __init__(self, rules: list[BehaviourRule], profile: Profile, matcher: Matcher):
        self.profile = profile
        self.settings = profile.behaviour
        self._all = {r.name: r for r in rules}
        self.matcher = matcher
        for rule in self._all.values():
            for forms in rule.phrases.values():
                for form in forms:
                    matcher.form_set(form)  # compiled before any text is prepared

    @property
    def rules(self) -> dict[str, BehaviourRule]:
        """The rules the profile enables, asked of the profile at check time: a checker is built
        and cached whatever is selected, so a run that ignored B02 leaves it for the next run."""
        return {name: r for name, r in self._all.items() if self.profile.enabled(r.id)}

    def check(self, conv: Conversation) -> Outcome:
        if not self.rules:
            return Outcome([], [])
        findings: list[Finding] = []
        notes: list[str] = []
        if not conv.is_call:
            findings += self._late_reply(conv)
            return Outcome(findings, notes)
        speech = party_speech(conv)
        mono = conv.roles == ROLES_INFERRED
        findings += self._late_answer(conv, speech)
        if speech:
            findings += self._holds(conv, speech)
        elif "silent_hold" in self.rules:
            notes.append("B02 silent hold not checked: the transcript has no speech times")
        both = AGENT in speech and CUSTOMER in speech and not mono
        for name, rule_id, check in (("talk_over", "B03", self._talk_over), ("speech_rate", "B04", self._speech_rate)):
            if name not in self.rules:
                continue
            if mono:
                notes.append(f"{rule_id} {name.replace('_', ' ')} not checked: a mono recording mixes both parties (roles inferred)")
            elif name == "talk_over" and not both:
                notes.append(f"{rule_id} talk-over not checked: the transcript has no speech times per party")
            else:
                findings += check(conv, speech)
        findings += self._closing(conv, speech, notes)
        return Outcome(findings, notes)

    # --- helpers ---------------------------------------------------------------------------

    def _said(self, rule: BehaviourRule, key: str, turns: list[Turn]) -> bool:
        """Does any of the turns say one of the rule's `key` phrases?"""
        for t in turns:
            text = self.matcher.prepare(t.text)
            if any(self.matcher.find_form(form, text, rule.threshold) for form in rule.phrases[key]):
                return True
        return False

    def _finding(self, rule: BehaviourRule, conv: Conversation, turn: int, message: str, start_s, end_s, span=(0, 0), severity=None) -> Finding:
        text = conv.turns[turn].text[span[0] : span[1]] if 0 <= turn < len(conv.turns) else ""
        return Finding(
            id=rule.id,
            kind="behaviour",
            turn=turn,
            start_char=span[0],
            end_char=span[1],
            text=text,
            score=100.0,
            message=message,
            suggestion=rule.suggestion,
            severity=severity or rule.severity,
            start_s=None if start_s is None else round(start_s, 2),
            end_s=None if end_s is None else round(end_s, 2),
        )

    def _speaker(self, conv: Conversation, t: Turn) -> bool:
        """Turns that may be the agent's: the agent's, or anyone's where roles are guesses."""
        return t.role == AGENT or conv.roles == ROLES_INFERRED

    # --- B01 -------------------------------------------------------------------------------

    def _late_answer(self, conv: Conversation, speech: dict[str, list[Interval]]) -> list[Finding]:
        rule = self.rules.get("late_answer")
        if rule is None:
            return []
        first = next((i for i, t in enumerate(conv.turns) if self._speaker(conv, t) and t.start_s is not None), None)
        if first is None:
            return []  # the agent never spoke: G01 says so
        # the earliest sign of the agent: a word, or speech on the agent's channel (on mono, anyone's)
        starts = [conv.turns[first].start_s]
        regions = speech.get(MIXED if conv.roles == ROLES_INFERRED else AGENT, [])
        if regions:
            starts.append(regions[0][0])
        t0 = min(starts)
        limit = self.settings.late_answer_s
        if t0 <= limit:
            return []
        who = "first speech" if conv.roles == ROLES_INFERRED else "the agent's first words"
        return [self._finding(rule, conv, first, f"late answer: {who} {t0:.1f} s into the call (limit {limit:g} s)", 0.0, t0)]

    def _late_reply(self, conv: Conversation) -> list[Finding]:
        """Chats: the first agent reply to the customer's first message, later than kpi.limit_s."""
        rule = self.rules.get("late_answer")
        if rule is None:
            return []
        asked = next((t for t in conv.turns if t.role == CUSTOMER), None)
        if asked is None or asked.timestamp is None:
            return []
        at = conv.turns.index(asked)
        reply = next((i for i in range(at + 1, len(conv.turns)) if conv.turns[i].role == AGENT), None)
        if reply is None or conv.turns[reply].timestamp is None:
            return []
        delay = (conv.turns[reply].timestamp - asked.timestamp).total_seconds()
        limit = self.profile.kpi.limit_s
        if delay <= limit:
            return []
        # a warning: the KPI's response points already price chat response time
        return [
            self._finding(
                rule, conv, reply, f"late first reply: {delay:.0f} s after the customer's first message (limit {limit:g} s)", None, None, severity="warning"
            )
        ]

    # --- B02 -------------------------------------------------------------------------------

    def _holds(self, conv: Conversation, speech: dict[str, list[Interval]]) -> list[Finding]:
        rule = self.rules.get("silent_hold")
        if rule is None:
            return []
        anyone = merge([r for regions in speech.values() for r in regions])
        out = []
        for (_, g0), (g1, _) in zip(anyone, anyone[1:]):
            if g1 - g0 <= self.settings.hold_s:
                continue
            timed = [(i, t) for i, t in enumerate(conv.turns) if t.start_s is not None]
            before = [(i, t) for i, t in timed if t.start_s <= g0 + 0.25]
            after = [(i, t) for i, t in timed if t.start_s >= g1 - 0.25]
            said = [t for _, t in before if self._speaker(conv, t) and (t.end_s or t.start_s) >= g0 - ANNOUNCE_LOOKBACK_S][-ANNOUNCE_TURNS:]
            if not said:  # the agent's last turn before it, however long ago
                said = [t for _, t in before if self._speaker(conv, t)][-1:]
            if self._said(rule, "announce", said):
                continue
            back = [t for _, t in after if self._speaker(conv, t) and t.start_s <= g1 + THANKS_LOOKAHEAD_S][:ANNOUNCE_TURNS]
            thanked = self._said(rule, "thanks", back)
            tail = "the agent thanked the customer after it" if thanked else "and no thanks after it (感谢您的耐心等待)"
            turn = before[-1][0] if before else (after[0][0] if after else 0)
            message = f"silent hold of {g1 - g0:.0f} s not announced (no 请稍等 before it); {tail}"
            out.append(self._finding(rule, conv, turn, message, g0, g1))
        return out

    # --- B03 -------------------------------------------------------------------------------

    def _talk_over(self, conv: Conversation, speech: dict[str, list[Interval]]) -> list[Finding]:
        rule = self.rules["talk_over"]
        agent = merge(speech[AGENT], UTTERANCE_GAP_S)
        customer = merge(speech[CUSTOMER], UTTERANCE_GAP_S)
        words = [(i, *w[:4]) for i, t in enumerate(conv.turns) if t.role == AGENT for w in t.words]
        worded = any(t.words for t in conv.turns if t.role == AGENT)
        out = []
        for u0, u1 in agent:
            c = next(((c0, c1) for c0, c1 in customer if c0 < u0 < c1), None)
            if c is None:
                continue
            end = min(u1, c[1])
            if end - u0 <= self.settings.talk_over_s:
                continue  # a backchannel (嗯/好/对), or a start just as the customer stops
            said = [w for w in words if w[3] < end and w[4] > u0]
            if worded and not said:
                continue  # no word on the agent's channel there: noise or echo, not the agent
            if said:
                turn = said[0][0]
                span = (min(w[1] for w in said if w[0] == turn), max(w[2] for w in said if w[0] == turn))
            else:
                turn = next((i for i, t in enumerate(conv.turns) if t.role == AGENT and _timed(t) and t.start_s < end and t.end_s > u0), None)
                if turn is None:
                    continue
                span = (0, len(conv.turns[turn].text))
            message = f"talked over the customer for {end - u0:.1f} s (limit {self.settings.talk_over_s:g} s)"
            out.append(self._finding(rule, conv, turn, message, u0, end, span))
        return out

    # --- B04 -------------------------------------------------------------------------------

    def _speech_rate(self, conv: Conversation, speech: dict[str, list[Interval]]) -> list[Finding]:
        """Per sentence of a turn (_stretches): a fast sentence next to a calm one is judged on its own."""
        rule = self.rules["speech_rate"]
        s = self.settings
        regions = speech.get(AGENT, [])
        out = []
        for i, t in enumerate(conv.turns):
            if t.role != AGENT or not _timed(t) or t.end_s <= t.start_s:
                continue
            for (c0, c1), (t0, t1) in _stretches(t):
                n = syllables(t.text[c0:c1])
                if n < s.rate_min_syllables:
                    continue
                talking = _overlap((t0, t1), regions) if regions else t1 - t0
                if talking < 1.0:
                    continue
                rate = n * 60.0 / talking
                if s.rate_min <= rate <= s.rate_max:
                    continue
                how = "fast" if rate > s.rate_max else "slow"
                message = f"speech rate {rate:.0f} syllables/min, too {how} (range {s.rate_min:g}-{s.rate_max:g})"
                out.append(self._finding(rule, conv, i, message, t0, t1, (c0, c1)))
        return out

    # --- B05 -------------------------------------------------------------------------------

    def _closing(self, conv: Conversation, speech: dict[str, list[Interval]], notes: list[str]) -> list[Finding]:
        rule = self.rules.get("closing")
        if rule is None:
            return []
        mine = [(i, t) for i, t in enumerate(conv.turns) if self._speaker(conv, t)]
        if not mine:
            return []
        # Speech after the agent's last transcribed words was lost by the ASR (seen on fast speech):
        # the goodbye may be in it, so nothing is said about the closing.
        end = max((t.end_s or t.start_s or 0.0) for _, t in mine)
        unheard = sum(b - max(a, end) for a, b in speech.get(MIXED if conv.roles == ROLES_INFERRED else AGENT, []) if b > end + UNHEARD_GAP_S)
        if unheard >= UNHEARD_S:
            notes.append(f"B05 closing not checked: {unheard:.1f} s of the agent's speech after their last transcribed words")
            return []
        last = mine[-CLOSING_TURNS - (1 if conv.roles == ROLES_INFERRED else 0) :]
        if self._said(rule, "closing", [t for _, t in last]):
            return []
        i, t = mine[-1]
        return [self._finding(rule, conv, i, "the call ends without a closing courtesy (再见 / 感谢您的来电)", t.start_s, t.end_s, (0, len(t.text)))]
