#!/bin/sh
# Regenerate the third held-out set's transcripts (clean/calls.jsonl, hard/calls.jsonl): see
# ../build_holdout.sh for what it does and its environment (KEEP, CLEAN, TRANSCRIBE, ONLY, TRANSCRIBE_ARGS).
# --customer-pitch 0.80: lower than eval-calls' 0.88, eval-calls-holdout's 0.85 and eval-calls-holdout2's 0.82.
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/../build_holdout.sh" "$here" holdout3.script.jsonl holdout3.gold.jsonl 'call-h3-*' 0.80
