"""View ops: results share storage and version counter with their input, with PyTorch's
strides (``view``, ``reshape``, ``as_strided``, ``transpose``, ``permute``, ``unsqueeze``,
``squeeze``, ``expand``, ``flatten``, ``narrow``, ``select``, ``unbind``, dtype views) and the
copies that keep layout (``contiguous``, ``clone``).
"""
import operator

import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, tensor_method, record, shape_str
from .._tensor import Tensor, make_tensor, wrap_dim, strides_of
from .._backend import as_strided as _as_strided, root_array, copy_with_strides
from .._memory_format import (contiguous_format, preserve_format, channels_last,
                              channels_last_3d, contiguous_strides, channels_last_strides,
                              is_contiguous as _is_contiguous, preserve_strides,
                              strides_for_format)
from ..autograd.graph import (node_class, view_stamp as _view_stamp, array_derivative,
                              saved_value)
from ..autograd.grad_mode import STATE as _GRAD
from .creation import (size_arg, int_arg, invalid_combination, _is_int_arg, _int_list,
                       arg_type_name)


def make_view(src, arr, node_name=None, saved=None, dtype=None):
    """A tensor viewing ``arr`` (memory of ``src``): shared version counter, ``_base`` set."""
    t = make_tensor(arr, dtype or src._dtype)
    vc = src._vc
    if vc is None:
        vc = src._vc = [0]
    t._vc = vc
    base = src._base
    t._base = base if base is not None else src
    if "_rebased_at" in t._base.__dict__:
        t._created_at = _view_stamp()
    if src._inference:
        t._inference = True
    elif _GRAD.inference:
        t._inference = False      # a view of a normal tensor stays normal
    if src._requires_grad:
        if not _GRAD.enabled:
            t._view_no_grad = True
        elif node_name is not None:
            record(node_class(node_name), (src,), t, saved)
    return t


def strided_array(arr, shape, strides):
    """``arr``'s memory viewed with PyTorch's ``strides`` (elements), as cheaply as possible."""
    try:
        v = np.reshape(arr, shape, copy=False)
    except ValueError:
        v = None
    if v is not None and strides_of(v) == tuple(strides):
        return v
    return _as_strided(arr, shape, strides)


# ---------------------------------------------------------------------------- argument parsing
def _size(args, fname, argname="size"):
    """A size given as ints or one sequence, parsed as PyTorch's argument parser does."""
    for a in args:
        if type(a) is not int:
            return size_arg(args, fname, argname)
    return args if args else size_arg(args, fname, argname)


def _int(x, fname, argname, pos):
    return x if type(x) is int else int_arg(x, fname, argname, pos)


def _invalid(fname, args, kwargs=None):
    return invalid_combination(fname, args, kwargs)


# ---------------------------------------------------------------------------- view / reshape
def infer_size(shape, numel):
    """Resolve one ``-1`` in ``shape`` against ``numel`` with PyTorch's errors."""
    neg = -1
    prod = 1
    for i, s in enumerate(shape):
        if s == -1:
            if neg >= 0:
                raise RuntimeError("only one dimension can be inferred")
            neg = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape "
                               f"{shape_str(shape)}")
        else:
            prod *= s
    if neg >= 0:
        if numel == 0 and prod == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape "
                               f"{shape_str(shape)} because the unspecified dimension size -1 can "
                               "be any value and is ambiguous")
        if prod == 0 or numel % prod:
            raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
        shape = tuple(shape[:neg]) + (numel // prod,) + tuple(shape[neg + 1:])
    elif prod != numel:
        raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def compute_view_strides(old_shape, old_strides, new_shape):
    """Strides for viewing (old_shape, old_strides) as new_shape, or None if impossible
    (PyTorch's computeStride)."""
    numel = 1
    for s in old_shape:
        numel *= s
    if numel == 0:
        if tuple(old_shape) == tuple(new_shape):
            return tuple(old_strides)
        return contiguous_strides(new_shape)
    if len(old_shape) == 0:
        return (1,) * len(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base = old_strides[-1]
    tensor_numel = 1
    view_numel = 1
    for td in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[td]
        if td == 0 or (old_shape[td - 1] != 1 and old_strides[td - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if td > 0:
                chunk_base = old_strides[td - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_strides)


def _exactly_contiguous(a):
    """Row-major with PyTorch's strides, size-1 dims included (NumPy's flag ignores those)."""
    if not a.flags.c_contiguous or not a.size:
        return False
    acc = a.itemsize
    for n, s in zip(a.shape[::-1], a.strides[::-1]):
        if s != acc:
            return False
        acc *= n
    return True


def _view_shape(self, shape):
    """The array for ``self.view(shape)`` or None when the strides do not allow a view."""
    a = self._array
    shape = infer_size(shape, a.size)
    if _exactly_contiguous(a):
        return a.reshape(shape)
    strides = compute_view_strides(a.shape, strides_of(a), shape)
    if strides is None:
        return None
    return strided_array(a, shape, strides)


_VIEW_ERROR = ("view size is not compatible with input tensor's size and stride (at least one "
               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


@tensor_method()
def view(self, *shape, dtype=None):
    """The same data with another shape (no copy), or reinterpreted as another dtype.

    >>> ember.arange(6).view(2, 3)
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    if dtype is None and shape and all(type(s) is int for s in shape):
        arr = _view_shape(self, shape)
        if arr is None:
            raise RuntimeError(_VIEW_ERROR)
        return make_view(self, arr, "ViewBackward0", {"self_sym_sizes": self._array.shape})
    if dtype is not None:
        if shape:
            raise _invalid("view", shape, {"dtype": dtype})
        return _view_dtype(self, dtype)
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return _view_dtype(self, shape[0])
    if not shape or (len(shape) == 1 and not isinstance(shape[0], (tuple, list)) and not
                     _is_int_like(shape[0])):
        raise _invalid("view", shape)
    if len(shape) > 1 and isinstance(shape[0], (tuple, list)):
        raise _invalid("view", shape)
    shape = _size(shape, "view")
    arr = _view_shape(self, shape)
    if arr is None:
        raise RuntimeError(_VIEW_ERROR)
    return make_view(self, arr, "ViewBackward0", {"self_sym_sizes": self._array.shape})


def _is_int_like(x):
    return type(x) is int or _is_int_arg(x)


def _view_dtype(self, dt):
    """``view(dtype)``: the same bytes as another dtype. Not a view for autograd (no _base, no
    grad), but the version counter is shared."""
    if not isinstance(dt, D.dtype):
        raise _invalid("view", (dt,))
    a = self._array
    old, new = self._dtype.itemsize, dt.itemsize
    names = f"{self._dtype.scalar_name} as {dt.scalar_name} (different element sizes)"
    st = list(strides_of(a))
    shape = list(a.shape)
    off = self.storage_offset()
    if dt.np is None:
        raise RuntimeError(f"ember cannot hold {dt} tensors (NumPy has no such type)")
    if old == new:
        arr = a.view(dt.np)
    else:
        if a.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 to view {names}")
        if old > new:
            r = old // new
            if st[-1] != 1:
                raise RuntimeError(f"self.stride(-1) must be 1 to view {names}, but got {st[-1]}")
            shape[-1] *= r
            st = [s * r for s in st[:-1]] + [1]
            off *= r
        else:
            r = new // old
            if shape[-1] % r:
                raise RuntimeError(f"self.size(-1) must be divisible by {r} to view {names}, but "
                                   f"got {shape[-1]}")
            if off % r:
                raise RuntimeError(f"self.storage_offset() must be divisible by {r} to view "
                                   f"{names}, but got {off}")
            if st[-1] != 1:
                raise RuntimeError(f"self.stride(-1) must be 1 to view {names}, but got {st[-1]}")
            for i, s in enumerate(st[:-1]):
                if s % r:
                    raise RuntimeError(f"self.stride({i}) must be divisible by {r} to view "
                                       f"{names}, but got {s}")
            shape[-1] //= r
            st = [s // r for s in st[:-1]] + [1]
            off //= r
        arr = storage_view(a, dt.np, shape, st, off)
    t = make_tensor(arr, dt)
    vc = self._vc
    if vc is None:
        vc = self._vc = [0]
    t._vc = vc
    return t


def storage_view(a, np_dtype, shape, strides, offset):
    """An array of ``np_dtype`` over the storage of ``a`` (element strides and offset in units
    of the new dtype)."""
    root = root_array(a)
    isz = np.dtype(np_dtype).itemsize
    if root.flags.c_contiguous:
        return np.ndarray(tuple(shape), np_dtype, buffer=root, offset=offset * isz,
                          strides=tuple(s * isz for s in strides))
    # a root that does not own a contiguous buffer (NumPy's stride tricks): view its first byte
    start = np.lib.stride_tricks.as_strided(root.view(np.uint8).reshape(-1)[:1] if root.size
                                            else root.view(np.uint8), (root.nbytes,), (1,))
    return np.lib.stride_tricks.as_strided(
        start[offset * isz:].view(np_dtype), tuple(shape), tuple(s * isz for s in strides),
        writeable=root.flags.writeable)


def _view_grad(ctx, grad):
    return grad.reshape(ctx.saved["self_sym_sizes"])


node_class("ViewBackward0").backward_fn = staticmethod(_view_grad)
node_class("UnsafeViewBackward0").backward_fn = staticmethod(_view_grad)
node_class("ReshapeAliasBackward0").backward_fn = staticmethod(_view_grad)
array_derivative("ViewBackward0", "UnsafeViewBackward0", "ReshapeAliasBackward0")(
    lambda ctx, g: (np.reshape(g, saved_value(ctx, "self_sym_sizes")),))


@tensor_method()
def view_as(self, other):
    """``self.view(other.size())``."""
    return self.view(other._array.shape)


@tensor_method()
def reshape(self, *shape):
    """A view when the layout allows, else a contiguous copy, with the new shape.

    >>> ember.arange(6).reshape(3, -1).shape
    ember.Size([3, 2])
    """
    if not shape:
        raise TypeError('reshape() missing 1 required positional arguments: "shape"')
    shape = _size(shape, "reshape", "shape")
    arr = _view_shape(self, shape)
    if arr is not None:
        # NOTE: PyTorch views a contiguous input (ViewBackward0) and aliases any other viewable
        # one with _reshape_alias (ReshapeAliasBackward0)
        a = self._array
        name = "ViewBackward0" if (a.flags.c_contiguous and 1 not in a.shape) or \
            _is_contiguous(a.shape, strides_of(a)) else "ReshapeAliasBackward0"
        return make_view(self, arr, name, {"self_sym_sizes": a.shape})
    shape = infer_size(shape, self._array.size)
    copy = clone(self, memory_format=contiguous_format)
    res = make_tensor(copy._array.reshape(shape), self._dtype)
    if copy._requires_grad:
        record(node_class("UnsafeViewBackward0"), (copy,), res,
               {"self_sym_sizes": self._array.shape})
    return res


def reshape_fn(input, shape):
    """Function form of Tensor.reshape.

    >>> ember.reshape(ember.arange(4), (2, 2)).shape
    ember.Size([2, 2])
    """
    return input.reshape(shape)


@tensor_method()
def reshape_as(self, other):
    """``self.reshape(other.size())``."""
    return self.reshape(other._array.shape)


# ---------------------------------------------------------------------------- as_strided
class _StridedGeometry:
    """Where an as_strided view's elements and its input's elements sit in their storage: the
    backward scatters (adds, for overlapping views) the view's gradient into storage positions
    and reads the input's positions back."""

    def __init__(self, input_shape, input_strides, input_offset, size, stride, offset):
        self.input_shape = input_shape
        self.in_pos = _positions(input_shape, input_strides, input_offset)
        self.view_pos = _positions(size, stride, offset)

    def scatter(self, g, dtype):
        from .._tensor import make_tensor as _mk
        from .. import int64
        n = int(max(self.in_pos.max(initial=-1), self.view_pos.max(initial=-1))) + 1
        buf = g.new_zeros(n)
        buf = buf.index_add(0, _mk(self.view_pos.reshape(-1), int64), g.reshape(-1))
        return buf[_mk(self.in_pos.reshape(-1), int64)].reshape(self.input_shape)


def _positions(shape, strides, offset):
    pos = np.full(tuple(shape), offset, np.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        sh = [1] * len(shape)
        sh[d] = n
        pos = pos + (np.arange(n, dtype=np.int64) * s).reshape(sh)
    return pos


@tensor_method()
def as_strided(self, size, stride, storage_offset=None):
    """A view with arbitrary sizes and element strides over this tensor's storage (offsets
    count from the storage's start, not the tensor's).

    >>> ember.arange(6.).as_strided((2, 2), (1, 2), 1)
    tensor([[1., 3.],
            [2., 4.]])
    """
    for v, name, pos in ((size, "size", 1), (stride, "stride", 2)):
        if not isinstance(v, (tuple, list)):
            raise TypeError(f"as_strided(): argument '{name}' (position {pos}) must be tuple of "
                            f"ints, not {arg_type_name(v)}")
    size = _int_list(size, "as_strided", "size")
    stride = _int_list(stride, "as_strided", "stride")
    off = self.storage_offset() if storage_offset is None else _int(
        storage_offset, "as_strided", "storage_offset", 3)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={shape_str(size)} "
                           f"and strides={shape_str(stride)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {shape_str(stride)}")
    if off < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {off}")
    a = self._array
    isz = self._dtype.itemsize
    root = root_array(a)
    nbytes = root.nbytes
    numel = 1
    for n in size:
        numel *= n
    need = (off + 1 + sum((n - 1) * s for n, s in zip(size, stride))) * isz if numel else 0
    if need > nbytes:
        raise RuntimeError(
            f"setStorage: sizes {shape_str(size)}, strides {shape_str(stride)}, storage offset "
            f"{off}, and itemsize {isz} requiring a storage size of {need} are out of bounds for "
            f"storage of size {nbytes}")
    if numel or off * isz <= nbytes:
        arr = storage_view(a, a.dtype, size, stride, off)
    else:
        arr = _empty_view(a, size, stride)   # NOTE: an empty view past the end of the storage
    saved = None
    if self._requires_grad and _GRAD.enabled:
        saved = {"geometry": _StridedGeometry(a.shape, strides_of(a), self.storage_offset(),
                                              size, stride, off)}
    return make_view(self, arr, "AsStridedBackward0", saved)


def _empty_view(a, size, stride):
    from .._backend import empty_strided
    return empty_strided(size, stride, a.dtype)


@tensor_method()
def contiguous(self, memory_format=contiguous_format):
    """Self if already contiguous in ``memory_format``, else a contiguous copy.

    >>> x = ember.zeros(2, 3); x.contiguous() is x, x.t().contiguous().stride()
    (True, (2, 1))
    """
    if self.is_contiguous(memory_format=memory_format):
        return self
    if memory_format is preserve_format:
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    return clone(self, memory_format=memory_format)


def clone(input, *, memory_format=preserve_format):
    """A copy with its own storage (layout preserved by default); grad flows back.

    >>> ember.tensor([1, 2]).clone()
    tensor([1, 2])
    """
    a = input._array
    if memory_format is preserve_format:
        if _exactly_contiguous(a):
            arr = a.copy()
        else:
            arr = copy_with_strides(a, preserve_strides(a.shape, strides_of(a)))
    else:
        arr = copy_with_strides(a, strides_for_format(a.shape, memory_format))
    t = make_tensor(arr, input._dtype)
    if input._requires_grad and _GRAD.enabled:
        record(node_class("CloneBackward0"), (input,), t)
    return t


node_class("CloneBackward0").backward_fn = staticmethod(lambda ctx, grad: grad)
FUNCTIONS["clone"] = clone
Tensor.clone = clone


# ---------------------------------------------------------------------------- transposes
def _permuted(self, perm, node_name, saved):
    arr = self._array.transpose(perm)
    return make_view(self, arr, node_name, saved)


def transpose(self, dim0, dim1):
    """Swap two dimensions (a view).

    >>> ember.zeros(2, 3).transpose(0, 1).shape
    ember.Size([3, 2])
    """
    n = self._array.ndim
    d0 = wrap_dim(_int(dim0, "transpose", "dim0", 1), n)
    d1 = wrap_dim(_int(dim1, "transpose", "dim1", 2), n)
    if n == 0:
        return make_view(self, self._array.view(), "TransposeBackward0", {"dim0": 0, "dim1": 0})
    perm = list(range(n))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return _permuted(self, perm, "TransposeBackward0", {"dim0": d0, "dim1": d1})


def _transpose_missing(self, dim0=None, dim1=None):
    if dim0 is None:
        raise TypeError('transpose() missing 2 required positional arguments: "dim0", "dim1"')
    raise TypeError('transpose() missing 1 required positional arguments: "dim1"')


node_class("TransposeBackward0").backward_fn = staticmethod(
    lambda ctx, grad: grad.transpose(ctx.saved["dim0"], ctx.saved["dim1"]))


def _swap(name):
    def swap(self, dim0=None, dim1=None):
        if dim0 is None or dim1 is None:
            _transpose_missing(self, dim0, dim1)
        return transpose(self, dim0, dim1)
    swap.__name__ = name
    swap.__doc__ = "Alias of ``transpose``."
    return swap


_transpose = transpose


@tensor_method("transpose")
def transpose_method(self, dim0=None, dim1=None):
    """Swap two dimensions (a view).

    >>> ember.zeros(2, 3).transpose(0, 1).shape
    ember.Size([3, 2])
    """
    if dim0 is None or dim1 is None:
        _transpose_missing(self, dim0, dim1)
    return _transpose(self, dim0, dim1)


Tensor.swapaxes = _swap("swapaxes")
Tensor.swapdims = _swap("swapdims")


@tensor_method()
def t(self):
    """Transpose a matrix (0-d and 1-d tensors are returned as views of themselves).

    >>> ember.zeros(2, 3).t().stride()
    (1, 3)
    """
    n = self._array.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    return _permuted(self, tuple(range(n))[::-1], "TBackward0", None)


node_class("TBackward0").backward_fn = staticmethod(lambda ctx, grad: grad.t())
node_class("AliasBackward0").backward_fn = staticmethod(lambda ctx, grad: grad)
array_derivative("TBackward0")(lambda ctx, g: (np.transpose(g),))
array_derivative("TransposeBackward0")(
    lambda ctx, g: (np.swapaxes(g, saved_value(ctx, "dim0"), saved_value(ctx, "dim1"))
                    if np.ndim(g) else g,))


@tensor_method()
def permute(self, *dims):
    """Reorder dimensions (a view).

    >>> ember.zeros(2, 3, 4).permute(2, 0, 1).shape
    ember.Size([4, 2, 3])
    """
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    if len(dims) == 1 and isinstance(dims[0], (list, tuple)) and not dims[0] and self._array.ndim == 0:
        return make_view(self, self._array.view(), "PermuteBackward0", {"dims": ()})
    dims = _size(dims, "permute", "dims")
    n = self._array.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {n} is not equal to len(dims) = {len(dims)}")
    wrapped = [wrap_dim(d, n) for d in dims]
    if len(set(wrapped)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _permuted(self, wrapped, "PermuteBackward0", {"dims": tuple(wrapped)})


def permute_fn(input, dims):
    """Function form of Tensor.permute.

    >>> ember.permute(ember.zeros(2, 3), (1, 0)).shape
    ember.Size([3, 2])
    """
    return permute(input, dims)


node_class("PermuteBackward0").backward_fn = staticmethod(
    lambda ctx, grad: grad.permute(tuple(np.argsort(ctx.saved["dims"]).tolist())))
array_derivative("PermuteBackward0")(
    lambda ctx, g: (np.transpose(g, np.argsort(saved_value(ctx, "dims")))
                    if saved_value(ctx, "dims") else g,))


@property
def _T(self):
    n = self._array.ndim
    if n != 2 and n != 0:
        import warnings
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or `x.permute(*torch."
                      "arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                      UserWarning, stacklevel=2)
    return self.permute(*range(n - 1, -1, -1)) if n else make_view(
        self, self._array.view(), "PermuteBackward0", {"dims": ()})


def _matrix_transpose(self, name):
    if self._array.ndim == 0:
        return make_view(self, self._array.view(), "AliasBackward0", None)
    if self._array.ndim < 2:
        raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. "
                           f"Got {self._array.ndim}-D tensor.")
    return self.transpose(-2, -1)


@property
def _mT(self):
    return _matrix_transpose(self, "mT")


@property
def _mH(self):
    r = _matrix_transpose(self, "mH")
    return r.conj() if self._dtype.is_complex else r


@property
def _H(self):
    n = self._array.ndim
    if n == 0:
        return make_view(self, self._array.view(), "AliasBackward0", None)
    if n != 2:
        extra = " For batches of matrices, consider using tensor.mH" if n > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {n}-D "
                           f"tensor.{extra}")
    r = self.transpose(0, 1)
    return r.conj() if self._dtype.is_complex else r


Tensor.T = _T
Tensor.mT = _mT
Tensor.mH = _mH
Tensor.H = _H


@tensor_method()
def adjoint(self):
    """The conjugate transpose of the last two dims (``mH``).

    >>> ember.zeros(2, 3).adjoint().shape
    ember.Size([3, 2])
    """
    if self._array.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {self._array.ndim}-D tensor.")
    r = self.transpose(-2, -1)
    return r.conj() if self._dtype.is_complex else r


# ---------------------------------------------------------------------------- (un)squeeze
@tensor_method()
def unsqueeze(self, dim):
    """Insert a size-1 dimension at ``dim`` (a view; its stride is size*stride of the dim it
    precedes, as in PyTorch).

    >>> ember.zeros(3).unsqueeze(0).shape
    ember.Size([1, 3])
    """
    a = self._array
    n = a.ndim
    d = wrap_dim(_int(dim, "unsqueeze", "dim", 1), n + 1)
    shape = a.shape[:d] + (1,) + a.shape[d:]
    st = strides_of(a)
    new_stride = st[d] * a.shape[d] if d < n else 1
    strides = st[:d] + (new_stride,) + st[d:]
    arr = a.reshape(shape) if _exactly_contiguous(a) else _as_strided(a, shape, strides)
    return make_view(self, arr, "UnsqueezeBackward0", {"dim": d})


node_class("UnsqueezeBackward0").backward_fn = staticmethod(
    lambda ctx, grad: grad.squeeze(ctx.saved["dim"]))
array_derivative("UnsqueezeBackward0")(
    lambda ctx, g: (np.squeeze(g, saved_value(ctx, "dim")),))


@tensor_method()
def squeeze(self, dim=None):
    """Remove size-1 dimensions (all, or those in ``dim``) as a view.

    >>> ember.zeros(1, 3, 1).squeeze().shape
    ember.Size([3])
    """
    a = self._array
    n = a.ndim
    if dim is None:
        dims = tuple(i for i, s in enumerate(a.shape) if s == 1)
        name = "SqueezeBackward0"
    else:
        if isinstance(dim, (tuple, list)):
            ds = _size((dim,), "squeeze", "dim") if dim else ()
            name = "SqueezeBackward2"
        elif _is_int_like(dim):
            ds = (operator.index(dim),)
            name = "SqueezeBackward1"
        else:
            raise _invalid("squeeze", (dim,))
        seen = set()
        for x in ds:
            w = wrap_dim(x, n)
            if w in seen:
                raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
            seen.add(w)
        dims = tuple(sorted(d for d in seen if n and a.shape[d] == 1))
    arr = a.squeeze(dims) if dims else a.view()
    return make_view(self, arr, name, {"self_sym_sizes": a.shape})


for _n in ("SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2"):
    node_class(_n).backward_fn = staticmethod(_view_grad)
array_derivative("SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2")(
    lambda ctx, g: (np.reshape(g, saved_value(ctx, "self_sym_sizes")),))


@tensor_method()
def flatten(self, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim``..``end_dim`` into one (a view when possible, self when
    there is nothing to merge).

    >>> ember.zeros(2, 3, 4).flatten(1).shape
    ember.Size([2, 12])
    """
    a = self._array
    n = a.ndim
    s = wrap_dim(_int(start_dim, "flatten", "start_dim", 1), n)
    e = wrap_dim(_int(end_dim, "flatten", "end_dim", 2), n)
    if n == 0:
        return self.reshape(1)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return self
    m = 1
    for x in a.shape[s:e + 1]:
        m *= x
    return self.reshape(a.shape[:s] + (m,) + a.shape[e + 1:])


@tensor_method()
def unflatten(self, dim, sizes):
    """Split dimension ``dim`` into ``sizes`` (a view).

    >>> ember.zeros(2, 6).unflatten(1, (2, 3)).shape
    ember.Size([2, 2, 3])
    """
    a = self._array
    d = wrap_dim(_int(dim, "unflatten", "dim", 1), a.ndim)
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(f"unflatten(): argument 'sizes' (position 2) must be tuple of ints, not "
                        f"{arg_type_name(sizes)}")
    sizes = _int_list(sizes, "unflatten", "sizes")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if a.ndim == 0:
        raise RuntimeError("unflatten got an unexpected error:\nDimension specified as 0 but "
                           "tensor has no dimensions")
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten got an unexpected error:\nonly one dimension can be "
                           "inferred")
    n = a.shape[d]
    if -1 in sizes:
        inferred = infer_size(sizes, n)
    else:
        prod = 1
        for s in sizes:
            prod *= s
        if prod != n:
            raise RuntimeError(f"unflatten: Provided sizes {shape_str(sizes)} don't multiply up "
                               f"to the size of dim {d} ({n}) in the input tensor")
        inferred = sizes
    return self.view(a.shape[:d] + tuple(inferred) + a.shape[d + 1:])


@tensor_method()
def ravel(self):
    """A 1-d view of all elements when contiguous, else a contiguous copy (PyTorch's
    ``contiguous().view(-1)``, which copies even where ``reshape`` could view).

    >>> ember.zeros(2, 3).ravel().shape
    ember.Size([6])
    """
    return self.contiguous().view(-1)


# ---------------------------------------------------------------------------- expand
@tensor_method()
def expand(self, *sizes):
    """Broadcast size-1 dims to larger sizes without copying (stride 0), PyTorch's
    inferExpandGeometry.

    >>> ember.tensor([[1], [2]]).expand(2, 3)
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    sizes = _size(sizes, "expand")
    a = self._array
    n = a.ndim
    nd = len(sizes)
    if nd < n:
        raise RuntimeError(f"expand(ember.{self._dtype.tensor_type_name or 'Tensor'}"
                           f"{{{shape_str(a.shape)}}}, size={shape_str(sizes)}): the number of "
                           f"sizes provided ({nd}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({n})")
    st = strides_of(a)
    shape = [0] * nd
    strides = [0] * nd
    for i in range(nd - 1, -1, -1):
        k = i - (nd - n)
        if k >= 0:
            size, stride = a.shape[k], st[k]
        else:
            size, stride = 1, (shape[i + 1] * strides[i + 1] if i + 1 < nd else 0)
        target = sizes[i]
        if target == -1 and (k >= 0 or n):
            if k < 0:
                raise RuntimeError(f"The expanded size of the tensor ({target}) isn't allowed in "
                                   f"a leading, non-existing dimension {i}")
            target = size
        if size != target:
            if size != 1:
                raise RuntimeError(f"The expanded size of the tensor ({target}) must match the "
                                   f"existing size ({size}) at non-singleton dimension {i}.  "
                                   f"Target sizes: {shape_str(sizes)}.  Tensor sizes: "
                                   f"{shape_str(a.shape)}")
            size, stride = target, 0
        shape[i], strides[i] = size, stride
    if any(s < 0 for s in shape):
        raise RuntimeError("numel: integer multiplication overflow")
    shape = tuple(shape)
    if shape == a.shape and tuple(strides) == st:
        arr = a.view()
    else:
        arr = _as_strided(a, shape, strides)
    return make_view(self, arr, "ExpandBackward0", {"self_sym_sizes": a.shape})


def _expand_grad(ctx, grad):
    from ..autograd.engine import sum_to
    return sum_to(grad, ctx.saved["self_sym_sizes"])


node_class("ExpandBackward0").backward_fn = staticmethod(_expand_grad)
# (the engine sums an array gradient down to the input's shape, as sum_to does)
array_derivative("ExpandBackward0")(lambda ctx, g: (g,))


@tensor_method()
def expand_as(self, other):
    """``self.expand(other.size())``."""
    return self.expand(other._array.shape)


def broadcast_to(input, size):
    """``input.expand(size)``.

    >>> ember.broadcast_to(ember.tensor([1, 2]), (2, 2)).shape
    ember.Size([2, 2])
    """
    return input.expand(size)


Tensor.broadcast_to = broadcast_to


# ---------------------------------------------------------------------------- narrow, select
@tensor_method()
def narrow(self, dim, start, length):
    """Elements ``start``..``start+length`` along ``dim`` (a view).

    >>> ember.arange(5).narrow(0, 1, 2)
    tensor([1, 2])
    """
    a = self._array
    if isinstance(start, Tensor):
        if start._array.ndim or start._dtype.category != 1:
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        start = int(start.item())
    if not (_is_int_like(dim) and _is_int_like(start) and _is_int_like(length)):
        raise _invalid("narrow", (dim, start, length))
    dim, start, length = operator.index(dim), operator.index(start), operator.index(length)
    if a.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = wrap_dim(dim, a.ndim)
    size = a.shape[d]
    if start < -size or start > size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but "
                         f"got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return slice_dim(self, d, start, start + length, 1)


def slice_dim(self, d, start, stop, step):
    """``self[..., start:stop:step, ...]`` on dimension ``d`` (a view)."""
    a = self._array
    key = (slice(None),) * d + (slice(start, stop, step),)
    arr = a[key]
    if not arr.size and a.ndim:
        # NOTE: NumPy leaves an empty slice at the array's start; PyTorch's storage offset
        # moves to the slice's start
        st = list(strides_of(a))
        off = self.storage_offset() + min(start, a.shape[d]) * st[d]
        st[d] *= step
        if off * a.itemsize <= root_array(a).nbytes:
            arr = storage_view(a, a.dtype, arr.shape, st, off)
    return make_view(self, arr, "SliceBackward0",
                     {"dim": d, "start": start, "end": stop, "step": step,
                      "self_sym_sizes": a.shape})


def _slice_grad(ctx, grad):
    s = ctx.saved
    z = grad.new_zeros(s["self_sym_sizes"])
    key = (slice(None),) * s["dim"] + (slice(s["start"], s["end"], s["step"]),)
    z._array[key] = grad._array if not grad._requires_grad else 0
    if grad._requires_grad:
        return _index_put_grad(z, key, grad)
    return z


def _index_put_grad(z, key, grad):
    # differentiable path for double backward: scatter grad into zeros via setitem
    z = z.clone()
    z[key] = grad
    return z


node_class("SliceBackward0").backward_fn = staticmethod(_slice_grad)


@tensor_method()
def select(self, dim, index):
    """The slice at ``index`` along ``dim``, with that dimension removed (a view).

    >>> ember.arange(6).view(2, 3).select(1, 2)
    tensor([2, 5])
    """
    a = self._array
    if isinstance(index, Tensor) and index._array.ndim == 0 and index._dtype.category == 1:
        index = int(index.item())
    index = _int(index, "select", "index", 2)
    if not _is_int_like(dim):
        raise _invalid("select", (dim, index))
    if a.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, a.ndim)
    size = a.shape[d]
    if index < -size or index >= size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{shape_str(a.shape)} at dimension {d}")
    if index < 0:
        index += size
    key = (slice(None),) * d + (index,)
    arr = a[key + (Ellipsis,)]
    return make_view(self, arr, "SelectBackward0",
                     {"dim": d, "index": index, "self_sym_sizes": a.shape})


def _select_grad(ctx, grad):
    s = ctx.saved
    z = grad.new_zeros(s["self_sym_sizes"])
    key = (slice(None),) * s["dim"] + (s["index"],)
    if grad._requires_grad:
        return _index_put_grad(z, key, grad)
    z._array[key] = grad._array
    return z


node_class("SelectBackward0").backward_fn = staticmethod(_select_grad)


@tensor_method()
def unbind(self, dim=0):
    """All slices along ``dim`` as a tuple of views (one UnbindBackward0 node for all)."""
    a = self._array
    d = wrap_dim(_int(dim, "unbind", "dim", 1), a.ndim)
    if a.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    key = (slice(None),) * d
    outs = tuple(make_view(self, a[key + (i, Ellipsis)], None) for i in range(a.shape[d]))
    if _GRAD.enabled:
        for i, o in enumerate(outs):
            o._multi_view = ("Unbind", i)
    if self._requires_grad and _GRAD.enabled and outs:
        record(node_class("UnbindBackward0"), (self,), outs, {"dim": d})
    return outs


def _unbind_grad(ctx, grads):
    from .shape import stack
    if isinstance(grads, Tensor):       # (a node with one output gets its gradient bare)
        grads = (grads,)
    return stack(list(grads), ctx.saved["dim"])


node_class("UnbindBackward0").backward_fn = staticmethod(_unbind_grad)
node_class("UnbindBackward0").saves_inputs = False


FUNCTIONS.update(
    reshape=reshape_fn, transpose=transpose, swapaxes=transpose, swapdims=transpose, t=t,
    permute=permute_fn, adjoint=adjoint, unsqueeze=unsqueeze, squeeze=squeeze, flatten=flatten, unflatten=unflatten,
    ravel=ravel, broadcast_to=broadcast_to, narrow=narrow, select=select, unbind=unbind,
    as_strided=as_strided, view_as_real=None)
del FUNCTIONS["view_as_real"]


# ---------------------------------------------------------------------------- meshgrid
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-d tensors; each output is an expanded view of its input.

    >>> [g.shape for g in ember.meshgrid(ember.arange(2), ember.arange(3), indexing="ij")]
    [ember.Size([2, 3]), ember.Size([2, 3])]
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        import warnings
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"meshgrid(): argument 'tensors' (position 1) must be tuple of "
                            f"Tensors, not {type(t).__name__}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for a, b in zip(tensors, tensors[1:]):
        if a._dtype is not b._dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if indexing not in ("xy", "ij"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f'received: {indexing}')
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    for t in ts:
        if t._array.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t!r}")
    shape = tuple(t._array.size for t in ts)
    grids = []
    for i, t in enumerate(ts):
        view_shape = [1] * len(ts)
        view_shape[i] = -1
        grids.append(t.view(view_shape).expand(shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


FUNCTIONS["meshgrid"] = meshgrid
