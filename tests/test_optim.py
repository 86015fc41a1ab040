"""Optimizers against PyTorch: the same parameters and gradients (NumPy-made) run through ember
and torch for many steps in float64 (equal to 1e-10), with every option; state_dict structure
and values; loading a state_dict produced by the other library; param groups, hooks, zero_grad,
closures, reprs, and the errors PyTorch raises for bad hyper-parameters."""
import importlib
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
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, weight_decay=0.1, maximize=True)),
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


# ---------------------------------------------------------------------- state_dict exchange
def torch_to_ember(x):
    if isinstance(x, torch.Tensor):
        return ember.from_numpy(x.detach().numpy().copy(order="K"))
    if isinstance(x, dict):
        return {k: torch_to_ember(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(torch_to_ember(v) for v in x)
    return x


def ember_to_torch(x):
    if isinstance(x, ember.Tensor):
        return torch.from_numpy(x.detach().numpy().copy(order="K"))
    if isinstance(x, dict):
        return {k: ember_to_torch(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(ember_to_torch(v) for v in x)
    return x


EXCHANGE = [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
            ("AdamW", dict(lr=0.01)), ("NAdam", dict(lr=0.01)), ("RAdam", dict(lr=0.01)),
            ("Adamax", dict(lr=0.01)), ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
            ("Adadelta", dict()), ("RMSprop", dict(momentum=0.5, centered=True)),
            ("Rprop", dict()), ("ASGD", dict(t0=2))]


@pytest.mark.parametrize("name,kwargs", EXCHANGE, ids=[c[0] for c in EXCHANGE])
def test_load_state_dict_from_the_other_library(name, kwargs):
    """Train 4 steps in one library, continue 4 steps in the other from its state_dict: both
    directions end where 8 steps in torch end."""
    (eo, ep), (to, tp) = run_both(name, kwargs, steps=4)
    # torch -> ember
    e_params = make_params(ember)
    for p, q in zip(e_params, tp):
        p.data.copy_(ember.from_numpy(q.detach().numpy().copy()))
    e_opt = getattr(ember.optim, name)(e_params, **kwargs)
    e_opt.load_state_dict(torch_to_ember(to.state_dict()))
    # ember -> torch
    t_params = make_params(torch)
    for p, q in zip(t_params, ep):
        p.data.copy_(torch.from_numpy(q.detach().numpy().copy()))
    t_opt = getattr(torch.optim, name)(t_params, **kwargs)
    t_opt.load_state_dict(ember_to_torch(eo.state_dict()))
    for k in range(4, 8):
        for params, opt, lib in ((e_params, e_opt, ember), (t_params, t_opt, torch),
                                 (tp, to, torch)):
            grads_for(params, lib, k)
            opt.step()
    # NOTE: loading casts float32 counters other than "step" (NAdam's mu_product, ASGD's eta
    # and mu) to the parameter's dtype in both libraries, so the resumed runs match each
    # other exactly and the uninterrupted run to float32 rounding
    for i, (a, b, c) in enumerate(zip(e_params, t_params, tp)):
        assert_close(a, b, f"resumed param {i}")
        np.testing.assert_allclose(b.detach().numpy(), c.detach().numpy(), rtol=1e-6,
                                   atol=1e-8)
    assert_state_same(e_opt.state_dict(), t_opt.state_dict())


def test_state_dict_through_pt_files(tmp_path):
    (eo, _), (to, _) = run_both("Adam", dict(lr=0.01), steps=3)
    torch.save(to.state_dict(), tmp_path / "t.pt")
    assert_state_same(ember.load(tmp_path / "t.pt"), to.state_dict())
    ember.save(eo.state_dict(), tmp_path / "e.pt")
    assert_state_same(eo.state_dict(), torch.load(tmp_path / "e.pt"))


def test_load_state_dict_casts_state_to_param_dtype_but_not_step():
    out = []
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.zeros(3, dtype=lib.float64))
        opt = lib.optim.Adam([p])
        sd = {"state": {0: {"step": lib.tensor(3.0), "exp_avg": lib.ones(3),
                            "exp_avg_sq": lib.ones(3)}},
              "param_groups": [dict(opt.state_dict()["param_groups"][0])]}
        opt.load_state_dict(sd)
        st = opt.state[p]
        out.append((str(st["step"].dtype), str(st["exp_avg"].dtype),
                    opt.param_groups[0]["params"][0] is p))
    assert out[0] == (out[1][0].replace("torch", "ember"), out[1][1].replace("torch", "ember"),
                      True)


@pytest.mark.parametrize("mutate", [
    lambda sd: sd["param_groups"].append(dict(sd["param_groups"][0])),
    lambda sd: sd["param_groups"][0]["params"].append(7),
])
def test_load_state_dict_errors(mutate):
    msgs = []
    for lib in (ember, torch):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], lr=0.1)
        sd = opt.state_dict()
        sd = {"state": sd["state"], "param_groups": [dict(g, params=list(g["params"]))
                                                      for g in sd["param_groups"]]}
        mutate(sd)
        with pytest.raises(ValueError) as ei:
            opt.load_state_dict(sd)
        msgs.append(str(ei.value))
    assert msgs[0] == msgs[1]


def test_state_dict_layout_and_named_params():
    out = []
    for lib in (ember, torch):
        model = lib.nn.Linear(3, 2)
        opt = lib.optim.SGD(model.named_parameters(), lr=0.1, momentum=0.9)
        model.weight.grad = lib.ones(2, 3)
        model.bias.grad = lib.ones(2)
        opt.step()
        sd = opt.state_dict()
        out.append((list(sd), list(sd["param_groups"][0]), sd["param_groups"][0]["params"],
                    sd["param_groups"][0]["param_names"], sorted(sd["state"]),
                    list(sd["state"][0])))
        assert sd["state"][0] is opt.state[model.weight]
    assert out[0] == out[1]


# ---------------------------------------------------------------------- API behaviour
def test_zero_grad():
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.ones(3))
        opt = lib.optim.SGD([p], lr=0.1)
        p.grad = lib.ones(3)
        g = p.grad
        opt.zero_grad(set_to_none=False)
        assert p.grad is g and p.grad.sum().item() == 0
        opt.zero_grad()
        assert p.grad is None


def test_step_with_closure_returns_loss_and_runs_with_grad_enabled():
    out = []
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.tensor([1.0, -2.0], dtype=lib.float64))
        opt = lib.optim.Adam([p], lr=0.1)

        def closure():
            opt.zero_grad()
            loss = (p * p).sum()
            loss.backward()
            return loss
        with lib.no_grad():
            losses = [opt.step(closure).item() for _ in range(3)]
        out.append((losses, p.detach().numpy().tolist()))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-12)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-12)


def test_step_hooks_order_and_argument_rewrite():
    logs = []
    for lib in (ember, torch):
        log = []
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1)
        h1 = optimizer_module(lib).register_optimizer_step_pre_hook(
            lambda o, a, k: log.append(("global pre", a, k)))
        h2 = optimizer_module(lib).register_optimizer_step_post_hook(
            lambda o, a, k: log.append(("global post", a, k)))
        # a pre hook may rewrite the arguments (args start with the optimizer itself)
        h3 = opt.register_step_pre_hook(
            lambda o, a, k: log.append(("pre", a, k)) or ((a[0],), {}))
        h4 = opt.register_step_post_hook(lambda o, a, k: log.append(("post", a, k)))
        opt.step(closure=lambda: 1.5)
        for h in (h1, h2, h3, h4):
            h.remove()
        opt.step()
        bad = opt.register_step_pre_hook(lambda o, a, k: 3)
        with pytest.raises(RuntimeError, match="must return None or a tuple of "
                                               r"\(new_args, new_kwargs\), but got 3."):
            opt.step()
        bad.remove()
        logs.append([(n, [type(x).__name__ for x in a], sorted(k)) for n, a, k in log])
    assert logs[0] == logs[1]


def test_state_dict_hooks():
    logs = []
    for lib in (ember, torch):
        log = []
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1)
        opt.register_state_dict_pre_hook(lambda o: log.append("pre"))
        opt.register_state_dict_pre_hook(lambda o: log.append("pre first"), prepend=True)
        opt.register_state_dict_post_hook(lambda o, sd: dict(sd, extra=1))
        sd = opt.state_dict()
        log.append(sorted(sd))
        opt.register_load_state_dict_pre_hook(
            lambda o, sd: log.append("load pre " + str(sd.get("extra"))))
        opt.register_load_state_dict_post_hook(lambda o: log.append("load post"))
        opt.load_state_dict(sd)
        logs.append(log)
    assert logs[0] == logs[1]


def test_add_param_group_and_defaults():
    out = []
    for lib in (ember, torch):
        a, b = lib.nn.Parameter(lib.zeros(2)), lib.nn.Parameter(lib.zeros(2))
        opt = lib.optim.Adam([a], lr=0.1)
        opt.add_param_group({"params": b, "betas": (0.5, 0.6)})
        out.append([{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups])
        out.append([list(g) for g in opt.param_groups])
    assert out[0] == out[2] and out[1] == out[3]


def _errors(fn):
    res = []
    for lib in (ember, torch):
        try:
            fn(lib)
            res.append(None)
        except Exception as e:  # noqa: BLE001 - compared below
            res.append((type(e).__name__, normalize_message(str(e))))
    assert res[0] == res[1], f"\nember: {res[0]}\ntorch: {res[1]}"
    assert res[1] is not None
    return res[1]


def P(lib):
    return lib.nn.Parameter(lib.zeros(2))


def optimizer_module(lib):
    return importlib.import_module(lib.__name__ + ".optim.optimizer")


BAD = [
    lambda lib: lib.optim.SGD([P(lib)], lr=-1),
    lambda lib: lib.optim.SGD([P(lib)], lr=0.1, momentum=-0.5),
    lambda lib: lib.optim.SGD([P(lib)], lr=0.1, weight_decay=-1e-3),
    lambda lib: lib.optim.SGD([P(lib)], lr=0.1, nesterov=True),
    lambda lib: lib.optim.SGD([P(lib)], lr=lib.tensor([0.1, 0.2])),
    lambda lib: lib.optim.SGD([P(lib)], lr=0.1, fused=True, foreach=True),
    lambda lib: lib.optim.SGD([P(lib)], lr=0.1, fused=True, differentiable=True),
    lambda lib: lib.optim.Adam([P(lib)], lr=-0.5),
    lambda lib: lib.optim.Adam([P(lib)], eps=-1.0),
    lambda lib: lib.optim.Adam([P(lib)], betas=(1.0, 0.9)),
    lambda lib: lib.optim.Adam([P(lib)], betas=(0.9, -0.1)),
    lambda lib: lib.optim.Adam([P(lib)], weight_decay=-1.0),
    lambda lib: lib.optim.Adam([P(lib)], betas=(0, 0.9)),
    lambda lib: lib.optim.Adam([P(lib)], lr=lib.tensor(0.1), foreach=True),
    lambda lib: lib.optim.AdamW([P(lib)], fused=True, foreach=True),
    lambda lib: lib.optim.Adamax([P(lib)], betas=(0.9, 1.5)),
    lambda lib: lib.optim.NAdam([P(lib)], momentum_decay=-1.0),
    lambda lib: lib.optim.RAdam([P(lib)], eps=-1e-8),
    lambda lib: lib.optim.Adagrad([P(lib)], lr_decay=-1.0),
    lambda lib: lib.optim.Adagrad([P(lib)], initial_accumulator_value=-1.0),
    lambda lib: lib.optim.Adadelta([P(lib)], rho=1.5),
    lambda lib: lib.optim.RMSprop([P(lib)], alpha=-0.1),
    lambda lib: lib.optim.RMSprop([P(lib)], momentum=-0.1),
    lambda lib: lib.optim.Rprop([P(lib)], etas=(1.5, 1.2)),
    lambda lib: lib.optim.ASGD([P(lib)], weight_decay=-1.0),
    lambda lib: lib.optim.SparseAdam([P(lib)], lr=0.0),
    lambda lib: lib.optim.SparseAdam([P(lib)], eps=0.0),
    lambda lib: lib.optim.LBFGS([P(lib)], lr=-1),
    lambda lib: lib.optim.SGD([], lr=0.1),
    lambda lib: lib.optim.SGD(lib.zeros(2), lr=0.1),
    lambda lib: lib.optim.SGD([lib.zeros(2) * 2, 1], lr=0.1),
    lambda lib: lib.optim.SGD([P(lib) * 2], lr=0.1),
    lambda lib: lib.optim.SGD([{"params": {P(lib)}}], lr=0.1),
    lambda lib: lib.optim.SGD([("a", P(lib)), P(lib)], lr=0.1),
    lambda lib: lib.optim.SGD([P(lib)], lr=0.1).add_param_group([P(lib)]),
    lambda lib: [o.add_param_group({"params": o.param_groups[0]["params"]})
                 for o in [lib.optim.SGD([P(lib)], lr=0.1)]],
    lambda lib: [o.add_param_group({"params": [("b", P(lib))]})
                 for o in [lib.optim.SGD([P(lib)], lr=0.1)]],
    lambda lib: lib.optim.Optimizer([P(lib)], {"lr": optimizer_module(lib).required}).add_param_group(
        {"params": [P(lib)]}),
    lambda lib: lib.optim.Optimizer([P(lib)], {}).step(),
]


@pytest.mark.parametrize("fn", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_errors_match_torch(fn):
    _errors(fn)


def test_capturable_on_cpu_refused():
    for name in ["Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adadelta", "RMSprop", "Rprop",
                 "ASGD"]:
        def fn(lib):
            p = P(lib)
            opt = getattr(lib.optim, name)([p], capturable=True)
            p.grad = lib.ones(2)
            opt.step()
        _errors(fn)


def test_duplicate_params_warn():
    for lib in (ember, torch):
        p = P(lib)
        with pytest.warns(UserWarning, match="duplicate parameters"):
            lib.optim.SGD([p, p], lr=0.1)


def test_repr_matches_torch():
    for name, kwargs in [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(betas=(0.8, 0.9))),
                         ("LBFGS", dict()), ("AdamW", dict(lr=1e-4)), ("Rprop", dict()),
                         ("SparseAdam", dict())]:
        reps = []
        for lib in (ember, torch):
            a, b = P(lib), P(lib)
            opt = getattr(lib.optim, name)([a], **kwargs)
            if name != "LBFGS":
                opt.add_param_group({"params": [b], "lr": 0.5})
            reps.append(repr(opt))
        assert reps[0] == reps[1]
    reps = [repr(lib.optim.SGD([P(lib)], lr=lib.tensor(0.1))) for lib in (ember, torch)]
    assert reps[0] == reps[1]


def test_pickle_round_trip_keeps_state():
    (eo, ep), _ = run_both("Adam", dict(lr=0.01), steps=2)
    blob = pickle.dumps({"opt": eo, "params": ep})
    back = pickle.loads(blob)
    o2, p2 = back["opt"], back["params"]
    assert o2.state[p2[0]]["step"].item() == 2.0
    grads_for(p2, ember, 2)
    o2.step()
    assert o2.state[p2[0]]["step"].item() == 3.0


def test_step_bumps_parameter_version_and_leaves_grad_alone():
    p = ember.nn.Parameter(ember.ones(3))
    opt = ember.optim.Adam([p], lr=0.1, weight_decay=0.1, maximize=True)
    p.grad = ember.ones(3)
    v = p._version
    opt.step()
    assert p._version > v
    assert p.grad.tolist() == [1.0, 1.0, 1.0]


# ---------------------------------------------------------------------- swa_utils
@pytest.mark.parametrize("mode", ["swa", "ema_multi", "ema", "buffers"])
def test_averaged_model_matches_torch(mode):
    out = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
        model.double()
        model.register_buffer("count", lib.zeros((), dtype=lib.float64))
        su = lib.optim.swa_utils
        kw = {"swa": {}, "ema_multi": dict(multi_avg_fn=su.get_ema_multi_avg_fn(0.9)),
              "ema": dict(avg_fn=su.get_ema_avg_fn(0.8)), "buffers": dict(use_buffers=True)}[mode]
        avg = su.AveragedModel(model, **kw)
        rng = np.random.default_rng(5)
        for _ in range(4):
            with lib.no_grad():
                for p in model.parameters():
                    p.add_(lib.from_numpy(rng.standard_normal(tuple(p.shape))))
                model.count += 1
            avg.update_parameters(model)
        x = lib.from_numpy(rng.standard_normal((2, 3)))
        out.append((list(avg.state_dict()), [v.detach().numpy().copy()
                                             for v in avg.state_dict().values()],
                    avg(x).detach().numpy()))
    assert out[0][0] == out[1][0]
    for a, b in zip(out[0][1], out[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out[0][2], out[1][2], rtol=1e-12)


def test_averaged_model_errors():
    for lib in (ember, torch):
        f = lib.optim.swa_utils.get_swa_avg_fn()
        with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
            lib.optim.swa_utils.AveragedModel(lib.nn.Linear(1, 1), avg_fn=f,
                                              multi_avg_fn=lambda *a: None)
    _errors(lambda lib: lib.optim.swa_utils.get_ema_avg_fn(1.5))
    _errors(lambda lib: lib.optim.swa_utils.get_ema_multi_avg_fn(-0.1))


def test_update_bn_matches_torch():
    if not hasattr(ember.nn, "BatchNorm1d"):
        pytest.skip("BatchNorm1d not in ember yet")
    out = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4, momentum=0.3))
        model.double().eval()
        rng = np.random.default_rng(2)
        loader = [(lib.from_numpy(rng.standard_normal((5, 3))), 0) for _ in range(3)]
        lib.optim.swa_utils.update_bn(loader, model)
        bn = model[1]
        out.append((bn.running_mean.numpy().copy(), bn.running_var.numpy().copy(),
                    int(bn.num_batches_tracked), bn.momentum, model.training))
    for a, b in zip(out[0][:2], out[1][:2]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert out[0][2:] == out[1][2:]
