#!/bin/sh
# Regenerate the second held-out set's transcripts (clean/calls.jsonl, hard/calls.jsonl): see
# ../build_holdout.sh for what it does and its environment (KEEP, CLEAN, TRANSCRIBE, ONLY, TRANSCRIBE_ARGS).
# --customer-pitch 0.82: lower than eval-calls' 0.88 and eval-calls-holdout's 0.85.
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/../build_holdout.sh" "$here" holdout2.script.jsonl holdout2.gold.jsonl 'call-h2-*' 0.82
