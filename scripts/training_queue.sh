# Sourced by the cpu queues (scripts/train_*_cpu.sh, scripts/train_cpu_runs.sh): `run RECIPE SCALE SEED` trains one run unless
# its run folder has the marker `done` or its final weights are committed in results/checkpoints/, resuming an interrupted run from its last checkpoint; progress and failures go to $LOG (set by the sourcing script). A failed
# run stops the queue. Run folders live in .cache/, which a new checkout lacks: commit each run's weights when it finishes.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
mkdir -p .cache
run() {  # recipe scale seed
  local marker=".cache/runs/cpu/$1_x$2_seed$3/done" suffix=""
  [ "$3" = 0 ] || suffix="_seed$3"
  [ -f "$marker" ] && return 0
  [ -f "results/checkpoints/$1_x$2$suffix.pt" ] && return 0  # finished and committed in an earlier session
  echo "$(date -Is) start $1 x$2 seed$3" >> "$LOG"
  if python -m dynsr.cli train --model "$1" --scale "$2" --seed "$3" --quiet >> "$LOG" 2>&1; then
    touch "$marker"; echo "$(date -Is) done $1 x$2 seed$3" >> "$LOG"
  else
    echo "$(date -Is) FAILED $1 x$2 seed$3" >> "$LOG"; exit 1
  fi
}
