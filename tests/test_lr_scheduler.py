"""Learning-rate schedulers against PyTorch: the lr (and momentum / beta1) of every param group
after each epoch, get_last_lr, the closed forms behind step(epoch), state_dict contents and
round trips, chaining and sequencing, warnings and errors."""
import math
import pickle
import warnings

import pytest

import ember
import torch
from oracle import normalize_message

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

EPOCHS = 25


def make_opt(lib, kind="SGD", groups=2):
    ps = [lib.nn.Parameter(lib.zeros(2, dtype=lib.float64)) for _ in range(groups)]
    spec = [{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(ps)]
    if kind == "SGD":
        return lib.optim.SGD(spec, lr=0.1, momentum=0.9), ps
    return getattr(lib.optim, kind)(spec, lr=0.1), ps


def sched_factory(name, kw):
    def build(lib, opt):
        S = lib.optim.lr_scheduler
        if name == "Sequential":
            return S.SequentialLR(opt, [S.ConstantLR(opt, factor=0.5, total_iters=3),
                                        S.ExponentialLR(opt, gamma=0.9),
                                        S.StepLR(opt, step_size=2, gamma=0.5)],
                                  milestones=[4, 9])
        if name == "Chained":
            return S.ChainedScheduler([S.ConstantLR(opt, factor=0.5, total_iters=3),
                                       S.ExponentialLR(opt, gamma=0.9),
                                       S.CosineAnnealingLR(opt, T_max=7)])
        if name == "SequentialWarmupCosine":
            return S.SequentialLR(opt, [S.LinearLR(opt, start_factor=0.1, total_iters=5),
                                        S.CosineAnnealingLR(opt, T_max=10, eta_min=1e-3)],
                                  milestones=[5])
        return getattr(S, name)(opt, **kw)
    return build


def group_values(opt):
    out = []
    for g in opt.param_groups:
        row = {"lr": g["lr"]}
        for k in ("momentum", "betas", "initial_lr", "max_lr", "min_lr", "max_momentum",
                  "base_momentum"):
            if k in g:
                row[k] = g[k]
        out.append(row)
    return out


def same_value(e, t, where):
    if isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t), f"{where}: {e!r} != {t!r}"
        for i, (a, b) in enumerate(zip(e, t)):
            same_value(a, b, f"{where}[{i}]")
    elif isinstance(t, dict):
        assert list(e) == list(t), f"{where}: keys {list(e)} != {list(t)}"
        for k in t:
            same_value(e[k], t[k], f"{where}[{k!r}]")
    elif isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), where
        assert abs(e.item() - t.item()) <= 1e-12 * max(1, abs(t.item())), f"{where}: {e} != {t}"
    elif isinstance(t, float):
        assert isinstance(e, float) and (e == t or abs(e - t) <= 1e-12 * max(1, abs(t))
                                         or (math.isinf(t) and e == t)), f"{where}: {e} != {t}"
    elif callable(t) and not isinstance(t, type):
        assert callable(e), where
    else:
        assert type(e) is type(t) and e == t, f"{where}: {e!r} != {t!r}"


def run(lib, build, kind, epochs=EPOCHS, metrics=None):
    opt, _ = make_opt(lib, kind)
    sched = build(lib, opt)
    trace = [(sched.get_last_lr(), group_values(opt))]
    for e in range(epochs):
        opt.step()
        if metrics is not None:
            sched.step(metrics[e])
        else:
            sched.step()
        trace.append((list(sched.get_last_lr()), group_values(opt)))
    return opt, sched, trace


SCHEDULERS = [
    ("LambdaLR", dict(lr_lambda=lambda e: 0.95 ** e), "SGD"),
    ("LambdaLR", dict(lr_lambda=[lambda e: 1 / (e + 1), lambda e: 0.5]), "SGD"),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.9), "SGD"),
    ("StepLR", dict(step_size=4, gamma=0.3), "SGD"),
    ("MultiStepLR", dict(milestones=[3, 7, 7, 15], gamma=0.5), "SGD"),
    ("ConstantLR", dict(factor=0.25, total_iters=6), "SGD"),
    ("LinearLR", dict(start_factor=0.2, end_factor=0.9, total_iters=8), "SGD"),
    ("ExponentialLR", dict(gamma=0.93), "Adam"),
    ("PolynomialLR", dict(total_iters=10, power=2.0), "SGD"),
    ("CosineAnnealingLR", dict(T_max=6, eta_min=0.01), "SGD"),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001), "SGD"),
    ("CosineAnnealingWarmRestarts", dict(T_0=4), "SGD"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4), "SGD"),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3, step_size_down=5,
                      mode="triangular2"), "SGD"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.9),
     "Adam"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, cycle_momentum=False,
                      scale_fn=lambda x: 0.5 ** x, scale_mode="iterations"), "Adagrad"),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=EPOCHS), "SGD"),
    ("OneCycleLR", dict(max_lr=[0.5, 1.0], epochs=5, steps_per_epoch=5, pct_start=0.4,
                        anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0),
     "Adam"),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=EPOCHS, three_phase=True,
                        base_momentum=0.8, max_momentum=0.9), "SGD"),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=EPOCHS, cycle_momentum=False), "Adagrad"),
    ("Sequential", {}, "SGD"),
    ("SequentialWarmupCosine", {}, "SGD"),
    ("Chained", {}, "SGD"),
]


@pytest.mark.parametrize("name,kw,kind", SCHEDULERS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(SCHEDULERS)])
def test_schedule_matches_torch(name, kw, kind):
    build = sched_factory(name, kw)
    _, es, etrace = run(ember, build, kind)
    _, ts, ttrace = run(torch, build, kind)
    same_value(etrace, ttrace, "trace")
    same_value(es.state_dict(), ts.state_dict(), "state_dict")


PLATEAU = [
    dict(),
    dict(mode="max", factor=0.5, patience=2, threshold=0.05, threshold_mode="abs"),
    dict(patience=1, cooldown=2, min_lr=0.02),
    dict(patience=0, min_lr=[0.05, 0.001], eps=1e-3, threshold=0.1),
]


@pytest.mark.parametrize("kw", PLATEAU)
def test_reduce_lr_on_plateau(kw):
    metrics = [1.0, 0.9, 0.95, 0.95, 0.97, 0.8, 0.81, 0.81, 0.82, 0.7, 0.7, 0.7, 0.71, 0.72,
               0.5, 0.5, 0.5, 0.5, 0.5, 0.49, 0.4, 0.41, 0.42, 0.43, 0.44]
    build = sched_factory("ReduceLROnPlateau", kw)
    _, es, etrace = run(ember, build, "SGD", metrics=metrics)
    _, ts, ttrace = run(torch, build, "SGD", metrics=metrics)
    same_value(etrace, ttrace, "trace")
    same_value(es.state_dict(), ts.state_dict(), "state_dict")


CLOSED = [("StepLR", dict(step_size=3, gamma=0.5)),
          ("MultiStepLR", dict(milestones=[2, 5, 5], gamma=0.5)),
          ("ConstantLR", dict(factor=0.5, total_iters=4)),
          ("LinearLR", dict(start_factor=0.5, total_iters=4)),
          ("ExponentialLR", dict(gamma=0.9)),
          ("PolynomialLR", dict(total_iters=6, power=0.5)),
          ("CosineAnnealingLR", dict(T_max=5)),
          ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2)),
          ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e)))]


@pytest.mark.parametrize("name,kw", CLOSED, ids=[c[0] for c in CLOSED])
def test_step_with_epoch_uses_closed_form(name, kw):
    out = []
    for lib in (ember, torch):
        opt, _ = make_opt(lib)
        s = sched_factory(name, kw)(lib, opt)
        lrs = []
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            for epoch in [3, 1, 7, 4.5 if name == "CosineAnnealingWarmRestarts" else 4, 12, 0]:
                opt.step()
                s.step(epoch)
                lrs.append(s.get_last_lr())
        out.append((lrs, [normalize_message(str(x.message)) for x in w]))
    same_value(out[0][0], out[1][0], "lrs")
    assert out[0][1] == out[1][1]


def warnings_of(fn):
    got = []
    for lib in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            fn(lib)
        got.append([(x.category.__name__, normalize_message(str(x.message))) for x in w])
    assert got[0] == got[1], f"\nember: {got[0]}\ntorch: {got[1]}"
    return got[1]


def test_warning_scheduler_step_before_optimizer_step():
    def fn(lib):
        opt, _ = make_opt(lib)
        s = lib.optim.lr_scheduler.StepLR(opt, 2)
        s.step()
        s.step()
    w = warnings_of(fn)
    assert len(w) == 1 and "before `optimizer.step()`" in w[0][1]


def test_no_warning_in_the_right_order_and_optimizer_override_warning():
    def right(lib):
        opt, _ = make_opt(lib)
        s = lib.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        opt.step()
        s.step()
    assert warnings_of(right) == []

    def overridden(lib):
        opt, _ = make_opt(lib)
        s = lib.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        opt.step = lambda *a, **k: None
        opt.step()
        s.step()
    w = warnings_of(overridden)
    assert len(w) == 1 and "has been overridden" in w[0][1]


def test_get_lr_outside_step_warns():
    def fn(lib):
        opt, _ = make_opt(lib)
        s = lib.optim.lr_scheduler.StepLR(opt, 2)
        return s.get_lr()
    assert "please use `get_last_lr()`" in warnings_of(fn)[0][1]


def test_state_dict_round_trip_resumes_the_schedule():
    out = []
    for lib in (ember, torch):
        opt, _ = make_opt(lib)
        S = lib.optim.lr_scheduler
        s = S.OneCycleLR(opt, max_lr=0.5, total_steps=20)
        for _ in range(7):
            opt.step()
            s.step()
        sd = pickle.loads(pickle.dumps(s.state_dict()))
        osd = opt.state_dict()
        opt2, _ = make_opt(lib)
        opt2.load_state_dict(osd)
        s2 = S.OneCycleLR(opt2, max_lr=0.5, total_steps=20, last_epoch=6)
        s2.load_state_dict(sd)
        lrs = []
        for _ in range(5):
            opt2.step()
            s2.step()
            lrs.append(s2.get_last_lr())
        out.append(lrs)
    same_value(out[0], out[1], "lrs")


def test_lambda_state_dict_keeps_callable_objects_state():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, e):
            return self.rate ** e
    out = []
    for lib in (ember, torch):
        opt, _ = make_opt(lib)
        s = lib.optim.lr_scheduler.LambdaLR(opt, [Decay(), lambda e: 1.0])
        sd = s.state_dict()
        out.append([dict(d) if d is not None else None for d in sd["lr_lambdas"]])
        sd["lr_lambdas"][0]["rate"] = 0.25
        s.load_state_dict(sd)
        out.append(s.lr_lambdas[0].rate)
    assert out[0] == out[2] == [{"rate": 0.5}, None]
    assert out[1] == out[3] == 0.25


def test_tensor_lr_is_updated_in_place():
    out = []
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.zeros(2, dtype=lib.float64))
        lr = lib.tensor(0.5, dtype=lib.float64)
        opt = lib.optim.SGD([p], lr=lr)
        s = lib.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        opt.step()
        s.step()
        out.append((lr.item(), opt.param_groups[0]["lr"] is lr,
                    isinstance(s.get_last_lr()[0], lib.Tensor), s.get_last_lr()[0].item()))
    assert out[0] == out[1]


def errors(fn):
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


@pytest.mark.parametrize("make", [
    lambda lib, o: lib.optim.lr_scheduler.StepLR(object(), 2),
    lambda lib, o: lib.optim.lr_scheduler.StepLR(o, 2, last_epoch=3),
    lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, [lambda e: 1.0]),
    lambda lib, o: lib.optim.lr_scheduler.MultiplicativeLR(o, 0.5),
    lambda lib, o: lib.optim.lr_scheduler.ConstantLR(o, factor=1.5),
    lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, start_factor=0),
    lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, end_factor=2),
    lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5),
    lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 2, eta_min="x"),
    lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 2).step(-1),
    lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.1, 1.0, mode="sine"),
    lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, [0.1], 1.0),
    lambda lib, o: lib.optim.lr_scheduler.CyclicLR(
        lib.optim.Adagrad(o.param_groups[0]["params"]), 0.1, 1.0),
    lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 1.0),
    lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=0),
    lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 1.0, epochs=2, steps_per_epoch=-1),
    lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=5, pct_start=1),
    lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=5,
                                                     anneal_strategy="exp"),
    lambda lib, o: [s.step() for s in [lib.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=2)]
                    for _ in range(3)],
    lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, factor=1.0),
    lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, mode="best"),
    lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, threshold_mode="pct"),
    lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1, 0.2, 0.3]),
    lambda lib, o: lib.optim.lr_scheduler.SequentialLR(o, [], milestones=[]),
    lambda lib, o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.StepLR(o, 2)], milestones=[3]),
    lambda lib, o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.ReduceLROnPlateau(o)], milestones=[]),
    lambda lib, o: lib.optim.lr_scheduler.ChainedScheduler([]),
    lambda lib, o: lib.optim.lr_scheduler.ChainedScheduler([1]),
])
def test_errors_match_torch(make):
    errors(lambda lib: make(lib, make_opt(lib)[0]))


def test_reduce_lr_on_plateau_added_group_without_default_min_lr():
    def fn(lib):
        opt, _ = make_opt(lib)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
        opt.add_param_group({"params": [lib.nn.Parameter(lib.zeros(1))]})
        s.step(1.0)
        s.step(2.0)
    assert "differs from when `ReduceLROnPlateau` was initialized" in errors(fn)[1]


def test_scheduler_classes_and_names():
    for name in ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
                 "LinearLR", "ExponentialLR", "SequentialLR", "CosineAnnealingLR",
                 "ChainedScheduler", "ReduceLROnPlateau", "CyclicLR",
                 "CosineAnnealingWarmRestarts", "OneCycleLR", "PolynomialLR", "LRScheduler"]:
        e, t = getattr(ember.optim.lr_scheduler, name), getattr(torch.optim.lr_scheduler, name)
        assert [c.__name__ for c in e.__mro__ if not c.__name__.startswith("_")] == \
            [c.__name__ for c in t.__mro__ if c.__name__ not in ("Generic",)
             and not c.__name__.startswith("_")]
    assert issubclass(ember.optim.lr_scheduler._LRScheduler, ember.optim.lr_scheduler.LRScheduler)


@pytest.mark.parametrize("kw", [dict(swa_lr=0.05, anneal_epochs=5),
                                dict(swa_lr=[0.05, 0.01], anneal_epochs=3,
                                     anneal_strategy="linear"),
                                dict(swa_lr=0.05, anneal_epochs=0)])
def test_swalr_matches_torch(kw):
    def build(lib, opt):
        return lib.optim.swa_utils.SWALR(opt, **kw)
    _, es, etrace = run(ember, build, "SGD", epochs=10)
    _, ts, ttrace = run(torch, build, "SGD", epochs=10)
    same_value(etrace, ttrace, "trace")
    same_value(es.state_dict(), ts.state_dict(), "state_dict")


def test_swalr_after_cosine_then_state_round_trip():
    out = []
    for lib in (ember, torch):
        opt, _ = make_opt(lib)
        S, W = lib.optim.lr_scheduler, lib.optim.swa_utils
        cos = S.CosineAnnealingLR(opt, T_max=10)
        swa = W.SWALR(opt, swa_lr=0.02, anneal_epochs=4, anneal_strategy="linear")
        lrs = []
        for epoch in range(12):
            opt.step()
            (cos if epoch < 5 else swa).step()
            lrs.append([g["lr"] for g in opt.param_groups])
        sd = swa.state_dict()
        swa2 = W.SWALR(opt, swa_lr=0.5)
        swa2.load_state_dict(sd)
        out.append((lrs, swa2.anneal_func(0.25), swa2.anneal_epochs))
    same_value(out[0], out[1], "run")


@pytest.mark.parametrize("make", [
    lambda lib, o: lib.optim.swa_utils.SWALR(o, swa_lr=0.1, anneal_strategy="exp"),
    lambda lib, o: lib.optim.swa_utils.SWALR(o, swa_lr=0.1, anneal_epochs=-1),
    lambda lib, o: lib.optim.swa_utils.SWALR(o, swa_lr=[0.1]),
])
def test_swalr_errors(make):
    errors(lambda lib: make(lib, make_opt(lib)[0]))
