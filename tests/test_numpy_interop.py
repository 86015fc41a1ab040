"""NumPy functions on ember tensors against the same calls on PyTorch CPU tensors: ``__array__``
(np.asarray/np.array: values, dtype, memory sharing, strides, copies, PyTorch's errors for
tensors that require grad or have no NumPy dtype) and ``__array_wrap__`` (ufuncs return tensors,
0-d ones too, bool results as uint8)."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import Arr, assert_same, assert_same_exception, convert

rng = np.random.default_rng(0)
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def both(fn, *inputs):
    """fn(lib, *tensors) on each library; returns (ember result or exception, torch ...)."""
    out = []
    for lib in (ember, torch):
        args = convert(inputs, lib)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # PyTorch's __array__/__array_wrap__ deprecations
            try:
                out.append(fn(lib, *args))
            except Exception as e:  # noqa: BLE001 - compared below
                out.append(e)
    return out


def same_numpy(fn, *inputs):
    e, t = both(fn, *inputs)
    if isinstance(t, Exception):
        assert isinstance(e, Exception), f"torch raised {t!r}, ember returned {e!r}"
        assert_same_exception(e, t)
        assert str(e) == str(t)
        return
    assert not isinstance(e, Exception), f"ember raised {e!r}"
    assert type(e) is type(t), f"{type(e)} != {type(t)}"
    if isinstance(t, np.ndarray):
        assert e.dtype == t.dtype and e.shape == t.shape
        assert t.size == 0 or e.strides == t.strides   # (PyTorch gives empty arrays 0 strides)
        np.testing.assert_array_equal(e, t)
    elif isinstance(t, tuple):
        assert e == t
    else:
        assert e == t


INPUTS = [Arr(rng.standard_normal((3, 4)).astype(np.float32)),
          Arr(rng.standard_normal((3, 4)), "float64", layout="transposed"),
          Arr(rng.standard_normal((2, 6)).astype(np.float32), layout="strided"),
          Arr(rng.integers(-5, 5, (4,)), "int64"), Arr(rng.integers(0, 5, (4,)), "uint8"),
          Arr(np.array([True, False]), "bool"), Arr(np.array(2.5), "float32"),
          Arr(np.zeros((0, 3)), "float32"), Arr(rng.standard_normal(3), "float16"),
          Arr(rng.standard_normal(3) + 1j, "complex64")]


@pytest.mark.parametrize("x", INPUTS, ids=lambda a: f"{a.dtype}-{a.layout}")
def test_asarray_shares_memory_with_same_layout(x):
    same_numpy(lambda m, t: np.asarray(t), x)
    e, t = both(lambda m, t: (np.shares_memory(np.asarray(t), t.numpy()),
                              np.asarray(t).flags.writeable), x)
    assert e == t
    e_t = x.make(ember)
    np.asarray(e_t)[...] = 0
    assert not e_t.any()


@pytest.mark.parametrize("x", INPUTS, ids=lambda a: f"{a.dtype}-{a.layout}")
def test_array_copies(x):
    same_numpy(lambda m, t: np.array(t), x)
    same_numpy(lambda m, t: np.array(t, dtype=np.float64), x)
    e_t = x.make(ember)
    copy = np.array(e_t)
    if copy.size:
        assert not np.shares_memory(copy, e_t.numpy())


@pytest.mark.parametrize("fn", [lambda m, t: np.asarray(t), lambda m, t: np.array(t),
                                lambda m, t: np.sqrt(t), lambda m, t: np.asarray(t, np.float64)])
def test_requires_grad_raises_like_pytorch(fn):
    same_numpy(fn, Arr(np.ones(3, np.float32), requires_grad=True))


def test_no_numpy_dtype_raises_like_pytorch():
    same_numpy(lambda m, t: np.asarray(t), Arr(np.ones(3, np.float32), "bfloat16"))


@pytest.mark.parametrize("ufunc", [np.exp, np.sin, np.negative, np.isnan, np.isfinite,
                                   np.signbit, lambda a: np.add(a, 1), lambda a: np.floor(a),
                                   lambda a: np.maximum(a, 0.5), lambda a: np.greater(a, 0),
                                   np.add.reduce, lambda a: np.clip(a, -0.5, 0.5),
                                   np.cumsum, np.sort, np.round, np.transpose, np.argmax])
@pytest.mark.parametrize("x", INPUTS[:3] + [INPUTS[6], INPUTS[3]],
                         ids=["2d", "transposed", "strided", "0d", "int"])
def test_ufuncs_and_methods_return_tensors(ufunc, x):
    e, t = both(lambda m, a: ufunc(a), x)
    if isinstance(t, torch.Tensor):
        assert_same(e, t, check_strides=False)
    else:
        same_numpy(lambda m, a: ufunc(a), x)


@pytest.mark.parametrize("fn", [
    lambda m, a, b: np.concatenate([a, b]), lambda m, a, b: np.stack([a, b]),
    lambda m, a, b: np.where(a > 0, a, b), lambda m, a, b: np.allclose(a, b),
    lambda m, a, b: np.array_equal(a, b), lambda m, a, b: np.dot(a.flatten(), b.flatten()),
    lambda m, a, b: np.array([a[0, 0], b[1, 1]]), lambda m, a, b: np.median(a),
    lambda m, a, b: np.shape(a), lambda m, a, b: np.ndim(a),
    lambda m, a, b: np.histogram(a, bins=3)[0],
    lambda m, a, b: np.ones(4) + a, lambda m, a, b: np.ones((3, 4)) * a])
def test_numpy_functions_see_arrays(fn):
    a, b = (Arr(rng.standard_normal((3, 4)).astype(np.float32)) for _ in range(2))
    e, t = both(fn, a, b)
    if isinstance(t, Exception):
        assert_same_exception(e, t)
    elif isinstance(t, torch.Size):
        assert tuple(e) == tuple(t)
    else:
        np.testing.assert_array_equal(np.asarray(e), np.asarray(t))
        assert np.asarray(e).dtype == np.asarray(t).dtype


def test_numpy_testing_accepts_tensors():
    x = ember.tensor([1.0, 2.0])
    np.testing.assert_allclose(x, np.array([1.0, 2.0]))
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(x, np.array([1.0, 2.5]))


@pytest.mark.parametrize("name", ["sum", "mean", "std"])
def test_reductions_through_numpy(name):
    # NOTE: PyTorch raises TypeError here (np.sum calls Tensor.sum(axis=None, out=None) and its
    # method parser knows no `out`); ember's methods take NumPy's names, so NumPy's reduction
    # runs and gives a tensor with NumPy's value
    data = rng.standard_normal((3, 4)).astype(np.float64)
    result = getattr(np, name)(ember.from_numpy(data), axis=0) if name != "std" else \
        ember.from_numpy(data).std(dim=0, unbiased=False)
    assert isinstance(result, ember.Tensor)
    np.testing.assert_allclose(result.numpy(), getattr(np, name)(data, axis=0))
