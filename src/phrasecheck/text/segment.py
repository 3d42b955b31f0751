"""jieba word boundaries without loading jieba's whole dictionary into every process.

jieba holds its dictionary (350k words and all their prefixes: 498k entries) in one Python dict
and loads it from a marshal file on first use: 0.8-1.0 s on 2 cores in every process, more than
checking a few hundred conversations takes. Here the same entries, made by jieba's own
gen_pfdict from jieba's own dictionary file, sit in an SQLite table in the user cache (built once,
~2 s); a tokenizer looks up only the substrings its DAG asks about and keeps them. jieba still
does all the cutting, so the words are the same (tests/test_words.py compares them).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import jieba

from phrasecheck.config.locations import user_cache_dir

_UNSEEN = object()


class LazyFreq:
    """jieba's FREQ mapping (word or prefix -> count), read from SQLite on first use of each key.

    Implements what jieba.Tokenizer uses: `in`, [], get, and assignment (add_word)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._known: dict[str, int | None] = {}  # None: not in the dictionary

    def _lookup(self, key: str) -> int | None:
        value = self._known.get(key, _UNSEEN)
        if value is _UNSEEN:
            row = self._db.execute("SELECT f FROM words WHERE w = ?", (key,)).fetchone()
            value = self._known[key] = None if row is None else row[0]
        return value  # type: ignore[return-value]

    def __contains__(self, key: str) -> bool:
        return self._lookup(key) is not None

    def __getitem__(self, key: str) -> int:
        value = self._lookup(key)
        if value is None:
            raise KeyError(key)
        return value

    def get(self, key: str, default: int | None = None) -> int | None:
        value = self._lookup(key)
        return default if value is None else value

    def __setitem__(self, key: str, value: int) -> None:
        self._known[key] = value


def _dict_path() -> Path:
    return Path(jieba.__file__).with_name("dict.txt")


def _db_path(cache_dir: Path | None) -> Path:
    """Named after jieba's version and dictionary size: another jieba gets its own table."""
    size = _dict_path().stat().st_size
    return (cache_dir or user_cache_dir()) / f"jieba-{jieba.__version__}-{size}.sqlite"


def _prefix_dict() -> tuple[dict[str, int], int]:
    """jieba's own reading of its dictionary: every word and every prefix (count 0), and the total."""
    return jieba.Tokenizer().gen_pfdict(open(_dict_path(), "rb"))


def _build(path: Path) -> None:
    """jieba's prefix dictionary into SQLite; written aside and renamed, so concurrent builders
    and readers never see half a table."""
    freq, total = _prefix_dict()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        con = sqlite3.connect(tmp)
        try:
            con.execute("CREATE TABLE words (w TEXT PRIMARY KEY, f INTEGER NOT NULL) WITHOUT ROWID")
            con.executemany("INSERT INTO words VALUES (?, ?)", freq.items())
            con.execute("CREATE TABLE meta (total INTEGER NOT NULL)")
            con.execute("INSERT INTO meta VALUES (?)", (total,))
            con.commit()
        finally:
            con.close()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def tokenizer(cache_dir: Path | None = None) -> jieba.Tokenizer:
    """A jieba.Tokenizer over the SQLite dictionary; jieba's own loading where that cannot be
    built (a read-only cache, say): slower to start, same words."""
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    try:
        path = _db_path(cache_dir)
        if not path.is_file():
            _build(path)
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        (total,) = db.execute("SELECT total FROM meta").fetchone()
    except (OSError, sqlite3.Error, TypeError):
        tk.initialize()
        return tk
    tk.FREQ, tk.total, tk.initialized = LazyFreq(db), total, True
    return tk
