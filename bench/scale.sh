#!/usr/bin/env bash
# The results store at scale (issue 12's targets), measured in one run:
# for each scale config, the same grid trained with results written
# (sweep) and without (examples/compute_only, the same runner with every
# finished job dropped), then a rerun of the finished folder, the size of
# results.db against epochs.csv, and the peak memory.
# Needs GNU time (Debian package `time`). Takes about two minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo build --release --locked -q --bin sweep --example compute_only

seconds() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }

for config in bench/scale100k.toml bench/scale1m.toml; do
  name=$(basename "$config" .toml)
  sync
  read -r compute _ < <(seconds target/release/examples/compute_only "$config")
  rm -rf "$out/$name" && sync
  read -r full rss < <(seconds target/release/sweep "$config" -q --no-plot -o "$out")
  read -r rerun _ < <(seconds target/release/sweep "$config" -q --no-plot -o "$out")
  db=$(stat -c %s "$out/$name/results.db")
  csv=$(stat -c %s "$out/$name/epochs.csv")
  python3 - "$name" "$compute" "$full" "$rerun" "$db" "$csv" "$rss" <<'PY'
import sys
name, compute, full, rerun, db, csv, rss = sys.argv[1:]
compute, full, rerun, db, csv, rss = map(float, (compute, full, rerun, db, csv, rss))
print(f"{name}: compute only {compute:.2f} s, with results {full:.2f} s "
      f"({full / compute:.2f}x); rerun of the finished folder {rerun:.2f} s; "
      f"results.db {db / 2**20:.0f} MiB = {db / csv:.2f}x epochs.csv ({csv / 2**20:.0f} MiB); "
      f"peak RSS {rss / 1024:.1f} MiB")
PY
  rm -rf "$out/$name"
done

echo "== the default grid"
rm -rf "$out/grid"
/usr/bin/time -f "%e s, peak RSS %M KB" target/release/sweep -q -o "$out" 2>&1 >/dev/null | tail -1
