#!/bin/sh
# Regenerate the second held-out set's call transcripts that `phrasecheck eval` reads:
#   clean/calls.jsonl  the 30 recordings as synthesized (stereo 8 kHz, agent left, noise -45 dBFS)
#   hard/calls.jsonl   the same recordings degraded by degrade.py (../eval-calls-hard's recipe)
# each next to a copy of holdout2.gold.jsonl named calls.gold.jsonl. Recordings and transcripts.json go
# to a temp folder outside the repo (KEEP=DIR keeps them in DIR: DIR/clean, DIR/hard).
#   CLEAN=DIR          use recordings already synthesized (call-h2-NNN.wav) instead of synthesizing
#   TRANSCRIBE=0       stop after synthesis and degradation (no ASR; gold copies and variants.tsv only)
#   ONLY=clean|hard    transcribe one of the two sets
#   TRANSCRIBE_ARGS    more options for `phrasecheck transcribe` (e.g. "--model small --device cuda")
# Synthesis needs the TTS venv described in ../../../shared/tools/synth_call.py (default /tmp/tts).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
synth=${SYNTH:-$here/../../../shared/tools/synth_call.py}
tts_python=${TTS_PYTHON:-/tmp/tts/bin/python}
tmp=${KEEP:-$(mktemp -d)}
mkdir -p "$tmp" "$here/clean" "$here/hard"
clean=${CLEAN:-}
if [ -z "$clean" ]; then
    clean=$tmp/clean
    # --customer-pitch 0.82: a customer voice lower than eval-calls' 0.88 and eval-calls-holdout's 0.85
    "$tts_python" "$synth" "$here/holdout2.script.jsonl" "$clean" --rate 8000 --noise-db -45 --customer-pitch 0.82
fi
python3 "$here/degrade.py" "$clean" "$tmp/hard"
cp "$tmp/hard/variants.tsv" "$here/hard/variants.tsv"
cp "$here/holdout2.gold.jsonl" "$here/clean/calls.gold.jsonl"
cp "$here/holdout2.gold.jsonl" "$here/hard/calls.gold.jsonl"
if [ "${TRANSCRIBE:-1}" != 0 ]; then
    for set in clean hard; do
        [ -z "${ONLY:-}" ] || [ "$ONLY" = "$set" ] || continue
        [ "$set" = clean ] && audio=$clean || audio=$tmp/hard
        # shellcheck disable=SC2086  # TRANSCRIBE_ARGS is a list of options
        python3 -m phrasecheck transcribe --format json ${TRANSCRIBE_ARGS:-} "$audio"/call-h2-* -o "$tmp/$set.transcripts.json"
        python3 "$here/../eval-calls/to_chat.py" "$here/holdout2.script.jsonl" "$tmp/$set.transcripts.json" "$here/$set/calls.jsonl"
    done
fi
[ -n "${KEEP:-}" ] || rm -r "$tmp"
