"""Probe round 4 (fresh eyes): bad input a user can write, each rerun from the probe that found it.

Each test feeds real inputs through the command line (or the workbench) and holds the project's
standard: one line naming the file (and line where there is one), the documented exit code (2 for
bad input, never 3), the rest of the batch checked, nothing lost or counted twice in silence."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from phrasecheck.cli import main
from reports_helpers import findings_commands, workbench_client, write_day, write_wav

HALF = '{"conversation_id": "h1", "agent_id": "A9", "role": "agent", "text": "\\ud800您好，不知道"}\n'


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_half_character_escape_in_a_chat_export_is_one_bad_line_and_the_rest_is_checked(tmp_path):
    """Probe surr_text: a JSONL line whose text holds the escape \\ud800 (half of a surrogate pair,
    as a broken exporter writes an emoji cut in two) stopped check, report and scan with an internal
    error (exit 3, UnicodeEncodeError): every other conversation of the batch was lost with it."""
    good = write_day(tmp_path / "good.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    chat = tmp_path / "day.jsonl"
    for name, lines in (("grouped", good[:3] + [HALF] + good[3:]), ("interleaved", good[::2] + [HALF] + good[1::2])):
        chat.write_text("".join(lines), encoding="utf-8")
        line = lines.index(HALF) + 1
        for jobs in ("1", "2"):
            result = _run("check", chat, "--format", "json", "--jobs", jobs, "--output", tmp_path / "out.json")
            assert result.exit_code == 2, (name, jobs, result.output)
            doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
            assert sorted(c["conversation_id"] for c in doc["conversations"]) == ["c1", "c2", "c3", "c4"], (name, jobs)
            assert [(e["line"], e["reason"][:12]) for e in doc["errors"]] == [(line, "holds \\ud800")], (name, jobs)
        result = _run("report", chat, "--out", tmp_path / "report", "--no-db")
        assert result.exit_code == 2 and f"{chat}:{line}: holds \\ud800" in result.output, result.output


def test_a_findings_file_holding_a_half_character_is_one_line_in_every_command(report_folder, tmp_path):
    """Probe fj_surr: a findings.json whose turn text holds \\ud800 (hand-edited, or from another
    tool) crashed `report` (exit 3, UnicodeEncodeError) and `import` printed the conversation's every
    turn as Python's repr of the error; kpi and review-mark took it."""
    doc = json.loads((report_folder / "findings.json").read_text(encoding="utf-8"))
    doc["conversations"][0]["turns"][0]["text"] = "\ud800" + doc["conversations"][0]["turns"][0]["text"]
    path = tmp_path / "edited" / "findings.json"
    path.parent.mkdir()
    path.write_text(json.dumps(doc), encoding="utf-8")  # ensure_ascii: written as the escape \ud800
    for name, args in findings_commands(path, tmp_path).items():
        result = _run(*args)
        assert result.exit_code == 2, (name, result.output)
        lines = result.output.strip().splitlines()
        assert f"{path}: broken findings file: holds \\ud800" in lines[0] and len(lines[0]) < 300, (name, result.output)


def test_a_half_character_escape_in_a_profile_or_lexicon_is_its_file_and_line(tmp_path):
    """Probes prof_surr, lx_surr: company: "\\ud800物业" in phrasecheck.yaml (or "喂\\udc00" as a
    lexicon phrase's text) stopped check with an internal error (exit 3, UnicodeEncodeError)."""
    chat = write_day(tmp_path / "day.jsonl")
    profile = tmp_path / "phrasecheck.yaml"
    profile.write_text('weights: {forbidden: 3}\ncompany: "\\ud800物业"\n', encoding="utf-8")
    result = _run("check", chat, "--config", profile)
    assert result.exit_code == 2, result.output
    assert f"{profile}:2: holds \\ud800" in result.output
    lex = tmp_path / "lex"
    assert _run("lexicon", "copy", lex).exit_code == 0
    forbidden = lex / "forbidden.yaml"
    text = forbidden.read_text(encoding="utf-8")
    forbidden.write_text(text.replace("    text: 喂!\n", '    text: "喂\\udc00"\n', 1), encoding="utf-8")
    line = text.splitlines().index("    text: 喂!") + 1
    for args in (("check", chat, "--lexicon", lex), ("lexicon", "check", forbidden)):
        result = _run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert f"{forbidden}:{line}: holds \\udc00" in result.output, (args, result.output)


def _workbench(report_folder: Path, tmp_path: Path):
    pytest.importorskip("starlette")
    pytest.importorskip("httpx")
    db = tmp_path / "web.db"
    return workbench_client(report_folder / "findings.json", db), db


def test_the_check_api_answers_a_half_character_or_a_text_that_is_no_string_with_400(report_folder, tmp_path):
    """Probes chk_lone_surrogate_json, chk_null_text, chk_agent_dict: POST /api/check with
    {"text": "客服:\\ud800不知道"} was a 500 (the server's traceback); {"text": null} was checked as
    the transcript "None", and {"agent": {"a": 1}} charged the agent "{'a': 1}"."""
    client, _ = _workbench(report_folder, tmp_path)
    with client:
        client.get("/")
        headers = {"Content-Type": "application/json", "X-CSRF-Token": client.cookies["pc_csrf"]}
        for body in ('{"text": "客服:\\ud800不知道"}', '{"text": null}', '{"text": ["客服:不知道"]}', '{"text": "客服:不知道", "agent": {"a": 1}}'):
            r = client.post("/api/check", content=body.encode(), headers=headers)
            assert r.status_code == 400 and "error" in r.json(), (body, r.status_code, r.text)
        r = client.post("/api/check", content='{"text": "客服:不知道", "agent": 7}'.encode(), headers=headers)
        assert r.status_code == 200 and r.json()["conversations"][0]["agent_id"] == "7"


def test_a_review_through_the_api_names_its_finding_by_number_only(report_folder, tmp_path):
    """Probes rev_bool, rev_float, rev_note_obj: POST /api/reviews with "finding": true or 1.9 overruled
    finding 1 (int(True), int(1.9)), a finding nobody named; a note or a name given as a list or a
    mapping was stored as its Python repr."""
    client, db = _workbench(report_folder, tmp_path)
    with client:
        client.get("/")
        headers = {"Content-Type": "application/json", "X-CSRF-Token": client.cookies["pc_csrf"]}
        for body in (
            '{"finding": true, "verdict": "false", "by": "QA"}',
            '{"finding": 1.9, "verdict": "false", "by": "QA"}',
            '{"finding": 1, "verdict": "appeal", "note": {"x": 1}, "by": "A1"}',
            '{"finding": 1, "verdict": "false", "by": ["QA"]}',
            '{"finding": 1, "verdict": "false", "by": "Q\\ud800A"}',
        ):
            r = client.post("/api/reviews", content=body.encode(), headers=headers)
            assert r.status_code == 400, (body, r.status_code, r.text)
        from phrasecheck.store.db import Store

        store = Store(db)
        steps = store.db.execute("SELECT COUNT(*) FROM review_events").fetchone()[0]
        store.close()
        assert steps == 0
        r = client.post("/api/reviews", content=b'{"finding": "1", "verdict": "false", "by": "QA"}', headers=headers)
        assert r.status_code == 200 and r.json()["status"] == "false"


def test_a_day_given_twice_to_report_or_kpi_is_counted_once(report_folder, tmp_path):
    """Probes rep_twice, rep_mix: `report findings.json findings.json` (or two report folders of the
    same day, checked with two lexicons) counted every conversation twice: each agent had twice their
    conversations in kpi.csv, findings.json and report.html, exit 0. The same file is now read once
    (a warning, as for a chat export given twice); a conversation in two files (same source file and
    conversation id) is counted once, as the later file has it, and the overlap is an error line."""
    findings = report_folder / "findings.json"
    counted = {a["agent_id"]: a["conversations"] for a in json.loads(findings.read_text(encoding="utf-8"))["kpi"]}
    copy = tmp_path / "again" / "findings.json"
    copy.parent.mkdir()
    copy.write_bytes(findings.read_bytes())
    for given, code, said in (
        (findings, 0, f"warning: {findings}: the same file as {findings}"),
        (copy, 2, f"error: {copy}: 4 conversation(s) are also in {findings}"),
    ):
        out = tmp_path / f"out{code}"
        result = _run("report", findings, given, "--out", out, "--no-db")
        assert result.exit_code == code, result.output
        assert said in result.output, result.output
        doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
        assert {a["agent_id"]: a["conversations"] for a in doc["kpi"]} == counted
        assert len(doc["conversations"]) == 4
        sheet = tmp_path / f"kpi{code}.csv"
        assert _run("kpi", findings, given, "--output", sheet).exit_code == code
        rows = list(csv.reader(sheet.read_text(encoding="utf-8-sig").splitlines()))[1:]
        assert {row[1]: int(row[2]) for row in rows} == counted


def test_days_scored_with_different_fatal_rules_are_not_reported_together_in_silence(tmp_path):
    """Probe rep_def_heavy: `report dayA/findings.json dayB/findings.json`, dayB scored with the
    profile's fatal: [F02], zeroed dayA's F02 conversations too (the union of the fatal rules), exit 0.
    Files scored with different fatal rules are now a usage error unless the profile says which."""
    profile = tmp_path / "phrasecheck.yaml"
    profile.write_text("fatal: [F02]\n", encoding="utf-8")
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run("report", write_day(tmp_path / "dayA.jsonl"), "--out", a, "--no-db").exit_code == 0
    assert _run("report", write_day(tmp_path / "dayB.jsonl"), "--out", b, "--no-db", "--config", profile).exit_code == 0
    before = {c["conversation_id"]: c["attitude_score"] for c in json.loads((a / "findings.json").read_text(encoding="utf-8"))["conversations"]}
    for command in (
        ("report", a / "findings.json", b / "findings.json", "--out", tmp_path / "both", "--no-db"),
        ("kpi", a / "findings.json", b / "findings.json"),
    ):
        result = _run(*command)
        assert result.exit_code == 2, result.output
        assert f"{a / 'findings.json'} and {b / 'findings.json'} were scored with different fatal rules (F11; F02)" in result.output
    assert not (tmp_path / "both").exists()
    result = _run("report", a / "findings.json", b / "findings.json", "--out", tmp_path / "both", "--no-db", "--config", profile)
    assert result.exit_code == 0, result.output  # the profile decides for both
    after = json.loads((tmp_path / "both" / "findings.json").read_text(encoding="utf-8"))
    day_a = [c for c in after["conversations"] if c["source"].endswith("dayA.jsonl")]
    with_f02 = [c["conversation_id"] for c in day_a if any(f["id"] == "F02" for f in c["findings"])]
    assert with_f02 and all(before[c] > 0 for c in with_f02)
    assert all(c["attitude_score"] == 0 for c in day_a if c["conversation_id"] in with_f02)
    assert _run("report", a / "findings.json", "--out", tmp_path / "alone", "--no-db").exit_code == 0  # one file is scored as it was


def test_a_findings_file_is_rescored_with_the_weights_it_was_scored_with(tmp_path):
    """Probe rep_heavy_again: a day reported with --config (weights: {forbidden: 10}) and reported
    again from its findings.json (after a review, from a folder without that profile) was re-scored
    with the default weights: every score and the KPI changed with no review behind them, while the
    workbench re-scores a run with the weights recorded in it. The recorded weights and KPI settings
    now apply unless the profile names its own; files scored with different weights are an error."""
    profile = tmp_path / "heavy.yaml"
    profile.write_text("weights: {forbidden: 10}\nkpi: {skilled_s: 10, normal_s: 20}\n", encoding="utf-8")
    first, again = tmp_path / "first", tmp_path / "again"
    assert _run("report", write_day(tmp_path / "day.jsonl"), "--out", first, "--no-db", "--config", profile).exit_code == 0
    assert _run("report", first / "findings.json", "--out", again, "--no-db").exit_code == 0
    was, now = (json.loads((d / "findings.json").read_text(encoding="utf-8")) for d in (first, again))
    assert [c["attitude_score"] for c in now["conversations"]] == [c["attitude_score"] for c in was["conversations"]]
    assert now["kpi"] == was["kpi"] and now["scoring"] == was["scoring"]
    assert (again / "kpi.csv").read_bytes() == (first / "kpi.csv").read_bytes()
    own = tmp_path / "own.yaml"  # a profile that names its weights re-scores with them
    own.write_text("weights: {forbidden: 1}\n", encoding="utf-8")
    assert _run("report", first / "findings.json", "--out", tmp_path / "own", "--no-db", "--config", own).exit_code == 0
    assert json.loads((tmp_path / "own" / "findings.json").read_text(encoding="utf-8"))["scoring"]["weights"]["forbidden"] == 1
    other = tmp_path / "other"
    assert _run("report", write_day(tmp_path / "day2.jsonl"), "--out", other, "--no-db").exit_code == 0
    result = _run("kpi", first / "findings.json", other / "findings.json")
    assert result.exit_code == 2 and "were scored with different weights (forbidden 10; forbidden 3)" in result.output, result.output
    doc = json.loads((first / "findings.json").read_text(encoding="utf-8"))
    doc["scoring"]["weights"]["forbidden"] = "lots"  # hand-edited: one line, not a crash in the arithmetic
    edited = tmp_path / "edited" / "findings.json"
    edited.parent.mkdir()
    edited.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = _run("kpi", edited)
    assert result.exit_code == 2 and f"{edited}: scoring.weights.forbidden must be a number >= 0, got 'lots'" in result.output


def test_a_manifest_without_the_agent_and_time_columns_is_an_error_not_a_list_of_files(tmp_path):
    """Probe man_badheader: a manifest.csv whose header was file,agent,time was taken as a manifest
    of file names alone: every call was charged to `unknown` with no call time, exit 0, not a word.
    (File,Agent_ID,… already said which columns a manifest needs.)"""
    day = tmp_path / "day"
    day.mkdir()
    write_wav(day / "a.wav", seconds=3.0)  # no speech: a warning, which alone exits 0
    manifest = day / "manifest.csv"
    manifest.write_text("file,agent,time\na.wav,A1,2026-11-26T10:00:00\n", encoding="utf-8")
    result = _run("scan", day, "--out", tmp_path / "report", "--no-db", "--no-cache")
    assert result.exit_code == 2, result.output
    assert (
        f"{manifest}:1: a manifest needs the columns file, agent_id, call_time (conversation_id optional); agent_id, call_time missing (found: file, agent, time)"
        in result.output
    )


def test_eval_names_the_gold_file_and_line_of_a_label_with_no_conversation_on_one_line(tmp_path):
    """Probes ev_missing, ev_half, ev_mismatch: a gold whose transcripts are missing (or from another
    set) said "error: gold: conversation … is labelled but was not found in the" and "inputs" on the
    next line (rich wrapped it at 80 columns), naming neither the gold file nor the label's line."""
    chat = write_day(tmp_path / "day.jsonl")
    gold = tmp_path / "day.gold.jsonl"
    rows = [
        {"conversation_id": "c1", "greeting_ok": True, "forbidden": [], "openers": [], "courtesy": ["C01"]},
        {"conversation_id": "call-without-its-transcript", "greeting_ok": True, "forbidden": ["F02"], "openers": [], "courtesy": []},
    ]
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = _run("eval", gold, chat, "-q")
    assert result.exit_code == 2, result.output
    said = f"error: {gold}:2: conversation call-without-its-transcript is labelled but was not found in the inputs"
    assert said in result.output.splitlines(), result.output


def test_review_mark_refuses_an_appeal_without_a_reason_as_the_workbench_does(report_folder, tmp_path):
    """Probe rm_appeal_nonote: `review-mark --verdict appeal` with no --note wrote an appeal with no
    reason (exit 0), which the workbench refuses (提出申诉要写明理由): the lead had nothing to decide on."""
    folder = tmp_path / "rep"
    folder.mkdir()
    for name in ("findings.json", "review.csv"):
        (folder / name).write_bytes((report_folder / name).read_bytes())
    before = (folder / "review.csv").read_bytes()
    for note in ((), ("--note", "  ")):
        result = _run("review-mark", folder / "findings.json", "--finding", "c2:F02", "--verdict", "申诉", "--by", "A1", *note)
        assert result.exit_code == 2 and "an appeal needs a reason" in result.output, result.output
    assert (folder / "review.csv").read_bytes() == before
    result = _run("review-mark", folder / "findings.json", "--finding", "c2:F02", "--verdict", "appeal", "--by", "A1", "--note", "客户问的是别人")
    assert result.exit_code == 0, result.output


def test_a_warning_is_no_error_in_any_ci_format_when_the_exit_code_is_0(tmp_path):
    """Probe ns_formats: with a recording that holds no speech (a warning: not scored, exit 0), junit
    counted an <error> case (errors="1"), sarif said executionSuccessful false with level error,
    github wrote ::error and "1 input error(s)", and the text summary "1 input error(s)": CI views
    showed a broken run that the exit code called clean. A real input error stays an error."""
    folder = tmp_path / "day"
    folder.mkdir()
    write_wav(folder / "quiet.wav", seconds=3.0)
    (folder / "chat.txt").write_text("# agent: A1\n客服:您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？\n客户:你好\n", encoding="utf-8")
    outputs = {}
    for fmt in ("junit", "sarif", "github", "text", "json"):
        out = tmp_path / f"report.{fmt}"
        result = _run("check", folder, "--format", fmt, "--output", out, "--no-cache", "--fail-on", "none")
        assert result.exit_code == 0, (fmt, result.output)
        outputs[fmt] = out.read_text(encoding="utf-8")
    assert 'errors="0"' in outputs["junit"] and 'skipped="1"' in outputs["junit"] and "<error" not in outputs["junit"]
    invocation = json.loads(outputs["sarif"])["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True and [n["level"] for n in invocation["toolExecutionNotifications"]] == ["warning"]
    assert "::error" not in outputs["github"] and "::warning file=" in outputs["github"] and "0 input error(s), 1 input warning(s)" in outputs["github"]
    assert "input error" not in outputs["text"] and "1 input warning(s)" in outputs["text"]
    assert [e.get("warning") for e in json.loads(outputs["json"])["errors"]] == [True]
    (folder / "bad.jsonl").write_text("{not json\n", encoding="utf-8")  # an error next to the warning
    result = _run("check", folder, "--format", "junit", "--output", tmp_path / "both.xml", "--no-cache")
    assert result.exit_code == 2 and 'errors="1"' in (tmp_path / "both.xml").read_text(encoding="utf-8")
    result = _run("check", folder, "--format", "sarif", "--output", tmp_path / "both.sarif", "--no-cache")
    assert (
        result.exit_code == 2 and json.loads((tmp_path / "both.sarif").read_text(encoding="utf-8"))["runs"][0]["invocations"][0]["executionSuccessful"] is False
    )


def test_a_recording_path_with_no_real_day_is_a_warning_in_the_report_not_only_on_the_terminal(tmp_path):
    """Probe rp_baddate: with recording_path "{agent_id}/{date}/{call_id}_{time}.wav", a recording
    filed under 2026-13-45 was checked without its call time (no time-of-day greeting check) and said
    so only on standard error: findings.json, --format json and the summary held nothing."""
    profile = tmp_path / "phrasecheck.yaml"
    profile.write_text('recording_path: "{agent_id}/{date}/{call_id}_{time}.wav"\n', encoding="utf-8")
    folder = tmp_path / "calls" / "A7" / "2026-13-45"
    folder.mkdir(parents=True)
    wav = write_wav(folder / "c1_101500.wav", seconds=3.0)
    said = "date '2026-13-45' / time '101500' is not a real day and time in the path"
    result = _run("scan", tmp_path / "calls", "--out", tmp_path / "report", "--no-db", "--no-cache", "--config", profile)
    assert result.exit_code == 0, result.output
    errors = json.loads((tmp_path / "report" / "findings.json").read_text(encoding="utf-8"))["errors"]
    assert any(e["path"] == str(wav) and said in e["reason"] and e.get("warning") for e in errors), errors
    result = _run("check", tmp_path / "calls", "--format", "json", "--output", tmp_path / "out.json", "--no-cache", "--config", profile)
    assert result.exit_code == 0, result.output
    assert any(said in e["reason"] for e in json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["errors"])


def test_a_csv_export_with_a_used_column_given_twice_is_one_error_not_half_its_text(tmp_path):
    """Probe odd_duphdr: a CSV export whose header names `text` twice (two message columns, as an
    export that splits long messages writes) was read from the first and the second column dropped
    in silence: 您好 was checked, 不知道 never was, exit 0. A column phrasecheck does not read may
    still repeat."""
    chat = tmp_path / "day.csv"
    chat.write_text("conversation_id,agent_id,role,text,TEXT\nc1,A1,agent,您好,不知道\n", encoding="utf-8")
    for jobs in ("1", "2"):
        result = _run("check", chat, "--jobs", jobs)
        assert result.exit_code == 2, result.output
        assert f"{chat}:1: column 'text' is given twice (columns 4 and 5)" in result.output, result.output
    other = tmp_path / "other.csv"
    other.write_text("conversation_id,agent_id,role,text,备注,备注\nc1,A1,agent,不知道,a,b\n", encoding="utf-8")
    assert _run("check", other).exit_code == 1  # F02 found; the repeated 备注 is not read


def test_a_word_list_that_names_another_list_is_a_lexicon_error(tmp_path):
    """Probe lx_wordsnested: a phrase's words list holding '{@brushoff}' (another list's name) was
    loaded as the literal word @brushoff, which no agent types: the half of the rule it was meant to
    widen matched nothing more, and `lexicon check` said ok."""
    lex = tmp_path / "lex"
    assert _run("lexicon", "copy", lex).exit_code == 0
    forbidden = lex / "forbidden.yaml"
    text = forbidden.read_text(encoding="utf-8")
    assert "      dunno: [不知道," in text
    forbidden.write_text(text.replace("      dunno: [不知道,", "      dunno: ['{@brushoff}', 不知道,", 1), encoding="utf-8")
    for args in (("lexicon", "check", forbidden), ("check", write_day(tmp_path / "day.jsonl"), "--lexicon", lex)):
        result = _run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "F02: words: dunno holds {@brushoff}: a list cannot name another list" in result.output, result.output


def test_an_unknown_status_or_severity_filter_is_refused_not_ignored(report_folder, tmp_path):
    """Probe flt_status: /api/conversations?status=nonsense listed every conversation with findings, as
    if no filter were asked; the page did the same. Now 400 naming the filters there are."""
    client, _ = _workbench(report_folder, tmp_path)
    with client:
        client.get("/")
        for q in ("status=nonsense", "severity=fatal"):
            r = client.get(f"/api/conversations?{q}")
            assert r.status_code == 400 and "unknown" in r.json()["error"], (q, r.text)
            assert client.get(f"/conversations?{q}").status_code == 400
        for q in ("status=open", "status=clean", "status=false", "severity=review", ""):
            assert client.get(f"/api/conversations?{q}").status_code == 200, q
