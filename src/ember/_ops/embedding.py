"""Embedding lookups: ``ember.embedding`` / ``F.embedding`` (rows of a weight matrix picked by
index), ``F.embedding_bag`` (sums, means or maxima of bags of rows) and the in-place
``ember.embedding_renorm_`` behind ``max_norm``.

Gradients w.r.t. the weight are dense (ember has no sparse tensors): ``sparse=True`` lookups
run, but their backward raises. The weight gradient of ``embedding`` is itself an op
(``EmbeddingDenseBackwardBackward0`` under create_graph), so double backward works; that of
``embedding_bag`` raises PyTorch's "not implemented" error when differentiated again.
"""
import math

import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, HALF_FLOATS, check_inplace, needs_grad, record, type_name
from .._tensor import Tensor, make_tensor
from .._tensor_type import legacy_type_name
from ..autograd.graph import OpNode, node_class
from ..autograd.grad_mode import STATE as _GRAD

_FLOATS = (D.float16, D.bfloat16, D.float32, D.float64)


def _node(name, backward):
    """A node class private to this file (its derivative replaces no other registration)."""
    return type(name, (OpNode,), {"__module__": "builtins", "backward_fn": staticmethod(backward)})


class _NoGrad:
    def __enter__(self):
        self.prev = _GRAD.enabled
        _GRAD.enabled = False

    def __exit__(self, *exc):
        _GRAD.enabled = self.prev


def _work(dt):
    return np.dtype(np.float32) if dt in HALF_FLOATS else dt.np


def _check_tensor(fname, x, argname, pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                        f"{type_name(x)}")


def _check_indices(indices, fname):
    if indices._dtype not in (D.int64, D.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got "
                           f"{legacy_type_name(indices)} instead (while checking arguments for "
                           f"{fname})")


def _sparse_unsupported():
    return RuntimeError("ember has no sparse tensors, so the sparse gradient of an embedding "
                        "created with sparse=True cannot be computed; use sparse=False (dense "
                        "gradients) instead")


# ---------------------------------------------------------------------------- embedding
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by ``indices``: the result has shape ``indices.shape + (D,)``.

    >>> ember.embedding(ember.tensor([[0., 1.], [2., 3.]]), ember.tensor([1, 1]))
    tensor([[2., 3.],
            [2., 3.]])
    """
    _check_tensor("embedding", weight, "weight", 1)
    _check_tensor("embedding", indices, "indices", 2)
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    _check_indices(indices, "embedding")
    idx = indices._array.astype(np.int64)
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    w = weight._array
    out = np.take(w, idx.reshape(-1), axis=0).reshape(idx.shape + (w.shape[1],))
    res = make_tensor(out, weight._dtype)
    if needs_grad(weight) and weight._dtype.category >= 2:
        record(_EMBEDDING, (weight,), res,
               {"indices": idx.copy(), "num_weights": n, "padding_idx": padding_idx,
                "scale_grad_by_freq": scale_grad_by_freq, "sparse": sparse})
    return res


def _embedding_backward(ctx, grad):
    sv = ctx.saved
    if sv["sparse"]:
        raise _sparse_unsupported()
    return embedding_dense_backward(grad, sv["indices"], sv["num_weights"], sv["padding_idx"],
                                    sv["scale_grad_by_freq"])


_EMBEDDING = _node("EmbeddingBackward0", _embedding_backward)
_EMBEDDING.saves_inputs = False


def _row_factors(flat, num_weights, padding_idx, scale_grad_by_freq, dtype):
    """Per looked-up row, the factor its gradient enters the weight gradient with: 0 for the
    padding index, 1 / (how often its index occurs) with scale_grad_by_freq, else 1."""
    f = np.ones(flat.shape[0], dtype)
    if scale_grad_by_freq:
        counts = np.bincount(flat, minlength=num_weights)
        f /= counts[flat]
    if padding_idx is not None and padding_idx >= 0:
        f[flat == padding_idx] = 0
    return f


def embedding_dense_backward(grad, indices, num_weights, padding_idx, scale_grad_by_freq):
    """The weight gradient of ``embedding``: ``grad``'s rows added into the rows they were
    looked up from (``indices`` an array)."""
    dt = grad._dtype
    work = _work(dt)
    flat = indices.reshape(-1)
    dim = grad.shape[-1]
    g = grad._array.astype(work, copy=False).reshape(flat.shape[0], dim)
    factors = _row_factors(flat, num_weights, padding_idx, scale_grad_by_freq, work)
    out = np.zeros((num_weights, dim), work)
    np.add.at(out, flat, g * factors[:, None])
    res = make_tensor(out.astype(dt.np, copy=False), dt)
    if needs_grad(grad):
        # NOTE: PyTorch's double backward drops the padding rows but ignores scale_grad_by_freq
        mask = _row_factors(flat, num_weights, padding_idx, False, work)
        record(_EMBEDDING_DENSE, (grad,), res,
               {"indices": indices, "factors": mask, "shape": tuple(grad.shape)})
    return res


def _embedding_dense_backward_backward(ctx, gg):
    # the transpose of a scatter-add is a gather
    from .indexing_ops import index_select  # noqa: F401 (Tensor.index_select is bound there)
    sv = ctx.saved
    flat = make_tensor(sv["indices"].reshape(-1), D.int64)
    factors = make_tensor(sv["factors"].astype(gg._dtype.np), gg._dtype)
    return (gg.index_select(0, flat) * factors.unsqueeze(1)).reshape(sv["shape"])


_EMBEDDING_DENSE = _node("EmbeddingDenseBackwardBackward0", _embedding_dense_backward_backward)
_EMBEDDING_DENSE.saves_inputs = False


def _p_norms(rows, p):
    a = np.abs(rows)
    if p == math.inf:
        return a.max(axis=1) if rows.shape[1] else np.zeros(rows.shape[0], rows.dtype)
    if p == -math.inf:
        return a.min(axis=1)
    if p == 0:
        return (a != 0).sum(axis=1).astype(rows.dtype)
    if p == 1:
        return a.sum(axis=1)
    if p == 2:
        return np.sqrt((a * a).sum(axis=1))
    return (a ** p).sum(axis=1) ** (1.0 / p)


def embedding_renorm_(input, indices, max_norm, norm_type):
    """Rescale, in place, the rows of ``input`` named in ``indices`` whose ``norm_type``-norm
    exceeds ``max_norm`` to norm ``max_norm`` (the ``max_norm`` of embeddings).

    >>> w = ember.tensor([[3., 4.], [0.3, 0.4]])
    >>> ember.embedding_renorm_(w, ember.tensor([0, 1]), 1.0, 2.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    _check_tensor("embedding_renorm_", input, "input", 1)
    _check_tensor("embedding_renorm_", indices, "indices", 2)
    if input.dim() != 2:
        raise RuntimeError("'self' must be 2-D")
    _check_indices(indices, "embedding_renorm_")
    check_inplace(input)
    idx = np.unique(indices._array.astype(np.int64))
    n = input.shape[0]
    if idx.size and (idx[0] < 0 or idx[-1] >= n):
        raise IndexError("index out of range in self")
    w = input._array
    work = _work(input._dtype)
    rows = w[idx].astype(work)
    norms = _p_norms(rows, norm_type)
    over = norms > max_norm
    if over.any():
        scale = (max_norm / (norms[over] + 1e-7)).astype(work)
        w[idx[over]] = (rows[over] * scale[:, None]).astype(w.dtype)
        input._bump_version()
    return input


def functional_embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
                         scale_grad_by_freq=False, sparse=False):
    """``F.embedding``: look up rows of ``weight``; ``padding_idx`` rows get no gradient,
    ``max_norm`` renormalises the looked-up rows of ``weight`` in place first.

    >>> ember.nn.functional.embedding(ember.tensor([1]), ember.tensor([[0., 1.], [2., 3.]]))
    tensor([[2., 3.]])
    """
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    if max_norm is not None:
        input = input.contiguous()
        with _NoGrad():
            embedding_renorm_(weight, input, max_norm, norm_type)
    return embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


# ---------------------------------------------------------------------------- embedding bag
_MODES = {"sum": 0, "mean": 1, "max": 2}


def _type_text(x):
    return "<class 'ember.Tensor'>" if isinstance(x, Tensor) else str(type(x))


def _bag_layout(idx, offs, include_last_offset):
    """For each index position, its bag (-1: in no bag), and the number of bags."""
    L = idx.shape[0]
    # NOTE: with include_last_offset the last offset only counts the bags: PyTorch's last bag
    # still runs to the end of the input
    nbags = max(offs.shape[0] - 1, 0) if include_last_offset else offs.shape[0]
    pos = np.arange(L)
    return (np.searchsorted(offs[:nbags], pos, side="right") - 1 if nbags
            else np.full(L, -1)), nbags


def _embedding_bag(weight, indices, offsets, scale_grad_by_freq, mode, sparse,
                   per_sample_weights, include_last_offset, padding_idx):
    if weight._dtype not in _FLOATS:
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have one of the "
                           f"following scalar types: Half, BFloat16, Float, Double; but got "
                           f"{legacy_type_name(weight)} instead (while checking arguments for "
                           f"embedding_bag)")
    _check_indices(indices, "embedding_bag")
    psw = per_sample_weights
    if psw is not None and psw._dtype is not weight._dtype:
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have the same type as "
                           f"tensor for argument #1 'per_sample_weights'; but type "
                           f"{legacy_type_name(weight)} does not equal {legacy_type_name(psw)} "
                           f"(while checking arguments for embedding_bag)")
    n, dim = weight.shape
    idx = indices._array.astype(np.int64).reshape(-1)
    offs = offsets._array.astype(np.int64).reshape(-1)
    L = idx.shape[0]
    if offs.shape[0] and offs[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {int(offs[0])}")
    if offs.shape[0] and offs[-1] > L:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {L} but got "
                           f"offsets[-1] of {int(offs[-1])}")
    if padding_idx is None:
        padding_idx = -1
    elif not -n <= padding_idx < n:
        raise RuntimeError(f"padding_idx must be within the number of embeddings, -{n} through "
                           f"{n - 1}, but got {padding_idx}")
    elif padding_idx < 0:
        padding_idx += n
    bad = np.nonzero((idx < 0) | (idx >= n))[0]
    if bad.size:
        k = int(bad[0])
        raise RuntimeError(f"Index {k} of input takes value {int(idx[k])} which is not in the "
                           f"valid range [0, {n})")
    bag, nbags = _bag_layout(idx, offs, include_last_offset)
    valid = bag >= 0
    if padding_idx >= 0:
        valid &= idx != padding_idx
    pos = np.nonzero(valid)[0]
    bagv, idxv = bag[pos], idx[pos]
    work = _work(weight._dtype)
    rows = weight._array[idxv].astype(work, copy=False)
    counts = np.bincount(bagv, minlength=nbags)
    argpos = None
    if mode == 2:
        out = np.full((nbags, dim), -np.inf, work)
        np.maximum.at(out, bagv, rows)
        out[counts == 0] = 0
        # the first position attaining each maximum receives its gradient
        cand = np.where(rows == out[bagv], pos[:, None], L)
        argpos = np.full((nbags, dim), L)
        np.minimum.at(argpos, bagv, cand)
    else:
        if psw is not None:
            rows = rows * psw._array.reshape(-1)[pos].astype(work)[:, None]
        out = np.zeros((nbags, dim), work)
        np.add.at(out, bagv, rows)
        if mode == 1:
            out /= np.maximum(counts, 1)[:, None]
    res = make_tensor(out.astype(weight._dtype.np, copy=False), weight._dtype)
    if needs_grad(weight, psw):
        record(_EMBEDDING_BAG, (weight, psw), res,
               {"idx": idx, "pos": pos, "bag": bagv, "counts": counts, "argpos": argpos,
                "mode": mode, "sparse": sparse, "scale_grad_by_freq": scale_grad_by_freq,
                "num_weights": n})
    return res


def _embedding_bag_backward(ctx, grad):
    sv = ctx.saved
    weight, psw = ctx.inputs
    if sv["sparse"] and ctx.next_functions[0][0] is not None:
        raise _sparse_unsupported()
    dt = grad._dtype
    work = _work(dt)
    g = grad._array.astype(work, copy=False)
    idx, pos, bagv, mode = sv["idx"], sv["pos"], sv["bag"], sv["mode"]
    n = sv["num_weights"]
    dim = g.shape[1]
    freq = np.bincount(idx, minlength=n).astype(work) if sv["scale_grad_by_freq"] else None
    gw = gp = None
    if ctx.next_functions[0][0] is not None:
        out = np.zeros((n, dim), work)
        if mode == 2:
            argpos = sv["argpos"]
            hit = argpos < idx.shape[0]
            b, d = np.nonzero(hit)
            np.add.at(out, (idx[argpos[b, d]], d), g[b, d])
        else:
            contrib = g[bagv]
            if mode == 1:
                contrib = contrib / sv["counts"][bagv][:, None]
            if psw is not None:
                contrib = contrib * psw._array.reshape(-1)[pos].astype(work)[:, None]
            if freq is not None:
                contrib = contrib / freq[idx[pos]][:, None]
            np.add.at(out, idx[pos], contrib)
        gw = make_tensor(out.astype(weight._dtype.np, copy=False), weight._dtype)
    if psw is not None and len(ctx.next_functions) > 1 and ctx.next_functions[1][0] is not None:
        w = weight._array.astype(work, copy=False)
        vals = np.zeros(idx.shape[0], work)
        vals[pos] = np.einsum("ij,ij->i", g[bagv], w[idx[pos]])
        gp = make_tensor(vals.reshape(psw.shape).astype(psw._dtype.np), psw._dtype)
    if _GRAD.enabled and needs_grad(grad):
        # PyTorch's _embedding_bag_backward has no derivative
        for t in (gw, gp):
            if t is not None:
                record(_EMBEDDING_BAG_BACKWARD, (grad,), t)
    return gw, gp


def _no_double_backward(ctx, grad):
    raise NotImplementedError("the derivative for '_embedding_bag_backward' is not implemented.")


_EMBEDDING_BAG = _node("EmbeddingBagBackward0", _embedding_bag_backward)
_EMBEDDING_BAG_BACKWARD = _node("EmbeddingBagBackwardBackward0", _no_double_backward)
_EMBEDDING_BAG_BACKWARD.saves_inputs = False


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """``F.embedding_bag``: the sum, mean or maximum of each bag of looked-up rows. Bags are
    given by 1-D ``input`` with ``offsets`` (bag starts), or by the rows of 2-D ``input``;
    ``per_sample_weights`` scale each row (mode 'sum'); ``padding_idx`` rows are left out.

    >>> w = ember.tensor([[1., 1.], [2., 2.], [3., 3.]])
    >>> ember.nn.functional.embedding_bag(ember.tensor([0, 1, 2]), w, ember.tensor([0, 2]))
    tensor([[1.5000, 1.5000],
            [3.0000, 3.0000]])
    """
    if weight._dtype is D.int64 and input.is_floating_point():
        import warnings
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is "
                         f"not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is "
                             "a mini-batch of fixed length sequences. However, found offsets of "
                             f"type {_type_text(offsets)}")
        from .creation import arange
        offsets = arange(0, input.numel(), input.size(1), dtype=input.dtype)
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    if max_norm is not None:
        with _NoGrad():
            embedding_renorm_(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub.")
    return _embedding_bag(weight, input, offsets, scale_grad_by_freq, _MODES[mode], sparse,
                          per_sample_weights, include_last_offset, padding_idx)


FUNCTIONS.update(embedding=embedding, embedding_renorm_=embedding_renorm_)
