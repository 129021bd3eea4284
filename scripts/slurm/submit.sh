#!/usr/bin/env bash
# Submits a sweep as a Slurm job array of TASKS shards, then the collect
# step, which runs only if every shard ended well. Prints both job ids.
#
#   scripts/slurm/submit.sh CONFIG TASKS [SWEEP OPTIONS, such as -o DIR]
#
# Environment: SWEEP (the sweep binary, default: sweep on PATH), and any
# sbatch option through SBATCH_* variables (SBATCH_PARTITION, …).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
config="${1:?usage: submit.sh CONFIG TASKS [SWEEP OPTIONS]}"
tasks="${2:?usage: submit.sh CONFIG TASKS [SWEEP OPTIONS]}"
shift 2
sweep="${SWEEP:-sweep}"

# Resolve the config once, before any task runs: a bad config fails here,
# not in every task, and the plan names the results folder.
dir=$("$sweep" "$config" "$@" --dry-run | sed -n 's/^results: \(.*\) (.*/\1/p')
array=$(sbatch --parsable --array="0-$((tasks - 1))" \
  --export="ALL,SWEEP=$sweep" "$here/sweep.sbatch" "$config" "$@")
collect=$(sbatch --parsable --dependency="afterok:${array%%;*}" \
  --export="ALL,SWEEP=$sweep" "$here/collect.sbatch" "$dir")
echo "array $array"
echo "collect $collect"
echo "results $dir"
