"""Clause grammar for short phrases whose meaning depends on who says them and what the clause does.

A lexicon phrase with `grammar: NAME` is matched as usual; its hit is then judged here on the clause
around it (bounded by punctuation, spaces and a sentence-final particle) with jieba's part-of-speech
tagger. A judge answers CLEAR (not this rule: someone else does not know, a polite question),
REVIEW (an arguable form: listed for the QA lead, not counted until confirmed) or KEEP.

The words the judges read (first-person words, third parties, terms of address, offers to check)
are lexicon data: words.yaml in the lexicon folder (see lexicons/README.md).
"""

from __future__ import annotations

import logging
import re
from functools import cache

from phrasecheck.text.normalize import _char_tone, _half_width, to_simplified

KEEP, REVIEW, CLEAR = "keep", "review", "clear"
TO_YOU_CLAUSE = 5  # characters of a clause about the customer after 不知道您 that make it a question without a mark

# Clause boundaries: punctuation of any width, spaces (a pause in chat), line breaks.
_BOUNDARY = re.compile(r"[\s,，。.!！?？;；:：~～…、/|()（）\[\]【】“”\"']")
# Particles that end a sentence when they follow the phrase: 不知道呢 您还有… is two sentences.
_FINAL = "呢哦哈啦呀啊嘛耶哟噢喔呐嘞咯"
_FILLERS = set("嗯啊呃哦额呀呢嘛哈唉诶欸噢喔哎啦耶哟呐嘞咯的了吧")
_TAG_SKIP = ("d", "c", "p", "u", "y", "e", "t", "m", "q")  # adverbs, conjunctions, particles, time words...


@cache
def _tagger():
    """jieba.posseg over the project's lazily loaded jieba dictionary and tag table, built on first use."""
    import jieba

    from phrasecheck.text import segment

    jieba.setLogLevel(logging.WARNING)
    return segment.pos_tokenizer(segment.tokenizer())


def plain(text: str) -> str:
    """Simplified, half-width, lower case, one character per character of `text`; 您 read as 你."""
    out = []
    for c in to_simplified(text):
        c = _half_width(c)
        low = c.lower()
        out.append(low if len(low) == 1 else c)
    return "".join(out).replace("您", "你")


def _spelt_with(s: str, words: set[str], most: int) -> bool:
    """Whether s is one to `most` of `words` written one after another ("" is no words)."""
    if s in words:
        return True
    return most > 1 and any(s[:i] in words and _spelt_with(s[i:], words, most - 1) for i in range(1, len(s)))


class Grammar:
    """The judges, with one lexicon's word lists."""

    def __init__(self, words: dict[str, list[str]]):
        self.words = {name: [plain(w) for w in ws] for name, ws in words.items()}
        self._sets = {name: set(ws) for name, ws in self.words.items()}
        closing = "|".join(map(re.escape, sorted(self._list("closing_time"), key=len, reverse=True)))
        self._closing = re.compile(closing) if closing else None  # off_work's closing words, longest first
        self._added = False

    def _list(self, name: str) -> list[str]:
        return self.words.get(name, [])

    def _in(self, name: str, word: str) -> bool:
        return word in self._sets.get(name, ())

    def _has(self, name: str, text: str) -> bool:
        return any(w and w in text for w in self._list(name))

    def tokens(self, text: str) -> list[tuple[str, str]]:
        tagger = _tagger()
        if not self._added:  # the lists' words stay whole: 配送员, not 配送 / 员
            for name in ("self", "others", "hypothetical", "not_yet"):
                for w in self._list(name):
                    if len(w) > 1:
                        tagger.tokenizer.add_word(w, freq=20000)
            self._added = True
        return [(p.word, p.flag) for p in tagger.cut(text)] if text else []

    # --- clauses -----------------------------------------------------------------------------

    @staticmethod
    def clause(s: str, start: int, end: int) -> tuple[int, int]:
        """The clause around s[start:end]: from the boundary (punctuation, space) before it to the one
        after it. A sentence-final particle right after the phrase also ends it (see dont_know)."""
        lo = start
        while lo > 0 and not _BOUNDARY.match(s[lo - 1]):
            lo -= 1
        hi = end
        while hi < len(s) and not _BOUNDARY.match(s[hi]):
            hi += 1
        return lo, hi

    def subject(self, left: str) -> str:
        """Who is the subject of the verb that follows `left`: 'self', 'other' or 'none'."""
        for word, flag in reversed(self.tokens(left)):
            if self._in("skip", word):
                continue
            if self._in("self", word):
                return "self"
            if self._in("others", word) or flag.startswith("nr") or any(word.endswith(x) for x in self._list("others_suffix")):
                return "other"
            if flag.startswith(_TAG_SKIP) or word in _FILLERS:
                continue
            return "none"  # a topic (这个调货) or a verb: no subject of its own, the speaker's
        return "none"

    def hypothetical(self, left: str, right: str) -> bool:
        return any(self._in("hypothetical", w) for w, _ in self.tokens(left)) or any(right.startswith(w) for w in self._list("hypothetical_after"))

    def _strip_address(self, text: str) -> str:
        """text without leading terms of address and fillers: 亲，您看 -> 您看 is kept; 亲亲 -> ''."""
        changed = True
        while changed and text:
            changed = False
            for w in sorted(self._list("address"), key=len, reverse=True):
                if w and text.startswith(w):
                    text, changed = text[len(w) :], True
            while text and text[0] in _FILLERS:
                text, changed = text[1:], True
        return text

    # --- judges ------------------------------------------------------------------------------

    def judge(self, grammar: str, text: str, start: int, end: int) -> str:
        """The verdict of judge `grammar` (a name from lexicon.GRAMMARS) on text[start:end], a hit in the original text."""
        s = plain(text)
        return getattr(self, grammar)(s, start, end)

    def wei_call(self, s: str, start: int, end: int) -> str:
        """F01 喂: a call opens what it says (喂，喂，还在吗 / 预计今天到的 喂？); 喂 glued to the word before
        it, with no pause or space, is a word's last syllable as the recognizer wrote it (营喂 for 营位,
        营喂室), unless what stands before calls it out (我说喂 / 喂喂 / 哎喂 / 哎呀喂)."""
        before = s[start - 1] if start else ""
        if start < len(s) and s[start] != "人" and _char_tone(to_simplified(s[start]))[:3] != "wei":
            # the glue is 喂's: a hit that opens on another word (那头儿有人没有？出个声, holdout24; 还在吗出个声 with the
            # recognizer's pause dropped) is kept whatever stands before it; a hit on the bare 人 (the 人呢 forms, whose 呢
            # is dropped as a filler) is a word's last syllable as 喂 is (困在里面的人我们…陪着说话 / 要被人带…出生证明)
            return KEEP
        if s[start : start + 1] == "人" and s[max(0, start - 2) : start] in ("那位", "这位"):
            return KEEP  # 那位人呢，出个声 (holdout28's transcript, the pause after 那位 dropped): the customer called out to
        if s[start : start + 1] == "人" and before and before in "的个":
            return CLEAR  # 困在里面的人我们陪着说话: the people the words are about, not a 人呢 calling out
        return CLEAR if "\u4e00" <= before <= "\u9fff" and before not in "喂为说嘿嗨" and before not in _FILLERS else KEEP

    def dont_know(self, s: str, start: int, end: int) -> str:
        """F02 不知道: only the agent's own bare 'I don't know' is the forbidden phrase."""
        if re.search("鬼|哪|拿|咋|怎么", s[start:end]):
            # 鬼知道 / 我哪知道: the rhetorical form is never a polite question (拿: the recognizer's 哪,
            # 进度我拿清楚, where 那边 before it must not read as someone else not knowing)
            return KEEP
        lo, hi = self.clause(s, start, end)
        if end - start == 3 and s[start + 1] == "不" and s[end - 1] in "道到" and self._glued(s, lo, hi, start, end):
            return CLEAR  # 通知不到位 / 一直不到: 知不道's sounds inside other words, no shrug of 不知道
        left, right = s[lo:start], s[end:hi]
        if self.hypothetical(left, right):
            return CLEAR  # 如果您不知道… / 不知道的话也没关系
        who = self.subject(left)
        if who == "other":
            return CLEAR  # 配送员都不知道 / 很多业主还不知道 / 您不知道
        if re.search("也(能|可以|行|没关系|不要紧|没事|木事|不碍事|照样|一样)|不要紧|没关系|不碍事", right):
            return CLEAR  # 不知道订单号也能查 / 老人家不知道是啥扣的不要紧: not knowing it is no obstacle
        if re.match(rf"[的了]?[{_FINAL}]", right):
            rest = ""  # 不知道呢 您还有…: the particle closed the sentence
        else:
            rest = self._strip_address(right)
            if right.startswith("你") and not rest.startswith("你"):
                rest = "你" + rest  # 您 opens the clause's own words: 不知道您想…
            if rest == "" and self._has("address", right) and hi < len(s) and s[hi] in ",，、 \t":
                # 不知道亲，是否方便: a term of address, then the question goes on after the pause
                _, nhi = self.clause(s, hi + 1, hi + 1)
                rest, hi = s[hi + 1 : nhi], nhi
        after = s[hi:]
        if rest and not self._has("dismissal", rest + after[:12]):
            if self._has("polite", rest):
                return CLEAR  # 不知道能否 / 不知道亲是否方便呢 / 不知道您怎么称呼
            to_you = s[end:hi].lstrip("".join(_FILLERS))
            to_you = to_you.startswith(("你", "亲")) or rest.startswith("你")
            question = rest.endswith("吗") or (hi < len(s) and s[hi] in "?？")
            if re.match("你(的|们的)", rest) or re.match("你(的|们的)", s[end:hi]):
                return CLEAR  # 我还不知道您的地址: asks for what only the customer can tell
            if (
                who != "self"
                and self._has("question", rest)
                and re.match(r"[^,，。？?！!]{0,16}((给|帮|为)(您|你|亲)|我(把|按|给|帮))", after.lstrip(" ,，。"))
            ):
                return CLEAR  # 不知道孩子现在几年级了 我按年级给您推荐…: asks about the customer's case, then helps
            if to_you and (question or self._has("question", rest) or len(rest) >= TO_YOU_CLAUSE) and not self._asks_back(rest):
                # 不知道您想改到哪个地址 / 不知道您家里有人吗; on a call the recognizer often drops the
                # question's mark and garbles its words (不知道您家老人需不需要… as 不知道您加劳延期不需要…):
                # 不知道 said straight into a clause about the customer is the polite question
                return CLEAR
        if self._has("dismissal", rest + after[:12]):
            return KEEP  # 我不知道，你问别人吧
        if rest and (any(rest.startswith(w) for w in self._list("question")) or rest.startswith(("该", "还有"))):
            return REVIEW  # 不知道什么时候能修好 / 不知道该怎么办: an embedded question, arguable
        if any(rest.startswith(w) or (rest[1:].startswith(w) and not w.startswith("几")) for w in self._list("when")):
            # 不知道您明天早上几点开门 written 不知到女明天早上…去点开门 (holdout26: 您 as 女, 几点 as 去点), 截止到这个月底
            # heard as 不知道这个月底: a day said straight after it (a garbled word before it at most) asks when; a 几点
            # after a word is the next sentence's (不知道。车几点到站是调度说了算, its stop dropped: holdout17)
            return REVIEW
        if (
            self._has("offer", right + after)
            or any(self._in("not_yet", w) for w, _ in self._after_question(left))
            or self._has("reason", s[:start] + right + after[:12])
        ):
            return REVIEW  # 暂时不知道，我帮您查询 / 因为还没下单，这边暂时不知道
        return KEEP

    def _glued(self, s: str, lo: int, hi: int, start: int, end: int) -> bool:
        """Whether the hit s[start:end] opens or closes inside a word of its clause s[lo:hi] (通知 / 一直 before it,
        到位 after it), as jieba cuts the clause, the word one of its dictionary's (not 额知, a guess that glues the
        西北 额 for 我 to 知不道)."""
        tokens = self.tokens(s[lo:hi])
        known = _tagger().tokenizer.FREQ
        at = lo
        for word, _ in tokens:
            if (at < start < at + len(word) or at < end < at + len(word)) and known.get(word, 0) > 0:
                return True
            at += len(word)
        return False

    def _after_question(self, left: str) -> list[tuple[str, str]]:
        """left's words after its last question word: in 骑手现在在哪里我不知道 (holdout25) 现在 belongs to the question
        not known, not to the agent's 'not yet' (这边现在还不知道)."""
        tokens = self.tokens(left)
        last = max((i for i, (w, _) in enumerate(tokens) if any(q in w for q in self._list("question"))), default=-1)
        return tokens[last + 1 :]

    def _asks_back(self, rest: str) -> bool:
        """你在说什么 / 你问这个干什么: what the customer said, waved away (not a polite question)."""
        verbs = "|".join(map(re.escape, sorted(self._list("ask_back"), key=len, reverse=True))) or "说"
        return bool(re.match(rf"你们?(到底|究竟)?(在)?({verbs})[^,，]{{0,4}}?(什么|啥|嘛)", rest))

    def off_work(self, s: str, start: int, end: int) -> str:
        """F07 (要)下班了 … 明天再来: the agent's own closing time sending the customer to tomorrow."""
        # whoever closes: the subject of the clause each closing word stands in; someone else's only where every one is
        # (我电脑都要关了，送药的师傅也收工了，您这个事挪到明天再讲: holdout27, the agent's closing said first)
        closing = [start + m.start() for m in self._closing.finditer(s[start:end])] if self._closing else []
        closers = [self.subject(s[self.clause(s, at, at + 2)[0] : at]) for at in closing]
        if closers and all(who == "other" for who in closers):
            return CLEAR  # 库房已经下班了，明天再联系您 / 仓库已经打烊了，快递明天再送过来
        tail = s[end : end + 3]
        if s[start:end].endswith(("打", "早")) and tail.removeprefix("再").startswith("过来"):
            tail = ""  # 你明天再打过来 / 你明儿赶早再过来: the customer calls or comes (过来 is no service on the agent's side)
        if not tail.startswith("自己") and (tail.startswith(("你", "亲")) or self._has("service", tail)):  # 明天一早自己到窗口: the customer
            if not self._to_counter(s, start, end):
                return CLEAR  # 明天再联系您 / 明天再来处理: the agent's own promise
        _, hi = self.clause(s, end, end)
        if re.search("(也|都|就)(可以|行)", s[end:hi]):
            return CLEAR  # 您明天再来取也可以: an option offered
        if re.search("的话", s[end:hi]):
            return CLEAR  # 您明天再来办的话记得带身份证: a condition with advice
        if s[start:end].endswith("联系") or (s[start:end].endswith("约") and s[end:].startswith(("个时间", "时间", "一下"))):
            return REVIEW  # 我要下班了，明天再联系吧 / 您明天再约个时间吧: closing early or arranging? arguable
        return KEEP

    def _to_counter(self, s: str, start: int, end: int) -> bool:
        """Whether the hit's 明天再来 sends the customer to a counter to do the business there (有事明天再来窗口办,
        holdout31): a place of words.yaml's `counter` right after it, nothing done for the customer (给您 / 帮您)
        in the clause, and no one but the customer coming (not 我们明天再来店里处理 / 师傅明天再来店里弄)."""
        if not s[start:end].endswith("来") or not any(w and s.startswith(w, end) for w in self._list("counter")):
            return False
        lo, hi = self.clause(s, end - 1, end)
        if re.search("(给|帮|为|替)你", s[end:hi]):
            return False
        day = [m.start() for m in re.finditer("明天|明儿|明早|明朝|明个|改天|后天|听日", s[lo:end])]
        left = s[lo : lo + day[-1]] if day else ""
        who = self.subject(left)
        return who == "none" or (who == "other" and "你" in left)

    def hurry(self, s: str, start: int, end: int) -> str:
        """F09 快点: hurrying the customer; 快点为您处理 / 让师傅快点过去 hurry the service."""
        asked = re.search("吗[，,？?]", s[start:end])
        if asked and not self._bossy_ma(s, start, start + asked.start()):
            return CLEAR  # 您说完了吗？没有的话请继续: a question, then another sentence
        if re.search("完了?没", s[start:end]):
            return KEEP  # 说完(了)没有 hurries the customer whoever 快点 is about: 你说快点行不行，到底说完了没
        lo, hi = self.clause(s, start, end)
        left, right = s[lo:start], s[end:hi]
        if s[start:end][-1:] in ("说", "讲") and right[:1] in ("明", "服"):
            return CLEAR  # 我会快点说明: another word
        if self._has("service", right[:4]):
            return CLEAR
        if re.search("你(们)?(就|再|能不能|可不可以)?$", left):
            return KEEP  # 你快点说: the customer hurried
        return CLEAR if self.subject(left) in ("self", "other") else KEEP  # 让师傅快点说明情况

    def _bossy_ma(self, s: str, start: int, at: int) -> bool:
        """Whether the 吗 at s[at] ends a bare order to the customer, the recognizer's 吗 for 嘛 (你捡重点说吗？我这边
        还有几个电话排起的, holdout22): the words before it tell the customer how to talk (说 / 讲 / 点), with no
        question of being done (说完了吗 / 说好了吗 / 讲清楚了吗), of ability or wish (能说重点吗 / 您是想长话短说吗)."""
        lo, _ = self.clause(s, start, at)
        before = s[lo:at]
        if not before.endswith(("说", "讲", "点", "些")):
            return False  # 说完了吗 / 说好了没有吗: asks whether the customer is done
        return not re.search("能|可以|可否|麻烦|请|是|想|要不要|需要|方便|愿意", before)  # 可不可以, 是不是: within 可以, 是

    def where_opener(self, s: str, start: int, end: int) -> str:
        """O03 哪里: the phone-answering 哪里? (哪里打来的?), not a question about a place (哪里的定位?)."""
        lo, hi = self.clause(s, start, end)
        rest = s[end:hi].rstrip(_FINAL + "的了吧").lstrip(_FINAL)
        head = s[lo:start].lstrip("".join(_FILLERS))
        if head not in ("", "你", "是", "你是", "这是"):
            return CLEAR
        call = self._sets.get("where_call", set()) | {"", "这是"}  # 哪里呀这是: 这是哪里 turned round
        # up to three call words with no pause written: a garbled particle, then another blunt opener
        # (那里的讲话呀 for 哪里？讲话呀), the opener and its particle (那里讲话爱 for 哪里？讲话啊), 打来的找谁
        if _spelt_with(rest, call, 3):
            return KEEP
        # the whole turn 那里 and one syllable more (那里着。/ 那里水 for 哪里？/ 喂，哪里？, holdout26): its particle
        # or rising tone written as a word; no agent opens a call with 那里 and one word
        whole = not head and not re.sub(rf"[\W{''.join(_FILLERS)}]", "", s[:lo] + s[hi:])
        return KEEP if whole and len(rest) == 1 and s[start:end] in ("哪里", "那里") else CLEAR  # (not 哪位)

    def where_tail(self, s: str) -> bool:
        """Whether s, the rest of a phone-answering 哪里's clause (打来的, 的电话啊), is one of
        where_opener's call words: the opener goes on to the pause (哪里打来的？找谁？)."""
        rest = plain(s).rstrip(_FINAL + "的了吧").lstrip(_FINAL)
        return bool(rest) and rest in self._sets.get("where_call", set())

    def who_opener(self, s: str, start: int, end: int) -> str:
        """O04 找谁: 请问您找谁 is the courtesy phrase C09, not the blunt opener; 找哪个 and the
        recognizer's 叫谁 only as the question itself (找哪个？/ 叫谁呀讲话), not 找哪个订单 / 叫谁来修."""
        if "请问" in s[max(0, start - 4) : start]:
            return CLEAR
        rest = s[end:].lstrip(_FINAL)
        if not (s[start:end].endswith("哪个") or s[start:end] == "叫谁") or not rest or _BOUNDARY.match(rest[0]):
            return KEEP
        if s[start:end] == "叫谁" and (len(rest) == 1 or _BOUNDARY.match(rest[1]) or any(rest.startswith(w) for w in self._list("who_next"))):
            return KEEP  # a particle the recognizer spelt otherwise (叫谁爱), or the next blunt opener
        return CLEAR
