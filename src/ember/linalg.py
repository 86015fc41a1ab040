"""``ember.linalg``: PyTorch's linear algebra namespace on NumPy's LAPACK, plus the legacy
top-level functions (``ember.inverse``, ``det``, ``slogdet``, ``svd``, ``qr``, ``cholesky``, ...).

Results keep PyTorch's layouts (factorisations come back as batches of column-major matrices,
as LAPACK writes them), dtypes (``eig`` of a real matrix is complex), named tuples
(``linalg_slogdet(sign, logabsdet)``, ``linalg_svd(U, S, Vh)``, ...), error texts (singular and
non positive-definite inputs raise ``linalg.LinAlgError`` naming the batch element and pivot),
and derivatives (written in ember ops, so they can be differentiated again).

>>> A = ember.tensor([[2., 0.], [0., 4.]])
>>> ember.linalg.inv(A)
tensor([[0.5000, 0.0000],
        [0.0000, 0.2500]])
>>> ember.linalg.eigh(A).eigenvalues
tensor([2., 4.])
"""
import math

import numpy as np

from . import _dtype as D
from ._dispatch import FUNCTIONS, needs_grad, record, write_out, missing_kernel, type_name
from ._tensor import Tensor, make_tensor
from .autograd.graph import node_class, OpNode
from .autograd.grad_mode import no_grad
from .return_types import return_type
from ._ops import reduction as _reduction
from ._ops.blas import matmul, multi_dot as _multi_dot, _sum_to, _conj, _mH, _wants

__all__ = ["LinAlgError", "inv", "inv_ex", "det", "slogdet", "solve", "solve_ex", "lstsq",
           "eig", "eigvals", "eigh", "eigvalsh", "svd", "svdvals", "qr", "cholesky",
           "cholesky_ex", "lu_factor", "lu_factor_ex", "lu", "lu_solve", "matrix_norm",
           "vector_norm", "norm", "matrix_rank", "pinv", "matrix_power", "matrix_exp",
           "multi_dot", "cross", "vecdot", "diagonal", "cond", "tensorinv", "tensorsolve",
           "matmul", "solve_triangular", "vander"]


class _LinAlgError(RuntimeError):
    """Raised when a matrix is numerically unsuitable (singular, not positive-definite)."""


_LinAlgError.__module__ = "ember._C"
LinAlgError = _LinAlgError

_F = FUNCTIONS
_LOW = frozenset((D.float16, D.bfloat16, D.complex32))
_LAPACK = frozenset((D.float32, D.float64, D.complex64, D.complex128))

# named result tuples
_rt_slogdet = return_type("slogdet", ("sign", "logabsdet"))
_rt_linalg_slogdet = return_type("linalg_slogdet", ("sign", "logabsdet"))
_rt_inv_ex = return_type("linalg_inv_ex", ("inverse", "info"))
_rt_solve_ex = return_type("linalg_solve_ex", ("result", "info"))
_rt_cholesky_ex = return_type("linalg_cholesky_ex", ("L", "info"))
_rt_eig = return_type("linalg_eig", ("eigenvalues", "eigenvectors"))
_rt_eigh = return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
_rt_svd = return_type("svd", ("U", "S", "V"))
_rt_linalg_svd = return_type("linalg_svd", ("U", "S", "Vh"))
_rt_qr = return_type("qr", ("Q", "R"))
_rt_linalg_qr = return_type("linalg_qr", ("Q", "R"))
_rt_lu_factor = return_type("linalg_lu_factor", ("LU", "pivots"))
_rt_lu_factor_ex = return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
_rt_lu = return_type("linalg_lu", ("P", "L", "U"))
_rt_lstsq = return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))


# ---------------------------------------------------------------------------- helpers
def _rename(t, name):
    from ._ops.loss import _rename as rename
    return rename(t, name)


def _tensor(x, fname, argname="input", pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                        f"{type_name(x)}")
    return x


def _check_matrix(A, fname, square=True, argname="A"):
    a = A._array
    if a.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor {argname} must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{fname}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")


def _check_float(A, fname, low=None):
    """PyTorch's dtype checks: floating or complex, then (``low``) a missing half kernel."""
    dt = A._dtype
    if dt.category <= 1:
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got "
                           f"{dt.scalar_name}")
    if dt not in _LAPACK:
        if low is None:
            raise RuntimeError(f"{fname}: Low precision dtypes not supported. Got "
                               f"{dt.scalar_name}")
        raise missing_kernel(low, dt)


def _check_kernel(A, kernel):
    if A._dtype not in _LAPACK:
        raise missing_kernel(kernel, A._dtype)


def _colmajor(arr):
    """A batch of column-major matrices (LAPACK's layout, which PyTorch returns)."""
    arr = np.asarray(arr)
    if arr.ndim < 2:
        return arr if arr.flags.c_contiguous else arr.copy()
    # NOTE: allocated explicitly: NumPy would keep any strides for size-1 dims
    out = np.swapaxes(np.empty(arr.shape[:-2] + (arr.shape[-1], arr.shape[-2]), arr.dtype), -1, -2)
    out[...] = arr
    return out


def _contig(arr):
    arr = np.asarray(arr)
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


def _wrap(arr, dt, layout=_contig):
    arr = np.asarray(arr)
    if arr.dtype != dt.np:
        arr = arr.astype(dt.np)
    return make_tensor(layout(arr), dt)


def _batched_prefix(a, idx):
    return f"(Batch element {idx}): " if a.ndim > 2 else ""


def _private_node(name, backward, saves_inputs=True):
    return type(name, (OpNode,), {"__module__": "builtins", "saves_inputs": saves_inputs,
                                  "backward_fn": staticmethod(backward)})


def _node(name, backward, saves_inputs=True):
    cls = node_class(name)
    cls.backward_fn = staticmethod(backward)
    cls.saves_inputs = saves_inputs
    return cls


def _record(node_cls, inputs, outputs, saved=None):
    if needs_grad(*inputs):
        record(node_cls, tuple(inputs), outputs, saved)


def _eye(n, dt):
    return make_tensor(np.eye(n, dtype=dt.np), dt)


def _diag_embed(v):
    return _F["diag_embed"](v)


def _where(c, a, b):
    return _F["where"](c, a, b)


def _grads(grad, n):
    """The per-output gradients a multi-output node receives (a tuple, or one tensor)."""
    if isinstance(grad, (tuple, list)):
        return tuple(grad) + (None,) * (n - len(grad))
    return (grad,) + (None,) * (n - 1)


def _real_if(g, like_dtype):
    if g is not None and g._dtype.is_complex and not like_dtype.is_complex:
        return g.real
    return g


def _solve_arr(A, B):
    """np.linalg.solve for a batch of matrix right-hand sides."""
    return np.linalg.solve(A, B)


def _lu_np(a):
    """Partial-pivoting LU of a batch (LAPACK getrf's pivots and info, rows chosen by the
    largest |re| + |im|): returns (LU, 1-based pivots, info)."""
    a = np.array(a, copy=True)
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    B = int(np.prod(batch, dtype=np.int64))
    a = a.reshape((B, m, n))   # (explicit B: -1 is ambiguous for empty matrices)
    piv = np.zeros((B, k), np.int32)
    info = np.zeros(B, np.int32)
    rows = np.arange(B)
    for j in range(k):
        col = a[:, j:, j]
        mag = np.abs(col.real) + np.abs(col.imag) if np.iscomplexobj(col) else np.abs(col)
        p = j + np.argmax(mag, axis=1) if m > j else np.full(B, j)
        piv[:, j] = p + 1
        swap = p != j
        if swap.any():
            r = rows[swap]
            tmp = a[r, j, :].copy()
            a[r, j, :] = a[r, p[swap], :]
            a[r, p[swap], :] = tmp
        d = a[:, j, j]
        zero = d == 0
        info[(info == 0) & zero] = j + 1
        if j + 1 < m:
            safe = np.where(zero, 1, d)
            a[:, j + 1:, j] = a[:, j + 1:, j] / safe[:, None]
            if j + 1 < n:
                a[:, j + 1:, j + 1:] -= a[:, j + 1:, j, None] * a[:, j, None, j + 1:]
    return a.reshape(batch + (m, n)), piv.reshape(batch + (k,)), info.reshape(batch)


def _potf2_partial(a):
    """What LAPACK's (left-looking, lower) potf2 leaves in a matrix it cannot factor, which
    PyTorch returns from cholesky_ex: the finished columns of L, the failing non-positive
    pivot on the diagonal, the rest of A's lower triangle untouched."""
    a = np.array(a, copy=True)
    n = a.shape[-1]
    with np.errstate(all="ignore"):
        for j in range(n):
            row = a[j, :j]
            ajj = (a[j, j] - row @ np.conj(row)).real
            if not ajj > 0:     # (NaN fails too)
                a[j, j] = ajj
                break
            ajj = np.sqrt(ajj)
            a[j, j] = ajj
            a[j + 1:, j] = (a[j + 1:, j] - a[j + 1:, :j] @ np.conj(row)) / ajj
    return np.tril(a)


def _getrs_singular(a, b, skip_zeros):
    """The inf/nan pattern LAPACK leaves when solving with a singular LU factor (PyTorch
    returns it from solve_ex/inv_ex): the pivoted unit-lower then upper substitutions, column
    by column as BLAS trsm runs them. trsm skips rows whose right-hand side is exactly zero
    (``skip_zeros``, solve's path); the inverse's path multiplies through, so 0 * inf = nan."""
    lu, piv, _ = _lu_np(a)
    n = lu.shape[-1]
    x = np.array(b, dtype=np.result_type(lu, b), copy=True)
    for i, p in enumerate(piv - 1):
        if p != i:
            x[[i, p]] = x[[p, i]]
    with np.errstate(all="ignore"):
        for k in range(n):
            xk = np.where(x[k] != 0, x[k], 0) if skip_zeros else x[k]
            x[k + 1:] -= lu[k + 1:, k, None] * xk[None, :]
        for k in range(n - 1, -1, -1):
            x[k] = np.where(x[k] != 0, x[k] / lu[k, k], x[k]) if skip_zeros else x[k] / lu[k, k]
            xk = np.where(x[k] != 0, x[k], 0) if skip_zeros else x[k]
            x[:k] -= lu[:k, k, None] * xk[None, :]
    return x


def _cholesky_info(a):
    """The order of the first leading minor that is not positive-definite (0 if none), per
    matrix of a batch, found by the column Cholesky recurrence."""
    a = np.asarray(a)
    n = a.shape[-1]
    batch = a.shape[:-2]
    a = a.reshape((-1, n, n)).astype(np.complex128 if np.iscomplexobj(a) else np.float64)
    B = a.shape[0]
    L = np.zeros_like(a)
    info = np.zeros(B, np.int32)
    ok = np.ones(B, bool)
    for j in range(n):
        s = a[:, j, j] - np.sum(L[:, j, :j] * L[:, j, :j].conj(), axis=1)
        d = s.real
        bad = ok & ~(d > 0)
        info[bad] = j + 1
        ok &= ~bad
        dj = np.sqrt(np.where(ok, d, 1.0))
        L[:, j, j] = dj
        if j + 1 < n:
            L[:, j + 1:, j] = (a[:, j + 1:, j] - np.einsum("bik,bk->bi", L[:, j + 1:, :j],
                                                            L[:, j, :j].conj())) / dj[:, None]
    return info.reshape(batch)


# ---------------------------------------------------------------------------- inv
def _inv_core(A, fname, check_errors):
    a = A._array
    dt = A._dtype
    a.shape[-1]
    info = np.zeros(a.shape[:-2], np.int32)
    if a.size == 0:
        res = np.zeros(a.shape, dt.np)
    else:
        try:
            with np.errstate(all="ignore"):
                res = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            _, _, info = _lu_np(a)
            if check_errors:
                flat = info.reshape(-1)
                idx = int(np.nonzero(flat)[0][0])
                raise _LinAlgError(
                    f"{fname}: {_batched_prefix(a, idx)}The diagonal element {flat[idx]} is zero, "
                    "the inversion could not be completed because the input matrix is singular.")
            with np.errstate(all="ignore"):
                ok = info == 0
                res = np.full(a.shape, np.nan, dt.np)
                if ok.any():
                    res[ok] = np.linalg.inv(a[ok])
                eye = np.eye(a.shape[-1], dtype=dt.np)
                for idx in zip(*np.nonzero(~ok)) if a.ndim > 2 else ([()] if not ok else []):
                    res[idx] = _getrs_singular(a[idx], eye, skip_zeros=False)
    inv = _wrap(res, dt, _colmajor)
    inf = make_tensor(np.asarray(info, np.int32), D.int32)
    _record(_InvExNode, (A,), (inv, inf), {"inverse": inv})
    return inv, inf


def _inv_ex_backward(ctx, grads):
    g = _grads(grads, 2)[0]
    if g is None:
        return (None,)
    inv = ctx.saved["inverse"]
    ih = _mH(inv)
    return (-(ih @ g @ ih),)


_InvExNode = _node("LinalgInvExBackward0", _inv_ex_backward, saves_inputs=False)


def inv_ex(A, *, check_errors=False, out=None):
    """Inverse of square matrices plus LAPACK's ``info`` (no error unless ``check_errors``).

    >>> ember.linalg.inv_ex(ember.eye(2)).info
    tensor(0, dtype=ember.int32)
    """
    _tensor(A, "linalg_inv_ex", "A")
    _check_matrix(A, "linalg.inv")
    _check_float(A, "linalg.inv")
    inv, info = _inv_core(A, "linalg.inv_ex", check_errors)
    if out is not None:
        write_out(out[0], inv._array, "linalg_inv_ex")
        write_out(out[1], info._array, "linalg_inv_ex")
        return _rt_inv_ex(out)
    return _rt_inv_ex((inv, info))


def inv(A, *, out=None):
    """Inverse of square matrices (batched); singular inputs raise LinAlgError.

    >>> ember.linalg.inv(ember.tensor([[2., 0.], [0., 4.]])).diagonal()
    tensor([0.5000, 0.2500])
    """
    _tensor(A, "linalg_inv", "A")
    _check_matrix(A, "linalg.inv")
    _check_float(A, "linalg.inv")
    res = _inv_core(A, "linalg.inv", True)[0]
    if out is not None:
        return write_out(out, res._array, "linalg_inv")
    return res


def inverse(input, *, out=None):
    """Legacy alias of ``linalg.inv``."""
    _tensor(input, "inverse")
    return inv(input, out=out)


# ---------------------------------------------------------------------------- det, slogdet
def det(A, *, out=None):
    """Determinant of square matrices (batched).

    >>> ember.linalg.det(ember.tensor([[1., 2.], [3., 4.]]))
    tensor(-2.0000)
    """
    _tensor(A, "linalg_det", "A")
    _check_matrix(A, "linalg.det")
    _check_float(A, "linalg.det", low="lu_cpu")
    a = A._array
    with np.errstate(all="ignore"):
        res = np.linalg.det(a) if a.size or a.shape[-1] else np.ones(a.shape[:-2], a.dtype)
    t = _wrap(res, A._dtype)
    _record(_DetNode, (A,), t, {"result": t})
    if out is not None:
        return write_out(out, t._array, "linalg_det")
    return t


def _excl_prod(s):
    """prod_{j != i} s_j along the last dim (differentiable, zero-safe)."""
    n = s._array.shape[-1]
    ones = _F["ones_like"](s.narrow(-1, 0, 1))
    left = _F["cat"]([ones, s.narrow(-1, 0, n - 1).cumprod(-1)], -1) if n > 1 else ones
    rs = s.flip(-1)
    right = _F["cat"]([ones, rs.narrow(-1, 0, n - 1).cumprod(-1)], -1).flip(-1) if n > 1 else ones
    return left * right


def _det_backward(ctx, g):
    A = ctx.inputs[0]
    d = ctx.saved["result"]
    if A._array.shape[-1] == 0:
        return (_F["zeros_like"](A),)
    if not bool((d._array == 0).any()):
        return ((g * _conj(d)).unsqueeze(-1).unsqueeze(-1) * _mH(inv(A)),)
    # a singular matrix: the adjugate through the SVD, A = U S Vh
    U, S, Vh = svd(A, full_matrices=False)
    du, dv = det(U), det(Vh)
    P = _excl_prod(S).to(A._dtype)
    adj_h = _conj(du * dv).unsqueeze(-1).unsqueeze(-1) * ((U * P.unsqueeze(-2)) @ Vh)
    return (g.unsqueeze(-1).unsqueeze(-1) * adj_h,)


_DetNode = _node("LinalgDetBackward0", _det_backward)


def _slogdet_core(A, fname):
    _check_matrix(A, fname)
    _check_float(A, fname)
    a = A._array
    dt = A._dtype
    with np.errstate(all="ignore"):
        if a.size or a.shape[-1]:
            sign, lad = np.linalg.slogdet(a)
        else:
            sign, lad = np.ones(a.shape[:-2], a.dtype), np.zeros(a.shape[:-2], dt.to_real().np)
    s = _wrap(sign, dt)
    la = _wrap(lad, dt.to_real())
    _record(_SlogdetNode, (A,), (s, la), {"sign": s})
    return s, la


def _slogdet_backward(ctx, grads):
    A = ctx.inputs[0]
    g_sign, g_lad = _grads(grads, 2)
    if A._dtype.is_complex:
        sign = ctx.saved["sign"]
        gh = None
        if g_lad is not None:
            gh = g_lad.to(A._dtype)
        if g_sign is not None:
            extra = (_conj(g_sign) * sign).imag * (-1j)
            gh = extra if gh is None else gh + extra
        if gh is None:
            return (None,)
        return (gh.unsqueeze(-1).unsqueeze(-1) * _mH(inv(A)),)
    if g_lad is None:
        return (_F["zeros_like"](A),)
    return (g_lad.unsqueeze(-1).unsqueeze(-1) * _mH(inv(A)),)


_SlogdetNode = _node("LinalgSlogdetBackward0", _slogdet_backward)


def slogdet(A, *, out=None):
    """Sign and log of the absolute determinant: ``linalg_slogdet(sign, logabsdet)``.

    >>> ember.linalg.slogdet(ember.tensor([[-2., 0.], [0., 1.]])).sign
    tensor(-1.)
    """
    _tensor(A, "linalg_slogdet", "A")
    return _rt_linalg_slogdet(_slogdet_core(A, "linalg.slogdet"))


def _slogdet_legacy(input, *, out=None):
    """``torch.slogdet``: ``slogdet(sign, logabsdet)``."""
    _tensor(input, "slogdet")
    return _rt_slogdet(_slogdet_core(input, "linalg.slogdet"))


def logdet(input):
    """Log-determinant (NaN for a negative determinant of a real matrix)."""
    _tensor(input, "logdet")
    _check_matrix(input, "logdet")
    _check_float(input, "logdet")
    sign, lad = _slogdet_core(input, "logdet")
    if input._dtype.is_complex:
        return sign.log() + lad
    nan = make_tensor(np.asarray(np.nan, lad._dtype.np), lad._dtype)
    return _where(sign == -1, nan, lad)


# ---------------------------------------------------------------------------- solve
def _is_vector_rhs(a, b):
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])


def _broadcast_batch(sa, sb):
    from ._dispatch import broadcast_shapes2
    return broadcast_shapes2(tuple(sa), tuple(sb))


def _vector_layout(arr):
    """Layout of a batched vector result: column-major over the last two dims."""
    return _colmajor(arr) if arr.ndim >= 2 else _contig(arr)


def _solve_core(A, B, left, fname, check_errors):
    a, b = A._array, B._array
    dt = A._dtype
    vec = _is_vector_rhs(a, b)
    n = a.shape[-1]
    if left:
        rows = b.shape[-1] if vec else b.shape[-2]
        if rows != n:
            cols = 1 if vec else b.shape[-1]
            raise RuntimeError(f"{fname}: Incompatible shapes of A and B for the equation AX = B "
                               f"({a.shape[-2]}x{a.shape[-1]} and {rows}x{cols})")
    else:
        if vec or b.shape[-1] != n:
            rows, cols = (1, b.shape[-1]) if vec else b.shape[-2:]
            if vec:
                rows, cols = b.shape[-1], 1
            raise RuntimeError(f"{fname}: Incompatible shapes of A and B for the equation XA = B "
                               f"({a.shape[-2]}x{a.shape[-1]} and {rows}x{cols})")
    bm = b[..., None] if vec else b
    batch = _broadcast_batch(bm.shape[:-2], a.shape[:-2])
    ab = np.broadcast_to(a, batch + a.shape[-2:])
    if left:
        bb = np.broadcast_to(bm, batch + bm.shape[-2:])
    else:
        ab = np.swapaxes(ab, -1, -2)
        bb = np.swapaxes(np.broadcast_to(bm, batch + bm.shape[-2:]), -1, -2)
    info = np.zeros(a.shape[:-2], np.int32)
    if ab.size == 0 or bb.size == 0:
        x = np.zeros(bb.shape, dt.np)
    else:
        try:
            with np.errstate(all="ignore"):
                x = np.linalg.solve(ab, bb)
        except np.linalg.LinAlgError:
            info = _lu_np(a)[2]
            if check_errors:
                flat = info.reshape(-1)
                idx = int(np.nonzero(flat)[0][0])
                raise _LinAlgError(f"torch.{fname}: {_batched_prefix(a, idx)}The solver failed "
                                   "because the input matrix is singular.")
            x = np.full(bb.shape, np.nan, dt.np)
            ok = np.broadcast_to(info == 0, batch)
            if ok.any():
                x[ok] = np.linalg.solve(ab[ok], bb[ok])
            for idx in zip(*np.nonzero(~ok)) if len(batch) else ([()] if not ok else []):
                x[idx] = _getrs_singular(ab[idx], bb[idx], skip_zeros=True)
    if not left:
        # X A = B was solved as A^T X^T = B^T: X is the transpose of a column-major result
        res = _wrap(_colmajor(x), dt, lambda r: np.swapaxes(r, -1, -2))
    elif vec:
        res = _wrap(x[..., 0], dt, _vector_layout)
    else:
        res = _wrap(x, dt, _colmajor)
    inf = make_tensor(np.asarray(info, np.int32), D.int32)
    _record(_SolveNode, (A, B), (res, inf), {"result": res, "left": left, "vec": vec})
    return res, inf


def _solve_backward(ctx, grads):
    A, B = ctx.inputs
    g = _grads(grads, 2)[0]
    if g is None:
        return None, None
    X = ctx.saved["result"]
    left, vec = ctx.saved["left"], ctx.saved["vec"]
    Ah = _mH(A)
    if left:
        gB = solve(Ah, g)
        if vec:
            gA = -(gB.unsqueeze(-1) * _conj(X).unsqueeze(-2))
        else:
            gA = -(gB @ _mH(X))
    else:
        gB = solve(Ah, g, left=False)
        gA = -(_mH(X) @ gB)
    gA = _sum_to(gA, A._array.shape) if _wants(ctx, 0) else None
    gB = _sum_to(gB, B._array.shape) if _wants(ctx, 1) else None
    return gA, gB


_SolveNode = _node("LinalgSolveExBackward0", _solve_backward)


def _solve_checks(A, B, fname):
    _tensor(A, "linalg_solve", "A")
    _tensor(B, "linalg_solve", "B", 2)
    _check_matrix(A, fname)
    if A._dtype is not B._dtype:
        raise RuntimeError(f"{fname}: Expected A and B to have the same dtype, but found A of "
                           f"type {A._dtype.scalar_name} and B of type {B._dtype.scalar_name} "
                           "instead")
    _check_float(A, fname, low="lu_cpu")


def solve(A, B, *, left=True, out=None):
    """Solve ``A X = B`` (or ``X A = B`` with ``left=False``); B may be a (batch of) vectors.

    >>> ember.linalg.solve(ember.tensor([[2., 0.], [0., 4.]]), ember.tensor([2., 4.]))
    tensor([1., 1.])
    """
    _solve_checks(A, B, "linalg.solve")
    res = _solve_core(A, B, left, "linalg.solve", True)[0]
    if out is not None:
        return write_out(out, res._array, "linalg_solve")
    return res


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """``solve`` plus LAPACK's ``info`` (no error for singular inputs unless asked)."""
    _solve_checks(A, B, "linalg.solve")
    return _rt_solve_ex(_solve_core(A, B, left, "linalg.solve_ex", check_errors))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """Solve a triangular system (the other triangle of A is ignored)."""
    _tensor(A, "linalg_solve_triangular", "A")
    _tensor(B, "linalg_solve_triangular", "B", 2)
    T = A.triu() if upper else A.tril()
    if unitriangular:
        n = A._array.shape[-1]
        eye = _eye(n, A._dtype)
        T = T * (1 - eye) + eye
    res = solve(T, B, left=left)
    if out is not None:
        return write_out(out, res._array, "linalg_solve_triangular")
    if not left and res._array.ndim >= 2:
        # trsm writes X A = B's solution column-major (linalg.solve's XA = B path does not);
        # the fresh result is not yet shared, so relaying its memory out is safe
        res._array = _colmajor(res._array)
    # a solve with the masked triangle: its derivative is already solve_triangular's
    # (triangular, zero diagonal when unitriangular); only PyTorch's node name differs
    return _rename(res, "LinalgSolveTriangularBackward0")


# ---------------------------------------------------------------------------- cholesky
def _cholesky_core(A, upper, fname, check_errors, node):
    a = A._array
    dt = A._dtype
    info = np.zeros(a.shape[:-2], np.int32)
    if a.size == 0:
        L = np.zeros(a.shape, dt.np)
    else:
        try:
            L = np.linalg.cholesky(a)
            if np.isnan(np.diagonal(L, 0, -2, -1)).any():
                raise np.linalg.LinAlgError   # LAPACK's potrf stops at a NaN pivot
        except np.linalg.LinAlgError:
            info = _cholesky_info(a)
            if check_errors:
                flat = info.reshape(-1)
                idx = int(np.nonzero(flat)[0][0])
                raise _LinAlgError(
                    f"{fname}: {_batched_prefix(a, idx)}The factorization could not be completed "
                    f"because the input is not positive-definite (the leading minor of order "
                    f"{flat[idx]} is not positive-definite).")
            L = np.zeros(a.shape, dt.np)
            ok = info == 0
            if ok.any():
                L[ok] = np.linalg.cholesky(a[ok])
            for idx in zip(*np.nonzero(~ok)) if a.ndim > 2 else ([()] if not ok else []):
                L[idx] = _potf2_partial(a[idx])
            L = L.reshape(a.shape)
    if upper:
        L = np.swapaxes(L, -1, -2).conj()
    res = _wrap(L, dt, _colmajor)
    inf = make_tensor(np.asarray(info, np.int32), D.int32)
    _record(node, (A,), (res, inf) if node is _CholeskyExNode else res,
            {"L": res, "upper": upper})
    return res, inf


def _cholesky_backward(ctx, grads):
    g = _grads(grads, 2)[0]
    if g is None:
        return (None,)
    L = ctx.saved["L"]
    if ctx.saved["upper"]:
        L = _mH(L)
        g = _mH(g)
    # gA = L^{-H} Phi(L^H gL) L^{-1}, Phi = lower triangle with the diagonal halved, symmetrized
    n = L._array.shape[-1]
    phi = (_mH(L) @ g).tril()
    phi = phi - 0.5 * phi * _eye(n, L._dtype).to(phi._dtype) if n else phi
    Linv = inv(L)
    gA = _mH(Linv) @ phi @ Linv
    return (0.5 * (gA + _mH(gA)),)


_CholeskyExNode = _node("LinalgCholeskyExBackward0", _cholesky_backward, saves_inputs=False)
_CholeskyLegacyNode = _node("CholeskyBackward0", _cholesky_backward, saves_inputs=False)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """Cholesky factor plus ``info`` (the failing leading minor's order, 0 on success)."""
    _tensor(A, "linalg_cholesky_ex", "A")
    _check_matrix(A, "linalg.cholesky")
    _check_float(A, "linalg.cholesky", low="cholesky_cpu")
    return _rt_cholesky_ex(_cholesky_core(A, upper, "linalg.cholesky_ex", check_errors,
                                          _CholeskyExNode))


def cholesky(A, *, upper=False, out=None):
    """Cholesky factor L (or U = L^H with ``upper``) of Hermitian positive-definite matrices.

    >>> ember.linalg.cholesky(ember.tensor([[4., 2.], [2., 2.]]))
    tensor([[2., 0.],
            [1., 1.]])
    """
    _tensor(A, "linalg_cholesky", "A")
    _check_matrix(A, "linalg.cholesky")
    _check_float(A, "linalg.cholesky", low="cholesky_cpu")
    res = _cholesky_core(A, upper, "linalg.cholesky", True, _CholeskyExNode)[0]
    if out is not None:
        return write_out(out, res._array, "linalg_cholesky")
    return res


_WARNED = set()


def _warn_once(key, text):
    # PyTorch's TORCH_WARN_ONCE: one warning per process
    if key not in _WARNED:
        _WARNED.add(key)
        import warnings
        warnings.warn(text, UserWarning, stacklevel=3)


def _cholesky_legacy(input, upper=False, *, out=None):
    """``torch.cholesky`` (deprecated in PyTorch in favour of ``linalg.cholesky``)."""
    _tensor(input, "cholesky")
    _warn_once("cholesky", "torch.cholesky is deprecated in favor of torch.linalg.cholesky and "
               "will be removed in a future PyTorch release.\nL = torch.cholesky(A)\nshould be "
               "replaced with\nL = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, "
               "upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\nThis "
               "transform will produce equivalent results for all valid (symmetric positive "
               "definite) inputs.")
    _check_matrix(input, "cholesky")
    _check_kernel(input, "cholesky_cpu")
    res = _cholesky_core(input, upper, "cholesky", True, _CholeskyLegacyNode)[0]
    if out is not None:
        return write_out(out, res._array, "cholesky")
    return res


# ---------------------------------------------------------------------------- eig, eigh
_EIGVEC_PHASE = ("The eigenvectors in the complex case are specified up to multiplication by "
                 "e^{i phi}. The specified loss function depends on this quantity, so it is "
                 "ill-defined.")
_SINGVEC_PHASE = ("The singular vectors in the complex case are specified up to multiplication "
                  "by e^{i phi}. The specified loss function depends on this phase term, making "
                  "it ill-defined.")


def _check_phase_invariant(im_a, im_b, fname, text):
    """PyTorch's gauge check: complex eigen/singular vectors are only defined up to a phase
    e^{i phi} per column, so a loss must not change under V -> V e^{i phi}. That holds exactly
    when Im diag(V^H gV) vanishes (for svd: Im diag(U^H gU) + Im diag(V^H gV) does). The lax
    1e-2 tolerances are PyTorch's, chosen to avoid false alarms."""
    a = im_a._array if im_a is not None else 0.0
    b = im_b._array if im_b is not None else 0.0
    if not np.allclose(a, -np.asarray(b), rtol=1e-2, atol=1e-2):
        raise RuntimeError(f"{fname}: {text}")


def _eig_core(A, want_vectors):
    _check_matrix(A, "linalg.eig")
    dt = A._dtype
    if dt.category <= 1:
        raise RuntimeError(f"Unknown Complex ScalarType for {dt.scalar_name}")
    _check_kernel(A, "linalg_eig_out_cpu")
    cdt = dt.to_complex()
    a = A._array
    if a.size == 0:
        w = np.zeros(a.shape[:-1], cdt.np)
        v = np.zeros(a.shape, cdt.np)
    else:
        w, v = np.linalg.eig(a)
    L = _wrap(w, cdt)
    V = _wrap(v, cdt, _colmajor)
    _record(_EigNode, (A,), (L, V), {"L": L, "V": V, "vectors": want_vectors})
    return L, V


def _eig_backward(ctx, grads):
    A = ctx.inputs[0]
    gL, gV = _grads(grads, 2)
    L, V = ctx.saved["L"], ctx.saved["V"]
    n = L._array.shape[-1]
    Vh = _mH(V)
    if gV is None:
        inner = _diag_embed(gL)
    else:
        VhgV = Vh @ gV
        _check_phase_invariant(VhgV.diagonal(0, -2, -1).imag, None, "linalg_eig_backward",
                               _EIGVEC_PHASE)
        diag_re = VhgV.diagonal(0, -2, -1).real
        inner = VhgV - Vh @ (V * diag_re.unsqueeze(-2).to(V._dtype))
        Lc = _conj(L)
        E = Lc.unsqueeze(-2) - Lc.unsqueeze(-1)
        eye = _eye(n, D.bool_)
        E = _where(eye, _F["ones_like"](E), E)
        inner = inner / E
        inner = _where(eye, gL.unsqueeze(-1) * _eye(n, L._dtype) if gL is not None else
                       _F["zeros_like"](inner), inner)
    gA = solve(Vh, inner @ Vh)
    return (_real_if(gA, A._dtype),)


_EigNode = _node("LinalgEigBackward0", _eig_backward, saves_inputs=True)


def eig(A, *, out=None):
    """Eigenvalues and eigenvectors of general square matrices (always complex).

    >>> ember.linalg.eig(ember.tensor([[2., 0.], [0., 3.]])).eigenvalues
    tensor([2.+0.j, 3.+0.j])
    """
    _tensor(A, "linalg_eig", "A")
    return _rt_eig(_eig_core(A, True))


def eigvals(A, *, out=None):
    """Eigenvalues of general square matrices (complex)."""
    _tensor(A, "linalg_eigvals", "A")
    return _eig_core(A, False)[0]


def _eigh_core(A, UPLO, fname, vectors=True):
    _check_matrix(A, fname)
    _check_kernel(A, "linalg_eigh_cpu")
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    dt = A._dtype
    a = A._array
    if a.size == 0:
        w = np.zeros(a.shape[:-1], dt.to_real().np)
        v = np.zeros(a.shape, dt.np)
    else:
        w, v = np.linalg.eigh(a, UPLO=UPLO.upper())
    L = _wrap(w, dt.to_real())
    V = _wrap(v, dt, _colmajor)
    _record(_EighNode, (A,), (L, V), {"L": L, "V": V, "dtype": dt})
    return L, V


def _eigh_backward(ctx, grads):
    gL, gV = _grads(grads, 2)
    L, V = ctx.saved["L"], ctx.saved["V"]
    n = L._array.shape[-1]
    Vh = _mH(V)
    if gV is None:
        inner = _diag_embed(gL.to(V._dtype))
    else:
        VhgV = Vh @ gV
        if VhgV._dtype.is_complex:
            _check_phase_invariant(VhgV.diagonal(0, -2, -1).imag, None, "linalg_eigh_backward",
                                   _EIGVEC_PHASE)
        E = L.unsqueeze(-2) - L.unsqueeze(-1)
        eye = _eye(n, D.bool_)
        E = _where(eye, _F["ones_like"](E), E)
        inner = _where(eye, _F["zeros_like"](VhgV), VhgV / E.to(VhgV._dtype))
        if gL is not None:
            inner = inner + _diag_embed(gL.to(V._dtype))
    gA = V @ inner @ Vh
    # the input is taken as Hermitian: the gradient is too
    gA = 0.5 * (gA + _mH(gA))
    return (_real_if(gA, ctx.saved["dtype"]),)


_EighNode = _node("LinalgEighBackward0", _eigh_backward, saves_inputs=False)


def eigh(A, UPLO="L", *, out=None):
    """Eigen-decomposition of Hermitian matrices, eigenvalues ascending.

    >>> ember.linalg.eigh(ember.tensor([[2., 1.], [1., 2.]])).eigenvalues
    tensor([1., 3.])
    """
    _tensor(A, "linalg_eigh", "A")
    return _rt_eigh(_eigh_core(A, UPLO, "linalg.eigh"))


def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues of Hermitian matrices, ascending."""
    _tensor(A, "linalg_eigvalsh", "A")
    return _eigh_core(A, UPLO, "linalg.eigh")[0]


# ---------------------------------------------------------------------------- svd
def _svd_core(A, full_matrices, compute_uv, fname="linalg.svd"):
    _check_matrix(A, fname, square=False)
    _check_float(A, fname, low="linalg_svd_cpu")
    dt = A._dtype
    rdt = dt.to_real()
    a = A._array
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    if a.size == 0:
        s = np.zeros(batch + (k,), rdt.np)
        if compute_uv:
            u = np.zeros(batch + (m, m if full_matrices else k), dt.np)
            vh = np.zeros(batch + (n if full_matrices else k, n), dt.np)
            if full_matrices:
                u[...] = np.eye(m, dtype=dt.np)
                vh[...] = np.eye(n, dtype=dt.np)
    elif compute_uv:
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    else:
        s = np.linalg.svd(a, compute_uv=False)
    S = _wrap(s, rdt)
    if not compute_uv:
        _record(_SvdNode, (A,), (S,), {"S": S, "U": None, "Vh": None, "full": full_matrices})
        return None, S, None
    U = _wrap(u, dt, _colmajor)
    Vh = _wrap(vh, dt, _colmajor)
    _record(_SvdNode, (A,), (U, S, Vh), {"U": U, "S": S, "Vh": Vh, "full": full_matrices})
    return U, S, Vh


def _svd_backward(ctx, grads):
    A = ctx.inputs[0]
    sv = ctx.saved
    S = sv["S"]
    if sv["U"] is None:
        gS = grads if not isinstance(grads, (tuple, list)) else grads[0]
        U, S2, Vh = svd(A.detach(), full_matrices=False)
        gA = (U * gS.to(A._dtype).unsqueeze(-2)) @ Vh
        return (gA,)
    gU, gS, gVh = _grads(grads, 3)
    U, Vh = sv["U"], sv["Vh"]
    m, n = A._array.shape[-2:]
    k = min(m, n)
    if sv["full"]:
        U = U.narrow(-1, 0, k)
        Vh = Vh.narrow(-2, 0, k)
        gU = gU.narrow(-1, 0, k) if gU is not None else None
        gVh = gVh.narrow(-2, 0, k) if gVh is not None else None
    dt = A._dtype
    if gU is None and gVh is None:
        return ((U * gS.to(dt).unsqueeze(-2)) @ Vh,)
    V = _mH(Vh)
    gV = _mH(gVh) if gVh is not None else None
    Sc = S.to(dt)
    eye = _eye(k, D.bool_)
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1)
    E = _where(eye, _F["ones_like"](E), E).to(dt)
    inner = _F["zeros_like"](U.narrow(-2, 0, k) if m >= k else U)
    inner = make_tensor(np.zeros(A._array.shape[:-2] + (k, k), dt.np), dt)
    if gU is not None:
        UhgU = _mH(U) @ gU
        skew = UhgU - _mH(UhgU)
        inner = inner + (skew / E) * Sc.unsqueeze(-2)
        if dt.is_complex:
            im = UhgU.diagonal(0, -2, -1).imag / (2 * S)
            inner = inner + _diag_embed(im.to(dt) * 1j)
    if gV is not None:
        VhgV = Vh @ gV
        skew = VhgV - _mH(VhgV)
        inner = inner + Sc.unsqueeze(-1) * (skew / E)
    if dt.is_complex:
        _check_phase_invariant(UhgU.diagonal(0, -2, -1).imag if gU is not None else None,
                               VhgV.diagonal(0, -2, -1).imag if gV is not None else None,
                               "svd_backward", _SINGVEC_PHASE)
    if gS is not None:
        inner = inner + _diag_embed(gS.to(dt))
    gA = U @ inner @ Vh
    Sinv = (1 / S).to(dt)
    if gU is not None and m > k:
        gA = gA + (gU - U @ (_mH(U) @ gU)) @ (Sinv.unsqueeze(-1) * Vh)
    if gV is not None and n > k:
        gA = gA + (U * Sinv.unsqueeze(-2)) @ (_mH(gV) - (_mH(gV) @ V) @ Vh)
    return (gA,)


_SvdNode = _node("LinalgSvdBackward0", _svd_backward)


def svd(A, full_matrices=True, *, driver=None, out=None):
    """Singular value decomposition ``A = U diag(S) Vh`` (S descending).

    >>> ember.linalg.svd(ember.tensor([[3., 0.], [0., 4.]])).S
    tensor([4., 3.])
    """
    _tensor(A, "linalg_svd", "A")
    return _rt_linalg_svd(_svd_core(A, full_matrices, True))


def svdvals(A, *, driver=None, out=None):
    """Singular values, descending."""
    _tensor(A, "linalg_svdvals", "A")
    return _svd_core(A, False, False)[1]


def _svd_legacy(input, some=True, compute_uv=True, *, out=None):
    """``torch.svd``: ``svd(U, S, V)`` with V (not Vh); zero U and V without ``compute_uv``."""
    _tensor(input, "svd")
    if compute_uv:
        U, S, Vh = _svd_core(input, not some, True)
        return _rt_svd((U, S, Vh.mH))
    _, S, _ = _svd_core(input, False, False)
    a = input._array
    m, n = a.shape[-2:]
    dt = input._dtype
    U = make_tensor(np.zeros(a.shape[:-2] + (m, m), dt.np), dt)
    V = make_tensor(_colmajor(np.zeros(a.shape[:-2] + (n, n), dt.np)), dt)
    return _rt_svd((U, S, V))


# ---------------------------------------------------------------------------- qr
def _qr_core(A, mode, fname="linalg.qr"):
    _check_matrix(A, fname, square=False)
    _check_float(A, fname, low="geqrf_cpu")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    dt = A._dtype
    a = A._array
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    if a.size == 0:
        qcols = m if mode == "complete" else k
        q = np.zeros(batch + (m, qcols), dt.np)
        q[..., :, :] = np.eye(m, qcols, dtype=dt.np)
        r = np.zeros(batch + (qcols if mode != "r" else k, n), dt.np)
    else:
        npmode = "complete" if mode == "complete" else "reduced"
        q, r = np.linalg.qr(a, mode=npmode)
    R = _wrap(r, dt, _colmajor)
    if mode == "r":
        Q = make_tensor(np.zeros((0,), dt.np), dt)
    else:
        Q = _wrap(q, dt, _colmajor)
    _record(_QrNode, (A,), (Q, R), {"Q": Q, "R": R, "mode": mode})
    return Q, R


def _qr_square_backward(Q, R, gQ, gR):
    """QR backward for m >= n (reduced): gA = (gQ + Q copyltu(M)) R^{-H}, M = R gR^H - gQ^H Q."""
    dt = Q._dtype
    n = R._array.shape[-1]
    M = make_tensor(np.zeros(R._array.shape[:-2] + (n, n), dt.np), dt)
    if gR is not None:
        M = M + R @ _mH(gR)
    if gQ is not None:
        M = M - _mH(gQ) @ Q
    low = M.tril(-1)
    sym = low + _mH(low) + _diag_embed(M.diagonal(0, -2, -1).real.to(dt))
    B = Q @ sym
    if gQ is not None:
        B = B + gQ
    # B R^{-H}: solve X R^H = B
    return solve(_mH(R), B, left=False)


def _qr_backward(ctx, grads):
    A = ctx.inputs[0]
    gQ, gR = _grads(grads, 2)
    mode = ctx.saved["mode"]
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                           "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                           "differentiate through linalg.qr.")
    Q, R = ctx.saved["Q"], ctx.saved["R"]
    m, n = A._array.shape[-2:]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                           "nrows > ncols.")
    if m >= n:
        return (_qr_square_backward(Q, R, gQ, gR),)
    # wide: A = [X | Y] with X = Q R1 square
    R1 = R.narrow(-1, 0, m)
    Y = A.narrow(-1, m, n - m)
    gR1 = gR.narrow(-1, 0, m) if gR is not None else None
    gR2 = gR.narrow(-1, m, n - m) if gR is not None else None
    gQ2 = gQ
    if gR2 is not None:
        extra = Y @ _mH(gR2)
        gQ2 = extra if gQ2 is None else gQ2 + extra
    gX = _qr_square_backward(Q, R1, gQ2, gR1)
    gY = Q @ gR2 if gR2 is not None else _F["zeros_like"](Y)
    return (_F["cat"]([gX, gY], -1),)


_QrNode = _node("LinalgQrBackward0", _qr_backward)


def qr(A, mode="reduced", *, out=None):
    """QR decomposition: ``linalg_qr(Q, R)``; ``mode`` is 'reduced', 'complete' or 'r'.

    >>> ember.linalg.qr(ember.eye(2)).R
    tensor([[1., 0.],
            [0., 1.]])
    """
    _tensor(A, "linalg_qr", "A")
    return _rt_linalg_qr(_qr_core(A, mode))


def _qr_legacy(input, some=True, *, out=None):
    """``torch.qr``: reduced (``some=True``) or complete QR as ``qr(Q, R)``."""
    _tensor(input, "qr")
    _warn_once("qr", "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in "
               "a future PyTorch release.\nThe boolean parameter 'some' has been replaced with a "
               "string parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced "
               "with\nQ, R = torch.linalg.qr(A, 'reduced' if some else 'complete')")
    return _rt_qr(_qr_core(input, "reduced" if some else "complete"))


# ---------------------------------------------------------------------------- lu
def _lu_checks(A, fname):
    a = A._array
    if a.ndim < 2:
        raise RuntimeError(f"torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(a.shape)} instead")
    _check_kernel(A, "lu_cpu")


def _lu_factor_core(A, pivot, fname):
    _lu_checks(A, fname)
    if not pivot:
        raise RuntimeError(f"{fname}: LU without pivoting is not implemented on the CPU")
    dt = A._dtype
    lu_arr, piv, info = _lu_np(A._array)
    LU = _wrap(lu_arr, dt, _colmajor)
    P = make_tensor(_contig(piv.astype(np.int32)), D.int32)
    I = make_tensor(np.asarray(info, np.int32), D.int32)
    _record(_LuFactorNode, (A,), (LU, P, I), {"LU": LU, "pivots": piv})
    return LU, P, I


def _perm_from_pivots(piv, m):
    """Row permutation matrices P (A = P L U) from 1-based LAPACK pivots."""
    batch = piv.shape[:-1]
    k = piv.shape[-1]
    flat = piv.reshape((int(np.prod(batch, dtype=np.int64)), k))
    perms = np.tile(np.arange(m), (flat.shape[0], 1))
    for b in range(flat.shape[0]):
        p = perms[b]
        for j in range(k):
            q = flat[b, j] - 1
            if q != j:
                p[j], p[q] = p[q], p[j]
    P = np.zeros((flat.shape[0], m, m))
    P[np.arange(flat.shape[0])[:, None], perms, np.arange(m)[None, :]] = 1
    return P.reshape(batch + (m, m))


def _lu_backward_core(A, L, U, P, gL, gU):
    """LU backward (PyTorch's formulas). Square: gA = P L^{-H} [tril(L^H gL, -1) +
    triu(gU U^H)] U^{-H}; wide and tall matrices split U (resp. L) into its square block and
    the rest."""
    m, n = A._array.shape[-2:]
    k = min(m, n)
    dt = A._dtype
    if m == n:
        inner = make_tensor(np.zeros(A._array.shape, dt.np), dt)
        if gL is not None:
            inner = inner + (_mH(L) @ gL).tril(-1)
        if gU is not None:
            inner = inner + (gU @ _mH(U)).triu()
        X = solve(_mH(L), inner)
        X = solve(_mH(U), X, left=False)
        return P @ X
    if m < n:
        U1 = U.narrow(-1, 0, k)
        g = _mH(L) @ gL if gL is not None else None
        if gU is not None:
            t = gU.triu() @ _mH(U)
            g = -t if g is None else g - t
        g = solve(_mH(U1), g.tril(-1), left=False)
        if gU is not None:
            g = _F["cat"]([g + gU.narrow(-1, 0, k).triu(), gU.narrow(-1, k, n - k)], -1)
        g = solve(_mH(L), g)
        if gU is None:
            g = _F["cat"]([g, _F["zeros_like"](U.narrow(-1, k, n - k))], -1)
        return P @ g
    L1 = L.narrow(-2, 0, k)
    g = gU @ _mH(U) if gU is not None else None
    if gL is not None:
        t = _mH(L) @ gL.tril(-1)
        g = -t if g is None else g - t
    g = solve(_mH(L1), g.triu())
    if gL is not None:
        g = _F["cat"]([g + gL.narrow(-2, 0, k).tril(-1), gL.narrow(-2, k, m - k)], -2)
    g = solve(_mH(U), g, left=False)
    if gL is None:
        g = _F["cat"]([g, _F["zeros_like"](L.narrow(-2, k, m - k))], -2)
    return P @ g


def _lu_factor_backward(ctx, grads):
    A = ctx.inputs[0]
    g = _grads(grads, 3)[0]
    if g is None:
        return (None,)
    LU = ctx.saved["LU"]
    m, n = LU._array.shape[-2:]
    k = min(m, n)
    dt = A._dtype
    L = LU.narrow(-1, 0, k).tril(-1) + make_tensor(np.eye(m, k, dtype=dt.np), dt)
    U = LU.narrow(-2, 0, k).triu()
    P = make_tensor(_perm_from_pivots(ctx.saved["pivots"], m).astype(dt.np), dt)
    return (_lu_backward_core(A, L, U, P, g.narrow(-1, 0, k).tril(-1),
                              g.narrow(-2, 0, k).triu()),)


_LuFactorNode = _node("LinalgLuFactorExBackward0", _lu_factor_backward)


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """LU factorisation packed as LAPACK's getrf (``LU``, 1-based ``pivots``, ``info``)."""
    _tensor(A, "linalg_lu_factor_ex", "A")
    LU, P, I = _lu_factor_core(A, pivot, "linalg.lu_factor_ex")
    if check_errors:
        _lu_singular_error(A, I, "torch.linalg.lu_factor_ex")
    return _rt_lu_factor_ex((LU, P, I))


def _lu_singular_error(A, I, fname):
    flat = I._array.reshape(-1)
    bad = np.nonzero(flat)[0]
    if bad.size:
        idx = int(bad[0])
        k = int(flat[idx])
        raise RuntimeError(f"{fname}: {_batched_prefix(A._array, idx)}U[{k},{k}] is zero and "
                           "using it on lu_solve would result in a division by zero. If you still "
                           "want to perform the factorization, consider calling "
                           "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def lu_factor(A, *, pivot=True, out=None):
    """LU factorisation ``(LU, pivots)``; a zero pivot raises.

    >>> ember.linalg.lu_factor(ember.tensor([[1., 2.], [3., 4.]])).pivots
    tensor([2, 2], dtype=ember.int32)
    """
    _tensor(A, "linalg_lu_factor", "A")
    LU, P, I = _lu_factor_core(A, pivot, "linalg.lu_factor")
    _lu_singular_error(A, I, "torch.linalg.lu_factor")
    return _rt_lu_factor((LU, P))


def lu(A, *, pivot=True, out=None):
    """``A = P L U`` with unit lower-triangular L: ``linalg_lu(P, L, U)``."""
    _tensor(A, "linalg_lu", "A")
    _lu_checks(A, "linalg.lu")
    if not pivot:
        raise RuntimeError("linalg.lu: LU without pivoting is not implemented on the CPU")
    dt = A._dtype
    a = A._array
    m, n = a.shape[-2:]
    k = min(m, n)
    lu_arr, piv, _ = _lu_np(a)
    L = np.tril(lu_arr[..., :, :k], -1) + np.eye(m, k, dtype=dt.np)
    U = np.triu(lu_arr[..., :k, :])
    P = _perm_from_pivots(piv, m).astype(dt.np)
    Pt = make_tensor(_contig(P), dt)
    Lt = _wrap(L, dt)
    Ut = _wrap(U, dt)
    _record(_LuNode, (A,), (None, Lt, Ut), {"L": Lt, "U": Ut, "P": Pt})
    return _rt_lu((Pt, Lt, Ut))


def _lu_backward(ctx, grads):
    A = ctx.inputs[0]
    _, gL, gU = _grads(grads, 3)
    if gL is None and gU is None:
        return (None,)
    s = ctx.saved
    return (_lu_backward_core(A, s["L"], s["U"], s["P"], gL, gU),)


_LuNode = _node("LinalgLuBackward0", _lu_backward)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """Solve ``A X = B`` from ``lu_factor``'s output."""
    n = LU._array.shape[-1]
    dt = LU._dtype
    L = LU.tril(-1) + _eye(n, dt)
    U = LU.triu()
    P = make_tensor(_perm_from_pivots(pivots._array, n).astype(dt.np), dt)
    A = P @ L @ U
    if adjoint:
        A = _mH(A)
    res = solve(A, B, left=left)
    if out is not None:
        return write_out(out, res._array, "linalg_lu_solve")
    return _rename(res, "LinalgLuSolveBackward0")


# ---------------------------------------------------------------------------- lstsq
def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of ``A X = B``: ``linalg_lstsq(solution, residuals, rank,
    singular_values)`` (driver 'gelsy' by default, as PyTorch's CPU)."""
    _tensor(A, "linalg_lstsq", "A")
    _tensor(B, "linalg_lstsq", "B", 2)
    dt = A._dtype
    if dt not in _LAPACK:
        raise RuntimeError("This function doesn't handle types other than float and double")
    a, b = A._array, B._array
    if a.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if driver is None:
        driver = "gelsy"
    if driver not in ("gelsy", "gelsd", "gelss", "gels"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of "
                           "(gels, gelsy, gelsd, gelss)")
    m, n = a.shape[-2:]
    vec = b.ndim == a.ndim - 1
    bm = b[..., None] if vec else b
    if bm.shape[-2] != m:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {A._dtype} and other's dtype "
                           f"{B._dtype}")
    batch = _broadcast_batch(a.shape[:-2], bm.shape[:-2])
    ab = np.broadcast_to(a, batch + (m, n)).reshape((-1, m, n))
    k = bm.shape[-1]
    bb = np.broadcast_to(bm, batch + (m, k)).reshape((-1, m, k))
    eps = np.finfo(dt.to_real().np).eps
    rc = rcond if rcond is not None else eps * max(m, n)
    sols, ranks, svals, resid = [], [], [], []
    for i in range(ab.shape[0]):
        x, res, rank, sv = np.linalg.lstsq(ab[i], bb[i], rcond=rc)
        sols.append(x)
        ranks.append(rank)
        svals.append(sv)
        resid.append(res)
    rows = max(m, n)
    full = np.zeros((len(sols), rows, k), dt.np)
    for i, x in enumerate(sols):
        full[i, :n] = x
    full = _colmajor(full.reshape(batch + (rows, k)))
    sol = full[..., :n, :]
    if vec:
        sol = sol[..., 0]
    X = make_tensor(sol if vec else sol, dt) if not vec else _wrap(sol, dt, _vector_layout)
    rdt = dt.to_real()
    rank_arr = np.asarray(ranks, np.int64).reshape(batch)
    if driver == "gels":
        R = make_tensor(np.zeros((0,), dt.np), dt)
        rank_t = make_tensor(np.zeros((0,), np.int64), D.int64)
    else:
        rank_t = make_tensor(rank_arr, D.int64)
    full_rank = bool((rank_arr == min(m, n)).all())
    if m > n and full_rank and driver != "gelsy" or (m > n and driver == "gels"):
        r = np.stack([np.sum(np.abs(bb[i] - ab[i] @ sols[i]) ** 2, axis=0)
                      for i in range(ab.shape[0])]) if ab.shape[0] else np.zeros((0, k))
        R = _wrap(r.reshape(batch + (k,)).astype(rdt.np), rdt)
    else:
        R = make_tensor(np.zeros((0,), rdt.np), rdt)
    if driver in ("gelsd", "gelss"):
        SV = _wrap(np.stack(svals).reshape(batch + (min(m, n),)), rdt)
    else:
        SV = make_tensor(np.zeros((0,), rdt.np), rdt)
    _record(_LstsqNode, (A, B), (X, R), {"vec": vec, "X": X,
                                          "residuals": R._array.size != 0})
    return _rt_lstsq((X, R, rank_t, SV))


def _pinv_backward_formula(A, P, gP):
    """Adjoint of P = pinv(A): -P^H gP P^H + (I - A P) gP^H P P^H + P^H P gP^H (I - P A)."""
    Ph = _mH(P)
    gPh = _mH(gP)
    m, n = A._array.shape[-2:]
    t1 = -(Ph @ gP @ Ph)
    t2 = (gPh @ P @ Ph) - A @ (P @ (gPh @ P @ Ph))
    t3 = (Ph @ P @ gPh) - ((Ph @ P @ gPh) @ P) @ A
    return t1 + t2 + t3


def _lstsq_backward(ctx, grads):
    A, B = ctx.inputs
    gX, gR = _grads(grads, 2)
    vec = ctx.saved["vec"]
    Bm = B.unsqueeze(-1) if vec else B
    gA = gB = None
    if gX is not None:
        P = pinv(A)
        gXm = gX.unsqueeze(-1) if vec else gX
        gA = _pinv_backward_formula(A, P, gXm @ _mH(Bm))
        gB = _mH(P) @ gXm
    if gR is not None and ctx.saved["residuals"]:
        # residuals = |B - A X|^2 per column; X is optimal, so only the explicit terms remain
        X = ctx.saved["X"]
        Xm = X.unsqueeze(-1) if vec else X
        Rv = Bm - A @ Xm
        gRv = Rv * gR.unsqueeze(-2) * 2
        gA = -(gRv @ _mH(Xm)) if gA is None else gA - gRv @ _mH(Xm)
        gB = gRv if gB is None else gB + gRv
    if gA is not None and _wants(ctx, 0):
        gA = _sum_to(gA, A._array.shape)
    else:
        gA = None
    if gB is not None and _wants(ctx, 1):
        gB = _sum_to(gB.squeeze(-1) if vec else gB, B._array.shape)
    else:
        gB = None
    return gA, gB


_LstsqNode = _node("LinalgLstsqBackward0", _lstsq_backward)


# ---------------------------------------------------------------------------- pinv, rank
def _pinv_checks(A, fname="linalg.pinv"):
    a = A._array
    if a.ndim < 2 or A._dtype not in _LAPACK:
        raise RuntimeError(f"{fname}({A._dtype.scalar_name}{{{list(a.shape)}}}): expected a "
                           "tensor with 2 or more dimensions of float, double, cfloat or cdouble "
                           "types".replace("{[", "{[").replace("]}", "]}"))


def _tol_value(x):
    if isinstance(x, Tensor):
        return x._array
    return x


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse (through the SVD, or eigh with ``hermitian``).

    >>> ember.linalg.pinv(ember.tensor([[2., 0.], [0., 0.]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    _tensor(A, "linalg_pinv", "A")
    _pinv_checks(A)
    dt = A._dtype
    a = A._array
    m, n = a.shape[-2:]
    rdt = dt.to_real()
    eps = np.finfo(rdt.np).eps
    at = _tol_value(atol)
    rt = _tol_value(rtol)
    if rt is None:
        rt = eps * max(m, n) if at is None or np.all(np.asarray(at) == 0) else 0.0
    if at is None:
        at = 0.0
    if a.size == 0:
        res = np.zeros(a.shape[:-2] + (n, m), dt.np)
    elif hermitian:
        w, v = np.linalg.eigh(a)
        aw = np.abs(w)
        tol = np.maximum(np.asarray(at)[..., None] if np.ndim(at) else at,
                         (np.asarray(rt)[..., None] if np.ndim(rt) else rt)
                         * aw.max(-1, keepdims=True))
        with np.errstate(divide="ignore"):
            winv = np.where(aw > tol, 1.0 / np.where(aw > tol, w, 1), 0).astype(rdt.np)
        res = (v * winv[..., None, :]) @ np.swapaxes(v, -1, -2).conj()
    else:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        tol = np.maximum(np.asarray(at)[..., None] if np.ndim(at) else at,
                         (np.asarray(rt)[..., None] if np.ndim(rt) else rt)
                         * (s.max(-1, keepdims=True) if s.shape[-1] else 0))
        with np.errstate(divide="ignore"):
            sinv = np.where(s > tol, 1.0 / np.where(s > tol, s, 1), 0).astype(rdt.np)
        res = (np.swapaxes(vh, -1, -2).conj() * sinv[..., None, :]) @ np.swapaxes(u, -1, -2).conj()
    P = _wrap(res, dt)
    _record(_PinvNode, (A,), P, {"P": P})
    if out is not None:
        return write_out(out, P._array, "linalg_pinv")
    return P


def _pinv_backward(ctx, g):
    A = ctx.inputs[0]
    return (_pinv_backward_formula(A, ctx.saved["P"], g),)


_PinvNode = _node("LinalgPinvBackward0", _pinv_backward)


def pinverse(input, rcond=1e-15):
    """Legacy ``torch.pinverse`` (``linalg.pinv`` with ``rtol=rcond``)."""
    _tensor(input, "pinverse")
    return pinv(input, rtol=rcond)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None, tol=None):
    """Numerical rank: the number of singular values above max(atol, rtol * largest).

    >>> ember.linalg.matrix_rank(ember.tensor([[1., 2.], [2., 4.]]))
    tensor(1)
    """
    _tensor(A, "linalg_matrix_rank", "A")
    a = A._array
    if a.ndim < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 "
                           "dimensions.")
    if A._dtype not in _LAPACK:
        raise RuntimeError("This function doesn't handle types other than float and double")
    if tol is not None:
        atol, rtol = tol, 0.0
    m, n = a.shape[-2:]
    eps = np.finfo(A._dtype.to_real().np).eps
    at = _tol_value(atol)
    rt = _tol_value(rtol)
    if rt is None:
        rt = eps * max(m, n) if at is None or np.all(np.asarray(at) == 0) else 0.0
    if at is None:
        at = 0.0
    if a.size == 0:
        r = np.zeros(a.shape[:-2], np.int64)
    else:
        s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
        smax = s.max(-1, keepdims=True)
        t = np.maximum(np.asarray(at)[..., None] if np.ndim(at) else at,
                       (np.asarray(rt)[..., None] if np.ndim(rt) else rt) * smax)
        r = np.sum(s > t, axis=-1).astype(np.int64)
    res = make_tensor(_contig(np.asarray(r, np.int64)), D.int64)
    if out is not None:
        return write_out(out, res._array, "linalg_matrix_rank")
    return res


# ---------------------------------------------------------------------------- powers, exp
def matrix_power(A, n, *, out=None):
    """``A`` to the integer power ``n`` (negative powers invert first).

    >>> ember.linalg.matrix_power(ember.tensor([[1, 1], [0, 1]]), 3)
    tensor([[1, 3],
            [0, 1]])
    """
    _tensor(A, "matrix_power", "input")
    _check_matrix(A, "linalg.matrix_power")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power(): argument 'n' (position 2) must be int, not "
                        f"{type(n).__name__}")
    n = int(n)
    if n == 0:
        dt = A._dtype
        if dt is D.complex32:
            raise missing_kernel("eye", dt)
        k = A._array.shape[-1]
        res = make_tensor(np.broadcast_to(np.eye(k, dtype=dt.np), A._array.shape).copy(), dt)
        if needs_grad(A):
            record(_CopyNode, (A,), res, {})
    elif n == 1:
        res = A.clone(memory_format=_contiguous_format())
    else:
        B = A
        if n < 0:
            B = inv(A)
            n = -n
        if n == 1:
            res = B
        elif n == 2:
            res = matmul(B, B)
        elif n == 3:
            res = matmul(matmul(B, B), B)
        else:
            z = None
            res = None
            while n > 0:
                z = B if z is None else matmul(z, z)
                if n & 1:
                    res = z if res is None else matmul(res, z)
                n >>= 1
    if out is not None:
        return write_out(out, res._array, "matrix_power")
    return res


def _contiguous_format():
    from ._memory_format import contiguous_format
    return contiguous_format


# matrix_power(A, 0) is zeros_like(A).copy_(eye) in PyTorch: a CopyBackwards node, zero gradient
_CopyNode = _private_node("CopyBackwards", lambda ctx, g: (g * 0,), saves_inputs=False)

_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
           129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
           40840800., 960960., 16380., 182., 1.)


def _expm_array(a):
    """exp of a batch of matrices: scaling and squaring with the degree-13 Pade approximant
    (Higham 2005), in float64/complex128."""
    work = np.complex128 if np.iscomplexobj(a) else np.float64
    a = np.asarray(a, work)
    n = a.shape[-1]
    batch = a.shape[:-2]
    if a.size == 0:
        return np.broadcast_to(np.eye(n, dtype=work), a.shape).copy()
    A = a.reshape((-1, n, n))
    norm1 = np.abs(A).sum(axis=-2).max(axis=-1)
    theta = 5.371920351148152
    with np.errstate(divide="ignore"):
        s = np.where(norm1 > theta, np.ceil(np.log2(np.where(norm1 > 0, norm1, 1) / theta)), 0)
    s = np.where(np.isfinite(s), s, 0).astype(np.int64)
    A = A / (2.0 ** s)[:, None, None]
    b = _PADE13
    I = np.eye(n, dtype=work)
    A2 = A @ A
    A4 = A2 @ A2
    A6 = A4 @ A2
    U = A @ (A6 @ (b[13] * A6 + b[11] * A4 + b[9] * A2) + b[7] * A6 + b[5] * A4 + b[3] * A2
             + b[1] * I)
    V = A6 @ (b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * I
    with np.errstate(all="ignore"):
        R = np.linalg.solve(V - U, V + U)
    for i in range(int(s.max()) if s.size else 0):
        sq = R @ R
        R = np.where((s > i)[:, None, None], sq, R)
    return R.reshape(batch + (n, n))


def matrix_exp(A):
    """Matrix exponential of square matrices (batched).

    >>> ember.linalg.matrix_exp(ember.zeros(2, 2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    _tensor(A, "linalg_matrix_exp", "A")
    _check_matrix(A, "linalg.matrix_exp")
    dt = A._dtype
    if dt.category <= 1:
        raise RuntimeError(f"linalg.matrix_exp: Expected a floating point or complex tensor as "
                           f"input. Got {dt.scalar_name}")
    if dt is D.complex32:
        raise missing_kernel("bmm", dt)
    a = A._array
    if dt in (D.float16, D.bfloat16):
        a = a.astype(np.float32)
    res = _wrap(_expm_array(a), dt)
    _record(_MatrixExpNode, (A,), res)
    return res


def _matrix_exp_backward(ctx, g):
    A = ctx.inputs[0]
    n = A._array.shape[-1]
    Ah = _mH(A)
    Z = _F["zeros_like"](Ah)
    top = _F["cat"]([Ah, g.to(A._dtype)], -1)
    bottom = _F["cat"]([Z, Ah], -1)
    big = _F["cat"]([top, bottom], -2)
    return (matrix_exp(big).narrow(-2, 0, n).narrow(-1, n, n),)


_MatrixExpNode = _node("LinalgMatrixExpBackward0", _matrix_exp_backward)


# ---------------------------------------------------------------------------- norms
vector_norm = _reduction.vector_norm


def _norm_dims(dim, ndim, fname="linalg.matrix_norm"):
    if isinstance(dim, int):
        dim = (dim,)
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"{fname}: dim must be a 2-tuple. Got " + " ".join(str(d) for d in dim))
    from ._tensor import wrap_dim
    d0, d1 = wrap_dim(dim[0], ndim), wrap_dim(dim[1], ndim)
    if d0 == d1:
        raise RuntimeError(f"{fname}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norms: 'fro', 'nuc', inf, -inf, 1, -1, 2, -2 over the two dims ``dim``.

    >>> ember.linalg.matrix_norm(ember.tensor([[3., 0.], [0., 4.]]), 'nuc')
    tensor(7.)
    """
    _tensor(A, "linalg_matrix_norm", "A")
    fname = "linalg.matrix_norm"
    if A._array.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor A must have at least 2 dimensions.")
    if A._dtype.category <= 1:
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got "
                           f"{A._dtype.scalar_name}")
    if dtype is not None and dtype.category <= 1:
        raise RuntimeError(f"{fname}: dtype should be floating point or complex, but got "
                           f"{dtype.scalar_name}")
    d0, d1 = _norm_dims(dim, A._array.ndim)
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"{fname}: Order {ord} not supported.")
    elif ord not in (1, -1, 2, -2, math.inf, -math.inf):
        o = int(ord) if float(ord).is_integer() else ord
        raise RuntimeError(f"{fname}: Order {o} not supported.")
    x = A if dtype is None else A.to(dtype)
    if ord == "fro":
        res = vector_norm(x, 2, (d0, d1), keepdim)
    elif ord in ("nuc", 2, -2):
        if x._dtype in _LOW:
            raise RuntimeError(f"{fname}: Low precision dtypes not supported. Got "
                               f"{x._dtype.scalar_name}")
        # the two dims go last, the singular values are reduced, and keepdim permutes back
        nd = x._array.ndim
        perm = [i for i in range(nd) if i not in (d0, d1)] + [d0, d1]
        s = svdvals(x.permute(perm))
        if ord == "nuc":
            res = s.sum(-1, keepdim=keepdim)
        elif ord == 2:
            res = s.amax(-1, keepdim=keepdim)
        else:
            res = s.amin(-1, keepdim=keepdim)
        if keepdim:
            inverse = [perm.index(i) for i in range(nd)]
            res = res.unsqueeze(-1).permute(inverse)
    else:
        red, other = (d0, d1) if ord in (1, -1) else (d1, d0)
        v = vector_norm(x, 1, (red,), keepdim)
        if not keepdim and red < other:
            other -= 1
        res = v.amax(other, keepdim=keepdim) if ord > 0 else v.amin(other, keepdim=keepdim)
    if out is not None:
        return write_out(out, res._array, "linalg_matrix_norm")
    return res


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """``linalg.norm``: a vector norm or, for 2-D inputs / 2-tuple dims, a matrix norm.

    >>> ember.linalg.norm(ember.tensor([3., 4.]))
    tensor(5.)
    """
    _tensor(A, "linalg_norm", "input")
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {list(dims)}")
    else:
        dims = None
    if isinstance(ord, str) or (ord is not None and dims is None):
        if dims is None:
            nd = A._array.ndim
            if not isinstance(ord, str) and nd not in (1, 2):
                raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input "
                                   f"must be 1D or 2D. Got {nd}D.")
            if isinstance(ord, str) or nd == 2:
                return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
            return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)
        if len(dims) == 2 or isinstance(ord, str):
            return matrix_norm(A, ord, dims, keepdim, dtype=dtype, out=out)
        return vector_norm(A, ord, dims, keepdim, dtype=dtype, out=out)
    if dims is not None and len(dims) == 2 and ord is not None:
        return matrix_norm(A, ord, dims, keepdim, dtype=dtype, out=out)
    return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype, out=out)


def cond(A, p=None, *, out=None):
    """Condition number (through the SVD for p in (None, 2, -2), else norm(A) * norm(inv(A)))."""
    _tensor(A, "linalg_cond", "A")
    if p is None or p in (2, -2):
        _check_matrix(A, "linalg.cond", square=False)
        s = svdvals(A)
        k = s._array.shape[-1]
        if p == -2:
            res = (s.narrow(-1, k - 1, 1) / s.narrow(-1, 0, 1)).squeeze(-1)
        else:
            res = (s.narrow(-1, 0, 1) / s.narrow(-1, k - 1, 1)).squeeze(-1)
    else:
        if p not in ("fro", "nuc", 1, -1, math.inf, -math.inf):
            raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
        _check_matrix(A, f"linalg.cond(ord={p})")
        if p == "nuc":
            s = svdvals(A)
            res = s.sum(-1) * (1 / s).sum(-1)
            if out is not None:
                return write_out(out, res._array, "linalg_cond")
            return res
        Ainv = _inv_core(A, "linalg.cond", False)[0]
        # a singular matrix has a non-finite inverse: its condition number is inf
        res = (matrix_norm(A, p) * matrix_norm(Ainv, p)).nan_to_num(math.inf, math.inf)
    if out is not None:
        return write_out(out, res._array, "linalg_cond")
    return res


# ---------------------------------------------------------------------------- products
def multi_dot(tensors, *, out=None):
    """Product of a chain of matrices in the cheapest order (first/last may be vectors)."""
    return _multi_dot(tensors, out=out)


def vecdot(x, y, *, dim=-1, out=None):
    """``sum(x.conj() * y, dim)``.

    >>> ember.linalg.vecdot(ember.tensor([1., 2.]), ember.tensor([3., 4.]))
    tensor(11.)
    """
    _tensor(x, "linalg_vecdot", "x")
    _tensor(y, "linalg_vecdot", "y", 2)
    if x._dtype.category <= 1:
        raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as input. "
                           f"Got {x._dtype.scalar_name}")
    if x._dtype is not y._dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x "
                           f"of type {x._dtype.scalar_name} and y of type {y._dtype.scalar_name} "
                           "instead")
    if x._array.ndim == 1 and y._array.ndim == 1 and x._array.shape == y._array.shape:
        res = _F["vdot"](x, y)
    else:
        res = (_conj(x) * y).sum(dim)
    if out is not None:
        return write_out(out, res._array, "linalg_vecdot")
    return res


def cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along ``dim`` (inputs broadcast).

    >>> ember.linalg.cross(ember.tensor([1., 0., 0.]), ember.tensor([0., 1., 0.]))
    tensor([0., 0., 1.])
    """
    _tensor(input, "linalg_cross", "input")
    _tensor(other, "linalg_cross", "other", 2)
    return _cross_core(input, other, dim, out)


def _cross_core(input, other, dim, out):
    a, b = input._array, other._array
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    from ._tensor import wrap_dim
    d = wrap_dim(dim, a.ndim)
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")
    shape = _broadcast_batch(a.shape, b.shape)
    dt = input._dtype
    if dt in (D.bool_, D.complex32, D.uint16, D.uint32, D.uint64):
        raise missing_kernel("cross", dt)
    if other._dtype is not dt:
        raise RuntimeError(f"expected scalar type {dt.scalar_name} but found "
                           f"{other._dtype.scalar_name}")
    ab = np.broadcast_to(a, shape)
    bb = np.broadcast_to(b, shape)
    work = np.float32 if dt in (D.float16, D.bfloat16) else dt.np
    res = np.cross(ab.astype(work, copy=False), bb.astype(work, copy=False), axis=d)
    t = _wrap(res, dt)
    _record(_CrossNode, (input, other), t, {"dim": d})
    if out is not None:
        return write_out(out, t._array, "linalg_cross")
    return t


def _cross_backward(ctx, g):
    a, b = ctx.inputs
    d = ctx.saved["dim"]
    ga = _sum_to(cross(_conj(b), g, dim=d), a._array.shape) if _wants(ctx, 0) else None
    gb = _sum_to(cross(g, _conj(a), dim=d), b._array.shape) if _wants(ctx, 1) else None
    return ga, gb


_CrossNode = _node("LinalgCrossBackward0", _cross_backward)


def _cross_legacy(input, other, dim=None, *, out=None):
    """``torch.cross``: the first dim of size 3 when ``dim`` is None (deprecated default)."""
    _tensor(input, "cross")
    _tensor(other, "cross", "other", 2)
    if dim is None:
        _warn_once("cross", "Using torch.cross without specifying the dim arg is deprecated.\n"
                   "Please either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                   "default value of dim will change to agree with that of linalg.cross in a "
                   "future release.")
        shape = _broadcast_batch(input._array.shape, other._array.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return _cross_core(input, other, dim, out)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of a batch of matrices (a view)."""
    _tensor(A, "linalg_diagonal", "A")
    return A.diagonal(offset, dim1, dim2)


def tensorinv(A, ind=2, *, out=None):
    """The inverse of ``tensordot(A, ., ind)``, shaped ``A.shape[ind:] + A.shape[:ind]``."""
    _tensor(A, "linalg_tensorinv", "A")
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = A._array.shape
    rows = int(np.prod(shape[:ind], dtype=np.int64))
    cols = int(np.prod(shape[ind:], dtype=np.int64))
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement "
                           f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got {cols} != "
                           f"{rows}")
    res = inv(A.reshape(rows, cols)).reshape(shape[ind:] + shape[:ind])
    if out is not None:
        return write_out(out, res._array, "linalg_tensorinv")
    return res


def tensorsolve(A, B, dims=None, *, out=None):
    """Solve ``tensordot(A, X, X.ndim) = B`` for X."""
    _tensor(A, "linalg_tensorsolve", "A")
    _tensor(B, "linalg_tensorsolve", "B", 2)
    nd = A._array.ndim
    if dims is not None:
        dims = [d % nd for d in dims]
        rest = [i for i in range(nd) if i not in dims]
        A = A.permute(rest + dims)
    bshape = B._array.shape
    xshape = A._array.shape[B._array.ndim:]
    rows = int(np.prod(bshape, dtype=np.int64))
    cols = int(np.prod(xshape, dtype=np.int64))
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement "
                           f"prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), but "
                           f"got {cols} != {rows}")
    res = solve(A.reshape(rows, cols), B.reshape(rows)).reshape(xshape)
    if out is not None:
        return write_out(out, res._array, "linalg_tensorsolve")
    return res


def vander(x, N=None):
    """Vandermonde matrix with increasing powers: columns x**0, x**1, ..., x**(N-1)."""
    _tensor(x, "linalg_vander", "x")
    n = x._array.shape[-1] if N is None else N
    if n <= 1:
        if n < 1:
            raise RuntimeError("N must be greater than 1.")
        return _F["ones_like"](x).unsqueeze(-1)
    # PyTorch's construction: a column of ones, then the running products, concatenated
    powers = _F["cumprod"](x.unsqueeze(-1).expand(*x._array.shape, n - 1), -1)
    return _F["cat"]([_F["ones_like"](x).unsqueeze(-1), powers], -1)


# ---------------------------------------------------------------------------- cdist, dist
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of ``x1`` and ``x2`` (batched).

    >>> ember.cdist(ember.tensor([[0., 0.]]), ember.tensor([[3., 4.]]))
    tensor([[5.]])
    """
    _tensor(x1, "cdist", "x1")
    _tensor(x2, "cdist", "x2", 2)
    a, b = x1._array, x2._array
    if a.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a.ndim}D")
    if b.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {b.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} "
                           f"X2: {b.shape[-1]}")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist", None):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    dt = x1._dtype
    if dt.category != 2:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {dt.scalar_name}")
    if x2._dtype.category != 2:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X2 got: "
                           f"{x2._dtype.scalar_name}")
    if x2._dtype is not dt:
        raise RuntimeError(f"expected scalar type {dt.scalar_name} but found "
                           f"{x2._dtype.scalar_name}")
    p = float(p)
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    batch = _broadcast_batch(a.shape[:-2], b.shape[:-2])
    work = np.float32 if dt in (D.float16, D.bfloat16) else dt.np
    A = np.broadcast_to(a, batch + a.shape[-2:]).astype(work, copy=False)
    B = np.broadcast_to(b, batch + b.shape[-2:]).astype(work, copy=False)
    diff = np.abs(A[..., :, None, :] - B[..., None, :, :])
    with np.errstate(all="ignore"):
        if p == 0:
            r = np.sum(diff != 0, axis=-1).astype(work)
        elif p == 1:
            r = np.sum(diff, axis=-1)
        elif p == 2:
            r = np.sqrt(np.sum(diff * diff, axis=-1))
        elif math.isinf(p):
            r = np.max(diff, axis=-1) if diff.shape[-1] else np.zeros(diff.shape[:-1], work)
        else:
            r = np.power(np.sum(np.power(diff, p), axis=-1), 1.0 / p)
    res = _wrap(r, dt)
    # PyTorch computes p=2 with a matrix product for more than 25 rows (or when asked); its
    # graph then shows ViewBackward0 <- EuclideanDistBackward0
    mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode in (None, "use_mm_for_euclid_dist_if_necessary")
        and (a.shape[-2] > 25 or b.shape[-2] > 25)))
    _record(_CdistMmNode if mm else _CdistNode, (x1, x2), res, {"p": p, "result": res})
    return res


def _cdist_backward(ctx, g):
    x1, x2 = ctx.inputs
    p = ctx.saved["p"]
    r = ctx.saved["result"]
    d = x1.unsqueeze(-2) - x2.unsqueeze(-3)             # (..., P, R, M)
    gg = g.unsqueeze(-1)
    rr = r.unsqueeze(-1)
    if p == 0:
        t = d * 0
    elif p == 1:
        t = d.sign() * gg
    elif p == 2:
        t = _where(rr == 0, d * 0, d / rr) * gg
    elif math.isinf(p):
        ad = d.abs()
        mask = (ad == rr).to(d._dtype)
        t = d.sign() * mask * gg
    else:
        ad = d.abs()
        t = _where(rr == 0, d * 0, d.sign() * ad.pow(p - 1) / rr.pow(p - 1)) * gg
    g1 = _sum_to(t.sum(-2), x1._array.shape) if _wants(ctx, 0) else None
    g2 = _sum_to(-t.sum(-3), x2._array.shape) if _wants(ctx, 1) else None
    return g1, g2


_CdistNode = _node("CdistBackward0", _cdist_backward)
_CdistMmNode = _private_node("ViewBackward0", _cdist_backward)


def dist(input, other, p=2):
    """The p-norm of ``input - other`` (broadcast).

    >>> ember.dist(ember.tensor([0., 0.]), ember.tensor([3., 4.]))
    tensor(5.)
    """
    _tensor(input, "dist")
    _tensor(other, "dist", "other", 2)
    dt = D.promote_types(input._dtype, other._dtype)
    if dt.category <= 1:
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{dt.scalar_name} instead.")
    x = input.to(dt) if input._dtype is not dt else input
    y = other.to(dt) if other._dtype is not dt else other
    with no_grad():
        diff = x - y
    res = vector_norm(diff.detach(), float(p))
    res = make_tensor(res._array, res._dtype)
    _record(_DistNode, (input, other), res, {"p": float(p), "result": res})
    return res


def _dist_backward(ctx, g):
    a, b = ctx.inputs
    p = ctx.saved["p"]
    r = ctx.saved["result"]
    d = a - b
    if p == 0:
        t = d * 0
    elif p == 1:
        t = d.sgn() * g
    elif p == 2:
        t = _where(r == 0, d * 0, d / r) * g
    elif math.isinf(p):
        ad = d.abs()
        mask = (ad == r).to(r._dtype)
        t = d.sgn() * (mask / mask.sum()) * g
    else:
        ad = d.abs()
        t = _where(r == 0, d * 0, d.sgn() * ad.pow(p - 1) / r.pow(p - 1)) * g
    ga = _sum_to(t, a._array.shape).to(a._dtype) if _wants(ctx, 0) else None
    gb = _sum_to(-t, b._array.shape).to(b._dtype) if _wants(ctx, 1) else None
    return ga, gb


_DistNode = _node("DistBackward0", _dist_backward)


# ---------------------------------------------------------------------------- torch.norm
_reduction_norm = FUNCTIONS["norm"]


def _legacy_norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """``torch.norm``: vector norms, plus the nuclear norm (``p='nuc'``) over two dims."""
    if p == "nuc":
        _tensor(input, "norm")
        if dim is None:
            nd = input._array.ndim
            if nd < 2:
                raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                                   "dimensions.")
            if nd != 2:
                raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                                   + " ".join(str(d) for d in range(nd)))
            dim = (0, 1)
        return matrix_norm(input, "nuc", dim, keepdim, dtype=dtype, out=out)
    if p == "fro" and dim is not None and not isinstance(dim, int) and len(dim) > 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                           + " ".join(str(d) for d in dim))
    return _reduction_norm(input, p, dim, keepdim, out=out, dtype=dtype)


_tensor_norm_prev = Tensor.norm


def _tensor_norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    if p == "nuc":
        return _legacy_norm(self, p, dim, keepdim, dtype=dtype)
    return _tensor_norm_prev(self, p, dim, keepdim, dtype=dtype)


# ---------------------------------------------------------------------------- registration
FUNCTIONS.update(
    inverse=inverse, det=det, logdet=logdet, slogdet=_slogdet_legacy, svd=_svd_legacy,
    pinverse=pinverse, matrix_power=matrix_power, matrix_exp=matrix_exp,
    cholesky=_cholesky_legacy, qr=_qr_legacy, cross=_cross_legacy, cdist=cdist, dist=dist,
    norm=_legacy_norm)

Tensor.inverse = lambda self: inverse(self)
Tensor.det = lambda self: det(self)
Tensor.logdet = lambda self: logdet(self)
Tensor.slogdet = lambda self: _slogdet_legacy(self)
Tensor.svd = lambda self, some=True, compute_uv=True: _svd_legacy(self, some, compute_uv)
Tensor.pinverse = lambda self, rcond=1e-15: pinverse(self, rcond)
Tensor.matrix_power = lambda self, n: matrix_power(self, n)
Tensor.matrix_exp = lambda self: matrix_exp(self)
Tensor.cholesky = lambda self, upper=False: _cholesky_legacy(self, upper)
Tensor.qr = lambda self, some=True: _qr_legacy(self, some)
Tensor.cross = lambda self, other, dim=None: _cross_legacy(self, other, dim)
Tensor.dist = lambda self, other, p=2: dist(self, other, p)
Tensor.norm = _tensor_norm

# the triangular-factor solvers, Householder products and legacy front-ends live in their own
# files; importing them here registers them before ``ember`` copies FUNCTIONS into its namespace
from . import _linalg_triangular  # noqa: E402,F401
from . import _linalg_legacy  # noqa: E402,F401
from ._ops import renorm as _renorm_op  # noqa: E402,F401
from ._linalg_householder import householder_product  # noqa: E402,F401
from ._linalg_ldl import ldl_factor, ldl_factor_ex, ldl_solve  # noqa: E402,F401
from ._ops import pdist as _pdist_op  # noqa: E402,F401
from . import _linalg_lowrank  # noqa: E402,F401
