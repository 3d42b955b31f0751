"""How alike a turn's windows sound to many readings at once: nearmiss.similarity, in numpy.

The proposer compares every reading of every forbidden phrase (hundreds, once words.yaml's
synonyms expand them) with every window of every agent turn. Done a syllable pair at a time in
Python that cost 0.4 s of CPU per call; here each syllable gets a number, the pair similarities
sit in one table, and a reading is scored against all windows of a turn in one array operation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from phrasecheck.text.normalize import Normalized

if TYPE_CHECKING:  # numpy is imported where it is used: `check` on chats never needs it
    import numpy as np


@dataclass(frozen=True)
class Readings:
    """SoundTable.prepare's readings: by length, (their indices, syllable numbers, characters)."""

    count: int
    groups: dict[int, tuple[list[int], np.ndarray, np.ndarray]]


class SoundTable:
    """Syllable -> number, and the similarity of every pair of numbered syllables."""

    def __init__(self, similarity: Callable[[str, str], float]):
        import numpy as np

        self._similarity = similarity
        self._ids: dict[str, int] = {}
        self._syllables: list[str] = []
        self._table = np.zeros((0, 0))

    def ids(self, syllables: list[str]) -> np.ndarray:
        import numpy as np

        new = [s for s in dict.fromkeys(syllables) if s not in self._ids]
        if new:
            self._grow(new)
        return np.fromiter((self._ids[s] for s in syllables), dtype=np.intp, count=len(syllables))

    def _grow(self, new: list[str]) -> None:
        import numpy as np

        old = len(self._syllables)
        for s in new:
            self._ids[s] = len(self._syllables)
            self._syllables.append(s)
        n = len(self._syllables)
        table = np.zeros((n, n))
        table[:old, :old] = self._table
        for i in range(old, n):
            a = self._syllables[i]
            row = [self._similarity(a, b) for b in self._syllables]
            table[i, :] = row
            table[:, i] = row
        self._table = table

    def prepare(self, readings: list[Normalized]) -> Readings:
        """Readings grouped by length with their syllable numbers and characters, for best_windows:
        done once for a lexicon's readings, not once per turn."""
        import numpy as np

        by_length: dict[int, list[int]] = {}
        for i, w in enumerate(readings):
            if w.key:
                by_length.setdefault(len(w.key), []).append(i)
        groups = {
            m: (which, np.stack([self.ids(readings[i].pinyin) for i in which]), np.array([[ord(c) for c in readings[i].key] for i in which], dtype=np.int64))
            for m, which in by_length.items()
        }
        return Readings(len(readings), groups)

    def best_windows(self, nt: Normalized, readings: list[Normalized] | Readings) -> list[tuple[int, float] | None]:
        """For each reading, the window of nt most like it and not equal to it: (key position,
        mean syllable similarity, a same character counting 1), or None when nt is shorter.
        Readings of one length are scored together: one array operation per length."""
        if not isinstance(readings, Readings):
            readings = self.prepare(readings)
        out: list[tuple[int, float] | None] = [None] * readings.count
        for i, lo, score in self.near(nt, readings):
            out[i] = (lo, score)
        return out

    def near(self, nt: Normalized, readings: Readings, least=None) -> list[tuple[int, int, float]]:
        """best_windows' windows as (reading index, key position, similarity), in reading order,
        only those at least least[i] alike where least is given (an array by reading): a turn is
        scored against thousands of readings, and only a few come close."""
        import numpy as np

        n = len(nt.key)
        out: list[tuple[int, int, float]] = []
        turn = self.ids(nt.pinyin)
        chars = np.array([ord(c) for c in nt.key], dtype=np.int64)
        for m, (which, spoken, letters) in readings.groups.items():
            if m > n:
                continue
            windows = np.lib.stride_tricks.sliding_window_view(turn, m)[:, None, :]  # (positions, 1, m)
            same = np.lib.stride_tricks.sliding_window_view(chars, m)[:, None, :] == letters[None, :, :]
            sims = np.where(same, 1.0, self._table[windows, spoken[None, :, :]])  # (positions, k, m)
            score = np.round(sims.sum(axis=2) / m, 9)
            score[same.all(axis=2)] = -1.0  # the reading itself is no near miss
            best = score.argmax(axis=0)  # the first of equals, as a scan from the left finds
            value = score[best, np.arange(len(which))]
            keep = value >= 0 if least is None else (value >= 0) & (value >= least[which])
            out += zip(np.asarray(which)[keep].tolist(), best[keep].tolist(), value[keep].tolist())
        return sorted(out)
