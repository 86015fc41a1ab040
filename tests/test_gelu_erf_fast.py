"""The single-precision erf (a rational fit evaluated in float64) and gelu's array-mode
derivative, against PyTorch: erf within one float32 ulp of torch.erf over its whole range,
gelu's gradient equal to PyTorch's to float32 rounding, and the array derivative (a backward
without create_graph) bit-equal to the ember-op derivative (create_graph=True)."""
import numpy as np
import pytest

import ember
import torch

_GRID = np.concatenate([np.linspace(-6, 6, 24001), np.geomspace(1e-38, 1.0, 400),
                        -np.geomspace(1e-38, 1.0, 400), [0.0, -0.0, 1e-45, 3.9, 4.0, 4.1]])


def test_float32_erf_within_one_ulp_of_torch():
    x = _GRID.astype(np.float32)
    e = ember.tensor(x).erf().numpy()
    t = torch.erf(torch.from_numpy(x)).numpy()
    ulp = np.spacing(np.maximum(np.abs(t), np.float32(1e-38))).astype(np.float64)
    assert (np.abs(e.astype(np.float64) - t) / ulp).max() <= 1.0
    assert np.array_equal(np.signbit(e), np.signbit(t))


def test_float32_erf_specials_and_layout():
    x = np.array([[np.nan, np.inf], [-np.inf, -0.0]], dtype=np.float32).T   # non-contiguous
    e = ember.tensor(x).erf()
    t = torch.erf(torch.from_numpy(x))
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    assert e.stride() == t.stride()


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gelu_gradient_array_mode_matches_op_mode_and_torch(approximate, dtype):
    rng = np.random.RandomState(3)
    x0 = np.concatenate([rng.randn(500) * 3, [0.0, -0.0, 30.0, -30.0, 1e-30]])
    g0 = rng.randn(x0.size)
    xe = ember.tensor(x0, dtype=getattr(ember, dtype), requires_grad=True)
    ge = ember.tensor(g0, dtype=getattr(ember, dtype))
    ye = ember.nn.functional.gelu(xe, approximate=approximate)
    (fast,) = ember.autograd.grad(ye, xe, ge, retain_graph=True)
    (ops,) = ember.autograd.grad(ye, xe, ge, create_graph=True)
    assert ops.grad_fn is not None and fast.grad_fn is None
    np.testing.assert_array_equal(fast.numpy(), ops.detach().numpy())
    xt = torch.tensor(x0, dtype=getattr(torch, dtype), requires_grad=True)
    yt = torch.nn.functional.gelu(xt, approximate=approximate)
    (gt,) = torch.autograd.grad(yt, xt, torch.tensor(g0, dtype=getattr(torch, dtype)))
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fast.numpy(), gt.numpy(), **tol)
    assert fast.dtype == getattr(ember, dtype)
