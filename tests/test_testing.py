"""ember.testing against torch.testing: assert_close raises the same exception type with the same
message text (tolerances per dtype, shape/dtype/stride/device checks, nested containers, Python
scalars, msg, equal_nan), and make_tensor draws the same values from the same seed."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import assert_same


def _text(e):
    return (str(e).replace("ember._tensor.Tensor", "torch.Tensor").replace("ember.", "torch.")
            .replace("ember", "torch"))


def outcome(fn, lib):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 - compared
        return type(e).__name__, _text(e)
    return "ok", None


def T(lib, data, **kw):
    if "dtype" in kw:
        kw["dtype"] = getattr(lib, kw["dtype"])
    return lib.tensor(data, **kw)


def ac(lib, *args, **kw):
    return lib.testing.assert_close(*args, **kw)


nan, inf = float("nan"), float("inf")
CASES = {
    "float_close_msg": lambda m: ac(m, T(m, [1., 2., 3.]), T(m, [1., 2.5, 3.])),
    "same": lambda m: ac(m, T(m, [1., 2.]), T(m, [1., 2. + 1e-6])),
    "msg_str": lambda m: ac(m, T(m, [1., 2.]), T(m, [1., 2.5]), msg="custom"),
    "msg_callable": lambda m: ac(m, T(m, [1., 2.]), T(m, [1., 2.5]), msg=lambda s: "X" + s),
    "2d_index": lambda m: ac(m, T(m, [[1., 2.], [3, 4]]), T(m, [[1., 2.], [3, 5]])),
    "3d_index": lambda m: ac(m, m.zeros(2, 3, 4), m.zeros(2, 3, 4).index_fill(2, T(m, [3]), 1.)),
    "transposed": lambda m: ac(m, T(m, [[1., 2.], [3, 4]]).t(), T(m, [[1., 3.], [2, 9]])),
    "int_equal_msg": lambda m: ac(m, T(m, [1, 2, 3]), T(m, [1, 2, 4])),
    "int32": lambda m: ac(m, T(m, [1, 2], dtype="int32"), T(m, [1, 3], dtype="int32")),
    "uint8_zero": lambda m: ac(m, T(m, [1, 2], dtype="uint8"), T(m, [1, 0], dtype="uint8")),
    "uint8_int8": lambda m: ac(m, T(m, [1, 200], dtype="uint8"), T(m, [1, 0], dtype="int8"),
                               check_dtype=False),
    "bool": lambda m: ac(m, T(m, [True, False]), T(m, [True, True])),
    "shape": lambda m: ac(m, T(m, [1., 2.]), T(m, [1., 2., 3.])),
    "shape_empty": lambda m: ac(m, m.zeros(2, 0), m.zeros(0, 2)),
    "empty": lambda m: ac(m, m.zeros(0), m.zeros(0)),
    "dtype": lambda m: ac(m, T(m, [1., 2.]), T(m, [1., 2.], dtype="float64")),
    "dtype_off": lambda m: ac(m, T(m, [1., 2.]), T(m, [1., 2.], dtype="float64"),
                              check_dtype=False),
    "int_float_off": lambda m: ac(m, T(m, [1, 2]), T(m, [1., 2.5]), check_dtype=False),
    "complex_dtype": lambda m: ac(m, T(m, [1 + 1j]), T(m, [1 + 1j], dtype="complex128")),
    "complex": lambda m: ac(m, T(m, [1.0 + 1j]), T(m, [1.0 + 2j])),
    "nan": lambda m: ac(m, T(m, [1., nan]), T(m, [1., nan])),
    "nan_equal": lambda m: ac(m, T(m, [1., nan]), T(m, [1., nan]), equal_nan=True),
    "inf": lambda m: ac(m, T(m, [1., inf]), T(m, [1., 2])),
    "inf_same": lambda m: ac(m, T(m, [1., inf]), T(m, [1., inf])),
    "inf_opposite": lambda m: ac(m, T(m, [1., inf]), T(m, [1., -inf])),
    "zero_expected": lambda m: ac(m, T(m, [0., 2.]), T(m, [1e-3, 2.])),
    "ties_first_index": lambda m: ac(m, m.zeros(5), m.arange(5.)),
    "negative": lambda m: ac(m, T(m, [-1., 2.]), T(m, [1., 2.])),
    "scalar_tensor": lambda m: ac(m, T(m, 1.), T(m, 1.5)),
    "explicit_tol": lambda m: ac(m, T(m, [1., 2.]), T(m, [1.0001, 2.]), rtol=0, atol=1e-5),
    "explicit_tol_ok": lambda m: ac(m, T(m, [3.]), T(m, [4.]), atol=1, rtol=0),
    "only_rtol": lambda m: ac(m, T(m, [1., 2.]), T(m, [1.0001, 2.]), rtol=1e-3),
    "only_atol": lambda m: ac(m, T(m, [1., 2.]), T(m, [1.0001, 2.]), atol=1e-3),
    "float64_ok": lambda m: ac(m, T(m, [1., 2.], dtype="float64"),
                               T(m, [1. + 1e-7, 2.], dtype="float64")),
    "float64_fail": lambda m: ac(m, T(m, [1., 2.], dtype="float64"),
                                 T(m, [1. + 1e-6, 2.], dtype="float64")),
    "within_default_tol": lambda m: ac(m, T(m, [1.]), T(m, [1. + 2 ** -17])),
    "beyond_default_tol": lambda m: ac(m, T(m, [1.]), T(m, [1. + 2 ** -16])),
    "float32_rtol": lambda m: ac(m, T(m, [1e-3, 1e-3]), T(m, [1.001e-3, 1e-3])),
    "float16": lambda m: ac(m, m.zeros(2, dtype=m.float16), m.full((2,), 1e-3, dtype=m.float16)),
    "bfloat16": lambda m: ac(m, m.zeros(2, dtype=m.bfloat16),
                             m.full((2,), 1e-3, dtype=m.bfloat16)),
    "float16_float32": lambda m: ac(m, m.zeros(2, dtype=m.float16),
                                    m.full((2,), 1e-3, dtype=m.float32), check_dtype=False),
    "float8_tol": lambda m: ac(m, T(m, [1.], dtype="float8_e4m3fn"),
                               T(m, [2.], dtype="float8_e4m3fn")),
    "float8_bitwise": lambda m: ac(m, T(m, [1., 2.], dtype="float8_e5m2"),
                                   T(m, [1., 3.], dtype="float8_e5m2"), rtol=0., atol=0.),
    "requires_grad": lambda m: ac(m, T(m, [1., 2.]), T(m, [1., 2.], requires_grad=True)),
    "requires_grad_fail": lambda m: ac(m, T(m, [1., 2.], requires_grad=True),
                                       T(m, [1., 3.], requires_grad=True)),
    "stride": lambda m: ac(m, m.ones(2, 2), m.ones(2, 2).t().contiguous().t(), check_stride=True),
    "stride_t": lambda m: ac(m, m.ones(2, 3), m.ones(3, 2).t(), check_stride=True),
    "stride_default_off": lambda m: ac(m, m.ones(2, 3), m.ones(3, 2).t()),
    "device_off": lambda m: ac(m, T(m, [1., 2.]), T(m, [1., 3.]), check_device=False),
    "layout_off": lambda m: ac(m, T(m, [1., 2.]), T(m, [1., 3.]), check_layout=False),
    "float": lambda m: ac(m, 1.0, 1.5),
    "float_close": lambda m: ac(m, 1.0, 1.0 + 1e-9),
    "int": lambda m: ac(m, 1, 2),
    "float_int": lambda m: ac(m, 1.0, 1),
    "float_int_off": lambda m: ac(m, 1.0, 1, check_dtype=False),
    "bools": lambda m: ac(m, True, False),
    "bool_int": lambda m: ac(m, True, 1),
    "np_bool": lambda m: ac(m, np.bool_(True), True),
    "np_float": lambda m: ac(m, np.float32(1.0), 1.0),
    "np_float_fail": lambda m: ac(m, np.float64(1.0), 1.5),
    "complex_scalar": lambda m: ac(m, 1 + 2j, 1 + 3j),
    "nan_scalar": lambda m: ac(m, nan, nan),
    "nan_scalar_equal": lambda m: ac(m, nan, nan, equal_nan=True),
    "zero_scalar": lambda m: ac(m, 0.0, 1e-3),
    "list": lambda m: ac(m, [T(m, 1.), T(m, 2.)], [T(m, 1.), T(m, 2.5)]),
    "list_msg_str": lambda m: ac(m, [T(m, 1.), T(m, 2.)], [T(m, 1.), T(m, 2.5)], msg="m"),
    "list_msg_fn": lambda m: ac(m, [T(m, 1.), T(m, 2.)], [T(m, 1.), T(m, 2.5)],
                                msg=lambda s: s.upper()),
    "tuple_mixed": lambda m: ac(m, (T(m, 1.), 2.0), (T(m, 1.), 2.5)),
    "dict": lambda m: ac(m, {"a": T(m, 1.), "b": T(m, 2.)}, {"a": T(m, 1.), "b": T(m, 2.5)}),
    "nested": lambda m: ac(m, {"a": [T(m, 1.), {"c": T(m, [1, 2])}]},
                           {"a": [T(m, 1.), {"c": T(m, [1, 3])}]}),
    "length": lambda m: ac(m, [T(m, 1.)], [T(m, 1.), T(m, 2.)]),
    "length_msg_ignored": lambda m: ac(m, [T(m, 1.)], [T(m, 1.), T(m, 2.)], msg="ignored"),
    "keys": lambda m: ac(m, {"a": T(m, 1.)}, {"b": T(m, 1.)}),
    "tensor_float": lambda m: ac(m, T(m, [1.]), 1.0),
    "tensor0d_float": lambda m: ac(m, T(m, 1.0), 1.0),
    "tensor_list": lambda m: ac(m, T(m, [1.]), [1.0]),
    "strs": lambda m: ac(m, "a", "a"),
    "tensor_str": lambda m: ac(m, T(m, [1.]), "a"),
    "nones": lambda m: ac(m, None, None),
    "none_int": lambda m: ac(m, None, 1),
    "objects": lambda m: ac(m, object, object),
    "arrays": lambda m: ac(m, np.array([1., 2.]), np.array([1., 2.5])),
    "array_tensor": lambda m: ac(m, np.array([1., 2.]), T(m, [1., 2.])),
    "tensor_array": lambda m: ac(m, T(m, [1., 2.]), np.array([1., 2.])),
    "parameter": lambda m: ac(m, m.nn.Parameter(T(m, [1., 2.])), T(m, [1., 2.5])),
    "no_subclasses": lambda m: ac(m, m.nn.Parameter(T(m, [1., 2.])), T(m, [1., 2.]),
                                  allow_subclasses=False),
    "first_failure_only": lambda m: ac(m, [T(m, [1.]), T(m, [1, 2])], [T(m, [2.]), T(m, [1])]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_assert_close_matches_torch(name):
    fn = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e, t = outcome(fn, ember), outcome(fn, torch)
    assert e == t


def test_assert_close_raises_from_none():
    with pytest.raises(AssertionError) as info:
        ember.testing.assert_close(ember.tensor([1.]), ember.tensor([2.]))
    assert info.value.__cause__ is None and info.value.__suppress_context__


MAKE_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
               "float32", "float64", "complex64", "complex128"]


@pytest.mark.parametrize("dtype", MAKE_DTYPES)
@pytest.mark.parametrize("kw", [{}, {"noncontiguous": True}, {"low": -2, "high": 3},
                                {"exclude_zero": True, "low": 0, "high": 2}])
def test_make_tensor_draws_like_torch(dtype, kw):
    out = []
    for lib in (ember, torch):
        lib.manual_seed(7)
        out.append(lib.testing.make_tensor((3, 4), dtype=getattr(lib, dtype), device="cpu", **kw))
    assert_same(*out, rtol=0, atol=0)
    assert out[0].is_contiguous() == out[1].is_contiguous()


@pytest.mark.parametrize("kw", [
    dict(dtype="float32", requires_grad=True), dict(dtype="int64", requires_grad=True),
    dict(dtype="float32", low=3, high=3), dict(dtype="float32", low=3, high=1),
    dict(dtype="uint8", low=-10, high=-2), dict(dtype="float32", low=nan),
    dict(dtype="float32", noncontiguous=True, memory_format="channels_last"),
    dict(dtype="float64", low=-1e308, high=1e308), dict(dtype="uint8", low=-5, high=500)])
def test_make_tensor_options_and_errors(kw):
    def fn(lib):
        k = dict(kw)
        k["dtype"] = getattr(lib, k["dtype"])
        if "memory_format" in k:
            k["memory_format"] = getattr(lib, k["memory_format"])
        lib.manual_seed(1)
        r = lib.testing.make_tensor(2, 3, device="cpu", **k)
        return r
    res = []
    for lib in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                # (NumPy overflow warnings from ember's FMA emulation at ~1e308 aside)
                res.append(("ok", fn(lib), [str(x.message) for x in w
                                            if not issubclass(x.category, RuntimeWarning)]))
            except Exception as e:  # noqa: BLE001
                res.append((type(e).__name__, _text(e), None))
    (es, ev, ew), (ts, tv, tw) = res
    assert es == ts
    if es == "ok":
        # (huge float64 ranges: ember's emulated FMA in uniform_ overflows, last bit differs)
        assert_same(ev, tv, rtol=1e-15, atol=0)
        assert [x.replace("ember", "torch") for x in ew] == tw
    else:
        assert ev == tv
