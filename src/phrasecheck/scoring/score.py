"""Attitude score (服务态度, 10 of the KPI's 100 points) per conversation and per agent, and the seed's grades."""

from __future__ import annotations

import math

from phrasecheck.config.profile import Weights
from phrasecheck.data import Finding, Result

# The seed's five grades on the 100-point scale (lower bound, name).
BANDS = ((91, "优秀"), (81, "良好"), (71, "称职"), (60, "基本称职"), (0, "不称职"))


# Finding kinds that can fail a CI run (check --fail-on).
FAIL_KINDS = ("forbidden", "opener", "greeting", "courtesy", "behaviour")


def counts(finding: Finding, count_review: bool = False) -> bool:
    """The one rule for what counts against a score (and can fail CI): errors a reviewer has not
    overruled. Warnings, and findings a reviewer marked false, never cost points. A `review`
    finding (an arguable form) counts once a reviewer confirms it, or always where the profile
    sets count_review."""
    if finding.review == "false":
        return False
    return finding.severity == "error" or (finding.severity == "review" and (count_review or finding.review == "confirmed"))


def standing(r: Result, count_review: bool = False) -> list[Finding]:
    return [f for f in r.findings if counts(f, count_review)]


def courtesy_count(r: Result) -> int:
    """Distinct courtesy phrases used, leaving out hits a reviewer marked false."""
    return len({c.id for c in r.courtesy if c.review != "false"})


def greeting_compliant(r: Result) -> bool:
    """A greeting counts as compliant when the checker found it, or a reviewer overruled the finding."""
    return r.greeting.ok or any(f.kind == "greeting" and f.review == "false" for f in r.findings)


def failing(r: Result, fail_on: frozenset[str] | set[str], count_review: bool = False) -> list[Finding]:
    """The standing findings of a kind the run fails on."""
    return [f for f in standing(r, count_review) if f.kind in fail_on]


def fails(r: Result, fail_on: frozenset[str] | set[str], courtesy_target: int, count_review: bool = False) -> bool:
    """Whether this conversation fails a CI run: a failing finding, or (with courtesy) too few courtesy phrases."""
    return bool(failing(r, fail_on, count_review)) or ("courtesy" in fail_on and courtesy_count(r) < courtesy_target)


def attitude_score(findings: list[Finding], courtesy_used: int, greeting_ok: bool, weights: Weights, fatal: set[str], count_review: bool = False) -> float:
    """10 minus deductions, floored at 0; a fatal rule (有本事你去告 by default) zeroes the conversation."""
    live = [f for f in findings if counts(f, count_review)]
    if any(f.id in fatal for f in live):
        return 0.0
    score = weights.max_score
    if not greeting_ok:
        score -= weights.greeting
    score -= weights.opener * sum(f.kind == "opener" for f in live)
    score -= weights.forbidden * sum(f.kind == "forbidden" for f in live)
    score -= weights.courtesy_shortfall * max(0, weights.courtesy_target - courtesy_used)
    score -= sum(weights.behaviour(f.id) for f in live if f.kind == "behaviour")
    return round(max(0.0, min(weights.max_score, score)), 2)


def to_hundred(score: float, max_score: float = 10.0) -> float:
    return round(score * 100.0 / max_score, 1)


def band(points: float) -> str:
    """Grade of a 100-point score; halves round up (90.5 is 优秀)."""
    whole = math.floor(points + 0.5)
    return next(name for low, name in BANDS if whole >= low)


def score_result(r: Result, weights: Weights, fatal: set[str], count_review: bool = False) -> float:
    """A conversation's attitude score from its findings and their review verdicts."""
    return attitude_score(r.findings, courtesy_count(r), greeting_compliant(r), weights, fatal, count_review)


def rescore(results: list[Result], weights: Weights, fatal: set[str], count_review: bool = False) -> None:
    """Recompute each conversation's attitude score, after review verdicts changed."""
    for r in results:
        r.attitude_score = score_result(r, weights, fatal, count_review)
