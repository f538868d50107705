#!/bin/bash
# Retrain the SRMD family at the `cpu` profile with the training compute of the method each is compared with
# (dynsr.training.recipes.MATCHED_STEPS; docs/decisions/udvd.md, U23): SRMD and SRMDNF get UDVD's / UDVD-nf's
# compute at x2, x3, x4, SRMDNF* (srmdnf_dasr) DASR Model 5's at x4 with seeds 0 and 1.
# SRMDNF* (srmdnf_dasr) is trained and DASR Table 1 regenerated with it (its weights are in results/checkpoints/, so it is
# no longer queued); SRMD, then SRMDNF, skipping the runs whose weights wait in results/checkpoints/pending/. Resumable:
#     nohup scripts/train_comparators_cpu.sh > /dev/null 2>&1 &
# Progress: .cache/comparators_queue.log. Left (2026-12-04): srmdnf x2 and x4, about 1 h on 2 quiet cores.
LOG=.cache/comparators_queue.log
REPLACE_COMMITTED=1  # the committed SRMD family weights are the 1,000-step ones being replaced
. "$(dirname "$0")/training_queue.sh"
for scale in 3 2 4; do run srmd "$scale" 0; done
for scale in 3 2 4; do run srmdnf "$scale" 0; done
echo "$(date -Is) queue finished" >> "$LOG"
