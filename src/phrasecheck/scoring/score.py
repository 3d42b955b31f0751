"""Attitude score (服务态度, 10 of the KPI's 100 points) per conversation and per agent, and the seed's grades."""

from __future__ import annotations

import math
from dataclasses import dataclass

from phrasecheck.config.profile import Weights
from phrasecheck.data import Finding, Result

# The seed's five grades on the 100-point scale (lower bound, name).
BANDS = ((91, "优秀"), (81, "良好"), (71, "称职"), (60, "基本称职"), (0, "不称职"))


def counts(finding: Finding) -> bool:
    """Findings a reviewer marked false, and warnings, never cost points."""
    return finding.review != "false" and finding.severity == "error"


def attitude_score(findings: list[Finding], courtesy_used: int, greeting_ok: bool, weights: Weights, fatal: set[str]) -> float:
    """10 minus deductions, floored at 0; a fatal rule (有本事你去告 by default) zeroes the conversation."""
    live = [f for f in findings if counts(f)]
    if any(f.id in fatal for f in live):
        return 0.0
    score = weights.max_score
    if not greeting_ok and not any(f.kind == "greeting" and f.review == "false" for f in findings):
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


@dataclass
class AgentSummary:
    agent_id: str
    conversations: int
    attitude_score: float  # mean, 0-10
    points: float  # 0-100 equivalent
    band: str
    greeting_rate: float  # share of conversations with a compliant greeting
    forbidden: int
    openers: int
    courtesy_per_conversation: float


def summarize_agents(results: list[Result], max_score: float = 10.0) -> list[AgentSummary]:
    by_agent: dict[str, list[Result]] = {}
    for r in results:
        by_agent.setdefault(r.conversation.agent_id, []).append(r)
    out = []
    for agent_id, rs in sorted(by_agent.items()):
        n = len(rs)
        mean = round(sum(r.attitude_score for r in rs) / n, 2)
        points = to_hundred(mean, max_score)
        out.append(
            AgentSummary(
                agent_id=agent_id,
                conversations=n,
                attitude_score=mean,
                points=points,
                band=band(points),
                greeting_rate=round(sum(r.greeting.ok for r in rs) / n, 3),
                forbidden=sum(f.kind == "forbidden" and counts(f) for r in rs for f in r.findings),
                openers=sum(f.kind == "opener" and counts(f) for r in rs for f in r.findings),
                courtesy_per_conversation=round(sum(len(r.courtesy_used) for r in rs) / n, 2),
            )
        )
    return out
