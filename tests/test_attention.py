"""F.scaled_dot_product_attention and nn.MultiheadAttention / F.multi_head_attention_forward
against PyTorch: values, dtypes, strides, grad_fn names, gradients, double backward, dropout
draws, masks of every kind, seeded init, reprs, errors and warnings."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import Arr, check_same, assert_same, assert_tensor_same

rng = np.random.default_rng(0)


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def sdpa(m, *args, **kw):
    return m.nn.functional.scaled_dot_product_attention(*args, **kw)


# ---------------------------------------------------------------------------------------------
# scaled_dot_product_attention
# ---------------------------------------------------------------------------------------------
SHAPES = [
    ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5)),      # fused route
    ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)),      # value head size differs: composite
    ((3, 4, 5), (3, 6, 5), (3, 6, 5)),               # 3-D: composite
    ((4, 5), (6, 5), (6, 5)),                        # 2-D: composite (MmBackward0)
    ((1, 2, 3, 4, 5), (1, 2, 3, 6, 5), (1, 2, 3, 6, 5)),
    ((2, 3, 4, 5), (1, 3, 6, 5), (1, 3, 6, 5)),      # broadcast batch: composite
    ((2, 3, 1, 5), (2, 3, 6, 5), (2, 3, 6, 5)),
]


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sdpa_values_grads(shapes, dtype):
    ins = [Arr(randn(*s), dtype=dtype, requires_grad=True) for s in shapes]
    check_same(lambda m, q, k, v: sdpa(m, q, k, v), *ins, grad=True, check_grad_fn=True)


@pytest.mark.parametrize("shapes", SHAPES[:3], ids=str)
def test_sdpa_causal_and_scale(shapes):
    ins = [Arr(randn(*s), dtype="float64", requires_grad=True) for s in shapes]
    check_same(lambda m, q, k, v: sdpa(m, q, k, v, is_causal=True), *ins, grad=True,
               check_grad_fn=True)
    for scale in (0.3, -0.5, 2):
        check_same(lambda m, q, k, v: sdpa(m, q, k, v, scale=scale), *ins, grad=True,
                   check_grad_fn=True)


MASKS = [(4, 6), (1, 6), (1, 1, 4, 6), (2, 3, 4, 6), (2, 1, 1, 6), (3, 4, 6)]


@pytest.mark.parametrize("mshape", MASKS, ids=str)
@pytest.mark.parametrize("kind", ["bool", "float", "float_rg"])
def test_sdpa_masks(mshape, kind):
    q, k, v = randn(2, 3, 4, 5), randn(2, 3, 6, 5), randn(2, 3, 6, 5)
    if kind == "bool":
        mask = Arr(rng.random(mshape) > 0.3)
    else:
        mask = Arr(randn(*mshape), requires_grad=kind == "float_rg")
    check_same(lambda m, q, k, v, a: sdpa(m, q, k, v, attn_mask=a),
               Arr(q, requires_grad=True), Arr(k, requires_grad=True),
               Arr(v, requires_grad=True), mask, grad=True, check_grad_fn=True)


def test_sdpa_fully_masked_rows_are_zero():
    mask = np.array([[True, False, True], [False, False, False]])
    for shapes in (((1, 1, 2, 4), (1, 1, 3, 4)), ((2, 4), (3, 4))):
        q, k = randn(*shapes[0]), randn(*shapes[1])
        check_same(lambda m, q, k, a: sdpa(m, q, k, k, attn_mask=a),
                   Arr(q, requires_grad=True), Arr(k, requires_grad=True), Arr(mask),
                   grad=True, check_grad_fn=True)
    fmask = np.where(mask, 0.0, -np.inf).astype(np.float64)
    check_same(lambda m, q, a: sdpa(m, q, q, q, attn_mask=a),
               Arr(randn(1, 1, 2, 4)[..., :2, :], dtype="float64", requires_grad=True),
               Arr(fmask[:, :2]), grad=True)


def test_sdpa_mask_dtypes():
    q = randn(1, 2, 3, 4)
    # float32 mask with a float64 query is allowed, float64 with float32 is not
    check_same(lambda m, q, a: sdpa(m, q, q, q, attn_mask=a), Arr(q, dtype="float64"),
               Arr(randn(3, 3)))
    for mdt in ("float64", "int64", "int32", "float16"):
        check_same(lambda m, q, a: sdpa(m, q, q, q, attn_mask=a), q,
                   Arr(randn(3, 3), dtype=mdt))
    check_same(lambda m, q, a: sdpa(m, q, q, q, attn_mask=a), Arr(q, dtype="float16"),
               Arr(randn(3, 3), dtype="bfloat16"))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 4, 5)], ids=str)
def test_sdpa_half(dtype, shape):
    ins = [Arr(randn(*shape), dtype=dtype, requires_grad=True) for _ in range(3)]
    check_same(lambda m, q, k, v: sdpa(m, q, k, v), *ins, grad=True, check_grad_fn=True)


def test_sdpa_layouts():
    # the fused route writes its output in the query's layout; the composite route contiguously
    x = randn(2, 3, 4, 5)
    check_same(lambda m, q: sdpa(m, q.transpose(0, 1), q.transpose(0, 1), q.transpose(0, 1)),
               Arr(x, requires_grad=True), grad=True, check_grad_fn=True)
    check_same(lambda m, q: sdpa(m, q.transpose(1, 2), q.transpose(1, 2), q.transpose(1, 2)),
               Arr(x, requires_grad=True), grad=True, check_grad_fn=True)
    # last dimension not unit-strided: composite route
    check_same(lambda m, q: sdpa(m, q, q, q), Arr(randn(2, 3, 4, 10), layout="strided",
                                                  requires_grad=True),
               grad=True, check_grad_fn=True)
    check_same(lambda m, q: sdpa(m, q.expand(2, 3, 4, 5), q.expand(2, 3, 4, 5), q),
               Arr(randn(1, 3, 4, 5), requires_grad=True), grad=True, check_grad_fn=True)


@pytest.mark.parametrize("shapes", [
    ((2, 4, 4, 5), (2, 2, 6, 5), (2, 2, 6, 5)),      # fused
    ((2, 4, 4, 5), (2, 2, 6, 5), (2, 1, 6, 5)),      # composite (k/v heads differ)
    ((4, 4, 5), (2, 6, 5), (2, 6, 5)),               # 3-D composite
    ((2, 4, 4, 5), (2, 4, 6, 5), (2, 4, 6, 5)),      # equal heads
], ids=str)
def test_sdpa_gqa(shapes):
    ins = [Arr(randn(*s), dtype="float64", requires_grad=True) for s in shapes]
    check_same(lambda m, q, k, v: sdpa(m, q, k, v, enable_gqa=True), *ins, grad=True,
               check_grad_fn=True)


@pytest.mark.parametrize("shapes", [
    ((3, 0, 5), (3, 4, 5), (3, 4, 5)), ((3, 2, 5), (3, 0, 5), (3, 0, 5)),
    ((0, 3, 4, 5), (0, 3, 4, 5), (0, 3, 4, 5)), ((2, 3, 4, 0), (2, 3, 6, 0), (2, 3, 6, 0)),
    ((3, 2, 0), (3, 2, 0), (3, 2, 4)), ((2, 3, 4, 5), (2, 3, 0, 5), (2, 3, 0, 5)),
], ids=str)
def test_sdpa_empty(shapes):
    ins = [Arr(randn(*s), requires_grad=True) for s in shapes]
    check_same(lambda m, q, k, v: sdpa(m, q, k, v), *ins, grad=True, check_grad_fn=True)


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5)], ids=str)
def test_sdpa_dropout_draws(shape):
    ins = [Arr(randn(*shape), dtype="float64", requires_grad=True) for _ in range(3)]

    def fn(m, q, k, v):
        m.manual_seed(7)
        out = sdpa(m, q, k, v, dropout_p=0.4)
        return out, m.rand(3)        # the generator advanced by the same draws
    check_same(fn, *ins, grad=True, check_grad_fn=True)
    check_same(lambda m, q, k, v: sdpa(m, q, k, v, dropout_p=1.0), *ins, grad=True)
    check_same(lambda m, q, k, v: sdpa(m, q, k, v, dropout_p=-1.0), *ins)


def test_sdpa_double_backward_composite():
    def run(m, causal):
        ts = [m.tensor(randn(3, 4, 5).astype(np.float64), requires_grad=True) for _ in range(3)]
        for t, a in zip(ts, arrays):
            t.data.copy_(m.from_numpy(a))
        out = sdpa(m, *ts, is_causal=causal)
        gs = m.autograd.grad((out * out).sum(), ts, create_graph=True)
        hs = m.autograd.grad(sum((g * g).sum() for g in gs), ts)
        return [g.detach().numpy() for g in gs] + [h.numpy() for h in hs]
    arrays = [randn(3, 4, 5).astype(np.float64) for _ in range(3)]
    for causal in (False, True):
        for a, b in zip(run(ember, causal), run(torch, causal)):
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


def test_sdpa_fused_double_backward_raises():
    def fn(m, q, k, v):
        out = sdpa(m, q, k, v)
        g = m.autograd.grad(out.sum(), (q, k, v), create_graph=True)
        assert g[0].requires_grad and type(g[0].grad_fn).__name__ == "NotImplemented"
        m.autograd.grad(g[0].sum(), q)
    ins = [Arr(randn(1, 2, 3, 4), dtype="float64", requires_grad=True) for _ in range(3)]
    check_same(fn, *ins)


def test_sdpa_no_grad_and_strides():
    for shapes in SHAPES[:4]:
        check_same(lambda m, q, k, v: sdpa(m, q, k, v), *[randn(*s) for s in shapes])


@pytest.mark.parametrize("case", [
    "dtype_mismatch", "dims_1", "dtype_before_dims", "int", "bool", "complex", "mask_int",
    "mask_1d", "mask_5d", "causal_and_mask", "dropout_2", "dropout_neg_fused", "gqa_bad",
    "gqa_bad_3d", "not_tensor_q", "not_tensor_k", "mask_not_tensor", "batch_mismatch",
    "no_gqa_heads", "mask_bad_shape",
])
def test_sdpa_errors(case):
    q4, q3 = randn(2, 3, 4, 5), randn(3, 4, 5)
    cases = {
        "dtype_mismatch": (lambda m, q, k: sdpa(m, q, k, k), q4, Arr(q4, dtype="float64")),
        "dims_1": (lambda m, q: sdpa(m, q, q, q), randn(5)),
        "dtype_before_dims": (lambda m, q, k: sdpa(m, q, k, q), randn(5),
                              Arr(q3, dtype="float64")),
        "int": (lambda m, q: sdpa(m, q, q, q), Arr(q3, dtype="int64")),
        "bool": (lambda m, q: sdpa(m, q, q, q), Arr(q3, dtype="bool")),
        "complex": (lambda m, q: sdpa(m, q, q, q), Arr(q3, dtype="complex64")),
        "mask_int": (lambda m, q, a: sdpa(m, q, q, q, attn_mask=a), q3,
                     Arr(np.ones((4, 4)), dtype="int32")),
        "mask_1d": (lambda m, q, a: sdpa(m, q, q, q, attn_mask=a), q4, np.ones(4, np.float32)),
        "mask_5d": (lambda m, q, a: sdpa(m, q, q, q, attn_mask=a), q4,
                    np.ones((2, 2, 3, 4, 4), np.float32)),
        "mask_bad_shape": (lambda m, q, a: sdpa(m, q, q, q, attn_mask=a), q4,
                           np.ones((5, 4), np.float32)),
        "causal_and_mask": (lambda m, q, a: sdpa(m, q, q, q, attn_mask=a, is_causal=True), q3,
                            np.zeros((4, 4), np.float32)),
        "dropout_2": (lambda m, q: sdpa(m, q, q, q, dropout_p=2.0), q4),
        "dropout_neg_fused": (lambda m, q: sdpa(m, q, q, q, dropout_p=-1.0), q4),
        "gqa_bad": (lambda m, q, k: sdpa(m, q, k, k, enable_gqa=True), q4, randn(2, 2, 4, 5)),
        "gqa_bad_3d": (lambda m, q, k: sdpa(m, q, k, k, enable_gqa=True), q3, randn(2, 4, 5)),
        "not_tensor_q": (lambda m, q: sdpa(m, 1, q, q), q3),
        "not_tensor_k": (lambda m, q: sdpa(m, q, None, q), q3),
        "mask_not_tensor": (lambda m, q: sdpa(m, q, q, q, attn_mask=3), q3),
        "batch_mismatch": (lambda m, q, k: sdpa(m, q, k, k), q3, randn(2, 4, 5)),
        "no_gqa_heads": (lambda m, q, k: sdpa(m, q, k, k), randn(2, 4, 4, 5),
                         randn(2, 2, 4, 5)),
    }
    fn, *ins = cases[case]
    check_same(fn, *ins)


# ---------------------------------------------------------------------------------------------
# nn.MultiheadAttention / F.multi_head_attention_forward
# ---------------------------------------------------------------------------------------------
def _tensor(m, a, dtype, rg=True):
    t = m.from_numpy(a.copy()).to(getattr(m, dtype) if a.dtype.kind == "f" else None)
    return t.requires_grad_(rg) if a.dtype.kind == "f" else t


def run_mha(m, ctor, shapes, call=None, *, dtype="float32", train=True, self_attn=False,
            seed=0, masks=None):
    """Build a seeded MultiheadAttention, run it, backpropagate; everything worth comparing."""
    m.manual_seed(seed)
    mod = m.nn.MultiheadAttention(**ctor)
    if dtype == "float64":
        mod = mod.double()
    mod.train(train)
    arrays = [np.random.default_rng(i + 10).standard_normal(s).astype(np.float32)
              for i, s in enumerate(shapes)]
    ins = [_tensor(m, a, dtype) for a in arrays]
    q, k, v = (ins[0],) * 3 if self_attn else ins
    kw = dict(call or {})
    for name, a in (masks or {}).items():
        kw[name] = _tensor(m, a, dtype, rg=False) if a.dtype.kind == "f" else m.from_numpy(a)
    out, w = mod(q, k, v, **kw)
    loss = (out * out).sum() + (w.sum() * 3 if w is not None else 0)
    loss.backward()
    res = {"out": out, "weights": w,
           "grad_fn": type(out.grad_fn).__name__,
           "w_grad_fn": type(w.grad_fn).__name__ if w is not None else None}
    for n, p in mod.named_parameters():
        res["param " + n] = p.detach()
        res["grad " + n] = p.grad
    for i, t in enumerate(ins[:1] if self_attn else ins):
        res[f"input grad {i}"] = t.grad
    return res


def compare_runs(e, t, tol=None):
    assert e.keys() == t.keys()
    for k in t:
        if isinstance(t[k], torch.Tensor):
            assert_tensor_same(e[k], t[k], where=k, check_strides=k in ("out", "weights"),
                               **(tol or {}))
        else:
            assert e[k] == t[k], f"{k}: {e[k]} != {t[k]}"


def check_mha(ctor, shapes, call=None, **kw):
    tol = dict(rtol=1e-4, atol=1e-5) if kw.get("dtype", "float32") == "float32" else None
    compare_runs(run_mha(ember, ctor, shapes, call, **kw), run_mha(torch, ctor, shapes, call, **kw),
                 tol)


E, H, L, S, N = 8, 2, 4, 5, 3


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("self_attn", [True, False])
def test_mha_basic(dtype, train, need_weights, self_attn):
    check_mha(dict(embed_dim=E, num_heads=H), [(L, N, E), (S, N, E), (S, N, E)],
              dict(need_weights=need_weights), dtype=dtype, train=train, self_attn=self_attn)


@pytest.mark.parametrize("ctor", [
    dict(bias=False), dict(add_bias_kv=True), dict(add_zero_attn=True),
    dict(add_bias_kv=True, add_zero_attn=True), dict(kdim=3, vdim=6), dict(kdim=3),
    dict(batch_first=True), dict(num_heads=1), dict(num_heads=8),
], ids=str)
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_options(ctor, need_weights):
    c = dict(dict(embed_dim=E, num_heads=H), **ctor)
    kd, vd = ctor.get("kdim", E), ctor.get("vdim", E)
    shapes = [(L, N, E), (S, N, kd), (S, N, vd)]
    if ctor.get("batch_first"):
        shapes = [(N, L, E), (N, S, kd), (N, S, vd)]
    check_mha(c, shapes, dict(need_weights=need_weights), dtype="float64")
    if ctor.get("batch_first") or "kdim" not in ctor:
        check_mha(c, [shapes[0]], dict(need_weights=need_weights), dtype="float64",
                  self_attn=True)


def test_mha_kv_same_tensor_and_average():
    # key is value (the kv-packed projection), and per-head weights
    qa, kva = randn(L, N, E).astype(np.float64), randn(S, N, E).astype(np.float64)

    def run(m):
        m.manual_seed(0)
        mod = m.nn.MultiheadAttention(E, H).double()
        q = m.from_numpy(qa.copy()).requires_grad_()
        kv = m.from_numpy(kva.copy()).requires_grad_()
        out, w = mod(q, kv, kv, average_attn_weights=False)
        (out.sum() + w.sum()).backward()
        return out, w, q.grad, kv.grad, mod.in_proj_weight.grad, type(w.grad_fn).__name__
    for a, b in zip(run(ember), run(torch)):
        assert_same(a, b, rtol=1e-9, atol=1e-10)


def _mask(kind, shape, p=0.3, seed=3):
    r = np.random.default_rng(seed)
    keep = r.random(shape) > p
    keep[..., 0] = True                        # every row keeps one key
    if kind == "bool":
        return ~keep                           # True = masked out
    return np.where(keep, 0.0, -np.inf).astype(np.float32) + \
        r.standard_normal(shape).astype(np.float32) * 0.1


@pytest.mark.parametrize("kind", ["bool", "float"])
@pytest.mark.parametrize("which", ["attn2d", "attn3d", "padding", "both"])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("train", [True, False])
def test_mha_masks(kind, which, need_weights, train):
    masks = {}
    if which in ("attn2d", "both"):
        masks["attn_mask"] = _mask(kind, (L, S))
    if which == "attn3d":
        masks["attn_mask"] = _mask(kind, (N * H, L, S))
    if which in ("padding", "both"):
        masks["key_padding_mask"] = _mask(kind, (N, S), seed=5)
    check_mha(dict(embed_dim=E, num_heads=H), [(L, N, E), (S, N, E), (S, N, E)],
              dict(need_weights=need_weights), dtype="float64", masks=masks, train=train)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("padding", [False, True])
def test_mha_is_causal(need_weights, padding):
    masks = {"attn_mask": np.triu(np.ones((L, L), bool), 1)}
    if padding:
        masks["key_padding_mask"] = _mask("bool", (N, L), seed=5)
    check_mha(dict(embed_dim=E, num_heads=H), [(L, N, E)],
              dict(need_weights=need_weights, is_causal=True), dtype="float64", masks=masks,
              self_attn=True)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_unbatched(need_weights):
    masks = {"key_padding_mask": _mask("bool", (S,), seed=5), "attn_mask": _mask("bool", (L, S))}
    check_mha(dict(embed_dim=E, num_heads=H), [(L, E), (S, E), (S, E)],
              dict(need_weights=need_weights), dtype="float64", masks=masks)
    check_mha(dict(embed_dim=E, num_heads=H, batch_first=True), [(L, E), (S, E), (S, E)],
              dict(need_weights=need_weights), dtype="float64",
              masks={"attn_mask": _mask("float", (H, L, S))})


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_dropout_draws(need_weights):
    # the same seeded masks: weights dropout (need_weights) or sdpa's dropout (need_weights=False)
    check_mha(dict(embed_dim=E, num_heads=H, dropout=0.4), [(L, N, E), (S, N, E), (S, N, E)],
              dict(need_weights=need_weights), dtype="float64", seed=3)


def test_mha_init_and_repr():
    for ctor in (dict(embed_dim=16, num_heads=4), dict(embed_dim=6, num_heads=3, bias=False,
                                                        add_bias_kv=True, kdim=2, vdim=5)):
        mods = {}
        for m in (ember, torch):
            m.manual_seed(0)
            mods[m] = m.nn.MultiheadAttention(**ctor)
        assert repr(mods[ember]) == repr(mods[torch])
        esd, tsd = mods[ember].state_dict(), mods[torch].state_dict()
        assert list(esd) == list(tsd)
        for k in tsd:
            assert np.array_equal(esd[k].numpy(), tsd[k].numpy()), k
        for name in ("in_proj_weight", "q_proj_weight", "in_proj_bias", "bias_k", "bias_v"):
            assert (getattr(mods[ember], name) is None) == (getattr(mods[torch], name) is None)
        assert type(mods[ember].out_proj).__name__ == "NonDynamicallyQuantizableLinear"
        assert isinstance(mods[ember].out_proj, ember.nn.Linear)
        assert mods[ember].head_dim == mods[torch].head_dim


def test_mha_mismatched_mask_warning():
    for m in (ember, torch):
        m.manual_seed(0)
        mod = m.nn.MultiheadAttention(E, H)
        x = m.ones(L, N, E)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            mod(x, x, x, key_padding_mask=m.zeros(N, L, dtype=m.bool),
                attn_mask=m.zeros(L, L))
        msgs = [str(x.message) for x in w]
        assert "Support for mismatched key_padding_mask and attn_mask is deprecated. Use same " \
               "type for both instead." in msgs, msgs


@pytest.mark.parametrize("case", [
    "ctor_zero", "ctor_indivisible", "query_1d", "batched_key_2d", "unbatched_key_3d",
    "kpm_3d", "kpm_unbatched_2d", "attn_4d", "attn_unbatched_3d_shape", "attn_2d_shape",
    "attn_3d_shape", "kpm_shape", "int_mask", "causal_without_mask", "embed_mismatch",
    "kv_shape", "kpm_batch",
])
def test_mha_errors(case):
    def call(build, *arrays, **kw):
        def fn(m, *xs):
            m.manual_seed(0)
            mod = build(m)
            xs = [m.from_numpy(x) if isinstance(x, np.ndarray) else x for x in xs]
            q, k, v = xs[:3]
            extra = dict(zip(kw.get("names", ()), xs[3:]))
            return mod(q, k, v, **extra, **kw.get("call", {}))
        return fn, arrays
    std = lambda m: m.nn.MultiheadAttention(E, H)  # noqa: E731
    x3, x2 = randn(L, N, E), randn(L, E)
    cases = {
        "ctor_zero": (lambda m, *a: m.nn.MultiheadAttention(0, 2), ()),
        "ctor_indivisible": (lambda m, *a: m.nn.MultiheadAttention(7, 2), ()),
        "query_1d": call(std, randn(E), randn(E), randn(E)),
        "batched_key_2d": call(std, x3, x2, x2),
        "unbatched_key_3d": call(std, x2, x3, x3),
        "kpm_3d": call(std, x3, x3, x3, np.zeros((N, L, 1), bool), names=["key_padding_mask"]),
        "kpm_unbatched_2d": call(std, x2, x2, x2, np.zeros((1, L), bool),
                                 names=["key_padding_mask"]),
        "attn_4d": call(std, x3, x3, x3, np.zeros((1, 1, L, L), bool), names=["attn_mask"]),
        "attn_unbatched_3d_shape": call(std, x2, x2, x2, np.zeros((1, L, L), bool),
                                        names=["attn_mask"]),
        "attn_2d_shape": call(std, x3, x3, x3, np.zeros((L, L + 1), bool), names=["attn_mask"]),
        "attn_3d_shape": call(std, x3, x3, x3, np.zeros((N, L, L), bool), names=["attn_mask"]),
        "kpm_shape": call(std, x3, x3, x3, np.zeros((N, L + 1), bool),
                          names=["key_padding_mask"]),
        "kpm_batch": call(std, x3, x3, x3, np.zeros((N + 1, L), bool),
                          names=["key_padding_mask"]),
        "int_mask": call(std, x3, x3, x3, np.zeros((L, L), np.int64), names=["attn_mask"]),
        "causal_without_mask": call(std, x3, x3, x3, call={"is_causal": True}),
        "embed_mismatch": call(std, randn(L, N, E + 2), randn(L, N, E + 2), randn(L, N, E + 2)),
        "kv_shape": call(std, x3, randn(S, N, E), randn(L, N, E)),
    }
    fn, arrays = cases[case]
    check_same(fn, *arrays)


def test_functional_mha_forward_static_kv():
    # F.multi_head_attention_forward with static_k/static_v and separate weights
    def run(m):
        g = np.random.default_rng(1)
        t = lambda *s: m.from_numpy(g.standard_normal(s)).requires_grad_()  # noqa: E731
        q, k, v = t(L, N, E), t(S, N, 3), t(S, N, 5)
        wq, wk, wv, w_in_b, wo, bo = t(E, E), t(E, 3), t(E, 5), t(3 * E), t(E, E), t(E)
        sk, sv = t(N * H, 6, E // H), t(N * H, 6, E // H)
        out, w = m.nn.functional.multi_head_attention_forward(
            q, k, v, E, H, None, w_in_b, None, None, False, 0.0, wo, bo,
            use_separate_proj_weight=True, q_proj_weight=wq, k_proj_weight=wk,
            v_proj_weight=wv, static_k=sk, static_v=sv)
        (out.sum() + w.sum()).backward()
        return out, w, q.grad, wq.grad, w_in_b.grad, sk.grad, sv.grad
    for a, b in zip(run(ember), run(torch)):
        assert_same(a, b, rtol=1e-9, atol=1e-10)


def test_sdpa_fused_causal_with_mask():
    # the fused route applies both the causal mask and attn_mask (the composite route refuses)
    mask = rng.random((4, 6)) > 0.3
    mask[:, 0] = True
    check_same(lambda m, q, k, a: sdpa(m, q, k, k, attn_mask=a, is_causal=True),
               Arr(randn(2, 3, 4, 5), requires_grad=True), Arr(randn(2, 3, 6, 5),
                                                               requires_grad=True),
               Arr(mask), grad=True, check_grad_fn=True)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("mask_kind", ["bool", "float"])
@pytest.mark.parametrize("no_grad", [True, False])
def test_mha_inference_fully_masked_rows(need_weights, mask_kind, no_grad):
    # PyTorch's fused inference kernel (eval, no grad, batch_first self-attention, bool masks)
    # gives NaN rows where every key is masked; its other routes give zeros
    pad = np.zeros((N, L), bool)
    pad[1, -2:] = True
    pad[2, :] = True

    def fn(m, x, p):
        m.manual_seed(0)
        mod = m.nn.MultiheadAttention(E, H, batch_first=True).eval()
        if mask_kind == "float":
            p = m.zeros(p.shape).masked_fill(p, float("-inf"))
        if no_grad:
            with m.no_grad():
                return mod(x, x, x, key_padding_mask=p, need_weights=need_weights)
        return mod(x, x, x, key_padding_mask=p, need_weights=need_weights)
    check_same(fn, randn(N, L, E), pad, rtol=1e-4, atol=1e-5)
