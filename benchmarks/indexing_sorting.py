"""Scatter/gather, advanced indexing, sort and unique at 1e6 elements: ember vs PyTorch, in one
sitting (issue 5's speed check; not a test).

    python benchmarks/indexing_sorting.py [N]     # N defaults to 1_000_000; needs torch

Prints milliseconds per call (best of several repeats) and the ember / PyTorch ratio. Both
libraries get the same NumPy-made inputs; PyTorch runs with one thread, as ember's NumPy
kernels do, and with its default thread count.
"""
import sys
import timeit

import numpy as np


def cases(m, n, rng_seed=0):
    rng = np.random.default_rng(rng_seed)
    x = m.from_numpy(rng.standard_normal(n).astype(np.float32))
    src = m.from_numpy(rng.standard_normal(n).astype(np.float32))
    idx = m.from_numpy(rng.integers(0, n, n))
    bins = m.from_numpy(rng.integers(0, 1000, n))
    small_int = m.from_numpy(rng.integers(0, 1000, n))
    mask = m.from_numpy(rng.random(n) < 0.5)
    x2 = m.from_numpy(rng.standard_normal((1000, n // 1000)).astype(np.float32))
    rows = m.from_numpy(rng.integers(0, 1000, 1000))
    acc = m.zeros(1000)
    out = m.zeros(n)
    return {
        "scatter_add_ (1e6 -> 1e3)": lambda: acc.scatter_add_(0, bins, src),
        "scatter_add_ (1e6 -> 1e6)": lambda: out.scatter_add_(0, idx, src),
        "index_add_ (1e6 -> 1e3)": lambda: acc.index_add_(0, bins, src),
        "index_add_ (1e6 -> 1e6)": lambda: out.index_add_(0, idx, src),
        "x[idx]": lambda: x[idx],
        "x[idx] = v": lambda: x.__setitem__(idx, src),
        "x[mask]": lambda: x[mask],
        "x2[rows] (1e3 rows of 1e3)": lambda: x2[rows],
        "gather": lambda: x.gather(0, idx),
        "sort": lambda: x.sort(),
        "sort (stable, int)": lambda: small_int.sort(stable=True),
        "argsort": lambda: x.argsort(),
        "unique (float, 1e6 distinct)": lambda: m.unique(x),
        "unique (int, 1e3 distinct)": lambda: m.unique(small_int),
        "unique + inverse + counts": lambda: m.unique(small_int, return_inverse=True,
                                                      return_counts=True),
        "topk k=10": lambda: x.topk(10),
    }


def best_ms(fn, number=3, repeat=5):
    fn()  # warm up
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e3


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    import ember
    import torch
    threads = torch.get_num_threads()
    e_cases, t_cases = cases(ember, n), cases(torch, n)
    print(f"n = {n:,}; ms per call (best of 5); torch with 1 thread and with {threads}")
    print(f"{'case':32s} {'ember':>9s} {'torch-1':>9s} {'torch-N':>9s} {'ratio-1':>8s}")
    for name in e_cases:
        e = best_ms(e_cases[name])
        torch.set_num_threads(1)
        t1 = best_ms(t_cases[name])
        torch.set_num_threads(threads)
        tn = best_ms(t_cases[name])
        print(f"{name:32s} {e:9.2f} {t1:9.2f} {tn:9.2f} {e / t1:8.2f}")


if __name__ == "__main__":
    main()
