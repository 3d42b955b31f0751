#!/bin/sh
# Rebuilds the default pack's n-gram model (src/phrasecheck/lexicons/default/forbidden-model.npz) from
# every labelled set in samples/, calibrated on the real agents' lines of ../shared/realdata (read by
# path, never copied). Run from the repository root: sh samples/train_model.sh [OUT]
set -eu
OUT=${1:-src/phrasecheck/lexicons/default/forbidden-model.npz}
REAL=${REAL:-../shared/realdata}
sets=""
add() { [ -f "$1" ] && [ -f "$2" ] && sets="$sets --set $1 $2"; return 0; }
add samples/eval/dev.gold.jsonl samples/eval/dev.jsonl
add samples/chats/day-2026-11-26.gold.jsonl samples/chats/day-2026-11-26.jsonl
for g in samples/eval-paraphrase*/*.gold.jsonl; do add "$g" "${g%.gold.jsonl}.jsonl"; done
for x in a b c d e; do add samples/eval-reword/$x.gold.jsonl samples/eval-reword/$x.jsonl; done
# the polite banks: learnt from, and the levels sit above their lines as an unseen model scores them
looks=""
for x in p q r s t; do looks="$looks --lookalikes samples/eval-reword/$x.gold.jsonl samples/eval-reword/$x.jsonl"; done
add samples/eval-calls/calls.gold.jsonl samples/eval-calls/calls.script.jsonl
add samples/eval-calls/holds.gold.jsonl samples/eval-calls/holds.script.jsonl
add samples/eval-calls-hard/calls.gold.jsonl samples/eval-calls-hard/calls.jsonl
for g in samples/eval-calls-holdout*/holdout*.gold.jsonl; do add "$g" "${g%.gold.jsonl}.script.jsonl"; done
# the recognizer's transcripts of the same calls, clean and degraded: how heard speech is written
for g in samples/eval-calls-holdout*/*/calls.gold.jsonl; do add "$g" "${g%.gold.jsonl}.jsonl"; done
cal=""
for f in jddc_chats stc3_weibo_helpdesk jddc_baseline_windows mobilecs_calls; do
  [ -f "$REAL/$f.jsonl" ] || { echo "missing $REAL/$f.jsonl (the calibration lines)" >&2; exit 2; }
  cal="$cal --calibrate $REAL/$f.jsonl"
done
# shellcheck disable=SC2086
exec python3 -m phrasecheck lexicon train $sets $looks $cal --out "$OUT"
