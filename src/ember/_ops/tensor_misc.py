"""Small tensor functions PyTorch exposes beside its ops: predicates as ``ember.is_*``
functions, ``fill``, ``sum_to_size``, ``diagflat``, ``fill_diagonal_``, ``dim_order``, the
``unsafe_*`` splits, the deprecated out-of-place ``resize``/``resize_as``, and the CPU Python
callbacks ``apply_``/``map_``/``map2_``.

>>> ember.is_nonzero(ember.tensor([1.]))
True
"""
import warnings

import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, record, needs_grad, check_inplace, shape_str
from .._tensor import Tensor, make_tensor, strides_of
from ..autograd.grad_mode import STATE as _GRAD, no_grad
from ..autograd.graph import node_class


def _tensor_arg(x, fname, argname="input", pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")
    return x


# ---------------------------------------------------------------------------- predicates
def is_nonzero(input):
    """True if the single element of ``input`` is not zero (errors for 0 or 2+ elements).

    >>> ember.is_nonzero(ember.tensor(0.))
    False
    """
    _tensor_arg(input, "is_nonzero")
    n = input._array.size
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input._array.reshape(-1)[0] != 0)


def is_same_size(input, other):
    """True if both tensors have the same shape.

    >>> ember.is_same_size(ember.zeros(2, 3), ember.ones(2, 3))
    True
    """
    _tensor_arg(input, "is_same_size")
    _tensor_arg(other, "is_same_size", "other", 2)
    return input._array.shape == other._array.shape


def is_signed(input):
    """True if the dtype is signed (bool and unsigned ints are not).

    >>> ember.is_signed(ember.zeros(1, dtype=ember.uint8))
    False
    """
    return _tensor_arg(input, "is_signed")._dtype.is_signed


def is_distributed(input):
    """Always False: ember tensors are never distributed (PyTorch's answer for local tensors).

    >>> ember.is_distributed(ember.zeros(1))
    False
    """
    _tensor_arg(input, "is_distributed")
    return False


def _function_of(method_name, doc):
    def fn(input):
        _tensor_arg(input, method_name)
        return getattr(input, method_name)()
    fn.__name__ = fn.__qualname__ = method_name
    fn.__doc__ = doc
    return fn


# ---------------------------------------------------------------------------- fill
def fill(input, value):
    """A tensor like ``input`` filled with ``value`` (a number or a 0-dim tensor); the value's
    gradient is the sum of the incoming one.

    >>> ember.fill(ember.zeros(2), 3.)
    tensor([3., 3.])
    """
    _tensor_arg(input, "fill")
    with no_grad():
        res = input.clone()
        res.fill_(value.detach() if isinstance(value, Tensor) else value)
    if needs_grad(input, value):
        record(node_class("FillBackward0" if not isinstance(value, Tensor) else "FillBackward1"),
               (input, value) if isinstance(value, Tensor) else (input,), res)
    return res


def _fill_grad(ctx, grad):
    inputs = ctx.inputs
    g_in = grad.new_zeros(grad.shape) if inputs[0]._requires_grad else None
    if len(inputs) == 1:
        return g_in
    v = inputs[1]
    return g_in, (grad.sum().to(v._dtype) if v._requires_grad else None)


node_class("FillBackward0").backward_fn = staticmethod(_fill_grad)
node_class("FillBackward1").backward_fn = staticmethod(_fill_grad)


# ---------------------------------------------------------------------------- reductions
def sum_to_size(self, *size):
    """Sum ``self`` down to ``size`` (the shape it could be broadcast from).

    >>> ember.ones(2, 3).sum_to_size(1, 3)
    tensor([[2., 2., 2.]])
    """
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    shape = self._array.shape
    lead = len(shape) - len(size)
    ok = lead >= 0 and all(s == n or s == 1 for s, n in zip(size, shape[lead:]))
    if not ok:
        raise RuntimeError(f"size {{{shape_str(size)}}} is not expandable to size "
                           f"{{{shape_str(shape)}}}.")
    if size == shape:
        return self
    if not size:
        return self.sum()
    keep = tuple(lead + i for i, (s, n) in enumerate(zip(size, shape[lead:])) if s == 1 and n != 1)
    r = self.sum(tuple(range(lead)) + keep, keepdim=True) if (lead or keep) else self
    if lead:
        r = r.view(size)
    return r


# ---------------------------------------------------------------------------- diagonals
def diagflat(input, offset=0):
    """A 2-D tensor with the flattened ``input`` on diagonal ``offset``.

    >>> ember.diagflat(ember.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    """
    _tensor_arg(input, "diagflat")
    flat = input.contiguous().view(-1) if input._array.ndim != 1 else input
    return FUNCTIONS["diag_embed"](flat, offset)


def fill_diagonal_(self, fill_value, wrap=False):
    """Fill the main diagonal in place (all dims equal, or a tall matrix with ``wrap``
    restarting the diagonal below every ``cols + 1`` rows).

    >>> ember.zeros(2, 3).fill_diagonal_(1.)
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    a = self._array
    n = a.ndim
    if n < 2:
        raise RuntimeError("dimensions must larger than 1")
    if n > 2 and len(set(a.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    length = min(a.shape)
    step = sum(strides_of(a))
    if n == 2 and wrap and a.shape[0] > a.shape[1] + 1:
        # positions k * (cols + 1) of the row-major order, for every k that fits
        rows, cols = a.shape
        k = np.arange(0, rows * cols, cols + 1)
        idx = (make_tensor(k // cols, D.int64), make_tensor(k % cols, D.int64))
        value = fill_value if isinstance(fill_value, Tensor) else \
            make_tensor(np.array(fill_value, dtype=self._dtype.np), self._dtype)
        return self.index_put_(idx, value.to(self._dtype))
    diag = self.as_strided((length,), (step,), self.storage_offset())
    diag.fill_(fill_value)
    return self


# ---------------------------------------------------------------------------- layout facts
def dim_order(self, *, ambiguity_check=False):
    """The dimensions from outermost to innermost in memory (by decreasing stride).

    >>> ember.zeros(2, 3).t().dim_order()
    (1, 0)
    """
    st = strides_of(self._array)
    order = sorted(range(len(st)), key=lambda d: -st[d])
    if ambiguity_check:
        if not isinstance(ambiguity_check, (bool, list)):
            raise TypeError("The ambiguity_check argument must be a bool or a list of memory "
                            "formats.")
        shape = self._array.shape
        if any(s == 1 for s in shape) or len(set(st)) != len(st):
            raise RuntimeError("The tensor does not have unique dim order, or cannot map to "
                               "exact one of the given memory formats.")
    return tuple(order)


def const_data_ptr(self):
    """``data_ptr()`` for reading (ember does not distinguish).

    >>> t = ember.ones(2); t.const_data_ptr() == t.data_ptr()
    True
    """
    return self.data_ptr()


def as_subclass(self, cls):
    """This tensor's data (shared, same autograd history) as an instance of subclass ``cls``.

    >>> class My(ember.Tensor): pass
    >>> type(ember.ones(1).as_subclass(My)).__name__
    'My'
    """
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError("Creating a Tensor subclass from a class that does not inherit from "
                        "Tensor is not possible. Make sure your class inherits from Tensor.")
    t = object.__new__(cls)
    t._array = self._array
    t._dtype = self._dtype
    t.__dict__.update(self.__dict__)
    if self._vc is None:
        self._vc = [0]
    t._vc = self._vc
    return t


def module_load(self, other, assign=False):
    """The value ``load_state_dict`` puts in place of ``self`` for ``other``: ``other``
    detached (``assign``), or ``self`` after copying ``other`` into it, detached.

    >>> ember.zeros(2).module_load(ember.ones(2))
    tensor([1., 1.])
    """
    if assign:
        return other.detach()
    return self.copy_(other).detach()


# ---------------------------------------------------------------------------- unsafe splits
def _unsafe(outs, node_name):
    """split's views as PyTorch's unsafe_split returns them: not views (no ``_base``, free to
    modify in place), sharing memory, one ``node_name`` node for all."""
    outs = tuple(outs)
    node = None
    for o in outs:
        o._base = None
        o._multi_view = None
        o._view_no_grad = False
        if o._grad_fn is not None:
            node = o._grad_fn
    if node is not None:
        cls = node_class(node_name)
        if cls.backward_fn is None:
            cls.backward_fn = type(node).backward_fn
        node.__class__ = cls
    return outs


def unsafe_split(input, split_size, dim=0):
    """``split`` whose chunks are not tracked as views (PyTorch's unsafe variant).

    >>> [t.shape[0] for t in ember.unsafe_split(ember.arange(5), 2)]
    [2, 2, 1]
    """
    return _unsafe(input.split(split_size, dim), "UnsafeSplitBackward0")


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    """``split_with_sizes`` whose chunks are not tracked as views.

    >>> [t.shape[0] for t in ember.unsafe_split_with_sizes(ember.arange(5), [1, 4])]
    [1, 4]
    """
    return _unsafe(input.split_with_sizes(split_sizes, dim), "UnsafeSplitWithSizesBackward0")


def unsafe_chunk(input, chunks, dim=0):
    """``chunk`` whose chunks are not tracked as views.

    >>> len(ember.unsafe_chunk(ember.arange(6), 3))
    3
    """
    return _unsafe(input.chunk(chunks, dim), "UnsafeSplitBackward0")


# ---------------------------------------------------------------------------- resize
def _resize(self, sizes, what):
    warnings.warn(f"non-inplace {what} is deprecated", UserWarning, stacklevel=3)
    numel = 1
    for s in sizes:
        numel *= s
    if self._array.size != numel:
        raise RuntimeError(
            f"requested resize to {'x'.join(map(str, sizes))} ({numel} elements in total), but "
            f"the given tensor has a size of {'x'.join(map(str, self._array.shape))} "
            f"({self._array.size} elements). autograd's resize can only change the shape of a "
            "given tensor, while preserving the number of elements. ")
    with no_grad():
        res = self.contiguous().view(tuple(sizes))
    res = make_tensor(res._array, self._dtype)
    if needs_grad(self):
        record(node_class("ResizeBackward"), (self,), res,
               {"input_sizes": self._array.shape})
    return res


node_class("ResizeBackward").backward_fn = staticmethod(
    lambda ctx, grad: grad.contiguous().view(ctx.saved["input_sizes"]))
node_class("ResizeBackward").saves_inputs = False


def resize(self, *sizes):
    """Deprecated out-of-place resize: the same elements with shape ``sizes`` (the element
    count must not change).

    >>> ember.arange(6).resize(2, 3).shape
    ember.Size([2, 3])
    """
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        # NOTE: PyTorch's resize takes sizes as separate ints only: a sequence counts as one
        # (unmatchable) size, reported as such
        warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
        s = str(tuple(sizes[0]))
        raise RuntimeError(
            f"requested resize to {s} ({s} elements in total), but the given tensor has a size "
            f"of {'x'.join(map(str, self._array.shape))} ({self._array.size} elements). "
            "autograd's resize can only change the shape of a given tensor, while preserving "
            "the number of elements. ")
    return _resize(self, tuple(sizes), "resize")


def resize_as(self, tensor):
    """Deprecated out-of-place ``resize`` to ``tensor``'s shape."""
    return _resize(self, tuple(tensor._array.shape), "resize_as")


def resize_as_(input, the_template, *, memory_format=None):
    """Resize ``input`` in place to ``the_template``'s shape (``Tensor.resize_``).

    >>> ember.resize_as_(ember.zeros(2), ember.zeros(2, 3)).shape
    ember.Size([2, 3])
    """
    _tensor_arg(input, "resize_as_")
    if memory_format is None:
        return input.resize_(the_template._array.shape)
    return input.resize_(the_template._array.shape, memory_format=memory_format)


# ---------------------------------------------------------------------------- python callbacks
def _callback_check(self, name):
    if self._requires_grad and _GRAD.enabled:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")
    if type(self._array) is not np.ndarray:
        raise TypeError(f"{name}_ is only implemented on CPU tensors")


def _py_number(v, dt):
    return bool(v) if dt is D.bool_ else (complex(v) if dt.is_complex else (
        float(v) if dt.is_floating_point else int(v)))


def _checked_store(res, dt):
    if dt.is_complex:
        conv = complex
    elif dt.is_floating_point:
        conv = float
    elif dt is D.bool_:
        conv = bool
    else:
        conv = int
    out = []
    for v in res:
        if dt is not D.bool_ and not isinstance(v, (int, float, complex, bool, np.generic)):
            kind = "real number" if conv is float else ("an integer" if conv is int else "complex")
            raise TypeError(f"must be {kind}, not {type(v).__name__}")
        v = conv(v)
        if conv is int:
            if not -2 ** 63 <= v < 2 ** 63:
                raise ValueError("Overflow when unpacking long long")
            info = np.iinfo(dt.np)
            if not info.min <= v <= info.max:
                raise RuntimeError(f"value cannot be converted to type {str(dt).split('.')[-1]} "
                                   "without overflow")
        out.append(v)
    return out


def _run_callback(self, name, fn, others):
    _callback_check(self, name)
    check_inplace(self)
    a = self._array
    dt = self._dtype
    arrays = [np.broadcast_to(o._array, a.shape) for o in others]
    flat = [_py_number(v, dt) for v in a.reshape(-1).tolist()]
    flat_others = [[_py_number(v, o._dtype) for v in arr.reshape(-1).tolist()]
                   for arr, o in zip(arrays, others)]
    res = [fn(v, *vs) for v, *vs in zip(flat, *flat_others)] if flat_others else \
        [fn(v) for v in flat]
    vals = np.array(_checked_store(res, dt), dtype=dt.np).reshape(a.shape) if res else \
        np.empty(a.shape, dt.np)
    # NOTE: PyTorch writes through the raw data pointer: the version counter does not move
    np.copyto(a, vals, casting="unsafe")
    return self


def apply_(self, callable):
    """Replace every element ``x`` by ``callable(x)`` (CPU, Python numbers; slow).

    >>> ember.tensor([1., 2.]).apply_(lambda x: x * 10)
    tensor([10., 20.])
    """
    return _run_callback(self, "apply_", callable, ())


def map_(self, tensor, callable):
    """``self[i] = callable(self[i], tensor[i])`` (``tensor`` broadcast to ``self``).

    >>> ember.tensor([1., 2.]).map_(ember.tensor([3., 4.]), lambda a, b: a + b)
    tensor([4., 6.])
    """
    return _run_callback(self, "map_", callable, (tensor,))


def map2_(self, x, y, callable):
    """``self[i] = callable(self[i], x[i], y[i])`` (``x``, ``y`` broadcast to ``self``).

    >>> ember.zeros(2).map2_(ember.ones(2), ember.ones(2), lambda a, b, c: a + b + c)
    tensor([2., 2.])
    """
    return _run_callback(self, "map2_", callable, (x, y))


# ---------------------------------------------------------------------------- creation, blas
def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False):
    """An uninitialised tensor of ``size`` whose memory order is ``physical_layout`` (the
    dimensions from outermost to innermost).

    >>> ember.empty_permuted((2, 3, 4), (0, 2, 1)).stride()
    (12, 1, 3)
    """
    size = tuple(size)
    perm = tuple(physical_layout)
    n = len(size)
    if len(perm) != n:
        raise RuntimeError(f"Number of dimensions in size does not match the length of the "
                           f"physical_layout; i.e. len(size) = {n} is not equal to "
                           f"len(physical_layout) = {len(perm)}")
    seen = set()
    for i, p in enumerate(perm):
        if p < 0 or p >= n:
            raise RuntimeError(f"Dimension out of range (expected to be between 0 and {n - 1}, "
                               f"but got {p} at index {i}).  NB: negative dims not currently "
                               "supported; file an issue if you want it.")
        if p in seen:
            raise RuntimeError("Duplicate dim not allowed")
        seen.add(p)
    strides = [0] * n
    acc = 1
    for p in reversed(perm):
        strides[p] = acc
        acc *= max(size[p], 1)
    t = FUNCTIONS["empty_strided"](size, tuple(strides), dtype=dtype, device=device,
                                   requires_grad=requires_grad)
    return t


def addmv_(input, mat, vec, *, beta=1, alpha=1):
    """In-place ``addmv``: ``input = beta * input + alpha * (mat @ vec)``.

    >>> ember.zeros(2).addmv_(ember.ones(2, 3), ember.ones(3))
    tensor([3., 3.])
    """
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)


FUNCTIONS.update(
    is_nonzero=is_nonzero, is_same_size=is_same_size, is_signed=is_signed,
    is_distributed=is_distributed, fill=fill, diagflat=diagflat,
    unsafe_split=unsafe_split, unsafe_split_with_sizes=unsafe_split_with_sizes,
    unsafe_chunk=unsafe_chunk, resize_as_=resize_as_, empty_permuted=empty_permuted,
    addmv_=addmv_,
    is_conj=_function_of("is_conj", "True if the conjugate bit is set (never in ember)."),
    is_neg=_function_of("is_neg", "True if the negative bit is set (never in ember)."),
    is_inference=_function_of("is_inference", "True for a tensor made in inference mode."),
    resolve_conj=_function_of("resolve_conj", "``input`` with its conjugation materialised "
                                              "(ember never defers it)."),
    resolve_neg=_function_of("resolve_neg", "``input`` with its negation materialised (ember "
                                            "never defers it)."),
    detach=_function_of("detach", "``input.detach()``: shares storage, cut from the graph."),
    detach_=_function_of("detach_", "``input.detach_()``: cut from the graph in place."),
    get_device=_function_of("get_device", "The CUDA device index, -1 on the CPU."),
)
for _name in ("is_nonzero", "is_same_size", "is_distributed", "diagflat", "sum_to_size",
              "fill_diagonal_", "dim_order", "const_data_ptr", "as_subclass", "module_load", "unsafe_split",
              "unsafe_split_with_sizes", "unsafe_chunk", "resize", "resize_as", "apply_",
              "map_", "map2_"):
    setattr(Tensor, _name, globals()[_name])
