"""Acoustic verification, prompt-free: does the audio fit a rule's words as well as what was decoded?

The base model writes 烦死人了 as 反此言论, 我姓李 as 我敬礼, 喂 as 为. engine/nearmiss.py proposes,
for each such place, the transcript with the rule's words in place (a Candidate). Here the model
itself scores both texts against the same audio: CTranslate2's Whisper `align()` gives the
probability of each token of a GIVEN text (teacher forcing, the call faster-whisper's word
timestamps make). Nothing is ever given to the decoder as a prompt: the transcript stays what was
decoded, and the turn records what was heard and how the audio fit it (Turn.heard).

A candidate is heard when the audio fits it about as well as the decoded text: its total
log-probability is at most HEARD_TOLERANCE below the decoded text's. Beam search already picked
the decoded text as the likeliest, so a reading the audio truly carries comes close to it (measured
on samples/eval-calls: -0.1 to -3.3), while words that were not said fall far behind (-9.6 and
below). Where the decoded characters already sound exactly like the rule's (为 / 喂, 那里 / 哪里) the
scores cannot tell them apart that way, so the candidate must beat the decoded text by
HOMOPHONE_MARGIN instead.

Cost: the words around each candidate (CONTEXT_S of speech either side, not its whole utterance)
are encoded once, at their own length (not padded to 30 s: 2 s of speech cost 0.08 s instead of
1-2 s), and their texts (the decoded one and every reading) are then scored in one align() call, a
pass of the decoder each. Encoding grows with the audio and is most of the cost.
`benchmarks/scan_speed.py` measures the whole (scan against scan --no-verify).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from phrasecheck.calls.audio import SAMPLE_RATE
from phrasecheck.calls.numerics import one_blas_thread
from phrasecheck.data import Turn
from phrasecheck.engine.nearmiss import Candidate

if TYPE_CHECKING:  # numpy is imported where audio is scored: a chat check never pays for it
    import numpy as np

HEARD_TOLERANCE = 4.0  # total log-probability a heard reading may fall below the decoded text
# ... and a reading of LONG_READING characters or more (more tokens, more room to fall): measured with
# benchmarks/verify_controls.py on 16 sets (476 calls), the proposed forbidden readings that scored
# between -5 and -4 were all truly said (7: 烦死人了 for 反死原来, 有事明天再来, 还没听明白), and the
# best untrue one scored -5.87 (我哪知道 for 喂,您在到).
LONG_READING = 3
LONG_TOLERANCE = 5.0
# A greeting part heard clears a G01 failure instead of accusing anyone: a looser tolerance there.
CREDIT_TOLERANCE = 7.0
HOMOPHONE_MARGIN = 2.0  # ... and what a reading that sounds the same must gain over it
# A word the decoder dropped (喂 before 那里讲话, Candidate.inserted) always adds tokens, so the whole
# reading falls below the decoded text even when it is true: the added tokens must fit the audio on
# their own (their log-probability at least INSERTED_FLOOR) and the whole may fall at most
# INSERTED_TOLERANCE below the decoded text. Calibrated with benchmarks/verify_callstart.py.
INSERTED_FLOOR = -6.0
INSERTED_TOLERANCE = 7.0
INSERTED_PAD_S = 1.0  # audio kept before a turn whose first word was dropped (it was said before the turn's first timed word)
# A reading is heard only if its tokens average at least this log-probability on the audio: where
# the decoded text fits the audio badly too (a turn's audio cut short, a garbled stretch), any
# shorter reading "beats" it (3 tokens at -10 over 4: 你别来了 for 顶单好, gain +19.6). Measured with
# benchmarks/verify_controls.py on every committed set: readings heard as truly said average -0.4
# to -4.6; 11 of the 14 forced negative controls that passed the gain rule average -4.6 to -12.2.
READING_FLOOR = -5.0
WINDOW_S = 30.0  # the encoder's window
PAD_S = 0.3  # audio kept around the speech scored
TAIL_S = 0.5  # silence after it (the scores were calibrated with it)
MAX_PIECE_S = 12.0  # at most this much speech around a turn's candidates
# Speech kept either side of a turn's candidates' words. Against whole utterances (up to MAX_PIECE_S),
# benchmarks/verify_controls.py on holdout14-18 (300 recordings, 3,831 readings) spent 39% less CPU
# and heard the same within noise: forbidden readings truly said 42 of 198 (whole utterances: 40),
# 38 of them surely (checker.HEARD_SURE; 37); not said 6 of 710 (5), surely 4 (4); forced negatives
# 4 of 2,802 (7). With 1.5 s, 47% less, but only 32 truly said were heard surely: the words around
# a reading are what lets the model prefer it.
CONTEXT_S = 2.5
_PUNCT = re.compile(r"[\s，。！？、,.!?;；:：\"'“”…—-]+")


class Verifier:
    """Scores readings against 16 kHz audio with a loaded faster-whisper WhisperModel."""

    def __init__(self, model) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        self.tokenizer = Tokenizer(model.hf_tokenizer, True, task="transcribe", language="zh")

    def scores(self, audio: np.ndarray, texts: Sequence[str]) -> list[float]:
        """Total log-probability of each text (punctuation left out) given at most 30 s of audio."""
        return [float(lp.sum()) if len(lp) else -math.inf for _, lp in self.token_logprobs(audio, texts)]

    def token_logprobs(self, audio: np.ndarray, texts: Sequence[str]) -> list[tuple[list[int], np.ndarray]]:
        """Each text's tokens (punctuation left out) and the log-probability of each, given at most 30 s of audio."""
        import numpy as np

        with one_blas_thread():  # no idle BLAS thread left spinning beside the encoder (numerics.one_blas_thread)
            features = self.model.feature_extractor(audio)[:, : int(WINDOW_S * 100)]
        frames = features.shape[-1]
        # Encoded at its own length, not padded to 30 s: CTranslate2 takes shorter input, and the
        # encoder's cost falls with it (2 s of speech: 0.08 s instead of 1-2 s on 2 cores).
        encoded = self.model.encode(features)
        tokens = [self.tokenizer.encode(_PUNCT.sub("", text)) for text in texts]
        scored = [k for k, t in enumerate(tokens) if t]
        logprobs = [np.zeros(0)] * len(texts)
        # On the CPU every text goes in one align() call, each against its own copy of the encoded
        # audio, tiled in numpy (a GPU's encoder output stays on the GPU, and numpy has no bfloat16:
        # one call a text there). Against a call a text, on 275 recordings (3,518 proposed and
        # forced readings): the same gains to 0.01 but for 44, all -14 or below (tokens the audio
        # all but rules out), which moved by at most 0.3.
        batches = [scored] if encoded.device == "cpu" and str(encoded.dtype).endswith(".float32") else [[k] for k in scored]
        for batch in filter(None, batches):
            features = _tiled(encoded, len(batch))
            results = self.model.model.align(features, self.tokenizer.sot_sequence, [tokens[k] for k in batch], [frames] * len(batch), median_filter_width=7)
            for k, result in zip(batch, results):
                logprobs[k] = np.log(np.maximum(np.asarray(result.text_token_probs, dtype=np.float64), 1e-9))
        return list(zip(tokens, logprobs))

    def verify(self, channel: np.ndarray, turns: list[Turn], candidates: list[Candidate]) -> dict[int, list[tuple[int, int, str, float]]]:
        """What was heard, per turn index: (char_start, char_end, words, gain over the decoded text)."""
        heard: dict[int, list[tuple[int, int, str, float]]] = {}
        for c, gain, own in self.scored(channel, turns, candidates):
            if is_heard(c, gain, own):
                heard.setdefault(c.turn, []).append((c.start, c.end, c.words, gain))
        return heard

    def scored(self, channel: np.ndarray, turns: list[Turn], candidates: list[Candidate]) -> list[tuple[Candidate, float, float | None]]:
        """Each candidate's log-probability gain over the decoded text on the same audio (-inf for a
        reading that does not fit the audio on its own, READING_FLOOR), and the
        log-probability of an inserted candidate's added tokens (None for others). Candidates in
        turns without times, or too long to place, are left out."""
        import numpy as np

        out = []
        for piece in _pieces(turns, candidates):
            audio = np.concatenate([channel[piece.lo : piece.hi], np.zeros(int(TAIL_S * SAMPLE_RATE), np.float32)])
            readings = [c.reading(turns[c.turn].text)[piece.first : piece.last + (len(c.words) - (c.end - c.start))] for c in piece.candidates]
            (base_tokens, base), *others = self.token_logprobs(audio, [piece.text, *readings])
            for c, (tokens, lp) in zip(piece.candidates, others):
                fits = len(lp) and len(base) and lp.mean() >= READING_FLOOR
                gain = round(float(lp.sum() - base.sum()), 2) if fits else -math.inf
                out.append((c, gain, round(float(lp[: _added(base_tokens, tokens)].sum()), 2) if c.inserted else None))
        return out


def _tiled(encoded, n: int):
    """The encoder's output (a ctranslate2.StorageView, batch 1) repeated n times along the batch."""
    if n == 1:
        return encoded
    import ctranslate2
    import numpy as np

    return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.repeat(np.asarray(encoded), n, axis=0)))


def _added(base: list[int], tokens: list[int]) -> int:
    """How many tokens a reading adds before the decoded text's (the common tail left out)."""
    same = 0
    while same < min(len(base), len(tokens)) and base[-1 - same] == tokens[-1 - same]:
        same += 1
    return len(tokens) - same


def is_heard(c: Candidate, gain: float, own: float | None = None) -> bool:
    """The rule above: about as well as the decoded text, or clearly better for a homophone; an
    inserted word also on its own (own: its tokens' log-probability)."""
    if c.inserted:
        return own is not None and own >= INSERTED_FLOOR and gain >= -INSERTED_TOLERANCE
    if c.homophone:
        return gain >= HOMOPHONE_MARGIN
    if c.credit:
        return gain >= -CREDIT_TOLERANCE
    return gain >= -(LONG_TOLERANCE if len(_PUNCT.sub("", c.words)) >= LONG_READING else HEARD_TOLERANCE)


class _Piece:
    """A stretch of one turn's audio and the text said in it, with the candidates inside."""

    def __init__(self, turn: Turn, first: int, last: int, start_s: float, end_s: float, candidates: list[Candidate]):
        self.first, self.last = first, last  # characters of the turn's text
        self.text = turn.text[first:last]
        self.lo = max(0, int((start_s - PAD_S) * SAMPLE_RATE))
        self.hi = int((end_s + PAD_S) * SAMPLE_RATE)
        self.candidates = candidates


def _piece(turn: Turn, candidates: list[Candidate], before: float = 0.0) -> _Piece | None:
    """before: where the audio before the turn is someone else's (the previous turn's end)."""
    if turn.start_s is None or turn.end_s is None:
        return None
    # a dropped first word: said before the turn's first timed word, so the audio before it is kept too
    dropped = any(c.inserted and c.start == 0 for c in candidates)
    opening = min(max(before, turn.start_s - INSERTED_PAD_S) + PAD_S, turn.start_s) if dropped else turn.start_s
    if not turn.words:
        if turn.end_s - turn.start_s > WINDOW_S - 2 * PAD_S - TAIL_S:
            return None
        return _Piece(turn, 0, len(turn.text), opening, turn.end_s, candidates)
    # The words around the candidates: CONTEXT_S of speech either side, at most MAX_PIECE_S in all.
    lo_c, hi_c = min(c.start for c in candidates), max(c.end for c in candidates)
    inside = [w for w in turn.words if w[1] > lo_c and w[0] < hi_c] or turn.words[:1]
    lo_s, hi_s = inside[0][2] - CONTEXT_S, inside[-1][3] + CONTEXT_S
    if hi_s - lo_s > MAX_PIECE_S:
        mid = (inside[0][2] + inside[-1][3]) / 2
        lo_s, hi_s = mid - MAX_PIECE_S / 2, mid + MAX_PIECE_S / 2
    kept = [w for w in turn.words if lo_s <= (w[2] + w[3]) / 2 <= hi_s]
    if not kept:
        return None
    whole = kept[0] is turn.words[0], kept[-1] is turn.words[-1]
    first, last = (0 if whole[0] else kept[0][0]), (len(turn.text) if whole[1] else kept[-1][1])
    start_s, end_s = (opening if whole[0] else kept[0][2]), (turn.end_s if whole[1] else kept[-1][3])
    return _Piece(turn, first, last, start_s, end_s, [c for c in candidates if first <= c.start and c.end <= last])


def _pieces(turns: list[Turn], candidates: list[Candidate]) -> list[_Piece]:
    """The speech around each turn's candidates, each scored on its own: laid together in one
    window, a reading's score moved with its neighbours' audio (急什么烦死人了: -3.3 alone, -5.5
    beside another turn), and audio encoded at its own length costs the same either way."""
    by_turn: dict[int, list[Candidate]] = {}
    for c in candidates:
        by_turn.setdefault(c.turn, []).append(c)
    ends = [t.end_s for t in turns]
    pieces = (_piece(turns[k], by_turn[k], max((e for e in ends[:k] if e is not None), default=0.0)) for k in sorted(by_turn))
    return [piece for piece in pieces if piece is not None and piece.candidates]


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """The proposing and scoring code itself, and the engine and text stages the proposer reads
    through the checker (a rule the checker now finds is no longer proposed): any change to them
    redoes cached verifications (they are cheap next to transcription, and a stale one would hide
    what the change does)."""
    from pathlib import Path

    from phrasecheck import engine, text

    digest = hashlib.sha256()
    modules = sorted(Path(engine.__file__).parent.glob("*.py")) + sorted(Path(text.__file__).parent.glob("*.py")) + [Path(__file__)]
    for module in modules:
        digest.update(module.read_bytes())
    return digest.hexdigest()[:16]


class Verification:
    """What call transcripts are verified against: the rules' words, from one lexicon and profile.
    Sent to worker processes and Ray tasks as it is; each builds its own checker on first use."""

    def __init__(self, lexicon, profile, checker=None) -> None:
        """checker: the run's own Checker of this lexicon and profile, if built (reused in this
        process; workers build theirs)."""
        self.lexicon = lexicon
        self.profile = profile
        self._checker = checker
        self._proposer = None
        self._digest: str | None = None

    @classmethod
    def of(cls, checker) -> Verification:
        """Verification against a run's own checker: its lexicon and profile, the checker reused here."""
        return cls(checker.lexicon, checker.profile, checker)

    def __getstate__(self) -> dict:
        return {"lexicon": self.lexicon, "profile": self.profile, "_checker": None, "_proposer": None, "_digest": None}

    @property
    def checker(self):
        if self._checker is None:
            from phrasecheck.engine.checker import Checker

            self._checker = Checker(self.lexicon, self.profile)
        return self._checker

    @property
    def proposer(self):
        """Built on the first recording to verify: a run whose verification is all cached never needs it."""
        if self._proposer is None:
            from phrasecheck.engine.compiled import cached_proposer

            self._proposer = cached_proposer(self.checker)
        return self._proposer

    def key(self, agent_id: str) -> str:
        """The cache key of one recording's verification: everything proposing and scoring read."""
        stable = [self._rules_digest(), self.checker.profile.company, self.checker.profile.agents.get(agent_id)]
        return "verify:" + hashlib.sha256(json.dumps(stable, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]

    def _rules_digest(self) -> str:
        """The rules' part of the key, once per run: it reads every form (0.1-0.4 s a recording when it was redone for each)."""
        if self._digest is None:
            checker = self.checker
            rules = sorted((p.id, tuple(f.text for f in p.forms)) for p in checker.phrases if p.kind in ("forbidden", "opener"))
            greeting = checker.greeting
            parts = sorted((k, tuple(f.text for f in v)) for k, v in greeting.parts.items()) if greeting else []
            self._digest = hashlib.sha256(json.dumps([_code_digest(), rules, parts], ensure_ascii=False, sort_keys=True).encode()).hexdigest()
        return self._digest
