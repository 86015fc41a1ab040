"""The weight gradient of a sliding-window convolution reuses the forward's im2col columns
when nothing overwrote them. Against PyTorch: interleaved convolutions sharing a column shape,
repeated backward passes, the same input through two convolutions, inputs modified in place
(autograd's error), and the double-backward path."""
import numpy as np
import pytest

import ember
import torch

rng = np.random.default_rng(0)


def randn(*shape):
    return rng.standard_normal(shape)


def _grads(m, xs, ws, program):
    """Run ``program(m, xs, ws)`` -> loss; return the loss and every leaf's gradient."""
    xt = [m.tensor(x, requires_grad=True) for x in xs]
    wt = [m.tensor(w, requires_grad=True) for w in ws]
    loss = program(m, xt, wt)
    grads = m.autograd.grad(loss, xt + wt)
    return [loss.detach().numpy()] + [g.numpy() for g in grads]


def same(xs, ws, program):
    for a, b in zip(_grads(ember, xs, ws, program), _grads(torch, xs, ws, program)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def test_interleaved_convolutions_of_one_column_shape():
    # two inputs through convolutions with the same column shape: the second forward
    # overwrites the first's columns before either weight gradient runs
    xs = [randn(4, 2, 9, 9), randn(4, 2, 9, 9)]
    ws = [randn(3, 2, 3, 3), randn(3, 2, 3, 3)]

    def program(m, xt, wt):
        a = m.nn.functional.conv2d(xt[0], wt[0], padding=1)
        b = m.nn.functional.conv2d(xt[1], wt[1], padding=1)
        return (a * b).sum() + (a * a).sum()
    same(xs, ws, program)


def test_one_input_two_weights_and_a_chain():
    xs = [randn(2, 3, 12, 12)]
    ws = [randn(4, 3, 5, 5), randn(4, 3, 5, 5), randn(2, 4, 3, 3)]

    def program(m, xt, wt):
        F = m.nn.functional
        a = F.conv2d(xt[0], wt[0], padding=2)
        b = F.conv2d(xt[0], wt[1], padding=2)
        c = F.conv2d(F.relu(a + b), wt[2], stride=2)
        return (c * c).sum()
    same(xs, ws, program)


def test_retained_graph_backward_twice():
    x, w = randn(3, 1, 10, 10), randn(4, 1, 5, 5)
    res = []
    for m in (ember, torch):
        xt, wt = m.tensor(x), m.tensor(w, requires_grad=True)
        y = m.nn.functional.conv2d(xt, wt, padding=2)
        loss = (y * y).sum()
        g1, = m.autograd.grad(loss, wt, retain_graph=True)
        m.nn.functional.conv2d(m.tensor(randn(3, 1, 10, 10)), wt, padding=2)   # overwrites
        g2, = m.autograd.grad(loss, wt)
        res.append((g1.numpy(), g2.numpy()))
    for a, b in zip(res[0], res[1]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(res[0][0], res[0][1])


def test_input_modified_in_place_raises():
    x, w = randn(2, 2, 6, 6), randn(3, 2, 3, 3)
    errors = []
    for m in (ember, torch):
        xt = m.tensor(x, requires_grad=True)
        h = xt * 2
        y = m.nn.functional.conv2d(h, m.tensor(w, requires_grad=True))
        h.add_(1)
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        errors.append(str(info.value).split(".")[0])
    assert errors[0].replace("ember", "torch") == errors[1].replace("ember", "torch")


def test_double_backward_weight_gradient():
    x, w = randn(2, 2, 7, 7).astype(np.float64), randn(3, 2, 3, 3).astype(np.float64)
    res = []
    for m in (ember, torch):
        xt, wt = m.tensor(x, requires_grad=True), m.tensor(w, requires_grad=True)
        y = m.nn.functional.conv2d(xt, wt, padding=1)
        gw, = m.autograd.grad((y * y).sum(), wt, create_graph=True)
        gx, = m.autograd.grad((gw * gw).sum(), xt)
        res.append((gw.detach().numpy(), gx.numpy()))
    for a, b in zip(res[0], res[1]):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8)
