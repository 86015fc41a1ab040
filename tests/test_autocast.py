"""ember.autocast (CPU) and ember.amp.GradScaler against PyTorch: result dtypes and values of
lower-precision ops (matmul family, linear, conv), float32 ops (losses), promoting ops (cat,
stack), gradients flowing to float32 leaves, nesting, decorator form, the state functions and
their deprecation warnings, errors; GradScaler training steps with inf/NaN skips, growth and
backoff, state_dict, errors."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr, assert_same, normalize_message

rng = np.random.default_rng(2)


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


@pytest.fixture(autouse=True)
def clean_state():
    yield
    for m in (ember, torch):
        for dev in ("cpu", "cuda"):
            m.set_autocast_enabled(dev, False)
        m.set_autocast_dtype("cpu", m.bfloat16)
        m.set_autocast_cache_enabled(True)


def F(m):
    return m.nn.functional


def in_autocast(fn, dtype=None):
    def run(m, *args):
        with m.autocast("cpu", dtype=getattr(m, dtype) if dtype else None):
            return fn(m, *args)
    return run


LOWER = [
    ("mm", lambda m, a, b: m.mm(a, b)),
    ("matmul_op", lambda m, a, b: a @ b),
    ("matmul", lambda m, a, b: m.matmul(a, b)),
    ("matmul_method", lambda m, a, b: a.matmul(b)),
    ("mm_method", lambda m, a, b: a.mm(b)),
    ("bmm", lambda m, a, b: m.bmm(a[None], b[None])),
    ("addmm", lambda m, a, b: m.addmm(a, a, b)),
    ("baddbmm", lambda m, a, b: m.baddbmm(a[None], a[None], b[None])),
    ("addbmm", lambda m, a, b: m.addbmm(a, a[None], b[None])),
    ("linear", lambda m, a, b: F(m).linear(a, b, b[0])),
    ("linear_3d", lambda m, a, b: F(m).linear(a[None], b)),
    ("conv1d", lambda m, a, b: F(m).conv1d(a[None], b[:, :, None])),
    ("conv2d", lambda m, a, b: F(m).conv2d(a[None, None], b[None, None, :2, :2])),
    ("conv3d", lambda m, a, b: F(m).conv3d(a[None, None, None], b[None, None, None, :2, :2])),
    ("conv_transpose2d", lambda m, a, b: F(m).conv_transpose2d(a[None, None],
                                                                b[None, None, :2, :2])),
    ("conv_transpose1d", lambda m, a, b: F(m).conv_transpose1d(a[None], b[:, :, None])),
]


@pytest.mark.parametrize("name,fn", LOWER, ids=[c[0] for c in LOWER])
@pytest.mark.parametrize("dtype", [None, "float16"])
def test_lower_precision_ops(name, fn, dtype):
    check_same(in_autocast(fn, dtype), Arr(randn(4, 4)), Arr(randn(4, 4)), check_strides=False)
    # float64 inputs are not cast; half inputs are cast to the autocast dtype
    check_same(in_autocast(fn, dtype), Arr(randn(4, 4), "float64"), Arr(randn(4, 4), "float64"))
    check_same(in_autocast(fn, dtype), Arr(randn(4, 4), "float16"), Arr(randn(4, 4), "float16"),
               check_strides=False)


@pytest.mark.parametrize("name,fn", LOWER[:3] + LOWER[9:11], ids=[c[0] for c in LOWER[:3] + LOWER[9:11]])
def test_lower_precision_grads_reach_float32_leaves(name, fn):
    def run(m, a, b):
        with m.autocast("cpu"):
            out = fn(m, a, b)
        out.float().sum().backward()
        return out.dtype, a.grad.dtype, b.grad.dtype, a.grad, b.grad
    check_same(run, Arr(randn(4, 4), requires_grad=True), Arr(randn(4, 4), requires_grad=True),
               check_strides=False)


def test_mixed_float64_errors_and_ints_untouched():
    check_same(in_autocast(lambda m, a, b: m.mm(a, b)), Arr(randn(3, 3), "float64"),
               Arr(randn(3, 3)))
    check_same(in_autocast(lambda m, a, b: m.mm(a, b)), Arr(randn(3, 3) * 4, "int32"),
               Arr(randn(3, 3) * 4, "int32"))


FP32 = [
    ("mse_loss", lambda m, a, b, t: F(m).mse_loss(a, b)),
    ("l1_loss", lambda m, a, b, t: F(m).l1_loss(a, b)),
    ("smooth_l1_loss", lambda m, a, b, t: F(m).smooth_l1_loss(a, b)),
    ("huber_loss", lambda m, a, b, t: F(m).huber_loss(a, b)),
    ("bce_logits", lambda m, a, b, t: F(m).binary_cross_entropy_with_logits(a, b.sigmoid())),
    ("kl_div", lambda m, a, b, t: F(m).kl_div(a, b, reduction="batchmean")),
    ("nll_loss", lambda m, a, b, t: F(m).nll_loss(a, t)),
    ("cross_entropy", lambda m, a, b, t: F(m).cross_entropy(a, t)),
]


@pytest.mark.parametrize("name,fn", FP32, ids=[c[0] for c in FP32])
def test_float32_ops(name, fn):
    t = np.array([0, 3, 1, 2])
    check_same(in_autocast(fn), Arr(randn(4, 4), "bfloat16"), Arr(randn(4, 4), "bfloat16"),
               Arr(t))
    check_same(in_autocast(fn), Arr(randn(4, 4), "float64"), Arr(randn(4, 4), "float64"),
               Arr(t))

    def grads(m, a, b, t):
        with m.autocast("cpu"):
            out = fn(m, a.bfloat16(), b, t)
        out.backward()
        return out, a.grad
    check_same(grads, Arr(randn(4, 4), requires_grad=True), Arr(randn(4, 4)), Arr(t))


@pytest.mark.parametrize("op", ["cat", "stack"])
def test_promote_ops(op):
    fn = in_autocast(lambda m, a, b: getattr(m, op)([a, b]))
    check_same(fn, Arr(randn(2, 3)), Arr(randn(2, 3), "bfloat16"))
    check_same(fn, Arr(randn(2, 3), "float16"), Arr(randn(2, 3), "bfloat16"))
    check_same(fn, Arr(randn(2, 3), "float64"), Arr(randn(2, 3), "bfloat16"))
    check_same(fn, Arr(randn(2, 3), "bfloat16"), Arr(randn(2, 3), "bfloat16"))


def test_unaffected_ops_and_outside_region():
    def fn(m, a):
        with m.autocast("cpu"):
            inside = (a.bfloat16().softmax(0).dtype, (a + a.bfloat16()).dtype, a.sum().dtype)
        return inside, (a @ a).dtype
    check_same(fn, Arr(randn(3, 3)))


def test_nesting_disable_and_decorator():
    def fn(m, a):
        res = []
        with m.autocast("cpu"):
            res.append((m.is_autocast_enabled("cpu"), (a @ a).dtype))
            with m.autocast("cpu", enabled=False):
                res.append((m.is_autocast_enabled("cpu"), (a @ a).dtype))
            with m.autocast("cpu", dtype=m.float16):
                res.append((m.get_autocast_dtype("cpu"), (a @ a).dtype))
            res.append((m.get_autocast_dtype("cpu"), (a @ a).dtype))
        res.append((m.is_autocast_enabled("cpu"), (a @ a).dtype))

        @m.autocast("cpu")
        def f(x):
            return x @ x
        res.append(f(a).dtype)
        with m.amp.autocast("cpu"):
            res.append(m.mm(a, a).dtype)
        return res
    check_same(fn, Arr(randn(3, 3)))


def test_module_forward_and_backward():
    for m in (ember, torch):
        m.manual_seed(0)
    outs = []
    for m in (ember, torch):
        m.manual_seed(0)
        net = m.nn.Sequential(m.nn.Linear(4, 8), m.nn.ReLU(), m.nn.Linear(8, 3))
        x = m.from_numpy(randn(5, 4) if not outs else outs[0][3])
        t = m.tensor([0, 1, 2, 0, 1])
        with m.autocast("cpu"):
            y = net(x)
            loss = m.nn.functional.cross_entropy(y, t)
        loss.backward()
        outs.append((y, loss, net[0].weight.grad, x.numpy()))
    assert_same(outs[0][0], outs[1][0], check_strides=False)
    assert_same(outs[0][1], outs[1][1])
    assert_same(outs[0][2], outs[1][2], rtol=2e-2, atol=2e-2)


def test_autocast_constructor_errors_and_warnings():
    for fn in (lambda m: m.autocast(3), lambda m: m.autocast("foo"),
               lambda m: m.autocast("cpu").fast_dtype,
               lambda m: m.autocast("cpu", dtype=m.float64, enabled=False).fast_dtype,
               lambda m: m.is_autocast_enabled("foo"), lambda m: m.get_autocast_dtype(3)):
        check_same(fn)
    got = []
    for m in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            ac = m.autocast("cpu", dtype=m.float32)
            with ac:
                r = m.mm(m.ones(2, 2), m.ones(2, 2)).dtype
        got.append((str(r).split(".")[-1], [normalize_message(str(x.message)) for x in w]))
    assert got[0] == got[1]


def _warned(m, fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = fn(m)
    return r, [(x.category.__name__, normalize_message(str(x.message))) for x in w]


@pytest.mark.parametrize("fn", [
    lambda m: (m.is_autocast_enabled(), m.is_autocast_enabled("cpu"),
               m.get_autocast_dtype("cpu"), m.get_autocast_dtype("cuda"),
               m.is_autocast_cache_enabled()),
    lambda m: (m.get_autocast_cpu_dtype(), m.get_autocast_gpu_dtype(), m.get_autocast_ipu_dtype(),
               m.get_autocast_xla_dtype()),
    lambda m: (m.set_autocast_cpu_enabled(True), m.is_autocast_cpu_enabled(),
               m.set_autocast_enabled("cpu", False), m.is_autocast_enabled("cpu")),
    lambda m: (m.set_autocast_enabled(True), m.is_autocast_enabled("cuda"),
               m.set_autocast_enabled(False)),
    lambda m: (m.set_autocast_cpu_dtype(m.float16), m.get_autocast_dtype("cpu"),
               m.set_autocast_dtype("cpu", m.bfloat16), m.get_autocast_cpu_dtype()),
    lambda m: (m.set_autocast_gpu_dtype(m.bfloat16), m.get_autocast_dtype("cuda"),
               m.set_autocast_gpu_dtype(m.float16)),
    lambda m: (m.set_autocast_ipu_enabled(True), m.is_autocast_ipu_enabled(),
               m.set_autocast_ipu_enabled(False), m.set_autocast_xla_enabled(True),
               m.is_autocast_xla_enabled(), m.set_autocast_xla_enabled(False),
               m.set_autocast_ipu_dtype(m.bfloat16), m.set_autocast_xla_dtype(m.float16),
               m.get_autocast_dtype("ipu"), m.get_autocast_dtype("xla"),
               m.set_autocast_ipu_dtype(m.float16), m.set_autocast_xla_dtype(m.bfloat16)),
    lambda m: (m.autocast_increment_nesting(), m.autocast_increment_nesting(),
               m.autocast_decrement_nesting(), m.autocast_decrement_nesting()),
    lambda m: (m.set_autocast_cache_enabled(False), m.is_autocast_cache_enabled(),
               m.clear_autocast_cache(), m.set_autocast_cache_enabled(True)),
    lambda m: (m.set_autocast_enabled("cpu", True), m.mm(m.ones(2, 2), m.ones(2, 2)).dtype,
               m.set_autocast_enabled("cpu", False)),
])
def test_state_functions(fn):
    e = _warned(ember, fn)
    t = _warned(torch, fn)
    assert_same(e[0], t[0])
    assert [(c, s.split(" (Triggered")[0]) for c, s in e[1]] == \
        [(c, s.split(" (Triggered")[0]) for c, s in t[1]]


def test_cache_of_weight_casts():
    w = ember.ones(3, 3, requires_grad=True)
    with ember.autocast("cpu"):
        a = ember.mm(ember.ones(2, 3), w)
        b = ember.mm(ember.ones(2, 3), w)
        assert a.grad_fn.next_functions[1][0] is b.grad_fn.next_functions[1][0]
    assert not ember._autocast_state._CACHE["casts"]
    with ember.autocast("cpu", cache_enabled=False):
        a = ember.mm(ember.ones(2, 3), w)
        b = ember.mm(ember.ones(2, 3), w)
        assert a.grad_fn.next_functions[1][0] is not b.grad_fn.next_functions[1][0]
    (a.float().sum() + b.float().sum()).backward()
    assert w.grad.dtype is ember.float32 and w.grad.tolist() == [[4.0] * 3] * 3


# ---------------------------------------------------------------------------- GradScaler
def _train(m, steps, poison=(), init_scale=8.0, growth_interval=2, **kw):
    """A few SGD steps with a scaler; ``poison``: steps whose loss is made inf/nan."""
    m.manual_seed(0)
    net = m.nn.Linear(3, 2)
    with m.no_grad():
        net.weight.copy_(m.from_numpy(np.arange(6, dtype=np.float32).reshape(2, 3) / 10))
        net.bias.fill_(0.5)
    opt = m.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    scaler = m.amp.GradScaler("cpu", init_scale=init_scale, growth_interval=growth_interval, **kw)
    x = m.from_numpy(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3))
    log = []
    for i in range(steps):
        opt.zero_grad()
        loss = net(x).pow(2).mean()
        if i in poison:
            loss = loss * poison[i]
        scaler.scale(loss).backward()
        if i % 2:
            scaler.unscale_(opt)
        ret = scaler.step(opt)
        scaler.update()
        log.append((ret, scaler.get_scale(), scaler._get_growth_tracker(),
                    net.weight.detach().clone(), net.bias.grad.clone()))
    return log, scaler.state_dict()


@pytest.mark.parametrize("poison", [{}, {1: float("inf")}, {0: float("nan"), 3: float("inf")},
                                    {2: 1e38}])
def test_grad_scaler_training(poison):
    check_same(lambda m: _train(m, 6, poison))


def test_grad_scaler_api():
    def fn(m):
        p = m.nn.Parameter(m.ones(3))
        opt = m.optim.SGD([p], lr=0.1)
        s = m.amp.GradScaler("cpu", init_scale=4.0)
        r = [s.get_scale(), s.is_enabled(), s.state_dict(), s.get_growth_factor(),
             s.get_backoff_factor(), s.get_growth_interval()]
        r.append(s.scale([m.ones(2), (m.ones(1) * 3,)]))
        s.scale((p * 2).sum()).backward()
        s.unscale_(opt)
        r.append(p.grad.clone())
        s.step(opt)
        s.update(8.)
        r.append(s.get_scale())
        s.set_growth_factor(3.)
        s.set_backoff_factor(0.25)
        s.set_growth_interval(7)
        r.append(s.state_dict())
        s2 = m.amp.GradScaler("cpu")
        s2.load_state_dict(s.state_dict())
        r.append((s2.get_scale(), s2._get_growth_tracker(), s2.state_dict()))
        off = m.amp.GradScaler("cpu", enabled=False)
        r.append((off.scale(m.ones(1) * 3), off.get_scale(), off.state_dict(),
                  off.step(opt), off.update()))
        return r
    check_same(fn)
    assert ember.GradScaler is ember.amp.GradScaler


@pytest.mark.parametrize("fn", [
    lambda m, s, o, p: m.amp.GradScaler("cpu", growth_factor=0.5),
    lambda m, s, o, p: m.amp.GradScaler("cpu", backoff_factor=1.5),
    lambda m, s, o, p: s.step(o),
    lambda m, s, o, p: s.update(),
    lambda m, s, o, p: s.scale(3.0),
    lambda m, s, o, p: (s.scale(p.sum()).backward(), s.unscale_(o), s.unscale_(o)),
    lambda m, s, o, p: (s.scale(p.sum()).backward(), s.step(o), s.step(o)),
    lambda m, s, o, p: (s.scale(p.sum()).backward(), s.step(o), s.unscale_(o)),
    lambda m, s, o, p: (s.scale(p.sum()), s.update()),
    lambda m, s, o, p: (s.scale(p.sum()).backward(), s.step(o, closure=lambda: 0)),
    lambda m, s, o, p: (s.scale(p.sum()), s.update(m.ones(2))),
    lambda m, s, o, p: m.amp.GradScaler("cpu", enabled=True).load_state_dict({}),
])
def test_grad_scaler_errors(fn):
    def run(m):
        p = m.nn.Parameter(m.ones(3))
        opt = m.optim.SGD([p], lr=0.1)
        return fn(m, m.amp.GradScaler("cpu"), opt, p)
    check_same(run)
