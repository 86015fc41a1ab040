"""``assert_close``: compare (nested sequences / mappings of) tensors, arrays and Python scalars
under PyTorch's rules: default tolerances per dtype, attribute checks, and PyTorch's messages.

The inputs are first split into leaf pairs (recursing through sequences and mappings, which is
where length and key mismatches are reported); each leaf pair is then handled by the first
comparer that accepts both inputs (None, booleans, numbers, tensor-likes) and compared. The first
failure is raised, with the path to the item appended unless ``msg`` is a string.
"""
import cmath
import collections.abc

import numpy as np

from .. import _dtype as D

# PyTorch's default (rtol, atol) per dtype; every other dtype compares exactly
_DTYPE_PRECISIONS = {
    D.float16: (1e-3, 1e-5), D.bfloat16: (1.6e-2, 1e-5), D.float32: (1.3e-6, 1e-5),
    D.float64: (1e-7, 1e-7), D.complex32: (1e-3, 1e-5), D.complex64: (1.3e-6, 1e-5),
    D.complex128: (1e-7, 1e-7),
}
_NUMBER_DTYPES = {int: D.int64, float: D.float64, complex: D.complex128}


class _Failure(Exception):
    """A failure to report: the exception type, its message and the path to the item."""

    def __init__(self, type_, msg, path=()):
        super().__init__(msg)
        self.type, self.msg, self.path = type_, msg, path

    def to_error(self, msg=None):
        if isinstance(msg, str):
            return self.type(msg)
        text = self.msg
        if self.path:
            text += "\n\nThe failure occurred for item " + "".join(str([k]) for k in self.path)
        return self.type(msg(text) if callable(msg) else text)


class _Unsupported(Exception):
    """This comparer does not handle these inputs; try the next one."""


def _tolerances(dtypes, rtol, atol, path):
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise _Failure(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, "
                                   f"but got no {missing}.", path)
    if rtol is not None:
        return rtol, atol
    rtols, atols = zip(*(_DTYPE_PRECISIONS.get(d, (0.0, 0.0)) for d in dtypes))
    return max(rtols), max(atols)


def _mismatch_message(default_identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx,
                      rtol):
    exact = rtol == 0 and atol == 0

    def line(kind, diff, idx, tol):
        text = (f"{kind.title()} difference: {diff}" if idx is None
                else f"Greatest {kind} difference: {diff} at index {idx}")
        return text + ("" if exact else f" (up to {tol} allowed)") + "\n"

    msg = f"{default_identifier} are not {'equal' if exact else 'close'}!\n\n{extra.strip()}\n"
    msg += line("absolute", abs_diff, abs_idx, atol) + line("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_mismatch(actual, expected, rtol, atol):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_message("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None,
                             atol, rel_diff, None, rtol)


class _NonePair:
    name = "NonePair"

    def __init__(self, actual, expected, path, **options):
        if not (actual is None or expected is None):
            raise _Unsupported
        self.actual, self.expected, self.path = actual, expected, path

    def compare(self):
        if not (self.actual is None and self.expected is None):
            raise _Failure(AssertionError,
                           f"None mismatch: {self.actual} is not {self.expected}", self.path)


class _BooleanPair:
    name = "BooleanPair"
    def __init__(self, actual, expected, path, **options):
        if not all(isinstance(x, (bool, np.bool_)) for x in (actual, expected)):
            raise _Unsupported
        self.actual, self.expected, self.path = bool(actual), bool(expected), path

    def compare(self):
        if self.actual is not self.expected:
            raise _Failure(AssertionError,
                           f"Booleans mismatch: {self.actual} is not {self.expected}", self.path)


class _NumberPair:
    name = "NumberPair"
    def __init__(self, actual, expected, path, *, rtol=None, atol=None, equal_nan=False,
                 check_dtype=False, **options):
        kinds = (int, float, complex, np.number)
        if not all(isinstance(x, kinds) for x in (actual, expected)):
            raise _Unsupported
        self.actual, self.expected = (x.item() if isinstance(x, np.number) else x
                                      for x in (actual, expected))
        self.path = path
        self.rtol, self.atol = _tolerances(
            [_NUMBER_DTYPES[type(x)] for x in (self.actual, self.expected)], rtol, atol, path)
        self.equal_nan, self.check_dtype = equal_nan, check_dtype

    def compare(self):
        actual, expected = self.actual, self.expected
        if self.check_dtype and type(actual) is not type(expected):
            raise _Failure(AssertionError, f"The (d)types do not match: {type(actual)} != "
                                           f"{type(expected)}.", self.path)
        if actual == expected:
            return
        if self.equal_nan and cmath.isnan(actual) and cmath.isnan(expected):
            return
        abs_diff = abs(actual - expected)
        if cmath.isfinite(abs_diff) and abs_diff <= self.atol + self.rtol * abs(expected):
            return
        raise _Failure(AssertionError,
                       _scalar_mismatch(actual, expected, self.rtol, self.atol), self.path)


class _TensorLikePair:
    name = "TensorLikePair"
    def __init__(self, actual, expected, path, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, **options):
        if not (isinstance(actual, type(expected)) or isinstance(expected, type(actual))):
            raise _Unsupported
        if not allow_subclasses and type(actual) is not type(expected):
            raise _Unsupported
        self.actual, self.expected = self._to_tensor(actual), self._to_tensor(expected)
        self.path = path
        self.rtol, self.atol = _tolerances([self.actual.dtype, self.expected.dtype], rtol, atol,
                                           path)
        self.equal_nan = equal_nan
        self.check_device, self.check_dtype = check_device, check_dtype
        self.check_layout, self.check_stride = check_layout, check_stride

    @staticmethod
    def _to_tensor(x):
        from .._tensor import Tensor
        if isinstance(x, Tensor):
            return x
        from .._ops.creation import as_tensor
        try:
            return as_tensor(x)
        except Exception:  # noqa: BLE001 - anything as_tensor refuses is not a tensor-like
            raise _Unsupported from None

    def _fail_attribute(self, name, actual, expected):
        raise _Failure(AssertionError, f"The values for attribute '{name}' do not match: "
                                       f"{actual} != {expected}.", self.path)

    def compare(self):
        from ..autograd.grad_mode import no_grad
        actual, expected = self.actual, self.expected
        if actual.shape != expected.shape:
            self._fail_attribute("shape", actual.shape, expected.shape)
        if actual.layout != expected.layout:
            if self.check_layout:
                self._fail_attribute("layout", actual.layout, expected.layout)
        elif self.check_stride and actual.stride() != expected.stride():
            self._fail_attribute("stride()", actual.stride(), expected.stride())
        if self.check_device and actual.device != expected.device:
            self._fail_attribute("device", actual.device, expected.device)
        if self.check_dtype and actual.dtype != expected.dtype:
            self._fail_attribute("dtype", actual.dtype, expected.dtype)
        with no_grad():
            actual, expected = actual.detach(), expected.detach()
            if actual.device != expected.device:
                actual, expected = actual.cpu(), expected.cpu()
            if actual.dtype != expected.dtype:
                # (unsigned 16/32/64-bit types compare as int64, as in PyTorch)
                wide = {D.uint16, D.uint32, D.uint64}
                common = D.promote_types(D.int64 if actual.dtype in wide else actual.dtype,
                                         D.int64 if expected.dtype in wide else expected.dtype)
                actual, expected = actual.to(common), expected.to(common)
            self._compare_values(actual, expected)

    def _compare_values(self, actual, expected):
        from .._ops.pointwise_math import isclose
        rtol, atol = self.rtol, self.atol
        if actual.dtype.is_floating_point and actual.dtype.itemsize == 1 and (rtol or atol):
            raise _Failure(AssertionError,
                           f"Rtol={rtol} and atol={atol} are not supported for bitwise "
                           "comparison of low dimensional floats. Please use rtol=0.0 and "
                           "atol=0.0.", self.path)
        matches = isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=self.equal_nan)
        if bool(matches.all()):
            return
        if actual.dim() == 0:
            msg = _scalar_mismatch(actual.item(), expected.item(), rtol, atol)
        else:
            msg = _tensor_mismatch(actual, expected, matches, rtol, atol)
        raise _Failure(AssertionError, msg, self.path)


def _tensor_mismatch(actual, expected, matches, rtol, atol):
    from .. import _dtype
    shape = tuple(matches.shape)

    def unravel(flat_index):
        return tuple(int(i) for i in np.unravel_index(flat_index, shape))

    total = matches.numel()
    mismatched = total - int(matches.sum())
    extra = f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})"
    if actual.dtype.is_floating_point and actual.dtype.itemsize == 1:
        first = unravel(int(np.flatnonzero(~matches.numpy())[0]))
        return (f"Tensor-likes are not 'equal'!\n\n{extra}\n"
                f"The first mismatched element is at index {first}.")
    a, e, ok = actual.flatten(), expected.flatten(), matches.flatten()
    if not (actual.dtype.is_floating_point or actual.dtype.is_complex):
        a, e = a.to(_dtype.int64), e.to(_dtype.int64)   # (no overflow in the difference)
    abs_diff = (a - e).abs()
    abs_diff[ok] = 0   # only mismatches may be the greatest difference
    max_abs, abs_at = abs_diff.max(0)
    rel_diff = abs_diff / e.abs()
    rel_diff[ok] = 0
    max_rel, rel_at = rel_diff.max(0)
    return _mismatch_message("Tensor-likes", extra, max_abs.item(), unravel(int(abs_at)), atol,
                             max_rel.item(), unravel(int(rel_at)), rtol)


_PAIR_TYPES = (_NonePair, _BooleanPair, _NumberPair, _TensorLikePair)


def _leaf_pairs(actual, expected, path, options):
    seq, mapping = collections.abc.Sequence, collections.abc.Mapping
    if (isinstance(actual, seq) and not isinstance(actual, str)
            and isinstance(expected, seq) and not isinstance(expected, str)):
        if len(actual) != len(expected):
            raise _Failure(AssertionError, "The length of the sequences mismatch: "
                                           f"{len(actual)} != {len(expected)}", path)
        return [p for i in range(len(actual))
                for p in _leaf_pairs(actual[i], expected[i], (*path, i), options)]
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        actual_keys, expected_keys = set(actual.keys()), set(expected.keys())
        if actual_keys != expected_keys:
            raise _Failure(AssertionError,
                           "The keys of the mappings do not match:\n"
                           f"Missing keys in the actual mapping: "
                           f"{sorted(expected_keys - actual_keys)}\n"
                           f"Additional keys in the actual mapping: "
                           f"{sorted(actual_keys - expected_keys)}", path)
        keys = actual_keys
        try:    # sorted when possible, so the first failure reported is deterministic
            keys = sorted(keys)
        except Exception:  # noqa: BLE001
            pass
        return [p for k in keys for p in _leaf_pairs(actual[k], expected[k], (*path, k), options)]
    for pair_type in _PAIR_TYPES:
        try:
            return [pair_type(actual, expected, path, **options)]
        except _Unsupported:
            continue
        except _Failure:
            raise
        except Exception as error:
            # (e.g. True against 1: both numbers, but bool has no number dtype) PyTorch's text
            raise RuntimeError(
                f"Originating a {pair_type.name}() at item "
                f"{''.join(str([k]) for k in path)} with\n\n{type(actual).__name__}(): {actual}"
                f"\n\nand\n\n{type(expected).__name__}(): {expected}\n\nresulted in the "
                "unexpected exception above. If you are a user and see this message during "
                "normal operation please file an issue at "
                "https://github.com/pytorch/pytorch/issues. If you are a developer and working "
                "on the comparison functions, please except the previous error and raise an "
                "expressive `ErrorMeta` instead.") from error
    raise _Failure(TypeError, "No comparison pair was able to handle inputs of type "
                              f"{type(actual)} and {type(expected)}.", path)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close: tensors (or arrays)
    elementwise within ``atol + rtol * |expected|`` (defaults by dtype, as PyTorch's), Python
    numbers likewise, recursing through sequences and mappings.

    >>> ember.testing.assert_close(ember.tensor([1., 2.]), ember.tensor([1., 2.5]))
    Traceback (most recent call last):
    AssertionError: Tensor-likes are not close!
    ...
    """
    __tracebackhide__ = True
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_device=check_device, check_dtype=check_dtype,
                   check_layout=check_layout, check_stride=check_stride)
    try:
        pairs = _leaf_pairs(actual, expected, (), options)
    except _Failure as failure:
        raise failure.to_error() from None
    for pair in pairs:
        try:
            pair.compare()
        except _Failure as failure:
            raise failure.to_error(msg) from None
