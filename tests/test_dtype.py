"""dtype objects, finfo/iinfo, the default dtype, promote_types, can_cast and result_type,
compared with PyTorch over exhaustive grids (section 1-4 of shared/notes/torch-dtype-rules.md)."""
import itertools
import pickle
import copy

import numpy as np
import pytest

import ember
import torch
from oracle import assert_same_exception, ALL_DTYPE_NAMES

# every dtype PyTorch's promotion table knows (complex32 only for promotion)
PROMO_NAMES = ALL_DTYPE_NAMES + ["complex32"]
FLOAT8_NAMES = ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz"]


def outcome(fn):
    """('ok', value) or ('err', exception) of calling ``fn()``."""
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001 - compared with torch's
        return "err", e


def same_outcome(fe, ft, where=""):
    """ember's and torch's outcomes match: equal values (dtypes by name) or the same error."""
    (ke, ve), (kt, vt) = fe, ft
    assert ke == kt, f"{where}: ember {ke} {ve!r}, torch {kt} {vt!r}"
    if kt == "err":
        assert_same_exception(ve, vt)
    elif isinstance(vt, torch.dtype):
        assert isinstance(ve, ember.dtype), f"{where}: {ve!r}"
        assert str(ve).replace("ember.", "torch.") == str(vt), f"{where}: {ve} != {vt}"
    else:
        assert type(ve) is type(vt) and ve == vt, f"{where}: {ve!r} != {vt!r}"


# ------------------------------------------------------------------------- dtype objects
@pytest.mark.parametrize("name", PROMO_NAMES + FLOAT8_NAMES)
def test_dtype_properties(name):
    e, t = getattr(ember, name), getattr(torch, name)
    assert isinstance(e, ember.dtype)
    assert e.is_floating_point == t.is_floating_point
    assert e.is_complex == t.is_complex
    assert e.is_signed == t.is_signed
    assert e.itemsize == t.itemsize
    assert e.abbr == t.abbr
    assert repr(e) == repr(t).replace("torch.", "ember.")
    assert str(e) == str(t).replace("torch.", "ember.")
    for method in ("to_real", "to_complex"):
        same_outcome(outcome(getattr(e, method)), outcome(getattr(t, method)), f"{name}.{method}")
    # identity semantics: hashable, pickles and copies to itself
    assert e == getattr(ember, name) and hash(e) == hash(getattr(ember, name))
    assert pickle.loads(pickle.dumps(e)) is e
    assert copy.copy(e) is e and copy.deepcopy(e) is e
    assert not e.is_quantized


@pytest.mark.parametrize("alias, target", [
    ("float", "float32"), ("half", "float16"), ("double", "float64"), ("long", "int64"),
    ("int", "int32"), ("short", "int16"), ("cfloat", "complex64"), ("cdouble", "complex128"),
    ("bool", "bool"), ("chalf", "complex32")])
def test_dtype_aliases(alias, target):
    assert getattr(torch, alias) is getattr(torch, target)
    assert getattr(ember, alias) is getattr(ember, target)
    assert repr(getattr(ember, alias)) == "ember." + target


def test_dtype_distinct():
    names = PROMO_NAMES + FLOAT8_NAMES
    objs = [getattr(ember, n) for n in names]
    assert len(set(map(id, objs))) == len(names)
    for a, b in itertools.product(objs, objs):
        assert (a == b) == (a is b)


# ------------------------------------------------------------------------- finfo / iinfo
FINFO_FIELDS = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64", "complex32",
                                  "complex64", "complex128"] + FLOAT8_NAMES)
def test_finfo(name):
    e, t = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for f in FINFO_FIELDS:
        ve, vt = getattr(e, f), getattr(t, f)
        assert type(ve) is type(vt) and ve == vt, f"{name}.{f}: {ve!r} != {vt!r}"
    assert repr(e) == repr(t)
    assert str(e) == str(t)


@pytest.mark.parametrize("name", ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16",
                                  "uint32", "uint64"])
def test_finfo_rejects_integers(name):
    same_outcome(outcome(lambda: ember.finfo(getattr(ember, name))),
                 outcome(lambda: torch.finfo(getattr(torch, name))))


@pytest.mark.parametrize("default", ["float16", "bfloat16", "float32", "float64"])
def test_finfo_default(default):
    ember.set_default_dtype(getattr(ember, default))
    torch.set_default_dtype(getattr(torch, default))
    assert repr(ember.finfo()) == repr(torch.finfo())


@pytest.mark.parametrize("name", PROMO_NAMES + FLOAT8_NAMES)
def test_iinfo(name):
    re_ = outcome(lambda: ember.iinfo(getattr(ember, name)))
    rt = outcome(lambda: torch.iinfo(getattr(torch, name)))
    assert re_[0] == rt[0], (re_, rt)
    if rt[0] == "err":
        assert_same_exception(re_[1], rt[1])
        return
    e, t = re_[1], rt[1]
    for f in ("bits", "min", "max", "dtype"):
        ve, vt = getattr(e, f), getattr(t, f)
        assert type(ve) is type(vt) and ve == vt, f"{name}.{f}: {ve!r} != {vt!r}"
    assert repr(e) == repr(t)
    assert str(e) == str(t)


# ------------------------------------------------------------------------- default dtype
@pytest.mark.parametrize("name", PROMO_NAMES + FLOAT8_NAMES)
def test_set_default_dtype(name):
    same_outcome(outcome(lambda: ember.set_default_dtype(getattr(ember, name))),
                 outcome(lambda: torch.set_default_dtype(getattr(torch, name))))
    assert str(ember.get_default_dtype()) == str(torch.get_default_dtype()).replace("torch", "ember")


@pytest.mark.parametrize("bad", ["float32", float, None, 1, np.float32])
def test_set_default_dtype_non_dtype(bad):
    same_outcome(outcome(lambda: ember.set_default_dtype(bad)),
                 outcome(lambda: torch.set_default_dtype(bad)))


def test_default_dtype_roundtrip():
    assert ember.get_default_dtype() is ember.float32
    ember.set_default_dtype(ember.float64)
    assert ember.get_default_dtype() is ember.float64
    assert ember.tensor([1.5]).dtype is ember.float64
    assert ember.tensor([1j]).dtype is ember.complex128
    ember.set_default_dtype(ember.float32)
    assert ember.tensor([1.5]).dtype is ember.float32


# ------------------------------------------------------------------------- promote_types
def test_promote_types_table():
    n = 0
    for a, b in itertools.product(PROMO_NAMES, PROMO_NAMES):
        same_outcome(outcome(lambda: ember.promote_types(getattr(ember, a), getattr(ember, b))),
                     outcome(lambda: torch.promote_types(getattr(torch, a), getattr(torch, b))),
                     f"promote_types({a}, {b})")
        n += 1
    assert n == 256


@pytest.mark.parametrize("f8", FLOAT8_NAMES)
def test_promote_types_float8(f8):
    for other in PROMO_NAMES + FLOAT8_NAMES:
        for a, b in ((f8, other), (other, f8)):
            same_outcome(
                outcome(lambda: ember.promote_types(getattr(ember, a), getattr(ember, b))),
                outcome(lambda: torch.promote_types(getattr(torch, a), getattr(torch, b))),
                f"promote_types({a}, {b})")


@pytest.mark.parametrize("args", [(1, "float32"), ("float32", 1), ("float32", None),
                                  (float, "int8"), ("int8", "int8x")])
def test_promote_types_bad_arguments(args):
    def conv(lib, x):
        return getattr(lib, x) if isinstance(x, str) and hasattr(lib, x) else x
    same_outcome(outcome(lambda: ember.promote_types(*[conv(ember, x) for x in args])),
                 outcome(lambda: torch.promote_types(*[conv(torch, x) for x in args])))


def test_can_cast_table():
    for a, b in itertools.product(PROMO_NAMES, PROMO_NAMES):
        same_outcome(outcome(lambda: ember.can_cast(getattr(ember, a), getattr(ember, b))),
                     outcome(lambda: torch.can_cast(getattr(torch, a), getattr(torch, b))),
                     f"can_cast({a}, {b})")


@pytest.mark.parametrize("args", [(1, "float32"), ("float32", 1), ("int8", None)])
def test_can_cast_bad_arguments(args):
    def conv(lib, x):
        return getattr(lib, x) if isinstance(x, str) else x
    same_outcome(outcome(lambda: ember.can_cast(*[conv(ember, x) for x in args])),
                 outcome(lambda: torch.can_cast(*[conv(torch, x) for x in args])))


# ------------------------------------------------------------------------- result_type
def operands(lib):
    """The 34 operands of the verified grid: 15 dtypes as 1-d and 0-dim tensors, 4 scalars."""
    out = []
    for name in ALL_DTYPE_NAMES:
        d = getattr(lib, name)
        out.append((f"T {name}", lib.ones(2, dtype=d)))
        out.append((f"Z {name}", lib.ones((), dtype=d)))
    out += [("S True", True), ("S 2", 2), ("S 2.5", 2.5), ("S 2+1j", 2 + 1j)]
    return out


@pytest.mark.parametrize("default", ["float16", "bfloat16", "float32", "float64"])
def test_result_type_grid(default):
    ember.set_default_dtype(getattr(ember, default))
    torch.set_default_dtype(getattr(torch, default))
    eo, to = operands(ember), operands(torch)
    for (na, ea), (_, ta) in zip(eo, to):
        for (nb, eb), (_, tb) in zip(eo, to):
            same_outcome(outcome(lambda: ember.result_type(ea, eb)),
                         outcome(lambda: torch.result_type(ta, tb)),
                         f"result_type({na}, {nb}) default {default}")


@pytest.mark.parametrize("np_scalar", [np.bool_(True), np.int8(3), np.uint64(3), np.float16(1.5),
                                       np.float32(1.5), np.float64(1.5), np.complex64(1j),
                                       np.complex128(1j)])
@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_result_type_numpy_scalars(np_scalar, name):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for shape in ((2,), ()):
            ea, ta = ember.ones(shape, dtype=getattr(ember, name)), torch.ones(shape, dtype=getattr(torch, name))
            same_outcome(outcome(lambda: ember.result_type(ea, np_scalar)),
                         outcome(lambda: torch.result_type(ta, np_scalar)), f"{name}{shape}")
            same_outcome(outcome(lambda: ember.result_type(np_scalar, ea)),
                         outcome(lambda: torch.result_type(np_scalar, ta)), f"{name}{shape}")


@pytest.mark.parametrize("args", [(1, "float32"), ("float32", None), ([1], 2), ("x", 1)])
def test_result_type_bad_arguments(args):
    def conv(lib, x):
        return getattr(lib, x) if x == "float32" else x
    same_outcome(outcome(lambda: ember.result_type(*[conv(ember, x) for x in args])),
                 outcome(lambda: torch.result_type(*[conv(torch, x) for x in args])))
