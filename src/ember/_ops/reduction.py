"""Reductions: ``sum``, ``mean``, ``prod``, ``var``/``std``, ``max``/``min``, ``amax``/``amin``,
``argmax``/``argmin``, ``all``/``any``, ``logsumexp``, ``norm``, ``count_nonzero``, the cumulative
ops (``cumsum``, ``cumprod``, ``cummax``, ``cummin``, ``logcumsumexp``), ``diff``, and the order
statistics (``median``, ``nanmedian``, ``mode``, ``quantile``, ``nanquantile``).

Result dtypes and errors are PyTorch's (bool/integer sums accumulate in int64, ``mean`` of an
integer tensor is an error, ``all``/``any`` keep uint8, ...). Half-precision inputs accumulate in
float32 and var/std in float64, then round once, as PyTorch's CPU kernels do. Results are always
contiguous (PyTorch allocates reduction outputs that way).

>>> x = ember.tensor([[1., 5.], [3., 2.]])
>>> x.max(1)
ember.return_types.max(
values=tensor([5., 3.]),
indices=tensor([1, 0]))
"""
import builtins
import math
import warnings

import numpy as np

from .. import _dtype as D
from .._dispatch import (FUNCTIONS, needs_grad, write_out, missing_kernel, cast_error,
                         WIDE_UNSIGNED, check_inplace)
from .._tensor import Tensor, make_tensor, wrap_dim
from ..autograd.graph import (node_class, record_node, record_unary, rebase_inplace,
                              array_derivative, saved_value)
from ..autograd.grad_mode import STATE as _GRAD
from ..return_types import return_type as _return_type

_HALF = (D.float16, D.bfloat16)
_RETURN_TYPES = {}


def return_type(name, fields):
    cls = _RETURN_TYPES.get(name)
    if cls is None:
        cls = _RETURN_TYPES[name] = _return_type(name, fields)
    return cls
_NO = object()


# ---------------------------------------------------------------------------- helpers
def _check_input(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


def _dims(dim, ndim):
    """Wrapped reduction dims in the given order, or None for "all dims"."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        if len(dim) == 0:
            return None
        out = []
        for d in dim:
            w = wrap_dim(d, ndim)
            if w in out:
                raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
            out.append(w)
        return tuple(out)
    return (wrap_dim(dim, ndim),)


def _axis(dims, ndim):
    """The NumPy ``axis`` for wrapped dims (a 0-d tensor reduces over nothing)."""
    if dims is None or ndim == 0:
        return None
    return tuple(dims)


def _contig(arr):
    arr = np.asarray(arr)
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")
    return arr


def _wrap(arr, dt):
    """A contiguous result tensor of dtype ``dt`` from an array or NumPy scalar."""
    arr = np.asarray(arr)
    if arr.dtype != dt.np:
        if arr.dtype.kind == "c" and dt.category < 3:
            arr = arr.real
        arr = arr.astype(dt.np)
    return make_tensor(_contig(arr), dt)


def _acc_np(dt):
    """The NumPy dtype a reduction producing ``dt`` accumulates in."""
    return np.dtype(np.float32) if dt in _HALF else dt.np


def _cast(a, src, np_dt):
    """Array ``a`` (of ember dtype ``src``) converted to NumPy dtype ``np_dt``."""
    if a.dtype == np_dt:
        return a
    if src.is_complex and np_dt.kind != "c":
        a = a.real
    return a.astype(np_dt)


def _real_np(dt):
    """Array dtype to compute comparisons of ``dt`` in (halves as float32: exact)."""
    return np.dtype(np.float32) if dt in _HALF else dt.np


def _reduced_shape(shape, dims, keepdim):
    if dims is None:
        return (1,) * len(shape) if keepdim else ()
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _numel_of(shape, dims):
    if dims is None:
        return int(np.prod(shape, dtype=np.int64)) if shape else 1
    n = 1
    for d in dims:
        if d < len(shape):
            n *= shape[d]
    return n


def _restore(g, shape, dims, keepdim):
    """A reduced gradient reshaped so that it broadcasts against the input's ``shape``."""
    if keepdim or len(shape) == 0:
        return g
    if dims is None:
        return g.reshape((1,) * len(shape))
    for d in sorted(dims):
        g = g.unsqueeze(d)
    return g


def _expand_back(g, shape, dims, keepdim):
    return _restore(g, shape, dims, keepdim).expand(shape)


def _expand_back_array(g, shape, dims, keepdim):
    """``_expand_back`` on an array gradient: a read-only broadcast view of ``g``."""
    n = len(shape)
    if type(g) is not np.ndarray or g.flags.c_contiguous:
        # NOTE: built with the ndarray constructor (np.broadcast_to costs several times more):
        # g is row-major over the kept dimensions, the reduced ones get stride 0
        strides = [0] * n
        step = g.itemsize
        for i in range(n - 1, -1, -1):
            if dims is not None and i not in dims:
                strides[i] = step
                step *= shape[i]
        try:
            return np.ndarray(shape, g.dtype, g, 0, tuple(strides))
        except (TypeError, ValueError):
            pass
    if not keepdim and shape:
        g = np.reshape(g, _reduced_shape(shape, dims, True))
    return np.broadcast_to(g, shape)


def _as_dtype(g, dt):
    return g if g._dtype is dt else g.to(dt)


def _record(name, inputs, outputs, saved=None):
    return record_node(node_class(name), inputs, outputs, saved)


def _backward(*names, saves_inputs=True):
    """Decorator: register ``fn`` as the backward of the node classes ``names``."""
    def deco(fn):
        for n in names:
            cls = node_class(n)
            cls.backward_fn = staticmethod(fn)
            cls.saves_inputs = saves_inputs
        return fn
    return deco


def _zeros(shape, dt):
    return make_tensor(np.zeros(shape, dt.np), dt)


def _select_back(grad, shape, dt, dim, indices, keepdim):
    """The gradient of a value-selecting reduction along ``dim``: ``grad`` put at ``indices``
    (a NumPy array shaped like the output) in a zero tensor of the input's shape."""
    if len(shape) == 0:
        return grad.reshape(())
    if isinstance(indices, Tensor):
        indices = indices._array
    idx = indices if keepdim else np.expand_dims(indices, dim)
    if not grad._requires_grad:
        out = np.zeros(shape, grad._dtype.np)
        g = grad._array if keepdim else np.expand_dims(grad._array, dim)
        np.put_along_axis(out, idx, g, axis=dim)
        return make_tensor(out, grad._dtype)
    g = grad if keepdim else grad.unsqueeze(dim)
    return _zeros(shape, grad._dtype).scatter(dim, make_tensor(np.ascontiguousarray(idx), D.int64), g)


def _index_t(arr):
    return make_tensor(_contig(np.asarray(arr, dtype=np.int64)), D.int64)


def _flip(t, dim):
    n = t._array.shape[dim]
    return t.index_select(dim, _index_t(np.arange(n - 1, -1, -1)))


def _get_np_kwargs(fn):
    """Accept NumPy's ``axis``/``keepdims`` spellings, as PyTorch's argument parser does."""
    def wrapper(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs:
                if "dim" in kwargs:
                    raise TypeError(f"{fn.__name__}() got multiple values for argument 'dim'")
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)
    wrapper.__name__ = wrapper.__qualname__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


def _bind(name, fn, method=True, function=True):
    if function:
        FUNCTIONS[name] = fn
    if method:
        setattr(Tensor, name, fn)
    return fn


def _type_name(v):
    if isinstance(v, Tensor):
        return "Tensor"
    if isinstance(v, D.dtype):
        return "torch.dtype"
    return type(v).__name__


def invalid_arguments(name, args, kwargs, sigs):
    """PyTorch's TypeError for arguments matching none of the signatures ``sigs``."""
    kw = [f"{k}={_type_name(v)}" for k, v in sorted(kwargs.items())]
    if args:
        got = ", ".join([_type_name(a) for a in args] + kw)
    else:
        got = "".join(k + ", " for k in kw)
    lines = [f"{name}() received an invalid combination of arguments - got ({got}), but "
             "expected one of:"] + [f" * ({sig})" for sig in sigs]
    return TypeError("\n".join(lines) + "\n")


def _dim_ok(dim):
    if dim is None or isinstance(dim, bool):
        return dim is None
    if isinstance(dim, (tuple, list)):
        return builtins.all(hasattr(d, "__index__") and not isinstance(d, bool) for d in dim)
    if isinstance(dim, Tensor):
        return dim._dtype.category == 1 and dim._array.size == 1
    return hasattr(dim, "__index__")


def _plain_dim(dim):
    return dim.__index__() if isinstance(dim, Tensor) else dim


def _dof_warning(name, n, correction):
    if n - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)


def _write_checked_out(out, arr, dt, name):
    """``out=`` for ops whose out must have exactly the result dtype (C++ type names)."""
    if out._dtype is not dt:
        raise RuntimeError(f"Expected out tensor to have dtype {dt.cpp_name}, but got "
                           f"{out._dtype.cpp_name} instead")
    return write_out(out, arr, name)


def _write_cast_out(out, arr, dt, name):
    """``out=`` for ops whose result may be cast to out's dtype when it can be."""
    if out._dtype is not dt and not D.can_cast(dt, out._dtype):
        raise cast_error(dt, out._dtype)
    return write_out(out, arr, name)


def _check_out_pair(out, name):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors")
    return out


# ---------------------------------------------------------------------------- sum / nansum
_SUM_SIGS = ("*, torch.dtype dtype = None",
             "tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None")


def _sum_dtype(input, dtype, out, kernel):
    if dtype is not None:
        if not isinstance(dtype, D.dtype):
            raise TypeError(f"{kernel.split('_')[0]}(): argument 'dtype' must be torch.dtype, not "
                            f"{type(dtype).__name__}")
        dt = dtype
        if out is not None and out._dtype is not dt:
            raise RuntimeError(f"Expected out tensor to have dtype {dt.cpp_name}, but got "
                               f"{out._dtype.cpp_name} instead")
    elif out is not None:
        dt = out._dtype
    else:
        dt = D.int64 if input._dtype.category <= 1 else input._dtype
    if dt in WIDE_UNSIGNED:
        raise missing_kernel(kernel, dt)
    return dt


def _reduce_args(name, dim, keepdim, sigs, dtype=None, strict=True):
    """(dim, keepdim) with PyTorch's TypeErrors: ``keepdim`` needs a ``dim``."""
    if dim is _NO:
        if keepdim is not _NO and strict:
            kw = {"keepdim": keepdim}
            if dtype is not None:
                kw["dtype"] = dtype
            raise invalid_arguments(name, (), kw, sigs)
        dim = None
    if not _dim_ok(dim):
        raise invalid_arguments(name, (dim,), {}, sigs)
    return _plain_dim(dim), (False if keepdim is _NO else keepdim)


def _sum_impl(input, dim, keepdim, dtype, out, name, nan):
    _check_input(input, name)
    dim_given = dim is not _NO
    dim, keepdim = _reduce_args(name, dim, keepdim, _SUM_SIGS, dtype, strict=not nan)
    if nan and input._dtype.is_complex:
        raise RuntimeError("nansum on CPU does not support complex inputs")
    a = input._array
    dt = _sum_dtype(input, dtype, out, "sum_cpu")
    if nan and dt.is_complex and input._dtype.category >= 2:
        raise missing_kernel("nansum_cpu", dt)
    dims = _dims(dim, a.ndim)
    acc = _acc_np(dt)
    arr = _cast(a, input._dtype, acc)
    if nan and arr.dtype.kind == "f":
        res = np.nansum(arr, axis=_axis(dims, a.ndim), keepdims=keepdim, dtype=acc)
    else:
        res = np.sum(arr, axis=_axis(dims, a.ndim), keepdims=keepdim, dtype=acc)
    if keepdim and a.ndim == 0:
        res = np.asarray(res).reshape(())
    if out is not None:
        if needs_grad(input):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires grad.")
        return write_out(out, np.asarray(res), name)
    t = _wrap(res, dt)
    if input._requires_grad and _GRAD.enabled and dt.category >= 2:
        if nan:
            _record("NansumBackward0", (input,), t,
                    {"self_sym_sizes": a.shape, "dim": dims, "keepdim": keepdim,
                     "self_dtype": input._dtype})
        else:
            _record("SumBackward1" if dim_given else "SumBackward0", (input,), t,
                    {"self_sym_sizes": a.shape, "dim": dims, "keepdim": keepdim,
                     "self_dtype": input._dtype})
    return t


@_get_np_kwargs
def sum(input, dim=_NO, keepdim=_NO, *, dtype=None, out=None):
    """Sum of elements (over ``dim`` if given); bool/integer inputs sum in int64.

    >>> ember.tensor([[1, 2], [3, 4]]).sum(0)
    tensor([4, 6])
    """
    if out is None and dtype is None and type(input) is Tensor:
        r = _fast_reduce(input, dim, keepdim, _add_reduce)
        if r is not None:
            return r
        if dim is _NO and keepdim is _NO and input._requires_grad and _GRAD.enabled and \
                not _GRAD.inference and (input._dtype is D.float32 or input._dtype is D.float64):
            # the loss.sum() of a training step: all elements, recorded
            a = input._array
            t = make_tensor(np.asarray(_add_reduce(a, axis=None)), input._dtype)
            record_unary(_SUM_NODE, input, t, False, {"self_sym_sizes": a.shape, "dim": None,
                                                      "keepdim": False, "self_dtype": input._dtype})
            return t
    return _sum_impl(input, dim, keepdim, dtype, out, "sum", False)


_add_reduce = np.add.reduce
_SUM_NODE, _MEAN_NODE = node_class("SumBackward0"), node_class("MeanBackward0")
_max_reduce = np.maximum.reduce
_min_reduce = np.minimum.reduce


def _fast_reduce(input, dim, keepdim, reduce):
    """The no-grad fast path of a float reduction over all dims or one int dim (None when the
    general path is needed)."""
    dt = input._dtype
    if dt.category < 2 or dt in _HALF or (input._requires_grad and _GRAD.enabled):
        return None
    a = input._array
    if dim is _NO or dim is None:
        if keepdim is not _NO or (reduce is not _add_reduce and a.size == 0):
            return None
        return make_tensor(np.asarray(reduce(a, axis=None)), dt)
    if type(dim) is not int or not (keepdim is _NO or type(keepdim) is bool):
        return None
    nd = a.ndim
    d = dim + nd if dim < 0 else dim
    if not 0 <= d < nd or (reduce is not _add_reduce and a.shape[d] == 0):
        return None
    r = reduce(a, axis=d, keepdims=keepdim is True)
    if not r.flags.c_contiguous:
        return None
    return make_tensor(r, dt)


@_get_np_kwargs
def nansum(input, dim=_NO, keepdim=_NO, *, dtype=None, out=None):
    """Sum treating NaN as zero.

    >>> ember.tensor([1., float('nan'), 2.]).nansum()
    tensor(3.)
    """
    return _sum_impl(input, dim, keepdim, dtype, out, "nansum", True)


@_backward("SumBackward0", "SumBackward1", saves_inputs=False)
def _sum_grad(ctx, grad):
    s = ctx.saved
    g = _expand_back(grad, s["self_sym_sizes"], s["dim"], s["keepdim"])
    return _as_dtype(g, s["self_dtype"])


@array_derivative("SumBackward0", "SumBackward1")
def _sum_grad_array(ctx, g):
    s = ctx._saved     # (numbers and sizes only: read raw, as saved_value does)
    if dict.__getitem__(s, "self_dtype").np is not g.dtype:
        return NotImplemented
    return (_expand_back_array(g, dict.__getitem__(s, "self_sym_sizes"),
                               dict.__getitem__(s, "dim"), dict.__getitem__(s, "keepdim")),)


@_backward("NansumBackward0")
def _nansum_grad(ctx, grad):
    s = ctx.saved
    x = ctx.inputs[0]
    g = _expand_back(grad, s["self_sym_sizes"], s["dim"], s["keepdim"])
    return _as_dtype(g * x.eq(x), s["self_dtype"])


# ---------------------------------------------------------------------------- mean / nanmean
@_get_np_kwargs
def mean(input, dim=_NO, keepdim=_NO, *, dtype=None, out=None):
    """Arithmetic mean (floating and complex inputs only).

    >>> ember.tensor([1., 2., 4.]).mean()
    tensor(2.3333)
    """
    if out is None and dtype is None and type(input) is Tensor:
        r = _fast_reduce(input, dim, keepdim, _add_reduce)
        if r is not None:
            a = r._array
            n = input._array.size // builtins.max(a.size, 1) if input._array.size else 0
            if n:
                if a.ndim:
                    np.true_divide(a, n, out=a)
                else:
                    r._array = np.asarray(a / n, dtype=a.dtype)
                return r
        a = input._array
        if dim is _NO and keepdim is _NO and a.size and input._requires_grad and \
                _GRAD.enabled and not _GRAD.inference and \
                (input._dtype is D.float32 or input._dtype is D.float64):
            # the loss.mean() of a training step: all elements, recorded
            dt = input._dtype
            t = make_tensor(np.asarray(_add_reduce(a, axis=None) / a.size, dtype=dt.np), dt)
            record_unary(_MEAN_NODE, input, t, False,
                         {"self_sym_sizes": a.shape, "dim": None, "keepdim": False,
                          "self_sym_numel": a.size, "n": a.size, "self_dtype": dt})
            return t
    _check_input(input, "mean")
    dim_given = dim is not _NO
    dim, keepdim = _reduce_args("mean", dim, keepdim, _SUM_SIGS, dtype)
    if dtype is not None:
        if dtype.category <= 1:
            raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be either "
                               f"a floating point or complex dtype. Got: {dtype.scalar_name}")
        dt = dtype
    else:
        if input._dtype.category <= 1:
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                               f"floating point or complex dtype. Got: {input._dtype.scalar_name}")
        dt = input._dtype
    if out is not None:
        if out._dtype in WIDE_UNSIGNED:
            raise missing_kernel("sum_cpu", out._dtype)
        if out._dtype.category <= 1:
            raise cast_error(D.get_default_dtype(), out._dtype)
        if dtype is not None and out._dtype is not dtype:
            raise RuntimeError(f"Expected out tensor to have dtype {dt.cpp_name}, but got "
                               f"{out._dtype.cpp_name} instead")
        dt = out._dtype
    a = input._array
    dims = _dims(dim, a.ndim)
    acc = _acc_np(dt)
    arr = _cast(a, input._dtype, acc)
    n = _numel_of(a.shape, dims)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sum(arr, axis=_axis(dims, a.ndim), keepdims=keepdim and a.ndim > 0, dtype=acc)
        res = np.asarray(s / acc.type(n) if n else s * acc.type(np.nan)).astype(acc)
    if out is not None:
        if needs_grad(input):
            raise RuntimeError("mean(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        return write_out(out, res, "mean")
    t = _wrap(res, dt)
    if input._requires_grad and _GRAD.enabled:
        _record("MeanBackward1" if dim_given else "MeanBackward0", (input,), t,
                {"self_sym_sizes": a.shape, "dim": dims, "keepdim": keepdim,
                 "self_sym_numel": a.size, "n": n, "self_dtype": input._dtype})
    return t


@_backward("MeanBackward0", "MeanBackward1", saves_inputs=False)
def _mean_grad(ctx, grad):
    s = ctx.saved
    g = _expand_back(grad, s["self_sym_sizes"], s["dim"], s["keepdim"]) / s["n"]
    return _as_dtype(g, s["self_dtype"])


@array_derivative("MeanBackward0", "MeanBackward1")
def _mean_grad_array(ctx, g):
    if saved_value(ctx, "self_dtype").np is not g.dtype:
        return NotImplemented
    g = _expand_back_array(g, saved_value(ctx, "self_sym_sizes"), saved_value(ctx, "dim"),
                           saved_value(ctx, "keepdim"))
    return (g / saved_value(ctx, "n"),)


@_get_np_kwargs
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean of the non-NaN elements.

    >>> ember.tensor([1., float('nan'), 3.]).nanmean()
    tensor(2.)
    """
    _check_input(input, "nanmean")
    if input._dtype.category <= 1:
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but "
                           f"got {input._dtype.scalar_name}")
    if input._dtype.is_complex:
        raise RuntimeError("nansum on CPU does not support complex inputs")
    count = input.eq(input).sum(dim, keepdim=keepdim)
    total = nansum(input, dim, keepdim, dtype=dtype)
    if out is not None:
        return FUNCTIONS["div"](total, count, out=out)
    return total / count


# ---------------------------------------------------------------------------- prod
_PROD_SIGS = ("*, torch.dtype dtype = None",
              "int dim, bool keepdim = False, *, torch.dtype dtype = None")


def prod(input, dim=_NO, keepdim=_NO, *, dtype=None, out=None):
    """Product of elements (over one ``dim`` if given); bool/integer inputs in int64.

    >>> ember.tensor([[1, 2], [3, 4]]).prod(1)
    tensor([ 2, 12])
    """
    _check_input(input, "prod")
    if dim is not _NO and (dim is None or isinstance(dim, (tuple, list, float, str, bool))):
        raise invalid_arguments("prod", (dim,), {}, _PROD_SIGS)
    dim, keepdim = _reduce_args("prod", dim, keepdim, _PROD_SIGS, dtype)
    a = input._array
    dt = _sum_dtype(input, dtype, out, "prod_out_cpu")
    dims = _dims(dim, a.ndim)
    acc = _acc_np(dt)
    arr = _cast(a, input._dtype, acc)
    res = np.prod(arr, axis=_axis(dims, a.ndim), keepdims=keepdim and a.ndim > 0, dtype=acc)
    if out is not None:
        if needs_grad(input):
            raise RuntimeError("prod(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        return write_out(out, np.asarray(res), "prod")
    t = _wrap(res, dt)
    if input._requires_grad and _GRAD.enabled and dt.category >= 2:
        _record("ProdBackward0" if dim is None else "ProdBackward1", (input,), t,
                {"dim": dims, "keepdim": keepdim, "result": t, "self_dtype": input._dtype})
    return t


def _exclusive_cumprod(x, dim):
    """prod of the elements strictly before each position along ``dim`` (ember ops)."""
    n = x._array.shape[dim]
    shifted = x.index_select(dim, _index_t(np.maximum(np.arange(n) - 1, 0)))
    shape = [1] * x._array.ndim
    shape[dim] = n
    first = make_tensor((np.arange(n) == 0).reshape(shape), D.bool_)
    ones = make_tensor(np.ones((), x._dtype.np), x._dtype)
    return FUNCTIONS["where"](first, ones, shifted).cumprod(dim)


def _prod_others(x, dim):
    """prod of all the other elements along ``dim``, safe with zeros."""
    fwd = _exclusive_cumprod(x, dim)
    bwd = _flip(_exclusive_cumprod(_flip(x, dim), dim), dim)
    return fwd * bwd


@_backward("ProdBackward0", "ProdBackward1")
def _prod_grad(ctx, grad):
    s = ctx.saved
    x = ctx.inputs[0]
    shape = x._array.shape
    dims = s["dim"]
    g = _as_dtype(_restore(grad, shape, dims, s["keepdim"]), x._dtype)
    if x._array.size == 0:
        return _zeros(shape, x._dtype)
    if not (x._array == 0).any():
        r = _restore(_as_dtype(s["result"], x._dtype), shape, dims, s["keepdim"])
        q = r / x
        return g * (q.conj() if x._dtype.is_complex else q)
    if dims is None or len(shape) == 0:
        flat = x.reshape(-1)
        others = _prod_others(flat, 0).reshape(shape)
    else:
        others = _prod_others(x, dims[0])
    if x._dtype.is_complex:
        others = others.conj()
    return g * others


# ---------------------------------------------------------------------------- var / std
_VAR_SIGS = ("tuple of ints dim, bool unbiased = True, bool keepdim = False",
             "tuple of ints dim = None, *, Number correction = None, bool keepdim = False",
             "bool unbiased = True")


def _var_args(name, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):
        if unbiased is not None:
            raise invalid_arguments(name, (dim, unbiased), {}, _VAR_SIGS)
        unbiased, dim = dim, None
    if unbiased is not None and correction is not None:
        raise invalid_arguments(name, (dim,), {"correction": correction, "unbiased": unbiased},
                                _VAR_SIGS)
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if isinstance(dim, Tensor):
        dim = dim.__index__()
    return dim, correction


def _var_core(input, dim, correction, keepdim, name, need_mean=False):
    """(var array, mean array or None, dims, n) computed in float64/complex128."""
    if input._dtype.category <= 1:
        which = name if name in ("var_mean", "std_mean") else "std and var"
        raise RuntimeError(f"{which} only support floating point and complex dtypes")
    a = input._array
    dims = _dims(dim, a.ndim)
    axis = _axis(dims, a.ndim)
    n = _numel_of(a.shape, dims)
    cplx = input._dtype.is_complex
    x = a.astype(np.complex128 if cplx else np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.sum(x, axis=axis, keepdims=True) / n
        dev = x - m
        sq = (dev * dev.conj()).real if cplx else dev * dev
        ss = np.sum(sq, axis=axis, keepdims=keepdim and a.ndim > 0)
        var = np.divide(ss, builtins.max(0, n - correction))
    _dof_warning(name, n, correction)
    mean_arr = None
    if need_mean:
        mean_arr = m if (keepdim and a.ndim > 0) else np.reshape(
            m, _reduced_shape(a.shape, dims, False))
    return var, mean_arr, dims, n


def _var_result(input, arr):
    return _wrap(arr, input._dtype.to_real())


@_get_np_kwargs
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance with Bessel's correction by default (``correction=1``).

    >>> ember.tensor([1., 2., 3., 4.]).var()
    tensor(1.6667)
    """
    _check_input(input, "var")
    dim, correction = _var_args("var", dim, unbiased, keepdim, correction)
    v, _, dims, n = _var_core(input, dim, correction, keepdim, "var")
    if out is not None:
        return _write_cast_out(out, np.asarray(v), input._dtype.to_real(), "var")
    t = _var_result(input, v)
    if input._requires_grad and _GRAD.enabled:
        _record("VarBackward0", (input,), t, {"dim": dims, "keepdim": keepdim,
                                              "correction": correction, "n": n})
    return t


@_get_np_kwargs
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation with Bessel's correction by default.

    >>> ember.tensor([1., 2., 3., 4.]).std()
    tensor(1.2910)
    """
    _check_input(input, "std")
    dim, correction = _var_args("std", dim, unbiased, keepdim, correction)
    v, _, dims, n = _var_core(input, dim, correction, keepdim, "std")
    s = np.sqrt(v)
    if out is not None:
        return _write_cast_out(out, np.asarray(s), input._dtype.to_real(), "std")
    t = _var_result(input, s)
    if input._requires_grad and _GRAD.enabled:
        _record("StdBackward0", (input,), t, {"dim": dims, "keepdim": keepdim,
                                              "correction": correction, "n": n, "result": t})
    return t


def _var_backward(grad, x, dims, keepdim, correction, n):
    dof = n - correction
    g = _restore(grad, x._array.shape, dims, keepdim)
    if x._array.ndim == 0 or dims is None:
        m = x.mean()
    else:
        m = x.mean(dims, keepdim=True)
    return (2.0 / dof) * g * (x - m) if dof else g * (x - m) * math.inf


def _std_backward(grad, result, x, dims, keepdim, correction, n):
    gv = FUNCTIONS["where"](result == 0, 0.0, grad / (result * 2))
    return _var_backward(gv, x, dims, keepdim, correction, n)


@_backward("VarBackward0")
def _var_grad(ctx, grad):
    s = ctx.saved
    return _var_backward(grad, ctx.inputs[0], s["dim"], s["keepdim"], s["correction"], s["n"])


@_backward("StdBackward0")
def _std_grad(ctx, grad):
    s = ctx.saved
    return _std_backward(grad, s["result"], ctx.inputs[0], s["dim"], s["keepdim"],
                         s["correction"], s["n"])


def _var_mean_impl(input, dim, unbiased, keepdim, correction, name):
    _check_input(input, name)
    dim, correction = _var_args(name, dim, unbiased, keepdim, correction)
    v, m, dims, n = _var_core(input, dim, correction, keepdim, name, need_mean=True)
    if name == "std_mean":
        v = np.sqrt(v)
    t = _var_result(input, v)
    mt = _wrap(m, input._dtype)
    if input._requires_grad and _GRAD.enabled:
        saved = {"dim": dims, "keepdim": keepdim, "correction": correction, "n": n}
        if name == "std_mean":
            saved["result0"] = t
        _record("VarMeanBackward0" if name == "var_mean" else "StdMeanBackward0", (input,),
                (t, mt), saved)
    return t, mt


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` in one pass.

    >>> ember.var_mean(ember.tensor([1., 2., 3., 4.]))
    (tensor(1.6667), tensor(2.5000))
    """
    return _var_mean_impl(input, dim, unbiased, keepdim, correction, "var_mean")


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` in one pass."""
    return _var_mean_impl(input, dim, unbiased, keepdim, correction, "std_mean")


def _mean_part(gm, x, dims, keepdim, n):
    return _expand_back(gm, x._array.shape, dims, keepdim) / n


@_backward("VarMeanBackward0")
def _var_mean_grad(ctx, grads):
    s = ctx.saved
    gv, gm = grads
    x = ctx.inputs[0]
    out = _var_backward(gv, x, s["dim"], s["keepdim"], s["correction"], s["n"])
    return out + _mean_part(gm, x, s["dim"], s["keepdim"], s["n"])


@_backward("StdMeanBackward0")
def _std_mean_grad(ctx, grads):
    s = ctx.saved
    gs, gm = grads
    x = ctx.inputs[0]
    out = _std_backward(gs, s["result0"], x, s["dim"], s["keepdim"], s["correction"], s["n"])
    return out + _mean_part(gm, x, s["dim"], s["keepdim"], s["n"])


# ---------------------------------------------------------------------------- max / min family
_MAX_SIGS = ("", "Tensor other", "int dim, bool keepdim = False")


def _check_minmax_dtype(input, kernel, name=None):
    dt = input._dtype
    if dt in WIDE_UNSIGNED or dt.category == 3 and name is None:
        raise missing_kernel(kernel, dt)
    if dt.category == 3:
        raise RuntimeError(f"{name}(): does not support complex input")


def _empty_full_error(name, input):
    if input._array.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")


def _empty_dim_error(name, input, dims, sep="(): ", given=None):
    shape = input._array.shape
    if input._array.size == 0 and dims is not None:
        if given is None:
            given = dims
        elif not isinstance(given, (tuple, list)):
            given = (given,)
        for d, g in zip(dims, given):
            if d < len(shape) and shape[d] == 0:
                raise IndexError(f"{name}{sep}Expected reduction dim {g} to have non-zero size.")


def _minmax_all(input, name):
    """max()/min() over all elements."""
    kernel = f"{name}_all"
    _check_minmax_dtype(input, kernel)
    _empty_full_error(name, input)
    a = input._array
    arr = a.astype(np.float32) if input._dtype in _HALF else a
    res = (np.max if name == "max" else np.min)(arr)
    t = _wrap(res, input._dtype)
    if input._requires_grad and _GRAD.enabled:
        _record("MaxBackward1" if name == "max" else "MinBackward1", (input,), t, {"result": t})
    return t


def _minmax_dim(input, dim, keepdim, name, out):
    _check_minmax_dtype(input, f"{name}_cpu", name)
    a = input._array
    d = wrap_dim(dim, a.ndim)
    _empty_dim_error(name, input, (d,))
    if a.ndim == 0:
        vals = a.copy()
        idx = np.zeros((), np.int64)
    else:
        half = input._dtype in _HALF
        arr = a.astype(np.float32) if half else a
        if name == "max":
            vals = _max_reduce(arr, axis=d, keepdims=keepdim)
            idx = arr.argmax(axis=d, keepdims=keepdim)
        else:
            vals = _min_reduce(arr, axis=d, keepdims=keepdim)
            idx = arr.argmin(axis=d, keepdims=keepdim)
        if half:
            vals = vals.astype(input._dtype.np)
    rt = return_type(name if out is None else name + "_out", ("values", "indices"))
    if out is not None:
        vo, io = _check_out_pair(out, name)
        _write_checked_out(vo, vals, input._dtype, name)
        _write_checked_out(io, idx, D.int64, name)
        return rt((vo, io))
    v = _wrap(vals, input._dtype)
    i = _wrap(idx, D.int64)
    if input._requires_grad and _GRAD.enabled:
        _record("MaxBackward0" if name == "max" else "MinBackward0", (input,), (v, i),
                {"indices": make_tensor(i._array, D.int64), "dim": d, "keepdim": keepdim,
                 "self_sym_sizes": a.shape})
    return rt((v, i))


def _minmax(name, binary):
    def fn(input, dim=_NO, keepdim=_NO, *, out=None, **kwargs):
        _check_input(input, name)
        if kwargs:
            if "axis" in kwargs:
                dim = kwargs.pop("axis")
            if "keepdims" in kwargs:
                keepdim = kwargs.pop("keepdims")
            if "other" in kwargs:
                dim = kwargs.pop("other")
            if kwargs:
                raise TypeError(f"{name}() got an unexpected keyword argument "
                                f"'{next(iter(kwargs))}'")
        if isinstance(dim, Tensor):
            return FUNCTIONS[binary](input, dim, out=out)
        if dim is _NO or dim is None:
            if dim is None or keepdim is not _NO:
                kw = {}
                if dim is None:
                    kw["dim"] = None
                if keepdim is not _NO:
                    kw["keepdim"] = keepdim
                raise invalid_arguments(name, (), kw, _MAX_SIGS)
            if out is not None:
                t = _minmax_all(input.detach(), name)
                return _write_checked_out(out, t._array, input._dtype, name)
            return _minmax_all(input, name)
        if not hasattr(dim, "__index__") or isinstance(dim, bool):
            raise invalid_arguments(name, (dim,), {}, _MAX_SIGS)
        return _minmax_dim(input, dim, False if keepdim is _NO else keepdim, name, out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``{name}(input)``: the {name}imum element; ``{name}(input, dim, keepdim)``: "
                  f"(values, indices) along ``dim``; ``{name}(input, other)``: {binary}.")
    return fn


max = _minmax("max", "maximum")
min = _minmax("min", "minimum")


def _evenly(grad, x, result):
    """Full-reduction gradient shared evenly among the elements equal to the result."""
    xa = x._array
    r = result._array
    if np.isnan(r).any() if r.dtype.kind in "fc" else False:
        mask = np.isnan(xa)
    else:
        mask = xa == r
    cnt = int(mask.sum())
    m = make_tensor(mask, D.bool_)
    return m * (grad / cnt) if cnt else m * (grad * math.nan)


@_backward("MaxBackward1", "MinBackward1")
def _minmax_all_grad(ctx, grad):
    x = ctx.inputs[0]
    return _evenly(grad, x, ctx.saved["result"])


@_backward("MaxBackward0", "MinBackward0", saves_inputs=False)
def _minmax_dim_grad(ctx, grads):
    s = ctx.saved
    g = grads[0] if isinstance(grads, tuple) else grads
    return _select_back(g, s["self_sym_sizes"], g._dtype, s["dim"], s["indices"], s["keepdim"])


def _amaxmin(name):
    kernel = "max_values_cpu" if name == "amax" else "min_values_cpu"
    np_fn = np.max if name == "amax" else np.min

    fast = _max_reduce if name == "amax" else _min_reduce

    @_get_np_kwargs
    def fn(input, dim=(), keepdim=False, *, out=None):
        if out is None and type(input) is Tensor and type(dim) is int and not input._dtype.is_complex:
            r = _fast_reduce(input, dim, keepdim, fast)
            if r is not None:
                return r
        _check_input(input, name)
        if input._dtype in WIDE_UNSIGNED or input._dtype.is_complex:
            raise missing_kernel(kernel, input._dtype)
        if isinstance(dim, Tensor):
            dim = dim.__index__()
        a = input._array
        dims = _dims(dim, a.ndim)
        if dims is None:
            _empty_full_error(name, input)
        else:
            _empty_dim_error(name, input, dims, given=dim)
        arr = a.astype(np.float32) if input._dtype in _HALF else a
        res = np_fn(arr, axis=_axis(dims, a.ndim), keepdims=keepdim and a.ndim > 0)
        if out is not None:
            if out._dtype is not input._dtype:
                raise RuntimeError("Expected the dtype for input and out to match, but got "
                                   f"{input._dtype.scalar_name} for input's dtype and "
                                   f"{out._dtype.scalar_name} for out's dtype.")
            return write_out(out, np.asarray(res), name)
        t = _wrap(res, input._dtype)
        if input._requires_grad and _GRAD.enabled:
            _record("AmaxBackward0" if name == "amax" else "AminBackward0", (input,), t,
                    {"dim": dims, "keepdim": keepdim, "result": t})
        return t
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The {name[1:]}imum over ``dim`` (values only; gradient shared among ties)."
    return fn


amax = _amaxmin("amax")
amin = _amaxmin("amin")


def _scale_by_count(grad, x, result, dims, keepdim):
    """Gradient of amax/amin: shared evenly among the ties of each reduced slice."""
    shape = x._array.shape
    r = _restore(result, shape, dims, keepdim)
    mask = r.eq(x)
    if len(shape) == 0:
        cnt = mask.to(grad._dtype)
    elif dims is None:
        cnt = mask.sum().to(grad._dtype)
    else:
        cnt = mask.sum(dims, keepdim=True).to(grad._dtype)
    return (_restore(grad, shape, dims, keepdim) / cnt) * mask


@_backward("AmaxBackward0", "AminBackward0")
def _amaxmin_grad(ctx, grad):
    s = ctx.saved
    return _scale_by_count(grad, ctx.inputs[0], s["result"], s["dim"], s["keepdim"])


def aminmax(input, *, dim=None, keepdim=False, out=None):
    """``(min, max)`` in one call.

    >>> ember.aminmax(ember.tensor([3, 1, 2]))
    ember.return_types.aminmax(
    min=tensor(1),
    max=tensor(3))
    """
    _check_input(input, "aminmax")
    if input._dtype in WIDE_UNSIGNED or input._dtype.is_complex:
        raise missing_kernel("aminmax_cpu", input._dtype)
    a = input._array
    if dim is None:
        dims = None
        if a.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
    else:
        dims = (wrap_dim(dim, a.ndim),)
        _empty_dim_error("aminmax", input, dims, sep=": ", given=dim)
    arr = a.astype(np.float32) if input._dtype in _HALF else a
    axis = _axis(dims, a.ndim)
    kd = keepdim and a.ndim > 0
    lo = np.min(arr, axis=axis, keepdims=kd)
    hi = np.max(arr, axis=axis, keepdims=kd)
    if out is not None:
        lo_o, hi_o = _check_out_pair(out, "aminmax")
        _write_checked_out(lo_o, np.asarray(lo), input._dtype, "aminmax")
        _write_checked_out(hi_o, np.asarray(hi), input._dtype, "aminmax")
        return return_type("aminmax_out", ("min", "max"))((lo_o, hi_o))
    tl, th = _wrap(lo, input._dtype), _wrap(hi, input._dtype)
    if input._requires_grad and _GRAD.enabled:
        _record("AminmaxBackward0", (input,), (tl, th),
                {"dim": dims, "keepdim": keepdim, "result0": tl, "result1": th})
    return return_type("aminmax", ("min", "max"))((tl, th))


@_backward("AminmaxBackward0")
def _aminmax_grad(ctx, grads):
    s = ctx.saved
    x = ctx.inputs[0]
    gl, gh = grads
    return (_scale_by_count(gl, x, s["result0"], s["dim"], s["keepdim"])
            + _scale_by_count(gh, x, s["result1"], s["dim"], s["keepdim"]))


def _argmaxmin(name):
    np_fn = np.argmax if name == "argmax" else np.argmin

    @_get_np_kwargs
    def fn(input, dim=None, keepdim=False, *, out=None):
        _check_input(input, name)
        dt = input._dtype
        if dt is D.bool_:
            raise RuntimeError(f"{name}(): does not support bool input")
        if dt.is_complex:
            raise RuntimeError(f"{name}(): does not support complex input")
        if dt in WIDE_UNSIGNED:
            raise missing_kernel(f"{name}_cpu", dt)
        a = input._array
        arr = a.astype(np.float32) if dt in _HALF else a
        if dim is None:
            if a.size == 0:
                raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                                 "input.numel() == 0.")
            res = np.asarray(np_fn(arr.reshape(-1)), np.int64)
            if keepdim:
                res = res.reshape((1,) * a.ndim)
        else:
            d = wrap_dim(dim, a.ndim)
            _empty_dim_error(name, input, (d,))
            if a.ndim == 0:
                res = np.zeros((), np.int64)
            else:
                res = np_fn(arr, axis=d, keepdims=keepdim)
        if out is not None:
            return _write_checked_out(out, np.asarray(res, np.int64), D.int64, name)
        return _wrap(res, D.int64)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Index of the first {name[3:]}imum (over the flattened input if ``dim`` is None)."
    return fn


argmax = _argmaxmin("argmax")
argmin = _argmaxmin("argmin")


# ---------------------------------------------------------------------------- all / any
def _allany(name):
    np_fn = np.all if name == "all" else np.any

    @_get_np_kwargs
    def fn(input, dim=None, keepdim=False, *, out=None):
        _check_input(input, name)
        a = input._array
        dt = D.uint8 if input._dtype is D.uint8 else D.bool_
        if isinstance(dim, Tensor):
            dim = dim.__index__()
        if isinstance(dim, (tuple, list)) and len(dim) == 0:
            res = a != 0
        else:
            dims = _dims(dim, a.ndim)
            res = np_fn(a if a.dtype == np.bool_ else a != 0, axis=_axis(dims, a.ndim),
                        keepdims=keepdim and a.ndim > 0)
        if out is not None:
            if out._dtype is not D.bool_ and out._dtype is not dt:
                raise RuntimeError(f"{name} only supports bool tensor for result, got: "
                                   f"{out._dtype.scalar_name}")
            return write_out(out, np.asarray(res), name)
        return _wrap(res, dt)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"True if {'all' if name == 'all' else 'any'} elements are nonzero (uint8 "
                  "inputs give uint8).")
    return fn


all = _allany("all")
any = _allany("any")


# ---------------------------------------------------------------------------- logsumexp
def logsumexp(input, dim=_NO, keepdim=False, *, out=None):
    """``log(sum(exp(input)))`` over ``dim``, computed stably; integers give the default dtype.

    >>> ember.tensor([0., 0.]).logsumexp(0)
    tensor(0.6931)
    """
    _check_input(input, "logsumexp")
    if dim is _NO:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' must be tuple of ints, not NoneType")
    src = input._dtype
    dt = D.get_default_dtype() if src.category <= 1 else src
    if out is not None and out._dtype.category <= 1:
        raise RuntimeError("logsumexp(): Expected floating point type for result tensor, but "
                           f"got: {out._dtype.scalar_name}")
    if isinstance(dim, Tensor):
        dim = dim.__index__()
    a = input._array
    dims = _dims(dim, a.ndim)
    axis = _axis(dims, a.ndim)
    acc = _acc_np(dt)
    x = _cast(a, src, acc)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if x.size == 0:
            res = np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdim and a.ndim > 0))
        else:
            m = np.max(x.real if x.dtype.kind == "c" else x, axis=axis, keepdims=True)
            m = np.where(np.isfinite(m), m, 0).astype(x.real.dtype)
            s = np.sum(np.exp(x - m), axis=axis, keepdims=True)
            res = np.log(s) + m
            if not (keepdim and a.ndim > 0):
                res = res.reshape(_reduced_shape(a.shape, dims, False))
    if out is not None:
        return write_out(out, np.asarray(res), "logsumexp")
    t = _wrap(res, dt)
    if input._requires_grad and _GRAD.enabled:
        _record("LogsumexpBackward0", (input,), t, {"dim": dims, "keepdim": keepdim, "result": t})
    return t


@_backward("LogsumexpBackward0")
def _logsumexp_grad(ctx, grad):
    s = ctx.saved
    x = ctx.inputs[0]
    shape = x._array.shape
    r = _restore(s["result"], shape, s["dim"], s["keepdim"])
    e = (x - r).exp()
    if x._dtype.is_complex:
        e = e.conj()
    return _restore(grad, shape, s["dim"], s["keepdim"]) * e


# ---------------------------------------------------------------------------- norm
def _vector_norm_array(x, p, axis, keepdim):
    """The p-norm of array ``x`` (real, non-negative values) over ``axis``."""
    ax = np.abs(x)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if p == 2:
            if ax.dtype.kind == "c":
                ax = ax.real
            return np.sqrt(np.sum(ax * ax, axis=axis, keepdims=keepdim))
        if p == 1:
            return np.sum(ax, axis=axis, keepdims=keepdim)
        if p == math.inf:
            return np.max(ax, axis=axis, keepdims=keepdim)
        if p == -math.inf:
            return np.min(ax, axis=axis, keepdims=keepdim)
        if p == 0:
            return np.sum(ax != 0, axis=axis, keepdims=keepdim).astype(ax.dtype)
        return np.power(np.sum(np.power(ax, p), axis=axis, keepdims=keepdim), 1.0 / p)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None,
                name="linalg.vector_norm"):
    """``linalg.vector_norm``: the ``ord``-norm of the elements over ``dim`` (all if None).

    >>> ember.tensor([3., 4.]).norm()
    tensor(5.)
    """
    if x._dtype.category <= 1:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {x._dtype.scalar_name}")
    if dtype is not None and dtype.category <= 1:
        raise RuntimeError("linalg.vector_norm: dtype should be floating point or complex, but got "
                           f"{dtype.scalar_name}")
    if dtype is not None and dtype.is_complex and not x._dtype.is_complex:
        raise RuntimeError("linalg.vector_norm: dtype should be real for real inputs, but got "
                           f"{dtype.scalar_name}")
    if dtype is not None and dtype is not x._dtype and not (
            D.promote_types(x._dtype, dtype) is dtype):
        raise RuntimeError(f"linalg.vector_norm: the dtype of the input ({x._dtype.scalar_name}) "
                           "should be convertible without narrowing to the specified dtype "
                           f"({dtype.scalar_name})")
    src_dt = dtype or x._dtype
    dt = src_dt.to_real()
    p = float(ord)
    a = x._array
    if isinstance(dim, int) and not isinstance(dim, bool):
        dim = (dim,)
    dims = _dims(dim, a.ndim)
    if p < 0 or math.isinf(p):
        if a.size == 0:
            if dims is None:
                if p < 0:
                    raise RuntimeError("linalg.vector_norm cannot compute the -inf norm on an "
                                       "empty tensor because the operation does not have an "
                                       "identity" if p == -math.inf else
                                       f"linalg.vector_norm of negative order cannot be "
                                       f"performed on an empty tensor")
                raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty "
                                   "tensor because the operation does not have an identity")
            for d in dims:
                if a.ndim and a.shape[d] == 0:
                    raise RuntimeError(f"linalg.vector_norm cannot compute the "
                                       f"{'inf' if p == math.inf else '-inf' if math.isinf(p) else str(p)}"
                                       f" norm on the dimension {d}because this dimension is "
                                       "empty and the operation does not have an identity")
    work = np.dtype(np.float32) if src_dt in _HALF else src_dt.np
    arr = _cast(a, x._dtype, work)
    res = _vector_norm_array(arr, p, _axis(dims, a.ndim), keepdim and a.ndim > 0)
    if out is not None:
        return _write_checked_out(out, np.asarray(res), dt, name)
    t = _wrap(res, dt)
    if x._requires_grad and _GRAD.enabled:
        _record("LinalgVectorNormBackward0", (x,), t,
                {"ord": p, "dim": dims, "keepdim": keepdim, "result": t})
    return t


@_backward("LinalgVectorNormBackward0")
def _vector_norm_grad(ctx, grad):
    s = ctx.saved
    x = ctx.inputs[0]
    p = s["ord"]
    shape = x._array.shape
    dims, keepdim = s["dim"], s["keepdim"]
    where = FUNCTIONS["where"]
    if p == 0:
        return None
    g = _as_dtype(_restore(grad, shape, dims, keepdim), x._dtype.to_real())
    r = _as_dtype(_restore(s["result"], shape, dims, keepdim), x._dtype.to_real())
    sg = x.sgn()
    if p == 1:
        return sg * g
    if p == 2:
        return where(r == 0, 0.0, x / r) * g
    if math.isinf(p):
        mask = x.abs().eq(r)
        if len(shape) == 0:
            cnt = mask.to(g._dtype)
        elif dims is None:
            cnt = mask.sum().to(g._dtype)
        else:
            cnt = mask.sum(dims, keepdim=True).to(g._dtype)
        return sg * ((g / cnt) * mask)
    ax = x.abs()
    if p < 1:
        return where(x == 0, 0.0, sg * (ax / r).pow(p - 1) * g)
    if p < 2:
        return where(r == 0, 0.0, sg * (ax / r).pow(p - 1) * g)
    return where(r == 0, 0.0, x * ax.pow(p - 2) * g / r.pow(p - 1))


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The legacy ``torch.norm``: vector p-norms (``'fro'`` is the 2-norm) over ``dim``.

    >>> ember.tensor([[3., 4.]]).norm(dim=1)
    tensor([5.])
    """
    _check_input(input, "norm")
    if isinstance(dim, int) and not isinstance(dim, bool):
        dim = (dim,)
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype, out=out)
        # the nuclear norm, or matrix_norm's own errors (as torch.norm does)
        dims = tuple(range(input._array.ndim)) if dim is None else tuple(dim)
        from .. import linalg
        matrix_norm = getattr(linalg, "matrix_norm", None)
        if matrix_norm is None:
            if p in ("fro", "nuc") and len(dims) != 2:
                raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                                   + " ".join(str(d) for d in dims))
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if out is not None:
            return matrix_norm(input, p, dims, keepdim, dtype=dtype, out=out)
        return matrix_norm(input, p, dims, keepdim, dtype=dtype)
    if p is None:
        p = 2
    return vector_norm(input, p, dim, keepdim, dtype=dtype, out=out)


def _tensor_norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    return norm(self, p, dim, keepdim, dtype=dtype)


# ---------------------------------------------------------------------------- count_nonzero
def count_nonzero(input, dim=None):
    """Number of nonzero elements (over ``dim`` if given), as int64.

    >>> ember.tensor([0, 1, 2]).count_nonzero()
    tensor(2)
    """
    _check_input(input, "count_nonzero")
    if input._dtype in WIDE_UNSIGNED and dim is None:
        raise missing_kernel("nonzero_count_cpu", input._dtype)
    if isinstance(dim, Tensor):
        dim = dim.__index__()
    a = input._array
    dims = _dims(dim, a.ndim)
    res = np.count_nonzero(a, axis=_axis(dims, a.ndim))
    return _wrap(res, D.int64)


# ---------------------------------------------------------------------------- cumulative ops
def _scan_dim(name, input, dim):
    if dim is _NO:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    if isinstance(dim, (tuple, list)) or isinstance(dim, (float, str)) or dim is None:
        raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not "
                        f"{type(dim).__name__}")
    return wrap_dim(dim, input._array.ndim)


def _cum_dtype(input, dtype, out, kernel):
    if dtype is not None:
        dt = dtype
        if out is not None and out._dtype is not dt:
            raise RuntimeError(f"Expected out tensor to have dtype {dt.cpp_name}, but got "
                               f"{out._dtype.cpp_name} instead")
    elif out is not None:
        dt = out._dtype
    else:
        dt = D.int64 if input._dtype.category <= 1 else input._dtype
    if dt in WIDE_UNSIGNED or dt is D.bool_:
        raise missing_kernel(kernel, dt)
    return dt


def _cumulative(name, np_ufunc, node):
    kernel = f"{name}_out_cpu"

    def fn(input, dim=_NO, *, dtype=None, out=None, **kwargs):
        _check_input(input, name)
        if "axis" in kwargs:
            dim = kwargs.pop("axis")
        d = _scan_dim(name, input, dim)
        dt = _cum_dtype(input, dtype, out, kernel)
        a = input._array
        acc = _acc_np(dt)
        arr = _cast(a, input._dtype, acc)
        res = arr.copy() if a.ndim == 0 else np_ufunc.accumulate(arr, axis=d, dtype=acc)
        if out is not None:
            if needs_grad(input):
                raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                                   "automatic differentiation, but one of the arguments requires "
                                   "grad.")
            return write_out(out, np.asarray(res), name)
        t = _wrap(res, dt)
        if input._requires_grad and _GRAD.enabled and dt.category >= 2:
            _record(node, (input,), t, {"dim": d, "self_dtype": input._dtype, "result": t})
        return t

    def fn_(self, dim=_NO, *, dtype=None):
        check_inplace(self)
        d = _scan_dim(name + "_", self, dim)
        dt = dtype or self._dtype
        if dt is not self._dtype:
            raise RuntimeError(f"Bad in-place call: input tensor dtype {self._dtype.cpp_name} and "
                               f"output tensor dtype {dt.cpp_name} should match")
        if dt in WIDE_UNSIGNED or dt is D.bool_:
            raise missing_kernel(kernel, dt)
        a = self._array
        acc = _acc_np(dt)
        arr = _cast(a, self._dtype, acc)
        res = arr.copy() if a.ndim == 0 else np_ufunc.accumulate(arr, axis=d, dtype=acc)
        grad = needs_grad(self)
        before = make_tensor(a.copy(), self._dtype) if grad else None
        np.copyto(a, res, casting="unsafe")
        self._bump_version()
        if grad:
            rebase_inplace(self, node_class(node), (self,),
                           {"dim": d, "self_dtype": self._dtype, "before": before,
                            "result": self})
        return self
    fn.__name__ = fn.__qualname__ = name
    fn_.__name__ = fn_.__qualname__ = name + "_"
    return fn, fn_


cumsum, cumsum_ = _cumulative("cumsum", np.add, "CumsumBackward0")
cumprod, cumprod_ = _cumulative("cumprod", np.multiply, "CumprodBackward0")


def _reverse_cumsum(g, dim):
    return _flip(_flip(g, dim).cumsum(dim), dim)


@_backward("CumsumBackward0", saves_inputs=False)
def _cumsum_grad(ctx, grad):
    s = ctx.saved
    if grad._array.ndim == 0 or grad._array.size == 0:
        return _as_dtype(grad, s["self_dtype"])
    return _as_dtype(_reverse_cumsum(grad, s["dim"]), s["self_dtype"])


@_backward("CumprodBackward0")
def _cumprod_grad(ctx, grad):
    s = ctx.saved
    x = s["before"] if "before" in s else ctx.inputs[0]
    dim = s["dim"]
    dt = s["self_dtype"]
    grad = _as_dtype(grad, dt)
    if x._array.ndim == 0 or x._array.size == 0:
        return grad
    where = FUNCTIONS["where"]
    xa = x._array
    res = _as_dtype(s["result"], dt)
    cplx = dt.is_complex
    if cplx:
        res = res.conj()
        x_c = x.conj()
    else:
        x_c = x
    if not (xa == 0).any():
        return _reverse_cumsum(grad * res, dim) / x_c
    # z: position of the first zero of each lane (n where there is none)
    n = xa.shape[dim]
    iszero = xa == 0
    z = np.where(iszero.any(axis=dim, keepdims=True), np.argmax(iszero, axis=dim, keepdims=True), n)
    pos = np.arange(n).reshape([-1 if i == dim else 1 for i in range(xa.ndim)])
    before = make_tensor(np.broadcast_to(pos < z, xa.shape).copy(), D.bool_)
    at = make_tensor(np.broadcast_to(pos == z, xa.shape).copy(), D.bool_)
    zero = make_tensor(np.zeros((), dt.np), dt)
    one = make_tensor(np.ones((), dt.np), dt)
    part_before = _reverse_cumsum(where(before, grad * res, zero), dim) / where(before, x_c, one)
    prod_skip = where(at, one, x_c).cumprod(dim)
    part_at = _reverse_cumsum(where(before, zero, grad * prod_skip), dim)
    return where(before, part_before, where(at, part_at, zero))


def _cumext(name):
    kernel = f"{name}_cpu"
    np_fn = np.maximum if name == "cummax" else np.minimum
    node = "CummaxBackward0" if name == "cummax" else "CumminBackward0"

    def fn(input, dim=_NO, *, out=None):
        _check_input(input, name)
        d = _scan_dim(name, input, dim)
        dt = input._dtype
        if dt in WIDE_UNSIGNED or dt.is_complex:
            raise missing_kernel(kernel, dt)
        a = input._array
        if a.ndim == 0:
            vals, idx = a.copy(), np.zeros((), np.int64)
        elif a.size == 0:
            vals, idx = a.copy(), np.zeros(a.shape, np.int64)
        else:
            arr = a.astype(np.float32) if dt in _HALF else a
            acc = np_fn.accumulate(arr, axis=d)
            upd = arr == acc
            if arr.dtype.kind == "f":
                upd |= np.isnan(arr)
            pos = np.arange(a.shape[d]).reshape([-1 if i == d else 1 for i in range(a.ndim)])
            idx = np.maximum.accumulate(np.where(upd, pos, 0), axis=d).astype(np.int64)
            vals = acc.astype(dt.np)
        rt = return_type(name if out is None else name + "_out", ("values", "indices"))
        if out is not None:
            vo, io = _check_out_pair(out, name)
            _write_checked_out(vo, vals, dt, name)
            _write_checked_out(io, idx, D.int64, name)
            return rt((vo, io))
        v, i = _wrap(vals, dt), _wrap(idx, D.int64)
        if input._requires_grad and _GRAD.enabled:
            _record(node, (input,), (v, i), {"dim": d, "indices": make_tensor(i._array, D.int64),
                                              "self_sym_sizes": a.shape})
        return rt((v, i))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Running {name[3:]}imum along ``dim`` with the index it came from."
    return fn


cummax = _cumext("cummax")
cummin = _cumext("cummin")


@_backward("CummaxBackward0", "CumminBackward0", saves_inputs=False)
def _cumext_grad(ctx, grads):
    s = ctx.saved
    g = grads[0] if isinstance(grads, tuple) else grads
    shape = s["self_sym_sizes"]
    if len(shape) == 0:
        return g
    return _zeros(shape, g._dtype).scatter_add(s["dim"], s["indices"], g)


def _logcumsumexp_array(x, axis):
    if x.dtype.kind != "c":
        return np.logaddexp.accumulate(x, axis=axis)
    # complex: a running log-sum-exp along the axis, vectorised over the other dims
    xm = np.moveaxis(x, axis, 0)
    out = np.empty_like(xm)
    acc = xm[0].copy()
    out[0] = acc
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for k in range(1, xm.shape[0]):
            v = xm[k]
            m = np.maximum(acc.real, v.real)
            m = np.where(np.isfinite(m), m, 0)
            acc = np.log(np.exp(acc - m) + np.exp(v - m)) + m
            out[k] = acc
    return np.moveaxis(out, 0, axis)


def logcumsumexp(input, dim=_NO, *, out=None):
    """``log(cumsum(exp(input)))`` along ``dim``, computed stably.

    >>> ember.tensor([0., 0.]).logcumsumexp(0)
    tensor([0.0000, 0.6931])
    """
    _check_input(input, "logcumsumexp")
    d = _scan_dim("logcumsumexp", input, dim)
    dt = input._dtype
    if dt.category <= 1:
        raise missing_kernel("logcumsumexp_out_cpu", dt)
    if out is not None and out._dtype is not dt:
        raise RuntimeError(f"expected scalar_type {dt.scalar_name} but found "
                           f"{out._dtype.scalar_name}")
    a = input._array
    x = _cast(a, dt, _acc_np(dt))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        res = x.copy() if a.ndim == 0 or a.size == 0 else _logcumsumexp_array(x, d)
    if out is not None:
        return write_out(out, np.asarray(res), "logcumsumexp")
    t = _wrap(res, dt)
    if input._requires_grad and _GRAD.enabled:
        _record("LogcumsumexpBackward0", (input,), t, {"dim": d, "result": t})
    return t


def _rev_logcumsumexp(t, dim):
    return _flip(_flip(t, dim).logcumsumexp(dim), dim)


@_backward("LogcumsumexpBackward0")
def _logcumsumexp_grad(ctx, grad):
    s = ctx.saved
    x = ctx.inputs[0]
    if grad._array.ndim == 0 or grad._array.size == 0:
        return grad
    dim = s["dim"]
    r = s["result"]
    where = FUNCTIONS["where"]
    if x._dtype.is_complex:
        return (_rev_logcumsumexp(grad.log() - r.conj(), dim) + x.conj()).exp()
    lowest = float(np.finfo(_real_np(grad._dtype)).min) if grad._dtype not in _HALF else (
        float(np.finfo(np.float16).min) if grad._dtype is D.float16 else -3.3895313892515355e38)
    lowest_t = make_tensor(np.asarray(lowest, grad._dtype.np), grad._dtype)
    log_abs = grad.abs().log()
    pos = where(grad > 0, log_abs, lowest_t)
    neg = where(grad < 0, log_abs, lowest_t)
    out_pos = (_rev_logcumsumexp(pos - r, dim) + x).exp()
    out_neg = (_rev_logcumsumexp(neg - r, dim) + x).exp()
    return out_pos - out_neg


# ---------------------------------------------------------------------------- diff
def _cat(tensors, dim):
    return FUNCTIONS["cat"](tensors, dim)


def diff(input, n=1, dim=-1, prepend=None, append=None, *, out=None):
    """n-th forward difference along ``dim``, with optional ``prepend``/``append`` values.

    >>> ember.tensor([1, 3, 6, 10]).diff()
    tensor([2, 3, 4])
    """
    _check_input(input, "diff")
    a = input._array
    if a.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, a.ndim)
    for name, v in (("prepend", prepend), ("append", append)):
        if v is None:
            continue
        if not isinstance(v, Tensor):
            raise TypeError(f"diff(): argument '{name}' must be Tensor, not {type(v).__name__}")
        if v._array.ndim != a.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        for i in range(a.ndim):
            if i != d and v._array.shape[i] != a.shape[i]:
                raise RuntimeError(
                    "diff expects the shape of tensor to prepend or append to match that of input "
                    f"except along the differencing dimension; input.size({i}) = {a.shape[i]}, "
                    f"but got tensor.size({i}) = {v._array.shape[i]}")
    x = input
    if prepend is not None or append is not None:
        parts = [t for t in (prepend, input, append) if t is not None]
        x = _cat(parts, d)
    if x._dtype in WIDE_UNSIGNED:
        raise missing_kernel("add_stub", x._dtype)
    for _ in range(n):
        size = x._array.shape[d]
        if size == 0:
            break
        hi = x.narrow(d, 1, size - 1)
        lo = x.narrow(d, 0, size - 1)
        x = FUNCTIONS["logical_xor"](hi, lo) if x._dtype is D.bool_ else hi - lo
    if n == 0:
        x = x.clone() if x is input else x
    if out is not None:
        return write_out(out, x._array, "diff")
    return x


# ---------------------------------------------------------------------------- median, mode
def _lanes(a, d):
    """``a`` with dim ``d`` moved last, as (lanes, n)."""
    m = np.moveaxis(a, d, -1)
    return m.reshape(-1, m.shape[-1]) if m.size else m.reshape(-1, m.shape[-1])


def _median_lanes(arr, nan_ignore):
    """(values, indices) of the lower median of each row of a 2-d array."""
    L, n = arr.shape
    order = np.argsort(arr, axis=1, kind="stable")
    if arr.dtype.kind == "f":
        valid = np.count_nonzero(~np.isnan(arr), axis=1)
    else:
        valid = np.full(L, n)
    if nan_ignore:
        k = np.maximum((valid - 1) // 2, 0)
    else:
        k = np.where(valid < n, valid, (n - 1) // 2)
    idx = np.take_along_axis(order, k[:, None], axis=1)[:, 0]
    if nan_ignore and n and (valid == 0).any():
        idx = np.where(valid == 0, _all_equivalent_nth(n), idx)
    vals = np.take_along_axis(arr, idx[:, None], axis=1)[:, 0]
    return vals, idx


_NTH_CACHE = {}


def _all_equivalent_nth(n):
    """The index std::nth_element (libstdc++'s introselect) leaves first when every element
    compares equivalent: what PyTorch's nanmedian returns for an all-NaN row."""
    r = _NTH_CACHE.get(n)
    if r is not None:
        return r
    idx = np.arange(n)
    first, last = 0, n
    depth = 2 * (n.bit_length() - 1)
    while last - first > 3 and depth > 0:
        depth -= 1
        mid = first + (last - first) // 2
        idx[first], idx[mid] = idx[mid], idx[first]
        idx[first + 1:last] = idx[first + 1:last][::-1].copy()
        cut = first + 1 + (last - first - 1) // 2
        if cut <= 0:
            first = cut
        else:
            last = cut
    r = _NTH_CACHE[n] = int(idx[0])
    return r


def _median_impl(input, dim, keepdim, out, nan_ignore):
    name = "nanmedian" if nan_ignore else "median"
    _check_input(input, name)
    dt = input._dtype
    a = input._array
    if dim is _NO:
        if out is not None:
            raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
        if keepdim is not False:
            raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
        if dt in WIDE_UNSIGNED or dt.is_complex or dt is D.bool_:
            raise missing_kernel("median_cpu", dt)
        arr = (a.astype(np.float32) if dt in _HALF else a).reshape(1, -1)
        if arr.size == 0:
            t = _wrap(np.asarray(np.nan), dt)
        else:
            vals, _ = _median_lanes(arr, nan_ignore)
            t = _wrap(vals.reshape(()), dt)
        if input._requires_grad and _GRAD.enabled:
            _record("NanmedianBackward0" if nan_ignore else "MedianBackward0", (input,), t,
                    {"result": t})
        return t
    if dt in WIDE_UNSIGNED or dt.is_complex or dt is D.bool_:
        raise missing_kernel("median_out", dt)
    d = wrap_dim(dim, a.ndim)
    _empty_dim_error("median", input, (d,))
    rt = return_type(name if out is None else name + "_out", ("values", "indices"))
    if a.ndim == 0:
        vals, idx = a.copy(), np.zeros((), np.int64)
    else:
        out_shape = _reduced_shape(a.shape, (d,), keepdim)
        if a.size == 0:
            vals, idx = np.zeros(out_shape, dt.np), np.zeros(out_shape, np.int64)
        else:
            arr = a.astype(np.float32) if dt in _HALF else a
            v, i = _median_lanes(_lanes(arr, d), nan_ignore)
            vals = v.astype(dt.np).reshape(out_shape)
            idx = i.astype(np.int64).reshape(out_shape)
    if out is not None:
        vo, io = _check_out_pair(out, name)
        _write_checked_out(vo, vals, dt, name)
        _write_checked_out(io, idx, D.int64, name)
        return rt((vo, io))
    vt, it = _wrap(vals, dt), _wrap(idx, D.int64)
    if input._requires_grad and _GRAD.enabled:
        _record("NanmedianBackward1" if nan_ignore else "MedianBackward1", (input,), (vt, it),
                {"indices": make_tensor(it._array, D.int64), "dim": d, "keepdim": keepdim,
                 "self_sym_sizes": a.shape})
    return rt((vt, it))


def median(input, dim=_NO, keepdim=False, *, out=None):
    """The lower median of all elements, or (values, indices) along ``dim``; NaN propagates.

    >>> ember.tensor([4., 1., 3., 2.]).median()
    tensor(2.)
    """
    return _median_impl(input, dim, keepdim, out, False)


def nanmedian(input, dim=_NO, keepdim=False, *, out=None):
    """Like ``median`` but ignoring NaN values."""
    return _median_impl(input, dim, keepdim, out, True)


@_backward("MedianBackward0", "NanmedianBackward0")
def _median_all_grad(ctx, grad):
    return _evenly(grad, ctx.inputs[0], ctx.saved["result"])


@_backward("MedianBackward1", "NanmedianBackward1", "ModeBackward0", saves_inputs=False)
def _median_dim_grad(ctx, grads):
    s = ctx.saved
    g = grads[0] if isinstance(grads, tuple) else grads
    return _select_back(g, s["self_sym_sizes"], g._dtype, s["dim"], s["indices"], s["keepdim"])


def _mode_lanes(arr):
    """(values, indices) of the most frequent value of each row (smallest on ties; the index is
    that value's last occurrence)."""
    L, n = arr.shape
    order = np.argsort(arr, axis=1, kind="stable")
    s = np.take_along_axis(arr, order, axis=1).reshape(-1)
    flat_order = order.reshape(-1)
    new = np.ones(L * n, bool)
    new[1:] = s[1:] != s[:-1]
    new[::n] = True
    starts = np.flatnonzero(new)
    lengths = np.diff(np.append(starts, L * n))
    row = starts // n
    row_first = np.searchsorted(row, np.arange(L))
    best = np.maximum.reduceat(lengths, row_first)
    is_best = lengths == best[row]
    cand = np.flatnonzero(is_best)
    _, first = np.unique(row[cand], return_index=True)
    run = cand[first]
    last = starts[run] + lengths[run] - 1
    vals = s[last]
    idx = flat_order[last]
    return vals, idx


def mode(input, dim=-1, keepdim=False, *, out=None):
    """The most frequent value along ``dim`` (the smallest on ties) and an index of it.

    >>> ember.tensor([1, 2, 2, 3]).mode()
    ember.return_types.mode(
    values=tensor(2),
    indices=tensor(2))
    """
    _check_input(input, "mode")
    dt = input._dtype
    if dt in WIDE_UNSIGNED or dt.is_complex:
        raise missing_kernel("mode_cpu", dt)
    a = input._array
    d = wrap_dim(dim, a.ndim)
    _empty_dim_error("mode", input, (d,))
    rt = return_type("mode" if out is None else "mode_out", ("values", "indices"))
    if a.ndim == 0:
        vals, idx = a.copy(), np.zeros((), np.int64)
    else:
        out_shape = _reduced_shape(a.shape, (d,), keepdim)
        if a.size == 0:
            vals, idx = np.zeros(out_shape, dt.np), np.zeros(out_shape, np.int64)
        else:
            arr = a.astype(np.float32) if dt in _HALF else a
            v, i = _mode_lanes(_lanes(arr, d))
            vals = v.astype(dt.np).reshape(out_shape)
            idx = i.astype(np.int64).reshape(out_shape)
    if out is not None:
        vo, io = _check_out_pair(out, "mode")
        _write_checked_out(vo, vals, dt, "mode")
        _write_checked_out(io, idx, D.int64, "mode")
        return rt((vo, io))
    vt, it = _wrap(vals, dt), _wrap(idx, D.int64)
    if input._requires_grad and _GRAD.enabled:
        _record("ModeBackward0", (input,), (vt, it),
                {"indices": make_tensor(it._array, D.int64), "dim": d, "keepdim": keepdim,
                 "self_sym_sizes": a.shape})
    return rt((vt, it))


# ---------------------------------------------------------------------------- quantile
_QUANTILE_SIGS = ('Tensor q, int dim = None, bool keepdim = False, *, str interpolation = "linear"',
                  'float q, int dim = None, bool keepdim = False, *, str interpolation = "linear"')
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _lerp(lo, hi, w):
    # PyTorch's lerp: exact at both ends
    return np.where(w < 0.5, lo + w * (hi - lo), hi - (hi - lo) * (1 - w))


def _quantile_impl(input, q, dim, keepdim, interpolation, out, ignore_nan):
    name = "nanquantile" if ignore_nan else "quantile"
    _check_input(input, name)
    if dim is not None and (isinstance(dim, (tuple, list, bool, float))):
        raise invalid_arguments(name, (q, dim), {}, _QUANTILE_SIGS)
    dt = input._dtype
    a = input._array
    if isinstance(q, Tensor):
        scalar_q = q._array.ndim == 0
        if q._array.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    else:
        scalar_q = True
    if a.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if dt not in (D.float32, D.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q._dtype is not dt:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        qa = q._array.reshape(-1).astype(dt.np)
        if qa.size and (np.any(qa < 0) or np.any(qa > 1)):
            raise RuntimeError("quantile() q values must be in the range [0, 1]")
    else:
        qv = float(q)
        if not 0 <= qv <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
        qa = np.asarray([qv], dt.np)
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if out is not None and out._dtype is not dt:
        raise RuntimeError("quantile() out tensor must be same dtype as the input tensor")
    if dim is None:
        lanes = a.reshape(1, -1)
        d = None
        out_shape = (1,) * a.ndim if keepdim else ()
    else:
        d = wrap_dim(dim, a.ndim)
        lanes = _lanes(a, d) if a.ndim else a.reshape(1, 1)
        out_shape = _reduced_shape(a.shape, (d,), keepdim)
    L, n = lanes.shape
    order = np.argsort(lanes, axis=1, kind="stable")
    srt = np.take_along_axis(lanes, order, axis=1)
    nan_count = np.count_nonzero(np.isnan(srt), axis=1)
    valid = n - nan_count
    one = dt.np.type(1)
    if ignore_nan:
        ranks = qa[None, :] * (valid[:, None] - one).astype(dt.np)
        ranks = np.maximum(ranks, 0)
    else:
        ranks = np.broadcast_to(qa[None, :] * dt.np.type(n - 1), (L, qa.size))
        ranks = np.where((nan_count > 0)[:, None], dt.np.type(n - 1), ranks)
    ranks = ranks.astype(dt.np)
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)
    below = ranks.astype(np.int64)
    above = np.ceil(ranks).astype(np.int64)
    lo = np.take_along_axis(srt, below, axis=1)
    if interpolation in ("linear", "midpoint"):
        w = np.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below
        hi = np.take_along_axis(srt, above, axis=1)
        with np.errstate(invalid="ignore"):
            res = _lerp(lo, hi, w.astype(dt.np)).astype(dt.np)
    else:
        w = None
        above = below
        res = lo
    # res: (L, Q) -> out_shape, or (Q, *out_shape) with q innermost in memory (PyTorch's layout)
    res_q = np.moveaxis(res.reshape(tuple(out_shape) + (qa.size,)), -1, 0)
    final = _contig(res_q[0]) if scalar_q else res_q
    if scalar_q and final.ndim == 0:
        final = np.asarray(res.reshape(()))
    if out is not None:
        return write_out(out, np.asarray(final), name)
    t = make_tensor(final.astype(dt.np, copy=False), dt)
    if input._requires_grad and _GRAD.enabled:
        # original positions of the two sorted elements each output interpolates
        src_lo = np.take_along_axis(order, below, axis=1)
        src_hi = np.take_along_axis(order, above, axis=1)
        _record("SqueezeBackward4", (input,), t,
                {"lanes": (L, n), "d": d, "src_lo": src_lo, "src_hi": src_hi,
                 "w": None if w is None else w.astype(dt.np), "scalar_q": scalar_q,
                 "out_shape": tuple(out_shape), "self_sym_sizes": a.shape})
    return t


@_backward("SqueezeBackward4", saves_inputs=False)
def _quantile_grad(ctx, grad):
    s = ctx.saved
    L, n = s["lanes"]
    d = s["d"]
    shape = s["self_sym_sizes"]
    Q = s["src_lo"].shape[1]
    g = grad.reshape((Q, L)) if not s["scalar_q"] else grad.reshape((1, L))
    g = g.transpose(0, 1)        # (L, Q)
    dt = grad._dtype
    zeros = _zeros((L, n), dt)
    lo = make_tensor(np.ascontiguousarray(s["src_lo"]), D.int64)
    if s["w"] is None:
        gl = zeros.scatter_add(1, lo, g)
    else:
        w = make_tensor(s["w"], dt)
        hi = make_tensor(np.ascontiguousarray(s["src_hi"]), D.int64)
        gl = zeros.scatter_add(1, lo, g * (1 - w)).scatter_add(1, hi, g * w)
    if d is None or len(shape) == 0:
        return gl.reshape(shape)
    moved = [shape[i] for i in range(len(shape)) if i != d] + [shape[d]]
    gl = gl.reshape(moved)
    perm = list(range(len(shape) - 1))
    perm.insert(d, len(shape) - 1)
    return gl.permute(perm)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The ``q``-th quantiles along ``dim`` (all elements if None), with interpolation.

    >>> ember.tensor([1., 2., 3., 4.]).quantile(0.5)
    tensor(2.5000)
    """
    return _quantile_impl(input, q, dim, keepdim, interpolation, out, False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """Like ``quantile`` but ignoring NaN values."""
    return _quantile_impl(input, q, dim, keepdim, interpolation, out, True)


# ---------------------------------------------------------------------------- binding
for _name, _fn in {
    "sum": sum, "nansum": nansum, "mean": mean, "nanmean": nanmean, "prod": prod, "var": var,
    "std": std, "max": max, "min": min, "amax": amax, "amin": amin, "aminmax": aminmax,
    "argmax": argmax, "argmin": argmin, "all": all, "any": any, "logsumexp": logsumexp,
    "count_nonzero": count_nonzero, "cumsum": cumsum, "cumprod": cumprod, "cummax": cummax,
    "cummin": cummin, "logcumsumexp": logcumsumexp, "diff": diff, "median": median,
    "nanmedian": nanmedian, "mode": mode, "quantile": quantile, "nanquantile": nanquantile,
}.items():
    _bind(_name, _fn)
_bind("var_mean", var_mean, method=False)
_bind("std_mean", std_mean, method=False)
_bind("norm", norm, method=False)
Tensor.norm = _tensor_norm
Tensor.cumsum_ = cumsum_
Tensor.cumprod_ = cumprod_
del _name, _fn
