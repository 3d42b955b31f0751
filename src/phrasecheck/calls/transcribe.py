"""Recording -> Conversation: decode, transcribe each party with faster-whisper, attribute, merge.

Stereo call-centre recordings carry one party per channel (roles "channels"); mono recordings get
a text heuristic (roles.py) and roles "inferred", then, after the transcript cache, the voices
(voices.py: where the call shows two voices, turns are split and attributed by pitch). The speech the VAD finds on each channel is
decoded in windows that never mix channels, all of a call's windows in one batched pass; each word
goes back to its channel and original time (chunking.py), and segments are merged into turns by
start time. Decoding choices, all measured on this project's samples, 37 synthetic calls and
../shared/realdata (benchmarks/asr_cer.py, benchmarks/scan_speed.py):
  * language zh, beam 5, int8 on CPU, float16 on CUDA; faster-whisper's BatchedInferencePipeline
    on both (on the CPU it decodes a call's windows ~14% faster than one after another), each
    window encoded at its own length (ENCODE_STEP_S), not padded to 30 s;
  * Silero VAD: a stereo channel is silent about half the time and Whisper invents text on
    silence; silence is never decoded, so a channel without speech yields no turns;
  * condition_on_previous_text=False: one hallucinated segment cannot seed the next one;
  * no initial_prompt / hotwords from the lexicon: measured, it makes the base model write
    courtesy phrases nobody said, crediting agents for words they never spoke;
  * word_timestamps=True, so findings point at the phrase, not at a 20-second segment.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import numpy as np

from phrasecheck.calls.asr_text import WordPiece, ZhText, has_loop, is_hallucination, is_loop
from phrasecheck.calls.audio import DUAL_MONO_NOTE, SAMPLE_RATE, Audio, file_sha256, load_audio
from phrasecheck.calls.cache import TranscriptCache
from phrasecheck.calls.chunking import WINDOW_S, Chunk, Span, Window, layout, pad_regions, window_at
from phrasecheck.calls.model_files import DEFAULT_MODEL, ResolvedModel, cuda_hint, load_whisper, resolve_model
from phrasecheck.calls.roles import attribute, opening_question
from phrasecheck.data import AGENT, CUSTOMER, MIXED, ROLES_CHANNELS, ROLES_INFERRED, Conversation, Turn
from phrasecheck.errors import InputError, ModelError, NoSpeech

__all__ = [
    "TranscribeOptions",
    "Segment",
    "Channels",
    "Transcript",
    "WhisperTranscriber",
    "ModelError",
    "InputError",
    "Job",
    "transcribe_batch",
    "transcribe_file",
    "build_transcript",
]

# Bump when the post-processing below changes what a transcript holds: old cache entries then miss.
PIPELINE_VERSION = 9  # 9: a single-channel call's opening question cut from the words that answer it;
# 8: an utterance that gave far fewer characters than its speech holds is decoded again;
# 7: each window encoded at its own length (ENCODE_STEP_S), not padded to 30 s;
# 6: each word's probability kept, verification cached apart from the transcript;
# 5: the opening words verified acoustically (verify.py); 4: each channel's speech regions kept,
# dual mono decoded as mono, turns end at every pause the VAD splits at
# (3: windows of one channel decoded in one batched pass; mono splits at sentence ends)
MERGE_GAP_S = 1.0  # same-party segments closer than this become one turn
# Whisper's segments can span several VAD chunks (up to 30 s), hiding the other party's turn in
# between; a pause between words longer than this starts a new segment.
SPLIT_GAP_S = 0.8
# In a mono recording a change of speaker can hide inside one Whisper segment (seen on CUDA, where
# the other sentence followed after 0.6 s): a sentence end followed by this pause also splits, so
# the role heuristic sees each sentence on its own.
SENTENCE_GAP_S = 0.3
_SENTENCE_END = re.compile(r"[。！？!?]\s*$")
# Decoding chunks pad speech generously (800 ms: cutting closer costs accuracy), and Whisper then
# puts the first word after a pause up to a second early, into the padding. One tight VAD pass
# gives the speech regions that word times are clamped to; the padded chunks derive from it.
TIGHT_VAD = dict(min_silence_duration_ms=300, speech_pad_ms=100)
RETRY_MIN_SPEECH_S = 0.4  # an utterance that gave no words is decoded again when it holds this much speech
# ... and one that gave fewer than SPARSE_CHARS_PER_S characters a second of its speech, when it holds
# SPARSE_MIN_SPEECH_S or more. Over 3,267 utterances of 540 synthetic calls, clean and degraded, speech
# decodes at 2-6 characters a second; the four below 1 (0.2-0.34) had lost a whole sentence.
SPARSE_MIN_SPEECH_S = 2.0
SPARSE_CHARS_PER_S = 1.0
# A window whose decoding got stuck in a loop is decoded again with repeats penalised (the batched
# pipeline has no temperature fallback); a loop left after that is dropped, never kept as speech.
LOOP_RETRY = dict(repetition_penalty=1.3, no_repeat_ngram_size=4)
LOOPS_CHECKED = "loops_checked"  # in a cached transcript: decoded by a version that decodes loops again
# A window is encoded at its speech's length rounded up to ENCODE_STEP_S (with ENCODE_MARGIN_S of
# silence after it), not padded to 30 s: most windows hold far less (samples/calls: 113 s of speech
# in 9 windows), and the encoder is most of the decoding's cost. Windows of one length go in a batch
# together, so a window's encoding never depends on what it was batched with.
ENCODE_STEP_S = 5.0
ENCODE_MARGIN_S = 1.0
VAD_BLOCK_S = 20.0  # the VAD starts afresh every 20 s (see speech_regions)
VAD_OVERLAP_S = 2.0
_WORDY = re.compile(r"[\w\u4e00-\u9fff]")


@dataclass(frozen=True)
class TranscribeOptions:
    """How to transcribe. Fields marked stable form the cache key; the rest only change speed."""

    model: str = DEFAULT_MODEL  # size name or CTranslate2 folder (identity comes from the weights)
    device: str = "cpu"  # "cpu" | "cuda" | "auto"
    compute_type: str = "default"  # "default": int8 on CPU, float16 on CUDA
    beam_size: int = 5
    vad_filter: bool = True
    vad_threshold: float = 0.5
    # A lone 喂 is 0.15-0.2 s of speech once the VAD's pad is off: at 250 it was dropped before
    # decoding (2 of 3 calls that opened with 喂？ alone, eval-calls-holdout2/4).
    vad_min_speech_ms: int = 100
    vad_min_silence_ms: int = 1000
    vad_speech_pad_ms: int = 800  # measured: 400 cut word edges (CER 0.130 vs 0.100 on realdata)
    agent_channel: int = 0  # stereo: which channel is the agent (0 = left)
    mono_role: str | None = None  # None: infer per segment; "agent": all speech is the agent's
    channel_map: tuple[int, int] | None = None  # recordings of >2 channels: (agent, customer) channel, from 0
    # not part of the key:
    cpu_threads: int = 0
    batch_size: int = 8  # windows decoded together by the batched pipeline
    voices: bool = True  # single-channel calls: tell the parties apart by their voices (voices.py), after the cache

    def __post_init__(self) -> None:
        if self.device not in ("cpu", "cuda", "auto"):
            raise ValueError(f"device must be cpu, cuda or auto, not {self.device!r}")
        if self.mono_role not in (None, AGENT, CUSTOMER):
            raise ValueError(f"mono_role must be agent or customer (or None to infer), not {self.mono_role!r}")
        if self.agent_channel not in (0, 1):
            raise ValueError(f"agent_channel must be 0 (left) or 1 (right), not {self.agent_channel!r}")
        if self.beam_size < 1:
            raise ValueError("beam_size must be at least 1")

    def resolved_device(self) -> str:
        if self.device != "auto":
            return self.device
        try:
            import ctranslate2

            return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        except Exception:  # noqa: BLE001
            return "cpu"

    def resolved_compute_type(self) -> str:
        if self.compute_type != "default":
            return self.compute_type
        return "float16" if self.resolved_device() == "cuda" else "int8"

    def key(self) -> str:
        """Stable digest of everything that changes the transcript, except the model identity."""
        stable = {
            "v": PIPELINE_VERSION,
            "device": self.resolved_device(),
            "compute_type": self.resolved_compute_type(),
            "beam_size": self.beam_size,
            "vad_filter": self.vad_filter,
            "vad_threshold": self.vad_threshold,
            "vad_min_speech_ms": self.vad_min_speech_ms,
            "vad_min_silence_ms": self.vad_min_silence_ms,
            "vad_speech_pad_ms": self.vad_speech_pad_ms,
            "agent_channel": self.agent_channel,
            "mono_role": self.mono_role,
        }
        if self.channel_map is not None:  # only then, so existing cache entries keep their keys
            stable["channel_map"] = list(self.channel_map)
        return hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:16]


class Channels(list):
    """What a ChannelTranscriber returns for one recording: a list of segments per channel. The
    Whisper transcriber also gives each channel's speech regions from the voice detector, as
    `speech` (None where unknown: build_transcript then takes them from the words' times)."""

    def __init__(self, segments=(), speech: list[list[tuple[float, float]]] | None = None) -> None:
        super().__init__(segments)
        self.speech = speech


@dataclass
class Segment:
    """One ASR segment of one channel, text already simplified; words index `text`."""

    text: str
    start_s: float
    end_s: float
    words: list[tuple] = field(default_factory=list)  # as Turn.words
    # The VAD chunk (utterance) it was heard in: its start in seconds on its channel. Segments of one
    # utterance always join into one turn; segments of two never do (a pause the VAD splits at, or
    # a hold, ends a turn). None where unknown (then segments closer than MERGE_GAP_S join).
    utterance: float | None = None


class ChannelTranscriber(Protocol):
    """What transcribe_file needs: a cache identity and a way to turn 16 kHz audio into segments."""

    @property
    def identity(self) -> str: ...

    def channel_segments_many(self, recordings: list[list[np.ndarray]]) -> list[list[list[Segment]]]: ...


class WhisperTranscriber:
    """faster-whisper behind ChannelTranscriber; the model loads on first use (cache hits skip it)."""

    def __init__(self, options: TranscribeOptions | None = None) -> None:
        self.options = options or TranscribeOptions()
        self._resolved: ResolvedModel | None = None
        self._pipeline = None
        self._verifier = None
        self._text = ZhText()

    @property
    def resolved(self) -> ResolvedModel:
        if self._resolved is None:
            self._resolved = resolve_model(self.options.model)
        return self._resolved

    @property
    def identity(self) -> str:
        return self.resolved.identity

    def verifier(self):
        """Acoustic verification with the same model (verify.py)."""
        if self._verifier is None:
            from phrasecheck.calls.verify import Verifier

            self._verifier = Verifier(self._load().model)
        return self._verifier

    def _load(self):
        """The batched pipeline, on the CPU too: it decodes a call's windows together."""
        if self._pipeline is None:
            o = self.options
            model = load_whisper(self.resolved, o.resolved_device(), o.resolved_compute_type(), o.cpu_threads)
            self._pipeline = _pipeline(model)
        return self._pipeline

    def channel_segments_many(self, recordings: list[list[np.ndarray]]) -> list[list[list[Segment]]]:
        """Segments per channel of several recordings, all their windows decoded in one batched pass
        (chunking.py): a short call fills a batch poorly on its own (measured on samples/calls,
        2 cores: 12.2-12.9 s one recording at a time, 10.1-11.0 s together)."""
        o = self.options
        with ThreadPoolExecutor(2) as pool:  # the VAD runs on one core each; the model loads meanwhile
            loading = pool.submit(self._load)
            speech = self._speech_many(recordings, pool)
            loading.result()
        pieces, windows = [], []
        owner: dict[int, int] = {}  # id of a window -> its recording
        offset = 0.0
        for r, (channels, (padded, tight)) in enumerate(zip(recordings, speech)):
            audio, wins = layout(channels, padded, tight)
            pieces.append(audio)
            for w in wins:
                windows.append(w.shifted(offset))
                owner[id(windows[-1])] = r
            offset += len(audio) / SAMPLE_RATE
        out: list[list[list[Segment]]] = [[[] for _ in channels] for channels in recordings]
        if windows:
            kwargs = dict(
                language="zh",
                task="transcribe",
                beam_size=o.beam_size,
                word_timestamps=True,
                condition_on_previous_text=False,
                vad_filter=False,
                batch_size=o.batch_size,
                without_timestamps=False,  # timestamps end segments at sentences
            )
            audio = np.concatenate(pieces)
            heard: Counter[tuple[int, int, float]] = Counter()  # (recording, channel, chunk start) -> characters it gave
            looped = self._decode(audio, windows, kwargs, owner, out, heard)
            if looped:
                self._decode(audio, looped, {**kwargs, **LOOP_RETRY}, owner, out, heard)
            self._retry_sparse(audio, windows, kwargs, owner, out, heard)
            for rec in out:
                for segs in rec:
                    segs.sort(key=lambda sg: (sg.start_s, sg.end_s))
        return [Channels(self._finish(segs, tight), tight if o.vad_filter else None) for segs, (_, tight) in zip(out, speech)]

    def _retry_sparse(self, audio: np.ndarray, windows: list[Window], kwargs: dict, owner: dict[int, int], out: list, heard: Counter) -> None:
        """Decode again the utterances that gave no words or far fewer than their speech holds, and
        keep the reading with more characters. Whisper sometimes ends a window early and drops its
        last utterance (不客气，再见), or reads a whole window as a few words stamped into one of its
        utterances: a 10 s agent sentence read as the 讲话 said at the call's start (eval-calls-holdout20
        024, holdout22 021); each is decoded on its own. One still read sparsely then gets its whole
        window decoded again, encoded padded to 30 s as Whisper was trained: a dual-mono greeting read
        as 你好 alone, on its own too, and in full that way (holdout22 hard 014)."""

        def speech_s(c: Chunk) -> float:
            return sum(e - s for s, e in c.speech)

        def sparse(key: tuple[int, int, float], c: Chunk) -> bool:
            return speech_s(c) >= SPARSE_MIN_SPEECH_S and heard[key] < speech_s(c) * SPARSE_CHARS_PER_S

        retry: dict[tuple[int, int, float], tuple[Chunk, Window]] = {}
        for w in windows:
            for c in w.chunks:
                key = (owner[id(w)], c.channel, c.start_s)
                if c.end_s - c.start_s <= WINDOW_S and (heard[key] == 0 and speech_s(c) >= RETRY_MIN_SPEECH_S or sparse(key, c)):
                    retry[key] = (c, w)
        solo = []
        for (rec, _, _), (c, _) in retry.items():
            solo.append(Window(c.channel, c.at, c.at + c.end_s - c.start_s, (c,)))
            owner[id(solo[-1])] = rec
        self._decode_better(audio, solo, kwargs, owner, out, heard, list(retry), None)
        left = [key for key, (c, _) in retry.items() if sparse(key, c)]
        whole = list({id(retry[key][1]): retry[key][1] for key in left}.values())
        self._decode_better(audio, whole, kwargs, owner, out, heard, left, WINDOW_S)

    def _decode_better(
        self, audio, windows: list[Window], kwargs: dict, owner: dict[int, int], out: list, heard: Counter, keys: list, encode_s: float | None
    ) -> None:
        """Decode windows again; each chunk of keys takes the new reading where it has more characters."""
        if not windows:
            return
        again: list = [[[] for _ in rec] for rec in out]
        counted: Counter[tuple[int, int, float]] = Counter()
        self._decode(audio, windows, kwargs, owner, again, counted, encode_s)
        for key in keys:
            rec, ch, start = key
            if counted[key] > heard[key]:
                out[rec][ch] = [sg for sg in out[rec][ch] if sg.utterance != start] + [sg for sg in again[rec][ch] if sg.utterance == start]
                heard[key] = counted[key]

    def _decode(
        self, audio: np.ndarray, windows: list[Window], kwargs: dict, owner: dict[int, int], out: list, heard: Counter, encode_s: float | None = None
    ) -> list[Window]:
        """Decode the windows of `audio` in one batched pass, each encoded at its own length
        (encoded_s) or at encode_s; each word goes to its chunk's recording and channel (out), and
        `heard` counts the characters each chunk gave. Returns the windows whose decoding looped:
        none of their words is kept."""
        o = self.options
        lengths: dict[float, list[dict[str, float]]] = {}
        for clip in clips(windows, len(audio)):
            lengths.setdefault(encode_s or encoded_s(clip["end"] - clip["start"]), []).append(clip)
        pipeline = self._load()
        try:
            raw_segments = []
            for length, same in lengths.items():
                pipeline.encode_s = length
                raw_segments += list(pipeline.transcribe(audio, **kwargs, clip_timestamps=same)[0])
        except RuntimeError as e:  # ctranslate2 runtime failures (CUDA out of memory, libcublas missing)
            first = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise ModelError(f"transcription failed: {first}{cuda_hint(o.resolved_device(), first)}") from e
        by_window: dict[int, list] = {}
        for raw in raw_segments:  # a segment lies inside its window; its middle tells which (its
            window = window_at(windows, (raw.start + raw.end) / 2)  # start is rounded, maybe just before)
            by_window.setdefault(id(window), [window]).append(raw)
        looped = []
        for window, *raws in by_window.values():
            if any(is_loop(raw.text) for raw in raws):
                looped.append(window)
                continue
            for raw in raws:
                for chunk, seg in self._split(raw, window):
                    seg.utterance = chunk.start_s
                    out[owner[id(window)]][chunk.channel].append(seg)
                    heard[owner[id(window)], chunk.channel, chunk.start_s] += len(_WORDY.findall(seg.text))
        return looped

    def _speech_many(self, recordings: list[list[np.ndarray]], pool: ThreadPoolExecutor) -> list[tuple[list[list[Span]], list[list[Span]]]]:
        """(padded decoding chunks, tight speech regions) per channel, per recording; the VAD of
        the channels runs in the pool (onnxruntime releases the GIL)."""
        o = self.options
        if not o.vad_filter:  # everything is decoded
            whole = [[[(0.0, len(ch) / SAMPLE_RATE)] if len(ch) >= SAMPLE_RATE // 10 else [] for ch in channels] for channels in recordings]
            return [(w, w) for w in whole]
        flat = [ch for channels in recordings for ch in channels]
        regions = iter(list(pool.map(lambda ch: speech_regions(ch, o.vad_threshold), flat)))
        out = []
        for channels in recordings:
            tight = [next(regions) for _ in channels]
            padded = [
                pad_regions(
                    t,
                    len(ch) / SAMPLE_RATE,
                    tight_pad_s=TIGHT_VAD["speech_pad_ms"] / 1000,
                    min_silence_s=o.vad_min_silence_ms / 1000,
                    min_speech_s=o.vad_min_speech_ms / 1000,
                    pad_s=o.vad_speech_pad_ms / 1000,
                )
                for t, ch in zip(tight, channels)
            ]
            out.append((padded, tight))
        return out

    @staticmethod
    def _finish(segs: list[list[Segment]], tight: list[list[tuple[float, float]]]) -> list[list[Segment]]:
        """Clamp word times to speech and split at pauses (and, in mono, at sentence ends)."""
        sentence_gap = SENTENCE_GAP_S if len(segs) == 1 else None
        return [
            [part for seg in ch_segs for part in split_at_pauses(snap_to_speech(seg, tight[ch]), SPLIT_GAP_S, sentence_gap)] for ch, ch_segs in enumerate(segs)
        ]

    def _split(self, raw, window: Window) -> list[tuple[Chunk, Segment]]:
        """A Whisper segment of the decoding audio -> per-chunk segments in original time."""
        if not raw.words:
            chunk = window.locate((raw.start + raw.end) / 2)
            seg = self._segment(self._text.simplify(raw.text).strip(), [], chunk.to_original(raw.start), chunk.to_original(raw.end))
            return [(chunk, seg)] if seg else []
        runs: list[tuple[Chunk, list[WordPiece]]] = []
        for w in raw.words:
            chunk = window.locate((w.start + w.end) / 2)
            piece = WordPiece(w.word, chunk.to_original(float(w.start)), chunk.to_original(float(w.end)), float(w.probability))
            if runs and runs[-1][0] is chunk:
                runs[-1][1].append(piece)
            else:
                runs.append((chunk, [piece]))
        out = []
        for chunk, pieces in runs:
            seg = self._segment(*self._text.assemble(pieces), 0.0, 0.0)
            if seg is not None:
                out.append((chunk, seg))
        return out

    @staticmethod
    def _segment(text: str, words: list, start: float, end: float) -> Segment | None:
        """A Segment unless the text is empty or a known hallucination; word times win over start/end."""
        if not _WORDY.search(text) or is_hallucination(text):
            return None
        if words:
            start, end = words[0][2], words[-1][3]
        return Segment(text, round(min(start, end), 3), round(end, 3), words)


def encoded_s(content_s: float) -> float:
    """How much audio a window of content_s seconds is encoded with."""
    # (less a millisecond: a clip's length read back from its samples may be a hair longer)
    return min(WINDOW_S, math.ceil((content_s + ENCODE_MARGIN_S - 1e-3) / ENCODE_STEP_S) * ENCODE_STEP_S)


def _pipeline(model):
    """faster-whisper's batched pipeline, encoding each batch at encode_s seconds instead of padded
    to 30 s; _decode sets it for each group of windows of one encoded length."""
    from faster_whisper import BatchedInferencePipeline

    class Pipeline(BatchedInferencePipeline):
        encode_s = WINDOW_S

        def forward(self, features, tokenizer, chunks_metadata, options):
            frames = int(self.encode_s * self.model.frames_per_second)
            return super().forward(np.ascontiguousarray(features[..., :frames]), tokenizer, chunks_metadata, options)

    return Pipeline(model)


def clips(windows: list[Window], samples: int) -> list[dict[str, float]]:
    """The windows as faster-whisper's clip_timestamps: each end on the sample grid, inside the
    audio and never before the previous end. Window times are sums of floats; two recordings'
    windows meeting a hair apart overlapped by one sample, the clips then added up to more than the
    audio, and faster-whisper failed on a negative duration (seen on a batch of 30 calls). Each
    time is half a sample past its sample: faster-whisper truncates time x rate, and 50.832 s read
    back as sample 813,311, not 813,312, so a recording decoded after others was cut a sample
    early and could read differently (即什么,三次言伦 alone, 其什么,三次言赖 after two calls)."""
    out, last = [], 0
    for w in windows:
        start = min(max(int(round(w.start * SAMPLE_RATE)), last), samples)
        end = min(max(int(round(w.end * SAMPLE_RATE)), start), samples)
        out.append({"start": (start + 0.5) / SAMPLE_RATE, "end": (end + 0.5) / SAMPLE_RATE})
        last = end
    return out


def speech_regions(audio: np.ndarray, threshold: float, block_s: float = VAD_BLOCK_S, overlap_s: float = VAD_OVERLAP_S) -> list[tuple[float, float]]:
    """Tight Silero VAD regions (seconds) of one channel, the VAD run afresh on each block_s of audio.

    Over a whole call the VAD's recurrent state decays in long silences: after a 60 s hold its
    speech probability for the first second of speech stayed under 0.35 where a fresh run gave
    0.6-0.9, so an utterance after a hold lost its first words (让您久等了) or had them pulled into
    the turn before the hold. Blocks overlap by overlap_s, so speech across a block's end is seen
    whole; a region belongs to the block it starts in and overlapping regions merge. Measured on the
    36 calls of samples/eval-calls (192 turns): speech found more than 0.5 s after a turn began
    5 times with one pass, once with blocks of 10, 20 or 30 s."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if audio.size < SAMPLE_RATE // 10:
        return []
    options = VadOptions(threshold=threshold, **TIGHT_VAD)
    block, overlap = int(block_s * SAMPLE_RATE), int(overlap_s * SAMPLE_RATE)
    found: list[list[float]] = []
    for lo in range(0, audio.size, block):
        piece = audio[lo : lo + block + overlap]
        if piece.size < SAMPLE_RATE // 10:
            break
        for s in get_speech_timestamps(piece, options):
            if s["start"] < block:
                found.append([(lo + s["start"]) / SAMPLE_RATE, (lo + s["end"]) / SAMPLE_RATE])
    found.sort()
    merged: list[list[float]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def snap_to_speech(seg: Segment | None, regions: list[tuple[float, float]], lookahead_s: float = 1.5) -> Segment | None:
    """Clamp word times into the tight speech regions.

    A word overlapping regions is clamped to them; a word lying wholly in a pause is moved to the
    start of the next region when that begins within lookahead_s (Whisper's early first word);
    otherwise it stays. Word starts are kept non-decreasing.
    """
    if seg is None or not regions or not seg.words:
        return seg
    words = []
    prev_s = 0.0
    for a, b, s, e, *prob in seg.words:
        inside = [(rs, re_) for rs, re_ in regions if rs < e and re_ > s]
        if inside:
            s2, e2 = max(s, inside[0][0]), min(e, inside[-1][1])
            if s2 <= e2:
                s, e = s2, e2
        else:
            nxt = next(((rs, re_) for rs, re_ in regions if rs >= e), None)
            if nxt is not None and nxt[0] - e <= lookahead_s:
                s, e = nxt[0], min(nxt[0] + (e - s), nxt[1])
        s = max(s, prev_s)
        e = max(e, s)
        prev_s = s
        words.append((a, b, round(s, 3), round(e, 3), *prob))
    return Segment(seg.text, words[0][2], words[-1][3], words, seg.utterance)


def split_at_pauses(seg: Segment | None, gap_s: float, sentence_gap_s: float | None = None) -> list[Segment]:
    """Cut a segment where its words pause longer than gap_s, or sentence_gap_s after a sentence
    end; punctuation stays with the left part."""
    if seg is None:
        return []

    def cut_before(i: int) -> bool:
        gap = seg.words[i][2] - seg.words[i - 1][3]
        if gap > gap_s:
            return True
        return sentence_gap_s is not None and gap >= sentence_gap_s and bool(_SENTENCE_END.search(seg.text[: seg.words[i][0]]))

    return cut_segment(seg, [i for i in range(1, len(seg.words)) if cut_before(i)])


def cut_segment(seg: Segment, cuts: list[int]) -> list[Segment]:
    """The segment cut before each of the word indices `cuts` (ascending); punctuation stays left."""
    if not cuts:
        return [seg]
    parts = []
    bounds = [0, *cuts, len(seg.words)]
    for lo, hi in zip(bounds, bounds[1:]):
        ws = seg.words[lo:hi]
        c0 = ws[0][0] if lo else 0
        c1 = seg.words[hi][0] if hi < len(seg.words) else len(seg.text)
        text = seg.text[c0:c1]
        strip = len(text) - len(text.lstrip())
        text = text.strip()
        words = [(a - c0 - strip, b - c0 - strip, *rest) for a, b, *rest in ws]
        if _WORDY.search(text) and not is_hallucination(text):
            parts.append(Segment(text, ws[0][2], ws[-1][3], words, seg.utterance))
    return parts


@dataclass
class Transcript:
    """What the cache stores for one recording."""

    turns: list[Turn]
    roles: str
    duration_s: float
    channels: int
    speech: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # as Conversation.speech
    notes: list[str] = field(default_factory=list)  # what a reader of the report should know (dual mono)

    @property
    def first_agent_s(self) -> float | None:
        return next((t.start_s for t in self.turns if t.role == AGENT), None)

    def to_json(self) -> dict:
        return {
            "roles": self.roles,
            "duration_s": self.duration_s,
            "channels": self.channels,
            "notes": self.notes,
            "turns": [
                {"role": t.role, "text": t.text, "start_s": t.start_s, "end_s": t.end_s, "words": [list(w) for w in t.words]}
                | ({"heard": [list(h) for h in t.heard]} if t.heard else {})
                for t in self.turns
            ],
            "speech": {role: [list(r) for r in regions] for role, regions in self.speech.items()},
            LOOPS_CHECKED: True,
        }

    @classmethod
    def from_json(cls, d: dict) -> Transcript:
        turns = [
            Turn(
                role=t["role"],
                text=t["text"],
                start_s=t["start_s"],
                end_s=t["end_s"],
                words=[tuple(w) for w in t.get("words", [])],
                heard=[tuple(h) for h in t.get("heard", [])],
            )
            for t in d["turns"]
        ]
        speech = {role: [tuple(r) for r in regions] for role, regions in (d.get("speech") or {}).items()}
        return cls(turns=turns, roles=d["roles"], duration_s=d["duration_s"], channels=d.get("channels", 1), speech=speech, notes=list(d.get("notes", [])))


def _merge(tagged: list[tuple[str, Segment]]) -> list[Turn]:
    """Order (role, segment) pairs by start time; join a party's consecutive segments of one
    utterance into one turn (segments without an utterance: those closer than MERGE_GAP_S)."""
    turns: list[Turn] = []
    last_utterance: float | None = None
    for role, seg in sorted(tagged, key=lambda rs: (rs[1].start_s, rs[1].end_s)):
        last = turns[-1] if turns else None
        if seg.utterance is not None and last_utterance is not None:
            same = seg.utterance == last_utterance
        else:
            same = last is not None and seg.start_s - (last.end_s or 0) <= MERGE_GAP_S
        last_utterance = seg.utterance
        if last is not None and last.role == role and same:
            sep = "" if not last.text or last.text[-1] in "，。！？、,.!?;；" else "，"
            shift = len(last.text) + len(sep)
            last.text += sep + seg.text
            last.words.extend((a + shift, b + shift, *rest) for a, b, *rest in seg.words)
            last.end_s = max(last.end_s or 0, seg.end_s)
        else:
            turns.append(Turn(role=role, text=seg.text, start_s=seg.start_s, end_s=seg.end_s, words=list(seg.words)))
    return turns


SPEECH_GAP_S = 0.3  # words closer than this are one stretch of speech (as the tight VAD's min silence)


def speech_from_words(segs: list[Segment]) -> list[tuple[float, float]]:
    """A channel's speech regions from its words' times, where the voice detector's are unknown."""
    spans = sorted((w[2], w[3]) for s in segs for w in (s.words or [(0, 0, s.start_s, s.end_s)]))
    out: list[list[float]] = []
    for a, b in spans:
        if out and a - out[-1][1] <= SPEECH_GAP_S:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _speech(channel_segments: list[list[Segment]]) -> list[list[tuple[float, float]]]:
    known = getattr(channel_segments, "speech", None)
    if known is not None and len(known) == len(channel_segments):
        return [[(round(a, 3), round(b, 3)) for a, b in regions] for regions in known]
    return [speech_from_words(segs) for segs in channel_segments]


def build_transcript(channel_segments: list[list[Segment]], options: TranscribeOptions, duration_s: float, agent_index: int | None = None) -> Transcript:
    """Attribute roles and merge. One list of segments per channel (1 = mono, 2 = stereo); agent_index
    overrides options.agent_channel (0 for the (agent, customer) pair picked from a many-channel file)."""
    speech = _speech(channel_segments)
    if len(channel_segments) >= 2:
        agent = options.agent_channel if agent_index is None else agent_index
        tagged = [(AGENT if ch == agent else CUSTOMER, s) for ch, segs in enumerate(channel_segments) for s in segs]
        by_role = {AGENT: speech[agent], CUSTOMER: speech[1 - agent]}
        return Transcript(_merge(tagged), ROLES_CHANNELS, duration_s, len(channel_segments), by_role)
    segs = channel_segments[0] if channel_segments else []
    if options.mono_role:
        tagged = [(options.mono_role, s) for s in segs]
    else:
        segs = _cut_opening(segs)
        roles = attribute([(s.text, s.start_s, s.end_s) for s in segs])
        tagged = [(a.role, s) for a, s in zip(roles, segs)]
    return Transcript(_merge(tagged), ROLES_INFERRED, duration_s, 1, {MIXED: speech[0] if speech else []})


def _cut_opening(segs: list[Segment]) -> list[Segment]:
    """A single-channel call whose first segment opens with the answerer's question and goes on with
    other words (喂，哪里啊，哪里，我打的是你们…: the two parties with no pause between them) is cut
    after the question, so that roles.attribute can give each party its words."""
    if not segs or not segs[0].words:
        return segs
    first = segs[0]
    end = opening_question(first.text)
    if end is None or end >= len(first.text):
        return segs
    at = next((i for i, w in enumerate(first.words) if w[0] >= end), None)
    return [*cut_segment(first, [at]), *segs[1:]] if at else segs


# A recording shorter than this, or whose transcript holds no word, is "no speech" (silence, a
# dropped line, a 50 ms file): reported as a warning and not scored, rather than failing G01 and
# courtesy as if the agent had said nothing to a customer.
MIN_RECORDING_S = 1.0


def no_speech(tr: Transcript) -> bool:
    return tr.duration_s < MIN_RECORDING_S or not any(_WORDY.search(t.text) for t in tr.turns)


def agent_channel(audio: Audio, options: TranscribeOptions) -> int:
    """The agent's channel of a decoded stereo recording: the first of the (agent, customer) pair
    picked from a many-channel file, else the one the options name."""
    return 0 if audio.source_channels > 2 else options.agent_channel


def verify_calls(
    transcripts: dict[int, Transcript], jobs: list, audios: dict[int, Audio], options: TranscribeOptions, transcriber, verification, cache, key_of: dict
) -> None:
    """Acoustic verification (verify.py) of each transcript: what the audio says where the text comes
    close to a rule, recorded on the turns (Turn.heard). Cached apart from the transcript, under the
    rules it read, so a lexicon change redoes this step only. Transcribers without a model (tests'
    fakes) skip it."""
    if verification is None or getattr(transcriber, "verifier", None) is None:
        return
    for i, tr in transcripts.items():
        job = jobs[i]
        conv = Conversation(job.conversation_id or Path(job.path).stem, job.agent_id, job.path, tr.turns)
        vkey = None
        if cache is not None and key_of.get(i) is not None:
            sha, identity, okey = key_of[i]
            vkey = (sha, identity, f"{okey}:{verification.key(job.agent_id)}")
            hit = cache.get(*vkey)
            if hit is not None:
                _apply_heard(tr, hit.get("heard", {}))
                continue
        candidates = verification.proposer.propose(conv)
        heard: dict[int, list] = {}
        if candidates:
            audio = audios.get(i) or load_audio(job.path, options.channel_map)
            agent = agent_channel(audio, options) if len(audio.channels) >= 2 else 0
            heard = transcriber.verifier().verify(audio.channels[agent], tr.turns, candidates)
        _apply_heard(tr, heard)
        if vkey is not None:
            cache.put(*vkey, {"heard": {str(k): [list(h) for h in v] for k, v in heard.items()}}, source=job.path)


def apply_voices(transcripts: dict[int, Transcript], jobs: list, audios: dict[int, Audio], options: TranscribeOptions) -> set[int]:
    """Single-channel calls whose roles the text guessed: split and attribute their turns by the
    voices heard (voices.py), decoding the audio of cache hits for it. Runs after the transcript
    cache, so what is cached (and its key) does not change. Returns the calls it changed; a call
    without two clearly separate voices keeps its text-guessed roles."""
    from phrasecheck.calls.voices import VOICES_NOTE, attribute_voices

    changed: set[int] = set()
    if not options.voices or options.mono_role:
        return changed
    for i, tr in transcripts.items():
        if tr.channels != 1 or tr.roles != ROLES_INFERRED or not tr.turns:
            continue
        try:
            audio = audios.get(i) or load_audio(jobs[i].path, options.channel_map)
        except InputError:
            continue  # decoded before (a cache hit of a file that changed would miss): keep the text roles
        audios[i] = audio
        if len(audio.channels) != 1:
            continue
        result = attribute_voices(audio.channels[0], tr.turns)
        if result.turns is not None:
            tr.turns = result.turns
            tr.notes.append(VOICES_NOTE)
            changed.add(i)
    return changed


def _voiced_key(key: tuple | None, tr: Transcript | None, voiced: bool) -> tuple | None:
    """Verification is cached by turn index: turns re-split by voices get an entry of their own,
    named by what the turns are, so that any change to how voices split them misses."""
    if key is None or tr is None or not voiced:
        return key
    digest = hashlib.sha1(repr([(t.role, t.text, t.start_s) for t in tr.turns]).encode()).hexdigest()[:12]
    sha, identity, okey = key
    return (sha, identity, f"{okey}:voices-{digest}")


def _apply_heard(tr: Transcript, heard: dict) -> None:
    """heard: turn index (an int, or its string as the cache's JSON keeps it) -> entries."""
    for k, entries in heard.items():
        if 0 <= int(k) < len(tr.turns):
            tr.turns[int(k)].heard = [(int(a), int(b), str(w), float(g)) for a, b, w, g in entries]


@dataclass
class Job:
    """One recording to transcribe, with what the manifest or its path says about it."""

    path: str
    conversation_id: str | None = None
    agent_id: str = "unknown"
    started_at: datetime | None = None


def transcribe_batch(
    jobs: list[Job], options: TranscribeOptions, transcriber: ChannelTranscriber, cache: TranscriptCache | None = None, verification=None
) -> list[Conversation | InputError]:
    """Several recordings -> a Conversation (or the InputError of a bad file) each, in order.

    Cache hits are neither decoded nor transcribed; the rest go to the model together, so their
    windows share batches. With a verification (verify.py) the transcripts are then checked against
    the audio where they come close to a rule. ModelError (the model is unavailable) stops the whole batch."""
    out: list[Conversation | InputError | None] = [None] * len(jobs)
    transcripts: dict[int, Transcript] = {}
    key_of: dict[int, tuple] = {}
    audios: dict[int, Audio] = {}
    pending: list[tuple[int, Audio, tuple | None]] = []
    for i, job in enumerate(jobs):
        try:
            if not Path(job.path).is_file():
                raise InputError(job.path, "file not found")
            key = None
            if cache is not None:
                key = key_of[i] = (file_sha256(job.path), transcriber.identity, options.key())
                hit = cache.get(*key)
                if hit is not None:
                    cached = Transcript.from_json(hit)
                    # one stored before loops were decoded again is trusted only without a loop
                    if hit.get(LOOPS_CHECKED) or not any(has_loop(t.text) for t in cached.turns):
                        transcripts[i] = cached
                        continue
            pending.append((i, load_audio(job.path, options.channel_map), key))
        except InputError as exc:
            out[i] = exc
    if pending:
        segments = transcriber.channel_segments_many([a.channels for _, a, _ in pending])
        for (i, audio, key), channel_segs in zip(pending, segments):
            transcripts[i] = build_transcript(channel_segs, options, audio.duration_s, agent_channel(audio, options))
            audios[i] = audio
            if audio.dual_mono:
                transcripts[i].notes.append(DUAL_MONO_NOTE)
            if cache is not None and key is not None:
                cache.put(*key, transcripts[i].to_json(), source=jobs[i].path)
    voiced = apply_voices(transcripts, jobs, audios, options)
    keys = {i: _voiced_key(k, transcripts.get(i), i in voiced) for i, k in key_of.items()}
    verify_calls(transcripts, jobs, audios, options, transcriber, verification, cache, keys)
    for i, tr in transcripts.items():
        job = jobs[i]
        if no_speech(tr):
            out[i] = NoSpeech(job.path, f"no speech in {tr.duration_s:.1f} s of audio; not scored")
            continue
        out[i] = Conversation(
            conversation_id=job.conversation_id or Path(job.path).stem,
            agent_id=job.agent_id,
            source=job.path,
            turns=tr.turns,
            started_at=job.started_at,
            roles=tr.roles,
            first_agent_s=tr.first_agent_s,
            duration_s=tr.duration_s,
            speech=tr.speech,
            notes=list(tr.notes),
        )
    return out  # type: ignore[return-value]


def transcribe_file(
    path: str | Path,
    options: TranscribeOptions | None = None,
    *,
    transcriber: ChannelTranscriber | None = None,
    cache: TranscriptCache | None = None,
    conversation_id: str | None = None,
    agent_id: str = "unknown",
    started_at: datetime | None = None,
    verification=None,
) -> Conversation:
    """One recording -> Conversation (source = path, roles, first_agent_s, timed turns).

    Raises InputError(path, reason) for a bad file and ModelError when the model is unavailable.
    With a cache, a hit neither decodes the audio nor loads (or calls) the transcriber.
    """
    options = options or TranscribeOptions()
    job = Job(str(path), conversation_id, agent_id, started_at)
    (result,) = transcribe_batch([job], options, transcriber or WhisperTranscriber(options), cache, verification)
    if isinstance(result, InputError):
        raise result
    return result


def transcript_json(conv: Conversation) -> dict:
    """The `phrasecheck transcribe --format json` object for one file."""
    return {
        "source": conv.source,
        "roles": conv.roles,
        **({"notes": conv.notes} if conv.notes else {}),
        "turns": [
            {"role": t.role, "text": t.text, "start_s": t.start_s, "end_s": t.end_s} | ({"heard": [list(h) for h in t.heard]} if t.heard else {})
            for t in conv.turns
        ],
    }


def _srt_time(s: float) -> str:
    ms = int(round((s or 0) * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def transcript_srt(conv: Conversation) -> str:
    """SubRip text, one cue per turn, the role in front."""
    cues = [f"{i}\n{_srt_time(t.start_s)} --> {_srt_time(t.end_s)}\n[{t.role}] {t.text}\n" for i, t in enumerate(conv.turns, 1)]
    return "\n".join(cues)


def transcript_text(conv: Conversation) -> str:
    """Plain text, one line per turn: [start-end] role: text. `phrasecheck check` reads it back (a
    transcript corrected by hand is checked as the call it is, its roles kept)."""
    head = f"# source: {conv.source}\n# roles: {conv.roles}" + "".join(f"\n# note: {n}" for n in conv.notes)
    lines = [f"[{t.start_s:7.2f}-{t.end_s:7.2f}] {t.role}: {t.text}" for t in conv.turns]
    return "\n".join([head, *lines])
