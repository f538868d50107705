#!/bin/bash
# Train every model the UDVD notebooks (02-11) use at the `cpu` profile, one after another, in the order
# that makes results usable soonest (UDVD x3 and SRMD: Tables 2, 3, 5, heat-map and figures; UDVD x2/x4;
# the Table 1 configurations, seed 0 then seed 1; the noise-free models of Table 4).
# Resumable: a finished run is skipped (marker `done` in its run folder); an interrupted one resumes from
# its last checkpoint. Run it in the background and re-run it after any interruption:
#     nohup scripts/train_udvd_cpu.sh > /dev/null 2>&1 &
# Progress: .cache/udvd_queue.log and .cache/runs/cpu/<recipe>_x<scale>_seed<n>/log.csv. About 5 h on 2 cores.
LOG=.cache/udvd_queue.log
. "$(dirname "$0")/training_queue.sh"
run udvd 3 0
for scale in 3 2 4; do run srmd "$scale" 0; done
run udvd 2 0; run udvd 4 0
for recipe in udvd_baseline udvd_single_loss udvd_u udvd_ud udvd_du; do run "$recipe" 3 0; done
for recipe in udvd udvd_baseline udvd_single_loss udvd_u udvd_ud udvd_du; do run "$recipe" 3 1; done
for scale in 2 3 4; do run srmdnf "$scale" 0; done
for scale in 2 3 4; do run udvdnf "$scale" 0; done
echo "$(date -Is) queue finished" >> "$LOG"
