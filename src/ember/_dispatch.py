"""The op registry: one definition of an op binds ``ember.fn``, ``Tensor.fn``, ``Tensor.fn_``,
``out=``, the Python operators, dtype promotion, broadcasting and autograd recording.

An elementwise op is declared once, next to its derivative:

    @pointwise_binary("mul", kind=DEFAULT, grad_fn="MulBackward0",
                      operators=("__mul__", "__rmul__", "__imul__"))
    def mul(a, b):                 # arrays, already cast to the compute dtype
        return np.multiply(a, b)

    @mul.derivative
    def _(ctx, grad):              # ember Tensors in, one gradient per input out
        a, b = ctx.inputs
        return grad * b, grad * a

Promotion follows ``_dtype.result_type_of`` (PyTorch's rules), never NumPy's. The hot path
(same-dtype tensors, nothing to record) is a closure with no Python-level argument parsing.
"""
import warnings

import numpy as np

from . import _dtype as D
from ._fperr import ignore_fp_errors, restore_fp_errors
from ._tensor import Tensor, make_tensor, _new, strides_of
from ._memory_format import elementwise_strides, preserve_strides
from ._bf16_nan import set_nan_bits, SCALAR, VECTORISED, ARITHMETIC
from ._backend import empty_strided, contiguous_strides
from .autograd.grad_mode import STATE as _GRAD
from .autograd import graph as _graph

_ndarray = np.ndarray
_asarray = np.asarray
_SCALAR_TYPES = (bool, int, float, complex)

# Result kinds (names from PyTorch's elementwise type promotion kinds).
DEFAULT = "default"
INT_TO_FLOAT = "int_to_float"
ALWAYS_BOOL = "always_bool"
COMPLEX_TO_FLOAT = "complex_to_float"

WIDE_UNSIGNED = frozenset((D.uint16, D.uint32, D.uint64))
COMPLEX = frozenset((D.complex32, D.complex64, D.complex128))
FLOATS = frozenset((D.float16, D.bfloat16, D.float32, D.float64))
HALF_FLOATS = frozenset((D.float16, D.bfloat16))
_BF16 = D.bfloat16


def bind(name, fn, *, method=True, function=True):
    """Expose ``fn`` as ``ember.<name>`` (collected by __init__) and/or ``Tensor.<name>``."""
    if function:
        FUNCTIONS[name] = fn
    if method:
        setattr(Tensor, name, fn)
    return fn


FUNCTIONS = {}


def tensor_method(name=None):
    """Decorator: bind a function as a Tensor method only."""
    def deco(fn):
        setattr(Tensor, name or fn.__name__, fn)
        return fn
    return deco


# ---------------------------------------------------------------------------
# Operands, messages
# ---------------------------------------------------------------------------
def type_name(x):
    """The Python type name PyTorch's argument errors print."""
    if isinstance(x, Tensor):
        return "Tensor"
    if isinstance(x, (tuple, list)):
        return type(x).__name__
    return type(x).__name__


def check_int(x):
    """A Python number as PyTorch binds it: ints must fit in [-2**63, 2**64)."""
    if type(x) is int and not -0x8000000000000000 <= x <= 0xFFFFFFFFFFFFFFFF:
        if x < 0:
            raise OverflowError("can't convert negative int to unsigned")
        raise OverflowError("int too big to convert")
    return x


def as_operand(x, fname, argname, pos):
    """A Tensor or a Python scalar; NumPy scalars become Python numbers."""
    if isinstance(x, Tensor):
        return x
    t = type(x)
    if t is int:
        return check_int(x)
    if t is float or t is bool or t is complex:
        return x
    if isinstance(x, (np.generic,)) or isinstance(x, _SCALAR_TYPES):
        return check_int(D.normalize_scalar(x))
    raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                    f"{type_name(x)}")


def _long_type_name(x):
    """A type name as PyTorch's argument errors print it inside ``!...!`` marks."""
    if isinstance(x, (list, tuple)):
        names = list(dict.fromkeys(_long_type_name(v) for v in x))
        o, c = ("[", "]") if isinstance(x, list) else ("(", ")")
        return f"{type(x).__name__} of {o}{', '.join(names)}{c}"
    return _short_type_name(x)


def _short_type_name(x):
    if isinstance(x, Tensor):
        return "Tensor"
    if isinstance(x, D.dtype):
        return "ember.dtype"  # (PyTorch: torch.dtype)
    t = type(x)
    if t.__module__ == "builtins":
        return t.__name__
    return f"{t.__module__}.{t.__qualname__}"


def invalid_arguments(name, args, kwargs, signatures):
    """PyTorch's TypeError for a call matching none of ``signatures`` (parameter lists such as
    ``"Tensor input, Number other, *, Tensor out = None"``)."""
    got = [_short_type_name(a) for a in args] + [f"{k}={_short_type_name(v)}"
                                                 for k, v in sorted(kwargs.items())]
    lines = [f"{name}() received an invalid combination of arguments - got ({', '.join(got)}), "
             "but expected one of:"]
    nargs = len(args) + len(kwargs)
    for sig in signatures:
        lines.append(f" * ({sig})")
        params = [p.split(" = ")[0].split() for p in sig.split(", ") if p != "*"]
        if len(params) != nargs:
            continue
        names = [p[1] for p in params]
        bad_kw = [k for k in sorted(kwargs) if k not in names]
        if bad_kw:
            lines.append("      didn't match because some of the keywords were incorrect: "
                         + ", ".join(bad_kw))
            continue
        # an argument is unmarked only where a Tensor was given for a Tensor parameter
        marked = []
        for (ptype, _), a in zip(params, args):
            ok = ptype == "Tensor" and isinstance(a, Tensor)
            marked.append(_short_type_name(a) if ok else f"!{_long_type_name(a)}!")
        for k in sorted(kwargs):
            v = kwargs[k]
            ok = params[names.index(k)][0] == "Tensor" and isinstance(v, Tensor)
            text = f"{k}={_long_type_name(v)}"
            marked.append(text if ok else f"!{text}!")
        lines.append("      didn't match because some of the arguments have invalid types: ("
                     + ", ".join(marked) + ")")
    return TypeError("\n".join(lines) + "\n")


_RESULT_TYPE_SIGNATURES = ("Tensor tensor, Tensor other", "Number scalar, Tensor tensor",
                           "Tensor tensor, Number other", "Number scalar1, Number scalar2")


def _is_number(x):
    return isinstance(x, _SCALAR_TYPES) or isinstance(x, (np.number, np.bool_))


def result_type(tensor, other):
    """The dtype an elementwise op on the two operands (tensors or numbers) produces.

    >>> ember.result_type(ember.tensor([1, 2]), 1.0)
    ember.float32
    """
    for x in (tensor, other):
        if not isinstance(x, Tensor) and not _is_number(x):
            raise invalid_arguments("result_type", (tensor, other), {}, _RESULT_TYPE_SIGNATURES)
    a = tensor if isinstance(tensor, Tensor) else D.normalize_scalar(tensor)
    b = other if isinstance(other, Tensor) else D.normalize_scalar(other)
    return D.result_type_of((a, b))


def shape_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def broadcast_shapes2(sa, sb):
    """Broadcast two shapes with PyTorch's error text."""
    if sa == sb:
        return sa
    na, nb = len(sa), len(sb)
    n = max(na, nb)
    out = [0] * n
    # (from the last dimension: PyTorch reports the innermost mismatch)
    for i in range(n - 1, -1, -1):
        da = sa[na - n + i] if na - n + i >= 0 else 1
        db = sb[nb - n + i] if nb - n + i >= 0 else 1
        if da == db or db == 1:
            out[i] = da
        elif da == 1:
            out[i] = db
        else:
            raise RuntimeError(f"The size of tensor a ({da}) must match the size of tensor b ({db}) "
                               f"at non-singleton dimension {i}")
    return tuple(out)


def scalar_as(value, dt):
    """A Python scalar as a NumPy scalar of dtype ``dt``, wrapping integers like PyTorch."""
    npdt = dt.np
    if type(value) is int and dt.category <= 1:
        if value > 0xFFFFFFFFFFFFFFFF:
            raise OverflowError("int too big to convert")
        if value < -0x8000000000000000:
            raise OverflowError("can't convert negative int to unsigned")
        if dt is D.bool_:
            return np.bool_(value != 0)
        if value >= 0x8000000000000000:
            return np.uint64(value).astype(npdt) if npdt != np.uint64 else np.uint64(value)
        return np.int64(value).astype(npdt)
    if type(value) is int and value > 0xFFFFFFFFFFFFFFFF:
        raise OverflowError("int too big to convert")
    if dt.category < 3 and type(value) is complex:
        value = value.real
    # (a float beyond the dtype's range becomes inf: NumPy's warning is hidden, see below)
    return npdt.type(value)


def array_as(t, dt):
    """The array of tensor ``t`` in dtype ``dt`` (no copy when it already is)."""
    a = t._array
    if t._dtype is dt:
        return a
    return a.astype(dt.np)


# PyTorch never warns about floating-point exceptions (inf - inf, 0 / 0, overflow); NumPy does.
# A warnings filter hides NumPy's when they come from ember's own frames: free until NumPy
# actually warns, where np.errstate around each kernel would cost every op a microsecond.
# (Harnesses that reset the warning filters after import, like pytest per test, see them.)
_FP_WARNING = r"(overflow|invalid value|divide by zero|underflow) encountered in"


def hide_fp_warnings():
    """Install the filter that hides NumPy floating-point warnings raised in ember's code."""
    warnings.filterwarnings("ignore", message=_FP_WARNING, category=RuntimeWarning,
                            module=r"ember(\.|$)")


hide_fp_warnings()


def _cast(res, npdt):
    return _asarray(res).astype(npdt)


def round_complex32(x):
    """complex64 values rounded to complex32's precision (float16 real and imaginary parts)."""
    x = _asarray(x)
    return (x.real.astype(np.float16).astype(np.complex64)
            + 1j * x.imag.astype(np.float16).astype(np.complex64)).astype(np.complex64)


def missing_kernel(kernel, dt):
    return NotImplementedError(f'"{kernel}" not implemented for \'{dt.scalar_name}\'')


def cast_error(compute, out_dt):
    return RuntimeError(f"result type {compute.scalar_name} can't be cast to the desired output "
                        f"type {out_dt.scalar_name}")


def match_layout(res, operands, compute=None):
    """``res`` laid out as PyTorch's TensorIterator lays out an elementwise result over
    ``operands`` (Tensors and Python scalars; ``compute``: the dtype inputs are converted to
    first, which makes non-dense inputs of another dtype dense). Copies only when NumPy chose
    another layout."""
    if type(res) is not _ndarray or res.ndim < 2:
        return res
    simple = True  # every input row-major without size-1 dimensions: row-major, as NumPy's
    for x in operands:
        if isinstance(x, Tensor):
            a = x._array
            if 1 in a.shape or not a.flags.c_contiguous:
                simple = False
                break
    if simple and res.flags.c_contiguous:
        return res
    inputs = []
    has_scalars = False
    for x in operands:
        if isinstance(x, Tensor):
            a = x._array
            st = strides_of(a)
            if compute is not None and x._dtype is not compute and a.ndim:
                st = preserve_strides(a.shape, st)
            inputs.append((a.shape, st))
        elif x is not None:
            has_scalars = True
    want = elementwise_strides(res.shape, inputs, has_scalars)
    if strides_of(res) == want:
        return res
    out = empty_strided(res.shape, want, res.dtype)
    np.copyto(out, res)
    return out


def wrap_result(arr, dt, bf16_nan=SCALAR):
    """Wrap a kernel result (array or NumPy scalar) into a Tensor of dtype ``dt``
    (``bf16_nan``: how a bfloat16 result's NaNs are written, see ``_bf16_nan``; None: as is)."""
    if type(arr) is not _ndarray:
        arr = _asarray(arr)
    if arr.dtype != dt.np:
        arr = arr.astype(dt.np)
    if dt is _BF16 and bf16_nan is not None:
        # (PyTorch's scalar loops write NaN as 0x7FC0; NumPy keeps x86's negative NaN)
        set_nan_bits(arr, bf16_nan)
    return make_tensor(arr, dt)


# ---------------------------------------------------------------------------
# Writing results: out= and in-place
# ---------------------------------------------------------------------------
def write_out(out, result_arr, name):
    """Store a computed array into ``out`` (resizing it as PyTorch does) and bump its version."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type_name(out)}")
    if out._requires_grad and _GRAD.enabled:
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    shape = result_arr.shape if hasattr(result_arr, "shape") else ()
    if out._array.shape != shape:
        if out._array.size != 0:
            import warnings
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{shape_str(out._array.shape)}, which does not match the required output shape "
                f"{shape_str(shape)}. This behavior is deprecated, and in a future PyTorch release "
                "outputs will not be resized unless they have zero elements. You can explicitly "
                "reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
                UserWarning, stacklevel=3)
        out._array = np.empty(shape, dtype=out._dtype.np)
    np.copyto(out._array, result_arr, casting="unsafe")
    out._bump_version()
    return out


def check_inplace(self):
    """PyTorch's checks before modifying ``self`` in place (autograd and memory overlap)."""
    if _GRAD.enabled:
        base = self._base
        if base is None:
            if self._requires_grad and self._grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
        else:
            if base._requires_grad and base._grad_fn is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                                   "an in-place operation.")
            cv = self.__dict__.get("_custom_fn_view")
            if cv is not None and (self._requires_grad or base._requires_grad):
                raise RuntimeError(
                    f"Output {cv[1]} of {cv[0]} is a view and is being modified inplace. This "
                    "view was created inside a custom Function (or because an input was returned "
                    "as-is) and the autograd logic to handle view+inplace would override the "
                    "custom backward associated with the custom Function, leading to incorrect "
                    "gradients. This behavior is forbidden. You can fix this by cloning the output "
                    "of the custom Function.")
            mv = self._multi_view
            if mv is not None and base._requires_grad:
                raise RuntimeError(
                    f"Output {mv[1]} of {mv[0]} is a view and is being modified inplace. This view "
                    "is the output of a function that returns multiple views. Such functions do "
                    "not allow the output views to be modified inplace. You should replace the "
                    "inplace operation by an out-of-place one.")
            if self._view_no_grad and (self._requires_grad or base._requires_grad):
                raise RuntimeError(
                    "A view was created in no_grad mode and is being modified inplace with grad "
                    "mode enabled. Given that this use case is ambiguous and error-prone, it is "
                    "forbidden. You can clarify your code by moving both the view and the inplace "
                    "either both inside the no_grad block (if you don't want the inplace to be "
                    "tracked) or both outside (if you want the inplace to be tracked).")
    if self._inference and not _GRAD.inference:
        raise RuntimeError("Inplace update to inference tensor outside InferenceMode is not "
                           "allowed.You can make a clone to get a normal tensor before doing "
                           "inplace update.See https://github.com/pytorch/rfcs/pull/17 for more "
                           "details.")
    a = self._array
    if a.size > 1 and 0 in a.strides:
        for n, s in zip(a.shape, a.strides):
            if s == 0 and n > 1:
                raise RuntimeError(
                    "unsupported operation: more than one element of the written-to tensor refers "
                    "to a single memory location. Please clone() the tensor before performing the "
                    "operation.")


# ---------------------------------------------------------------------------
# Autograd recording
# ---------------------------------------------------------------------------
def needs_grad(*inputs):
    """True when grad mode is on and any input tensor requires grad."""
    if not _GRAD.enabled:
        return False
    for x in inputs:
        if isinstance(x, Tensor) and x._requires_grad:
            return True
    return False


def record(node_cls, inputs, outputs, saved=None):
    """Attach a new ``node_cls`` node to ``outputs`` with edges to ``inputs``' producers."""
    return _graph.record_node(node_cls, inputs, outputs, saved)


# ---------------------------------------------------------------------------
# Elementwise binary ops
# ---------------------------------------------------------------------------
class BinaryOp:
    """A promoting elementwise binary op: PyTorch's TensorIterator pipeline on NumPy arrays."""

    def __init__(self, name, forward, *, kind=DEFAULT, kernel=None, missing=(), grad_fn=None,
                 safe_cast=True, precheck=None, fast_dtypes=None, argnames=("input", "other")):
        self.name = name
        self.forward = forward
        self.kind = kind
        self.kernel = kernel or f"{name}_cpu"
        self.missing = frozenset(missing)
        self.safe_cast = safe_cast
        self.precheck = precheck
        self.node_cls = _graph.node_class(grad_fn) if grad_fn else None
        self.backward = None
        self.argnames = argnames
        # dtypes whose same-dtype computation needs no promotion step at all
        if fast_dtypes is None:
            fast_dtypes = [d for d in D.ALL_DTYPES if d.np is not None and d not in self.missing
                           and d.category > 0]
            if kind == INT_TO_FLOAT:
                fast_dtypes = [d for d in fast_dtypes if d.category >= 2]
        self.fast_dtypes = frozenset(fast_dtypes)

    # ``check_extra(compute_dtype, extra)``: checks of extra arguments (add's alpha) that
    # PyTorch makes after the output cast check and before the kernel check
    check_extra = None
    # whether a half-precision computation takes a scalar second operand in float32 (mul, div)
    opmath_scalar = False
    # whether a Python number is a (0-dim) TensorIterator operand, which rules out its fast
    # layout setup; False where PyTorch passes it to a unary kernel (pow(Tensor, Number))
    number_operand = True
    # whether PyTorch allocates the result row-major whatever the inputs (pow(Number, Tensor))
    row_major_out = False
    # the bare ufunc equal to ``forward(a, b)`` on same-dtype operands (None: call forward)
    ufunc = None

    def derivative(self, fn):
        """Register the backward formula: ``fn(ctx, grad) -> (grad_a, grad_b)``."""
        self.backward = fn
        if self.node_cls is not None:
            self.node_cls.backward_fn = staticmethod(fn)
        return fn

    # The full pipeline --------------------------------------------------------------
    def compute_dtype(self, a, b):
        common = D.result_type_of((a, b))
        if self.kind == INT_TO_FLOAT and common.category <= 1:
            return common, D.get_default_dtype()
        return common, common

    def __call__(self, a, b, out=None, inplace=False, extra=None):
        name = self.name
        if self.precheck is not None:
            self.precheck(a, b)
        a_is_t = isinstance(a, Tensor)
        b_is_t = isinstance(b, Tensor)
        sa = a._array.shape if a_is_t else ()
        sb = b._array.shape if b_is_t else ()
        shape = broadcast_shapes2(sa, sb)
        if inplace and shape != sa:
            raise RuntimeError(f"output with shape {shape_str(sa)} doesn't match the broadcast "
                               f"shape {shape_str(shape)}")
        common, compute = self.compute_dtype(a, b)
        result_dt = D.bool_ if self.kind == ALWAYS_BOOL else compute
        if inplace:
            if self.safe_cast and result_dt is not a._dtype and not D.can_cast(result_dt, a._dtype):
                raise cast_error(result_dt, a._dtype)
        elif out is not None and isinstance(out, Tensor):
            if self.safe_cast and result_dt is not out._dtype and not D.can_cast(result_dt, out._dtype):
                raise cast_error(result_dt, out._dtype)
        if extra is not None and self.check_extra is not None:
            self.check_extra(compute, extra)
        if compute in self.missing:
            raise missing_kernel(self.kernel, compute)
        if compute.np is None:
            # complex32: ember cannot store it, but it can compute it (operands and result
            # rounded to half precision around a complex64 kernel) when the result is stored
            # in another dtype: comparisons, or an out= of another dtype.
            if result_dt is compute and out is None:
                raise RuntimeError(f"ember cannot hold {compute} tensors (NumPy has no such type)")
            c64 = D.complex64
            A = round_complex32(array_as(a, c64) if a_is_t else scalar_as(a, c64))
            B = round_complex32(array_as(b, c64) if b_is_t else scalar_as(b, c64))
            res = self.forward(A, B) if extra is None else self.forward(A, B, **extra)
            if result_dt is compute:
                res = round_complex32(res)
        else:
            A = array_as(a, compute) if a_is_t else scalar_as(a, compute)
            if self.opmath_scalar and compute in HALF_FLOATS and (
                    not b_is_t or b._array.ndim == 0):
                # NOTE: PyTorch's half-precision mul/div take a scalar second operand (a number
                # or a 0-dim tensor) in float32 ("op math") unrounded: f16 0 * 70000. is 0,
                # not 0 * inf = nan. NumPy computes half * float32-scalar in float32.
                B = np.float32(b) if not b_is_t else b._array.astype(np.float32)[()]
                res = self.forward(A, B) if extra is None else self.forward(A, B, **extra)
                res = _cast(res, compute.np)
            else:
                B = array_as(b, compute) if b_is_t else scalar_as(b, compute)
                res = self.forward(A, B) if extra is None else self.forward(A, B, **extra)
        if inplace:
            check_inplace(a)
            grad = needs_grad(a, b) and self.node_cls is not None
            # the derivative may need self's value from before the op
            old = a._array.copy() if grad and self.node_cls.saves_inputs else None
            if a._array.shape == () and type(res) is not _ndarray:
                res = _asarray(res)
            np.copyto(a._array, res, casting="unsafe")
            a._bump_version()
            if grad:
                _graph.rebase_inplace(a, self.node_cls, (a, b), extra, old=old)
            return a
        if out is not None:
            if needs_grad(a, b):
                raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                                   "automatic differentiation, but one of the arguments requires "
                                   "grad.")
            return write_out(out, _asarray(res), name)
        if self.row_major_out:
            if type(res) is _ndarray and strides_of(res) != contiguous_strides(res.shape):
                res = np.array(res, order="C")
        else:
            res = match_layout(res, (a, b) if self.number_operand or (a_is_t and b_is_t)
                               else (a if a_is_t else b,), compute)
        result = wrap_result(res, result_dt)
        if result_dt is _BF16 and compute is _BF16:
            # PyTorch's vectorised loop (contiguous operands of the result's shape or scalars)
            set_nan_bits(result._array, ARITHMETIC, all(
                x._array.flags.c_contiguous and x._array.shape in (shape, ())
                for x in (a, b) if isinstance(x, Tensor)))
        if _GRAD.enabled and self.node_cls is not None and result_dt.category >= 2 and (
                (a_is_t and a._requires_grad) or (b_is_t and b._requires_grad)):
            record(self.node_cls, (a, b), result, extra)
        return result

    # Generated entry points ---------------------------------------------------------
    def make_operator(self, reflected=False, commutative=False):
        """``Tensor.__op__`` (or ``__rop__``) with the same-dtype, no-grad fast path."""
        # (the bare ufunc where the forward only wraps one: a Python frame less per call)
        fwd = self.ufunc or self.forward
        # (bfloat16 takes the full path, which writes NaNs with PyTorch's bits)
        fast = self.fast_dtypes - {_BF16}
        run = self.__call__
        state = _GRAD
        kind_bool = self.kind == ALWAYS_BOOL
        bool_dt = D.bool_
        node_cls = self.node_cls
        # float32/float64 operands need no promotion or kernel checks: the result has their
        # dtype (comparisons: bool) and only autograd recording remains
        grad_fast = frozenset((D.float32, D.float64)) & self.fast_dtypes
        if self.precheck is not None and self.name not in ("_sub_plain",):
            grad_fast = frozenset()
        record_binary = _graph.record_binary

        def _finish_grad(r, d, a, b):
            if r.ndim != 1:
                if type(r) is not _ndarray:
                    r = _asarray(r)
                elif r.ndim > 1 and not (a._array.flags.c_contiguous and 1 not in r.shape and (
                        type(b) is not Tensor or b._array.flags.c_contiguous)):
                    r = match_layout(r, (a, b))
            t = _new(Tensor)
            t._array = r
            if kind_bool:
                t._dtype = bool_dt
                return t
            t._dtype = d
            if state.enabled and node_cls is not None and (
                    a._requires_grad or (type(b) is Tensor and b._requires_grad)):
                record_binary(node_cls, a, b, t)
            return t

        if not reflected:
            def operator(self, other):
                if type(other) is Tensor:
                    d = self._dtype
                    # NOTE: inference mode takes the full path, which marks inference tensors
                    if (d is other._dtype and d in fast and not (
                            state.enabled and (self._requires_grad or other._requires_grad))
                            and not state.inference):
                        try:
                            r = fwd(self._array, other._array)
                        except ValueError:
                            pass  # a shape mismatch: the full path raises PyTorch's error
                        else:
                            # NOTE: one test keeps the 1-d case as cheap as it was
                            if r.ndim != 1:
                                if type(r) is not _ndarray:
                                    r = _asarray(r)
                                elif r.ndim > 1 and not (
                                        self._array.flags.c_contiguous and 1 not in r.shape
                                        and other._array.flags.c_contiguous):
                                    # (row-major inputs give NumPy's row-major result; the
                                    # rest take PyTorch's layout rule)
                                    r = match_layout(r, (self, other))
                            t = _new(Tensor)
                            t._array = r
                            t._dtype = bool_dt if kind_bool else d
                            return t
                    elif d is other._dtype and d in grad_fast and not state.inference:
                        # second tier: same float dtype, recording the graph
                        try:
                            r = fwd(self._array, other._array)
                        except ValueError:
                            return run(self, other)
                        return _finish_grad(r, d, self, other)
                elif (type(other) is float or (type(other) is int and -0x8000000000000000
                                                <= other <= 0xFFFFFFFFFFFFFFFF)) \
                        and self._dtype in grad_fast and not state.inference:
                    # (ints outside PyTorch's range take the full path, which raises)
                    # a float32/float64 tensor with a Python number: the tensor's dtype wins
                    d = self._dtype
                    r = fwd(self._array, d.np.type(other))
                    return _finish_grad(r, d, self, other)
                elif not isinstance(other, Tensor):
                    try:
                        other = as_operand(other, "", "", 0)
                    except TypeError:
                        return NotImplemented
                return run(self, other)
        elif commutative:
            # ``s + t`` runs add(t, s) in PyTorch (it matters for half-precision mul's scalar)
            def operator(self, other):
                if not isinstance(other, Tensor):
                    try:
                        other = as_operand(other, "", "", 0)
                    except TypeError:
                        return NotImplemented
                return run(self, other)
        else:
            def operator(self, other):
                if not isinstance(other, Tensor):
                    try:
                        other = as_operand(other, "", "", 0)
                    except TypeError:
                        return NotImplemented
                return run(other, self)
        return operator

    def make_inplace(self, bind=None):
        """``Tensor.op_`` / ``__iop__``: ``bind(other, method_name)`` checks the argument."""
        run = self.__call__
        self_name = self.name + "_"
        if bind is None:
            def bind(other, mname):
                return as_operand(other, mname, "other", 1)

        def inplace(self, other):
            if not isinstance(other, Tensor):
                other = bind(other, self_name)
            return run(self, other, inplace=True)
        inplace.__name__ = self_name
        return inplace


# How an op's Python arguments bind (PyTorch's overloads; section 7 of the dtype notes):
ANY = "any"                  # numbers anywhere: add, sub, mul, div, floor_divide
NUMBER_FIRST = "number_first"  # (T, T), (Number, T), (T, Number): remainder, bitwise ops
TENSOR_FIRST = "tensor_first"  # (T, T), (T, Number): comparisons, fmod
TENSORS = "tensors"          # (T, T) only: maximum, minimum, logical ops, atan2


def _is_number_arg(x):
    """True for what binds to a ``Number`` parameter (Python and NumPy numbers)."""
    return type(x) in (int, float, bool, complex) or _is_number(x)


def binary_signatures(binding, argnames=("input", "other")):
    """PyTorch's overload texts of a binary op's function form and of its method form."""
    a, b = argnames
    tt = f"Tensor {a}, Tensor {b}, *, Tensor out = None"
    tn = f"Tensor {a}, Number {b}, *, Tensor out = None"
    if binding == NUMBER_FIRST:
        return (tt, f"Number self, Tensor {b}", tn), (f"Tensor {b}", f"Number {b}")
    return (tt, tn), (f"Tensor {b}", f"Number {b}")


def make_binder(name, binding, argnames=("input", "other"), signatures=None):
    """The argument checks of a binary op's function form and method form.

    Returns ``(bind_function(input, other, kwargs), bind_method(other, method_name))``; each
    returns the operands (NumPy scalars read as Python numbers) or raises PyTorch's TypeError.
    """
    a0, a1 = argnames
    fsigs, msigs = signatures or binary_signatures(binding, argnames)
    # whether the (Number, Tensor) overload also takes out=
    number_first_out = any(sig.startswith("Number") and "out" in sig for sig in fsigs)

    def bind_function(input, other, kwargs):
        it, ot = isinstance(input, Tensor), isinstance(other, Tensor)
        if it and ot:
            return input, other
        if binding == ANY:
            return as_operand(input, name, a0, 1), as_operand(other, name, a1, 2)
        if binding == TENSORS:
            if not it:
                raise TypeError(f"{name}(): argument '{a0}' (position 1) must be Tensor, not "
                                f"{type_name(input)}")
            raise TypeError(f"{name}(): argument '{a1}' (position 2) must be Tensor, not "
                            f"{type_name(other)}")
        if (it and _is_number_arg(other)) or (
                binding == NUMBER_FIRST and ot and _is_number_arg(input) and (
                    number_first_out or not kwargs)):
            return (input if it else check_int(D.normalize_scalar(input)),
                    other if ot else check_int(D.normalize_scalar(other)))
        raise invalid_arguments(name, (input, other), kwargs, fsigs)

    def bind_method(other, mname):
        if binding == ANY:
            return as_operand(other, mname, a1, 1)
        if binding == TENSORS:
            raise TypeError(f"{mname}(): argument '{a1}' (position 1) must be Tensor, not "
                            f"{type_name(other)}")
        if _is_number_arg(other):
            return check_int(D.normalize_scalar(other))
        raise invalid_arguments(mname, (other,), {}, msigs)

    return bind_function, bind_method


# Tensors defer to our reflected operators when a NumPy scalar is on the left
# (``np.float64(2) * t`` must be ``t.__rmul__``, not NumPy's own multiply).
Tensor.__array_priority__ = 1000


def _binary_method(op, name, bind_method):
    def meth(self, other):
        if not isinstance(other, Tensor):
            other = bind_method(other, name)
        return op(self, other)
    meth.__name__ = name
    return meth


def alias_binary(fn, alias, *, method=True, inplace=True):
    """Bind ``alias`` (e.g. 'greater' for gt) as function and methods; errors name the alias."""
    op = fn.op
    bind_function, bind_method = make_binder(alias, fn.binding)

    def afn(input, other, *, out=None):
        input, other = bind_function(input, other, {} if out is None else {"out": out})
        return op(input, other, out=out)
    afn.__name__ = afn.__qualname__ = alias
    afn.__doc__ = fn.__doc__
    afn.op = op
    afn.binding = fn.binding
    FUNCTIONS[alias] = afn
    if method:
        setattr(Tensor, alias, _binary_method(op, alias, bind_method))
    if inplace:
        setattr(Tensor, alias + "_", op.make_inplace(bind_method))
    return afn


_COMMUTATIVE_REFLECTED = frozenset(("__radd__", "__rmul__", "__rand__", "__ror__", "__rxor__"))


def pointwise_binary(name, *, kind=DEFAULT, kernel=None, missing=(), grad_fn=None,
                     safe_cast=True, precheck=None, method=True, inplace=True, function=True,
                     operators=(), scalar_first=True, binding=None, ufunc=None):
    """Register an elementwise binary op from its array-level forward.

    ``operators`` names the dunders to bind: ``("__add__", "__radd__", "__iadd__")``.
    ``ufunc``: the NumPy ufunc the forward amounts to for two operands of one dtype (the
    operators' fast paths call it directly).
    ``binding`` (ANY, NUMBER_FIRST, TENSOR_FIRST, TENSORS) says where Python numbers may
    stand; by default ANY, or TENSOR_FIRST with ``scalar_first=False``.
    """
    if binding is None:
        binding = ANY if scalar_first else TENSOR_FIRST

    def deco(forward):
        op = BinaryOp(name, forward, kind=kind, kernel=kernel, missing=missing, grad_fn=grad_fn,
                      safe_cast=safe_cast, precheck=precheck)
        op.ufunc = ufunc
        bind_function, bind_method = make_binder(name, binding)

        def fn(input, other, *, out=None):
            input, other = bind_function(input, other, {} if out is None else {"out": out})
            return op(input, other, out=out)
        fn.__name__ = fn.__qualname__ = name
        fn.__doc__ = forward.__doc__
        fn.op = op
        fn.derivative = op.derivative
        fn.binding = binding
        if function:
            FUNCTIONS[name] = fn
        if method:
            setattr(Tensor, name, _binary_method(op, name, bind_method))
        if inplace:
            setattr(Tensor, name + "_", op.make_inplace(bind_method))
        for dunder in operators:
            if dunder.startswith("__i"):
                setattr(Tensor, dunder, op.make_inplace(bind_method))
            elif dunder.startswith("__r") and dunder not in ("__rshift__",):
                setattr(Tensor, dunder, op.make_operator(
                    reflected=True, commutative=dunder in _COMMUTATIVE_REFLECTED))
            else:
                setattr(Tensor, dunder, op.make_operator())
        return fn
    return deco


# ---------------------------------------------------------------------------
# Elementwise unary ops
# ---------------------------------------------------------------------------
class UnaryOp:
    """An elementwise unary op with PyTorch's result kinds and kernel coverage."""

    def __init__(self, name, forward, *, kind=DEFAULT, kernel=None, missing=(), grad_fn=None,
                 precheck=None):
        self.name = name
        self.forward = forward
        self.kind = kind
        self.kernel = kernel or f"{name}_cpu"
        self.missing = frozenset(missing)
        self.precheck = precheck
        self.node_cls = _graph.node_class(grad_fn) if grad_fn else None
        # float32/float64 inputs whose result keeps their dtype need none of the checks
        self.fast = (kind != ALWAYS_BOOL
                     and not (frozenset((D.float32, D.float64)) & self.missing))
        self.call_float = self._make_float_call()

    def derivative(self, fn):
        if self.node_cls is not None:
            self.node_cls.backward_fn = staticmethod(fn)
        return fn

    def _make_float_call(self):
        """The hot path ``call_float(x, dt)``: a float32/float64 tensor ``x`` (outside inference
        mode), no out=, not in place. NOTE: a closure over the op's fixed settings, as reading
        them from ``self`` on every call costs a measurable share of a small op."""
        op = self
        precheck, node_cls, record, state = self.precheck, self.node_cls, _graph.record_unary, _GRAD

        def call_float(x, dt):
            if precheck is not None:
                precheck(x, False)
            tok = ignore_fp_errors()
            try:
                res = op.forward(x._array)
            finally:
                restore_fp_errors(tok)
            if type(res) is not _ndarray:
                res = _asarray(res)
            elif res.ndim > 1:
                res = match_layout(res, (x,))
            if res.dtype is not dt.np:
                res = res.astype(dt.np)
            result = _new(Tensor)
            result._array = res
            result._dtype = dt
            if node_cls is not None and x._requires_grad and state.enabled:
                record(node_cls, x, result, True, None)
            return result
        return call_float

    def result_dtype(self, dt):
        kind = self.kind
        if kind == INT_TO_FLOAT:
            return D.get_default_dtype() if dt.category <= 1 else dt
        if kind == ALWAYS_BOOL:
            return D.bool_
        if kind == COMPLEX_TO_FLOAT:
            return dt.to_real()
        return dt

    def check_out(self, dt, res_dt, out_dt):
        """PyTorch's out= dtype rules for unary ops (section 11 of the dtype notes)."""
        kind = self.kind
        if kind == ALWAYS_BOOL:
            # any out dtype, but the kernel must exist for the input and for it (logical_not)
            if dt in self.missing:
                raise missing_kernel(self.kernel, dt)
            if out_dt in self.missing or out_dt.np is None:
                raise missing_kernel(self.kernel, out_dt)
        elif kind == INT_TO_FLOAT or (res_dt is not dt and not out_dt.is_complex):
            # computed in another dtype (int -> float, complex -> real): a safe cast suffices
            if out_dt is not res_dt and not D.can_cast(res_dt, out_dt):
                raise cast_error(res_dt, out_dt)
        elif out_dt is not dt:
            raise RuntimeError(f"Found dtype {out_dt.scalar_name} but expected {dt.scalar_name}")

    def __call__(self, x, out=None, inplace=False):
        if type(x) is Tensor and self.fast and out is None and not inplace and \
                not _GRAD.inference:
            dt = x._dtype
            if dt is D.float32 or dt is D.float64:
                return self.call_float(x, dt)
        if not isinstance(x, Tensor):
            raise TypeError(f"{self.name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type_name(x)}")
        if self.precheck is not None:
            self.precheck(x, inplace)
        dt = x._dtype
        res_dt = self.result_dtype(dt)
        compute = res_dt if self.kind == INT_TO_FLOAT else dt
        if inplace and res_dt is not dt and self.kind != ALWAYS_BOOL and not D.can_cast(res_dt, dt):
            raise cast_error(res_dt, dt)
        if out is not None and isinstance(out, Tensor):
            self.check_out(dt, res_dt, out._dtype)
        if compute in self.missing or compute.np is None:
            raise missing_kernel(self.kernel, compute)
        res = self.forward(array_as(x, compute))
        if inplace:
            check_inplace(x)
            grad = needs_grad(x) and self.node_cls is not None
            old = x._array.copy() if grad and self.node_cls.saves_inputs else None
            np.copyto(x._array, res, casting="unsafe")
            x._bump_version()
            if grad:
                _graph.rebase_inplace(x, self.node_cls, (x,), {"result": x}, old=old)
            return x
        if out is not None:
            return write_out(out, _asarray(res), self.name)
        result = wrap_result(match_layout(res, (x,), compute), res_dt, None)
        if res_dt is _BF16:
            # PyTorch's float kernels (exp, log) convert vectorised throughout; the others
            # (neg, abs: sign-bit operations) run 32-element vector blocks, a scalar tail
            if self.kind == INT_TO_FLOAT:
                set_nan_bits(result._array, VECTORISED)
            else:
                set_nan_bits(result._array, ARITHMETIC, x._array.flags.c_contiguous,
                             keep_head=True)
        if self.node_cls is not None and _GRAD.enabled and x._requires_grad and res_dt.category >= 2:
            record(self.node_cls, (x,), result, {"result": result})
        return result


def pointwise_unary(name, *, kind=DEFAULT, kernel=None, missing=(), grad_fn=None, precheck=None,
                    method=True, inplace=True, function=True, operator=None,
                    inplace_function=False):
    """Register an elementwise unary op from its array-level forward.

    ``inplace_function`` also binds ``ember.<name>_`` (PyTorch has ``torch.exp_``, not
    ``torch.sign_``)."""
    def deco(forward):
        op = UnaryOp(name, forward, kind=kind, kernel=kernel, missing=missing, grad_fn=grad_fn,
                     precheck=precheck)
        # NOTE: the float32/float64 hot path is entered here, one call shallower than op()
        call_float = op.call_float
        fast = op.fast
        f32, f64 = D.float32, D.float64

        def fn(input, *, out=None):
            if out is None and fast and type(input) is Tensor and not _GRAD.inference:
                dt = input._dtype
                if dt is f32 or dt is f64:
                    return call_float(input, dt)
            return op(input, out=out)
        fn.__name__ = fn.__qualname__ = name
        fn.__doc__ = forward.__doc__
        fn.op = op
        fn.derivative = op.derivative
        if function:
            FUNCTIONS[name] = fn
        if method:
            def meth(self):
                if fast and type(self) is Tensor and not _GRAD.inference:
                    dt = self._dtype
                    if dt is f32 or dt is f64:
                        return call_float(self, dt)
                return op(self)
            meth.__name__ = name
            setattr(Tensor, name, meth)
        if inplace:
            def meth_(self):
                return op(self, inplace=True)
            meth_.__name__ = name + "_"
            setattr(Tensor, name + "_", meth_)
            if inplace_function:
                FUNCTIONS[name + "_"] = meth_
        if operator:
            def dunder(self):
                return op(self)
            setattr(Tensor, operator, dunder)
        return fn
    return deco
