#!/usr/bin/env bash
# The distillation experiment of docs/distillation.md: all-MiniLM-L6-v2 (scripts/fetch-models.sh)
# distilled into FFF students of several shapes (stage 1), the chosen one trained further
# (stage 2), each scored by tools/distill_eval.py, and the plot.
# Usage: tools/distill_experiment.sh WORK_DIR [STAGE2_STEPS]   (default 1143: what 25 minutes of
# stage 2 gave on the 2-core machine of docs/distillation.md; steps, not time, so that a slower or
# faster machine trains the same student, up to floating-point summation order)
# Needs build/ufb and a Python with numpy, scipy and matplotlib (tools/requirements-reference.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:?usage: tools/distill_experiment.sh WORK_DIR [STAGE2_STEPS]}
steps=${2:-1143}
python=${PYTHON:-python3}
teacher=${UFB_MODEL_CACHE:-$HOME/.cache/ufb/models}/all-MiniLM-L6-v2
mkdir -p "$work"
texts=$work/distill-texts.txt
[ -f "$texts" ] || "$python" tools/distill_texts.py --data ../shared/data --out "$texts"

# Stage 1 for each shape: depth, trees.
for shape in "5 1" "5 4" "7 1" "7 4" "9 1" "9 4"; do
  set -- $shape
  out=$work/d$1t$2
  [ -f "$out/trainer_state.json" ] ||
    build/ufb distill --teacher "$teacher" --out "$out" --data "$texts" --depth "$1" --trees "$2" --threads 2
done
# Stage 2 for depth 7, 4 trees, on a copy of its stage-1 student.
if [ ! -d "$work/d7t4-stage2" ]; then
  cp -r "$work/d7t4" "$work/d7t4-stage2"
  build/ufb distill --teacher "$teacher" --out "$work/d7t4-stage2" --resume "$work/d7t4-stage2" --data "$texts" \
    --depth 7 --trees 4 --steps "$steps" --lr 1e-4 --warmup 0.05 --threads 2
fi
rm -f "$work/results.jsonl"
"$python" tools/distill_eval.py --ufb build/ufb --teacher "$teacher" --threads 2 --json "$work/results.jsonl" \
  --students "$work/d5t1" "$work/d5t4" "$work/d7t1" "$work/d7t4" "$work/d9t1" "$work/d9t4" "$work/d7t4-stage2"
"$python" tools/plot_distillation.py "$work/results.jsonl" docs/distillation.png
