"""Traditional -> simplified Chinese, one output character per input character (offsets hold).

Whisper often writes traditional characters and chat customers sometimes do; the lexicons are
simplified. Both the matcher (text/normalize.py) and the ASR text builder (calls/asr_text.py) use
this one module, so a word reads the same whether it was typed or heard."""

from __future__ import annotations

import re
from functools import cache

import opencc

# OpenCC's t2s keeps 著 (it is also a valid simplified character), but modern usage writes the
# aspect particle 着 (看著 -> 看着, 贴著 -> 贴着). 著 stays only inside words where it means "write/notable".
ZHU_WORDS = (
    "著名", "著作", "显著", "名著", "土著", "卓著", "编著", "原著", "专著", "著称", "著述", "著者",
    "巨著", "论著", "遗著", "译著", "合著", "昭著", "著书", "著录", "新著", "拙著", "大著", "杰著",
)  # fmt: skip
_ZHU_KEEP = re.compile("|".join(map(re.escape, ZHU_WORDS)))


@cache
def _converter() -> opencc.OpenCC:
    """OpenCC's t2s converter: immutable once built, and building it costs a few milliseconds."""
    return opencc.OpenCC("t2s")


def t2s(text: str) -> str:
    """OpenCC t2s as it is (it may change the length where a phrase converts as a whole)."""
    return _converter().convert(text)


def fix_zhu(text: str) -> str:
    """著 -> 着 except inside ZHU_WORDS; keeps the length so offsets stay valid."""
    if "著" not in text:
        return text
    keep = set()
    for m in _ZHU_KEEP.finditer(text):
        keep.update(range(m.start(), m.end()))
    return "".join("着" if ch == "著" and i not in keep else ch for i, ch in enumerate(text))


def to_simplified(text: str) -> str:
    """Traditional -> simplified, keeping one output character per input character."""
    converted = t2s(text)
    if len(converted) != len(text):  # a phrase-level conversion changed the length: go char by char
        converted = "".join(c if len(c) == 1 else o for o, c in ((o, t2s(o)) for o in text))
    return fix_zhu(converted)
