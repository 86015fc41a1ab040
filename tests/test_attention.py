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
