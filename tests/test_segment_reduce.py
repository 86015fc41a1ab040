"""segment_reduce against PyTorch: every reduction, lengths and offsets, empty segments,
initial values, multi-dimensional data and batched lengths, gradients (ties, zeros), double
backward, errors."""
import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr

REDUCES = ["sum", "mean", "max", "min", "prod"]


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("initial", [None, 2.])
def test_segment_reduce_1d(reduce, initial):
    data = np.array([1., 3., 3., 0., 2., 0., 5.], np.float32)
    check_same(lambda m, d, l: m.segment_reduce(d, reduce, lengths=l, initial=initial),
               Arr(data, requires_grad=True), Arr(np.array([3, 0, 3, 1])), grad=True)
    check_same(lambda m, d, o: m.segment_reduce(d, reduce, offsets=o, initial=initial),
               Arr(data, "float64"), Arr(np.array([0, 2, 2, 7])))


@pytest.mark.parametrize("reduce", REDUCES)
def test_segment_reduce_nd_and_batched(reduce):
    rng = np.random.default_rng(8)
    d2 = rng.standard_normal((6, 3)).astype(np.float32)
    check_same(lambda m, d, l: m.segment_reduce(d, reduce, lengths=l, axis=0),
               Arr(d2, requires_grad=True), Arr(np.array([2, 4])), grad=True)
    d3 = rng.standard_normal((2, 6, 2)).astype(np.float32)
    check_same(lambda m, d, l: m.segment_reduce(d, reduce, lengths=l, axis=1),
               Arr(d3, requires_grad=True), Arr(np.array([[2, 4], [3, 3]])), grad=True)


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "prod"])
def test_segment_reduce_no_double_backward(reduce):
    def fn(m, d):
        y = m.segment_reduce(d, reduce, lengths=m.tensor([2, 4]))
        g, = m.autograd.grad((y ** 2).sum(), d, create_graph=True)
        return g.detach(), g.requires_grad, m.autograd.grad((g ** 2).sum(), d)
    check_same(fn, Arr(np.array([1., 3., 2., 0.5, 2., 4.]), requires_grad=True))


@pytest.mark.parametrize("fn", [
    lambda m, d: m.segment_reduce(d, "foo", lengths=m.tensor([2, 4])),
    lambda m, d: m.segment_reduce(d, "sum", lengths=m.tensor([2, 2])),
    lambda m, d: m.segment_reduce(d, "sum"),
    lambda m, d: m.segment_reduce(d.view(2, 3), "sum", lengths=m.tensor([1, 2]), axis=1),
    lambda m, d: m.segment_reduce(d, "amax", lengths=m.tensor([2, 4])),
    lambda m, d: m.segment_reduce(d, "sum", lengths=m.tensor([2, 2]), unsafe=True).shape,
])
def test_segment_reduce_errors(fn):
    check_same(fn, Arr(np.arange(6, dtype=np.float32)))
