"""Mask personal data (phones, ID cards, bank cards, e-mail) in report text, in digits or said in Chinese.

Call transcripts get one more rule: the recognizer drops or doubles digits (a mobile heard with 10
or 12 digits is no longer a mobile to the patterns), so in a call ANY run of 7 or more digits or
digit words (一二三…幺两, 〇/零), with or without spaces, dashes or commas between them, is masked
whatever its length. Chats keep the patterns alone.

Masking runs AFTER checking, on a copy, and keeps every string's length ('*' per character), so
finding offsets (start_char/end_char) stay valid and no finding is ever lost to redaction.
"""

from __future__ import annotations

import copy
import re

from phrasecheck.data import Conversation, Run

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
    if not text:
        return text
    found = spans(text, call)
    if not found:
        return text
    chars = list(text)
    for start, end, _ in found:
        chars[start:end] = "*" * (end - start)
    return "".join(chars)


def redact_run(run: Run) -> Run:
    """A deep copy of run with turn texts, finding quotes and greeting texts masked."""
    out = copy.deepcopy(run)
    for r in out.results:
        turns = r.conversation.turns
        call = is_call(r.conversation)
        original = [t.text for t in turns]
        for t in turns:
            t.text = mask(t.text, call)
        for f in (*r.findings, *r.courtesy):
            inside = f.end_turn is None and 0 <= f.turn < len(turns) and original[f.turn][f.start_char : f.end_char] == f.text
            # a quote taken from its (masked) turn, so a number cut by the span is masked too
            f.text = turns[f.turn].text[f.start_char : f.end_char] if inside else mask(f.text, call)
        r.greeting.text = mask(r.greeting.text, call)
    return out


def is_call(conv: Conversation) -> bool:
    """Recognized speech: a recording's turns carry offsets in it (start_s), a chat's do not."""
    return any(t.start_s is not None for t in conv.turns)
