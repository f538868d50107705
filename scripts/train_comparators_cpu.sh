#!/bin/bash
# Train the SRMD family at the `cpu` profile with the training compute of the method each is compared with
# (dynsr.training.recipes.MATCHED_STEPS; docs/decisions/udvd.md, U23): SRMD and SRMDNF get UDVD's / UDVD-nf's
# compute at x2, x3, x4, SRMDNF* (srmdnf_dasr) DASR Model 5's at x4 with seeds 0 and 1. All of them are trained and
# committed (2026-12-04), so in a checkout with their weights every run is skipped; delete a weights file to train it again.
#     nohup scripts/train_comparators_cpu.sh > /dev/null 2>&1 &
# Progress: .cache/comparators_queue.log.
LOG=.cache/comparators_queue.log
. "$(dirname "$0")/training_queue.sh"
for scale in 3 2 4; do run srmd "$scale" 0; done
for scale in 3 2 4; do run srmdnf "$scale" 0; done
for seed in 0 1; do run srmdnf_dasr 4 "$seed"; done
echo "$(date -Is) queue finished" >> "$LOG"
