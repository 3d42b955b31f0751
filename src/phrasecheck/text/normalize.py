"""Text -> matchable form with a map back to the original characters.

Matching runs on simplified, half-width text without punctuation or fillers, and on its toneless
pinyin; every position in that form remembers which original character it came from, so a finding
always quotes the words the agent really wrote or said.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

from pypinyin import Style, lazy_pinyin

from phrasecheck.text.simplify import to_simplified

# Sounds that carry no words; dropped before matching (a greeting after 嗯 is still a greeting).
FILLERS = frozenset("嗯啊呃哦额呀呢嘛哈唉诶欸噢喔哎")

# Characters that are the same word for matching purposes: polite/plain "you", the pronoun "ta", northern 俺 "I".
MATCH_CHARS = str.maketrans({"您": "你", "妳": "你", "她": "他", "它": "他", "俺": "我"})

# Regional function words that are the standard word for matching purposes, each the same length as
# it, so positions in the key stay those of the text: 湘鄂 么子 / 冇 / 冇得 / 么样 / 冒得, 川渝 啥子 /
# 咋个 / 啷个 (急么子 is 急什么, 冇看到 is 没看到). Only where the characters say nothing else: not the 么样
# of 怎么样, not the 冒 of 感冒 or 冒险.
_REGIONAL = {"么子": "什么", "啥子": "什么", "冇": "没", "么样": "怎样", "咋个": "怎么", "啷个": "怎么", "冒得": "没得", "冒看": "没看", "冒听": "没听"}
_REGIONAL_WORDS = re.compile("(?<![什怎这那多要])么[子样]|啥子|冇|咋个|啷个|(?<![感假])冒[得看听]")


def _regional(key: str) -> str:
    return _REGIONAL_WORDS.sub(lambda m: _REGIONAL[m.group()], key)


# Chinese numerals for ASR digits: whisper writes 12 where a speaker said 一二.
DIGITS = str.maketrans("0123456789", "零一二三四五六七八九")

# Common ASR confusions of Mandarin initials/finals, folded to one spelling.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("r", "l"), ("f", "h"))
_FUZZY_FINALS = (("iang", "ian"), ("uang", "uan"), ("ang", "an"), ("eng", "en"), ("ing", "in"), ("ong", "on"))


def _half_width(ch: str) -> str:
    if "\uff01" <= ch <= "\uff5e" or ch == "\u3000":
        folded = unicodedata.normalize("NFKC", ch)
        return folded if len(folded) == 1 else ch
    return ch


def _is_word_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "LN"


@lru_cache(maxsize=4096)
def fuzzy_syllable(syllable: str) -> str:
    """Fold a toneless syllable by the usual ASR confusions (zh/z, n/l, ang/an, ing/in ...)."""
    for a, b in _FUZZY_INITIALS:
        if syllable.startswith(a):
            syllable = b + syllable[len(a) :]
            break
    for a, b in _FUZZY_FINALS:
        if syllable.endswith(a):
            syllable = syllable[: -len(a)] + b
            break
    return syllable


@dataclass
class Normalized:
    """One text in matchable form. All lists are parallel to `norm`."""

    original: str
    norm: str  # simplified, half-width, lower case, no punctuation/space/fillers
    index: list[int]  # norm position -> original position
    key: str  # norm with MATCH_CHARS folded and digits spelled: what the matcher compares
    pinyin: list[str]  # toneless syllable per position (the character itself for non-Chinese)
    tones: list[str]  # toned syllable per position, for strict matching of short phrases
    breaks: frozenset[int] = frozenset()  # norm positions the original had punctuation before

    @cached_property
    def with_breaks(self) -> tuple[str, list[int]]:
        """norm with '，' where the original had punctuation, and norm position -> that string's position.

        Exceptions read this form, so 不知道。您还有别的问题吗 is not the polite 不知道您…"""
        out: list[str] = []
        where: list[int] = []
        for i, ch in enumerate(self.norm):
            if i in self.breaks and out:
                out.append("，")
            where.append(len(out))
            out.append(ch)
        return "".join(out), where

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Norm span [start, end) -> the original span [start, end) that holds all of it (text shown
        right to left by an override is matched as shown, so its positions run backwards)."""
        if not self.index:
            return 0, 0
        start = min(start, len(self.index) - 1)
        covered = self.index[start : max(start + 1, end)]
        return min(covered), max(covered) + 1


@lru_cache(maxsize=65536)
def _char_tone(ch: str) -> str:
    return lazy_pinyin(ch, style=Style.TONE3, errors=lambda s: list(s))[0]


@lru_cache(maxsize=65536)
def _toneless(syllable: str) -> str:
    """zhang3 -> zhang, one shared string per syllable (cached turns hold tens of thousands)."""
    return syllable.rstrip("012345") or syllable


def _tones(text: str, context: bool) -> list[str]:
    """Toned syllable per character. Context (pypinyin's phrase dictionary) picks 长 zhang3 in
    没长眼睛; it is slow, so only the lexicon's short patterns use it and turns go char by char."""
    if context:
        syllables = lazy_pinyin(text, style=Style.TONE3, errors=lambda s: list(s))
        if len(syllables) == len(text):
            return syllables
    return [_char_tone(c) for c in text]


# Characters that show as nothing: Hangul fillers (letters to Unicode, blank on screen) and format
# characters (zero-width spaces and joiners, direction marks and overrides). 不\u3164知道 shows as
# 不知道 and must match as 不知道, neither split into two words nor hiding the phrase.
INVISIBLE = frozenset("\u3164\u115f\u1160\uffa0\u00ad\u034f\u180e")
RLO, PDF = "\u202e", "\u202c"


def _invisible(ch: str) -> bool:
    return ch in INVISIBLE or unicodedata.category(ch) == "Cf"


def display_order(text: str) -> list[int]:
    """Positions of text in the order a reader sees them: a right-to-left override (U+202E, up to
    its U+202C or the end of the line) shows the characters after it reversed, so 道知不 under an
    override reads 不知道 on screen, and is matched so."""
    if RLO not in text:
        return list(range(len(text)))
    order: list[int] = []
    i = 0
    while i < len(text):
        if text[i] != RLO:
            order.append(i)
            i += 1
            continue
        end = i + 1
        while end < len(text) and text[end] not in (PDF, "\n", RLO):
            end += 1
        order.append(i)
        order.extend(range(end - 1, i, -1))
        i = end
    return order


_SKIP, _BREAK, _KEEP = 0, 1, 2
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]").fullmatch
_CLASSES: dict[str, tuple[int, str]] = {}  # character -> what normalize does with it (_classify)
_CLASSES_MAX = 1 << 16


def _classify(c: str) -> tuple[int, str]:
    """What normalize does with one character of the simplified text: drop it (invisible, space,
    filler), make it a break (punctuation), or keep it (folded to half width, lower case)."""
    folded = _half_width(c)
    ch = folded.lower()
    if len(ch) != 1:  # İ lowers to i + a combining dot: one character in, one out, or the map back breaks
        ch = folded
    if _invisible(ch):
        return _SKIP, ch
    if not _is_word_char(ch):
        return (_SKIP if ch.isspace() else _BREAK), ch
    if ch in FILLERS:
        return _SKIP, ch
    return _KEEP, ch


def normalize(text: str, context: bool = False) -> Normalized:
    simple = to_simplified(text)
    chars: list[str] = []
    index: list[int] = []
    breaks: set[int] = set()
    classes = _CLASSES
    spaced = False  # a space since the last kept character
    for i in display_order(simple):
        c = simple[i]
        got = classes.get(c)
        if got is None:
            got = _classify(c)
            if len(classes) < _CLASSES_MAX:
                classes[c] = got
        kind, ch = got
        if kind == _KEEP:
            # Chinese is written without spaces: one between two Chinese characters ends a sentence, as
            # chat agents and exports write it (您看行不 知道时间后… is no 不知道)
            if spaced and chars and _HAN(chars[-1]) and _HAN(ch):
                breaks.add(len(chars))
            spaced = False
            chars.append(ch)
            index.append(i)
        elif kind == _BREAK:
            breaks.add(len(chars))
            spaced = False
        elif ch.isspace() and not _invisible(ch):
            spaced = True
    norm = "".join(chars)
    key = _regional(norm.translate(MATCH_CHARS)).translate(DIGITS)
    tones = _tones(key, context)
    return Normalized(
        original=text,
        norm=norm,
        index=index,
        key=key,
        pinyin=[_toneless(t) for t in tones],
        tones=tones,
        breaks=frozenset(breaks),
    )


def join(a: Normalized, b: Normalized, sep: str = "\n") -> Normalized:
    """normalize(a.original + sep + b.original) without redoing the work; the seam is a break."""
    shift = len(a.original) + len(sep)
    return Normalized(
        original=a.original + sep + b.original,
        norm=a.norm + b.norm,
        index=a.index + [i + shift for i in b.index],
        key=a.key + b.key,
        pinyin=a.pinyin + b.pinyin,
        tones=a.tones + b.tones,
        breaks=a.breaks | {len(a.norm)} | {i + len(a.norm) for i in b.breaks},
    )
