"""The QA database: one SQLite file (standard library) with the runs that were imported, their
conversations and findings, and the 复核/申诉 history.

- The schema carries its version (table schema_version) and is brought up to date by MIGRATIONS
  when a file is opened, so a database written by an older phrasecheck keeps working.
- Import is idempotent: a conversation is keyed by (source file, conversation id); importing the
  same findings.json twice, or a re-run of the same day, updates the conversation in place instead
  of counting it twice. Review history survives a re-import.
- Reviews are events (who, when, verdict, note) appended to review_events; triggers refuse any
  UPDATE or DELETE there, so an appeal is never overwritten by the decision on it. A finding's
  current status is its latest event; the conversation's attitude score is recomputed at once.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path

from phrasecheck.config.profile import Weights
from phrasecheck.data import Finding
from phrasecheck.errors import PhrasecheckError
from phrasecheck.report.findings_file import document_problem
from phrasecheck.scoring.review import ReviewEntry, normalise_verdict
from phrasecheck.scoring.score import attitude_score, band, to_hundred

SCHEMA_VERSION = 4
DB_NAME = "phrasecheck.db"
VERDICTS = ("confirmed", "false", "appeal")
STATUSES = ("", "open", "clean", "all", *VERDICTS)  # the conversation list's filters ('' = with findings)
SEVERITIES = ("", "error", "review", "warning", "info")
AUDIO_SUFFIXES = {".wav", ".mp3", ".m4a", ".flac", ".ogg", ".opus", ".aac", ".wma"}

# Each entry brings the schema from version n-1 to n. Never edit a released step: add one.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE TABLE runs (id INTEGER PRIMARY KEY, source TEXT NOT NULL, imported_at TEXT NOT NULL, scoring TEXT NOT NULL, conversations INTEGER NOT NULL)",
        # narrow rows, so that counting and grouping 100,000 conversations reads little; the texts are in `texts`
        """CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            source TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            agent_id TEXT NOT NULL,
            started_at TEXT,
            day TEXT,
            roles TEXT NOT NULL DEFAULT 'labelled',
            is_call INTEGER NOT NULL DEFAULT 0,
            first_agent_s REAL,
            greeting_ok INTEGER NOT NULL,
            courtesy_used INTEGER NOT NULL,
            score REAL NOT NULL,
            greeting_pass INTEGER NOT NULL,
            nfind INTEGER NOT NULL,
            standing INTEGER NOT NULL,
            forbidden INTEGER NOT NULL,
            appeals INTEGER NOT NULL,
            UNIQUE (source, conversation_id))""",
        "CREATE TABLE texts (conv INTEGER PRIMARY KEY REFERENCES conversations(id), greeting TEXT NOT NULL, courtesy TEXT NOT NULL, turns TEXT NOT NULL)",
        # text search: the transcript as character bigrams (Chinese has no spaces to split words at)
        "CREATE VIRTUAL TABLE search USING fts5(grams, tokenize = 'unicode61 remove_diacritics 0')",
        # covering indexes: 总览 groups by day and by agent without reading a row
        "CREATE INDEX conv_stats ON conversations (day, agent_id, score, greeting_pass, forbidden, standing, appeals, nfind)",
        "CREATE INDEX conv_agent_stats ON conversations (agent_id, day, score, greeting_pass, forbidden, standing, appeals, nfind)",
        "CREATE INDEX conv_started ON conversations (started_at, id)",
        "CREATE INDEX conv_day ON conversations (day)",
        "CREATE INDEX conv_agent ON conversations (agent_id, started_at)",
        """CREATE TABLE findings (
            id INTEGER PRIMARY KEY,
            conv INTEGER NOT NULL REFERENCES conversations(id),
            key TEXT NOT NULL,
            rule TEXT NOT NULL,
            kind TEXT NOT NULL,
            severity TEXT NOT NULL,
            turn INTEGER NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            end_turn INTEGER,
            text TEXT NOT NULL,
            score REAL NOT NULL,
            message TEXT NOT NULL,
            suggestion TEXT NOT NULL,
            start_s REAL,
            end_s REAL,
            status TEXT NOT NULL DEFAULT '',
            day TEXT,
            UNIQUE (conv, key))""",
        "CREATE INDEX finding_cover ON findings (rule, severity, status, day, conv)",
        """CREATE TABLE review_events (
            id INTEGER PRIMARY KEY,
            conv INTEGER NOT NULL REFERENCES conversations(id),
            key TEXT NOT NULL,
            verdict TEXT NOT NULL,
            note TEXT NOT NULL,
            by TEXT NOT NULL,
            at TEXT NOT NULL)""",
        "CREATE INDEX event_conv ON review_events (conv, key, id)",
    ],
    2: [
        # the recording a conversation came from (only these paths are ever served), rule names for the UI,
        # and review history made append-only in the database itself
        "ALTER TABLE conversations ADD COLUMN audio TEXT",
        "CREATE TABLE rules (id TEXT PRIMARY KEY, phrase TEXT NOT NULL, suggestion TEXT NOT NULL)",
        "CREATE INDEX finding_status ON findings (status, conv)",
        "CREATE TRIGGER review_events_no_update BEFORE UPDATE ON review_events BEGIN SELECT RAISE(ABORT, 'review history is append-only'); END",
        "CREATE TRIGGER review_events_no_delete BEFORE DELETE ON review_events BEGIN SELECT RAISE(ABORT, 'review history is append-only'); END",
    ],
    3: [
        # 总览 reads per-day, per-agent sums instead of every conversation: O(days x agents) at any size.
        # Kept up to date by _roll_up after every import and review step; rebuilt here from what is there.
        f"""CREATE TABLE daily (day TEXT NOT NULL, agent_id TEXT NOT NULL, conversations INTEGER NOT NULL, score_sum REAL NOT NULL,
            greeted INTEGER NOT NULL, forbidden INTEGER NOT NULL, standing INTEGER NOT NULL, appeals INTEGER NOT NULL,
            {", ".join(f"h{i} INTEGER NOT NULL" for i in range(11))}, PRIMARY KEY (day, agent_id))""",
        "CREATE TABLE daily_rules (day TEXT NOT NULL, rule TEXT NOT NULL, count INTEGER NOT NULL, conversations INTEGER NOT NULL, PRIMARY KEY (day, rule))",
        "CREATE INDEX finding_day ON findings (day, severity, status, rule, conv)",
        "INSERT INTO daily SELECT {} FROM conversations GROUP BY day, agent_id".format(
            "COALESCE(day, ''), agent_id, COUNT(*), SUM(score), SUM(greeting_pass), SUM(forbidden), SUM(standing), SUM(appeals), "
            + ", ".join(f"SUM(MIN(CAST(score AS INTEGER), 10) = {i})" for i in range(11))
        ),
        "INSERT INTO daily_rules SELECT COALESCE(day, ''), rule, COUNT(*), COUNT(DISTINCT conv) FROM findings WHERE status != 'false' AND severity = 'error' GROUP BY day, rule",
    ],
    4: [
        # A transfer (A1001 hands the chat to A2002) is split by agent as the report folder splits it
        # (scoring/attribution.agent_views): each finding is charged to the agent of its turn, the greeting
        # to the first agent, a fatal rule zeroes only its sayer's part. `parts` holds one row per agent of
        # a conversation; 总览's daily sums and 会话's agent filter read the parts. Conversation notes are kept.
        "ALTER TABLE findings ADD COLUMN agent_id TEXT",  # who said it; NULL: the conversation's agent
        "ALTER TABLE texts ADD COLUMN notes TEXT NOT NULL DEFAULT '[]'",
        """CREATE TABLE parts (conv INTEGER NOT NULL REFERENCES conversations(id), agent_id TEXT NOT NULL, first_turn INTEGER NOT NULL, day TEXT,
            score REAL NOT NULL, greeting_pass INTEGER NOT NULL, nfind INTEGER NOT NULL, standing INTEGER NOT NULL, forbidden INTEGER NOT NULL,
            appeals INTEGER NOT NULL, PRIMARY KEY (conv, agent_id))""",
        "CREATE INDEX part_agent ON parts (agent_id, day, conv)",
        "INSERT INTO parts SELECT id, agent_id, 0, day, score, greeting_pass, nfind, standing, forbidden, appeals FROM conversations",
        # the transfers already there are split by Store._split_transfers (their turns name each agent)
    ],
}
_DAILY_SUMS = "COUNT(*), SUM(score), SUM(greeting_pass), SUM(forbidden), SUM(standing), SUM(appeals), " + ", ".join(
    f"SUM(MIN(CAST(score AS INTEGER), 10) = {i})" for i in range(11)
)


_ROWID_MAX = 2**63 - 1  # SQLite's largest row id and offset: a bigger number in a URL or a request matches no row


def _rowid(value) -> bool:
    """Whether value can be a row id at all; anything else finds no row (SQLite raises OverflowError past 64 bits)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _ROWID_MAX


class StoreError(PhrasecheckError):
    """The database file cannot be opened, is newer than this phrasecheck, or a request is invalid."""


class StoreWriteError(StoreError):
    """The database can be read but not written (a read-only file or folder, a full disk, a lock held
    too long): an import or a review step cannot be saved. Nothing was changed."""


# SQLite's words for a file it can read but not change; any other OperationalError is a bug of ours
_CANNOT_WRITE = ("readonly database", "read-only", "disk is full", "database is locked", "disk I/O error", "unable to open database file")


def _cannot_write(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and any(words in str(exc) for words in _CANNOT_WRITE)


def default_db_path() -> Path:
    """$PHRASECHECK_DB, else $XDG_DATA_HOME/phrasecheck/phrasecheck.db, else ~/.local/share/phrasecheck/phrasecheck.db."""
    explicit = os.environ.get("PHRASECHECK_DB")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "phrasecheck" / DB_NAME


@dataclass
class ImportStats:
    run_id: int
    added: int = 0  # conversations new to the database
    updated: int = 0  # conversations already there (same source and id): replaced, not counted twice
    findings: int = 0
    reviews: int = 0  # verdicts taken over from review.csv / the document
    migrated: list = field(default_factory=list)  # review.csv rows of an older key form re-keyed to one finding each (review.Migration)
    unmatched: list[str] = field(default_factory=list)  # review.csv rows with a verdict that match no finding of the document


@dataclass
class Filters:
    """The 会话 list's filters; empty strings mean 'any'."""

    agent: str = ""
    rule: str = ""
    severity: str = ""
    status: str = ""  # open (findings not reviewed yet) | appeal | false | confirmed | clean | all ('' = with findings)
    date_from: str = ""
    date_to: str = ""
    q: str = ""

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in (("agent", self.agent), ("rule", self.rule), ("severity", self.severity), ("status", self.status),
                                   ("from", self.date_from), ("to", self.date_to), ("q", self.q)) if v}  # fmt: skip


@dataclass
class Page:
    rows: list[dict]
    total: int  # capped at COUNT_CAP + 1 for a text search over a huge table
    page: int
    per_page: int
    capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass
class Overview:
    date_from: str
    date_to: str
    first_day: str | None
    last_day: str | None
    conversations: int
    agents: list[dict] = field(default_factory=list)
    days: list[dict] = field(default_factory=list)
    distribution: list[int] = field(default_factory=list)  # conversations per score bucket 0..10
    top_rules: list[dict] = field(default_factory=list)


COUNT_CAP = 10000
_FINDING_FIELDS = [f.name for f in fields(Finding)]


def _day(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).date().isoformat()
    except ValueError:
        return None


def valid_day(value: str) -> str:
    """'' or a YYYY-MM-DD date; anything else is refused rather than compared as text."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise StoreError("date", f"日期应为 YYYY-MM-DD：{value!r}（{value!r} is not a date (YYYY-MM-DD)）") from None


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class Store:
    def __init__(self, path: Path | str, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise StoreError(str(self.path), "no such database (run `phrasecheck import` or `phrasecheck report` first)")
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(str(self.path), f"not a usable phrasecheck database: {exc}") from None
        self._rule_names: dict[str, tuple[str, str]] | None = None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction. A database that cannot be written (a read-only file: an import, a
        review step) is a StoreWriteError naming the file, never an internal error."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _cannot_write(exc):
                raise StoreWriteError(str(self.path), f"cannot write the database: {exc}") from None
            raise
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            self.__dict__.pop("_scorings", None)  # a rolled-back run's id may be given to the next one
            if _cannot_write(exc):
                raise StoreWriteError(str(self.path), f"cannot write the database: {exc}") from None
            raise

    # ---- schema -------------------------------------------------------------------------------

    def version(self) -> int:
        has = self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
        if not has:
            return 0
        row = self.db.execute("SELECT version FROM schema_version").fetchone()
        return row[0] if row else 0

    def migrate(self, target: int = SCHEMA_VERSION) -> int:
        current = self.version()
        if current > SCHEMA_VERSION:
            raise StoreError(str(self.path), f"schema version {current} is newer than this phrasecheck understands ({SCHEMA_VERSION}); upgrade phrasecheck")
        if current >= target:
            return current
        with self.tx() as db:
            if current == 0:
                db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                db.execute("INSERT INTO schema_version VALUES (0)")
            for step in range(current + 1, target + 1):
                for sql in MIGRATIONS[step]:
                    db.execute(sql)
                if step == 4:
                    self._split_transfers(db)
                db.execute("UPDATE schema_version SET version = ?", (step,))
        return target

    def _split_transfers(self, db: sqlite3.Connection) -> None:
        """Schema step 4 for the conversations already stored: a transfer's findings go to the agents of
        their turns, its parts are scored, and the daily sums are rebuilt from the parts."""
        split = False
        for row in db.execute("SELECT c.id, c.agent_id, t.turns FROM conversations c JOIN texts t ON t.conv = c.id").fetchall():
            turns = json.loads(row["turns"])
            agents = _turn_agents(turns, row["agent_id"])
            if len(agents) < 2:
                continue
            split = True
            for f in db.execute("SELECT id, turn FROM findings WHERE conv = ?", (row["id"],)).fetchall():
                db.execute("UPDATE findings SET agent_id = ? WHERE id = ?", (_agent_of(turns, f["turn"], row["agent_id"]), f["id"]))
            day = db.execute("SELECT day FROM parts WHERE conv = ?", (row["id"],)).fetchone()[0]
            self._set_parts(db, row["id"], agents, day)
            self._refresh(db, row["id"])
        if split:
            db.execute("DELETE FROM daily")
            db.execute(f"INSERT INTO daily SELECT COALESCE(day, ''), agent_id, {_DAILY_SUMS} FROM parts GROUP BY day, agent_id")

    @staticmethod
    def _set_parts(db: sqlite3.Connection, pk: int, agents: dict[str, int], day: str | None) -> None:
        """One row per agent of conversation pk (scores filled by _refresh)."""
        db.execute("DELETE FROM parts WHERE conv = ?", (pk,))
        db.executemany(
            "INSERT INTO parts (conv, agent_id, first_turn, day, score, greeting_pass, nfind, standing, forbidden, appeals) VALUES (?, ?, ?, ?, 10.0, 1, 0, 0, 0, 0)",
            [(pk, a, first, day) for a, first in agents.items()],
        )

    # ---- rule names ---------------------------------------------------------------------------

    def set_rules(self, rules: dict[str, tuple[str, str]]) -> None:
        """id -> (phrase, suggestion), from the lexicon the runs were checked with."""
        with self.tx() as db:
            db.executemany("INSERT OR REPLACE INTO rules VALUES (?, ?, ?)", [(k, p, s) for k, (p, s) in rules.items()])
        self._rule_names = None

    def rule_names(self) -> dict[str, tuple[str, str]]:
        if self._rule_names is None:
            self._rule_names = {r["id"]: (r["phrase"], r["suggestion"]) for r in self.db.execute("SELECT * FROM rules")}
        return self._rule_names

    # ---- import -------------------------------------------------------------------------------

    def import_document(
        self, doc: dict, source: str, base: Path | None = None, reviews: dict[str, ReviewEntry] | None = None, default_fatal: set[str] | None = None
    ) -> ImportStats:
        """Load a findings document (findings.json, or `check --format json`). `base` is the folder
        relative source paths are tried against for recordings; `reviews` the verdicts of its review.csv."""
        if not isinstance(doc, dict) or doc.get("schema_version") != 1 or not isinstance(doc.get("conversations"), list):
            raise StoreError(source, "not a phrasecheck findings document (schema_version 1)")
        problem = document_problem(doc)  # the checks `report` and `kpi` make of the same file
        if problem:
            raise StoreError(source, f"broken findings file: {problem}")
        scoring = dict(doc.get("scoring") or {})
        if scoring.get("fatal") is None:
            scoring["fatal"] = sorted(default_fatal or set())
        scoring.setdefault("weights", {})
        with self.tx() as db:
            run_id = db.execute(
                "INSERT INTO runs (source, imported_at, scoring, conversations) VALUES (?, ?, ?, ?)",
                (source, _now(), json.dumps(scoring, ensure_ascii=False), len(doc["conversations"])),
            ).lastrowid
            stats = ImportStats(run_id)
            touched: set[tuple[str | None, str]] = set()
            for n, c in enumerate(doc["conversations"], 1):
                try:
                    touched |= self._import_conversation(db, run_id, c, base, reviews or {}, stats)
                except (KeyError, TypeError, ValueError) as exc:
                    raise StoreError(source, f"conversation {n}: broken entry ({exc!r})") from None
            self._roll_up(db, touched)
        self.db.execute("PRAGMA optimize")  # keeps the planner's statistics fresh for the covering indexes
        return stats

    def _import_conversation(
        self, db: sqlite3.Connection, run_id: int, c: dict, base: Path | None, reviews: dict[str, ReviewEntry], stats: ImportStats
    ) -> set[tuple[str | None, str]]:
        src = str(c["source"])
        cid = str(c["conversation_id"])
        turns = c.get("turns") or []
        # a transcript's clock times without a date are kept on 1900-01-01 (inputs/readers.py): no day for those
        started = c.get("started_at") or next((t["timestamp"] for t in turns if t.get("timestamp") and not t["timestamp"].startswith("1900-")), None)
        is_call = any(t.get("start_s") is not None for t in turns)
        audio = _audio_path(src, base) if is_call else None
        greeting = c.get("greeting") or {"ok": True, "text": "", "missing": []}
        courtesy = c.get("courtesy") or []
        # a courtesy hit overruled in review.csv (review-mark --finding c4:C01 --verdict false) is not
        # counted, as report counts it: the document itself may be from before the verdict
        courtesy = [_reviewed(h, reviews.get(h.get("key") or "")) if isinstance(h, dict) else h for h in courtesy]
        courtesy_used = len({f["id"] for f in courtesy if f.get("review") != "false"}) if courtesy else len(c.get("courtesy_used") or [])
        values = dict(
            run_id=run_id,
            source=src,
            conversation_id=cid,
            agent_id=str(c.get("agent_id") or "unknown"),
            started_at=started,
            day=_day(started),
            roles=c.get("roles") or "labelled",
            is_call=int(is_call),
            first_agent_s=c.get("first_agent_s"),
            greeting_ok=int(bool(greeting.get("ok", True))),
            courtesy_used=courtesy_used,
            audio=audio,
        )
        old = db.execute("SELECT id, day, agent_id FROM conversations WHERE source = ? AND conversation_id = ?", (src, cid)).fetchone()
        agents = _turn_agents(turns, values["agent_id"])
        touched = {(values["day"], a) for a in agents} | ({(old["day"], old["agent_id"])} if old else set())
        if old:
            touched |= {(p["day"], p["agent_id"]) for p in db.execute("SELECT day, agent_id FROM parts WHERE conv = ?", (old["id"],))}
            pk = old["id"]
            db.execute(f"UPDATE conversations SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?", (*values.values(), pk))
            stats.updated += 1
        else:
            cols = {**values, "score": 10.0, "greeting_pass": 1, "nfind": 0, "standing": 0, "forbidden": 0, "appeals": 0}
            pk = db.execute(f"INSERT INTO conversations ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", tuple(cols.values())).lastrowid
            stats.added += 1
        self._set_parts(db, pk, agents, values["day"])
        notes = [str(n) for n in c.get("notes") or []]
        texts = (json.dumps(greeting, ensure_ascii=False), json.dumps(courtesy, ensure_ascii=False), json.dumps(turns, ensure_ascii=False))
        db.execute(
            "INSERT OR REPLACE INTO texts (conv, greeting, courtesy, turns, notes) VALUES (?, ?, ?, ?, ?)", (pk, *texts, json.dumps(notes, ensure_ascii=False))
        )
        db.execute("DELETE FROM search WHERE rowid = ?", (pk,))
        db.execute("INSERT INTO search (rowid, grams) VALUES (?, ?)", (pk, grams(" ".join(str(t.get("text", "")) for t in turns))))
        keys = []
        for f in c.get("findings") or []:
            key = f.get("key") or f"{cid}:{f['id']}:{f['turn']}:{f['start_char']}"
            keys.append(key)
            row = (
                f["id"], f["kind"], f.get("severity", "error"), int(f["turn"]), int(f["start_char"]), int(f["end_char"]), f.get("end_turn"),
                f.get("text", ""), float(f.get("score", 100.0)), f.get("message", ""), f.get("suggestion", ""), f.get("start_s"), f.get("end_s"),
            )  # fmt: skip
            who = _agent_of(turns, int(f["turn"]), values["agent_id"]) if len(agents) > 1 else None  # a transfer: the agent of its turn
            db.execute(
                """INSERT INTO findings (conv, key, rule, kind, severity, turn, start_char, end_char, end_turn, text, score, message, suggestion, start_s, end_s, day, agent_id)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (conv, key) DO UPDATE SET rule = excluded.rule, kind = excluded.kind, severity = excluded.severity, turn = excluded.turn,
                   start_char = excluded.start_char, end_char = excluded.end_char, end_turn = excluded.end_turn, text = excluded.text, score = excluded.score,
                   message = excluded.message, suggestion = excluded.suggestion, start_s = excluded.start_s, end_s = excluded.end_s, day = excluded.day,
                   agent_id = excluded.agent_id""",
                (pk, key, *row, values["day"], who),
            )
            stats.findings += 1
            # verdicts that came with the document (review.csv, or `review` in findings.json) start the
            # history of a finding that has none yet; a finding already reviewed here keeps its own
            if not db.execute("SELECT 1 FROM review_events WHERE conv = ? AND key = ?", (pk, key)).fetchone():
                stats.reviews += self._seed_history(db, pk, key, reviews.get(key), f.get("review"))
        placeholders = ", ".join("?" * len(keys))
        db.execute(f"DELETE FROM findings WHERE conv = ? AND key NOT IN ({placeholders})", (pk, *keys))
        self._refresh(db, pk)
        return touched

    def _roll_up(self, db: sqlite3.Connection, touched: set[tuple[str | None, str]]) -> None:
        """Recompute the daily sums of the (day, agent) pairs and days that an import or review changed."""
        for day, agent in touched:
            db.execute("DELETE FROM daily WHERE day = ? AND agent_id = ?", (day or "", agent))
            db.execute(
                f"INSERT INTO daily SELECT ?, agent_id, {_DAILY_SUMS} FROM parts WHERE agent_id = ? AND day IS ? GROUP BY agent_id",
                (day or "", agent, day),
            )
        for day in {d for d, _ in touched}:
            db.execute("DELETE FROM daily_rules WHERE day = ?", (day or "",))
            db.execute(
                """INSERT INTO daily_rules SELECT ?, rule, COUNT(*), COUNT(DISTINCT conv) FROM findings
                   WHERE day IS ? AND severity = 'error' AND status != 'false' GROUP BY rule""",
                (day or "", day),
            )

    def _seed_history(self, db: sqlite3.Connection, pk: int, key: str, entry: ReviewEntry | None, doc_verdict: str | None) -> int:
        events = []
        if entry is not None:
            at = entry.at or _now()
            # an appeal written in review.csv with no reason still stands (report counts it as appealed):
            # seeded with its empty note rather than dropped, which left the workbench without the appeal
            if entry.appeal or entry.verdict == "appeal":
                by = entry.appeal_by or (entry.by if entry.verdict == "appeal" else "")
                events.append(("appeal", entry.appeal, by, entry.appeal_at or at))
            if entry.verdict in ("confirmed", "false"):
                events.append((entry.verdict, entry.note, entry.by, at))
        elif doc_verdict in VERDICTS:
            events.append((doc_verdict, "", "", _now()))
        for verdict, note, by, at in events:
            db.execute("INSERT INTO review_events (conv, key, verdict, note, by, at) VALUES (?, ?, ?, ?, ?, ?)", (pk, key, verdict, note, by, at))
        if events:
            db.execute("UPDATE findings SET status = ? WHERE conv = ? AND key = ?", (events[-1][0], pk, key))
        return len(events)

    def _refresh(self, db: sqlite3.Connection, pk: int) -> None:
        """Recompute a conversation's score and counters from its findings and their statuses."""
        conv = db.execute("SELECT greeting_ok, courtesy_used, run_id FROM conversations WHERE id = ?", (pk,)).fetchone()
        weights, fatal = self._scoring(db, conv["run_id"])
        findings = [self._finding(r) for r in db.execute("SELECT * FROM findings WHERE conv = ?", (pk,))]
        score = attitude_score(findings, conv["courtesy_used"], bool(conv["greeting_ok"]), weights, fatal)
        standing = [f for f in findings if f.review != "false" and f.severity == "error"]
        greeting_pass = bool(conv["greeting_ok"]) or any(f.kind == "greeting" and f.review == "false" for f in findings)
        db.execute(
            "UPDATE conversations SET score = ?, greeting_pass = ?, nfind = ?, standing = ?, forbidden = ?, appeals = ? WHERE id = ?",
            (
                score,
                int(greeting_pass),
                len(findings),
                len(standing),
                sum(f.kind == "forbidden" for f in standing),
                sum(f.review == "appeal" for f in findings),
                pk,
            ),
        )
        parts = [r["agent_id"] for r in db.execute("SELECT agent_id FROM parts WHERE conv = ? ORDER BY first_turn", (pk,))]
        if len(parts) <= 1:  # one agent: their part is the conversation
            db.execute(
                "UPDATE parts SET score = c.score, greeting_pass = c.greeting_pass, nfind = c.nfind, standing = c.standing, forbidden = c.forbidden, "
                "appeals = c.appeals FROM (SELECT * FROM conversations WHERE id = ?) AS c WHERE parts.conv = c.id",
                (pk,),
            )
            return
        # a transfer: each agent's part as scoring/attribution.agent_views scores it (the report folder's kpi.csv)
        texts = db.execute("SELECT courtesy, turns FROM texts WHERE conv = ?", (pk,)).fetchone()
        turns, courtesy = json.loads(texts["turns"]), json.loads(texts["courtesy"])
        first = db.execute("SELECT agent_id FROM conversations WHERE id = ?", (pk,)).fetchone()[0]
        for i, agent in enumerate(parts):
            mine = [f for f in findings if (f.agent_id or first) == agent]
            used = len({h["id"] for h in courtesy if h.get("review") != "false" and _agent_of(turns, int(h["turn"]), first) == agent})
            greeted = bool(conv["greeting_ok"]) if i == 0 else True  # the opening is the first agent's
            mine_standing = [f for f in mine if f.review != "false" and f.severity == "error"]
            db.execute(
                "UPDATE parts SET score = ?, greeting_pass = ?, nfind = ?, standing = ?, forbidden = ?, appeals = ? WHERE conv = ? AND agent_id = ?",
                (
                    attitude_score(mine, used, greeted, weights, fatal),
                    int(greeted or any(f.kind == "greeting" and f.review == "false" for f in mine)),
                    len(mine),
                    len(mine_standing),
                    sum(f.kind == "forbidden" for f in mine_standing),
                    sum(f.review == "appeal" for f in mine),
                    pk,
                    agent,
                ),
            )

    def _scoring(self, db: sqlite3.Connection, run_id: int) -> tuple[Weights, set[str]]:
        """The weights and fatal rules a run was scored with (runs never change once written)."""
        cache = self.__dict__.setdefault("_scorings", {})
        if run_id not in cache:
            scoring = json.loads(db.execute("SELECT scoring FROM runs WHERE id = ?", (run_id,)).fetchone()[0])
            known = {f.name for f in fields(Weights)}
            cache[run_id] = (Weights(**{k: v for k, v in (scoring.get("weights") or {}).items() if k in known}), set(scoring.get("fatal") or []))
        return cache[run_id]

    @staticmethod
    def _finding(row: sqlite3.Row) -> Finding:
        return Finding(
            id=row["rule"], kind=row["kind"], turn=row["turn"], start_char=row["start_char"], end_char=row["end_char"], text=row["text"], score=row["score"],
            message=row["message"], suggestion=row["suggestion"], severity=row["severity"], start_s=row["start_s"], end_s=row["end_s"],
            end_turn=row["end_turn"], review=row["status"] or None, agent_id=row["agent_id"],
        )  # fmt: skip

    # ---- reviews ------------------------------------------------------------------------------

    def review(self, finding_id: int, verdict: str, note: str = "", by: str = "", now: str | None = None) -> dict:
        """Append one step to a finding's history: confirmed / false (a QA lead's decision) or appeal
        (the agent's). Returns the finding's new status and the conversation's new score."""
        verdict = normalise_verdict(verdict)
        if verdict not in VERDICTS:
            raise StoreError("review", f"结论只能是 确认 / 误报 / 申诉（verdict must be one of {', '.join(VERDICTS)}）")
        by, note = (by or "").strip(), (note or "").strip()
        if not by:
            raise StoreError("review", "请署名（say who you are: by）")
        if verdict == "appeal" and not note:
            raise StoreError("review", "提出申诉要写明理由（an appeal needs a reason: note）")
        if not _rowid(finding_id):
            raise StoreError("review", f"没有编号为 {finding_id} 的问题（no finding {finding_id}）")
        with self.tx() as db:
            row = db.execute("SELECT conv, key FROM findings WHERE id = ?", (finding_id,)).fetchone()
            if row is None:
                raise StoreError("review", f"没有编号为 {finding_id} 的问题（no finding {finding_id}）")
            db.execute(
                "INSERT INTO review_events (conv, key, verdict, note, by, at) VALUES (?, ?, ?, ?, ?, ?)",
                (row["conv"], row["key"], verdict, note, by, now or _now()),
            )
            db.execute("UPDATE findings SET status = ? WHERE id = ?", (verdict, finding_id))
            self._refresh(db, row["conv"])
            conv = db.execute("SELECT id, agent_id, day, score FROM conversations WHERE id = ?", (row["conv"],)).fetchone()
            self._roll_up(db, {(p["day"], p["agent_id"]) for p in db.execute("SELECT day, agent_id FROM parts WHERE conv = ?", (conv["id"],))})
            agent = db.execute("SELECT agent_id FROM findings WHERE id = ?", (finding_id,)).fetchone()[0] or conv["agent_id"]
            part = db.execute("SELECT score FROM parts WHERE conv = ? AND agent_id = ?", (conv["id"], agent)).fetchone()
        # agent_id: whom the finding is charged to (a transfer's second agent for what they said); part_score: their part's score
        return {
            "finding": finding_id, "status": verdict, "conversation": conv["id"], "agent_id": agent, "score": conv["score"],
            "part_score": part["score"] if part else conv["score"],
        }  # fmt: skip

    def history(self, conv: int) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for e in self.db.execute("SELECT key, verdict, note, by, at FROM review_events WHERE conv = ? ORDER BY id", (conv,)):
            out.setdefault(e["key"], []).append(dict(e))
        return out

    # ---- queries ------------------------------------------------------------------------------

    def _range(self, date_from: str, date_to: str, alias: str = "") -> tuple[str, list]:
        where, args = [], []
        if date_from:
            where.append(f"{alias}day >= ?")
            args.append(date_from)
        if date_to:
            where.append(f"{alias}day <= ?")
            args.append(date_to)
        return (" AND ".join(where) or "1"), args

    def _daily_range(self, date_from: str, date_to: str) -> tuple[str, list]:
        """Days in the range; conversations without a date (day '') only count when no range is given."""
        if not date_from and not date_to:
            return "1", []
        return "day != '' AND day >= ? AND day <= ?", [date_from or "0000-00-00", date_to or "9999-99-99"]

    def agents(self, date_from: str = "", date_to: str = "", max_score: float = 10.0) -> list[dict]:
        where, args = self._daily_range(valid_day(date_from), valid_day(date_to))
        rows = self.db.execute(
            f"""SELECT agent_id, SUM(conversations) AS conversations, SUM(score_sum) / SUM(conversations) AS attitude, SUM(greeted) AS greeted,
                SUM(forbidden) AS forbidden, SUM(standing) AS standing, SUM(appeals) AS appeals,
                MIN(NULLIF(day, '')) AS first_day, MAX(NULLIF(day, '')) AS last_day
                FROM daily WHERE {where} AND conversations > 0 GROUP BY agent_id""",
            args,
        ).fetchall()
        out = []
        for r in rows:
            n = r["conversations"]
            attitude = round(r["attitude"], 2)
            points = to_hundred(attitude, max_score)
            out.append(
                {
                    "agent_id": r["agent_id"],
                    "conversations": n,
                    "attitude": attitude,
                    "points": points,
                    "grade": band(points),
                    "greeting_pct": round(100.0 * r["greeted"] / n, 1),
                    "forbidden_per_100": round(100.0 * r["forbidden"] / n, 1),
                    "findings_per_100": round(100.0 * r["standing"] / n, 1),
                    "appeals": r["appeals"],
                    "first_day": r["first_day"],
                    "last_day": r["last_day"],
                }
            )
        out.sort(key=lambda a: (-a["points"], a["agent_id"]))
        for i, a in enumerate(out):
            a["rank"] = i + 1 if i == 0 or a["points"] != out[i - 1]["points"] else out[i - 1]["rank"]
        return out

    def overview(self, date_from: str = "", date_to: str = "") -> Overview:
        date_from, date_to = valid_day(date_from), valid_day(date_to)
        first = self.db.execute("SELECT MIN(day) FROM conversations").fetchone()[0]  # one aggregate each: an index lookup, not a scan
        last = self.db.execute("SELECT MAX(day) FROM conversations").fetchone()[0]
        where, args = self._daily_range(date_from, date_to)
        ov = Overview(date_from, date_to, first, last, 0)
        ov.agents = self.agents(date_from, date_to)
        # a transfer counts once here, though each of its agents counts it among theirs
        ov.conversations = self.db.execute(
            f"SELECT COUNT(*) FROM conversations WHERE {self._range(date_from, date_to)[0]}", self._range(date_from, date_to)[1]
        ).fetchone()[0]
        ov.days = [
            {"day": r[0], "conversations": r[1], "attitude": round(r[2], 2), "per_100": round(100.0 * r[3] / r[1], 1)}
            for r in self.db.execute(
                f"SELECT day, SUM(conversations), SUM(score_sum) / SUM(conversations), SUM(standing) FROM daily WHERE {where} AND day != '' AND conversations > 0 GROUP BY day ORDER BY day",
                args,
            )
        ]
        row = self.db.execute(f"SELECT {', '.join(f'SUM(h{i})' for i in range(11))} FROM daily WHERE {where}", args).fetchone()
        ov.distribution = [int(x or 0) for x in row]
        ov.top_rules = [
            {"rule": r[0], "count": r[1], "conversations": r[2]}
            for r in self.db.execute(
                f"""SELECT rule, SUM(count), SUM(conversations) FROM daily_rules WHERE {where} GROUP BY rule ORDER BY 2 DESC, 1 LIMIT 10""",
                args,
            )
        ]
        return ov

    def conversations(self, flt: Filters, page: int = 1, per_page: int = 50) -> Page:
        if flt.status not in STATUSES:  # an unknown one listed every conversation with findings, as if none were asked
            raise StoreError("status", f"状态只能是 {' / '.join(s for s in STATUSES if s)}（unknown status {flt.status!r}）")
        if flt.severity not in SEVERITIES:
            raise StoreError("severity", f"级别只能是 {' / '.join(s for s in SEVERITIES if s)}（unknown severity {flt.severity!r}）")
        where, args = self._range(valid_day(flt.date_from), valid_day(flt.date_to), "c.")
        clauses = [where]
        if flt.agent:  # every conversation the agent spoke in (a transfer's second agent too)
            clauses.append("c.id IN (SELECT p.conv FROM parts p WHERE p.agent_id = ?)")
            args.append(flt.agent)
        sub = []
        if flt.rule:
            sub.append("f.rule = ?")
            args.append(flt.rule)
        if flt.severity:
            sub.append("f.severity = ?")
            args.append(flt.severity)
        status = flt.status
        if status == "open":  # 待复核: what waits for a reviewer; a warning (提醒) costs nothing and waits for no one
            sub.append("f.status = '' AND f.severity IN ('error', 'review')")
        elif status in VERDICTS:
            sub.append("f.status = ?")
            args.append(status)
        if sub and flt.agent:  # the agent's own findings (a transfer's other agent's are not theirs)
            sub.append("(f.agent_id IS NULL OR f.agent_id = ?)")  # NULL: one agent spoke, and the agent clause says who
            args.append(flt.agent)
        if sub:  # IN (subquery): one pass over the findings index instead of a probe per conversation
            clauses.append(f"c.id IN (SELECT f.conv FROM findings f WHERE {' AND '.join(sub)})")
        elif status == "clean":
            clauses.append("c.id IN (SELECT p.conv FROM parts p WHERE p.agent_id = ? AND p.nfind = 0)" if flt.agent else "c.nfind = 0")
            args += [flt.agent] if flt.agent else []
        elif status != "all":
            clauses.append("c.id IN (SELECT p.conv FROM parts p WHERE p.agent_id = ? AND p.nfind > 0)" if flt.agent else "c.nfind > 0")
            args += [flt.agent] if flt.agent else []
        if flt.q:
            match = search_query(flt.q)
            # a conversation id matches on any part of it (022 finds chat-20261126-022), an agent id whole
            if match:
                clauses.append(
                    "(c.id IN (SELECT rowid FROM search WHERE search MATCH ?) OR instr(c.conversation_id, ?) > 0 OR c.id IN (SELECT conv FROM parts WHERE agent_id = ?))"
                )
                args += [match, flt.q, flt.q]
            else:
                clauses.append("(instr(c.conversation_id, ?) > 0 OR c.id IN (SELECT conv FROM parts WHERE agent_id = ?))")
                args += [flt.q, flt.q]
        sql = " AND ".join(clauses)
        # counts come from covering indexes; only a text search stops counting at COUNT_CAP
        limit = f" LIMIT {COUNT_CAP + 1}" if flt.q else ""
        total = self.db.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM conversations c WHERE {sql}{limit})", args).fetchone()[0]
        page = max(1, min(page, _ROWID_MAX // (per_page or 1)))  # a page past any SQLite offset is as empty as the page after the last
        rows = self.db.execute(
            f"""SELECT c.id, c.conversation_id, c.agent_id, c.started_at, c.day, c.score, c.nfind, c.standing, c.appeals, c.is_call, c.source,
                (SELECT group_concat(DISTINCT f.rule) FROM findings f WHERE f.conv = c.id) AS rules,
                (SELECT group_concat(agent_id, ' → ') FROM (SELECT agent_id FROM parts WHERE conv = c.id ORDER BY first_turn)) AS agents
                FROM conversations c WHERE {sql} ORDER BY c.started_at DESC, c.id DESC LIMIT ? OFFSET ?""",
            (*args, per_page, (page - 1) * per_page),
        ).fetchall()
        out = [dict(r) for r in rows]
        if flt.agent:  # the agent's part of a transfer: their score, findings and rules
            for r in out:
                if " → " not in (r["agents"] or ""):
                    continue
                p = self.db.execute("SELECT * FROM parts WHERE conv = ? AND agent_id = ?", (r["id"], flt.agent)).fetchone()
                r.update(agent_id=flt.agent, score=p["score"], nfind=p["nfind"], standing=p["standing"], appeals=p["appeals"])
                r["rules"] = ",".join(
                    dict.fromkeys(
                        x[0]
                        for x in self.db.execute(
                            "SELECT rule FROM findings WHERE conv = ? AND COALESCE(agent_id, ?) = ?", (r["id"], r["agents"].split(" → ")[0], flt.agent)
                        )
                    )
                )
        return Page(out, total, page, per_page, capped=bool(flt.q) and total > COUNT_CAP)

    def review_entries(self, flt: Filters) -> list[ReviewEntry]:
        """The findings of the conversations a filter selects, with their current verdicts, as review.csv rows:
        the latest decision in verdict/note/by/at, the latest appeal in appeal/appeal_by/appeal_at."""
        page = self.conversations(flt, 1, 10**9)
        out = []
        for row in page.rows:
            history = self.history(row["id"])
            for f in self.db.execute("SELECT key, rule, turn, text, status, agent_id FROM findings WHERE conv = ? ORDER BY turn, start_char, id", (row["id"],)):
                steps = history.get(f["key"], [])
                decision = next((e for e in reversed(steps) if e["verdict"] != "appeal"), None)
                appeal = next((e for e in reversed(steps) if e["verdict"] == "appeal"), None)
                last = steps[-1] if steps else None
                out.append(
                    ReviewEntry(
                        key=f["key"], source=row["source"], conversation_id=row["conversation_id"], agent_id=f["agent_id"] or row["agent_id"], rule=f["rule"], turn=str(f["turn"] + 1),
                        quote=f["text"], verdict=f["status"], note=decision["note"] if decision else "", appeal=appeal["note"] if appeal else "",
                        by=last["by"] if last else "", at=last["at"] if last else "",
                        appeal_by=appeal["by"] if appeal else "", appeal_at=appeal["at"] if appeal else "",
                    )
                )  # fmt: skip
        return out

    def conversation(self, pk: int) -> dict | None:
        if not _rowid(pk):
            return None
        row = self.db.execute("SELECT * FROM conversations WHERE id = ?", (pk,)).fetchone()
        if row is None:
            return None
        c = dict(row)
        texts = self.db.execute("SELECT greeting, courtesy, turns, notes FROM texts WHERE conv = ?", (pk,)).fetchone()
        for k in ("greeting", "courtesy", "turns", "notes"):
            c[k] = json.loads(texts[k])
        # each agent's part (one for most conversations; a transfer has one per agent, in the order they took over)
        c["parts"] = [
            dict(r)
            for r in self.db.execute("SELECT agent_id, first_turn, score, nfind, standing, appeals FROM parts WHERE conv = ? ORDER BY first_turn", (pk,))
        ]
        c["findings"] = [dict(r) for r in self.db.execute("SELECT * FROM findings WHERE conv = ? ORDER BY turn, start_char, id", (pk,))]
        c["history"] = self.history(pk)
        c["fatal"] = sorted(self._scoring(self.db, c["run_id"])[1])  # the rules that set a conversation to 0 in its run
        return c

    def finding_objects(self, pk: int) -> list[tuple[int, str, Finding]]:
        if not _rowid(pk):
            return []
        return [(r["id"], r["key"], self._finding(r)) for r in self.db.execute("SELECT * FROM findings WHERE conv = ? ORDER BY turn, start_char, id", (pk,))]

    def audio_path(self, pk: int) -> Path | None:
        """The recording of conversation pk, as recorded at import: the only files the server reads for audio."""
        row = self.db.execute("SELECT audio FROM conversations WHERE id = ?", (pk,)).fetchone() if _rowid(pk) else None
        if row is None or not row["audio"]:
            return None
        path = Path(row["audio"])
        return path if path.is_file() else None

    def agent_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT agent_id FROM parts ORDER BY agent_id")]

    def rule_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT rule FROM findings ORDER BY rule")]

    def counts(self) -> dict[str, int]:
        one = self.db.execute
        return {
            "runs": one("SELECT COUNT(*) FROM runs").fetchone()[0],
            "conversations": one("SELECT COUNT(*) FROM conversations").fetchone()[0],
            "findings": one("SELECT COUNT(*) FROM findings").fetchone()[0],
            "review_events": one("SELECT COUNT(*) FROM review_events").fetchone()[0],
        }


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _pieces(text: str) -> list[str]:
    """Runs of Chinese characters, and words of letters and digits (lowercased), in order."""
    out, run, word = [], [], []
    for ch in text:
        if _is_cjk(ch):
            if word:
                out.append("".join(word).lower())
                word = []
            run.append(ch)
        else:
            if run:
                out.append("".join(run))
                run = []
            if ch.isalnum():
                word.append(ch)
            elif word:
                out.append("".join(word).lower())
                word = []
    for rest in (run, word):
        if rest:
            out.append("".join(rest).lower())
    return out


def _grams(piece: str) -> list[str]:
    if not _is_cjk(piece[0]):
        return [piece]
    if len(piece) == 1:
        return [piece]
    return [piece[i : i + 2] for i in range(len(piece) - 1)]


def grams(text: str) -> str:
    """What the search index holds: each run of Chinese as overlapping character pairs (停车费 -> 停车 车费),
    other words whole. A query made the same way and matched as a phrase finds the exact substring."""
    return " ".join(g for p in _pieces(text) for g in _grams(p))


def search_query(q: str) -> str:
    """An FTS5 MATCH expression for a search box text: every piece must occur; each piece as a phrase
    of its character pairs. A single Chinese character matches the pairs it starts. '' when nothing is searchable."""
    terms = []
    for p in _pieces(q):
        if _is_cjk(p[0]) and len(p) == 1:
            terms.append(f'"{p}"*')
        else:
            terms.append('"' + " ".join(_grams(p)) + '"')
    return " AND ".join(terms)


def _audio_path(source: str, base: Path | None) -> str | None:
    """The recording's absolute path if it is an audio file that exists now (as given, or relative to `base`)."""
    path = Path(source)
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        return None
    for candidate in (path, *((base / path,) if base is not None and not path.is_absolute() else ())):
        if candidate.is_file():
            return str(candidate.resolve())
    return None


def _reviewed(hit: dict, entry: ReviewEntry | None) -> dict:
    """A courtesy hit with the verdict of its review.csv row, if that row has one."""
    return {**hit, "review": entry.verdict} if entry is not None and entry.verdict else hit


def _agent_of(turns: list[dict], turn: int, default: str) -> str:
    """The agent who said turn `turn` (data.Conversation.agent_of over stored turns)."""
    t = turns[turn] if 0 <= turn < len(turns) else None
    return str((t.get("agent_id") if t else None) or default)


def _turn_agents(turns: list[dict], default: str) -> dict[str, int]:
    """The agents who spoke, in order, each with the index of their first turn (data.Conversation.agents);
    the conversation's own agent alone unless the turns name two or more (a transfer)."""
    out: dict[str, int] = {}
    for i, t in enumerate(turns):
        if t.get("role") == "agent":
            out.setdefault(str(t.get("agent_id") or default), i)
    return out if len(out) > 1 else {default: 0}
