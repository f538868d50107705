#!/bin/bash
# Train the `cpu` runs a paper's tables need, one after another in the order its recipes list them (CPU_RUNS of
# lib/dynsr/papers/<paper>/recipes.py; its docstring and docs/decisions/<paper>.md give the plan and its hours):
#     nohup scripts/train_cpu_runs.sh gldfn > /dev/null 2>&1 &
# Resumable within a checkout (an interrupted run resumes from its last checkpoint); a run whose weights are committed in
# results/checkpoints/ is skipped, so commit each run's weights as it finishes (.cache/ does not survive a new checkout).
# Progress: .cache/<paper>_queue.log and .cache/runs/cpu/<recipe>_x<scale>_seed<n>/log.csv.
PAPER="${1:?usage: scripts/train_cpu_runs.sh PAPER (a folder of lib/dynsr/papers/ with CPU_RUNS: dmsr, gldfn, arcsr)}"
LOG=".cache/${PAPER}_queue.log"
. "$(dirname "$0")/training_queue.sh"
runs=$(python -c "import importlib, sys
for recipe, scale, seeds in importlib.import_module(f'dynsr.papers.{sys.argv[1]}.recipes').CPU_RUNS:
    for seed in seeds: print(recipe, scale, seed)" "$PAPER" 2>/dev/null) || { echo "no CPU_RUNS for paper $PAPER" >&2; exit 2; }
while read -r recipe scale seed; do run "$recipe" "$scale" "$seed"; done <<< "$runs"
echo "$(date -Is) queue finished" >> "$LOG"
