#!/bin/sh
# Regenerate the sample call recordings from calls.script.jsonl (see README in the repo root).
# Needs the TTS venv described in ../../../shared/tools/synth_call.py (default /tmp/tts)
# and, for the MP3, the project's own python (PyAV comes with faster-whisper).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
synth=${SYNTH:-$here/../../../shared/tools/synth_call.py}
tts_python=${TTS_PYTHON:-/tmp/tts/bin/python}
tmp=$(mktemp -d)
grep -v '"call_mono"' "$here/calls.script.jsonl" > "$tmp/stereo.jsonl"
grep '"call_mono"' "$here/calls.script.jsonl" > "$tmp/mono.jsonl"
"$tts_python" "$synth" "$tmp/stereo.jsonl" "$tmp/stereo" --rate 8000 --noise-db -55
"$tts_python" "$synth" "$tmp/mono.jsonl" "$tmp/mono" --rate 8000 --mono --noise-db -55
cat "$tmp/stereo/refs.jsonl" "$tmp/mono/refs.jsonl" > "$here/calls.refs.jsonl"
cp "$tmp"/stereo/*.wav "$tmp"/mono/*.wav "$here/"
python3 "$here/transcode.py" "$here/call_evening.wav" "$here/call_evening.mp3" mp3
python3 "$here/transcode.py" "$here/call_nogreet.wav" "$tmp/mulaw.wav" mulaw
mv "$tmp/mulaw.wav" "$here/call_nogreet.wav"   # one G.711 mu-law WAV, as phone systems record
rm "$here/call_evening.wav"
sed -i 's/"call_evening.wav"/"call_evening.mp3"/' "$here/calls.refs.jsonl"
rm -r "$tmp"
