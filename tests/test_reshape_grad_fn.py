"""reshape's three outcomes as PyTorch 2.13 records them: a contiguous input is viewed
(ViewBackward0), any other viewable input is aliased (ReshapeAliasBackward0), the rest is
copied (UnsafeViewBackward0, no _base); the same through flatten, reshape_as and ember.reshape."""
import numpy as np
import pytest

import ember
import torch
from oracle import Arr, check_same

CASES = {
    "contiguous": lambda y: y.reshape(6, 4),
    "contiguous same shape": lambda y: y.reshape(2, 3, 4),
    "transposed, viewable": lambda y: y.transpose(1, 2).reshape(2, 4, 3),
    "sliced, viewable": lambda y: y[:, :, ::2].reshape(2, 3, 2),
    "sliced, split dim": lambda y: y[:, ::2].reshape(2, 2, 2, 2),
    "sliced, flattened": lambda y: y[:, :, ::2].reshape(-1),
    "transposed, copied": lambda y: y.transpose(0, 2).reshape(-1),
    "expanded, copied": lambda y: y[:1].expand(3, 3, 4).reshape(9, 4),
    "flatten sliced": lambda y: y[:, :, ::2].flatten(),
    "flatten(1) sliced": lambda y: y[:, :, ::2].flatten(1),
    "flatten transposed": lambda y: y.transpose(0, 1).flatten(),
    "reshape_as sliced": lambda y: y[:, :, ::2].reshape_as(y[:, :, :2]),
    "size-1 dims": lambda y: y[:1].transpose(0, 2).reshape(-1),
    "empty": lambda y: y[:0].transpose(0, 1).reshape(0, 8),
    "0-d": lambda y: y.sum().reshape(1),
    "unflatten": lambda y: y.transpose(0, 1).unflatten(2, (2, 2)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reshape_grad_fn(name):
    f = CASES[name]
    check_same(lambda m, x: f(x * 1), Arr(np.arange(24.).reshape(2, 3, 4), requires_grad=True),
               grad=True, check_grad_fn=True)


@pytest.mark.parametrize("name", ["sliced, viewable", "transposed, viewable", "contiguous",
                                  "transposed, copied"])
def test_reshape_is_view_and_double_backward(name):
    f = CASES[name]
    for m in (ember, torch):
        x = m.arange(24.).reshape(2, 3, 4).requires_grad_()
        y = x * 1
        r = f(y)
        assert (r._base is not None) == (name != "transposed, copied")
    xe = ember.arange(24.).reshape(2, 3, 4).requires_grad_()
    xt = torch.arange(24.).reshape(2, 3, 4).requires_grad_()
    ge, = ember.autograd.grad((f(xe * 1) ** 3).sum(), xe, create_graph=True)
    gt, = torch.autograd.grad((f(xt * 1) ** 3).sum(), xt, create_graph=True)
    np.testing.assert_allclose(ge.detach().numpy(), gt.detach().numpy())
    he, = ember.autograd.grad(ge.sum(), xe)
    ht, = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_allclose(he.numpy(), ht.numpy())


def test_functional_reshape():
    check_same(lambda m, x: m.reshape((x * 1)[:, ::2], (4, 3)),
               Arr(np.arange(24.).reshape(4, 6), requires_grad=True), grad=True,
               check_grad_fn=True)
