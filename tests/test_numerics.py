"""One recording, one transcript, whatever machine scans it (calls/numerics.py)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from helpers import REPO
from phrasecheck.calls.numerics import pin, pins

CALL = REPO / "samples" / "calls" / "call_nogreet.wav"


def test_pins_follow_the_cpu():
    assert pins("x86_64", {"avx2", "sse4_1"}) == {"CT2_USE_MKL": "0", "ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16", "CT2_FORCE_CPU_ISA": "AVX2"}
    # forcing AVX2 on a CPU without it would stop CTranslate2 from loading
    assert "CT2_FORCE_CPU_ISA" not in pins("x86_64", {"sse4_1"})
    assert pins("aarch64", {"asimd"}) == {}


def test_verification_computes_on_one_blas_thread_and_gives_the_second_back():
    from threadpoolctl import threadpool_info

    from phrasecheck.calls.numerics import hold_blas, one_blas_thread

    def blas_threads() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    hold_blas()
    with one_blas_thread():
        assert blas_threads() == {1}
    assert blas_threads() == {2}


def test_a_value_the_user_set_is_kept():
    env = {"CT2_USE_MKL": "1"}
    added = pin(env)
    assert env["CT2_USE_MKL"] == "1" and "CT2_USE_MKL" not in added
    assert all(env[k] == v for k, v in added.items())


def test_the_command_line_pins_before_ctranslate2_or_numpy_load():
    code = "import os, sys; import phrasecheck.cli; print(os.environ.get('CT2_USE_MKL'), 'ctranslate2' in sys.modules, 'numpy' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k != "CT2_USE_MKL"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout.split()
    expected = pins(os.uname().machine, set()).get("CT2_USE_MKL")
    assert out == [str(expected), "False", "False"]


def _features(threads: int) -> np.ndarray:
    code = (
        "import sys, numpy as np; from threadpoolctl import threadpool_limits;"
        "from faster_whisper.audio import decode_audio; from faster_whisper.feature_extractor import FeatureExtractor;"
        f"threadpool_limits(limits={threads}, user_api='blas');"
        f"np.save(sys.stdout.buffer, FeatureExtractor()(decode_audio({str(CALL)!r})[:16000 * 30]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout
    return np.load(io.BytesIO(out))


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("taskset") or (os.cpu_count() or 1) < 2, reason="needs taskset and two CPUs")
def test_one_cpu_transcribes_a_call_as_two_do(tmp_path):
    # the hazard: numpy's BLAS on one thread computes the log-mel features differently on some CPUs
    # (OpenBLAS picks its kernels by CPU; on others the two agree). The transcript must agree either way.
    hazard = not np.array_equal(_features(1), _features(2))

    def transcript(*prefix: str) -> str:
        env = dict(os.environ, PHRASECHECK_CACHE_DIR=str(tmp_path / "cache"))
        cmd = [*prefix, sys.executable, "-m", "phrasecheck", "transcribe", "--no-cache", "--format", "json", str(CALL)]
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert transcript("taskset", "-c", "0") == transcript(), f"one CPU and two transcribe differently (BLAS features differ: {hazard})"
