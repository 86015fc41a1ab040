"""gcd, lcm, nextafter, ldexp, frexp against PyTorch: values, dtypes (and the dtypes without a
kernel), broadcasting, layouts, in-place and out= forms, argument errors, gradients."""
import numpy as np
import pytest

from oracle import ALL_DTYPE_NAMES, FLOAT_NAMES, Arr, check_same

INTS = np.array([12, -18, 0, 7, -4, 127, -128, 5])
INTS2 = np.array([8, 12, 5, 0, 6, 3, -128, 5])
F = np.array([1.0, 0.0, -1.0, 2.5, -0.0, np.inf, -np.inf, np.nan, 1e-40, 3e38])
G = np.array([2.0, -1.0, -1.0, 2.5, 1.0, 0.0, np.inf, 1.0, -1.0, np.inf])


@pytest.mark.parametrize("dt", ALL_DTYPE_NAMES)
@pytest.mark.parametrize("op", ["gcd", "lcm"])
def test_gcd_lcm_dtypes(op, dt):
    """Integer kernels only (wrapping like PyTorch); every other dtype raises its error."""
    a = INTS if dt not in ("uint8", "uint16", "uint32", "uint64") else np.abs(INTS) % 128
    check_same(lambda m, x, y: getattr(m, op)(x, y), Arr(a, dtype=dt), Arr(INTS2 % 100, dtype=dt))


@pytest.mark.parametrize("op", ["gcd", "lcm"])
def test_gcd_lcm_forms(op):
    a, b = INTS.reshape(2, 4), INTS2.reshape(2, 4)
    check_same(lambda m, x, y: getattr(x, op)(y), a, b)
    check_same(lambda m, x, y: getattr(x, op + "_")(y), a, b)
    check_same(lambda m, x, y: getattr(m, op + "_")(x, y), a, b)
    check_same(lambda m, x, y: getattr(m, op)(x, y, out=m.empty(0, dtype=m.int64)), a, b)
    check_same(lambda m, x, y: getattr(m, op)(x, y[:1]), a, b)             # broadcast
    check_same(lambda m, x, y: getattr(m, op)(x.t(), y.t()), a, b)         # layout
    check_same(lambda m, x, y: getattr(m, op)(x, y.int()), a, b)           # promotion
    check_same(lambda m, x, y: getattr(m, op)(x[0, 0], y[0, 0]), a, b)     # 0-d
    check_same(lambda m, x, y: getattr(m, op)(x[:0], y[:0]), a, b)         # empty
    check_same(lambda m, x, y: getattr(m, op)(x, 4), a, b)                 # number: TypeError
    check_same(lambda m, x, y: getattr(m, op)(x, y[:, :3]), a, b)          # shape error
    check_same(lambda m, x, y: getattr(m, op)(x.int(), y, out=m.empty(0, dtype=m.int32)), a, b)
    check_same(lambda m, x, y: getattr(x.int(), op + "_")(y), a, b)        # cast error


def test_gcd_extremes():
    check_same(lambda m, x, y: m.gcd(x, y), np.array([-2 ** 63, -2 ** 63, 0]), np.array([0, 2, 0]))
    check_same(lambda m, x, y: m.lcm(x, y), np.array([2 ** 62, -4]), np.array([3, 6]))


@pytest.mark.parametrize("dt", ALL_DTYPE_NAMES)
def test_nextafter_dtypes(dt):
    a = F if dt in FLOAT_NAMES or dt.startswith("complex") else np.arange(10) % 3
    check_same(lambda m, x, y: m.nextafter(x, y), Arr(a, dtype=dt), Arr(G if dt in FLOAT_NAMES
                                                                         else a, dtype=dt))


def test_nextafter_forms_and_grad():
    check_same(lambda m, x, y: m.nextafter(x, y), Arr(F[:5], requires_grad=True),
               Arr(G[:5], requires_grad=True), grad=True, check_grad_fn=True)
    check_same(lambda m, x, y: x.nextafter(y), Arr(F[:4].reshape(2, 2), layout="transposed"),
               G[:4].reshape(2, 2))
    check_same(lambda m, x, y: x.clone().nextafter_(y), F, G)
    check_same(lambda m, x, y: m.nextafter(x, y.double()), F.astype(np.float32), G)
    check_same(lambda m, x, y: m.nextafter(x, 1.0), F, G)
    check_same(lambda m, x, y: m.nextafter(x, y.long()), F, G)
    check_same(lambda m, x, y: m.nextafter(x.half(), y), F, G)


@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16", "int64", "int32",
                                "uint8", "bool"])
@pytest.mark.parametrize("edt", ["int64", "int32", "int8", "float32", "float64"])
def test_ldexp_dtypes(dt, edt):
    x = np.array([1.0, 0.0, -1.0, 3.0, 1.0])
    e = np.array([1, 2, -3, 0, 5])
    check_same(lambda m, a, b: m.ldexp(a, b), Arr(x, dtype=dt), Arr(e, dtype=edt))


def test_ldexp_forms_and_grad():
    x = np.array([1.0, 0.5, -1.5, 3.0])
    check_same(lambda m, a, b: m.ldexp(a, b), Arr(x, requires_grad=True), np.array([1, -2, 3, 0]),
               grad=True, check_grad_fn=True)
    check_same(lambda m, a, b: m.ldexp(a, b), Arr(x, requires_grad=True),
               Arr(np.array([1.0, -2.0, 0.5, 0.0]), requires_grad=True), grad=True,
               check_grad_fn=True)
    check_same(lambda m, a, b: a.ldexp(b[:1]), x.reshape(2, 2), np.array([[2], [3]]))
    check_same(lambda m, a, b: a.clone().ldexp_(b), x, np.array([1, 2, 3, 4]))
    check_same(lambda m, a, b: a.long().ldexp_(b), x, np.array([1, 2, 3, 4]))   # cast error
    check_same(lambda m, a, b: m.ldexp(a, 2), x, x)                              # TypeError


def test_ldexp_double_backward():
    import ember
    import torch
    for m in (ember, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        e = m.tensor([0.5, 1.0], requires_grad=True)
        g = m.autograd.grad((m.ldexp(x, e) ** 2).sum(), (x, e), create_graph=True)
        h = m.autograd.grad(sum(v.sum() for v in g), (x, e))
        if m is ember:
            ge, he = [v.detach().numpy() for v in g], [v.numpy() for v in h]
        else:
            np.testing.assert_allclose(ge, [v.detach().numpy() for v in g], rtol=1e-6)
            np.testing.assert_allclose(he, [v.numpy() for v in h], rtol=1e-6)


@pytest.mark.parametrize("dt", ALL_DTYPE_NAMES)
def test_frexp_dtypes(dt):
    a = F if dt in FLOAT_NAMES else np.arange(4)
    check_same(lambda m, x: m.frexp(x), Arr(a, dtype=dt))


def test_frexp_forms_and_grad():
    x = np.array([[8.0, 0.3, -5.0], [1e-3, 0.75, 2.0 ** 40]])
    check_same(lambda m, a: m.frexp(a), Arr(x, requires_grad=True), grad=True)
    check_same(lambda m, a: a.frexp(), Arr(x, layout="transposed"))
    check_same(lambda m, a: m.frexp(a[0, 0]), x)
    check_same(lambda m, a: m.frexp(a[:0]), x)
    check_same(lambda m, a: m.frexp(a, out=(m.empty(0, dtype=m.float64),
                                            m.empty(0, dtype=m.int32))), x)
    check_same(lambda m, a: m.frexp(a, out=(m.empty(0, dtype=m.float32),
                                            m.empty(0, dtype=m.int32))), x)
    check_same(lambda m, a: m.frexp(a, out=(m.empty(0, dtype=m.float64),
                                            m.empty(0, dtype=m.int64))), x)
    check_same(lambda m, a: m.frexp([1.0]), x)


def test_ldexp_out_and_inplace_errors():
    x, e = np.array([1.0, 2.0]), np.array([1, 2])
    check_same(lambda m, a, b: m.ldexp(a, b, out=m.empty(2, dtype=m.long)), x, e)
    check_same(lambda m, a, b: m.ldexp(a, b, out=m.empty(2, dtype=m.float64)), x, e)
    check_same(lambda m, a, b: m.ldexp_(a.long(), b), x, e)
    check_same(lambda m, a, b: m.ldexp_(a.half(), b.float()), x, e)
    check_same(lambda m, a, b: m.ldexp_(a, b), x, e)
