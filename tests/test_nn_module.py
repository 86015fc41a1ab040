"""nn.Module machinery, containers, init and the first layers against PyTorch."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import ember
import torch
from oracle import normalize_message


def both(fn):
    """Run ``fn(m)`` with m = ember and m = torch; return both results (or exceptions)."""
    out = []
    for m in (ember, torch):
        try:
            out.append(fn(m))
        except Exception as e:  # noqa: BLE001
            out.append(e)
    return out


def same_text(fn):
    e, t = both(fn)
    if isinstance(t, Exception):
        assert type(e).__name__ == type(t).__name__, (e, t)
        assert normalize_message(str(e)) == str(t)
        return
    assert not isinstance(e, Exception), e
    assert normalize_message(str(e)) == str(t), f"\nember:\n{e}\ntorch:\n{t}"


def np_of(t):
    return t.detach().numpy() if isinstance(t, (ember.Tensor, torch.Tensor)) else t


def assert_state_equal(se, st):
    assert list(se.keys()) == list(st.keys())
    for k in st:
        np.testing.assert_array_equal(np_of(se[k]), np_of(st[k]), err_msg=k)


def net(m):
    return m.nn.Sequential(m.nn.Linear(4, 8), m.nn.ReLU(),
                           m.nn.Sequential(m.nn.Linear(8, 3), m.nn.Tanh()))


class Custom:
    """Defines the same custom module for either library."""

    @staticmethod
    def build(m):
        class Block(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = m.nn.Linear(3, 2)
                self.act = m.nn.GELU()
                self.register_buffer("running", m.zeros(2))
                self.register_buffer("tmp", m.ones(1), persistent=False)
                self.scale = m.nn.Parameter(m.ones(1))
                self.layers = m.nn.ModuleList([m.nn.Linear(2, 2) for _ in range(3)])

            def forward(self, x):
                x = self.act(self.fc(x)) * self.scale
                for layer in self.layers:
                    x = layer(x)
                return x + self.running
        return Block()


# ---------------------------------------------------------------------------- printing
@pytest.mark.parametrize("build", [
    net, Custom.build,
    lambda m: m.nn.ModuleList([m.nn.Linear(2, 2) for _ in range(3)] + [m.nn.ReLU(), m.nn.ReLU()]),
    lambda m: m.nn.ModuleDict({"a": m.nn.ReLU(), "b": m.nn.Linear(1, 2, bias=False)}),
    lambda m: m.nn.ParameterList([m.nn.Parameter(m.ones(2)), m.nn.Parameter(m.ones(3, dtype=m.float64))]),
    lambda m: m.nn.ParameterDict({"a": m.nn.Parameter(m.ones(2))}),
    lambda m: m.nn.Sequential(OrderedDict([("conv", m.nn.Identity()), ("flat", m.nn.Flatten()),
                                           ("un", m.nn.Unflatten(1, (2, 5))),
                                           ("drop", m.nn.Dropout(0.2))])),
    lambda m: m.nn.Sequential(),
    lambda m: m.nn.ModuleList(),
])
def test_repr(build):
    same_text(lambda m: repr(build(m)))


ACTIVATIONS = [
    ("ReLU", ()), ("ReLU", (True,)), ("ReLU6", ()), ("LeakyReLU", ()), ("LeakyReLU", (0.2, True)),
    ("ELU", ()), ("ELU", (0.5,)), ("CELU", ()), ("SELU", ()), ("GELU", ()), ("GELU", ("tanh",)),
    ("SiLU", ()), ("Mish", ()), ("Hardsigmoid", ()), ("Hardswish", ()), ("Sigmoid", ()),
    ("Tanh", ()), ("LogSigmoid", ()), ("Softsign", ()), ("Tanhshrink", ()), ("Hardtanh", ()),
    ("Hardtanh", (-2.0, 3.0)), ("Softplus", ()), ("Softplus", (2.0, 10.0)),
    ("Threshold", (0.1, 20.0)), ("Hardshrink", ()), ("Softshrink", (0.3,)), ("PReLU", ()),
    ("PReLU", (6,)), ("GLU", (1,)), ("Softmax", (1,)), ("LogSoftmax", (1,)), ("Softmin", (1,)),
    ("Softmax2d", ()), ("Identity", ()), ("Flatten", ()), ("Dropout", ()),
]


@pytest.mark.parametrize("name,args", ACTIVATIONS, ids=lambda v: str(v))
def test_activation_modules(name, args):
    same_text(lambda m: repr(getattr(m.nn, name)(*args)))
    x = np.random.default_rng(1).standard_normal((2, 6, 3, 3)).astype(np.float32)

    def run(m):
        mod = getattr(m.nn, name)(*args).eval()
        inp = m.tensor(x, requires_grad=True)
        out = mod(inp * 1)
        out.sum().backward()
        return out.detach().numpy(), inp.grad.numpy(), type(out.grad_fn).__name__
    e, t = both(run)
    np.testing.assert_allclose(e[0], t[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e[1], t[1], rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------- registration
def test_named_members_and_state_dict():
    def run(m):
        m.manual_seed(0)
        b = Custom.build(m)
        return ([n for n, _ in b.named_parameters()], [n for n, _ in b.named_buffers()],
                [n for n, _ in b.named_modules()], [n for n, _ in b.named_children()],
                list(b.state_dict().keys()), dict(b.state_dict()._metadata),
                [n for n, _ in b.named_parameters(prefix="p", recurse=False)])
    e, t = both(run)
    assert e == t

    def states(m):
        m.manual_seed(0)
        return Custom.build(m).state_dict()
    se, st = both(states)
    assert_state_equal(se, st)


def test_shared_parameters_counted_once():
    def run(m):
        lin = m.nn.Linear(2, 2)
        s = m.nn.Sequential(lin, lin)
        return (len(list(s.parameters())), [n for n, _ in s.named_parameters()],
                [n for n, _ in s.named_parameters(remove_duplicate=False)],
                len(list(s.modules())), list(s.state_dict().keys()))
    e, t = both(run)
    assert e == t


@pytest.mark.parametrize("case", range(12))
def test_registration_errors(case):
    def run(m):
        lin = m.nn.Linear(2, 3)
        f = [
            lambda: setattr(lin, "weight", m.zeros(3, 2)),
            lambda: lin.register_buffer("weight", m.ones(1)),
            lambda: lin.register_buffer("a.b", m.ones(1)),
            lambda: lin.register_buffer("x", 5),
            lambda: lin.register_parameter("x", m.ones(1)),
            lambda: lin.add_module("", m.nn.ReLU()),
            lambda: lin.add_module("x", 5),
            lambda: lin.train("yes"),
            lambda: lin.to(m.int64),
            lambda: lin.get_submodule("a.b"),
            lambda: lin.foo,
            lambda: m.nn.Module().forward(1),
        ][case]
        return f()
    e, t = both(run)
    assert isinstance(t, Exception) and isinstance(e, Exception), (e, t)
    assert type(e).__name__ == type(t).__name__
    assert normalize_message(str(e)) == str(t)


def test_load_state_dict_errors_and_result():
    def run(m):
        lin = m.nn.Linear(2, 3)
        out = []
        try:
            lin.load_state_dict({"weight": m.zeros(3, 3), "foo": m.zeros(1)})
        except RuntimeError as err:
            out.append(str(err))
        r = lin.load_state_dict({"weight": m.zeros(3, 2), "bias": m.ones(3), "x": m.zeros(1)},
                                strict=False)
        out.append(repr(r))
        out.append(repr(lin.load_state_dict({"weight": m.ones(3, 2), "bias": m.ones(3)})))
        out.append(lin.weight.detach().numpy().tolist())
        out.append(type(lin.weight).__name__)
        return out
    e, t = both(run)
    assert [normalize_message(s) if isinstance(s, str) else s for s in e] == t


def test_load_state_dict_roundtrip_between_libraries():
    def states(m):
        m.manual_seed(3)
        return net(m).state_dict()
    se, st = both(states)
    mine = net(ember)
    mine.load_state_dict({k: ember.tensor(v.numpy()) for k, v in st.items()})
    assert_state_equal(mine.state_dict(), st)


# ---------------------------------------------------------------------------- behaviour
def test_seeded_init_forward_backward():
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)

    def run(m):
        m.manual_seed(0)
        model = net(m)
        out = model(m.tensor(x))
        out.sum().backward()
        return (out.detach().numpy(), [p.grad.numpy() for p in model.parameters()],
                type(out.grad_fn).__name__, type(model[0](m.tensor(x)).grad_fn).__name__,
                type(model[0](m.tensor(x)[None]).grad_fn).__name__)
    e, t = both(run)
    np.testing.assert_allclose(e[0], t[0], rtol=1e-5, atol=1e-6)
    for a, b in zip(e[1], t[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert e[2:] == t[2:]


def test_train_eval_zero_grad_apply_to():
    def run(m):
        m.manual_seed(0)
        model = net(m)
        out = [model.training, model.eval().training, model[2][0].training,
               model.train().training]
        model(m.ones(1, 4)).sum().backward()
        model.zero_grad(set_to_none=False)
        out.append([float(p.grad.abs().sum()) for p in model.parameters()])
        model.zero_grad()
        out.append([p.grad is None for p in model.parameters()])
        names = []
        model.apply(lambda mod: names.append(type(mod).__name__))
        out.append(names)
        w = model[0].weight
        model.double()
        out.append((str(model[0].weight.dtype).split(".")[-1], model[0].weight is w))
        model.to(m.float32)
        out.append(str(model[0].weight.dtype).split(".")[-1])
        model.requires_grad_(False)
        out.append([p.requires_grad for p in model.parameters()])
        return out
    e, t = both(run)
    assert e == t


def test_forward_hooks():
    def run(m):
        log = []
        lin = m.nn.Linear(2, 2)
        h1 = lin.register_forward_pre_hook(lambda mod, args: log.append("pre"))
        lin.register_forward_pre_hook(lambda mod, args, kw: log.append(("prekw", sorted(kw))),
                                      with_kwargs=True)
        lin.register_forward_hook(lambda mod, args, out: log.append("post"))
        lin.register_forward_hook(lambda mod, args, out: out * 0)
        lin.register_forward_hook(lambda mod, args, out: log.append("first"), prepend=True)
        y = lin(m.ones(1, 2))
        log.append(y.detach().numpy().tolist())
        h1.remove()
        lin(m.ones(1, 2))
        return log
    e, t = both(run)
    assert e == t


def test_full_backward_hooks():
    def run(m):
        log = []
        lin = m.nn.Linear(2, 2)
        lin.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", len(go))))
        lin.register_full_backward_hook(
            lambda mod, gi, go: log.append(("post", [g is None for g in gi], len(go))))
        x = m.ones(1, 2, requires_grad=True)
        lin(x).sum().backward()
        log.append(x.grad.numpy().round(5).tolist())
        return log
    e, t = both(run)
    assert e == t


def test_deepcopy_and_pickle():
    for m in (ember, torch):
        m.manual_seed(0)
        model = net(m)
        c = copy.deepcopy(model)
        assert c[0].weight is not model[0].weight
        np.testing.assert_array_equal(c[0].weight.detach().numpy(), model[0].weight.detach().numpy())
        p = pickle.loads(pickle.dumps(model))
        assert repr(p) == repr(model)
        np.testing.assert_array_equal(p[0].weight.detach().numpy(), model[0].weight.detach().numpy())
        assert isinstance(p[0].weight, m.nn.Parameter)


def test_sequential_and_modulelist_operations():
    def run(m):
        s = m.nn.Sequential(m.nn.ReLU(), m.nn.Tanh(), m.nn.Sigmoid())
        out = [repr(s[1:]), repr(s[-1]), len(s)]
        s.append(m.nn.Identity())
        s.insert(0, m.nn.GELU())
        del s[2]
        out.append(repr(s))
        out.append(repr(s + m.nn.Sequential(m.nn.ReLU())))
        ml = m.nn.ModuleList([m.nn.ReLU()])
        ml.extend([m.nn.Tanh(), m.nn.Tanh()])
        ml.insert(1, m.nn.Sigmoid())
        out.append(repr(ml))
        out.append(repr(ml[1:]))
        try:
            s[10]
        except IndexError as err:
            out.append(str(err))
        md = m.nn.ModuleDict({"b": m.nn.ReLU()})
        md["a"] = m.nn.Tanh()
        out.append((list(md.keys()), "a" in md, len(md)))
        return out
    e, t = both(run)
    assert e == t


def test_parameter_basics():
    def run(m):
        p = m.nn.Parameter(m.tensor([1., 2.]))
        q = m.nn.Parameter(m.tensor([1., 2.]), requires_grad=False)
        y = p * 2
        return (repr(p), repr(q), p.is_leaf, p.requires_grad, type(y).__name__,
                isinstance(p, m.Tensor), repr(m.nn.Parameter()))
    e, t = both(run)
    assert tuple(normalize_message(x) if isinstance(x, str) else x for x in e) == t


@pytest.mark.parametrize("init_name,args", [
    ("uniform_", (-0.5, 0.5)), ("normal_", (0.0, 2.0)), ("xavier_uniform_", ()),
    ("xavier_normal_", ()), ("kaiming_uniform_", ()), ("kaiming_normal_", ()),
    ("kaiming_uniform_", (0, "fan_out", "relu")), ("constant_", (0.3,)), ("ones_", ()),
    ("zeros_", ()), ("eye_", ()), ("trunc_normal_", ()), ("trunc_normal_", (0.0, 1.0, 2.0, 3.0)),
])
def test_init_functions_bit_exact(init_name, args):
    def run(m):
        m.manual_seed(7)
        w = m.empty(5, 17)
        getattr(m.nn.init, init_name)(w, *args)
        return w.numpy().copy()
    e, t = both(run)
    np.testing.assert_array_equal(e, t)


def test_calculate_gain_and_fans():
    for nl, param in (("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("tanh", None),
                      ("selu", None), ("conv2d", None), ("sigmoid", None)):
        assert ember.nn.init.calculate_gain(nl, param) == torch.nn.init.calculate_gain(nl, param)
    e, t = both(lambda m: m.nn.init._calculate_fan_in_and_fan_out(m.empty(4, 3, 5, 5)))
    assert e == t


def test_lazy_linear():
    def run(m):
        m.manual_seed(0)
        lin = m.nn.LazyLinear(3)
        before = repr(lin)
        y = lin(m.ones(2, 5))
        return before, repr(lin), type(lin).__name__, y.detach().numpy().round(5).tolist()
    e, t = both(run)
    assert e == t


def test_dropout_train_matches_seeded_mask():
    x = np.arange(1, 41, dtype=np.float32).reshape(5, 8)

    def run(m):
        m.manual_seed(0)
        d = m.nn.Dropout(0.3)
        y = d(m.tensor(x))
        d.eval()
        z = d(m.tensor(x))
        return y.numpy(), z.numpy(), repr(d)
    e, t = both(run)
    np.testing.assert_array_equal(e[0], t[0])
    np.testing.assert_array_equal(e[1], t[1])
    assert e[2] == t[2]
