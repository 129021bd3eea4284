"""ns per job-update on one core: sweep's lanes against sweep one job at a
time, the hand-written floor, vectorised NumPy and JAX (float64 and
float32, where JAX is installed).

Every way trains the same work (examples/lanes_bench.rs, bench/peers.py):
JOBS jobs of iris 4 -> 3, sigmoid, one sample per update, 100 epochs of 75
updates and an evaluation of the three sets each. The ways run in turn,
round after round, each pinned to one core, so that a slow moment of the
machine falls on all of them; each reports the time of its training alone.
Prints min / median / max per way and the ratios of the medians.

Usage (from the repository): python3 bench/lanes.py [ROUNDS] [JOBS]
"""

import importlib.util
import os
import pathlib
import shutil
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
JOBS = sys.argv[2] if len(sys.argv) > 2 else "2000"


def command(way):
    example = ROOT / "target/release/examples/lanes_bench"
    peers = [sys.executable, str(ROOT / "bench/peers.py")]
    cmd = {"numpy": peers + ["numpy"], "jax64": peers + ["jax64"],
           "jax32": peers + ["jax32"]}.get(way, [str(example), way])
    cmd = cmd + [JOBS]
    # One core for everyone: XLA would otherwise spread over all of them.
    return (["taskset", "-c", "0"] if shutil.which("taskset") else []) + cmd


def main():
    subprocess.run(["cargo", "build", "--release", "--locked", "-q",
                    "--example", "lanes_bench"], cwd=ROOT, check=True)
    ways = ["floor", "alone", "lanes"]
    if importlib.util.find_spec("numpy"):
        ways.append("numpy")
    if importlib.util.find_spec("jax"):
        ways += ["jax64", "jax32"]
    env = dict(os.environ, XLA_FLAGS="--xla_cpu_multi_thread_eigen=false")
    times = {way: [] for way in ways}
    for _ in range(ROUNDS):
        for way in ways:
            out = subprocess.run(command(way), cwd=ROOT, env=env, check=True,
                                 capture_output=True, text=True).stdout
            times[way].append(float(out.split()[-1]))
    print(f"{JOBS} jobs x 7,500 updates, {ROUNDS} interleaved rounds, one core")
    print(f"{'way':8} {'min':>8} {'median':>8} {'max':>8}  ns per job-update")
    for way, ts in times.items():
        print(f"{way:8} {min(ts):8.1f} {statistics.median(ts):8.1f} {max(ts):8.1f}")
    median = {way: statistics.median(ts) for way, ts in times.items()}
    for other in ways:
        if other != "lanes":
            print(f"lanes vs {other}: {median[other] / median['lanes']:.2f}x the throughput")


if __name__ == "__main__":
    main()
