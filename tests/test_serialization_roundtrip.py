"""Checkpoints of every nn layer family, optimizers and lr schedulers go ember -> PyTorch ->
ember and PyTorch -> ember -> PyTorch unchanged (values, dtypes, keys, `_metadata`), load into
the other library's module, and give byte-identical files; whole modules with
weights_only=False; shared views and every dtype in one state dict."""
import pickle

import numpy as np
import pytest
import torch

import ember
from test_serialization import DTYPES, eload, esave, make, same, sharing, tload, tsave

# (name, constructor taking the library) for every layer family ember.nn has
FAMILIES = {
    "Linear": lambda nn: nn.Linear(4, 3),
    "Bilinear": lambda nn: nn.Bilinear(2, 3, 4),
    "Conv1d": lambda nn: nn.Conv1d(2, 3, 3, groups=1, bias=False),
    "Conv2d": lambda nn: nn.Conv2d(4, 6, (3, 2), groups=2),
    "Conv3d": lambda nn: nn.Conv3d(1, 2, 2),
    "ConvTranspose2d": lambda nn: nn.ConvTranspose2d(3, 2, 3, stride=2),
    "BatchNorm1d": lambda nn: nn.BatchNorm1d(3),
    "BatchNorm2d": lambda nn: nn.BatchNorm2d(4, affine=False),
    "BatchNorm3d": lambda nn: nn.BatchNorm3d(2, track_running_stats=False),
    "LayerNorm": lambda nn: nn.LayerNorm((2, 3)),
    "GroupNorm": lambda nn: nn.GroupNorm(2, 4),
    "InstanceNorm2d": lambda nn: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
    "RMSNorm": lambda nn: nn.RMSNorm(5),
    "PReLU": lambda nn: nn.PReLU(3),
    "Embedding": lambda nn: nn.Embedding(10, 4, padding_idx=1),
    "EmbeddingBag": lambda nn: nn.EmbeddingBag(6, 3),
    "RNN": lambda nn: nn.RNN(3, 4, num_layers=2),
    "LSTM": lambda nn: nn.LSTM(3, 4, bidirectional=True, proj_size=2),
    "GRU": lambda nn: nn.GRU(2, 3, batch_first=True),
    "LSTMCell": lambda nn: nn.LSTMCell(2, 3),
    "MultiheadAttention": lambda nn: nn.MultiheadAttention(8, 2, kdim=4, vdim=6),
    "TransformerEncoderLayer": lambda nn: nn.TransformerEncoderLayer(8, 2, 16),
    "Transformer": lambda nn: nn.Transformer(8, 2, 1, 1, 16),
    "Sequential": lambda nn: nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(),
                                           nn.Flatten(), nn.Linear(2, 2)),
}


def randomize(state, seed):
    """Give every floating tensor of a torch state dict distinct random values (buffers such as
    num_batches_tracked get a count), so nothing passes by being the default init."""
    g = torch.Generator().manual_seed(seed)
    for v in state.values():
        if v.is_floating_point():
            v.copy_(torch.randn(v.shape, generator=g))
        else:
            v.fill_(7)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_layer_state_dict_torch_to_ember_to_torch(family):
    tm = FAMILIES[family](torch.nn)
    with torch.no_grad():
        randomize(tm.state_dict(), seed=len(family))
    ref = tm.state_dict()
    em = FAMILIES[family](ember.nn)
    loaded = eload(tsave(ref))
    same(loaded, ref)                                   # values, keys, _metadata
    em.load_state_dict(loaded)                          # strict: same keys and shapes
    same(em.state_dict(), ref)
    data = esave(em.state_dict())
    assert data == tsave(ref)                           # byte for byte as torch.save
    back = FAMILIES[family](torch.nn)
    back.load_state_dict(tload(data))
    same(em.state_dict(), back.state_dict())


@pytest.mark.parametrize("family", list(FAMILIES))
def test_layer_state_dict_ember_to_torch_to_ember(family):
    ember.manual_seed(len(family))
    em = FAMILIES[family](ember.nn)
    tm = FAMILIES[family](torch.nn)
    tm.load_state_dict(tload(esave(em.state_dict())))
    same(em.state_dict(), tm.state_dict())
    back = eload(tsave(tm.state_dict()))
    fresh = FAMILIES[family](ember.nn)
    fresh.load_state_dict(back)
    same(fresh.state_dict(), tm.state_dict())


def test_loaded_weights_compute_the_same():
    torch.manual_seed(0)
    tm = torch.nn.LSTM(3, 4, num_layers=2)
    em = ember.nn.LSTM(3, 4, num_layers=2)
    em.load_state_dict(eload(tsave(tm.state_dict())))
    x = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    te, _ = tm(torch.from_numpy(x))
    ee, _ = em(ember.from_numpy(x))
    np.testing.assert_allclose(ee.detach().numpy(), te.detach().numpy(), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------- optim
OPTIMIZERS = {
    "SGD_momentum": lambda o, p: o.SGD(p, lr=0.1, momentum=0.9, nesterov=True,
                                       weight_decay=0.01),
    "Adam": lambda o, p: o.Adam(p, lr=0.01, betas=(0.8, 0.99), amsgrad=True),
    "AdamW": lambda o, p: o.AdamW(p, lr=0.01),
    "RMSprop": lambda o, p: o.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
}


def twin_models():
    torch.manual_seed(1)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    em = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Tanh(), ember.nn.Linear(4, 1))
    em.load_state_dict(eload(tsave(tm.state_dict())))
    return em, tm


def train_steps(lib, model, opt, steps, seed, sched=None):
    x = np.random.default_rng(seed).standard_normal((6, 3)).astype(np.float32)
    for _ in range(steps):
        opt.zero_grad()
        model(lib.from_numpy(x)).pow(2).mean().backward()
        opt.step()
        if sched is not None:
            sched.step()


def assert_params_close(em, tm):
    for (ke, e), (kt, t) in zip(em.state_dict().items(), tm.state_dict().items()):
        assert ke == kt
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_state_dict_both_ways(name):
    make_opt = OPTIMIZERS[name]
    em, tm = twin_models()
    eo, to = make_opt(ember.optim, em.parameters()), make_opt(torch.optim, tm.parameters())
    train_steps(ember, em, eo, 2, 0)
    train_steps(torch, tm, to, 2, 0)
    # torch -> ember: the saved state continues training in ember exactly as in torch
    t_sd = to.state_dict()
    e_from_t = eload(tsave(t_sd))
    same(e_from_t, t_sd)
    em2, tm2 = twin_models()
    em2.load_state_dict(eload(tsave(tm.state_dict())))
    eo2 = make_opt(ember.optim, em2.parameters())
    eo2.load_state_dict(e_from_t)
    train_steps(ember, em2, eo2, 2, 1)
    train_steps(torch, tm, to, 2, 1)
    assert_params_close(em2, tm)
    # ember -> torch: same layout and bytes as torch's own state dict
    e_sd = eo2.state_dict()
    t_sd = to.state_dict()
    out = tload(esave(e_sd))
    assert out["param_groups"] == t_sd["param_groups"]
    assert list(out["state"]) == list(t_sd["state"])
    for k in t_sd["state"]:
        assert list(out["state"][k]) == list(t_sd["state"][k])
        for field, v in t_sd["state"][k].items():
            if isinstance(v, torch.Tensor):
                assert out["state"][k][field].dtype == v.dtype
                np.testing.assert_allclose(out["state"][k][field].numpy(), v.numpy(),
                                           rtol=1e-5, atol=1e-6)
            else:
                assert out["state"][k][field] == v
    tm3 = twin_models()[1]
    tm3.load_state_dict(tload(esave(em2.state_dict())))
    to3 = make_opt(torch.optim, tm3.parameters())
    to3.load_state_dict(out)
    em3 = em2
    train_steps(torch, tm3, to3, 1, 2)
    train_steps(ember, em3, eo2, 1, 2)
    assert_params_close(em3, tm3)


SCHEDULERS = {
    "StepLR": lambda s, o: s.StepLR(o, step_size=2, gamma=0.5),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=5),
    "OneCycleLR": lambda s, o: s.OneCycleLR(o, max_lr=0.5, total_steps=10),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, milestones=[1, 3], gamma=0.1),
    "ReduceLROnPlateau": lambda s, o: s.ReduceLROnPlateau(o, patience=0),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_state_dict_both_ways(name):
    make_sched = SCHEDULERS[name]

    def run(lib, steps, state=None):
        p = [lib.nn.Parameter(lib.ones(2))]
        opt = lib.optim.SGD(p, lr=0.1, momentum=0.9)
        sched = make_sched(lib.optim.lr_scheduler, opt)
        if state is not None:
            sched.load_state_dict(state)
        for i in range(steps):
            opt.step()
            sched.step(1.0) if name == "ReduceLROnPlateau" else sched.step()
        return sched

    es_, ts_ = run(ember, 3), run(torch, 3)
    e_sd, t_sd = es_.state_dict(), ts_.state_dict()
    same(eload(tsave(t_sd)), t_sd)
    assert tload(esave(e_sd)) == t_sd
    # each library picks up where the other left off
    e_next = run(ember, 2, eload(tsave(t_sd))).state_dict()
    t_next = run(torch, 2, tload(esave(e_sd))).state_dict()
    assert tload(esave(e_next)) == t_next


# ---------------------------------------------------------------------------- corpus
def test_one_state_dict_with_every_dtype_and_shared_views():
    def build(lib):
        base = lib.arange(12.).reshape(3, 4)
        sd = {f"t_{n}": make(lib, n, (2, 3), i) for i, n in enumerate(DTYPES)}
        sd.update(base=base, row=base[1], col=base[:, 2], tr=base.t(), scalar=base[2, 3])
        return sd
    e_sd, t_sd = build(ember), build(torch)
    names = ["base", "row", "col", "tr", "scalar"]
    assert esave(e_sd) == tsave(t_sd)
    into_torch, into_ember = tload(esave(e_sd)), eload(tsave(t_sd))
    same(e_sd, into_torch)
    same(into_ember, t_sd)
    for out in (into_torch, into_ember):
        assert sharing([out[n] for n in names]) == [[True] * 5 for _ in names]
    # twice across: ember -> torch -> ember and torch -> ember -> torch
    same(eload(tsave(into_torch)), t_sd)
    same(into_ember, tload(esave(into_ember)))


# ---------------------------------------------------------------------------- whole modules
def test_whole_module_ember_to_ember_and_torch_to_ember():
    ember.manual_seed(0)
    em = ember.nn.Sequential(ember.nn.Conv2d(1, 2, 3), ember.nn.BatchNorm2d(2),
                             ember.nn.LSTM(2, 3), ember.nn.Linear(3, 1))
    out = eload(esave(em), weights_only=False)
    assert type(out) is ember.nn.Sequential and repr(out) == repr(em)
    same(out.state_dict(), tload(esave(em.state_dict())))
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        eload(esave(em))
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2),
                             torch.nn.LSTM(2, 3), torch.nn.Linear(3, 1))
    mine = eload(tsave(tm), weights_only=False)
    assert type(mine) is ember.nn.Sequential
    assert [type(m).__name__ for m in mine] == [type(m).__name__ for m in tm]
    assert isinstance(mine[2], ember.nn.LSTM)
    same(mine.state_dict(), tm.state_dict())
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(mine[3](ember.from_numpy(x)).detach().numpy(),
                               tm[3](torch.from_numpy(x)).detach().numpy(), rtol=1e-6)
