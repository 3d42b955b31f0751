"""A second opinion on forbidden phrases said in words no form lists: a character n-gram model.

Each new writer of held-out calls rewords the 服务忌语 in ways the lexicon's forms have not met
(first-sight recall 0.36-0.51 on the last five sets), while what marks the speech act (给我等着,
吓唬谁呢, 左耳朵进右耳朵出) recurs in pieces. One logistic regression per rule over an agent turn's
character 1-3-grams (tf-idf) learns those pieces from the labelled sets in samples/; the lexicon stays
the first judge and the model only adds a rule the lexicon did not find in that turn.

Its thresholds come from real agents' lines that are taken as compliant (`calibrate`): for each rule,
the score of the k-th highest of them, k = 0..MAX_LEVEL. A lexicon's `model:` says which level makes an
error and which a finding for review (level 0: above every calibration line). numpy only: training is
full-batch L-BFGS, so the model can be rebuilt wherever phrasecheck installs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from phrasecheck.text.simplify import to_simplified

NGRAM = 3
MAX_LEVEL = 8  # calibration levels stored: the 0th..8th highest calibration score per rule
_BREAKS = re.compile(r"[\s，。！？、,.!?;；:：…~～\-—\"“”‘’'()（）《》【】\[\]]+")
_FILLERS = re.compile(r"[嗯啊呢吧呀哦哈嘛呗啦哎唉]")
_SAME = str.maketrans({"她": "他", "它": "他"})  # not 您 as 你: which of the two an agent says is a mark of tone


def normalise(text: str) -> str:
    """Simplified, 她/它 as 他, every run of punctuation or space one '，' (as the model reads)."""
    return _BREAKS.sub("，", to_simplified(text).translate(_SAME))


def content_chars(text: str) -> int:
    """Characters that carry words: punctuation, spaces and fillers (嗯/啊/呢…) left out."""
    return len(_FILLERS.sub("", _BREAKS.sub("", text)))


def _grams(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for n in range(1, NGRAM + 1):
        for i in range(len(text) - n + 1):
            g = text[i : i + n]
            counts[g] = counts.get(g, 0) + 1
    return counts


@dataclass
class Rows:
    """Sparse rows (CSR): row i's features are indices[indptr[i]:indptr[i+1]] with values alike."""

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray

    def dot(self, w: np.ndarray) -> np.ndarray:
        out = np.zeros((len(self.indptr) - 1, w.shape[1]))
        filled = np.diff(self.indptr) > 0
        if filled.any():
            out[filled] = np.add.reduceat(self.values[:, None] * w[self.indices], self.indptr[:-1][filled], axis=0)
        return out

    def tdot(self, r: np.ndarray, size: int) -> np.ndarray:
        rows = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        return np.stack([np.bincount(self.indices, weights=self.values * r[rows, j], minlength=size) for j in range(r.shape[1])], axis=1)


@dataclass
class TurnModel:
    """Per-rule scores of one agent turn; `levels[k, j]`: rule j's k-th highest calibration score."""

    rules: list[str]
    vocab: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray  # (features, rules)
    bias: np.ndarray  # (rules,)
    levels: np.ndarray  # (MAX_LEVEL + 1, rules); +inf where not calibrated
    min_chars: int = 8

    def rows(self, texts: list[str]) -> Rows:
        indptr, indices, values = [0], [], []
        for text in texts:
            found = [(self.vocab[g], c) for g, c in _grams(normalise(text)).items() if g in self.vocab]
            if found:
                idx = np.array([i for i, _ in found])
                val = (1 + np.log([c for _, c in found])) * self.idf[idx]
                indices.extend(idx.tolist())
                values.extend((val / np.linalg.norm(val)).tolist())
            indptr.append(len(indices))
        return Rows(np.array(indptr), np.array(indices, dtype=np.int64), np.array(values))

    def scores(self, texts: list[str]) -> np.ndarray:
        """(texts, rules) decision values; a text under min_chars content characters scores -inf
        (and is not read: most chat lines are that short)."""
        out = np.full((len(texts), len(self.rules)), -np.inf)
        long = [k for k, t in enumerate(texts) if content_chars(t) >= self.min_chars]
        if long:
            out[long] = self.rows([texts[k] for k in long]).dot(self.weights) + self.bias
        return out

    def threshold(self, rule: str, level: int) -> float:
        return float(self.levels[min(level, MAX_LEVEL), self.rules.index(rule)])

    def evidence(self, text: str, rule: str) -> tuple[int, int]:
        """The span of the turn that scores highest for the rule: one clause or up to three in a row
        (the whole turn where it has no punctuation), as character offsets of the original text."""
        cuts = [0, *(x for m in _BREAKS.finditer(text) for x in (m.start(), m.end())), len(text)]
        clauses = [(a, b) for a, b in zip(cuts[::2], cuts[1::2]) if b > a]
        spans = [(clauses[i][0], clauses[j][1]) for i in range(len(clauses)) for j in range(i, min(i + 3, len(clauses)))]
        spans = [s for s in spans if content_chars(text[s[0] : s[1]]) >= 2] or [(0, len(text))]
        column = self.rules.index(rule)
        values = (self.rows([text[a:b] for a, b in spans]).dot(self.weights[:, [column]]) + self.bias[column])[:, 0]
        return spans[int(np.argmax(values))]

    # --- files -------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        words = sorted(self.vocab, key=self.vocab.get)
        with open(path, "wb") as f:
            np.savez_compressed(
                f,
                rules=np.array(self.rules),
                vocab=np.array("\n".join(words)),
                idf=self.idf.astype(np.float32),
                weights=self.weights.astype(np.float32),
                bias=self.bias,
                levels=self.levels,
                min_chars=np.array(self.min_chars),
            )

    @classmethod
    def load(cls, path: Path) -> TurnModel:
        with np.load(path, allow_pickle=False) as z:
            words = str(z["vocab"]).split("\n")
            return cls(
                rules=[str(r) for r in z["rules"]],
                vocab={w: i for i, w in enumerate(words)},
                idf=z["idf"].astype(np.float64),
                weights=z["weights"].astype(np.float64),
                bias=z["bias"].astype(np.float64),
                levels=z["levels"].astype(np.float64),
                min_chars=int(z["min_chars"]),
            )


# --- training ----------------------------------------------------------------------------------


def fit(texts: list[str], labels: list[set[str]], rules: list[str], c: float = 4.0, min_df: int = 2, iterations: int = 300) -> TurnModel:
    """One-vs-rest L2 logistic regression, each rule's two classes weighted equally (a rule has a
    few hundred turns against fifteen thousand), on tf-idf character 1-3-grams seen in min_df texts."""
    normal = [normalise(t) for t in texts]
    df: dict[str, int] = {}
    for t in normal:
        for g in _grams(t):
            df[g] = df.get(g, 0) + 1
    words = sorted(g for g, n in df.items() if n >= min_df)
    vocab = {g: i for i, g in enumerate(words)}
    # as the file stores them (float32), so the levels are those of the scores a loaded model gives
    idf = np.array([np.log((1 + len(texts)) / (1 + df[g])) + 1 for g in words], dtype=np.float32).astype(np.float64)
    empty = np.zeros((0, len(rules)))
    model = TurnModel(rules, vocab, idf, empty, np.zeros(len(rules)), np.full((MAX_LEVEL + 1, len(rules)), np.inf))
    x = model.rows(texts)
    y = np.array([[r in got for r in rules] for got in labels], dtype=float)
    weights, model.bias = _logistic(x, y, len(words), c, iterations)
    model.weights = weights.astype(np.float32).astype(np.float64)
    return model


def calibrate(model: TurnModel, lines: list[str], extra: np.ndarray | None = None) -> None:
    """Levels from lines taken as compliant (real agents' lines): level k is each rule's k-th highest
    score. extra: more such scores (rows of rules) computed elsewhere (learn.train's look-alikes)."""
    scores = model.scores(lines)
    if extra is not None and len(extra):
        scores = np.vstack([scores, extra])
    top = -np.sort(-scores, axis=0)[: MAX_LEVEL + 1]
    model.levels = np.full((MAX_LEVEL + 1, len(model.rules)), np.inf)
    model.levels[: len(top)] = np.where(np.isfinite(top), top, np.inf)


def _logistic(x: Rows, y: np.ndarray, size: int, c: float, iterations: int) -> tuple[np.ndarray, np.ndarray]:
    n, k = y.shape
    positives = y.sum(0)
    weight = np.where(y > 0, n / (2 * np.maximum(positives, 1)), n / (2 * np.maximum(n - positives, 1)))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: size * k].reshape(size, k), theta[size * k :]
        z = x.dot(w) + b
        residual = weight * (1 / (1 + np.exp(-z)) - y)
        value = float((weight * (np.logaddexp(0, z) - y * z)).sum() + 0.5 / c * (w * w).sum())
        return value, np.concatenate([(x.tdot(residual, size) + w / c).ravel(), residual.sum(0)])

    theta = _lbfgs(loss, np.zeros(size * k + k), iterations)
    return theta[: size * k].reshape(size, k), theta[size * k :]


def _lbfgs(loss, theta: np.ndarray, iterations: int, memory: int = 10) -> np.ndarray:
    """Minimise a smooth convex loss: L-BFGS two-loop recursion with a backtracking (Armijo) step."""
    value, grad = loss(theta)
    steps: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(iterations):
        q, alphas = grad.copy(), []
        for s, d in reversed(steps):
            a = s @ q / (d @ s)
            alphas.append(a)
            q -= a * d
        if steps:
            s, d = steps[-1]
            q *= (s @ d) / (d @ d)
        for (s, d), a in zip(steps, reversed(alphas)):
            q += s * (a - d @ q / (d @ s))
        direction = -q
        step = 1.0 if steps else 1.0 / max(1.0, float(np.abs(grad).max()))
        slope = grad @ direction
        while True:
            new = theta + step * direction
            new_value, new_grad = loss(new)
            if new_value <= value + 1e-4 * step * slope or step < 1e-10:
                break
            step *= 0.5
        steps = [*steps[-(memory - 1) :], (new - theta, new_grad - grad)]
        done = abs(value - new_value) < 1e-7 * max(1.0, abs(value))
        theta, value, grad = new, new_value, new_grad
        if done:
            break
    return theta
