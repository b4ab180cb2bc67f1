#!/usr/bin/env bash
# The paper's full protocol on the default synthetic cohort: (optional) added-noise sweep, 5-fold cross-validation with
# per-fold evaluation, then the final model on all 13 subjects (one for early stopping), published to weights/da/.
#
# Detached and resumable: every step checkpoints each epoch and is rerun with --resume, so after a crash, a reboot or
# a stop (kill -INT / kill -TERM <pid of the node process>: it saves a checkpoint and exits 130), run the script again.
#   nohup scripts/run-cv.sh > runs/run-cv.log 2>&1 &
#
# Settings (environment): COHORT (data/cohort), OUT (runs/paper), EPOCHS (max epochs per run, 200: early stopping after
# PATIENCE=8 epochs without validation gain ends runs first), SAMPLES (samples per epoch; default one pass over the
# training brain voxels, ≈ 290k for 11 subjects), NOISE (added-noise level k, 1), SWEEP (e.g. "0,0.5,1": run the
# k sweep first), PUBLISH (weights/da), BACKEND (wasm).
#
# Measured (2-core AMD EPYC shared with ~7 other jobs, Node 20, tfjs-wasm, batch 128): 475–2,800 samples/s per
# epoch depending on the load (median ≈ 1,100); evaluation 6–18 s NLM + 30–70 s DA per 64³ subject (full volume; now
# brain + SSIM margin only). The reduced run behind reports/ took 25 min wall clock for the 5-fold CV (4 epochs ×
# 30k samples per fold, 12.2 min of training, in parallel with the final model) and 29 min for the final model's
# first 15 epochs × 100k samples. The full protocol (one-pass epochs of ≈ 290k samples, early stopping typically
# after 20–40 epochs) needs roughly 5 × 30 × 290k / 1,100 s ≈ 11 h here.
set -euo pipefail
cd "$(dirname "$0")/.."

COHORT=${COHORT:-data/cohort}
OUT=${OUT:-runs/paper}
EPOCHS=${EPOCHS:-200}
PATIENCE=${PATIENCE:-8}
NOISE=${NOISE:-1}
PUBLISH=${PUBLISH:-weights/da}
BACKEND=${BACKEND:-wasm}
SAMPLES_ARG=()
if [[ -n "${SAMPLES:-}" ]]; then SAMPLES_ARG=(--samples-per-epoch "$SAMPLES"); fi

# Runs the CLI's TypeScript directly (not through bin/), so signals reach the training process itself.
cli() { node --import tsx src/cli/main.ts "$@"; }
stamp() { date -u +%FT%TZ; }
step() {
  local name=$1; shift
  local t0=$SECONDS
  echo "[$(stamp)] $name: start"
  "$@"
  echo "[$(stamp)] $name: done in $(( (SECONDS - t0) / 60 )) min $(( (SECONDS - t0) % 60 )) s"
}

mkdir -p "$OUT"
if [[ ! -f "$COHORT/manifest.json" ]]; then
  step "cohort" cli phantom --subjects 13 --seed 1 --out "$COHORT"
fi
COMMON=(--cohort "$COHORT" --max-epochs "$EPOCHS" --patience "$PATIENCE" --noise-level "$NOISE" --seed 1 --backend "$BACKEND" --resume "${SAMPLES_ARG[@]}")

if [[ -n "${SWEEP:-}" ]]; then
  step "noise sweep" cli train "${COMMON[@]}" --out "$OUT/sweep" --sweep-noise "$SWEEP" --max-epochs 6 --samples-per-epoch 20000
fi
step "5-fold cross-validation" cli train "${COMMON[@]}" --out "$OUT/cv" --folds 5
step "final model" cli train "${COMMON[@]}" --out "$OUT" --final --publish "$PUBLISH" --cv-report "$OUT/cv/cv-report.json"
echo "[$(stamp)] all done: $OUT/cv/cv-report.md, $PUBLISH/MODEL_CARD.md"
