"""Indexing reads and writes against PyTorch: views, strides, grad_fn names, errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ember
import torch
from oracle import check_same, Arr

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)

BASIC_KEYS = [
    0, -1, 1, (0, 1), (1, -1, 2), slice(None), slice(1, None), slice(None, 1), slice(0, 2, 2),
    (slice(None), 1), (Ellipsis, 1), (Ellipsis, slice(1, 3)), (None,), (None, 0), (0, None, 1),
    (slice(None), None, slice(1, 3)), (Ellipsis,), (), (1, Ellipsis, None), (slice(5, 10),),
    (slice(-10, 10),), (0, slice(2, 1)), (True,), (False,), (slice(None), slice(None), 3),
]


@pytest.mark.parametrize("key", BASIC_KEYS, ids=repr)
def test_basic_getitem(key):
    check_same(lambda m, x: x[key], X, check_grad_fn=True)


@pytest.mark.parametrize("key", BASIC_KEYS, ids=repr)
def test_basic_getitem_grad(key):
    check_same(lambda m, x: x[key] * 2, Arr(X, requires_grad=True), grad=True, check_grad_fn=True)


@pytest.mark.parametrize("key", [0, (0, 1), (slice(None), 1), (Ellipsis, 2)], ids=repr)
def test_basic_getitem_noncontiguous(key):
    check_same(lambda m, x: x[key], Arr(X[0], layout="transposed"))


def test_views_share_memory_and_version():
    for m in (ember, torch):
        x = m.zeros(3, 4)
        v = x[1]
        v[0] = 5
        assert x[1, 0].item() == 5
        assert x._version == 1 and v._version == 1
        assert v._base is x


@pytest.mark.parametrize("key,exc", [
    (3, IndexError), (-4, IndexError), ((0, 0, 0, 0), IndexError), (slice(None, None, -1), ValueError),
    ((0, slice(None, None, 0)), ValueError), ("a", TypeError), (1.5, TypeError),
], ids=repr)
def test_getitem_errors(key, exc):
    check_same(lambda m, x: x[key], X[0], match_message=exc is not TypeError)


ADV_KEYS = [
    [0, 2], ([0, 1], [1, 2]), (slice(None), [0, 2]), (0, [1, 2]), ([[0, 1], [1, 0]],),
    (Ellipsis, [0, 3]), ([0, 1], slice(None), [1, 3]), (slice(None), [2], [1]),
]


@pytest.mark.parametrize("key", ADV_KEYS, ids=repr)
def test_advanced_getitem(key):
    check_same(lambda m, x: x[key], X, check_grad_fn=True)
    check_same(lambda m, x: x[key] * 1, Arr(X, requires_grad=True), grad=True)


def test_tensor_and_mask_indices():
    idx = np.array([2, 0, 2])
    check_same(lambda m, x, i: x[i], X[0], idx)
    check_same(lambda m, x, i: x[:, i], X[0], idx.astype(np.int32))
    mask = X[0] > 5
    check_same(lambda m, x, k: x[k], X[0], mask)
    check_same(lambda m, x, k: x[k], Arr(X[0], requires_grad=True), mask, grad=True)
    check_same(lambda m, x, k: x[k], X[0], np.array([True, False, True]))
    check_same(lambda m, x, k: x[k], X[0], np.array([True, False]))       # mask shape error
    check_same(lambda m, x, k: x[k], X[0], np.array([0.0, 1.0], np.float32))  # float index
    check_same(lambda m, x, k: x[k], X[0], np.array([5]))                 # out of range


@pytest.mark.parametrize("key", [0, (1, 2), slice(1, 3), (slice(None), 1), (Ellipsis, 0),
                                 [0, 2], (slice(None), [1, 3])], ids=repr)
@pytest.mark.parametrize("value", [7, 2.5, "tensor", "row"])
def test_setitem(key, value):
    def fn(m, x, v):
        x = x.clone()
        if value == "tensor":
            v = m.tensor(9, dtype=m.float64)
        elif value == "row":
            v = m.arange(4, dtype=m.int32)
        else:
            v = value
        x[key] = v
        return x, x._version
    check_same(fn, X[0].astype(np.int64), None)


def test_setitem_shape_mismatch():
    def fn(m, x):
        x = x.clone()
        x[0] = m.ones(3)
        return x
    check_same(fn, X[0])


def test_setitem_autograd():
    def fn(m, x, v):
        y = x * 1
        y[0] = v * 2
        return y
    check_same(fn, Arr(X[0], requires_grad=True), Arr(np.ones(4, np.float32), requires_grad=True),
               grad=True)


def test_setitem_on_leaf_requiring_grad_errors():
    def fn(m, x):
        x[0] = 1.0
    check_same(fn, Arr(X[0], requires_grad=True))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_random_slices(shape, data):
    arr = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    key = []
    for s in shape[:data.draw(st.integers(0, len(shape)))]:
        kind = data.draw(st.sampled_from(["int", "slice", "none", "full"]))
        if kind == "int":
            key.append(data.draw(st.integers(-s, s - 1)))
        elif kind == "slice":
            a = data.draw(st.integers(-s - 1, s + 1))
            b = data.draw(st.integers(-s - 1, s + 1))
            key.append(slice(a, b, data.draw(st.integers(1, 3))))
        elif kind == "none":
            key.append(None)
        else:
            key.append(slice(None))
    key = tuple(key)
    check_same(lambda m, x: x[key], arr)
