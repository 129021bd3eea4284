"""The work of `examples/lanes_bench.rs` written vectorised, as a NumPy or
JAX user would write it: JOBS jobs of iris 4 -> 3 (sigmoid, the gradient
step, one sample per update), 100 epochs of 75 updates, each epoch measured
on the three sets. All jobs advance together: one batched operation per
update for every job at once.

Usage: python3 bench/peers.py numpy|jax64|jax32 JOBS [IRIS_CSV]

Prints the nanoseconds per job-update of the training alone: the data is
loaded first, and JAX compiles on a first call that is not timed.
"""

import sys
import time

from numpy_sweep import load

EPOCHS, UPDATES, ETA, RANGE = 100, 75, 0.1, 0.5


def with_numpy(jobs, path):
    import numpy as np

    sets = load(path)
    rng = np.random.default_rng(1)
    w = rng.uniform(-RANGE, RANGE, (jobs, 5, 3))
    samples = rng.integers(0, 75, (EPOCHS, UPDATES, jobs))
    xs, ts = sets[0]
    started = time.perf_counter()
    for epoch in range(EPOCHS):
        for u in range(UPDATES):
            s = samples[epoch, u]
            x, t = xs[s], ts[s]
            z = 1.0 / (1.0 + np.exp(-np.einsum("ji,jik->jk", x, w)))
            delta = (t - z) * z * (1.0 - z)
            w += ETA * x[:, :, None] * delta[:, None, :]
        for x, t in sets:
            z = 1.0 / (1.0 + np.exp(-np.einsum("si,jik->jsk", x, w)))
            loss = ((t[None] - z) ** 2).mean(axis=(1, 2))
            error = (z.argmax(axis=2) != t.argmax(axis=1)[None]).mean(axis=1)
    assert loss.shape == error.shape == (jobs,)
    return time.perf_counter() - started


def with_jax(jobs, path, double):
    import jax

    jax.config.update("jax_enable_x64", double)
    import jax.numpy as jnp

    dtype = jnp.float64 if double else jnp.float32
    sets = [(jnp.asarray(x, dtype), jnp.asarray(t, dtype)) for x, t in load(path)]
    xs, ts = sets[0]

    def update(w, s):
        x, t = xs[s], ts[s]
        z = jax.nn.sigmoid(x @ w)
        delta = (t - z) * z * (1.0 - z)
        return w + ETA * jnp.outer(x, delta), None

    def measure(w):
        out = []
        for x, t in sets:
            z = jax.nn.sigmoid(x @ w)
            out.append((jnp.mean((t - z) ** 2), jnp.mean(z.argmax(1) != t.argmax(1))))
        return out

    def epoch(w, samples):
        w, _ = jax.lax.scan(update, w, samples)
        return w, measure(w)

    def job(w, samples):
        return jax.lax.scan(epoch, w, samples)

    train = jax.jit(jax.vmap(job))
    key = jax.random.PRNGKey(1)
    w = jax.random.uniform(key, (jobs, 5, 3), dtype, -RANGE, RANGE)
    samples = jax.random.randint(key, (jobs, EPOCHS, UPDATES), 0, 75)
    jax.block_until_ready(train(w, samples))  # compiles
    started = time.perf_counter()
    jax.block_until_ready(train(w, samples))
    return time.perf_counter() - started


def main():
    way, jobs = sys.argv[1], int(sys.argv[2])
    path = sys.argv[3] if len(sys.argv) > 3 else "src/data/iris.csv"
    if way == "numpy":
        seconds = with_numpy(jobs, path)
    elif way in ("jax64", "jax32"):
        seconds = with_jax(jobs, path, way == "jax64")
    else:
        sys.exit(f"unknown way {way!r}: numpy, jax64 or jax32")
    print(f"{seconds * 1e9 / (jobs * EPOCHS * UPDATES):.2f}")


if __name__ == "__main__":
    main()
