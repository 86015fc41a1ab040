"""optim.Adafactor against PyTorch: parameters after several steps for 0-d to 3-d parameters,
every option, state_dict layout and values, constructor errors, complex parameters."""
import numpy as np
import pytest

import ember
import torch
from oracle import assert_same, check_same

rng = np.random.default_rng(6)
SHAPES = [(3, 4), (5,), (2, 3, 4), (), (1, 6)]
WEIGHTS = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]


def run(m, steps=6, dtype="float32", **kw):
    ps = [m.nn.Parameter(m.tensor(w, dtype=getattr(m, dtype))) for w in WEIGHTS]
    opt = m.optim.Adafactor(ps, **kw)
    for _ in range(steps):
        opt.zero_grad()
        loss = sum(((p - 0.3) ** 2).sum() * (i + 1) for i, p in enumerate(ps))
        loss.backward()
        opt.step()
    return [p.detach() for p in ps], opt.state_dict()


def same_state(e, t):
    assert list(e["state"]) == list(t["state"])
    for k in t["state"]:
        assert list(e["state"][k]) == list(t["state"][k])
        for name in t["state"][k]:
            assert_same(e["state"][k][name], t["state"][k][name], where=f"{k}.{name}",
                        rtol=1e-5, atol=1e-6)
    ge, gt = e["param_groups"], t["param_groups"]
    assert [sorted(g) for g in ge] == [sorted(g) for g in gt]
    assert [{k: v for k, v in g.items() if k != "lr"} for g in ge] == \
        [{k: v for k, v in g.items() if k != "lr"} for g in gt]


@pytest.mark.parametrize("kw", [{}, {"lr": 0.05}, {"weight_decay": 0.1, "lr": 0.02},
                                {"maximize": True}, {"eps": (1e-4, 1e-2)}, {"d": 2.0},
                                {"beta2_decay": -0.5}, {"lr": 0.3}])
def test_adafactor_steps(kw):
    e, t = run(ember, **kw), run(torch, **kw)
    assert_same(e[0], t[0], rtol=1e-5, atol=1e-6)
    same_state(e[1], t[1])


def test_adafactor_float64_and_tensor_lr():
    e, t = run(ember, dtype="float64"), run(torch, dtype="float64")
    assert_same(e[0], t[0], rtol=1e-12, atol=1e-12)
    e = run(ember, lr=ember.tensor(0.05))
    t = run(torch, lr=torch.tensor(0.05))
    assert_same(e[0], t[0], rtol=1e-5, atol=1e-6)


def test_adafactor_state_dict_roundtrip():
    e, t = run(ember, steps=2), run(torch, steps=2)
    for m, (params, sd) in ((ember, e), (torch, t)):
        ps = [m.nn.Parameter(p.clone()) for p in params]
        opt = m.optim.Adafactor(ps)
        opt.load_state_dict(sd)
        assert list(opt.state_dict()["state"][0]) == ["step", "row_var", "col_var"]
        assert list(opt.state_dict()["state"][1]) == ["step", "variance"]


@pytest.mark.parametrize("kw", [{"lr": -1.}, {"beta2_decay": 0.5}, {"eps": (-1., 1e-3)},
                                {"eps": (None, -1.)}, {"d": 0.5}, {"weight_decay": -1.}])
def test_adafactor_errors(kw):
    check_same(lambda m: m.optim.Adafactor([m.nn.Parameter(m.ones(2))], **kw))
    check_same(lambda m: m.optim.Adafactor([m.nn.Parameter(m.ones(2))],
                                           lr=m.tensor([0.1, 0.2])))


def test_adafactor_complex():
    def fn(m):
        p = m.nn.Parameter(m.ones(2, dtype=m.complex64))
        opt = m.optim.Adafactor([p])
        p.grad = m.ones(2, dtype=m.complex64)
        opt.step()
    check_same(fn)
