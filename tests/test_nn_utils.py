"""nn.utils against PyTorch: gradient clipping, parameter/vector conversion, parametrize and the
ready-made parametrizations (weight_norm, spectral_norm, orthogonal), the legacy hook-based
weight_norm/spectral_norm, functional_call (nn.utils.stateless and ember.func), Conv/Linear +
BatchNorm fusion, skip_init, the _weight_norm/norm_except_dim ops, nn.DataParallel and
nn.parallel. Every case runs the same program on both libraries (seeded alike) and compares
values, dtypes, gradients, state_dict keys, printouts, warnings and errors."""
import copy
import math
import pickle
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import Arr, assert_same, check_same, normalize_message

def R(*shape, seed=0, dtype=np.float32):
    """Standard-normal values fixed by (shape, seed): a program calling R(...) sees the same
    numbers when it runs on ember and when it runs on torch."""
    key = abs(hash((shape, seed))) % (1 << 32)
    return np.random.default_rng(key).standard_normal(shape).astype(dtype)


def both(fn, seed=0):
    """``fn(m)`` for ember and for torch, each after ``m.manual_seed(seed)``; warnings are
    recorded and returned as (category, text) pairs after the result."""
    out = []
    for m in (ember, torch):
        m.manual_seed(seed)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            # (as outside this block: NumPy's floating-point warnings stay hidden in ember)
            ember._dispatch.hide_fp_warnings()
            res = fn(m)
        out.append((res, [(x.category.__name__, normalize_message(str(x.message))) for x in w]))
    return out


def same(e, t, where="result", **kw):
    """Deep comparison of results made of tensors, strings, numbers, lists, dicts and types."""
    if isinstance(t, torch.Tensor):
        assert_same(e, t, where=where, check_strides=False, **kw)
    elif isinstance(t, dict):
        assert list(e) == list(t), f"{where}: keys {list(e)} != {list(t)}"
        for k in t:
            same(e[k], t[k], f"{where}[{k!r}]", **kw)
    elif isinstance(t, (list, tuple)) and not isinstance(t, torch.Size):
        assert len(e) == len(t), f"{where}: lengths {len(e)} != {len(t)}"
        for i, (a, b) in enumerate(zip(e, t)):
            same(a, b, f"{where}[{i}]", **kw)
    elif isinstance(t, str):
        assert normalize_message(e) == t, f"{where}:\nember: {e}\ntorch: {t}"
    else:
        assert_same(e, t, where=where, **kw)


def compare(fn, seed=0, **kw):
    """Run ``fn`` on both libraries; results and warnings must agree."""
    (e, we), (t, wt) = both(fn, seed)
    same(e, t, **kw)
    assert we == wt, f"warnings differ:\nember: {we}\ntorch: {wt}"
    return e, t


def raises_same(fn, seed=0):
    """``fn`` raises in both libraries, with the same exception type and message."""
    got = []
    for m in (ember, torch):
        m.manual_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fn(m)
            except Exception as ex:  # noqa: BLE001 - compared below
                got.append((type(ex).__name__, normalize_message(str(ex))))
                continue
        raise AssertionError(f"{m.__name__} did not raise")
    assert got[0] == got[1], f"\nember: {got[0]}\ntorch: {got[1]}"
    return got[1]


def T(m, a, requires_grad=False):
    """A tensor of library ``m`` from a NumPy array (a copy)."""
    t = m.from_numpy(np.array(a, copy=True))
    return t.requires_grad_(True) if requires_grad else t


def with_grads(m, arrays, grads, layout=None):
    """Parameters (leaves) holding ``arrays`` whose ``.grad`` are ``grads`` (None: no grad)."""
    params = []
    for a, g in zip(arrays, grads):
        p = m.nn.Parameter(T(m, a))
        if g is not None:
            gt = T(m, g)
            if layout == "transposed" and gt.dim() == 2:
                gt = T(m, np.ascontiguousarray(g.T)).t()
            p.grad = gt
        params.append(p)
    return params


def state(module):
    """A module's state_dict as NumPy arrays by name."""
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def load(module, arrays, m):
    module.load_state_dict({k: T(m, v) for k, v in arrays.items()})
    return module


# ============================================================================ clip_grad
GRAD_ARRAYS = [R(3, 4), R(5), R(2, 2, 2)]
NORM_TYPES = [2.0, 1, 3.5, math.inf, -math.inf, 0.5, "inf"]


@pytest.mark.parametrize("norm_type", NORM_TYPES)
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
def test_clip_grad_norm_values_and_grads(norm_type, max_norm):
    def fn(m):
        ps = with_grads(m, GRAD_ARRAYS, [a * 3 for a in GRAD_ARRAYS])
        total = m.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        return total, [p.grad for p in ps]
    compare(fn)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("foreach", [None, True, False])
def test_clip_grad_norm_dtypes_and_foreach(dtype, foreach):
    arrays = [a.astype(dtype) for a in GRAD_ARRAYS]

    def fn(m):
        ps = with_grads(m, arrays, arrays)
        return m.nn.utils.clip_grad_norm_(ps, 1.0, foreach=foreach), [p.grad for p in ps]
    compare(fn)


def test_clip_grad_norm_half_and_mixed_dtypes():
    def fn(m):
        ps = with_grads(m, [GRAD_ARRAYS[0], GRAD_ARRAYS[1].astype(np.float64)],
                        [GRAD_ARRAYS[0], GRAD_ARRAYS[1].astype(np.float64)])
        ps.append(m.nn.Parameter(T(m, GRAD_ARRAYS[2]).half()))
        ps[-1].grad = T(m, GRAD_ARRAYS[2]).half()
        return m.nn.utils.clip_grad_norm_(ps, 0.1), [p.grad for p in ps]
    compare(fn)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float64"])
def test_clip_grad_low_and_high_precision(dtype):
    def fn(m):
        ps = []
        for a in GRAD_ARRAYS:
            p = m.nn.Parameter(T(m, a).to(getattr(m, dtype)))
            p.grad = T(m, a * 2).to(getattr(m, dtype))
            ps.append(p)
        n = m.nn.utils.clip_grad_norm_(ps, 0.7, norm_type=3.0)
        m.nn.utils.clip_grad_value_(ps, 0.05)
        return n, [p.grad for p in ps]
    compare(fn)


def test_clip_grad_norm_single_tensor_generator_and_skipped():
    def fn(m):
        ps = with_grads(m, GRAD_ARRAYS, [GRAD_ARRAYS[0], None, GRAD_ARRAYS[2]])
        single = with_grads(m, [GRAD_ARRAYS[1]], [GRAD_ARRAYS[1]])[0]
        n1 = m.nn.utils.clip_grad_norm_(single, 0.3)
        n2 = m.nn.utils.clip_grad_norm_((p for p in ps), 0.3)
        return n1, n2, single.grad, [p.grad for p in ps]
    compare(fn)


def test_clip_grad_norm_noncontiguous_and_zero_dim():
    def fn(m):
        ps = with_grads(m, [GRAD_ARRAYS[0]], [GRAD_ARRAYS[0]], layout="transposed")
        ps += with_grads(m, [np.array(2.0, np.float32)], [np.array(-5.0, np.float32)])
        n = m.nn.utils.clip_grad_norm_(ps, 1.0)
        return n, [p.grad for p in ps], ps[0].grad.stride()
    compare(fn)


def test_clip_grad_norm_empty():
    compare(lambda m: m.nn.utils.clip_grad_norm_([], 1.0))
    compare(lambda m: m.nn.utils.clip_grad_norm_([m.nn.Parameter(m.ones(2))], 1.0))
    _, (_, w) = both(lambda m: m.nn.utils.clip_grad_norm_((p for p in []), 1.0))
    assert w == [("UserWarning", "`parameters` is an empty generator, no gradient clipping will "
                                 "occur.")]
    compare(lambda m: m.nn.utils.clip_grad_norm_((p for p in []), 1.0))


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_clip_grad_norm_nonfinite(bad):
    arrays = [GRAD_ARRAYS[0], GRAD_ARRAYS[1].copy()]
    arrays[1][2] = bad
    raises_same(lambda m: m.nn.utils.clip_grad_norm_(with_grads(m, arrays, arrays), 1.0,
                                                     error_if_nonfinite=True))
    raises_same(lambda m: m.nn.utils.clip_grad_norm_(with_grads(m, arrays, arrays), 1.0, 1,
                                                     error_if_nonfinite=True))

    def fn(m):
        ps = with_grads(m, arrays, arrays)
        return m.nn.utils.clip_grad_norm_(ps, 1.0), [p.grad for p in ps]
    compare(fn)


def test_clip_grad_norm_deprecated_alias():
    def fn(m):
        ps = with_grads(m, GRAD_ARRAYS, GRAD_ARRAYS)
        return m.nn.utils.clip_grad_norm(ps, 0.5), [p.grad for p in ps]
    compare(fn)


@pytest.mark.parametrize("clip", [0.5, 2, 0.0])
def test_clip_grad_value(clip):
    def fn(m):
        ps = with_grads(m, GRAD_ARRAYS, [GRAD_ARRAYS[0], None, GRAD_ARRAYS[2]], "transposed")
        r = m.nn.utils.clip_grad_value_(ps, clip)
        single = with_grads(m, [GRAD_ARRAYS[1]], [GRAD_ARRAYS[1] * 4])[0]
        m.nn.utils.clip_grad_value_(single, clip, foreach=True)
        return r is None, [p.grad for p in ps], single.grad
    compare(fn)


@pytest.mark.parametrize("norm_type", [2.0, math.inf, 1.5])
def test_get_total_norm_and_clip_grads_with_norm(norm_type):
    def fn(m):
        grads = [T(m, a) for a in GRAD_ARRAYS]
        total = m.nn.utils.get_total_norm(grads, norm_type)
        single = m.nn.utils.get_total_norm(grads[0], norm_type)
        empty = m.nn.utils.get_total_norm([])
        ps = with_grads(m, GRAD_ARRAYS, GRAD_ARRAYS)
        r = m.nn.utils.clip_grads_with_norm_(ps, 1.0, total)
        return total, single, empty, r is None, [p.grad for p in ps]
    compare(fn)
    raises_same(lambda m: m.nn.utils.get_total_norm([T(m, np.array([np.nan], np.float32))],
                                                    error_if_nonfinite=True))


def test_clip_grad_norm_under_grad_mode_records_nothing():
    def fn(m):
        ps = with_grads(m, GRAD_ARRAYS, GRAD_ARRAYS)
        ps[0].grad.requires_grad_(True)
        n = m.nn.utils.clip_grad_norm_(ps, 0.5)
        return n.requires_grad, n.grad_fn is None
    compare(fn)


# ============================================================================ convert_parameters
def test_parameters_to_vector_values_and_grad():
    def fn(m):
        ps = [T(m, a, requires_grad=True) for a in GRAD_ARRAYS]
        vec = m.nn.utils.parameters_to_vector(ps)
        (vec * m.arange(float(vec.numel()))).sum().backward()
        return vec, type(vec.grad_fn).__name__, [p.grad for p in ps]
    compare(fn)
    compare(lambda m: m.nn.utils.parameters_to_vector(m.nn.Linear(3, 2).parameters()))


def test_parameters_to_vector_errors():
    raises_same(lambda m: m.nn.utils.parameters_to_vector([]))
    raises_same(lambda m: m.nn.utils.parameters_to_vector([T(m, GRAD_ARRAYS[0]).t()]))


def test_vector_to_parameters():
    def fn(m):
        lin = m.nn.Linear(3, 2)
        vec = m.arange(8.0)
        r = m.nn.utils.vector_to_parameters(vec, lin.parameters())
        vec[0] = 100.0  # the parameters view the vector
        return r is None, lin.weight, lin.bias, isinstance(lin.weight, m.nn.Parameter)
    compare(fn)
    raises_same(lambda m: m.nn.utils.vector_to_parameters([1.0, 2.0], [m.zeros(2)]))
    raises_same(lambda m: m.nn.utils.vector_to_parameters(np.zeros(2), [m.zeros(2)]))
    raises_same(lambda m: m.nn.utils.vector_to_parameters(m.zeros(2), [m.zeros(3)]))


# ============================================================================ parametrize
def _sym(m):
    class Symmetric(m.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).mT

        def right_inverse(self, A):
            return A.triu()
    return Symmetric()


def _scale(m, k):
    class Scale(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.k = k

        def forward(self, X):
            return X * self.k

        def right_inverse(self, X):
            return X / self.k

        def extra_repr(self):
            return f"k={self.k}"
    return Scale()


W33 = R(3, 3)


def test_register_parametrization_repr_keys_values_grads():
    def fn(m):
        lin = load(m.nn.Linear(3, 3), {"weight": W33, "bias": R(3)}, m)
        P = m.nn.utils.parametrize
        r = P.register_parametrization(lin, "weight", _sym(m))
        x = T(m, R(2, 3))
        lin(x).pow(2).sum().backward()
        orig = lin.parametrizations.weight.original
        return (r is lin, repr(lin), type(lin).__name__, list(lin.state_dict()), lin.weight,
                orig, orig.grad, P.is_parametrized(lin), P.is_parametrized(lin, "weight"),
                P.is_parametrized(lin, "bias"), P.type_before_parametrizations(lin).__name__,
                [n for n, _ in lin.named_parameters()], isinstance(orig, m.nn.Parameter),
                type(lin.weight.grad_fn).__name__, repr(lin.parametrizations))
    compare(fn)


def test_parametrization_assignment_uses_right_inverse():
    def fn(m):
        lin = load(m.nn.Linear(3, 3), {"weight": W33, "bias": R(3)}, m)
        m.nn.utils.parametrize.register_parametrization(lin, "weight", _sym(m))
        orig = lin.parametrizations.weight.original
        new = T(m, R(3, 3, seed=1))
        lin.weight = new
        return lin.weight, orig, lin.parametrizations.weight.original is orig
    compare(fn)


def test_several_parametrizations_chain():
    def fn(m):
        lin = load(m.nn.Linear(3, 3), {"weight": W33, "bias": R(3)}, m)
        P = m.nn.utils.parametrize
        P.register_parametrization(lin, "weight", _sym(m))
        P.register_parametrization(lin, "weight", _scale(m, 2.0))
        P.register_parametrization(lin, "bias", _scale(m, -3.0))
        w = lin.weight
        lin.weight = T(m, np.eye(3, dtype=np.float32) * 4)
        return (repr(lin), list(lin.state_dict()), w, lin.weight, lin.bias,
                lin.parametrizations.weight.original)
    compare(fn)


def test_parametrize_buffer_and_state_dict_roundtrip():
    def fn(m):
        bn = m.nn.BatchNorm1d(3)
        P = m.nn.utils.parametrize
        P.register_parametrization(bn, "running_var", _scale(m, 2.0))
        keys = list(bn.state_dict())
        other = m.nn.BatchNorm1d(3)
        P.register_parametrization(other, "running_var", _scale(m, 2.0))
        sd = bn.state_dict()
        sd["parametrizations.running_var.original"] = m.full((3,), 5.0)
        res = other.load_state_dict(sd)
        return keys, repr(res), other.running_var, repr(bn), isinstance(
            bn.parametrizations.running_var.original, m.nn.Parameter)
    compare(fn)


def test_right_inverse_returning_several_tensors():
    def make(m):
        class Split(m.nn.Module):
            def forward(self, a, b):
                return a + b

            def right_inverse(self, X):
                return X * 0.25, X * 0.75
        return Split()

    def fn(m):
        lin = load(m.nn.Linear(3, 3), {"weight": W33, "bias": R(3)}, m)
        m.nn.utils.parametrize.register_parametrization(lin, "weight", make(m))
        lin(T(m, R(2, 3))).sum().backward()
        pl = lin.parametrizations.weight
        lin.weight = T(m, np.ones((3, 3), np.float32))
        return (list(lin.state_dict()), pl.original0.grad, pl.original1.grad, pl.original0,
                pl.original1, lin.weight, pl.is_tensor, pl.ntensors)
    compare(fn)
    raises_same(lambda m: m.nn.utils.parametrize.remove_parametrizations(
        m.nn.utils.parametrize.register_parametrization(m.nn.Linear(2, 2), "weight", make(m)),
        "weight", leave_parametrized=False))


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    def fn(m):
        lin = load(m.nn.Linear(3, 3), {"weight": W33, "bias": R(3)}, m)
        P = m.nn.utils.parametrize
        P.register_parametrization(lin, "weight", _sym(m))
        P.register_parametrization(lin, "bias", _scale(m, 2.0))
        orig = lin.parametrizations.weight.original
        P.remove_parametrizations(lin, "weight", leave_parametrized=leave)
        mid = (type(lin).__name__, list(lin.state_dict()), lin.weight, lin.weight is orig)
        P.remove_parametrizations(lin, "bias", leave_parametrized=leave)
        return mid, type(lin).__name__, repr(lin), list(lin.state_dict()), lin.bias, \
            hasattr(lin, "parametrizations"), isinstance(lin.weight, m.nn.Parameter)
    compare(fn)


def test_cached_computes_once():
    def fn(m):
        calls = []

        class Counting(m.nn.Module):
            def forward(self, X):
                calls.append(1)
                return X * 2
        lin = m.nn.Linear(2, 2)
        m.nn.utils.parametrize.register_parametrization(lin, "weight", Counting())
        n0 = len(calls)
        with m.nn.utils.parametrize.cached():
            a = lin.weight
            b = lin.weight
            with m.nn.utils.parametrize.cached():
                c = lin.weight
        d = lin.weight
        return len(calls) - n0, a is b, b is c, d is a
    compare(fn)


def test_parametrize_errors():
    def reg(m, module, name, p, **kw):
        return m.nn.utils.parametrize.register_parametrization(module, name, p, **kw)

    def double(m):
        class Double(m.nn.Module):
            def forward(self, X):
                return X.double()
        return Double()

    def grow(m):
        class Grow(m.nn.Module):
            def forward(self, X):
                return m.cat([X, X])
        return Grow()

    raises_same(lambda m: reg(m, m.nn.Linear(2, 2), "nope", _sym(m)))
    raises_same(lambda m: reg(m, m.nn.Linear(2, 2), "weight", double(m)))
    raises_same(lambda m: reg(m, m.nn.Linear(2, 2), "weight", grow(m)))
    raises_same(lambda m: reg(m, reg(m, m.nn.Linear(2, 2), "weight", _sym(m)), "weight",
                              grow(m)))
    raises_same(lambda m: reg(m, reg(m, m.nn.Linear(2, 2), "weight", _sym(m)), "weight",
                              double(m)))
    raises_same(lambda m: m.nn.utils.parametrize.remove_parametrizations(m.nn.Linear(2, 2),
                                                                         "weight"))
    raises_same(lambda m: m.nn.utils.parametrize.ParametrizationList([], m.zeros(2)))
    raises_same(lambda m: setattr(reg(m, m.nn.Linear(2, 2), "weight", grow(m), unsafe=True),
                                  "weight", m.zeros(2, 2)))
    raises_same(lambda m: setattr(reg(m, m.nn.Linear(2, 2), "weight", _sym(m)), "weight",
                                  m.nn.Parameter(m.zeros(2, 2))))
    raises_same(lambda m: pickle.dumps(reg(m, m.nn.Linear(2, 2), "weight", _sym(m))))


def test_unsafe_parametrization_changes_shape_and_dtype():
    def grow(m):
        class Grow(m.nn.Module):
            def forward(self, X):
                return m.cat([X, X]).double()
        return Grow()

    def fn(m):
        lin = load(m.nn.Linear(2, 2), {"weight": R(2, 2), "bias": R(2)}, m)
        m.nn.utils.parametrize.register_parametrization(lin, "weight", grow(m), unsafe=True)
        return lin.weight, lin.parametrizations.weight.unsafe, list(lin.state_dict())
    compare(fn)


def test_parametrized_deepcopy_and_transfer():
    def fn(m):
        P = m.nn.utils.parametrize
        lin = load(m.nn.Linear(3, 3), {"weight": W33, "bias": R(3)}, m)
        P.register_parametrization(lin, "weight", _sym(m))
        cp = copy.deepcopy(lin)
        same_storage = cp.parametrizations.weight.original is lin.parametrizations.weight.original
        other = m.nn.Linear(3, 3)
        P.transfer_parametrizations_and_params(lin, other)
        return (type(cp).__name__, cp.weight, same_storage, repr(other), other.weight,
                other.parametrizations.weight.original is lin.parametrizations.weight.original)
    compare(fn)


def test_parametrization_follows_train_mode():
    def fn(m):
        lin = m.nn.Linear(2, 2).eval()
        p = _sym(m)
        m.nn.utils.parametrize.register_parametrization(lin, "weight", p)
        lin.train()
        return p.training, lin.parametrizations.weight.training
    compare(fn)


# ============================================================================ weight_norm (new)
@pytest.mark.parametrize("dim", [0, 1, None, -1])
def test_parametrized_weight_norm_linear(dim):
    def fn(m):
        lin = load(m.nn.Linear(4, 3), {"weight": R(3, 4) * 0 + W43, "bias": B3}, m)
        m.nn.utils.parametrizations.weight_norm(lin, dim=dim)
        x = T(m, X24)
        lin(x).pow(2).sum().backward()
        pl = lin.parametrizations.weight
        return (repr(lin), list(lin.state_dict()), lin.weight, pl.original0, pl.original1,
                pl.original0.grad, pl.original1.grad, type(lin.weight.grad_fn).__name__)
    compare(fn)


W43, B3, X24 = R(3, 4), R(3), R(2, 4)


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_parametrized_weight_norm_conv(dim):
    def fn(m):
        conv = m.nn.Conv1d(2, 3, 3)
        m.nn.utils.parametrizations.weight_norm(conv, dim=dim)
        x = T(m, R(1, 2, 5))
        out = conv(x)
        out.sum().backward()
        pl = conv.parametrizations.weight
        return out, pl.original0, pl.original0.grad, pl.original1.grad, list(conv.state_dict())
    compare(fn)


def test_parametrized_weight_norm_loads_legacy_keys():
    def fn(m):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            old = m.nn.utils.weight_norm(m.nn.Linear(4, 3))
        new = m.nn.utils.parametrizations.weight_norm(m.nn.Linear(4, 3))
        res = new.load_state_dict(old.state_dict())
        return repr(res), new.weight, new.parametrizations.weight.original0
    compare(fn)


def test_parametrized_weight_norm_double_backward():
    def fn(m):
        lin = m.nn.Linear(4, 3).double()
        m.nn.utils.parametrizations.weight_norm(lin)
        pl = lin.parametrizations.weight
        x = T(m, X24.astype(np.float64))
        g0, g1 = m.autograd.grad(lin(x).pow(2).sum(), [pl.original0, pl.original1],
                                 create_graph=True)
        h = m.autograd.grad((g0 * g0).sum() + (g1 * g1).sum(), [pl.original0, pl.original1])
        return g0, g1, h
    compare(fn)


# ============================================================================ spectral_norm (new)
def test_parametrized_spectral_norm_seeded_buffers_and_training():
    def fn(m):
        lin = m.nn.Linear(5, 3)
        m.nn.utils.parametrizations.spectral_norm(lin)
        pl = lin.parametrizations.weight
        u0, v0 = pl[0]._u.clone(), pl[0]._v.clone()
        x = T(m, R(2, 5))
        outs = []
        for _ in range(3):
            out = lin(x)
            out.pow(2).sum().backward()
            outs.append(out)
        lin.eval()
        w_eval = lin.weight
        return (repr(lin), list(lin.state_dict()), u0, v0, outs, pl.original.grad, pl[0]._u,
                pl[0]._v, w_eval, type(lin.weight.grad_fn).__name__)
    compare(fn, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls,kw", [("Conv2d", {}), ("ConvTranspose2d", {}),
                                    ("Conv2d", {"dim": 1}), ("Linear", {"n_power_iterations": 3,
                                                                        "eps": 1e-3})])
def test_parametrized_spectral_norm_modules(cls, kw):
    def fn(m):
        mod = (m.nn.Linear(4, 6) if cls == "Linear" else getattr(m.nn, cls)(2, 3, 2))
        m.nn.utils.parametrizations.spectral_norm(mod, **kw)
        sn = mod.parametrizations.weight[0]
        return sn.dim, sn._u, sn._v, mod.weight
    compare(fn, rtol=1e-4, atol=1e-5)


def test_parametrized_spectral_norm_vector_and_errors():
    def fn(m):
        mod = m.nn.Linear(2, 2)
        mod.register_parameter("vec", m.nn.Parameter(T(m, R(4))))
        m.nn.utils.parametrizations.spectral_norm(mod, "vec")
        return mod.vec, list(mod.state_dict())
    compare(fn)
    raises_same(lambda m: m.nn.utils.parametrizations.spectral_norm(m.nn.Linear(2, 2), dim=2))
    raises_same(lambda m: m.nn.utils.parametrizations.spectral_norm(m.nn.Linear(2, 2),
                                                                    n_power_iterations=0))
    raises_same(lambda m: m.nn.utils.parametrizations.spectral_norm(m.nn.Linear(2, 2), "w"))


def test_parametrized_spectral_norm_double_backward():
    def fn(m):
        lin = m.nn.Linear(3, 2).double().eval()
        m.nn.utils.parametrizations.spectral_norm(lin)
        orig = lin.parametrizations.weight.original
        x = T(m, R(2, 3).astype(np.float64))
        g, = m.autograd.grad(lin(x).pow(2).sum(), [orig], create_graph=True)
        h, = m.autograd.grad((g * g).sum(), [orig])
        return g, h
    compare(fn)


# ============================================================================ orthogonal
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4)])
@pytest.mark.parametrize("orth_map", [None, "matrix_exp", "cayley", "householder"])
def test_orthogonal(shape, orth_map):
    def fn(m):
        lin = m.nn.Linear(shape[1], shape[0])
        m.nn.utils.parametrizations.orthogonal(lin, orthogonal_map=orth_map)
        w = lin.weight
        (w * T(m, R(*shape))).sum().backward()
        pl = lin.parametrizations.weight
        return (w, type(w.grad_fn).__name__, pl.original.grad, list(lin.state_dict()),
                pl[0].base, repr(lin))
    compare(fn, rtol=1e-4, atol=1e-5)


def test_orthogonal_assignment_and_no_trivialization():
    def fn(m):
        lin = m.nn.Linear(3, 5)
        m.nn.utils.parametrizations.orthogonal(lin)
        q = T(m, np.linalg.qr(R(5, 3))[0].astype(np.float32))
        lin.weight = q
        w1 = lin.weight
        lin2 = m.nn.Linear(3, 5)
        m.nn.utils.parametrizations.orthogonal(lin2, "weight", "householder",
                                               use_trivialization=False)
        w2 = lin2.weight
        lin2.weight.sum().backward()
        return w1, w2, lin2.parametrizations.weight.original, \
            lin2.parametrizations.weight.original.grad, list(lin2.state_dict())
    compare(fn, rtol=1e-4, atol=1e-5)


def test_orthogonal_double_and_batched():
    def fn(m):
        mod = m.nn.Module()
        mod.register_parameter("w", m.nn.Parameter(T(m, R(2, 4, 3).astype(np.float64))))
        m.nn.utils.parametrizations.orthogonal(mod, "w")
        w = mod.w
        w.sum().backward()
        return w, mod.parametrizations.w.original.grad
    compare(fn)


def test_orthogonal_errors():
    raises_same(lambda m: m.nn.utils.parametrizations.orthogonal(m.nn.Linear(2, 2), "bias"))
    raises_same(lambda m: m.nn.utils.parametrizations.orthogonal(m.nn.Linear(2, 2), "nope"))
    raises_same(lambda m: m.nn.utils.parametrizations.orthogonal(m.nn.Linear(2, 2),
                                                                 orthogonal_map="qr"))
    raises_same(lambda m: m.nn.utils.parametrizations.orthogonal(
        m.nn.Linear(2, 2).to(m.complex64), orthogonal_map="householder"))

    def assign_bad(m):
        lin = m.nn.utils.parametrizations.orthogonal(m.nn.Linear(2, 3))
        lin.weight = m.zeros(2, 2)
    raises_same(assign_bad)

    def assign_exp(m):
        lin = m.nn.utils.parametrizations.orthogonal(m.nn.Linear(3, 3),
                                                     use_trivialization=False)
        lin.weight = m.eye(3)
    raises_same(assign_exp)


# ============================================================================ legacy weight_norm
@pytest.mark.parametrize("dim", [0, 1, None])
def test_legacy_weight_norm(dim):
    def fn(m):
        lin = load(m.nn.Linear(4, 3), {"weight": W43, "bias": B3}, m)
        m.nn.utils.weight_norm(lin, dim=dim)
        out = lin(T(m, X24))
        out.pow(2).sum().backward()
        res = (list(lin.state_dict()), lin.weight_g, lin.weight_v, out, lin.weight_g.grad,
               lin.weight_v.grad, repr(lin), type(lin.weight.grad_fn).__name__,
               [n for n, _ in lin.named_parameters()])
        m.nn.utils.remove_weight_norm(lin)
        return res, list(lin.state_dict()), lin.weight, isinstance(lin.weight, m.nn.Parameter)
    compare(fn)


def test_legacy_weight_norm_errors():
    def twice(m):
        lin = m.nn.utils.weight_norm(m.nn.Linear(2, 2))
        m.nn.utils.weight_norm(lin)
    raises_same(twice)
    raises_same(lambda m: m.nn.utils.remove_weight_norm(m.nn.Linear(2, 2)))
    raises_same(lambda m: m.nn.utils.weight_norm(m.nn.LazyLinear(2)))


# ============================================================================ legacy spectral_norm
def test_legacy_spectral_norm_training_eval_and_remove():
    def fn(m):
        lin = m.nn.Linear(5, 3)
        m.nn.utils.spectral_norm(lin)
        u0, v0 = lin.weight_u.clone(), lin.weight_v.clone()
        x = T(m, R(2, 5))
        outs = []
        for _ in range(3):
            out = lin(x)
            out.pow(2).sum().backward()
            outs.append(out)
        sd = lin.state_dict()
        meta = dict(sd._metadata)
        lin.eval()
        out_eval = lin(x)
        res = (list(sd), meta, u0, v0, outs, lin.weight_orig.grad, lin.weight_u, out_eval,
               repr(lin), type(lin.weight.grad_fn).__name__)
        m.nn.utils.remove_spectral_norm(lin)
        return res, list(lin.state_dict()), lin.weight, lin._forward_pre_hooks == {}, \
            len(lin._state_dict_hooks), len(lin._load_state_dict_pre_hooks)
    compare(fn, rtol=1e-4, atol=1e-5)


def test_legacy_spectral_norm_conv_transpose_and_roundtrip():
    def fn(m):
        conv = m.nn.utils.spectral_norm(m.nn.ConvTranspose1d(2, 4, 3), n_power_iterations=2)
        conv(T(m, R(1, 2, 5)))
        other = m.nn.utils.spectral_norm(m.nn.ConvTranspose1d(2, 4, 3))
        res = other.load_state_dict(conv.state_dict())
        return conv.weight_u, conv.weight_v, conv.weight, repr(res), other.weight_u
    compare(fn, rtol=1e-4, atol=1e-5)


def test_legacy_spectral_norm_load_after_remove():
    raises_same(lambda m: m.nn.utils.remove_spectral_norm(m.nn.utils.spectral_norm(
        m.nn.Linear(2, 2))).load_state_dict(m.nn.Linear(2, 2).state_dict()))


def test_legacy_spectral_norm_errors():
    def twice(m):
        m.nn.utils.spectral_norm(m.nn.utils.spectral_norm(m.nn.Linear(2, 2)))
    raises_same(twice)
    raises_same(lambda m: m.nn.utils.remove_spectral_norm(m.nn.Linear(2, 2)))
    raises_same(lambda m: m.nn.utils.spectral_norm(m.nn.Linear(2, 2), n_power_iterations=0))
    raises_same(lambda m: m.nn.utils.spectral_norm(m.nn.Linear(2, 2, bias=False), "bias"))
    raises_same(lambda m: m.nn.utils.spectral_norm(m.nn.LazyLinear(2)))


# ============================================================================ _weight_norm ops
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_norm_except_dim(dim, dtype):
    check_same(lambda m, v: m.norm_except_dim(v, 2, dim), Arr(R(2, 3, 4), dtype,
                                                              requires_grad=True),
               grad=True, check_grad_fn=True)
    check_same(lambda m, v: m.norm_except_dim(v, 3, dim), Arr(R(2, 3, 4), dtype,
                                                              requires_grad=True), grad=True)


@pytest.mark.parametrize("dim,gshape", [(0, (2, 1, 1)), (2, (1, 1, 4)), (1, (1, 3, 1)),
                                        (-1, ())])
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_weight_norm_op(dim, gshape, dtype):
    g = np.abs(R(*gshape)) + 0.5
    check_same(lambda m, v, g: m._weight_norm(v, g, dim), Arr(R(2, 3, 4), dtype,
                                                             requires_grad=True),
               Arr(g, dtype, requires_grad=True), grad=True, check_grad_fn=True)


def test_weight_norm_op_noncontiguous_and_double_backward():
    check_same(lambda m, v, g: m._weight_norm(v, g, 1),
               Arr(R(3, 4), layout="transposed", requires_grad=True),
               Arr(R(1, 3), requires_grad=True), grad=True, check_grad_fn=True)
    v, g = R(2, 3, 4).astype(np.float64), R(2, 1, 1).astype(np.float64)
    for dim, ga in ((0, g), (2, R(1, 1, 4).astype(np.float64)), (1, R(1, 3, 1))):
        def fn(m, dim=dim, ga=ga):
            vt, gt = T(m, v, True), T(m, ga.astype(np.float64), True)
            w = m._weight_norm(vt, gt, dim)
            gv, gg = m.autograd.grad((w * w.detach() * 0.3 + w).sum(), [vt, gt],
                                     create_graph=True)
            return gv, gg, m.autograd.grad((gv * gv).sum() + (gg ** 3).sum(), [vt, gt])
        compare(fn)


# ============================================================================ functional_call
def _net(m):
    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = m.nn.Linear(3, 4)
            self.bn = m.nn.BatchNorm1d(4)
            self.fc2 = m.nn.Linear(4, 2)

        def forward(self, x, scale=1.0):
            return self.fc2(self.bn(self.fc1(x)).relu()) * scale
    return Net()


def test_functional_call_values_grads_and_restores():
    X = R(5, 3)
    new_w, new_b = R(4, 3), R(4)

    def fn(m):
        net = _net(m)
        before = state(net)
        w = T(m, new_w, True)
        params = {"fc1.weight": w, "fc1.bias": T(m, new_b)}
        out = m.func.functional_call(net, params, (T(m, X),), {"scale": 2.0})
        out.sum().backward()
        after = state(net)
        unchanged = all(np.array_equal(before[k], after[k]) for k in before
                        if k != "bn.num_batches_tracked" and not k.startswith("bn.running"))
        return out, w.grad, net.fc1.weight.grad is None, unchanged, net.bn.running_mean, \
            net.bn.num_batches_tracked, params["fc1.weight"] is w
    compare(fn)


def test_functional_call_buffers_sequence_of_dicts_and_single_arg():
    X = R(5, 3)

    def fn(m):
        net = _net(m).eval()
        d1 = {"bn.running_mean": T(m, R(4) * 0 + 1)}
        d2 = {"fc2.bias": T(m, np.array([10.0, -10.0], np.float32))}
        out = m.func.functional_call(net, (d1, d2), T(m, X))
        out2 = m.func.functional_call(net, {}, args=T(m, X))
        return out, out2
    compare(fn)


def test_functional_call_stateless_deprecated():
    def fn(m):
        lin = load(m.nn.Linear(4, 3), {"weight": W43, "bias": B3}, m)
        return m.nn.utils.stateless.functional_call(lin, {"bias": m.zeros(3)}, (T(m, X24),))
    compare(fn)


def test_functional_call_tied_weights():
    def tied(m):
        class Tied(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = m.nn.Linear(3, 3, bias=False)
                self.b = m.nn.Linear(3, 3, bias=False)
                self.b.weight = self.a.weight

            def forward(self, x):
                return self.b(self.a(x))
        return Tied()

    def fn(m):
        net = tied(m)
        x = T(m, R(2, 3))
        w = T(m, W33)
        tie = m.func.functional_call(net, {"a.weight": w}, (x,))
        untie = m.func.functional_call(net, {"a.weight": w}, (x,), tie_weights=False)
        return tie, untie
    compare(fn)
    raises_same(lambda m: m.func.functional_call(tied(m), {"a.weight": m.zeros(3, 3),
                                                           "b.weight": m.ones(3, 3)},
                                                 (m.zeros(1, 3),)))


def test_functional_call_errors():
    raises_same(lambda m: m.func.functional_call(_net(m), {"fc1.weight": m.zeros(4, 3),
                                                           "nope": m.zeros(1)},
                                                 (m.zeros(2, 3),), strict=True))
    raises_same(lambda m: m.func.functional_call(_net(m), {"fc1.weight": m.zeros(4, 3)},
                                                 (m.zeros(2, 3),), strict=True))
    raises_same(lambda m: m.func.functional_call(_net(m), ({"fc1.bias": m.zeros(4)},
                                                           {"fc1.bias": m.zeros(4)}),
                                                 (m.zeros(2, 3),)))
    raises_same(lambda m: m.func.functional_call(_net(m), ({"fc1.bias": m.zeros(4)}, 3),
                                                 (m.zeros(2, 3),)))
    raises_same(lambda m: m.func.functional_call(_net(m), 3, (m.zeros(2, 3),)))
    raises_same(lambda m: m.func.functional_call(m.nn.DataParallel(m.nn.Linear(2, 2)), {},
                                                 (m.zeros(2),)))
    raises_same(lambda m: m.func.functional_call(_net(m), {"fc1.weight": 3}, (m.zeros(2, 3),)))
    raises_same(lambda m: m.func.functional_call(_net(m), {"nope.weight": m.zeros(1)},
                                                 (m.zeros(2, 3),)))

    def restored(m):
        net = _net(m)
        w = net.fc1.weight
        try:
            m.func.functional_call(net, {"fc1.weight": m.zeros(4, 5)}, (m.zeros(2, 3),))
        except RuntimeError:
            pass
        return net.fc1.weight is w
    compare(restored)


def test_stack_module_state():
    def fn(m):
        models = [m.nn.Linear(3, 2) for _ in range(3)]
        params, buffers = m.func.stack_module_state(models)
        return params, buffers, params["weight"].is_leaf, params["weight"].requires_grad
    compare(fn)
    raises_same(lambda m: m.func.stack_module_state([]))
    raises_same(lambda m: m.func.stack_module_state([m.nn.Linear(1, 1), m.nn.Identity()]))
    raises_same(lambda m: m.func.stack_module_state([m.nn.Linear(1, 1),
                                                     m.nn.Linear(1, 1).eval()]))


# ============================================================================ fusion
def _trained_bn(m, bn, shape, seed=0):
    with m.no_grad():
        bn.running_mean.copy_(T(m, R(shape, seed=seed + 1)))
        bn.running_var.copy_(T(m, np.abs(R(shape, seed=seed + 2)) + 0.5))
        if bn.weight is not None:
            bn.weight.copy_(T(m, R(shape, seed=seed + 3)))
            bn.bias.copy_(T(m, R(shape, seed=seed + 4)))
    return bn.eval()


@pytest.mark.parametrize("conv_cls,bn_cls,transpose,bias,affine", [
    ("Conv2d", "BatchNorm2d", False, True, True), ("Conv1d", "BatchNorm1d", False, False, True),
    ("ConvTranspose2d", "BatchNorm2d", True, True, True), ("Conv2d", "BatchNorm2d", False, True,
                                                          False)])
def test_fuse_conv_bn_eval(conv_cls, bn_cls, transpose, bias, affine):
    x = R(2, 3, 6, 6) if conv_cls.endswith("2d") else R(2, 3, 6)

    def fn(m):
        conv = getattr(m.nn, conv_cls)(3, 4, 3, bias=bias).eval()
        bn = _trained_bn(m, getattr(m.nn, bn_cls)(4, affine=affine), 4)
        fused = m.nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
        xt = T(m, x)
        return (fused(xt), bn(conv(xt)), fused.weight, fused.bias, repr(fused),
                isinstance(fused.bias, m.nn.Parameter), fused.weight.requires_grad,
                conv.bias is None)
    compare(fn, rtol=1e-4, atol=1e-5)


def test_fuse_linear_bn_eval():
    x = R(5, 3)

    def fn(m):
        lin = m.nn.Linear(3, 4).eval()
        bn = _trained_bn(m, m.nn.BatchNorm1d(4), 4)
        bn1 = _trained_bn(m, m.nn.BatchNorm1d(1), 1, seed=5)
        f = m.nn.utils.fuse_linear_bn_eval(lin, bn)
        f1 = m.nn.utils.fuse_linear_bn_eval(lin, bn1)
        xt = T(m, x)
        w, b = m.nn.utils.fuse_linear_bn_weights(lin.weight, None, bn.running_mean,
                                                 bn.running_var, bn.eps, bn.weight, bn.bias)
        return f(xt), bn(lin(xt)), f1.weight, f1.bias, w, b
    compare(fn, rtol=1e-4, atol=1e-5)


def test_fusion_errors():
    raises_same(lambda m: m.nn.utils.fuse_conv_bn_eval(m.nn.Conv2d(1, 2, 1),
                                                       m.nn.BatchNorm2d(2).eval()))
    raises_same(lambda m: m.nn.utils.fuse_linear_bn_eval(m.nn.Linear(1, 2).eval(),
                                                         m.nn.BatchNorm1d(3).eval()))
    raises_same(lambda m: m.nn.utils.fuse_linear_bn_eval(m.nn.Linear(1, 2), m.nn.BatchNorm1d(2)))
    raises_same(lambda m: m.nn.utils.fuse_conv_bn_eval(
        m.nn.Conv2d(1, 2, 1).eval(), m.nn.BatchNorm2d(2, track_running_stats=False).eval()))


def test_fuse_conv_bn_weights_dtypes():
    def fn(m):
        w = T(m, R(4, 2, 3).astype(np.float64))
        rm, rv = T(m, R(4)), T(m, np.abs(R(4)) + 1)
        fw, fb = m.nn.utils.fuse_conv_bn_weights(w, None, rm, rv, 1e-5, None, None)
        return fw, fb, fw.requires_grad, fb.requires_grad
    compare(fn)


# ============================================================================ memory_format
def test_convert_conv_weight_memory_format():
    x = R(1, 2, 4, 4)

    def fn(m):
        net = m.nn.Sequential(m.nn.Conv2d(2, 3, 2), m.nn.ConvTranspose2d(3, 2, 2),
                              m.nn.Sequential(m.nn.Conv3d(1, 2, 1)))
        w = net[0].weight
        r = m.nn.utils.convert_conv2d_weight_memory_format(net, m.channels_last)
        strides2 = [net[0].weight.stride(), net[1].weight.stride(), net[2][0].weight.stride()]
        m.nn.utils.convert_conv3d_weight_memory_format(net, m.channels_last_3d)
        m.nn.utils.convert_conv2d_weight_memory_format(net[0], m.contiguous_format)
        return (r is net, strides2, net[2][0].weight.stride(), net[0].weight.stride(),
                net[0].weight is w, isinstance(w, m.nn.Parameter), net[1](net[0](T(m, x))))
    compare(fn)


# ============================================================================ skip_init
def test_skip_init():
    def fn(m):
        lin = m.nn.utils.skip_init(m.nn.Linear, 3, 2, bias=False)
        after = m.rand(3)  # the generator was not advanced by the skipped initialisation
        lin2 = m.nn.utils.skip_init(m.nn.Linear, 3, 2, device="cpu", dtype=m.float64)
        return (lin.weight.shape, lin.weight.dtype, repr(lin), list(lin2.state_dict()),
                lin2.weight.dtype, after, isinstance(lin.weight, m.nn.Parameter))
    compare(fn)

    def no_device(m):
        class NoDevice(m.nn.Module):
            def __init__(self, n):
                super().__init__()
        return m.nn.utils.skip_init(NoDevice, 3)
    raises_same(no_device)
    ex = raises_same(lambda m: m.nn.utils.skip_init(int, 3))
    assert ex[0] == "RuntimeError"


# ============================================================================ DataParallel
def _mymodel(m):
    class MyModel(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = m.nn.Linear(10, 20)
            self.layer2 = m.nn.Linear(20, 2)

        def forward(self, x, shift=0.0):
            return self.layer2(m.relu(self.layer1(x))) + shift
    return MyModel()


def test_data_parallel_is_transparent_without_gpus():
    def fn(m):
        dp = m.nn.DataParallel(_mymodel(m))
        x = m.randn(3, 10)
        out = dp(x, shift=1.0)
        out.sum().backward()
        return (repr(dp), list(dp.state_dict()), out, dp.module.layer1.weight.grad, dp.device_ids,
                hasattr(dp, "dim"), hasattr(dp, "output_device"), type(dp.module).__name__,
                [n for n, _ in dp.named_parameters()], dp(m.randn(0, 10)).shape,
                m.nn.parallel.DataParallel is m.nn.DataParallel)
    compare(fn)


def test_data_parallel_wraps_conv_batchnorm_in_train_and_eval():
    x = R(2, 3, 5, 5)

    def fn(m):
        net = m.nn.Sequential(m.nn.Conv2d(3, 4, 3), m.nn.BatchNorm2d(4), m.nn.ReLU())
        dp = m.nn.DataParallel(net)
        out_train = dp(T(m, x))
        out_train.mean().backward()
        dp.eval()
        return (out_train, dp(T(m, x)), net[1].running_mean, net[0].weight.grad, repr(dp),
                list(dp.state_dict()), net.training)
    compare(fn, rtol=1e-4, atol=1e-5)


def test_data_parallel_state_dict_roundtrip_and_device_args():
    def fn(m):
        dp = m.nn.DataParallel(_mymodel(m), device_ids=[0], output_device=0, dim=1)
        other = m.nn.DataParallel(_mymodel(m))
        res = other.load_state_dict(dp.state_dict())
        inner = _mymodel(m)
        res2 = inner.load_state_dict({k[len("module."):]: v for k, v in dp.state_dict().items()})
        return repr(res), repr(res2), other.module.layer2.bias, dp.device_ids
    compare(fn)


def test_parallel_functions_need_an_accelerator():
    raises_same(lambda m: m.nn.parallel.data_parallel(m.nn.Linear(2, 2), m.ones(2)))
    raises_same(lambda m: m.nn.parallel.parallel_apply([m.nn.Linear(2, 2)], [m.ones(2)]))
    raises_same(lambda m: m.nn.parallel.parallel_apply([m.nn.Linear(2, 2)], []))
