"""LayerNorm and BatchNorm1d on a (128, 512) float32 batch: ember vs PyTorch, in one sitting.

    python benchmarks/normalization.py       # needs torch installed for the comparison

Prints microseconds per call (median of repeats) for the forward without grad, and for
forward + backward (input and parameter gradients) in training mode. Both libraries run on
one thread (BLAS and PyTorch's intra-op pool): on a shared machine, PyTorch's spinning worker
threads otherwise dominate its timings.
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import statistics  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402


def measure(m, repeats=7, number=200):
    rows = {}
    x_np = np.random.default_rng(0).standard_normal((128, 512)).astype(np.float32)
    g_np = np.random.default_rng(1).standard_normal((128, 512)).astype(np.float32)
    x = m.from_numpy(x_np.copy()).requires_grad_(True)
    g = m.from_numpy(g_np.copy())
    for name, layer in (("layer_norm", m.nn.LayerNorm(512)), ("batch_norm", m.nn.BatchNorm1d(512))):
        def forward():
            with m.no_grad():
                layer(x)

        def forward_backward():
            layer(x).backward(g)

        for case, fn in (("fwd", forward), ("fwd_bwd", forward_backward)):
            fn()
            times = timeit.repeat(fn, repeat=repeats, number=number)
            rows[f"{name}_{case}"] = statistics.median(times) / number * 1e6
    return rows


def main():
    import ember
    results = {"ember": measure(ember)}
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(1)
        results["torch"] = measure(torch)
    print(f"{'case':24s}" + "".join(f"{k:>12s}" for k in results) + "       ratio")
    for case in results["ember"]:
        vals = [results[k][case] for k in results]
        ratio = f"{vals[0] / vals[1]:10.2f}x" if len(vals) > 1 else ""
        print(f"{case:24s}" + "".join(f"{v:10.1f}us" for v in vals) + ratio)


if __name__ == "__main__":
    main()
