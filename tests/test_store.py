"""The QA database (store/): schema and migrations, idempotent import, review history and rescoring."""

from __future__ import annotations

import json
import sqlite3

import pytest

from phrasecheck.config.profile import Profile
from phrasecheck.errors import ReviewError
from phrasecheck.inputs.readers import read_file
from phrasecheck.report.folder import write_report_folder
from phrasecheck.scoring.review import mark, read_reviews, write_reviews
from phrasecheck.store.db import MIGRATIONS, SCHEMA_VERSION, Filters, Store, StoreError, grams, search_query
from phrasecheck.store.importer import import_findings_file
from reports_helpers import call_run, checker, write_day


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A report folder for the hand-scored day (c1 10, c2 7, c3 4, c4 0) plus one recorded call."""
    base = tmp_path_factory.mktemp("store")
    chk = checker()
    run = call_run(base, chk)
    run.results += [chk.check(c) for c in read_file(write_day(base / "day.jsonl"), Profile()).conversations]
    write_report_folder(run, Profile(), base / "out", chk.fatal)
    return base / "out"


def _pk(store: Store, cid: str) -> int:
    return store.db.execute("SELECT id FROM conversations WHERE conversation_id = ?", (cid,)).fetchone()[0]


def test_a_new_database_has_the_current_schema_version(tmp_path):
    store = Store(tmp_path / "a.db")
    assert store.version() == SCHEMA_VERSION == max(MIGRATIONS)
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"schema_version", "runs", "conversations", "findings", "review_events", "rules"} <= tables


def test_a_version_1_database_is_migrated_and_keeps_its_data(tmp_path, folder):
    path = tmp_path / "old.db"
    old = Store.__new__(Store)  # open without migrating to the latest: build a version-1 file
    old.path, old.db = path, sqlite3.connect(str(path), isolation_level=None)
    old.db.row_factory = sqlite3.Row
    old.migrate(target=1)
    assert old.version() == 1
    old.db.execute("INSERT INTO runs (source, imported_at, scoring, conversations) VALUES ('x', '2026-11-26', '{}', 0)")
    old.db.close()
    store = Store(path)
    assert store.version() == SCHEMA_VERSION
    assert store.counts()["runs"] == 1
    assert "audio" in {r[1] for r in store.db.execute("PRAGMA table_info(conversations)")}


def test_migration_3_builds_the_daily_sums_from_the_conversations_there(tmp_path, folder):
    path = tmp_path / "v2.db"
    store = Store(path)
    import_findings_file(store, folder / "findings.json")
    before = store.overview()
    # what a version-2 file looked like: no daily sums
    undo_4 = ("DROP TABLE parts", "ALTER TABLE findings DROP COLUMN agent_id", "ALTER TABLE texts DROP COLUMN notes")  # and what step 4 added
    for sql in (*undo_4, "DROP TABLE daily", "DROP TABLE daily_rules", "DROP INDEX finding_day", "UPDATE schema_version SET version = 2"):
        store.db.execute(sql)
    store.close()
    store = Store(path)
    assert store.version() == SCHEMA_VERSION  # 3, then the steps after it
    after = store.overview()
    assert (after.agents, after.days, after.distribution, after.top_rules) == (before.agents, before.days, before.distribution, before.top_rules)
    assert {a["agent_id"]: a["points"] for a in after.agents}["A1"] == 85.0


def test_a_database_from_a_newer_phrasecheck_is_refused(tmp_path):
    path = tmp_path / "new.db"
    Store(path).db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_not_a_database_is_a_one_line_error(tmp_path):
    path = tmp_path / "x.db"
    path.write_text("hello, not sqlite " * 100)
    with pytest.raises(StoreError, match="not a usable phrasecheck database"):
        Store(path)


def test_import_loads_scores_and_importing_twice_counts_once(tmp_path, folder):
    store = Store(tmp_path / "a.db")
    first = import_findings_file(store, folder / "findings.json")
    assert (first.added, first.updated) == (5, 0)
    second = import_findings_file(store, folder / "findings.json")
    assert (second.added, second.updated) == (0, 5)
    counts = store.counts()
    assert counts["conversations"] == 5 and counts["runs"] == 2
    scores = dict(store.db.execute("SELECT conversation_id, score FROM conversations"))
    assert scores == {"c1": 10.0, "c2": 7.0, "c3": 4.0, "c4": 0.0, "call1": scores["call1"]}
    agents = {a["agent_id"]: a for a in store.agents()}
    assert agents["A1"]["points"] == 85.0 and agents["A1"]["grade"] == "良好"
    assert agents["B2"]["points"] == 20.0 and agents["B2"]["grade"] == "不称职"
    assert agents["A1"]["first_day"] == "2026-11-26"
    assert store.rule_names()["F02"][0] == "不知道"
    # the recording is known by its absolute path; the chats have none
    assert store.audio_path(_pk(store, "call1")) is not None and store.audio_path(_pk(store, "c2")) is None


def test_overruling_changes_the_score_and_the_agent_at_once(tmp_path, folder):
    store = Store(tmp_path / "a.db")
    import_findings_file(store, folder / "findings.json")
    c2 = _pk(store, "c2")
    f02 = next(f for f in store.conversation(c2)["findings"] if f["rule"] == "F02")
    out = store.review(f02["id"], "误报", note="问的是别人", by="QA李")
    assert out["status"] == "false" and out["score"] == 10.0
    assert {a["agent_id"]: a["points"] for a in store.agents()}["A1"] == 100.0


def test_an_appeal_and_its_decision_are_both_kept(tmp_path, folder):
    store = Store(tmp_path / "a.db")
    import_findings_file(store, folder / "findings.json")
    c4 = _pk(store, "c4")
    f11 = next(f for f in store.conversation(c4)["findings"] if f["rule"] == "F11")
    store.review(f11["id"], "appeal", note="客户先骂人", by="B2", now="2026-11-27T09:00:00+08:00")
    assert store.conversation(c4)["appeals"] == 1 and store.conversation(c4)["score"] == 0.0  # still counts until decided
    store.review(f11["id"], "confirmed", note="录音里是坐席先说", by="QA李", now="2026-11-27T10:00:00+08:00")
    history = store.history(c4)[f11["key"]]
    assert [(e["verdict"], e["by"], e["note"], e["at"]) for e in history] == [
        ("appeal", "B2", "客户先骂人", "2026-11-27T09:00:00+08:00"),
        ("confirmed", "QA李", "录音里是坐席先说", "2026-11-27T10:00:00+08:00"),
    ]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("UPDATE review_events SET by = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("DELETE FROM review_events")
    # a re-import of the same run keeps the history and the decision
    import_findings_file(store, folder / "findings.json")
    assert len(store.history(c4)[f11["key"]]) == 2
    assert store.conversation(c4)["appeals"] == 0


def test_review_needs_a_name_a_known_verdict_and_an_appeal_reason(tmp_path, folder):
    store = Store(tmp_path / "a.db")
    import_findings_file(store, folder / "findings.json")
    fid = store.db.execute("SELECT id FROM findings LIMIT 1").fetchone()[0]
    with pytest.raises(StoreError, match="who"):
        store.review(fid, "confirmed", by=" ")
    with pytest.raises(StoreError, match="verdict"):
        store.review(fid, "maybe", by="QA")
    with pytest.raises(StoreError, match="reason"):
        store.review(fid, "申诉", by="A1")


def test_verdicts_of_a_gbk_review_csv_come_along_with_their_appeal(tmp_path, folder):
    store = Store(tmp_path / "a.db")
    entries = read_reviews(folder / "review.csv")
    key = next(k for k in entries if ":c4:F11:" in k)
    mark(entries, [key], "申诉", "客户先骂人", "B2")
    mark(entries, [key], "驳回", "不成立", "QA李")
    review = tmp_path / "review.csv"
    write_reviews(review, list(entries.values()))
    review.write_bytes(review.read_bytes().decode("utf-8-sig").encode("gbk"))  # as Excel on Chinese Windows saves it
    stats = import_findings_file(store, folder / "findings.json", review=review)
    assert stats.reviews == 2
    history = store.history(_pk(store, "c4"))[key]
    assert [(e["verdict"], e["by"], e["note"]) for e in history] == [("appeal", "B2", "客户先骂人"), ("false", "QA李", "不成立")]
    assert store.conversation(_pk(store, "c4"))["score"] > 0


def test_filters_paging_and_search(tmp_path, folder):
    store = Store(tmp_path / "a.db")
    import_findings_file(store, folder / "findings.json")
    with_findings = store.conversations(Filters())
    assert {r["conversation_id"] for r in with_findings.rows} == {"c2", "c3", "c4", "call1"}  # c1 is clean
    assert store.conversations(Filters(status="all")).total == 5
    assert [r["conversation_id"] for r in store.conversations(Filters(status="clean")).rows] == ["c1"]
    assert [r["conversation_id"] for r in store.conversations(Filters(rule="F11")).rows] == ["c4"]
    assert {r["conversation_id"] for r in store.conversations(Filters(agent="B2")).rows} == {"c3", "c4"}
    assert [r["conversation_id"] for r in store.conversations(Filters(q="停车费", status="all")).rows] == ["c2"]
    assert [r["conversation_id"] for r in store.conversations(Filters(q="车费", status="all")).rows] == ["c2"]  # inside a word
    assert [r["conversation_id"] for r in store.conversations(Filters(q="停车 不知道", status="all")).rows] == ["c2"]  # every piece
    assert store.conversations(Filters(q="停费", status="all")).total == 0  # characters apart are not the phrase
    assert [r["conversation_id"] for r in store.conversations(Filters(q="c4", status="all")).rows] == ["c4"]  # a conversation id
    assert store.conversations(Filters(q="100%", status="all")).total == 0  # LIKE wildcards are literal
    assert store.conversations(Filters(date_from="2026-11-27")).total == 0
    page = store.conversations(Filters(status="all"), page=2, per_page=2)
    assert page.pages == 3 and len(page.rows) == 2
    with pytest.raises(StoreError, match="not a date"):
        store.conversations(Filters(date_from="2026-13-01"))


def test_overview_days_distribution_and_top_rules(tmp_path, folder):
    store = Store(tmp_path / "a.db")
    import_findings_file(store, folder / "findings.json")
    ov = store.overview()
    day = next(d for d in ov.days if d["day"] == "2026-11-26")
    assert day["conversations"] == 4 and day["attitude"] == 5.25
    assert sum(ov.distribution) == 5 and ov.distribution[10] == 1 and ov.distribution[0] == 1
    assert ov.top_rules[0]["count"] >= 1 and {r["rule"] for r in ov.top_rules} >= {"F02", "F11", "O01"}


def test_a_check_json_document_imports_with_the_lexicons_fatal_rules(tmp_path):
    doc = {
        "schema_version": 1,
        "conversations": [
            {
                "conversation_id": "x1",
                "agent_id": "A9",
                "source": "x.jsonl",
                "findings": [{"id": "F11", "kind": "forbidden", "turn": 1, "start_char": 0, "end_char": 6, "text": "有本事你去告", "score": 100.0}],
                "turns": [{"role": "customer", "text": "投诉"}, {"role": "agent", "text": "有本事你去告"}],
                "greeting": {"ok": True, "text": "", "missing": []},
                "courtesy_used": ["C01", "C02"],
            }
        ],
    }
    path = tmp_path / "check.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    store = Store(tmp_path / "a.db")
    import_findings_file(store, path)
    assert store.conversation(_pk(store, "x1"))["score"] == 0.0
    with pytest.raises(StoreError, match="not a phrasecheck findings document"):
        store.import_document({"schema_version": 1}, "bad.json")


def test_search_grams():
    assert grams("我家停车费，call 400-123") == "我家 家停 停车 车费 call 400 123"
    assert search_query("车费 A1") == '"车费" AND "a1"'
    assert search_query("费") == '"费"*'
    assert search_query("！？") == ""


def test_review_mark_takes_chinese_verdicts_and_keeps_who_appealed(tmp_path, folder):
    import shutil

    from click.testing import CliRunner

    from phrasecheck.cli import main

    work = tmp_path / "rep"
    shutil.copytree(folder, work)
    runner = CliRunner()
    r = runner.invoke(main, ["review-mark", str(work / "findings.json"), "--finding", "c4:F11", "--verdict", "申诉", "--note", "客户先骂人", "--by", "B2"])
    assert r.exit_code == 0, r.output
    assert "c4:F11" in r.output and ": appeal" in r.output
    r = runner.invoke(main, ["review-mark", str(work / "findings.json"), "--finding", "c4:F11", "--verdict", "驳回", "--note", "核实", "--by", "QA李"])
    assert r.exit_code == 0, r.output
    entry = next(e for k, e in read_reviews(work / "review.csv").items() if ":c4:F11:" in k)
    assert (entry.verdict, entry.by, entry.appeal, entry.appeal_by) == ("false", "QA李", "客户先骂人", "B2") and entry.appeal_at


def test_a_gbk_review_csv_is_read(tmp_path, folder):
    entries = read_reviews(folder / "review.csv")
    key = next(k for k in entries if ":c2:F02:" in k)
    mark(entries, [key], "误报", "问的是别人", "QA李")
    path = tmp_path / "review.csv"
    write_reviews(path, list(entries.values()))
    path.write_bytes(path.read_bytes().decode("utf-8-sig").encode("gbk"))
    assert read_reviews(path)[key].note == "问的是别人"
    path.write_bytes(b"key,verdict\n\xff\xfe\xfa,false\n")
    with pytest.raises(ReviewError, match="encoding"):
        read_reviews(path)


def test_daily_sums_stay_equal_to_the_conversations_through_reviews_and_reimports(tmp_path, folder):
    from phrasecheck.store.db import _DAILY_SUMS

    store = Store(tmp_path / "a.db")
    import_findings_file(store, folder / "findings.json")
    for fid in [r[0] for r in store.db.execute("SELECT id FROM findings WHERE severity = 'error'")][:3]:
        store.review(fid, "false", by="QA")
    doc = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
    moved = next(c for c in doc["conversations"] if c["conversation_id"] == "c2")
    moved["agent_id"], moved["started_at"] = "Z9", "2026-11-30T10:00:00+08:00"  # the export was corrected: another agent, another day
    store.import_document(doc, "again")

    def fresh():
        return sorted(tuple(r) for r in store.db.execute(f"SELECT COALESCE(day, ''), agent_id, {_DAILY_SUMS} FROM conversations GROUP BY day, agent_id"))

    kept = sorted(tuple(r) for r in store.db.execute("SELECT * FROM daily WHERE conversations > 0"))
    assert kept == fresh() and len(kept) == 4  # C3 (no date), A1 and B2 on the 26th, Z9 on the 30th
    assert "A1" in {a["agent_id"] for a in store.agents()} and {a["agent_id"]: a["conversations"] for a in store.agents()}["Z9"] == 1
    assert {d["day"] for d in store.overview().days} == {"2026-11-26", "2026-11-30"}


def test_a_report_records_its_run_under_the_profiles_own_lexicon(tmp_path):
    """The database names the rules the run was checked with: the lexicon the profile names, not
    the default one (`report` and `scan` read it once and hand it on)."""
    import shutil

    from click.testing import CliRunner

    from phrasecheck.cli import main
    from phrasecheck.config.lexicon import default_lexicon_dir

    lexicon = tmp_path / "lexicon"
    shutil.copytree(default_lexicon_dir(), lexicon)
    rules = lexicon / "forbidden.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("text: 不知道\n", "text: 不知道（本中心）\n", 1), encoding="utf-8")
    profile = tmp_path / "profile.yaml"
    profile.write_text(f"lexicon: {lexicon}\n", encoding="utf-8")
    chat = tmp_path / "day.jsonl"
    chat.write_text(
        json.dumps({"conversation_id": "c1", "agent_id": "A1", "role": "agent", "text": "这个我不知道"}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    db = tmp_path / "a.db"
    res = CliRunner().invoke(main, ["report", str(chat), "--config", str(profile), "--out", str(tmp_path / "out"), "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert Store(db).rule_names()["F02"][0] == "不知道（本中心）"
