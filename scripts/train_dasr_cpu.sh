#!/bin/bash
# Train every DASR model the DASR notebooks need at the `cpu` profile, one after another (recipes in
# lib/dynsr/training/recipes.py, whose docstring holds the time budget: about 4.1 h on 2 cores):
# Table 2 (dasr x4, x2, x3), Table 1 Models 4/1/2/3/5 at x4 (seed 0, then seed 1), Table 3 (dasr_aniso x4),
# Table 2's bicubic-trained control (dasr_bicubic x4) and Table 1's SRMDNF* (srmdnf_dasr x4), seeds 0 and 1.
# Resumable: a finished run is skipped (marker `done` in its run folder); an interrupted one resumes from
# its last checkpoint. Run it in the background (not beside another training queue: both want the 2 cores):
#     nohup scripts/train_dasr_cpu.sh > /dev/null 2>&1 &
# Progress: .cache/dasr_queue.log and .cache/runs/cpu/<recipe>_x<scale>_seed<n>/log.csv.
LOG=.cache/dasr_queue.log
. "$(dirname "$0")/training_queue.sh"
run dasr 4 0
for recipe in dasr_model1 dasr_concat dasr_no_modulation dasr_oracle; do run "$recipe" 4 0; done
run dasr 2 0; run dasr 3 0
run dasr_aniso 4 0
for recipe in dasr dasr_model1 dasr_concat dasr_no_modulation dasr_oracle; do run "$recipe" 4 1; done
for seed in 0 1; do run dasr_bicubic 4 "$seed"; run srmdnf_dasr 4 "$seed"; done
echo "$(date -Is) queue finished" >> "$LOG"
