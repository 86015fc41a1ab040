"""Loss functions, loss modules and distances against PyTorch: values (float32/float64), every
reduction, gradients w.r.t. input and target, double backward, grad_fn names, dtype rules,
shape checks, errors and warnings."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr, normalize_message

rng = np.random.default_rng(0)
REDUCTIONS = ["none", "mean", "sum"]
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")


class Arr0(Arr):
    """A 0-dim tensor input (Arr turns 0-dim arrays into shape (1,))."""

    def make(self, lib):
        t = lib.tensor(self.array.item(), dtype=getattr(lib, self.dtype))
        return t.requires_grad_(True) if self.requires_grad else t


def sc(v, dtype=None, requires_grad=False):
    a = np.asarray(v)
    return Arr0(a, dtype or ("float32" if a.dtype.kind == "f" else str(a.dtype)), requires_grad)


def F(m):
    return m.nn.functional


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def rand(*shape, dtype=np.float32):
    return rng.random(shape).astype(dtype)


def warns_same(fn, *inputs):
    """Both libraries emit the same warnings (category and text, ember.X read as torch.X)."""
    got = []
    for m in (ember, torch):
        args = [Arr(a).make(m) if isinstance(a, np.ndarray) else a for a in inputs]
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                fn(m, *args)
            except Exception as e:  # noqa: BLE001 - errors are compared elsewhere
                got.append(("raised", type(e).__name__))
        got.append([(x.category.__name__, normalize_message(str(x.message))) for x in w])
    assert got[0] == got[1], f"\nember: {got[0]}\ntorch: {got[1]}"
    return got[1]


def double_backward_same(loss_fn, *arrays, wrt=(0,), rtol=1e-7, atol=1e-9):
    """First and second derivatives (through create_graph) agree in float64."""
    res = []
    for m in (ember, torch):
        ts = [m.tensor(a, requires_grad=(i in wrt)) if a.dtype.kind == "f" else m.tensor(a)
              for i, a in enumerate(arrays)]
        loss = loss_fn(m, *ts)
        xs = [ts[i] for i in wrt]
        gs = m.autograd.grad(loss, xs, create_graph=True)
        h = m.autograd.grad(sum((g * g).sum() for g in gs), xs, allow_unused=True)
        res.append([g.detach().numpy() for g in gs] + [
            np.zeros(1) if x is None else x.numpy() for x in h])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------- modules
MODULES = [
    ("L1Loss", {}), ("MSELoss", {}), ("NLLLoss", {}), ("CrossEntropyLoss", {}),
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "ignore_index": 3}),
    ("PoissonNLLLoss", {}), ("GaussianNLLLoss", {}), ("KLDivLoss", {"log_target": True}),
    ("BCELoss", {}), ("BCEWithLogitsLoss", {}), ("HingeEmbeddingLoss", {}),
    ("MultiLabelMarginLoss", {}), ("SmoothL1Loss", {"beta": 0.5}), ("HuberLoss", {"delta": 2.0}),
    ("SoftMarginLoss", {}), ("MultiLabelSoftMarginLoss", {}), ("CosineEmbeddingLoss", {}),
    ("MarginRankingLoss", {"margin": 0.5}), ("MultiMarginLoss", {"p": 2}),
    ("TripletMarginLoss", {}), ("TripletMarginWithDistanceLoss", {}), ("CTCLoss", {"blank": 1}),
    ("PairwiseDistance", {}), ("CosineSimilarity", {}),
]


@pytest.mark.parametrize("name,kw", MODULES)
def test_module_repr_and_state(name, kw):
    e, t = getattr(ember.nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    for attr in ("reduction", "ignore_index", "label_smoothing", "margin", "p", "delta", "beta",
                 "blank", "log_target", "eps", "full", "swap", "zero_infinity"):
        if hasattr(t, attr):
            assert getattr(e, attr) == getattr(t, attr), attr


def test_weighted_module_buffers():
    w = rand(5)
    for name, kw in (("CrossEntropyLoss", {"weight": w}), ("NLLLoss", {"weight": w}),
                     ("BCELoss", {"weight": w}), ("MultiMarginLoss", {"weight": w}),
                     ("BCEWithLogitsLoss", {"weight": w, "pos_weight": w})):
        mods = [getattr(m.nn, name)(**{k: m.tensor(v) for k, v in kw.items()})
                for m in (ember, torch)]
        assert repr(mods[0]) == repr(mods[1])
        assert list(mods[0].state_dict()) == list(mods[1].state_dict())
        assert [n for n, _ in mods[0].named_buffers()] == [n for n, _ in mods[1].named_buffers()]


def test_module_constructor_errors():
    for fn in (lambda m: m.nn.MultiMarginLoss(p=3),
               lambda m: m.nn.MultiMarginLoss(weight=m.ones(2, 2)),
               lambda m: m.nn.TripletMarginLoss(margin=0),
               lambda m: m.nn.TripletMarginWithDistanceLoss(margin=-1.0),
               lambda m: m.nn.HuberLoss(delta="1")):
        check_same(fn)


def test_module_legacy_args_warn():
    for name in ("MSELoss", "L1Loss", "CrossEntropyLoss", "KLDivLoss"):
        w = warns_same(lambda m: getattr(m.nn, name)(size_average=False))
        assert "reduction='sum'" in w[0][1]
        assert getattr(ember.nn, name)(reduce=False).reduction == "none"
    warns_same(lambda m: m.nn.NLLLoss2d())


def test_modules_forward():
    x, tg = randn(4, 5), np.array([1, 0, 4, 2])
    check_same(lambda m, x, t: m.nn.CrossEntropyLoss(weight=m.arange(1., 6.),
                                                     label_smoothing=0.2)(x, t),
               Arr(x, requires_grad=True), tg, grad=True, check_grad_fn=True)
    check_same(lambda m, x, t: m.nn.MSELoss(reduction="sum")(x, t), Arr(x, requires_grad=True),
               randn(4, 5), grad=True, check_grad_fn=True)
    check_same(lambda m, x, t: m.nn.BCEWithLogitsLoss(pos_weight=m.full((5,), 2.))(x, t),
               Arr(x, requires_grad=True), rand(4, 5), grad=True, check_grad_fn=True)
    a, p, n = randn(4, 3), randn(4, 3), randn(4, 3)
    check_same(lambda m, a, p, n: m.nn.TripletMarginWithDistanceLoss(swap=True)(a, p, n),
               Arr(a, requires_grad=True), p, n, grad=True, check_grad_fn=True)
    check_same(lambda m, a, p: m.nn.PairwiseDistance(p=1, keepdim=True)(a, p),
               Arr(a, requires_grad=True), p, grad=True, check_grad_fn=True)
    check_same(lambda m, a, p: m.nn.CosineSimilarity(dim=0)(a, p),
               Arr(a, requires_grad=True), p, grad=True, check_grad_fn=True)


# ---------------------------------------------------------------------------- reductions
@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss", "smooth_l1_loss", "soft_margin_loss",
                                "binary_cross_entropy", "kl_div", "nll_loss", "cross_entropy",
                                "margin_ranking_loss", "hinge_embedding_loss"])
def test_legacy_size_average_reduce(fn):
    x, t = rand(3, 4), rand(3, 4)
    if fn in ("nll_loss", "cross_entropy"):
        t = np.array([0, 3, 1])
    args = (x, x, np.sign(t - 0.5)) if fn == "margin_ranking_loss" else (x, t)
    for sa, rd in ((None, False), (False, None), (True, True), (False, True), (True, False)):
        f = lambda m, *a: getattr(F(m), fn)(*a, size_average=sa, reduce=rd)  # noqa: E731
        check_same(f, *args)
        warns_same(f, *args)
    check_same(lambda m, *a: getattr(F(m), fn)(*a, reduction="bad"), *args)
    w = warns_same(lambda m, *a: getattr(F(m), fn)(*a, reduction="elementwise_mean"), *args)
    assert any("elementwise_mean" in msg for _, msg in w)


# ---------------------------------------------------------------------------- regression losses
POINTWISE = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]


@pytest.mark.parametrize("fn", POINTWISE)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pointwise_values_and_grads(fn, reduction, dtype):
    x, t = randn(3, 4) * 2, randn(3, 4)
    check_same(lambda m, x, t: getattr(F(m), fn)(x, t, reduction=reduction),
               Arr(x, dtype, requires_grad=True), Arr(t, dtype, requires_grad=True),
               grad=True, check_grad_fn=True)
    check_same(lambda m, x, t: getattr(F(m), fn)(x, t, reduction=reduction),
               Arr(x, dtype), Arr(t, dtype, requires_grad=True), grad=True, check_grad_fn=True)


@pytest.mark.parametrize("fn,kw", [("smooth_l1_loss", {"beta": 0.3}),
                                   ("smooth_l1_loss", {"beta": 0.0}),
                                   ("smooth_l1_loss", {"beta": -1.0}),
                                   ("huber_loss", {"delta": 0.3}), ("huber_loss", {"delta": 0}),
                                   ("huber_loss", {"delta": -1})])
def test_smooth_l1_huber_params(fn, kw):
    x, t = randn(5, 3), randn(5, 3)
    for r in REDUCTIONS:
        check_same(lambda m, x, t: getattr(F(m), fn)(x, t, reduction=r, **kw),
                   Arr(x, requires_grad=True), Arr(t, requires_grad=True), grad=True,
                   check_grad_fn=True)


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss", "huber_loss"])
def test_weight_argument(fn):
    x, t, w = randn(3, 4), randn(3, 4), rand(3, 4)
    for r in REDUCTIONS + ["bad"]:
        check_same(lambda m, x, t, w: getattr(F(m), fn)(x, t, reduction=r, weight=w),
                   Arr(x, requires_grad=True), t, w, grad=True, check_grad_fn=True)
    check_same(lambda m, x, t, w: getattr(F(m), fn)(x, t, weight=w), x, t, rand(4))


@pytest.mark.parametrize("fn", POINTWISE)
def test_pointwise_broadcast_warning(fn):
    x, t = randn(3, 4), randn(1, 4)
    for a, b in ((x, t), (t, x), (x, randn(4)), (x[:, :1], x)):
        w = warns_same(lambda m, a, b: getattr(F(m), fn)(a, b), a, b)
        assert w and "Using a target size" in w[0][1]
        check_same(lambda m, a, b: getattr(F(m), fn)(a, b, reduction="none"),
                   Arr(a, requires_grad=True), Arr(b, requires_grad=True), grad=True)
    assert warns_same(lambda m, a, b: getattr(F(m), fn)(a, b), x, x) == []
    check_same(lambda m, a, b: getattr(F(m), fn)(a, b), x, randn(2, 4))
    check_same(lambda m, a: getattr(F(m), fn)(a, 1.0), x)


@pytest.mark.parametrize("fn", POINTWISE + ["soft_margin_loss"])
def test_pointwise_dtypes(fn):
    x = randn(3, 4)
    pairs = [("float32", "float64"), ("float64", "float32"), ("int64", "int64"),
             ("float32", "int64"), ("int64", "float32"), ("int32", "int32"), ("bool", "bool"),
             ("float16", "float16"), ("bfloat16", "float32"), ("float32", "float16"),
             ("complex64", "float32")]
    for a, b in pairs:
        check_same(lambda m, x, t: getattr(F(m), fn)(x, t), Arr(x, a), Arr(x * 0.5, b))
        check_same(lambda m, x, t: getattr(F(m), fn)(x, t, reduction="none"), Arr(x, a),
                   Arr(x * 0.5, b))


def test_pointwise_edge_shapes_and_layouts():
    for fn in POINTWISE + ["soft_margin_loss"]:
        f = getattr
        check_same(lambda m, x, t: f(F(m), fn)(x, t), np.zeros(0, np.float32),
                   np.zeros(0, np.float32))
        check_same(lambda m, x, t: f(F(m), fn)(x, t),
                   sc(1.5, requires_grad=True),
                   sc(-0.5), grad=True, check_grad_fn=True)
        check_same(lambda m, x, t: f(F(m), fn)(x, t, reduction="none"),
                   Arr(randn(4, 3), layout="transposed", requires_grad=True),
                   Arr(randn(4, 3), layout="transposed"), grad=True)


def test_soft_margin():
    x, t = randn(3, 4), np.sign(randn(3, 4))
    for r in REDUCTIONS:
        for dt in ("float32", "float64"):
            check_same(lambda m, x, t: F(m).soft_margin_loss(x, t, reduction=r),
                       Arr(x, dt, requires_grad=True), Arr(t, dt), grad=True,
                       check_grad_fn=True)
    check_same(lambda m, x, t: F(m).soft_margin_loss(x, t), x, Arr(t, requires_grad=True))
    check_same(lambda m, x, t: F(m).soft_margin_loss(x, t), x, t[:1])
    check_same(lambda m, x, t: F(m).soft_margin_loss(x, t), x[:1], t)
    check_same(lambda m, x: F(m).soft_margin_loss(x, 1.0), x)

    def under_no_grad(m, x, t):
        with m.no_grad():
            return F(m).soft_margin_loss(x, t)
    check_same(under_no_grad, x, Arr(t, requires_grad=True))


# ---------------------------------------------------------------------------- binary cross entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bce(reduction, dtype):
    p, t, w = rng.uniform(0.05, 0.95, (3, 4)), rand(3, 4), rand(4)
    check_same(lambda m, p, t: F(m).binary_cross_entropy(p, t, reduction=reduction),
               Arr(p, dtype, requires_grad=True), Arr(t, dtype, requires_grad=True), grad=True,
               check_grad_fn=True)
    check_same(lambda m, p, t, w: F(m).binary_cross_entropy(p, t, w, reduction=reduction),
               Arr(p, dtype, requires_grad=True), Arr(t, dtype, requires_grad=True),
               Arr(w, dtype), grad=True, check_grad_fn=True)
    check_same(lambda m, p, t, w: F(m).binary_cross_entropy(p, t, w, reduction=reduction),
               Arr(p, dtype, requires_grad=True), Arr(t, dtype), Arr(rand(3, 1), dtype),
               grad=True, check_grad_fn=True)


def test_bce_edges_and_errors():
    p = np.array([0., 1., 0., 1., 0.5], np.float32)
    t = np.array([1., 0., 0., 1., 0.3], np.float32)
    check_same(lambda m, p, t: F(m).binary_cross_entropy(p, t, reduction="none"),
               Arr(p, requires_grad=True), t, grad=True)
    check_same(lambda m, p, t: F(m).binary_cross_entropy(p, t), p, t)
    x, t = rand(3, 4), rand(3, 4)
    bce = lambda m, *a, **k: F(m).binary_cross_entropy(*a, **k)  # noqa: E731
    check_same(bce, x, Arr(t, "float64"))
    check_same(bce, Arr(x, "float64"), t)
    check_same(bce, x, t, rand(4).astype(np.float64))
    check_same(bce, x * 2, t)
    check_same(bce, x - 1, t)
    check_same(bce, x * np.nan, t)
    check_same(bce, x, t[:1])
    check_same(bce, x[:1], t)
    check_same(bce, x, t, rand(5))
    check_same(bce, x, t, rand(2, 3, 4))
    check_same(bce, Arr(x, "int64"), Arr(t, "int64"))
    check_same(bce, Arr(x, "float32"), Arr(t, "int64"))
    check_same(bce, Arr(x, "float16"), Arr(t, "float16"))
    check_same(bce, Arr(x, "bfloat16"), Arr(t, "bfloat16"))
    check_same(bce, x * 2, t, Arr(rand(4), requires_grad=True))
    check_same(lambda m, x: F(m).binary_cross_entropy(x, 0.5), x)
    check_same(bce, np.zeros(0, np.float32), np.zeros(0, np.float32))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bce_with_logits(reduction, dtype):
    x, t = randn(3, 4) * 3, rand(3, 4)
    for kw in ({}, {"weight": rand(4)}, {"pos_weight": rand(4) * 3},
               {"weight": rand(3, 1), "pos_weight": rand(4) * 3}):
        check_same(lambda m, x, t, **k: F(m).binary_cross_entropy_with_logits(
            x, t, reduction=reduction, **k),
            Arr(x, dtype, requires_grad=True), Arr(t, dtype, requires_grad=True),
            kwargs={k: Arr(v, dtype) for k, v in kw.items()}, grad=True, check_grad_fn=True)


def test_bce_with_logits_dtypes_and_errors():
    x, t, w = randn(3, 4), rand(3, 4), rand(4)
    f = lambda m, *a, **k: F(m).binary_cross_entropy_with_logits(*a, **k)  # noqa: E731
    check_same(f, x, Arr(t, "float64"))
    check_same(f, Arr(x, "float64"), t, grad=True)
    check_same(f, Arr(x, "float64", requires_grad=True), t, grad=True)
    check_same(f, x, t, Arr(w, "float64"))
    check_same(f, x, t, kwargs={"pos_weight": Arr(w, "float64")})
    check_same(f, x, t, kwargs={"pos_weight": Arr(w, "int64")})
    check_same(f, x, Arr(t, "int64"))
    check_same(f, Arr(x, "int64"), t)
    check_same(f, Arr(x, "float16"), Arr(t, "float16"))
    check_same(f, x, t[:1])
    check_same(f, x, t, rand(5))
    check_same(f, x, t, kwargs={"pos_weight": rand(5)})
    check_same(f, x, t, kwargs={"pos_weight": rand(1, 3, 4)})
    check_same(f, x, t, rand(2, 3, 4))
    check_same(f, x, t, [1., 2.])
    check_same(f, x, t, Arr(w, requires_grad=True))
    check_same(f, x, t, kwargs={"pos_weight": Arr(w, requires_grad=True)})
    # extreme logits stay finite
    check_same(f, Arr(np.array([-100., 100., 0.], np.float32), requires_grad=True),
               np.array([1., 0., 0.5], np.float32), grad=True)


# ---------------------------------------------------------------------------- KL divergence
@pytest.mark.parametrize("reduction", ["none", "mean", "sum", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x = np.log(rng.dirichlet(np.ones(5), 3)).astype(np.float32)
    t = rng.dirichlet(np.ones(5), 3)
    t[0, 1] = 0.0
    t = np.log(t) if log_target else t
    for dt in ("float32", "float64"):
        check_same(lambda m, x, t: F(m).kl_div(x, t, reduction=reduction, log_target=log_target),
                   Arr(x, dt, requires_grad=True), Arr(t.astype(np.float32), dt,
                                                       requires_grad=not log_target),
                   grad=True, check_grad_fn=True)
    w = warns_same(lambda m, x, t: F(m).kl_div(x, t, reduction=reduction), x, t)
    assert bool(w) == (reduction == "mean")


def test_kl_div_edges():
    f = lambda m, *a, **k: F(m).kl_div(*a, **k)  # noqa: E731
    check_same(f, randn(3), rand(3).astype(np.int64) + 1)
    check_same(f, randn(3), rand(3) > 0.5)
    check_same(f, sc(0.3), sc(0.2), kwargs={"reduction": "batchmean"})
    check_same(f, np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32),
               kwargs={"reduction": "batchmean"})
    check_same(f, randn(3, 4), Arr(rand(3, 4), "float64"), kwargs={"reduction": "sum"})
    check_same(f, randn(3, 4), rand(1, 4), kwargs={"reduction": "sum"})
    check_same(f, randn(3, 4), -rand(3, 4), kwargs={"reduction": "sum"})


# ---------------------------------------------------------------------------- NLL / cross entropy
def _targets(shape, C, ignore=None):
    t = np.asarray(rng.integers(0, C, shape))
    if ignore is not None:
        t.flat[0] = ignore
    return sc(t) if t.ndim == 0 else t


KDIM_SHAPES = [(5,), (4, 5), (2, 5, 3), (2, 5, 3, 2), (2, 5, 2, 2, 2)]


@pytest.mark.parametrize("shape", KDIM_SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_and_nll_kdim(shape, reduction):
    x = randn(*shape)
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = _targets(tshape, 5)
    ti = _targets(tshape, 5, ignore=-100)
    w = rand(5)
    for fn in ("cross_entropy", "nll_loss"):
        for tgt, kw in ((t, {}), (t, {"weight": w}), (ti, {"weight": w}), (ti, {}),
                        (t, {"ignore_index": 2, "weight": w})):
            check_same(lambda m, x, t, **k: getattr(F(m), fn)(x, t, reduction=reduction, **k),
                       Arr(x, requires_grad=True), tgt, kwargs=kw, grad=True,
                       check_grad_fn=True)


@pytest.mark.parametrize("shape", [(5,), (4, 5), (2, 5, 3), (2, 5, 3, 2)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_label_smoothing(shape, reduction):
    x = randn(*shape)
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = _targets(tshape, 5)
    ti = _targets(tshape, 5, ignore=1) if tshape else t
    w = rand(5)
    for tgt, kw in ((t, {}), (t, {"weight": w}), (ti, {"ignore_index": 1}),
                    (ti, {"ignore_index": 1, "weight": w})):
        check_same(lambda m, x, t, **k: F(m).cross_entropy(x, t, reduction=reduction,
                                                           label_smoothing=0.15, **k),
                   Arr(x, requires_grad=True), tgt, kwargs=kw, grad=True, check_grad_fn=True)


@pytest.mark.parametrize("shape", [(5,), (4, 5), (2, 5, 3), (2, 5, 3, 2)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities(shape, reduction):
    x, p = randn(*shape), rng.dirichlet(np.ones(shape[0 if len(shape) == 1 else 1]),
                                        int(np.prod(shape)) // shape[len(shape) > 1])
    p = np.moveaxis(p.reshape((shape[0],) + shape[2:] + (shape[1],)), -1, 1) \
        if len(shape) > 1 else p.reshape(shape)
    p = p.astype(np.float32)
    for kw in ({}, {"label_smoothing": 0.2}, {"weight": rand(5)}, {"ignore_index": -1}):
        check_same(lambda m, x, t, **k: F(m).cross_entropy(x, t, reduction=reduction, **k),
                   Arr(x, requires_grad=True), Arr(p, requires_grad=True), kwargs=kw, grad=True,
                   check_grad_fn=True)


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16"])
def test_cross_entropy_dtypes(dtype):
    x, t = randn(4, 5), np.array([1, 0, 4, 2])
    for fn in ("cross_entropy", "nll_loss"):
        for r in REDUCTIONS:
            check_same(lambda m, x, t: getattr(F(m), fn)(x, t, reduction=r), Arr(x, dtype), t)
        check_same(lambda m, x, t, w: getattr(F(m), fn)(x, t, w), Arr(x, dtype), t,
                   Arr(rand(5), dtype))
    check_same(lambda m, x, t: F(m).cross_entropy(x, t), x, Arr(rand(4, 5), dtype))
    check_same(lambda m, x, t: F(m).cross_entropy(x, t, label_smoothing=0.1), Arr(x, dtype),
               Arr(t, "uint8"))


def test_cross_entropy_nll_errors():
    x, t, w = randn(3, 5), np.array([1, 0, 4]), rand(5)
    for fn in ("cross_entropy", "nll_loss"):
        f = lambda m, *a, **k: getattr(F(m), fn)(*a, **k)  # noqa: E731,B023
        for bad in ("int32", "int16", "float64", "bool"):
            check_same(f, x, Arr(t, bad))
        check_same(f, x, Arr(t, "uint8"))
        check_same(f, Arr(x, "int64"), t)
        check_same(f, Arr(x, "int32"), Arr(t, "int32"))
        check_same(f, x, t[:2])
        check_same(f, x, t[None])
        check_same(f, x, np.array([1, 0, 5]))
        check_same(f, x, np.array([1, 9, -5]))
        check_same(f, x, np.array([1, 0, -1]))
        check_same(f, x, np.array([1, 0, -100]), kwargs={"ignore_index": 1})
        check_same(f, x, np.array([-100, -100, -100]))
        for r in REDUCTIONS:
            check_same(f, Arr(x, requires_grad=True), np.array([-100, -100, -100]),
                       kwargs={"reduction": r}, grad=True)
        check_same(f, Arr(x, requires_grad=True), t, kwargs={"weight": np.zeros(5, np.float32)},
                   grad=True)
        check_same(f, x, t, rand(4))
        check_same(f, x, t, rand(5, 1))
        check_same(f, x, t, rand(5).astype(np.float64))
        check_same(f, Arr(x, "float64"), t, w)
        check_same(f, Arr(x, "int32"), t, rand(4))
        check_same(f, x, Arr(t, "int32"), rand(4))
        check_same(f, x, t, Arr(w, requires_grad=True))
        check_same(f, randn(3, 5, 2), t)
        check_same(f, randn(2, 5, 3), rng.integers(0, 5, (2, 2)))
        check_same(f, randn(2, 5, 3), rng.integers(0, 5, (1, 3)))
        check_same(f, randn(2, 5, 3, 4), rng.integers(0, 5, (2, 4, 4)))
        check_same(f, randn(2, 5, 3, 4), rng.integers(0, 5, (2, 3)))
        check_same(f, randn(2, 5, 3, 4), Arr(rng.integers(0, 5, (2, 3, 4)), "int32"))
        check_same(f, randn(2, 5, 3, 4), rng.integers(0, 5, (2, 3, 4)), rand(4))
        check_same(f, randn(2, 5, 3, 4), rng.integers(0, 5, (2, 3, 4)),
                   rand(5).astype(np.float64))
        check_same(f, randn(2, 5, 3, 4), rng.integers(5, 7, (2, 3, 4)))
        check_same(f, randn(3, 5, 2), rng.integers(0, 5, (3, 2, 1)))
        check_same(f, randn(5), np.array([1]), kwargs={"reduction": "none"})
        check_same(f, randn(5), np.array([1, 2]))
        check_same(f, randn(5), np.array([[1]]))
        check_same(f, randn(5), sc(7))
        check_same(f, randn(1, 5), sc(1))
        check_same(f, sc(1.0), sc(0))
        check_same(f, x, rand(3, 4))
        check_same(f, x, rand(5, 3))
        check_same(f, x, 3)
        check_same(f, x, t, [1.0] * 5)
        for r in REDUCTIONS:
            check_same(f, np.zeros((0, 5), np.float32), np.zeros(0, np.int64),
                       kwargs={"reduction": r})
            check_same(f, randn(2, 5, 0), np.zeros((2, 0), np.int64), kwargs={"reduction": r})
            check_same(f, randn(2, 5, 0, 2), np.zeros((2, 0, 2), np.int64),
                       kwargs={"reduction": r})
        check_same(f, np.zeros((3, 0), np.float32), np.zeros(3, np.int64))
    ce = lambda m, *a, **k: F(m).cross_entropy(*a, **k)  # noqa: E731
    check_same(ce, x, t, kwargs={"label_smoothing": 1.5})
    check_same(ce, x, t, kwargs={"label_smoothing": 2.0})
    check_same(ce, x, t, kwargs={"label_smoothing": -0.1})
    check_same(ce, x, rand(3, 5), kwargs={"label_smoothing": 2.0})
    check_same(ce, x, rand(3, 5), kwargs={"ignore_index": 0})
    check_same(ce, x, rand(3, 5), rand(4))
    check_same(ce, x, rand(3, 5), rand(5).astype(np.float64))
    check_same(ce, x, rand(3))
    check_same(ce, x, rng.integers(0, 5, (3, 5)))
    check_same(ce, x, Arr(rng.integers(0, 5, (3, 5)), "uint8"))
    check_same(ce, x, Arr(t, "uint8"), w, kwargs={"label_smoothing": 0.2})
    check_same(ce, np.zeros((0, 5), np.float32), np.zeros((0, 5), np.float32))
    check_same(ce, np.zeros((0, 5), np.float32), np.zeros(0, np.int64),
               kwargs={"label_smoothing": 0.1})


# ---------------------------------------------------------------------------- double backward
def test_double_backward():
    x, t, p = randn(4, 5).astype(np.float64), randn(4, 5).astype(np.float64), \
        rng.random((4, 5))
    ti = np.array([1, 0, 4, 2])
    for r in REDUCTIONS:
        def red(loss, r=r):
            return loss.sum() if r == "none" else loss
        double_backward_same(lambda m, x, t: red(F(m).mse_loss(x, t, reduction=r)), x, t,
                             wrt=(0, 1))
        double_backward_same(lambda m, x, t: red(F(m).smooth_l1_loss(x, t, reduction=r,
                                                                     beta=0.5)), x, t)
        double_backward_same(lambda m, x, t: red(F(m).huber_loss(x, t, reduction=r, delta=0.5)),
                             x, t)
        double_backward_same(lambda m, x, t: red(F(m).cross_entropy(x, t, reduction=r)), x, ti)
        double_backward_same(lambda m, x, t: red(F(m).cross_entropy(
            x, t, reduction=r, label_smoothing=0.2, weight=m.arange(1., 6., dtype=m.float64))),
            x, ti)
        double_backward_same(lambda m, x, t: red(F(m).cross_entropy(x, t, reduction=r)), x, p)
        double_backward_same(lambda m, x, t: red(F(m).binary_cross_entropy_with_logits(
            x, t, reduction=r)), x, p, wrt=(0, 1))
        double_backward_same(lambda m, x, t: red(F(m).binary_cross_entropy_with_logits(
            x, t, reduction=r, pos_weight=m.arange(1., 6., dtype=m.float64))), x, p, wrt=(0, 1))
        double_backward_same(lambda m, x, t: red(F(m).binary_cross_entropy(
            x.sigmoid(), t, reduction=r)), x, p, wrt=(0, 1))
        double_backward_same(lambda m, x, t: red(F(m).soft_margin_loss(x, t, reduction=r)),
                             x, np.sign(t))
        double_backward_same(lambda m, x, t: red(F(m).kl_div(x.log_softmax(1), t, reduction=r)),
                             x, p, wrt=(0, 1))


def test_double_backward_not_implemented():
    x = randn(3, 4)
    for fn, t in (("multi_margin_loss", np.array([1, 2, 0])),
                  ("multilabel_margin_loss", np.array([[1, -1, 0, 0]] * 3))):
        def run(m, x, t, fn=fn):
            g, = m.autograd.grad(getattr(F(m), fn)(x, t), x, create_graph=True)
            assert type(g.grad_fn).__name__ == "NotImplemented"
            g.sum().backward()
        check_same(run, Arr(x, requires_grad=True), t)
    lp, tg = _ctc_inputs()

    def run_ctc(m, lp, tg):
        g, = m.autograd.grad(F(m).ctc_loss(lp, tg, [6, 6, 6], [3, 3, 3]), lp, create_graph=True)
        assert type(g.grad_fn).__name__ == "NotImplemented"
        g.sum().backward()
    check_same(run_ctc, Arr(lp, requires_grad=True), tg)


# ---------------------------------------------------------------------------- margin losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_losses(reduction):
    a, b, n = randn(3, 4), randn(3, 4), randn(3, 4)
    s, ss = np.array([1., -1., 1.], np.float32), np.sign(randn(3, 4))
    g = lambda x: Arr(x, requires_grad=True)  # noqa: E731
    for dt in ("float32", "float64"):
        ga = lambda x: Arr(x, dt, requires_grad=True)  # noqa: E731
        check_same(lambda m, a, b, t: F(m).margin_ranking_loss(a, b, t, margin=0.3,
                                                               reduction=reduction),
                   ga(a), ga(b), Arr(ss, dt), grad=True, check_grad_fn=True)
        check_same(lambda m, a, t: F(m).hinge_embedding_loss(a, t, margin=0.5,
                                                             reduction=reduction),
                   ga(a), Arr(ss, dt), grad=True, check_grad_fn=True)
        check_same(lambda m, a, b, t: F(m).cosine_embedding_loss(a, b, t, margin=0.2,
                                                                 reduction=reduction),
                   ga(a), ga(b), Arr(s, dt), grad=True, check_grad_fn=True)
        for kw in ({}, {"p": 1, "margin": 0.3}, {"swap": True}, {"p": 3, "eps": 0.1}):
            check_same(lambda m, a, p, n: F(m).triplet_margin_loss(a, p, n, reduction=reduction,
                                                                   **kw),
                       ga(a), ga(b), ga(n), grad=True, check_grad_fn=True)
    check_same(lambda m, a, b, t: F(m).cosine_embedding_loss(a, b, t, reduction=reduction),
               g(a[0]), g(b[0]), sc(-1.), grad=True, check_grad_fn=True)
    check_same(lambda m, a, b, t: F(m).cosine_embedding_loss(a, b, t, reduction=reduction),
               g(a[0]), g(b[0]), sc(1.), grad=True, check_grad_fn=True)
    check_same(lambda m, a, t: F(m).hinge_embedding_loss(a, t, reduction=reduction),
               g(a), np.zeros((3, 4), np.float32), grad=True)
    check_same(lambda m, a, p, n: F(m).triplet_margin_with_distance_loss(
        a, p, n, reduction=reduction, distance_function=lambda x, y: 1 - F(m).cosine_similarity(
            x, y), swap=True, margin=0.5), g(a), g(b), g(n), grad=True, check_grad_fn=True)


def test_margin_losses_errors_and_dtypes():
    a, b, n = randn(3, 4), randn(3, 4), randn(3, 4)
    s, ss = np.array([1., -1., 1.], np.float32), np.sign(randn(3, 4))
    mr = lambda m, *x, **k: F(m).margin_ranking_loss(*x, **k)  # noqa: E731
    check_same(mr, a, b, s)
    check_same(mr, a, b[0], ss)
    check_same(mr, Arr(a, "int64"), Arr(b, "int64"), Arr(ss, "int64"))
    check_same(mr, a, Arr(b, "float64"), ss)
    check_same(mr, a, b, Arr(ss, "int64"))
    he = lambda m, *x, **k: F(m).hinge_embedding_loss(*x, **k)  # noqa: E731
    check_same(he, a, Arr(ss, "float64"))
    check_same(he, Arr(a * 3, "int64"), Arr(ss, "int64"))
    check_same(he, Arr(a * 3, "int64"), Arr(ss, "int64"), kwargs={"reduction": "sum"})
    check_same(he, a, s)
    check_same(he, a, ss[0])
    check_same(he, np.zeros(0, np.float32), np.zeros(0, np.float32))
    ce = lambda m, *x, **k: F(m).cosine_embedding_loss(*x, **k)  # noqa: E731
    check_same(ce, a, b, s[:2])
    check_same(ce, a, b, ss)
    check_same(ce, a, b[:2], s)
    check_same(ce, a[0], b[0], s)
    check_same(ce, a, b[0], s)
    check_same(ce, a, b, sc(1.))
    check_same(ce, randn(2, 3, 4), randn(2, 3, 4), np.ones(2, np.float32))
    check_same(ce, a, b, Arr(s, "int64"))
    check_same(ce, Arr(a * 3, "int64"), Arr(b * 3, "int64"), Arr(s, "int64"))
    check_same(ce, a, Arr(b, "float64"), s)
    check_same(ce, a, b, np.array([1., 0., 1.], np.float32))
    tm = lambda m, *x, **k: F(m).triplet_margin_loss(*x, **k)  # noqa: E731
    check_same(tm, a, b[0], n)
    check_same(tm, a, b, n[:2])
    check_same(tm, a, b, n, kwargs={"margin": 0})
    check_same(tm, a, b, n, kwargs={"margin": -1.0})
    check_same(tm, Arr(a, "float64"), b, n)
    check_same(tm, Arr(a * 3, "int64"), Arr(b * 3, "int64"), Arr(n * 3, "int64"))
    check_same(tm, a[0], b[0], n[0])
    check_same(tm, randn(2, 3, 4), randn(2, 3, 4), randn(2, 3, 4))
    tmd = lambda m, *x, **k: F(m).triplet_margin_with_distance_loss(*x, **k)  # noqa: E731
    check_same(tmd, a, b, n, kwargs={"reduction": "bad"})
    check_same(tmd, a, b, n, kwargs={"margin": 0})
    check_same(tmd, a, b[0], n)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multi_margin(reduction):
    x, t, w = randn(4, 5), np.array([1, 0, 4, 2]), rand(5)
    for dt in ("float32", "float64"):
        for kw in ({}, {"p": 2}, {"margin": 0.5, "weight": w}, {"p": 2, "weight": w}):
            kw = {k: (Arr(v, dt) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
            check_same(lambda m, x, t, **k: F(m).multi_margin_loss(x, t, reduction=reduction, **k),
                       Arr(x, dt, requires_grad=True), t, kwargs=kw, grad=True,
                       check_grad_fn=True)
    check_same(lambda m, x, t: F(m).multi_margin_loss(x, t, reduction=reduction),
               Arr(x[0], requires_grad=True), sc(2), grad=True, check_grad_fn=True)
    check_same(lambda m, x, t: F(m).multi_margin_loss(x, t, reduction=reduction),
               Arr(x[0], requires_grad=True), np.array([2]), grad=True, check_grad_fn=True)
    check_same(lambda m, x, t: F(m).multi_margin_loss(x, t, reduction=reduction),
               sc(0.5, requires_grad=True), sc(0), grad=True)


def test_multi_margin_errors():
    x, t = randn(3, 5), np.array([1, 0, 4])
    f = lambda m, *a, **k: F(m).multi_margin_loss(*a, **k)  # noqa: E731
    check_same(f, x, t, kwargs={"weight": rand(4)})
    check_same(f, x, t, kwargs={"weight": rand(5, 1)})
    check_same(f, x, t, kwargs={"p": 3})
    check_same(f, x, Arr(t, "int32"))
    check_same(f, x, Arr(t, "float32"))
    check_same(f, x, t[:2])
    check_same(f, x, np.array([1, 0, 7]))
    check_same(f, x, np.array([1, 0, -1]))
    check_same(f, x, t, kwargs={"weight": rand(5).astype(np.float64)})
    check_same(f, Arr(x, "int64"), t)
    check_same(f, Arr(x, "float16"), t)
    check_same(f, randn(2, 3, 4), np.array([1, 2]))
    check_same(f, np.zeros((3, 0), np.float32), np.zeros(3, np.int64))
    check_same(f, randn(5), np.array([[1]]))
    check_same(f, x, t, kwargs={"weight": Arr(rand(5), requires_grad=True)})


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin(reduction):
    x = randn(3, 5)
    t = np.array([[3, 0, -1, 1, 2], [1, 2, -1, 0, 0], [4, 4, 0, 1, 2]])
    for dt in ("float32", "float64"):
        check_same(lambda m, x, t: F(m).multilabel_margin_loss(x, t, reduction=reduction),
                   Arr(x, dt, requires_grad=True), t, grad=True, check_grad_fn=True)
    check_same(lambda m, x, t: F(m).multilabel_margin_loss(x, t, reduction=reduction),
               Arr(x[0], requires_grad=True), t[0], grad=True, check_grad_fn=True)
    f = lambda m, *a: F(m).multilabel_margin_loss(*a)  # noqa: E731
    check_same(f, x, Arr(t, "int32"))
    check_same(f, x, Arr(t, "float32"))
    check_same(f, x, t[:2])
    check_same(f, x, t[:, :4])
    check_same(f, x, np.array([[5, -1, 0, 0, 0]] * 3))
    check_same(f, x, np.array([[0, -1, 7, 0, 0]] * 3))
    check_same(f, x, np.array([[-2, 1, -1, 0, 0]] * 3))
    check_same(f, Arr(x, "int64"), t)
    check_same(f, Arr(x, "float16"), t)
    check_same(f, randn(2, 3, 5), t[:2])
    check_same(f, randn(5), sc(1))
    check_same(f, randn(5), t[:1])
    check_same(f, sc(0.5), sc(0))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin(reduction):
    x, t = randn(3, 4), (rand(3, 4) > 0.5).astype(np.float32)
    check_same(lambda m, x, t: F(m).multilabel_soft_margin_loss(x, t, reduction=reduction),
               Arr(x, requires_grad=True), Arr(t, requires_grad=True), grad=True,
               check_grad_fn=True)
    check_same(lambda m, x, t, w: F(m).multilabel_soft_margin_loss(x, t, w, reduction=reduction),
               Arr(x, "float64", requires_grad=True), t, rand(4), grad=True, check_grad_fn=True)
    check_same(lambda m, x, t: F(m).multilabel_soft_margin_loss(x, t, reduction=reduction),
               Arr(randn(2, 3, 4), requires_grad=True), rand(2, 3, 4), grad=True)
    check_same(lambda m, x, t: F(m).multilabel_soft_margin_loss(x, t, reduction="bad"), x, t)


# ---------------------------------------------------------------------------- Poisson / Gaussian
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_nll(reduction):
    x, pos, t = randn(3, 4), rand(3, 4) + 0.1, rng.poisson(2.0, (3, 4)).astype(np.float32)
    for dt in ("float32", "float64"):
        for xin, kw in ((x, {}), (x, {"full": True}), (pos, {"log_input": False}),
                        (pos, {"log_input": False, "full": True, "eps": 1e-3})):
            check_same(lambda m, x, t, **k: F(m).poisson_nll_loss(x, t, reduction=reduction,
                                                                  **k),
                       Arr(xin, dt, requires_grad=True), Arr(t, dt, requires_grad=True),
                       kwargs=kw, grad=True, check_grad_fn=True)
    f = lambda m, *a, **k: F(m).poisson_nll_loss(*a, **k)  # noqa: E731
    check_same(f, x, t[0])
    check_same(f, x, t, kwargs={"reduction": "bad"})
    check_same(f, Arr(x, "int64"), Arr(t, "int64"))
    check_same(f, x, Arr(t, "float64"))
    check_same(f, Arr(pos * 3, "int64"), t, False)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_nll(reduction):
    x, t, v = randn(3, 4), randn(3, 4), rand(3, 4)
    g = lambda a: Arr(a, requires_grad=True)  # noqa: E731
    for var in (v, v[:, :1], v[:, 0]):
        for kw in ({}, {"full": True, "eps": 0.5}):
            check_same(lambda m, x, t, v, **k: F(m).gaussian_nll_loss(x, t, v, reduction=reduction,
                                                                      **k),
                       g(x), g(t), g(var), kwargs=kw, grad=True, check_grad_fn=True)
    check_same(lambda m, x, t: F(m).gaussian_nll_loss(x, t, 0.5, reduction=reduction),
               g(x), t, grad=True, check_grad_fn=True)
    f = lambda m, *a, **k: F(m).gaussian_nll_loss(*a, **k)  # noqa: E731
    check_same(f, x, t, -0.5)
    check_same(f, x, t, -v)
    check_same(f, x, t, v[:2])
    check_same(f, x, t, v[0])
    check_same(f, x, t, rand(3, 4, 1))
    check_same(f, x, t, v, kwargs={"reduction": "bad"})
    check_same(f, Arr(x, "float64"), t, v)
    check_same(f, randn(4, 3, 5, 5), randn(4, 3, 5, 5), rand(4, 1, 5, 5))
    check_same(f, randn(4, 3, 5, 5), randn(4, 3, 5, 5), rand(4, 1, 1, 5))


# ---------------------------------------------------------------------------- distances
def test_pairwise_distance():
    a, b = randn(3, 4), randn(3, 4)
    g = lambda x, dt="float32": Arr(x, dt, requires_grad=True)  # noqa: E731
    f = lambda m, *x, **k: F(m).pairwise_distance(*x, **k)  # noqa: E731
    for dt in ("float32", "float64"):
        for kw in ({}, {"p": 1}, {"keepdim": True}, {"eps": 0.}, {"p": float("inf")},
                   {"p": 3}, {"p": 0.5}):
            check_same(f, g(a, dt), g(b, dt), kwargs=kw, grad=True, check_grad_fn=True)
    check_same(f, g(a), b[0], grad=True, check_grad_fn=True)
    check_same(f, g(a), b[:1], grad=True, check_grad_fn=True)
    check_same(f, g(a[0]), b[0], grad=True, check_grad_fn=True)
    check_same(f, g(a[0]), b[0], kwargs={"keepdim": True}, grad=True, check_grad_fn=True)
    check_same(f, g(a), b, kwargs={"p": 0}, grad=True, check_grad_fn=True)
    check_same(f, g(a), b, kwargs={"p": -1}, check_grad_fn=True)
    check_same(f, a, Arr(b, "float64"))
    check_same(f, Arr(a * 3, "int64"), Arr(b * 3, "int64"))
    check_same(f, Arr(a, "float16"), Arr(b, "float16"))
    check_same(f, randn(2, 3, 4), b)
    check_same(f, sc(1.5), sc(0.5))
    check_same(f, a, b[:2])
    check_same(f, a, [1.0])
    check_same(lambda m, x, y: m.pairwise_distance(x, y), g(a), b, grad=True,
               check_grad_fn=True)


def test_cosine_similarity():
    a, b = randn(3, 4), randn(3, 4)
    g = lambda x, dt="float32": Arr(x, dt, requires_grad=True)  # noqa: E731
    f = lambda m, *x, **k: F(m).cosine_similarity(*x, **k)  # noqa: E731
    for dt in ("float32", "float64"):
        for kw in ({}, {"dim": 0}, {"dim": -1, "eps": 10.}):
            check_same(f, g(a, dt), g(b, dt), kwargs=kw, grad=True, check_grad_fn=True)
    check_same(f, g(a), g(b[0]), grad=True, check_grad_fn=True)
    check_same(f, g(a), b[:1], grad=True, check_grad_fn=True)
    check_same(f, a, Arr(b, "float64"), check_grad_fn=True)
    check_same(f, Arr(a, "int64"), Arr(b, "int64"))
    check_same(f, Arr(a, "complex64"), b)
    check_same(f, randn(4), randn(4))
    check_same(f, randn(4), randn(4), kwargs={"dim": 0})
    check_same(f, a, b, kwargs={"dim": 2})
    check_same(f, a, b[:2])
    check_same(f, np.zeros((3, 4), np.float32), g(b), grad=True)
    check_same(f, Arr(a, "float16"), Arr(b, "float16"))
    check_same(f, randn(3), randn(2, 3))
    check_same(f, sc(1.), sc(2.))
    check_same(lambda m, x, y: m.cosine_similarity(x, y), g(a), b, grad=True,
               check_grad_fn=True)


def test_normalize():
    a = randn(3, 4)
    f = lambda m, *x, **k: F(m).normalize(*x, **k)  # noqa: E731
    for kw in ({}, {"dim": 0}, {"p": 1}, {"p": float("inf")}, {"p": 0.5, "dim": -1},
               {"eps": 10.}, {"p": 0}):
        check_same(f, Arr(a, requires_grad=True), kwargs=kw, grad=True, check_grad_fn=True)
    check_same(f, Arr(a, "float64", requires_grad=True), grad=True, check_grad_fn=True)
    check_same(f, np.zeros((3, 4), np.float32))
    check_same(f, randn(4))
    check_same(f, randn(4), kwargs={"dim": 0})
    check_same(f, Arr(a, "int64"))
    check_same(f, a, kwargs={"dim": 2})
    check_same(f, sc(2.), kwargs={"dim": 0})

    def with_out(m, x):
        out = m.empty(3, 4)
        r = F(m).normalize(x, out=out)
        assert r is out
        return out
    check_same(with_out, a)


def test_one_hot():
    f = lambda m, *x: F(m).one_hot(*x)  # noqa: E731
    t = np.array([0, 2, 1])
    check_same(f, t)
    check_same(f, t, 5)
    check_same(f, t, 2)
    check_same(f, t, 0)
    check_same(f, t, -2)
    check_same(f, np.array([0, -1, 1]))
    check_same(f, np.array([0, -1, 1]), 3)
    check_same(f, np.array([[0, 2], [1, 1]]))
    check_same(f, Arr(t, "int32"))
    check_same(f, Arr(t, "uint8"))
    check_same(f, np.array([0., 1.]))
    check_same(f, np.array([True, False]))
    check_same(f, sc(2))
    check_same(f, sc(2), 4)
    check_same(f, np.zeros(0, np.int64))
    check_same(f, np.zeros((0, 2), np.int64), 3)
    check_same(f, [1, 2])


# ---------------------------------------------------------------------------- CTC
def _ctc_inputs(T=6, N=3, C=5, S=3, seed=1):
    r = np.random.default_rng(seed)
    lp = r.standard_normal((T, N, C))
    lp = (lp - np.log(np.exp(lp).sum(-1, keepdims=True))).astype(np.float32)
    tg = r.integers(1, C, (N, S))
    return lp, tg


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_loss(reduction):
    lp, tg = _ctc_inputs()
    il, tl = np.array([6, 5, 4]), np.array([3, 2, 0])
    cat = np.concatenate([tg[i, :tl[i]] for i in range(3)])
    f = lambda m, *a, **k: F(m).ctc_loss(*a, reduction=reduction, **k)  # noqa: E731
    for dt in ("float32", "float64"):
        check_same(f, Arr(lp, dt, requires_grad=True), tg, il, tl, grad=True,
                   check_grad_fn=True)
    check_same(f, Arr(lp, requires_grad=True), cat, il, tl, grad=True, check_grad_fn=True)
    check_same(f, Arr(lp, requires_grad=True), tg, [6, 5, 4], (3, 2, 0), grad=True)
    check_same(f, Arr(lp, requires_grad=True), Arr(tg, "int32"), Arr(il, "int32"),
               Arr(tl, "int32"), grad=True)
    # repeated labels need a blank between them; blank other than 0
    rep = np.array([[1, 1, 2], [3, 3, 3], [0, 0, 0]])
    check_same(f, Arr(lp, requires_grad=True), rep, np.array([6, 6, 6]), np.array([3, 3, 0]),
               grad=True)
    check_same(f, Arr(lp, requires_grad=True), tg, il, np.array([3, 2, 1]), grad=True,
               kwargs={"blank": 4})
    # unbatched (T, C)
    check_same(f, Arr(lp[:, 0], requires_grad=True), tg[0], sc(6), sc(3), grad=True,
               check_grad_fn=True)
    # impossible alignments: inf, or zero with zero_infinity
    short = np.array([2, 5, 4])
    check_same(f, Arr(lp, requires_grad=True), tg, short, tl, kwargs={"zero_infinity": True},
               grad=True, check_grad_fn=True)
    check_same(f, lp, tg, short, tl)


def test_ctc_loss_longer():
    lp, tg = _ctc_inputs(T=30, N=4, C=8, S=10, seed=3)
    il, tl = np.array([30, 25, 20, 12]), np.array([10, 7, 5, 1])
    check_same(lambda m, *a: F(m).ctc_loss(*a), Arr(lp.astype(np.float64), requires_grad=True),
               tg, il, tl, grad=True, check_grad_fn=True)


def test_ctc_loss_errors():
    lp, tg = _ctc_inputs()
    il, tl = np.array([6, 5, 4]), np.array([3, 2, 0])
    f = lambda m, *a, **k: F(m).ctc_loss(*a, **k)  # noqa: E731
    check_same(f, lp, tg, Arr(il, "float32"), tl)
    check_same(f, lp, tg, il, Arr(tl, "float32"))
    check_same(f, lp, tg, np.array([7, 5, 4]), tl)
    check_same(f, lp, tg, np.array([-1, 5, 4]), tl)
    check_same(f, lp, tg, il, np.array([4, 2, 0]))
    check_same(f, lp, tg, il, np.array([1, -1, 1]))
    check_same(f, lp, tg, il[:2], tl)
    check_same(f, lp, tg, il, tl[:2])
    check_same(f, lp, tg, il, tl, kwargs={"blank": 5})
    check_same(f, lp, tg, il, tl, kwargs={"blank": -1})
    check_same(f, Arr(lp, "float16"), tg, il, tl)
    check_same(f, Arr(lp, "int64"), tg, il, tl)
    check_same(f, lp, tg, il, tl, kwargs={"reduction": "bad"})
    check_same(f, lp, tg[:, :2], il, tl)
    check_same(f, lp, tg[:2], il, tl)
    check_same(f, lp, np.array([1, 2, 3, 4]), il, np.array([1, 1, 1]))
    check_same(f, lp[None], tg, il, tl)
    check_same(f, lp, Arr(tg, "float32"), il, tl)
    check_same(f, lp[:, 0], tg[0], sc(6), sc(2))


# ---------------------------------------------------------------------------- torch.* forms
def test_torch_namespace_forms():
    a, b, t = randn(3, 4), randn(3, 4), rand(3, 4)
    g = lambda x: Arr(x, requires_grad=True)  # noqa: E731
    check_same(lambda m, x, t: m.binary_cross_entropy_with_logits(x, t, None, None, 2),
               g(a), t, grad=True, check_grad_fn=True)
    check_same(lambda m, x, t: m.kl_div(x, t, 0, log_target=True), g(a), b, grad=True,
               check_grad_fn=True)
    check_same(lambda m, x, t: m.hinge_embedding_loss(x, t, 0.5, 1), g(a), np.sign(b),
               grad=True, check_grad_fn=True)
    check_same(lambda m, x, y, t: m.margin_ranking_loss(x, y, t, 0.1, 2), g(a), b, np.sign(t),
               grad=True, check_grad_fn=True)
    check_same(lambda m, x, y, t: m.cosine_embedding_loss(x, y, t, 0.1, 0), g(a), b,
               np.array([1., -1., 1.], np.float32), grad=True, check_grad_fn=True)
    check_same(lambda m, x, y, z: m.triplet_margin_loss(x, y, z, 1.0, 2, 1e-6, True, 1), g(a), b,
               t, grad=True, check_grad_fn=True)
    check_same(lambda m, x, t: m.poisson_nll_loss(x, t, True, True, 1e-8, 0), g(a), t * 3,
               grad=True, check_grad_fn=True)
    lp, tg = _ctc_inputs()
    check_same(lambda m, x, t, il, tl: m.ctc_loss(x, t, il, tl, 0, 0, False), g(lp), tg,
               np.array([6, 5, 4]), np.array([3, 2, 1]), grad=True, check_grad_fn=True)


def test_nll_1d_input_with_1d_target_backward_error():
    # PyTorch's forward accepts a (1,) target for (C,) input; its backward rejects the pair
    for m in (ember, torch):
        x = m.tensor(randn(5), requires_grad=True)
        loss = F(m).cross_entropy(x, m.tensor([2]))
        msg = r"size mismatch \(got input: \[5\], target: \[1\]\)"
        with pytest.raises(RuntimeError, match=msg):
            loss.backward()
