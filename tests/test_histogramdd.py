"""histogramdd against PyTorch: counts, edges, weights, density, ranges, edge tensors, points on
edges and outside, empty input, errors."""
import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr

rng = np.random.default_rng(7)


@pytest.mark.parametrize("kw", [
    {"bins": 3}, {"bins": [2, 3, 4]}, {"bins": 2, "range": [0., 1., 0., .5, .2, .8]},
    {"bins": 4, "density": True}, {"bins": [1, 2, 5], "range": [-1., 2., 0., 1., 0.5, 0.5]},
])
@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_histogramdd(kw, dt):
    check_same(lambda m, x: m.histogramdd(x, **kw), Arr(rng.random((40, 3)), dt))


def test_histogramdd_weights_edges_and_shapes():
    pts = np.array([[0., 1.], [1., 0.], [2., 0.], [2., 2.], [3., 3.]], np.float32)
    check_same(lambda m, x, w: m.histogramdd(x, bins=[3, 3], weight=w), Arr(pts),
               Arr(np.array([1., 2., 4., 8., 16.], np.float32)))
    check_same(lambda m, x, w: m.histogramdd(x, bins=2, weight=w, density=True), Arr(pts),
               Arr(np.array([1., 2., 4., 8., 16.], np.float32)))
    check_same(lambda m, x, e0, e1: m.histogramdd(x, bins=[e0, e1]), Arr(pts),
               Arr(np.array([0., 0.5, 2.], np.float32)), Arr(np.array([0., 1., 3.], np.float32)))
    check_same(lambda m, x: m.histogramdd(x, bins=2), Arr(rng.random((2, 3, 2))))
    check_same(lambda m, x: m.histogramdd(x, bins=2), Arr(np.zeros((0, 2), np.float32)))
    check_same(lambda m, x: m.histogramdd(x, bins=3), Arr(np.ones((4, 2), np.float32)))
    check_same(lambda m, x: m.histogramdd(x, bins=2).hist.requires_grad,
               Arr(rng.random((4, 2)), requires_grad=True))


@pytest.mark.parametrize("fn", [
    lambda m, x: m.histogramdd(x[:, 0], bins=2),
    lambda m, x: m.histogramdd(x, bins=[2]),
    lambda m, x: m.histogramdd(x, bins=2, range=[0., 1.]),
    lambda m, x: m.histogramdd(x.double(), bins=2, weight=m.ones(4)),
    lambda m, x: m.histogramdd(x, bins=2, weight=m.ones(3)),
    lambda m, x: m.histogramdd(x, bins=0),
    lambda m, x: m.histogramdd((x * 4).long(), bins=2),
    lambda m, x: m.histogramdd(x, bins=2, range=[1., 0., 0., 1.]),
    lambda m, x: m.histogramdd(x, bins=[m.ones(2, 2), m.ones(2)]),
    lambda m, x: m.histogramdd(x, bins=[m.ones(2).double(), m.ones(2)]),
])
def test_histogramdd_errors(fn):
    check_same(fn, Arr(rng.random((4, 2)), "float32"))
