"""Householder reflectors as LAPACK stores them: ``ember.geqrf`` (QR packed as reflectors and
their scales ``tau``), ``ember.linalg.householder_product`` (alias ``ember.orgqr``: the first n
columns of ``Q = H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^H``) and ``ember.ormqr`` (multiply
by Q or Q^H without forming it).

Forwards run on NumPy. The derivatives differentiate the same product written in ember ops
(one rank-1 update per reflector, as LAPACK's unblocked code does), so they can be
differentiated again.

>>> a, tau = ember.geqrf(ember.tensor([[3., 1.], [4., 2.]]))
>>> ember.linalg.householder_product(a, tau) @ a.triu()
tensor([[3.0000, 1.0000],
        [4.0000, 2.0000]])
"""
import numpy as np

from ._dispatch import FUNCTIONS, write_out, missing_kernel, needs_grad
from ._tensor import Tensor, make_tensor
from .return_types import return_type
from .autograd.grad_mode import enable_grad, is_grad_enabled
from .linalg import _tensor, _colmajor, _wrap, _node, _record, _LAPACK

__all__ = ["geqrf", "householder_product", "orgqr", "ormqr"]

_F = FUNCTIONS
_rt_geqrf = return_type("geqrf", ("a", "tau"))


# ---------------------------------------------------------------------------- geqrf
def geqrf(input, *, out=None):
    """QR factorisation in LAPACK's packed form: R on and above the diagonal, the Householder
    vectors below it, and their scales ``tau``."""
    _tensor(input, "geqrf")
    a = input._array
    if a.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    dt = input._dtype
    if dt not in _LAPACK:
        raise missing_kernel("geqrf_cpu", dt)
    if dt.is_complex and needs_grad(input):
        raise RuntimeError("geqrf does not support automatic differentiation for outputs with "
                           "complex dtype.")
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    flat = a.reshape((-1, m, n)) if a.size else np.zeros((int(np.prod(batch)), m, n), dt.np)
    h = np.zeros(flat.shape, dt.np)
    tau = np.zeros((flat.shape[0], k), dt.np)
    if k:
        for b in range(flat.shape[0]):
            # NumPy's raw mode is LAPACK's geqrf, its output transposed (row-major view)
            hb, tb = np.linalg.qr(flat[b], mode="raw")
            h[b] = hb.T
            tau[b] = tb
    A = _wrap(_colmajor(h.reshape(a.shape)), dt, _colmajor)
    T = _wrap(tau.reshape(batch + (k,)), dt)
    _record(_GeqrfNode, (input,), (A, T))
    if out is not None:
        write_out(out[0], A._array, "geqrf")
        write_out(out[1], T._array, "geqrf")
        return _rt_geqrf(tuple(out))
    return _rt_geqrf((A, T))


def _geqrf_backward(ctx, grads):
    raise NotImplementedError("the derivative for 'geqrf' is not implemented.")


_GeqrfNode = _node("GeqrfBackward0", _geqrf_backward, saves_inputs=False)


# ---------------------------------------------------------------------------- the product
def _reflector_np(a, i):
    """v_i of a batch of packed reflectors: 0 above row i, 1 at i, a's column i below."""
    v = a[..., :, i].copy()
    v[..., :i] = 0
    v[..., i] = 1
    return v


def _apply_q_np(a, tau, x, conj_transpose):
    """Q X (or Q^H X) for Q = H_1 ... H_k, one rank-1 update per reflector."""
    k = tau.shape[-1]
    order = range(k) if conj_transpose else range(k - 1, -1, -1)
    for i in order:
        v = _reflector_np(a, i)
        t = tau[..., i]
        if conj_transpose:
            t = np.conj(t)
        # H_i X = X - tau v (v^H X)
        x = x - (t[..., None, None] * v[..., :, None]) * (np.conj(v)[..., None, :] @ x)
    return x


def _reflector(A, i):
    m = A._array.shape[-2]
    mask = make_tensor((np.arange(m) > i).astype(A._dtype.np), A._dtype)
    unit = make_tensor((np.arange(m) == i).astype(A._dtype.np), A._dtype)
    return A.select(-1, i) * mask + unit


def _apply_q(A, tau, X, conj_transpose):
    """``_apply_q_np`` in ember ops (differentiable in A, tau and X)."""
    k = tau._array.shape[-1]
    order = range(k) if conj_transpose else range(k - 1, -1, -1)
    for i in order:
        v = _reflector(A, i)
        t = tau.select(-1, i)
        if conj_transpose and t._dtype.is_complex:
            t = t.conj()
        vh = v.conj() if v._dtype.is_complex else v
        X = X - (t.unsqueeze(-1).unsqueeze(-1) * v.unsqueeze(-1)) * (vh.unsqueeze(-2) @ X)
    return X


def _composite_vjp(composite, inputs, wanted, grad):
    """Gradients of ``composite(*inputs)`` against ``grad``, by differentiating its ember-op
    form: on the inputs themselves under create_graph (so double backward sees them), else on
    detached copies."""
    from .autograd import grad as _grad
    create = is_grad_enabled()
    with enable_grad():
        xs = [x if create else x.detach().requires_grad_(w) for x, w in zip(inputs, wanted)]
        out = composite(*xs)
        targets = [x for x, w in zip(xs, wanted) if w and x.requires_grad]
        if not targets:
            return [None] * len(inputs)
        gs = iter(_grad(out, targets, grad, create_graph=create, allow_unused=True))
    return [next(gs) if w and x.requires_grad else None for x, w in zip(xs, wanted)]


def _householder_checks(A, tau, fname):
    a, t = A._array, tau._array
    if a.ndim < 2:
        raise RuntimeError(f"{fname}: input must have at least 2 dimensions.")
    if a.shape[-2] < a.shape[-1]:
        raise RuntimeError(f"{fname}: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if a.shape[-1] < t.shape[-1] if t.ndim else False:
        raise RuntimeError(f"{fname}: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    if t.ndim != a.ndim - 1:
        raise RuntimeError(f"{fname}: Expected tau to have one dimension less than input, but "
                           f"got tau.ndim equal to {t.ndim} and input.ndim is equal to {a.ndim}")
    if t.shape[:-1] != a.shape[:-2]:
        raise RuntimeError(f"{fname}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(t.shape[:-1])}")
    if A._dtype is not tau._dtype:
        raise RuntimeError(f"{fname}: tau dtype {tau._dtype.scalar_name} does not match input "
                           f"dtype {A._dtype.scalar_name}")
    if A._dtype not in _LAPACK:
        raise missing_kernel("orgqr_cpu", A._dtype)


def _product_np(a, tau):
    m, n = a.shape[-2:]
    eye = np.broadcast_to(np.eye(m, n, dtype=a.dtype), a.shape)
    return _apply_q_np(a, tau, eye, False)


def householder_product(A, tau, *, out=None):
    """The first n columns of ``Q = H_1 ... H_k`` from packed Householder vectors (``geqrf``).

    >>> ember.linalg.householder_product(ember.eye(2), ember.zeros(2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    _tensor(A, "linalg_householder_product", "input")
    _tensor(tau, "linalg_householder_product", "tau", 2)
    _householder_checks(A, tau, "torch.linalg.householder_product")
    Q = _wrap(_colmajor(_product_np(A._array, tau._array)), A._dtype, _colmajor)
    _record(_HouseholderNode, (A, tau), Q)
    if out is not None:
        return write_out(out, Q._array, "linalg_householder_product")
    return Q


def _eye_like(A):
    m, n = A._array.shape[-2:]
    return make_tensor(np.ascontiguousarray(np.broadcast_to(np.eye(m, n, dtype=A._dtype.np),
                                                            A._array.shape)), A._dtype)


def _householder_backward(ctx, grad):
    A, tau = ctx.inputs
    wanted = [ctx.next_functions[i][0] is not None for i in range(2)]
    return tuple(_composite_vjp(lambda a, t: _apply_q(a, t, _eye_like(a), False), (A, tau),
                                wanted, grad))


_HouseholderNode = _node("LinalgHouseholderProductBackward0", _householder_backward)


def orgqr(input, tau, *, out=None):
    """Alias of ``ember.linalg.householder_product``."""
    return householder_product(input, tau, out=out)


# ---------------------------------------------------------------------------- ormqr
def _ormqr_checks(A, tau, C, left):
    a, t, c = A._array, tau._array, C._array
    fname = "torch.ormqr"
    if a.ndim < 2:
        raise RuntimeError(f"{fname}: input must have at least 2 dimensions.")
    if c.ndim < 2:
        raise RuntimeError(f"{fname}: other must have at least 2 dimensions.")
    side = -2 if left else -1
    if c.shape[side] != a.shape[-2]:
        raise RuntimeError(f"{fname}: other.shape[{side}] must be equal to input.shape[-2]")
    if c.ndim != a.ndim:
        raise RuntimeError(f"{fname}: Expected other to have the same number of dimensions as "
                           f"input, but got other.ndim equal to {c.ndim} and input.ndim is equal "
                           f"to {a.ndim}")
    if t.shape[-1] > (a.shape[-2] if left else a.shape[-2]):
        raise RuntimeError(f"{fname}: tau.shape[-1] must be less than or equal to "
                           f"{'other.shape[-2]' if left else 'other.shape[-1]'}")
    if t.ndim != a.ndim - 1:
        raise RuntimeError(f"{fname}: Expected tau to have one dimension less than input, but "
                           f"got tau.ndim equal to {t.ndim} and input.ndim is equal to {a.ndim}")
    if t.shape[:-1] != a.shape[:-2]:
        raise RuntimeError(f"{fname}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(t.shape[:-1])}")
    if c.shape[:-2] != a.shape[:-2]:
        raise RuntimeError(f"{fname}: Expected batch dimensions of other to be equal to "
                           f"input.shape[:-2], but got {list(c.shape[:-2])}")
    if A._dtype is not tau._dtype:
        raise RuntimeError(f"{fname}: Expected input and tau to have the same dtype, but input "
                           f"has dtype{A._dtype.scalar_name} and tau has dtype "
                           f"{tau._dtype.scalar_name}")
    if A._dtype is not C._dtype:
        raise RuntimeError(f"{fname}: Expected input and other to have the same dtype, but input "
                           f"has dtype{A._dtype.scalar_name} and other has dtype "
                           f"{C._dtype.scalar_name}")
    if A._dtype not in _LAPACK:
        raise missing_kernel("ormqr_cpu", A._dtype)


def _ormqr_composite(A, tau, C, left, transpose, apply):
    if left:
        return apply(A, tau, C, transpose)
    # C op(Q) = (op(Q)^H C^H)^H
    Ch = C.mH if hasattr(C, "mH") else np.conj(np.swapaxes(C, -1, -2))
    r = apply(A, tau, Ch, not transpose)
    return r.mH if hasattr(r, "mH") else np.conj(np.swapaxes(r, -1, -2))


def ormqr(input, tau, other, left=True, transpose=False, *, out=None):
    """``op(Q) @ other`` (``left``) or ``other @ op(Q)``, with ``op(Q)`` Q or Q^H
    (``transpose``) and Q the full m x m product of the reflectors ``geqrf`` returns."""
    _tensor(input, "ormqr")
    _tensor(tau, "ormqr", "input2", 2)
    _tensor(other, "ormqr", "input3", 3)
    _ormqr_checks(input, tau, other, left)
    res = _ormqr_composite(input._array, tau._array, other._array, left, transpose,
                           _apply_q_np)
    R = _wrap(_colmajor(res), input._dtype, _colmajor)
    _record(_OrmqrNode, (input, tau, other), R, {"left": left, "transpose": transpose})
    if out is not None:
        return write_out(out, R._array, "ormqr")
    return R


def _ormqr_backward(ctx, grad):
    left, transpose = ctx.saved["left"], ctx.saved["transpose"]
    wanted = [ctx.next_functions[i][0] is not None for i in range(3)]
    return tuple(_composite_vjp(
        lambda a, t, c: _ormqr_composite(a, t, c, left, transpose, _apply_q),
        ctx.inputs, wanted, grad))


_OrmqrNode = _node("OrmqrBackward0", _ormqr_backward)


FUNCTIONS.update(geqrf=geqrf, orgqr=orgqr, ormqr=ormqr)
Tensor.geqrf = lambda self: geqrf(self)
Tensor.orgqr = lambda self, input2: orgqr(self, input2)
Tensor.ormqr = (lambda self, input2, input3, left=True, transpose=False:
                ormqr(self, input2, input3, left, transpose))
