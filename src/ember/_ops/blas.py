"""Matrix products: ``matmul`` (``@``) and its kernels ``mm``, ``bmm``, ``mv``, ``dot``; ``vdot``,
``inner``, ``outer``/``ger``, the fused ``addmm``/``addmv``/``addr``/``baddbmm``/``addbmm``,
``tensordot``, ``einsum`` and ``chain_matmul``.

matmul never promotes (both operands must share a dtype) and dispatches on the operands' ranks
exactly as PyTorch does, so errors name the kernel that ran (``mm``'s C++ type names, ``mv``'s
``addmv`` text, ``bmm``'s ``expected scalar type``) and gradients flow through the same nodes
(``MmBackward0``, ``MvBackward0``, ``DotBackward0``, ``BmmBackward0``, folding views). Half and
float8 operands are multiplied in float32 and rounded once; integer products wrap as PyTorch's.

>>> a = ember.ones(2, 3)
>>> (a @ ember.ones(3)).tolist()
[3.0, 3.0]
"""
import math
import string

import numpy as np

from .. import _autocast_state as _amp
from .. import _dtype as D
from .._dispatch import (FUNCTIONS, needs_grad, record, write_out, missing_kernel, check_inplace,
                         invalid_arguments, broadcast_shapes2, shape_str, type_name)
from .._tensor import Tensor, make_tensor, _new, wrap_dim
from ..autograd.graph import (node_class, OpNode, rebase_inplace, array_derivative,
                              saved_value, record_binary as _record_binary)
from ..autograd.grad_mode import STATE as _GRAD, no_grad
from .shape import _unsafe_view

_matmul_np = np.matmul
_ndarray = np.ndarray

# dtypes the CPU product kernels lack (bool and the barebones unsigned types, complex32)
_NO_KERNEL = frozenset((D.bool_, D.uint16, D.uint32, D.uint64, D.complex32))
# dtypes multiplied in float32 and rounded once (PyTorch accumulates these in float)
_UPCAST = frozenset((D.float16, D.bfloat16) + tuple(D.FLOAT8_DTYPES))
# dtypes the ``@`` fast path takes as they are (NumPy's BLAS)
_FAST = frozenset((D.float32, D.float64, D.complex64, D.complex128))
BLAS_DTYPES = _FAST          # (for nn.functional.linear's fast path)
matmul_np = _matmul_np


# ---------------------------------------------------------------------------- helpers
def _tensor_arg(x, fname, argname, pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                        f"{type_name(x)}")
    return x


def _contig(r):
    """A C-contiguous array (0-d stays 0-d, unlike np.ascontiguousarray)."""
    r = np.asarray(r)
    return r if r.flags.c_contiguous else r.copy(order="C")


def _product(fn, dt, *arrays):
    """``fn(*arrays)`` computed in the precision PyTorch's CPU kernels use for ``dt``."""
    if dt in _UPCAST:
        res = fn(*[a.astype(np.float32) for a in arrays])
        return np.asarray(res).astype(dt.np)
    res = fn(*arrays)
    if type(res) is not _ndarray:
        res = np.asarray(res)
    if res.dtype != dt.np:
        res = res.astype(dt.np)
    return res


def _check_out(out, name, inputs, dt, message=None):
    """PyTorch's out= checks: no autograd, and an out tensor of exactly the result dtype."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type_name(out)}")
    if needs_grad(*inputs):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if out._dtype is not dt:
        raise RuntimeError(message or f"Expected out tensor to have dtype {dt.cpp_name}, but got "
                           f"{out._dtype.cpp_name} instead")


def _out_grad_check(out, name, inputs):
    if out is not None and needs_grad(*inputs):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")


def _finish(name, arr, dt, out, inputs, node_cls, saved=None):
    """Wrap (or store into ``out``) a product result and record its node."""
    if out is not None:
        _check_out(out, name, inputs, dt)
        return write_out(out, arr, name)
    t = make_tensor(arr, dt)
    if dt.category >= 2 and needs_grad(*inputs):
        record(node_cls, inputs, t, saved)
    return t


def _wants(ctx, i):
    """True when the backward must produce a gradient for input ``i``."""
    nf = ctx.next_functions
    return i < len(nf) and nf[i][0] is not None


def _conj(t):
    return t.conj() if t._dtype.is_complex else t


def _mH(t):
    """Conjugate transpose of the last two dims (a plain transpose for real tensors)."""
    t = t.transpose(-2, -1)
    return t.conj() if t._dtype.is_complex else t


def _real_grad(g, like):
    """A gradient for a real input whose computation went complex: keep the real part."""
    if g._dtype.is_complex and not like._dtype.is_complex:
        g = g.real
    return g


def _sum_to(g, shape):
    from ..autograd.engine import sum_to
    return sum_to(g, tuple(shape))


def _private_node(name, backward, saves_inputs=True):
    """A node class shown as ``name`` whose derivative is private to this module (grad_fn names
    such as ViewBackward0 are shared with other ops that save different things)."""
    return type(name, (OpNode,), {"__module__": "builtins", "saves_inputs": saves_inputs,
                                  "backward_fn": staticmethod(backward)})


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _squeeze_result(t, dim):
    """``t.squeeze_(dim)`` on a fresh product result: SqueezeBackward4, no view."""
    a = t._array
    d = dim % a.ndim
    arr = a.reshape(a.shape[:d] + a.shape[d + 1:])
    res = make_tensor(arr, t._dtype)
    if t._requires_grad and _GRAD.enabled:
        record(_SqueezeInplaceNode, (t,), res, {"shape": a.shape})
    return res


_SqueezeInplaceNode = _private_node(
    "SqueezeBackward4", lambda ctx, grad: grad.reshape(ctx.saved["shape"]), saves_inputs=False)


# ---------------------------------------------------------------------------- kernels
def mm(input, mat2, *, out=None):
    """Matrix product of two 2-D tensors (no broadcasting).

    >>> ember.mm(ember.ones(2, 3), ember.ones(3, 4)).shape
    ember.Size([2, 4])
    """
    if _amp.ACTIVE[0]:
        input, mat2 = _amp.lower(input, mat2)
    if out is None and isinstance(input, Tensor) and isinstance(mat2, Tensor):
        # NOTE: the common case (same BLAS dtype, 2-D, matching) skips the checks below
        dt = input._dtype
        a, b = input._array, mat2._array
        if dt is mat2._dtype and dt in _FAST and a.ndim == 2 and b.ndim == 2 \
                and a.shape[1] == b.shape[0]:
            t = make_tensor(_matmul_np(a, b), dt)
            if _GRAD.enabled and (input._requires_grad or mat2._requires_grad):
                if type(input) is Tensor and type(mat2) is Tensor:
                    _record_binary(_MmNode, input, mat2, t)
                else:
                    record(_MmNode, (input, mat2), t)
            return t
    if not isinstance(input, Tensor):
        raise invalid_arguments("mm", (input, mat2), {} if out is None else {"out": out},
                                _MM_SIGS)
    _tensor_arg(mat2, "mm", "mat2", 2)
    _out_grad_check(out, "mm", (input, mat2))
    a, b = input._array, mat2._array
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} "
                           f"and {b.shape[0]}x{b.shape[1]})")
    dt = input._dtype
    if mat2._dtype is not dt:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {dt.cpp_name} != "
                           f"{mat2._dtype.cpp_name}")
    if dt in _NO_KERNEL:
        raise missing_kernel("addmm_impl_cpu_", dt)
    return _finish("mm", _product(_matmul_np, dt, a, b), dt, out, (input, mat2), _MmNode)


_MM_SIGS = ("Tensor input, Tensor mat2, *, Tensor out = None",
            "Tensor input, Tensor mat2, torch.dtype out_dtype, *, Tensor out = None")


def _transposed(arr):
    """A 2-D array laid out column-major (a transposed row-major matrix, e.g. ``W.t()``)."""
    return arr.ndim == 2 and arr.flags.f_contiguous and not arr.flags.c_contiguous


def _mat2_grad(m1, grad, m2):
    """d/d(m2) of ``m1 @ m2``: ``m1^H @ grad``, computed as ``(grad^H @ m1)^H`` when ``m2`` is a
    transposed matrix so that the gradient has ``m2``'s layout (PyTorch does the same; the
    weight gradient of a Linear layer then needs no copy)."""
    if _transposed(m2._array):
        return _mH(_mH(grad).mm(m1))
    return _mH(m1).mm(grad)


def _mm_backward(ctx, grad):
    a, b = ctx.inputs
    ga = grad.mm(_mH(b)) if _wants(ctx, 0) else None
    gb = _mat2_grad(a, grad, b) if _wants(ctx, 1) else None
    return ga, gb


def _mat2_grad_array(m1, g, m2):
    """``_mat2_grad`` on real arrays."""
    if _transposed(m2):
        return _matmul_np(g.T, m1).T
    return _matmul_np(m1.T, g)


_MmNode = node_class("MmBackward0")
_MmNode.backward_fn = staticmethod(_mm_backward)


@array_derivative("MmBackward0")
def _mm_backward_array(ctx, g):
    a, b = ctx.inputs
    a, b = a._array, b._array
    if a.dtype is not g.dtype or b.dtype is not g.dtype:
        return NotImplemented
    return (_matmul_np(g, b.T) if _wants(ctx, 0) else None,
            _mat2_grad_array(a, g, b) if _wants(ctx, 1) else None)


def bmm(input, mat2, *, out=None):
    """Batched matrix product of two 3-D tensors with the same batch size.

    >>> ember.bmm(ember.ones(5, 2, 3), ember.ones(5, 3, 4)).shape
    ember.Size([5, 2, 4])
    """
    if _amp.ACTIVE[0]:
        input, mat2 = _amp.lower(input, mat2)
    if out is None and isinstance(input, Tensor) and isinstance(mat2, Tensor):
        dt = input._dtype
        a, b = input._array, mat2._array
        if dt is mat2._dtype and dt in _FAST and a.ndim == 3 and b.ndim == 3 \
                and a.shape[0] == b.shape[0] and a.shape[2] == b.shape[1]:
            t = make_tensor(_matmul_np(a, b), dt)
            if _GRAD.enabled and (input._requires_grad or mat2._requires_grad):
                record(_BmmNode, (input, mat2), t)
            return t
    if not isinstance(input, Tensor):
        raise invalid_arguments("bmm", (input, mat2), {} if out is None else {"out": out},
                                _MM_SIGS)
    _tensor_arg(mat2, "bmm", "mat2", 2)
    _out_grad_check(out, "bmm", (input, mat2))
    a, b = input._array, mat2._array
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    dt = input._dtype
    if dt in _NO_KERNEL:
        raise missing_kernel("bmm", dt)
    if mat2._dtype is not dt:
        raise RuntimeError(f"expected scalar type {dt.scalar_name} but found "
                           f"{mat2._dtype.scalar_name}")
    return _finish("bmm", _product(_matmul_np, dt, a, b), dt, out, (input, mat2), _BmmNode)


def _bmm_backward(ctx, grad):
    a, b = ctx.inputs
    ga = grad.bmm(_mH(b)) if _wants(ctx, 0) else None
    gb = _mH(a).bmm(grad) if _wants(ctx, 1) else None
    return ga, gb


_BmmNode = node_class("BmmBackward0")
_BmmNode.backward_fn = staticmethod(_bmm_backward)


@array_derivative("BmmBackward0")
def _bmm_backward_array(ctx, g):
    a, b = ctx.inputs
    a, b = a._array, b._array
    if a.dtype is not g.dtype or b.dtype is not g.dtype:
        return NotImplemented
    return (_matmul_np(g, b.swapaxes(-1, -2)) if _wants(ctx, 0) else None,
            _matmul_np(a.swapaxes(-1, -2), g) if _wants(ctx, 1) else None)


def _mv_checks(self_dim, a, v, in_dt, self_len=None):
    """addmv's checks (``mv`` is addmv into a fresh vector)."""
    A, x = a._array, v._array
    if self_dim != 1 or A.ndim != 2 or x.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {self_dim}, {A.ndim}, {x.ndim}")
    n = A.shape[0] if self_len is None else self_len
    if A.shape[1] != x.shape[0] or A.shape[0] != n:
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({A.shape[0]}x{A.shape[1]}), "
                           f"vec ({x.shape[0]})")
    if a._dtype is not in_dt or v._dtype is not in_dt:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{in_dt.scalar_name}, {a._dtype.scalar_name}, and "
                           f"{v._dtype.scalar_name}")
    if in_dt in _NO_KERNEL:
        raise missing_kernel("addmv_impl_cpu", in_dt)


def mv(input, vec, *, out=None):
    """Matrix-vector product.

    >>> ember.mv(ember.ones(2, 3), ember.ones(3)).tolist()
    [3.0, 3.0]
    """
    _tensor_arg(input, "mv", "input", 1)
    _tensor_arg(vec, "mv", "vec", 2)
    _out_grad_check(out, "mv", (input, vec))
    _mv_checks(1, input, vec, vec._dtype)
    dt = input._dtype
    return _finish("mv", _product(_matmul_np, dt, input._array, vec._array), dt, out,
                   (input, vec), _MvNode)


def _mv_backward(ctx, grad):
    a, v = ctx.inputs
    ga = grad.unsqueeze(1) * _conj(v).unsqueeze(0) if _wants(ctx, 0) else None
    gv = _mH(a).mv(grad) if _wants(ctx, 1) else None
    return ga, gv


_MvNode = node_class("MvBackward0")
_MvNode.backward_fn = staticmethod(_mv_backward)


def _dot_checks(input, other, kernel="dot"):
    a, b = input._array, other._array
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{input._dtype.scalar_name} and {other._dtype.scalar_name}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    if input._dtype in _NO_KERNEL:
        raise missing_kernel(kernel, input._dtype)


def _dot_out(out, name, inputs, dt):
    if out is not None:
        _check_out(out, name, inputs, dt, f"result dtype {out._dtype.scalar_name} does not match "
                   f"input dtype {dt.scalar_name}" if isinstance(out, Tensor) else None)


def dot(input, tensor, *, out=None):
    """Dot product of two 1-D tensors (no conjugation).

    >>> ember.dot(ember.tensor([1., 2.]), ember.tensor([3., 4.]))
    tensor(11.)
    """
    _tensor_arg(input, "dot", "input", 1)
    _tensor_arg(tensor, "dot", "tensor", 2)
    _out_grad_check(out, "dot", (input, tensor))
    _dot_checks(input, tensor)
    dt = input._dtype
    _dot_out(out, "dot", (input, tensor), dt)
    arr = _product(np.dot, dt, input._array, tensor._array)
    if out is not None:
        return write_out(out, arr, "dot")
    return _finish("dot", arr, dt, None, (input, tensor), _DotNode)


def _dot_backward(ctx, grad):
    a, b = ctx.inputs
    ga = grad * _conj(b) if _wants(ctx, 0) else None
    gb = grad * _conj(a) if _wants(ctx, 1) else None
    return ga, gb


_DotNode = node_class("DotBackward0")
_DotNode.backward_fn = staticmethod(_dot_backward)


def vdot(input, other, *, out=None):
    """Dot product with the first vector conjugated.

    >>> ember.vdot(ember.tensor([1j]), ember.tensor([1j]))
    tensor(1.+0.j)
    """
    _tensor_arg(input, "vdot", "input", 1)
    _tensor_arg(other, "vdot", "other", 2)
    _out_grad_check(out, "vdot", (input, other))
    _dot_checks(input, other)
    dt = input._dtype
    _dot_out(out, "vdot", (input, other), dt)
    arr = _product(np.vdot, dt, input._array, other._array)
    if out is not None:
        return write_out(out, arr, "vdot")
    return _finish("vdot", arr, dt, None, (input, other), _VdotNode)


def _vdot_backward(ctx, grad):
    a, b = ctx.inputs
    ga = b * _conj(grad) if _wants(ctx, 0) else None
    gb = grad * a if _wants(ctx, 1) else None
    return ga, gb


_VdotNode = node_class("VdotBackward0")
_VdotNode.backward_fn = staticmethod(_vdot_backward)


# ---------------------------------------------------------------------------- matmul
def _foldable(t):
    """True when all but the last dim of ``t`` merge into one without a copy."""
    a = t._array
    if a.size == 0:
        return True
    st = t.stride()
    shape = a.shape
    for i in range(a.ndim - 2):
        if st[i] != st[i + 1] * shape[i + 1]:
            return False
    return True


def _matmul_impl(t1, t2):
    """PyTorch's matmul dispatch on ranks, written with ember ops so that gradients flow through
    the same nodes (and errors come from the same kernels)."""
    d1, d2 = t1._array.ndim, t2._array.ndim
    if d1 == 0 or d2 == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {d1}D "
                           f"and {d2}D")
    if d1 == 1 and d2 == 1:
        return dot(t1, t2)
    if d1 == 2 and d2 == 1:
        return mv(t1, t2)
    if d1 == 1 and d2 == 2:
        return _squeeze_result(mm(t1.unsqueeze(0), t2), 0)
    if d1 == 2 and d2 == 2:
        return mm(t1, t2)
    s1, s2 = t1._array.shape, t2._array.shape
    if d1 == 3 and d2 == 3:
        # a batch of one that requires grad is squeezed, so that its gradient is one mm, not a
        # sum over an expanded batch
        if s2[0] == 1 and s1[0] != 1 and t2._requires_grad:
            return _matmul_impl(t1, t2.squeeze(0))
        if s1[0] == 1 and s2[0] != 1 and t1._requires_grad:
            return _matmul_impl(t1.squeeze(0), t2)
    if d1 >= 3 and d2 <= 2 and (t2._requires_grad or _foldable(t1)):
        return _fold(t1, t2, transpose=False)
    if d2 >= 3 and d1 <= 2 and t1._requires_grad:
        return _fold(t2.mT, t1.t() if d1 == 2 else t1, transpose=True)
    return _batched(t1, t2)


def _fold(t1, t2, transpose):
    """N-D @ (1-D or 2-D): fold the batch dims of ``t1`` into its rows and use mm or mv."""
    sizes = t1._array.shape
    out_shape = sizes[:-1]
    folded = t1.reshape(_prod(out_shape), sizes[-1])
    if t2._array.ndim == 2:
        out_shape = out_shape + (t2._array.shape[1],)
        res = _unsafe_view(mm(folded, t2), out_shape)
        return res.mT.contiguous() if transpose else res
    return _unsafe_view(mv(folded, t2), out_shape)


def _batched(t1, t2):
    d1, d2 = t1._array.ndim, t2._array.ndim
    s1, s2 = t1._array.shape, t2._array.shape
    n = s1[-2] if d1 > 1 else 1
    m1 = s1[-1]
    batch1 = s1[:-2] if d1 > 1 else ()
    m2 = s2[-2] if d2 > 1 else s2[0]
    p = s2[-1] if d2 > 1 else 1
    batch2 = s2[:-2] if d2 > 1 else ()
    batch = broadcast_shapes2(tuple(batch1), tuple(batch2))
    B = _prod(batch)
    e1 = t1.expand(batch + (n, m1)).reshape(B, n, m1)
    if d2 == 1:
        e2 = t2.expand(batch + (m2,)).reshape(B, m2).unsqueeze(2)
    else:
        e2 = t2.expand(batch + (m2, p)).reshape(B, m2, p)
    out_shape = batch + ((n,) if d1 > 1 else ()) + ((p,) if d2 > 1 else ())
    res = bmm(e1, e2)
    if d2 == 1:
        res = _squeeze_result(res, -1)
    return _unsafe_view(res, out_shape)


def matmul(input, other, *, out=None):
    """Matrix product with NumPy-style broadcasting of batch dims (``input @ other``).

    >>> (ember.ones(5, 2, 3) @ ember.ones(3, 4)).shape
    ember.Size([5, 2, 4])
    """
    if _amp.ACTIVE[0]:
        input, other = _amp.lower(input, other)
    _tensor_arg(input, "matmul", "input", 1)
    _tensor_arg(other, "matmul", "other", 2)
    if out is not None:
        _out_grad_check(out, "matmul", (input, other))
        with no_grad():
            res = _matmul_impl(input, other)
        _check_out(out, "matmul", (input, other), res._dtype)
        return write_out(out, res._array, "matmul")
    dt = input._dtype
    if dt is other._dtype and dt in _FAST and not needs_grad(input, other) \
            and not _GRAD.inference:
        a, b = input._array, other._array
        if a.ndim and b.ndim:
            try:
                r = _matmul_np(a, b)
            except ValueError:
                pass   # a shape mismatch: the kernels raise PyTorch's error
            else:
                if type(r) is not _ndarray:
                    r = np.asarray(r)
                return make_tensor(r, dt)
    return _matmul_impl(input, other)


def _matmul_operator(self, other):
    # NOTE: the hot path of ``a @ b``: same BLAS dtype, nothing to record -> one NumPy call
    # (0-d operands and shape mismatches make NumPy raise ValueError: the kernels then raise
    # PyTorch's errors)
    if _amp.ACTIVE[0]:
        return matmul(self, other) if isinstance(other, Tensor) else NotImplemented
    if type(other) is Tensor:
        d = self._dtype
        if d is other._dtype and d in _FAST and not _GRAD.inference and not (
                _GRAD.enabled and (self._requires_grad or other._requires_grad)):
            try:
                r = _matmul_np(self._array, other._array)
            except ValueError:
                return _matmul_impl(self, other)
            if type(r) is not _ndarray:
                r = np.asarray(r)
            t = _new(Tensor)
            t._array = r
            t._dtype = d
            return t
        if d is other._dtype and d in _FAST and not _GRAD.inference:
            a, b = self._array, other._array
            if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0] and type(self) is Tensor:
                # second tier: 2-D @ 2-D recording MmBackward0 with the two-input recorder
                t = _new(Tensor)
                t._array = _matmul_np(a, b)
                t._dtype = d
                _record_binary(_MmNode, self, other, t)
                return t
        return _matmul_impl(self, other)
    if isinstance(other, Tensor):
        return _matmul_impl(self, other)
    return NotImplemented


def _rmatmul_operator(self, other):
    if isinstance(other, Tensor):
        return matmul(other, self)
    return NotImplemented


def _matmul_method(self, other):
    _tensor_arg(other, "matmul", "other", 1)
    return matmul(self, other)


# ---------------------------------------------------------------------------- add* family
# C++ names in "value cannot be converted" errors (half types convert to their float opmath)
_COEF_NAMES = {D.float32: "float", D.float16: "float", D.bfloat16: "float", D.float64: "double",
               D.int64: "int64_t", D.int32: "int", D.int16: "int16_t", D.int8: "int8_t",
               D.uint8: "uint8_t", D.bool_: "bool"}
_NUMBER_TYPES = (bool, int, float, complex, np.number, np.bool_)


def _check_args(name, tensors, coefs, out, sigs):
    """PyTorch's argument binding for the add* ops: three tensors, Number beta/alpha."""
    kwargs = {k: v for k, v in coefs.items() if v is not None}
    if out is not None:
        kwargs["out"] = out
    bad = any(not isinstance(t, Tensor) for t in tensors) or any(
        not (isinstance(v, _NUMBER_TYPES) or (isinstance(v, Tensor) and v._array.size == 1))
        for v in coefs.values())
    if bad:
        raise invalid_arguments(name, tuple(tensors), kwargs, sigs)
    for v in coefs.values():
        if type(v) is int and not -2 ** 63 <= v < 2 ** 64:
            raise OverflowError("int too big to convert")


def _coef(x, dt, name, strict=False, half_cpp=False):
    """beta/alpha converted to the result dtype (PyTorch's checked scalar conversion)."""
    if isinstance(x, Tensor):
        x = x.item()
    elif isinstance(x, (np.generic,)):
        x = x.item()
    if strict:
        if dt.category <= 1 and isinstance(x, (float, complex)):
            raise RuntimeError(f"For integral input tensors, argument {name} must not be a "
                               "floating point number.")
        if dt is not D.bool_ and isinstance(x, bool):
            raise RuntimeError(f"Boolean {name} only supported for Boolean results.")
    if dt.category == 3:
        return complex(x)
    bad = False
    if isinstance(x, complex):
        bad = x.imag != 0
        x = x.real
    if not bad and dt.category == 2:
        x = float(x)
        lim = 1.7976931348623157e308 if dt is D.float64 else 3.4028234663852886e38
        bad = math.isfinite(x) and abs(x) > lim
    elif not bad and dt.category == 1:
        if isinstance(x, float) and not math.isfinite(x):
            bad = True
        else:
            x = int(x)
            info = np.iinfo(dt.np)
            bad = not info.min <= x <= info.max
    elif not bad and dt is D.bool_:
        x = bool(x)
    if bad:
        tname = dt.cpp_name if half_cpp and dt in _UPCAST else _COEF_NAMES.get(dt, dt.cpp_name)
        raise RuntimeError(f"value cannot be converted to type {tname} without overflow")
    return x


def _product_raw(fn, dt, *arrays):
    """A product in the work precision (float32 for half types), not yet rounded."""
    if dt in _UPCAST:
        return np.asarray(fn(*[a.astype(np.float32) for a in arrays]))
    return np.asarray(fn(*arrays))


def _combine(inp_arr, prod, beta, alpha, dt):
    """beta * input + alpha * product (``prod`` in the work precision, ``inp_arr`` broadcast to
    the result); beta == 0 ignores input and alpha == 0 the product, NaNs included."""
    if dt is D.bool_:
        r = prod if alpha else np.zeros(prod.shape, np.bool_)
        if beta:
            r = np.logical_or(r, inp_arr)
        return _contig(np.asarray(r, dtype=np.bool_))
    work = prod.dtype
    if alpha == 0:
        p = np.zeros(prod.shape, work)
    else:
        p = prod if alpha == 1 else prod * work.type(alpha)
    if beta == 0:
        r = p
    else:
        i = inp_arr.astype(work, copy=False)
        r = (i if beta == 1 else i * work.type(beta)) + p
    if r.dtype != dt.np:
        r = r.astype(dt.np)
    return _contig(r)


def _expand(t, shape):
    """``t.expand(shape)`` with PyTorch's error (dims are compared from the last one)."""
    src = t._array.shape
    if len(src) <= len(shape):
        lead = len(shape) - len(src)
        for i in range(len(src) - 1, -1, -1):
            if src[i] != shape[lead + i] and src[i] != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({shape[lead + i]}) must match the existing "
                    f"size ({src[i]}) at non-singleton dimension {lead + i}.  Target sizes: "
                    f"{shape_str(shape)}.  Tensor sizes: {shape_str(src)}")
        # only the values are needed (the node records ``t`` itself): a NumPy broadcast view
        return make_tensor(np.broadcast_to(t._array, tuple(shape)), t._dtype)
    return t.expand(shape)   # raises PyTorch's error for too many dims


def _finish_fused(name, arr, dt, out, inputs, node_cls, saved, self_inplace=None):
    if self_inplace is not None:
        t = self_inplace
        check_inplace(t)
        grad = dt.category >= 2 and needs_grad(*inputs)
        old = t._array.copy() if grad else None
        np.copyto(t._array, arr, casting="unsafe")
        t._bump_version()
        if grad:
            rebase_inplace(t, node_cls, inputs, saved, old=old)
        return t
    return _finish(name, arr, dt, out, inputs, node_cls, saved)


def _check_inplace_shape(self, shape):
    if tuple(self._array.shape) != tuple(shape):
        raise RuntimeError(f"Bad in-place call: input tensor size {shape_str(self._array.shape)} "
                           f"and output tensor size {shape_str(shape)} should match")


def _self_and_mat2(input, m1, m2):
    """addmm's dtype checks: input against mat2 first, then mat1 against mat2."""
    if input._dtype is not m2._dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{input._dtype.scalar_name} and {m2._dtype.scalar_name}")
    if m1._dtype is not m2._dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{m1._dtype.scalar_name} and {m2._dtype.scalar_name}")


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None, _inplace=False):
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to the result.

    >>> ember.addmm(ember.zeros(2), ember.ones(2, 3), ember.ones(3, 2), alpha=2).tolist()
    [[6.0, 6.0], [6.0, 6.0]]
    """
    if _amp.ACTIVE[0]:
        if not _inplace:
            input, mat1, mat2 = _amp.lower(input, mat1, mat2)
    if out is None and not _inplace and beta == 1 and alpha == 1 and isinstance(input, Tensor) \
            and isinstance(mat1, Tensor) and isinstance(mat2, Tensor):
        # NOTE: nn.Linear's path: same BLAS dtype, beta = alpha = 1 -> one GEMM and one add
        dt = mat1._dtype
        a, b, c = mat1._array, mat2._array, input._array
        if dt in _FAST and mat2._dtype is dt and input._dtype is dt and a.ndim == 2 \
                and b.ndim == 2 and a.shape[1] == b.shape[0] and c.ndim <= 2:
            r = _matmul_np(a, b)
            try:
                np.add(r, c, out=r)
            except ValueError:
                pass    # input does not broadcast: the full path raises PyTorch's error
            else:
                t = make_tensor(r, dt)
                if _GRAD.enabled and (input._requires_grad or mat1._requires_grad
                                      or mat2._requires_grad):
                    record(_AddmmNode, (input, mat1, mat2), t,
                           {"beta": 1, "alpha": 1, "self_sizes": c.shape})
                return t
    _check_args("addmm", (input, mat1, mat2), {"beta": beta, "alpha": alpha}, out, _ADDMM_SIGS)
    _out_grad_check(out, "addmm", (input, mat1, mat2))
    a, b = mat1._array, mat2._array
    if a.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {a.ndim}-D tensor")
    if b.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {b.ndim}-D tensor")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} "
                           f"and {b.shape[0]}x{b.shape[1]})")
    shape = (a.shape[0], b.shape[1])
    if _inplace:
        _check_inplace_shape(input, shape)
        inp = input
    else:
        inp = _expand(input, shape)
    _self_and_mat2(input, mat1, mat2)
    dt = mat1._dtype
    if dt in _NO_KERNEL:
        raise missing_kernel("addmm_impl_cpu_", dt)
    beta_v = _coef(beta, dt, "beta")
    alpha_v = _coef(alpha, dt, "alpha")
    if out is not None:
        _check_out(out, "addmm", (input, mat1, mat2), dt)
    arr = _combine(inp._array, _product_raw(_matmul_np, dt, a, b), beta_v, alpha_v, dt)
    saved = {"beta": beta_v, "alpha": alpha_v, "self_sizes": input._array.shape}
    return _finish_fused("addmm", arr, dt, out, (input, mat1, mat2), _AddmmNode, saved,
                         input if _inplace else None)


_ADDMM_SIGS = (
    "Tensor input, Tensor mat1, Tensor mat2, *, Number beta = 1, Number alpha = 1, "
    "Tensor out = None",
    "Tensor input, Tensor mat1, Tensor mat2, torch.dtype out_dtype, *, Number beta = 1, "
    "Number alpha = 1, Tensor out = None")


def _coef_conj(x):
    return x.conjugate() if isinstance(x, complex) else x


def _scale(g, c):
    return g if c == 1 else g * c


def _add_input_grad(ctx, grad):
    beta = ctx.saved["beta"]
    return _sum_to(_scale(grad, _coef_conj(beta)) if beta != 0 else grad * 0,
                   ctx.saved["self_sizes"])


def _addmm_backward(ctx, grad):
    _, m1, m2 = ctx.inputs
    alpha = _coef_conj(ctx.saved["alpha"])
    gi = _add_input_grad(ctx, grad) if _wants(ctx, 0) else None
    g1 = _scale(grad.mm(_mH(m2)), alpha) if _wants(ctx, 1) else None
    g2 = _scale(_mat2_grad(m1, grad, m2), alpha) if _wants(ctx, 2) else None
    return gi, g1, g2


_AddmmNode = node_class("AddmmBackward0")
_AddmmNode.backward_fn = staticmethod(_addmm_backward)


@array_derivative("AddmmBackward0")
def _addmm_backward_array(ctx, g):
    # the Linear layer's case: beta = alpha = 1, operands of the gradient's dtype (the input
    # gradient is summed down to the bias's shape by the engine, as _sum_to would)
    _, m1, m2 = ctx.inputs
    m1, m2 = m1._array, m2._array
    if saved_value(ctx, "beta") != 1 or saved_value(ctx, "alpha") != 1 or \
            m1.dtype is not g.dtype or m2.dtype is not g.dtype:
        return NotImplemented
    return (g if _wants(ctx, 0) else None,
            _matmul_np(g, m2.T) if _wants(ctx, 1) else None,
            _mat2_grad_array(m1, g, m2) if _wants(ctx, 2) else None)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None, _inplace=False):
    """``beta * input + alpha * (mat @ vec)``.

    >>> ember.addmv(ember.ones(2), ember.ones(2, 3), ember.ones(3)).tolist()
    [4.0, 4.0]
    """
    _check_args("addmv", (input, mat, vec), {"beta": beta, "alpha": alpha}, out, (_ADDMV_SIG,))
    _out_grad_check(out, "addmv", (input, mat, vec))
    A, x, s = mat._array, vec._array, input._array
    n = A.shape[0] if A.ndim == 2 else 0
    if _inplace:
        self_dim, self_len = s.ndim, (s.shape[0] if s.ndim else 1)
        if s.ndim == 1 and A.ndim == 2 and x.ndim == 1:
            _check_inplace_shape(input, (n,))
    elif s.ndim == 0 or (s.ndim == 1 and s.shape[0] == 1):
        self_dim, self_len = 1, n      # a scalar-like input broadcasts
    else:
        self_dim, self_len = s.ndim, (s.shape[0] if s.ndim else 1)
    _mv_checks(self_dim, mat, vec, input._dtype, self_len)
    dt = mat._dtype
    beta_v = _coef(beta, dt, "beta", half_cpp=True)
    alpha_v = _coef(alpha, dt, "alpha", half_cpp=True)
    if out is not None:
        _check_out(out, "addmv", (input, mat, vec), dt)
    inp = input if _inplace else _expand(input, (n,))
    arr = _combine(inp._array, _product_raw(_matmul_np, dt, A, x), beta_v, alpha_v, dt)
    saved = {"beta": beta_v, "alpha": alpha_v, "self_sizes": s.shape}
    return _finish_fused("addmv", arr, dt, out, (input, mat, vec), _AddmvNode, saved,
                         input if _inplace else None)


_ADDMV_SIG = ("Tensor input, Tensor mat, Tensor vec, *, Number beta = 1, Number alpha = 1, "
              "Tensor out = None")


def _addmv_backward(ctx, grad):
    _, mat, vec = ctx.inputs
    alpha = _coef_conj(ctx.saved["alpha"])
    gi = _add_input_grad(ctx, grad) if _wants(ctx, 0) else None
    gm = _scale(grad.unsqueeze(1) * _conj(vec).unsqueeze(0), alpha) if _wants(ctx, 1) else None
    gv = _scale(_mH(mat).mv(grad), alpha) if _wants(ctx, 2) else None
    return gi, gm, gv


_AddmvNode = node_class("AddmvBackward0")
_AddmvNode.backward_fn = staticmethod(_addmv_backward)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None, _inplace=False):
    """``beta * input + alpha * outer(vec1, vec2)`` (promoting like elementwise ops).

    >>> ember.addr(ember.zeros(2, 2), ember.ones(2), ember.ones(2)).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    _check_args("addr", (input, vec1, vec2), {"beta": beta, "alpha": alpha}, out, (_ADDR_SIG,))
    _out_grad_check(out, "addr", (input, vec1, vec2))
    v1, v2 = vec1._array, vec2._array
    if v1.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {v1.ndim}-D")
    if v2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec2, but got {v2.ndim}-D")
    shape = (v1.shape[0], v2.shape[0])
    if _inplace:
        s = input._array
        if s.ndim != 2:
            raise RuntimeError(f"2D tensor expected, got {s.ndim}D tensor for input")
        if s.shape != shape:
            raise RuntimeError(f"size mismatch, input: {shape_str(s.shape)}, v1: "
                               f"{shape_str(v1.shape)}, v2: {shape_str(v2.shape)}")
        inp = input
    else:
        inp = _expand(input, shape)
    dt = D.promote_types(D.promote_types(input._dtype, vec1._dtype), vec2._dtype)
    if _inplace and dt is not input._dtype and not D.can_cast(dt, input._dtype):
        raise RuntimeError(f"result type {dt.scalar_name} can't be cast to the desired output "
                           f"type {input._dtype.scalar_name}")
    if out is not None and isinstance(out, Tensor) and not D.can_cast(dt, out._dtype):
        raise RuntimeError(f"result type {dt.scalar_name} can't be cast to the desired output "
                           f"type {out._dtype.scalar_name}")
    beta_v = _coef(beta, dt, "beta", strict=True, half_cpp=True)
    alpha_v = _coef(alpha, dt, "alpha", strict=True, half_cpp=True)
    if dt in _NO_KERNEL and dt is not D.bool_:
        raise missing_kernel("addr_cpu", dt)
    work = np.dtype(np.float32) if dt in _UPCAST else dt.np
    prod = np.multiply.outer(v1.astype(work, copy=False), v2.astype(work, copy=False))
    arr = _combine(inp._array.astype(work, copy=False), prod, beta_v, alpha_v, dt)
    saved = {"beta": beta_v, "alpha": alpha_v, "self_sizes": input._array.shape,
             "dtypes": (input._dtype, vec1._dtype, vec2._dtype)}
    if out is not None:
        return write_out(out, arr, "addr")
    return _finish_fused("addr", arr, dt, None, (input, vec1, vec2), _AddrNode, saved,
                         input if _inplace else None)


_ADDR_SIG = ("Tensor input, Tensor vec1, Tensor vec2, *, Number beta = 1, Number alpha = 1, "
             "Tensor out = None")


def _cast_to(g, dt):
    if g is None:
        return None
    if g._dtype.is_complex and not dt.is_complex:
        g = g.real
    return g if g._dtype is dt else g.to(dt)


def _addr_backward(ctx, grad):
    _, v1, v2 = ctx.inputs
    dts = ctx.saved["dtypes"]
    alpha = _coef_conj(ctx.saved["alpha"])
    gd = grad._dtype
    gi = _cast_to(_add_input_grad(ctx, grad), dts[0]) if _wants(ctx, 0) else None
    g1 = _cast_to(_scale(grad.mv(_conj(v2).to(gd)), alpha), dts[1]) if _wants(ctx, 1) else None
    g2 = _cast_to(_scale(grad.mT.mv(_conj(v1).to(gd)), alpha), dts[2]) if _wants(ctx, 2) \
        else None
    return gi, g1, g2


_AddrNode = node_class("AddrBackward0")
_AddrNode.backward_fn = staticmethod(_addr_backward)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None, _inplace=False):
    """``beta * input + alpha * bmm(batch1, batch2)``.

    >>> ember.baddbmm(ember.zeros(1), ember.ones(2, 2, 3), ember.ones(2, 3, 2)).shape
    ember.Size([2, 2, 2])
    """
    if _amp.ACTIVE[0]:
        if not _inplace:
            input, batch1, batch2 = _amp.lower(input, batch1, batch2)
    _check_args("baddbmm", (input, batch1, batch2), {"beta": beta, "alpha": alpha}, out,
                _BADDBMM_SIGS)
    _out_grad_check(out, "baddbmm", (input, batch1, batch2))
    shape = (batch1.size(0), batch1.size(1), batch2.size(2))
    if _inplace:
        _check_inplace_shape(input, shape)
        inp = input
    else:
        inp = _expand(input, shape)
    a, b = batch1._array, batch2._array
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    dt = batch1._dtype
    if input._dtype is not dt:
        raise RuntimeError(f"Input dtypes must be the same, got: input {input._dtype.cpp_name}, "
                           f"batch1: {dt.cpp_name}, batch2: {batch2._dtype.cpp_name}")
    if dt in _NO_KERNEL:
        raise missing_kernel("baddbmm", dt)
    beta_v = _coef(beta, dt, "beta")
    alpha_v = _coef(alpha, dt, "alpha")
    if batch2._dtype is not dt:
        raise RuntimeError(f"expected scalar type {dt.scalar_name} but found "
                           f"{batch2._dtype.scalar_name}")
    if out is not None:
        _check_out(out, "baddbmm", (input, batch1, batch2), dt)
    arr = _combine(inp._array, _product_raw(_matmul_np, dt, a, b), beta_v, alpha_v, dt)
    saved = {"beta": beta_v, "alpha": alpha_v, "self_sizes": input._array.shape}
    return _finish_fused("baddbmm", arr, dt, out, (input, batch1, batch2), _BaddbmmNode, saved,
                         input if _inplace else None)


_BADDBMM_SIGS = (
    "Tensor input, Tensor batch1, Tensor batch2, *, Number beta = 1, Number alpha = 1, "
    "Tensor out = None",
    "Tensor input, Tensor batch1, Tensor batch2, torch.dtype out_dtype, *, Number beta = 1, "
    "Number alpha = 1, Tensor out = None")


def _baddbmm_backward(ctx, grad):
    _, b1, b2 = ctx.inputs
    alpha = _coef_conj(ctx.saved["alpha"])
    gi = _add_input_grad(ctx, grad) if _wants(ctx, 0) else None
    g1 = _scale(grad.bmm(_mH(b2)), alpha) if _wants(ctx, 1) else None
    g2 = _scale(_mH(b1).bmm(grad), alpha) if _wants(ctx, 2) else None
    return gi, g1, g2


_BaddbmmNode = node_class("BaddbmmBackward0")
_BaddbmmNode.backward_fn = staticmethod(_baddbmm_backward)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None, _inplace=False):
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``.

    >>> ember.addbmm(ember.zeros(2, 2), ember.ones(3, 2, 4), ember.ones(3, 4, 2)).tolist()
    [[12.0, 12.0], [12.0, 12.0]]
    """
    if _amp.ACTIVE[0]:
        if not _inplace:
            input, batch1, batch2 = _amp.lower(input, batch1, batch2)
    _check_args("addbmm", (input, batch1, batch2), {"beta": beta, "alpha": alpha}, out,
                (_ADDBMM_SIG,))
    _out_grad_check(out, "addbmm", (input, batch1, batch2))
    shape = (batch1.size(1), batch2.size(2))
    inp = _expand(input, shape)
    if _inplace and tuple(input._array.shape) != shape:
        _check_inplace_shape(input, shape)
    a, b = batch1._array, batch2._array
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{a.shape[0]} and {b.shape[0]}")
    if a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({a.shape[1]}x{a.shape[2]} and "
                           f"{b.shape[1]}x{b.shape[2]})")
    _self_and_mat2(input, batch1, batch2)
    dt = batch1._dtype
    if dt in _NO_KERNEL:
        raise missing_kernel("addmm_impl_cpu_", dt)
    beta_v = _coef(beta, dt, "beta")
    alpha_v = _coef(alpha, dt, "alpha")
    if out is not None:
        _check_out(out, "addbmm", (input, batch1, batch2), dt)
    B, n, k = a.shape
    p = b.shape[2]
    # sum_b A_b @ B_b is one GEMM of A laid out (n, B*k) with B laid out (B*k, p)
    a2 = np.ascontiguousarray(a.transpose(1, 0, 2)).reshape(n, B * k)
    prod = _product_raw(_matmul_np, dt, a2, np.ascontiguousarray(b).reshape(B * k, p))
    arr = _combine(inp._array, prod, beta_v, alpha_v, dt)
    saved = {"beta": beta_v, "alpha": alpha_v, "self_sizes": input._array.shape, "batch": B}
    return _finish_fused("addbmm", arr, dt, out, (input, batch1, batch2), _AddbmmNode, saved,
                         input if _inplace else None)


_ADDBMM_SIG = ("Tensor input, Tensor batch1, Tensor batch2, *, Number beta = 1, "
               "Number alpha = 1, Tensor out = None")


def _addbmm_backward(ctx, grad):
    _, b1, b2 = ctx.inputs
    alpha = _coef_conj(ctx.saved["alpha"])
    B = ctx.saved["batch"]
    gi = _add_input_grad(ctx, grad) if _wants(ctx, 0) else None
    ge = grad.unsqueeze(0).expand((B,) + tuple(grad._array.shape))
    g1 = _scale(ge.bmm(_mH(b2)), alpha) if _wants(ctx, 1) else None
    g2 = _scale(_mH(b1).bmm(ge), alpha) if _wants(ctx, 2) else None
    return gi, g1, g2


_AddbmmNode = node_class("AddbmmBackward0")
_AddbmmNode.backward_fn = staticmethod(_addbmm_backward)


def _inplace_method(fn):
    def method(self, a, b, *, beta=1, alpha=1):
        return fn(self, a, b, beta=beta, alpha=alpha, _inplace=True)
    method.__name__ = fn.__name__ + "_"
    return method


def _public(fn):
    """The public signature (no private ``_inplace`` keyword)."""
    def wrapper(input, a, b, *, beta=1, alpha=1, out=None):
        return fn(input, a, b, beta=beta, alpha=alpha, out=out)
    wrapper.__name__ = wrapper.__qualname__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


# ---------------------------------------------------------------------------- outer, inner
def outer(input, vec2, *, out=None, _name="outer"):
    """Outer product of two vectors (promoting like ``*``).

    >>> ember.outer(ember.tensor([1, 2]), ember.tensor([1, 10])).tolist()
    [[1, 10], [2, 20]]
    """
    _tensor_arg(input, _name, "input", 1)
    _tensor_arg(vec2, _name, "vec2", 2)
    if input._array.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input._array.ndim}-D")
    if vec2._array.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2._array.ndim}-D")
    res = input.reshape(input._array.shape[0], 1) * vec2
    if out is not None:
        return write_out(out, res._array, _name)
    return res


def ger(input, vec2, *, out=None):
    """Alias of ``outer``."""
    return outer(input, vec2, out=out, _name="ger")


def _tensordot_dims(a, b, dims):
    na, nb = a._array.ndim, b._array.ndim
    if isinstance(dims, Tensor):
        if dims._array.ndim == 0:
            dims = int(dims.item())
        else:
            lst = dims.tolist()
            dims = (lst[0], lst[1])
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        dims = int(dims)
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(-dims, 0)), list(range(dims))
    if isinstance(dims, (list, tuple)) and len(dims) == 2:
        da, db = dims
        if isinstance(da, (int, np.integer)):
            raise TypeError(f"tensordot(): argument 'dims_self' (position 3) must be tuple of "
                            f"ints, not {type(da).__name__}")
        if isinstance(db, (int, np.integer)):
            raise TypeError(f"tensordot(): argument 'dims_other' (position 4) must be tuple of "
                            f"ints, not {type(db).__name__}")
        return list(da), list(db)
    raise RuntimeError(f"tensordot expects dims to be int or Tuple[List[int], List[int]] or "
                       f"List[List[int]] containing two lists, but got dims={dims}")


def tensordot(a, b, dims=2, out=None):
    """Contract ``a`` and ``b`` over the given dims (or the last/first ``dims`` dims).

    >>> ember.tensordot(ember.ones(2, 3, 4), ember.ones(3, 4, 5)).shape
    ember.Size([2, 5])
    """
    _tensor_arg(a, "tensordot", "input", 1)
    _tensor_arg(b, "tensordot", "other", 2)
    given_a, given_b = _tensordot_dims(a, b, dims)
    if len(given_a) != len(given_b):
        raise RuntimeError("both dimension lists should have same length")
    if a._dtype is not b._dtype:
        raise RuntimeError("both inputs should have same dtype")
    na, nb = a._array.ndim, b._array.ndim
    da = [wrap_dim(d, na) for d in given_a]
    db = [wrap_dim(d, nb) for d in given_b]
    sa, sb = a._array.shape, b._array.shape
    for x, y, gx, gy in zip(da, db, given_a, given_b):
        if sa[x] != sb[y]:
            # a size-1 contracted dim broadcasts: the other side is summed over it
            if sa[x] == 1:
                b = b.sum(y, keepdim=True)
            elif sb[y] == 1:
                a = a.sum(x, keepdim=True)
            else:
                raise RuntimeError(f"contracted dimensions need to match, but first has size "
                                   f"{sa[x]} in dim {gx} and second has size {sb[y]} in dim {gy}")
    sa, sb = a._array.shape, b._array.shape
    free_a = [i for i in range(na) if i not in da]
    free_b = [i for i in range(nb) if i not in db]
    csize = _prod(sa[x] for x in da)
    fa = _prod(sa[i] for i in free_a)
    fb = _prod(sb[i] for i in free_b)
    pa = a.permute(free_a + da)
    pb = b.permute(db + free_b)
    if not free_a and not free_b:
        res = dot(pa.reshape(csize), pb.reshape(csize)).view(())
    else:
        res = mm(pa.reshape(fa, csize), pb.reshape(csize, fb)).view(
            tuple(sa[i] for i in free_a) + tuple(sb[i] for i in free_b))
    if out is not None:
        return write_out(out, res._array, "tensordot")
    return res


def inner(input, other, *, out=None):
    """Sum-product over the last dims (a product when either is 0-d).

    >>> ember.inner(ember.ones(2, 3), ember.ones(4, 3)).shape
    ember.Size([2, 4])
    """
    _tensor_arg(input, "inner", "input", 1)
    _tensor_arg(other, "inner", "other", 2)
    a, b = input._array, other._array
    if a.ndim == 0 or b.ndim == 0:
        res = input * other
    else:
        if a.shape[-1] != b.shape[-1]:
            raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                               f"got shapes {shape_str(a.shape)} and {shape_str(b.shape)}")
        res = tensordot(input, other, ([-1], [-1]))
    if out is not None:
        return write_out(out, res._array, "inner")
    return res


# ---------------------------------------------------------------------------- einsum
_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _parse_einsum(equation, operands):
    """Labels of every operand and of the output, with PyTorch's errors. Letters are ints in
    [0, 52) (uppercase first, PyTorch's implicit output order); ellipsis dims are negative ints
    counted from the right (-1 is the last dim the ellipsis covers)."""
    eq = equation.replace(" ", "")
    arrow = eq.find("->")
    lhs, rhs = (eq, None) if arrow < 0 else (eq[:arrow], eq[arrow + 2:])
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    labels = []
    ell_dims = 0
    counts = {}
    pos = 0
    for k, (term, op) in enumerate(zip(terms, operands)):
        nd = op._array.ndim
        lab = []
        i = 0
        seen_ell = False
        while i < len(term):
            c = term[i]
            if c == ".":
                if seen_ell or term[i:i + 3] != "...":
                    raise RuntimeError(f"einsum(): found '.' for operand {k} that is not part of "
                                       "any ellipsis")
                seen_ell = True
                lab.append(None)
                i += 3
                continue
            if c not in _LETTERS:
                raise RuntimeError(f"einsum(): invalid subscript given at index {pos + i} in the "
                                   "equation string, subscripts must be in [a-zA-Z]")
            lab.append(_LETTERS.index(c))
            i += 1
        pos += len(term) + 1
        n_named = len(lab) - (1 if seen_ell else 0)
        if seen_ell:
            if n_named > nd:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({n_named}) is more than the number of dimensions ({nd}) "
                                   f"for operand {k}")
            ne = nd - n_named
            ell_dims = max(ell_dims, ne)
            j = lab.index(None)
            lab = lab[:j] + [-(ne - q) for q in range(ne)] + lab[j + 1:]
        elif n_named != nd:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n_named}) "
                               f"does not match the number of dimensions ({nd}) for operand {k} "
                               "and no ellipsis was given")
        for x in lab:
            if x >= 0:
                counts[x] = counts.get(x, 0) + 1
        labels.append(lab)
    ell = [-(ell_dims - q) for q in range(ell_dims)]
    if rhs is None:
        return labels, ell + [x for x in sorted(counts) if counts[x] == 1]
    out = []
    i = 0
    seen_ell = False
    while i < len(rhs):
        c = rhs[i]
        if c == ".":
            if seen_ell or rhs[i:i + 3] != "...":
                raise RuntimeError("einsum(): found '.' for output that is not part of any "
                                   "ellipsis (...)")
            seen_ell = True
            out.extend(ell)
            i += 3
            continue
        if c not in _LETTERS:
            raise RuntimeError(f"einsum(): invalid subscript given at index {len(lhs) + 2 + i} "
                               "in the equation string, subscripts must be in [a-zA-Z]")
        x = _LETTERS.index(c)
        if x in out:
            raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the "
                               "output")
        if x not in counts:
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation "
                               "for any input operand")
        out.append(x)
        i += 1
    return labels, out


def _label_sizes(operands, labels):
    """Size of every label after broadcasting (size-1 dims broadcast, as in PyTorch)."""
    sizes = {}
    for k, (op, lab) in enumerate(zip(operands, labels)):
        shape = op._array.shape
        mine = {}
        where = {}   # the operand's own dim of each label (PyTorch's errors name it)
        for d, x in enumerate(lab):
            s = shape[d]
            if x >= 0 and x in mine and mine[x] != s:
                raise RuntimeError(f"einsum(): subscript {_LETTERS[x]} is repeated for operand "
                                   f"{k} but the sizes don't match, {s} != {mine[x]}")
            mine[x] = s
            where.setdefault(x, d)
        for x, s in mine.items():
            cur = sizes.get(x)
            if cur is None or cur == 1:
                sizes[x] = s
            elif s != 1 and s != cur:
                if x < 0:
                    raise RuntimeError(f"einsum(): dimension {where[x]} covered by ellipsis in "
                                       f"operand {k}has size {s} which does not broadcast with "
                                       f"previously seen ellipsis with size {cur} for the "
                                       "respective dimension")
                raise RuntimeError(f"einsum(): subscript {_LETTERS[x]} has size {s} for operand "
                                   f"{k} which does not broadcast with previously seen size {cur}")
    return sizes


def einsum(*args):
    """Einstein summation: ``einsum('ij,jk->ik', a, b)`` (also the sublist form).

    >>> ember.einsum('ij,jk->ik', ember.ones(2, 3), ember.ones(3, 4)).shape
    ember.Size([2, 4])
    """
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                        "or at least one operand and its subscripts list")
    equation = args[0]
    if not isinstance(equation, str):
        equation, operands = _sublist_to_equation(args)
    else:
        operands = args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type_name(op)}")
    labels, out = _parse_einsum(equation, operands)
    dt = operands[0]._dtype
    for op in operands[1:]:
        if op._dtype is not dt:
            raise RuntimeError(f"expected scalar type {dt.scalar_name} but found "
                               f"{op._dtype.scalar_name}")
    sizes = _label_sizes(operands, labels)
    if len(operands) == 1:
        return _einsum_single(operands[0], labels[0], out)
    # operands whose labels all survive into the output are only broadcast and multiplied
    contracted = any(x not in out for lab in labels for x in lab)
    if not contracted:
        return _einsum_mul(operands, labels, out, sizes)
    if dt in _NO_KERNEL:
        raise missing_kernel("bmm", dt)
    # relabel size-1 dims that broadcast (so that every label has one size)
    fresh = 100
    ops, labs = [], []
    for op, lab in zip(operands, labels):
        newlab = []
        for d, x in enumerate(lab):
            if op._array.shape[d] == 1 and sizes[x] != 1:
                newlab.append(fresh)
                fresh += 1
            else:
                newlab.append(x)
        ops.append(op)
        labs.append(newlab)
    return _einsum_core(tuple(ops), labs, list(out), _EinsumViewNode,
                        memory=_einsum_memory_order(labs, list(out)))


def _einsum_memory_order(labels, out):
    """The order in memory of the output dims PyTorch's pairwise bmm contraction leaves: batch
    dims (in both operands) first, then each operand's own dims. With two operands the group
    whose first dim comes first in the output goes first; longer chains keep left before right."""
    cur = set(labels[0])
    mem = list(out)
    for t in range(1, len(labels)):
        right = set(labels[t])
        later = set(out)
        for lab in labels[t + 1:]:
            later.update(lab)
        kept = (cur | right) & later
        order = list(out) + sorted(kept - set(out))
        lro = [x for x in order if x in kept and x in cur and x in right]
        lo = [x for x in order if x in kept and x in cur and x not in right]
        ro = [x for x in order if x in kept and x in right and x not in cur]
        if len(labels) == 2 and lo and ro and order.index(ro[0]) < order.index(lo[0]):
            lo, ro = ro, lo
        mem = lro + lo + ro
        cur = kept
    return mem


def _sublist_to_equation(args):
    ops = []
    terms = []
    i = 0
    out = None
    while i < len(args):
        if i + 1 < len(args):
            ops.append(args[i])
            terms.append(args[i + 1])
            i += 2
        else:
            out = args[i]
            i += 1

    def text(sub):
        s = ""
        for x in sub:
            if x is Ellipsis:
                s += "..."
            else:
                if not (0 <= x < 52):
                    raise RuntimeError("einsum(): subscript in subscript list is not within the "
                                       "valid range [0, 52)")
                s += _LETTERS[x]
        return s
    eq = ",".join(text(t) for t in terms)
    if out is not None:
        eq += "->" + text(out)
    return eq, tuple(ops)


def _einsum_single(op, lab, out):
    """One operand: diagonals, sums and a permutation, as views and reductions."""
    t = op
    lab = list(lab)
    # repeated labels take diagonals (the diagonal dim goes last, like Tensor.diagonal)
    while True:
        dup = next((x for i, x in enumerate(lab) if x in lab[:i]), None)
        if dup is None:
            break
        i = lab.index(dup)
        j = lab.index(dup, i + 1)
        t = t.diagonal(0, i, j)
        lab = [x for q, x in enumerate(lab) if q not in (i, j)] + [dup]
    summed = [i for i, x in enumerate(lab) if x not in out]
    perm = [lab.index(x) for x in out] + summed
    t = t.permute(perm)
    if summed:
        n = len(out)
        t = t.sum(list(range(n, n + len(summed))))
    return t


def _einsum_mul(operands, labels, out, sizes):
    """No label is contracted: align every operand to the output's dims and multiply."""
    res = None
    for op, lab in zip(operands, labels):
        t = op
        lab = list(lab)
        while True:
            dup = next((x for i, x in enumerate(lab) if x in lab[:i]), None)
            if dup is None:
                break
            i = lab.index(dup)
            j = lab.index(dup, i + 1)
            t = t.diagonal(0, i, j)
            lab = [x for q, x in enumerate(lab) if q not in (i, j)] + [dup]
        present = [x for x in out if x in lab]
        if present:
            t = t.permute([lab.index(x) for x in present])
        for d, x in enumerate(out):
            if x not in lab:
                t = t.unsqueeze(d)
        res = t if res is None else res * t
    return res


def _np_einsum(arrays, labels, out, dt):
    """np.einsum in sublist form. NumPy takes labels in [0, 52): ember's label ints (ellipsis
    dims < 0, fresh labels >= 100) are renumbered per call."""
    ids = {}

    def num(x):
        v = ids.get(x)
        if v is None:
            v = ids[x] = len(ids)
            if v >= 52:
                raise RuntimeError("einsum(): too many subscripts")
        return v
    work = [a.astype(np.float32) for a in arrays] if dt in _UPCAST else list(arrays)
    args = []
    for a, lab in zip(work, labels):
        args.append(a)
        args.append([num(x) for x in lab])
    args.append([num(x) for x in out])
    optimize = len(arrays) > 2 or any(a.size > 64 for a in arrays)
    r = np.asarray(np.einsum(*args, optimize="greedy" if optimize else False))
    if r.dtype != dt.np:
        r = r.astype(dt.np)
    return _contig(r)


def _einsum_core(operands, labels, out, node_cls, memory=None):
    """einsum over operands whose every label has one size; records a node whose derivative is
    again an einsum (so higher derivatives work). ``memory`` orders the result's dims in memory
    (the result is a permuted view of it, as PyTorch's is)."""
    dt = operands[0]._dtype
    if memory is not None and memory != out:
        arr = _np_einsum([op._array for op in operands], labels, memory, dt)
        arr = arr.transpose([memory.index(x) for x in out])
    else:
        arr = _np_einsum([op._array for op in operands], labels, out, dt)
    res = make_tensor(arr, dt)
    if dt.category >= 2 and needs_grad(*operands):
        sizes = {}
        for op, lab in zip(operands, labels):
            for d, x in enumerate(lab):
                sizes[x] = op._array.shape[d]
        record(node_cls, tuple(operands), res, {"labels": labels, "out": out, "sizes": sizes})
    return res


def _einsum_backward(ctx, grad):
    ops = ctx.inputs
    labels, out, sizes = ctx.saved["labels"], ctx.saved["out"], ctx.saved["sizes"]
    grads = []
    for k, op in enumerate(ops):
        if not _wants(ctx, k):
            grads.append(None)
            continue
        lab = labels[k]
        others = [(o, labels[j]) for j, o in enumerate(ops) if j != k]
        # labels of operand k that appear elsewhere (output or other operands)
        elsewhere = set(out)
        for _, lj in others:
            elsewhere.update(lj)
        uniq = []
        for x in lab:
            if x not in uniq:
                uniq.append(x)
        target = [x for x in uniq if x in elsewhere]
        g_ops = [grad] + [_conj(o) for o, _ in others]
        g_labs = [list(out)] + [list(lj) for _, lj in others]
        g = _einsum_core(tuple(g_ops), g_labs, target, _EinsumGradNode)
        # labels summed away in the forward come back as broadcast dims
        full = [x for x in uniq]
        for x in uniq:
            if x not in target:
                g = g.unsqueeze(-1)
                target = target + [x]
        g = g.permute([target.index(x) for x in full])
        shape = [sizes[x] for x in full]
        if tuple(g._array.shape) != tuple(shape):
            g = g.expand(shape)
        # repeated labels: put the gradient on the diagonal
        if len(full) != len(lab):
            eyes = []
            eye_labs = []
            cur = list(full)
            fresh = 1000 + 10 * k
            newlab = []
            for x in lab:
                if x in newlab:
                    y = fresh
                    fresh += 1
                    n = sizes[x]
                    eyes.append(make_tensor(np.eye(n, dtype=g._dtype.np), g._dtype))
                    eye_labs.append([x, y])
                    newlab.append(y)
                else:
                    newlab.append(x)
            g = _einsum_core(tuple([g] + eyes), [cur] + eye_labs, newlab, _EinsumGradNode)
        g = _real_grad(g, op)
        if g._dtype is not op._dtype:
            g = g.to(op._dtype)
        grads.append(g)
    return tuple(grads)


_EinsumViewNode = _private_node("ViewBackward0", _einsum_backward)
_EinsumGradNode = _private_node("EinsumBackward", _einsum_backward)


# ---------------------------------------------------------------------------- chains
def _chain_order(shapes):
    """The optimal parenthesisation of a matrix chain (dynamic programming): ``s[i][j]`` is the
    split of the product of matrices i..j."""
    n = len(shapes)
    p = [shapes[0][0]] + [s[1] for s in shapes]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if c < cost[i][j]:
                    cost[i][j] = c
                    split[i][j] = k
    return split


def _chain_product(mats, split, i, j):
    if i == j:
        return mats[i]
    k = split[i][j]
    return mm(_chain_product(mats, split, i, k), _chain_product(mats, split, k + 1, j))


def multi_dot(tensors, *, out=None, _name="multi_dot"):
    """Product of a chain of matrices in the cheapest order (first/last may be vectors).

    >>> ember.linalg.multi_dot([ember.ones(2, 3), ember.ones(3, 4), ember.ones(4)]).shape
    ember.Size([2])
    """
    ts = list(tensors)
    n = len(ts)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    for i, t in enumerate(ts):
        if not isinstance(t, Tensor):
            raise TypeError(f"linalg_multi_dot(): argument 'tensors' (position 1) must be tuple "
                            f"of Tensors, but found element of type {type_name(t)} at pos {i}")
    first, last = ts[0], ts[-1]
    nd0, ndl = first._array.ndim, last._array.ndim
    if nd0 not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {nd0}D")
    if ndl not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {ndl}D")
    for i in range(1, n - 1):
        if ts[i]._array.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got "
                               f"{ts[i]._array.ndim}D")
    dt = first._dtype
    for i in range(1, n):
        if ts[i]._dtype is not dt:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor "
                               f"0 is {dt.cpp_name} and tensor {i} {ts[i]._dtype.cpp_name}")
    mats = list(ts)
    if nd0 == 1:
        mats[0] = first.unsqueeze(0)
    if ndl == 1:
        mats[-1] = last.unsqueeze(-1)
    for i in range(n - 1):
        a, b = mats[i]._array.shape, mats[i + 1]._array.shape
        if a[1] != b[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{shape_str(ts[i]._array.shape)} and "
                               f"{shape_str(ts[i + 1]._array.shape)} cannot be multiplied")
    if n == 2:
        res = mm(mats[0], mats[1])
    else:
        split = _chain_order([m._array.shape for m in mats])
        res = _chain_product(mats, split, 0, n - 1)
    if nd0 == 1 and ndl == 1:
        res = res.view(())
    elif nd0 == 1:
        res = res.view(res._array.shape[1:])
    elif ndl == 1:
        res = res.view(res._array.shape[:1])
    else:
        res = res.view(res._array.shape)
    if out is not None:
        return write_out(out, res._array, _name)
    return res


def chain_matmul(*matrices, out=None):
    """Deprecated product of a chain of 2-D matrices (see ``linalg.multi_dot``)."""
    import warnings
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    for i, t in enumerate(matrices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type_name(t)}")
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for t in matrices:
        if t._array.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {t._array.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        res = matrices[0].clone()
        if out is not None:
            return write_out(out, res._array, "chain_matmul")
        return res
    return multi_dot(matrices, out=out, _name="chain_matmul")


# ---------------------------------------------------------------------------- binding
FUNCTIONS.update(
    matmul=matmul, mm=mm, bmm=bmm, mv=mv, dot=dot, vdot=vdot, inner=inner, outer=outer, ger=ger,
    addmm=_public(addmm), addmv=_public(addmv), addr=_public(addr), baddbmm=_public(baddbmm),
    addbmm=_public(addbmm), tensordot=tensordot, einsum=einsum, chain_matmul=chain_matmul)

Tensor.__matmul__ = _matmul_operator
Tensor.__rmatmul__ = _rmatmul_operator
Tensor.matmul = _matmul_method


Tensor.mm = lambda self, mat2: mm(self, mat2)
Tensor.bmm = lambda self, mat2: bmm(self, mat2)
Tensor.mv = lambda self, vec: mv(self, vec)
Tensor.dot = lambda self, tensor: dot(self, tensor)
Tensor.vdot = lambda self, other: vdot(self, other)
Tensor.inner = lambda self, other: inner(self, other)
Tensor.outer = lambda self, vec2: outer(self, vec2)
Tensor.ger = lambda self, vec2: ger(self, vec2)
for _fn in (addmm, addmv, addr, baddbmm, addbmm):
    _pub = FUNCTIONS[_fn.__name__]
    setattr(Tensor, _fn.__name__,
            (lambda f: lambda self, a, b, *, beta=1, alpha=1: f(self, a, b, beta=beta,
                                                                 alpha=alpha))(_pub))
    setattr(Tensor, _fn.__name__ + "_", _inplace_method(_fn))
del _fn, _pub
