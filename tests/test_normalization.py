"""Normalisation layers and functions against PyTorch: batch, layer, group, instance, RMS and
local response norm, CrossMapLRN2d and channel shuffle. Values (every float dtype), layouts,
grad_fn names, gradients w.r.t. input and every parameter, double backward, running
statistics in train and eval mode, module reprs / state_dict keys / seeded init, errors."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr, normalize_message

rng = np.random.default_rng(0)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def F(m):
    return m.nn.functional


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def T(m, a, requires_grad=False):
    """A tensor of library ``m`` holding a copy of array ``a``."""
    t = m.from_numpy(np.array(a, copy=True))
    return t.requires_grad_(True) if requires_grad else t


def grads_same(fn, arrays, wrt, rtol=1e-4, atol=1e-5, double=True, check_grad_fn=True):
    """``fn(m, *tensors)`` agrees on both libraries: value, dtype, shape, strides and grad_fn name;
    first gradients w.r.t. the inputs at positions ``wrt`` (with a random upstream gradient);
    and, with ``double``, the gradients of a function of those first gradients (create_graph)."""
    results = []
    up = None
    for m in (ember, torch):
        ts = [None if a is None else T(m, a, i in wrt) for i, a in enumerate(arrays)]
        out = fn(m, *ts)
        if up is None:
            up = rng.standard_normal(tuple(out.shape)).astype(np.float64)
        g_up = m.from_numpy(up.astype(out.detach().numpy().dtype))
        xs = [ts[i] for i in wrt]
        gs = m.autograd.grad(out, xs, g_up, create_graph=double)
        r = [out, [g.detach() for g in gs]]
        if double:
            total = sum((g * g.detach().sin()).sum() for g in gs)
            # (a gradient that does not depend on the inputs has no graph in either library)
            # (PyTorch may record a graph whose derivative is zero: compare as zeros)
            hs = m.autograd.grad(total, xs, allow_unused=True) if total.requires_grad else \
                [None] * len(xs)
            r.append([m.zeros(x.shape, dtype=x.dtype) if h is None else h for h, x in zip(hs, xs)])
        results.append(r)
    (eo, eg, *eh), (to, tg, *th) = results
    name = type(to.grad_fn).__name__ if to.grad_fn is not None else None
    if check_grad_fn:
        assert (type(eo.grad_fn).__name__ if eo.grad_fn is not None else None) == name
    assert str(eo.dtype).split(".")[-1] == str(to.dtype).split(".")[-1]
    assert tuple(eo.shape) == tuple(to.shape)
    if to.numel() > 1:
        assert eo.stride() == to.stride()
    np.testing.assert_allclose(eo.detach().double().numpy(), to.detach().double().numpy(),
                               rtol=rtol, atol=atol)
    for a, b in zip(eg, tg):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.double().numpy(), b.double().numpy(), rtol=rtol, atol=atol)
    if eh:
        assert len(eh[0]) == len(th[0])
    for a, b in zip(eh[0] if eh else [], th[0] if th else []):
        np.testing.assert_allclose(a.detach().double().numpy(), b.detach().double().numpy(),
                                   rtol=rtol * 10, atol=atol * 10)


# ---------------------------------------------------------------------------- layer norm
@pytest.mark.parametrize("xshape,nshape", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((5,), (5,)),
                                           ((2, 3, 1), (1,))])
@pytest.mark.parametrize("affine", ["wb", "w", "none"])
def test_layer_norm_forward_backward(xshape, nshape, affine):
    x = randn(*xshape, dtype=np.float64)
    w = randn(*nshape, dtype=np.float64) if affine != "none" else None
    b = randn(*nshape, dtype=np.float64) if affine == "wb" else None
    wrt = [i for i, a in enumerate((x, w, b)) if a is not None]
    grads_same(lambda m, x, w, b: F(m).layer_norm(x, nshape, w, b, eps=1e-3), [x, w, b], wrt)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_layer_norm_dtypes(dtype):
    check_same(lambda m, x, w, b: F(m).layer_norm(x, (6,), w, b), Arr(randn(3, 6), dtype, True),
               Arr(randn(6), dtype, True), Arr(randn(6), dtype, True), grad=True,
               check_grad_fn=True)


def test_layer_norm_layouts_and_empty():
    x = randn(4, 6, 5)
    check_same(lambda m, x: F(m).layer_norm(x.transpose(0, 2), (4,)), x)
    check_same(lambda m, x: F(m).layer_norm(x.transpose(0, 1), (5,)), x)
    check_same(lambda m, x: F(m).layer_norm(x, (5,)), Arr(x, layout="strided"))
    check_same(lambda m: F(m).layer_norm(m.zeros(0, 5), (5,)))
    check_same(lambda m: F(m).layer_norm(m.zeros(3, 0), (0,)))


def test_layer_norm_half_input_float_params():
    check_same(lambda m, x, w: F(m).layer_norm(x, (5,), w), Arr(randn(3, 5), "bfloat16"),
               randn(5))
    check_same(lambda m, x, w: m.native_layer_norm(x, (5,), w, None, 1e-5),
               Arr(randn(3, 5), "bfloat16"), randn(5))


def test_native_layer_norm_outputs():
    check_same(lambda m, x, w, b: m.native_layer_norm(x, (3, 4), w, b, 1e-5),
               Arr(randn(2, 3, 4), requires_grad=True), Arr(randn(3, 4), requires_grad=True),
               Arr(randn(3, 4), requires_grad=True), grad=True, check_grad_fn=True)


@pytest.mark.parametrize("case", [
    lambda m, x: F(m).layer_norm(x, (4,)),
    lambda m, x: F(m).layer_norm(x, (5,), m.ones(4)),
    lambda m, x: F(m).layer_norm(x, (5,), None, m.ones(4)),
    lambda m, x: F(m).layer_norm(x, ()),
    lambda m, x: F(m).layer_norm(x.long(), (5,)),
    lambda m, x: F(m).layer_norm(x, (5,), m.ones(5).double()),
    lambda m, x: F(m).layer_norm(x.double(), (5,), m.ones(5)),
    lambda m, x: F(m).layer_norm(x.half(), (5,), m.ones(5).bfloat16()),
    lambda m, x: F(m).layer_norm(x, 5),
])
def test_layer_norm_errors(case):
    check_same(case, randn(4, 6, 5))


# ---------------------------------------------------------------------------- batch norm
@pytest.mark.parametrize("xshape", [(8, 3), (4, 3, 5), (2, 3, 2, 3), (2, 3, 2, 1, 2)])
@pytest.mark.parametrize("affine", ["wb", "w", "none"])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_forward_backward(xshape, affine, training):
    c = xshape[1]
    x = randn(*xshape, dtype=np.float64)
    w = randn(c, dtype=np.float64) if affine != "none" else None
    b = randn(c, dtype=np.float64) if affine == "wb" else None
    rm, rv = randn(c, dtype=np.float64), np.abs(randn(c, dtype=np.float64)) + 0.5
    wrt = [i for i, a in enumerate((x, w, b)) if a is not None]

    def fn(m, x, w, b):
        return F(m).batch_norm(x, T(m, rm), T(m, rv), w, b, training=training, momentum=0.3,
                               eps=1e-3)
    grads_same(fn, [x, w, b], wrt)


@pytest.mark.parametrize("momentum", [0.1, 0.5])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_norm_running_stats(momentum, dtype):
    x, rm, rv = randn(6, 4, 3), randn(4), np.abs(randn(4)) + 0.5

    def fn(m, x, rm, rv):
        out = F(m).batch_norm(x, rm, rv, training=True, momentum=momentum)
        return out, rm, rv
    check_same(fn, Arr(x, dtype), Arr(rm, dtype), Arr(rv, dtype))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_batch_norm_dtypes(dtype):
    pdt = "float32" if dtype in ("float16", "bfloat16") else dtype
    check_same(lambda m, x, w, b, rm, rv: (F(m).batch_norm(x, rm, rv, w, b, True), rm, rv),
               Arr(randn(5, 3, 2), dtype, True), Arr(randn(3), pdt, True),
               Arr(randn(3), pdt, True), Arr(randn(3), pdt), Arr(np.ones(3), pdt), grad=True)
    check_same(lambda m, x: m.native_batch_norm(x, None, None, None, None, True, 0.1, 1e-5),
               Arr(randn(5, 3, 2), dtype))
    check_same(lambda m, x, rm, rv: m.native_batch_norm(x, None, None, rm, rv, False, 0.1, 1e-5),
               Arr(randn(5, 3, 2), dtype), Arr(randn(3), pdt), Arr(np.ones(3), pdt))


def test_batch_norm_layouts_and_empty():
    x = randn(4, 6, 5)
    check_same(lambda m, x: F(m).batch_norm(x.transpose(0, 2), None, None, training=True), x)
    check_same(lambda m, x: F(m).batch_norm(x.transpose(1, 2), None, None, training=True), x)
    check_same(lambda m, x: F(m).batch_norm(
        x.to(memory_format=m.channels_last), None, None, training=True), randn(2, 3, 4, 5))
    check_same(lambda m: F(m).batch_norm(m.zeros(0, 3), None, None, training=True))
    check_same(lambda m: F(m).batch_norm(m.zeros(4, 0), None, None, training=True))
    check_same(lambda m: F(m).batch_norm(m.zeros(0, 3), m.zeros(3), m.ones(3)))


@pytest.mark.parametrize("case", [
    lambda m, x: F(m).batch_norm(x, m.zeros(5), m.ones(6)),
    lambda m, x: F(m).batch_norm(x, m.zeros(6), m.ones(5)),
    lambda m, x: F(m).batch_norm(x, m.zeros(6), m.ones(6), m.ones(5)),
    lambda m, x: F(m).batch_norm(x, m.zeros(6), m.ones(6), None, m.ones(5)),
    lambda m, x: F(m).batch_norm(x, None, None, training=False),
    lambda m, x: F(m).batch_norm(x, m.zeros(6), None, training=False),
    lambda m, x: F(m).batch_norm(m.ones(1, 3), None, None, training=True),
    lambda m, x: F(m).batch_norm(m.ones(1, 3, 1), None, None, training=True),
    lambda m, x: F(m).batch_norm(x.long(), None, None, training=True),
    lambda m, x: F(m).batch_norm(x, None, None, training=True, eps=0),
    lambda m, x: F(m).batch_norm(x, m.zeros(6), m.ones(6), eps=-1.0),
    lambda m, x: F(m).batch_norm(x, m.zeros(6).double(), m.ones(6).double(), training=True),
    lambda m, x: F(m).batch_norm(x.double(), None, None, m.ones(6), None, training=True),
])
def test_batch_norm_errors(case):
    check_same(case, randn(4, 6, 5))


# ---------------------------------------------------------------------------- group norm
@pytest.mark.parametrize("xshape,groups", [((2, 6), 3), ((2, 6, 5), 2), ((3, 4, 2, 3), 4),
                                           ((2, 4, 3), 1)])
@pytest.mark.parametrize("affine", ["wb", "w", "none"])
def test_group_norm_forward_backward(xshape, groups, affine):
    c = xshape[1]
    x = randn(*xshape, dtype=np.float64)
    w = randn(c, dtype=np.float64) if affine != "none" else None
    b = randn(c, dtype=np.float64) if affine == "wb" else None
    wrt = [i for i, a in enumerate((x, w, b)) if a is not None]
    grads_same(lambda m, x, w, b: F(m).group_norm(x, groups, w, b, eps=1e-3), [x, w, b], wrt)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_group_norm_dtypes(dtype):
    # (bfloat16 parameter gradients: PyTorch rounds partial sums, beyond the oracle's 1e-2)
    check_same(lambda m, x, w, b: F(m).group_norm(x, 2, w, b), Arr(randn(3, 4, 5), dtype, True),
               Arr(randn(4), dtype, True), Arr(randn(4), dtype, True),
               grad=dtype != "bfloat16", check_grad_fn=True)
    check_same(lambda m, x: m.native_group_norm(x, None, None, 3, 4, 5, 2, 1e-5),
               Arr(randn(3, 4, 5), dtype))


def test_group_norm_layouts():
    check_same(lambda m, x: F(m).group_norm(x.transpose(0, 2).transpose(0, 1), 1),
               randn(4, 6, 5))
    check_same(lambda m, x: F(m).group_norm(x.to(memory_format=m.channels_last), 3),
               randn(2, 3, 4, 5))


@pytest.mark.parametrize("case", [
    lambda m, x: F(m).group_norm(x, 4),
    lambda m, x: F(m).group_norm(x, 2, m.ones(5)),
    lambda m, x: F(m).group_norm(x, 2, None, m.ones(5)),
    lambda m, x: F(m).group_norm(m.ones(3), 1),
    lambda m, x: F(m).group_norm(m.ones(1, 2), 2),
    lambda m, x: F(m).group_norm(x.long(), 2),
    lambda m, x: F(m).group_norm(x, 2, m.ones(6).double()),
])
def test_group_norm_errors(case):
    check_same(case, randn(4, 6, 5))


# ---------------------------------------------------------------------------- instance norm
@pytest.mark.parametrize("xshape", [(2, 3, 4), (2, 3, 2, 3)])
@pytest.mark.parametrize("use_stats", [True, False])
def test_instance_norm(xshape, use_stats):
    c = xshape[1]
    x, w, b = randn(*xshape, dtype=np.float64), randn(c, dtype=np.float64), randn(c, dtype=np.float64)
    rm, rv = randn(c, dtype=np.float64), np.abs(randn(c, dtype=np.float64)) + 0.5
    grads_same(lambda m, x, w, b: F(m).instance_norm(x, T(m, rm), T(m, rv), w, b, use_stats,
                                                     0.2, 1e-3), [x, w, b], [0, 1, 2])
    check_same(lambda m, x, rm, rv: (F(m).instance_norm(x, rm, rv, use_input_stats=use_stats),
                                     rm, rv), x, rm, rv)
    check_same(lambda m, x: F(m).instance_norm(x), Arr(x, requires_grad=True), grad=True,
               check_grad_fn=True)


def test_instance_norm_errors():
    check_same(lambda m: F(m).instance_norm(m.ones(2, 3, 1)))
    check_same(lambda m: F(m).instance_norm(m.ones(2, 3, 4), m.zeros(2), m.ones(2)))


# ---------------------------------------------------------------------------- RMS norm
@pytest.mark.parametrize("xshape,nshape", [((4, 5), (5,)), ((2, 3, 4), (3, 4))])
@pytest.mark.parametrize("with_weight", [True, False])
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm(xshape, nshape, with_weight, eps):
    x = randn(*xshape, dtype=np.float64)
    w = randn(*nshape, dtype=np.float64) if with_weight else None
    grads_same(lambda m, x, w: F(m).rms_norm(x, nshape, w, eps), [x, w],
               [0, 1] if with_weight else [0])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_rms_norm_dtypes(dtype):
    check_same(lambda m, x, w: F(m).rms_norm(x, (5,), w), Arr(randn(3, 5), dtype, True),
               Arr(randn(5), dtype, True), grad=True, check_grad_fn=True)
    check_same(lambda m, x: m.rms_norm(x, [5]), Arr(randn(3, 5), dtype))


@pytest.mark.parametrize("case", [
    lambda m, x: F(m).rms_norm(x, (4,)),
    lambda m, x: F(m).rms_norm(x, (5,), m.ones(4)),
    lambda m, x: F(m).rms_norm(x.long(), (5,)),
])
def test_rms_norm_errors(case):
    check_same(case, randn(4, 6, 5))


# ---------------------------------------------------------------------------- local response norm
@pytest.mark.parametrize("xshape", [(2, 5, 3), (2, 6, 2, 3), (1, 4, 2, 2, 2)])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_local_response_norm(xshape, size):
    x = randn(*xshape, dtype=np.float64)
    grads_same(lambda m, x: F(m).local_response_norm(x, size, alpha=0.5, beta=0.7, k=1.5), [x],
               [0])


def test_local_response_norm_edges():
    check_same(lambda m: F(m).local_response_norm(m.ones(2, 3), 2))
    check_same(lambda m: F(m).local_response_norm(m.ones(0, 3, 2), 2))
    check_same(lambda m, x: F(m).local_response_norm(x, 3), Arr(randn(2, 4, 3), "float32", True),
               grad=True)


# ---------------------------------------------------------------------------- channel shuffle
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_channel_shuffle_values(dtype):
    x = (randn(2, 6, 3) > 0) if dtype == "bool" else randn(2, 6, 3) * 10
    check_same(lambda m, x: F(m).channel_shuffle(x, 3), Arr(x, dtype))
    check_same(lambda m, x: m.channel_shuffle(x, 2), Arr(x, dtype))
    check_same(lambda m, x: m.nn.ChannelShuffle(2)(x), Arr(x, dtype))


def test_channel_shuffle_grad_and_layout():
    grads_same(lambda m, x: F(m).channel_shuffle(x, 2), [randn(2, 6, 2, 2, dtype=np.float64)], [0])
    check_same(lambda m, x: F(m).channel_shuffle(x.transpose(0, 2), 3), randn(2, 6, 3))
    check_same(lambda m, x: m.native_channel_shuffle(x, 3), randn(2, 6, 3))


@pytest.mark.parametrize("case", [
    lambda m: F(m).channel_shuffle(m.ones(2, 6), 2),
    lambda m: F(m).channel_shuffle(m.ones(2, 5, 3), 2),
    lambda m: F(m).channel_shuffle(m.ones(2, 6, 3), 0),
    lambda m: F(m).channel_shuffle(m.ones(2, 6, 3), -1),
])
def test_channel_shuffle_errors(case):
    check_same(case)


# ---------------------------------------------------------------------------- modules
MODULES = [
    ("BatchNorm1d", (3,), {}), ("BatchNorm1d", (3,), {"affine": False, "momentum": None}),
    ("BatchNorm2d", (3,), {"bias": False, "eps": 1e-3}),
    ("BatchNorm3d", (3,), {"track_running_stats": False}),
    ("SyncBatchNorm", (3,), {}), ("LazyBatchNorm1d", (), {}), ("LazyBatchNorm2d", (), {}),
    ("LazyBatchNorm3d", (), {"affine": False}),
    ("InstanceNorm1d", (3,), {}), ("InstanceNorm2d", (3,), {"affine": True}),
    ("InstanceNorm3d", (3,), {"affine": True, "track_running_stats": True, "bias": False}),
    ("LazyInstanceNorm1d", (), {}), ("LazyInstanceNorm2d", (), {"affine": True}),
    ("LazyInstanceNorm3d", (), {}),
    ("LayerNorm", (5,), {}), ("LayerNorm", ([2, 3],), {"elementwise_affine": False}),
    ("LayerNorm", (4,), {"bias": False, "eps": 1e-6}),
    ("GroupNorm", (2, 4), {}), ("GroupNorm", (1, 3), {"affine": False}),
    ("GroupNorm", (2, 4), {"bias": False}),
    ("RMSNorm", (4,), {}), ("RMSNorm", ([3, 4],), {"eps": 1e-3, "elementwise_affine": False}),
    ("LocalResponseNorm", (2,), {}), ("LocalResponseNorm", (3, 0.1, 0.5, 2.0), {}),
    ("CrossMapLRN2d", (3,), {}), ("ChannelShuffle", (2,), {}),
]


@pytest.mark.parametrize("name,args,kw", MODULES)
def test_module_repr_state_and_seeded_init(name, args, kw):
    mods = []
    for m in (ember, torch):
        m.manual_seed(3)
        mods.append(getattr(m.nn, name)(*args, **kw))
    e, t = mods
    assert repr(e) == repr(t)
    lazy = name.startswith("Lazy")
    assert [(n, None if lazy else tuple(p.shape)) for n, p in e.named_parameters()] == \
        [(n, None if lazy else tuple(p.shape)) for n, p in t.named_parameters()]
    assert list(e.state_dict()) == list(t.state_dict())
    for (k, a), b in zip(e.state_dict().items(), t.state_dict().values()):
        if not lazy:
            assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1], k
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


MODULE_INPUTS = [
    ("BatchNorm1d", (4,), {}, (6, 4)), ("BatchNorm1d", (4,), {"momentum": None}, (5, 4, 3)),
    ("BatchNorm2d", (3,), {}, (2, 3, 4, 2)), ("BatchNorm2d", (3,), {"affine": False}, (2, 3, 2, 2)),
    ("BatchNorm3d", (2,), {"bias": False}, (2, 2, 2, 2, 3)),
    ("BatchNorm1d", (4,), {"track_running_stats": False}, (6, 4)),
    ("SyncBatchNorm", (3,), {}, (4, 3, 5)), ("SyncBatchNorm", (3,), {}, (4, 3)),
    ("LazyBatchNorm1d", (), {}, (6, 4)), ("LazyBatchNorm2d", (), {}, (2, 3, 2, 2)),
    ("LazyBatchNorm3d", (), {"momentum": None}, (2, 2, 2, 2, 2)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 5)), ("InstanceNorm1d", (3,), {"affine": True}, (3, 5)),
    ("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 3, 2)),
    ("InstanceNorm3d", (2,), {"track_running_stats": True}, (2, 2, 2, 2, 2)),
    ("LazyInstanceNorm2d", (), {"affine": True}, (2, 3, 2, 2)),
    ("LayerNorm", (5,), {}, (3, 5)), ("LayerNorm", ([2, 3],), {"bias": False}, (4, 2, 3)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)), ("GroupNorm", (3, 3), {"affine": False}, (2, 3, 2, 2)),
    ("RMSNorm", (4,), {}, (3, 4)), ("RMSNorm", ([2, 3],), {"eps": 1e-2}, (2, 2, 3)),
    ("LocalResponseNorm", (2,), {}, (2, 4, 3)), ("LocalResponseNorm", (3, 0.1), {}, (2, 4, 2, 2)),
    ("CrossMapLRN2d", (3, 0.1, 0.6, 2), {}, (2, 5, 2, 3)),
    ("CrossMapLRN2d", (2, 0.1), {}, (2, 4, 2, 2)),
    ("ChannelShuffle", (2,), {}, (2, 4, 3)),
]


@pytest.mark.parametrize("name,args,kw,shape", MODULE_INPUTS)
def test_module_train_then_eval(name, args, kw, shape):
    """Two training steps (forward, backward, a parameter update), then an eval step: outputs,
    every gradient, running statistics and the state_dict agree."""
    xs = [randn(*shape) for _ in range(3)]
    states = []
    for m in (ember, torch):
        m.manual_seed(0)
        mod = getattr(m.nn, name)(*args, **kw)
        outs, grads = [], []
        for i, x in enumerate(xs):
            if i == 2:
                mod.eval()
            xt = T(m, x, True)
            y = mod(xt)
            (y * y).sum().backward()
            outs.append(y.detach())
            grads.append([xt.grad] + [p.grad.clone() for p in mod.parameters()])
            with m.no_grad():
                for p in mod.parameters():
                    p -= 0.1 * p.grad
                    p.grad = None
        states.append((outs, grads, mod.state_dict(), type(y.grad_fn).__name__, type(mod).__name__))
    (eo, eg, es, en, ec), (to, tg, ts, tn, tc) = states
    assert (en, ec) == (tn, tc)
    for a, b in zip(eo, to):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)
    for ga, gb in zip(eg, tg):
        assert len(ga) == len(gb)
        for a, b in zip(ga, gb):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-4)
    assert list(es) == list(ts)
    for k in ts:
        np.testing.assert_allclose(es[k].numpy(), ts[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("case", [
    lambda m: m.nn.BatchNorm1d(3)(m.ones(2, 3, 4, 5)),
    lambda m: m.nn.BatchNorm2d(3)(m.ones(2, 3)),
    lambda m: m.nn.BatchNorm3d(3)(m.ones(2, 3, 4, 5)),
    lambda m: m.nn.BatchNorm1d(3)(m.ones(1, 3)),
    lambda m: m.nn.BatchNorm1d(3)(m.ones(2, 4)),
    lambda m: m.nn.SyncBatchNorm(3)(m.ones(3)),
    lambda m: m.nn.SyncBatchNorm(0)(m.ones(2, 0)),
    lambda m: m.nn.InstanceNorm1d(3)(m.ones(2, 3, 4, 5)),
    lambda m: m.nn.InstanceNorm2d(3, affine=True)(m.ones(2, 4, 3, 3)),
    lambda m: m.nn.InstanceNorm3d(3)(m.ones(3, 3)),
    lambda m: m.nn.GroupNorm(3, 4),
    lambda m: m.nn.LayerNorm(4)(m.ones(2, 5)),
    lambda m: m.nn.CrossMapLRN2d(3)(m.ones(2, 3, 4)),
])
def test_module_errors(case):
    check_same(case)


def test_instance_norm_feature_mismatch_warns():
    got = []
    for m in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m.nn.InstanceNorm1d(3)(m.ones(2, 4, 5))
        got.append([normalize_message(str(x.message)) for x in w])
    assert got[0] == got[1] and got[0]


def test_batchnorm_eval_without_running_stats_uses_batch():
    check_same(lambda m, x: m.nn.BatchNorm1d(4, track_running_stats=False).eval()(x),
               randn(5, 4))


def test_lazy_batchnorm_becomes_batchnorm():
    for m in (ember, torch):
        mod = m.nn.LazyBatchNorm2d()
        mod(m.ones(2, 3, 2, 2))
        assert type(mod).__name__ == "BatchNorm2d" and mod.num_features == 3
        assert tuple(mod.running_mean.shape) == (3,) and int(mod.num_batches_tracked) == 1


def test_sync_batchnorm_convert():
    for m in (ember, torch):
        net = m.nn.Sequential(m.nn.Linear(2, 3), m.nn.BatchNorm1d(3))
        conv = m.nn.SyncBatchNorm.convert_sync_batchnorm(net)
        assert type(conv[1]).__name__ == "SyncBatchNorm"
        assert conv[1].weight is net[1].weight


def test_load_old_batchnorm_state_dict():
    """A version-1 checkpoint without num_batches_tracked still loads."""
    res = []
    for m in (ember, torch):
        mod = m.nn.BatchNorm1d(3)
        sd = mod.state_dict()
        del sd["num_batches_tracked"]
        sd._metadata[""]["version"] = 1
        res.append(str(mod.load_state_dict(sd)))
    assert res[0] == res[1]
