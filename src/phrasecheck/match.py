"""The matching engine: lexicon forms x normalised agent turns -> scored hits.

Each part of a form is compared on characters and on toneless pinyin, so ASR homophones
(请少等 for 请稍等) still match. rapidfuzz's partial_ratio over fuzzy-pinyin codes rejects the
turns that cannot match cheaply; a small weighted alignment then scores the rest and gives the
exact span. Parts of one or two characters match only exactly (characters, or toned pinyin),
since fuzzy matching on them finds noise everywhere.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import cached_property

import jieba
from rapidfuzz import fuzz

from .lexicon import Form, Part
from .normalize import Normalized, fuzzy_syllable, join, normalize

# Alignment costs, in units of one pattern character.
COST_HOMOPHONE = 0.1  # same toneless pinyin: 神么 for 什么
COST_NEAR = 0.35  # same after folding zh/z, n/l, ang/an ...: ASR near-homophones
COST_SUBSTITUTE = 1.0
COST_INSERT = 0.6  # a word the speaker added inside the phrase: 墙上[都]贴着
COST_DELETE = 1.0
STRICT_LEN = 2  # parts this short match exactly only
PREFILTER_SLACK = 20  # partial_ratio of a match that aligns above the threshold stays within this of it


@dataclass(frozen=True)
class Span:
    """A match of one part inside one prepared text: key positions [start, end)."""

    start: int
    end: int
    score: float


class Prepared:
    """A normalised turn with the derived views the matcher needs, computed once."""

    def __init__(self, text: str | Normalized, codebook: Codebook, context: bool = False):
        self.nt: Normalized = text if isinstance(text, Normalized) else normalize(text, context)
        self._codebook = codebook
        self.present: set[Part] | None = None  # parts whose n-grams occur here (Matcher.present)
        self.owners: set[str] | None = None  # ids of phrases with a form whose parts are all present
        self.bounds: tuple[set[int], set[int]] | None = None  # jieba word starts and ends

    def grams(self) -> set[tuple[str, str]]:
        """The n-grams the part index is keyed on: characters (1, 2), toned and fuzzy pinyin pairs."""
        key, tones, codes = self.key, self.tone_codes, self.codes
        out = {("c", ch) for ch in key}
        for i in range(len(key) - 1):
            out.add(("c", key[i : i + 2]))
            out.add(("t", tones[i : i + 2]))
            out.add(("f", codes[i : i + 2]))
        return out

    @property
    def key(self) -> str:
        return self.nt.key

    @cached_property
    def fuzzy(self) -> list[str]:
        return [fuzzy_syllable(s) for s in self.nt.pinyin]

    @cached_property
    def codes(self) -> str:
        return self._codebook.encode(self.fuzzy)

    @cached_property
    def tone_codes(self) -> str:
        return self._codebook.encode(self.nt.tones)


class Codebook:
    """Maps syllables to single characters so rapidfuzz can compare pinyin as strings."""

    def __init__(self) -> None:
        self._codes: dict[str, str] = {}

    def encode(self, syllables: list[str]) -> str:
        out = []
        for s in syllables:
            code = self._codes.get(s)
            if code is None:
                code = self._codes[s] = chr(0xE000 + len(self._codes))
            out.append(code)
        return "".join(out)


class PartPattern:
    """One lexicon part with its pinyin views."""

    def __init__(self, part: Part, codebook: Codebook):
        self.part = part
        self.prepared = Prepared(part.key, codebook, context=True)
        self.key = part.key
        self.strict = len(part.key) <= STRICT_LEN
        pre = self.prepared
        if self.strict:  # exact characters, or toned pinyin for two characters
            self.grams = {("c", self.key)} | ({("t", pre.tone_codes)} if len(self.key) == 2 else set())
        else:  # a match above any threshold keeps at least one fuzzy-pinyin pair intact
            self.grams = {("f", pre.codes[i : i + 2]) for i in range(len(self.key) - 1)}

    def find(self, text: Prepared, lo: int = 0, hi: int | None = None, threshold: float = 85.0) -> Span | None:
        """Best match starting in text.key[lo:hi] (the end may run past hi by the part's length)."""
        n = len(text.key)
        hi = n if hi is None else min(hi, n)
        if lo >= hi:
            return None
        if self.strict:
            return self._find_exact(text, lo, hi)
        window_end = min(n, hi + len(self.key) + 2)
        if fuzz.partial_ratio(self.prepared.codes, text.codes[lo:window_end]) < threshold - PREFILTER_SLACK:
            return None
        span = self._align(text, lo, hi, window_end)
        return span if span and span.score >= threshold else None

    def _find_exact(self, text: Prepared, lo: int, hi: int) -> Span | None:
        m = len(self.key)
        pos = text.key.find(self.key, lo)
        if 0 <= pos < hi:
            return Span(pos, pos + m, 100.0)
        if m > 1:  # single characters never match by sound: 为 is not 喂
            pos = text.tone_codes.find(self.prepared.tone_codes, lo)
            if 0 <= pos < hi:
                return Span(pos, pos + m, 95.0)
        return None

    def _align(self, text: Prepared, lo: int, hi: int, window_end: int) -> Span | None:
        """Semi-global weighted alignment: the whole part against any substring starting in [lo, hi)."""
        p_key, p_py, p_fz = self.key, self.prepared.nt.pinyin, self.prepared.fuzzy
        t_key, t_py, t_fz = text.key, text.nt.pinyin, text.fuzzy
        m = len(p_key)
        cols = range(lo, window_end)
        # prev[j] = (cost, start) of aligning the part's first i chars ending before column j
        prev = [(0.0, j) for j in range(lo, window_end + 1)]
        for i in range(m):
            pc, pp, pf = p_key[i], p_py[i], p_fz[i]
            cur = [((i + 1) * COST_DELETE, lo)]
            for col, j in enumerate(cols):
                tc = t_key[j]
                if tc == pc:
                    sub = 0.0
                elif t_py[j] == pp:
                    sub = COST_HOMOPHONE
                elif t_fz[j] == pf:
                    sub = COST_NEAR
                else:
                    sub = COST_SUBSTITUTE
                diag, up, left = prev[col], prev[col + 1], cur[col]
                best = (diag[0] + sub, diag[1])
                if up[0] + COST_DELETE < best[0]:
                    best = (up[0] + COST_DELETE, up[1])
                if left[0] + COST_INSERT < best[0]:  # a start is free, so this is always inside
                    best = (left[0] + COST_INSERT, left[1])
                cur.append(best)
            prev = cur
        best_cost, best_start, best_end = None, 0, 0
        for col in range(1, len(prev)):
            cost, start = prev[col]
            if start >= hi:
                continue
            if best_cost is None or cost < best_cost - 1e-9:
                best_cost, best_start, best_end = cost, start, lo + col
        if best_cost is None:
            return None
        # An inserted character at either end is free in the alignment; trim it.
        while best_start < best_end and t_key[best_start] != p_key[0] and t_py[best_start] != p_py[0] and t_fz[best_start] != p_fz[0]:
            best_start += 1
        while best_end > best_start and t_key[best_end - 1] != p_key[-1] and t_py[best_end - 1] != p_py[-1] and t_fz[best_end - 1] != p_fz[-1]:
            best_end -= 1
        score = max(0.0, 100.0 * (1.0 - best_cost / m))
        return Span(best_start, best_end, round(score, 1))


@dataclass(frozen=True)
class Hit:
    """A whole form found in one prepared text: key positions [start, end)."""

    form: Form
    start: int
    end: int
    score: float


class Matcher:
    """Compiled lexicon forms; one per lexicon, shared by every conversation of a run."""

    def __init__(self, phrases: list[Phrase]):
        self.codebook = Codebook()
        self._parts: dict[Part, PartPattern] = {}
        self._index: dict[tuple[str, str], set[Part]] = {}
        self._forms_of: dict[Part, list[tuple[Form, str]]] = {}
        for phrase in phrases:
            for form in phrase.forms:
                for part in form.parts:
                    self.pattern(part)
                    self._forms_of.setdefault(part, []).append((form, phrase.id))
        self._tokenizer: jieba.Tokenizer | None = None
        self._tokenizer_lock = threading.Lock()

    def pattern(self, part: Part) -> PartPattern:
        pat = self._parts.get(part)
        if pat is None:
            pat = self._parts[part] = PartPattern(part, self.codebook)
            for gram in pat.grams:
                self._index.setdefault(gram, set()).add(part)
        return pat

    def present(self, text: Prepared) -> set[Part]:
        """Parts that could match in text: an n-gram index lookup instead of aligning every part."""
        if text.present is None:
            found: set[Part] = set()
            for gram in text.grams():
                parts = self._index.get(gram)
                if parts:
                    found |= parts
            text.present = found
        return text.present

    def candidates(self, text: Prepared) -> set[str]:
        """Ids of the phrases that could match in text; the rest need no alignment at all."""
        if text.owners is None:
            present = self.present(text)
            text.owners = {
                owner for part in present for form, owner in self._forms_of.get(part, ()) if all(p in present for p in form.parts)
            }
        return text.owners

    def prepare(self, text: str) -> Prepared:
        return Prepared(text, self.codebook)

    def join(self, a: Prepared, b: Prepared) -> Prepared:
        """Two turns as one text, for phrases said across them."""
        return Prepared(join(a.nt, b.nt), self.codebook)

    def tokenizer(self) -> jieba.Tokenizer:
        """jieba with the short lexicon words added; loading its dictionary takes ~0.6 s, so a scan
        calls this in a thread while the recordings are transcribed (hence the lock)."""
        with self._tokenizer_lock:
            if self._tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                for part in self._parts:  # longer words would hide the short ones inside them (谢谢 in 谢谢您的批评指正)
                    if 1 < len(part.key) <= STRICT_LEN:
                        tokenizer.add_word(part.key, freq=2000)
                self._tokenizer = tokenizer
        return self._tokenizer

    def tokens_align(self, text: Prepared, start: int, end: int) -> bool:
        """Does [start, end) fall on jieba word boundaries? Keeps 再见 out of 再见面, 喂 out of 喂养."""
        if text.bounds is None:
            starts, ends, pos = set(), set(), 0
            for tok in self.tokenizer().cut(text.key, HMM=False):
                starts.add(pos)
                pos += len(tok)
                ends.add(pos)
            text.bounds = (starts, ends)
        return start in text.bounds[0] and end in text.bounds[1]

    def find_form(self, form: Form, text: Prepared, threshold: float, anchored: bool = False) -> Hit | None:
        """Find `form` in `text`, its parts in order and within their gaps; anchored: at position 0."""
        present = self.present(text)
        if not all(p in present for p in form.parts):
            return None
        parts = [self._parts[p] for p in form.parts]
        head = parts[0].find(text, 0, 1 if anchored else None, threshold)
        if len(parts) == 1 and parts[0].strict and not anchored:
            # a short word counts only as a word of its own: 再见 not in 再见面
            while head is not None and not self.tokens_align(text, head.start, head.end):
                head = parts[0].find(text, head.start + 1, None, threshold)
        if head is None:
            return None
        end, scores = head.end, [(head.score, len(parts[0].key))]
        for pat in parts[1:]:
            gap_min, gap_max = pat.part.gap
            span = pat.find(text, end + gap_min, end + gap_max + 1, threshold)
            if span is None:
                return None
            end = span.end
            scores.append((span.score, len(pat.key)))
        total = sum(n for _, n in scores)
        return Hit(form, head.start, end, round(sum(s * n for s, n in scores) / total, 1))
