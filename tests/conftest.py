from __future__ import annotations

from pathlib import Path

import pytest

from phrasecheck.config.lexicon import default_lexicon_dir, load_lexicon
from phrasecheck.config.profile import Profile
from phrasecheck.data import AGENT, CUSTOMER, Conversation, Turn
from phrasecheck.engine.checker import Checker

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _private_database(tmp_path, monkeypatch):
    """`report` and `scan` add their run to the user's database: never the real one in tests."""
    monkeypatch.setenv("PHRASECHECK_DB", str(tmp_path / "phrasecheck.db"))


@pytest.fixture(scope="session")
def lexicon():
    return load_lexicon(default_lexicon_dir())


@pytest.fixture(scope="session")
def checker(lexicon):
    return Checker(lexicon, Profile())


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
