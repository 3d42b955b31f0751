"""`phrasecheck scan` and `check` on real recordings: transcription, timed findings, bad files, cache."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner

from helpers import REPO
from phrasecheck.cli import main

CALLS = REPO / "samples" / "calls"


@pytest.mark.slow
def test_scan_day_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PHRASECHECK_CACHE_DIR", str(tmp_path / "cache"))
    day = tmp_path / "day"
    day.mkdir()
    shutil.copy(CALLS / "call_forbidden.wav", day / "rec1.wav")
    (day / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    (day / "manifest.csv").write_text("file,agent_id,call_time,conversation_id\nrec1.wav,A003,2026-11-26T15:30:00+08:00,call-77\n", encoding="utf-8")
    out = tmp_path / "report"
    runner = CliRunner()
    first = runner.invoke(main, ["scan", str(day), "--out", str(out)])
    assert first.exit_code == 2, first.output  # the broken file failed, the rest was checked
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    (conv,) = doc["conversations"]
    assert conv["conversation_id"] == "call-77" and conv["agent_id"] == "A003" and conv["roles"] == "channels"
    f11 = next(f for f in conv["findings"] if f["id"] == "F11")
    assert 15.0 < f11["start_s"] < 20.0  # said at 17.6 s in the script
    assert any(e["path"].endswith("broken.wav") and e["reason"] for e in doc["errors"])
    assert {"report.html", "kpi.xlsx", "kpi.csv"} <= {p.name for p in out.iterdir()}
    # calls.csv: one row per call, one per failed file with its reason
    rows = list(csv.DictReader(io.StringIO((out / "calls.csv").read_text(encoding="utf-8-sig"))))
    call = next(r for r in rows if r["会话 conversation_id"] == "call-77")
    assert (call["坐席 agent_id"], call["角色来源 roles"], call["问候合规 greeting_ok"]) == ("A003", "channels", "否")
    # F11 (有本事你去告) always; F04 too where the recognizer's garble of 急什么，烦死人了 (即什么,反此言伦) is one the
    # n-gram model hears: the agent said both, and the same agent's F11 lets the model's finding count
    assert call["忌语 forbidden"] in ("F11", "F04 F11")
    assert call["开始时间 started_at"].startswith("2026-11-26T15:30:00") and 0 <= float(call["客服首次开口秒 first_agent_s"]) < 1.0
    broken = next(r for r in rows if r["来源文件 source"].endswith("broken.wav"))
    assert broken["错误 error"] and not broken["会话 conversation_id"]
    assert "broken.wav" in first.output
    info = runner.invoke(main, ["cache", "info"])
    assert "1 transcript(s)" in info.output
    assert "jieba-" in info.output and "whisper-base" in info.output  # the cache folder's other tenants
    # a re-run after a lexicon change reads the cache: the transcript is identical
    again = runner.invoke(main, ["check", str(day / "rec1.wav"), "--format", "json", "--manifest", str(day / "manifest.csv"), "--ignore", "F11"])
    conv2 = json.loads(again.stdout)["conversations"][0]
    assert conv2["turns"] == conv["turns"] and not any(f["id"] == "F11" for f in conv2["findings"])
    assert "1 transcript(s)" in runner.invoke(main, ["cache", "info"]).output
    assert "removed 1" in runner.invoke(main, ["cache", "clear"]).output


@pytest.mark.slow
def test_transcribe_json(tmp_path, monkeypatch):
    monkeypatch.setenv("PHRASECHECK_CACHE_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(main, ["transcribe", str(CALLS / "call_mono.wav"), "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    (doc,) = json.loads(result.stdout)
    assert doc["roles"] == "inferred" and doc["turns"][0]["role"] == "agent"
    assert all(t["start_s"] is not None for t in doc["turns"])


def test_cuda_without_a_usable_gpu_is_one_line_with_the_fix():
    import ctranslate2
    import pytest

    if ctranslate2.get_cuda_device_count() > 0:
        pytest.skip("this machine has a CUDA device")
    result = CliRunner().invoke(main, ["transcribe", str(CALLS / "call_nogreet.wav"), "--device", "cuda", "--no-cache"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("phrasecheck: ") and "--device cpu" in line and "cublas" in line


def test_default_jobs_follow_the_cores_up_to_four_and_one_on_a_gpu(monkeypatch):
    from phrasecheck.calls import batch as callscli

    for cores, want in ((1, 1), (2, 2), (16, 4), (None, 1)):
        monkeypatch.setattr(callscli.os, "cpu_count", lambda c=cores: c)
        assert callscli.default_jobs("cpu") == want
    assert callscli.default_jobs("cuda") == 1
