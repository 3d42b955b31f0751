"""Who spoke, on a single-channel call: two voices told apart by their pitch.

A mono recording (mono PCM, an AMR-NB mixdown, "dual mono" stereo) carries both parties on one
channel, and roles.py can only guess them from the words, which fails exactly where it matters: an
irritated agent talks like a customer (你们/到底/投诉), so the agent's rude lines go to the customer and
are never checked. The two people on a call have different voices, and the simplest robust cue,
with no model to download, is the fundamental frequency (F0):

  1. F0: YIN (cumulative mean normalised difference) over 40 ms frames every 10 ms on the audio
     decimated to 8 kHz, 60-600 Hz, voiced frames only (a dip below 0.25 and enough energy). The
     pitch of a stretch of speech is the mean log F0 of its voiced frames.
  2. Two voices: weighted 2-means on the turns' pitches, with Ashman's D and the ratio of the
     centres. Clearly separate voices (D >= 5, ratio >= 1.4: a man and a woman) are used; close ones
     (D >= 3, ratio >= 1.12) only where the text heuristic's two parties do not differ in pitch (t < 2,
     i.e. the text mixed the speakers up: where they do, the text is kept, as it is more accurate
     than close pitches). Otherwise, and for a single voice, the caller keeps the text's roles.
  3. Turns are cut where the voice changes inside them, only after a punctuation mark or at a
     pause (never inside a run of words), each side long enough and clearly one voice; a piece
     whose pitch is unclear takes its neighbours' voice.
  4. Roles: the voice of the call's first words (the greeting; the agent answers an inbound call)
     is the agent's; its pitch must be sure, the text cues summed per voice must not clearly say the
     opposite, and the voices may not move more than 75 % of the words.

Everything here is numpy on audio already decoded; it runs after the transcript cache, so cached
transcripts need no new transcription (see transcribe.apply_voices).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phrasecheck.data import AGENT, CUSTOMER, Turn

SR = 16000
FRAME_S = 0.040
HOP_S = 0.010
F0_MIN = 60.0
F0_MAX = 600.0
YIN_THRESHOLD = 0.25  # a frame is voiced when its normalised difference dips below this

ENERGY_FLOOR_DB = -35.0  # frames this far below the call's loud frames are silence

VOICES_VERSION = 1  # bump when attribution changes: verification results cached per turn index then miss
VOICES_NOTE = "single-channel call: agent and customer told apart by their voices (pitch), roles inferred"


def frame_f0(x: np.ndarray, sr: int = SR) -> tuple[np.ndarray, np.ndarray]:
    """(times of the frame centres in s, F0 in Hz or NaN when unvoiced) for a mono signal."""
    x = np.asarray(x, dtype=np.float32)
    w = int(FRAME_S * sr)  # integration window of the difference function
    hop = int(HOP_S * sr)
    lag_min, lag_max = int(sr / F0_MAX), int(sr / F0_MIN)
    need = w + lag_max + 1
    if len(x) < need:
        return np.zeros(0), np.zeros(0)
    count = 1 + (len(x) - need) // hop
    starts = np.arange(count) * hop
    times = (starts + need / 2) / sr
    f0 = np.full(count, np.nan)
    # energy gate first: silence costs nothing
    sq = x.astype(np.float64) ** 2
    csum = np.concatenate([[0.0], np.cumsum(sq)])
    energy = np.sqrt((csum[starts + w] - csum[starts]) / w) + 1e-12
    loud = np.percentile(energy, 95)
    live = np.nonzero(20 * np.log10(energy / loud) > ENERGY_FLOOR_DB)[0]
    m = 1 << int(np.ceil(np.log2(need + w)))
    taus = np.arange(lag_max + 1)
    for block in range(0, len(live), 2048):
        rows = live[block : block + 2048]
        frames = x[starts[rows][:, None] + np.arange(need)[None, :]].astype(np.float64)
        frames -= frames.mean(axis=1, keepdims=True)
        # difference function d(tau) = sum_t<w (x_t - x_t+tau)^2, through an FFT correlation
        corr = np.fft.irfft(np.fft.rfft(frames, m) * np.conj(np.fft.rfft(frames[:, :w], m)), m)[:, : lag_max + 1]
        cs = np.concatenate([np.zeros((len(rows), 1)), np.cumsum(frames**2, axis=1)], axis=1)
        d = cs[:, w][:, None] + cs[:, taus + w] - cs[:, taus] - 2 * corr
        cmnd = d[:, 1:] * np.arange(1, lag_max + 1) / np.maximum(np.cumsum(d[:, 1:], axis=1), 1e-12)
        seg = cmnd[:, lag_min - 1 :]  # lags lag_min .. lag_max
        below = seg < YIN_THRESHOLD
        voiced = below.any(axis=1)
        first = np.argmax(below, axis=1)
        # from the first dip below the threshold, down to its local minimum
        rising = np.concatenate([seg[:, 1:] > seg[:, :-1], np.ones((len(rows), 1), bool)], axis=1)
        rising &= np.arange(seg.shape[1])[None, :] >= first[:, None]
        j = np.argmax(rising, axis=1)
        r = np.arange(len(rows))
        jm, jp = np.clip(j - 1, 0, seg.shape[1] - 1), np.clip(j + 1, 0, seg.shape[1] - 1)
        a, b, c = seg[r, jm], seg[r, j], seg[r, jp]
        den = a - 2 * b + c
        shift = np.where((den > 0) & (j > 0) & (j < seg.shape[1] - 1), 0.5 * (a - c) / np.where(den > 0, den, 1), 0.0)
        tau = j + lag_min + shift
        f0[rows[voiced]] = sr / tau[voiced]
    return times, f0


def _decimate(x: np.ndarray) -> np.ndarray:
    """16 kHz -> 8 kHz (telephone speech has nothing above 4 kHz that pitch needs): 4x less work."""
    n = len(x) // 2 * 2
    return (x[0:n:2] + x[1:n:2]) / 2


@dataclass
class VoiceSplit:
    """Two voices: their centres in Hz (low, high), how clearly apart they are, the boundary."""

    low_hz: float
    high_hz: float
    separation: float  # distance of the centres / spread inside the groups (Ashman's D)
    threshold_log: float  # log F0 boundary between them
    sizes: tuple[int, int] = (0, 0)  # stretches of speech (turns) in the low and the high voice

    def voice(self, logf0: float) -> int:
        """0 for the low voice, 1 for the high one."""
        return int(logf0 > self.threshold_log)

    @property
    def half_gap(self) -> float:
        return (np.log(self.high_hz) - np.log(self.low_hz)) / 2


# Two voices are accepted only when clearly apart. Cutting ONE voice's pitches in two by 2-means
# gives D of about 2.7 (a normal cut at its mean), so D must be well above that; and the centres
# differ by at least 25 % (about four semitones: a man and a woman differ by an octave). Measured
# on the synthetic eval calls, whose customer is the agent's TTS voice lowered by 12 %: per turn
# the pitches of the two overlap (agent 270-350 Hz, customer 230-330 Hz), so those calls keep the
# text heuristic -- telling them apart by pitch moved customers' words onto agents.
MIN_SEPARATION = 3.0
MIN_RATIO = 1.12
CLEAR_SEPARATION = 5.0
CLEAR_RATIO = 1.4
TEXT_FITS_T = 2.0
MAX_MOVED = 0.75
CUES_AGAINST = 2
MIN_SHARE = 0.1  # the smaller voice holds at least this share of the voiced speech
MIN_PIECES_PER_VOICE = 2
CLOSE_MIN_TURNS = 3  # two close voices need this many turns each
MIN_PIECE_FRAMES = 12  # voiced frames (120 ms at 10 ms) a piece needs for a pitch of its own
SPLIT_MIN_FRAMES = 20  # each side of a voice change inside a turn holds this much voiced speech
SPLIT_MIN_WORDS = 1
SURE_MARGIN = 0.5  # a piece this far (share of the half gap) from the boundary is sure of its voice


@dataclass
class Piece:
    """A run of words of one turn that one voice said (after splitting), with their pitch."""

    turn: int  # index of the turn it came from
    lo: int  # its words: turn.words[lo:hi]
    hi: int
    logf0: float | None  # mean log F0 of its voiced frames
    frames: int  # voiced frames
    voice: int | None = None
    sure: bool = False  # its own pitch says its voice (else it took its neighbours')


@dataclass
class VoiceResult:
    turns: list[Turn] | None  # None: no two clearly separate voices, keep the text heuristic's roles
    summary: str  # what was found, for the benchmark and debugging
    split: VoiceSplit | None


def word_frames(x: np.ndarray, turns: list[Turn], sr: int = SR) -> list[list[np.ndarray]]:
    """The log F0 of the voiced frames inside each word of each turn."""
    times, f0 = frame_f0(_decimate(np.asarray(x, dtype=np.float32)), sr // 2) if sr == SR else frame_f0(np.asarray(x, np.float32), sr)
    logf = np.log(f0)
    out = []
    for t in turns:
        row = []
        for w in t.words:
            lo, hi = np.searchsorted(times, w[2]), np.searchsorted(times, w[3])
            v = logf[lo:hi]
            row.append(v[~np.isnan(v)])
        out.append(row)
    return out


def attribute_voices(x: np.ndarray, turns: list[Turn], sr: int = SR) -> VoiceResult:
    """Roles of a single-channel call's turns from the voices heard (x: the mono audio). Turns
    without word times are kept whole."""
    frames = word_frames(x, turns, sr)
    whole = [Piece(ti, 0, len(t.words), *_pitch(frames[ti])) for ti, t in enumerate(turns)]
    split = two_voices([(p.logf0, p.frames) for p in whole if p.logf0 is not None])
    if split is None:
        return VoiceResult(None, "no two separate voices: roles from the text", None)
    clear = split.separation >= CLEAR_SEPARATION and split.high_hz / split.low_hz >= CLEAR_RATIO
    text_t = _text_t(whole, turns)
    if not clear and (text_t is None or text_t >= TEXT_FITS_T or min(split.sizes) < CLOSE_MIN_TURNS):
        return VoiceResult(None, f"two close voices, and the text's parties differ in pitch (t {text_t}): roles from the text", split)
    pieces: list[Piece] = []
    for ti in range(len(turns)):
        pieces.extend(_split_turn(ti, frames[ti], split, _cuttable(turns[ti])))
    for p in pieces:
        if p.logf0 is not None and abs(p.logf0 - split.threshold_log) >= SURE_MARGIN * split.half_gap:
            p.voice = split.voice(p.logf0)
            p.sure = True
    _fill_unsure(pieces)
    if any(p.voice is None for p in pieces):
        return VoiceResult(None, "pieces of speech whose voice is unclear: roles from the text", split)
    pieces = _coalesce(pieces)
    agent_voice, why = _agent_voice(pieces, turns)
    if agent_voice is None:
        return VoiceResult(None, why, split)
    moved = sum(p.hi - p.lo for p in pieces if (AGENT if p.voice == agent_voice else CUSTOMER) != turns[p.turn].role)
    if moved > MAX_MOVED * sum(len(t.words) for t in turns):
        return VoiceResult(None, f"the voices would give {moved} words to the other party, more than the text can be that wrong: roles from the text", split)
    out = _rebuild(pieces, turns, agent_voice)
    kind = "clearly separate" if clear else f"close (the text's parties t {text_t})"
    summary = f"two {kind} voices {split.low_hz:.0f}/{split.high_hz:.0f} Hz (D {split.separation:.1f}), agent's {why}, {moved} words moved"
    return VoiceResult(out, summary, split)


def _pitch(chunks: list[np.ndarray]) -> tuple[float | None, int]:
    """The pitch of a stretch of speech: the mean log F0 of its voiced frames (measured per turn
    on the eval calls, it tells the two parties apart better than the median: AUC 0.93 vs 0.84)."""
    v = np.concatenate(chunks) if chunks else np.zeros(0)
    return (float(np.mean(v)) if len(v) >= MIN_PIECE_FRAMES else None), len(v)


def _text_t(whole: list[Piece], turns: list[Turn]) -> float | None:
    g = {r: [(p.logf0, p.frames) for p in whole if p.logf0 is not None and turns[p.turn].role == r] for r in (AGENT, CUSTOMER)}
    if min(len(v) for v in g.values()) < 2:
        return None
    st = []
    for v in g.values():
        x = np.array([a for a, _ in v])
        w = np.array([float(n) for _, n in v])
        m = float(np.average(x, weights=w))
        st.append((m, float(np.average((x - m) ** 2, weights=w)), len(v)))
    (ma, va, na), (mc, vc, nc) = st
    sd = np.sqrt((va * na + vc * nc) / max(na + nc - 2, 1))
    return round(float(abs(ma - mc) / max(sd * np.sqrt(1 / na + 1 / nc), 1e-9)), 1)


CUT_PAUSE_S = 0.15  # a pause between two words this long (or a punctuation mark) may separate two speakers


def _cuttable(turn: Turn) -> set[int]:
    """Word boundaries where one speaker may hand over to the other: after a punctuation mark or at
    a pause. Never inside a run of words: cutting 不知道您觉得… after 不知道 would show an exception's
    words apart and accuse the agent of a bare 不知道."""
    out = set()
    for k in range(1, len(turn.words)):
        prev, nxt = turn.words[k - 1], turn.words[k]
        between = turn.text[prev[1] : nxt[0]] + turn.text[prev[0] : prev[1]][-1:]
        if nxt[2] - prev[3] >= CUT_PAUSE_S or any(ch in "，。！？、,.!?;；：:" for ch in between):
            out.add(k)
    return out


def _split_turn(ti: int, words: list[np.ndarray], split: VoiceSplit, cuttable: set[int]) -> list[Piece]:
    """Cut a turn where the voice changes (at most twice), at a boundary in `cuttable`: both sides
    hold enough voiced speech and each is clearly one voice, the two different."""
    spans = [(0, len(words))]
    for _ in range(2):
        best = None
        for k, (lo, hi) in enumerate(spans):
            cut = _best_cut(words, lo, hi, split, cuttable)
            if cut is not None and (best is None or cut[1] > best[2]):
                best = (k, cut[0], cut[1])
        if best is None:
            break
        k, c, _ = best
        lo, hi = spans[k]
        spans[k : k + 1] = [(lo, c), (c, hi)]
    return [Piece(ti, lo, hi, *_pitch(words[lo:hi])) for lo, hi in spans]


def _best_cut(words: list[np.ndarray], lo: int, hi: int, split: VoiceSplit, cuttable: set[int]) -> tuple[int, float] | None:
    """The word boundary in [lo, hi) where one voice hands over to the other: both sides clearly a
    different voice, the cut that fits the pitches best (least absolute deviation from each side's
    mean); returns (cut, gain over not cutting)."""
    whole = np.concatenate(words[lo:hi]) if hi > lo else np.zeros(0)
    if len(whole) < 2 * SPLIT_MIN_FRAMES:
        return None
    base = float(np.sum(np.abs(whole - np.mean(whole))))
    best = None
    need = SURE_MARGIN * split.half_gap
    for c in range(lo + SPLIT_MIN_WORDS, hi - SPLIT_MIN_WORDS + 1):
        if c not in cuttable:
            continue
        left, right = np.concatenate(words[lo:c]), np.concatenate(words[c:hi])
        if min(len(left), len(right)) < SPLIT_MIN_FRAMES:
            continue
        a, b = float(np.mean(left)), float(np.mean(right))
        da, db = a - split.threshold_log, b - split.threshold_log
        if da * db >= 0 or min(abs(da), abs(db)) < need:
            continue
        cost = float(np.sum(np.abs(left - a)) + np.sum(np.abs(right - b)))
        if best is None or cost < best[1]:
            best = (c, cost)
    return None if best is None else (best[0], base - best[1])


def _fill_unsure(pieces: list[Piece]) -> None:
    """Pieces without a clear pitch (short, unvoiced, between the voices) take the voice of the
    piece before them in their turn, else after it; at a turn's edge, of the neighbouring turn."""
    for _ in range(2):
        for k, p in enumerate(pieces):
            if p.voice is None:
                near = [q for q in pieces[max(k - 1, 0) : k] + pieces[k + 1 : k + 2] if q.voice is not None]
                same = [q for q in near if q.turn == p.turn]
                if same or near:
                    p.voice = (same or near)[0].voice


def _coalesce(pieces: list[Piece]) -> list[Piece]:
    """Neighbouring pieces of one turn with the same voice become one again."""
    out: list[Piece] = []
    for p in pieces:
        if out and out[-1].turn == p.turn and out[-1].voice == p.voice:
            out[-1] = Piece(p.turn, out[-1].lo, p.hi, None, out[-1].frames + p.frames, p.voice, out[-1].sure or p.sure)
        else:
            out.append(p)
    return out


def _agent_voice(pieces: list[Piece], turns: list[Turn]) -> tuple[int | None, str]:
    """The agent's voice: the one that greets (or speaks first: the agent answers), confirmed by
    the text cues summed per voice (roles.py); None when they clearly disagree."""
    from phrasecheck.calls.roles import OPENING, score

    texts = [_piece_text(p, turns) for p in pieces]
    opener = next((k for k, t in enumerate(texts[:3]) if OPENING.search(t)), None)
    first = pieces[opener if opener is not None else 0]
    if not first.sure:
        return None, "the voice of the call's first words is unclear: roles from the text"
    voice = first.voice
    cues = [0, 0]
    for p, t in zip(pieces, texts):
        cues[p.voice] += score(t)
    how = "greets" if opener is not None else "speaks first"
    if cues[voice] < cues[1 - voice] - CUES_AGAINST:
        return None, f"the voice that {how} talks like the customer (cues {cues[voice]:+d} vs {cues[1 - voice]:+d}): roles from the text"
    return voice, how


def _piece_text(p: Piece, turns: list[Turn]) -> str:
    t = turns[p.turn]
    if not t.words:
        return t.text
    a = t.words[p.lo][0] if p.lo else 0
    b = t.words[p.hi][0] if p.hi < len(t.words) else len(t.text)
    return t.text[a:b]


def _rebuild(pieces: list[Piece], turns: list[Turn], agent_voice: int) -> list[Turn]:
    """Turns from the pieces with their voices' roles. Pieces of one turn with the same voice stay
    one turn; two turns the text heuristic gave to different parties join when they now share a
    role and the pause between them is short (one utterance the text had split). Neighbouring
    pieces of one turn have different voices (_coalesce)."""
    from phrasecheck.calls.transcribe import MERGE_GAP_S

    out: list[Turn] = []
    prev: Piece | None = None
    for p in pieces:
        t = turns[p.turn]
        role = AGENT if p.voice == agent_voice else CUSTOMER
        if not t.words:
            out.append(Turn(role=role, text=t.text, start_s=t.start_s, end_s=t.end_s))
            prev = p
            continue
        text = _piece_text(p, turns)
        a = t.words[p.lo][0] if p.lo else 0
        lead = len(text) - len(text.lstrip())
        text = text.strip()
        words = [(wa - a - lead, wb - a - lead, *rest) for wa, wb, *rest in t.words[p.lo : p.hi]]
        start = words[0][2] if p.lo else t.start_s
        end = words[-1][3] if p.hi < len(t.words) else t.end_s
        last = out[-1] if out else None
        join = False
        if last is not None and prev is not None and last.role == role:
            join = prev.turn != p.turn and turns[prev.turn].role != t.role and start - (last.end_s or 0) <= MERGE_GAP_S
        if join and text:
            sep = "" if not last.text or last.text[-1] in "，。！？、,.!?;；" else "，"
            shift = len(last.text) + len(sep)
            last.text += sep + text
            last.words.extend((wa + shift, wb + shift, *rest) for wa, wb, *rest in words)
            last.end_s = max(last.end_s or 0, end or 0)
        elif text:
            out.append(Turn(role=role, text=text, start_s=start, end_s=end, words=words))
        prev = p
    return out


def two_voices(items: list[tuple[float, int]]) -> VoiceSplit | None:
    """2-means on log F0 values, each weighted (by its voiced frames); None unless the two groups
    are clearly apart (MIN_SEPARATION, MIN_RATIO) and each holds enough of the speech."""
    if len(items) < 2 * MIN_PIECES_PER_VOICE:
        return None
    items = sorted(items)
    v = np.array([a for a, _ in items])
    wt = np.array([float(n) for _, n in items])
    best = None
    for cut in range(MIN_PIECES_PER_VOICE, len(v) - MIN_PIECES_PER_VOICE + 1):
        sse = 0.0
        for part, pw in ((v[:cut], wt[:cut]), (v[cut:], wt[cut:])):
            sse += float(np.sum(pw * (part - np.average(part, weights=pw)) ** 2))
        if best is None or sse < best[0]:
            best = (sse, cut)
    if best is None:
        return None
    _, cut = best
    a, b, wa, wb = v[:cut], v[cut:], wt[:cut], wt[cut:]
    if min(wa.sum(), wb.sum()) < MIN_SHARE * wt.sum():
        return None
    ma, mb = float(np.average(a, weights=wa)), float(np.average(b, weights=wb))
    va = float(np.average((a - ma) ** 2, weights=wa))
    vb = float(np.average((b - mb) ** 2, weights=wb))
    sep = float(np.sqrt(2) * (mb - ma) / max(np.sqrt(va + vb), 1e-6))
    split = VoiceSplit(float(np.exp(ma)), float(np.exp(mb)), sep, float((ma + mb) / 2), (cut, len(v) - cut))
    return split if sep >= MIN_SEPARATION and mb - ma >= np.log(MIN_RATIO) else None
