"""Convolution against PyTorch: F.conv1d/2d/3d, F.conv_transpose1d/2d/3d, F.unfold/F.fold and
the nn modules (Conv*, ConvTranspose*, Lazy*, Fold/Unfold): values, layouts, gradients w.r.t.
input, weight and bias, double backward, dtypes, errors, reprs and seeded initialisation."""
import re
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr, assert_same

rng = np.random.default_rng(0)


def randn(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def _weights(lib, shape, dtype):
    """A fixed random tensor to weight an output by, so gradients are not all-ones sums."""
    g = np.random.default_rng(sum(shape) + len(shape)).standard_normal(shape)
    return lib.from_numpy(g.astype(dtype))


def _is_tensor(a):
    return isinstance(a, (ember.Tensor, torch.Tensor))


def _with_grads(fn):
    """``fn``'s output plus the gradients of a weighted sum of it w.r.t. every input that
    requires grad (None where unused)."""
    def run(m, *args):
        y = fn(m, *args)
        leaves = [a for a in args if _is_tensor(a) and a.requires_grad]
        if not leaves:
            return y
        np_dt = np.float64 if y.dtype in (ember.float64, torch.float64) else np.float32
        loss = (y * _weights(m, tuple(y.shape), np_dt)).sum()
        return (y,) + tuple(m.autograd.grad(loss, leaves, allow_unused=True))
    return run


def _double(fn):
    """Second-order gradients: first gradients (create_graph) of a weighted sum, then the
    gradients of a weighted sum of those w.r.t. every input."""
    def run(m, *args):
        y = fn(m, *args)
        leaves = [a for a in args if _is_tensor(a) and a.requires_grad]
        loss = (y * _weights(m, tuple(y.shape), np.float64)).sum()
        firsts = m.autograd.grad(loss, leaves, create_graph=True)
        total = sum((g * _weights(m, tuple(g.shape), np.float64)).sum() for g in firsts)
        seconds = m.autograd.grad(total, leaves, allow_unused=True)
        return tuple(g.detach() for g in firsts) + tuple(seconds)
    return run


def _args(x, w, b):
    inputs = [Arr(x, requires_grad=True), Arr(w, requires_grad=True)]
    inputs.append(None if b is None else Arr(b, requires_grad=True))
    return inputs


# ---------------------------------------------------------------------------- forward + grads
CONV_CASES = [
    # (dim, N, C, O, spatial, kernel, kwargs)
    (1, 2, 3, 4, (9,), (3,), {}),
    (1, 2, 4, 6, (10,), (2,), dict(stride=2, padding=1, dilation=2, groups=2)),
    (1, 1, 18, 20, (7,), (3,), dict(padding=1)),
    (2, 2, 3, 4, (7, 8), (3, 3), dict(padding=1)),
    (2, 2, 4, 6, (7, 9), (3, 2), dict(stride=(2, 1), padding=(0, 1), dilation=(1, 2), groups=2)),
    (2, 3, 6, 6, (6, 6), (3, 3), dict(stride=2, padding=1, groups=6)),  # depthwise
    (2, 2, 16, 20, (6, 7), (3, 3), dict(padding=1)),                    # tap-shift layout
    (2, 2, 17, 16, (6, 5), (3, 2), dict(padding=(2, 0), dilation=(2, 1))),
    (2, 1, 1, 6, (28, 28), (5, 5), dict(padding=2)),                    # LeNet's first layer
    (2, 2, 32, 8, (5, 5), (5, 5), dict(padding=4)),                     # pad > (k-1)/2
    (3, 2, 3, 4, (4, 5, 6), (2, 3, 2), dict(padding=(1, 0, 1))),
    (3, 1, 16, 16, (4, 4, 4), (3, 3, 3), dict(padding=1)),
    (3, 2, 4, 4, (5, 5, 5), (3, 3, 3), dict(stride=2, dilation=(1, 2, 1), groups=4)),
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: f"{c[0]}d-{c[3]}-{c[5]}-{c[6]}")
def test_conv_values_and_grads(case, bias):
    dim, N, C, O, S, k, kw = case
    g = kw.get("groups", 1)
    x, w = randn(N, C, *S), randn(O, C // g, *k)
    b = randn(O) if bias else None
    fn = _with_grads(lambda m, x, w, b: getattr(m.nn.functional, f"conv{dim}d")(x, w, b, **kw))
    check_same(fn, *_args(x, w, b), rtol=1e-10, atol=1e-10, check_grad_fn=True)


@pytest.mark.parametrize("case", CONV_CASES[::2], ids=lambda c: f"{c[0]}d-{c[3]}-{c[5]}")
def test_conv_float32(case):
    dim, N, C, O, S, k, kw = case
    g = kw.get("groups", 1)
    x, w, b = randn(N, C, *S, dtype=np.float32), randn(O, C // g, *k, dtype=np.float32), randn(
        O, dtype=np.float32)
    fn = _with_grads(lambda m, x, w, b: getattr(m.nn.functional, f"conv{dim}d")(x, w, b, **kw))
    check_same(fn, *_args(x, w, b), rtol=1e-4, atol=1e-4)


TRANSPOSED_CASES = [
    # (dim, N, C_in, C_out, spatial, kernel, kwargs)
    (1, 2, 3, 4, (6,), (3,), dict(stride=2, output_padding=1)),
    (1, 2, 4, 6, (5,), (2,), dict(stride=3, padding=1, dilation=2, groups=2, output_padding=2)),
    (2, 1, 3, 3, (16, 16), (4, 4), dict(stride=2, padding=1)),
    (2, 2, 4, 6, (4, 5), (3, 2), dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0),
                                      groups=2, dilation=(1, 2))),
    (2, 2, 16, 18, (5, 5), (3, 3), dict(padding=1)),     # stride 1, many channels
    (2, 2, 6, 6, (4, 4), (3, 3), dict(stride=2, groups=6, output_padding=1)),
    (3, 2, 3, 4, (3, 4, 3), (2, 3, 2), dict(stride=(2, 1, 2), padding=(0, 1, 1))),
    (3, 1, 16, 4, (3, 3, 3), (3, 3, 3), dict(padding=1, dilation=2)),
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", TRANSPOSED_CASES, ids=lambda c: f"{c[0]}d-{c[3]}-{c[5]}-{c[6]}")
def test_conv_transpose_values_and_grads(case, bias):
    dim, N, C, O, S, k, kw = case
    g = kw.get("groups", 1)
    x, w = randn(N, C, *S), randn(C, O // g, *k)
    b = randn(O) if bias else None
    fn = _with_grads(
        lambda m, x, w, b: getattr(m.nn.functional, f"conv_transpose{dim}d")(x, w, b, **kw))
    check_same(fn, *_args(x, w, b), rtol=1e-10, atol=1e-10, check_grad_fn=True)


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("case", [
    (2, 2, 3, 4, (5, 6), (3, 2), dict(stride=2, padding=1)),
    (2, 1, 16, 16, (4, 5), (3, 3), dict(padding=1)),
    (1, 2, 4, 6, (7,), (3,), dict(dilation=2, groups=2)),
    (3, 1, 2, 2, (3, 3, 3), (2, 2, 2), {}),
], ids=str)
def test_double_backward(case, transposed):
    dim, N, C, O, S, k, kw = case
    g = kw.get("groups", 1)
    x = randn(N, C, *S)
    w = randn(C, O // g, *k) if transposed else randn(O, C // g, *k)
    name = f"conv_transpose{dim}d" if transposed else f"conv{dim}d"
    fn = _double(lambda m, x, w, b: getattr(m.nn.functional, name)(x, w, b, **kw))
    # (PyTorch's second-order weight gradient comes out of transposes with odd strides)
    check_same(fn, *_args(x, w, randn(O)), rtol=1e-9, atol=1e-9, check_strides=False)


@pytest.mark.parametrize("transposed", [False, True])
def test_complex_gradients(transposed):
    def c(*shape):
        return randn(*shape) + 1j * randn(*shape)
    name = "conv_transpose2d" if transposed else "conv2d"
    w = c(2, 3, 3, 2) if transposed else c(3, 2, 3, 2)

    def run(m, x, w, b):
        y = getattr(m.nn.functional, name)(x, w, b, stride=2, padding=1)
        r = m.from_numpy(np.random.default_rng(7).standard_normal(tuple(y.shape)) * (1 - 2j))
        firsts = m.autograd.grad((y * r).abs().sum(), (x, w, b), create_graph=True)
        total = sum((g * g.conj()).real.sum() for g in firsts)
        return (y,) + tuple(g.detach() for g in firsts) + m.autograd.grad(total, (x, w, b))
    check_same(run, Arr(c(1, 2, 5, 6), requires_grad=True), Arr(w, requires_grad=True),
               Arr(c(3), requires_grad=True), rtol=1e-9, atol=1e-9, check_strides=False)


def test_double_backward_graph():
    def run(m):
        x = m.ones(1, 2, 4, 4, dtype=m.float64, requires_grad=True)
        w = m.ones(3, 2, 2, 2, dtype=m.float64, requires_grad=True)
        b = m.zeros(3, dtype=m.float64, requires_grad=True)
        y = m.nn.functional.conv2d(x, w, b)
        gx, gw, gb = m.autograd.grad((y * y).sum(), (x, w, b), create_graph=True)
        names = [type(t.grad_fn).__name__ for t in (gx, gw, gb)]
        return names, gx.grad_fn is gw.grad_fn, [type(f).__name__ for f, _ in
                                                 gx.grad_fn.next_functions]
    assert run(ember) == run(torch)


X3 = randn(1, 2, 5, 5)
W3 = randn(3, 2, 3, 3)


def test_third_order():
    def run(m):
        x = m.tensor(X3, requires_grad=True)
        w = m.tensor(W3, requires_grad=True)
        y = m.nn.functional.conv2d(x, w, padding=1)
        g, = m.autograd.grad((y ** 3).sum(), x, create_graph=True)
        h, = m.autograd.grad((g * g).sum(), w, create_graph=True)
        k, = m.autograd.grad((h * h).sum(), x)
        return k.numpy()
    np.testing.assert_allclose(run(ember), run(torch), rtol=1e-8)



# ---------------------------------------------------------------------------- padding strings
@pytest.mark.parametrize("dim,k,dilation", [(1, 3, 1), (2, 3, 2), (2, (3, 5), 1), (3, 3, 1),
                                            (1, 4, 1), (2, (4, 3), 1), (2, 2, 3)])
def test_padding_same(dim, k, dilation):
    x = randn(2, 3, *(7,) * dim)
    ks = (k,) * dim if isinstance(k, int) else k
    w, b = randn(4, 3, *ks), randn(4)
    fn = _with_grads(lambda m, x, w, b: getattr(m.nn.functional, f"conv{dim}d")(
        x, w, b, padding="same", dilation=dilation))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_same(fn, *_args(x, w, b), rtol=1e-10, atol=1e-10, check_grad_fn=True)


def test_padding_same_even_kernel_pads_first():
    # (PyTorch warns about the padded copy once per process; so does ember)
    def run(m):
        x = m.ones(1, 2, 6, 6, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = m.nn.functional.conv2d(x, m.ones(1, 2, 4, 4), padding="same")
            m.nn.functional.conv2d(x, m.ones(1, 2, 4, 4), padding="same")
        assert len(caught) <= 1
        return tuple(y.shape), type(y.grad_fn.next_functions[0][0]).__name__
    assert run(ember) == run(torch)


def test_padding_valid():
    check_same(lambda m, x, w: m.nn.functional.conv2d(x, w, padding="valid"),
               randn(1, 3, 6, 5), randn(2, 3, 3, 3), rtol=1e-10)


# ---------------------------------------------------------------------------- layouts
@pytest.mark.parametrize("C,O", [(3, 4), (16, 16)])
@pytest.mark.parametrize("transposed", [False, True])
def test_channels_last_in_channels_last_out(C, O, transposed):
    x = randn(2, C, 6, 5)
    w = randn(C, O, 3, 3) if transposed else randn(O, C, 3, 3)
    name = "conv_transpose2d" if transposed else "conv2d"

    def cl_input(m, x, w):
        return getattr(m.nn.functional, name)(x.to(memory_format=m.channels_last), w, padding=1)

    def cl_weight(m, x, w):
        return getattr(m.nn.functional, name)(x, w.to(memory_format=m.channels_last), padding=1)
    check_same(cl_input, x, w, rtol=1e-10, atol=1e-10)
    check_same(cl_weight, x, w, rtol=1e-10, atol=1e-10)


def test_channels_last_3d_and_grads():
    fn = _with_grads(lambda m, x, w, b: m.nn.functional.conv3d(
        x.to(memory_format=m.channels_last_3d), w, b, padding=1))
    check_same(fn, *_args(randn(1, 3, 4, 4, 3), randn(2, 3, 3, 3, 3), randn(2)), rtol=1e-10,
               atol=1e-10)


def test_non_contiguous_inputs():
    x = Arr(randn(2, 3, 6, 10), layout="strided", requires_grad=True)
    w = Arr(randn(4, 3, 3, 4), layout="strided", requires_grad=True)
    fn = _with_grads(lambda m, x, w: m.nn.functional.conv2d(x, w, padding=1))
    check_same(fn, x, w, rtol=1e-10, atol=1e-10)
    check_same(lambda m, x, w: m.nn.functional.conv2d(x.transpose(2, 3), w, stride=2),
               randn(2, 3, 6, 7), randn(4, 3, 3, 3), rtol=1e-10)


def test_unbatched():
    for dim in (1, 2, 3):
        fn = _with_grads(lambda m, x, w, b: getattr(m.nn.functional, f"conv{dim}d")(x, w, b,
                                                                                     padding=1))
        check_same(fn, *_args(randn(3, *(4,) * dim), randn(2, 3, *(3,) * dim), randn(2)),
                   rtol=1e-10, atol=1e-10, check_grad_fn=True)
        fn = _with_grads(lambda m, x, w, b: getattr(m.nn.functional, f"conv_transpose{dim}d")(
            x, w, b, stride=2))
        check_same(fn, *_args(randn(3, *(3,) * dim), randn(3, 2, *(2,) * dim), randn(2)),
                   rtol=1e-10, atol=1e-10, check_grad_fn=True)


def test_empty_batch():
    fn = _with_grads(lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, padding=1))
    check_same(fn, *_args(randn(0, 3, 5, 5), randn(4, 3, 3, 3), randn(4)))
    check_same(lambda m, x, w: m.nn.functional.conv_transpose2d(x, w), randn(0, 3, 5, 5),
               randn(3, 4, 3, 3))


# ---------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "complex64", "int64", "int32", "uint8"])
def test_dtypes(dtype):
    ints = dtype in ("int64", "int32", "uint8")
    make = (lambda *s: rng.integers(0, 4, s)) if ints else randn
    x, w, b = make(1, 3, 5, 6), make(4, 3, 3, 3), make(4)
    check_same(lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, padding=1),
               Arr(x, dtype=dtype), Arr(w, dtype=dtype), Arr(b, dtype=dtype))
    check_same(lambda m, x, w, b: m.nn.functional.conv_transpose2d(x, w.transpose(0, 1), b,
                                                                   stride=2),
               Arr(x, dtype=dtype), Arr(w, dtype=dtype), Arr(b, dtype=dtype))
    check_same(lambda m, x, w: m.nn.functional.conv1d(x[0], w[..., 0], groups=3, dilation=2),
               Arr(x, dtype=dtype), Arr(w[:3, :1], dtype=dtype))


@pytest.mark.parametrize("dtype", ["bool", "int32", "uint8"])
def test_kernel_not_implemented(dtype):
    x, w = Arr(np.ones((1, 3, 5, 5)), dtype=dtype), Arr(np.ones((4, 3, 3, 3)), dtype=dtype)
    check_same(lambda m, x, w: m.nn.functional.conv2d(x, w), x, w)
    check_same(lambda m, x, w: m.nn.functional.conv2d(x, w, dilation=2), x, w)
    check_same(lambda m, x, w: m.nn.functional.conv_transpose2d(x, w.transpose(0, 1)), x, w)
    check_same(lambda m, x, w: m.nn.functional.conv3d(x[None], w[..., None]), x, w)


# ---------------------------------------------------------------------------- errors
ERRORS = [
    ("conv2d", (1, 4, 8, 8), (16, 3, 3, 3), None, {}),              # channel count
    ("conv2d", (1, 3, 2, 2), (16, 3, 3, 3), None, {}),              # kernel > input
    ("conv1d", (1, 3, 2), (4, 3, 3), None, {}),
    ("conv3d", (1, 3, 2, 2, 2), (4, 3, 3, 3, 3), None, {}),
    ("conv2d", (2, 3), (16, 3, 3, 3), None, {}),                    # rank
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), (3,), {}),              # bias size
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(groups=2)),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(groups=32)),
    ("conv2d", (1, 6, 8, 8), (15, 3, 3, 3), None, dict(groups=2)),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(groups=0)),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(padding=-1)),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(stride=0)),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(dilation=0)),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(dilation=(0, 1))),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(dilation=-1)),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(stride=(1, 1, 1))),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3), None, {}),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3, 3), None, {}),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(padding="foo")),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(padding="same", stride=2)),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(stride=2.0)),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(padding=1.5)),
    ("conv2d", (1, 3, 8, 8), (16, 3, 3, 3), None, dict(groups=1.0)),
    ("conv_transpose2d", (1, 3, 8, 8), (3, 4, 3, 3), None, dict(stride=2, output_padding=2)),
    ("conv_transpose2d", (1, 3, 8, 8), (3, 4, 3, 3), None, dict(output_padding=1)),
    ("conv_transpose2d", (1, 3, 8, 8), (3, 4, 3, 3), None, dict(output_padding=-1)),
    ("conv_transpose1d", (1, 3, 5), (3, 4, 3), None, dict(stride=2, output_padding=2)),
    ("conv_transpose3d", (1, 3, 2, 2, 2), (3, 4, 3, 3, 3), None, dict(stride=2,
                                                                     output_padding=2)),
    ("conv_transpose2d", (1, 3, 8, 8), (4, 4, 3, 3), None, {}),
    ("conv_transpose2d", (1, 3, 8, 8), (3, 4, 3, 3), None, dict(padding=5)),
    ("conv_transpose1d", (1, 3, 5), (3, 3, 3), None, dict(padding=5)),
    ("conv_transpose2d", (1, 6, 5, 5), (6, 2, 3, 3), None, dict(groups=4)),
    ("conv_transpose2d", (1, 6, 5, 5), (6, 2, 3, 3), (5,), dict(groups=3)),
    ("conv_transpose2d", (1, 3, 8, 8), (3, 4, 3, 3), None, dict(stride=2.0)),
    ("conv_transpose2d", (1, 3, 8, 8), (3, 4, 3, 3), None, dict(padding="same")),
]


@pytest.mark.parametrize("name,xs,ws,bs,kw", ERRORS, ids=lambda v: str(v))
def test_errors(name, xs, ws, bs, kw):
    args = [randn(*xs, dtype=np.float32), randn(*ws, dtype=np.float32)]
    if bs is not None:
        args.append(randn(*bs, dtype=np.float32))
    check_same(lambda m, *a: getattr(m.nn.functional, name)(*a, **kw), *args)


@pytest.mark.parametrize("xdt,wdt,bdt", [("float64", "float32", None),
                                         ("float32", "float64", None),
                                         ("float32", "float32", "float64"),
                                         ("float64", "float64", "float32"),
                                         ("int64", "float32", None),
                                         ("float32", "float32", "float16")])
def test_dtype_mismatch_errors(xdt, wdt, bdt):
    args = [Arr(randn(1, 3, 5, 5), dtype=xdt), Arr(randn(2, 3, 3, 3), dtype=wdt),
            None if bdt is None else Arr(randn(2), dtype=bdt)]
    check_same(lambda m, x, w, b: m.nn.functional.conv2d(x, w, b), *args)


def test_non_tensor_arguments():
    check_same(lambda m, w: m.nn.functional.conv2d([1.0], w), randn(2, 3, 3, 3))
    check_same(lambda m, x: m.nn.functional.conv1d(x, 3), randn(1, 3, 5))


def test_torch_convolution():
    fn = _with_grads(lambda m, x, w, b: m.convolution(x, w, b, [2], [1], [1], False, [0], 1))
    check_same(fn, *_args(randn(2, 3, 7, 7), randn(4, 3, 3, 3), randn(4)), rtol=1e-10,
               check_grad_fn=True)
    fn = _with_grads(lambda m, x, w, b: m.convolution(x, w, b, [2, 1], [1], [1], True, [1, 0], 1))
    check_same(fn, *_args(randn(2, 3, 4, 4), randn(3, 4, 3, 3), randn(4)), rtol=1e-10)
    check_same(lambda m, x, w: m.convolution(x, w, None, [1], [0], [1], False, [0], 1),
               randn(1, 3, 5, 5), randn(3, 3))
    check_same(lambda m, x, w: m.conv2d(x, w, padding=1), randn(1, 3, 5, 5), randn(2, 3, 3, 3),
               rtol=1e-10)


def test_saved_attributes():
    def run(m):
        x = m.ones(1, 2, 5, 5, requires_grad=True)
        y = m.nn.functional.conv_transpose2d(x, m.ones(2, 3, 3, 3), stride=2, padding=1,
                                             output_padding=1, groups=1, dilation=1)
        f = y.grad_fn
        return (f._saved_stride, f._saved_padding, f._saved_dilation, f._saved_transposed,
                f._saved_output_padding, f._saved_groups, f._saved_bias_sym_sizes_opt)
    assert run(ember) == run(torch)


# ---------------------------------------------------------------------------- fold / unfold
UNFOLD_CASES = [((2, 3, 6, 7), 2, {}), ((2, 3, 6, 7), (2, 3), dict(dilation=2, padding=1,
                                                                    stride=(2, 1))),
                ((3, 5, 5), 3, dict(padding=1)), ((0, 3, 6, 7), 2, {}),
                ((1, 2, 5, 5), 5, dict(padding=2, stride=3))]


@pytest.mark.parametrize("shape,k,kw", UNFOLD_CASES, ids=str)
def test_unfold(shape, k, kw):
    fn = _with_grads(lambda m, x: m.nn.functional.unfold(x, k, **kw))
    check_same(fn, Arr(randn(*shape), requires_grad=True), rtol=1e-12, check_grad_fn=True)
    check_same(lambda m, x: m.nn.Unfold(k, **kw)(x), randn(*shape, dtype=np.float32))


@pytest.mark.parametrize("shape,k,kw", UNFOLD_CASES, ids=str)
def test_fold_is_unfolds_adjoint(shape, k, kw):
    size = shape[-2:]
    cols = ember.nn.functional.unfold(ember.zeros(shape), k, **kw).shape
    fn = _with_grads(lambda m, c: m.nn.functional.fold(c, size, k, **kw))
    check_same(fn, Arr(randn(*cols), requires_grad=True), rtol=1e-12, check_grad_fn=True)
    check_same(lambda m, c: m.nn.Fold(size, k, **kw)(c), randn(*cols, dtype=np.float32))


def test_fold_unfold_double_backward():
    fn = _double(lambda m, x, w, b: m.nn.functional.fold(
        m.nn.functional.unfold(x, 2, padding=1) * w, (4, 5), 2, padding=1))
    x = randn(2, 3, 4, 5)
    check_same(fn, Arr(x, requires_grad=True), Arr(randn(12, 30), requires_grad=True), None,
               rtol=1e-10, check_strides=False)


@pytest.mark.parametrize("dtype", ["bool", "float16", "bfloat16", "complex64", "int64", "int8"])
def test_fold_unfold_dtypes(dtype):
    x = Arr(rng.integers(0, 2, (2, 3, 4, 5)), dtype=dtype)
    check_same(lambda m, x: m.nn.functional.unfold(x, 2, padding=1), x)
    check_same(lambda m, c: m.nn.functional.fold(c, (4, 5), 2, stride=(1, 1)), Arr(
        rng.integers(0, 2, (2, 12, 12)), dtype=dtype))


FOLD_ERRORS = [
    ("unfold", (2, 3, 6, 7), dict(kernel_size=8)),
    ("unfold", (2, 3, 6, 7), dict(kernel_size=0)),
    ("unfold", (2, 3, 6, 7), dict(kernel_size=2, stride=0)),
    ("unfold", (2, 3, 6, 7), dict(kernel_size=2, dilation=0)),
    ("unfold", (2, 3, 6, 7), dict(kernel_size=2, padding=-1)),
    ("unfold", (2, 3, 6, 7), dict(kernel_size=(2, 2, 2))),
    ("unfold", (2, 3, 6, 7), dict(kernel_size=[2])),
    ("unfold", (2, 3, 6, 7), dict(kernel_size=2.0)),
    ("unfold", (1, 2, 3, 4, 5), dict(kernel_size=2)),
    ("unfold", (2, 0, 6, 7), dict(kernel_size=2)),
    ("unfold", (6, 7), dict(kernel_size=2)),
    ("fold", (2, 12, 30), dict(output_size=(6, 8), kernel_size=2)),
    ("fold", (2, 12, 30), dict(output_size=(6, 7), kernel_size=3)),
    ("fold", (2, 10, 30), dict(output_size=(6, 7), kernel_size=2)),
    ("fold", (2, 3, 4, 5), dict(output_size=(6, 7), kernel_size=2)),
    ("fold", (2, 12, 30), dict(output_size=(6, 7), kernel_size=0)),
    ("fold", (2, 12, 30), dict(output_size=(6, 7), kernel_size=2, stride=0)),
    ("fold", (2, 12, 30), dict(output_size=6, kernel_size=2)),
    ("fold", (2, 12, 30), dict(output_size=(6, 7, 3), kernel_size=2)),
    ("fold", (2, 12, 30), dict(output_size=(1, 1), kernel_size=2)),
    ("fold", (2, 12, 30), dict(output_size=(6, 7), kernel_size=2.0)),
]


@pytest.mark.parametrize("name,shape,kw", FOLD_ERRORS, ids=str)
def test_fold_unfold_errors(name, shape, kw):
    check_same(lambda m, x: getattr(m.nn.functional, name)(x, **kw), randn(*shape,
                                                                          dtype=np.float32))


# ---------------------------------------------------------------------------- modules
def _module_pair(make):
    torch.manual_seed(3)
    tm = make(torch.nn)
    ember.manual_seed(3)
    em = make(ember.nn)
    return em, tm


MODULES = [
    lambda nn: nn.Conv2d(3, 16, 3, padding=1),
    lambda nn: nn.Conv2d(3, 16, (3, 5), stride=2, dilation=2, bias=False),
    lambda nn: nn.Conv2d(4, 8, 3, padding="same", groups=4, padding_mode="circular"),
    lambda nn: nn.Conv2d(4, 8, 4, padding="same", padding_mode="reflect"),
    lambda nn: nn.Conv2d(2, 4, 3, padding=(1, 2), padding_mode="replicate"),
    lambda nn: nn.Conv2d(2, 4, 3, padding="valid"),
    lambda nn: nn.Conv1d(4, 16, 3, padding="same", groups=4, padding_mode="circular"),
    lambda nn: nn.Conv1d(2, 3, 2, padding=1, padding_mode="reflect"),
    lambda nn: nn.Conv3d(2, 4, 3, padding=1, padding_mode="replicate"),
    lambda nn: nn.Conv3d(2, 4, (1, 2, 3), stride=(1, 2, 1)),
    lambda nn: nn.ConvTranspose1d(3, 6, 3, stride=2, output_padding=1, groups=3),
    lambda nn: nn.ConvTranspose2d(3, 16, 3, stride=2, padding=1, output_padding=1, dilation=2),
    lambda nn: nn.ConvTranspose2d(3, 3, kernel_size=4, stride=2, padding=1),
    lambda nn: nn.ConvTranspose3d(3, 6, 3, groups=3, bias=False),
]


@pytest.mark.parametrize("make", MODULES, ids=range(len(MODULES)))
def test_module_init_repr_forward_backward(make):
    em, tm = _module_pair(make)
    assert repr(em) == repr(tm)
    es, ts = em.state_dict(), tm.state_dict()
    assert list(es) == list(ts)
    for k in ts:   # bit-identical initialisation
        np.testing.assert_array_equal(es[k].numpy(), ts[k].numpy(), err_msg=k)
    dim = len(tm.kernel_size)
    C = tm.in_channels
    x = randn(2, C, *(11,) * dim, dtype=np.float32)
    ey, ty = em(ember.from_numpy(x.copy())), tm(torch.from_numpy(x.copy()))
    assert_same(ey, ty, rtol=1e-5, atol=1e-5)
    ey.sum().backward()
    ty.sum().backward()
    for (n, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        assert_same(ep.grad, tp.grad, where=n, rtol=1e-4, atol=1e-4)
    ey1, ty1 = em(ember.from_numpy(x[0].copy())), tm(torch.from_numpy(x[0].copy()))  # unbatched
    assert_same(ey1, ty1, rtol=1e-5, atol=1e-5)


def test_module_padding_mode_grads_double():
    fn = _with_grads(lambda m, x: _seeded(m, lambda nn: nn.Conv2d(
        2, 3, 3, padding=1, padding_mode="reflect").double())(x))
    check_same(fn, Arr(randn(2, 2, 5, 5), requires_grad=True), rtol=1e-10, check_grad_fn=True)


def _seeded(m, make):
    m.manual_seed(0)
    return make(m.nn)


@pytest.mark.parametrize("size", [None, (9, 9), [1, 3, 10, 10], (3, 10, 10), (11, 9), [8, 8],
                                  (1, 2, 3)])
def test_conv_transpose_output_size(size):
    def run(m, x):
        layer = _seeded(m, lambda nn: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1))
        return layer(x, output_size=size)
    check_same(run, randn(1, 2, 5, 5, dtype=np.float32), rtol=1e-5)
    check_same(lambda m, x: _seeded(m, lambda nn: nn.ConvTranspose1d(2, 3, 3, stride=3))(
        x, output_size=[9] if size is None else size[-1:]), randn(2, 5, dtype=np.float32))


MODULE_ERRORS = [
    lambda nn: nn.Conv2d(3, 16, 3, padding_mode="foo"),
    lambda nn: nn.Conv2d(3, 16, 3, groups=2),
    lambda nn: nn.Conv2d(4, 15, 3, groups=2),
    lambda nn: nn.Conv2d(4, 16, 3, groups=0),
    lambda nn: nn.Conv2d(4, 16, 3, padding="same", stride=2),
    lambda nn: nn.Conv2d(4, 16, 3, padding="bad"),
    lambda nn: nn.ConvTranspose2d(4, 16, 3, padding_mode="reflect"),
    lambda nn: nn.Conv2d(3.0, 16, 3),
    lambda nn: nn.Conv2d(3, 16.0, 3),
]


def _sorted_sets(text):
    """A message with each printed set's items sorted: PyTorch prints Python sets of strings,
    whose order depends on the string hash seed a .pyc was compiled under."""
    return re.sub(r"\{([^{}]*)\}", lambda mt: "{" + ", ".join(sorted(mt.group(1).split(", ")))
                  + "}", text)


@pytest.mark.parametrize("make", MODULE_ERRORS, ids=range(len(MODULE_ERRORS)))
def test_module_errors(make):
    def error(m):
        try:
            make(m.nn)
        except Exception as e:  # noqa: BLE001 - compared below
            return type(e).__name__, _sorted_sets(str(e).replace("ember", "torch"))
        return None
    assert error(ember) == error(torch) is not None


def test_module_input_channel_error():
    check_same(lambda m, x: _seeded(m, lambda nn: nn.Conv2d(3, 16, 3))(x),
               randn(1, 4, 8, 8, dtype=np.float32))


def test_module_attributes():
    def run(m):
        c = m.nn.Conv2d(3, 16, 4, padding="same", dilation=(1, 2))
        t = m.nn.ConvTranspose2d(4, 16, 3, padding="same")
        return (c.padding, c._reversed_padding_repeated_twice, c.transposed, c.output_padding,
                c.kernel_size, c.stride, c.dilation, c.groups, c.padding_mode, t.padding,
                repr(t), m.nn.Conv1d.__constants__)
    assert run(ember) == run(torch)


@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.LazyConv1d(4, 3), (2, 3, 7)),
    (lambda nn: nn.LazyConv2d(16, 3, padding=1, groups=2), (2, 4, 5, 5)),
    (lambda nn: nn.LazyConv3d(2, 2, bias=False), (3, 4, 4, 4)),       # unbatched
    (lambda nn: nn.LazyConvTranspose1d(4, 3, stride=2), (2, 3, 5)),
    (lambda nn: nn.LazyConvTranspose2d(6, 3, groups=3, output_padding=1, stride=2), (1, 3, 4, 4)),
    (lambda nn: nn.LazyConvTranspose3d(2, 2), (1, 2, 3, 3, 3)),
])
def test_lazy_modules(make, shape):
    em, tm = _module_pair(make)
    assert repr(em) == repr(tm)
    x = randn(*shape, dtype=np.float32)
    ember.manual_seed(5)
    torch.manual_seed(5)
    assert_same(em(ember.from_numpy(x.copy())), tm(torch.from_numpy(x.copy())), rtol=1e-5)
    assert repr(em) == repr(tm) and type(em).__name__ == type(tm).__name__
    for k, v in tm.state_dict().items():
        np.testing.assert_array_equal(em.state_dict()[k].numpy(), v.numpy())


def test_lazy_rank_error():
    check_same(lambda m, x: m.nn.LazyConv2d(4, 3)(x), randn(2, 3, dtype=np.float32))


def test_fold_module_reprs():
    for make in (lambda nn: nn.Unfold(2, dilation=1, padding=0, stride=1),
                 lambda nn: nn.Fold((4, 5), 2), lambda nn: nn.Fold(4, (2, 3), 2, 1, (1, 2))):
        assert repr(make(ember.nn)) == repr(make(torch.nn))
