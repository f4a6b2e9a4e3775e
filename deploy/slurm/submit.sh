#!/usr/bin/env bash
# Queues n shard tasks and the merge that waits for all of them (afterok: only if every task succeeded).
# usage: deploy/slurm/submit.sh <pipeline.yaml> <runs root> <number of shards> [plaf run flags…]
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 <pipeline.yaml> <runs root> <number of shards> [plaf run flags…]" >&2
  exit 1
fi
pipeline=$1
root=$2
n=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$root"
array=$(sbatch --parsable --array="0-$((n - 1))" "$here/plaf-shards.sbatch" "$pipeline" "$root" "$@")
sbatch --parsable --dependency="afterok:${array%%;*}" "$here/plaf-merge.sbatch" "$root" "$n"
