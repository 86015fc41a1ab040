"""Per-op overhead of ember vs PyTorch (the shared yardstick's group a), in one sitting.

    python benchmarks/overhead.py            # needs torch installed for the comparison

Prints microseconds per op (median of repeats) for x + y and x * y on (16,) tensors without
grad, and the 10-op elementwise chain with graph recording and with backward.
"""
import statistics
import sys
import timeit


def chain10(m, x):
    y = x * 2.0
    y = y + 1.0
    y = m.sin(y)
    y = y * x
    y = m.tanh(y)
    y = y - x
    y = m.exp(y)
    y = m.sigmoid(y)
    y = y / 3.0
    y = m.relu(y)
    return y


def measure(m):
    x = m.randn(16)
    y = m.randn(16)
    g = m.randn(16, requires_grad=True)

    def fwd_bwd():
        chain10(m, g).sum().backward()
        g.grad = None

    cases = {
        "add_16": (lambda: x + y, 1, 200),
        "mul_16": (lambda: x * y, 1, 200),
        "chain10_fwd_grad": (lambda: chain10(m, g), 10, 50),
        "chain10_fwd_bwd": (fwd_bwd, 10, 50),
    }
    out = {}
    for name, (fn, per, inner) in cases.items():
        for _ in range(3):
            fn()
        samples = [timeit.timeit(fn, number=inner) / inner / per * 1e6 for _ in range(30)]
        out[name] = statistics.median(samples)
    return out


def main():
    import ember
    results = {"ember": measure(ember)}
    try:
        import torch
        torch.set_num_threads(1)
        results["torch"] = measure(torch)
    except ImportError:
        pass
    names = list(results["ember"])
    print(f"{'workload':20s} " + " ".join(f"{k:>10s}" for k in results) +
          ("   ember/torch" if "torch" in results else ""))
    for n in names:
        row = " ".join(f"{results[k][n]:9.2f}u" for k in results)
        ratio = f"   {results['ember'][n] / results['torch'][n]:.2f}x" if "torch" in results else ""
        print(f"{n:20s} {row}{ratio}")


if __name__ == "__main__":
    sys.exit(main())
