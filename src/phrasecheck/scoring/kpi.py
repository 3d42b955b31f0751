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


class KpiTally:
    """The figures of one agent's AgentKpi, accumulated one conversation at a time (a streamed check
    keeps one of these per agent instead of every Result). agent_kpi is a tally over a list."""

    def __init__(self, count_review: bool = False) -> None:
        self.count_review = count_review  # the profile's: whether unconfirmed review findings count
        self.n = self.greeting = self.forbidden = self.openers = self.fatal_convs = self.courtesy = self.behaviour = 0
        self.attitude_sum = 0.0
        self.chats = self.replied = 0
        self.firsts_sum, self.firsts_n = 0.0, 0
        self.delays_sum, self.delays_n = 0.0, 0

    def add(self, r: Result, fatal: set[str] = frozenset()) -> None:
        self.n += 1
        self.attitude_sum += r.attitude_score
        self.greeting += greeting_compliant(r)
        live = [f for f in r.findings if counts(f, self.count_review)]
        self.forbidden += sum(f.kind == "forbidden" for f in live)
        self.openers += sum(f.kind == "opener" for f in live)
        self.behaviour += sum(f.kind == "behaviour" for f in live)
        self.fatal_convs += any(f.id in fatal for f in live)
        self.courtesy += courtesy_count(r)
        if not r.conversation.is_call:
            x = responses(r.conversation)
            self.chats += 1
            self.replied += x.replied_all
            if x.first is not None:
                self.firsts_sum += x.first
                self.firsts_n += 1
            for d in x.delays:
                self.delays_sum += d
                self.delays_n += 1

    def kpi(self, agent_id: str, profile: Profile) -> AgentKpi:
        n = self.n
        w, k = profile.weights, profile.kpi
        attitude = round(self.attitude_sum / n, 2)
        points = to_hundred(attitude, w.max_score)
        mean_s = round(self.delays_sum / self.delays_n, 1) if self.delays_n else None
        reply = round(100.0 * self.replied / self.chats, 1) if self.chats else None
        rpts = response_points(mean_s, k)
        ypts = round(k.reply_points * self.replied / self.chats, 2) if self.chats else None
        kpi_points = attitude + (rpts or 0.0) + (ypts or 0.0)
        kpi_max = w.max_score + (k.response_points if rpts is not None else 0.0) + (k.reply_points if ypts is not None else 0.0)
        return AgentKpi(
            agent_id=agent_id,
            conversations=n,
            greeting_pct=round(100.0 * self.greeting / n, 1),
            forbidden=self.forbidden,
            forbidden_per_100=round(100.0 * self.forbidden / n, 1),
            openers=self.openers,
            fatal=self.fatal_convs,
            behaviour=self.behaviour,
            courtesy_per_conversation=round(self.courtesy / n, 2),
            attitude=attitude,
            points=points,
            grade=band(points),
            chats=self.chats,
            first_response_s=round(self.firsts_sum / self.firsts_n, 1) if self.firsts_n else None,
            mean_response_s=mean_s,
            reply_rate=reply,
            response_points=rpts,
            reply_points=ypts,
            kpi_points=round(kpi_points, 2),
            kpi_max=kpi_max,
        )


def agent_kpi(agent_id: str, results: list[Result], profile: Profile, fatal: set[str] = frozenset()) -> AgentKpi:
    tally = KpiTally(profile.count_review)
    for r in results:
        tally.add(r, fatal)
    return tally.kpi(agent_id, profile)


def rank(rows: list[AgentKpi]) -> list[AgentKpi]:
    """Rank rows in place and return them: best share of the applicable KPI points first (ties:
    attitude, then id). Equal shares and attitudes share a rank (1, 2, 2, 4)."""
    rows.sort(key=lambda a: (-round(a.kpi_share, 6), -a.attitude, a.agent_id))
    for i, row in enumerate(rows):
        prev = rows[i - 1] if i else None
        tied = prev is not None and round(prev.kpi_share, 6) == round(row.kpi_share, 6) and prev.attitude == row.attitude
        row.rank = prev.rank if tied else i + 1
    return rows


def compute_kpi(results: list[Result], profile: Profile, fatal: set[str] = frozenset()) -> list[AgentKpi]:
    """One row per agent, ranked (see rank)."""
    tallies: dict[str, KpiTally] = {}
    for r in results:
        tally_result(tallies, r, profile, fatal)
    return rank([t.kpi(a, profile) for a, t in tallies.items()])


def tally_result(tallies: dict[str, KpiTally], r: Result, profile: Profile, fatal: set[str]) -> None:
    """Add one conversation to the per-agent tallies; in a transfer each agent gets their own part."""
    for agent, part in agent_views(r, profile.weights, fatal):
        tallies.setdefault(agent, KpiTally(profile.count_review)).add(part, fatal)


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
