"""einops on ember tensors (ember's own einops backend, no torch alias) against the same calls on
PyTorch tensors: values, dtypes, shapes, strides, grad_fn names, gradients, einops's errors,
the layers, and the lazy registration that keeps einops out of ``import ember``."""
import subprocess
import sys

import numpy as np
import pytest

import ember
import torch
from oracle import Arr, check_same, assert_same

einops = pytest.importorskip("einops")

rng = np.random.default_rng(0)


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


X = randn(2, 3, 4, 6)


@pytest.mark.parametrize("pattern,lengths", [
    ("b c h w -> b h w c", {}),
    ("b c h w -> b (c h w)", {}),
    ("b c h w -> (b h) (c w)", {}),
    ("b c (h h2) (w w2) -> b (c h2 w2) h w", {"h2": 2, "w2": 2}),
    ("b c h w -> w h c b", {}),
    ("... h w -> ... (h w)", {}),
    ("b c h (w k) -> k b c h w", {"k": 3}),
    ("b c h w -> b c h w 1", {}),
])
@pytest.mark.parametrize("layout", [None, "strided"])
def test_rearrange_values_layout_and_grad(pattern, lengths, layout):
    x = Arr(X, requires_grad=True, layout=layout)
    if layout == "strided" and "w2" in pattern:
        lengths = {"h2": 2, "w2": 1}
    check_same(lambda m, t: einops.rearrange(t, pattern, **lengths), x, grad=True,
               check_grad_fn=True)


def test_rearrange_list_of_tensors_stacks():
    parts = [Arr(randn(3, 4), requires_grad=True) for _ in range(5)]
    check_same(lambda m, *ts: einops.rearrange(list(ts), "n h w -> h (n w)"), *parts, grad=True)


@pytest.mark.parametrize("reduction", ["sum", "mean", "max", "min", "prod"])
@pytest.mark.parametrize("pattern,lengths", [
    ("b c h w -> b c", {}),
    ("b c (h h2) (w w2) -> b c h w", {"h2": 2, "w2": 3}),
    ("b c h w -> c", {}),
    ("b c h w -> b () h ()", {}),
    ("b c h w -> ", {}),
])
def test_reduce(reduction, pattern, lengths):
    check_same(lambda m, t: einops.reduce(t, pattern, reduction, **lengths),
               Arr(X.astype(np.float64), requires_grad=True), grad=True, check_grad_fn=True)


@pytest.mark.parametrize("reduction", ["sum", "max", "min", "prod", "any", "all", "mean"])
def test_reduce_integer_and_bool(reduction):
    ints = rng.integers(-3, 4, size=(2, 3, 4)).astype(np.int64)
    dtype = "bool" if reduction in ("any", "all") else "int64"
    check_same(lambda m, t: einops.reduce(t, "a b c -> a c", reduction), Arr(ints, dtype))


@pytest.mark.parametrize("pattern,lengths", [
    ("h w -> h w c", {"c": 3}),
    ("h w -> (r h) w", {"r": 2}),
    ("h w -> (h r) (w s)", {"r": 2, "s": 3}),
    ("h w -> b h w", {"b": 4}),
])
def test_repeat(pattern, lengths):
    check_same(lambda m, t: einops.repeat(t, pattern, **lengths),
               Arr(randn(3, 4), requires_grad=True), grad=True, check_grad_fn=True)


@pytest.mark.parametrize("pattern,shapes", [
    ("b i, b j -> b i j", [(5, 3), (5, 4)]),
    ("b h w, w k -> b h k", [(2, 3, 4), (4, 5)]),
    ("i i -> i", [(4, 4)]),
    ("a b, a b -> ", [(3, 4), (3, 4)]),
    ("batch head q d, batch head k d -> batch head q k", [(2, 2, 3, 4), (2, 2, 5, 4)]),
])
def test_einsum(pattern, shapes):
    ins = [Arr(randn(*s).astype(np.float64), requires_grad=True) for s in shapes]
    check_same(lambda m, *ts: einops.einsum(*ts, pattern), *ins, grad=True)


def test_pack_unpack_roundtrip_and_grads():
    a, b, c = (Arr(randn(*s), requires_grad=True) for s in [(2, 3, 5), (2, 3), (2, 3, 4, 2)])

    def fn(m, x, y, z):
        packed, ps = einops.pack([x, y, z], "i j *")
        assert [tuple(s) for s in ps] == [(5,), (), (4, 2)]
        return (packed, *einops.unpack(packed * 2, ps, "i j *"))
    check_same(fn, a, b, c, grad=True)


def test_parse_shape_asnumpy_and_errors():
    t_e, t_t = ember.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert einops.parse_shape(t_e, "b _ w") == einops.parse_shape(t_t, "b _ w") == {"b": 2, "w": 4}
    np.testing.assert_array_equal(einops.asnumpy(ember.ones(2, requires_grad=True)), np.ones(2))
    for lib, t in ((ember, t_e), (torch, t_t)):
        with pytest.raises(einops.EinopsError, match="Wrong shape"):
            einops.rearrange(t, "a b -> b a")
        with pytest.raises(einops.EinopsError, match="can't divide axis"):
            einops.rearrange(t, "a (b k) c -> a b k c", k=2)


def test_backend_is_embers_own():
    backend = einops._backends.get_backend(ember.zeros(1))
    assert backend.framework_name == "ember"
    assert type(backend).__module__ == "ember._einops_backend"
    x = backend.from_numpy(np.arange(3.0))
    assert isinstance(x, ember.Tensor) and x.requires_grad
    assert backend.arange(0, 3).dtype == ember.int64


def _layers():
    return einops._backends.get_backend(ember.zeros(1)).layers()


def test_rearrange_and_reduce_layers_match_torch():
    from einops.layers import torch as tl
    el = _layers()
    for make in (lambda L: L.Rearrange("b c (h h2) w -> b (c h2) h w", h2=2),
                 lambda L: L.Reduce("b c (h h2) (w w2) -> b c h w", "max", h2=2, w2=2),
                 lambda L: L.Reduce("b c h w -> b c", "mean")):
        e_layer, t_layer = make(el), make(tl)
        assert isinstance(e_layer, ember.nn.Module) and repr(e_layer) == repr(t_layer)
        e_model = ember.nn.Sequential(e_layer)
        t_model = torch.nn.Sequential(t_layer)
        assert repr(e_model) == repr(t_model)
        check_same(lambda m, x: (e_model if m is ember else t_model)(x), Arr(X, requires_grad=True),
                   grad=True)


@pytest.mark.parametrize("pattern,weight,bias,lengths", [
    ("b t c -> b t d", "c d", "d", {"c": 4, "d": 5}),
    ("b (h w) c -> b h w k", "c k", None, {"h": 2, "c": 4, "k": 3}),
    ("b t c -> b (t d)", "c d", "d", {"c": 4, "d": 2}),
])
def test_einmix_same_init_output_and_grads(pattern, weight, bias, lengths):
    from einops.layers import torch as tl
    ember.manual_seed(3)
    torch.manual_seed(3)
    e_mix = _layers().EinMix(pattern, weight_shape=weight, bias_shape=bias, **lengths)
    t_mix = tl.EinMix(pattern, weight_shape=weight, bias_shape=bias, **lengths)
    assert repr(e_mix) == repr(t_mix)
    assert list(dict(e_mix.named_parameters())) == list(dict(t_mix.named_parameters()))
    for (_, ep), (_, tp) in zip(e_mix.named_parameters(), t_mix.named_parameters()):
        assert_same(ep, tp)
    x = randn(2, 4, 4)
    ey, ty = e_mix(ember.from_numpy(x)), t_mix(torch.from_numpy(x))
    assert_same(ey, ty)
    ey.sum().backward()
    ty.sum().backward()
    assert_same(e_mix.weight.grad, t_mix.weight.grad)


_LAZY = r"""
import sys
import ember
assert "einops" not in sys.modules, "import ember imported einops"
assert not any(m.startswith("ember._einops_backend") for m in sys.modules)
import einops
assert "ember._einops_backend" in sys.modules
print(tuple(einops.rearrange(ember.zeros(2, 3), "a b -> b a").shape))
"""

_EINOPS_FIRST = r"""
import einops
import ember
print(tuple(einops.rearrange(ember.zeros(2, 3), "a b -> b a").shape))
"""

_ALIAS_LAYERS = r"""
import ember.compat
ember.compat.install()
import torch
from einops.layers.torch import Rearrange, EinMix
import ember
layer = torch.nn.Sequential(Rearrange("b c h w -> b (c h w)"),
                            EinMix("b c -> b d", weight_shape="c d", c=24, d=3))
y = layer(torch.ones(2, 2, 3, 4))
y.sum().backward()
print(type(y).__module__, tuple(y.shape), tuple(layer[1].weight.grad.shape))
"""


@pytest.mark.parametrize("script,expected", [
    (_LAZY, "(3, 2)"), (_EINOPS_FIRST, "(3, 2)"),
    (_ALIAS_LAYERS, "ember._tensor (2, 3) (24, 3)")])
def test_registration_without_importing_einops(script, expected):
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected
