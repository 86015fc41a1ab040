"""Batch norm over large arrays works a few images at a time (cache blocking). The block sizes
are shrunk here so small inputs take that path with several blocks, an uneven last one
included; against PyTorch: outputs, strides, running statistics and gradients, in training
and evaluation, for row-major, channels-last and transposed inputs, float32 and float64."""
import numpy as np
import pytest

import ember
import torch
from ember._ops import normalization


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(normalization, "_BLOCK_MIN_BYTES", 0)
    # float64: blocks of 2 images (2, 2, 2, 1); float32: of 4 (4, 3)
    monkeypatch.setattr(normalization, "_BLOCK_BYTES", 2 * 3 * 5 * 6 * 8)


def _run(m, x, w, b, layout, training, dtype):
    xt = m.tensor(x, dtype=getattr(m, dtype), requires_grad=True)
    xx = {"rows": xt, "channels_last": xt.contiguous(memory_format=m.channels_last),
          "transposed": xt.transpose(2, 3)}[layout]
    wt = None if w is None else m.tensor(w, dtype=getattr(m, dtype), requires_grad=True)
    bt = None if b is None else m.tensor(b, dtype=getattr(m, dtype), requires_grad=True)
    rm, rv = m.zeros(x.shape[1], dtype=getattr(m, dtype)), m.ones(x.shape[1],
                                                                    dtype=getattr(m, dtype))
    y = m.nn.functional.batch_norm(xx, rm, rv, wt, bt, training=training)
    g = m.tensor(np.random.default_rng(3).standard_normal(tuple(y.shape)),
                 dtype=getattr(m, dtype))
    leaves = [t for t in (xt, wt, bt) if t is not None]
    grads = m.autograd.grad(y, leaves, g)
    return y, [y.detach().numpy(), rm.numpy(), rv.numpy()] + [q.numpy() for q in grads]


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-10), ("float32", 1e-4)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("layout", ["rows", "channels_last", "transposed"])
def test_blocked_matches_torch(layout, training, dtype, tol):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 3, 5, 6)) * 3 + 1      # 7 images: blocks of 2, then 1
    w, b = rng.random(3) + 0.5, rng.standard_normal(3)
    ye, e = _run(ember, x, w, b, layout, training, dtype)
    yt, t = _run(torch, x, w, b, layout, training, dtype)
    assert ye.stride() == yt.stride()
    for a, c in zip(e, t):
        np.testing.assert_allclose(a, c, rtol=tol, atol=tol)


def test_blocked_without_affine_parameters():
    x = np.random.default_rng(1).standard_normal((5, 4, 3, 3))
    _, e = _run(ember, x, None, None, "rows", True, "float64")
    _, t = _run(torch, x, None, None, "rows", True, "float64")
    for a, c in zip(e, t):
        np.testing.assert_allclose(a, c, rtol=1e-10, atol=1e-10)
