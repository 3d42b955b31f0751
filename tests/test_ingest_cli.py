"""Inputs, error messages and exit codes, through the real command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from phrasecheck.cli import main

GREETING = "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"


def jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def msg(cid, role, text, agent="A1", ts=None):
    row = {"conversation_id": cid, "agent_id": agent, "role": role, "text": text}
    if ts:
        row["timestamp"] = ts
    return row


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def clean(tmp_path):
    return jsonl(tmp_path / "clean.jsonl", [msg("c1", "agent", GREETING), msg("c1", "customer", "谢谢"), msg("c1", "agent", "不客气，再见")])


@pytest.fixture
def rude(tmp_path):
    return jsonl(
        tmp_path / "rude.jsonl", [msg("r1", "agent", GREETING, "A2"), msg("r1", "customer", "电梯坏了", "A2"), msg("r1", "agent", "急什么，烦死人了", "A2")]
    )


def test_clean_file_exits_0(clean):
    result = run("check", clean)
    assert result.exit_code == 0, result.output
    assert "0 finding(s)" in result.output


def test_forbidden_exits_1_and_shows_the_line(rude):
    result = run("check", rude, "--no-color")
    assert result.exit_code == 1
    assert "F04" in result.output and "急什么，烦死人了" in result.output and "say instead" in result.output


def test_fail_on_controls_exit(rude, tmp_path):
    assert run("check", rude, "--fail-on", "greeting").exit_code == 0
    assert run("check", rude, "--fail-on", "none").exit_code == 0
    no_greeting = jsonl(tmp_path / "g.jsonl", [msg("g1", "agent", "你好，有事吗")])
    assert run("check", no_greeting).exit_code == 0
    assert run("check", no_greeting, "--fail-on", "greeting").exit_code == 1
    assert run("check", no_greeting, "--fail-on", "courtesy").exit_code == 1
    assert run("check", rude, "--fail-on", "bogus").exit_code == 2


def test_json_schema(rude, clean):
    result = run("check", rude, clean, "--format", "json")
    doc = json.loads(result.output)
    assert doc["schema_version"] == 1
    by_id = {c["conversation_id"]: c for c in doc["conversations"]}
    r1 = by_id["r1"]
    assert r1["agent_id"] == "A2" and r1["source"].endswith("rude.jsonl")
    assert r1["greeting"]["ok"] is True
    f = next(f for f in r1["findings"] if f["id"] == "F04")
    assert {"id", "kind", "turn", "start_char", "end_char", "text", "score", "start_s", "end_s"} <= set(f)
    assert f["kind"] == "forbidden" and f["turn"] == 2 and f["text"] == "急什么，烦死人了"
    assert "C01" in r1["courtesy_used"] and 0 <= r1["attitude_score"] <= 10
    agents = {a["agent_id"]: a for a in doc["agents"]}
    assert agents["A1"]["band"] == "优秀" and agents["A2"]["conversations"] == 1


def test_csv_format_and_output_file(rude, tmp_path):
    out = tmp_path / "out.csv"
    assert run("check", rude, "--format", "csv", "--output", out).exit_code == 1
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("source,conversation_id") and any(",F04,forbidden," in line for line in lines[1:])


def test_bad_jsonl_line_is_reported_and_rest_checked(tmp_path, rude):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps(msg("b1", "agent", GREETING), ensure_ascii=False) + "\n{not json\n" + json.dumps(msg("b1", "robot", "x")) + "\n", encoding="utf-8"
    )
    result = run("check", bad, rude, "--format", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert {c["conversation_id"] for c in doc["conversations"]} == {"b1", "r1"}
    reasons = {(e["line"], e["reason"].split(":")[0]) for e in doc["errors"]}
    assert (2, "not valid JSON") in reasons and any(line == 3 and "unknown role" in r for line, r in reasons)
    assert "Traceback" not in result.output


def test_gbk_csv_and_bom_csv(tmp_path):
    rows = 'conversation_id,agent_id,role,text,timestamp\nk1,A3,客服,"您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？",2026-11-26T19:00:00+08:00\nk1,A3,客户,"停电了, 快来",\nk1,A3,客服,有本事你去告,\n'
    (tmp_path / "gbk.csv").write_bytes(rows.encode("gbk"))
    (tmp_path / "bom.csv").write_bytes(rows.replace("k1", "k2").encode("utf-8-sig"))
    doc = json.loads(run("check", tmp_path, "--format", "json").stdout)
    convs = {c["conversation_id"]: c for c in doc["conversations"]}
    assert set(convs) == {"k1", "k2"} and not doc["errors"]
    for c in convs.values():
        assert [f["id"] for f in c["findings"] if f["kind"] == "forbidden"] == ["F11"]
        assert c["attitude_score"] == 0  # F11 is fatal by default
        assert c["turns"][1]["text"] == "停电了, 快来"


def test_csv_missing_columns_and_mapping(tmp_path):
    f = tmp_path / "export.csv"
    f.write_text("会话,客服,说话人,话术\nx1,A1,客服,您好\n", encoding="utf-8")
    result = run("check", f)
    assert result.exit_code == 2
    assert "export.csv:1: missing column(s) conversation_id, role, text" in result.output
    profile = tmp_path / "phrasecheck.yaml"
    profile.write_text("columns:\n  conversation_id: 会话\n  agent_id: 客服\n  role: 说话人\n  text: 话术\n", encoding="utf-8")
    ok = run("check", f, "--config", profile, "--format", "json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["conversations"][0]["agent_id"] == "A1"


def test_unknown_encoding_and_missing_path(tmp_path, clean):
    f = tmp_path / "latin.csv"
    f.write_bytes(b"\xff\xfe\x00\x81\x30\x81\xff\xff")
    result = run("check", f, tmp_path / "nope.jsonl", clean)
    assert result.exit_code == 2
    assert "latin.csv: unknown text encoding" in result.output
    assert "nope.jsonl: no such file or folder" in result.output
    assert "1 conversation(s)" in result.output  # the good file was still checked


def test_txt_transcript(tmp_path):
    f = tmp_path / "call-0412.txt"
    f.write_text(
        "# agent: A1003\n[00:00:01] 客服:喂，哪里？\n[00:00:04] 客户:我是3栋的业主\n[00:00:07] 坐席:讲了半天，你还没听懂？\n  我说了明天来修\n",
        encoding="utf-8",
    )
    doc = json.loads(run("check", f, "--format", "json").stdout)
    (c,) = doc["conversations"]
    assert c["agent_id"] == "A1003" and c["conversation_id"] == "call-0412"
    found = {(x["id"], x["start_s"]) for x in c["findings"]}
    assert ("O01", 1.0) in found and ("F13", 7.0) in found
    assert c["turns"][2]["text"].endswith("我说了明天来修")
    assert run("check", f, "--agent", "B7", "--format", "json").stdout.count('"agent_id": "B7"') >= 1


def test_a_call_transcripts_guessed_roles_are_judged_as_guesses(tmp_path):
    """A 喂 spelt alone (为) in a later turn of a call that opened so is F01 when the channels say the
    agent spoke it; on a single-channel call (`roles: inferred`) whose turn it is is a guess: no F01."""
    rows = [
        {"conversation_id": "m1", "agent_id": "A1", "role": "agent", "text": "为，哪里？", "start_s": 0.5, "end_s": 1.8},
        {"conversation_id": "m1", "agent_id": "A1", "role": "customer", "text": "我家燃气灶打不着火了，我去看一下表。", "start_s": 2.5, "end_s": 6.0},
        {"conversation_id": "m1", "agent_id": "A1", "role": "agent", "text": "为，还在不在？", "start_s": 25.0, "end_s": 26.5},
    ]

    def ids(path):
        return [x["id"] for x in json.loads(run("check", path, "--format", "json").stdout)["conversations"][0]["findings"] if x["id"][0] in "FO"]

    assert ids(jsonl(tmp_path / "channels.jsonl", [r | {"roles": "channels"} for r in rows])) == ["O01", "O03", "F01"]
    assert ids(jsonl(tmp_path / "mono.jsonl", [r | {"roles": "inferred"} for r in rows])) == ["O01", "O03"]


def test_txt_without_roles_is_an_error(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("just some notes\n", encoding="utf-8")
    result = run("check", f)
    assert result.exit_code == 2 and "notes.txt:1: expected '客服:…'" in result.output


def test_folder_lists_files_it_did_not_read(tmp_path, clean):
    (tmp_path / "README.md").write_text("hi", encoding="utf-8")
    (tmp_path / "x.gold.jsonl").write_text("{}", encoding="utf-8")
    result = run("check", tmp_path)
    assert result.exit_code == 0
    assert "2 file(s) under the folders are not inputs" in result.output


def test_a_named_file_is_read_where_a_folder_walk_leaves_it_out(tmp_path, rude):
    script = tmp_path / "calls.script.jsonl"
    script.write_bytes(rude.read_bytes())
    assert run("check", script).exit_code == 1  # a synthetic call's script is a chat export: checked
    gold = tmp_path / "x.gold.jsonl"
    gold.write_text("{}", encoding="utf-8")
    result = run("check", gold)
    assert result.exit_code == 2 and "x.gold.jsonl: eval labels, not conversations" in result.output
    manifest = tmp_path / "manifest.csv"  # the recordings' manifest is a .csv, but no chat export
    manifest.write_text("file,agent_id,call_time\n", encoding="utf-8")
    result = run("check", manifest)
    assert result.exit_code == 2 and "manifest.csv: the recordings' manifest" in result.output and "not a known input type" not in result.output


def test_select_and_ignore(rude):
    assert run("check", rude, "--ignore", "F04").exit_code == 0
    assert run("check", rude, "--select", "O").exit_code == 0
    assert run("check", rude, "--select", "F0").exit_code == 1


def test_lexicon_show_and_check(tmp_path):
    shown = run("lexicon", "show")
    assert shown.exit_code == 0 and "F11" in shown.output and "G01" in shown.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: forbidden\nphrases:\n  - id: F01\n    text: 喂\n  - id: X9\n    text: 哼\n", encoding="utf-8")
    result = run("lexicon", "check", bad)
    assert result.exit_code == 2 and "bad.yaml:5: id must look like F01" in result.output
    typo = tmp_path / "typo.yaml"
    typo.write_text("kind: courtesy\nphrases:\n  - id: C01\n    text: 你好\n    threshhold: 90\n", encoding="utf-8")
    assert "typo.yaml:3: unknown key 'threshhold'" in run("lexicon", "check", typo).output
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: courtesy\nphrases:\n  - id: C01\n    text: [unclosed\n", encoding="utf-8")
    out = run("lexicon", "check", broken).output
    assert "broken.yaml:" in out and "invalid YAML" in out and "Traceback" not in out


def test_bad_profile_is_one_line(tmp_path, clean):
    profile = tmp_path / "phrasecheck.yaml"
    profile.write_text("company: 阳光物业\nweights:\n  forbiden: 3\n", encoding="utf-8")
    result = run("check", clean, "--config", profile)
    assert result.exit_code == 2
    assert "phrasecheck.yaml:3: weights: unknown weight 'forbiden'" in result.output
    assert "Traceback" not in result.output


def test_profile_thresholds_and_fatal(tmp_path, rude):
    profile = tmp_path / "phrasecheck.yaml"
    profile.write_text("fatal: [F04]\n", encoding="utf-8")
    doc = json.loads(run("check", rude, "--config", profile, "--format", "json").stdout)
    assert doc["conversations"][0]["attitude_score"] == 0


def test_the_rules_frozen_for_a_command_go_back_to_the_collector_when_it_ends(rude, tmp_path, monkeypatch):
    """build_rules freezes the rules out of the collector's passes for the command's life; a process
    that runs many commands (these tests, a notebook) must not keep them, or their garbage, frozen."""
    import gc

    from phrasecheck.engine.checker import Checker

    seen = []
    check = Checker.check
    monkeypatch.setattr(Checker, "check", lambda self, *a, **k: seen.append(gc.get_freeze_count()) or check(self, *a, **k))
    assert run("check", rude).exit_code == 1
    assert seen and min(seen) > 100_000  # the rules' objects, frozen while the conversations are checked
    assert gc.get_freeze_count() == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    assert run("check", bad).exit_code == 2 and gc.get_freeze_count() == 0
