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
    """The scoring rules in words (Chinese: QA staff and agents read them), printed in the HTML report
    and the workbook so agents can check their score."""
    w, k = profile.weights, profile.kpi
    fatal_txt = "、".join(sorted(fatal)) if fatal else "无"
    return [
        f"服务态度：每个会话 {w.max_score:g} 分，按下列各项扣分，最低 0 分：",
        f"  开场问候（G01）缺失或不完整：−{w.greeting:g}",
        f"  每个生硬开场词（O01-O04）：−{w.opener:g}",
        f"  每句服务忌语（F01-F13）：−{w.forbidden:g}",
        f"  文明用语（C01-C20）不足 {w.courtesy_target} 种，每少一种：−{w.courtesy_shortfall:g}",
        f"  通话行为：接听过慢（B01）每次 −{w.late_answer:g}，未告知的无声等待（B02）每次 −{w.silent_hold:g}，"
        f"打断客户（B03）每次 −{w.talk_over:g}；语速（B04，提示）和礼貌道别（B05，警告）只提示，不扣分",
        f"  一票否决规则（{fatal_txt}）：该会话记 0 分",
        "  警告、复核为误报的问题不扣分；申诉中的问题在处理前照常扣分",
        f"坐席服务态度 = 各会话得分的平均；折合百分制 = 平均 × {100 / w.max_score:g}；"
        "等级：优秀 ≥91，良好 81-90，称职 71-80，基本称职 60-70，不称职 ≤59（0.5 分向上取整）",
        "仅限在线会话 — 响应时间：客户每一段连续消息，从第一条到客服下一条回复的秒数；首次响应 = 第一段的；平均响应 = 所有段的平均。",
        f"  响应得分（满分 {k.response_points:g}）：≤{k.skilled_s:g} 秒得 {k.response_points:g} 分，"
        f"{k.normal_s:g} 秒得 {k.normal_points:g} 分，≥{k.limit_s:g} 秒得 0 分，其间按直线折算",
        f"  回复率 = 客户每段消息都得到客服回复的会话数 / 会话总数；得分 = {k.reply_points:g} × 回复率",
        "KPI 得分 = 服务态度 + 响应得分 + 回复得分（适用的项）；排名按 KPI 得分占其满分的比例",
    ]
