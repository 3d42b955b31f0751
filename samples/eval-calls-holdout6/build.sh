#!/bin/sh
# Regenerate the sixth held-out set's transcripts (clean/calls.jsonl, hard/calls.jsonl): see
# ../build_holdout.sh for what it does and its environment (KEEP, CLEAN, TRANSCRIBE, ONLY, TRANSCRIBE_ARGS).
# --customer-pitch 0.83: unlike eval-calls' 0.88, eval-calls-holdout's 0.85, eval-calls-holdout2's 0.82,
# eval-calls-holdout3's 0.80, eval-calls-holdout4's 0.84 and eval-calls-holdout5's 0.87.
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/../build_holdout.sh" "$here" holdout6.script.jsonl holdout6.gold.jsonl 'call-h6-*' 0.83
