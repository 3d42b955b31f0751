#!/bin/sh
# Regenerate the fourth held-out set's transcripts (clean/calls.jsonl, hard/calls.jsonl): see
# ../build_holdout.sh for what it does and its environment (KEEP, CLEAN, TRANSCRIBE, ONLY, TRANSCRIBE_ARGS).
# --customer-pitch 0.84: unlike eval-calls' 0.88, eval-calls-holdout's 0.85, eval-calls-holdout2's 0.82
# and eval-calls-holdout3's 0.80.
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/../build_holdout.sh" "$here" holdout4.script.jsonl holdout4.gold.jsonl 'call-h4-*' 0.84
