"""An on-disk spill that groups messages by conversation when the input is not grouped.

Messages go into a temporary SQLite database as they are read (a pickled Turn per row); the
conversations come back in order of first appearance with their turns in reading order, so memory
holds one conversation at a time whatever the order of the input. The database is deleted on close.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from phrasecheck.data import Conversation, Turn
from phrasecheck.inputs.readers import add_turn

_SCHEMA = """
CREATE TABLE convs (ord INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, agent TEXT NOT NULL, source TEXT);
CREATE TABLE msgs (seq INTEGER PRIMARY KEY, ord INTEGER NOT NULL, turn BLOB NOT NULL);
"""


class Spill:
    """Groups (conversation id, agent id, turn) triples by conversation id, on disk."""

    def __init__(self, folder: Path | None = None):
        self._tmp = tempfile.TemporaryDirectory(prefix="phrasecheck-spill-", dir=folder)
        self.db = sqlite3.connect(Path(self._tmp.name) / "spill.db", isolation_level=None)
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;" + _SCHEMA)
        self.db.execute("BEGIN")
        self._recent: dict[str, tuple[int, str]] = {}  # a few ids just seen -> (ord, agent)
        self._pending: list[tuple[int, bytes]] = []

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        self._tmp.cleanup()

    def add(self, conv_id: str, agent_id: str, turn: Turn, source: str | None = None) -> None:
        got = self._recent.get(conv_id)
        if got is None:
            row = self.db.execute("SELECT ord, agent FROM convs WHERE id = ?", (conv_id,)).fetchone()
            if row is None:
                cur = self.db.execute("INSERT INTO convs (id, agent, source) VALUES (?, ?, ?)", (conv_id, agent_id or "unknown", source))
                row = (cur.lastrowid, agent_id or "unknown")
            got = row
            if len(self._recent) >= 256:
                self._recent.clear()
            self._recent[conv_id] = got
        ordinal, agent = got
        if agent == "unknown" and agent_id:  # the first message that names the agent, as readers._Builder
            self.db.execute("UPDATE convs SET agent = ? WHERE ord = ?", (agent_id, ordinal))
            self._recent[conv_id] = (ordinal, agent_id)
        self._pending.append((ordinal, pickle.dumps(turn, protocol=pickle.HIGHEST_PROTOCOL)))
        if len(self._pending) >= 2000:
            self._flush()

    def _flush(self) -> None:
        self.db.executemany("INSERT INTO msgs (ord, turn) VALUES (?, ?)", self._pending)
        self._pending.clear()

    def conversations(self, source: str, errors: list | None = None) -> Iterator[Conversation]:
        """Every conversation, in order of first appearance (source: the default for rows added without one)."""
        self._flush()
        self.db.execute("COMMIT")
        self.db.execute("CREATE INDEX msgs_by_conv ON msgs (ord, seq)")
        heads = self.db.cursor().execute("SELECT ord, id, agent, source FROM convs ORDER BY ord")
        rows = self.db.cursor().execute("SELECT ord, turn FROM msgs ORDER BY ord, seq")
        row = rows.fetchone()
        for ordinal, conv_id, agent, src in heads:
            conv = Conversation(conv_id, agent, src or source)
            while row is not None and row[0] == ordinal:
                problem = add_turn(conv, pickle.loads(row[1]), Path(conv.source))
                if problem is not None and errors is not None:  # reported when the conversation is rebuilt, with its line
                    errors.append(problem)
                row = rows.fetchone()
            yield conv
