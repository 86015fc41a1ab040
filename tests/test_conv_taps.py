"""Stride-1 convolutions over many channels take the "taps" layout: one accumulating BLAS GEMM
per kernel tap on shifted windows of a flat padded grid (forward, input gradient through the
flipped kernel, weight gradient with the gradient grid pixel-major); images and rows share
their zero borders where the pads allow. Against PyTorch, with
shapes chosen so that layout is taken (checked), and again with the BLAS binding refused (the
column GEMM fallback)."""
import numpy as np
import pytest

import ember
import torch
from ember._backend import conv_kernels
from oracle import check_same, Arr

rng = np.random.default_rng(0)


def randn(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def _with_grads(fn):
    """Output plus gradients of an unevenly weighted sum w.r.t. every input needing grad."""
    def run(m, *args):
        y = fn(m, *args)
        leaves = [a for a in args if isinstance(a, (ember.Tensor, torch.Tensor))
                  and a.requires_grad]
        g = np.random.default_rng(7).standard_normal(tuple(y.shape))
        w = m.from_numpy(g.astype(np.float64 if y.dtype in (ember.float64, torch.float64)
                                  else np.float32))
        return (y,) + tuple(m.autograd.grad((y * w).sum(), leaves))
    return run


@pytest.fixture
def gemm_calls(monkeypatch):
    """Counts the accumulating GEMMs the convolution kernels run."""
    calls = []
    real = conv_kernels.gemm_accumulate

    def counting(*args):
        ran = real(*args)
        calls.append(ran)
        return ran
    monkeypatch.setattr(conv_kernels, "gemm_accumulate", counting)
    return calls


@pytest.fixture
def no_blas(monkeypatch):
    monkeypatch.setattr(conv_kernels, "gemm_accumulate", lambda *args: False)


CASES = [
    # (dim, N, C, O, spatial, kernel, kwargs)
    (2, 2, 16, 20, (14, 14), (3, 3), dict(padding=1)),
    (2, 2, 20, 16, (13, 15), (3, 3), dict(padding=1, bias=False)),
    (2, 1, 16, 16, (30, 30), (3, 3), dict(padding=2, dilation=2)),
    (2, 2, 16, 16, (14, 14), (2, 4), dict(padding="same")),          # uneven padding
    (2, 2, 16, 17, (14, 14), (1, 1), {}),
    # pads beyond the kernel's reach: images do not share their zero borders
    (2, 1, 16, 16, (30, 30), (3, 3), dict(padding=3)),
    (2, 2, 16, 16, (14, 14), (1, 1), dict(padding=1)),
    (1, 2, 16, 24, (30,), (5,), dict(padding=2)),
    (3, 1, 16, 16, (2, 14, 14), (1, 3, 3), dict(padding=(0, 1, 1))),
]


def _conv(case):
    dim, N, C, O, S, k, kw = case
    kw = dict(kw)
    bias = kw.pop("bias", True)
    return dim, (N, C) + S, (O, C) + k, O if bias else None, kw


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 1e-4)])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}d-{c[5]}-{c[6]}")
def test_values_and_grads(case, dtype, tol, gemm_calls):
    dim, xs, ws, bs, kw = _conv(case)
    inputs = [Arr(randn(*xs, dtype=dtype), requires_grad=True),
              Arr(randn(*ws, dtype=dtype), requires_grad=True),
              None if bs is None else Arr(randn(bs, dtype=dtype), requires_grad=True)]
    fn = _with_grads(lambda m, x, w, b: getattr(m.nn.functional, f"conv{dim}d")(x, w, b, **kw))
    check_same(fn, *inputs, rtol=tol, atol=tol)
    # forward and weight gradient (and the input gradient, unless its pads are negative:
    # padding beyond the kernel's reach) each ran one GEMM per tap through BLAS
    taps, nd = int(np.prod(ws[2:])), len(ws) - 2
    pads = np.broadcast_to(0 if kw.get("padding") == "same" else kw.get("padding", 0), (nd,))
    dilation = np.broadcast_to(kw.get("dilation", 1), (nd,))
    beyond = any(p > (k - 1) * d for p, k, d in zip(pads, ws[2:], dilation))
    assert len(gemm_calls) == (2 if beyond else 3) * taps and all(gemm_calls)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}d-{c[5]}-{c[6]}")
def test_column_fallback(case, no_blas):
    dim, xs, ws, bs, kw = _conv(case)
    inputs = [Arr(randn(*xs), requires_grad=True), Arr(randn(*ws), requires_grad=True),
              None if bs is None else Arr(randn(bs), requires_grad=True)]
    fn = _with_grads(lambda m, x, w, b: getattr(m.nn.functional, f"conv{dim}d")(x, w, b, **kw))
    check_same(fn, *inputs, rtol=1e-10, atol=1e-10)


def test_layouts(gemm_calls):
    x, w = randn(2, 16, 14, 14, dtype=np.float32), randn(16, 16, 3, 3, dtype=np.float32)

    def channels_last(m, x, w):
        return m.nn.functional.conv2d(x.contiguous(memory_format=m.channels_last), w,
                                      padding=1)
    fn = _with_grads(channels_last)
    check_same(fn, Arr(x, requires_grad=True), Arr(w, requires_grad=True), rtol=1e-4,
               atol=1e-4)
    fn = _with_grads(lambda m, x, w: m.nn.functional.conv2d(x.transpose(2, 3), w, padding=1))
    check_same(fn, Arr(x, requires_grad=True), Arr(w, requires_grad=True), rtol=1e-4,
               atol=1e-4)
    assert gemm_calls and all(gemm_calls)


def test_transposed_stride_one():
    # a stride-1 transposed convolution's forward is the input adjoint: the same layout
    x, w, b = randn(2, 16, 14, 14), randn(16, 20, 3, 3), randn(20)
    fn = _with_grads(lambda m, x, w, b: m.nn.functional.conv_transpose2d(x, w, b, padding=1))
    check_same(fn, Arr(x, requires_grad=True), Arr(w, requires_grad=True),
               Arr(b, requires_grad=True), rtol=1e-10, atol=1e-10)


def test_repeated_calls_reuse_scratch():
    # scratch buffers survive between calls: a second, different input must not see the first
    w = randn(16, 16, 3, 3)
    for _ in range(2):
        x = randn(2, 16, 14, 14)
        check_same(lambda m, x, w: m.nn.functional.conv2d(x, w, padding=1), Arr(x), Arr(w),
                   rtol=1e-10, atol=1e-10)
