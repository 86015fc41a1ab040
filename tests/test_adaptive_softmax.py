"""nn.AdaptiveLogSoftmaxWithLoss and the deprecated nn.Container against PyTorch: printout,
state_dict layout, seeded initialisation, forward output/loss, gradients, log_prob, predict,
unbatched input, errors."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import assert_same, check_same, normalize_message

rng = np.random.default_rng(5)


def make_pair(*args, **kw):
    out = []
    for m in (ember, torch):
        m.manual_seed(11)
        out.append(m.nn.AdaptiveLogSoftmaxWithLoss(*args, **kw))
    return out


CONFIGS = [((16, 20, [4, 10]), {}), ((16, 20, [4, 10, 15]), {"div_value": 2.0}),
           ((8, 10, [5]), {"head_bias": True}), ((32, 100, [10, 50]), {"div_value": 3.})]


@pytest.mark.parametrize("args,kw", CONFIGS)
def test_structure_and_seeded_init(args, kw):
    e, t = make_pair(*args, **kw)
    assert repr(e) == repr(t)
    sd_e, sd_t = e.state_dict(), t.state_dict()
    assert list(sd_e) == list(sd_t)
    for k in sd_t:
        assert_same(sd_e[k], sd_t[k], where=k)
    assert (e.shortlist_size, e.n_clusters, e.head_size, e.cutoffs) == \
        (t.shortlist_size, t.n_clusters, t.head_size, t.cutoffs)


@pytest.mark.parametrize("args,kw", CONFIGS)
def test_forward_backward_log_prob_predict(args, kw):
    e, t = make_pair(*args, **kw)
    n_in, n_classes = args[0], args[1]
    x = rng.standard_normal((7, n_in)).astype(np.float32)
    target = rng.integers(0, n_classes, 7)
    target[0], target[1] = 0, n_classes - 1
    res = []
    for m, mod in ((ember, e), (torch, t)):
        xi = m.tensor(x, requires_grad=True)
        out = mod(xi, m.tensor(target))
        out.loss.backward()
        res.append((out.output, out.loss, xi.grad, mod.head.weight.grad,
                    mod.tail[0][1].weight.grad, mod.log_prob(m.tensor(x)),
                    mod.predict(m.tensor(x)), type(out).__name__, out._fields))
    assert_same(res[0], res[1], check_strides=False, rtol=1e-4, atol=1e-5)


def test_unbatched_and_predict_branches():
    e, t = make_pair(6, 10, [3, 6])
    x = rng.standard_normal((6,)).astype(np.float32)
    outs = [tuple(mod(m.tensor(x), m.tensor(7))) for m, mod in ((ember, e), (torch, t))]
    assert_same(outs[0], outs[1], rtol=1e-4, atol=1e-5)
    for scale in (0., 50., -50.):
        xs = rng.standard_normal((5, 6)).astype(np.float32)
        preds = []
        for m, mod in ((ember, e), (torch, t)):
            with m.no_grad():
                mod.head.weight[3:] += scale
                preds.append(mod.predict(m.tensor(xs)))
        assert_same(preds[0], preds[1])


@pytest.mark.parametrize("fn", [
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, []),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [5, 3]),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [0, 3]),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 10]),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 3]),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [2.5]),
])
def test_constructor_errors(fn):
    check_same(fn)


@pytest.mark.parametrize("fn", [
    lambda m, mod: mod(m.zeros(3, 4), m.tensor([0, 1])),
    lambda m, mod: mod(m.zeros(3, 4, 1), m.tensor([0, 1, 2])),
    lambda m, mod: mod(m.zeros(3, 4), m.tensor(1)),
    lambda m, mod: mod(m.zeros(3, 4), m.zeros(3, 1, dtype=m.long)),
    lambda m, mod: mod(m.zeros(3, 4), m.tensor([0, 1, 12])),
    lambda m, mod: mod(m.zeros(3, 4), m.tensor([0, -1, 2])),
])
def test_forward_errors(fn):
    got = []
    for m in (ember, torch):
        m.manual_seed(0)
        mod = m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 6])
        try:
            fn(m, mod)
            got.append(None)
        except Exception as e:  # noqa: BLE001 - compared below
            got.append((type(e).__name__, normalize_message(str(e))))
    assert got[0] == got[1]


def test_container():
    got = []
    for m in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m.manual_seed(0)
            c = m.nn.Container(a=m.nn.Linear(2, 3), b=m.nn.ReLU())
        got.append((repr(c), list(c.state_dict()), [(x.category.__name__, str(x.message))
                                                    for x in w],
                    isinstance(c, m.nn.Module), c.a.weight.detach().numpy().tolist()))
    assert got[0] == got[1]
