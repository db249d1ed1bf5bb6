#!/usr/bin/env bash
# Fine-tunes one pretrained model on GLUE tasks (cramming's recipe, the `ufb train glue`
# defaults), then scores the dev sets with `ufb glue`: OUT/<task>/ is the fine-tuned model
# (OUT/<task>/eval_dev/ its dev score, log.jsonl its losses), OUT/glue.txt the GLUE table.
# EPOCHS (default: the recipe's 5) for every task, but SST2_EPOCHS (default: EPOCHS) for the 67k
# examples of SST-2. TASKS (default: every folder of GLUE_DIR with a train.tsv) in that order.
#
#   tools/glue_experiment.sh UFB MODEL_DIR GLUE_DIR OUT THREADS [EPOCHS [SST2_EPOCHS [TASKS...]]]
set -euo pipefail
ufb=$1 model=$2 glue=$3 out=$4 threads=$5 epochs=${6:-5} sst2_epochs=${7:-${6:-5}}
shift $(( $# < 7 ? $# : 7 ))
tasks=("$@")
if [ ${#tasks[@]} -eq 0 ]; then
  for task_dir in "$glue"/*/; do
    task=$(basename "$task_dir")
    if [ -f "$task_dir/train.tsv" ]; then tasks+=("$task"); else echo "$task: no train.tsv, skipped"; fi
  done
fi
mkdir -p "$out"
for task in "${tasks[@]}"; do
  task_epochs=$epochs
  [ "$task" = SST-2 ] && task_epochs=$sst2_epochs
  start=$(date +%s)
  "$ufb" train glue --task "$task" --model "$model" --data "$glue/$task" --out "$out/$task" \
    --threads "$threads" --epochs "$task_epochs" 2>"$out/$task.stderr"
  echo "$task: fine-tuned in $(( $(date +%s) - start )) s: $(tail -1 "$out/$task.stderr" | tr -d '\r')"
done
"$ufb" glue --model "$out" --data "$glue" --threads "$threads" | tee "$out/glue.txt"
