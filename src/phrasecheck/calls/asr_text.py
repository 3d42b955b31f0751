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
from dataclasses import dataclass

# OpenCC t2s keeps 著 (it is also a valid simplified character), but in modern usage the aspect
# particle is 着 (看著 -> 看着, 等著 -> 等着). Keep 著 only inside words where it means "write/notable".
ZHU_WORDS = (
    "著名",
    "著作",
    "显著",
    "名著",
    "土著",
    "卓著",
    "编著",
    "原著",
    "专著",
    "著称",
    "著述",
    "著者",
    "巨著",
    "论著",
    "遗著",
    "译著",
    "合著",
    "昭著",
    "著书",
    "著录",
    "新著",
    "拙著",
    "大著",
    "杰著",
)
_ZHU_KEEP = re.compile("|".join(map(re.escape, ZHU_WORDS)))

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


class ZhText:
    """Holds the OpenCC converter (one per pipeline, not a module global)."""

    def __init__(self) -> None:
        import opencc

        self._t2s = opencc.OpenCC("t2s")

    def simplify(self, text: str) -> str:
        return fix_zhe(self._t2s.convert(text))

    def assemble(self, pieces: list[WordPiece]) -> tuple[str, list[tuple[int, int, float, float]]]:
        """Join word pieces into (text, words) with words = (char_start, char_end, start_s, end_s)."""
        raw = [p.text for p in pieces]
        whole = self._t2s.convert("".join(raw))
        if len(whole) == sum(map(len, raw)):
            conv, i = [], 0
            for r in raw:
                conv.append(whole[i : i + len(r)])
                i += len(r)
        else:
            conv = [self._t2s.convert(r) for r in raw]
        joined = fix_zhe("".join(conv))
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
                words.append((kept[0], kept[-1] + 1, round(p.start_s, 3), round(p.end_s, 3)))
        return text, words


def fix_zhe(text: str) -> str:
    """著 -> 着 except inside ZHU_WORDS; keeps the length so offsets stay valid."""
    if "著" not in text:
        return text
    keep = set()
    for m in _ZHU_KEEP.finditer(text):
        keep.update(range(m.start(), m.end()))
    return "".join("着" if ch == "著" and i not in keep else ch for i, ch in enumerate(text))


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
