"""View ops: results share storage and version counter with their input, with PyTorch's
strides (``view``, ``reshape``, ``as_strided``, ``transpose``, ``permute``, ``unsqueeze``,
``squeeze``, ``expand``, ``flatten``, ``narrow``, ``select``, ``unbind``, dtype views) and the
copies that keep layout (``contiguous``, ``clone``).
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, tensor_method, record, shape_str
from .._tensor import Tensor, make_tensor, wrap_dim, strides_of
from .._backend import as_strided as _as_strided
from .._memory_format import (contiguous_format, preserve_format, channels_last,
                              channels_last_3d, contiguous_strides, channels_last_strides,
                              is_contiguous as _is_contiguous)
from ..autograd.graph import node_class, view_stamp as _view_stamp
from ..autograd.grad_mode import STATE as _GRAD


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
            raise RuntimeError(f"invalid shape dimension {s}")
        else:
            prod *= s
    if neg >= 0:
        if prod == 0 or numel % prod:
            if prod == 0:
                raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
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


def _shape_args(shape, fname):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    out = []
    for i, s in enumerate(shape):
        if isinstance(s, bool) or not hasattr(s, "__index__"):
            raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, but "
                            f"found element of type {type(s).__name__} at pos {i}")
        out.append(s.__index__())
    return tuple(out)


def _view_shape(self, shape):
    a = self._array
    shape = infer_size(shape, a.size)
    if shape == a.shape:
        return a
    if a.flags.c_contiguous:
        return a.reshape(shape)
    strides = compute_view_strides(a.shape, strides_of(a), shape)
    if strides is None:
        return None
    return strided_array(a, shape, strides)


@tensor_method()
def view(self, *shape, dtype=None):
    """The same data with another shape (no copy), or reinterpreted as another dtype.

    >>> ember.arange(6).view(2, 3)
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    if (len(shape) == 1 and isinstance(shape[0], D.dtype)) or dtype is not None:
        return _view_dtype(self, dtype if dtype is not None else shape[0])
    shape = _shape_args(shape, "view")
    arr = _view_shape(self, shape)
    if arr is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    return make_view(self, arr, "ViewBackward0", {"self_sym_sizes": self._array.shape})


def _view_dtype(self, dt):
    a = self._array
    old, new = self._dtype.itemsize, dt.itemsize
    if old != new:
        if a.ndim == 0:
            raise RuntimeError("self.dim() cannot be 0 to view "
                               f"{self._dtype.scalar_name} as {dt.scalar_name} (different element sizes)")
        if a.strides[-1] != old and a.shape[-1] != 1:
            raise RuntimeError("self.stride(-1) must be 1 to view "
                               f"{self._dtype.scalar_name} as {dt.scalar_name} (different element sizes)")
        if old < new and (a.shape[-1] * old) % new:
            raise RuntimeError(f"self.size(-1) must be divisible by {new // old} to view "
                               f"{self._dtype.scalar_name} as {dt.scalar_name} (different element sizes), "
                               f"but got {a.shape[-1]}")
    arr = a.view(dt.np)
    return make_view(self, arr, None, dtype=dt)


def _view_grad(ctx, grad):
    return grad.reshape(ctx.saved["self_sym_sizes"])


node_class("ViewBackward0").backward_fn = staticmethod(_view_grad)
node_class("UnsafeViewBackward0").backward_fn = staticmethod(_view_grad)


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
    shape = _shape_args(shape, "reshape")
    arr = _view_shape(self, shape)
    if arr is not None:
        return make_view(self, arr, "ViewBackward0", {"self_sym_sizes": self._array.shape})
    shape = infer_size(shape, self._array.size)
    copy = clone(self, memory_format=contiguous_format)
    res = make_tensor(copy._array.reshape(shape), self._dtype)
    if copy._requires_grad:
        record(node_class("UnsafeViewBackward0"), (copy,), res,
               {"self_sym_sizes": self._array.shape})
    return res


def reshape_fn(input, shape):
    """Function form of Tensor.reshape."""
    return input.reshape(shape)


@tensor_method()
def reshape_as(self, other):
    return self.reshape(other._array.shape)


@tensor_method()
def as_strided(self, size, stride, storage_offset=None):
    """A view with arbitrary sizes and element strides over this tensor's storage."""
    from .._backend import root_array, data_ptr
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    root = root_array(self._array)
    flat = root.reshape(-1) if root.flags.c_contiguous else root
    off = self.storage_offset() if storage_offset is None else storage_offset
    span = off + (sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0)
    if span > flat.size:
        raise RuntimeError(
            f"setStorage: sizes {shape_str(size)}, strides {shape_str(stride)}, storage offset "
            f"{off}, and itemsize {self._dtype.itemsize} requiring a storage size of "
            f"{span * self._dtype.itemsize} are out of bounds for storage of size "
            f"{flat.size * self._dtype.itemsize}")
    arr = _as_strided(flat[off:] if off else flat, size, stride)
    return make_view(self, arr, "AsStridedBackward0",
                     {"size": size, "stride": stride, "storage_offset": off})


@tensor_method()
def contiguous(self, memory_format=contiguous_format):
    """Self if already contiguous in ``memory_format``, else a contiguous copy."""
    if self.is_contiguous(memory_format=memory_format):
        return self
    return clone(self, memory_format=memory_format)


def clone(input, *, memory_format=preserve_format):
    """A copy with its own storage (layout preserved by default); grad flows back.

    >>> ember.tensor([1, 2]).clone()
    tensor([1, 2])
    """
    a = input._array
    if memory_format is preserve_format:
        from .._memory_format import is_non_overlapping_and_dense
        if is_non_overlapping_and_dense(a.shape, strides_of(a)):
            arr = np.empty_like(a, order="K")
            np.copyto(arr, a)
        else:
            arr = np.ascontiguousarray(a).copy() if a.base is None and a.flags.c_contiguous else np.array(a, order="C", copy=True)
    elif memory_format is channels_last or memory_format is channels_last_3d:
        order = (0, 2, 3, 1) if a.ndim == 4 else (0, 2, 3, 4, 1)
        inv = np.argsort(order)
        arr = np.ascontiguousarray(a.transpose(order)).transpose(inv)
    else:
        arr = np.array(a, order="C", copy=True)
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


@tensor_method()
def transpose(self, dim0, dim1):
    """Swap two dimensions (a view).

    >>> ember.zeros(2, 3).transpose(0, 1).shape
    ember.Size([3, 2])
    """
    n = self._array.ndim
    d0, d1 = wrap_dim(dim0, n), wrap_dim(dim1, n)
    perm = list(range(n))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return _permuted(self, perm, "TransposeBackward0", {"dim0": d0, "dim1": d1})


node_class("TransposeBackward0").backward_fn = staticmethod(
    lambda ctx, grad: grad.transpose(ctx.saved["dim0"], ctx.saved["dim1"]))
Tensor.swapaxes = Tensor.swapdims = Tensor.transpose


@tensor_method()
def t(self):
    """Transpose a matrix (0-d and 1-d tensors are returned as views of themselves)."""
    n = self._array.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    return _permuted(self, tuple(range(n))[::-1], "TBackward0", None)


node_class("TBackward0").backward_fn = staticmethod(lambda ctx, grad: grad.t())


@tensor_method()
def permute(self, *dims):
    """Reorder dimensions (a view).

    >>> ember.zeros(2, 3, 4).permute(2, 0, 1).shape
    ember.Size([4, 2, 3])
    """
    dims = _shape_args(dims, "permute")
    n = self._array.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {n} is not equal to len(dims) = {len(dims)}")
    wrapped = [wrap_dim(d, n) for d in dims]
    if len(set(wrapped)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _permuted(self, wrapped, "PermuteBackward0", {"dims": tuple(wrapped)})


node_class("PermuteBackward0").backward_fn = staticmethod(
    lambda ctx, grad: grad.permute(*np.argsort(ctx.saved["dims"]).tolist()))


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
    return self.permute(*range(n - 1, -1, -1))


@property
def _mT(self):
    if self._array.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{self._array.ndim}-D tensor.")
    return self.transpose(-2, -1)


Tensor.T = _T
Tensor.mT = _mT
Tensor.H = property(lambda self: self.T.conj() if self._dtype.is_complex else self.T)
Tensor.mH = property(lambda self: self.mT.conj() if self._dtype.is_complex else self.mT)


# ---------------------------------------------------------------------------- (un)squeeze
@tensor_method()
def unsqueeze(self, dim):
    """Insert a size-1 dimension at ``dim`` (a view).

    >>> ember.zeros(3).unsqueeze(0).shape
    ember.Size([1, 3])
    """
    a = self._array
    n = a.ndim
    d = wrap_dim(dim, n + 1)
    shape = a.shape[:d] + (1,) + a.shape[d:]
    st = strides_of(a)
    new_stride = st[d] * a.shape[d] if d < n else 1
    strides = st[:d] + (new_stride,) + st[d:]
    return make_view(self, strided_array(a, shape, strides), "UnsqueezeBackward0", {"dim": d})


node_class("UnsqueezeBackward0").backward_fn = staticmethod(
    lambda ctx, grad: grad.squeeze(ctx.saved["dim"]))


@tensor_method()
def squeeze(self, dim=None):
    """Remove size-1 dimensions (all, or those in ``dim``) as a view."""
    a = self._array
    n = a.ndim
    if dim is None:
        dims = tuple(i for i, s in enumerate(a.shape) if s == 1)
        name = "SqueezeBackward0"
    else:
        ds = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = tuple(sorted({wrap_dim(x, n) for x in ds if a.shape[wrap_dim(x, n)] == 1})) if n else ()
        if n == 0:
            for x in ds:
                wrap_dim(x, 0)
        name = "SqueezeBackward1" if not isinstance(dim, (tuple, list)) else "SqueezeBackward2"
    arr = a.squeeze(dims) if dims else a.view()
    return make_view(self, arr, name, {"self_sym_sizes": a.shape})


for _n in ("SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2"):
    node_class(_n).backward_fn = staticmethod(_view_grad)


@tensor_method()
def flatten(self, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim``..``end_dim`` into one (a view when possible)."""
    a = self._array
    n = a.ndim
    if n == 0:
        return self.reshape(1)
    s, e = wrap_dim(start_dim, n), wrap_dim(end_dim, n)
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
    """Split dimension ``dim`` into ``sizes``."""
    a = self._array
    d = wrap_dim(dim, a.ndim)
    sizes = tuple(sizes)
    inferred = infer_size(sizes, a.shape[d]) if -1 in sizes else sizes
    return self.view(a.shape[:d] + tuple(inferred) + a.shape[d + 1:])


@tensor_method()
def ravel(self):
    """A 1-d view (or contiguous copy) of all elements."""
    return self.reshape(-1)


# ---------------------------------------------------------------------------- expand
@tensor_method()
def expand(self, *sizes):
    """Broadcast size-1 dims to larger sizes without copying (stride 0).

    >>> ember.tensor([[1], [2]]).expand(2, 3)
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    sizes = _shape_args(sizes, "expand")
    a = self._array
    n = a.ndim
    if len(sizes) < n:
        raise RuntimeError(f"expand(torch.{self._dtype.tensor_type_name or 'Tensor'}{{{shape_str(a.shape)}}}, "
                           f"size={shape_str(sizes)}): the number of sizes provided ({len(sizes)}) "
                           f"must be greater or equal to the number of dimensions in the tensor ({n})")
    lead = len(sizes) - n
    shape = []
    strides = []
    st = strides_of(a)
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            shape.append(s)
            strides.append(0)
            continue
        cur = a.shape[i - lead]
        if s == -1:
            s = cur
        if cur != s:
            if cur != 1:
                raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                                   f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                                   f"{shape_str(sizes)}.  Tensor sizes: {shape_str(a.shape)}")
            strides.append(0)
        else:
            strides.append(st[i - lead])
        shape.append(s)
    # NOTE: a new leading dim of size 1 gets size*stride of the dim after it (PyTorch's
    # inferExpandGeometry; visible in .stride())
    for i in range(lead - 1, -1, -1) if n else ():
        if shape[i] == 1:
            strides[i] = shape[i + 1] * strides[i + 1]
    shape = tuple(shape)
    if shape == a.shape:
        arr = a.view()
    else:
        arr = _as_strided(a, shape, strides)
    return make_view(self, arr, "ExpandBackward0", {"self_sym_sizes": a.shape})


def _expand_grad(ctx, grad):
    from ..autograd.engine import _sum_to
    return _sum_to(grad, ctx.saved["self_sym_sizes"])


node_class("ExpandBackward0").backward_fn = staticmethod(_expand_grad)


@tensor_method()
def expand_as(self, other):
    return self.expand(other._array.shape)


def broadcast_to(input, size):
    """``input.expand(size)``."""
    return input.expand(tuple(size))


# ---------------------------------------------------------------------------- narrow, select
@tensor_method()
def narrow(self, dim, start, length):
    """Elements ``start``..``start+length`` along ``dim`` (a view)."""
    a = self._array
    if a.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, a.ndim)
    if isinstance(start, Tensor):
        start = start.item()
    size = a.shape[d]
    if start < -size or start > size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but "
                         f"got {start})")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return slice_dim(self, d, start, start + length, 1)


def slice_dim(self, d, start, stop, step):
    """``self[..., start:stop:step, ...]`` on dimension ``d`` (a view)."""
    a = self._array
    key = (slice(None),) * d + (slice(start, stop, step),)
    return make_view(self, a[key], "SliceBackward0",
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
    """The slice at ``index`` along ``dim``, with that dimension removed (a view)."""
    a = self._array
    if a.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, a.ndim)
    if isinstance(index, Tensor):
        index = index.item()
    size = a.shape[d]
    if index < -size or index >= size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{shape_str(a.shape)} at dimension {d}")
    if index < 0:
        index += size
    key = (slice(None),) * d + (index,)
    arr = a[key]
    if type(arr) is not np.ndarray:
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
    if a.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, a.ndim)
    key = (slice(None),) * d
    outs = tuple(make_view(self, a[key + (i, Ellipsis)], None) for i in range(a.shape[d]))
    for i, o in enumerate(outs):
        o._multi_view = ("Unbind", i)
    if self._requires_grad and _GRAD.enabled and outs:
        record(node_class("UnbindBackward0"), (self,), outs, {"dim": d})
    return outs


def _unbind_grad(ctx, grads):
    from .shape import stack
    return stack(list(grads), ctx.saved["dim"])


node_class("UnbindBackward0").backward_fn = staticmethod(_unbind_grad)
node_class("UnbindBackward0").saves_inputs = False


FUNCTIONS.update(
    reshape=reshape_fn, transpose=transpose, swapaxes=transpose, swapdims=transpose, t=t,
    permute=permute, unsqueeze=unsqueeze, squeeze=squeeze, flatten=flatten, unflatten=unflatten,
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
