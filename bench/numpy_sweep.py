"""The grid of bench/grid.toml written as a NumPy user would write it.

A Python loop over single-sample updates with np.matmul (np.kron for the
Kronecker form), an evaluation on the three sets after every epoch, and one
CSV of per-epoch rows per job. Same shapes, epochs, updates and
evaluations as `sweep bench/grid.toml`; its own random numbers.

Prints: jobs, updates, seconds.
"""

import csv
import io
import itertools
import sys
import time

import numpy as np

IRIS = sys.argv[1] if len(sys.argv) > 1 else "src/data/iris.csv"
EPOCHS, UPDATES_PER_EPOCH = 100, 75
RULES = ["matmul", "kronecker_input"]
ACTIVATIONS = ["sigmoid", "tanh01"]
LEARNING_RATES = [0.01, 0.1]
SEEDS = range(1, 6)


def activation(name):
    if name == "sigmoid":
        f = lambda net: 1.0 / (1.0 + np.exp(-net))
        df = lambda net, z: z * (1.0 - z)
    else:
        f = lambda net: (np.tanh(net) + 1.0) / 2.0
        df = lambda net, z: 2.0 * z * (1.0 - z)
    return f, df


def load(path=IRIS):
    """Iris standard-scaled on its training part, split 75 / 38 / 37, with
    the bias column; one-hot targets. bench/peers.py uses it too."""
    with open(path) as fh:
        rows = list(csv.DictReader(fh))
    features = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    x = np.array([[float(r[c]) for c in features] for r in rows])
    classes = sorted({r["species"] for r in rows})
    t = np.array([[1.0 if r["species"] == c else 0.0 for c in classes] for r in rows])
    order = np.random.default_rng(0).permutation(len(rows))
    x, t = x[order], t[order]
    n_train, n_val = 75, 38
    mean, std = x[:n_train].mean(axis=0), x[:n_train].std(axis=0)
    x = (x - mean) / std
    x = np.hstack([x, np.ones((len(x), 1))])
    return [
        (x[:n_train], t[:n_train]),
        (x[n_train : n_train + n_val], t[n_train : n_train + n_val]),
        (x[n_train + n_val :], t[n_train + n_val :]),
    ]


def evaluate(w, f, x, t):
    z = f(np.matmul(x, w))
    loss = np.mean((t - z) ** 2)
    error = np.mean(np.argmax(z, axis=1) != np.argmax(t, axis=1))
    return loss, error


def job(sets, rule, act, eta, seed):
    f, df = activation(act)
    rng = np.random.default_rng(seed)
    w = rng.uniform(-0.5, 0.5, (5, 3))
    x_train, t_train = sets[0]
    out = io.StringIO()
    writer = csv.writer(out)
    for epoch in range(EPOCHS + 1):
        if epoch > 0:
            for _ in range(UPDATES_PER_EPOCH):
                i = rng.integers(len(x_train))
                x = x_train[i : i + 1]
                net = np.matmul(x, w)
                z = f(net)
                delta = (t_train[i : i + 1] - z) * df(net, z)
                if rule == "matmul":
                    w += eta * np.matmul(x.T, delta)
                else:
                    w += eta * np.kron(x.T, delta)
        row = [epoch]
        for x, t in sets:
            row.extend(evaluate(w, f, x, t))
        writer.writerow(row)
    return out.getvalue()


def main():
    sets = load()
    grid = list(itertools.product(RULES, ACTIVATIONS, LEARNING_RATES, SEEDS))
    start = time.perf_counter()
    for cell in grid:
        job(sets, *cell)
    seconds = time.perf_counter() - start
    print(len(grid), len(grid) * EPOCHS * UPDATES_PER_EPOCH, f"{seconds:.6f}")


if __name__ == "__main__":
    main()
