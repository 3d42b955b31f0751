"""Guess agent/customer for the segments of a mono recording, with rules a reviewer can follow.

No diarization model can be downloaded here, so the split is a text heuristic, and conversations
built with it are marked roles="inferred" everywhere:
  1. The first segment that opens with a greeting or a service offer (您好/你好/客服/请问有什么可以帮…)
     is the agent's; segments before it are the customer's only when they clearly score so.
  2. Each segment scores agent cues (courtesy and script language: 请您/为您/稍等/抱歉/感谢您…)
     against customer cues (talking about one's own problem: 我的/我想/怎么回事/你们…).
  3. When the cues tie, a segment that follows the previous one within a short pause is the same
     speaker continuing; after a longer pause the speaker alternates.
  4. A call that opens with what only the one who answers asks (喂，哪里？ / 讲话 / 找谁) opens with the
     agent, and the words that answer it, when they carry no agent cue, are the customer's, even
     inside one recognizer segment (opening_question gives where to cut it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from phrasecheck.data import AGENT, CUSTOMER

# the words of an agent's opening script; a bare greeting word opens the customer's reply as often
SCRIPT_WORDS = r"客服|请问有什么(可以|能)?(帮|为)|很高兴为您服务|欢迎(致电|来电)|工号"
OPENING_SCRIPT = re.compile(SCRIPT_WORDS)
OPENING = re.compile(r"^\W*(喂\W*)?(您好|你好|早上好|上午好|中午好|下午好|晚上好)|" + SCRIPT_WORDS)
AGENT_CUES = re.compile(
    r"您好|请您|为您|帮您|给您|您的|请问|稍等|久等|抱歉|不好意思|感谢您|谢谢您的|很高兴|"
    r"还有(什么|其他)(问题|需要|可以)|祝您|再见|已经为|我们这边|这边(帮|为|给)|麻烦您|核实|查询|登记|"
    r"客服|工号|欢迎|不客气|请不要着急|理解您"
)
CUSTOMER_CUES = re.compile(
    r"我的|我想|我要|我家|我这|我那|我们家|我刚|我已经|怎么(回事|办|还|又)|为什么|凭什么|你们|"
    r"投诉|能不能|可不可以|帮我|给我|到底|麻烦快|好的谢谢|谢谢你|行吧|好吧"
)
# What the one who picks up asks before anything else; a caller asks none of these of the line it rang.
ANSWERER = re.compile(r"哪里|那里|哪儿|那儿|哪位|讲话|说话|说吧|讲吧|找谁|什么事|啥事")
_CALL = re.compile(r"[喂为未微位]+")  # 喂 and the recognizer's spellings of it, alone
_PUNCT = r"，。！？、,.!?;；：:\s"  # what ends a clause
_CLAUSE = re.compile(rf"[^{_PUNCT}]+[{_PUNCT}]*")
_PARTICLES = "啊呀呢嘛吧哈啦"
MAX_OPENING_CLAUSES = 4
SAME_SPEAKER_GAP_S = 0.8  # a shorter pause than this, with no cue either way, keeps the speaker


@dataclass
class Attribution:
    role: str
    reason: str  # which rule decided, for debugging and tests


def score(text: str) -> int:
    return len(AGENT_CUES.findall(text)) - len(CUSTOMER_CUES.findall(text))


def _core(text: str) -> str:
    return re.sub(rf"[{_PUNCT}]", "", text).rstrip(_PARTICLES)


def _opening_clause(clause: str) -> bool:
    core = _core(clause)
    # at most two characters otherwise: a garbled 喂 or 讲话 (想画) beside the question
    return bool(core) and (bool(_CALL.fullmatch(core)) or (bool(ANSWERER.search(core)) and len(core) <= 4) or len(core) <= 2)


def opening_question(text: str) -> int | None:
    """Where the answerer's opening question ends in a call's first words (喂，哪里啊，哪里？ in
    "喂，哪里啊，哪里，我打的是你们驿站的电话…"), or None when they do not open with one: its clauses
    hold nothing else, and at least one of them is a question only the answerer asks."""
    end, asked = 0, False
    for k, m in enumerate(_CLAUSE.finditer(text)):
        if k >= MAX_OPENING_CLAUSES or not _opening_clause(m.group()):
            break
        asked = asked or bool(ANSWERER.search(m.group()))
        end = m.end()
    return end if asked else None


def opening_words(text: str, first: bool) -> int:
    """How much of a call's first words (first: its first segment or turn) or of a later one while
    nothing else has been said are the answerer's opening: an opening question (opening_question),
    or 喂 alone as the first words (a later 喂 alone is as often the caller's hello back); 0 for none."""
    question = opening_question(text)
    if question is not None:
        return question
    return len(text) if first and _CALL.fullmatch(_core(text)) else 0


def attribute(segments: list[tuple[str, float, float]]) -> list[Attribution]:
    """segments: (text, start_s, end_s) in time order -> one Attribution per segment."""
    out: list[Attribution] = []
    opened = False
    prev_end = None
    opening = True  # nothing but the answerer's opening words so far (喂？ … 找谁？)
    asked = False  # ... and they held a question only the answerer asks
    for text, start, end in segments:
        s = score(text)
        if opening and opening_words(text, not out) == len(text):
            out.append(Attribution(AGENT, "opening words"))
            asked = asked or opening_question(text) is not None
            opened = True
            prev_end = end
            continue
        opening = False
        if asked and s <= 0:
            out.append(Attribution(CUSTOMER, "answers the opening question"))
        elif not opened and OPENING.search(text) and s >= 0:
            out.append(Attribution(AGENT, "opening greeting"))
            opened = True
        elif s > 0:
            out.append(Attribution(AGENT, f"agent cues ({s:+d})"))
        elif s < 0:
            out.append(Attribution(CUSTOMER, f"customer cues ({s:+d})"))
        elif not out:
            out.append(Attribution(AGENT, "first speaker, no cues"))  # the agent answers the call
        elif prev_end is not None and start - prev_end < SAME_SPEAKER_GAP_S:
            out.append(Attribution(out[-1].role, "no cues, same speaker continues"))
        else:
            other = CUSTOMER if out[-1].role == AGENT else AGENT
            out.append(Attribution(other, "no cues, alternate"))
        opened = opened or out[-1].role == AGENT
        asked = False
        prev_end = end
    return out
