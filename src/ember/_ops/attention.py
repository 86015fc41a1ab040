"""Scaled dot-product attention (``F.scaled_dot_product_attention``) and the safe softmax it
uses.

PyTorch's CPU dispatcher picks one of two routes, and the route shows (grad_fn names, output
strides, whether the gradient can be differentiated again, which dropout draws happen), so
ember picks the same one:

- the fused route (4-D q/k/v with equal head sizes and batch/head counts, no dropout, a 2-D or
  4-D mask that needs no gradient, unit last strides): one node,
  ``ScaledDotProductFlashAttentionForCpuBackward0``, forward and backward on arrays. As in
  PyTorch its gradient is not differentiable again.
- the composite route (everything else): ember ops (matmul, ``_safe_softmax``, dropout), so
  grad_fn names, dropout draws and double backward come from those ops.
"""
import math

import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, needs_grad, record, type_name
from .._memory_format import preserve_strides
from .._backend import copy_with_strides
from .._tensor import Tensor, make_tensor, wrap_dim
from ..autograd.graph import node_class, array_derivative, saved_array
from ..autograd.grad_mode import STATE as _GRAD

_FLOATS = (D.float16, D.bfloat16, D.float32, D.float64)
_FLASH_NODE = "ScaledDotProductFlashAttentionForCpuBackward0"


def _work_dtype(dt):
    # NOTE: half-precision attention accumulates in float32 and rounds once (PyTorch's CPU kernels)
    return np.float32 if dt in (D.float16, D.bfloat16) else dt.np


# ---------------------------------------------------------------------------------------------
# _safe_softmax: softmax whose fully masked rows (all -inf) give zeros instead of NaN
# ---------------------------------------------------------------------------------------------
def _safe_softmax_array(x, axis):
    m = np.max(x, axis=axis, keepdims=True)
    # a row of -inf only: shift by 0 so exp gives 0 there, then divide by 1 instead of 0
    m = np.where(np.isneginf(m), 0, m)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(x - m)
        s = np.sum(e, axis=axis, keepdims=True)
        s[s == 0] = 1
        e /= s
    return e


def _safe_softmax(input, dim, dtype=None):
    """Softmax over ``dim`` that maps rows of only ``-inf`` to zeros (attention's masked rows).

    >>> ember._safe_softmax(ember.tensor([[0., 0.], [-float('inf'), -float('inf')]]), -1)
    tensor([[0.5000, 0.5000],
            [0.0000, 0.0000]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"_safe_softmax(): argument 'self' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    if dtype is not None and dtype is not input._dtype:
        input = input.to(dtype)
    dt = input._dtype
    d = wrap_dim(dim, input._array.ndim)
    if dt not in _FLOATS:
        kernel = "softmax_lastdim_kernel_impl" if d == max(input.dim() - 1, 0) \
            else "softmax_kernel_impl"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{dt.scalar_name}\'')
    a = input._array
    if a.ndim == 0:
        res = np.ones_like(a)
    elif a.size == 0:
        res = np.empty(a.shape, dt.np)
    else:
        res = _safe_softmax_array(a.astype(_work_dtype(dt), copy=False), d)
    t = make_tensor(np.array(res.astype(dt.np, copy=False), order="C"), dt)
    if needs_grad(input):
        record(node_class("SafeSoftmaxBackward0"), (input,), t, {"result": t, "dim": d})
    return t


def _safe_softmax_grad(ctx, grad):
    # masked rows have y == 0, so their gradient is 0 (not NaN as plain softmax would give)
    y = ctx.saved["result"]
    d = ctx.saved["dim"]
    if y.ndim == 0:
        return grad * 0
    return y * (grad - (grad * y).sum(d, keepdim=True))


@array_derivative("SafeSoftmaxBackward0")
def _safe_softmax_grad_array(ctx, g):
    y = saved_array(ctx, "result")
    if y.ndim == 0 or y.dtype is not g.dtype:
        return NotImplemented
    return (y * (g - np.sum(g * y, axis=ctx.saved["dim"], keepdims=True)),)


node_class("SafeSoftmaxBackward0").backward_fn = staticmethod(_safe_softmax_grad)
node_class("SafeSoftmaxBackward0").saves_inputs = False
FUNCTIONS["_safe_softmax"] = _safe_softmax


# ---------------------------------------------------------------------------------------------
# checks shared by both routes (PyTorch's order and wording)
# ---------------------------------------------------------------------------------------------
def _check_inputs(query, key, value, attn_mask, dropout_p):
    for pos, (name, t) in enumerate((("query", query), ("key", key), ("value", value)), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' (position {pos}) "
                            f"must be Tensor, not {type_name(t)}")
    if attn_mask is not None and not isinstance(attn_mask, Tensor):
        raise TypeError("scaled_dot_product_attention(): argument 'attn_mask' must be Tensor, "
                        f"not {type_name(attn_mask)}")
    qd, kd, vd = query._dtype, key._dtype, value._dtype
    if not (qd is kd and kd is vd):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{qd.cpp_name} key.dtype: {kd.cpp_name} and value.dtype: {vd.cpp_name} instead.")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
            f"{query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead.")
    if attn_mask is not None:
        md = attn_mask._dtype
        if md is not D.bool_ and md is not D.float32 and md is not qd:
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                f"attn_mask.dtype: {md.cpp_name} and  query.dtype: {qd.cpp_name} instead.")
        if attn_mask.dim() < 2:
            raise IndexError("Dimension out of range (expected to be in range of "
                             f"[{-max(attn_mask.dim(), 1)}, {max(attn_mask.dim(), 1) - 1}], "
                             "but got -2)")
    if qd.category != 2:
        if qd.is_complex:
            raise NotImplementedError(
                f'"softmax_lastdim_kernel_impl" not implemented for \'{qd.scalar_name}\'')
        raise RuntimeError(f"expected scalar type Float but found {qd.scalar_name}")


def _check_gqa(query, key, value):
    hq, hk, hv = query.size(-3), key.size(-3), value.size(-3)
    if hq % hk != 0 or hq % hv != 0:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in ")


def _use_fused(query, key, value, attn_mask, dropout_p, enable_gqa):
    """PyTorch's CPU flash-attention constraints (sdp_utils_cpp)."""
    if dropout_p > 0.0:
        return False
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        return False
    (b, h, l, e), (bk, hk, s, ek), (bv, hv, sv, ev) = query.shape, key.shape, value.shape
    if not (b == bk == bv) or not (e == ek == ev):
        return False
    if h != hk or h != hv:
        if not (enable_gqa and hk == hv and h % hk == 0):
            return False
    if l == 0 or s == 0:
        return False
    if attn_mask is not None and (attn_mask.dim() not in (2, 4) or attn_mask._requires_grad):
        return False
    for t in (query, key, value):
        if t.shape[-1] > 1 and t.stride(-1) != 1:
            return False
    return True


def _float_mask(mask, dtype):
    """A bool mask (True = attend) as the additive 0 / -inf mask of ``dtype``."""
    from .creation import zeros_like
    if mask._dtype is not D.bool_:
        return mask
    return zeros_like(mask, dtype=dtype).masked_fill_(mask.logical_not(), float("-inf"))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """``softmax(q @ k^T * scale + mask) @ v`` with optional causal mask, dropout and grouped
    key/value heads.

    >>> q = ember.ones(1, 2, 3, 4)
    >>> ember.nn.functional.scaled_dot_product_attention(q, q, q).shape
    ember.Size([1, 2, 3, 4])
    """
    _check_inputs(query, key, value, attn_mask, dropout_p)
    if enable_gqa and query.size(-3) != key.size(-3):
        _check_gqa(query, key, value)
    if value.numel() == 0 or query.size(-2) == 0:
        return _empty_attention(query, key, value)
    if _use_fused(query, key, value, attn_mask, dropout_p, enable_gqa):
        if dropout_p != 0.0:
            raise RuntimeError("scaled_dot_product_attention_flash_attention: Currently do not "
                               "support dropout > 0")
        return _fused_attention(query, key, value, attn_mask, is_causal, scale)
    return _composite_attention(query, key, value, attn_mask, dropout_p, is_causal, scale,
                                enable_gqa)


def _empty_attention(query, key, value):
    # NOTE: PyTorch returns zeros joined to the inputs by a zero-weighted sum, so gradients
    # (zeros) still reach every input
    from .creation import zeros
    from .shape import broadcast_shapes
    batch = broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2]),
                             tuple(value.shape[:-2]))
    out = zeros(tuple(batch) + (query.size(-2), value.size(-1)), dtype=query.dtype)
    if needs_grad(query, key, value):
        out = out + (query.sum() + key.sum() + value.sum()) * 0.0
    return out


def _default_scale(query):
    e = query.size(-1)
    return 1.0 / math.sqrt(e) if e else math.inf


def _composite_attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa):
    from .blas import matmul
    from .nn_linear import dropout
    from .creation import ones
    if dropout_p > 1.0:
        # (at::dropout's own check: RuntimeError, the probability printed as C++ does)
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p:g}")
    L, S = query.size(-2), key.size(-2)
    out_dtype = query.dtype
    if out_dtype in (D.float16, D.bfloat16):
        # NOTE: PyTorch's CPU math route computes half precision in float32 and casts back
        query, key, value = (t.to(D.float32) for t in (query, key, value))
        if attn_mask is not None and attn_mask._dtype is not D.bool_:
            attn_mask = attn_mask.to(D.float32)
    s = _default_scale(query) if scale is None else float(scale)
    # q and k are each scaled by sqrt(scale) before the product (PyTorch's math kernel, for
    # range); a negative scale flips the sign on q only
    root = math.sqrt(abs(s))
    query = query * (-root if s < 0 else root)
    if attn_mask is not None:
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        attn_mask = _float_mask(attn_mask, query.dtype)
    elif is_causal:
        attn_mask = _float_mask(ones((L, S), dtype=D.bool_).tril(), query.dtype)
    if enable_gqa:
        hq = query.size(-3)
        if key.size(-3) != hq:
            key = key.repeat_interleave(hq // key.size(-3), -3)
        if value.size(-3) != hq:
            value = value.repeat_interleave(hq // value.size(-3), -3)
    attn = matmul(query, key.transpose(-2, -1) * root)
    if attn_mask is not None:
        attn.add_(attn_mask)
    attn = _safe_softmax(attn, -1)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True)
    out = matmul(attn, value)
    return out if out.dtype is out_dtype else out.to(out_dtype)


# ---------------------------------------------------------------------------------------------
# the fused route
# ---------------------------------------------------------------------------------------------
def _fused_scores(qa, ka, mask, is_causal, s):
    scores = np.matmul(qa, np.swapaxes(ka, -1, -2))
    scores *= s
    if mask is not None:
        if mask.dtype == np.bool_:
            scores = np.where(mask, scores, -np.inf)
        else:
            scores += mask
    if is_causal:
        L, S = scores.shape[-2:]
        scores[..., np.triu(np.ones((L, S), bool), 1)] = -np.inf
    return scores


def _check_mask_broadcast(mask_shape, target):
    for i in range(1, len(mask_shape) + 1):
        m, t = mask_shape[-i], target[-i]
        if m != 1 and m != t:
            raise RuntimeError(f"The size of tensor a ({t}) must match the size of tensor b "
                               f"({m}) at non-singleton dimension {len(target) - i}")


def _fused_attention(query, key, value, attn_mask, is_causal, scale):
    dt = query._dtype
    work = _work_dtype(dt)
    s = _default_scale(query) if scale is None else float(scale)
    qa = query._array.astype(work, copy=False)
    ka = key._array.astype(work, copy=False)
    va = value._array.astype(work, copy=False)
    groups = query.size(1) // key.size(1)
    if groups > 1:
        ka = np.repeat(ka, groups, axis=1)
        va = np.repeat(va, groups, axis=1)
    mask = None
    if attn_mask is not None:
        _check_mask_broadcast(attn_mask.shape, qa.shape[:3] + (ka.shape[2],))
        mask = attn_mask._array
        if mask.dtype != np.bool_:
            mask = mask.astype(work, copy=False)
    probs = _safe_softmax_array(_fused_scores(qa, ka, mask, is_causal, s), -1)
    out = np.matmul(probs, va).astype(dt.np, copy=False)
    # NOTE: the fused kernel writes its output in the query's memory layout
    out = copy_with_strides(out, preserve_strides(tuple(query.shape), query.stride()))
    t = make_tensor(out, dt)
    if needs_grad(query, key, value):
        record(node_class(_FLASH_NODE), (query, key, value), t,
               {"probs": probs, "scale": s, "groups": groups, "is_causal": bool(is_causal),
                "dropout_p": 0.0})
    return t


def _fused_grads(ctx, g):
    """Gradients of q, k, v on arrays (softmax backward through the saved probabilities)."""
    q, k, v = ctx.inputs
    probs = ctx.saved["probs"]
    s = ctx.saved["scale"]
    groups = ctx.saved["groups"]
    work = probs.dtype
    g = np.asarray(g).astype(work, copy=False)
    qa = q._array.astype(work, copy=False)
    ka = k._array.astype(work, copy=False)
    va = v._array.astype(work, copy=False)
    if groups > 1:
        ka = np.repeat(ka, groups, axis=1)
        va = np.repeat(va, groups, axis=1)
    dv = np.matmul(np.swapaxes(probs, -1, -2), g)
    dp = np.matmul(g, np.swapaxes(va, -1, -2))
    dp -= np.sum(dp * probs, axis=-1, keepdims=True)
    dp *= probs
    dp *= s
    dq = np.matmul(dp, ka)
    dk = np.matmul(np.swapaxes(dp, -1, -2), qa)
    if groups > 1:
        b, h = dk.shape[:2]
        dk = dk.reshape(b, h // groups, groups, *dk.shape[2:]).sum(2)
        dv = dv.reshape(b, h // groups, groups, *dv.shape[2:]).sum(2)
    return tuple(a.astype(t._dtype.np, copy=False) for a, t in ((dq, q), (dk, k), (dv, v)))


@array_derivative(_FLASH_NODE)
def _fused_grad_array(ctx, g):
    return _fused_grads(ctx, g)


def _fused_grad(ctx, grad):
    arrays = _fused_grads(ctx, grad._array)
    q, k, v = ctx.inputs
    grads = tuple(make_tensor(a, t._dtype) for a, t in zip(arrays, (q, k, v)))
    if _GRAD.enabled:
        # create_graph: PyTorch has no derivative for this backward; using it raises
        record(node_class("NotImplemented"), (q, k, v), grads,
               {"op": "aten::_scaled_dot_product_flash_attention_for_cpu_backward"})
    return grads


node_class(_FLASH_NODE).backward_fn = staticmethod(_fused_grad)
