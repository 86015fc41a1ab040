"""``make_tensor``: a random tensor for tests, drawn as PyTorch's ``torch.testing.make_tensor``
draws it (same defaults, bounds handling and generator calls, so seeded values agree)."""
import collections.abc
import functools
import math
import warnings

from .. import _dtype as D

_FLOAT8 = tuple(D.FLOAT8_DTYPES)
_INTEGRAL = (D.uint8, D.int8, D.int16, D.int32, D.int64, D.uint16, D.uint32, D.uint64)
_BOOL_OR_INTEGRAL = (D.bool_, *_INTEGRAL)
_COMPLEX = (D.complex32, D.complex64, D.complex128)
_FLOAT_OR_COMPLEX = (D.float16, D.bfloat16, D.float32, D.float64, *_COMPLEX)


def _bounds(low, high, dtype, lowest_inclusive, highest_exclusive, default_low, default_high):
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got {low=} and {high=}")
    if low == high and dtype in _FLOAT_OR_COMPLEX:
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or "
                      "complex types is deprecated since 2.1 and will be removed in 2.3. Use "
                      "`torch.full(...)` instead.", FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest_inclusive or low >= highest_exclusive:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dtype} only supports [{lowest_inclusive}, {highest_exclusive})")
    low = min(max(low, lowest_inclusive), highest_exclusive)
    high = min(max(high, lowest_inclusive), highest_exclusive)
    if dtype in _BOOL_OR_INTEGRAL:
        # randint's high is exclusive: ceil both so no value falls below low
        return math.ceil(low), math.ceil(high)
    return low, high


def _uniform_(t, low, high):
    # NOTE: uniform_ needs high - low to be finite in the dtype; halve the range, then double
    if high - low >= D.finfo(t.dtype).max:
        return t.uniform_(low / 2, high / 2).mul_(2)
    return t.uniform_(low, high)


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False,
                noncontiguous=False, exclude_zero=False, memory_format=None):
    """A tensor of ``shape`` with values drawn uniformly from ``[low, high)`` (defaults: -9 to 9
    for floating types, -9 to 10 for integers, 0 to 2 for bool).

    >>> ember.manual_seed(0)
    >>> ember.testing.make_tensor(3, dtype=ember.int64, device="cpu")
    tensor([-5,  0,  4])
    """
    from .._ops.creation import empty
    from .._ops.pointwise_math import view_as_real
    from ..random import randint
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError("The parameters `noncontiguous` and `memory_format` are mutually "
                         f"exclusive, but got {noncontiguous=} and {memory_format=}")
    if requires_grad and dtype in _BOOL_OR_INTEGRAL:
        raise ValueError("`requires_grad=True` is not supported for boolean and integral dtypes, "
                         f"but got {dtype=}")
    noncontiguous = noncontiguous and functools.reduce(lambda x, y: x * y, shape, 1) > 1
    if noncontiguous:
        # twice the last dimension, so that every other element can be taken
        shape = (*shape[:-1], 2 * shape[-1])

    if dtype is D.bool_:
        low, high = _bounds(low, high, dtype, 0, 2, 0, 2)
        result = randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in _INTEGRAL:
        info = D.iinfo(dtype)
        # (randint cannot draw int64's maximum, so int64's interval stops one short)
        low, high = _bounds(low, high, dtype, info.min,
                            info.max + (1 if dtype is not D.int64 else 0), -9, 10)
        result = randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in _FLOAT_OR_COMPLEX:
        info = D.finfo(dtype)
        low, high = _bounds(low, high, dtype, float(info.min), float(info.max), -9, 9)
        result = empty(shape, device=device, dtype=dtype)
        _uniform_(view_as_real(result) if dtype in _COMPLEX else result, low, high)
    elif dtype in _FLOAT8:
        info = D.finfo(dtype)
        low, high = _bounds(low, high, dtype, float(info.min), float(info.max), -9, 9)
        result = _uniform_(empty(shape, device=device, dtype=D.float32), low, high).to(dtype)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by "
                        "torch.testing.make_tensor(). To request support, file an issue at: "
                        "https://github.com/pytorch/pytorch/issues")

    if noncontiguous:
        result = result[..., 1::2]   # (offset by one, to catch offset bugs too)
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = 1 if dtype in _BOOL_OR_INTEGRAL else D.finfo(dtype).tiny
    if dtype in _FLOAT_OR_COMPLEX:
        result.requires_grad = requires_grad
    return result
