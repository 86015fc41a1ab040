"""Window functions, stft and istft against PyTorch: values, dtypes, layouts, gradients,
double backward, warnings and error texts."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr

rng = np.random.default_rng(0)
WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
           "kaiser_window"]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# ---------------------------------------------------------------------------- windows
@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 8, 11])
@pytest.mark.parametrize("periodic", [True, False])
def test_window_values(name, n, periodic):
    check_same(lambda m: getattr(m, name)(n, periodic))
    check_same(lambda m: getattr(m, name)(n, periodic=periodic, dtype=m.float64), rtol=1e-12,
               atol=1e-12)


@pytest.mark.parametrize("name", WINDOWS)
def test_window_options_and_errors(name):
    f = lambda m, *a, **k: getattr(m, name)(*a, **k)  # noqa: E731
    for dt in ("float16", "bfloat16", "int64", "int32", "bool", "complex64"):
        check_same(lambda m: f(m, 6, dtype=getattr(m, dt)))
    check_same(lambda m: f(m, 6, requires_grad=True))
    check_same(lambda m: f(m, 6, device="cpu"))
    check_same(lambda m: f(m, -1))
    check_same(lambda m: f(m, 5.0))

    def default64(m):
        m.set_default_dtype(m.float64)
        try:
            return f(m, 7)
        finally:
            m.set_default_dtype(m.float32)
    check_same(default64, rtol=1e-12)


def test_window_parameters():
    for a, b in ((0.5, 0.5), (0.3, 0.2), (1, 0)):
        check_same(lambda m: m.hamming_window(9, False, a, b))
        check_same(lambda m: m.hamming_window(8, True, alpha=a, beta=b, dtype=m.float64))
    for beta in (0.0, 1.5, 5, 14.0):
        check_same(lambda m: m.kaiser_window(9, False, beta))
        check_same(lambda m: m.kaiser_window(8, True, beta, dtype=m.float64), rtol=1e-10)
    # (PyTorch words these as an overload mismatch)
    check_same(lambda m: m.hamming_window(5, False, "x"), match_message=False)
    check_same(lambda m: m.kaiser_window(5, False, None), match_message=False)


# ---------------------------------------------------------------------------- stft
SIGNAL = rng.standard_normal(40)
STFT_CASES = [
    dict(n_fft=16), dict(n_fft=16, hop_length=3), dict(n_fft=16, win_length=10),
    dict(n_fft=16, win_length=9, hop_length=5), dict(n_fft=8, center=False),
    dict(n_fft=8, pad_mode="constant"), dict(n_fft=8, pad_mode="replicate"),
    dict(n_fft=8, pad_mode="circular"), dict(n_fft=8, normalized=True),
    dict(n_fft=8, onesided=False), dict(n_fft=7, hop_length=2), dict(n_fft=40, center=False),
    dict(n_fft=16, center=False, win_length=12, align_to_window=True),
]


@pytest.mark.parametrize("kw", STFT_CASES, ids=str)
@pytest.mark.parametrize("window", [None, "hann", "complex"])
def test_stft(kw, window):
    def fn(m, x):
        w = None
        n = kw.get("win_length", kw["n_fft"])
        if window == "hann":
            w = m.hann_window(n, dtype=m.float64)
        elif window == "complex":
            w = m.hann_window(n, dtype=m.float64) * (1 + 0.5j)
            if kw.get("onesided"):
                return None
        return m.stft(x, window=w, return_complex=True, **kw)
    check_same(fn, Arr(SIGNAL, requires_grad=True), grad=True, check_grad_fn=True)
    check_same(fn, Arr(SIGNAL.reshape(2, 20), requires_grad=True), grad=True, check_grad_fn=True)


def test_stft_dtypes_and_complex_input():
    w = lambda m: m.hann_window(8)  # noqa: E731
    check_same(lambda m, x: m.stft(x, 8, window=w(m), return_complex=True),
               SIGNAL.astype(np.float32), rtol=1e-4, atol=1e-5)
    z = SIGNAL + 1j * rng.standard_normal(40)
    check_same(lambda m, x: m.stft(x, 8, window=w(m).double()), Arr(z, requires_grad=True),
               grad=True, check_grad_fn=True)
    check_same(lambda m, x: m.stft(x, 8, window=w(m).double(), return_complex=False), z)
    check_same(lambda m, x: m.stft(x, 8, window=w(m).double(), onesided=True), z)
    check_same(lambda m, x: m.stft(x, 8, window=w(m).double(), return_complex=False),
               Arr(SIGNAL.reshape(2, 20), requires_grad=True), grad=True, check_grad_fn=True)
    check_same(lambda m, x: x.stft(8, return_complex=True, window=w(m).double()),
               Arr(SIGNAL, requires_grad=True), grad=True)


def test_stft_window_gradient():
    def fn(m, x, w):
        return m.stft(x, 8, hop_length=3, win_length=6, window=w, return_complex=True)
    check_same(fn, Arr(SIGNAL, requires_grad=True), Arr(rng.random(6), requires_grad=True),
               grad=True)


def test_stft_errors():
    x = SIGNAL.astype(np.float32)
    cases = [dict(n_fft=16), dict(n_fft=100, center=False, return_complex=True),
             dict(n_fft=16, hop_length=0, return_complex=True),
             dict(n_fft=16, win_length=20, return_complex=True),
             dict(n_fft=16, win_length=0, return_complex=True),
             dict(n_fft=16, align_to_window=True, return_complex=True),
             dict(n_fft=16, pad_mode="bad", return_complex=True)]
    for kw in cases:
        check_same(lambda m, t: m.stft(t, **kw), x)
    check_same(lambda m, t: m.stft(t, 16, window=m.ones(5), return_complex=True), x)
    check_same(lambda m, t: m.stft(t, 16, return_complex=True), np.arange(40))
    check_same(lambda m, t: m.stft(t, 4, return_complex=True), x.reshape(2, 2, 10))
    check_same(lambda m, t: m.stft(t, 4, return_complex=True, center=False), x.reshape(2, 2, 10))
    check_same(lambda m, t: m.stft(t.to(m.complex64), 8, onesided=True), x)


def test_stft_warnings():
    import ember._ops.stft as impl
    for m in (ember, torch):
        if m is ember:
            impl._WARNED.clear()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m.stft(m.zeros(20), 8, return_complex=False)
        texts = [str(x.message) for x in w]
        if m is ember:
            ember_texts = texts
    # PyTorch warns once per process; ember's first call warns both
    assert any("A window was not provided" in t for t in ember_texts)
    assert any("stft with return_complex=False is deprecated" in t for t in ember_texts)


# ---------------------------------------------------------------------------- istft
ISTFT_CASES = [
    dict(n_fft=16), dict(n_fft=16, hop_length=3), dict(n_fft=16, win_length=12),
    dict(n_fft=8, center=False), dict(n_fft=8, normalized=True), dict(n_fft=8, onesided=False),
    dict(n_fft=16, length=35), dict(n_fft=16, length=48), dict(n_fft=8, center=False, length=30),
]


@pytest.mark.parametrize("kw", ISTFT_CASES, ids=str)
def test_istft_round_trip_and_grad(kw):
    n = kw.get("win_length", kw["n_fft"])
    skw = {k: v for k, v in kw.items() if k != "length"}

    def spec(m):
        return m.stft(m.tensor(SIGNAL), window=m.hann_window(n, dtype=m.float64),
                      return_complex=True, **skw)
    data = spec(torch).numpy()
    check_same(lambda m, X: m.istft(X, window=m.hann_window(n, dtype=m.float64), **kw),
               Arr(data, requires_grad=True), grad=True, check_grad_fn=True)
    check_same(lambda m, X: m.istft(X, window=m.hann_window(n, dtype=m.float64),
                                    return_complex=not kw.get("onesided", True) is False
                                    and False, **kw),
               Arr(np.stack([data, data]), requires_grad=True), grad=True)


def test_istft_complex_and_errors():
    X = torch.stft(torch.tensor(SIGNAL), 16, window=torch.hann_window(16, dtype=torch.float64),
                   return_complex=True).numpy()
    Xfull = torch.stft(torch.tensor(SIGNAL), 16, window=torch.hann_window(16, dtype=torch.float64),
                       return_complex=True, onesided=False).numpy()
    w = lambda m, n=16: m.hann_window(n, dtype=m.float64)  # noqa: E731
    check_same(lambda m, t: m.istft(t, 16, window=w(m), return_complex=True, onesided=False),
               Arr(Xfull, requires_grad=True), grad=True)
    check_same(lambda m, t: m.istft(t, 16, window=w(m), return_complex=True), X)
    check_same(lambda m, t: m.istft(t.real, 16, window=w(m)), X)
    check_same(lambda m, t: m.istft(t, 15, window=w(m)), X)
    check_same(lambda m, t: m.istft(t, 16, window=m.ones(3)), X)
    check_same(lambda m, t: m.istft(t, 16, hop_length=20, window=w(m)), X)
    check_same(lambda m, t: m.istft(t, 16, window=m.zeros(16)), X)
    check_same(lambda m, t: m.istft(t[:0], 16, window=w(m)), X)
    check_same(lambda m, t: m.istft(t[0], 16, window=w(m)), X)
    check_same(lambda m, t: m.istft(t, 16, window=w(m), onesided=False), X)
    check_same(lambda m, t: m.istft(t, 16), X)
    check_same(lambda m, t: t.istft(16, window=w(m)), X)


def test_stft_istft_double_backward():
    def run(m):
        x = m.tensor(SIGNAL, requires_grad=True)
        w = m.hann_window(8, dtype=m.float64)
        X = m.stft(x, 8, hop_length=2, window=w, return_complex=True)
        y = m.istft(X * X.abs(), 8, hop_length=2, window=w, length=40)
        g, = m.autograd.grad((y ** 2).sum() + X.abs().sum(), x, create_graph=True)
        h, = m.autograd.grad((g ** 2).sum(), x)
        return g.detach().numpy(), h.numpy()
    for a, b in zip(run(ember), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
