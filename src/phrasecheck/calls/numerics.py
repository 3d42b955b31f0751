"""The numeric paths a transcript depends on, pinned so that one recording gives one transcript on
any machine: a finding must not come and go with the machine that scanned the call (an appeal is
judged on a re-scan). CTranslate2's are set in the environment before it loads (a value the user
set is kept); numpy's BLAS is held where the model is loaded.

Measured on six degraded calls of eval-calls-holdout16 (62 turns) on a 2-core AMD EPYC (AVX-512):
- OpenBLAS with one thread (a one-core machine) changed 35 turns against two or more threads: the
  log-mel features (numpy's matrix product) differ in the last bit. 2, 3, 4 and 8 threads,
  CTranslate2's cpu_threads 1 or 2 and a batch of 1 or 8 windows changed none. OpenBLAS reads
  its thread count from the environment only up to the CPUs it may use, so it is set at run time;
- oneDNN held to AVX2 changed 37 turns; CTranslate2 already takes AVX2 and oneDNN (not MKL) on
  AMD, where Intel CPUs get MKL and AVX-512 by default. Holding every machine to this machine's
  paths changed nothing here. A CPU without AVX-512 still decodes its own way (oneDNN can only be
  capped, not raised), as does one without AVX2.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping, MutableMapping

BLAS_THREADS = 2
ONEDNN_CAP = "AVX512_CORE_BF16"  # the ISA oneDNN picks on the machine every eval set was transcribed on


def cpu_flags() -> set[str]:
    """The CPU's feature flags (Linux); empty where they cannot be read."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def pins(machine: str, flags: set[str]) -> dict[str, str]:
    """The environment settings for a CPU of this architecture and these flags."""
    out: dict[str, str] = {}
    if machine.lower() in ("x86_64", "amd64"):
        out["CT2_USE_MKL"] = "0"
        out["ONEDNN_MAX_CPU_ISA"] = ONEDNN_CAP
        if "avx2" in flags:  # forcing an ISA the CPU lacks would stop CTranslate2 from loading
            out["CT2_FORCE_CPU_ISA"] = "AVX2"
    return out


def pin(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Set the pins the environment does not set already; returns what was set."""
    env = os.environ if environ is None else environ
    wanted = pins(platform.machine(), cpu_flags())
    added = {k: v for k, v in wanted.items() if k not in env}
    env.update(added)
    return added


def hold_blas() -> None:
    """numpy's BLAS at two threads, in this process, even on one CPU: one thread takes another path."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=BLAS_THREADS, user_api="blas")


def one_blas_thread():
    """numpy's BLAS on the calling thread alone, for a block (a context manager). Acoustic verification
    computes each stretch's log-mel features (a BLAS product) right before CTranslate2 encodes it: two
    BLAS threads then spin for about 0.1 s on the two cores the encoder needs, which made its encoder
    calls cost 3 times as much CPU as in a fresh process. One thread spins on nothing. Transcripts keep
    their two threads (hold_blas); verification's features may differ from them in the last bit, the
    same in a scan, a Ray worker and the benchmarks (all score through Verifier.token_logprobs)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def pinned(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The pins as they stand in the environment, for processes started elsewhere (Ray workers)."""
    env = os.environ if environ is None else environ
    return {k: env[k] for k in pins(platform.machine(), cpu_flags()) if k in env}
