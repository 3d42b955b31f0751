"""Near misses: rule words a call's transcript almost says, worth scoring against the audio.

The base model writes 烦死人了 as 反此言论 and 我姓李 as 我敬礼: too far from the rule for the text
matcher, which must not accuse anyone on a guess. Here each place where the decoded characters
SOUND like a rule's words (initials and finals compared, as a listener would) becomes a Candidate:
that text with the rule's words in place. calls/verify.py then asks the model which of the two the
audio fits (never as a prompt); only a candidate the audio supports reaches the checker, as what
was heard (Turn.heard).

Only what the checker did not already find is proposed: a forbidden phrase in an agent turn, an
opener at the call's first words, the greeting's missing parts in the agent's first turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from phrasecheck.data import AGENT, Conversation
from phrasecheck.engine.sounds import SoundTable
from phrasecheck.text.normalize import Normalized, fuzzy_syllable, normalize

# Spellings the recognizer gives 喂 (wèi / wéi) with at the start of an utterance (喂 itself is not one).
WEI_SPELLINGS = "为未微位卫围唯维威违谓味尾畏魏慰胃伟委伪韦惟纬蔚渭"
TIE, MAX_TIED = 0.05, 3  # readings of one rule this close to the closest are all scored, at most MAX_TIED
MAX_PER_CALL = 12  # candidates scored per call, closest first: each costs one alignment of the decoder
# How close the decoded characters must sound, by the length of the rule's words: short words
# sound like many things, so they need to be closer.
MIN_SIMILARITY = {2: 0.8, 3: 0.75}
MIN_SIMILARITY_LONG = 0.62
# A forbidden reading less alike than FAR_READING to the decoded words is not scored where the
# recognizer was sure of them (their word probabilities average SURE_WORDS or more): audio it
# decoded that surely does not fit words that far from them. benchmarks/verify_controls.py on
# holdout14-18 (300 recordings): of the 1,027 readings proposed without this rule, 379 were such and
# none was heard. With it, 670 are proposed in 417 turns (548), and the freed places let more true
# ones be scored: forbidden readings truly said heard 45 times (42), not said 6 (6). The far readings
# heard on older sets (烦死人了 for 反此言论, 0.65 alike) were garbles; their word probabilities were not
# kept, so that the recognizer was unsure of them there is this rule's assumption.
FAR_READING = 0.72
SURE_WORDS = 0.8
# The greeting word where the call starts (于好 / 如好 for 您好 on μ-law): its place says what it is
# meant to be, and hearing it only credits the agent, so a looser likeness is scored.
GREETING_WORD_SIMILARITY = 0.6
PART_SHORTEST = 3  # a part of a form of several parts is proposed alone from this many characters
# a synonym's variant of a one-part form (有能耐你就去告 for 有本事你就去告) is a reading from this many
# characters: the short ones (眼是摆设 for 眼睛是摆设) sound like anything (以帮您的)
SAID_SHORTEST = 5

# The commonest surnames, commonest first (about 85% of people in China): the surname a greeting's
# garbled 我姓× most likely says, where the profile does not list the agent's (agents:).
COMMON_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
    "廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟"
)
OPENER_REACH = 3  # an opener is looked for this far into the call's first words (after 喂喂)
SURNAME_READINGS = 3  # surnames tried for one garbled 我姓×
SURNAME_SIMILARITY = 0.3  # how much the word after 我 must sound like 姓 (正 zheng: 0.3; 是 shi: 0)
# 喂 the decoder dropped at the call's first words (喂，哪里？讲话 decoded 那里讲话): read back before them
WEI_INSERTED = "喂，"
# A garbled 我姓× in the greeting's slot (我认为 for 我姓韦, 我听到 for 我姓窦): the surname readings
# tried for the character after the garbled 姓, and how alike a surname must sound to be tried
SLOT_SURNAME_SIMILARITY = 0.8
# 喂，讲话 decoded 为假话 / 我会讲话 (_wei_and_opener): how alike the first characters must sound to 喂,
# and the rest to the blunt word, where the call's first words stand
WEI_LIKE = 0.5
OPENER_AFTER_WEI = 0.7

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s", "y", "w")
# Initials a listener (and the recognizer) confuses: partial credit.
_CLOSE_INITIALS = [set("jqx"), {"z", "c", "s", "zh", "ch", "sh"}, {"b", "p"}, {"d", "t"}, {"g", "k", "h"}, {"n", "l", "r"}, {"f", "h"}]
_CLOSE_FINALS = [{"an", "ian", "en", "in"}, {"i", "ü", "v", "u"}, {"e", "o", "uo"}, {"ai", "ei"}, {"ao", "ou"}]


@dataclass(frozen=True)
class Candidate:
    """A reading of a transcript turn to score against its audio."""

    turn: int  # index into the conversation's turns
    start: int  # span of the decoded text it replaces (original characters)
    end: int
    words: str  # the rule's words that would stand there
    rule: str  # the rule it could reveal (F04, O01, G01)
    similarity: float  # how alike the decoded and the rule's words sound, 0-1
    homophone: bool  # the decoded characters already sound exactly so: only a clear preference counts
    credit: bool = False  # hearing it credits the agent (a greeting part) rather than accusing them
    # words puts a word the decoder dropped before the span's own (喂， before 那里讲话): the audio
    # must carry the added words themselves, not only fit the whole (verify.is_heard)
    inserted: bool = False

    def reading(self, text: str) -> str:
        return text[: self.start] + self.words + text[self.end :]


@lru_cache(maxsize=8192)
def _split(syllable: str) -> tuple[str, str]:
    folded = fuzzy_syllable(syllable)
    for ini in _INITIALS:
        if folded.startswith(ini) and len(folded) > len(ini):
            return ini, folded[len(ini) :]
    return "", folded


def _part(a: str, b: str, close: list[set[str]]) -> float:
    if a == b:
        return 1.0
    return 0.6 if any(a in group and b in group for group in close) else 0.0


def syllable_similarity(a: str, b: str) -> float:
    """How alike two toneless syllables sound: 1 the same, else half for the initial and half for
    the final (partial credit for ones a listener confuses: j/q/x, an/en)."""
    if a == b:
        return 1.0
    (ia, fa), (ib, fb) = _split(a), _split(b)
    if (ia, fa) == (ib, fb):
        return 0.95  # the same after the usual ASR folds (zh/z, ing/in)
    return 0.5 * _part(ia, ib, _CLOSE_INITIALS) + 0.5 * _part(fa, fb, _CLOSE_FINALS)


def similarity(nt: Normalized, lo: int, words: Normalized) -> float:
    """Mean syllable similarity of nt's key at [lo, lo + len(words)) to words (same character: 1)."""
    total = 0.0
    for i in range(len(words.key)):
        if nt.key[lo + i] == words.key[i]:
            total += 1.0
        else:
            total += syllable_similarity(nt.pinyin[lo + i], words.pinyin[i])
    return total / len(words.key)


@lru_cache(maxsize=16384)  # every reading of every rule (about a thousand with words.yaml's synonyms), and more
def _reading(words: str) -> Normalized:
    return normalize(words, context=True)


@lru_cache(maxsize=16384)
def _key(words: str) -> str:
    """A reading's key alone: the same in context or not (context changes only the pinyin), and read
    without pypinyin's phrase dictionary, which cost a scan 0.8 s on the five sample calls where
    only the readings' lengths were asked."""
    return normalize(words).key


def _best_window(nt: Normalized, words: str, positions: range | None = None, least: float | None = None) -> tuple[int, float] | None:
    """The window of nt most like words (not equal to them): (key position, similarity), at least
    `least` alike (default MIN_SIMILARITY by length)."""
    w = _reading(words)
    m = len(w.key)
    if m == 0 or len(nt.key) < m:
        return None
    best = None
    for lo in positions if positions is not None else range(len(nt.key) - m + 1):
        if lo + m > len(nt.key) or nt.key[lo : lo + m] == w.key:
            continue
        sim = similarity(nt, lo, w)
        if best is None or sim > best[1]:
            best = (lo, sim)
    if best is None or best[1] < (least if least is not None else MIN_SIMILARITY.get(m, MIN_SIMILARITY_LONG)):
        return None
    return best


def slot_surnames(char: str, syllable: str) -> list[str]:
    """The surnames a garbled greeting's 我姓× is read with: the decoded character itself (the sound
    the audio carries, 为 in 我认为), then common surnames that sound like it (韦, 魏; 窦 for 到)."""
    like = [(syllable_similarity(_reading(s).pinyin[0], syllable), s) for s in COMMON_SURNAMES if s != char]
    close = [s for sim, s in sorted(like, key=lambda x: -x[0]) if sim >= SLOT_SURNAME_SIMILARITY]
    return [char, *close][:SURNAME_READINGS]


def _candidate(k: int, nt: Normalized, lo: int, hi: int, words: str, rule: str, sim: float, credit: bool = False) -> Candidate:
    start, end = nt.span(lo, hi)
    spoken = _reading(words)
    homophone = nt.pinyin[lo:hi] == spoken.pinyin
    return Candidate(k, start, end, words, rule, round(sim, 3), homophone, credit)


def _sure(turn, nt: Normalized, lo: int, hi: int) -> bool:
    """Whether the recognizer was sure of the words at nt's key positions [lo, hi) (SURE_WORDS); not
    where it kept no word probabilities (transcripts made before it did)."""
    probs = turn.word_probs(*nt.span(lo, hi))
    return bool(probs) and sum(probs) / len(probs) >= SURE_WORDS


def _request_window(nt: Normalized, lo: int, words: str) -> bool:
    """A window that ends in 一下 (您查一下, 您抱一下, 联系一下: the agent asks the customer to do
    something) for a reading that does not: the decoder writes that common word right, and the
    audio never favoured another reading there (verify_controls on 16 sets: 100 such readings, 99 of
    them 你是眼瞎, none heard)."""
    hi = lo + len(_key(words))
    return hi >= 2 and nt.pinyin[hi - 2 : hi] == ["yi", "xia"] and not _key(words).endswith("一下")


def _polite_window(nt: Normalized, lo: int, words: str) -> bool:
    """A window holding the polite 您 for a reading with neither 你 nor 您 (我帮您登记 for 我上哪问去):
    the decoder writes 您 where nin was said, and a rude reading has no such syllable to hear there."""
    hi = lo + len(_key(words))
    return "您" in nt.norm[lo:hi] and not any(c in words for c in "你您")


def _across_pause(nt: Normalized, lo: int, words: str) -> bool:
    """A window with a pause inside it, where the decoder wrote punctuation (还没翻到，我这儿 / 还有事没，
    没有就挂了): a forbidden reading there would run two stretches of speech into one phrase the agent
    said in one go (没看到我 / 说完没有). On two held-out calls the audio fitted such readings as well as
    the decoded words, and both were false findings. The rule's parts are read on each side alone."""
    hi = lo + len(_key(words))
    return any(b in nt.breaks for b in range(lo + 1, hi))


def _readings(phrase, shortest: int) -> list[str]:
    """The phrase's forms as the words a speaker says in one go: the forms of one part (words.yaml's
    synonym variants of them from SAID_SHORTEST characters), and the seed's own phrase with its parts
    run together (急什么烦死人了). The other forms of several parts say their halves apart (急有什么用…
    真够烦的): their parts are read alone (_part_readings), or the halves of every pairing would be
    weighed as one utterance nobody says."""
    whole = set()
    for f in phrase.forms:
        if len(f.parts) == 1 or f.text == phrase.text:  # (joined only then: a lexicon has 150,000 forms)
            words = _joined(f)
            if len(words) >= (max(shortest, SAID_SHORTEST) if f.said else shortest):
                whole.add(words)
    return sorted(whole)


def _joined(form) -> str:
    return "".join(part.key for part in form.parts)


def _part_readings(phrase, shortest: int) -> list[str]:
    """The parts of the phrase's forms of several parts, each on its own: 急什么…烦死人了 is said
    with words between, so 烦死人了 garbled (反死言论) is a near miss only where it stands, and
    the heard text then completes the form with the 急什么 already decoded. The parts as written:
    words.yaml's synonyms would multiply them into thousands."""
    whole = {_joined(f) for f in phrase.forms}
    return sorted({part.key for f in phrase.forms if len(f.parts) > 1 and not f.said for part in f.parts if len(part.key) >= shortest} - whole)


class Proposer:
    """Candidates for one call, from the checker's lexicon and profile (company, agents' surnames)."""

    def __init__(self, checker) -> None:
        import numpy as np  # here: a chat check imports this module and never needs numpy

        self.checker = checker
        # One character (喂 for F01) sounds like too many things to propose anywhere but at the start.
        self._forbidden = [(p.id, _readings(p, 2) + _part_readings(p, PART_SHORTEST)) for p in checker.phrases if p.kind == "forbidden"]
        self._openers = [(p.id, _readings(p, 1)) for p in checker.phrases if p.kind == "opener"]
        self._has_f01 = any(p.id == "F01" for p in checker.phrases)
        self._has_o01 = any(rid == "O01" for rid, _ in self._openers)
        # the blunt words a dropped 喂 may stand before, longest first (_wei_dropped)
        self._opener_keys = sorted({_key(w) for rid, ws in self._openers if rid != "O01" for w in ws}, key=len, reverse=True)
        self.sounds = SoundTable(syllable_similarity)
        # every forbidden reading, scored against a turn's windows in one pass (sounds.py)
        self._forbidden_flat = [(rid, words) for rid, readings in self._forbidden for words in readings]
        # most readings are the lexicon's parts, which the matcher has already normalised (pinyin in
        # context is the slow part of starting up)
        known = checker.matcher.normalized()
        readings = [known.get(words) or _reading(words) for _, words in self._forbidden_flat]
        self._forbidden_sounds = self.sounds.prepare(readings)
        # the least similarity each reading's window needs (_pick's first test), by the length of
        # its key (a key is the same in context or not: _key): windows below it are dropped in
        # propose, before _pick, and most of the readings are never normalised again there
        self._forbidden_least = np.array([MIN_SIMILARITY.get(len(w.key), MIN_SIMILARITY_LONG) for w in readings])

    def tables(self) -> dict:
        """What __init__ builds from the lexicon, without the checker: kept in the rules cache."""
        return {k: v for k, v in vars(self).items() if k != "checker"}

    @classmethod
    def from_tables(cls, checker, tables: dict) -> Proposer:
        """A proposer for checker with tables() of one built on the same rules."""
        proposer = cls.__new__(cls)
        proposer.checker = checker
        vars(proposer).update(tables)
        return proposer

    def propose(self, conv: Conversation) -> list[Candidate]:
        result = self.checker.check(conv, model=False)  # the n-gram model's review listing is no reading the audio confirmed
        found = {(f.id, f.turn) for f in result.findings}
        agent = [i for i, t in enumerate(conv.turns) if t.role == AGENT]
        out: list[Candidate] = []
        if agent:
            first = agent[0]
            nt = self._normalized(conv, first)
            out += self._openers_at(first, nt, {rid for rid, turn in found if turn == first})
            opened = [f for f in result.findings if f.kind == "opener" and f.turn == first]
            if not any(f.id == "O01" for f in opened):
                out += self._wei_dropped(first, nt, opened)
            if not result.greeting.ok:
                out += self._greeting(conv, first, result.greeting.missing)
        for k in agent:
            nt = self._normalized(conv, k)
            if k != agent[0] and self._has_f01 and ("F01", k) not in found and self._wei_opens(nt):
                out.append(_candidate(k, nt, 0, 1, "喂", "F01", 0.95))  # 为！地址说一下: a rude 喂 mid-call
            wins: dict[str, list] = {}
            for i, lo, sim in self.sounds.near(nt, self._forbidden_sounds, self._forbidden_least):
                rid, words = self._forbidden_flat[i]
                if (rid, k) not in found and not (sim < FAR_READING and _sure(conv.turns[k], nt, lo, lo + len(_key(words)))):
                    wins.setdefault(rid, []).append((words, (lo, sim)))
            for rid, scored in wins.items():
                out += self._pick(k, nt, scored, rid, fires=lambda c: self._fires(conv, c))
        # Words the decoder wrote as a courtesy phrase are not a garbled forbidden one (请问有什么可以
        # 帮您 sounds a little like 吼什么吼 character by character, and is said in every greeting),
        # and words already read as a blunt opener are not another rule's (位，那里的: 喂，哪里的 is not
        # 我哪知道; 那里，照谁: 那里 is 哪里, not the 你 of 你找谁).
        taken = [(f.turn, f.start_char, f.end_char, None) for f in result.courtesy]
        taken += [(f.turn, f.start_char, f.end_char, f.id) for f in result.findings if f.kind == "opener"]
        # (a 喂 put back before them keeps their words: Candidate.inserted)
        out = [c for c in out if c.credit or c.inserted or not any(t == c.turn and s < c.end and c.start < e and c.rule != rid for t, s, e, rid in taken)]
        out.sort(key=lambda c: -c.similarity)
        return sorted(out[:MAX_PER_CALL], key=lambda c: (c.turn, c.start))

    def _fires(self, conv: Conversation, c: Candidate) -> bool:
        """Whether the checker finds c's rule in c's turn, read on its own, with c's words in place
        of the decoded ones."""
        return self.checker.says(c.rule, c.reading(conv.turns[c.turn].text))

    def _openers_at(self, k: int, nt: Normalized, found: set[str]) -> list[Candidate]:
        """The blunt words at the call's first words: 喂 spelt 为/未/微 (not 为您…), and the others
        when they sound close."""
        out = []
        if self._has_o01 and "O01" not in found:
            if self._wei_opens(nt):
                out.append(_candidate(k, nt, 0, 1, "喂", "O01", 0.95))
            elif len(nt.key) == 1 and nt.key != "喂":  # 喂？ alone, decoded as one other syllable (对, 位)
                out.append(_candidate(k, nt, 0, 1, "喂", "O01", syllable_similarity(nt.pinyin[0], "wei")))
            out += self._wei_and_opener(k, nt, found)
        stray = self._stray_sound(k, nt, found)
        if stray is not None:
            return out + [stray]
        for rid, readings in self._openers:
            if rid in found or rid == "O01":
                continue
            best = None  # the reading most like its window: 找谁 for 照谁, not 你找谁 for 里，照谁
            keys = {_key(words) for words in readings}
            for words in readings:  # at the start, or after another opener (喂，讲话), as a word of its own
                got = _best_window(nt, words, range(0, OPENER_REACH))
                end = got[0] + len(_key(words)) if got else 0
                if got and nt.key[got[0] : end] in keys:
                    continue  # the window already says one of the rule's readings (想画 for 讲话 is no news)
                if got and (end == len(nt.key) or end in nt.breaks) and (best is None or got[1] > best[1]):
                    best = (got[0], got[1], words)
            if best is not None:
                lo, sim, words = best
                out.append(_candidate(k, nt, lo, lo + len(_key(words)), words, rid, sim))
        return out

    def _wei_and_opener(self, k: int, nt: Normalized, found: set[str]) -> list[Candidate]:
        """喂，讲话 decoded 为假话 or 我会讲话: one or two characters sounding like 喂, then a window
        sounding like another blunt word, read together as 喂， and that word (the audio weighs the
        two as one reading; each alone is too short to tell). The closest such reading, if any."""
        best = None
        for n in (1, 2):
            if len(nt.key) <= n or max(syllable_similarity(p, "wei") for p in nt.pinyin[:n]) < WEI_LIKE:
                continue
            for rid, readings in self._openers:
                if rid == "O01" or rid in found:
                    continue
                for words in readings:
                    w = _reading(words)
                    m = len(w.key)
                    if n + m > len(nt.key) or (n + m < len(nt.key) and n + m not in nt.breaks):
                        continue
                    sim = similarity(nt, n, w)
                    if sim >= OPENER_AFTER_WEI and (best is None or sim > best[0]):
                        best = (sim, n + m, words)
        if best is None:
            return []
        sim, end, words = best
        return [_candidate(k, nt, 0, end, WEI_INSERTED + words, "O01", sim)]

    def _wei_dropped(self, k: int, nt: Normalized, opened: list) -> list[Candidate]:
        """喂 the decoder dropped before the blunt words that open the call (喂，哪里？讲话 decoded 那里讲话:
        a short 喂 at the very start is often lost): the reading with 喂， before them, the opener
        words kept apart as said. Only where the turn opens with an opener (found by the checker, or
        opener words run together at its very start), not with 为/未 (their own candidate) or 您好."""
        if not nt.key or nt.key[0] == "喂" or self._wei_opens(nt) or not self._has_o01:
            return []
        words, pos = [], 0  # the opener words at the very start, run together or apart (那里讲话)
        while pos < len(nt.key):
            w = next((w for w in self._opener_keys if nt.key[pos : pos + len(w)] == w), None)
            if w is None:
                break
            words.append(nt.original[slice(*nt.span(pos, pos + len(w)))])
            pos += len(w)
        end = nt.span(0, pos)[1] if pos and (pos == len(nt.key) or pos in nt.breaks) else 0
        first = min(opened, key=lambda f: f.start_char, default=None)
        if first is not None and first.start_char == nt.span(0, 1)[0] and first.end_char > end:
            end, words = max(f.end_char for f in opened), [nt.original[: max(f.end_char for f in opened)]]
        if not end:
            return []
        return [Candidate(k, 0, end, WEI_INSERTED + "，".join(words), "O01", 0.9, homophone=False, inserted=True)]

    def _normalized(self, conv: Conversation, k: int) -> Normalized:
        """Turn k as the checker normalised it a moment ago (the matcher keeps prepared turns by text)."""
        return self.checker.matcher.prepare(conv.turns[k].text).nt

    @staticmethod
    def _wei_opens(nt: Normalized) -> bool:
        """The turn opens with a spelling of 喂 (为/未/微…), not the agent's polite 为您/为你."""
        key = nt.key
        return len(key) >= 2 and key[0] in WEI_SPELLINGS and key[1] != "你"

    def _stray_sound(self, k: int, nt: Normalized, found: set[str]) -> Candidate | None:
        """红，讲话 for 嗯，讲话: one character on its own before the call's first opener is likely a
        filler the decoder made a word of; 嗯 in its place is the reading to score."""
        if len(nt.key) < 3 or 1 not in nt.breaks or nt.key[0] in WEI_SPELLINGS:
            return None
        rest = self.checker.matcher.prepare(nt.original[nt.index[1] :])
        for phrase in self.checker.phrases:
            if phrase.kind == "opener" and phrase.id not in found and self.checker._best(phrase, rest, anchored=True):
                return _candidate(k, nt, 0, 1, "嗯", phrase.id, 0.5)
        return None

    def _greeting(self, conv: Conversation, k: int, missing: list[str]) -> list[Candidate]:
        rule = self.checker.greeting
        nt = self._normalized(conv, k)
        out = []
        gid = rule.id
        # 很好 / 等您好 for 您好: the greeting word, perhaps after a stray sound, in a turn that says
        # another part of the greeting (not 那里，照谁)
        if "greeting" in missing and len(missing) < len(rule.parts):
            best = None
            for form in rule.parts["greeting"]:
                words = "".join(p.key for p in form.parts)
                for skip in range(0, 3):
                    w = _key(words)
                    if skip and nt.key[skip : skip + len(w)] == w:
                        got = (skip, 1.0)  # 等您好: the greeting, after a sound the decoder made a word of
                    else:
                        got = _best_window(nt, words, range(skip, skip + 1), GREETING_WORD_SIMILARITY)
                    if got and (best is None or got[1] > best[2]):
                        best = (skip, words, got[1])
            if best:
                skip, words, sim = best
                out.append(_candidate(k, nt, 0, skip + len(_key(words)), words, gid, sim, credit=True))
        if "company" in missing:
            # the profile's centre, else each kind of centre the slot ends in (资行处 for 咨询处, 客服务
            # for 客服部): the name before it stays the decoded one, and the heard turn must still say one
            readings = list(dict.fromkeys("".join(p.key for p in f.parts) for f in self.checker._company_forms)) or ["客服中心"]
            out += self._closest(k, nt, readings, gid, credit=True)
        if "surname" in missing:
            surname = self.checker.profile.agents.get(conv.agent_id)
            if surname:
                out += self._closest(k, nt, [f"我姓{surname}"], gid, credit=True)
            else:
                out += self._slot_surname(k, nt, rule)
        if "offer" in missing:
            readings = ["".join(p.key for p in f.parts) for f in rule.parts["offer"]]
            out += self._closest(k, nt, readings, gid, credit=True)
        return out

    def _slot_surname(self, k: int, nt: Normalized, rule) -> list[Candidate]:
        """我姓× garbled, with no agents list to say whose surname: 我敬礼 for 我姓李 (a character after
        我 sounds like 姓), or 我认为 / 我示范 right before the offer of help (姓 garbled past anything
        like it: 我姓韦, 我姓石). The reading keeps the decoded character as the surname (the sound
        the audio carries; any surname completes the greeting), then the commonest surnames that
        sound like it, SURNAME_READINGS in all. Never where 请问 / 有什么 follows 我 (that is the offer),
        nor for 我是 / 我叫 (a name said instead of the surname: 我是小王 is not 我姓×) or 我们."""
        offers = {"".join(p.key for p in f.parts)[:2] for f in rule.parts.get("offer", [])}
        offer_at = min((i for i in range(len(nt.key)) if nt.key[i : i + 2] in offers), default=len(nt.key))
        for lo in range(1, len(nt.key) - 2):
            if nt.key[lo] != "我" or nt.key[lo + 1] in "姓是叫们" or nt.key[lo + 1 : lo + 3] in offers:
                continue
            like = syllable_similarity(nt.pinyin[lo + 1], "xing")
            if like < SURNAME_SIMILARITY and not lo + 3 <= offer_at <= lo + 4:
                continue
            sim = 0.5 + 0.5 * like
            return [_candidate(k, nt, lo, lo + 3, f"我姓{s}", rule.id, sim, credit=True) for s in slot_surnames(nt.key[lo + 2], nt.pinyin[lo + 2])]
        return []

    def _closest(self, k: int, nt: Normalized, readings: list[str], rule: str, credit: bool = False) -> list[Candidate]:
        """The reading that sounds closest to some window of the turn, and those as close as it
        (没看见我在忙 and 没看见我正忙 for 没看见我就忙: the audio tells which)."""
        return self._pick(k, nt, list(zip(readings, self.sounds.best_windows(nt, [_reading(words) for words in readings]))), rule, credit)

    def _pick(self, k: int, nt: Normalized, scored: list, rule: str, credit: bool = False, fires=None) -> list[Candidate]:
        """_closest's choice among (reading, its best window or None) pairs. With `fires`, only
        readings it accepts count: a forbidden reading the checker would not flag in its turn (a
        part whose other part is not there, a look-alike an exception clears) finds nothing even if
        heard, and must not crowd out one that would."""
        found = [
            (got, words)
            for words, got in scored
            if got
            and got[1] >= MIN_SIMILARITY.get(len(_key(words)), MIN_SIMILARITY_LONG)
            and not _request_window(nt, got[0], words)
            and not (fires and _polite_window(nt, got[0], words))
            and not (fires and _across_pause(nt, got[0], words))
        ]
        out: list[Candidate] = []
        for (lo, sim), words in sorted(found, key=lambda w: -w[0][1]):
            if len(out) == MAX_TIED or (out and sim < out[0].similarity - TIE):
                break
            c = _candidate(k, nt, lo, lo + len(_key(words)), words, rule, sim, credit)
            if fires is None or fires(c):
                out.append(c)
        return out
