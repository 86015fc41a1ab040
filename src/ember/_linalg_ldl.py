"""``ember.linalg.ldl_factor(_ex)`` and ``ldl_solve``: the Bunch-Kaufman factorisation of
symmetric (or Hermitian) indefinite matrices, ``A = P L D L^T P^T`` with 1x1 and 2x2 diagonal
blocks, packed as LAPACK's ``sytrf`` (lower) leaves it, with its signed 1-based pivots.

The factorisation follows LAPACK's unblocked lower-triangular algorithm step by step (the same
pivot tests with alpha = (1 + sqrt(17)) / 8), vectorised over each step's trailing update, so
``LD`` and ``pivots`` agree with PyTorch's. PyTorch does not differentiate either function.

>>> LD, pivots = ember.linalg.ldl_factor(ember.tensor([[4., 2.], [2., 3.]]))
>>> pivots
tensor([1, 2], dtype=ember.int32)
"""
import math

import numpy as np

from . import _dtype as D
from ._dispatch import write_out, missing_kernel
from ._tensor import make_tensor
from .return_types import return_type
from .linalg import _tensor, _colmajor, _wrap, _private_node, _record, _LAPACK

__all__ = ["ldl_factor_ex", "ldl_factor", "ldl_solve"]

_rt_ldl_factor_ex = return_type("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
_rt_ldl_factor = return_type("linalg_ldl_factor", ("LD", "pivots"))
_ALPHA = (1 + math.sqrt(17)) / 8


def _mag(x):
    """LAPACK's pivot magnitude: |x| for reals, |re| + |im| for complex (cabs1)."""
    return np.abs(x.real) + np.abs(x.imag) if np.iscomplexobj(x) else np.abs(x)


def _first_max(v):
    """Index of the first largest magnitude (i?amax), and that magnitude."""
    m = _mag(v)
    i = int(np.argmax(m))
    return i, float(m[i])


def _cj(x, herm):
    return np.conj(x) if herm else x


def _sytf2_lower(a, herm):
    """One matrix: LAPACK's ?sytf2 / ?hetf2 with uplo='L'. Returns (LD, ipiv, info)."""
    a = a.copy()
    n = a.shape[0]
    ipiv = np.zeros(n, np.int32)
    info = 0
    k = 0
    while k < n:
        kstep = 1
        akk = a[k, k].real if herm else a[k, k]
        absakk = abs(akk) if herm else float(_mag(np.asarray(akk)))
        if k < n - 1:
            i, colmax = _first_max(a[k + 1:, k])
            imax = k + 1 + i
        else:
            imax, colmax = k, 0.0
        if max(absakk, colmax) == 0 or math.isnan(absakk):
            if info == 0:
                info = k + 1
            kp = k
            if herm:
                a[k, k] = a[k, k].real
        else:
            if absakk >= _ALPHA * colmax:
                kp = k
            else:
                j, rowmax = _first_max(a[imax, k:imax])
                if imax < n - 1:
                    _, r2 = _first_max(a[imax + 1:, imax])
                    rowmax = max(rowmax, r2)
                aii = abs(a[imax, imax].real) if herm else float(_mag(np.asarray(a[imax, imax])))
                if absakk >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif aii >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp = imax
                    kstep = 2
            kk = k + kstep - 1
            if kp != kk:
                # symmetric interchange of rows/columns kk and kp in the trailing lower part
                if kp < n - 1:
                    a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
                seg = a[kk + 1:kp, kk].copy()
                a[kk + 1:kp, kk] = _cj(a[kp, kk + 1:kp], herm)
                a[kp, kk + 1:kp] = _cj(seg, herm)
                if herm:
                    a[kp, kk] = np.conj(a[kp, kk])
                a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
                if kstep == 2:
                    a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
            elif herm:
                a[k, k] = a[k, k].real
                if kstep == 2:
                    a[k + 1, k + 1] = a[k + 1, k + 1].real
            if herm and kp != kk:
                a[k, k] = a[k, k].real
                if kstep == 2:
                    a[k + 1, k + 1] = a[k + 1, k + 1].real
            if kstep == 1:
                if k < n - 1:
                    d11 = 1 / (a[k, k].real if herm else a[k, k])
                    x = a[k + 1:, k].copy()
                    upd = d11 * np.outer(x, _cj(x, herm))
                    a[k + 1:, k + 1:] -= np.tril(upd)
                    if herm:
                        idx = np.arange(k + 1, n)
                        a[idx, idx] = a[idx, idx].real
                    a[k + 1:, k] = x * d11
            else:
                if k < n - 2:
                    d21 = a[k + 1, k]
                    if herm:
                        d = abs(d21)
                        d11 = a[k + 1, k + 1].real / d
                        d22 = a[k, k].real / d
                        tt = 1 / (d11 * d22 - 1)
                        d21 = d21 / d
                        dd = tt / d
                        c0 = a[k + 2:, k].copy()
                        c1 = a[k + 2:, k + 1].copy()
                        wk = dd * (d11 * c0 - d21 * c1)
                        wkp1 = dd * (d22 * c1 - np.conj(d21) * c0)
                    else:
                        d11 = a[k + 1, k + 1] / d21
                        d22 = a[k, k] / d21
                        tt = 1 / (d11 * d22 - 1)
                        d21 = tt / d21
                        c0 = a[k + 2:, k].copy()
                        c1 = a[k + 2:, k + 1].copy()
                        wk = d21 * (d11 * c0 - c1)
                        wkp1 = d21 * (d22 * c1 - c0)
                    upd = np.outer(c0, _cj(wk, herm)) + np.outer(c1, _cj(wkp1, herm))
                    a[k + 2:, k + 2:] -= np.tril(upd)
                    if herm:
                        idx = np.arange(k + 2, n)
                        a[idx, idx] = a[idx, idx].real
                    a[k + 2:, k] = wk
                    a[k + 2:, k + 1] = wkp1
        if kstep == 1:
            ipiv[k] = kp + 1
        else:
            ipiv[k] = ipiv[k + 1] = -(kp + 1)
        k += kstep
    return np.tril(a), ipiv, info


def _ldl_checks(A, fname):
    a = A._array
    if a.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{fname}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if A._dtype.category <= 1:
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got "
                           f"{A._dtype.scalar_name}")
    if A._dtype not in _LAPACK:
        raise missing_kernel("ldl_factor_cpu", A._dtype)


def _ldl_backward(ctx, grads):
    raise RuntimeError(f"derivative for aten::{ctx.saved['name']} is not implemented")


_NotImplementedNode = _private_node("NotImplemented", _ldl_backward, saves_inputs=False)


def _factor(A, hermitian):
    a = A._array
    n = a.shape[-1]
    batch = a.shape[:-2]
    count = int(np.prod(batch, dtype=np.int64))
    flat = a.reshape((count, n, n))
    ld = np.zeros(flat.shape, a.dtype)
    piv = np.zeros((count, n), np.int32)
    info = np.zeros(count, np.int32)
    herm = hermitian and np.iscomplexobj(a)
    for b in range(count):
        ld[b], piv[b], info[b] = _sytf2_lower(flat[b], herm)
    return ld.reshape(a.shape), piv.reshape(batch + (n,)), info.reshape(batch)


def ldl_factor_ex(A, *, hermitian=False, check_errors=False, out=None):
    """LDL^T (LDL^H with ``hermitian``) factorisation: ``(LD, pivots, info)``."""
    _tensor(A, "linalg_ldl_factor_ex", "A")
    _ldl_checks(A, "torch.linalg.ldl_factor_ex")
    ld, piv, info = _factor(A, hermitian)
    if check_errors and info.any():
        raise RuntimeError(f"torch.linalg.ldl_factor_ex: Unknown error code: "
                           f"{int(info.reshape(-1)[np.nonzero(info.reshape(-1))[0][0]])}.")
    LD = _wrap(_colmajor(ld), A._dtype, _colmajor)
    P = make_tensor(np.ascontiguousarray(piv), D.int32)
    I = make_tensor(np.asarray(info, np.int32), D.int32)
    _record(_NotImplementedNode, (A,), (LD, None, None), {"name": "linalg_ldl_factor_ex"})
    return _rt_ldl_factor_ex((LD, P, I))


def ldl_factor(A, *, hermitian=False, out=None):
    """LDL^T factorisation of symmetric (Hermitian) matrices: ``(LD, pivots)``.

    >>> ember.linalg.ldl_factor(ember.tensor([[0., 1.], [1., 0.]])).pivots
    tensor([-2, -2], dtype=ember.int32)
    """
    _tensor(A, "linalg_ldl_factor", "A")
    _ldl_checks(A, "torch.linalg.ldl_factor_ex")
    LD, P, I = ldl_factor_ex(A, hermitian=hermitian)
    flat = I._array.reshape(-1)
    if flat.any():
        # PyTorch reports a singular D through an internal assert (its text, verbatim)
        code = int(flat[np.nonzero(flat)[0][0]])
        raise RuntimeError("false INTERNAL ASSERT FAILED at \"/__w/pytorch/pytorch/aten/src/ATen/"
                           "native/BatchLinearAlgebra.cpp\":1642, please report a bug to PyTorch. "
                           f"torch.linalg.ldl_factor: Unknown error code: {code}.")
    return _rt_ldl_factor((LD, P))


def _sytrs_lower(ld, ipiv, b, herm):
    """One system: LAPACK's ?sytrs / ?hetrs with uplo='L' (b: n x nrhs, overwritten copy)."""
    b = b.copy()
    n = ld.shape[0]
    k = 0
    while k < n:    # solve L D Y = P^T B
        if ipiv[k] > 0:
            kp = ipiv[k] - 1
            b[[k, kp]] = b[[kp, k]]
            b[k + 1:] -= np.outer(ld[k + 1:, k], b[k])
            b[k] = b[k] / (ld[k, k].real if herm else ld[k, k])
            k += 1
        else:
            kp = -ipiv[k] - 1
            b[[k + 1, kp]] = b[[kp, k + 1]]
            if k < n - 2:
                b[k + 2:] -= np.outer(ld[k + 2:, k], b[k]) + np.outer(ld[k + 2:, k + 1], b[k + 1])
            akm1k = ld[k + 1, k]
            akm1 = ld[k, k] / _cj(akm1k, herm)
            ak = ld[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1
            bkm1 = b[k] / _cj(akm1k, herm)
            bk = b[k + 1] / akm1k
            b[k] = (ak * bkm1 - bk) / denom
            b[k + 1] = (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:   # solve L^T (L^H) X = Y, undoing the interchanges
        if ipiv[k] > 0:
            if k < n - 1:
                b[k] -= _cj(ld[k + 1:, k], herm) @ b[k + 1:]
            kp = ipiv[k] - 1
            b[[k, kp]] = b[[kp, k]]
            k -= 1
        else:
            if k < n - 1:
                b[k] -= _cj(ld[k + 1:, k], herm) @ b[k + 1:]
                b[k - 1] -= _cj(ld[k + 1:, k - 1], herm) @ b[k + 1:]
            kp = -ipiv[k] - 1
            b[[k, kp]] = b[[kp, k]]
            k -= 2
    return b


def ldl_solve(LD, pivots, B, *, hermitian=False, out=None):
    """Solve ``A X = B`` from ``ldl_factor``'s output."""
    _tensor(LD, "linalg_ldl_solve", "LD")
    _tensor(pivots, "linalg_ldl_solve", "pivots", 2)
    _tensor(B, "linalg_ldl_solve", "B", 3)
    ld, piv, b = LD._array, pivots._array, B._array
    fname = "torch.linalg.ldl_solve"
    if ld.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor LD must have at least 2 dimensions.")
    if ld.shape[-1] != ld.shape[-2]:
        raise RuntimeError(f"{fname}: A must be batches of square matrices, but they are "
                           f"{ld.shape[-2]} by {ld.shape[-1]} matrices")
    if b.ndim < 2:
        # PyTorch indexes B's second-to-last dim before checking its rank
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(b.ndim, 1)}, "
                         f"{max(b.ndim, 1) - 1}], but got -2)")
    if b.shape[-2] != ld.shape[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for {fname}: each A matrix is "
                           f"{ld.shape[-2]} by {ld.shape[-1]} but each b matrix is "
                           f"{b.shape[-2]} by {b.shape[-1]}")
    if B._dtype is not LD._dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{B._dtype.scalar_name} and A of type {LD._dtype.scalar_name} "
                           "instead.")
    if LD._dtype not in _LAPACK:
        raise missing_kernel("ldl_solve_cpu", LD._dtype)
    n = ld.shape[-1]
    batch = np.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    ldb = np.broadcast_to(ld, batch + (n, n)).reshape((-1, n, n))
    pb = np.broadcast_to(piv.astype(np.int64), batch + (n,)).reshape((-1, n))
    bb = np.broadcast_to(b, batch + b.shape[-2:]).reshape((-1,) + b.shape[-2:])
    herm = hermitian and np.iscomplexobj(ld)
    x = np.zeros(bb.shape, ld.dtype)
    for i in range(bb.shape[0]):
        x[i] = _sytrs_lower(ldb[i], pb[i], bb[i].astype(ld.dtype), herm)
    X = _wrap(_colmajor(x.reshape(batch + b.shape[-2:])), LD._dtype, _colmajor)
    _record(_NotImplementedNode, (LD, B), X, {"name": "linalg_ldl_solve"})
    if out is not None:
        return write_out(out, X._array, "linalg_ldl_solve")
    return X
