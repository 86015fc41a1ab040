"""Tensor: an ndarray view plus autograd metadata.

A Tensor's values live in ``_array``, a NumPy (or CuPy) array that is a strided view of its
storage's buffer, so ``stride()``, ``storage_offset()`` and ``data_ptr()`` are read off it.
Most methods are bound onto the class by the op registry (``_dispatch.py``) when the op
modules are imported; this file holds what is about the tensor itself.

>>> t = ember.tensor([[1., 2.], [3., 4.]])
>>> t.stride(), t.dtype
((2, 1), ember.float32)
"""
import operator

import numpy as np

from . import _dtype as D
from ._device import CPU, device as _device_cls, as_device
from ._size import make_size
from ._backend import data_ptr as _data_ptr, root_array, contiguous_strides as _contiguous_strides
from .autograd.grad_mode import STATE as _GRAD

_new = object.__new__


class Tensor:
    """A multi-dimensional array with PyTorch's semantics (views, dtypes, autograd)."""

    # NOTE: only the two attributes every tensor sets live in slots; everything else has a
    # class-level default and lands in the instance __dict__ when first written, which keeps
    # creating a tensor (the per-op hot path) to two attribute stores.
    __slots__ = ("_array", "_dtype", "__dict__", "__weakref__")

    _requires_grad = False
    _grad_fn = None
    _grad = None
    _base = None
    _vc = None              # shared version counter: a one-element list, made on demand
    _output_nr = 0
    _backward_hooks = None
    _post_acc_hooks = None
    _retains_grad = False
    _is_param = False
    _inference = False
    _view_no_grad = False     # a view made under no_grad of a tensor requiring grad
    _multi_view = None        # (op name, output index) for unbind/split/chunk outputs

    # ---------------------------------------------------------------- construction
    def __new__(cls, *args, **kwargs):
        from ._ops.creation import legacy_new
        return legacy_new(cls, None, args, kwargs)

    def __init__(self, *args, **kwargs):
        pass

    # ---------------------------------------------------------------- basic facts
    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return make_size(self._array.shape)

    def size(self, dim=None):
        """The shape as an ember.Size, or the length of one dimension."""
        if dim is None:
            return make_size(self._array.shape)
        return self._array.shape[_dim_of(self._array, dim, "size")]

    @property
    def device(self):
        a = self._array
        if type(a) is np.ndarray or isinstance(a, np.generic):
            return CPU
        from .cuda import _array_device
        return _array_device(self._array)

    @property
    def is_cuda(self):
        return type(self._array) is not np.ndarray

    @property
    def is_cpu(self):
        return type(self._array) is np.ndarray

    @property
    def is_meta(self):
        return False

    @property
    def is_sparse(self):
        return False

    @property
    def is_quantized(self):
        return False

    @property
    def layout(self):
        from . import strided
        return strided

    @property
    def ndim(self):
        return self._array.ndim

    def dim(self):
        """Number of dimensions."""
        return self._array.ndim

    ndimension = dim

    def numel(self):
        """Number of elements."""
        return self._array.size

    nelement = numel

    def element_size(self):
        """Bytes per element."""
        return self._dtype.itemsize

    @property
    def itemsize(self):
        return self._dtype.itemsize

    @property
    def nbytes(self):
        return self._array.size * self._dtype.itemsize

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_complex(self):
        return self._dtype.is_complex

    def is_signed(self):
        return self._dtype.is_signed

    def _wrap_dim(self, dim, ndim=None):
        if ndim is None:
            ndim = self._array.ndim
        return wrap_dim(dim, ndim)

    # ---------------------------------------------------------------- memory layout
    def stride(self, dim=None):
        """Element strides, as PyTorch reports them."""
        st = strides_of(self._array)
        if dim is None:
            return st
        return st[_dim_of(self._array, dim, "stride")]

    def storage_offset(self):
        """Offset of the first element from the start of the storage, in elements."""
        a = self._array
        root = root_array(a)
        if a is root:
            return 0
        return (_data_ptr(a) - _data_ptr(root)) // a.itemsize

    def data_ptr(self):
        """Address of the first element (0 for a tensor without elements, as in PyTorch)."""
        a = self._array
        return _data_ptr(a) if a.size else 0

    def is_contiguous(self, memory_format=None):
        """True if the elements are laid out in row-major order (or the given memory format)."""
        from ._memory_format import is_contiguous
        return is_contiguous(self._array.shape, strides_of(self._array), memory_format)

    def is_non_overlapping_and_dense(self):
        from ._memory_format import is_non_overlapping_and_dense
        return is_non_overlapping_and_dense(self._array.shape, strides_of(self._array))

    def untyped_storage(self):
        """The UntypedStorage this tensor views."""
        from ._storage import UntypedStorage
        return UntypedStorage._of_array(self._array)

    def storage(self):
        """The TypedStorage this tensor views (legacy API)."""
        from ._storage import TypedStorage
        return TypedStorage._of_tensor(self)

    def _typed_storage(self):
        return self.storage()

    def is_set_to(self, tensor):
        """True if both tensors view the same storage with the same offset, sizes and strides."""
        a, b = self._array, tensor._array
        return (root_array(a) is root_array(b) and a.shape == b.shape
                and self.storage_offset() == tensor.storage_offset()
                and strides_of(a) == strides_of(b))

    def is_shared(self):
        """True once this tensor's storage was moved to shared memory (``share_memory_``)."""
        from ._storage import is_shared_root
        return is_shared_root(root_array(self._array))

    def share_memory_(self):
        """Mark the storage as shared between processes (CPU memory given to worker processes
        is shared when they are made); every tensor viewing it then reports ``is_shared()``."""
        from ._storage import share_root
        share_root(root_array(self._array))
        return self

    def is_pinned(self):
        return False

    def pin_memory(self):
        return self

    # ---------------------------------------------------------------- versions, views
    @property
    def _version(self):
        vc = self._vc
        return vc[0] if vc is not None else 0

    def _bump_version(self):
        vc = self._vc
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1

    def _is_view(self):
        return self._base is not None

    # ---------------------------------------------------------------- autograd facts
    @property
    def requires_grad(self):
        if self._base is not None and "_rebased_at" in self._base.__dict__:
            _graph.refresh_view(self)
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        _leaf.set_requires_grad(self, value, attribute=True)

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place (leaves only) and return self."""
        _leaf.set_requires_grad(self, requires_grad, attribute=False)
        return self

    @property
    def grad_fn(self):
        if self._base is not None and "_rebased_at" in self._base.__dict__:
            _graph.refresh_view(self)
        return self._grad_fn

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def grad(self):
        return _leaf.get_grad(self)

    @grad.setter
    def grad(self, value):
        if value is None:
            self._grad = None
        else:
            _leaf.set_grad(self, value)

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        return self._retains_grad

    @property
    def output_nr(self):
        return self._output_nr

    def is_inference(self):
        return self._inference

    @property
    def data(self):
        t = _new(Tensor)
        t._array = self._array
        t._dtype = self._dtype
        return t

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        if self._requires_grad and not (value._dtype.is_floating_point or value._dtype.is_complex):
            raise RuntimeError("data set to a tensor that requires gradients must be floating "
                               "point or complex dtype")
        self._array = value._array
        self._dtype = value._dtype

    def detach(self):
        """A tensor sharing storage and version counter, cut from the graph."""
        t = _new(Tensor)
        t._array = self._array
        t._dtype = self._dtype
        if self._vc is None:
            self._vc = [0]
        t._vc = self._vc
        return t

    def detach_(self):
        """Cut this tensor from the graph in place."""
        if self._base is not None and self._grad_fn is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
                "as True, gradients are views of DDP buckets, and hence detach_() cannot be called "
                "on these gradients. To fix this error, please refer to the Optimizer.zero_grad() "
                "function in torch/optim/optimizer.py as the solution.")
        self._grad_fn = None
        self._requires_grad = False
        return self

    # ---------------------------------------------------------------- Python protocols
    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec):
        from ._tensor_str import tensor_format
        return tensor_format(self, spec)

    def __len__(self):
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __iter__(self):
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __bool__(self):
        a = self._array
        if a.size != 1:
            if a.size == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(_as_int64(_py_scalar(a.reshape(()).item(), self._dtype)))

    def __contains__(self, element):
        if isinstance(element, (Tensor, bool, int, float, complex, np.number, np.bool_)):
            return bool((self == element).any().item())
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed "
                           f"in a {type(element)}.")

    def __float__(self):
        v = self._scalar_value()
        if type(v) is complex:
            if v.imag:
                raise RuntimeError("value cannot be converted to type double without overflow")
            v = v.real
        return float(v)

    def __int__(self):
        v = self._scalar_value()
        if type(v) is complex:
            if v.imag:
                raise RuntimeError("value cannot be converted to type int64_t without overflow")
            v = v.real
        return int(_as_int64(v))

    def __complex__(self):
        return complex(self._scalar_value())

    def __index__(self):
        if self._dtype.category > 1 or self._array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return _as_int64(_py_scalar(self._array.reshape(()).item(), self._dtype))

    def _scalar_value(self):
        # the Python-number protocols (float(t), int(t), ...) word their error differently
        # from item()
        a = self._array
        if a.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return _py_scalar(a.reshape(()).item(), self._dtype)

    def item(self):
        """The value of a one-element tensor as a Python number.

        >>> ember.tensor([[2.5]]).item()
        2.5
        """
        a = self._array
        if a.size != 1:
            raise RuntimeError(f"a Tensor with {a.size} elements cannot be converted to Scalar")
        return _py_scalar(a.reshape(()).item(), self._dtype)

    def tolist(self):
        """Nested Python lists of Python numbers (a number for a 0-d tensor).

        >>> ember.tensor([[1, 2]]).tolist()
        [[1, 2]]
        """
        a = self._cpu_array()
        if self._dtype.np.kind not in "biufc":  # bfloat16 / float8 convert through float32
            a = a.astype(np.float32)
        return a.tolist()

    # NumPy interop --------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        if copy:
            return a.copy()
        return a

    @property
    def __array_interface__(self):
        # NOTE: an ember extension (PyTorch tensors only speak __array__ and DLPack)
        return self.numpy().__array_interface__

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        # NumPy ufuncs on tensors give tensors, as PyTorch's: 0-d ones too (PyTorch ignores
        # return_scalar), and bool results as uint8 (PyTorch's wrap converts them)
        from ._ops.creation import from_numpy
        arr = np.asarray(arr)
        if arr.dtype == np.bool_:
            arr = arr.astype(np.uint8)
        if not arr.flags.c_contiguous:   # (np.ascontiguousarray would make a 0-d array 1-d)
            arr = np.ascontiguousarray(arr)
        return from_numpy(arr)

    def __dlpack__(self, *args, **kwargs):
        if self._requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        from ._backend.dlpack import export
        return export(self._array, *args, **kwargs)

    @property
    def __cuda_array_interface__(self):
        """CuPy's / Numba's zero-copy protocol (CUDA tensors only, as in PyTorch)."""
        a = self._array
        if type(a) is np.ndarray or isinstance(a, np.generic):
            from ._tensor_type import legacy_type_name
            raise AttributeError(f"Can't get __cuda_array_interface__ on non-CUDA tensor type: "
                                 f"{legacy_type_name(self)} If CUDA data is required use "
                                 "tensor.cuda() to copy tensor to device memory.")
        if self._requires_grad:
            raise RuntimeError("Can't get __cuda_array_interface__ on Variable that requires "
                               "grad. If gradients aren't required, use var.detach() to get "
                               "Variable that doesn't require grad.")
        return a.__cuda_array_interface__

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()

    def _cpu_array(self):
        a = self._array
        if type(a) is not np.ndarray:
            a = a.get()
        return a

    def numpy(self, *args, force=False):
        """A NumPy array sharing memory with this CPU tensor (``force=True``: also for tensors
        that require grad).

        >>> ember.tensor([1, 2]).numpy()
        array([1, 2])
        """
        if args:
            raise TypeError(f"numpy() takes 0 positional arguments but {len(args)} was given")
        if force:
            return self.detach().resolve_conj()._cpu_array()
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if type(self._array) is not np.ndarray:
            if isinstance(self._array, np.generic):   # a NumPy scalar left by some kernel
                return np.asarray(self._array)
            raise TypeError(f"can't convert {self.device.type}:{self.device.index} device type "
                            "tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.")
        if self._dtype in (D.bfloat16,) or self._dtype in D.FLOAT8_DTYPES:
            raise TypeError(f"Got unsupported ScalarType {self._dtype.scalar_name}")
        # a new array object each call, as PyTorch's (sharing the memory)
        return self._array.view()

    def resolve_conj(self):
        return self

    def resolve_neg(self):
        return self

    def is_conj(self):
        return False

    def is_neg(self):
        return False

    # ---------------------------------------------------------------- pickling, copying
    def __reduce_ex__(self, proto):
        # The storage is pickled with this tensor's offset, sizes and strides, as PyTorch's
        # _rebuild_tensor_v2 does.
        from ._ops.creation import _rebuild_tensor_v2
        a = self._cpu_array()
        root = root_array(a)
        if root.flags.c_contiguous:
            # NOTE: a fresh object per tensor: like PyTorch's plain pickling (not torch.save),
            # tensors unpickled together do not share their storage
            storage, offset, st = root.view(), self.storage_offset(), strides_of(a)
        else:
            storage, offset, st = np.ascontiguousarray(a), 0, _contiguous_strides(a.shape)
        attrs = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        cls = type(self)
        return (_rebuild_tensor_v2, (storage, self._dtype.name, a.shape, st, offset,
                                     self._requires_grad, attrs,
                                     None if cls is Tensor else cls))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.  If you were attempting to "
                               "deepcopy a module, this may be because of a torch.nn.utils.weight_norm "
                               "usage, see https://github.com/pytorch/pytorch/pull/103001")
        import copy as _copy
        from ._ops.views import storage_view
        a = self._array
        root = root_array(a)
        # the storage is copied once per deepcopy (views keep viewing the copy)
        key = ("ember-storage", id(root))
        new_root = memo.get(key)
        if new_root is None:
            new_root = root.copy() if type(root) is np.ndarray and root.flags.c_contiguous \
                else None
            if new_root is not None:
                memo[key] = new_root
                memo.setdefault("ember-keepalive", []).append(root)
        new = _new(type(self))
        if new_root is not None:
            new._array = storage_view(new_root, a.dtype, a.shape, strides_of(a),
                                      self.storage_offset())
        else:
            new._array = a.copy()
        new._dtype = self._dtype
        memo[id(self)] = new
        if self._requires_grad:
            new._requires_grad = True
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        for k, v in self.__dict__.items():
            if not k.startswith("_"):
                new.__dict__[k] = _copy.deepcopy(v, memo)
        return new


from .autograd import graph as _graph  # noqa: E402
from .autograd import _leaf  # noqa: E402
_graph.Tensor = Tensor


_I64_MAX = (1 << 63) - 1


def _as_int64(v):
    # int(t), bool(t) and index(t) of a uint64 tensor go through int64 in PyTorch
    if type(v) is int and v > _I64_MAX:
        raise RuntimeError("value cannot be converted to type int64_t without overflow")
    return v


def _dim_of(arr, dim, fname):
    """``dim`` for size(dim)/stride(dim): PyTorch's TypeError for non-ints, IndexError for 0-d."""
    if isinstance(dim, bool) or not hasattr(dim, "__index__") or isinstance(dim, float):
        raise TypeError(f"{fname}(): argument 'dim' (position 1) must be int, not "
                        f"{type(dim).__name__}")
    d = wrap_dim(dim, arr.ndim)
    if arr.ndim == 0:
        raise IndexError(f"Dimension specified as {operator.index(dim)} but tensor has no "
                         "dimensions")
    return d


def wrap_dim(dim, ndim):
    """Normalise a possibly negative dim, raising PyTorch's IndexError when out of range."""
    try:
        dim = dim.__index__()
    except AttributeError:
        raise TypeError(f"dim must be an int, not {type(dim).__name__}") from None
    n = ndim if ndim > 0 else 1
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def strides_of(arr):
    """Element strides of an array as PyTorch reports them."""
    isz = arr.itemsize
    st = tuple([s // isz for s in arr.strides])
    if not arr.size and not any(st):
        # NOTE: NumPy gives the empty arrays it makes all-zero strides, where PyTorch keeps
        # row-major ones computed with max(size, 1). Empty arrays made with explicit strides
        # (_backend.empty_strided, views of them) keep theirs.
        return _contiguous_strides(arr.shape)
    return st


def _py_scalar(v, dtype):
    # bfloat16/float8 items come back as ml_dtypes scalars; PyTorch gives Python floats.
    t = type(v)
    if t is float or t is int or t is bool or t is complex:
        return v
    if dtype.is_complex:
        return complex(v)
    if dtype.is_floating_point:
        return float(v)
    return int(v)


def make_tensor(array, dtype):
    """Wrap an array (already of ``dtype``'s NumPy type) in a new Tensor without checks."""
    t = _new(Tensor)
    t._array = array
    t._dtype = dtype
    if _GRAD.inference:
        t._inference = True
    return t
