#!/bin/sh
# Build a held-out calls set (samples/eval-calls-holdout*/): synthesize its script, degrade the
# recordings with ../eval-calls-hard/degrade.py's recipe, transcribe both with `phrasecheck
# transcribe --format json` and convert them with ../eval-calls/to_chat.py:
#   SET/clean/calls.jsonl  the recordings as synthesized (stereo 8 kHz, agent left, noise -45 dBFS)
#   SET/hard/calls.jsonl   the same recordings degraded
# each next to a copy of the set's gold named calls.gold.jsonl. Recordings and transcripts go to a
# temp folder outside the repo. Called by each set's build.sh:
#   build_holdout.sh SET_DIR SCRIPT GOLD PATTERN CUSTOMER_PITCH
# Environment:
#   KEEP=DIR           keep recordings and transcripts in DIR (DIR/clean, DIR/hard)
#   CLEAN=DIR          use recordings already synthesized instead of synthesizing
#   TRANSCRIBE=0       stop after synthesis and degradation (no ASR; gold copies and variants.tsv only)
#   ONLY=clean|hard    transcribe one of the two sets
#   TRANSCRIBE_ARGS    more options for `phrasecheck transcribe` (e.g. "--model small --device cuda")
# Synthesis needs the TTS venv described in ../../shared/tools/synth_call.py (default /tmp/tts).
set -eu
here=$(cd "$1" && pwd)
script=$here/$2
gold=$here/$3
pattern=$4
pitch=$5
samples=$(cd "$(dirname "$0")" && pwd)
synth=${SYNTH:-$samples/../../shared/tools/synth_call.py}
tts_python=${TTS_PYTHON:-/tmp/tts/bin/python}
tmp=${KEEP:-$(mktemp -d)}
mkdir -p "$tmp" "$here/clean" "$here/hard"
clean=${CLEAN:-}
if [ -z "$clean" ]; then
    clean=$tmp/clean
    "$tts_python" "$synth" "$script" "$clean" --rate 8000 --noise-db -45 --customer-pitch "$pitch"
fi
python3 "$samples/eval-calls-hard/degrade.py" "$clean" "$tmp/hard" "$pattern.wav"
cp "$tmp/hard/variants.tsv" "$here/hard/variants.tsv"
cp "$gold" "$here/clean/calls.gold.jsonl"
cp "$gold" "$here/hard/calls.gold.jsonl"
if [ "${TRANSCRIBE:-1}" != 0 ]; then
    for set in clean hard; do
        [ -z "${ONLY:-}" ] || [ "$ONLY" = "$set" ] || continue
        [ "$set" = clean ] && audio=$clean || audio=$tmp/hard
        # shellcheck disable=SC2086  # TRANSCRIBE_ARGS is a list of options
        python3 -m phrasecheck transcribe --format json ${TRANSCRIBE_ARGS:-} "$audio"/$pattern.* -o "$tmp/$set.transcripts.json"
        python3 "$samples/eval-calls/to_chat.py" "$script" "$tmp/$set.transcripts.json" "$here/$set/calls.jsonl"
    done
fi
[ -n "${KEEP:-}" ] || rm -r "$tmp"
