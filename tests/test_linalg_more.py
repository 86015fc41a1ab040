"""The rest of PyTorch's linear algebra against PyTorch: cholesky_solve, cholesky_inverse,
triangular_solve, the legacy lu/lu_unpack/lu_solve, vander, the removed functions' errors, LU
gradients of non-square matrices, the gauge checks of svd/eigh/eig backward, and einsum's
ellipsis errors. Values, strides, grad_fn names, gradients and double gradients."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import Arr, check_same

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seeded(request):
    import zlib
    global RNG
    RNG = np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the legacy functions' deprecation notes
        yield


def R(*s):
    return RNG.standard_normal(s)


def lower(batch, n, dt):
    """A well-conditioned lower-triangular factor with a real diagonal (as Cholesky gives)."""
    a = np.tril(R(*batch, n, n), -1) + np.diag(2 + RNG.random(n))
    if dt.startswith("complex"):
        a = a + 1j * np.tril(R(*batch, n, n), -1)
    return a


def rhs(shape, dt):
    b = R(*shape)
    return b + 1j * R(*shape) if dt.startswith("complex") else b


def same_with_grads(fn, *arrays, dtype="float64", rtol=1e-6, atol=1e-8):
    """Outputs (values, strides, grad_fn), gradients and double gradients agree with torch."""
    res = []
    for lib in (torch, ember):
        xs = [lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True) for a in arrays]
        outs = fn(lib, *xs)
        outs = outs if isinstance(outs, tuple) else (outs,)
        total = sum((o.abs() if o.is_complex() else o).sum() for o in outs)
        gs = lib.autograd.grad(total, xs, create_graph=True)
        gg = lib.autograd.grad(sum((g.abs() if g.is_complex() else g).pow(2).sum() for g in gs),
                               xs)
        res.append(([o.detach().resolve_conj().numpy() for o in outs],
                    [o.stride() for o in outs], [type(o.grad_fn).__name__ for o in outs],
                    [g.detach().resolve_conj().numpy() for g in gs],
                    [g.resolve_conj().numpy() for g in gg]))
    (tv, ts, tn, tg, tgg), (ev, es, en, eg, egg) = res
    assert es == ts and en == tn
    tol = dict(rtol=rtol, atol=atol)
    for e, t in zip(ev + eg, tv + tg):
        np.testing.assert_allclose(e, t, **tol)
    for e, t in zip(egg, tgg):
        np.testing.assert_allclose(e, t, rtol=rtol * 10, atol=atol * 10)


DTYPES = ["float32", "float64", "complex64", "complex128"]


# ---------------------------------------------------------------------------- cholesky_solve
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("bshape,lbatch", [((3, 2), ()), ((4, 1, 3, 2), (2,)), ((3, 1), (2,)),
                                            ((0, 3, 2), ()), ((3, 0), ())])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_values(dt, bshape, lbatch, upper):
    L = lower(lbatch, 3, dt)
    if upper:
        L = np.conj(np.swapaxes(L, -1, -2))
    check_same(lambda m, b, l: m.cholesky_solve(b, l, upper), Arr(rhs(bshape, dt), dt),
               Arr(L, dt), rtol=1e-4, atol=1e-5)
    check_same(lambda m, b, l: b.cholesky_solve(l, upper=upper), Arr(rhs(bshape, dt), dt),
               Arr(L, dt), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dt", ["float64", "complex128"])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_grads(dt, upper):
    L = lower((2,), 3, dt)
    same_with_grads(lambda m, b, l: m.cholesky_solve(b, l, upper), rhs((4, 1, 3, 2), dt), L,
                    dtype=dt)


def test_cholesky_solve_noncontiguous():
    check_same(lambda m, b, l: m.cholesky_solve(b, l), Arr(R(2, 3), layout="transposed"),
               Arr(lower((), 3, "float64"), layout="transposed"))


@pytest.mark.parametrize("b,l", [(np.ones(3), np.eye(3)), (np.ones((3, 2)), np.ones((2, 3))),
                                 (np.ones((4, 2)), np.eye(3)), (np.ones((3, 2)), np.ones(3))])
def test_cholesky_solve_errors(b, l):
    check_same(lambda m, b, l: m.cholesky_solve(b, l), b, l)


def test_cholesky_solve_dtype_errors():
    check_same(lambda m, b, l: m.cholesky_solve(b, l), Arr(np.ones((3, 2)), "float32"),
               Arr(np.eye(3), "float64"))
    check_same(lambda m, b, l: m.cholesky_solve(b, l), Arr(np.ones((3, 2)), "int32"),
               Arr(np.eye(3), "int32"))


# ---------------------------------------------------------------------------- cholesky_inverse
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("batch", [(), (2,), (2, 1), (0,)])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse_values(dt, batch, upper):
    L = lower(batch, 3, dt)
    if upper:
        L = np.conj(np.swapaxes(L, -1, -2))
    check_same(lambda m, l: m.cholesky_inverse(l, upper), Arr(L, dt), rtol=1e-4, atol=1e-5)
    check_same(lambda m, l: l.cholesky_inverse(upper), Arr(L, dt), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dt", ["float64", "complex128"])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse_grads(dt, upper):
    L = lower((2,), 3, dt)
    same_with_grads(lambda m, l: m.cholesky_inverse(l, upper), L, dtype=dt)


@pytest.mark.parametrize("a", [np.ones(3), np.ones((2, 3)), np.array(1.0)])
def test_cholesky_inverse_errors(a):
    check_same(lambda m, l: m.cholesky_inverse(l), a)
    check_same(lambda m, l: m.cholesky_inverse(l), Arr(np.eye(3), "int64"))


# ---------------------------------------------------------------------------- triangular_solve
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("unit", [False, True])
@pytest.mark.parametrize("dt", ["float32", "complex128"])
def test_triangular_solve_values(upper, transpose, unit, dt):
    A = rhs((2, 3, 3), dt) + 3 * np.eye(3)
    check_same(lambda m, b, a: m.triangular_solve(b, a, upper, transpose, unit),
               Arr(rhs((4, 1, 3, 2), dt), dt), Arr(A, dt), rtol=1e-4, atol=1e-5)
    check_same(lambda m, b, a: b.triangular_solve(a, upper=upper, transpose=transpose,
                                                  unitriangular=unit),
               Arr(rhs((3, 2), dt), dt), Arr(A[0], dt), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("unit", [False, True])
def test_triangular_solve_grads(upper, transpose, unit):
    A = R(2, 3, 3) + 3 * np.eye(3)
    same_with_grads(lambda m, b, a: m.triangular_solve(b, a, upper, transpose, unit),
                    R(4, 1, 3, 2), A)


def test_triangular_solve_complex_grads():
    A = rhs((3, 3), "complex128") + 3 * np.eye(3)
    same_with_grads(lambda m, b, a: m.triangular_solve(b, a, False, True),
                    rhs((3, 2), "complex128"), A, dtype="complex128")


def test_triangular_solve_singular_and_empty():
    A = np.triu(R(3, 3))
    A[1, 1] = 0
    check_same(lambda m, b, a: m.triangular_solve(b, a), R(3, 2), A)
    check_same(lambda m, b, a: m.triangular_solve(b, a), R(3, 0), A)
    check_same(lambda m, b, a: m.triangular_solve(b, a), R(0, 3, 2), A)


@pytest.mark.parametrize("b,a", [(np.ones(3), np.eye(3)), (np.ones((3, 2)), np.ones((2, 3))),
                                 (np.ones((4, 2)), np.eye(3)), (np.ones((3, 2)), np.ones(3))])
def test_triangular_solve_errors(b, a):
    check_same(lambda m, b, a: m.triangular_solve(b, a), b, a)


def test_triangular_solve_dtype_errors():
    check_same(lambda m, b, a: m.triangular_solve(b, a), Arr(np.ones((3, 2)), "float64"),
               Arr(np.eye(3), "float32"))
    check_same(lambda m, b, a: m.triangular_solve(b, a), Arr(np.ones((3, 2)), "int64"),
               Arr(np.eye(3), "int64"))


# ---------------------------------------------------------------------------- lu, lu_unpack
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3), (4, 2), (2, 4), (2, 0, 0), (3, 5, 2),
                                   (1, 1)])
def test_legacy_lu(shape):
    x = R(*shape)
    check_same(lambda m, x: m.lu(x), Arr(x, requires_grad=True), check_grad_fn=True)
    check_same(lambda m, x: m.lu(x, get_infos=True), x)
    check_same(lambda m, x: x.lu(), x)


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3), (4, 2), (2, 4), (2, 0, 0), (3, 5, 2)])
@pytest.mark.parametrize("dt", DTYPES)
def test_lu_unpack(shape, dt):
    x = rhs(shape, dt)
    check_same(lambda m, x: m.lu_unpack(*m.linalg.lu_factor(x)), Arr(x, dt, requires_grad=True),
               check_grad_fn=True, grad=True, rtol=1e-4, atol=1e-5)
    check_same(lambda m, x: m.lu_unpack(*m.linalg.lu_factor(x), unpack_data=False), Arr(x, dt))
    check_same(lambda m, x: m.lu_unpack(*m.linalg.lu_factor(x), unpack_pivots=False),
               Arr(x, dt), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 5, 3), (2, 3, 5)])
def test_lu_gradients_non_square(shape):
    """lu_factor's and lu_unpack's backward for square, tall and wide matrices."""
    same_with_grads(lambda m, x: m.lu_unpack(*m.linalg.lu_factor(x)), R(*shape))
    same_with_grads(lambda m, x: m.linalg.lu_factor(x)[0], R(*shape))
    same_with_grads(lambda m, x: m.linalg.lu(x)[1:], R(*shape))


def test_lu_singular_no_error():
    check_same(lambda m, x: m.lu(x), np.zeros((2, 2)))
    check_same(lambda m, x: m.lu(x, get_infos=True), np.stack([np.eye(2), np.zeros((2, 2))]))


@pytest.mark.parametrize("fn", [lambda m, x: m.lu(x), lambda m, x: m.lu(x, pivot=False),
                                lambda m, x: m.lu_unpack(x, m.ones(3, dtype=m.int64)),
                                lambda m, x: m.lu_unpack(x.flatten(), m.ones(3, dtype=m.int32)),
                                lambda m, x: m.lu_unpack(x, m.full((3,), 4, dtype=m.int32)),
                                lambda m, x: m.lu_unpack(x, m.zeros(3, dtype=m.int32))])
def test_lu_errors(fn):
    check_same(fn, R(3, 3))
    check_same(lambda m, x: m.lu(x), R(3))
    check_same(lambda m, x: m.lu(x), Arr(np.eye(3), "int32"))


def test_legacy_lu_solve():
    a, b = R(2, 3, 3), R(2, 3, 2)
    check_same(lambda m, x, b: m.lu_solve(b, *m.linalg.lu_factor(x)), a, b)
    check_same(lambda m, x, b: b.lu_solve(*m.linalg.lu_factor(x)), a, b)
    check_same(lambda m, x, b: m.lu_solve(b[0, :, 0], *m.linalg.lu_factor(x)), a, b)


# ---------------------------------------------------------------------------- vander
@pytest.mark.parametrize("x", [np.array([1, 2, 3]), np.array([1., 2.5, 3]),
                               np.array([True, False]), np.array([1 + 2j, 3j]), np.zeros(0)])
@pytest.mark.parametrize("N", [None, 0, 1, 2, 5])
@pytest.mark.parametrize("increasing", [False, True])
def test_vander(x, N, increasing):
    check_same(lambda m, x: m.vander(x, N, increasing), x)


def test_vander_dtypes_and_errors():
    check_same(lambda m, x: m.vander(x), Arr(np.array([1, 2]), "int8"))
    check_same(lambda m, x: m.vander(x), Arr(np.array([1, 2]), "float16"))
    check_same(lambda m, x: m.vander(x, 3), Arr(np.array([1., 2.]), requires_grad=True),
               check_grad_fn=True)
    check_same(lambda m, x: m.vander(x, N=-1), np.ones(2))
    check_same(lambda m, x: m.vander(x), np.ones((2, 2)))


# ---------------------------------------------------------------------------- removed functions
@pytest.mark.parametrize("fn", [lambda m, x: m.symeig(x), lambda m, x: m.eig(x),
                                lambda m, x: m.lstsq(x, x), lambda m, x: m.matrix_rank(x),
                                lambda m, x: x.symeig(), lambda m, x: x.eig(),
                                lambda m, x: x.lstsq(x), lambda m, x: m.symeig(x, True)])
def test_removed_functions(fn):
    check_same(fn, R(3, 3))


# ---------------------------------------------------------------------------- gauge checks
def _phase_loss_error(fn, a, dtype):
    """Both libraries raise the same error (or none) for a loss depending on vector phases."""
    msgs = []
    for lib in (torch, ember):
        x = lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True)
        try:
            fn(lib, x).backward()
            msgs.append(None)
        except RuntimeError as e:
            msgs.append(str(e))
    assert msgs[1] == msgs[0]
    return msgs[0]


@pytest.mark.parametrize("fn", [
    lambda m, x: m.linalg.svd(x)[0].real.sum(),
    lambda m, x: m.linalg.svd(x, full_matrices=False)[2].imag.sum(),
    lambda m, x: m.svd(x)[2].real.sum(),
    lambda m, x: m.linalg.eigh(x + x.mH)[1].real.sum(),
    lambda m, x: m.linalg.eig(x)[1].real.sum(),
    lambda m, x: m.linalg.eig(x)[1].imag.sum()])
def test_gauge_dependent_loss_raises(fn):
    assert _phase_loss_error(fn, rhs((3, 3), "complex128"), "complex128") is not None


@pytest.mark.parametrize("fn", [
    lambda m, x: m.linalg.svd(x)[0].abs().sum(),
    lambda m, x: (lambda r: (r.U @ r.Vh).real.sum())(m.linalg.svd(x)),
    lambda m, x: m.linalg.eigh(x + x.mH)[1].abs().pow(2).sum(),
    lambda m, x: m.linalg.eig(x)[1].abs().sum()])
def test_gauge_invariant_loss_ok(fn):
    assert _phase_loss_error(fn, rhs((3, 3), "complex128"), "complex128") is None


def test_real_eig_vectors_no_gauge_error():
    """Real symmetric input: real eigenvectors, so Im diag(V^H gV) vanishes; no error."""
    a = R(3, 3)
    assert _phase_loss_error(lambda m, x: m.linalg.eig(x + x.mT)[1].real.sum(), a,
                             "float64") is None


# ---------------------------------------------------------------------------- einsum
@pytest.mark.parametrize("eq,sa,sb", [("...j,j...", (2, 3), (3, 4)),
                                      ("...j,j...", (5, 2, 3), (3, 7, 4)),
                                      ("...j,...j", (5, 2, 3), (6, 3)),
                                      ("...j,...j", (5, 2, 3), (6, 2, 3)),
                                      ("i...j,j...", (2, 5, 3), (3, 4))])
def test_einsum_ellipsis_broadcast_errors(eq, sa, sb):
    check_same(lambda m, a, b: m.einsum(eq, a, b), R(*sa), R(*sb))


def test_einsum_sublist_ellipsis():
    a, b = R(2, 5, 3), R(3, 4)
    check_same(lambda m, a, b: m.einsum(a, [Ellipsis, 1], b, [1, 2], [Ellipsis, 2]), a, b)
    check_same(lambda m, a, b: m.einsum(a, [0, Ellipsis, 1], b, [1, 2]), a, b)
    check_same(lambda m, a, b: m.einsum(a, [Ellipsis, 1], b, [1, Ellipsis]), R(2, 3), R(3, 4))


# ---------------------------------------------------------------------------- renorm
@pytest.mark.parametrize("p", [1, 2, 3, 1.5, 0.5, float("inf")])
@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("maxnorm", [0.0, 1.0, 100.0])
def test_renorm(p, dim, maxnorm):
    x = R(3, 4) * 2
    check_same(lambda m, x: m.renorm(x, p, dim, maxnorm), Arr(x, requires_grad=True),
               grad=True, check_grad_fn=True)
    same_with_grads(lambda m, x: m.renorm(x, p, dim, maxnorm), x)
    same_with_grads(lambda m, x: x.renorm(p, dim, maxnorm), x + 1j * x[::-1],
                    dtype="complex128")


@pytest.mark.parametrize("dt", ["float32", "float16", "bfloat16", "complex64", "int32"])
def test_renorm_dtypes(dt):
    check_same(lambda m, x: m.renorm(x, 2, 0, 1.), Arr(R(3, 4) * 2, dt))


def test_renorm_layouts_and_empty():
    check_same(lambda m, x: m.renorm(x, 2, 0, 1.), Arr(R(3, 4) * 2, layout="transposed"))
    check_same(lambda m, x: m.renorm(x, 2, 1, 1.), np.zeros((0, 3)))
    check_same(lambda m, x: m.renorm(x, 2, 0, 1.), R(2, 3, 4) * 2)


@pytest.mark.parametrize("args", [(0, 0, 1.), (-1, 0, 1.), (2, 0, -1.), (2, 0, -1.5),
                                  (2, 2, 1.), (2, -3, 1.)])
def test_renorm_errors(args):
    check_same(lambda m, x: m.renorm(x, *args), R(3, 4))
    check_same(lambda m, x: m.renorm(x, 2, 0, 1.), np.ones(3))
    check_same(lambda m, x: m.renorm(x, 2, 0, 1.), np.array(1.))


def test_renorm_inplace():
    x = R(3, 4) * 2
    check_same(lambda m, x: x.clone().renorm_(2, 0, 1.), Arr(x, requires_grad=True),
               grad=True, check_grad_fn=True)
    check_same(lambda m, x: x.t().renorm_(2, 0, 1.), x)

    def inplace_on_view(m, x):
        y = x.clone()
        y[1:].renorm_(2, 1, 1.)
        return y
    check_same(inplace_on_view, Arr(x, requires_grad=True), grad=True, check_grad_fn=True)

    def inplace(m, x):
        y = x.clone()
        y.renorm_(2, 1, 1.)
        return y
    same_with_grads(inplace, x)
    check_same(lambda m, x: x.renorm_(2, 0, 1.), Arr(x, requires_grad=True))


# ---------------------------------------------------------------------------- Householder
def _cplx(shape, dt):
    return rhs(shape, dt) if dt.startswith("complex") else R(*shape)


def _packed(shape, dt):
    """PyTorch's geqrf of a random matrix: valid reflectors for householder_product/ormqr."""
    h, tau = torch.geqrf(torch.tensor(_cplx(shape, dt)))
    return h.numpy(), tau.numpy()


@pytest.mark.parametrize("shape", [(4, 3), (2, 4, 3), (3, 3), (3, 4), (0, 3, 2), (3, 0)])
@pytest.mark.parametrize("dt", DTYPES)
def test_geqrf(shape, dt):
    a = _cplx(shape, dt)
    check_same(lambda m, x: m.geqrf(x), Arr(a, dt, requires_grad=True), rtol=1e-4, atol=1e-5,
               check_grad_fn=True)
    check_same(lambda m, x: x.geqrf(), Arr(a, dt, layout="transposed") if len(shape) == 2
               else Arr(a, dt), rtol=1e-4, atol=1e-5)


def test_geqrf_errors():
    check_same(lambda m, x: m.geqrf(x), R(3))
    check_same(lambda m, x: m.geqrf(x), Arr(np.eye(3), "int32"))
    check_same(lambda m, x: m.geqrf(x)[0].sum().backward(), Arr(R(3, 3), requires_grad=True))


@pytest.mark.parametrize("shape", [(4, 3), (2, 4, 3), (3, 3), (5, 2)])
@pytest.mark.parametrize("dt", ["float32", "float64", "complex64", "complex128"])
def test_householder_product(shape, dt):
    h, tau = _packed(shape, dt)
    check_same(lambda m, x, t: m.linalg.householder_product(x, t),
               Arr(h, dt, requires_grad=True), Arr(tau, dt, requires_grad=True), grad=True,
               check_grad_fn=True, rtol=1e-4, atol=1e-5)
    check_same(lambda m, x, t: m.orgqr(x, t[..., :1]), Arr(h, dt), Arr(tau, dt),
               rtol=1e-4, atol=1e-5)
    check_same(lambda m, x, t: x.orgqr(t), Arr(h, dt), Arr(tau, dt), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 3)])
@pytest.mark.parametrize("dt", ["float64", "complex128"])
def test_householder_product_double_grad(shape, dt):
    h, tau = _packed(shape, dt)
    same_with_grads(lambda m, x, t: m.linalg.householder_product(x, t), h, tau, dtype=dt)


@pytest.mark.parametrize("a,t", [((4, 3), (2, 4)), ((2, 4, 3), (3, 3)), ((3, 4), (3,)),
                                 ((3,), (3,)), ((2, 4, 3), (3,))])
def test_householder_product_errors(a, t):
    check_same(lambda m, x, t: m.linalg.householder_product(x, t), R(*a), R(*t))


def test_householder_product_dtype_errors():
    check_same(lambda m, x, t: m.linalg.householder_product(x, t), Arr(R(4, 3), "float32"),
               Arr(R(3), "float64"))
    check_same(lambda m, x, t: m.linalg.householder_product(x, t), Arr(R(4, 3), "int64"),
               Arr(R(3), "int64"))


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("dt", ["float32", "complex128"])
def test_ormqr(left, transpose, dt):
    h, tau = _packed((2, 4, 3), dt)
    c = _cplx((2, 4, 5) if left else (2, 5, 4), dt)
    check_same(lambda m, x, t, c: m.ormqr(x, t, c, left, transpose), Arr(h, dt),
               Arr(tau, dt), Arr(c, dt, requires_grad=True), grad=True, check_grad_fn=True,
               rtol=1e-4, atol=1e-5)
    check_same(lambda m, x, t, c: x.ormqr(t, c, left=left, transpose=transpose), Arr(h, dt),
               Arr(tau, dt), Arr(c, dt), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_ormqr_double_grad(left, transpose):
    h, tau = _packed((4, 3), "complex128")
    c = _cplx((4, 2) if left else (2, 4), "complex128")
    same_with_grads(lambda m, x, t, c: m.ormqr(x, t, c, left, transpose), h, tau, c,
                    dtype="complex128")


@pytest.mark.parametrize("c", [(2, 3, 5), (4, 5), (2, 4)])
def test_ormqr_errors(c):
    check_same(lambda m, x, t, c: m.ormqr(x, t, c), R(2, 4, 3), R(2, 3), R(*c))
    check_same(lambda m, x, t, c: m.ormqr(x, t, c), Arr(R(2, 4, 3), "float32"),
               Arr(R(2, 3), "float32"), Arr(R(2, 4, 5), "float64"))


# ---------------------------------------------------------------------------- deprecated norms
@pytest.mark.parametrize("fn", [lambda m, x: m.frobenius_norm(x, (0, 1)),
                                lambda m, x: m.frobenius_norm(x, (0,), True),
                                lambda m, x: m.frobenius_norm(x, 1),
                                lambda m, x: m.frobenius_norm(x, (0, 1, 1)),
                                lambda m, x: m.nuclear_norm(x),
                                lambda m, x: m.nuclear_norm(x, True),
                                lambda m, x: m.nuclear_norm(x, (0, 1), keepdim=True),
                                lambda m, x: m.nuclear_norm(x, (0,))])
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)])
def test_deprecated_norms(fn, shape):
    check_same(fn, Arr(R(*shape), requires_grad=True), grad=True, check_grad_fn=True)


def test_deprecated_norm_errors():
    check_same(lambda m, x: m.frobenius_norm(x, (0,)), Arr(np.ones((2, 2)), "int32"))
    check_same(lambda m, x: m.nuclear_norm(x), R(3))


# ---------------------------------------------------------------------------- node names
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular_grad_fn_and_grads(upper, left, unit):
    A = R(2, 3, 3) + 3 * np.eye(3)
    B = R(2, 3, 2) if left else R(2, 2, 3)
    same_with_grads(lambda m, a, b: m.linalg.solve_triangular(a, b, upper=upper, left=left,
                                                              unitriangular=unit), A, B)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve_grad_fn_and_grads(left, adjoint):
    B = R(2, 3, 2) if left else R(2, 2, 3)
    same_with_grads(lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b, left=left,
                                                      adjoint=adjoint),
                    R(2, 3, 3) + 3 * np.eye(3), B)


# ---------------------------------------------------------------------------- ldl
def _sym(n, dt, hermitian, kind):
    a = _cplx((n, n), dt)
    if kind == "small_first":        # forces 2x2 pivots and interchanges
        a[0] *= 1e-3
    if kind == "zero_first":
        a[0, 0] = 0
    a = a + (np.conj(a.T) if hermitian else a.T)
    if hermitian:
        a[np.arange(n), np.arange(n)] = a.diagonal().real
    return a


@pytest.mark.parametrize("hermitian", [False, True])
@pytest.mark.parametrize("dt", ["float32", "float64", "complex64", "complex128"])
@pytest.mark.parametrize("n", [1, 2, 3, 6, 9])
@pytest.mark.parametrize("kind", ["random", "small_first", "zero_first"])
def test_ldl_factor_and_solve(hermitian, dt, n, kind):
    a = _sym(n, dt, hermitian, kind)
    tol = dict(rtol=1e-3, atol=1e-4) if dt in ("float32", "complex64") else {}
    check_same(lambda m, x: m.linalg.ldl_factor_ex(x, hermitian=hermitian), Arr(a, dt), **tol)
    check_same(lambda m, x: m.linalg.ldl_factor(x, hermitian=hermitian), Arr(a, dt), **tol)
    b = _cplx((n, 2), dt)
    check_same(lambda m, x, b: m.linalg.ldl_solve(*m.linalg.ldl_factor(x, hermitian=hermitian),
                                                  b, hermitian=hermitian),
               Arr(a, dt), Arr(b, dt), **tol)


def test_ldl_batched_and_broadcast():
    a = np.stack([_sym(4, "float64", False, "random"), _sym(4, "float64", False, "small_first")])
    check_same(lambda m, x: m.linalg.ldl_factor_ex(x), a)
    # (a batch broadcast against LD's batch crashes PyTorch 2.13 itself: not compared)
    check_same(lambda m, x, b: m.linalg.ldl_solve(*m.linalg.ldl_factor(x), b), a, R(2, 4, 2))
    check_same(lambda m, x, b: m.linalg.ldl_solve(*m.linalg.ldl_factor(x), b), a[0], R(2, 4, 2))
    check_same(lambda m, x: m.linalg.ldl_factor_ex(x), np.zeros((0, 3, 3)))


def test_ldl_no_derivative():
    a = _sym(3, "float64", False, "random")
    check_same(lambda m, x: m.linalg.ldl_factor(x), Arr(a, requires_grad=True),
               check_grad_fn=True)
    check_same(lambda m, x: m.linalg.ldl_factor(x)[0].sum().backward(),
               Arr(a, requires_grad=True))
    check_same(lambda m, x, b: m.linalg.ldl_solve(*m.linalg.ldl_factor(x), b).sum().backward(),
               a, Arr(R(3, 2), requires_grad=True))


@pytest.mark.parametrize("fn", [
    lambda m, x: m.linalg.ldl_factor(x[0, 0]),
    lambda m, x: m.linalg.ldl_factor(x[:, :2]),
    lambda m, x: m.linalg.ldl_factor(x * 0),
    lambda m, x: m.linalg.ldl_factor_ex(x * 0),
    lambda m, x: m.linalg.ldl_factor(x.int()),
    lambda m, x: m.linalg.ldl_solve(*m.linalg.ldl_factor(x), x[:2]),
    lambda m, x: m.linalg.ldl_solve(*m.linalg.ldl_factor(x), x[0]),
    lambda m, x: m.linalg.ldl_solve(*m.linalg.ldl_factor(x), x.float())])
def test_ldl_errors(fn):
    check_same(fn, _sym(3, "float64", False, "random"))


# ---------------------------------------------------------------------------- pdist
@pytest.mark.parametrize("p", [2, 1, 0.5, 1.5, 3, 0, float("inf")])
@pytest.mark.parametrize("shape", [(4, 3), (1, 3), (2, 1), (5, 0)])
def test_pdist(p, shape):
    x = R(*shape)
    check_same(lambda m, x: m.pdist(x, p), Arr(x, requires_grad=True), grad=True,
               check_grad_fn=True)
    check_same(lambda m, x: m.nn.functional.pdist(x, p), Arr(x, "float32"))
    if shape[0] > 1 and shape[1] > 0:
        # PyTorch has no double backward for pdist: the same node name and the same error
        check_same(lambda m, x: m.autograd.grad(m.pdist(x, p).sum(), x, create_graph=True),
                   Arr(x, requires_grad=True), check_grad_fn=True)
        check_same(lambda m, x: m.autograd.grad(
            m.autograd.grad(m.pdist(x, p).sum(), x, create_graph=True)[0].sum(), x),
            Arr(x, requires_grad=True))


@pytest.mark.parametrize("p", [2, 1, 0.5, 3, 0, float("inf")])
def test_pdist_ties_and_zero_distances(p):
    """Equal rows (zero distances) and tied coordinates take PyTorch's subgradients."""
    x = np.array([[1., 2.], [1., 2.], [0., 0.], [1., 1.]])
    check_same(lambda m, x: m.pdist(x, p), Arr(x, requires_grad=True), grad=True)


def test_pdist_layout_and_errors():
    check_same(lambda m, x: m.pdist(x), Arr(R(3, 4), layout="transposed"))
    check_same(lambda m, x: m.pdist(x), np.zeros((0, 3)))
    check_same(lambda m, x: m.pdist(x, -1), R(3, 2))
    check_same(lambda m, x: m.pdist(x), R(3))
    check_same(lambda m, x: m.pdist(x), Arr(R(3, 2), "int32"))
    check_same(lambda m, x: m.pdist(x), Arr(R(3, 2), "float16"))
    check_same(lambda m, x: m.pdist(x), Arr(R(3, 2), "complex64"))


# ---------------------------------------------------------------------------- failed factorisations
@pytest.mark.parametrize("n", [1, 3, 5, 8])
@pytest.mark.parametrize("shift", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("dt", ["float64", "complex128"])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_ex_partial_factor(n, shift, dt, upper):
    """A matrix that is not positive-definite: the partial factor LAPACK leaves behind."""
    b = _cplx((2, n, n), dt)
    a = b @ np.conj(np.swapaxes(b, -1, -2)) - shift * n * np.eye(n)
    a[0] = a[0] + 10 * n * n * np.eye(n)   # one batch element that does factor
    check_same(lambda m, x: m.linalg.cholesky_ex(x, upper=upper), Arr(a, dt), rtol=1e-6,
               atol=1e-9)


def test_linalg_vander_grad_fn():
    check_same(lambda m, x: m.linalg.vander(x, N=4), Arr(R(2, 3), requires_grad=True),
               grad=True, check_grad_fn=True)
    check_same(lambda m, x: m.linalg.vander(x), Arr(np.array([1, 2, 3]), "int64"))


SINGULAR = [np.ones((3, 3)), np.array([[1., 2.], [2., 4.]]), np.zeros((3, 3)), np.diag([1., 0, 2]),
            np.array([[1., 2, 3], [2, 4, 6], [1, 0, 1]])]


@pytest.mark.parametrize("a", SINGULAR)
def test_singular_inv_ex_and_solve_ex_results(a):
    """The inf/nan results LAPACK leaves for singular inputs, as PyTorch returns them."""
    n = a.shape[-1]
    check_same(lambda m, x: m.linalg.inv_ex(x), a)
    check_same(lambda m, x: m.linalg.inv_ex(x), np.stack([np.eye(n), a]))
    check_same(lambda m, x, b: m.linalg.solve_ex(x, b), a, R(n))
    check_same(lambda m, x, b: m.linalg.solve_ex(x, b), a, R(n, 2))
    check_same(lambda m, x, b: m.linalg.solve_ex(x, b), np.stack([a, np.eye(n)]), R(2, n, 2))


# ---------------------------------------------------------------------------- low-rank
def _lowrank_parts(fn):
    """S, the rank-q reconstruction U diag(S) V^H and the dtypes/shapes: what does not depend
    on the singular vectors' signs (LAPACK's wide-matrix SVD may choose them differently)."""
    def run(m, x):
        m.manual_seed(3)
        U, S, V = fn(m, x)
        return (S, (U * S.unsqueeze(-2).to(U.dtype)) @ V.mH, U.abs().sum(-2), V.abs().sum(-2),
                U.dtype, V.dtype, U.shape, V.shape)
    return run


@pytest.mark.parametrize("shape", [(8, 5), (5, 8), (2, 7, 4), (6, 6)])
@pytest.mark.parametrize("dt", ["float32", "float64", "complex128"])
@pytest.mark.parametrize("q", [2, 4])
def test_svd_pca_lowrank(shape, dt, q):
    a = _cplx(shape, dt)
    tol = dict(rtol=1e-4, atol=1e-5, check_strides=False)
    check_same(_lowrank_parts(lambda m, x: m.svd_lowrank(x, q=q)), Arr(a, dt), **tol)
    check_same(_lowrank_parts(lambda m, x: m.svd_lowrank(x, q=q, niter=0, M=x[..., :1, :])),
               Arr(a, dt), **tol)
    check_same(_lowrank_parts(lambda m, x: m.pca_lowrank(x, q=q)), Arr(a, dt), **tol)
    check_same(_lowrank_parts(lambda m, x: m.pca_lowrank(x, center=False, niter=1)),
               Arr(a, dt), **tol)


def test_lowrank_gradient_and_errors():
    check_same(_lowrank_parts(lambda m, x: m.svd_lowrank(x, q=3)),
               Arr(R(6, 4), requires_grad=True), grad=True, check_strides=False)
    check_same(lambda m, x: m.pca_lowrank(x, q=9), R(4, 5))
    check_same(lambda m, x: m.pca_lowrank(x, q=-1), R(4, 5))
    check_same(lambda m, x: m.pca_lowrank(x, niter=-1), R(4, 5))
