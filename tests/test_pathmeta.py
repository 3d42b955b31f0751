"""Agent, call id and call time from a recording's path (profile `recording_path`)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import REPO
from phrasecheck.cli import main
from phrasecheck.config.profile import load_profile
from phrasecheck.config.recording_path import compile_pattern
from phrasecheck.errors import ConfigError


def test_fields_from_the_last_path_segments():
    p = compile_pattern("{agent_id}/{date}/{call_id}_{time}.wav")
    meta, problem = p.meta(Path("/data/recordings/A1001/2026-11-26/c0042_101500.wav"))
    assert problem is None
    assert meta == {"agent_id": "A1001", "conversation_id": "c0042", "started_at": datetime(2026, 11, 26, 10, 15)}
    for unfit in ("A1001/c0042_101500.wav", "/x/A1001/2026-11-26/c0042.mp3"):  # too few segments; the pattern names .wav
        found, problem = p.meta(Path(unfit))
        assert found == {} and problem == f"{unfit}: the path does not fit recording_path {p.text!r}; its agent and call time are unknown"


def test_no_extension_accepts_any_and_datetime_and_wildcards():
    p = compile_pattern("{any}_{agent_id}/{datetime}-{call_id}")
    meta, _ = p.meta(Path("/calls/team3_A7/20261126194501-77.MP3"))
    assert meta == {"agent_id": "A7", "conversation_id": "77", "started_at": datetime(2026, 11, 26, 19, 45, 1)}
    star = compile_pattern("*/{agent_id}/*.wav")
    assert star.meta(Path("day/A9/whatever.wav"))[0] == {"agent_id": "A9"}


def test_a_day_alone_gives_no_call_time_and_a_bad_date_is_a_warning():
    assert compile_pattern("{agent_id}/{date}/{call_id}.wav").meta(Path("A1/20261126/c1.wav"))[0] == {"agent_id": "A1", "conversation_id": "c1"}
    meta, problem = compile_pattern("{agent_id}/{date}/{call_id}_{time}.wav").meta(Path("A1/2026-13-40/c1_101500.wav"))
    assert meta == {"agent_id": "A1", "conversation_id": "c1"}
    assert "2026-13-40" in problem and "A1/2026-13-40/c1_101500.wav" in problem


def test_unknown_field_is_a_profile_error_with_the_line(tmp_path):
    cfg = tmp_path / "phrasecheck.yaml"
    cfg.write_text("company: 安心\nrecording_path: '{agent}/{call_id}.wav'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_profile(cfg)
    assert "recording_path" in str(err.value) and "{agent}" in str(err.value) and "{agent_id}" in str(err.value)


def test_scan_takes_agent_and_time_from_the_path_and_the_manifest_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("PHRASECHECK_CACHE_DIR", str(tmp_path / "cache"))
    day = tmp_path / "day"
    for agent, name in (("A007", "c42_194500.wav"), ("A008", "c43_091000.wav")):
        (day / agent / "2024-05-14").mkdir(parents=True)
        shutil.copy(REPO / "samples" / "calls" / "call_nogreet.wav", day / agent / "2024-05-14" / name)
    (day / "A008" / "2024-05-14" / "manifest.csv").write_text(
        "file,agent_id,call_time,conversation_id\nc43_091000.wav,B100,2024-05-14T09:10:00,from-manifest\n", encoding="utf-8"
    )
    cfg = tmp_path / "phrasecheck.yaml"
    cfg.write_text('recording_path: "{agent_id}/{date}/{call_id}_{time}.wav"\n', encoding="utf-8")
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["scan", str(day), "--config", str(cfg), "--out", str(out)])
    assert result.exit_code == 0, result.output
    convs = {c["conversation_id"]: c for c in json.loads((out / "findings.json").read_text(encoding="utf-8"))["conversations"]}
    assert set(convs) == {"c42", "from-manifest"}
    assert convs["c42"]["agent_id"] == "A007" and convs["c42"]["started_at"].startswith("2024-05-14T19:45:00")
    assert convs["from-manifest"]["agent_id"] == "B100"


def test_a_field_named_twice_must_say_the_same_both_times():
    p = compile_pattern("{agent_id}/{agent_id}_{time}.wav")
    assert p.meta(Path("/x/A1/A1_101500.wav"))[0] == {"agent_id": "A1"}
    found, problem = p.meta(Path("/x/A1/B2_101500.wav"))  # the second {agent_id} matched anything
    assert found == {} and "does not fit recording_path" in problem
