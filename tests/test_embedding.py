"""Embedding and EmbeddingBag against PyTorch: lookups, padding_idx (negative too), max_norm
renorming the weight in place, scale_grad_by_freq, every bag mode with offsets /
include_last_offset / per_sample_weights / 2-D input, gradients, double backward, module
reprs, seeded init, from_pretrained, and PyTorch's errors."""
import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr

rng = np.random.default_rng(0)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def F(m):
    return m.nn.functional


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def idx(*values):
    return np.array(values, dtype=np.int64)


def T(m, a, requires_grad=False):
    t = m.from_numpy(np.array(a, copy=True))
    return t.requires_grad_(True) if requires_grad else t


def grads_same(fn, arrays, wrt, double=True, rtol=1e-5, atol=1e-6):
    """Output, grad_fn name, first gradients (random upstream) and, with ``double``, gradients
    of a function of the first gradients agree."""
    res = []
    up = None
    for m in (ember, torch):
        ts = [None if a is None else T(m, a, i in wrt) for i, a in enumerate(arrays)]
        out = fn(m, *ts)
        if up is None:
            up = rng.standard_normal(tuple(out.shape))
        xs = [ts[i] for i in wrt]
        loss = (out * T(m, up.astype(out.detach().numpy().dtype))).sum() + (out * out).sum()
        gs = m.autograd.grad(loss, xs, create_graph=double)
        hs = []
        if double:
            total = sum((g * g).sum() for g in gs)
            hs = m.autograd.grad(total, xs, allow_unused=True)
        res.append((out, [g.detach() for g in gs], hs, type(out.grad_fn).__name__))
    (eo, eg, eh, en), (to, tg, th, tn) = res
    assert en == tn
    assert tuple(eo.shape) == tuple(to.shape) and eo.stride() == to.stride()
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    for a, b in zip(eg, tg):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=rtol, atol=atol)
    for a, b in zip(eh, th):
        assert (a is None) == (b is None)
        if b is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------- embedding
@pytest.mark.parametrize("indices", [idx(1, 2, 1, 4), idx(3), np.array([[0, 2], [2, 5]]),
                                     np.zeros((0,), np.int64), np.zeros((2, 0), np.int64)])
@pytest.mark.parametrize("padding_idx", [None, 2, -4])
@pytest.mark.parametrize("scale", [False, True])
def test_embedding_values_and_grads(indices, padding_idx, scale):
    if indices.ndim == 1 and indices.shape == (1,):
        indices = indices.reshape(())
    # (PyTorch's double backward cannot reshape an empty index tensor: first order only there)
    grads_same(lambda m, w: F(m).embedding(T(m, indices), w, padding_idx=padding_idx,
                                           scale_grad_by_freq=scale), [randn(6, 3, dtype=np.float64)],
               [0], double=indices.size > 0)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "int64"])
def test_embedding_dtypes(dtype):
    rg = dtype != "int64"
    check_same(lambda m, i, w: F(m).embedding(i, w), idx(0, 3, 3, 1),
               Arr(randn(5, 4) * 3, dtype, rg), grad=rg, check_grad_fn=True)
    check_same(lambda m, i, w: m.embedding(w, i), idx(0, 3).astype(np.int32), Arr(randn(5, 4), dtype))


def test_embedding_layouts():
    check_same(lambda m, i, w: F(m).embedding(i.t(), w), np.array([[0, 1, 2], [3, 4, 0]]),
               randn(5, 3))
    check_same(lambda m, i, w: F(m).embedding(i, w.t()), idx(1, 2), randn(3, 5))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_embedding_max_norm_renorms_weight_in_place(norm_type):
    w = randn(6, 4) * 2

    def fn(m, i, w):
        out = F(m).embedding(i, w, max_norm=1.5, norm_type=norm_type)
        return out, w.detach().clone(), w._version > 0
    check_same(fn, idx(0, 2, 2, 5), Arr(w, requires_grad=True), grad=True)
    check_same(lambda m, w, i: m.embedding_renorm_(w, i, 1.0, norm_type), w, idx(1, 1, 3))


def test_embedding_errors():
    w = randn(10, 3)
    for fn in (lambda m, w: F(m).embedding(m.tensor([1., 2.]), w),
               lambda m, w: F(m).embedding(m.tensor([1, 2], dtype=m.int16), w),
               lambda m, w: F(m).embedding(m.tensor([1, 20]), w),
               lambda m, w: F(m).embedding(m.tensor([1, -1]), w),
               lambda m, w: F(m).embedding(m.tensor([1, 2]), w, padding_idx=10),
               lambda m, w: F(m).embedding(m.tensor([1, 2]), w, padding_idx=-11),
               lambda m, w: F(m).embedding(m.tensor([1, 2]), w[0]),
               lambda m, w: F(m).embedding(m.tensor([1, 2]), w.view(5, 2, 3)),
               lambda m, w: m.embedding_renorm_(w.requires_grad_(), m.tensor([1]), 1.0, 2.0)):
        check_same(fn, w)


def test_embedding_sparse_gradient_is_refused():
    m = ember.nn.Embedding(5, 2, sparse=True)
    out = m(ember.tensor([1, 3]))
    assert tuple(out.shape) == (2, 2)
    with pytest.raises(RuntimeError, match="sparse"):
        out.sum().backward()


# ---------------------------------------------------------------------------- embedding bag
BAGS = [
    (idx(1, 2, 3, 4, 5), idx(0, 2, 2), False),   # with an empty bag
    (idx(1, 2, 3, 4, 5), idx(0, 2, 5), True),
    (idx(1, 2, 3, 4, 5), idx(0, 2, 4), True),    # the last index in no bag
    (idx(4, 4, 1, 0, 4, 2), idx(0, 1, 3), False),
    (np.zeros(0, np.int64), idx(0, 0), False),
]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("bags", BAGS)
@pytest.mark.parametrize("padding_idx", [None, 2, -6])
def test_embedding_bag_modes(mode, bags, padding_idx):
    inp, offs, last = bags
    grads_same(lambda m, w: F(m).embedding_bag(T(m, inp), w, T(m, offs), mode=mode,
                                               include_last_offset=last, padding_idx=padding_idx),
               [randn(6, 3, dtype=np.float64)], [0], double=False)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq(mode):
    grads_same(lambda m, w: F(m).embedding_bag(T(m, idx(4, 4, 1, 0, 4, 2)), w, T(m, idx(0, 2)),
                                               mode=mode, scale_grad_by_freq=True),
               [randn(6, 3, dtype=np.float64)], [0], double=False)


@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_bag_per_sample_weights(padding_idx):
    grads_same(lambda m, w, p: F(m).embedding_bag(T(m, idx(1, 2, 3, 1, 5)), w, T(m, idx(0, 3)),
                                                  mode="sum", per_sample_weights=p,
                                                  padding_idx=padding_idx),
               [randn(6, 3, dtype=np.float64), randn(5, dtype=np.float64)], [0, 1], double=False)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_input(mode):
    grads_same(lambda m, w: F(m).embedding_bag(T(m, np.array([[1, 2, 3], [0, 5, 5]])), w,
                                               mode=mode), [randn(6, 4, dtype=np.float64)], [0],
               double=False)
    check_same(lambda m, i, w, p: F(m).embedding_bag(i, w, per_sample_weights=p, mode="sum"),
               np.array([[1, 2], [0, 3]]), Arr(randn(4, 2), requires_grad=True),
               Arr(randn(2, 2), requires_grad=True), grad=True, check_grad_fn=True)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_embedding_bag_dtypes(dtype):
    check_same(lambda m, i, w, o: F(m).embedding_bag(i, w, o), idx(0, 3, 3, 1),
               Arr(randn(5, 4), dtype, True), idx(0, 1), grad=True, check_grad_fn=True)
    check_same(lambda m, i, w, o: F(m).embedding_bag(i, w, o, mode="max"),
               idx(0, 3, 3, 1).astype(np.int32), Arr(randn(5, 4), dtype), idx(0, 3).astype(np.int32))


def test_embedding_bag_max_norm():
    w = randn(6, 4) * 2
    check_same(lambda m, i, w, o: (F(m).embedding_bag(i, w, o, max_norm=1.0), w.detach().clone()),
               idx(0, 2, 2, 5), Arr(w, requires_grad=True), idx(0, 1), grad=True)


def test_embedding_bag_double_backward_not_implemented():
    check_same(lambda m, i, w, o: m.autograd.grad(
        m.autograd.grad((F(m).embedding_bag(i, w, o) ** 2).sum(), w, create_graph=True)[0].sum(),
        w), idx(0, 1, 2), Arr(randn(4, 2), requires_grad=True), idx(0, 1))


@pytest.mark.parametrize("case", [
    lambda m, w: F(m).embedding_bag(m.tensor([1, 2]), w, m.tensor([1, 2])),
    lambda m, w: F(m).embedding_bag(m.tensor([1, 2]), w, m.tensor([0, 6])),
    lambda m, w: F(m).embedding_bag(m.tensor([1., 2.]), w, m.tensor([0])),
    lambda m, w: F(m).embedding_bag(m.tensor([1, 20]), w, m.tensor([0])),
    lambda m, w: F(m).embedding_bag(m.tensor([1, -2]), w, m.tensor([0])),
    lambda m, w: F(m).embedding_bag(m.tensor([1, 2]), w, m.tensor([0]), padding_idx=12),
    lambda m, w: F(m).embedding_bag(m.tensor([1, 2]), w, m.tensor([0]), mode="x"),
    lambda m, w: F(m).embedding_bag(m.tensor([1, 2]), w, m.tensor([0]), mode="max",
                                    scale_grad_by_freq=True),
    lambda m, w: F(m).embedding_bag(m.tensor([1, 2]), w, m.tensor([0]), mode="max", sparse=True),
    lambda m, w: F(m).embedding_bag(m.tensor([1, 2]), w, m.tensor([0]),
                                    per_sample_weights=m.ones(2)),
    lambda m, w: F(m).embedding_bag(m.tensor([1, 2]), w, m.tensor([0]), mode="sum",
                                    per_sample_weights=m.ones(3)),
    lambda m, w: F(m).embedding_bag(m.tensor([1, 2]), w, m.tensor([0]), mode="sum",
                                    per_sample_weights=m.ones(2).double()),
    lambda m, w: F(m).embedding_bag(m.tensor([[1, 2]]), w, m.tensor([0])),
    lambda m, w: F(m).embedding_bag(m.tensor([[[1, 2]]]), w),
    lambda m, w: F(m).embedding_bag(m.tensor([1, 2]), w),
    lambda m, w: F(m).embedding_bag(m.tensor([1, 2]), w, m.tensor([[0]])),
    lambda m, w: F(m).embedding_bag(m.tensor([1, 2]), w[0], m.tensor([0])),
    lambda m, w: F(m).embedding_bag(m.tensor([1, 2]), w.long(), m.tensor([0])),
])
def test_embedding_bag_errors(case):
    check_same(case, randn(10, 3))


# ---------------------------------------------------------------------------- modules
MODULES = [
    ("Embedding", (10, 3), {}), ("Embedding", (10, 3), {"padding_idx": -2, "max_norm": 1.0,
                                                        "norm_type": 3.0,
                                                        "scale_grad_by_freq": True,
                                                        "sparse": True}),
    ("Embedding", (5, 2), {"padding_idx": 0, "dtype": "float64"}),
    ("EmbeddingBag", (10, 3), {}),
    ("EmbeddingBag", (10, 3), {"mode": "max", "padding_idx": 1, "include_last_offset": True,
                               "max_norm": 2.0}),
    ("EmbeddingBag", (6, 2), {"mode": "sum", "padding_idx": -1, "scale_grad_by_freq": True}),
]


@pytest.mark.parametrize("name,args,kw", MODULES)
def test_module_repr_state_and_seeded_init(name, args, kw):
    mods = []
    for m in (ember, torch):
        m.manual_seed(5)
        k = dict(kw)
        if "dtype" in k:
            k["dtype"] = getattr(m, k["dtype"])
        mods.append(getattr(m.nn, name)(*args, **k))
    e, t = mods
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert e.padding_idx == t.padding_idx
    np.testing.assert_array_equal(e.weight.detach().numpy(), t.weight.detach().numpy())
    assert str(e.weight.dtype).split(".")[-1] == str(t.weight.dtype).split(".")[-1]


def test_embedding_module_training_steps():
    res = []
    for m in (ember, torch):
        m.manual_seed(1)
        emb = m.nn.Embedding(8, 3, padding_idx=2, max_norm=1.2, scale_grad_by_freq=True)
        bag = m.nn.EmbeddingBag(8, 3, mode="sum", padding_idx=0)
        opt = m.optim.SGD(list(emb.parameters()) + list(bag.parameters()), lr=0.5)
        for step in range(2):
            x = m.tensor([[1, 2, 2], [7, 0, 1]])
            loss = (emb(x) ** 2).sum() + (bag(x) ** 3).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        res.append((emb.weight.detach().numpy().copy(), bag.weight.detach().numpy().copy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_from_pretrained():
    w = randn(4, 3)
    for freeze in (True, False):
        check_same(lambda m, w: (m.nn.Embedding.from_pretrained(w, freeze=freeze).weight
                                 .requires_grad,
                                 m.nn.Embedding.from_pretrained(w, freeze=freeze)(m.tensor([1, 0]))),
                   w)
        check_same(lambda m, w: m.nn.EmbeddingBag.from_pretrained(w, freeze=freeze, mode="max")(
            m.tensor([[1, 0], [2, 3]])), w)
    check_same(lambda m, w: m.nn.Embedding.from_pretrained(w, padding_idx=1)(m.tensor([1])), w)
    pre = []
    for m in (ember, torch):
        e = m.nn.Embedding.from_pretrained(m.tensor([[0.1, 0.2], [0.3, 0.4]]))
        pre.append(repr(e.weight).replace("torch.", "ember."))
    assert pre[0] == pre[1]


@pytest.mark.parametrize("case", [
    lambda m: m.nn.Embedding(5, 2, padding_idx=5),
    lambda m: m.nn.Embedding(5, 2, padding_idx=-6),
    lambda m: m.nn.Embedding(5, 2, _weight=m.ones(4, 2)),
    lambda m: m.nn.EmbeddingBag(5, 2, padding_idx=7),
    lambda m: m.nn.EmbeddingBag(5, 2, _weight=m.ones(5, 3)),
    lambda m: m.nn.Embedding.from_pretrained(m.ones(3)),
    lambda m: m.nn.EmbeddingBag.from_pretrained(m.ones(3, 2, 1)),
    lambda m: m.nn.Embedding(5, 2)(m.tensor([5])),
])
def test_module_errors(case):
    check_same(case)
