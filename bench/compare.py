"""Time per update: sweep against the NumPy loop, and against the floor.

Runs `sweep -j 1 bench/grid.toml` and `bench/numpy_sweep.py` (the same 40
jobs, 300,000 updates, an evaluation after every epoch) several times each
and prints the median time per update of both and their ratio. Then reads
criterion's `epoch` benchmark (cargo bench --bench core -- epoch), if it has
been run, for the ratio of sweep's epoch to the hand-written floor's.

Usage (from the repository): python3 bench/compare.py [RUNS]
"""

import json
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
UPDATES = 40 * 100 * 75


def sweep_seconds(out, runs):
    """Median wall time of the whole `sweep` process, files included.

    Each run writes into a fresh results folder, and the last run's files
    are flushed to disk first, so that no run shares the machine with the
    kernel writing out its predecessor's output.
    """
    cmd = [
        str(ROOT / "target/release/sweep"),
        str(ROOT / "bench/grid.toml"),
        "-j", "1", "-q", "--no-plot", "-o", out,
    ]
    prepare = f"rm -rf {out}/bench && sync"
    if shutil.which("hyperfine"):
        # hyperfine times the process itself, without Python's fork overhead.
        report = pathlib.Path(out) / "hyperfine.json"
        subprocess.run(
            ["hyperfine", "-N", "--warmup", "2", "--runs", str(runs),
             "--prepare", f"sh -c '{prepare}'",
             "--export-json", str(report), " ".join(cmd)],
            check=True, stdout=subprocess.DEVNULL,
        )
        return json.loads(report.read_text())["results"][0]["median"]
    times = []
    for _ in range(runs):
        subprocess.run(["sh", "-c", prepare], check=True)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def numpy_seconds():
    cmd = [sys.executable, str(ROOT / "bench/numpy_sweep.py"), str(ROOT / "src/data/iris.csv")]
    jobs, updates, seconds = subprocess.run(
        cmd, check=True, capture_output=True, text=True
    ).stdout.split()
    assert int(updates) == UPDATES, updates
    return float(seconds)


def criterion_median(name):
    path = ROOT / "target/criterion/epoch" / name / "new/estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["median"]["point_estimate"]


def main():
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as out:
        sweep = sweep_seconds(out, RUNS)
    numpy = statistics.median(numpy_seconds() for _ in range(max(1, RUNS // 2)))
    per = lambda s: s / UPDATES * 1e6
    print(f"grid: bench/grid.toml, 40 jobs, {UPDATES} updates, evaluation every 75")
    print(f"sweep -j 1 : {sweep:8.3f} s  {per(sweep):8.3f} µs/update (whole run: files included)")
    print(f"NumPy loop : {numpy:8.3f} s  {per(numpy):8.3f} µs/update")
    print(f"ratio      : sweep is {numpy / sweep:.1f}x faster per update")
    s, f = criterion_median("sweep"), criterion_median("floor")
    if s and f:
        print(f"epoch (criterion): sweep {s / 1e3:.2f} µs, floor {f / 1e3:.2f} µs, ratio {s / f:.2f}")
    else:
        print("epoch (criterion): run `cargo bench --bench core -- epoch` first")


main()
