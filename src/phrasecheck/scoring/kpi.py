"""Per-agent KPI over a run: the attitude score of score.py plus, for chats, response time and
reply rate (plans 7 and 8 of the seed). Pure functions over Results; the report writers format it.

Why here and not in score.py: score.py judges what an agent said; this module adds when they said
it, which needs timestamps and is meaningful for chats only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from phrasecheck.config.profile import KpiSettings, Profile
from phrasecheck.data import AGENT, CUSTOMER, Conversation, Result
from phrasecheck.scoring.attribution import agent_views
from phrasecheck.scoring.score import band, counts, courtesy_count, greeting_compliant, to_hundred


@dataclass
class Responses:
    """Response facts of one conversation: one entry per customer message block."""

    blocks: int  # customer message blocks (consecutive customer messages count as one)
    answered: int  # blocks followed by an agent message
    delays: list[float]  # seconds from a block's first message to the next agent message (timed blocks only)

    @property
    def first(self) -> float | None:
        return self.delays[0] if self.delays else None

    @property
    def replied_all(self) -> bool:
        return self.answered == self.blocks


def is_call(conv: Conversation) -> bool:
    """Recordings and timed transcripts carry offsets (start_s); chats carry wall-clock timestamps."""
    return any(t.start_s is not None for t in conv.turns)


def responses(conv: Conversation) -> Responses:
    """Customer block -> next agent message. A block's clock starts at its FIRST message
    ("how fast the agent first replies after a customer starts asking"). A delay is only
    measured where both messages have timestamps and the agent's is not earlier."""
    blocks = answered = 0
    delays: list[float] = []
    block_start: datetime | None = None
    in_block = False
    for turn in conv.turns:
        if turn.role == CUSTOMER:
            if not in_block:
                in_block = True
                blocks += 1
                block_start = turn.timestamp
        elif turn.role == AGENT and in_block:
            in_block = False
            answered += 1
            if block_start is not None and turn.timestamp is not None:
                delta = (turn.timestamp - block_start).total_seconds()
                if delta >= 0:
                    delays.append(delta)
    return Responses(blocks, answered, delays)


def response_points(mean_s: float | None, k: KpiSettings) -> float | None:
    """Full points up to skilled_s, normal_points at normal_s, 0 at limit_s, linear between."""
    if mean_s is None:
        return None
    if mean_s <= k.skilled_s:
        pts = k.response_points
    elif mean_s <= k.normal_s:
        span = k.normal_s - k.skilled_s
        pts = k.response_points - (k.response_points - k.normal_points) * (mean_s - k.skilled_s) / span
    elif mean_s < k.limit_s:
        pts = k.normal_points * (k.limit_s - mean_s) / (k.limit_s - k.normal_s)
    else:
        pts = 0.0
    return round(pts, 2)


@dataclass
class AgentKpi:
    agent_id: str
    conversations: int
    greeting_pct: float  # conversations with a compliant greeting, %
    forbidden: int  # standing forbidden findings
    forbidden_per_100: float  # the same per 100 conversations
    openers: int
    fatal: int  # conversations zeroed by a fatal rule
    behaviour: int  # standing call behaviour findings that cost points (B01-B05 errors)
    courtesy_per_conversation: float
    attitude: float  # mean attitude score, 0-10
    points: float  # its 100-point equivalent
    grade: str  # the seed's grade of `points`
    chats: int  # conversations that count for response time and reply rate
    first_response_s: float | None  # mean over chats of the first response
    mean_response_s: float | None  # mean over every timed customer block
    reply_rate: float | None  # chats where every customer block was answered / chats, %
    response_points: float | None
    reply_points: float | None
    kpi_points: float  # attitude (0-10) + response points + reply points, those that apply
    kpi_max: float  # what kpi_points is out of
    rank: int = 0

    @property
    def kpi_share(self) -> float:
        return self.kpi_points / self.kpi_max if self.kpi_max else 0.0


def _mean(xs: list[float]) -> float | None:
    return round(sum(xs) / len(xs), 1) if xs else None


def agent_kpi(agent_id: str, results: list[Result], profile: Profile, fatal: set[str] = frozenset()) -> AgentKpi:
    n = len(results)
    w, k = profile.weights, profile.kpi
    attitude = round(sum(r.attitude_score for r in results) / n, 2)
    points = to_hundred(attitude, w.max_score)
    chats = [r for r in results if not is_call(r.conversation)]
    resp = [responses(r.conversation) for r in chats]
    firsts = [x.first for x in resp if x.first is not None]
    delays = [d for x in resp for d in x.delays]
    mean_s = _mean(delays)
    replied = sum(x.replied_all for x in resp)
    reply = round(100.0 * replied / len(resp), 1) if resp else None
    rpts = response_points(mean_s, k)
    ypts = round(k.reply_points * replied / len(resp), 2) if resp else None
    kpi_points = attitude + (rpts or 0.0) + (ypts or 0.0)
    live = [[f for f in r.findings if counts(f, profile.count_review)] for r in results]
    forbidden = sum(f.kind == "forbidden" for fs in live for f in fs)
    kpi_max = w.max_score + (k.response_points if rpts is not None else 0.0) + (k.reply_points if ypts is not None else 0.0)
    return AgentKpi(
        agent_id=agent_id,
        conversations=n,
        greeting_pct=round(100.0 * sum(greeting_compliant(r) for r in results) / n, 1),
        forbidden=forbidden,
        forbidden_per_100=round(100.0 * forbidden / n, 1),
        openers=sum(f.kind == "opener" for fs in live for f in fs),
        fatal=sum(any(f.id in fatal for f in fs) for fs in live),
        behaviour=sum(f.kind == "behaviour" for fs in live for f in fs),
        courtesy_per_conversation=round(sum(courtesy_count(r) for r in results) / n, 2),
        attitude=attitude,
        points=points,
        grade=band(points),
        chats=len(chats),
        first_response_s=_mean(firsts),
        mean_response_s=mean_s,
        reply_rate=reply,
        response_points=rpts,
        reply_points=ypts,
        kpi_points=round(kpi_points, 2),
        kpi_max=kpi_max,
    )


def compute_kpi(results: list[Result], profile: Profile, fatal: set[str] = frozenset()) -> list[AgentKpi]:
    """One row per agent, ranked: best share of the applicable KPI points first (ties: attitude, then id).
    Equal shares and attitudes share a rank (1, 2, 2, 4)."""
    by_agent: dict[str, list[Result]] = {}
    for r in results:
        for agent, part in agent_views(r, profile.weights, fatal):  # a transfer: each agent's own part
            by_agent.setdefault(agent, []).append(part)
    rows = [agent_kpi(a, rs, profile, fatal) for a, rs in by_agent.items()]
    rows.sort(key=lambda a: (-round(a.kpi_share, 6), -a.attitude, a.agent_id))
    for i, row in enumerate(rows):
        prev = rows[i - 1] if i else None
        tied = prev is not None and round(prev.kpi_share, 6) == round(row.kpi_share, 6) and prev.attitude == row.attitude
        row.rank = prev.rank if tied else i + 1
    return rows


def formula_lines(profile: Profile, fatal: set[str] | None = None) -> list[str]:
    """The scoring rules in words, printed in the HTML report and the workbook so agents can check their score."""
    w, k = profile.weights, profile.kpi
    fatal_txt = ", ".join(sorted(fatal)) if fatal else "none"
    return [
        f"服务态度 attitude per conversation = {w.max_score:g} − deductions, floored at 0:",
        f"  greeting (G01) missing or incomplete: −{w.greeting:g}",
        f"  each blunt opening word (O01-O04): −{w.opener:g}",
        f"  each forbidden phrase (F01-F13): −{w.forbidden:g}",
        f"  each courtesy phrase short of {w.courtesy_target} distinct phrases (C01-C20): −{w.courtesy_shortfall:g}",
        f"  call behaviour: each late answer (B01) −{w.late_answer:g}, unannounced silent hold (B02) −{w.silent_hold:g}, "
        f"talk-over (B03) −{w.talk_over:g}; speech rate (B04, info) and closing (B05, warning) are reported without points",
        f"  a fatal rule ({fatal_txt}) sets the conversation to 0",
        "  warnings and findings a reviewer marked false cost nothing; appeals count until decided",
        f"Agent attitude = mean over conversations; 100-point equivalent = mean × {100 / w.max_score:g}; "
        "grade 优秀 ≥91, 良好 81-90, 称职 71-80, 基本称职 60-70, 不称职 ≤59 (halves round up)",
        "Chats only — response time 响应时间: for each customer message block, seconds from its first message "
        "to the next agent message; first response = the first block's; mean over all blocks.",
        f"  response points (max {k.response_points:g}): {k.response_points:g} at ≤{k.skilled_s:g} s, "
        f"{k.normal_points:g} at {k.normal_s:g} s, 0 at ≥{k.limit_s:g} s, linear between",
        f"  reply rate 回复率 = chats where every customer block got an agent reply / chats; points = {k.reply_points:g} × rate",
        "KPI points = attitude + response points + reply points (those that apply); ranking by KPI points / their maximum",
    ]
