#!/bin/sh
# Regenerate the thirty-fourth held-out set's transcripts (clean/calls.jsonl, hard/calls.jsonl): see
# ../build_holdout.sh for what it does and its environment (KEEP, CLEAN, TRANSCRIBE, ONLY, TRANSCRIBE_ARGS).
# --customer-pitch 1.06 (above the agent's voice): unlike eval-calls' 0.88, eval-calls-holdout's 0.85, eval-calls-holdout2's 0.82,
# eval-calls-holdout3's 0.80, eval-calls-holdout4's 0.84, eval-calls-holdout5's 0.87, eval-calls-holdout6's 0.83,
# eval-calls-holdout7's 0.86, eval-calls-holdout8's 0.81, eval-calls-holdout9's 0.89, eval-calls-holdout10's 0.79,
# eval-calls-holdout11's 0.90, eval-calls-holdout12's 0.78, eval-calls-holdout13's 0.91, eval-calls-holdout14's 0.76,
# eval-calls-holdout15's 0.93, eval-calls-holdout16's 0.95, eval-calls-holdout17's 0.92, eval-calls-holdout18's 0.94, eval-calls-holdout19's 0.77, eval-calls-holdout20's 0.74, eval-calls-holdout21's 0.71, eval-calls-holdout22's 0.96, eval-calls-holdout23's 0.73, eval-calls-holdout24's 0.97, eval-calls-holdout25's 0.72, eval-calls-holdout26's 0.75, eval-calls-holdout27's 0.70, eval-calls-holdout28's 0.98, eval-calls-holdout29's 0.69, eval-calls-holdout30's 0.68, eval-calls-holdout31's 0.99, eval-calls-holdout32's 1.04 and eval-calls-holdout33's 1.02.
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/../build_holdout.sh" "$here" holdout34.script.jsonl holdout34.gold.jsonl 'call-h34-*' 1.06
