"""Streamed check (issue 14): the same report as the whole-run emitters, ungrouped input through the
spill, one conversation over several files joined, --jobs N identical to --jobs 1, redaction
without copying, and the matcher's caches changing no result."""

from __future__ import annotations

import io
import json
import random

import pytest
from click.testing import CliRunner

from helpers import REPO, SHARED, conv
from phrasecheck.cli import main
from phrasecheck.config.profile import Profile
from phrasecheck.engine import match
from phrasecheck.engine.checker import Checker
from phrasecheck.engine.run import Totals, check_paths, check_stream
from phrasecheck.inputs.readers import read_file
from phrasecheck.inputs.stream import conversations, parse_slice, sliceable, slices, survey
from phrasecheck.report import EMITTERS
from phrasecheck.report.options import EmitOptions
from phrasecheck.report.redact import redact_result, redact_run
from phrasecheck.scoring.kpi import compute_kpi

DAY = REPO / "samples" / "chats" / "day-2026-11-26.jsonl"
GBK = REPO / "samples" / "chats" / "evening-shift-gbk.csv"
REAL = SHARED / "realdata" / "jddc_chats.jsonl"


def shape(convs):
    return [(c.conversation_id, c.agent_id, c.source, c.started_at, [(t.role, t.text, t.timestamp, t.line) for t in c.turns]) for c in convs]


def streamed(path, profile=None):
    profile = profile or Profile()
    errors = []
    s = survey(path, profile)
    return s, list(conversations(s, profile, errors)), errors


@pytest.mark.parametrize("path", [DAY, GBK], ids=["jsonl", "gbk-csv"])
def test_stream_reads_what_read_file_reads(path):
    s, convs, errors = streamed(path)
    loaded = read_file(path, Profile())
    assert s.grouped and shape(convs) == shape(loaded.conversations) and errors == loaded.errors
    assert s.encoding == ("gb18030" if path == GBK else "utf-8")


def test_bad_lines_break_and_bom_as_read_file(tmp_path):
    """Line numbers and messages of problems, a U+2028 inside a text (str.splitlines breaks there),
    CRLF line ends and a BOM: all exactly as read_file has them."""
    lines = [
        json.dumps({"conversation_id": "a", "agent_id": "A1", "role": "agent", "text": "您好"}, ensure_ascii=False),
        '{"conversation_id": "a", "role": "agent", "text": ',
        "",
        json.dumps({"conversation_id": "a", "agent_id": "A1", "role": "robot", "text": "x"}),
        json.dumps({"conversation_id": "a", "agent_id": "A1", "role": "agent", "text": "一\u2028二"}, ensure_ascii=False),
        json.dumps({"conversation_id": "b", "role": "customer", "text": "在吗", "timestamp": "yesterday"}, ensure_ascii=False),
        "[1, 2]",
        json.dumps({"conversation_id": "b", "agent_id": "B2", "role": "agent", "text": "我不知道"}, ensure_ascii=False),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    s, convs, errors = streamed(path)
    loaded = read_file(path, Profile())
    assert shape(convs) == shape(loaded.conversations)
    assert [(e.line, e.message) for e in errors] == [(e.line, e.message) for e in loaded.errors]
    assert len(errors) >= 5 and convs[1].agent_id == "B2"  # the agent named by a later message, as the reader does


@pytest.mark.parametrize("odd", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\r", None])
def test_a_break_deep_in_a_big_file_is_split_as_read_file_splits_it(tmp_path, odd):
    """The survey tells the real pass whether any line can hold a break besides its end (Survey.breaks);
    one odd character after the first megabyte still turns the per-line check on."""
    filler = json.dumps({"conversation_id": "a", "agent_id": "A1", "role": "agent", "text": "您好，请问有什么可以帮您" * 4}, ensure_ascii=False)
    lines = [filler] * (1_200_000 // len(filler.encode("utf-8")))
    odd_line = json.dumps({"conversation_id": "b", "agent_id": "B1", "role": "agent", "text": "一§二"}, ensure_ascii=False)
    lines.append(odd_line.replace("§", odd or ""))  # the character itself, as an export may hold it, not JSON's escape
    lines.append(json.dumps({"conversation_id": "b", "agent_id": "B1", "role": "agent", "text": "好的"}, ensure_ascii=False))
    path = tmp_path / "big.jsonl"
    path.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    assert path.stat().st_size > 1 << 20
    s, convs, errors = streamed(path)
    loaded = read_file(path, Profile())
    assert s.breaks == (odd is not None)
    assert shape(convs) == shape(loaded.conversations)
    assert [(e.line, e.message) for e in errors] == [(e.line, e.message) for e in loaded.errors]
    if odd in ("\u2028", "\u2029", "\x85", "\r"):  # a break inside valid JSON's text: the line is cut in two
        assert errors and errors[0].line == len(lines) - 1


def test_ungrouped_input_goes_through_the_spill_in_order_of_first_appearance(tmp_path):
    records = [json.loads(x) for x in DAY.read_text(encoding="utf-8").splitlines()]
    queues = {}
    for r in records:
        queues.setdefault(r["conversation_id"], []).append(r)
    rng = random.Random(7)
    order = list(queues)
    out = []
    while order:  # interleave the conversations, each one's messages in their order
        cid = rng.choice(order)
        out.append(queues[cid].pop(0))
        if not queues[cid]:
            order.remove(cid)
    path = tmp_path / "shuffled.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in out) + "\n", encoding="utf-8")
    s, convs, errors = streamed(path)
    assert not s.grouped and not errors
    assert shape(convs) == shape(read_file(path, Profile()).conversations)
    assert {c.conversation_id for c in convs} == set(queues)


def _cli(*args):
    result = CliRunner().invoke(main, ["check", *map(str, args)])
    assert result.exit_code in (0, 1), result.output
    return result


@pytest.mark.parametrize("fmt", ["json", "csv", "text", "sarif"])
def test_streamed_report_equals_the_whole_run_emitter(fmt, checker):
    inputs = [REPO / "samples" / "chats"] + ([REAL] if REAL.is_file() else [])
    got = _cli(*inputs, "--format", fmt, "--jobs", "1", "--no-color").stdout
    run = redact_run(check_paths(inputs, checker, Profile()))
    out = io.StringIO()
    EMITTERS[fmt](run, Profile(), out, EmitOptions(color=False))
    assert got == out.getvalue()


def test_jobs_2_writes_the_same_bytes_as_jobs_1(tmp_path, monkeypatch):
    from phrasecheck.engine import parallel

    monkeypatch.setattr(parallel, "BATCH_TURNS", 200)  # many batches, several in flight at once
    monkeypatch.setattr(parallel, "SLICE_LINES", 150)  # and many slices that the workers read themselves
    inputs = [REPO / "samples" / "chats"] + ([REAL] if REAL.is_file() else [])
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    _cli(*inputs, "--format", "json", "-o", one, "--jobs", "1")
    _cli(*inputs, "--format", "json", "-o", two, "--jobs", "2")
    assert one.read_bytes() == two.read_bytes()
    assert len(json.loads(one.read_text(encoding="utf-8"))["conversations"]) > 30


def test_a_conversation_over_two_files_is_joined_with_a_note(tmp_path):
    lines = DAY.read_text(encoding="utf-8").splitlines()
    cid = json.loads(lines[0])["conversation_id"]
    mine = [i for i, x in enumerate(lines) if json.loads(x)["conversation_id"] == cid]
    cut = mine[len(mine) // 2]
    (tmp_path / "a.jsonl").write_text("\n".join(lines[:cut]) + "\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("\n".join(lines[cut:]) + "\n", encoding="utf-8")
    result = _cli(tmp_path, "--format", "json")
    doc = json.loads(result.stdout)
    whole = json.loads(_cli(DAY, "--format", "json").stdout)
    joined = [c for c in doc["conversations"] if c["conversation_id"] == cid]
    assert len(joined) == 1 and len(joined[0]["turns"]) == len(mine)
    original = next(c for c in whole["conversations"] if c["conversation_id"] == cid)
    assert [t["text"] for t in joined[0]["turns"]] == [t["text"] for t in original["turns"]]
    assert joined[0]["findings"] == original["findings"] and joined[0]["attitude_score"] == original["attitude_score"]
    assert joined[0]["source"].endswith("a.jsonl")
    assert "joined" in result.stderr and cid in result.stderr
    assert len(doc["conversations"]) == len(whole["conversations"])


def test_same_id_but_another_agent_is_not_joined(tmp_path):
    a = {"conversation_id": "x1", "agent_id": "A1", "role": "agent", "text": "您好"}
    (tmp_path / "a.jsonl").write_text(json.dumps(a, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(json.dumps({**a, "agent_id": "B2"}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = _cli(tmp_path, "--format", "json")
    assert [(c["conversation_id"], c["agent_id"]) for c in json.loads(result.stdout)["conversations"]] == [("x1", "A1"), ("x1", "B2")]
    assert "joined" not in result.stderr


def test_totals_accumulate_what_compute_kpi_computes(checker):
    totals = Totals()
    results = list(check_stream([DAY, GBK], checker, Profile(), totals))
    assert totals.conversations == len(results) and totals.files == 2 and totals.messages > 200
    assert totals.agents(Profile()) == compute_kpi(results, Profile(), checker.fatal)  # fatal rules counted, as the report folder counts them


def test_redaction_copies_only_what_it_masks(checker):
    r = checker.check(conv(("agent", "您好，我的电话13812345678"), ("customer", "好的，谢谢")))
    shown = redact_result(r)
    assert shown.conversation.turns[0].text == "您好，我的电话***********" and r.conversation.turns[0].text == "您好，我的电话13812345678"
    assert "*" in shown.greeting.text and "138" in r.greeting.text
    assert shown.conversation.turns[1] is r.conversation.turns[1]  # nothing to mask: shared, not copied


def test_the_text_caches_change_no_result(lexicon, monkeypatch):
    inputs = [DAY] + ([REAL] if REAL.is_file() else [])
    cached = check_paths(inputs, Checker(lexicon, Profile()), Profile())
    monkeypatch.setattr(match, "PREPARED_CACHE", 0)
    plain = check_paths(inputs, Checker(lexicon, Profile()), Profile())
    assert [(r.findings, r.courtesy, r.greeting, r.attitude_score) for r in cached.results] == [
        (r.findings, r.courtesy, r.greeting, r.attitude_score) for r in plain.results
    ]


def test_text_cache_keeps_what_comes_back():
    cache = match.TextCache(2)
    made = []
    for key in ["a", "b", "c", "a", "b", "c", "a", "b", "c"]:  # a cycle longer than the cache
        cache.get(key, lambda key=key: made.append(key) or key)
    assert len(made) < 9  # plain LRU would make every one of them again
    for _ in range(5):
        cache.get("canned", lambda: made.append("canned") or "canned")
    # in once asked more often than what it pushes out, then served from the cache
    assert "canned" in cache.entries and made.count("canned") < 5
    cache.get("canned", lambda: made.append("canned") or "canned")
    assert made.count("canned") < 5


def test_a_part_whose_later_file_has_no_good_message_is_still_checked(tmp_path):
    a = {"conversation_id": "x1", "agent_id": "A1", "role": "agent", "text": "您好"}
    (tmp_path / "a.jsonl").write_text(json.dumps(a, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(json.dumps({**a, "role": "robot"}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--format", "json"])
    doc = json.loads(result.stdout)
    assert [c["conversation_id"] for c in doc["conversations"]] == ["x1"] and doc["errors"][0]["line"] == 1


def test_conversations_and_findings_cross_to_workers_unchanged():
    """--jobs N sends conversations to workers and findings back as tuples of their fields
    (parallel._Packer): what arrives equals what left, every field, through pickle."""
    import pickle
    from datetime import datetime, timedelta, timezone

    from phrasecheck.data import Conversation, Finding, Greeting, Turn
    from phrasecheck.engine import parallel

    tz = timezone(timedelta(hours=8))
    turns = [
        Turn("agent", "您好，请问有什么可以帮您", 0.5, 2.25, datetime(2026, 11, 26, 9, 15, 2, tzinfo=tz), 3, "A7", [(0, 2, 0.5, 0.9)], [(0, 1, "喂", 1.5)]),
        Turn("customer", "在吗"),
    ]
    c = Conversation("c1", "A7", "x.jsonl", turns, started_at=turns[0].timestamp, first_agent_s=0.5, duration_s=12.0)
    back = parallel._unpack_conv(pickle.loads(pickle.dumps(parallel._pack_conv(c))))
    assert back == c and type(back) is Conversation and all(type(t) is Turn for t in back.turns)
    assert back.turns[0].timestamp.tzinfo is not None and back.turns[0].heard == [(0, 1, "喂", 1.5)]
    f = Finding("F02", "forbidden", 0, 2, 5, "不知道", 97.5, "m", "s", "review", 1.0, 2.0, 1, None, "A7")
    g = Greeting(False, "您好", ["company"], 0)
    packed = pickle.loads(pickle.dumps(([parallel._FINDING.pack(f)], [], parallel._GREETING.pack(g), 7.5, ["n"])))
    assert parallel._unpack_checked(packed) == ([f], [], g, 7.5, ["n"])
    c.extra = "not a field"  # anything but its fields: travels as the object itself
    assert parallel._pack_conv(c) is c


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_slices_parsed_apart_give_what_the_stream_gives(tmp_path, size):
    """--jobs workers parse their own slices of a grouped UTF-8 file (stream.slices, parse_slice):
    cut anywhere between conversations, the slices give the same conversations, line numbers and
    problems, in the same order, as conversations() reading the whole file (BOM, CRLF, blank and
    bad lines, a zone mismatch, a conversation spread over many lines)."""

    rows = []
    for c in range(12):
        for k in range(1 + c % 4):
            rows.append(
                json.dumps(
                    {"conversation_id": f"c{c}", "agent_id": "A1", "role": "agent" if k % 2 == 0 else "customer", "text": f"您好{c}-{k}"}, ensure_ascii=False
                )
            )
        if c == 3:
            rows += ["", "{broken", json.dumps({"conversation_id": "c3", "role": "robot", "text": "x"})]
        if c == 5:
            rows.append(json.dumps({"conversation_id": "c5", "role": "agent", "text": "好的", "timestamp": "2026-11-26T09:15:02+08:00"}, ensure_ascii=False))
            rows.append(json.dumps({"conversation_id": "c5", "role": "agent", "text": "嗯", "timestamp": "2026-11-26T09:16:02"}, ensure_ascii=False))
    path = tmp_path / "g.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode("utf-8") + b"\r\n")
    s, whole, whole_errors = streamed(path)
    assert sliceable(s)
    parts, errors = [], []
    cuts = list(slices(s, size))
    for data, before, first in cuts:
        parts += parse_slice(path, data, before, first, Profile(), errors)
    assert len(cuts) > 1 if size < 10 else len(cuts) == 1
    assert shape(parts) == shape(whole)
    assert [(e.line, e.message) for e in errors] == [(e.line, e.message) for e in whole_errors] and len(errors) >= 3


def test_a_conversations_own_notes_stay_in_its_report_not_on_stderr(tmp_path):
    """A call's note on its surname (heard by acoustic verification, or taken as said where the
    script has it) belongs to that call's report; stderr keeps the run's notes."""
    greeting = "您好，阳光物业客服中心，我敬礼，请问有什么可以帮助您？"
    rows = [
        {"conversation_id": "m1", "agent_id": "A", "role": "agent", "text": greeting, "start_s": 0.5, "end_s": 4.0, "heard": [[12, 15, "我姓李", -3.0]]},
        {"conversation_id": "m1", "agent_id": "A", "role": "customer", "text": "我想查一下账单", "start_s": 4.5, "end_s": 6.0},
    ]
    (tmp_path / "t.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    result = _cli(tmp_path / "t.jsonl", "--format", "json")
    (c,) = json.loads(result.stdout)["conversations"]
    assert c["greeting"]["ok"] and any("surname" in n for n in c["notes"])
    assert "note:" not in result.stderr


def test_a_transcripts_guessed_roles_survive_every_reader(tmp_path):
    """`"roles": "inferred"` on a single-channel call's exported messages makes the conversation's
    roles guesses whichever way the file is read: whole, streamed, through the spill, in slices."""
    rows = [
        {"conversation_id": "m1", "agent_id": "A", "role": "agent", "text": "为，哪里？", "start_s": 0.5, "end_s": 1.8, "roles": "inferred"},
        {"conversation_id": "s1", "agent_id": "A", "role": "agent", "text": "您好", "start_s": 0.5, "end_s": 1.8, "roles": "channels"},
        {"conversation_id": "m1", "agent_id": "A", "role": "customer", "text": "我去看一下表", "start_s": 2.5, "end_s": 6.0, "roles": "inferred"},
        {"conversation_id": "c1", "agent_id": "A", "role": "agent", "text": "您好"},
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    want = {"m1": "inferred", "s1": "channels", "c1": "labelled"}
    s, spilled, errors = streamed(path)  # m1 comes back after s1: not grouped, so through the spill
    assert not s.grouped and not errors and {c.conversation_id: c.roles for c in spilled} == want
    assert {c.conversation_id: c.roles for c in read_file(path, Profile()).conversations} == want
    grouped = tmp_path / "g.jsonl"
    grouped.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [rows[0], rows[2], rows[1], rows[3]]) + "\n", encoding="utf-8")
    s, convs, errors = streamed(grouped)
    assert s.grouped and not errors and {c.conversation_id: c.roles for c in convs} == want
    parts = []
    for data, before, first in slices(s, 1):
        parts += parse_slice(grouped, data, before, first, Profile(), errors)
    assert not errors and {c.conversation_id: c.roles for c in parts} == want


def test_an_unknown_roles_value_is_an_error_on_its_line(tmp_path):
    rows = [
        {"conversation_id": "m1", "agent_id": "A", "role": "agent", "text": "您好", "roles": "guessed"},
        {"conversation_id": "m1", "agent_id": "A", "role": "customer", "text": "你好"},
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    loaded = read_file(path, Profile())
    assert [str(e) for e in loaded.errors] == [f"{path}:1: roles 'guessed' is not one of labelled, channels, inferred"]
    assert [len(c.turns) for c in loaded.conversations] == [1]
