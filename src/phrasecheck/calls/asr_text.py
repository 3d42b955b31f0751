"""Turn Whisper's word pieces into simplified-Chinese turn text with exact word character offsets.

Whisper often writes traditional characters for Mandarin; the lexicons are simplified, so every
transcript goes through OpenCC t2s. Findings must point at a time in the recording, so each word's
(char_start, char_end) must index the FINAL text: we convert the whole segment and map characters
1:1 when t2s keeps the length (it almost always does), else convert word by word, and we drop
whitespace while tracking offsets. Digits are left as the ASR wrote them: the text core
normalises numbers for matching.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from phrasecheck.text.simplify import fix_zhu, t2s

# Text Whisper is known to invent on silence/noise (subtitle credits from its training data).
# A segment made only of one of these is dropped: no call centre agent says them.
HALLUCINATIONS = re.compile(
    r"字幕由.*(Amara|amara)|(请)?不吝点赞|订阅.*(转发|打赏)|明镜与点点|点点栏目|字幕志愿者|中文字幕|"
    r"优优独播剧场|YoYo Television|(感谢|谢谢)(大家|您)?(的)?(收看|观看)|本字幕|字幕组|Amara\.org",
    re.IGNORECASE,
)

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass
class WordPiece:
    text: str
    start_s: float
    end_s: float
    probability: float | None = None  # the recognizer's, for the word


class ZhText:
    """Simplified text with word offsets from Whisper's pieces (t2s and the 著 fix: text/simplify.py)."""

    def simplify(self, text: str) -> str:
        return fix_zhu(t2s(text))

    def assemble(self, pieces: list[WordPiece]) -> tuple[str, list[tuple]]:
        """Join word pieces into (text, words) with words = (char_start, char_end, start_s, end_s[, probability])."""
        raw = [p.text for p in pieces]
        whole = t2s("".join(raw))
        if len(whole) == sum(map(len, raw)):
            conv, i = [], 0
            for r in raw:
                conv.append(whole[i : i + len(r)])
                i += len(r)
        else:
            conv = [t2s(r) for r in raw]
        joined = fix_zhu("".join(conv))
        # re-split after the 著 fix (length preserving)
        spans, i = [], 0
        for c in conv:
            spans.append((i, i + len(c)))
            i += len(c)
        text, index_map = strip_spaces(joined)
        words = []
        for (a, b), p in zip(spans, pieces):
            kept = [index_map[k] for k in range(a, b) if index_map[k] is not None and not joined[k].isspace()]
            if kept:
                prob = () if p.probability is None else (round(p.probability, 3),)
                words.append((kept[0], kept[-1] + 1, round(p.start_s, 3), round(p.end_s, 3), *prob))
        return text, words


def strip_spaces(text: str) -> tuple[str, list[int | None]]:
    """Drop leading/trailing whitespace and whitespace touching CJK; collapse other runs to one space.

    Returns the new text and, for every input index, its index in the new text (None if dropped).
    """
    out: list[str] = []
    index_map: list[int | None] = [None] * len(text)
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch.isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
            before = out[-1] if out else None
            after = text[j] if j < n else None
            if before is not None and after is not None and not _CJK.match(before) and not _CJK.match(after):
                index_map[i] = len(out)
                out.append(" ")
            i = j
            continue
        index_map[i] = len(out)
        out.append(ch)
        i += 1
    return "".join(out), index_map


def is_hallucination(text: str) -> bool:
    return bool(text.strip()) and bool(HALLUCINATIONS.search(text))


# Whisper's own test for a decoder stuck in a loop (尤其是尤其是… / 补补补补…): text that compresses
# more than 2.4 times. Long enough that a real 喂喂喂 or 好的好的 does not count.
LOOP_RATIO = 2.4
LOOP_MIN_CHARS = 24
# A short loop escapes that ratio (请问您的设计设计设计设计设计设计设计: 18 characters, 1.8): a word of
# two to six characters said five times running, with no pause between, is the decoder's, not a
# person's (好的好的 and 喂喂喂喂 are not; 对，对，对 has its pauses).
SHORT_LOOP = re.compile(r"((?:[^\W\d_]){2,6})\1{4,}")


def is_loop(text: str) -> bool:
    data = text.strip().encode("utf-8")
    return bool(SHORT_LOOP.search(text)) or (len(text.strip()) >= LOOP_MIN_CHARS and len(data) / len(zlib.compress(data)) > LOOP_RATIO)


def has_loop(text: str) -> bool:
    """A loop in any sentence of a turn (a turn joins segments, and a sound one dilutes the ratio)."""
    return any(is_loop(piece) for piece in re.split(r"[，。？！、,.?!\s]+", text))
