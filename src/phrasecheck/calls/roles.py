"""Guess agent/customer for the segments of a mono recording, with rules a reviewer can follow.

No diarization model can be downloaded here, so the split is a text heuristic, and conversations
built with it are marked roles="inferred" everywhere:
  1. The first segment that opens with a greeting or a service offer (您好/你好/客服/请问有什么可以帮…)
     is the agent's; segments before it are the customer's only when they clearly score so.
  2. Each segment scores agent cues (courtesy and script language: 请您/为您/稍等/抱歉/感谢您…)
     against customer cues (talking about one's own problem: 我的/我想/怎么回事/你们…).
  3. When the cues tie, a segment that follows the previous one within a short pause is the same
     speaker continuing; after a longer pause the speaker alternates.
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
SAME_SPEAKER_GAP_S = 0.8  # a shorter pause than this, with no cue either way, keeps the speaker


@dataclass
class Attribution:
    role: str
    reason: str  # which rule decided, for debugging and tests


def score(text: str) -> int:
    return len(AGENT_CUES.findall(text)) - len(CUSTOMER_CUES.findall(text))


def attribute(segments: list[tuple[str, float, float]]) -> list[Attribution]:
    """segments: (text, start_s, end_s) in time order -> one Attribution per segment."""
    out: list[Attribution] = []
    opened = False
    prev_end = None
    for text, start, end in segments:
        s = score(text)
        if not opened and OPENING.search(text) and s >= 0:
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
        prev_end = end
    return out
