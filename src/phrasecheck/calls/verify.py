"""Acoustic verification of the call's opening words, prompt-free (issue #11, first step).

The base model writes the blunt opener 喂 as 为/未/微 (喂，什么事 -> 为什么事), so a text rule cannot
see it. Where the agent's first utterance starts with such a spelling, the model itself scores the
opener reading against the audio of that utterance: CTranslate2's Whisper `align()` gives the
probability of each token of a GIVEN text (teacher forcing, the same call faster-whisper's word
timestamps make), so the decoded text and the candidate (喂 in place of the homophone) are scored
on the same audio and compared. Nothing is ever given to the decoder as a prompt: what was decoded
stays the transcript; the turn records what was heard and by how much the audio preferred it.

Measured on samples/eval-calls (the first agent utterance, punctuation left out of both texts,
total log-probability): 喂什么事 -3.8 against the decoded 为什么事 -8.8; on the compliant calls no
candidate is formed at all (they open with 您好/你好/上午好…). A candidate is heard only when it
beats the decoded text by HEARD_MARGIN.
"""

from __future__ import annotations

import math
import re

import numpy as np

from phrasecheck.calls.audio import SAMPLE_RATE

# Spellings the recognizer gives 喂 (wèi / wéi) with at the start of an utterance.
WEI_SPELLINGS = "为未微位卫围唯维喂威违谓味尾畏"
HEARD_MARGIN = 2.0  # total log-probability the candidate must gain over the decoded text
_PUNCT = re.compile(r"[\s，。！？、,.!?;；:：\"'“”…—-]+")
MAX_SCORED_S = 8.0  # the opening words: the first seconds of the utterance are enough


def opener_candidates(text: str) -> list[tuple[int, int, str]]:
    """(char_start, char_end, heard) readings of the opening words worth scoring: a 喂 spelling
    (not 喂 itself) that opens the utterance and is not the start of a polite phrase (为您…)."""
    stripped = text.lstrip()
    lead = len(text) - len(stripped)
    if len(stripped) < 2 or stripped[0] not in WEI_SPELLINGS or stripped[0] == "喂":
        return []
    if stripped[1] in "您你":  # 为您服务, 未您… : the agent's own polite words
        return []
    return [(lead, lead + 1, "喂")]


class OpeningVerifier:
    """Scores texts against 16 kHz audio with a loaded faster-whisper WhisperModel."""

    def __init__(self, model) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        self.tokenizer = Tokenizer(model.hf_tokenizer, True, task="transcribe", language="zh")

    def scores(self, audio: np.ndarray, texts: list[str]) -> list[float]:
        """Total log-probability of each text (punctuation left out) given the audio."""
        from faster_whisper.audio import pad_or_trim

        features = self.model.feature_extractor(audio)
        frames = features.shape[-1]
        encoded = self.model.encode(pad_or_trim(features))
        out = []
        for text in texts:
            tokens = self.tokenizer.encode(_PUNCT.sub("", text))
            if not tokens:
                out.append(-math.inf)
                continue
            result = self.model.model.align(encoded, self.tokenizer.sot_sequence, [tokens], frames, median_filter_width=7)[0]
            probs = np.maximum(np.asarray(result.text_token_probs, dtype=np.float64), 1e-9)
            out.append(float(np.log(probs).sum()))
        return out

    def verify(self, audio: np.ndarray, text: str, words: list[tuple[int, int, float, float]], start_s: float) -> list[tuple[int, int, str, float]]:
        """Heard readings of the utterance's opening words: (char_start, char_end, heard, gain)."""
        candidates = opener_candidates(text)
        if not candidates:
            return []
        end_s = start_s + MAX_SCORED_S
        kept = [w for w in words if w[3] <= end_s] or words[:1]
        cut = kept[-1][1] if kept else len(text)
        said = text[:cut]
        lo = max(0, int((start_s - 0.3) * SAMPLE_RATE))
        hi = int((min(kept[-1][3], end_s) + 0.3) * SAMPLE_RATE) if kept else lo + int(MAX_SCORED_S * SAMPLE_RATE)
        piece = audio[lo:hi]
        if piece.size < SAMPLE_RATE // 10:
            return []
        texts = [said] + [said[:a] + heard + said[b:] for a, b, heard in candidates]
        decoded, *others = self.scores(piece, texts)
        return [(a, b, heard, round(s - decoded, 2)) for (a, b, heard), s in zip(candidates, others) if s - decoded >= HEARD_MARGIN]
