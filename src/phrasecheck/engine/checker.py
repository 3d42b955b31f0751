"""Rule decisions: which hits become findings, given who spoke, where, and the rule's exceptions."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import regex

from phrasecheck.config.lexicon import EXCEPTION_TIMEOUT_S, Form, GreetingRule, Lexicon, Phrase, compile_forms, default_lexicon_dir, load_words
from phrasecheck.config.profile import Profile
from phrasecheck.data import AGENT, ROLES_INFERRED, Conversation, Finding, Greeting, Result
from phrasecheck.engine.behaviour import Behaviour
from phrasecheck.engine.clauses import CLEAR, REVIEW, Grammar
from phrasecheck.engine.match import Hit, Matcher, Prepared, Span
from phrasecheck.engine.nearmiss import WEI_SPELLINGS, similarity
from phrasecheck.errors import ConfigError
from phrasecheck.scoring.attribution import note_transfer
from phrasecheck.scoring.score import score_result
from phrasecheck.text.normalize import normalize

if TYPE_CHECKING:
    from phrasecheck.engine.model import TurnModel

ERROR = "error"
KIND_LABEL = {"forbidden": "forbidden phrase", "opener": "blunt opening word", "courtesy": "courtesy phrase"}


SHORT_HEARD = 2  # characters: a forbidden reading this short must fit the audio at least as well as the decoded text
SURNAME_TAKEN = "我姓某"  # the garbled surname slot, read as said (_slot_courtesy)
WEI_ALONE = "a spelling of 喂 standing alone at the turn's start: the recognizer's 喂"


def _across(hit: Hit, cut: int, end: int) -> bool:
    """Whether a hit on two agent turns joined at `cut` is the phrase said across them (哪个？/ 他不在,
    有本事 / 你去告, 谁呀？/ 出船了，不在): on each side a word of it, or the whole of that side's turn. One
    character at the end of a longer turn is not (the greeting's last 您 and the next turn's 眼下 are not 你眼瞎)."""
    return (cut - hit.start >= 2 or hit.start == 0) and (hit.end - cut >= 2 or hit.end == end)


def _rereads(heard: Finding, decoded: list[Finding]) -> bool:
    """Whether a forbidden phrase acoustic verification heard lies on words the decoded text already
    gives to another rule: 看能把我怎么这样 is F10 as decoded, and 我怎么知道 heard over its 我怎么这样 would make
    the same words F02 too. One stretch of speech says one thing, and the decoded reading is the one
    the recognizer chose."""
    return heard.kind == "forbidden" and any(
        f.turn == heard.turn and f.id != heard.id and f.kind in ("forbidden", "opener") and f.start_char < heard.end_char and heard.start_char < f.end_char
        for f in decoded
    )


def _short_guess(heard: Finding) -> bool:
    """Whether a forbidden phrase heard is too short to take on a fit below the decoded text's: two
    characters are a token or two, where a fall of up to calls/verify.py's HEARD_TOLERANCE says
    nothing (你瞎 over the 你驾 of 被你吓住, at -1.73: holdout17). Such a reading must fit at least as
    well as what was decoded; on every committed set it was the only one of two characters or fewer."""
    return heard.kind == "forbidden" and len(heard.heard or "") <= SHORT_HEARD and (heard.verify_score or 0.0) < 0.0


def _next_break(text: Prepared) -> int:
    """The first pause written inside text (a key position), 0 if none before its end."""
    return min((b for b in text.nt.breaks if 0 < b < len(text.key)), default=0)


def _wei_alone(text: Prepared) -> int:
    """How many characters open the turn as a spelling of 喂 standing alone (为，还在不在 / 未？/ 为为，):
    为 or 未 with nothing after it before a pause is no word of its own (为您 / 为什么 / 未必 never
    stand so). 0 where the turn does not open so."""
    key = text.key
    n = 2 if len(key) >= 2 and key[0] in WEI_SPELLINGS and key[1] in WEI_SPELLINGS else 1
    if not key or key[0] not in WEI_SPELLINGS or (n < len(key) and n not in text.nt.breaks):
        return 0
    return n


@dataclass(frozen=True)
class Located:
    """A hit placed in the agent's turns: from (turn, start) to (end_turn, end), key positions."""

    turn: int
    start: int
    end_turn: int
    end: int
    score: float
    severity: str | None = None  # set by the clause grammar (review); else the phrase's


CONTINUE_GAP_S = 2.0  # an agent's turns closer than this, the first not ending a sentence, are read as one sentence

# Characters after 我 that say the slot holds something other than a garbled 我姓× (_garbled_surname)
NOT_SURNAME_SLOT = set("是叫们您你帮来给工号的")
# what may stand between a company found by its kind's words and the garbled surname: the rest of the name
COMPANY_TAIL = 4
# A call's company slot the recognizer garbled past the centre's words (服务认陷, 度假期) is taken as
# said from this many characters (_garbled_company): a name and its kind of centre, 开锁服务热线
GARBLED_COMPANY_CHARS = 4
CENTRE_LIKE = 0.6  # how alike (nearmiss.similarity) a garbled slot's end must sound to a centre's words
# A company named in the script's place by a name of its own (_named_in_place): this many characters
# or more besides the service's kinds (京东客服; not 京东 alone, which cannot be told from 在的, 收到, 明白;
# not 售后服务任线), none of the talk said there instead of a name, and no particle at its end (是的, 久等了)
NAME_IN_PLACE_CHARS = 3
NOT_NAME_END = ("的", "了", "啊", "呀", "好", "吗", "呢", "吧", "哈")
# talk said in the company's place instead of a name, and the offer's own words (您好，有什么问题我可以帮您)
SLOT_TALK = ("久等", "等待", "抱歉", "不好意思", "打扰", "对不起", "感谢", "谢谢", "高兴", "请", "麻烦", "稍等", "先生", "女士", "小姐")
# (帮 only as a word of help: 过磅 decoded 国帮 is still a name, holdout33)
SLOT_TALK += ("吗", "呢", "吧", "什么", "怎么", "哪", "谁", "问题", "帮忙", "帮助", "帮到", "可以", "需要")
NAME_IN_PLACE_LONGEST = 16  # a company's name, not a sentence
WELCOME_WORDS = ("欢迎致电", "欢迎来电", "感谢致电", "感谢来电", "欢迎光临", "欢迎")  # 您好，欢迎来电，我姓王 names no company
# words.yaml's organisations name the company only after a name of at least this many characters
# that is not itself a centre's kind (客服中心 alone names no company)
ORG_NAME_SHORTEST = 2
NO_ORG_NAME = ("客服", "服务", "售后", "客户", "呼叫", "预约")
# The words before a centre's kind that still name no company (这里是售后服务热线, 全国统一客服热线): the place
# word, a welcome, and the service's own kinds (_names_no_company)
HERE_WORDS = ("这里是", "这边是", "这是", "我们是", "我们这里是")
GENERIC_NAME = NO_ORG_NAME + ("全国", "统一", "官方", "在线", "维修", "投诉", "咨询", "人工")
GREETING_PARTS_LABEL = {"greeting": "greeting word", "company": "company", "surname": "surname", "offer": "offer of help"}


class Checker:
    """Applies one lexicon and profile to conversations. Holds no per-conversation state."""

    def __init__(self, lexicon: Lexicon, profile: Profile):
        self.lexicon = lexicon
        self.profile = profile
        # Every rule is judged and --select/--ignore only narrow what is reported (_reported): rules
        # decide together (an opening 喂 is O01, not also F01; the greeting's script finds courtesy
        # phrases), so leaving one out must not change what another finds.
        self.phrases = list(lexicon.phrases)
        self._of_kind = {kind: [p for p in self.phrases if p.kind == kind] for kind in ("opener", "forbidden", "courtesy")}
        self._by_id = {p.id: p for p in self.phrases}  # O01 / F01, which the call's 喂 spellings stand for (None where not in the lexicon)
        self.greeting = lexicon.greeting
        self._company_forms = self._pin_company(self.greeting, profile.company) if self.greeting else []
        # Where no profile names the company and the greeting names no centre (客服中心, 热线 …), the
        # organisation said by what it is (上海迪士尼度假区, 马龙齿科: words.yaml `organisations`) names it
        named = profile.company or not self.greeting or "company" not in self.greeting.parts
        self._org_forms = [] if named else compile_forms(list(self.words.get("organisations", [])))
        extra = [f for forms in (self.greeting.parts.values() if self.greeting else []) for f in forms]
        self.matcher = Matcher(self.phrases, inside="".join(self.words.get("inside", [])), thresholds={p.id: self.threshold(p) for p in self.phrases})
        for form in extra + self._company_forms + self._org_forms:
            for part in form.parts:
                self.matcher.pattern(part)
        self.behaviour = Behaviour(lexicon.behaviour, profile, self.matcher)
        self.fatal = set(profile.fatal) if profile.fatal is not None else {p.id for p in lexicon.phrases if p.fatal}
        self._grammar: Grammar | None = None
        self.model = _load_model(lexicon)
        self.cached_as: Path | None = None  # its file in the rules cache (compiled.py), where tables built on it are kept too
        _known_ids(lexicon, profile)

    @cached_property
    def words(self) -> dict[str, list[str]]:
        """The lexicon's words.yaml lists (the default pack's where it has none)."""
        return self.lexicon.words or load_words(default_lexicon_dir() / "words.yaml")

    @property
    def grammar(self) -> Grammar:
        """The clause judges with the lexicon's word lists."""
        if self._grammar is None:
            self._grammar = Grammar(self.words)
        return self._grammar

    @staticmethod
    def _pin_company(rule: GreetingRule, companies: list[str]) -> list[Form]:
        if not companies or "company" not in rule.parts:
            return rule.parts.get("company", [])
        return compile_forms([f.text.replace("××", name) for f in rule.parts["company"] for name in companies])

    def threshold(self, phrase: Phrase) -> float:
        return self.profile.thresholds.get(phrase.id, phrase.threshold)

    # --- the pipeline for one conversation ---------------------------------------------------

    def check(self, conv: Conversation, model: bool = True) -> Result:
        """model=False: the lexicon's findings only (nearmiss.py proposes readings for what the lexicon missed)."""
        result = self._check(conv)
        if any(t.heard for t in conv.turns):
            self._add_heard(result)
        if model and self.model is not None:  # after what was heard: the lexicon's finding on the heard words comes first
            result.findings += self._model_findings(conv, [i for i, _ in conv.agent_turns()], result.findings)
            result.findings.sort(key=lambda f: (f.turn, f.start_char, f.id))
        if conv.is_call:
            self._confidence(result)
        self._reported(result)
        note_transfer(result)
        result.attitude_score = score_result(result, self.profile.weights, self.fatal, self.profile.count_review)
        return result

    def _check(self, conv: Conversation) -> Result:
        agent = conv.agent_turns()
        idx = [i for i, _ in agent]
        texts = [self.matcher.prepare(t.text) for _, t in agent]
        findings: list[Finding] = []
        openers, block_end = self._openers(conv, idx, texts)
        findings += openers
        findings += self._forbidden(conv, idx, texts, block_end)
        courtesy = self._courtesy(conv, idx, texts)
        greeting, greeting_findings = self._greeting(conv, idx, texts)
        behaviour = self.behaviour.check(conv)
        findings = greeting_findings + findings + behaviour.findings
        findings.sort(key=lambda f: (f.turn, f.start_char, f.id))
        notes = list(behaviour.notes)
        if greeting.garbled_company is not None:
            notes.append(f"{self.greeting.id}: company taken as said: the recognizer wrote {greeting.garbled_company} where the script names the centre")
        if greeting.garbled_surname is not None:
            notes.append(f"{self.greeting.id}: surname taken as said: the recognizer wrote {greeting.garbled_surname} where the script has 我姓×")
            courtesy = self._in_order(conv, courtesy + self._slot_courtesy(conv, idx, texts, courtesy, greeting.slot))
        if greeting.script is not None:
            courtesy = self._in_order(conv, courtesy + self._script_courtesy(conv, idx, texts, courtesy, greeting.script))
        return Result(conversation=conv, findings=findings, courtesy=courtesy, greeting=greeting, notes=notes)

    def _reported(self, result: Result) -> None:
        """Keep what the profile's select/ignore report: the findings and courtesy phrases of enabled
        rules, and the greeting only where its rule is enabled (else it counts as not checked)."""
        enabled = self.profile.enabled
        result.findings = [f for f in result.findings if enabled(f.id)]
        result.courtesy = [f for f in result.courtesy if enabled(f.id)]
        if self.greeting is not None and not enabled(self.greeting.id):
            result.greeting = Greeting(ok=True, text="")
            result.notes = [n for n in result.notes if not n.startswith(f"{self.greeting.id}:")]

    def _confidence(self, result: Result) -> None:
        """Each call finding gets the recognizer's probability of its words; a forbidden phrase or
        opener heard with less than the profile's min_confidence goes to review (复核) at no cost."""
        floor = self.profile.min_confidence
        for f in (*result.findings, *result.courtesy):
            turn = result.conversation.turns[f.turn] if 0 <= f.turn < len(result.conversation.turns) else None
            probs = turn.word_probs(f.start_char, f.end_char) if turn else []
            if not probs:
                continue
            f.word_probs = probs
            if floor is not None and f.kind in ("forbidden", "opener") and f.severity in ("error", "warning") and min(probs) < floor:
                f.severity = REVIEW
                f.message += f" (recognizer unsure: word probability {min(probs):.2f} < {floor:.2f}; for review, not counted until confirmed)"

    def _add_heard(self, result: Result) -> None:
        """What acoustic verification heard (Turn.heard, calls/verify.py: 烦死人了 where 反此言论 was
        decoded) checked as if decoded: a finding only the heard words give is added, quoting the
        decoded characters and saying what was heard; a greeting part heard completes the greeting."""
        conv = result.conversation
        heard = HeardView(conv)
        alt = self._check(heard.conversation)
        have = {(f.id, f.turn) for f in result.findings}
        decoded = list(result.findings)
        for f in alt.findings:
            if f.kind in ("behaviour", "greeting") or (f.id, f.turn) in have:
                continue
            mapped = heard.finding(f)
            if mapped is not None and not _rereads(mapped, decoded) and not _short_guess(mapped):
                result.findings.append(mapped)
        have_courtesy = {(f.id, conv.agent_of(f.turn)) for f in result.courtesy}
        for f in alt.courtesy:
            if (f.id, conv.agent_of(f.turn)) not in have_courtesy and (mapped := heard.finding(f)) is not None:
                result.courtesy.append(mapped)
        if not result.greeting.ok and len(alt.greeting.missing) < len(result.greeting.missing):
            gained = [m for m in result.greeting.missing if m not in alt.greeting.missing]
            what = ", ".join(GREETING_PARTS_LABEL[m] for m in gained)
            result.notes.append(f"{self.greeting.id}: {what} heard by acoustic verification ({heard.said(alt.greeting.turn)})")
            result.greeting = replace(alt.greeting, text=result.greeting.text)
            result.findings = [f for f in result.findings if f.kind != "greeting"] + [
                heard.finding(f, whole_turn=True) for f in alt.findings if f.kind == "greeting"
            ]
        result.findings.sort(key=lambda f: (f.turn, f.start_char, f.id))

    def _best(self, phrase: Phrase, text: Prepared, anchored: bool = False) -> Hit | None:
        hits = self._hits(phrase, text, anchored)
        return hits[0] if hits else None

    def _hits(self, phrase: Phrase, text: Prepared, anchored: bool = False) -> list[Hit]:
        """Each viable form's hit, the best score first (the first form written wins a tie)."""
        if phrase.id not in self.matcher.candidates(text):
            return []
        threshold = self.threshold(phrase)
        hits = [hit for form in self.matcher.viable(phrase, text, threshold) if (hit := self.matcher.find_form(form, text, threshold, anchored))]
        return sorted(hits, key=lambda h: -h.score)

    def _openers(self, conv: Conversation, idx: list[int], texts: list[Prepared]) -> tuple[list[Finding], int]:
        """The blunt words that open the agent's first turn, as a block: 喂，讲话 is O01 and O02.
        Also where the block ends in that turn's text (0: no opener)."""
        if not texts:
            return [], 0
        out: list[Finding] = []
        text, shift, seen = texts[0], 0, set()
        spelt = self._wei_spelling(conv, idx, texts)
        if spelt is not None:
            out.append(spelt)
            seen.add(spelt.id)
            shift = 2 if len(texts[0].key) > 1 and texts[0].key[1] in WEI_SPELLINGS else 1
            text = (
                self.matcher.prepare(texts[0].nt.original[texts[0].nt.span(shift, shift + 1)[0] :]) if shift < len(texts[0].key) else self.matcher.prepare("")
            )
        homophones: set[str] = set()  # ids found only as a homophone at the call's first words
        last: str | None = None  # the grammar of the opener found last
        while text.key:
            found = None
            for phrase in self._of_kind["opener"]:
                hit = self._best(phrase, text, anchored=True)
                if hit is None and conv.is_call and (hit := self._homophone_at_start(phrase, text)):
                    homophones.add(phrase.id)
                if hit and self._excepted(phrase, text, hit):
                    hit = None  # an opener's exceptions too (想话费: the phone bill)
                if hit and phrase.grammar:
                    start, end = text.nt.span(hit.start, hit.end)
                    if self.grammar.judge(phrase.grammar, text.nt.original, start, end) == CLEAR:
                        hit = None
                if hit and (found is None or hit.end > found[1].end):
                    found = (phrase, hit)
            if found is None and last == "where_opener" and (pause := _next_break(text)) and self.grammar.where_tail(text.key[:pause]):
                # 哪里打来的，找谁: the call words the 哪里 judge read are the opener's own; what follows
                # the pause may open the block further
                shift += pause
                text = self.matcher.prepare(texts[0].nt.original[texts[0].nt.span(shift, shift + 1)[0] :])
                last = None
                continue
            if found is None and seen and (asked := self._who_asked(text)):
                # 喂，哪位？讲话: a bare "who is it" between blunt openers is no opener of the four (the
                # labelled sets write 喂，哪位？ as O01 alone) but does not end the block either
                shift += asked
                text = self.matcher.prepare(texts[0].nt.original[texts[0].nt.span(shift, shift + 1)[0] :])
                last = None
                continue
            if found is None:
                o01 = self._by_id.get("O01")
                alone = _wei_alone(text) if o01 and conv.is_call and seen and o01.id not in seen else 0
                if alone:  # 叫谁爱为 (找谁啊？喂？): a spelling of 喂 standing alone after another blunt opener
                    finding = self._finding(o01, Located(0, shift, 0, shift + alone, 95.0), conv, idx, texts)
                    out.append(replace(finding, message=f"{finding.message} ({WEI_AFTER_OPENER})"))
                    shift += alone
                break
            phrase, hit = found
            last = phrase.grammar
            if phrase.id not in seen:  # 喂喂，找谁: O01 once, then O04
                seen.add(phrase.id)
                finding = self._finding(phrase, Located(0, shift + hit.start, 0, shift + hit.end, hit.score), conv, idx, texts)
                if phrase.id in homophones and hit.score < 100:
                    finding = replace(finding, message=f"{finding.message} ({HOMOPHONE_AT_START})")
                out.append(finding)
            shift += hit.end
            if shift + 1 < len(texts[0].key) and (shift + 1 in texts[0].nt.breaks or texts[0].key[shift] in OPENER_PARTICLES):
                # one character alone before the pause is the opener's particle: 那礼案，讲话 (哪里啊，讲话);
                # a particle is one with the pause dropped too (叫谁呀讲话的)
                shift += 1
            if shift >= len(texts[0].key):
                break
            # the rest of the turn, prepared on its own: its key is texts[0].key[shift:]
            text = self.matcher.prepare(texts[0].nt.original[texts[0].nt.span(shift, shift + 1)[0] :])
        return out, (texts[0].nt.span(0, shift)[1] if shift else 0)

    def _who_asked(self, text: Prepared) -> int:
        """How many characters open text as a bare "who is it" (哪位, 谁啊) with a blunt opener right
        after it, with or without the pause (为哪位讲话: 喂，哪位？讲话 as decoded); 0 if none."""
        for asked in sorted(WHO_ASKED, key=len, reverse=True):
            n = len(asked)
            if text.key[:n] != asked:
                continue
            n += n < len(text.key) and text.key[n] in OPENER_PARTICLES
            if n >= len(text.key):
                return 0
            rest = self.matcher.prepare(text.nt.original[text.nt.span(n, n + 1)[0] :])
            return n if any(self._best(phrase, rest, anchored=True) for phrase in self._of_kind["opener"]) else 0
        return 0

    def _homophone_at_start(self, phrase: Phrase, text: Prepared) -> Hit | None:
        """An opener of two or more characters written with other characters of the same syllables in
        another tone (照谁 for 找谁, 将话 for 讲话), standing alone at the start of what is left of the
        call's first turn: the recognizer picks characters by sound there, and the place says which
        words were meant. Never a longer word that begins so (江华物业…: no pause after it). Toneless
        pinyin as the matcher keeps it for the text and for each part."""
        for form in phrase.forms:
            if len(form.parts) != 1 or len(form.parts[0].key) < 2:
                continue
            key = form.parts[0].key
            m = len(key)
            # before the pause, or before one character and the pause (or the turn's end) where the grammar
            # judges what follows (那礼压， for 哪里呀？; 你找水子 ending the turn for 你找谁呀)
            ends = m == len(text.key) or m in text.nt.breaks or (phrase.grammar is not None and (m + 1 in text.nt.breaks or m + 1 == len(text.key)))
            if text.key[:m] == key or len(text.key) < m or not ends:
                continue
            if text.pinyin_codes[:m] == self.matcher.pattern(form.parts[0]).prepared.pinyin_codes:
                return Hit(form, 0, m, HOMOPHONE_SCORE)
        return None

    def _wei_spelling(self, conv: Conversation, idx: list[int], texts: list[Prepared]) -> Finding | None:
        """O01 on a call whose agent opens with a spelling of 喂 (为/未/魏, the same sound) followed by
        another blunt opener (为讲话, 为你找谁, 魏魏): the position says what the characters cannot."""
        phrase = self._by_id.get("O01")
        key = texts[0].key
        if phrase is None or not conv.is_call or not key or key[0] not in WEI_SPELLINGS:
            return None
        alone = _wei_alone(texts[0])
        if alone:
            finding = self._finding(phrase, Located(0, 0, 0, alone, 95.0), conv, idx, texts)
            return replace(finding, message=f"{finding.message} ({WEI_ALONE})")
        rest = self.matcher.prepare(texts[0].nt.original[texts[0].nt.span(1, 2)[0] :])
        # or the blunt 说吧 of 喂，说吧 (words.yaml's wei_next), which no sentence opens with 为/未/位
        nxt = next((w for w in self.words.get("wei_next", []) if (k := self.matcher.prepare(w).key) and rest.key.startswith(k)), None)
        if nxt is None and not (key[1] in WEI_SPELLINGS or any(self._best(p, rest, anchored=True) for p in self._of_kind["opener"] if p.id != "O01")):
            return None
        before = f"before {nxt}" if nxt is not None and key[1] not in WEI_SPELLINGS else "before another opener"
        finding = self._finding(phrase, Located(0, 0, 0, 2 if key[1] in WEI_SPELLINGS else 1, 95.0), conv, idx, texts)
        return replace(finding, message=f"{finding.message} (said as the call's first word {before}: the recognizer's spelling of 喂)")

    def _wei_spelt_alone(self, conv: Conversation, idx: list[int], texts: list[Prepared], taken: set[int]) -> list[Finding]:
        """F01 for a later agent turn of a call that opens with a spelling of 喂 standing alone
        (为，还在不在 after a hold): see _wei_alone. Turn 0 is the opening block's (O01). Not on a
        single-channel call: whose turn it is there is itself a guess, and a customer back from a
        wait says 喂，你还在吗 too; a guessed word on a guessed speaker is no accusation."""
        phrase = self._by_id.get("F01")
        if phrase is None or not conv.is_call or conv.roles == ROLES_INFERRED:
            return []
        out = []
        for k, text in enumerate(texts):
            alone = _wei_alone(text) if k and k not in taken else 0
            if alone:
                finding = self._finding(phrase, Located(k, 0, k, alone, 95.0), conv, idx, texts)
                out.append(replace(finding, message=f"{finding.message} ({WEI_ALONE})"))
        return out

    def _forbidden(self, conv: Conversation, idx: list[int], texts: list[Prepared], block_end: int) -> list[Finding]:
        """Each forbidden phrase once per agent turn, also when said across two turns (有本事 / 你去告).

        Only phrases the n-gram index names as candidates for a turn (or for the turn joined to the
        agent's next one) are aligned at all."""
        taken: dict[str, set[int]] = {}  # phrase id -> agent turns where it was already reported
        out = []
        for k, text in enumerate(texts):
            pair = self.matcher.join(text, texts[k + 1]) if k + 1 < len(texts) else None
            for phrase, at in self._located(text, pair, self._continued(conv, idx, k)):
                if k in taken.get(phrase.id, ()):
                    continue
                loc = replace(at, turn=k + at.turn, end_turn=k + at.end_turn)
                finding = self._finding(phrase, loc, conv, idx, texts)
                if loc.turn == 0 and finding.start_char < block_end:
                    continue  # the opening block's words are openers: 喂喂 opening the call is O01, not also F01
                taken.setdefault(phrase.id, set()).update({loc.turn, loc.end_turn})
                out.append(finding)
        return out + self._wei_spelt_alone(conv, idx, texts, taken.get("F01", set()))

    def _model_findings(self, conv: Conversation, idx: list[int], found: list[Finding]) -> list[Finding]:
        """The n-gram model's second opinion (engine/model.py): a forbidden rule it hears in an agent
        turn where the lexicon found that rule nowhere in the agent's part, an error above the `model: error` level and
        for review above the `review` level. The evidence is the clause (or two) that scores highest.

        A turn where the lexicon met the rule's words and its exceptions or grammar cleared them
        (不知道亲是否方便呢, 库房已经下班了) is left alone, and so is one an exception clears anywhere. Where `error` is set, the model alone
        still accuses no one: its finding is an error only where the lexicon found a forbidden phrase
        by the same agent in the same conversation, but not in this turn, the model hears no other rule in
        the turn, and the turn does not say 您 (a look-alike's mark: 87% of the polite banks' turns, 9% of
        the rude ones); else it is for review."""
        settings = self.lexicon.model
        if self.model is None or settings is None or not idx:
            return []
        levels = [(ERROR, settings.error), (REVIEW, settings.review)]
        rules = [(j, self._by_id[r]) for j, r in enumerate(self.model.rules) if r in self._by_id and self._by_id[r].kind == "forbidden"]
        # a rule the lexicon found for this agent anywhere in the conversation: a second listing adds nothing to review
        have = {(f.id, conv.agent_of(t)) for f in found if f.kind == "forbidden" for t in (f.turn, f.end_turn) if t is not None}
        rude = {conv.agent_of(f.turn) for f in found if f.kind == "forbidden" and f.severity == ERROR}
        # a turn whose words the lexicon already named as a rule: the model reading them as another is
        # the sibling rules' overlap (F04/F05 both say 急什么, F10/F11 爱…不…), never a second offence
        named = {t for f in found if f.kind == "forbidden" for t in (f.turn, f.end_turn) if t is not None}
        scores = self.model.scores([conv.turns[i].text for i in idx])
        out = []
        listed = max((level for _, level in levels if level is not None), default=0)
        for k, i in enumerate(idx):
            # two rules heard in one turn (F05 and F12 in 嚷嚷什么，我这不正要查吗): which one it is, the model cannot say
            torn = sum(scores[k, j] > self.model.threshold(phrase.id, listed) for j, phrase in rules) > 1
            for j, phrase in rules:
                value = scores[k, j]
                severity = next((sev for sev, level in levels if level is not None and value > self.model.threshold(phrase.id, level)), None)
                if severity is None or (phrase.id, conv.agent_of(i)) in have:
                    continue
                t = conv.turns[i]
                prepared = self.matcher.prepare(t.text)
                if self._hits(phrase, prepared) or self._excepted(phrase, prepared, Hit(phrase.forms[0], 0, len(prepared.key), 0.0)):
                    continue  # the lexicon met the rule's words here and cleared them (不知道亲是否方便呢), or an exception matches anywhere in it
                start, end = self.model.evidence(t.text, phrase.id)
                why = "said in other words: the n-gram model hears it, no form matched"
                if severity == ERROR and (
                    conv.agent_of(i) not in rude or i in named or torn or "您" in t.text or _quoted(t.text, start, end) or _said_back(t.text, start)
                ):
                    severity = REVIEW
                if severity == REVIEW:
                    why += "; for review, not counted until confirmed"
                start_s, end_s = _times(t, start, end)
                confidence = round(100 / (1 + math.exp(-float(value))), 1)
                out.append(
                    Finding(
                        phrase.id,
                        "forbidden",
                        i,
                        start,
                        end,
                        t.text[start:end],
                        confidence,
                        f"{KIND_LABEL['forbidden']} {phrase.text} ({why})",
                        phrase.suggestion,
                        severity,
                        start_s,
                        end_s,
                    )
                )
        return out

    def says(self, rule_id: str, text: str) -> bool:
        """Whether one agent turn's text says the forbidden phrase rule_id on its own (exceptions and the
        clause grammar applied): whether a reading of a call's turn would be flagged for it (nearmiss.py
        asks it of every reading it weighs, so only that rule is located)."""
        prepared = self.matcher.prepare(text)
        phrase = next((p for p in self._of_kind["forbidden"] if p.id == rule_id), None)
        return phrase is not None and rule_id in self.matcher.candidates(prepared) and self._locate(phrase, prepared, 0, None) is not None

    def _continued(self, conv: Conversation, idx: list[int], k: int) -> Prepared | None:
        """Agent turn k and the agent's next turn as one sentence, where a call's recognizer or a
        customer's 嗯 cut one utterance in two: the next starts within CONTINUE_GAP_S and k does not
        end a sentence. None in chats (a message ends a sentence) and elsewhere."""
        if k + 1 >= len(idx):
            return None
        a, b = conv.turns[idx[k]], conv.turns[idx[k + 1]]
        if a.end_s is None or b.start_s is None or b.start_s - a.end_s > CONTINUE_GAP_S or a.text.rstrip()[-1:] in "。！？!?":
            return None
        return self.matcher.prepare(a.text.rstrip().rstrip("，,、") + b.text)

    def _located(self, text: Prepared, pair: Prepared | None, continued: Prepared | None = None) -> list[tuple[Phrase, Located]]:
        """_locate of every candidate forbidden phrase in a turn (as turn 0) and its pair with the next
        turn, kept on the pair (or the last turn): both come back from the matcher's caches. A call's
        sentence cut in two (`continued`) is part of the key: its exceptions read on into it."""
        memo = (pair or text).hits
        key = ("forbidden", pair is None, continued.nt.original if continued is not None else None)
        got = memo.get(key)
        if got is None:
            ids = self.matcher.candidates(text) | (self.matcher.candidates(pair) if pair else set())
            got = memo[key] = [(p, loc) for p in self._of_kind["forbidden"] if p.id in ids and (loc := self._locate(p, text, 0, pair, continued))]
        return got

    def _locate(self, phrase: Phrase, text: Prepared, k: int, pair: Prepared | None, continued: Prepared | None = None) -> Located | None:
        """The phrase in agent turn k, or across turn k and the agent's next turn (`pair`)."""
        hits = self._hits(phrase, text)
        for hit in hits:
            # best first; a hit the exceptions or the grammar clear does not hide another form's hit
            # elsewhere in the turn (下班 cleared as the warehouse's, then 你有啥事明儿再来 on its own)
            if self._excepted(phrase, text, hit) or self._excepted_after(phrase, text, hit, continued):
                continue
            severity = self._judge(phrase, text, hit)
            if severity != CLEAR:
                return Located(k, hit.start, k, hit.end, hit.score, severity)
        if hits:
            return self._next_occurrence(phrase, text, k, hits[0])
        if pair is None:
            return None
        cut = len(text.key)
        hit = self._best(phrase, pair)
        if hit is None or not hit.start < cut < hit.end or not _across(hit, cut, len(pair.key)) or self._excepted(phrase, pair, hit):
            return None
        severity = self._judge(phrase, pair, hit)
        if severity == CLEAR:
            return None
        return Located(k, hit.start, k + 1, hit.end - cut, hit.score, severity)

    def _excepted_after(self, phrase: Phrase, text: Prepared, hit: Hit, continued: Prepared | None) -> bool:
        """A hit that ends its turn, read on into the rest of the sentence (`_continued`): a
        customer's 嗯 can cut 不知道 / 您方便吗 in two, and the exception must still see 不知道您…"""
        if continued is None or hit.end < len(text.key) or continued.key[: len(text.key)] != text.key:
            return False
        if self._excepted(phrase, continued, hit):
            return True
        return phrase.grammar is not None and self._judge(phrase, continued, hit) == CLEAR

    def _judge(self, phrase: Phrase, text: Prepared, hit: Hit) -> str | None:
        """The clause grammar's verdict on a hit (engine/clauses.py): CLEAR, REVIEW or None (as the lexicon says)."""
        if not phrase.grammar:
            return None
        start, end = text.nt.span(hit.start, hit.end)
        verdict = self.grammar.judge(phrase.grammar, text.nt.original, start, end)
        return verdict if verdict in (CLEAR, REVIEW) else None

    def _next_occurrence(self, phrase: Phrase, text: Prepared, k: int, cleared: Hit) -> Located | None:
        """After a cleared hit, the phrase said again word for word later in the turn (他不知道，我也不知道)."""
        keys = {form.parts[0].key for form in phrase.forms if len(form.parts) == 1}
        lo = cleared.end
        while True:
            at = min(((text.key.find(key, lo), key) for key in keys if text.key.find(key, lo) >= 0), default=None)
            if at is None:
                return None
            start, key = at
            hit = Hit(cleared.form, start, start + len(key), 100.0)
            if not self._excepted(phrase, text, hit):
                severity = self._judge(phrase, text, hit)
                if severity != CLEAR:
                    return Located(k, hit.start, k, hit.end, hit.score, severity)
            lo = start + len(key)

    @staticmethod
    def _excepted(phrase: Phrase, text: Prepared, hit: Hit) -> bool:
        if not phrase.exceptions:
            return False
        marked, where = text.nt.with_breaks  # computed once per turn, not per exception check
        start, end = where[hit.start], where[hit.end - 1] + 1
        for pattern in phrase.exceptions:
            try:
                if any(m.start() < end and m.end() > start for m in pattern.finditer(marked, timeout=EXCEPTION_TIMEOUT_S)):
                    return True
            except TimeoutError:
                raise ConfigError(
                    phrase.source, f"{phrase.id}: exception pattern {pattern.pattern!r} ran over {EXCEPTION_TIMEOUT_S} s on one turn; simplify it", phrase.line
                ) from None
        return False

    def _courtesy(self, conv: Conversation, idx: list[int], texts: list[Prepared]) -> list[Finding]:
        """Each courtesy phrase at its first use, as evidence (by each agent, in a transfer)."""
        found: dict[tuple[str, str], Finding] = {}
        for k, text in enumerate(texts):
            agent = conv.agent_of(idx[k])
            for phrase, hit in self._courtesy_hits(text):
                if (agent, phrase.id) not in found:
                    found[agent, phrase.id] = self._finding(phrase, Located(k, hit.start, k, hit.end, hit.score), conv, idx, texts)
        return self._in_order(conv, list(found.values()))

    def _in_order(self, conv: Conversation, courtesy: list[Finding]) -> list[Finding]:
        """Courtesy evidence by agent (in order of speaking), then in the lexicon's order."""
        order = {p.id: i for i, p in enumerate(self._of_kind["courtesy"])}
        agents = conv.agents()
        return sorted(courtesy, key=lambda f: (agents.index(conv.agent_of(f.turn)), order[f.id]))

    def _courtesy_hits(self, text: Prepared) -> list[tuple[Phrase, Hit]]:
        """The courtesy phrases said in a turn (not excepted), kept on the prepared turn."""
        got = text.hits.get(("courtesy",))
        if got is None:
            ids = self.matcher.candidates(text)
            got = text.hits["courtesy",] = [
                (p, hit) for p in self._of_kind["courtesy"] if p.id in ids and (hit := self._best(p, text)) and not self._excepted(p, text, hit)
            ]
        return got

    # --- greeting ------------------------------------------------------------------------------

    def _greeting(self, conv: Conversation, idx: list[int], texts: list[Prepared]) -> tuple[Greeting, list[Finding]]:
        rule = self.greeting
        if rule is None:
            return Greeting(ok=True, text=""), []
        if not idx:
            greeting = Greeting(ok=False, text="", missing=[p for p in GREETING_PARTS_LABEL if p in rule.parts])
            return greeting, [Finding(rule.id, "greeting", 0, 0, 0, "", 100.0, "the agent never spoke", rule.suggestion)]
        block = self._opening_block(conv, idx)
        text = texts[0]  # the block's turns are the first agent turns, already prepared
        for k in range(1, len(block)):
            text = self.matcher.join(text, texts[k])
        missing = []
        head = None
        for form in rule.parts["greeting"]:
            head = self.matcher.find_form(form, text, rule.threshold, anchored=True)
            if head:
                break
        if head is None:
            missing.append("greeting")
        after = head.end if head else 0
        company = self._find_any(self._company_forms, text, after + (1 if head else 0), rule.threshold) if "company" in rule.parts else None
        if company is not None and not self.profile.company and self._names_no_company(text.key[after : company.start]):
            company = None
        if company is None and self._org_forms:
            company = self._organisation(text, after, rule.threshold)
        offer = self._find_any(rule.parts["offer"], text, after, rule.threshold)
        surname = self._find_any(rule.parts["surname"], text, after, rule.threshold) if "surname" in rule.parts else None
        garbled_company = None
        if "company" in rule.parts and company is None and head is not None and not self.profile.company:
            company = self._named_in_place(text, head, surname, offer)
            if company is not None and conv.is_call:  # as decoded, for the QA lead to hear whether it is the centre
                garbled_company = text.nt.original[slice(*text.nt.span(company.start, company.end))].strip("，,。 ")
            elif conv.is_call:
                company, garbled_company = self._garbled_company(text, head, surname, offer)
        if "company" in rule.parts and company is None:
            missing.append("company")
        garbled, slot_start = None, 0
        if "surname" in rule.parts:
            if surname is None or surname.end >= len(text.key):
                found = self._garbled_surname(text, company, offer) if conv.is_call else None
                if found is None:
                    missing.append("surname")
                else:
                    slot_start, garbled = found
        if offer is None:
            missing.append("offer")
        first = conv.turns[block[0]]
        slot = (slot_start, offer.start) if garbled is not None and offer.start <= len(texts[0].key) else None
        script = None
        if not missing and head is not None and text.key[head.start : head.end] in rule.time_of_day:
            script = (head.start, min(offer.end, len(texts[0].key)))
        greeting = Greeting(
            ok=not missing, text=first.text, missing=missing, turn=block[0], garbled_surname=garbled, garbled_company=garbled_company, slot=slot, script=script
        )
        findings = []
        wrong_time = self._time_of_day(rule, conv, text.key[head.start : head.end]) if head is not None else None
        if missing:
            what = ", ".join(GREETING_PARTS_LABEL[m] for m in missing)
            # the greeting word said at the wrong time too (上午好 at 19:40): one finding says both
            message = f"greeting incomplete: no {what}" + (f"; {wrong_time[0]}" if wrong_time else "")
            findings.append(self._turn_finding(rule, conv, block[0], message, 90.0, wrong_time))
        elif wrong_time:
            findings.append(replace(self._turn_finding(rule, conv, block[0], wrong_time[0], 100.0, wrong_time), severity="warning"))
        return greeting, findings

    def _slot_courtesy(self, conv: Conversation, idx: list[int], texts: list[Prepared], courtesy: list[Finding], slot) -> list[Finding]:
        """The courtesy phrases that say the greeting's script (上午好…我姓×…) read with the garbled
        surname taken as said, as the greeting is: quoted as decoded."""
        if slot is None:
            return []
        lo, hi = slot
        first = texts[0]
        start, end = first.nt.span(lo, hi) if hi > lo else (first.nt.index[lo],) * 2
        read = self.matcher.prepare(first.nt.original[:start] + SURNAME_TAKEN + first.nt.original[end:])
        shift = len(SURNAME_TAKEN) - (hi - lo)
        agent = conv.agent_of(idx[0])
        have = {f.id for f in courtesy if conv.agent_of(f.turn) == agent}
        out = []
        for phrase, hit in self._courtesy_hits(read):
            if phrase.id in have or not hit.start <= lo < hit.end:
                continue
            f = self._finding(phrase, Located(0, hit.start, 0, max(hit.end - shift, hi), hit.score), conv, idx, texts)
            out.append(replace(f, message=f"{f.message} (surname taken as said)"))
        return out

    def _script_courtesy(self, conv: Conversation, idx: list[int], texts: list[Prepared], courtesy: list[Finding], span: tuple[int, int]) -> list[Finding]:
        """The courtesy phrases that are the greeting's script (C02: 上午好，××客服中心，我姓×，请问…), used
        where the greeting check found the whole script opened with a time-of-day word: it reads the
        company, the surname and the offer as the recognizer garbled them (上午好,协定滑雪场由客服务中心,
        我心痛,请问有什么可以帮您), which the phrase's own forms, matched as text, do not."""
        agent = conv.agent_of(idx[0])
        have = {f.id for f in courtesy if conv.agent_of(f.turn) == agent}
        out = []
        for phrase in self._of_kind["courtesy"]:
            if phrase.script and phrase.id not in have:
                f = self._finding(phrase, Located(0, span[0], 0, span[1], 100.0), conv, idx, texts)
                out.append(replace(f, message=f"{f.message} (the whole script, as the greeting check read it)"))
        return out

    def _named_in_place(self, text: Prepared, head, surname, offer) -> Span | None:
        """The company said by a name of its own in the script's place, whatever its trade (您好，翻芯旧机回收，
        我姓亓; 榕递格驿站; 蚁驰换电客服): the words right between the greeting word and the surname (or the
        offer where no surname is found: 我 starts the surname's slot then), after a place word or a
        welcome, of NAME_IN_PLACE_CHARS or more, all Chinese. Not the service's own kinds alone (这里是
        客服中心), nor talk (久等了, 打扰了, 请问是王先生吗: SLOT_TALK, 您/你/我), nor a greeting said twice."""
        end = next((p.start for p in (surname, offer) if p is not None and p.start > head.end), None)
        if end is None:
            return None
        slot = text.key[head.end : end]
        if surname is None and "我" in slot:
            slot = slot[: slot.index("我")]
        name = Checker._after_place(slot)
        if not NAME_IN_PLACE_CHARS <= len(name) <= NAME_IN_PLACE_LONGEST or any(not "\u4e00" <= ch <= "\u9fff" or ch in "您你我" for ch in name):
            return None
        own = name
        while kind := next((w for w in self._slot_end_words if own.endswith(w)), None):
            own = own[: -len(kind)]  # 客服中心 and 售后服务热线 are the service's kinds, no name of its own
        own = Checker._after_generic(own)  # 售后服务任线: the recognizer's 热线 is no name either
        if len(own) < NAME_IN_PLACE_CHARS or any(w in name for w in SLOT_TALK) or name.endswith(NOT_NAME_END):
            return None
        hi = head.end + len(slot)
        return Span(hi - len(name), hi, 0.0)

    @staticmethod
    def _names_no_company(name: str) -> bool:
        """Whether the words before a centre's kind name no company: nothing but a place word or a
        welcome and the service's own kinds (这里是 + 客服中心, 售后 + 服务热线, 全国统一 + 客服热线)."""
        return not Checker._after_generic(Checker._after_place(name))

    @staticmethod
    def _after_generic(name: str) -> str:
        """A name's words after the service's own kinds at its start (售后, 客服, 全国统一 …: GENERIC_NAME)."""
        while word := next((w for w in GENERIC_NAME if name.startswith(w)), None):
            name = name[len(word) :]
        return name

    @staticmethod
    def _after_place(name: str) -> str:
        """A company slot's words after its place words and welcome (这里是, 欢迎来电, 这里是欢迎致电 …)."""
        while word := next((w for w in HERE_WORDS + WELCOME_WORDS if name.startswith(w)), None):
            name = name[len(word) :]
        return name

    @cached_property
    def _slot_end_words(self) -> list[str]:
        """The words a company slot ends in (客服中心, 服务热线, 度假区 …: the company forms' fixed words and
        words.yaml's organisations), longest first."""
        words = {p.key for f in self._company_forms for p in f.parts} | {p.key for f in self._org_forms for p in f.parts}
        return sorted(words, key=lambda w: (-len(w), w))

    @cached_property
    def _centre_words(self) -> list:
        """The slot's end words as readings to compare a garbled slot's end with."""
        # two syllables sound like too much (等了 like 电力): three or four
        return [normalize(w, context=True) for w in sorted(self._slot_end_words) if 3 <= len(w) <= 4]

    def _garbled_company(self, text: Prepared, head, surname, offer) -> tuple[Span | None, str | None]:
        """The company as the recognizer garbles it (向要开锁服务认陷 for 匠钥开锁服务热线, 上海迪士尼度假期
        for …度假区) in its place in a call's script: a name of GARBLED_COMPANY_CHARS or more, all
        Chinese, right between the greeting word and the surname (or the offer where the surname
        is lost: 我 starts the slot then), besides a welcome (欢迎来电, 这里是), ending in words that
        sound like a centre's (CENTRE_LIKE), and not a centre's kind alone (客服中心 names no company).
        Not where the words speak to or of someone (很高兴为您服务, 我是…): no 您/你/我 in it. The span
        it stands in and the decoded words, or (None, None)."""
        if offer is None or head.end >= offer.start:
            return None, None
        end = surname.start if surname is not None and head.end < surname.start < offer.start else offer.start
        slot = text.key[head.end : end]
        if surname is None and "我" in slot:
            slot = slot[: slot.index("我")]  # 我进攻 for 我姓龚: the surname's slot, not the company's
        name = self._after_place(slot)
        if len(name) < GARBLED_COMPANY_CHARS or name.startswith(NO_ORG_NAME) or any(not "\u4e00" <= ch <= "\u9fff" or ch in "您你我" for ch in slot):
            return None, None
        lo, hi = head.end, head.end + len(slot)
        # its end must sound like a centre's words (服务认陷 like 服务热线, 资行处 like 咨询处), not like
        # anything else said there (不好意思久等了)
        if max((similarity(text.nt, hi - len(w.key), w) for w in self._centre_words if len(w.key) < len(name)), default=0.0) < CENTRE_LIKE:
            return None, None
        return Span(lo, hi, 0.0), text.nt.original[slice(*text.nt.span(lo, hi))].strip("，,。 ")

    @staticmethod
    def _garbled_surname(text: Prepared, company, offer) -> tuple[int, str] | None:
        """我姓× as the recognizer garbles it (我建交 for 我姓焦, 我见到 for 我姓窦, 我请问 with 姓× lost)
        in its place in a call's script: 我 and at most three characters right before the offer,
        after the company (燃气 found in 佛林湾燃气服务任县，我进攻: the rest of a garbled company's name,
        at most COMPANY_TAIL characters and no 您, may stand between). Not 我是 / 我叫 (a name said instead),
        我们, 我帮您, nor digits (a staff number). Where the slot starts, and the decoded words; or None."""
        if company is None or offer is None or not company.end < offer.start:
            return None
        gap = text.key[company.end : offer.start]  # the key writes 您 as 你
        at = gap.rfind("我")
        if at < 0 or any(not "\u4e00" <= ch <= "\u9fff" for ch in gap):
            return None
        slot, tail = gap[at:], gap[:at]
        if len(tail) > COMPANY_TAIL or "你" in tail or len(slot) > 4 or any(ch in NOT_SURNAME_SLOT for ch in slot[1:]):
            return None
        start = company.end + at
        return start, text.nt.original[slice(*text.nt.span(start, offer.start))].strip("，,。 ")

    @staticmethod
    def _opening_block(conv: Conversation, idx: list[int]) -> list[int]:
        """The agent's first turn and the agent turns right after it, before the customer speaks again."""
        block = [idx[0]]
        for i in range(idx[0] + 1, len(conv.turns)):
            if conv.turns[i].role != AGENT:
                break
            block.append(i)
        return block

    def _organisation(self, text: Prepared, after: int, threshold: float):
        """An organisation word after the greeting word (which ends at `after`) with a name of its own
        before it (安心保险, 马龙去夜中心; not 客服中心 alone)."""
        span = self._find_any(self._org_forms, text, after + 1, threshold)
        if span is None or span.start - after < ORG_NAME_SHORTEST or text.key[: span.start].endswith(NO_ORG_NAME):
            return None
        return span

    def _find_any(self, forms: list[Form], text: Prepared, lo: int, threshold: float):
        """One of the greeting part's forms (each one piece, see lexicon) found at or after lo:
        said word for word if any is, else the first that aligns (aligning is the costly part).
        Kept on the prepared text, like the matcher's own answers."""
        key = ("any", id(forms), lo, threshold)  # forms: lists the checker keeps for its lifetime
        if key not in text.hits:
            text.hits[key] = self._find_any_uncached(forms, text, lo, threshold)
        return text.hits[key]

    def _find_any_uncached(self, forms: list[Form], text: Prepared, lo: int, threshold: float):
        patterns = [self.matcher.pattern(form.parts[0]) for form in forms]
        for pattern in patterns:
            span = pattern.find_verbatim(text, lo)
            if span:
                return span
        for pattern in patterns:
            span = pattern.find(text, lo, None, threshold)
            if span:
                return span
        return None

    def _time_of_day(self, rule: GreetingRule, conv: Conversation, said: str) -> tuple[str, str | None] | None:
        """A time-of-day word said at another time of day: what to say of it, and the word that fits
        the call's start (None where no word's hours hold it)."""
        started = conv.started_at or next((t.timestamp for t in conv.turns if t.timestamp), None)
        if started is None or said not in rule.time_of_day:
            return None
        now = started.time()
        if _within(now, rule.time_of_day[said]):
            return None
        fitting = next((w for w, span in rule.time_of_day.items() if _within(now, span)), None)
        hint = f" (expected {fitting})" if fitting else ""
        return f"{said} at {now.strftime('%H:%M')}{hint}", fitting

    # --- evidence ------------------------------------------------------------------------------

    def _turn_finding(
        self, rule: GreetingRule, conv: Conversation, turn: int, message: str, score: float, wrong_time: tuple[str, str | None] | None = None
    ) -> Finding:
        t = conv.turns[turn]
        suggestion = rule.suggestion
        if wrong_time and wrong_time[1]:  # say instead opens with the word that fits the hour: 晚上好,××物业客服中心…
            suggestion = regex.sub(r"^(您好|你好)", wrong_time[1], suggestion)
        return Finding(rule.id, "greeting", turn, 0, len(t.text), t.text, score, message, suggestion, "error", t.start_s, t.end_s)

    def _finding(self, phrase: Phrase, loc: Located, conv: Conversation, idx: list[int], texts: list[Prepared]) -> Finding:
        turn = idx[loc.turn]
        t = conv.turns[turn]
        if loc.end_turn == loc.turn:
            start, end = texts[loc.turn].nt.span(loc.start, loc.end)
            quote, end_turn = t.text[start:end], None
            start_s, end_s = _times(t, start, end)
        else:
            start, _ = texts[loc.turn].nt.span(loc.start, loc.start + 1)
            end = len(t.text)
            end_turn = idx[loc.end_turn]
            last = conv.turns[end_turn]
            _, last_end = texts[loc.end_turn].nt.span(0, loc.end)
            quote = f"{t.text[start:]} … {last.text[:last_end]}"
            start_s, _ = _times(t, start, end)
            _, end_s = _times(last, 0, last_end)
        severity, why = loc.severity or phrase.severity, "arguable"
        if phrase.kind == "forbidden" and end_turn is None and _quoted(t.text, start, end):
            # 您说店员跟您讲"有本事你去告"，这是完全错误的: the agent reports someone's words
            severity, why = REVIEW, "in quotation marks, reported speech?"
        elif phrase.kind == "forbidden" and severity != REVIEW and _said_back(t.text, start):
            # 您说楼下装修吵得烦死人了，这个我们记下了: the customer's words said back to confirm them
            severity, why = REVIEW, "after 您说, the customer's words said back?"
        return Finding(
            id=phrase.id,
            kind=phrase.kind,
            turn=turn,
            start_char=start,
            end_char=end,
            text=quote,
            score=loc.score,
            message=f"{KIND_LABEL[phrase.kind]} {phrase.text}" + (f" ({why}: for review, not counted until confirmed)" if severity == REVIEW else ""),
            suggestion=phrase.suggestion,
            severity=severity,
            start_s=start_s,
            end_s=end_s,
            end_turn=end_turn,
        )


class HeardView:
    """The conversation as acoustic verification heard it: each turn's heard words in place of the
    decoded ones, with the way back from its characters to the decoded text's."""

    def __init__(self, conv: Conversation):
        self.original = conv
        self.maps: dict[int, list[tuple[int, int, tuple | None]]] = {}  # turn -> per heard char: decoded span, heard entry
        turns = []
        for i, t in enumerate(conv.turns):
            if not t.heard:
                turns.append(t)
                continue
            text, where, pos = [], [], 0
            for entry in _non_overlapping(t.heard):
                start, end, words, _ = entry
                for ch_i in range(pos, start):
                    text.append(t.text[ch_i])
                    where.append((ch_i, ch_i + 1, None))
                for ch in words:
                    text.append(ch)
                    where.append((start, end, entry))
                pos = end
            for ch_i in range(pos, len(t.text)):
                text.append(t.text[ch_i])
                where.append((ch_i, ch_i + 1, None))
            self.maps[i] = where
            turns.append(replace(t, text="".join(text), words=[], heard=[]))
        self.conversation = replace(conv, turns=turns)

    def said(self, turn: int | None) -> str:
        return self.conversation.turns[turn].text if turn is not None else ""

    def finding(self, f: Finding, whole_turn: bool = False) -> Finding | None:
        """f, found in the heard text, placed on the decoded text (for review where a forbidden phrase is
        heard only faintly: HEARD_SURE); None unless heard words are in it."""
        decoded = self.original.turns[f.turn]
        if whole_turn:
            return replace(f, end_char=len(decoded.text), text=decoded.text)
        where = self.maps.get(f.turn)
        if where is None:
            return None
        span = where[f.start_char : max(f.end_char, f.start_char + 1)]
        entries = [e for _, _, e in span if e is not None]
        lead = 0  # heard characters before the span that make it what it is (嗯 before 讲话)
        if not entries and f.kind == "opener":  # 嗯 heard for 红 before 讲话: the opener now opens the call
            entries = [e for _, _, e in where[: f.start_char] if e is not None]
            lead = f.start_char
        if not entries or f.end_turn is not None:
            return None  # the heard words are not what the rule found
        start, end = span[0][0], span[-1][1]
        start_s, end_s = _times(decoded, start, end)
        heard = self.conversation.turns[f.turn].text[f.start_char - lead : f.end_char]
        said = decoded.text[where[f.start_char - lead][0] if lead else start : end]
        gain = min(e[3] for e in entries)
        faint = f.kind == "forbidden" and f.severity == "error" and gain < -HEARD_SURE
        fits = (
            f"perhaps heard {heard}: the audio fits it less well than the decoded {said}; for review, not counted until confirmed"
            if faint
            else f"heard {heard}: the audio fits it about as well as the decoded {said}"
        )
        return replace(
            f,
            start_char=start,
            end_char=end,
            text=decoded.text[start:end],
            start_s=start_s,
            end_s=end_s,
            heard=heard,
            verify_score=gain,
            severity=REVIEW if faint else f.severity,
            message=f"{f.message} ({fits})",
        )


# A forbidden phrase only acoustic verification gives, whose words fit the audio this much worse than
# the decoded text (calls/verify.py's tolerance goes to 5), is listed for review (复核), not counted:
# that low in the band untrue readings begin (说完没有 over 还有声儿没有 on an A-law copy, -4.0), among true
# ones the QA lead should hear before anyone is charged (benchmarks/verify_controls.py).
HEARD_SURE = 3.95
# a sentence particle after a blunt opener belongs to it; 爱 is how the recognizer writes 啊 there at
# 8 kHz (想画爱找谁 for 讲话啊，找谁, 叫谁爱为 for 找谁啊？喂？) and 的 with the pause dropped (那里的讲话呀
# for 哪里？讲话呀); only another blunt opener after it continues the block
OPENER_PARTICLES = "啊呀呢吧嘛哈爱的"
# who is calling, asked bluntly (那位: the recognizer's 哪位)
WHO_ASKED = frozenset({"哪位", "那位", "谁", "是谁", "你是谁", "哪一位"})
WEI_AFTER_OPENER = "a spelling of 喂 standing alone after another blunt opener at the call's first words: the recognizer's 喂"
HOMOPHONE_AT_START = "the same syllables in another tone, standing alone at the call's first words: the recognizer's spelling"
HOMOPHONE_SCORE = 95.0


_QUOTES = regex.compile(r'“[^“”]*”|「[^「」]*」|『[^『』]*』|‘[^‘’]*’|"[^"]*"')


def _quoted(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] lies inside one pair of quotation marks."""
    return any(m.start() < start and end < m.end() for m in _QUOTES.finditer(text))


# 您说 / 您是说 / 您刚才讲, then 2-12 characters of the same clause before the hit: the words said back
# (not 跟您说了多少遍了: the agent's own telling; not 您说哪位呀？人不在 nor 您说的是哪一位我也对不上号…人没在这儿: the
# agent's own question, 您说的是 and a question word, whatever follows it)
_SAID_BACK = regex.compile(r"(?<![跟和给对同向替帮])您(是|刚才|刚刚|刚|的意思是|意思是)?(说|讲|提到|反映)(?P<between>[^，。！？；,.!?;…\s]{2,12})$")
_OWN_QUESTION = regex.compile(r"的?是([哪谁啥]|什么)")


def _said_back(text: str, start: int) -> bool:
    """Whether the hit at text[start:] opens inside the agent's 您说… (the customer's words said back
    to confirm them: 您说邻居说有本事你去告物业 / 您说经理讲了半天您还是没明白). Polite 您 only: 你说你急什么 is no
    quotation."""
    said = _SAID_BACK.search(text[:start])
    return said is not None and not _OWN_QUESTION.match(said["between"])


def _non_overlapping(heard: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """The best-fitting heard readings that do not overlap, in text order. A reading inside a longer
    one that says the same words and more (找谁 inside 喂，找谁, both heard for 为少谁) gives way to it:
    the gains of readings of different lengths do not compare, and the longer one explains more."""
    heard = [h for h in heard if not any(o is not h and o[0] <= h[0] and h[1] <= o[1] and o[1] - o[0] > h[1] - h[0] and h[2] in o[2] for o in heard)]
    kept: list[tuple[int, int, str, float]] = []
    for entry in sorted(heard, key=lambda h: -h[3]):
        if all(entry[1] <= k[0] or entry[0] >= k[1] for k in kept):
            kept.append(entry)
    return sorted(kept)


def _load_model(lexicon: Lexicon) -> TurnModel | None:
    settings = lexicon.model
    if settings is None:
        return None
    from phrasecheck.engine.model import TurnModel  # numpy: not before the command line has pinned its threads (calls/numerics.py)

    try:
        model = TurnModel.load(settings.file)
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(settings.source, f"model: cannot read {settings.file.name}: {exc}", settings.line) from exc
    if settings.min_chars is not None:
        model.min_chars = settings.min_chars
    return model


def _known_ids(lexicon: Lexicon, profile: Profile) -> None:
    """A threshold or fatal rule naming no rule of the lexicon is a typo that would silently do nothing."""
    known = set(lexicon.ids()) | {b.id for b in lexicon.behaviour}
    for setting, ids in (("thresholds", profile.thresholds), ("fatal", profile.fatal or [])):
        unknown = sorted(set(ids) - known)
        if unknown:
            raise ConfigError(profile.source, f"{setting}: unknown rule id {', '.join(unknown)} (the lexicon's ids: {', '.join(sorted(known))})")


def _times(turn, start: int, end: int) -> tuple[float | None, float | None]:
    """Recording time of an original-text span: word timings where ASR gave them, else the turn's."""
    words = [(w[2], w[3]) for w in turn.words if w[0] < end and w[1] > start]
    if words:
        return round(min(s for s, _ in words), 2), round(max(e for _, e in words), 2)
    return turn.start_s, turn.end_s


def _within(now: time, span: tuple[str, str]) -> bool:
    lo, hi = (time.fromisoformat(x) for x in span)
    return lo <= now < hi if lo < hi else (now >= lo or now < hi)
