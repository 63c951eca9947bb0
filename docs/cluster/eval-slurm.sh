#!/bin/bash
# One `seattrack eval` over a benchmark, split over a SLURM job array: task k tracks shard k of the array (the
# partition is computed from the dataset, the same on every node) into one shared results folder; the task that
# finishes last prints the report, or run `seattrack report` on the folder afterwards.
#   sbatch --array=0-7 docs/cluster/eval-slurm.sh        # 8 shards; each task uses the cores SLURM gives it
#SBATCH --job-name=seattrack-eval
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=02:00:00
set -euo pipefail
seattrack eval --dataset "${DATASET:-lasot}" --root "${DATA_ROOT:-/shared/data/LaSOT}" \
  --model "${MODEL:-seat_lite}" --results "${RESULTS:-/shared/results}" --shard auto
