#!/usr/bin/env python3
"""Build the labelled call-behaviour set (B01-B05) by editing the sample recordings in ../calls.

    python3 samples/behaviour/build.py OUTDIR

writes OUTDIR/*.wav (16 kHz PCM; stereo, agent left, except the mono one) and OUTDIR/labels.jsonl,
one line per recording: {"file", "conversation_id", "edits", "events": [{"rule", "start_s",
"end_s", "what"}]}. Every event exists because an edit put it there: silence prepended (late
answer) or inserted (holds, announced or not), an agent clip pasted over the customer's speech
(talk-over) or a short one (a backchannel, which is no event), an agent turn played 1.7 times as
fast (speech rate), the recording cut before the agent's goodbye (closing). A recording's events
are all the behaviour findings it should get; anything else the checker reports there is a false
positive. Event times are measured on the edited audio itself with an energy gate (the sources are
synthetic, with a noise floor near -55 dBFS), so they are exact to about 20 ms, not the refs'
placement (which includes the TTS's own leading silence).

Needs only numpy and phrasecheck (for decoding the μ-law WAV and the MP3). Deterministic.
"""

from __future__ import annotations

import json
import sys
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from phrasecheck.calls.audio import SAMPLE_RATE, load_audio

HERE = Path(__file__).resolve().parent
CALLS = HERE.parent / "calls"
FRAME = SAMPLE_RATE // 100  # 10 ms
GATE_DB = -42.0  # speech frames: RMS above this (the sources' noise floor is about -55 dBFS)
JOIN_S = 0.3  # active stretches closer than this are one (the TTS pauses 0.15 s at commas)
HOLD_S = 25.0  # inserted holds: over the 20 s default
SHORT_S = 12.0  # an inserted pause under it
LATE_S = 7.0  # prepended silence: over the 5 s default
EARLY_S = 3.0  # ... and under it


def refs() -> dict[str, dict]:
    with open(CALLS / "calls.refs.jsonl", encoding="utf-8") as f:
        return {json.loads(line)["conversation_id"]: json.loads(line) for line in f if line.strip()}


def activity(x: np.ndarray, join_s: float = JOIN_S) -> list[tuple[float, float]]:
    """Stretches of one channel above the energy gate, closer ones joined."""
    n = len(x) // FRAME
    rms = np.sqrt((x[: n * FRAME].reshape(n, FRAME) ** 2).mean(axis=1) + 1e-12)
    on = 20 * np.log10(rms) > GATE_DB
    spans: list[list[float]] = []
    for i in np.flatnonzero(on):
        s, e = i / 100, (i + 1) / 100
        if spans and s - spans[-1][1] <= join_s:
            spans[-1][1] = e
        else:
            spans.append([s, e])
    return [(round(float(s), 2), round(float(e), 2)) for s, e in spans if e - s >= 0.05]


@dataclass
class Call:
    """A recording being edited: 16 kHz channels, the refs' turns (kept in step), the events."""

    name: str
    channels: list[np.ndarray]
    turns: list[dict]
    floor: float
    edits: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(7))

    @classmethod
    def load(cls, source: str, name: str) -> Call:
        ref = refs()[source]
        audio = load_audio(str(CALLS / ref["file"]))
        channels = [np.asarray(ch, np.float32) for ch in audio.channels]
        frames = np.concatenate([ch[: len(ch) // FRAME * FRAME].reshape(-1, FRAME) for ch in channels])
        floor = float(np.percentile(np.sqrt((frames**2).mean(axis=1)), 10))  # the noise between the turns
        return cls(name, channels, [dict(t) for t in ref["turns"]], floor)

    @property
    def mono(self) -> bool:
        return len(self.channels) == 1

    def noise(self, seconds: float) -> np.ndarray:
        return self.rng.normal(0, self.floor, int(round(seconds * SAMPLE_RATE))).astype(np.float32)

    def turn(self, role: str, k: int) -> dict:
        """The k-th turn of a party (refs order)."""
        return [t for t in self.turns if t["role"] == role][k]

    def insert(self, at: float, seconds: float, what: str) -> None:
        """Noise-floor silence on every channel at `at`; later turns move."""
        i = int(round(at * SAMPLE_RATE))
        self.channels = [np.concatenate([ch[:i], self.noise(seconds), ch[i:]]) for ch in self.channels]
        for t in self.turns:
            if t["start_s"] >= at:
                t["start_s"], t["end_s"] = round(t["start_s"] + seconds, 2), round(t["end_s"] + seconds, 2)
        for e in self.events:
            if e["start_s"] >= at:
                e["start_s"], e["end_s"] = round(e["start_s"] + seconds, 2), round(e["end_s"] + seconds, 2)
        self.edits.append(f"{what}: {seconds:g} s of silence inserted at {at:.2f} s")

    def between(self, a: dict, b: dict) -> float:
        """A point in the pause between two turns: the middle of the silence the energy gate sees."""
        gaps = [(e, s2) for (_, e), (s2, _) in zip(self.speech(), self.speech()[1:]) if a["end_s"] - 0.5 <= (e + s2) / 2 <= b["start_s"] + 0.5]
        lo, hi = max(gaps, key=lambda g: g[1] - g[0])
        return round((lo + hi) / 2, 2)

    def speech(self, channel: int | None = None) -> list[tuple[float, float]]:
        chans = self.channels if channel is None else [self.channels[channel]]
        spans = sorted(s for ch in chans for s in activity(ch))
        out: list[list[float]] = []
        for s, e in spans:
            if out and s <= out[-1][1]:
                out[-1][1] = max(out[-1][1], e)
            else:
                out.append([s, e])
        return [(s, e) for s, e in out]

    def clip(self, role_turn: dict, first_part: bool = False) -> np.ndarray:
        """The agent's audio of a turn, trimmed to its speech (first_part: up to its first pause)."""
        ch = self.channels[0]
        spans = [(s, e) for s, e in activity(ch, 0.1 if first_part else JOIN_S) if s < role_turn["end_s"] and e > role_turn["start_s"]]
        s, e = spans[0][0], (spans[0][1] if first_part else spans[-1][1])
        return ch[int(s * SAMPLE_RATE) : int(e * SAMPLE_RATE)].copy()

    def paste(self, at: float, clip: np.ndarray) -> tuple[float, float]:
        i = int(round(at * SAMPLE_RATE))
        self.channels[0][i : i + len(clip)] += clip[: len(self.channels[0]) - i]
        return at, round(at + len(clip) / SAMPLE_RATE, 2)

    def event(self, rule: str, start: float, end: float, what: str) -> None:
        self.events.append({"rule": rule, "start_s": round(start, 2), "end_s": round(end, 2), "what": what})

    def write(self, out: Path) -> dict:
        data = np.stack(self.channels, axis=1) if not self.mono else self.channels[0][:, None]
        pcm = (np.clip(data, -1, 1) * 32767).astype("<i2")
        with wave.open(str(out / f"{self.name}.wav"), "wb") as w:
            w.setnchannels(data.shape[1])
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            w.writeframes(pcm.tobytes())
        events = sorted(self.events, key=lambda e: (e["start_s"], e["rule"]))
        return {
            "file": f"{self.name}.wav",
            "conversation_id": self.name,
            "channels": "mono" if self.mono else "agent=left,customer=right",
            "edits": self.edits,
            "events": events,
        }


# --- the edits --------------------------------------------------------------------------------


def late(c: Call, seconds: float) -> None:
    c.insert(0.0, seconds, "late answer" if seconds > 5 else "answer within the limit")
    if seconds > 5:
        first = c.speech(None if c.mono else 0)[0][0]
        c.event("B01", 0.0, first, f"first {'speech' if c.mono else 'agent speech'} after {seconds:g} s of prepended silence")


def hold(c: Call, a: dict, b: dict, seconds: float, announced: bool, what: str) -> None:
    at = c.between(a, b)
    c.insert(at, seconds, what)
    if seconds > 20 and not announced:
        gap = next((e, s2) for (s1, e), (s2, _) in zip(c.speech(), c.speech()[1:]) if e <= at < s2)
        c.event("B02", gap[0], gap[1], what)


def talk_over(c: Call, customer_turn: dict, clip: np.ndarray, offset: float, what: str) -> None:
    """Paste an agent clip `offset` seconds into a customer turn's speech (negative: before its end)."""
    spans = [(s, e) for s, e in activity(c.channels[1], 0.5) if s < customer_turn["end_s"] and e > customer_turn["start_s"]]
    c0, c1 = spans[0][0], spans[-1][1]
    s, e = c.paste(c0 + offset if offset >= 0 else c1 + offset, clip)
    c.edits.append(f"{what}: {len(clip) / SAMPLE_RATE:.2f} s of agent speech pasted at {s:.2f} s over the customer's {c0:.2f}-{c1:.2f} s")
    if min(e, c1) - s > 1.0:
        c.event("B03", s, min(e, c1), what)


def faster(c: Call, t: dict, factor: float) -> None:
    """Play an agent turn `factor` times as fast, in place (noise after it)."""
    spans = [(s, e) for s, e in activity(c.channels[0]) if s < t["end_s"] and e > t["start_s"]]
    s, e = spans[0][0], spans[-1][1]
    i, j = int(s * SAMPLE_RATE), int(e * SAMPLE_RATE)
    x = c.channels[0][i:j]
    n = int(len(x) / factor)
    fast = np.interp(np.linspace(0, len(x) - 1, n), np.arange(len(x)), x).astype(np.float32)
    c.channels[0][i:j] = np.concatenate([fast, c.noise((j - i - n) / SAMPLE_RATE)])[: j - i]
    c.edits.append(f"agent turn '{t['text']}' played {factor:g}x as fast")
    c.event("B04", s, s + n / SAMPLE_RATE, f"agent turn played {factor:g}x as fast")


def cut(c: Call, after: dict) -> None:
    """End the recording just after a turn's speech."""
    spoken = max(e for s, e in c.speech() if s < after["end_s"])
    end = spoken + 0.3  # the next turn starts 0.6 s after it
    c.channels = [ch[: int(end * SAMPLE_RATE)] for ch in c.channels]
    c.turns = [t for t in c.turns if t["start_s"] < spoken]
    c.edits.append(f"cut at {end:.2f} s, before the agent's goodbye")


def no_goodbye(c: Call) -> None:
    """B05 on the agent's last turn, when no goodbye is in the agent's last two turns (as the script says)."""
    agent = [t for t in c.turns if t["role"] == "agent"]
    if not any("再见" in t["text"] or "感谢您的来电" in t["text"] for t in agent[-2:]):
        last = agent[-1]
        # the agent's last turn as the transcript has it: same-party speech less than 1 s apart is one turn
        ch = c.channels[0]
        spans = [(s, e) for s, e in activity(ch, 1.0) if s < last["end_s"] + 0.3 and e > last["start_s"] - 0.3]
        if c.mono:
            spans = [(s, e) for s, e in c.speech() if s < last["end_s"] + 0.3 and e > last["start_s"] - 0.3]
        c.event("B05", spans[0][0], spans[-1][1], "no goodbye in the agent's last turns")


def build() -> list[Call]:
    out = []

    c = Call.load("call_clean", "late_clean")
    late(c, LATE_S)
    out.append(c)

    c = Call.load("call_forbidden", "early_forbidden")
    late(c, EARLY_S)
    out.append(c)

    c = Call.load("call_nogreet", "hold_nogreet")
    hold(c, c.turn("customer", 1), c.turn("agent", 2), HOLD_S, False, "unannounced hold after the customer's order number")
    out.append(c)

    c = Call.load("call_clean", "hold_clean")
    hold(c, c.turn("customer", 0), c.turn("agent", 1), HOLD_S, False, "unannounced hold after the customer's question")
    out.append(c)

    c = Call.load("call_clean", "announced_clean")
    hold(c, c.turn("agent", 1), c.turn("agent", 2), HOLD_S, True, "hold after 好的，请您稍等，我帮您查询")
    out.append(c)

    c = Call.load("call_evening", "announced_evening")
    hold(c, c.turn("customer", 0), c.turn("agent", 1), SHORT_S, False, "a pause under the limit")
    hold(c, c.turn("agent", 1), c.turn("agent", 2), HOLD_S, True, "hold after …请稍等")
    out.append(c)

    agent_clip = Call.load("call_clean", "x").clip(Call.load("call_clean", "x").turn("agent", 1))  # 好的，请您稍等，我帮您查询
    yes_clip = Call.load("call_clean", "x").clip(Call.load("call_clean", "x").turn("agent", 1), first_part=True)  # 好的
    c = Call.load("call_forbidden", "talkover_forbidden")
    talk_over(c, c.turn("customer", 0), agent_clip, 1.0, "agent talks over the customer's complaint")
    talk_over(c, c.turn("customer", 1), yes_clip, 1.0, "a backchannel 好的 inside the customer's turn")
    out.append(c)

    src = Call.load("call_forbidden", "x")
    c = Call.load("call_clean", "talkover_clean")
    talk_over(c, c.turn("customer", 0), src.clip(src.turn("agent", 2)), 0.6, "agent talks over the customer's question")  # 有本事你去告
    out.append(c)

    c = Call.load("call_evening", "fast_evening")
    faster(c, c.turn("agent", 0), 1.7)
    out.append(c)

    c = Call.load("call_forbidden", "fast_forbidden")
    faster(c, c.turn("agent", 0), 1.7)
    out.append(c)

    c = Call.load("call_clean", "cut_clean")
    cut(c, c.turn("customer", 1))
    out.append(c)

    c = Call.load("call_mono", "late_mono")
    late(c, LATE_S)
    hold(c, c.turn("agent", 0), c.turn("customer", 0), HOLD_S, False, "unannounced silence after the greeting")
    out.append(c)

    c = Call.load("call_mono", "announced_mono")
    hold(c, c.turn("agent", 1), c.turn("customer", 1), HOLD_S, True, "hold after …请您稍等，我帮您查一下")
    out.append(c)

    c = Call.load("call_evening", "late_evening")
    late(c, 9.0)
    out.append(c)

    c = Call.load("call_nogreet", "early_nogreet")
    late(c, 4.5)
    out.append(c)

    c = Call.load("call_forbidden", "talkover_end_forbidden")
    talk_over(c, c.turn("customer", 0), agent_clip, -2.5, "agent talks over the last 2.5 s of the customer's turn")
    out.append(c)

    src = Call.load("call_forbidden", "x")
    c = Call.load("call_nogreet", "overlap_nogreet")
    talk_over(c, c.turn("customer", 1), src.clip(src.turn("agent", 2)), -0.6, "agent starts 0.6 s before the customer ends")  # 有本事你去告
    out.append(c)

    c = Call.load("call_clean", "backchannel_clean")
    talk_over(c, c.turn("customer", 0), yes_clip, 1.5, "a backchannel 好的 inside the customer's question")
    out.append(c)

    c = Call.load("call_forbidden", "hold_forbidden")
    hold(c, c.turn("agent", 1), c.turn("customer", 1), 30.0, False, "unannounced silence after 急什么，烦死人了")
    out.append(c)

    c = Call.load("call_clean", "fast_clean")
    faster(c, c.turn("agent", 2), 1.7)  # merged with the turn before it in the transcript
    out.append(c)

    for c in out:
        no_goodbye(c)
    return out


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "labels.jsonl", "w", encoding="utf-8") as f:
        for c in build():
            f.write(json.dumps(c.write(out), ensure_ascii=False) + "\n")
            print(f"{c.name}: {len(c.channels[0]) / SAMPLE_RATE:.1f} s, events {[e['rule'] for e in c.events]}")


if __name__ == "__main__":
    main()
