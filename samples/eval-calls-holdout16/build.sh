#!/bin/sh
# Regenerate the sixteenth held-out set's transcripts (clean/calls.jsonl, hard/calls.jsonl): see
# ../build_holdout.sh for what it does and its environment (KEEP, CLEAN, TRANSCRIBE, ONLY, TRANSCRIBE_ARGS).
# --customer-pitch 0.95: unlike eval-calls' 0.88 and every earlier holdout's (0.85, 0.82, 0.80, 0.84, 0.87,
# 0.83, 0.86, 0.81, 0.89, 0.79, 0.90, 0.78, 0.91, 0.76 and 0.93).
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/../build_holdout.sh" "$here" holdout16.script.jsonl holdout16.gold.jsonl 'call-h16-*' 0.95
