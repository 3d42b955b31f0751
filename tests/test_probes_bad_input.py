"""Probe round 3: bad input a user can write, each rerun from the probe that found the defect.

Each test feeds real inputs through the command line and holds the project's standard: one line
naming the file (and line where there is one), the documented exit code (2 for bad input, never 3),
the rest of the batch checked, and no finding or error lost in silence."""

from __future__ import annotations

import json
import os
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from phrasecheck.cli import main
from reports_helpers import findings_commands, workbench_client, write_day


def _run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def _edited(report_folder: Path, tmp_path: Path, edit) -> Path:
    doc = json.loads((report_folder / "findings.json").read_text(encoding="utf-8"))
    edit(doc)
    path = tmp_path / "edited" / "findings.json"
    path.parent.mkdir()
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _with_findings(doc: dict) -> dict:
    return next(c for c in doc["conversations"] if c["findings"])


EDITS = {
    "a finding's turn written as text": lambda d: _with_findings(d)["findings"][0].update(turn="3"),
    "a finding's turn past the conversation's turns": lambda d: _with_findings(d)["findings"][0].update(turn=99),
    "findings as a mapping": lambda d: d["conversations"][0].update(findings={"F02": 1}),
    "speech regions that are not pairs": lambda d: d["conversations"][0].update(speech={"agent": [[1]]}),
    "an agent id of null": lambda d: d["conversations"][0].update(agent_id=None),
    "a message that is a number": lambda d: _with_findings(d)["findings"][0].update(message=42),
    "a score of null": lambda d: _with_findings(d)["findings"][0].update(score=None),
}


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_a_hand_edited_findings_file_is_one_line_and_exit_2_in_every_command(report_folder, tmp_path, edit):
    """Probe fj_*: report, kpi and review-mark crashed (exit 3) on a findings.json whose fields had
    the wrong types, and import took what report refused. Now all four name the file and the entry."""
    path = _edited(report_folder, tmp_path, EDITS[edit])
    for name, args in findings_commands(path, tmp_path).items():
        result = _run(*args)
        assert result.exit_code == 2, (name, result.output)
        assert "internal error" not in result.output, (name, result.output)
        assert "broken findings file" in result.output and str(path) in result.output, (name, result.output)


def test_a_findings_file_saved_with_a_bom_is_read_by_report_as_by_import(report_folder, tmp_path):
    """Probe fj_bom: Notepad saves an edited findings.json with a BOM; import read it, report and kpi
    refused it as unreadable."""
    path = tmp_path / "bom" / "findings.json"
    path.parent.mkdir()
    path.write_bytes(b"\xef\xbb\xbf" + (report_folder / "findings.json").read_bytes())
    assert _run("kpi", path).exit_code == 0
    assert _run("report", path, "--out", tmp_path / "out", "--no-db").exit_code == 0
    assert _run("import", path, "--db", tmp_path / "probe.db").exit_code == 0


def test_a_file_name_that_is_not_utf8_is_one_error_and_the_folder_is_still_checked(tmp_path):
    """Probe p17: a chat export whose name holds GBK bytes (copied from a Windows share) stopped
    `check` with an internal error (exit 3) when the report wrote its source; the other files'
    findings were lost with it."""
    folder = tmp_path / "day"
    folder.mkdir()
    good = write_day(folder / "good.jsonl")
    bad = os.path.join(os.fsencode(folder), "坏".encode("gbk") + b".jsonl")
    with open(bad, "wb") as f:
        f.write(good.read_bytes())
    result = _run("check", folder, "--format", "json", "--output", tmp_path / "out.json")
    assert result.exit_code == 2, result.output
    doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert {c["source"] for c in doc["conversations"]} == {str(good)}
    assert [e["path"] for e in doc["errors"]] == [str(folder / "\\xbb\\xb5.jsonl")]
    assert "not valid UTF-8" in doc["errors"][0]["reason"]
    assert "internal error" not in result.output


def test_check_format_csv_on_standard_output_names_a_bad_line(tmp_path):
    """Probe fmt_csv_stdout: `check --format csv` to standard output exited 2 for a bad line and said
    nowhere which: a CSV row is a finding, and errors went to standard error only with --output."""
    chat = write_day(tmp_path / "day.jsonl")
    chat.write_text(chat.read_text(encoding="utf-8") + '{"conversation_id": "c9", "text": \n', encoding="utf-8")
    lines = len(chat.read_text(encoding="utf-8").splitlines())
    result = CliRunner().invoke(main, ["check", str(chat), "--format", "csv"])
    assert result.exit_code == 2
    assert result.stdout.startswith("source,conversation_id")
    assert f"{chat}:{lines}: not valid JSON" in result.stderr


def test_the_workbench_answers_numbers_past_sqlites_range_with_404_and_400_not_500(report_folder, tmp_path):
    """Probe web: /c/<20 digits>, /audio/<20 digits>, ?page=<20 digits> and a review of finding 1e999
    or of a 20-digit id were answered 500 (SQLite's OverflowError, int(inf)): a mistyped link is a 404,
    a bad request a 400."""
    pytest.importorskip("starlette")
    pytest.importorskip("httpx")
    huge = "9" * 23
    with workbench_client(report_folder / "findings.json", tmp_path / "web.db") as client:
        client.get("/")  # the CSRF cookie
        headers = {"Content-Type": "application/json", "X-CSRF-Token": client.cookies["pc_csrf"]}
        assert client.get(f"/c/{huge}").status_code == 404
        assert client.get(f"/audio/{huge}").status_code == 404
        assert client.get(f"/conversations?page={huge}").status_code == 200
        assert client.get(f"/api/conversations?page={huge}").json()["conversations"] == []
        for finding in ("1e999", huge):
            r = client.post("/api/reviews", content=f'{{"finding": {finding}, "verdict": "false", "by": "QA"}}', headers=headers)
            assert r.status_code == 400, (finding, r.text)
        form = {"csrf": client.cookies["pc_csrf"], "finding": huge, "verdict": "false", "by": "QA"}
        assert client.post(f"/c/{huge}/review", data=form).status_code == 400


def test_lexicon_check_reports_a_rule_id_defined_twice_as_loading_the_lexicon_does(tmp_path):
    """Probe lexcheck_dupid: a copied lexicon with C01 written twice (or once in two files) passed
    `lexicon check` (exit 0, every file ok), while check, report and scan refused to load it."""
    lex = tmp_path / "lex"
    assert _run("lexicon", "copy", lex).exit_code == 0
    courtesy = lex / "courtesy.yaml"
    text = courtesy.read_text(encoding="utf-8")
    courtesy.write_text(text.replace("id: C02", "id: C01", 1), encoding="utf-8")
    line = text.splitlines().index("  - id: C02") + 1  # where the second C01 now stands
    files = sorted(lex.glob("*.yaml"))
    result = _run("lexicon", "check", *files)
    assert result.exit_code == 2, result.output
    assert f"{courtesy}:{line}: C01 is defined twice" in result.output
    assert _run("check", write_day(tmp_path / "day.jsonl"), "--lexicon", lex).exit_code == 2  # what loading the lexicon says
    # the same id in two lexicon folders is two lexicons, not a duplicate
    assert _run("lexicon", "copy", tmp_path / "other").exit_code == 0
    other = sorted((tmp_path / "other").glob("*.yaml"))
    assert _run("lexicon", "check", *other, *[f for f in files if f != courtesy]).exit_code == 0


def test_a_select_or_ignore_entry_that_names_no_rule_is_a_usage_error(tmp_path):
    """Probes opt_select, prof_select_unknown, opt_selign: --select F2O (a typo), `select: [Z9]` in the
    profile, or --select F02 --ignore F02 switched every rule off and passed with exit 0 on a chat
    with a forbidden phrase: CI read a typo as a clean day."""
    chat = write_day(tmp_path / "day.jsonl")
    assert _run("check", chat).exit_code == 1  # the day holds forbidden phrases
    for args in (["--select", "F2O"], ["--ignore", "F02,X"], ["--select", "F02", "--ignore", "F02"]):
        result = _run("check", chat, *args)
        assert result.exit_code == 2, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
    profile = tmp_path / "phrasecheck.yaml"
    profile.write_text("select: [Z9]\n", encoding="utf-8")
    result = _run("check", chat, "--config", profile)
    assert result.exit_code == 2 and f"{profile}: select: Z9: no rule id starts with it" in result.output
    assert _run("check", chat, "--select", "F,O01", "--ignore", "B").exit_code == 1  # prefixes that name rules still work


def test_a_setting_given_twice_is_reported_with_its_line_not_silently_overwritten(tmp_path):
    """Probe prof_dupkey: `company:` written twice in phrasecheck.yaml (or `text:` twice in a
    lexicon phrase) kept the last value without a word, so the greeting was checked against a
    company the QA lead thought they had replaced."""
    chat = write_day(tmp_path / "day.jsonl")
    profile = tmp_path / "phrasecheck.yaml"
    profile.write_text("company: 阳光物业\nweights: {forbidden: 3}\ncompany: 月亮物业\n", encoding="utf-8")
    result = _run("check", chat, "--config", profile)
    assert result.exit_code == 2
    assert f"{profile}:3:" in result.output and "'company' is given twice" in result.output and "line 1" in result.output
    lex = tmp_path / "lex"
    assert _run("lexicon", "copy", lex).exit_code == 0
    forbidden = lex / "forbidden.yaml"
    forbidden.write_text(forbidden.read_text(encoding="utf-8").replace("    text: 喂!\n", "    text: 喂!\n    text: 喂喂喂\n", 1), encoding="utf-8")
    result = _run("lexicon", "check", forbidden)
    assert result.exit_code == 2 and "'text' is given twice" in result.output
    assert _run("check", chat, "--lexicon", lex).exit_code == 2


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("roles: {agnet: [话务员]}", "roles: unknown role 'agnet'"),
        ("recording_path: [a, b]", "recording_path must be one pattern"),
        ("behaviour: {rate_min_syllables: 0.4}", "behaviour.rate_min_syllables must be a whole number"),
    ],
)
def test_a_profile_setting_of_the_wrong_shape_is_one_line_not_ignored(tmp_path, setting, said):
    """Probes prof_roles_typo, prof_rp_list, prof_beh_frac: roles: {agnet: …} was ignored (the labels
    never applied), a list as recording_path was matched as the text "['a', 'b']", and
    rate_min_syllables 0.4 became 0; each passed with exit 0."""
    profile = tmp_path / "phrasecheck.yaml"
    profile.write_text(setting + "\n", encoding="utf-8")
    result = _run("check", write_day(tmp_path / "day.jsonl"), "--config", profile)
    assert result.exit_code == 2, result.output
    assert f"{profile}:1: {said}" in result.output


def test_cache_info_and_clear_on_a_cache_folder_that_is_a_file_say_so(tmp_path, monkeypatch):
    """Probe cache_file: with PHRASECHECK_CACHE_DIR naming a file, `cache info` printed "0 transcript(s)"
    and `cache clear` "removed 0", both exit 0, while scan could not use the cache at all."""
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("x", encoding="utf-8")
    monkeypatch.setenv("PHRASECHECK_CACHE_DIR", str(not_a_folder))
    for command in ("info", "clear"):
        result = _run("cache", command)
        assert result.exit_code == 2, result.output
        assert f"{not_a_folder}: the cache folder is a file" in result.output
    monkeypatch.setenv("PHRASECHECK_CACHE_DIR", str(tmp_path / "fresh"))
    assert _run("cache", "info").exit_code == 0  # no cache yet is still an empty one


def test_an_id_that_is_a_list_or_a_mapping_is_a_bad_line_not_an_agent_named_by_its_repr(tmp_path):
    """Probe p04: "conversation_id": ["t2"] and "agent_id": {"id": 1} were taken as the conversation
    ['t2'] of the agent {'id': 1} (Python's repr), and that agent was charged with their F02."""
    chat = write_day(tmp_path / "day.jsonl")
    odd = [
        {"conversation_id": ["t2"], "agent_id": "A1", "role": "agent", "text": "不知道"},
        {"conversation_id": "t3", "agent_id": {"id": 1}, "role": "agent", "text": "不知道"},
        {"conversation_id": 10, "agent_id": 7, "role": "agent", "text": "不知道"},  # numbers are ids
    ]
    with chat.open("a", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in odd)
    first = len(chat.read_text(encoding="utf-8").splitlines()) - 2
    for jobs in ("1", "2"):
        result = _run("check", chat, "--format", "json", "--jobs", jobs, "--output", tmp_path / "out.json")
        assert result.exit_code == 2
        doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
        assert {a["agent_id"] for a in doc["agents"]} == {"A1", "B2", "7"}
        assert [(e["line"], e["reason"].split(" must")[0]) for e in doc["errors"]] == [(first, "conversation_id"), (first + 1, "agent_id")]


def test_a_transcript_time_with_99_minutes_is_reported_not_read_as_days(tmp_path):
    """Probe p15: [99:99:99] was read as 362,439 seconds, a clock time four days on, and the call's
    turns were dated 1900-01-05 in every report, with no word. [75:10] (75 minutes into a long
    recording) stays a time."""
    bad = tmp_path / "bad.txt"
    bad.write_text("# agent: A1\n[00:00:01] 客服:您好\n[99:99:99] 客服:不知道\n", encoding="utf-8")
    result = _run("check", bad)
    assert result.exit_code == 2
    assert f"{bad}:3: [99:99:99] is not a time" in result.output
    long_call = tmp_path / "long.txt"
    long_call.write_text("# agent: A1\n[75:10] 客服:您好\n[75:20] 客户:你好\n", encoding="utf-8")
    assert _run("check", long_call).exit_code == 0


def test_one_gbk_line_in_a_utf8_export_is_reported_and_the_other_lines_checked(tmp_path):
    """Probe p09: a UTF-8 export with one line pasted in from a GBK one was refused whole ("unknown
    text encoding", no line named): every conversation in it went unchecked. Now that line is
    FILE:LINE and the others are checked, with one worker or several, grouped or interleaved."""
    good = write_day(tmp_path / "good.jsonl").read_bytes().splitlines(keepends=True)
    pasted = json.dumps({"conversation_id": "c9", "agent_id": "A1", "role": "agent", "text": "不知道"}, ensure_ascii=False) + "\n"
    mixed = tmp_path / "mixed.jsonl"
    for name, lines in (("grouped", good), ("interleaved", good[::2] + good[1::2])):
        mixed.write_bytes(b"".join(lines[:5]) + pasted.encode("gbk") + b"".join(lines[5:]))
        for jobs in ("1", "2"):
            result = _run("check", mixed, "--format", "json", "--jobs", jobs, "--output", tmp_path / "out.json")
            assert result.exit_code == 2, (name, jobs, result.output)
            doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
            assert sorted(c["conversation_id"] for c in doc["conversations"]) == ["c1", "c2", "c3", "c4"], (name, jobs)
            assert [(e["line"], e["reason"][:26]) for e in doc["errors"]] == [(6, "this line is not UTF-8, wh")], (name, jobs)
    utf16 = tmp_path / "utf16.jsonl"  # a file in another encoding throughout is still one error
    utf16.write_bytes(b"".join(good).decode("utf-8").encode("utf-16"))
    result = _run("check", utf16)
    assert result.exit_code == 2 and f"{utf16}: unknown text encoding" in result.output


def test_eval_reports_a_gold_label_that_names_no_rule_of_its_kind(tmp_path):
    """Probe x_eval_gold_unknown: a gold label with forbidden: [F99] (a typo, or a rule of another
    lexicon) or an opener's id under forbidden was scored as a miss of the checker's, exit 0, with
    no word that the label can never be met."""
    chat = write_day(tmp_path / "day.jsonl")
    gold = tmp_path / "day.gold.jsonl"
    rows = [
        {"conversation_id": "c1", "greeting_ok": True, "forbidden": [], "openers": [], "courtesy": ["C01"]},
        {"conversation_id": "c2", "greeting_ok": True, "forbidden": ["F99"], "openers": [], "courtesy": []},
        {"conversation_id": "c3", "greeting_ok": False, "forbidden": ["O01"], "openers": [], "courtesy": []},
    ]
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = _run("eval", gold, chat, "-q")
    assert result.exit_code == 2, result.output
    out = " ".join(result.output.split())
    assert f"{gold}:2: c2: forbidden F99 names no forbidden rule" in out
    assert f"{gold}:3: c3: forbidden O01 names no forbidden rule" in out


def test_check_refuses_an_output_that_is_one_of_its_inputs(tmp_path):
    """Probe x_same_output: `check day.jsonl -o day.jsonl` emptied the export before reading it and
    said "no conversation in this file" (the day's chats were gone); `check day/ -o day/report.csv`
    read its own half-written report as a chat export (missing column role), exit 2 either way."""
    (tmp_path / "day").mkdir()
    chat = write_day(tmp_path / "day" / "day.jsonl")
    before = chat.read_bytes()
    for output, given in ((chat, chat), (tmp_path / "day" / "report.csv", tmp_path / "day")):
        result = _run("check", given, "--format", "csv", "--output", output)
        assert result.exit_code == 2, result.output
        assert f"--output {output}" in result.output and len(result.output.strip().splitlines()) == 1
        assert chat.read_bytes() == before
        assert sorted(p.name for p in (tmp_path / "day").iterdir()) == ["day.jsonl"]
    assert _run("check", tmp_path / "day", "--format", "json", "--output", tmp_path / "day" / "report.json").exit_code == 1  # .json is no input


def test_kpi_and_transcribe_refuse_to_write_over_their_input(tmp_path):
    """Probes x_kpi_over_input, x_transcribe_over_rec: `kpi day.csv --output day.csv` replaced the chat
    export with the KPI sheet, and `transcribe call.wav --output call.wav` the recording with its
    transcript, both with exit 0."""
    chat = tmp_path / "day.csv"
    chat.write_text("conversation_id,agent_id,role,text\nc1,A1,agent,不知道\n", encoding="utf-8")
    recording = tmp_path / "call.wav"
    with wave.open(str(recording), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 8000)
    for args, kept in ((("kpi", chat, "--output", chat), chat), (("transcribe", recording, "--output", recording), recording)):
        before = kept.read_bytes()
        result = _run(*args)
        assert result.exit_code == 2, result.output
        assert f"--output {kept} is the input" in result.output
        assert kept.read_bytes() == before


def test_a_report_folder_under_the_inputs_is_not_read_as_chat_exports(tmp_path):
    """Probe x_report_into_inputs: `report exports/ --out exports/report` (and `scan .`, whose default
    folder ./phrasecheck-report-DATE lies under .) worked once; the next run read the folder's
    calls.csv, kpi.csv and review.csv as chat exports (missing columns), exit 2."""
    exports = tmp_path / "exports"
    exports.mkdir()
    write_day(exports / "day.jsonl")
    out = exports / "report"
    first = _run("report", exports, "--out", out, "--no-db")
    assert first.exit_code == 0, first.output
    again = _run("report", exports, "--out", out, "--no-db")
    assert again.exit_code == 0, again.output
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert sorted(c["conversation_id"] for c in doc["conversations"]) == ["c1", "c2", "c3", "c4"] and doc["errors"] == []
