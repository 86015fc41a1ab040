"""ember.fft against PyTorch: values, dtypes, output strides, gradients (real losses of complex
outputs), double backward, grad_fn names, the n/s/dim/norm arguments and their errors."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr, DType

rng = np.random.default_rng(0)


def real(*shape):
    return rng.standard_normal(shape)


def cplx(*shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


ONE_DIM = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_DIM = ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2",
         "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]
TAKES_REAL_ONLY = {"rfft", "ihfft", "rfft2", "ihfft2", "rfftn", "ihfftn"}
NORMS = [None, "backward", "forward", "ortho"]


def inputs_for(name, array_real, array_cplx, requires_grad=False, **kw):
    """The float and complex inputs a transform accepts (gradients compared in double
    precision only, where the oracle's tolerance holds)."""
    out = [Arr(array_real.astype(np.float32), **kw),
           Arr(array_real, requires_grad=requires_grad, **kw)]
    if name not in TAKES_REAL_ONLY:
        out += [Arr(array_cplx.astype(np.complex64), **kw),
                Arr(array_cplx, requires_grad=requires_grad, **kw)]
    return out


# ---------------------------------------------------------------------------- one dimension
@pytest.mark.parametrize("name", ONE_DIM)
@pytest.mark.parametrize("norm", NORMS)
def test_one_dim_values_dtypes_grads(name, norm):
    for x in inputs_for(name, real(3, 6), cplx(3, 6), requires_grad=True):
        check_same(lambda m, t: getattr(m.fft, name)(t, norm=norm), x, grad=True,
                   check_grad_fn=True, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ONE_DIM)
@pytest.mark.parametrize("n", [1, 4, 7])
@pytest.mark.parametrize("dim", [0, -1])
def test_one_dim_n_and_dim(name, n, dim):
    for x in inputs_for(name, real(5, 4), cplx(5, 4), requires_grad=True):
        check_same(lambda m, t: getattr(m.fft, name)(t, n, dim), x, grad=True,
                   check_grad_fn=True, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ONE_DIM)
@pytest.mark.parametrize("layout", ["transposed", "strided"])
def test_one_dim_noncontiguous(name, layout):
    for x in inputs_for(name, real(4, 6), cplx(4, 6), layout=layout, requires_grad=True):
        for dim in (0, 1):
            check_same(lambda m, t: getattr(m.fft, name)(t, dim=dim), x, grad=True,
                       rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ONE_DIM)
def test_one_dim_batched_3d(name):
    for x in inputs_for(name, real(2, 3, 4), cplx(2, 3, 4), requires_grad=True):
        for dim in (0, 1, 2):
            check_same(lambda m, t: getattr(m.fft, name)(t, dim=dim, norm="ortho"), x,
                       grad=True, rtol=1e-4, atol=1e-5)
    # a permuted batch: the output layout follows the input's stride order
    for x in inputs_for(name, real(2, 3, 4), cplx(2, 3, 4)):
        check_same(lambda m, t: getattr(m.fft, name)(t.permute(2, 0, 1), dim=1), x)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("name", ONE_DIM + ["fftn", "rfftn", "irfftn", "hfftn", "ihfftn"])
def test_integer_inputs_promote_to_default_dtype(name, dtype):
    x = np.array([[1, 0, 2, 3], [4, 1, 0, 1]])
    check_same(lambda m, t: getattr(m.fft, name)(t), Arr(x, dtype=dtype))


@pytest.mark.parametrize("name", ONE_DIM + N_DIM)
def test_integer_inputs_follow_default_dtype(name):
    def fn(m, t):
        m.set_default_dtype(m.float64)
        try:
            return getattr(m.fft, name)(t)
        finally:
            m.set_default_dtype(m.float32)
    check_same(fn, np.arange(12).reshape(3, 4))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", ONE_DIM + N_DIM)
def test_half_precision_is_refused(name, dtype):
    check_same(lambda m, t: getattr(m.fft, name)(t), Arr(real(2, 4), dtype=dtype))


# ---------------------------------------------------------------------------- n dimensions
ND_CASES = [
    dict(), dict(s=(3, 5)), dict(s=(2, 2)), dict(s=(-1, 6)), dict(dim=(0,)), dict(dim=(2, 0)),
    dict(dim=(0, 2)), dict(dim=(1, -1)), dict(s=(5,), dim=(1,)), dict(s=(3, 2), dim=(0, 2)),
    dict(s=(4,)), dict(dim=1), dict(s=4),
]


@pytest.mark.parametrize("name", ["fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"])
@pytest.mark.parametrize("kw", ND_CASES, ids=str)
def test_n_dim(name, kw):
    for x in inputs_for(name, real(3, 4, 5), cplx(3, 4, 5), requires_grad=True):
        check_same(lambda m, t: getattr(m.fft, name)(t, **kw), x, grad=True,
                   check_grad_fn=True, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2"])
@pytest.mark.parametrize("kw", [dict(), dict(s=(3, 6)), dict(dim=(0, 2)), dict(dim=(2, 0)),
                                dict(s=(2, 3), dim=(1, 0)), dict(norm="ortho"),
                                dict(norm="forward")], ids=str)
def test_two_dim(name, kw):
    for x in inputs_for(name, real(3, 4, 5), cplx(3, 4, 5), requires_grad=True):
        check_same(lambda m, t: getattr(m.fft, name)(t, **kw), x, grad=True,
                   check_grad_fn=True, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", N_DIM)
@pytest.mark.parametrize("perm", [(2, 0, 1), (1, 2, 0), (0, 2, 1)])
def test_n_dim_layouts(name, perm):
    """Output strides of permuted / sliced inputs (PyTorch batches by input stride order)."""
    for x in inputs_for(name, real(4, 3, 6), cplx(4, 3, 6), requires_grad=True):
        check_same(lambda m, t: getattr(m.fft, name)(t.permute(*perm)), x, grad=True,
                   rtol=1e-4, atol=1e-5)
        check_same(lambda m, t: getattr(m.fft, name)(t[:, ::2].permute(*perm), dim=(0, 2)), x,
                   grad=True, rtol=1e-4, atol=1e-5)


def test_non_hermitian_input_to_c2r():
    """irfftn/hfftn of a spectrum that is not Hermitian: the same values as PyTorch."""
    for name in ("irfftn", "hfftn", "irfft2", "hfft2"):
        check_same(lambda m, t: getattr(m.fft, name)(t), cplx(3, 4, 5), rtol=1e-6)
        check_same(lambda m, t: getattr(m.fft, name)(t, dim=(2, 0, 1)), cplx(3, 4, 5), rtol=1e-6)


def test_zero_dim_and_no_dims():
    check_same(lambda m, t: m.fft.fftn(t), np.array(2.5, np.float32))
    check_same(lambda m, t: m.fft.ifftn(t), np.array(2.5 + 1j, np.complex64))
    check_same(lambda m, t: m.fft.fftn(t, dim=()), Arr(real(3, 4), requires_grad=True),
               grad=True, check_grad_fn=True)
    check_same(lambda m, t: m.fft.fftn(t, dim=[]), np.zeros((3, 0), np.float32))
    for name in ONE_DIM:
        check_same(lambda m, t: getattr(m.fft, name)(t), np.array(1.0, np.float32))
    for name in ("rfftn", "irfftn", "hfftn", "ihfftn"):
        check_same(lambda m, t: getattr(m.fft, name)(t, dim=()), real(3, 4))
        check_same(lambda m, t: getattr(m.fft, name)(t), np.array(1.0))


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("name", ONE_DIM)
def test_one_dim_errors(name):
    x = real(3, 4)
    for kw in (dict(n=0), dict(n=-2), dict(dim=2), dict(dim=-3), dict(norm="bad"),
               dict(norm="Ortho"), dict(n=2.5), dict(n=True), dict(dim=1.0), dict(norm=1)):
        check_same(lambda m, t: getattr(m.fft, name)(t, **kw), x)
    check_same(lambda m, t: getattr(m.fft, name)(t), np.zeros(0))
    check_same(lambda m, t: getattr(m.fft, name)(t, dim=0), np.zeros((0, 3)))
    check_same(lambda m: getattr(m.fft, name)([1.0, 2.0]))
    if name in ("rfft", "ihfft"):
        check_same(lambda m, t: getattr(m.fft, name)(t), cplx(4))


@pytest.mark.parametrize("name", N_DIM)
def test_n_dim_errors(name):
    x = real(3, 4)
    cases = [dict(s=(2, 3, 4)), dict(s=(2, 3), dim=(0,)), dict(dim=(0, 0)), dict(dim=(0, -2)),
             dict(s=(0, 3)), dict(s=(-2, 3)), dict(dim=(0, 5)), dict(dim=(0.5,)), dict(norm="x"),
             dict(s=(2, 2.0))]
    for kw in cases:
        check_same(lambda m, t: getattr(m.fft, name)(t, **kw), x)
    if name in TAKES_REAL_ONLY:
        check_same(lambda m, t: getattr(m.fft, name)(t), cplx(3, 4))
    if name.endswith("n"):
        check_same(lambda m, t: getattr(m.fft, name)(t, dim=()), x)
    check_same(lambda m, t: getattr(m.fft, name)(t), real(3))
    check_same(lambda m, t: getattr(m.fft, name)(t), np.zeros((3, 1)))


def test_out_argument():
    x = real(2, 4)
    check_same(lambda m, t, o: (m.fft.fft(t, out=o), o)[1], x.astype(np.float32),
               np.zeros((2, 4), np.complex64))
    check_same(lambda m, t, o: m.fft.fft(t, out=o), x, np.zeros(4, np.float64))
    check_same(lambda m, t, o: m.fft.ifft(t, out=o), x, np.zeros(4, np.complex64))
    check_same(lambda m, t, o: m.fft.irfft(t, out=o), cplx(3), np.zeros(3, np.complex64))
    check_same(lambda m, t, o: m.fft.rfft(t, out=o), x, np.zeros(4, np.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_same(lambda m, t: (m.fft.irfft(t, out=m.zeros(1, dtype=m.float64))), cplx(3))
        check_same(lambda m, t: m.fft.rfft2(t, out=m.zeros(0, dtype=m.complex128)), x)
        check_same(lambda m, t: m.fft.ihfft(t, out=m.zeros(0, dtype=m.complex128)), x)
        check_same(lambda m, t: m.fft.ihfft2(t, out=m.zeros(0, dtype=m.complex128)), x)


# ---------------------------------------------------------------------------- autograd
GRAD_CHAINS = [
    ("fft", "real"), ("fft", "cplx"), ("ifft", "real"), ("ifft", "cplx"), ("rfft", "real"),
    ("irfft", "real"), ("irfft", "cplx"), ("hfft", "real"), ("hfft", "cplx"),
    ("ihfft", "real"), ("fft2", "real"), ("fftn", "cplx"), ("rfft2", "real"),
    ("irfft2", "cplx"), ("hfft2", "cplx"), ("ihfft2", "real"), ("hfftn", "real"),
    ("ihfftn", "real"),
]


def _chain(t, depth=3):
    names = []
    fn = t.grad_fn
    while fn is not None and len(names) < depth:
        names.append(type(fn).__name__)
        nxt = [f for f, _ in fn.next_functions if f is not None]
        fn = nxt[0] if nxt else None
    return names


@pytest.mark.parametrize("name,kind", GRAD_CHAINS)
def test_grad_fn_chain(name, kind):
    data = real(2, 4) if kind == "real" else cplx(2, 4)
    chains = []
    for m in (ember, torch):
        t = m.tensor(data, requires_grad=True)
        chains.append(_chain(getattr(m.fft, name)(t)))
    assert chains[0] == chains[1]


def _double_backward(m, name, data, kw):
    x = m.tensor(data, requires_grad=True)
    y = getattr(m.fft, name)(x, **kw)
    w = m.tensor(np.linspace(0.5, 1.5, y.numel()).reshape(tuple(y.shape)))
    loss = ((y.abs() ** 2 if y.is_complex() else y ** 2) * w).sum()
    g, = m.autograd.grad(loss, x, create_graph=True)
    second = (g.abs() ** 2).sum() if g.is_complex() else (g ** 2).sum()
    h, = m.autograd.grad(second, x)
    return g.detach().numpy(), h.numpy()


@pytest.mark.parametrize("name", ONE_DIM + N_DIM)
@pytest.mark.parametrize("kind", ["real", "cplx"])
def test_double_backward(name, kind):
    if kind == "cplx" and name in TAKES_REAL_ONLY:
        pytest.skip("real input only")
    data = real(3, 4) if kind == "real" else cplx(3, 4)
    kw = dict(n=5) if name in ONE_DIM else dict(s=(2, 6), norm="ortho")
    for a, b in zip(_double_backward(ember, name, data, kw), _double_backward(torch, name, data, kw)):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


def test_complex_autograd_conventions():
    """Gradients of real losses of complex outputs, PyTorch's conjugate-Wirtinger convention."""
    z = cplx(6)
    check_same(lambda m, t: m.fft.fft(t).abs().sum(), Arr(z, requires_grad=True), grad=True)
    check_same(lambda m, t: m.fft.ifft(t).real.sum(), Arr(z, requires_grad=True), grad=True)
    check_same(lambda m, t: (m.fft.fft(t) * m.fft.fft(t).conj()).real.sum(),
               Arr(z, requires_grad=True), grad=True)
    check_same(lambda m, t: m.fft.irfft(t).pow(2).sum(), Arr(z, requires_grad=True), grad=True)
    check_same(lambda m, t: m.fft.hfft(t, n=9).sum(), Arr(z, requires_grad=True), grad=True)
    check_same(lambda m, t: m.view_as_real(m.fft.rfft(t)).sum(), Arr(real(7), requires_grad=True),
               grad=True)
    check_same(lambda m, t: m.fft.ihfft(t).imag.sum(), Arr(real(7), requires_grad=True), grad=True)


def test_primitives():
    x, z = real(3, 4), cplx(3, 4)
    for norm in (0, 1, 2):
        check_same(lambda m, t: m._fft_r2c(t, [1, 0], norm, True), Arr(x, requires_grad=True),
                   grad=True, check_grad_fn=True)
        check_same(lambda m, t: m._fft_r2c(t, [0], norm, False), Arr(x, requires_grad=True),
                   grad=True, check_grad_fn=True)
        check_same(lambda m, t: m._fft_c2c(t, [0, 1], norm, False), Arr(z, requires_grad=True),
                   grad=True, check_grad_fn=True)
        check_same(lambda m, t: m._fft_c2r(t, [0, 1], norm, 7), Arr(z, requires_grad=True),
                   grad=True, check_grad_fn=True)


# ---------------------------------------------------------------------------- frequencies, shifts
@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
@pytest.mark.parametrize("n", [0, 1, 2, 5, 8, 11])
@pytest.mark.parametrize("d", [1.0, 0.1, 3, -2.5])
def test_frequencies(name, n, d):
    check_same(lambda m: getattr(m.fft, name)(n, d))
    check_same(lambda m: getattr(m.fft, name)(n, d=d, dtype=m.float64))


@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
def test_frequency_options_and_errors(name):
    f = lambda m, *a, **k: getattr(m.fft, name)(*a, **k)  # noqa: E731
    check_same(lambda m: f(m, 6, dtype=m.float16))
    check_same(lambda m: f(m, 6, dtype=m.bfloat16))
    check_same(lambda m: f(m, 6, requires_grad=True))
    check_same(lambda m: f(m, 6, device="cpu"))
    check_same(lambda m: f(m, 6, 0.0))
    check_same(lambda m: f(m, 6, dtype=m.int64))
    check_same(lambda m: f(m, 6, dtype=m.complex64))
    check_same(lambda m: f(m, 6.0))
    check_same(lambda m: f(m, -1))
    check_same(lambda m: f(m, -5))
    check_same(lambda m: f(m, 6, "x"))
    check_same(lambda m: f(m, 6, requires_grad=True, dtype=m.float64) * 2)

    def default64(m):
        m.set_default_dtype(m.float64)
        try:
            return f(m, 7)
        finally:
            m.set_default_dtype(m.float32)
    check_same(default64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_same(lambda m, o: (f(m, 5, out=o), o)[1], np.zeros(5, np.float64))


@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
def test_shifts(name):
    x = real(4, 5, 3)
    for kw in (dict(), dict(dim=0), dict(dim=(1,)), dict(dim=(-1, 0)), dict(dim=[2, 1])):
        check_same(lambda m, t: getattr(m.fft, name)(t, **kw), Arr(x, requires_grad=True),
                   grad=True, check_grad_fn=True)
    check_same(lambda m, t: getattr(m.fft, name)(t), Arr(cplx(5), requires_grad=True), grad=True)
    check_same(lambda m, t: getattr(m.fft, name)(t), np.arange(7))
    check_same(lambda m, t: getattr(m.fft, name)(t), np.zeros((0, 3)))
    check_same(lambda m, t: getattr(m.fft, name)(t), np.array(2.0))
    check_same(lambda m, t: getattr(m.fft, name)(t, dim=3), x)
    check_same(lambda m, t: getattr(m.fft, name)(m.fft.fftfreq(8)))


def test_round_trips():
    x = real(4, 6)
    check_same(lambda m, t: m.fft.ifft(m.fft.fft(t)).real, x)
    check_same(lambda m, t: m.fft.irfft(m.fft.rfft(t), n=6), x)
    check_same(lambda m, t: m.fft.hfft(m.fft.ihfft(t), n=6), x)
    check_same(lambda m, t: m.fft.irfftn(m.fft.rfftn(t), s=t.shape), x)
    check_same(lambda m, t: m.fft.hfft2(m.fft.ihfft2(t), s=t.shape), x)


def test_dtype_placeholder_is_used():
    # fftfreq's dtype keyword through the oracle's placeholders
    check_same(lambda m, d: m.fft.fftfreq(3, dtype=d), DType("float64"))


# ---------------------------------------------------------------------------- ops relied on
def test_complex_abs_second_derivative():
    """|fft(x)| losses differentiate twice through abs's complex derivative (sgn's)."""
    z = cplx(5)
    z[2] = 0
    check_same(lambda m, t: t.sgn(), Arr(z, requires_grad=True), grad=True, check_grad_fn=True)

    def second(m):
        x = m.tensor(z, requires_grad=True)
        g, = m.autograd.grad((x.abs() ** 3).sum(), x, create_graph=True)
        h, = m.autograd.grad((g * m.tensor([1., 2., 3., 4., 5.])).real.sum(), x)
        return h
    np.testing.assert_allclose(second(ember).numpy(), second(torch).numpy(), rtol=1e-10)
