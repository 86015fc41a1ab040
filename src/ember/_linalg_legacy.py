"""PyTorch's older top-level linear algebra: ``ember.lu``/``lu_unpack``/``lu_solve`` (``b``
first), ``ember.vander`` (decreasing powers by default), and the functions PyTorch has removed
(``symeig``, ``eig``, ``lstsq``, ``matrix_rank``), which raise PyTorch's migration advice.

>>> LU, pivots = ember.lu(ember.tensor([[1., 2.], [3., 4.]]))
>>> P, L, U = ember.lu_unpack(LU, pivots)
>>> (P @ L @ U)
tensor([[1., 2.],
        [3., 4.]])
"""
import numpy as np

from . import _dtype as D
from ._dispatch import FUNCTIONS
from ._tensor import Tensor, make_tensor
from .return_types import return_type
from .linalg import (_tensor, _contig, _node, _record, _grads, _perm_from_pivots, _warn_once,
                     _lu_factor_core, lu_solve as _linalg_lu_solve)

__all__ = ["lu", "lu_unpack", "lu_solve", "vander", "symeig", "eig", "lstsq", "matrix_rank"]

_F = FUNCTIONS
_rt_lu_with_info = return_type("_lu_with_info", ("LU", "pivots", "info"))
_rt_lu_unpack = return_type("lu_unpack", ("P", "L", "U"))


# ---------------------------------------------------------------------------- lu
def lu(A, pivot=True, get_infos=False, out=None):
    """Legacy LU: ``(LU, pivots)``, plus ``info`` with ``get_infos``; never raises for singular
    matrices (the ``info`` says where a pivot is zero).

    >>> ember.lu(ember.tensor([[1., 2.], [3., 4.]]))[1]
    tensor([2, 2], dtype=ember.int32)
    """
    _tensor(A, "lu", "A")
    _warn_once("lu", (
        "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex "
        "and will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, "
        "compute_pivots)\nshould be replaced with\nLU, pivots = torch.linalg.lu_factor(A, "
        "compute_pivots)\nand\nLU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\n"
        "should be replaced with\nLU, pivots, info = torch.linalg.lu_factor_ex(A, "
        "compute_pivots)"))
    # (PyTorch names linalg.lu_factor in its errors here, not lu_factor_ex)
    LU, piv, info = _lu_factor_core(A, pivot, "linalg.lu_factor")
    if get_infos:
        return _rt_lu_with_info((LU, piv, info))
    return LU, piv


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """Split ``lu_factor``'s packed output into ``P, L, U`` with ``A = P L U``.

    >>> P, L, U = ember.lu_unpack(*ember.linalg.lu_factor(ember.tensor([[0., 1.], [1., 0.]])))
    >>> P
    tensor([[0., 1.],
            [1., 0.]])
    """
    _tensor(LU_data, "lu_unpack", "LU_data")
    _tensor(LU_pivots, "lu_unpack", "LU_pivots", 2)
    a = LU_data._array
    if a.ndim < 2:
        raise RuntimeError(f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got "
                           f"size: [{', '.join(str(s) for s in a.shape)}] instead")
    if LU_pivots._dtype is not D.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of "
                           "torch.int32 dtype.\nNote: this function is intended to be used with "
                           "the output produced by torch.linalg.lu_factor")
    dt = LU_data._dtype
    m, n = a.shape[-2:]
    k = min(m, n)
    empty = make_tensor(np.zeros((0,), dt.np), dt)
    if unpack_pivots:
        piv = LU_pivots._array
        if piv.size and (piv.min() < 1 or piv.max() > m):
            raise RuntimeError("pivots passed to lu_unpack must be between 1 and LU.size(-2) "
                               "inclusive.Did you properly pass the result of lu_factor?")
        P = make_tensor(_contig(_perm_from_pivots(piv, m).astype(dt.np)), dt)
    else:
        P = empty
    if not unpack_data:
        return _rt_lu_unpack((P, empty, empty))
    L_arr = np.tril(a[..., :, :k], -1) + np.eye(m, k, dtype=dt.np)
    U_arr = np.triu(a[..., :k, :])
    L = make_tensor(_contig(L_arr), dt)
    U = make_tensor(_contig(U_arr), dt)
    _record(_LuUnpackNode, (LU_data,), (None, L, U), {"m": m, "n": n})
    return _rt_lu_unpack((P, L, U))


def _lu_unpack_backward(ctx, grads):
    _, gL, gU = _grads(grads, 3)
    m, n = ctx.saved["m"], ctx.saved["n"]
    k = min(m, n)
    # L took LU's strict lower part of its first k columns, U the upper part of its first k rows
    g = None
    if gL is not None:
        g = _F["constant_pad_nd"](gL.tril(-1), (0, n - k))
    if gU is not None:
        gu = _F["constant_pad_nd"](gU.triu(), (0, 0, 0, m - k))
        g = gu if g is None else g + gu
    return (g,)


_LuUnpackNode = _node("LuUnpackBackward0", _lu_unpack_backward, saves_inputs=False)


def lu_solve(b, LU_data, LU_pivots, *, out=None):
    """Legacy ``lu_solve`` (right-hand side first): ``linalg.lu_solve(LU, pivots, b)``."""
    _tensor(b, "lu_solve")
    _warn_once("lu_solve", (
        "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a "
        "future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\n"
        "X = torch.lu_solve(B, LU, pivots)\nshould be replaced with\nX = "
        "torch.linalg.lu_solve(LU, pivots, B)"))
    if b._array.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    return _linalg_lu_solve(LU_data, LU_pivots, b, out=out)


# ---------------------------------------------------------------------------- vander
def vander(x, N=None, increasing=False):
    """Vandermonde matrix of a 1-D tensor; powers decrease left to right unless ``increasing``.

    >>> ember.vander(ember.tensor([1, 2, 3]))
    tensor([[1, 1, 1],
            [4, 2, 1],
            [9, 3, 1]])
    """
    _tensor(x, "vander", "x")
    if x._array.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._array.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    # PyTorch promotes bool and narrower integers to int64 before taking powers
    if x._dtype.category <= 1:
        x = x.to(D.int64)
    res = _F["ones"]((x._array.shape[0], min(n, 1)), dtype=x._dtype)
    if n > 1:
        powers = _F["cumprod"](x.unsqueeze(1).expand(x._array.shape[0], n - 1), 1)
        res = _F["cat"]([res, powers], 1)
    return res if increasing else _F["flip"](res, (1,))


# ---------------------------------------------------------------------------- deprecated norms
def frobenius_norm(input, dim, keepdim=False, *, out=None):
    """Deprecated: the 2-norm over (at most two) ``dim``; use ``linalg.vector_norm``."""
    from ._ops.loss import _rename
    from ._ops.reduction import vector_norm
    _tensor(input, "frobenius_norm")
    _warn_once("frobenius_norm", (
        "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be "
        "removed in a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, "
        "keepdim)` instead"))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions "
                           "instead.")
    if input._dtype.category <= 1:
        raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                           f"Got {input._dtype.scalar_name} instead.")
    res = vector_norm(input, 2, dims if dims else None, keepdim, out=out)
    # PyTorch routes it through at::norm's ScalarOpt_dim overload
    return res if out is not None else _rename(res, "NormBackward1")


def nuclear_norm(input, dim=None, keepdim=False, *, out=None):
    """Deprecated: the nuclear norm over ``dim`` (the last two dims by default); use
    ``linalg.matrix_norm(A, 'nuc')``."""
    from .linalg import matrix_norm
    _tensor(input, "nuclear_norm")
    _warn_once("nuclear_norm", (
        "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be "
        "removed in a future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, "
        "keepdim)` instead"))
    if isinstance(dim, bool):   # nuclear_norm(input, keepdim) overload
        dim, keepdim = None, dim
    return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, out=out)


# ---------------------------------------------------------------------------- removed functions
def _removed(text):
    def fn(*args, **kwargs):
        sep = "" if text.startswith("\n") else " "
        raise RuntimeError("This function was deprecated since version 1.9 and is now removed."
                           + sep + text)
    return fn


symeig = _removed(
    "The default behavior has changed from using the upper triangular portion of the matrix by "
    "default to using the lower triangular portion.\n\nL, _ = torch.symeig(A, upper=upper) "
    "should be replaced with:\nL = torch.linalg.eigvalsh(A, UPLO='U' if upper else 'L')\n\nand"
    "\n\nL, V = torch.symeig(A, eigenvectors=True) should be replaced with:\nL, V = "
    "torch.linalg.eigh(A, UPLO='U' if upper else 'L')")
eig = _removed(
    "`torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather than real "
    "tensors mimicking complex tensors.\n\nL, _ = torch.eig(A) should be replaced with:\n"
    "L_complex = torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, eigenvectors=True) "
    "should be replaced with:\nL_complex, V_complex = torch.linalg.eig(A)")
lstsq = _removed(
    "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` has "
    "reversed arguments and does not return the QR decomposition in the returned tuple "
    "(although it returns other information about the problem).\n\nTo get the QR decomposition "
    "consider using `torch.linalg.qr`.\n\nThe returned solution in `torch.lstsq` stored the "
    "residuals of the solution in the last m - n columns of the returned value whenever m > n. "
    "In torch.linalg.lstsq, the residuals are in the field 'residuals' of the returned named "
    "tuple.\n\nThe unpacking of the solution, as in\nX, _ = torch.lstsq(B, A).solution[:A.size(1)]"
    "\nshould be replaced with:\nX = torch.linalg.lstsq(A, B).solution")
matrix_rank = _removed(
    "\nPlease use the `torch.linalg.matrix_rank` function instead. The parameter 'symmetric' was "
    "renamed in `torch.linalg.matrix_rank()` to 'hermitian'.")


FUNCTIONS.update(frobenius_norm=frobenius_norm, nuclear_norm=nuclear_norm, lu=lu, lu_unpack=lu_unpack, lu_solve=lu_solve, vander=vander, symeig=symeig,
                 eig=eig, lstsq=lstsq, matrix_rank=matrix_rank)

Tensor.lu = lambda self, pivot=True, get_infos=False: lu(self, pivot, get_infos)
Tensor.lu_solve = lambda self, LU_data, LU_pivots: lu_solve(self, LU_data, LU_pivots)
Tensor.symeig = symeig
Tensor.eig = eig
Tensor.lstsq = lstsq
