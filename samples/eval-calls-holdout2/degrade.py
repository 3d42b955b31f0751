#!/usr/bin/env python3
"""Degraded copies of the second held-out set's recordings, with ../eval-calls-hard/degrade.py's own recipe.

    python3 degrade.py CLEAN_DIR OUT_DIR

CLEAN_DIR holds call-h2-NNN.wav (stereo 8 kHz, agent left) as build.sh synthesizes them.
../eval-calls-hard/degrade.py only picks up call-eval-*.wav, so this wrapper runs its functions
(speed, gain, noise, hum, and one recorder format in turn from its FORMATS list) over call-h2-*.wav;
each call's random draws are seeded by its own name, so they differ from the eval-calls-hard ones
and a rebuild of the same recordings gives the same files. (Same loop as ../eval-calls-holdout/degrade.py, on another glob.)
Writes OUT_DIR/<call>.<ext> and OUT_DIR/variants.tsv (call, file, format, speed, gain_db, snr_db, hum_db).
"""

from __future__ import annotations

import csv
import importlib.util
import sys
import zlib
from pathlib import Path

import numpy as np

_spec = importlib.util.spec_from_file_location("hard_degrade", Path(__file__).resolve().parent.parent / "eval-calls-hard" / "degrade.py")
hard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hard)


def main(clean_dir: str, out_dir: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, wav in enumerate(sorted(Path(clean_dir).glob("call-h2-*.wav"))):
        rng = np.random.default_rng(zlib.crc32(wav.stem.encode()))
        y, info = hard.degrade(hard.read_wav(wav), rng)
        name, suffix, codec, fmt, bit_rate, channels = hard.FORMATS[i % len(hard.FORMATS)]
        if channels != "stereo":
            mix = np.clip(y.sum(axis=0, keepdims=True) * 0.7, -1, 1)
            y = np.concatenate([mix, mix]) if channels == "dual" else mix
        target = out / f"{wav.stem}{suffix}"
        hard.encode(target, y, codec, fmt, bit_rate)
        rows.append({"call": wav.stem, "file": target.name, "format": name, **info})
        print(f"{target.name}: {name}, speed {info['speed']}, gain {info['gain_db']} dB, SNR {info['snr_db']} dB, hum -{info['hum_db']} dB")
    if not rows:
        print(f"{clean_dir}: no call-h2-*.wav", file=sys.stderr)
        return 1
    with open(out / "variants.tsv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
