#!/usr/bin/env bash
# Every figure of the README's Performance section, measured again.
# Needs: cargo, python3 (numpy and jax are installed if missing), hyperfine and GNU
# time (Debian packages `hyperfine` and `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cargo build --release --locked -q
python3 -c 'import numpy' 2>/dev/null || pip install -q numpy

echo "== criterion: one epoch against the hand-written floor, one job, the default grid"
cargo bench --locked --bench core -- "epoch|job|grid" 2>&1 | grep -E "^(epoch|job|grid)|time:"

echo "== lanes: ns per job-update on one core against one job at a time, the floor, NumPy and JAX"
python3 -c 'import jax' 2>/dev/null || pip install -q jax || echo "(JAX did not install: its rows are left out)"
python3 bench/lanes.py 5 2000

echo "== sweep -j 1 against the NumPy loop (bench/grid.toml)"
python3 bench/compare.py 15

echo "== threads: -j 1 against -j 2 (bench/scaling.toml, 320 jobs)"
# A fresh results folder per run, with the last run's files flushed to disk
# first: deleting them, or the kernel writing them out while both cores are
# busy, is not part of running the grid.
hyperfine -N --warmup 2 --runs 15 --prepare "sh -c 'rm -rf $out/scaling && sync'" \
  --export-json "$out/scaling.json" \
  "target/release/sweep bench/scaling.toml -j 1 -q --no-plot -o $out" \
  "target/release/sweep bench/scaling.toml -j 2 -q --no-plot -o $out"
python3 - "$out/scaling.json" <<'PY'
import json, sys
one, two = (r["median"] for r in json.load(open(sys.argv[1]))["results"])
print(f"medians: -j 1 {one:.3f} s, -j 2 {two:.3f} s: -j 2 is {one / two:.2f}x faster")
PY

echo "== memory: 100,000 jobs (bench/many.toml)"
/usr/bin/time -v target/release/sweep bench/many.toml -o "$out" --no-plot --force 2>&1 >/dev/null |
  grep -E "^sweep:|Maximum resident|Elapsed"
python3 - "$out/many/timings.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
total = sum(float(r["seconds"]) for r in rows)
writing = sum(float(r["write_seconds"]) for r in rows)
print(f"committing to results.db: {writing:.2f} s of {total:.2f} s of job time ({writing / total:.0%}), on the writer thread beside the training")
PY

echo "== plan: 10,000,000 cells counted by --dry-run (bench/plan10m.toml)"
/usr/bin/time -v target/release/sweep bench/plan10m.toml --dry-run -o "$out/none" 2>&1 |
  grep -E "^jobs:|Maximum resident|Elapsed"
