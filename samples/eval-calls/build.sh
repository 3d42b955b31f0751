#!/bin/sh
# Regenerate calls.jsonl (the ASR transcripts that `phrasecheck eval calls.gold.jsonl` reads) from
# calls.script.jsonl: synthesize stereo 8 kHz recordings (agent left, noise at -45 dBFS) into a temp
# folder outside the repo, transcribe them with phrasecheck's own pipeline (default model base, CPU),
# and write each transcript turn as a chat message timed at call start + start_s (to_chat.py).
# Needs the TTS venv described in ../../../shared/tools/synth_call.py (default /tmp/tts).
# KEEP=DIR keeps the recordings and transcripts.json in DIR instead of deleting them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
synth=${SYNTH:-$here/../../../shared/tools/synth_call.py}
tts_python=${TTS_PYTHON:-/tmp/tts/bin/python}
tmp=${KEEP:-$(mktemp -d)}
mkdir -p "$tmp"
"$tts_python" "$synth" "$here/calls.script.jsonl" "$tmp/audio" --rate 8000 --noise-db -45
python3 -m phrasecheck transcribe --format json "$tmp"/audio/*.wav -o "$tmp/transcripts.json"
python3 "$here/to_chat.py" "$here/calls.script.jsonl" "$tmp/transcripts.json" "$here/calls.jsonl"
[ -n "${KEEP:-}" ] || rm -r "$tmp"
