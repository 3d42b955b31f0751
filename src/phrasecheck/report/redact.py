"""Mask personal data (phones, ID cards, bank cards, e-mail) in report text, in digits or said in Chinese.

Call transcripts get one more rule: the recognizer drops or doubles digits (a mobile heard with 10
or 12 digits is no longer a mobile to the patterns), so in a call ANY run of 7 or more digits or
digit words (一二三…幺两, 〇/零), with or without spaces, dashes or commas between them, is masked
whatever its length. Chats keep the patterns alone.

Masking runs AFTER checking, on new objects where a text changes (the checked run is left as it
is, and nothing is copied where nothing is masked), and keeps every string's length ('*' per
character), so finding offsets (start_char/end_char) stay valid and no finding is ever lost to redaction.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from phrasecheck.data import Result, Run

# Full-width digits, and digits said one by one in Chinese (一三八…, 幺 for 1 on the phone, as chat
# users and the ASR write them), are matched like ASCII ones: one character each, so offsets hold.
# 十/百 are not digits: 一百三十八 is an amount, never a phone number.
_WIDE = str.maketrans("０１２３４５６７８９－＋（）＠．〇零一幺二三四五六七八九", "0123456789-+()@.001123456789")

PATTERNS = {
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    # 18-digit resident ID; the last character may be X
    "id_card": re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])"),
    # bank cards: 16-19 digits, optionally grouped by 4 with spaces or dashes
    "bank_card": re.compile(r"(?<![0-9])(?:[0-9]{16,19}|[0-9]{4}(?:[ -][0-9]{4}){3}(?:[ -]?[0-9]{1,3})?)(?![0-9])"),
    # mainland mobiles, optionally +86, optionally split 3-4-4
    "mobile": re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])"),
    # landlines with an area code: 010-12345678, (0755)12345678, 0571 8765432, optional extension
    "landline": re.compile(r"(?<![0-9])(?:\(0[0-9]{2,3}\)[ -]?|0[0-9]{2,3}[ -]?)[1-9][0-9]{6,7}(?:[-转][0-9]{1,5})?(?![0-9])"),
}


# Calls: 两 is 2 when a number is read out (幺两三…); one separator at most between two digits.
_WIDE_CALL = str.maketrans("两", "2")
DIGIT_RUN = re.compile(r"(?<![0-9])[0-9](?:[ \-－—,，、]?[0-9]){6,}(?![0-9])")
_CALL_MIN_DIGITS = 7

# Every chat pattern needs an '@' or at least 10 digits (a landline: 0 + 2 digits + 7 digits), so a
# text with fewer digit-like characters and no '@' has nothing to mask: most lines, found in one scan.
_DIGITISH = re.compile("[0-9０-９〇零一幺两二三四五六七八九]")
_MIN_DIGITS = 10


def _may_hold(text: str, call: bool) -> bool:
    return "@" in text or "＠" in text or len(_DIGITISH.findall(text)) >= (_CALL_MIN_DIGITS if call else _MIN_DIGITS)


def spans(text: str, call: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every personal datum in text, possibly overlapping; `call` adds every
    run of 7+ digits (recognized speech)."""
    plain = text.translate(_WIDE)
    found = [(m.start(), m.end(), kind) for kind, rx in PATTERNS.items() for m in rx.finditer(plain)]
    if call:
        found += [(m.start(), m.end(), "digits") for m in DIGIT_RUN.finditer(plain.translate(_WIDE_CALL))]
    return found


def mask(text: str, call: bool = False) -> str:
    """text with each personal datum replaced by as many '*' as it has characters."""
    if not text or not _may_hold(text, call):
        return text
    return _mask(text, call)


@lru_cache(maxsize=8192)
def _mask(text: str, call: bool) -> str:
    found = spans(text, call)
    if not found:
        return text
    chars = list(text)
    for start, end, _ in found:
        chars[start:end] = "*" * (end - start)
    return "".join(chars)


def redact_result(r: Result) -> Result:
    """r with turn texts, finding quotes and greeting text masked; r itself is not changed, and
    objects without anything to mask are shared, not copied."""
    turns = r.conversation.turns
    call = r.conversation.is_call
    masked = [mask(t.text, call) for t in turns]
    changed = [m is not t.text and m != t.text for m, t in zip(masked, turns)]
    if any(changed):
        new_turns = [replace(t, text=m) if c else t for t, m, c in zip(turns, masked, changed)]
        conv = replace(r.conversation, turns=new_turns)
    else:
        new_turns, conv = turns, r.conversation

    def quote(f):
        inside = f.end_turn is None and 0 <= f.turn < len(turns) and turns[f.turn].text[f.start_char : f.end_char] == f.text
        # a quote taken from its (masked) turn, so a number cut by the span is masked too
        text = new_turns[f.turn].text[f.start_char : f.end_char] if inside else mask(f.text, call)
        return f if text == f.text else replace(f, text=text)

    greeting = r.greeting
    if (g := mask(greeting.text, call)) != greeting.text:
        greeting = replace(greeting, text=g)
    return replace(r, conversation=conv, findings=[quote(f) for f in r.findings], courtesy=[quote(f) for f in r.courtesy], greeting=greeting)


def redact_run(run: Run) -> Run:
    """run with every result redacted (redact_result); run itself is not changed."""
    return replace(run, results=[redact_result(r) for r in run.results])
