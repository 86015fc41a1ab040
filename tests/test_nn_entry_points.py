"""Top-level nn entry points against PyTorch with the same seeds: dropout/alpha/feature
variants (and in-place forms), native_dropout, bilinear, grid_sampler(_2d/_3d),
affine_grid_generator, conv_tbc; nn.functional.gumbel_softmax, celu_, selu_, conv_tbc."""
import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr

rng = np.random.default_rng(4)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def seeded(fn):
    def run(m, *args):
        m.manual_seed(7)
        return fn(m, *args)
    return run


DROPOUTS = ["dropout", "alpha_dropout", "feature_dropout", "feature_alpha_dropout"]


@pytest.mark.parametrize("name", DROPOUTS)
@pytest.mark.parametrize("p,train", [(0.3, True), (0.5, False), (0., True), (1., True)])
def test_dropout_family(name, p, train):
    check_same(seeded(lambda m, x: getattr(m, name)(x, p, train)),
               Arr(randn(3, 4, 5), requires_grad=True), grad=True)
    check_same(seeded(lambda m, x: getattr(m, name)(x, p, train)), Arr(randn(2, 6), "float64"))

    def inplace(m, x):
        y = x * 1
        r = getattr(m, name + "_")(y, p, train)
        return r is y, y, y._version
    check_same(seeded(inplace), Arr(randn(3, 4, 5), requires_grad=True), grad=True)


@pytest.mark.parametrize("fn", [
    lambda m, x: m.dropout(x, 1.5, True),
    lambda m, x: m.alpha_dropout(x, -0.5, True),
    lambda m, x: m.feature_dropout(x[0, 0], 0.5, True),
    lambda m, x: m.feature_alpha_dropout_(x[0, 0], 0.5, True),
    lambda m, x: m.native_dropout(x, 1.5, True),
])
def test_dropout_errors(fn):
    check_same(fn, Arr(randn(3, 4, 5)))


@pytest.mark.parametrize("p,train", [(0.3, True), (0.5, False), (0.5, None), (1., True),
                                     (0., True)])
def test_native_dropout(p, train):
    check_same(seeded(lambda m, x: m.native_dropout(x, p, train)),
               Arr(randn(4, 5), requires_grad=True), grad=True, check_grad_fn=True)
    check_same(seeded(lambda m, x: m.native_dropout(x, p, train)), Arr(randn(4, 5), "float64"))


def test_native_dropout_double_backward():
    res = []
    for m in (ember, torch):
        m.manual_seed(3)
        x = m.tensor(randn(4, 5).astype(np.float64) if not res else res[0][2],
                     requires_grad=True)
        out, _ = m.native_dropout(x, 0.4, True)
        g, = m.autograd.grad((out ** 3).sum(), x, create_graph=True)
        h, = m.autograd.grad(g.sum(), x)
        res.append((g.detach().numpy(), h.numpy(), x.detach().numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0])
    np.testing.assert_allclose(res[0][1], res[1][1])


def test_bilinear():
    check_same(lambda m, a, b, w, bias: m.bilinear(a, b, w, bias),
               Arr(randn(2, 3), requires_grad=True), Arr(randn(2, 4), requires_grad=True),
               Arr(randn(5, 3, 4), requires_grad=True), Arr(randn(5), requires_grad=True),
               grad=True, check_strides=False)
    check_same(lambda m, a, b, w: m.bilinear(a, b, w, None), Arr(randn(2, 3)), Arr(randn(2, 4)),
               Arr(randn(5, 3, 4)))


@pytest.mark.parametrize("interp", [0, 1, 2])
@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sampler_2d(interp, padding, align):
    grid = rng.uniform(-1.2, 1.2, (2, 3, 4, 2)).astype(np.float32)
    for name in ("grid_sampler", "grid_sampler_2d"):
        check_same(lambda m, x, g: getattr(m, name)(x, g, interp, padding, align),
                   Arr(randn(2, 3, 5, 6), requires_grad=True), Arr(grid), grad=True,
                   check_strides=False, check_grad_fn=True)


@pytest.mark.parametrize("interp", [0, 1])
def test_grid_sampler_3d(interp):
    grid = rng.uniform(-1, 1, (1, 2, 3, 4, 3)).astype(np.float32)
    for name in ("grid_sampler", "grid_sampler_3d"):
        check_same(lambda m, x, g: getattr(m, name)(x, g, interp, 0, False),
                   Arr(randn(1, 2, 3, 4, 5), requires_grad=True), Arr(grid), grad=True,
                   check_strides=False)


def test_grid_sampler_errors():
    check_same(lambda m, x, g: m.grid_sampler_2d(x, g, 0, 0, False), Arr(randn(1, 1, 2, 2, 2)),
               Arr(np.zeros((1, 1, 1, 1, 3), np.float32)))
    check_same(lambda m, x, g: m.grid_sampler_3d(x, g, 0, 0, False), Arr(randn(1, 1, 2, 2)),
               Arr(np.zeros((1, 1, 1, 2), np.float32)))


@pytest.mark.parametrize("size,align", [([2, 1, 3, 4], False), ([2, 1, 3, 4], True),
                                        ([2, 2, 2, 3, 4], False)])
def test_affine_grid_generator(size, align):
    theta = randn(2, 2, 3) if len(size) == 4 else randn(2, 3, 4)
    check_same(lambda m, t: m.affine_grid_generator(t, size, align),
               Arr(theta, requires_grad=True), grad=True, check_strides=False)


@pytest.mark.parametrize("pad", [0, 1, 2])
@pytest.mark.parametrize("fname", ["ember", "F"])
def test_conv_tbc(pad, fname):
    def fn(m, x, w, b):
        f = m.conv_tbc if fname == "ember" else m.nn.functional.conv_tbc
        return f(x, w, b, pad)
    check_same(fn, Arr(randn(6, 2, 3), requires_grad=True), Arr(randn(3, 3, 4), requires_grad=True),
               Arr(randn(4), requires_grad=True), grad=True, check_grad_fn=True)
    res = []
    arrays = [randn(5, 2, 3).astype(np.float64), randn(2, 3, 4).astype(np.float64),
              randn(4).astype(np.float64)]
    for m in (ember, torch):
        ts = [m.tensor(a, requires_grad=True) for a in arrays]
        out = m.conv_tbc(*ts, pad)
        gs = m.autograd.grad((out ** 2).sum(), ts, create_graph=True)
        hs = m.autograd.grad(sum((g ** 2).sum() for g in gs), ts[:2])
        res.append([g.detach().numpy() for g in gs] + [h.numpy() for h in hs])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("fn", [
    lambda m, x, w, b: m.conv_tbc(x[0], w, b),
    lambda m, x, w, b: m.conv_tbc(x, w[:, :2], b),
    lambda m, x, w, b: m.conv_tbc(x, w, b[:2]),
    lambda m, x, w, b: m.conv_tbc(x, w[0], b),
])
def test_conv_tbc_errors(fn):
    check_same(fn, Arr(randn(6, 2, 3)), Arr(randn(3, 3, 4)), Arr(randn(4)))


@pytest.mark.parametrize("kw", [{}, {"tau": 0.5}, {"hard": True}, {"dim": 0, "hard": True},
                                {"eps": 1e-3}])
def test_gumbel_softmax(kw):
    check_same(seeded(lambda m, x: m.nn.functional.gumbel_softmax(x, **kw)),
               Arr(randn(3, 5), requires_grad=True), grad=True)
    check_same(seeded(lambda m, x: m.nn.functional.gumbel_softmax(x, **kw)),
               Arr(randn(3, 5), "float64"))


def test_celu_selu_inplace():
    def fn(m, x):
        y = x * 1
        a = m.nn.functional.celu_(y, 2.)
        z = x * 1
        b = m.nn.functional.selu_(z)
        return a is y, y, b is z, z
    check_same(fn, Arr(randn(3, 4), requires_grad=True), grad=True)
