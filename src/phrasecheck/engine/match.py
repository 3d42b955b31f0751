"""The matching engine: lexicon forms x normalised agent turns -> scored hits.

Each part of a form is compared on characters and on toneless pinyin, so ASR homophones
(请少等 for 请稍等) still match. rapidfuzz's partial_ratio over fuzzy-pinyin codes rejects the
turns that cannot match cheaply; a small weighted alignment then scores the rest and gives the
exact span. Parts of one or two characters match only exactly (characters, or toned pinyin),
since fuzzy matching on them finds noise everywhere.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from phrasecheck.config.lexicon import Form, Part, Phrase
from phrasecheck.text import segment as words
from phrasecheck.text.normalize import Normalized, fuzzy_syllable, join, normalize

if TYPE_CHECKING:
    import jieba  # imported by text.segment (without pkg_resources)

# Alignment costs, in units of one pattern character.
COST_HOMOPHONE = 0.1  # same toneless pinyin: 神么 for 什么
COST_NEAR = 0.35  # same after folding zh/z, n/l, ang/an ...: ASR near-homophones
COST_SUBSTITUTE = 1.0
COST_INSERT = 0.6  # a word the speaker added inside the phrase: 墙上[都]贴着
COST_INSIDE = 0.25  # a character of words.yaml's `inside` words, which change nothing: 没看见我[这边]正忙
COST_DELETE = 1.0
COST_UNPAIRED = min(COST_SUBSTITUTE, COST_DELETE)  # a part character nothing in the text sounds like
STRICT_LEN = 2  # parts this short match exactly only
NEGATORS = "不没别未"  # an `inside` word right after one changes what is said: 不[就]知道了 is not 不知道
# Prepared turns (and pairs of turns) kept by text: real exports repeat canned replies thousands of
# times. About 8 KB each (tracemalloc over realdata), so the two caches hold at most ~65 MB.
PREPARED_CACHE = 4096
INVENTORIES_KEPT = 4  # Matcher._inventory's: a turn, its pair, the sentence it continues, and one more
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
        self.present: array | None = None  # numbers of the parts whose n-grams occur here (Matcher.present)
        self.owners: set[str] | None = None  # ids of phrases with a form whose parts are all present
        self.bounds: tuple[set[int], set[int]] | None = None  # jieba word starts and ends
        self.hits: dict[tuple, Hit | Span | None] = {}  # answers of Matcher.find_form and PartPattern.find here

    def grams(self) -> set[str]:
        """The n-grams the part index is keyed on: characters (1, 2), toned and fuzzy pinyin pairs.

        Pinyin pairs are codebook characters (private use area), so the three kinds of pair never
        collide with each other or with Chinese characters, and plain strings serve as keys."""
        key, tones, codes = self.key, self.tone_codes, self.codes
        out = set(key)
        out.update([key[i : i + 2] for i in range(len(key) - 1)])
        out.update([tones[i : i + 2] for i in range(len(key) - 1)])
        out.update([codes[i : i + 2] for i in range(len(key) - 1)])
        return out

    @property
    def key(self) -> str:
        return self.nt.key

    @cached_property
    def pinyin_codes(self) -> str:
        """Toneless pinyin, one codebook character per position."""
        return self._codebook.encode(self.nt.pinyin)

    @cached_property
    def codes(self) -> str:
        """Fuzzy pinyin (ASR confusions folded), one codebook character per position."""
        return self._codebook.encode_fuzzy(self.nt.pinyin)

    @cached_property
    def tone_codes(self) -> str:
        return self._codebook.encode(self.nt.tones)

    @cached_property
    def inventory(self) -> str:
        """The characters, pinyin codes and fuzzy codes occurring anywhere here, as one string (`in` on
        it is a fast scan in C; a set of one-character strings costs kilobytes per cached turn).
        Codes are private-use characters, so a kind is only mistaken for another where a turn itself
        holds private-use characters, and then _cost_bound comes out lower: it prunes less, never a match."""
        return self.key + self.pinyin_codes + self.codes


class Codebook:
    """Maps syllables to single characters so rapidfuzz can compare pinyin as strings."""

    def __init__(self) -> None:
        self._codes: dict[str, str] = {}
        self._fuzzy: dict[str, str] = {}  # toneless syllable -> code of its folded form
        self._sounds: dict[tuple[str, str, str], tuple[str, str, str]] = {}  # one (character, pinyin, fuzzy) tuple for all parts

    def sounds(self, text: str, pinyin_codes: str, codes: str) -> list[tuple[str, str, str]]:
        """Each character with its codes, the tuples shared by every part that has them."""
        return [self._sounds.setdefault(t, t) for t in zip(text, pinyin_codes, codes)]

    def code(self, syllable: str) -> str:
        code = self._codes.get(syllable)
        if code is None:
            code = self._codes[syllable] = chr(0xE000 + len(self._codes))
        return code

    def encode(self, syllables: list[str]) -> str:
        try:
            return "".join(map(self._codes.__getitem__, syllables))
        except KeyError:  # a syllable seen for the first time
            return "".join([self.code(s) for s in syllables])

    @staticmethod
    def bits(codes: str | set[str]) -> int:
        """A set of codes as an int with one bit per code: & and bit_count on it cost next to nothing."""
        out = 0
        for code in set(codes):
            out |= 1 << (ord(code) - 0xE000)
        return out

    def encode_fuzzy(self, syllables: list[str]) -> str:
        try:
            return "".join(map(self._fuzzy.__getitem__, syllables))
        except KeyError:
            for s in syllables:
                if s not in self._fuzzy:
                    self._fuzzy[s] = self.code("~" + fuzzy_syllable(s))
            return "".join(map(self._fuzzy.__getitem__, syllables))


def _splits_a_word(text: Prepared, span: Span) -> bool:
    """Whether the span opens with 不 or 没 cut off by a written pause: that one ends the clause before,
    as a question's 行不？/ 有没？ (您看行不，知道时间后… is no 不知道; 您要办不 知道手机号就能开通 neither).
    Other pauses inside a phrase stay (喂？喂？, 快点，快点: the recognizer's and chat's commas)."""
    return span.start + 1 in text.nt.breaks and span.end > span.start + 1 and text.key[span.start] in "不没"


class PartPattern:
    """One lexicon part with its pinyin views."""

    def __init__(self, part: Part, codebook: Codebook, inside: frozenset[str] = frozenset()):
        self.part = part
        self.inside = inside
        self.prepared = Prepared(part.key, codebook, context=True)
        self.key = part.key
        self.strict = len(part.key) <= STRICT_LEN
        pre = self.prepared
        self._chars = codebook.sounds(self.key, pre.pinyin_codes, pre.codes)
        # membership in the part's characters and codes: `in` on these short strings, not three sets per
        # part (thousands of parts, and a small set costs a few hundred bytes)
        self._pinyin, self._fuzzy = pre.pinyin_codes, pre.codes
        # A turn is read character by character (text/normalize.py), the part in context: a polyphone
        # reads apart (不了解: liao in the part, le in any turn). The index files the part under both
        # readings, and only the sounds both share are required of a text (not 不了解's liao).
        plain = Prepared(part.key, codebook).codes
        self._plain = plain if plain != pre.codes else ""
        self.required = "".join(a for a, b in zip(pre.codes, plain) if a == b) if self._plain else pre.codes
        self.sounds = Codebook.bits(self.required)  # its fuzzy-pinyin codes as bits (Matcher.viable)

    def grams(self) -> set[str]:
        """The n-grams the matcher files the part under (Matcher.present looks a text's up)."""
        if self.strict:  # exact characters, or toned pinyin for two characters
            return {self.key} | ({self.prepared.tone_codes} if len(self.key) == 2 else set())
        # a match above any threshold keeps at least one fuzzy-pinyin pair intact, in either reading
        return {codes[i : i + 2] for codes in (self._fuzzy, self._plain) for i in range(len(codes) - 1)}

    def find(self, text: Prepared, lo: int = 0, hi: int | None = None, threshold: float = 85.0) -> Span | None:
        """Best match starting in text.key[lo:hi] (the end may run past hi by the part's length)."""
        key = (self, lo, hi, threshold)
        if key in text.hits:
            return text.hits[key]
        span = self._find(text, lo, hi, threshold)
        while span is not None and _splits_a_word(text, span):
            span = self._find(text, span.start + 1, hi, threshold)
        text.hits[key] = span
        return span

    def _find(self, text: Prepared, lo: int, hi: int | None, threshold: float) -> Span | None:
        n = len(text.key)
        hi = n if hi is None else min(hi, n)
        if lo >= hi:
            return None
        if self.strict:
            return self._find_exact(text, lo, hi)
        m = len(self.key)
        exact = self.find_verbatim(text, lo, hi)
        if exact:  # cost 0: no alignment can beat it, and the DP would pick the first too
            return exact
        if not self.may_match(text.inventory, threshold):
            return None
        window_end = min(n, hi + m + 2)
        if fuzz.partial_ratio(self.prepared.codes, text.codes[lo:window_end]) < threshold - PREFILTER_SLACK:
            return None
        span = self._align(text, lo, hi, window_end, threshold)
        return span if span and span.score >= threshold else None

    def _related(self, text: Prepared, j: int) -> bool:
        """Does text position j equal, or sound like, some character of the part?"""
        return text.key[j] in self.key or text.pinyin_codes[j] in self._pinyin or text.codes[j] in self._fuzzy

    def find_verbatim(self, text: Prepared, lo: int = 0, hi: int | None = None) -> Span | None:
        """The first occurrence of the part's exact characters starting in [lo, hi)."""
        pos = text.key.find(self.key, lo)
        if 0 <= pos < (len(text.key) if hi is None else hi):
            return Span(pos, pos + len(self.key), 100.0)
        return None

    def allowed(self, threshold: float) -> float:
        """The most an alignment of the part may cost and still score `threshold`."""
        return len(self.key) * (1.0 - threshold / 100.0) + 1e-9

    def unpaired_cost(self, sounds: int) -> float:
        """What the part's sounds missing from a text's (Matcher._inventory's bits) cost at least: a
        whole character each; nothing for a short part, which matches exactly or not at all."""
        return 0.0 if self.strict else (self.sounds & ~sounds).bit_count() * COST_UNPAIRED

    def may_match(self, seen: str | set[str], threshold: float) -> bool:
        """False where the part cannot match anywhere in a text whose inventory (Prepared.inventory)
        is `seen`: each part character whose character, pinyin or fuzzy pinyin occurs nowhere in the
        text costs at least what its best possible pairing would, and those costs alone exceed what
        the threshold allows."""
        if self.strict or all(map(seen.__contains__, self.key)):  # map: no generator frame per character
            return True
        allowed = self.allowed(threshold)
        bound = 0.0
        for ch, py, fz in self._chars:
            if ch not in seen:
                bound += COST_HOMOPHONE if py in seen else COST_NEAR if fz in seen else COST_UNPAIRED
                if bound > allowed:
                    return False
        return True

    def _find_exact(self, text: Prepared, lo: int, hi: int) -> Span | None:
        verbatim = self.find_verbatim(text, lo, hi)
        if verbatim:
            return verbatim
        m = len(self.key)
        if m > 1:  # single characters never match by sound: 为 is not 喂
            pos = text.tone_codes.find(self.prepared.tone_codes, lo)
            if 0 <= pos < hi:
                return Span(pos, pos + m, 95.0)
        return None

    def _align(self, text: Prepared, lo: int, hi: int, window_end: int, threshold: float = 0.0) -> Span | None:
        """Semi-global weighted alignment: the whole part against any substring starting in [lo, hi).

        Costs only grow from row to row, so once a whole row costs more than `threshold` allows
        the part cannot match and the alignment stops (the result would be dropped anyway)."""
        p_key, p_py, p_fz = self.key, self.prepared.pinyin_codes, self.prepared.codes
        t_key, t_py, t_fz = text.key, text.pinyin_codes, text.codes
        m = len(p_key)
        give_up = m * (1.0 - (threshold - 0.05) / 100.0)  # 0.05: the score is rounded to one decimal
        window = list(zip(t_key[lo:window_end], t_py[lo:window_end], t_fz[lo:window_end]))
        inside = self.inside
        inserts = [COST_INSIDE if tc in inside and j and t_key[j - 1] not in NEGATORS else COST_INSERT for j, tc in enumerate(t_key[lo:window_end], lo)]
        # prev_cost[j], prev_start[j]: cheapest alignment of the part's first i chars ending before column j
        prev_cost = [0.0] * (len(window) + 1)
        prev_start = list(range(lo, window_end + 1))
        for i in range(m):
            pc, pp, pf = p_key[i], p_py[i], p_fz[i]
            subs = [0.0 if tc == pc else COST_HOMOPHONE if tp == pp else COST_NEAR if tf == pf else COST_SUBSTITUTE for tc, tp, tf in window]
            cost, start = (i + 1) * COST_DELETE, lo
            cur_cost, cur_start = [cost], [start]
            for j, sub in enumerate(subs):
                c, st = prev_cost[j] + sub, prev_start[j]
                up = prev_cost[j + 1] + COST_DELETE
                if up < c:
                    c, st = up, prev_start[j + 1]
                if cost + inserts[j] < c:  # a start is free, so this is always inside
                    c, st = cost + inserts[j], start
                cost, start = c, st
                cur_cost.append(c)
                cur_start.append(st)
            if min(cur_cost) > give_up:
                return None
            prev_cost, prev_start = cur_cost, cur_start
        best_cost, best_start, best_end = None, 0, 0
        for col in range(1, len(prev_cost)):
            cost, start = prev_cost[col], prev_start[col]
            if start >= hi:
                continue
            if best_cost is None or cost < best_cost - 1e-9:
                best_cost, best_start, best_end = cost, start, lo + col
        if best_cost is None:
            return None
        # A substituted character at either end is not evidence: leave out one that sounds like
        # nothing in the part (but never the whole span: the part's own ends may be deleted).
        if best_end - best_start > 1 and not self._related(text, best_start):
            best_start += 1
        if best_end - best_start > 1 and not self._related(text, best_end - 1):
            best_end -= 1
        score = max(0.0, 100.0 * (1.0 - best_cost / m))
        return Span(best_start, best_end, round(score, 1))


class _Recent:
    """What is derived from the texts being checked now (a turn, its pair with the next, the sentence
    it continues, one more), asked phrase after phrase: kept for the last INVENTORIES_KEPT texts only,
    since a set per cached turn would cost kilobytes each. make is a function of (owner, text),
    not a bound method: one would make a cycle, and a checker in a cycle is freed only by the
    collector's full passes (a server reloading its lexicon then holds ~100 MB a reload until one runs)."""

    def __init__(self, make) -> None:
        self._make = make
        self._kept: OrderedDict[int, tuple[Prepared, object]] = OrderedDict()  # by id(text), with the text itself

    def __call__(self, owner, text: Prepared):
        got = self._kept.get(id(text))
        if got is None or got[0] is not text:
            got = self._kept[id(text)] = (text, self._make(owner, text))
            if len(self._kept) > INVENTORIES_KEPT:
                self._kept.popitem(last=False)
        return got[1]

    def clear(self) -> None:
        self._kept.clear()


class TextCache:
    """A bounded cache of prepared texts: least recently used out, but a newcomer gets in only when
    it has been asked for more often (lately) than the entry it would push out (TinyLFU's admission).
    Plain LRU keeps nothing when texts come back in a cycle longer than the cache, as in an export
    of many similar days; this keeps the texts that do come back, and canned replies, which come
    back thousands of times, always get in. Counts are halved every 10 x size look-ups."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.freq: dict = {}
        self._ops = 0

    def get(self, key, make):
        freq = self.freq
        freq[key] = freq.get(key, 0) + 1
        self._ops += 1
        if self._ops >= 10 * max(self.size, 1):
            self.freq = freq = {k: n // 2 for k, n in freq.items() if n > 1}
            self._ops = 0
        entries = self.entries
        got = entries.get(key)
        if got is not None:
            entries.move_to_end(key)
            return got
        value = make()
        if self.size <= 0:
            return value
        if len(entries) < self.size:
            entries[key] = value
        else:
            victim = next(iter(entries))
            if freq.get(key, 0) > freq.get(victim, 0):
                del entries[victim]
                entries[key] = value
        return value


@dataclass(frozen=True)
class Hit:
    """A whole form found in one prepared text: key positions [start, end)."""

    form: Form
    start: int
    end: int
    score: float


class Matcher:
    """Compiled lexicon forms; one per lexicon, shared by every conversation of a run."""

    def __init__(self, phrases: list[Phrase], inside: str = "", thresholds: dict[str, float] | None = None):
        self.codebook = Codebook()
        self.inside = frozenset(inside)  # characters an inserted word may be made of at COST_INSIDE
        # phrase id -> the threshold its forms are found at (the profile's, else the lexicon's): what
        # candidates() may rule a part out by
        self._threshold = {p.id: p.threshold for p in phrases} | (thresholds or {})
        # Parts are numbered: the per-turn sets below hold ints, whose hashing costs nothing.
        self._parts: dict[Part, PartPattern] = {}
        self._pid: dict[Part, int] = {}
        self._by_pid: list[PartPattern] = []  # part number -> its pattern
        # character -> every fuzzy-pinyin code it has in some part: a text holding the character holds
        # each of those sounds, whatever its reading there (a polyphone)
        self._char_codes: dict[str, set[str]] = {}
        self._inventories = _Recent(Matcher._sounds_of)  # _inventory's
        self._present = _Recent(Matcher._present_in)  # present's sets
        self._index: dict[str, set[int]] = {}  # n-gram -> parts it may belong to
        # part -> phrase id -> the part sets of that phrase's forms keyed on the part (each form is keyed
        # on its longest part, the one least often present: a form can match only where it is present)
        self._keyed: dict[int, dict[str, list[tuple[int, ...]]]] = {}
        # Tens of thousands of forms: what is kept per form is a position in an array and one shared
        # tuple per distinct part set (no pair per form, no dict entry per form), so the checker stays
        # small in memory and in the cache folder (engine/compiled.py)
        self._form_set: dict[Form, tuple[int, ...]] = {}  # form_set's answers, for forms asked about one at a time
        self._forms_of: dict[str, list[Form]] = {}  # phrase id -> its forms (the phrase's own list)
        self._sets_of: dict[str, list[tuple[int, ...]]] = {}  # phrase id -> each form's part numbers, in step with _forms_of
        self._keyed_forms: dict[str, dict[int, array]] = {}  # phrase id -> key part -> its forms (positions in _forms_of)
        distinct: dict[tuple[int, ...], tuple[int, ...]] = {}
        for phrase in phrases:
            by_key: dict[int, list[int]] = {}
            kept: set[tuple[int, tuple[int, ...]]] = set()
            self._forms_of[phrase.id] = phrase.forms
            sets = self._sets_of[phrase.id] = []
            for i, form in enumerate(phrase.forms):
                parts = self._part_numbers(form)
                parts = distinct.setdefault(parts, parts)
                sets.append(parts)
                longest = self._pid[max(form.parts, key=lambda p: len(p.key))]
                by_key.setdefault(longest, []).append(i)
                keyed = self._keyed.setdefault(longest, {}).setdefault(phrase.id, [])
                if (longest, parts) not in kept:
                    kept.add((longest, parts))
                    keyed.append(parts)
            self._keyed_forms[phrase.id] = {pid: array("i", at) for pid, at in by_key.items()}
        self._witnessed, self._unwitnessed = self._witnesses()
        # key part -> what candidates() weighs it by, worked out once: its sounds as bits (none for a
        # short part, matched exactly or not at all), the most any owner allows, and each owner with
        # what it allows and its forms' part sets
        self._weigh: dict[int, tuple[int, float, tuple[tuple[str, float, list[tuple[int, ...]]], ...]]] = {}
        for pid, owners in self._keyed.items():
            pat = self._by_pid[pid]
            entries = tuple((owner, pat.allowed(self._threshold[owner]), sets) for owner, sets in owners.items())
            self._weigh[pid] = (0 if pat.strict else pat.sounds, max(e[1] for e in entries), entries)
        self._tokenizer: jieba.Tokenizer | None = None
        self._prepared = TextCache(PREPARED_CACHE)
        self._joined = TextCache(PREPARED_CACHE)

    def _witnesses(self) -> tuple[dict[str, set[int]], set[int]]:
        """Key parts by sounds they cannot do without: a part that may leave u of its sounds unpaired
        (an unpaired character costs COST_UNPAIRED; most short parts may leave none) can only match in a
        text holding at least one of any u + 1 of its sounds, so it is filed under its u + 1 rarest,
        and a text looks up only the parts filed under its own sounds. Short parts matched exactly, and
        parts with too few sounds to file, are always looked at."""
        rarity: dict[str, int] = {}
        for pat in self._by_pid:
            for code in set(pat.required):
                rarity[code] = rarity.get(code, 0) + 1
        witnessed: dict[str, set[int]] = {}
        unwitnessed: set[int] = set()
        for pid, owners in self._keyed.items():
            pat = self._by_pid[pid]
            codes = sorted(set(pat.required), key=rarity.__getitem__)
            spare = int(pat.allowed(min(self._threshold[o] for o in owners)) // COST_UNPAIRED)
            if pat.strict or spare >= len(codes):
                unwitnessed.add(pid)
            else:
                for code in codes[: spare + 1]:
                    witnessed.setdefault(code, set()).add(pid)
        return witnessed, unwitnessed

    def normalized(self) -> dict[str, Normalized]:
        """Each compiled part's key, normalised as a lexicon pattern is (pinyin in context)."""
        return {pat.key: pat.prepared.nt for pat in self._by_pid}

    def pattern(self, part: Part) -> PartPattern:
        pat = self._parts.get(part)
        if pat is None:
            pat = self._parts[part] = PartPattern(part, self.codebook, self.inside)
            pid = self._pid[part] = len(self._pid)
            self._by_pid.append(pat)
            for ch, fz in zip(pat.key, pat.prepared.codes):
                self._char_codes.setdefault(ch, set()).add(fz)
            self._inventories.clear()  # a text's sounds are read through _char_codes
            for gram in pat.grams():
                self._index.setdefault(gram, set()).add(pid)
        return pat

    def form_set(self, form: Form) -> tuple[int, ...]:
        """The numbers of the form's parts, each once, sorted (compiling the parts the first time).
        A tuple, not a frozenset: tens of thousands of forms, and a set's table costs four times the room."""
        got = self._form_set.get(form)
        if got is None:
            got = self._form_set[form] = self._part_numbers(form)
        return got

    def _part_numbers(self, form: Form) -> tuple[int, ...]:
        for part in form.parts:
            self.pattern(part)
        return tuple(sorted({self._pid[part] for part in form.parts}))

    def present(self, text: Prepared) -> set[int]:
        """Parts that could match in text: an n-gram index lookup instead of aligning every part.

        A cached text keeps them as an array (4 bytes a part, where a set of a few hundred parts
        costs kilobytes: thousands of cached turns and pairs held tens of MB of sets), and the
        set is made again for the texts being checked now, as _inventory's are."""
        return self._present(self, text)

    def _present_in(self, text: Prepared) -> set[int]:
        if text.present is not None:
            return set(text.present)
        found: set[int] = set()
        index = self._index
        for gram in text.grams() & index.keys():  # a set operation in C, then the few hits
            found |= index[gram]
        text.present = array("I", found)
        return found

    def candidates(self, text: Prepared) -> set[str]:
        """Ids of the phrases that could match in text; the rest need no alignment at all. A phrase
        could where some form's parts are all present and its key part has the sounds it needs."""
        if text.owners is None:
            present = self.present(text)
            covered = present.issuperset
            _, sounds, codes = self._inventory(text)
            witnessed, weigh, lacking = self._witnessed, self._weigh, ~sounds
            owners: set[str] = set()
            for pid in (present & self._unwitnessed) | present.intersection(set().union(*[witnessed[c] for c in codes if c in witnessed])):
                bits, most, entries = weigh[pid]
                missing = (bits & lacking).bit_count() * COST_UNPAIRED  # PartPattern.unpaired_cost, inlined: asked millions of times
                if missing > most:
                    continue
                for owner, allowed, sets in entries:
                    if missing <= allowed and owner not in owners and any(map(covered, sets)):
                        owners.add(owner)
            text.owners = owners
        return text.owners

    def viable(self, phrase: Phrase, text: Prepared, threshold: float) -> list[Form]:
        """The phrase's forms (in the lexicon's order) whose parts each match somewhere in text.

        words.yaml's synonyms give a phrase hundreds of forms that share their parts, so each part is
        aligned at most once (anywhere in the text, which every narrower search of find_form lies
        inside), a form's key part first: where it is not found, none of the forms keyed on it is
        looked at. Most key parts are turned down by their sounds alone: each sound of the part that
        nothing in the text has costs a whole character (PartPattern.may_match)."""
        present = self.present(text)
        seen, sounds, _ = self._inventory(text)
        found: dict[int, bool] = {}

        def matches(pid: int) -> bool:
            got = found.get(pid)
            if got is None:
                pat = self._by_pid[pid]
                got = found[pid] = pat.strict or (
                    pat.unpaired_cost(sounds) <= pat.allowed(threshold) and pat.may_match(seen, threshold) and pat.find(text, 0, None, threshold) is not None
                )
            return got

        forms, sets = self._forms_of[phrase.id], self._sets_of[phrase.id]
        keyed = self._keyed_forms[phrase.id]
        covered = present.issuperset
        picked = [i for pid in present & keyed.keys() if matches(pid) for i in keyed[pid] if covered(sets[i]) and all(map(matches, sets[i]))]
        return [forms[i] for i in sorted(picked)]

    def _inventory(self, text: Prepared) -> tuple[set[str], int, set[str]]:
        """text.inventory as a set, and every sound the text has (its fuzzy-pinyin codes and those its
        characters have in the lexicon's parts) as a set and as bits, for the texts being checked now:
        a turn, its pair with the next and the sentence it continues are asked in turn, phrase after
        phrase. Kept for the last few only (a set per cached turn would cost kilobytes each)."""
        return self._inventories(self, text)

    def _sounds_of(self, text: Prepared) -> tuple[set[str], int, set[str]]:
        codes = set(text.codes)
        char_codes = self._char_codes
        for ch in set(text.key):
            if ch in char_codes:
                codes |= char_codes[ch]
        return set(text.inventory), Codebook.bits(codes), codes

    def prepare(self, text: str) -> Prepared:
        """The turn's text prepared once: a repeated text (a canned reply) gets the same Prepared back,
        with its normalisation, pinyin, index lookups, word boundaries and form matches already done.
        Everything cached on a Prepared depends on its text alone, so sharing it changes no result."""
        return self._prepared.get(text, lambda: Prepared(text, self.codebook))

    def join(self, a: Prepared, b: Prepared) -> Prepared:
        """Two turns as one text, for phrases said across them; cached like prepared turns, since the
        same canned replies follow each other again and again."""
        return self._joined.get((a.nt.original, b.nt.original), lambda: self._join(a, b))

    def _join(self, a: Prepared, b: Prepared) -> Prepared:
        """Two turns as one text.

        A part occurs in the pair where it occurs in either turn or has an n-gram across the seam,
        so the pair's index lookup needs only the seam's three pairs, and its pinyin views are the
        turns' own, laid end to end."""
        pair = Prepared(join(a.nt, b.nt), self.codebook)
        for view in ("pinyin_codes", "codes", "tone_codes"):
            pair.__dict__[view] = getattr(a, view) + getattr(b, view)
        found = self.present(a) | self.present(b)
        if a.key and b.key:
            for gram in (a.key[-1] + b.key[0], a.tone_codes[-1] + b.tone_codes[0], a.codes[-1] + b.codes[0]):
                found |= self._index.get(gram, set())
        pair.present = array("I", found)
        return pair

    def tokenizer(self) -> jieba.Tokenizer:
        """jieba (its dictionary looked up lazily: words.py) with the short lexicon words added."""
        if self._tokenizer is None:
            tokenizer = words.tokenizer()
            for part in self._parts:  # else jieba cuts some apart (我 / 姓, 好 / 吗) and they never sit on word boundaries
                if 1 < len(part.key) <= STRICT_LEN:
                    tokenizer.add_word(part.key, freq=2000)
            self._tokenizer = tokenizer
        return self._tokenizer

    def tokens_align(self, text: Prepared, start: int, end: int) -> bool:
        """Does [start, end) fall on jieba word boundaries? Keeps 再见 out of 再见面, 喂 out of 喂养.
        Each clause is cut on its own: a written pause ends a word (您好，好车二手车 is 您好 and 好车, where
        the key's 你好好车 cut whole gives 你 / 好好 / 车 and the greeting's 您好 was no word)."""
        if text.bounds is None:
            starts, ends = set(), set()
            cuts = [0, *sorted(b for b in text.nt.breaks if 0 < b < len(text.key)), len(text.key)]
            for lo, hi in zip(cuts, cuts[1:]):
                pos = lo
                for tok in self.tokenizer().cut(text.key[lo:hi], HMM=False):
                    starts.add(pos)
                    pos += len(tok)
                    ends.add(pos)
            text.bounds = (starts, ends)
        return start in text.bounds[0] and end in text.bounds[1]

    def find_form(self, form: Form, text: Prepared, threshold: float, anchored: bool = False) -> Hit | None:
        """Find `form` in `text`, its parts in order and within their gaps; anchored: at position 0."""
        key = (id(form), threshold, anchored)
        if key in text.hits:
            return text.hits[key]
        hit = text.hits[key] = self._find_form(form, text, threshold, anchored)
        return hit

    def _find_form(self, form: Form, text: Prepared, threshold: float, anchored: bool) -> Hit | None:
        if not self.present(text).issuperset(self.form_set(form)):
            return None
        parts = [self._parts[p] for p in form.parts]
        head = parts[0].find(text, 0, 1 if anchored else None, threshold)
        if len(parts) == 1 and parts[0].strict and not anchored:
            # a short word counts only as a word of its own: 再见 not in 再见面
            while head is not None and not self.tokens_align(text, head.start, head.end):
                head = parts[0].find(text, head.start + 1, None, threshold)
        while head is not None:
            hit = self._from_head(form, parts, head, text, threshold)
            if hit is not None or anchored:
                return hit
            # the rest is not within its gaps of this head: perhaps of a later one (哪个岐经理？…哪个都不在)
            head = parts[0].find(text, head.start + 1, None, threshold)
        return None

    def _from_head(self, form: Form, parts: list, head, text: Prepared, threshold: float) -> Hit | None:
        """The form's hit whose first part is `head`: each later part within its gap of the one before."""
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
