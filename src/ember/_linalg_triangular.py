"""Solving with triangular factors: ``ember.cholesky_solve``, ``ember.cholesky_inverse`` and the
legacy ``ember.triangular_solve`` (``b`` first, returning the solution and a copy of ``A``).

Forwards run on NumPy; the derivatives are PyTorch's formulas written in ember ops (each one
calls the op it differentiates), so ``create_graph=True`` gives double backward.

>>> L = ember.tensor([[2., 0.], [1., 1.]])
>>> ember.cholesky_solve(ember.tensor([[4.], [2.]]), L)
tensor([[1.],
        [0.]])
"""
import numpy as np

from ._dispatch import FUNCTIONS, write_out, missing_kernel
from ._tensor import Tensor
from .return_types import return_type
from .linalg import (_tensor, _colmajor, _wrap, _node, _record, _grads, _broadcast_batch,
                     _warn_once, _LAPACK)
from ._ops.blas import _mH, _conj, _sum_to, _wants

__all__ = ["cholesky_solve", "cholesky_inverse", "triangular_solve"]

_rt_triangular_solve = return_type("triangular_solve", ("solution", "cloned_coefficient"))


def _triangle(a, upper, unit=False):
    """The triangle of ``a`` LAPACK reads (the other one is ignored), diagonal 1 if ``unit``."""
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        n = a.shape[-1]
        t = t.copy()
        t[..., np.arange(n), np.arange(n)] = 1
    return t


def _substitute(t, b, upper):
    """Row-by-row substitution, vectorised over batch and columns: like LAPACK's trtrs it
    divides by a zero pivot (giving inf/nan) instead of refusing a singular triangle."""
    n = t.shape[-1]
    x = np.zeros(np.broadcast_shapes(t.shape[:-2], b.shape[:-2]) + b.shape[-2:],
                 np.result_type(t, b))
    order = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(all="ignore"):
        for i in order:
            acc = b[..., i, :] - np.einsum("...k,...kj->...j", t[..., i, :], x)
            x[..., i, :] = acc / t[..., i, i][..., None]
    return x


def _tri_solve(t, b, upper):
    """X with T X = B for a batch of triangular T (B broadcast against T's batch)."""
    batch = _broadcast_batch(t.shape[:-2], b.shape[:-2])
    t = np.broadcast_to(t, batch + t.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    if t.size == 0 or b.size == 0:
        return np.zeros(b.shape, np.result_type(t, b))
    try:
        with np.errstate(all="ignore"):
            return np.linalg.solve(t, b)
    except np.linalg.LinAlgError:
        return _substitute(t, b, upper)


def _square_check(A):
    a = A._array
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")


def _rhs_checks(B, A, fname, bname="b"):
    if B._dtype is not A._dtype:
        raise RuntimeError(f"Expected {bname} and A to have the same dtype, but found {bname} of "
                           f"type {B._dtype.scalar_name} and A of type {A._dtype.scalar_name} "
                           "instead.")
    _square_check(A)
    a, b = A._array, B._array
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for {fname}: each A matrix is "
                           f"{a.shape[-2]} by {a.shape[-1]} but each {bname} matrix is "
                           f"{b.shape[-2]} by {b.shape[-1]}")


# ---------------------------------------------------------------------------- cholesky_solve
def cholesky_solve(B, L, upper=False, *, out=None):
    """Solve ``A X = B`` given the Cholesky factor of A (``A = L L^H``, or ``U^H U`` if
    ``upper``); batches broadcast.

    >>> ember.cholesky_solve(ember.tensor([[2.], [1.]]), ember.tensor([[1., 0.], [0., 1.]]))
    tensor([[2.],
            [1.]])
    """
    _tensor(B, "cholesky_solve")
    _tensor(L, "cholesky_solve", "input2", 2)
    if B._array.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B._array.ndim} "
                           "dimensions instead")
    if L._array.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {L._array.ndim} "
                           "dimensions instead")
    _rhs_checks(B, L, "cholesky_solve")
    if L._dtype not in _LAPACK:
        raise missing_kernel("cholesky_solve_cpu", L._dtype)
    low = _triangle(L._array, upper)
    if upper:
        low = np.conj(np.swapaxes(low, -1, -2))
    # A X = B with A = low low^H: two triangular solves
    y = _tri_solve(low, B._array, False)
    x = _tri_solve(np.conj(np.swapaxes(low, -1, -2)), y, True)
    res = _wrap(_colmajor(x), L._dtype, _colmajor)
    _record(_CholeskySolveNode, (B, L), res, {"X": res, "upper": upper})
    if out is not None:
        return write_out(out, res._array, "cholesky_solve")
    return res


def _cholesky_solve_backward(ctx, grad):
    B, L = ctx.inputs
    X, upper = ctx.saved["X"], ctx.saved["upper"]
    gB = cholesky_solve(grad, L, upper)
    gL = None
    if _wants(ctx, 1):
        # A = L L^H: dA = -gB X^H symmetrised, pushed through A's factorisation
        common = gB @ _mH(X)
        common = common + _mH(common)
        gL = -(L @ common) if upper else -(common @ L)
        gL = _sum_to(gL, L._array.shape)
    return (_sum_to(gB, B._array.shape) if _wants(ctx, 0) else None), gL


_CholeskySolveNode = _node("CholeskySolveBackward0", _cholesky_solve_backward,
                           saves_inputs=True)


# ---------------------------------------------------------------------------- cholesky_inverse
def cholesky_inverse(L, upper=False, *, out=None):
    """The inverse of ``A = L L^H`` (or ``U^H U``) from its Cholesky factor.

    >>> ember.cholesky_inverse(ember.tensor([[2., 0.], [0., 1.]]))
    tensor([[0.2500, 0.0000],
            [0.0000, 1.0000]])
    """
    _tensor(L, "cholesky_inverse")
    a = L._array
    if a.ndim < 2:
        raise RuntimeError("cholesky_inverse: The input tensor A must have at least 2 "
                           "dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"cholesky_inverse: A must be batches of square matrices, but they "
                           f"are {a.shape[-2]} by {a.shape[-1]} matrices")
    if L._dtype not in _LAPACK:
        raise missing_kernel("cholesky_inverse_out_cpu", L._dtype)
    low = _triangle(a, upper)
    if upper:
        low = np.conj(np.swapaxes(low, -1, -2))
    eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
    linv = _tri_solve(low, eye, False)
    res_arr = np.conj(np.swapaxes(linv, -1, -2)) @ linv
    res = _wrap(_colmajor(res_arr), L._dtype, _colmajor)
    _record(_CholeskyInverseNode, (L,), res, {"inv": res, "upper": upper})
    if out is not None:
        return write_out(out, res._array, "cholesky_inverse")
    return res


def _cholesky_inverse_backward(ctx, grad):
    L = ctx.inputs[0]
    inv, upper = ctx.saved["inv"], ctx.saved["upper"]
    common = inv @ (grad + _mH(grad)) @ inv
    return (-(L @ common) if upper else -(common @ L),)


_CholeskyInverseNode = _node("CholeskyInverseBackward0", _cholesky_inverse_backward,
                             saves_inputs=True)


# ---------------------------------------------------------------------------- triangular_solve
def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """Legacy solver of ``A X = b`` (``A^T X = b`` with ``transpose``) for triangular A:
    returns ``(solution, cloned_coefficient)``; prefer ``ember.linalg.solve_triangular``.

    >>> ember.triangular_solve(ember.tensor([[2.], [2.]]), ember.tensor([[1., 1.], [0., 2.]]))[0]
    tensor([[1.],
            [1.]])
    """
    _tensor(input, "triangular_solve")
    _tensor(A, "triangular_solve", "A", 2)
    _warn_once("triangular_solve", (
        "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will "
        "be removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its arguments "
        "reversed and does not return a copy of one of the inputs.\nX = "
        "torch.triangular_solve(B, A).solution\nshould be replaced with\nX = "
        "torch.linalg.solve_triangular(A, B)."))
    b = input._array
    if b.ndim < 2:
        raise RuntimeError(f"torch.triangular_solve: Expected b to have at least 2 dimensions, "
                           f"but it has {b.ndim} dimensions instead")
    if A._array.ndim < 2:
        raise RuntimeError(f"torch.triangular_solve: Expected A to have at least 2 dimensions, "
                           f"but it has {A._array.ndim} dimensions instead")
    _rhs_checks(input, A, "triangular_solve")
    if A._dtype not in _LAPACK:
        raise missing_kernel("triangular_solve_cpu", A._dtype)
    t = _triangle(A._array, upper, unitriangular)
    lower_system = not upper
    if transpose:
        t = np.swapaxes(t, -1, -2)
        lower_system = upper
    x = _tri_solve(t, b, not lower_system)
    batch = x.shape[:-2]
    sol = _wrap(_colmajor(x), A._dtype, _colmajor)
    coef = _wrap(_colmajor(np.broadcast_to(A._array, batch + A._array.shape[-2:])), A._dtype,
                 _colmajor)
    _record(_TriangularSolveNode, (input, A), (sol, coef),
            {"X": sol, "upper": upper, "transpose": transpose, "unit": unitriangular})
    if out is not None:
        write_out(out[0], sol._array, "triangular_solve")
        write_out(out[1], coef._array, "triangular_solve")
        return _rt_triangular_solve(tuple(out))
    return _rt_triangular_solve((sol, coef))


def _triangular_solve_backward(ctx, grads):
    b, A = ctx.inputs
    gX, gM = _grads(grads, 2)
    s = ctx.saved
    X, upper, transpose, unit = s["X"], s["upper"], s["transpose"], s["unit"]
    gb = gA = None
    if gX is not None:
        # X = op(A)^{-1} b, so gb = op(A)^{-H} gX: op(A)^H is conj(A) with transpose flipped
        gb = triangular_solve(gX, _conj(A), upper, not transpose, unit)[0]
        if _wants(ctx, 1):
            gA = -(_conj(X) @ gb.mT) if transpose else -(gb @ _mH(X))
            gA = gA.triu(int(unit)) if upper else gA.tril(-int(unit))
    if _wants(ctx, 1) and gM is not None:
        gA = gM if gA is None else gA + gM
    if gA is not None:
        gA = _sum_to(gA, A._array.shape)
    if gb is not None and _wants(ctx, 0):
        gb = _sum_to(gb, b._array.shape)
    else:
        gb = None
    return gb, gA


_TriangularSolveNode = _node("TriangularSolveBackward0", _triangular_solve_backward,
                             saves_inputs=True)


Tensor.cholesky_solve = lambda self, input2, upper=False: cholesky_solve(self, input2, upper)
Tensor.cholesky_inverse = lambda self, upper=False: cholesky_inverse(self, upper)
Tensor.triangular_solve = (lambda self, A, upper=True, transpose=False, unitriangular=False:
                           triangular_solve(self, A, upper, transpose, unitriangular))
FUNCTIONS.update(cholesky_solve=cholesky_solve, cholesky_inverse=cholesky_inverse,
                 triangular_solve=triangular_solve)
