"""Transcript cache in one SQLite file, so re-checking a day after a lexicon change skips the ASR.

Keyed by the audio's content sha256 (renaming or moving a recording keeps its entry), the model's
identity (its weights' hash or path) and the transcription options' key; the value is the
transcript as JSON. `--jobs N` workers share the file: WAL journal, a busy timeout and one short
transaction per read or write, with a fresh connection each time (nothing survives a fork).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from phrasecheck.config.locations import user_cache_dir
from phrasecheck.errors import PhrasecheckError


class CacheError(PhrasecheckError):
    """The transcript cache cannot be opened or written (a read-only folder, a full disk)."""


CACHE_FILE = "transcripts.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS transcripts (
    audio_sha256 TEXT NOT NULL,
    model_id     TEXT NOT NULL,
    options_key  TEXT NOT NULL,
    source       TEXT,
    created      REAL NOT NULL,
    payload      TEXT NOT NULL,
    PRIMARY KEY (audio_sha256, model_id, options_key)
)
"""


# Acoustic verifications (calls/verify.py) share the table under their own options key; the counts
# people read are of transcripts.
_TRANSCRIPTS_ONLY = "options_key NOT LIKE '%:verify:%'"


@dataclass
class CacheInfo:
    path: str
    entries: int
    size_bytes: int


def default_cache_path() -> Path:
    return user_cache_dir() / CACHE_FILE


class TranscriptCache:
    """get/put transcripts (JSON-able dicts); info() and clear() for `phrasecheck cache`."""

    def __init__(self, path: str | os.PathLike | None = None, timeout_s: float = 30.0) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.timeout_s = timeout_s
        self._ready = False

    @contextmanager
    def _connect(self):
        try:
            if not self._ready:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)) as con:
                con.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
                if not self._ready:
                    self._init(con)
                yield con
        except (sqlite3.Error, OSError) as exc:
            why = getattr(exc, "strerror", None) or str(exc)
            raise CacheError(self.path, f"cannot use the transcript cache: {why} (set PHRASECHECK_CACHE_DIR to a writable folder, or use --no-cache)") from None

    def usable(self) -> CacheError | None:
        """None when the cache can be read and written, else why not (callers then go on without it)."""
        try:
            with self._connect() as con:
                con.execute("BEGIN IMMEDIATE")
                con.execute("ROLLBACK")
        except CacheError as exc:
            return exc
        return None

    def _init(self, con) -> None:
        """Switch to WAL and create the table. Switching needs the file to itself and SQLite's busy
        handler does not wait for that, so workers starting together retry here."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                con.execute("PRAGMA journal_mode=WAL")
                con.execute(SCHEMA)
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self._ready = True

    def get(self, audio_sha256: str, model_id: str, options_key: str) -> dict | None:
        with self._connect() as con:
            row = con.execute(
                "SELECT payload FROM transcripts WHERE audio_sha256=? AND model_id=? AND options_key=?",
                (audio_sha256, model_id, options_key),
            ).fetchone()
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except json.JSONDecodeError:
            return None  # a damaged entry is a miss; the next put replaces it

    def put(self, audio_sha256: str, model_id: str, options_key: str, payload: dict, source: str = "") -> None:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        with self._connect() as con:
            con.execute(
                "INSERT OR REPLACE INTO transcripts VALUES (?, ?, ?, ?, ?, ?)",
                (audio_sha256, model_id, options_key, source, time.time(), data),
            )

    def _absent(self) -> bool:
        """Whether there is no cache yet (info and clear have nothing to count); a cache folder that
        is a file, or cannot be looked into, is an error, not an empty cache."""
        folder = self.path.parent
        if folder.exists() and not folder.is_dir():
            raise CacheError(folder, "the cache folder is a file, not a folder (set PHRASECHECK_CACHE_DIR to a writable folder)")
        return not self.path.exists()

    def info(self) -> CacheInfo:
        if self._absent():
            return CacheInfo(str(self.path), 0, 0)
        with self._connect() as con:
            (entries,) = con.execute(f"SELECT COUNT(*) FROM transcripts WHERE {_TRANSCRIPTS_ONLY}").fetchone()
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        return CacheInfo(str(self.path), int(entries), size)

    def clear(self) -> int:
        """Delete every entry (transcripts and verifications); returns how many transcripts were removed."""
        if self._absent():
            return 0
        with self._connect() as con:
            (n,) = con.execute(f"SELECT COUNT(*) FROM transcripts WHERE {_TRANSCRIPTS_ONLY}").fetchone()
            con.execute("DELETE FROM transcripts")
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.execute("VACUUM")
        return int(n)
