"""Small builders the tests share: conversations from (role, text) pairs and the ids a result holds."""

from __future__ import annotations

from pathlib import Path

from phrasecheck.data import AGENT, CUSTOMER, Conversation, Turn

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def conv(*turns: tuple[str, str], cid: str = "t1", agent: str = "A1") -> Conversation:
    """conv(("agent", "您好"), ("customer", "..."))"""
    return Conversation(cid, agent, "test", [Turn(role=r, text=t) for r, t in turns])


def agent_says(*texts: str) -> Conversation:
    """A conversation that opens with a compliant greeting, then the agent's texts."""
    turns = [(AGENT, "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"), (CUSTOMER, "我家漏水了")]
    for text in texts:
        turns += [(AGENT, text), (CUSTOMER, "好的")]
    return conv(*turns)


def ids(result, kind: str | None = None) -> list[str]:
    return sorted({f.id for f in result.findings if (kind is None or f.kind == kind) and f.severity == "error"})
