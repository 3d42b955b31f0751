"""Who is charged for what when a conversation has several agents (a transfer).

The export names an agent per message (Turn.agent_id). Each finding is charged to the agent of its
turn; the greeting is the first agent's (the opening is theirs); courtesy phrases are counted per
agent; a customer's message block is answered, for response times, by the agent who answered it.
So a second agent's fatal F11 zeroes the second agent's part, never the first agent's."""

from __future__ import annotations

from dataclasses import replace

from phrasecheck.config.profile import Weights
from phrasecheck.data import AGENT, Greeting, Result
from phrasecheck.scoring.score import score_result


def note_transfer(r: Result) -> None:
    """Mark each finding with its agent and say in the result's notes who took over where."""
    conv = r.conversation
    agents = conv.agents()
    if len(agents) < 2:
        return
    for f in (*r.findings, *r.courtesy):
        f.agent_id = conv.agent_of(f.turn)
    steps, last = [], None
    for i, _ in conv.agent_turns():
        who = conv.agent_of(i)
        if who != last and last is not None:
            steps.append(f"{last} → {who} at turn {i + 1}")
        last = who
    r.notes.append("transfer: " + "; ".join(steps))


def agent_views(r: Result, weights: Weights, fatal: set[str]) -> list[tuple[str, Result]]:
    """(agent, the part of r charged to them), one per agent; r itself when one agent spoke."""
    conv = r.conversation
    agents = conv.agents()
    if len(agents) < 2:
        return [(conv.agent_id, r)]
    owner = _owners(r)
    views = []
    for a in agents:
        turns = [t for i, t in enumerate(conv.turns) if owner[i] == a]
        part = replace(conv, agent_id=a, turns=turns)
        view = Result(
            conversation=part,
            findings=[f for f in r.findings if conv.agent_of(f.turn) == a],
            courtesy=[f for f in r.courtesy if conv.agent_of(f.turn) == a],
            greeting=r.greeting if a == agents[0] else Greeting(ok=True, text=""),
            notes=list(r.notes),
        )
        view.attitude_score = score_result(view, weights, fatal)
        views.append((a, view))
    return views


def _owners(r: Result) -> list[str]:
    """Each turn's agent: an agent turn's speaker; a customer turn belongs to the agent who answers it
    next (the last agent for what the customer says after the last agent turn)."""
    conv = r.conversation
    out: list[str] = [""] * len(conv.turns)
    nxt = None
    for i in range(len(conv.turns) - 1, -1, -1):
        if conv.turns[i].role == AGENT:
            nxt = conv.agent_of(i)
        out[i] = nxt or ""
    last = conv.agents()[-1]
    return [o or last for o in out]
