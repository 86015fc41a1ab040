"""Optimizers against PyTorch: the same parameters and gradients (NumPy-made) run through ember
and torch for many steps in float64 (equal to 1e-10), with every option; state_dict structure
and values; loading a state_dict produced by the other library; param groups, hooks, zero_grad,
closures, reprs, and the errors PyTorch raises for bad hyper-parameters."""
import io
import pickle
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import normalize_message

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

STEPS = 12

# parameter layouts: matrix, vector, 0-d, transposed (non-contiguous), empty
SHAPES = [(3, 4), (5,), (), "T", (0, 3)]


def make_params(lib, dtype="float64", seed=0, shapes=SHAPES, complex_=False):
    rng = np.random.default_rng(seed)
    out = []
    for s in shapes:
        if s == "T":
            a = rng.standard_normal((4, 2))
            if complex_:
                a = a + 1j * rng.standard_normal((4, 2))
            t = lib.from_numpy(a.copy()).t()
        else:
            a = rng.standard_normal(s)
            if complex_:
                a = a + 1j * rng.standard_normal(s)
            t = lib.from_numpy(np.array(a))
        t = t.to(getattr(lib, dtype)) if not complex_ else t
        out.append(lib.nn.Parameter(t))
    return out


def grads_for(params, lib, step, seed=1, scale=1.0):
    """Deterministic gradients for step ``step`` (the same arrays for both libraries); a grad
    shares its parameter's layout as autograd's would."""
    rng = np.random.default_rng(seed * 1000 + step)
    for p in params:
        shape = tuple(p.shape)
        g = rng.standard_normal(shape) * scale
        if p.is_complex():
            g = g + 1j * rng.standard_normal(shape)
        t = lib.from_numpy(np.array(g)).to(p.dtype)
        if p.dim() == 2 and p.stride() == (1, p.shape[0]):   # transposed parameter
            t = t.t().contiguous().t()
        p.grad = t


def run_both(name, kwargs, steps=STEPS, dtype="float64", complex_=False, groups=None,
             skip_grad=None, shapes=SHAPES, scale=1.0):
    """Run ``steps`` steps of optimizer ``name`` in both libraries; return the two optimizers
    and parameter lists."""
    res = []
    for lib in (ember, torch):
        params = make_params(lib, dtype, complex_=complex_, shapes=shapes)
        if groups:
            spec = [dict(g, params=[params[i] for i in g["params"]]) for g in groups]
        else:
            spec = params
        opt = getattr(lib.optim, name)(spec, **convert_kwargs(kwargs, lib))
        for k in range(steps):
            grads_for(params, lib, k, scale=scale)
            if skip_grad is not None:
                params[skip_grad].grad = None
            opt.step()
        res.append((opt, params))
    return res


def convert_kwargs(kw, lib):
    out = {}
    for k, v in kw.items():
        if isinstance(v, np.ndarray):
            v = lib.from_numpy(v.copy())
        elif isinstance(v, tuple) and v and isinstance(v[0], np.ndarray):
            v = tuple(lib.from_numpy(x.copy()) for x in v)
        out[k] = v
    return out


def to_np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.detach().numpy()


def assert_close(e, t, where, rtol=1e-10, atol=1e-10):
    ea, ta = to_np(e), to_np(t)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], \
        f"{where}: dtype {e.dtype} != {t.dtype}"
    assert tuple(e.shape) == tuple(t.shape), where
    if t.numel() > 1:
        assert e.stride() == t.stride(), f"{where}: strides {e.stride()} != {t.stride()}"
    np.testing.assert_allclose(ea, ta, rtol=rtol, atol=atol, err_msg=where)


def assert_state_same(e, t, where="state", **tol):
    """Two state_dict-like structures are equal: same keys, types and (close) values."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{where}: {type(e).__name__} is not a Tensor"
        assert_close(e, t, where, **tol)
    elif isinstance(t, dict):
        assert isinstance(e, dict), where
        assert list(e.keys()) == list(t.keys()), f"{where}: keys {list(e)} != {list(t)}"
        for k in t:
            assert_state_same(e[k], t[k], f"{where}[{k!r}]", **tol)
    elif isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t), f"{where}: {e!r} != {t!r}"
        for i, (a, b) in enumerate(zip(e, t)):
            assert_state_same(a, b, f"{where}[{i}]", **tol)
    elif isinstance(t, float):
        assert type(e) is float and abs(e - t) <= 1e-10 * max(1, abs(t)), f"{where}: {e} != {t}"
    else:
        assert type(e) is type(t) and e == t, f"{where}: {e!r} != {t!r}"


def check_run(name, kwargs, **kw):
    tol = kw.pop("tol", {})
    (eo, ep), (to, tp) = run_both(name, kwargs, **kw)
    for i, (a, b) in enumerate(zip(ep, tp)):
        assert_close(a, b, f"param {i}", **tol)
    assert_state_same(eo.state_dict(), to.state_dict(), **tol)
    return eo, to


# every optimizer with each option that changes the arithmetic
CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, foreach=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, fused=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.4))),
    ("Adam", dict(lr=0.01, foreach=True, amsgrad=True)),
    ("Adam", dict(lr=0.01, fused=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, betas=(0.3, 0.5), weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.5), weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3)),
    ("Adagrad", dict(lr=0.1, maximize=True, eps=1e-3)),
    ("Adagrad", dict(lr=0.1, fused=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.3, eps=1e-3, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.8, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.8, centered=True, maximize=True, alpha=0.3)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.1, alpha=0.5, t0=3, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=0, maximize=True)),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_steps_match_torch(name, kwargs):
    check_run(name, kwargs)


@pytest.mark.parametrize("name,kwargs", [c for c in CASES if "fused" not in c[1]],
                         ids=[f"{n}-{i}" for i, (n, k) in enumerate(CASES) if "fused" not in k])
def test_complex_params(name, kwargs):
    check_run(name, kwargs, complex_=True, steps=6)


@pytest.mark.parametrize("name", sorted({c[0] for c in CASES}))
def test_float32_params(name):
    check_run(name, dict(CASES[[c[0] for c in CASES].index(name)][1]), dtype="float32",
              steps=6, tol=dict(rtol=1e-5, atol=1e-6))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_half_params(name, dtype):
    kw = {"SGD": dict(lr=0.1, momentum=0.9), "Adam": dict(lr=0.01),
          "RMSprop": dict(lr=0.01)}[name]
    (eo, ep), (to, tp) = run_both(name, kw, steps=4, dtype=dtype, shapes=[(3, 4), (5,)])
    for i, (a, b) in enumerate(zip(ep, tp)):
        assert str(a.dtype) == str(b.dtype).replace("torch", "ember")
        np.testing.assert_allclose(a.detach().float().numpy(), b.detach().float().numpy(),
                                   rtol=2e-2, atol=2e-2, err_msg=f"param {i}")


def test_parameter_without_grad_is_skipped():
    eo, to = check_run("Adam", dict(lr=0.01), skip_grad=1)
    assert 1 not in to.state_dict()["state"] and 1 not in eo.state_dict()["state"]


def test_param_groups_with_own_options():
    groups = [{"params": [0, 1], "lr": 0.05, "momentum": 0.9},
              {"params": [2, 3, 4], "weight_decay": 0.1}]
    eo, to = check_run("SGD", dict(lr=0.1), groups=groups)
    assert [g["params"] for g in eo.state_dict()["param_groups"]] == [[0, 1], [2, 3, 4]]


def test_tensor_lr():
    check_run("SGD", dict(lr=np.array(0.1), momentum=0.9))
    check_run("Adam", dict(lr=np.array(0.01)))
    check_run("Adam", dict(lr=np.array(0.01, dtype=np.float32)), tol=dict(rtol=1e-6, atol=1e-7))


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("history_size", [100, 2])
def test_lbfgs_matches_torch(line_search_fn, history_size):
    rng = np.random.default_rng(3)
    A = rng.standard_normal((6, 4))
    b = rng.standard_normal(6)
    x0 = rng.standard_normal(4)
    out = []
    for lib in (ember, torch):
        w = lib.nn.Parameter(lib.from_numpy(x0[:3].copy()))
        c = lib.nn.Parameter(lib.from_numpy(x0[3:].copy()))
        An, bn = lib.from_numpy(A.copy()), lib.from_numpy(b.copy())
        opt = lib.optim.LBFGS([w, c], lr=0.8, max_iter=7, history_size=history_size,
                              line_search_fn=line_search_fn)
        losses = []

        def closure():
            opt.zero_grad()
            x = lib.cat([w, c])
            r = An @ x - bn
            loss = (r * r).sum() + 0.1 * (x ** 4).sum()
            loss.backward()
            return loss
        for _ in range(3):
            losses.append(opt.step(closure).item())
        out.append((opt, [w, c], losses))
    (eo, ep, el), (to, tp, tl) = out
    np.testing.assert_allclose(el, tl, rtol=1e-10)
    for i, (a, b_) in enumerate(zip(ep, tp)):
        assert_close(a, b_, f"param {i}")
    # NOTE: the curvature history holds differences of nearby gradients, where the summation
    # order of dot products (NumPy's vs PyTorch's) shows at ~1e-10 relative
    assert_state_same(eo.state_dict(), to.state_dict(), rtol=1e-8, atol=1e-9)


def test_lbfgs_errors():
    for lib in (ember, torch):
        a, b = lib.nn.Parameter(lib.zeros(2)), lib.nn.Parameter(lib.zeros(2))
        with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
            lib.optim.LBFGS([{"params": [a]}, {"params": [b]}])
        opt = lib.optim.LBFGS([a], line_search_fn="wolfe")

        def closure():
            opt.zero_grad()
            loss = ((a - 1) ** 2).sum()
            loss.backward()
            return loss
        with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
            opt.step(closure)


def test_sparse_adam_refuses_dense_grads():
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.zeros(3))
        opt = lib.optim.SparseAdam([p], lr=0.1)
        assert opt.defaults == {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "maximize": False}
        opt.step()   # no gradient: nothing to do
        p.grad = lib.ones(3)
        with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients, "
                                               "please consider Adam instead"):
            opt.step()
        with pytest.raises(ValueError, match="Complex params at indices \\[\\[0, 0\\]\\]"):
            lib.optim.SparseAdam([lib.nn.Parameter(lib.zeros(2, dtype=lib.complex64))])
