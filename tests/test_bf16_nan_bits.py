"""The NaN bit patterns PyTorch's CPU kernels write into bfloat16 results: 0xFFFF from its
vectorised float -> bfloat16 converter, 0x7FC0 from its scalar one (NumPy would leave x86's
negative NaN, 0xFFC0)."""
import numpy as np
import pytest

import ember
import torch

NAN = float("nan")


def bits(t):
    """The raw 16-bit words of a bfloat16 tensor (ember or torch), as Python ints."""
    lib = ember if isinstance(t, ember.Tensor) else torch
    return [v & 0xFFFF for v in t.contiguous().view(lib.int16).reshape(-1).tolist()]


CASES = {
    # conversions: float32 vectorised (contiguous) or scalar (strided), float64 in blocks of 16
    "float32 -> bf16": lambda m, n: m.full((n,), NAN).bfloat16(),
    "-nan float32 -> bf16": lambda m, n: (-m.full((n,), NAN)).to(m.bfloat16),
    "float32 0/0 -> bf16": lambda m, n: (m.zeros(n) / m.zeros(n)).bfloat16(),
    "strided float32 -> bf16": lambda m, n: m.full((2 * n,), NAN)[::2].bfloat16(),
    "float64 -> bf16": lambda m, n: m.full((n,), NAN, dtype=m.float64).bfloat16(),
    "float16 -> bf16": lambda m, n: m.full((n,), NAN, dtype=m.float16).bfloat16(),
    "copy_ float32": lambda m, n: m.zeros(n, dtype=m.bfloat16).copy_(m.full((n,), NAN)),
    "copy_ float64": lambda m, n: m.zeros(n, dtype=m.bfloat16).copy_(
        m.full((n,), NAN, dtype=m.float64)),
    # elementwise arithmetic: vectorised in blocks of 32, scalar tail
    "0/0": lambda m, n: m.zeros(n, dtype=m.bfloat16) / m.zeros(n, dtype=m.bfloat16),
    "inf-inf": lambda m, n: m.full((n,), float("inf"), dtype=m.bfloat16) - float("inf"),
    "0*inf": lambda m, n: m.zeros(n, dtype=m.bfloat16) * float("inf"),
    "fmod": lambda m, n: m.fmod(m.ones(n, dtype=m.bfloat16), 0.0),
    "strided 0/0": lambda m, n: m.zeros(2 * n, dtype=m.bfloat16)[::2] / m.zeros(
        n, dtype=m.bfloat16),
    # unary float kernels: vectorised
    "sqrt(-1)": lambda m, n: (-m.ones(n, dtype=m.bfloat16)).sqrt(),
    "log(-1)": lambda m, n: (-m.ones(n, dtype=m.bfloat16)).log(),
    "acos(2)": lambda m, n: m.full((n,), 2.0, dtype=m.bfloat16).acos(),
    "exp(nan)": lambda m, n: m.full((n,), NAN).bfloat16().exp(),
    "tanh(nan)": lambda m, n: m.full((n,), NAN).bfloat16().tanh(),
    # scalar loops
    "neg(nan)": lambda m, n: -m.full((n,), NAN).bfloat16(),
    "sigmoid(nan)": lambda m, n: m.full((n,), NAN).bfloat16().sigmoid(),
}


@pytest.mark.parametrize("n", [1, 3, 16, 33, 70])
@pytest.mark.parametrize("name", sorted(CASES))
def test_nan_bits(name, n):
    f = CASES[name]
    assert bits(f(ember, n)) == bits(f(torch, n))


def test_non_nan_values_untouched():
    """The rewrite touches NaNs only: infinities, zeros of both signs, subnormals keep their bits."""
    vals = [float("inf"), -float("inf"), 0.0, -0.0, 1e-40, -1e-40, 3.5, NAN]
    a = np.array(vals * 5, np.float32)
    assert bits(ember.from_numpy(a).bfloat16()) == bits(torch.from_numpy(a).bfloat16())
    assert bits(ember.from_numpy(a).bfloat16() * 1) == bits(torch.from_numpy(a).bfloat16() * 1)
