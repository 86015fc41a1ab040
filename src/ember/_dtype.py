"""dtype objects, PyTorch's type promotion, the default dtype, finfo and iinfo.

ember computes every result dtype itself from these tables (they restate PyTorch's
c10 rules); NumPy's own promotion (NEP 50) differs in many corners and is never used.

>>> import ember
>>> ember.promote_types(ember.uint8, ember.int8)
ember.int16
"""
import math

import numpy as np
import ml_dtypes


class dtype:
    """A tensor element type, e.g. ``ember.float32``; compare by identity."""

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed",
                 "category", "scalar_name", "cpp_name", "tensor_type_name", "_rank")

    def __init__(self, name, np_dtype, itemsize, category, signed, scalar_name, cpp_name,
                 tensor_type_name, rank):
        self.name = name
        self.np = np.dtype(np_dtype) if np_dtype is not None else None
        self.itemsize = itemsize
        self.category = category            # 0 bool, 1 integer, 2 floating, 3 complex
        self.is_floating_point = category == 2
        self.is_complex = category == 3
        self.is_signed = signed
        self.scalar_name = scalar_name      # PyTorch's ScalarType name, used in messages
        self.cpp_name = cpp_name            # C++ type name, used in some messages
        self.tensor_type_name = tensor_type_name  # legacy 'FloatTensor' style name
        self._rank = rank

    def __repr__(self):
        return "ember." + self.name

    __str__ = __repr__

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def to_real(self):
        """The real counterpart of a complex dtype (complex64 -> float32); others unchanged."""
        return _TO_REAL.get(self, self)

    def to_complex(self):
        """The complex counterpart of a floating dtype (float32 -> complex64)."""
        if self.category == 3:
            return self
        try:
            return _TO_COMPLEX[self]
        except KeyError:
            raise RuntimeError(f"Unknown Complex ScalarType for {self.scalar_name}") from None

    @property
    def is_quantized(self):
        return False

    @property
    def abbr(self):
        """PyTorch's short name: 'f32', 'bf16', 'b8', 'f8e4m3fn' ..."""
        n = self.name
        if n == "bool":
            return "b8"
        if n.startswith("float8_"):
            return "f8" + n[7:]
        if n == "bfloat16":
            return "bf16"
        return n[0] + "".join(ch for ch in n if ch.isdigit())


_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3

bool_ = dtype("bool", np.bool_, 1, _BOOL, False, "Bool", "bool", "BoolTensor", 0)
uint8 = dtype("uint8", np.uint8, 1, _INT, False, "Byte", "unsigned char", "ByteTensor", 1)
int8 = dtype("int8", np.int8, 1, _INT, True, "Char", "signed char", "CharTensor", 2)
int16 = dtype("int16", np.int16, 2, _INT, True, "Short", "short int", "ShortTensor", 3)
int32 = dtype("int32", np.int32, 4, _INT, True, "Int", "int", "IntTensor", 4)
int64 = dtype("int64", np.int64, 8, _INT, True, "Long", "long int", "LongTensor", 5)
uint16 = dtype("uint16", np.uint16, 2, _INT, False, "UInt16", "short unsigned int", None, 6)
uint32 = dtype("uint32", np.uint32, 4, _INT, False, "UInt32", "unsigned int", None, 7)
uint64 = dtype("uint64", np.uint64, 8, _INT, False, "UInt64", "long unsigned int", None, 8)
float16 = dtype("float16", np.float16, 2, _FLOAT, True, "Half", "c10::Half", "HalfTensor", 9)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, 2, _FLOAT, True, "BFloat16", "c10::BFloat16",
                 "BFloat16Tensor", 10)
float32 = dtype("float32", np.float32, 4, _FLOAT, True, "Float", "float", "FloatTensor", 11)
float64 = dtype("float64", np.float64, 8, _FLOAT, True, "Double", "double", "DoubleTensor", 12)
# NOTE: NumPy has no complex32; the dtype exists for promotion results and messages only.
complex32 = dtype("complex32", None, 4, _COMPLEX, True, "ComplexHalf", "c10::complex<c10::Half>",
                  None, 13)
complex64 = dtype("complex64", np.complex64, 8, _COMPLEX, True, "ComplexFloat",
                  "c10::complex<float>", None, 14)
complex128 = dtype("complex128", np.complex128, 16, _COMPLEX, True, "ComplexDouble",
                   "c10::complex<double>", None, 15)
float8_e4m3fn = dtype("float8_e4m3fn", ml_dtypes.float8_e4m3fn, 1, _FLOAT, True,
                      "Float8_e4m3fn", "c10::Float8_e4m3fn", None, 16)
float8_e5m2 = dtype("float8_e5m2", ml_dtypes.float8_e5m2, 1, _FLOAT, True, "Float8_e5m2",
                    "c10::Float8_e5m2", None, 17)
float8_e4m3fnuz = dtype("float8_e4m3fnuz", ml_dtypes.float8_e4m3fnuz, 1, _FLOAT, True,
                        "Float8_e4m3fnuz", "c10::Float8_e4m3fnuz", None, 18)
float8_e5m2fnuz = dtype("float8_e5m2fnuz", ml_dtypes.float8_e5m2fnuz, 1, _FLOAT, True,
                        "Float8_e5m2fnuz", "c10::Float8_e5m2fnuz", None, 19)

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, uint16, uint32, uint64, float16, bfloat16,
              float32, float64, complex32, complex64, complex128, float8_e4m3fn, float8_e5m2,
              float8_e4m3fnuz, float8_e5m2fnuz)
FLOAT8_DTYPES = (float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz)
BAREBONES_UNSIGNED = (uint16, uint32, uint64)

# PyTorch's aliases: ember.float is ember.float32, ember.long is ember.int64, ...
ALIASES = {
    "bool": bool_, "half": float16, "float": float32, "double": float64, "short": int16,
    "int": int32, "long": int64, "cfloat": complex64, "cdouble": complex128, "chalf": complex32,
    "complex": complex64,
}

_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NAME.update(ALIASES)


def _dtype_by_name(name):
    return _BY_NAME[name]


_TO_REAL = {complex32: float16, complex64: float32, complex128: float64}
_TO_COMPLEX = {float16: complex32, bfloat16: complex64, float32: complex64, float64: complex128}

# NumPy dtype -> ember dtype (ml_dtypes' bfloat16/float8 included).
_FROM_NP = {d.np: d for d in ALL_DTYPES if d.np is not None}


def from_numpy_dtype(np_dtype):
    """The ember dtype of a NumPy dtype; TypeError for ones PyTorch has no counterpart of."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        pass
    try:
        return _FROM_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, "
            "uint32, uint16, uint8, and bool.") from None


# ---------------------------------------------------------------------------
# promote_types: PyTorch's pairwise table.
# ---------------------------------------------------------------------------
_X = None  # "raise": barebones unsigned mixed with a non-float
_b1, _u8, _i8, _i16, _i32, _i64 = bool_, uint8, int8, int16, int32, int64
_u16, _u32, _u64, _f16, _bf16, _f32, _f64 = uint16, uint32, uint64, float16, bfloat16, float32, float64
_c32, _c64, _c128 = complex32, complex64, complex128
_ORDER = (_b1, _u8, _i8, _i16, _i32, _i64, _u16, _u32, _u64, _f16, _bf16, _f32, _f64, _c32, _c64, _c128)
_TABLE_ROWS = (
    (_b1, _u8, _i8, _i16, _i32, _i64, _X, _X, _X, _f16, _bf16, _f32, _f64, _c32, _c64, _c128),
    (_u8, _u8, _i16, _i16, _i32, _i64, _X, _X, _X, _f16, _bf16, _f32, _f64, _c32, _c64, _c128),
    (_i8, _i16, _i8, _i16, _i32, _i64, _X, _X, _X, _f16, _bf16, _f32, _f64, _c32, _c64, _c128),
    (_i16, _i16, _i16, _i16, _i32, _i64, _X, _X, _X, _f16, _bf16, _f32, _f64, _c32, _c64, _c128),
    (_i32, _i32, _i32, _i32, _i32, _i64, _X, _X, _X, _f16, _bf16, _f32, _f64, _c32, _c64, _c128),
    (_i64, _i64, _i64, _i64, _i64, _i64, _X, _X, _X, _f16, _bf16, _f32, _f64, _c32, _c64, _c128),
    (_X, _X, _X, _X, _X, _X, _u16, _X, _X, _f16, _bf16, _f32, _f64, _X, _X, _X),
    (_X, _X, _X, _X, _X, _X, _X, _u32, _X, _f16, _bf16, _f32, _f64, _X, _X, _X),
    (_X, _X, _X, _X, _X, _X, _X, _X, _u64, _f16, _bf16, _f32, _f64, _X, _X, _X),
    (_f16, _f16, _f16, _f16, _f16, _f16, _f16, _f16, _f16, _f16, _f32, _f32, _f64, _c32, _c64, _c128),
    (_bf16, _bf16, _bf16, _bf16, _bf16, _bf16, _bf16, _bf16, _bf16, _f32, _bf16, _f32, _f64, _c64, _c64, _c128),
    (_f32, _f32, _f32, _f32, _f32, _f32, _f32, _f32, _f32, _f32, _f32, _f32, _f64, _c64, _c64, _c128),
    (_f64, _f64, _f64, _f64, _f64, _f64, _f64, _f64, _f64, _f64, _f64, _f64, _f64, _c128, _c128, _c128),
    (_c32, _c32, _c32, _c32, _c32, _c32, _X, _X, _X, _c32, _c64, _c64, _c128, _c32, _c64, _c128),
    (_c64, _c64, _c64, _c64, _c64, _c64, _X, _X, _X, _c64, _c64, _c64, _c128, _c64, _c64, _c128),
    (_c128, _c128, _c128, _c128, _c128, _c128, _X, _X, _X, _c128, _c128, _c128, _c128, _c128, _c128, _c128),
)
# Python's number types stand for dtypes where an argument must be a dtype (float -> float64).
_PY_TYPE_DTYPES = {float: float64, int: int64, bool: bool_, complex: complex128}


def as_dtype_arg(x, fname, argname, pos):
    """``x`` as a dtype argument of ``fname``: a dtype, or a Python number type standing for one."""
    if type(x) is dtype:
        return x
    d = _PY_TYPE_DTYPES.get(x) if isinstance(x, type) else None
    if d is None:
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be ember.dtype, "
                        f"not {type(x).__name__}")
    return d


_PROMOTE = {}
for _a, _row in zip(_ORDER, _TABLE_ROWS):
    for _b, _r in zip(_ORDER, _row):
        _PROMOTE[(_a, _b)] = _r


def promote_types(type1, type2):
    """The smallest dtype both arguments can be cast to, by PyTorch's table.

    >>> ember.promote_types(ember.int64, ember.float16)
    ember.float16
    """
    if type1 is type2 and type(type1) is dtype:
        return type1
    try:
        r = _PROMOTE[(type1, type2)]
    except (KeyError, TypeError):
        type1 = as_dtype_arg(type1, "promote_types", "type1", 1)
        type2 = as_dtype_arg(type2, "promote_types", "type2", 2)
        if (type1, type2) in _PROMOTE:
            return promote_types(type1, type2)
        if type1 is type2:
            return type1
        if type1 in FLOAT8_DTYPES or type2 in FLOAT8_DTYPES:
            raise RuntimeError(
                f"Promotion for Float8 Types is not supported, attempted to promote "
                f"{type1.scalar_name} and {type2.scalar_name}") from None
        raise
    if r is None:
        raise RuntimeError(
            "Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
            f"{type1.scalar_name} and {type2.scalar_name}")
    return r


def can_cast(from_, to):
    """PyTorch's casting rule (complex->real, float->int and X->bool are refused).

    >>> ember.can_cast(ember.float64, ember.int32)
    False
    """
    from_ = as_dtype_arg(from_, "can_cast", "from_", 1)
    to = as_dtype_arg(to, "can_cast", "to", 2)
    fc, tc = from_.category, to.category
    if fc == _COMPLEX and tc != _COMPLEX:
        return False
    if fc == _FLOAT and tc == _INT:
        return False
    return fc == _BOOL or tc != _BOOL


# ---------------------------------------------------------------------------
# The default dtype (thread-shared, like PyTorch's global).
# ---------------------------------------------------------------------------
class _DefaultDtype:
    value = float32
    complex_value = complex64


_DEFAULT = _DefaultDtype()


def get_default_dtype():
    """The dtype Python floats and factories use (float32 unless changed).

    >>> ember.get_default_dtype()
    ember.float32
    """
    return _DEFAULT.value


def set_default_dtype(d):
    """Set the default floating dtype (float16, bfloat16, float32 or float64 only)."""
    if type(d) is not dtype:
        raise TypeError("invalid dtype object: only floating-point types are supported as the "
                        "default type")
    if d in FLOAT8_DTYPES:
        # NOTE: PyTorch looks up the legacy storage class of the dtype first, and fails there.
        raise TypeError(f"couldn't find storage object {d.scalar_name}Storage")
    if d not in (float16, bfloat16, float32, float64):
        raise TypeError("only floating-point types are supported as the default type")
    _DEFAULT.value = d
    _DEFAULT.complex_value = {float16: complex32, float64: complex128}.get(d, complex64)


def get_default_complex_dtype():
    return _DEFAULT.complex_value


# ---------------------------------------------------------------------------
# result_type: PyTorch's dim / zero-dim / wrapped-number state machine.
# ---------------------------------------------------------------------------
def scalar_dtype(value):
    """dtype a Python scalar wraps to before the default-dtype rule (bool/int64/float64/complex128)."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        # NOTE: PyTorch wraps ints in [2**63, 2**64) as uint64 numbers
        return int64 if value < 0x8000000000000000 else uint64
    if isinstance(value, float):
        return float64
    if isinstance(value, complex):
        return complex128
    raise TypeError(f"not a scalar: {type(value).__name__}")


def weak_scalar_dtype(value):
    """dtype a Python scalar takes part in promotion with (float -> default dtype)."""
    t = type(value)
    if t is float:
        return _DEFAULT.value
    if t is int:
        return int64 if value < 0x8000000000000000 else uint64
    if t is bool:
        return bool_
    if t is complex:
        return _DEFAULT.complex_value
    return weak_scalar_dtype(normalize_scalar(value))


def normalize_scalar(value):
    """NumPy scalars act as Python numbers by their Python base type (np.bool_ acts as float)."""
    if isinstance(value, (bool, int, float, complex)):
        if type(value) in (bool, int, float, complex):
            return value
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value)
        return complex(value)
    if isinstance(value, np.generic):
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.complex128):
            return complex(value)
        # np.bool_, np.complex64 and other NumPy floats act as Python float (np.complex64
        # loses its imaginary part with NumPy's ComplexWarning, as in PyTorch).
        return float(value)
    raise TypeError(f"not a scalar: {type(value).__name__}")


def _combine(higher, lower):
    if higher is not None and higher.category == _COMPLEX:
        return higher
    if lower is not None and lower.category == _COMPLEX:
        if higher is not None and higher.category == _FLOAT:
            return _TO_COMPLEX[higher]
        return lower
    if higher is not None and higher.category == _FLOAT:
        return higher
    if (higher is not None and higher.category == _BOOL) or (lower is not None and lower.category == _FLOAT):
        if higher is None:
            return lower
        if lower is None:
            return higher
        return promote_types(higher, lower)
    if higher is not None:
        return higher
    return lower


def result_type_of(operands):
    """Common dtype of tensors and Python scalars, by PyTorch's rules.

    Each operand is a Tensor or a Python/NumPy scalar.
    """
    dim = zero = wrapped = None
    for x in operands:
        d = getattr(x, "_dtype", None)
        if d is not None:
            if x._array.ndim:
                dim = d if dim is None else promote_types(dim, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        else:
            d = weak_scalar_dtype(x)
            wrapped = d if wrapped is None else promote_types(wrapped, d)
    return _combine(dim, _combine(zero, wrapped))


# ---------------------------------------------------------------------------
# finfo / iinfo
# ---------------------------------------------------------------------------
# NOTE: PyTorch's epsilon for float8_e5m2fnuz is 2**-3 (ml_dtypes, like the format's 2 mantissa
# bits, says 2**-2); finfo reports PyTorch's number.
_EPS_OVERRIDE = {"float8_e5m2fnuz": 0.125}


class finfo:
    """Machine limits of a floating dtype, like ``torch.finfo``.

    >>> ember.finfo(ember.float32).eps
    1.1920928955078125e-07
    """

    def __init__(self, type=None):
        if type is None:
            type = get_default_dtype()
        if type.category == _COMPLEX:
            type = type.to_real()
        if type.category != _FLOAT:
            raise TypeError("ember.finfo() requires a floating point input type. Use ember.iinfo "
                            "to handle 'ember.finfo'")
        info = ml_dtypes.finfo(type.np)  # NumPy's finfo plus bfloat16 and the float8 types
        self.dtype = type.name
        self.bits = type.itemsize * 8
        self.eps = _EPS_OVERRIDE.get(type.name, float(info.eps))
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = float(info.tiny)
        self.smallest_normal = self.tiny
        # decimal resolution: 10 ** -(the number of decimal digits eps resolves)
        self.resolution = 10.0 ** -math.floor(-math.log10(self.eps))

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")

    __str__ = __repr__


class iinfo:
    """Limits of an integer dtype, like ``torch.iinfo``.

    >>> ember.iinfo(ember.int8).max
    127
    """

    def __init__(self, type):
        if type is bool_:
            raise TypeError("ember.bool is not supported by ember.iinfo")
        if type.category != _INT:
            raise TypeError("ember.iinfo() requires an integer input type. Use ember.finfo to "
                            "handle 'ember.iinfo'")
        info = np.iinfo(type.np)
        self.bits, self.min, self.max = info.bits, int(info.min), int(info.max)
        self.dtype = type.name

    def __repr__(self):
        # PyTorch prints the limits with %g (int64's max shows as 9.22337e+18)
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"

    __str__ = __repr__
