"""The engine's array mode: without create_graph, nodes that have an array derivative run on raw
NumPy gradients. Their results must equal the ember-op derivatives bit for bit (the
create_graph path computes the same formula through ember ops) and PyTorch's within tolerance;
hooks, captured inputs, mixed dtypes and in-place errors still take the general path."""
import numpy as np
import pytest

import ember
import torch
from oracle import assert_same

rng = np.random.default_rng(7)


def _chain(m, x, w):
    y = x * 2.0
    y = y + 1.0
    y = m.sin(y)
    y = y * w
    y = m.tanh(y)
    y = y - x
    y = m.exp(y)
    y = m.sigmoid(y)
    y = y / 3.0
    y = m.relu(y - 0.25)
    y = m.cos(y) + m.sqrt(y + 1.0) + m.log(y + 2.0) - (-y)
    y = y / w
    return y


CASES = {
    # name: (x shape, w shape or None for a Python scalar, reduction)
    "vector": ((16,), (16,), "sum"),
    "broadcast_row": ((3, 4), (4,), "sum"),
    "broadcast_col": ((3, 4), (3, 1), "mean"),
    "zero_dim": ((), (), "sum"),
    "empty": ((0, 3), (3,), "sum"),
    "dim_sum": ((2, 3, 4), (3, 4), "sum1"),
    "dim_mean_keep": ((2, 3, 4), (1, 4), "mean_keep"),
}


def _reduce(y, how):
    if how == "sum":
        return y.sum()
    if how == "mean":
        return y.mean()
    if how == "sum1":
        return y.sum(1).sum()
    return y.mean((0, 2), keepdim=True).sum()


def _grads(m, xa, wa, how, create_graph, transposed=False):
    x = m.tensor(xa, requires_grad=True)
    w = m.tensor(wa, requires_grad=True)
    xs = x.t() if transposed else x
    out = _reduce(_chain(m, xs, w), how)
    if m is ember and create_graph:
        return ember.autograd.grad(out, (x, w), create_graph=True)
    out.backward()
    return x.grad, w.grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_array_mode_equals_op_derivatives_and_torch(case, dtype):
    xs, ws, how = CASES[case]
    xa = rng.uniform(0.1, 1.0, xs).astype(dtype)
    wa = rng.uniform(0.5, 1.5, ws).astype(dtype)
    fast = _grads(ember, xa, wa, how, create_graph=False)
    slow = _grads(ember, xa, wa, how, create_graph=True)
    ref = _grads(torch, xa, wa, how, create_graph=False)
    for f, s, r in zip(fast, slow, ref):
        np.testing.assert_array_equal(f.numpy(), s.detach().numpy())
        assert_same(f, r, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-6)


def test_array_mode_non_contiguous_input():
    xa = rng.uniform(0.1, 1.0, (4, 3)).astype(np.float32)
    wa = rng.uniform(0.5, 1.5, (3, 4)).astype(np.float32)
    fast = _grads(ember, xa, wa, "sum", create_graph=False, transposed=True)
    slow = _grads(ember, xa, wa, "sum", create_graph=True, transposed=True)
    ref = _grads(torch, xa, wa, "sum", create_graph=False, transposed=True)
    for f, s, r in zip(fast, slow, ref):
        np.testing.assert_array_equal(f.numpy(), s.detach().numpy())
        assert_same(f, r, rtol=1e-5)


@pytest.mark.parametrize("lib", ["ember", "torch"])
def test_mixed_dtype_operands_fall_back(lib):
    # float32 * float64 0-dim / int tensors: the op derivative (with PyTorch's promotion) runs
    def run(m):
        x = m.tensor(np.array([0.5, 1.5, 2.5], np.float32), requires_grad=True)
        s = m.tensor(np.float64(1.25), requires_grad=True)
        k = m.tensor(np.array([1, 2, 3]))
        ((x * s) / k + x * k).sum().backward()
        return x.grad, s.grad
    e, t = run(ember), run(torch)
    for a, b in zip(e, t):
        assert_same(a, b)


def test_hooks_and_retain_grad_see_tensors():
    seen = {}
    for m in (ember, torch):
        x = m.tensor([0.5, 1.0, 2.0], requires_grad=True)
        y = m.sin(x * 3.0)
        y.retain_grad()
        y.register_hook(lambda g: g * 2)
        z = m.exp(y)
        z.grad_fn.register_prehook(lambda gs: (gs[0] + 1,))
        z.sum().backward()
        seen[m.__name__] = (x.grad, y.grad)
    for a, b in zip(seen["ember"], seen["torch"]):
        assert_same(a, b)


def test_autograd_grad_captures_in_array_mode():
    for m in (ember, torch):
        x = m.tensor([0.5, 1.0, 2.0], requires_grad=True)
        y = m.tanh(x) * x
        mid = m.sigmoid(y)
        out = (mid * mid).sum()
        g = m.autograd.grad(out, (mid, x))
        if m is ember:
            e = g
        else:
            t = g
    for a, b in zip(e, t):
        assert_same(a, b)


def test_saved_result_modified_inplace_raises_pytorch_error():
    msgs = []
    for m in (ember, torch):
        x = m.tensor([0.5, 1.0], requires_grad=True)
        y = m.exp(x)
        y.add_(1)
        with pytest.raises(RuntimeError) as ei:
            y.sum().backward()
        msgs.append(str(ei.value).replace("ember", "torch"))
    assert msgs[0] == msgs[1]


def test_second_backward_without_retain_graph_raises():
    x = ember.tensor([0.5, 1.0], requires_grad=True)
    y = ember.sin(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_no_floating_point_warnings_in_backward():
    import warnings
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.log(x).sum().backward()
    t = torch.tensor([0.0, 1.0], requires_grad=True)
    torch.log(t).sum().backward()
    assert_same(x.grad, t.grad)


def test_accumulation_across_backwards_and_grad_layout():
    for m in (ember, torch):
        x = m.tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=True)
        xt = x.t()
        for _ in range(3):
            (m.sin(xt) * 2.0).sum().backward()
        if m is ember:
            e = x.grad
        else:
            t = x.grad
    assert_same(e, t)


def test_plain_backward_uses_array_derivatives(monkeypatch):
    # the op derivatives of these nodes must not run in a plain backward (the array ones do)
    from ember.autograd.graph import node_class

    def boom(ctx, grad):
        raise AssertionError("ember-op derivative ran")
    for name in ("SinBackward0", "MulBackward0", "AddBackward0", "SumBackward0",
                 "ExpBackward0", "TanhBackward0", "SigmoidBackward0", "ReluBackward0"):
        monkeypatch.setattr(node_class(name), "backward_fn", staticmethod(boom))
    x = ember.tensor([0.5, 1.0], requires_grad=True)
    out = ember.relu(ember.sigmoid(ember.tanh(ember.exp(ember.sin(x * 2.0) + 1.0)))).sum()
    out.backward(retain_graph=True)
    assert x.grad is not None
    with pytest.raises(AssertionError, match="ember-op derivative ran"):
        ember.autograd.grad(out, x, create_graph=True)


def _mlp_loss(m, params, xa, target, reduction):
    F = m.nn.functional
    w1, b1, w2, b2 = params
    x = m.tensor(xa)
    h = m.relu(F.linear(x, w1, b1))
    o = F.linear(h, w2, b2)
    extra = (m.softmax(o, 1) * 0.5).sum() + F.log_softmax(o.t(), 0).sum() * 0.01
    extra = extra + (h.view(-1) * 0.1).mean() + (h.transpose(0, 1).mm(h) * 1e-3).sum()
    ce = F.cross_entropy(o, m.tensor(target), reduction=reduction)
    return (ce.sum() if reduction == "none" else ce) + extra


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_array_mode_linear_softmax_cross_entropy(dtype, reduction):
    shapes = [(7, 5), (7,), (3, 7), (3,)]
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    xa = rng.standard_normal((6, 5)).astype(dtype)
    target = rng.integers(0, 3, 6)
    grads = {}
    for mode in ("fast", "slow", "torch"):
        m = torch if mode == "torch" else ember
        params = [m.tensor(a, requires_grad=True) for a in arrays]
        loss = _mlp_loss(m, params, xa, target, reduction)
        if mode == "slow":
            grads[mode] = ember.autograd.grad(loss, params, create_graph=True)
        else:
            loss.backward()
            grads[mode] = [p.grad for p in params]
    for f, s, r in zip(grads["fast"], grads["slow"], grads["torch"]):
        np.testing.assert_array_equal(f.numpy(), s.detach().numpy())
        assert_same(f, r, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_array_mode_view_and_batched_ops(dtype):
    xa = rng.standard_normal((2, 3, 4)).astype(dtype)
    wa = rng.standard_normal((2, 4, 5)).astype(dtype)
    ba = rng.standard_normal((1, 5)).astype(dtype)

    def loss(m, x, w, b):
        y = x.bmm(w)                                   # BmmBackward0
        y = y.permute(2, 0, 1).unsqueeze(0)            # Permute, Unsqueeze
        y = y.squeeze(0).squeeze() * b.expand(5, 5)[:, :1, None]
        return (y.sum(0) ** 1).sum() + (x.unsqueeze(1).expand(2, 3, 3, 4) * 0.5).sum()

    grads = {}
    for mode in ("fast", "slow", "torch"):
        m = torch if mode == "torch" else ember
        ps = [m.tensor(a, requires_grad=True) for a in (xa, wa, ba)]
        out = loss(m, *ps)
        if mode == "slow":
            grads[mode] = ember.autograd.grad(out, ps, create_graph=True)
        else:
            out.backward()
            grads[mode] = [p.grad for p in ps]
    for f, s, r in zip(grads["fast"], grads["slow"], grads["torch"]):
        np.testing.assert_array_equal(f.numpy(), s.detach().numpy())
        assert_same(f, r, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-6)


def test_adopted_gradients_never_alias():
    # a fresh gradient may become .grad without a copy, but one array sent to two leaves (or
    # owned by the caller) must be copied
    a = ember.tensor([0.5, 1.0, 2.0], requires_grad=True)
    b = ember.tensor([1.5, -1.0, 0.0], requires_grad=True)
    ember.exp(a + b).sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.add_(1)
    np.testing.assert_allclose(a.grad.numpy() - 1, b.grad.numpy())
    seed = ember.ones(3)
    c = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c.backward(seed)
    assert not np.shares_memory(c.grad.numpy(), seed.numpy())
    w = ember.tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    (w * 2.0).sum().backward()
    t = torch.tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    (t * 2.0).sum().backward()
    assert_same(w.grad, t.grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,transposed", [((80, 64), False), ((80, 64), True),
                                              ((4097,), False), ((7, 5), False)])
def test_relu_gradient_masks_nan_inf_and_signed_zeros(dtype, shape, transposed):
    # large ReLU gradients are masked bitwise: NaN/inf gradients where the result is <= 0 must
    # still become +0, NaN results pass the gradient through, -0.0 gradients are kept
    xa = rng.standard_normal(shape).astype(dtype)
    wa = rng.standard_normal(shape).astype(dtype)
    flat_x, flat_w = xa.reshape(-1), wa.reshape(-1)
    flat_x[::17] = np.nan
    flat_x[::19] = -0.0
    flat_x[::23] = 0.0
    flat_w[::5] = np.nan
    flat_w[::7] = np.inf
    flat_w[::11] = -np.inf
    flat_w[::13] = -0.0

    def run(m, create_graph):
        x = m.tensor(xa, requires_grad=True)
        w = m.tensor(wa)
        xs = x.t() if transposed else x
        loss = (m.relu(xs) * (w.t() if transposed else w)).sum()
        if create_graph:
            return ember.autograd.grad(loss, x, create_graph=True)[0].detach()
        loss.backward()
        return x.grad

    fast, slow, ref = run(ember, False), run(ember, True), run(torch, False)
    np.testing.assert_array_equal(fast.numpy().view(np.uint8), slow.numpy().view(np.uint8))
    np.testing.assert_array_equal(fast.numpy().view(np.uint8), ref.numpy().view(np.uint8))
    assert fast.stride() == ref.stride()
