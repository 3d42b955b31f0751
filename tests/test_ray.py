"""scan --executor ray on a local Ray runtime gives the report a local scan gives (issue 14)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from helpers import REPO
from phrasecheck.cli import main

CALLS = REPO / "samples" / "calls"


@pytest.mark.slow
def test_scan_on_ray_equals_the_local_scan(tmp_path):
    ray = pytest.importorskip("ray")
    day = tmp_path / "day"
    day.mkdir()
    for name in ("call_forbidden.wav", "call_nogreet.wav"):
        shutil.copy(CALLS / name, day / name)
    manifest = [
        line for line in (CALLS / "manifest.csv").read_text(encoding="utf-8").splitlines() if line.startswith(("file", "call_forbidden", "call_nogreet"))
    ]
    (day / "manifest.csv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    runner = CliRunner()
    # CTranslate2's sums depend on its OpenMP threads, which Ray sets to one per task: the local scan
    # runs as its own process with the same, so both decode the same words (反此言赖, not 三次言赖)
    local = subprocess.run(
        [sys.executable, "-m", "phrasecheck", "scan", str(day), "--out", str(tmp_path / "local"), "--no-cache", "--jobs", "2"],
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
    )
    assert local.returncode == 0, local.stdout + local.stderr
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        remote = runner.invoke(main, ["scan", str(day), "--out", str(tmp_path / "ray"), "--no-cache", "--jobs", "2", "--executor", "ray"])
    finally:
        ray.shutdown()
    assert remote.exit_code == 0, remote.output
    want = json.loads((tmp_path / "local" / "findings.json").read_text(encoding="utf-8"))
    got = json.loads((tmp_path / "ray" / "findings.json").read_text(encoding="utf-8"))
    assert got == want
    assert len(want["conversations"]) == 2 and any(f["id"] == "F11" for c in want["conversations"] for f in c["findings"])


def test_scan_on_ray_without_ray_is_one_line(monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    day = tmp_path / "day"
    day.mkdir()
    shutil.copy(CALLS / "call_nogreet.wav", day / "a.wav")
    result = CliRunner().invoke(main, ["scan", str(day), "--out", str(tmp_path / "out"), "--no-cache", "--executor", "ray"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert 'pip install "phrasecheck[ray]"' in result.stderr
