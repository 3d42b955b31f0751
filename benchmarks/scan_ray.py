"""`scan --executor ray` against a local scan, on samples/calls (issue 14).

    python3 benchmarks/scan_ray.py [FOLDER] [--jobs 2]

Runs `phrasecheck scan FOLDER --no-cache --jobs N` and the same with `--executor ray` (a Ray
runtime started on this machine), each as its own process, and prints their wall and CPU times
(CPU: the scan and its worker processes; Ray's own worker processes are not its children, so the
ray line under-counts), the ratio to the local scan, and whether findings.json is the same.
Skips cleanly when Ray is not installed (pip install "phrasecheck[ray]").
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CALLS = Path(__file__).resolve().parents[1] / "samples" / "calls"


def timed(cmd: list[str]) -> tuple[float, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 2):
        raise SystemExit(f"{' '.join(cmd)} failed")
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=CALLS)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    if importlib.util.find_spec("ray") is None:
        print('Ray is not installed (pip install "phrasecheck[ray]")')
        return 0
    out = Path(tempfile.mkdtemp(prefix="phrasecheck-scan-ray-"))
    base = [sys.executable, "-m", "phrasecheck", "scan", str(args.folder), "--no-cache", "--jobs", str(args.jobs)]
    local = timed([*base, "--out", str(out / "local")])
    ray = timed([*base, "--out", str(out / "ray"), "--executor", "ray"])
    print(f"scan, local   {local[0]:7.1f} s wall {local[1]:7.1f} s CPU")
    print(f"scan, ray     {ray[0]:7.1f} s wall {ray[1]:7.1f} s CPU (driver only)  {ray[0] / local[0]:.2f}x the local wall time")
    same = filecmp.cmp(out / "local" / "findings.json", out / "ray" / "findings.json", shallow=False)
    print(f"findings.json identical: {same}  ({out})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
