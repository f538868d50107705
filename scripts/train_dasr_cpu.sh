#!/bin/bash
# Train every DASR model the DASR notebooks need at the `cpu` profile, one after another (recipes in
# lib/dynsr/training/recipes.py, whose docstring holds the time budget: about 4.1 h on 2 cores; measured 4.19 h). Ordered so that
# whole notebooks can be evaluated while the rest trains: Table 2's x4 model (then Fig. 4), Table 3's setting-2
# model (then Table 3, the heat-map, Figs. 5/7/8 with Model 1), Table 2's x2 / x3 models, seed 1 and the
# bicubic-trained control (then Table 2), Table 1's Models 2/3/5 and SRMDNF* with both seeds (then Table 1, Figs. 3/6).
# Resumable: a finished run is skipped (marker `done` in its run folder); an interrupted one resumes from
# its last checkpoint. Run it in the background (not beside another training queue: both want the 2 cores):
#     nohup scripts/train_dasr_cpu.sh > /dev/null 2>&1 &
# Progress: .cache/dasr_queue.log and .cache/runs/cpu/<recipe>_x<scale>_seed<n>/log.csv.
LOG=.cache/dasr_queue.log
. "$(dirname "$0")/training_queue.sh"
run dasr 4 0
run dasr_model1 4 0
run dasr_aniso 4 0
run dasr 2 0; run dasr 3 0
run dasr 4 1
for seed in 0 1; do run dasr_bicubic 4 "$seed"; done
for seed in 0 1; do
  for recipe in dasr_model1 dasr_concat dasr_no_modulation dasr_oracle srmdnf_dasr; do run "$recipe" 4 "$seed"; done
done
echo "$(date -Is) queue finished" >> "$LOG"
