"""jieba word boundaries without loading jieba's whole dictionary into every process.

jieba holds its dictionary (350k words and all their prefixes: 498k entries) in one Python dict
and loads it from a marshal file on first use: 0.8-1.0 s on 2 cores in every process, more than
checking a few hundred conversations takes. Here the same entries, made by jieba's own
gen_pfdict from jieba's own dictionary file, sit in an SQLite table in the user cache (built once,
~2 s); a tokenizer looks up only the substrings its DAG asks about and keeps them. jieba still
does all the cutting, so the words are the same (tests/test_words.py compares them).

jieba.posseg (the clause grammar's tagger) likewise reads every word's part of speech from the
dictionary file into a dict when it starts: 0.7 s and ~100 MB in a process that tags a handful of
clauses. pos_tokenizer() gives it the same table from SQLite, looked up a word at a time.
"""

from __future__ import annotations

import importlib
import io
import logging
import os
import sqlite3
import sys
from pathlib import Path

from phrasecheck.config.locations import user_cache_dir


def _import_jieba():
    """jieba, imported without pkg_resources where nothing has imported that yet: jieba._compat imports
    it (0.1-0.4 s: it scans every installed distribution) only to open jieba's own files, and opens
    them by their path when it is missing. Same files, same words."""
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        return importlib.import_module("jieba")
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # `import pkg_resources` raises ImportError meanwhile
    try:
        return importlib.import_module("jieba")
    finally:
        if "pkg_resources" in sys.modules and sys.modules["pkg_resources"] is None:
            del sys.modules["pkg_resources"]


jieba = _import_jieba()

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


class LazyTags:
    """jieba.posseg's word -> part-of-speech table, read from SQLite on first use of each word.

    Implements what POSTokenizer uses: get (with jieba's default 'x') and update (user words)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._known: dict[str, str | None] = {}

    def get(self, word: str, default: str | None = None) -> str | None:
        value = self._known.get(word, _UNSEEN)
        if value is _UNSEEN:
            row = self._db.execute("SELECT t FROM tags WHERE w = ?", (word,)).fetchone()
            value = self._known[word] = None if row is None else row[0]
        return default if value is None else value  # type: ignore[return-value]

    def __getitem__(self, word: str) -> str:
        value = self.get(word)
        if value is None:
            raise KeyError(word)
        return value

    def __contains__(self, word: str) -> bool:
        return self.get(word) is not None

    def __setitem__(self, word: str, tag: str) -> None:
        self._known[word] = tag

    def update(self, other: dict[str, str]) -> None:
        self._known.update(other)


def _dict_path() -> Path:
    return Path(jieba.__file__).with_name("dict.txt")


def _db_path(cache_dir: Path | None, kind: str = "") -> Path:
    """Named after jieba's version and dictionary size: another jieba gets its own table."""
    size = _dict_path().stat().st_size
    return (cache_dir or user_cache_dir()) / f"jieba-{jieba.__version__}-{size}{kind}.sqlite"


def _prefix_dict() -> tuple[dict[str, int], int]:
    """jieba's own reading of its dictionary: every word and every prefix (count 0), and the total."""
    return jieba.Tokenizer().gen_pfdict(open(_dict_path(), "rb"))


def import_posseg():
    """jieba.posseg without reading jieba's whole tag table on import.

    Importing jieba.posseg builds a module-level POSTokenizer over jieba.dt (for jieba.posseg.cut),
    which reads all 350k tags of the dictionary into a dict: 0.4 s and tens of MB in every process
    whose clause grammar tags one clause. Here the import reads an empty table, and that tokenizer
    then gets the table from SQLite like ours (LazyTags), or, where that cannot be built, jieba's own
    reading: jieba.posseg.cut gives the same tags either way."""
    if "jieba.posseg" in sys.modules:
        return sys.modules["jieba.posseg"]
    jieba.dt.get_dict_file = lambda: io.BytesIO(b"")  # an instance attribute, only while importing
    try:
        posseg = importlib.import_module("jieba.posseg")
    finally:
        del jieba.dt.get_dict_file
    tags = _lazy_tags(None) if jieba.dt.dictionary == jieba.DEFAULT_DICT else None
    if tags is None:
        posseg.dt.load_word_tag(jieba.dt.get_dict_file())
    else:
        posseg.dt.word_tag_tab = tags
    return posseg


def _word_tags() -> dict[str, str]:
    """jieba.posseg's own reading of the dictionary's tags (POSTokenizer.load_word_tag)."""
    pos = object.__new__(import_posseg().POSTokenizer)
    pos.load_word_tag(open(_dict_path(), "rb"))
    return pos.word_tag_tab


def _fill_words(con: sqlite3.Connection) -> None:
    freq, total = _prefix_dict()
    con.execute("CREATE TABLE words (w TEXT PRIMARY KEY, f INTEGER NOT NULL) WITHOUT ROWID")
    con.executemany("INSERT INTO words VALUES (?, ?)", freq.items())
    con.execute("CREATE TABLE meta (total INTEGER NOT NULL)")
    con.execute("INSERT INTO meta VALUES (?)", (total,))


def _fill_tags(con: sqlite3.Connection) -> None:
    con.execute("CREATE TABLE tags (w TEXT PRIMARY KEY, t TEXT NOT NULL) WITHOUT ROWID")
    con.executemany("INSERT INTO tags VALUES (?, ?)", _word_tags().items())


def _build(path: Path, fill=_fill_words) -> None:
    """A table made from jieba's dictionary into SQLite; written aside and renamed, so concurrent
    builders and readers never see half a table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        con = sqlite3.connect(tmp)
        try:
            fill(con)
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


def _lazy_tags(cache_dir: Path | None) -> LazyTags | None:
    """The tag table in SQLite (built once from jieba's dictionary), or None where it cannot be."""
    try:
        path = _db_path(cache_dir, "-tags")
        if not path.is_file():
            _build(path, _fill_tags)
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        db.execute("SELECT t FROM tags LIMIT 1").fetchall()
    except (OSError, sqlite3.Error, ValueError):
        return None
    return LazyTags(db)


def pos_tokenizer(tokenizer: jieba.Tokenizer, cache_dir: Path | None = None):
    """jieba.posseg.POSTokenizer over `tokenizer`, its tag table read from SQLite (LazyTags); jieba's
    own loading where that cannot be built. Same tags either way (tests/test_words.py)."""
    posseg = import_posseg()
    pos = object.__new__(posseg.POSTokenizer)
    pos.tokenizer = tokenizer
    tags = _lazy_tags(cache_dir)
    if tags is None:
        pos.load_word_tag(tokenizer.get_dict_file())
    else:
        pos.word_tag_tab = tags
    return pos
