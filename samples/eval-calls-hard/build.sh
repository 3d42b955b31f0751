#!/bin/sh
# Regenerate calls.jsonl (what `phrasecheck eval calls.gold.jsonl` reads here) from the eval-calls
# recordings, degraded as phone systems deliver them (degrade.py: speed, gain, noise, hum, A-law,
# mu-law, MP3, Opus, AMR-NB, mono and dual-mono), transcribed by phrasecheck's own pipeline
# (default model base, CPU). The labels are eval-calls' own (calls.gold.jsonl: its calls and holds).
# CLEAN=DIR uses recordings already made by ../eval-calls/build.sh (KEEP=DIR there), else they are
# synthesized first (needs the TTS venv, see ../eval-calls/build.sh).
# KEEP=DIR keeps the degraded recordings and transcripts.json in DIR instead of deleting them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
calls=$here/../eval-calls
tmp=${KEEP:-$(mktemp -d)}
mkdir -p "$tmp"
clean=${CLEAN:-}
cat "$calls/calls.script.jsonl" "$calls/holds.script.jsonl" > "$tmp/all.script.jsonl"
if [ -z "$clean" ]; then
    clean=$tmp/clean
    "${TTS_PYTHON:-/tmp/tts/bin/python}" "${SYNTH:-$here/../../../shared/tools/synth_call.py}" "$tmp/all.script.jsonl" "$clean" --rate 8000 --noise-db -45
fi
python3 "$here/degrade.py" "$clean" "$tmp/audio"
cp "$tmp/audio/variants.tsv" "$here/variants.tsv"
cat "$calls/calls.gold.jsonl" "$calls/holds.gold.jsonl" > "$here/calls.gold.jsonl"
python3 -m phrasecheck transcribe --format json "$tmp"/audio/call-eval-* -o "$tmp/transcripts.json"
python3 "$calls/to_chat.py" "$tmp/all.script.jsonl" "$tmp/transcripts.json" "$here/calls.jsonl"
[ -n "${KEEP:-}" ] || rm -r "$tmp"
