#!/bin/sh
# Regenerate the first held-out set's transcripts (clean/calls.jsonl, hard/calls.jsonl): see
# ../build_holdout.sh for what it does and its environment (KEEP, CLEAN, TRANSCRIBE, ONLY, TRANSCRIBE_ARGS).
# --customer-pitch 0.85: a customer voice a little lower than eval-calls' default 0.88.
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/../build_holdout.sh" "$here" holdout.script.jsonl holdout.gold.jsonl 'call-hold-*' 0.85
