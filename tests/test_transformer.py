"""nn.TransformerEncoderLayer / DecoderLayer / Encoder / Decoder / Transformer against PyTorch:
seeded init (bit-identical, clones included), reprs, outputs and every parameter's gradient
(float32 and float64, train with dropout 0, eval, seeded dropout), masks of every kind, the
nested-tensor inference path's zeros, warnings and errors."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import assert_tensor_same, check_same

D_MODEL, NHEAD, FF = 8, 2, 16
S_LEN, T_LEN, BATCH = 5, 4, 3


def _activation(m, name):
    if name == "silu_fn":
        return m.nn.functional.silu
    if name == "gelu_module":
        return m.nn.GELU()
    if name == "relu_fn":
        return m.nn.functional.relu
    return name


def build(m, kind, *, seed=0, dtype="float32", train=True, **kw):
    m.manual_seed(seed)
    if "activation" in kw:
        kw["activation"] = _activation(m, kw["activation"])
    layer_kw = {k: v for k, v in kw.items() if k not in ("num_layers", "norm", "nested")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "enc_layer":
            mod = m.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, **layer_kw)
        elif kind == "dec_layer":
            mod = m.nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF, **layer_kw)
        elif kind == "encoder":
            layer = m.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, **layer_kw)
            norm = m.nn.LayerNorm(D_MODEL) if kw.get("norm") else None
            mod = m.nn.TransformerEncoder(layer, kw.get("num_layers", 2), norm,
                                          enable_nested_tensor=kw.get("nested", True))
        elif kind == "decoder":
            layer = m.nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF, **layer_kw)
            norm = m.nn.LayerNorm(D_MODEL) if kw.get("norm") else None
            mod = m.nn.TransformerDecoder(layer, kw.get("num_layers", 2), norm)
        else:
            mod = m.nn.Transformer(D_MODEL, NHEAD, 2, 2, FF, **layer_kw)
    if dtype == "float64":
        mod = mod.double()
    return mod.train(train)


def _inputs(m, dtype, batch_first, batched=True):
    g = np.random.default_rng(42)

    def t(length):
        shape = (BATCH, length, D_MODEL) if batch_first else (length, BATCH, D_MODEL)
        if not batched:
            shape = (length, D_MODEL)
        return m.from_numpy(g.standard_normal(shape)).to(getattr(m, dtype)).requires_grad_()
    return t(S_LEN), t(T_LEN)


def _masks(m, spec, dtype):
    """Masks named in ``spec``: {'src_mask': 'bool2d' | 'float2d' | 'causal' | 'float3d', ...}."""
    g = np.random.default_rng(7)
    out = {}
    for name, how in spec.items():
        rows = T_LEN if name in ("tgt_mask", "memory_mask") else S_LEN
        cols = T_LEN if name == "tgt_mask" else S_LEN
        if name.endswith("key_padding_mask"):
            length = T_LEN if name.startswith("tgt") else S_LEN
            pad = np.zeros((BATCH, length), bool)
            pad[1, -2:] = True
            pad[2, -1:] = True
            if how == "unbatched":
                pad = pad[1]
            out[name] = m.from_numpy(pad) if how != "float" else \
                m.from_numpy(np.where(pad, -np.inf, 0.0)).to(getattr(m, dtype))
        elif how == "causal":
            out[name] = m.nn.Transformer.generate_square_subsequent_mask(rows, dtype=getattr(
                m, dtype))
        elif how == "bool2d":
            mk = g.random((rows, cols)) > 0.7
            mk[:, 0] = False
            out[name] = m.from_numpy(mk)
        elif how == "float2d":
            out[name] = m.from_numpy(g.standard_normal((rows, cols))).to(getattr(m, dtype))
        elif how == "float3d":
            out[name] = m.from_numpy(g.standard_normal((BATCH * NHEAD, rows, cols))).to(
                getattr(m, dtype))
        else:
            out[name] = how
    return out


def run(m, kind, *, dtype="float32", train=True, masks=None, batched=True, seed=0,
        no_grad=False, **kw):
    mod = build(m, kind, seed=seed, dtype=dtype, train=train, **kw)
    src, tgt = _inputs(m, dtype, kw.get("batch_first", False), batched)
    extra = _masks(m, masks or {}, dtype)
    if no_grad:
        with m.no_grad():
            return {"out": _forward(mod, kind, src, tgt, extra)}
    out = _forward(mod, kind, src, tgt, extra)
    (out * out).sum().backward()
    res = {"out": out, "grad_fn": type(out.grad_fn).__name__, "src grad": src.grad}
    if kind != "enc_layer" and kind != "encoder":
        res["tgt grad"] = tgt.grad
    for n, p in mod.named_parameters():
        res["grad " + n] = p.grad
    return res


def _forward(mod, kind, src, tgt, extra):
    if kind == "encoder" and "src_mask" in extra:
        extra = dict(extra)
        extra["mask"] = extra.pop("src_mask")
    if kind in ("enc_layer", "encoder"):
        return mod(src, **extra)
    if kind in ("dec_layer", "decoder"):
        return mod(tgt, src, **extra)
    return mod(src, tgt, **extra)


def check(kind, **kw):
    dtype = kw.get("dtype", "float32")
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-9, atol=1e-10)
    e, t = run(ember, kind, **kw), run(torch, kind, **kw)
    assert e.keys() == t.keys()
    for k in t:
        if isinstance(t[k], torch.Tensor):
            assert_tensor_same(e[k], t[k], where=k, check_strides=False, **tol)
        else:
            assert e[k] == t[k], f"{k}: {e[k]} != {t[k]}"


KINDS = ["enc_layer", "dec_layer", "encoder", "decoder", "transformer"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("train", [True, False])
def test_outputs_and_grads(kind, dtype, train):
    check(kind, dtype=dtype, train=train, dropout=0.0)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("opts", [
    dict(norm_first=True), dict(batch_first=True), dict(bias=False), dict(layer_norm_eps=1e-3),
    dict(activation="gelu"), dict(activation="silu_fn"), dict(activation="gelu_module"),
    dict(activation="relu_fn", norm_first=True, batch_first=True),
], ids=str)
def test_options(kind, opts):
    check(kind, dtype="float64", dropout=0.0, **opts)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_seeded_dropout(kind, batch_first):
    # the same dropout masks are drawn in the same order (attention, residual and feed-forward)
    check(kind, dtype="float64", dropout=0.3, batch_first=batch_first, seed=5)


ENC_MASKS = [
    {"src_mask": "bool2d"}, {"src_mask": "float2d"}, {"src_mask": "float3d"},
    {"src_mask": "causal"}, {"src_key_padding_mask": "bool"},
    {"src_key_padding_mask": "float"}, {"src_mask": "causal", "src_key_padding_mask": "bool"},
    {"src_mask": "causal", "is_causal": True},
]


@pytest.mark.parametrize("kind", ["enc_layer", "encoder"])
@pytest.mark.parametrize("masks", ENC_MASKS, ids=str)
@pytest.mark.parametrize("train", [True, False])
def test_encoder_masks(kind, masks, train):
    masks = dict(masks)
    if "is_causal" in masks:
        kwargs = {"is_causal": masks.pop("is_causal")}
    else:
        kwargs = {}
    check(kind, dtype="float64", dropout=0.0, train=train, masks=dict(masks, **kwargs))


DEC_MASKS = [
    {"tgt_mask": "causal"}, {"tgt_mask": "bool2d", "memory_mask": "float2d"},
    {"tgt_key_padding_mask": "bool", "memory_key_padding_mask": "bool"},
    {"tgt_mask": "causal", "tgt_is_causal": True, "memory_key_padding_mask": "float"},
    {"memory_mask": "float3d"},
]


@pytest.mark.parametrize("kind", ["dec_layer", "decoder"])
@pytest.mark.parametrize("masks", DEC_MASKS, ids=str)
def test_decoder_masks(kind, masks):
    check(kind, dtype="float64", dropout=0.0, masks=masks)


@pytest.mark.parametrize("masks", [
    {"src_mask": "causal", "tgt_mask": "causal", "src_key_padding_mask": "bool",
     "memory_key_padding_mask": "bool"},
    {"tgt_mask": "causal", "tgt_is_causal": True, "src_is_causal": False},
], ids=str)
def test_transformer_masks(masks):
    check("transformer", dtype="float64", dropout=0.0, masks=masks)


@pytest.mark.parametrize("kind", ["enc_layer", "dec_layer", "transformer"])
def test_unbatched(kind):
    masks = {"src_key_padding_mask": "unbatched"} if kind != "dec_layer" else {}
    check(kind, dtype="float64", dropout=0.0, batched=False, masks=masks)


@pytest.mark.parametrize("nested", [True, False])
@pytest.mark.parametrize("padding", ["left_aligned", "not_aligned"])
def test_encoder_inference_padding(nested, padding):
    """Eval + no_grad with a padding mask: PyTorch's nested-tensor path zeroes padded rows."""
    def run_inf(m):
        mod = build(m, "encoder", dtype="float64", train=False, batch_first=True, dropout=0.0,
                    nested=nested)
        src, _ = _inputs(m, "float64", True)
        pad = np.zeros((BATCH, S_LEN), bool)
        pad[1, -2:] = True
        if padding == "not_aligned":
            pad[2, 0] = True
        with m.no_grad():
            return mod(src, src_key_padding_mask=m.from_numpy(pad))
    e, t = run_inf(ember), run_inf(torch)
    assert_tensor_same(e, t, rtol=1e-9, atol=1e-10)


def test_seeded_init_and_clones():
    # clones are deep copies: identical across layers, bit-identical to PyTorch's
    for kind in ("encoder", "decoder", "transformer"):
        mods = {m: build(m, kind, norm=True) for m in (ember, torch)}
        esd, tsd = mods[ember].state_dict(), mods[torch].state_dict()
        assert list(esd) == list(tsd)
        for k in tsd:
            assert np.array_equal(esd[k].numpy(), tsd[k].numpy()), k
        assert repr(mods[ember]) == repr(mods[torch])
    enc = build(ember, "encoder")
    assert np.array_equal(enc.layers[0].linear1.weight.detach().numpy(),
                          enc.layers[1].linear1.weight.detach().numpy())
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight


def test_default_transformer_repr_and_size():
    # PyTorch's defaults (6 + 6 layers, 8 heads, dropout 0.1, final norms) at a small width
    # (print(nn.Transformer()) itself is the seed case s003_l0533_transformer's model)
    reprs, sizes = [], []
    for m in (ember, torch):
        m.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = m.nn.Transformer(d_model=16, dim_feedforward=32)
        reprs.append(repr(t))
        sizes.append(sum(p.numel() for p in t.parameters()))
    assert reprs[0] == reprs[1]
    assert sizes[0] == sizes[1]


def test_reprs_with_module_activation():
    for kw in (dict(activation="gelu_module"), dict(activation="gelu", norm_first=True),
               dict(bias=False, layer_norm_eps=1e-6, dropout=0.2)):
        for kind in ("enc_layer", "dec_layer"):
            assert repr(build(ember, kind, **kw)) == repr(build(torch, kind, **kw))
    e, t = build(ember, "enc_layer", activation="gelu"), build(torch, "enc_layer",
                                                             activation="gelu")
    assert e.activation_relu_or_gelu == t.activation_relu_or_gelu == 2
    e, t = build(ember, "enc_layer", activation="silu_fn"), build(torch, "enc_layer",
                                                                activation="silu_fn")
    assert e.activation_relu_or_gelu == t.activation_relu_or_gelu == 0


def test_generate_square_subsequent_mask():
    for args in ((4,), (1,), (0,), (3, None, "float64")):
        def fn(m):
            dt = getattr(m, args[2]) if len(args) > 2 else None
            return m.nn.Transformer.generate_square_subsequent_mask(args[0], dtype=dt)
        check_same(fn)


@pytest.mark.parametrize("ctor", [
    dict(norm_first=True, batch_first=True), dict(batch_first=False),
    dict(batch_first=True, bias=False), dict(batch_first=True, activation="silu_fn"),
    dict(batch_first=True, nhead=1), dict(batch_first=True),
], ids=str)
@pytest.mark.parametrize("nested", [True, False])
def test_encoder_nested_warnings(ctor, nested):
    msgs = []
    for m in (ember, torch):
        ctor_m = dict(ctor)
        nhead = ctor_m.pop("nhead", NHEAD)
        if "activation" in ctor_m:
            ctor_m["activation"] = _activation(m, ctor_m["activation"])
        layer = m.nn.TransformerEncoderLayer(D_MODEL, nhead, FF, **ctor_m)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            enc = m.nn.TransformerEncoder(layer, 2, enable_nested_tensor=nested)
        msgs.append(([str(x.message) for x in w], enc.use_nested_tensor))
    assert msgs[0] == msgs[1]


def test_mismatched_mask_warning():
    for m in (ember, torch):
        layer = build(m, "enc_layer")
        src, _ = _inputs(m, "float32", False)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            layer(src, src_mask=m.zeros(S_LEN, S_LEN),
                  src_key_padding_mask=m.zeros(BATCH, S_LEN, dtype=m.bool))
        assert any("Support for mismatched src_key_padding_mask and src_mask is deprecated"
                   in str(x.message) for x in w)


@pytest.mark.parametrize("case", ["bad_activation", "batch_mismatch", "batch_mismatch_bf",
                                  "feature_mismatch", "bad_mask_dtype"])
def test_errors(case):
    def fn(m):
        m.manual_seed(0)
        if case == "bad_activation":
            return m.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, activation="tanh")
        bf = case == "batch_mismatch_bf"
        t = m.nn.Transformer(D_MODEL, NHEAD, 1, 1, FF, batch_first=bf)
        if case.startswith("batch_mismatch"):
            return t(m.ones(S_LEN, BATCH, D_MODEL), m.ones(T_LEN, BATCH + 1, D_MODEL)) if not bf \
                else t(m.ones(BATCH, S_LEN, D_MODEL), m.ones(BATCH + 1, T_LEN, D_MODEL))
        if case == "feature_mismatch":
            return t(m.ones(S_LEN, BATCH, D_MODEL), m.ones(T_LEN, BATCH, D_MODEL + 1))
        return t(m.ones(S_LEN, BATCH, D_MODEL), m.ones(T_LEN, BATCH, D_MODEL),
                 src_mask=m.zeros(S_LEN, S_LEN, dtype=m.int64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_same(fn)


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("no_grad", [True, False])
def test_encoder_layer_inference_fully_padded(batch_first, no_grad):
    # PyTorch's fused inference layer gives NaN for a sequence whose keys are all padding
    def fn(m):
        mod = build(m, "enc_layer", train=False, batch_first=batch_first, dropout=0.0)
        src, _ = _inputs(m, "float32", batch_first)
        pad = np.zeros((BATCH, S_LEN), bool)
        pad[2, :] = True
        pad[1, -1] = True
        with m.set_grad_enabled(not no_grad):
            return mod(src.detach(), src_key_padding_mask=m.from_numpy(pad))
    check_same(fn, rtol=1e-4, atol=1e-5)
