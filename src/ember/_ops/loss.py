"""Loss functions and distances (``nn.functional.mse_loss``, ``cross_entropy``, ``ctc_loss``,
``cosine_similarity`` ...), with PyTorch's checks, messages, dtype rules and autograd nodes.

Two kinds of loss live here:

* losses PyTorch computes in a kernel of its own (mse, smooth L1, Huber, soft margin, BCE, BCE
  with logits, NLL, multi-margin, multilabel margin, CTC) compute their forward on arrays and
  record a node with PyTorch's name (``MseLossBackward0`` ...) whose derivative is written in
  ember ops, so double backward works where PyTorch's does;
* the others are compositions of ember ops in the order PyTorch composes them, so values and
  ``grad_fn`` chains match (``l1_loss`` is ``MeanBackward0 <- AbsBackward0 <- SubBackward0``).

The ``reduction`` strings and the legacy ``size_average``/``reduce`` flags resolve as in
``torch.nn._reduction``.
"""
import math
import warnings

import numpy as np

from .. import _autocast_state as _amp
from .. import _dtype as D
from .._dispatch import (FUNCTIONS, FLOATS, HALF_FLOATS, cast_error, missing_kernel, record,
                         shape_str, broadcast_shapes2, match_layout, wrap_result)
from .._tensor import Tensor, make_tensor
from ..autograd.graph import OpNode, node_class
from ..autograd.grad_mode import STATE as _GRAD

NONE, MEAN, SUM = 0, 1, 2
_INF = float("inf")


# ---------------------------------------------------------------------------- helpers
_EMBER = []


def _ops():
    """The ember namespace (imported late: this module loads while ember's does)."""
    if not _EMBER:
        import ember
        _EMBER.append(ember)
    return _EMBER[0]


class _NoGrad:
    """A cheap ``no_grad`` for the forward computations done with ember ops."""

    def __enter__(self):
        self.prev = _GRAD.enabled
        _GRAD.enabled = False

    def __exit__(self, *exc):
        _GRAD.enabled = self.prev


def _node(name, backward):
    """A node class named as PyTorch names it (private to this file, so the derivative here
    never replaces another op's registration of the same name)."""
    return type(name, (OpNode,), {"__module__": "builtins", "backward_fn": staticmethod(backward)})


_RENAMED = {}


def _rename(t, name):
    """Give ``t``'s grad_fn PyTorch's name for the overload it used (``x * 0.5`` written in C++
    is MulBackward1, the Scalar overload) without changing its derivative."""
    fn = t._grad_fn
    if fn is None:
        return t
    base = type(fn)
    cls = _RENAMED.get((name, base))
    if cls is None:
        cls = _RENAMED[(name, base)] = type(name, (base,), {"__module__": "builtins"})
    fn.__class__ = cls
    return t


def _g(v):
    """A double as C++ streams print it (1.5, 2, 1e+10)."""
    return "%g" % v


def _type_name(x):
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _check_tensor(fname, x, argname, pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                        f"{_type_name(x)}")


def _check_optional_tensor(fname, x, argname, pos):
    if x is not None:
        _check_tensor(fname, x, argname, pos)


def _no_requires_grad(x, argname, fname):
    if x is not None and _GRAD.enabled and x._requires_grad:
        raise RuntimeError(f"The function '{fname}' is not differentiable with respect to argument "
                           f"'{argname}'. This input cannot have requires_grad True.")


def _work(dt):
    """The NumPy dtype a loss kernel computes in (half precision computes in float32)."""
    return np.dtype(np.float32) if dt in HALF_FLOATS else dt.np


def _reduce_array(loss, r, dt):
    """Elementwise losses (already in the result dtype's precision) reduced as PyTorch does."""
    if r == NONE:
        return np.asarray(loss).astype(dt.np, copy=False)
    acc = np.asarray(loss, dtype=_work(dt))
    s = acc.sum()
    if r == MEAN:
        s = s / acc.size if acc.size else np.array(np.nan, acc.dtype)
    return np.asarray(s).astype(dt.np)


def _grad_scale(grad, r, numel):
    """The incoming gradient of a reduced loss as a per-element factor."""
    if r == MEAN:
        return grad / numel if numel else grad * math.nan
    return grad


def _needs(ctx, i):
    nf = ctx.next_functions
    return i < len(nf) and nf[i][0] is not None


def _nondiff_result(arr, dt, inputs, op):
    """A gradient computed on arrays: under create_graph it carries PyTorch's 'not implemented'
    node, as the backward kernels of multi_margin_loss, multilabel_margin_loss and ctc_loss do."""
    t = make_tensor(np.ascontiguousarray(arr, dtype=dt.np), dt)
    if _GRAD.enabled and any(isinstance(x, Tensor) and x._requires_grad for x in inputs):
        record(node_class("NotImplemented"), tuple(inputs), t, {"op": op})
    return t


# ---------------------------------------------------------------------------- reductions
def _get_enum(reduction):
    """``torch.nn._reduction.get_enum``."""
    if reduction == "none":
        return NONE
    if reduction == "mean":
        return MEAN
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=3)
        return MEAN
    if reduction == "sum":
        return SUM
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _legacy_string(size_average, reduce, emit_warning=True):
    """The reduction the deprecated ``size_average``/``reduce`` flags mean (with the warning)."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def _resolve(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return _legacy_string(size_average, reduce)
    return reduction


def _enum(size_average, reduce, reduction):
    return _get_enum(_resolve(size_average, reduce, reduction))


def _apply_reduction(t, r):
    if r == MEAN:
        return t.mean()
    if r == SUM:
        return t.sum()
    return t


def _warn_size(input, target):
    if target.size() != input.size():
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size "
                      f"({input.size()}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)


def _broadcast(input, target):
    if input._array.shape == target._array.shape:
        return input, target
    return _ops().broadcast_tensors(input, target)


def _weighted(loss, weight, reduction, mean_by_weight):
    """The ``weight=`` path of mse/l1/huber (a Python composition in PyTorch)."""
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return _ops().sum(loss)
    if reduction == "mean":
        return _ops().sum(loss) / _ops().sum(weight) if mean_by_weight else loss.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                     "'sum'.")


def _check_weight_size(weight, input):
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")


# ------------------------------------------------------------------ mse / smooth L1 / Huber
def _pointwise_forward(kind, input, target, r, param):
    """The forward of mse, smooth L1 and Huber: PyTorch's TensorIterator dtype rules (mse and
    smooth L1 promote; Huber writes into an input-like output), then the elementwise loss."""
    common = D.result_type_of((input, target))
    out_dt = common
    if kind == "huber":
        out_dt = input._dtype
        if common is not out_dt and not D.can_cast(common, out_dt):
            raise cast_error(common, out_dt)
    if common not in FLOATS:
        raise missing_kernel(f"{kind}_cpu", common)
    work = _work(common)
    with np.errstate(all="ignore"):
        d = input._array.astype(work, copy=False) - target._array.astype(work, copy=False)
        if kind == "mse":
            loss = d * d
        else:
            ad = np.abs(d)
            if kind == "smooth_l1":
                loss = np.where(ad < param, 0.5 * d * d / param, ad - 0.5 * param)
            else:
                loss = np.where(ad < param, 0.5 * d * d, param * (ad - 0.5 * param))
        loss = np.asarray(loss).astype(out_dt.np, copy=False)
        if r == NONE:
            return wrap_result(match_layout(loss, (input, target)), out_dt)
        return wrap_result(_reduce_array(loss, r, out_dt), out_dt)


def _mse_backward(ctx, grad):
    x, y = ctx.inputs
    r = ctx.saved["reduction"]
    d = x - y
    g = d * (_grad_scale(grad, r, d.numel()) * 2)
    return g, (-g if _needs(ctx, 1) else None)


def _smooth_l1_backward(ctx, grad):
    x, y = ctx.inputs
    r, beta = ctx.saved["reduction"], ctx.saved["beta"]
    d = x - y
    g = d.clamp(-beta, beta) / beta * _grad_scale(grad, r, d.numel())
    return g, (-g if _needs(ctx, 1) else None)


def _huber_backward(ctx, grad):
    x, y = ctx.inputs
    r, delta = ctx.saved["reduction"], ctx.saved["delta"]
    d = x - y
    g = d.clamp(-delta, delta) * _grad_scale(grad, r, d.numel())
    return g, (-g if _needs(ctx, 1) else None)


_MSE = _node("MseLossBackward0", _mse_backward)
_SMOOTH_L1 = _node("SmoothL1LossBackward0", _smooth_l1_backward)
_HUBER = _node("HuberLossBackward0", _huber_backward)


def _record2(node, input, target, out, saved):
    if _GRAD.enabled and (input._requires_grad or target._requires_grad) and \
            out._dtype.is_floating_point:
        record(node, (input, target), out, saved)
    return out


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target)**2``, reduced.

    >>> ember.nn.functional.mse_loss(ember.tensor([1., 2.]), ember.tensor([1., 4.]))
    tensor(2.)
    """
    if _amp.ACTIVE[0]:
        input, target, weight = _amp.fp32(input, target, weight)
    _warn_size(input, target)
    reduction = _resolve(size_average, reduce, reduction)
    x, y = _broadcast(input, target)
    if weight is not None:
        _check_weight_size(weight, input)
        return _weighted((x - y).pow(2), weight, reduction, True)
    r = _get_enum(reduction)
    out = _pointwise_forward("mse", x, y, r, None)
    return _record2(_MSE, x, y, out, {"reduction": r})


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``, reduced.

    >>> ember.nn.functional.l1_loss(ember.tensor([1., 2.]), ember.tensor([1., 4.]))
    tensor(1.)
    """
    if _amp.ACTIVE[0]:
        input, target, weight = _amp.fp32(input, target, weight)
    _warn_size(input, target)
    reduction = _resolve(size_average, reduce, reduction)
    x, y = _broadcast(input, target)
    if weight is not None:
        _check_weight_size(weight, input)
        return _weighted((x - y).abs(), weight, reduction, True)
    return _apply_reduction((x - y).abs(), _get_enum(reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (d = input - target).

    >>> ember.nn.functional.smooth_l1_loss(ember.tensor([0., 3.]), ember.tensor([0.5, 0.]))
    tensor(1.3125)
    """
    if _amp.ACTIVE[0]:
        input, target = _amp.fp32(input, target)
    _warn_size(input, target)
    reduction = _resolve(size_average, reduce, reduction)
    x, y = _broadcast(input, target)
    if beta == 0.0:
        return _apply_reduction((x - y).abs(), _get_enum(reduction))
    r = _get_enum(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    out = _pointwise_forward("smooth_l1", x, y, r, float(beta))
    return _record2(_SMOOTH_L1, x, y, out, {"reduction": r, "beta": float(beta)})


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``.

    >>> ember.nn.functional.huber_loss(ember.tensor([0., 3.]), ember.tensor([0.5, 0.]))
    tensor(1.3125)
    """
    if _amp.ACTIVE[0]:
        input, target, weight = _amp.fp32(input, target, weight)
    _warn_size(input, target)
    x, y = _broadcast(input, target)
    if weight is not None:
        _check_weight_size(weight, input)
        return _weighted(huber_loss(x, y, "none", delta), weight, reduction, False)
    r = _get_enum(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    out = _pointwise_forward("huber", x, y, r, float(delta))
    return _record2(_HUBER, x, y, out, {"reduction": r, "delta": float(delta)})


# ---------------------------------------------------------------------------- soft margin
def _soft_margin_backward(ctx, grad):
    x, y = ctx.inputs
    r = ctx.saved["reduction"]
    z = (-y * x).exp()
    # NOTE: PyTorch's formula z / (1 + z) (nan where z overflows), kept for identical results
    return -y * z / (z + 1) * _grad_scale(grad, r, x.numel()), None


_SOFT_MARGIN = _node("SoftMarginLossBackward0", _soft_margin_backward)


def _soft_margin_loss(input, target, r):
    _check_tensor("soft_margin_loss", input, "input", 1)
    _check_tensor("soft_margin_loss", target, "target", 2)
    _no_requires_grad(target, "target", "soft_margin_loss")
    with _NoGrad():
        # PyTorch's in-place chain into an input-like output, with its dtype and shape errors
        out = input.neg()
        out.mul_(target).exp_().log1p_()
        out = _apply_reduction(out, r)
    if _GRAD.enabled and input._requires_grad and out._dtype.is_floating_point:
        record(_SOFT_MARGIN, (input, target), out, {"reduction": r})
    return out


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss ``log(1 + exp(-target * input))``.

    >>> ember.nn.functional.soft_margin_loss(ember.tensor([0.]), ember.tensor([1.]))
    tensor(0.6931)
    """
    return _soft_margin_loss(input, target, _enum(size_average, reduce, reduction))


# ---------------------------------------------------------------------------- binary cross entropy
_BCE_EPS = 1e-12


def _bce_backward(ctx, grad):
    x, t = ctx.inputs
    r, w = ctx.saved["reduction"], ctx.saved["weight"]
    g = _grad_scale(grad, r, x.numel())
    if w is not None:
        g = g * w
    gx = gt = None
    if _needs(ctx, 0):
        gx = g * (x - t) / ((1 - x) * x).clamp_min(_BCE_EPS)
    if _needs(ctx, 1):
        gt = g * ((-x).log1p() - x.log())
    return gx, gt


_BCE = _node("BinaryCrossEntropyBackward0", _bce_backward)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """``-w (t log x + (1 - t) log(1 - x))`` for probabilities ``x`` in [0, 1]; each log is
    clamped at -100 as in PyTorch.

    >>> ember.nn.functional.binary_cross_entropy(ember.tensor([0.5]), ember.tensor([1.]))
    tensor(0.6931)
    """
    r = _enum(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input "
                         f"size ({input.size()}) is deprecated. Please ensure they have the same "
                         "size.")
    if weight is not None:
        new_size = _ops().broadcast_shapes(target.size(), weight.size())
        weight = weight.expand(new_size)
    return _binary_cross_entropy(input, target, weight, r)


def _binary_cross_entropy(input, target, weight, r):
    _check_tensor("binary_cross_entropy", input, "input", 1)
    _check_tensor("binary_cross_entropy", target, "target", 2)
    _check_optional_tensor("binary_cross_entropy", weight, "weight", 3)
    _no_requires_grad(weight, "weight", "binary_cross_entropy")
    dt = input._dtype
    shape = input._array.shape
    if weight is not None and weight._array.shape != shape:
        full = broadcast_shapes2(shape, weight._array.shape)
        if full != shape:
            raise RuntimeError(f"output with shape {shape_str(shape)} doesn't match the broadcast "
                               f"shape {shape_str(full)}")
    if target._dtype is not dt:
        raise RuntimeError(f"Found dtype {target._dtype.scalar_name} but expected {dt.scalar_name}")
    if dt not in FLOATS:
        raise missing_kernel("binary_cross_entropy", dt)
    work = _work(dt)
    x = input._array.astype(work, copy=False)
    if not np.all((x >= 0) & (x <= 1)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    t = target._array.astype(work, copy=False)
    with np.errstate(all="ignore"):
        loss = (t - 1) * np.maximum(np.log1p(-x), -100) - t * np.maximum(np.log(x), -100)
        if weight is not None:
            loss = loss * weight._array.astype(work, copy=False)
    loss = np.asarray(loss).astype(dt.np, copy=False)
    out = wrap_result(match_layout(loss, (input,)) if r == NONE else _reduce_array(loss, r, dt), dt)
    if _GRAD.enabled and (input._requires_grad or target._requires_grad):
        w = None
        if weight is not None:
            w = weight if weight._dtype is dt else weight.to(dt)
        record(_BCE, (input, target), out, {"reduction": r, "weight": w})
    return out


def _bce_logits_backward(ctx, grad):
    x, t = ctx.inputs
    s = ctx.saved
    r, w, pw = s["reduction"], s["weight"], s["pos_weight"]
    g = _grad_scale(grad, r, x.numel())
    if w is not None:
        g = g * w
    gx = gt = None
    if _needs(ctx, 0):
        if pw is not None:
            lw = (pw - 1) * t + 1
            gx = (lw * x.sigmoid() - pw * t) * g
        else:
            gx = (x.sigmoid() - t) * g
    if _needs(ctx, 1):
        if pw is not None:
            from .pointwise_math import logsigmoid
            gt = (logsigmoid(-x) - logsigmoid(x) * pw) * g
        else:
            gt = -x * g
    return gx, gt


_BCE_LOGITS = _node("BinaryCrossEntropyWithLogitsBackward0", _bce_logits_backward)


def _binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, r=MEAN):
    name = "binary_cross_entropy_with_logits"
    _check_tensor(name, input, "input", 1)
    _check_tensor(name, target, "target", 2)
    _check_optional_tensor(name, weight, "weight", 3)
    _check_optional_tensor(name, pos_weight, "pos_weight", 4)
    _no_requires_grad(weight, "weight", name)
    _no_requires_grad(pos_weight, "pos_weight", name)
    from .pointwise_math import logsigmoid
    with _NoGrad():
        # PyTorch's composition (result dtype: the target's), with its dtype and shape errors
        ls = logsigmoid(input)
        if pos_weight is not None:
            lw = (pos_weight - 1).mul(target).add_(1)
            ls.mul_(lw)
        loss = (1 - target).mul_(input).sub_(ls)
        if weight is not None:
            loss.mul_(weight)
        out = _apply_reduction(loss, r)
    if _GRAD.enabled and (input._requires_grad or target._requires_grad) and \
            out._dtype.is_floating_point:
        record(_BCE_LOGITS, (input, target), out,
               {"reduction": r, "weight": weight, "pos_weight": pos_weight})
    return out


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross entropy of ``sigmoid(input)``, computed stably from the logits; ``pos_weight``
    weighs the positive term.

    >>> ember.nn.functional.binary_cross_entropy_with_logits(ember.tensor([0.]), ember.tensor([1.]))
    tensor(0.6931)
    """
    if _amp.ACTIVE[0]:
        input, target, weight, pos_weight = _amp.fp32(input, target, weight, pos_weight)
    r = _enum(size_average, reduce, reduction)
    if not target.size() == input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    return _binary_cross_entropy_with_logits(input, target, weight, pos_weight, r)


# ---------------------------------------------------------------------------- KL divergence
def _kl_div(input, target, r, log_target=False):
    _check_tensor("kl_div", input, "input", 1)
    _check_tensor("kl_div", target, "target", 2)
    if input._dtype.category <= 1 or target._dtype.category <= 1:
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        out = target.exp() * (target - input)
    else:
        out = _ops().xlogy(target, target) - target * input
    return _apply_reduction(out, r)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence ``target * (log(target) - input)`` (input: log-probabilities;
    ``log_target=True``: target too). ``'batchmean'`` divides the sum by the batch size.

    >>> F = ember.nn.functional
    >>> F.kl_div(ember.tensor([0., 0.]), ember.tensor([1., 1.]), reduction='batchmean')
    tensor(0.)
    """
    if _amp.ACTIVE[0]:
        input, target = _amp.fp32(input, target)
    if size_average is not None or reduce is not None:
        r = _get_enum(_legacy_string(size_average, reduce))
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                          "support size.'batchmean' divides only by the batch size, and aligns "
                          "with the KL div math definition.'mean' will be changed to behave the "
                          "same as 'batchmean' in the next major release.", stacklevel=2)
        r = SUM if reduction == "batchmean" else _get_enum(reduction)
    reduced = _kl_div(input, target, r, log_target)
    if reduction == "batchmean" and input.dim() != 0:
        reduced = reduced / input.size()[0]
    return reduced


# ---------------------------------------------------------------------------- NLL
def _nll_backward(ctx, grad):
    x = ctx.inputs[0]
    s = ctx.saved
    if s["target_1d"]:
        # NOTE: PyTorch accepts a (1,) target for 1-D input in the forward only; its backward
        # kernel then rejects the pair
        raise RuntimeError(f"size mismatch (got input: {shape_str(x.shape)}, target: [1])")
    mt = make_tensor(_nll_coefficients(x._array, s), x._dtype)
    if s["reduction"] == NONE and x._array.ndim > 1:
        grad = grad.unsqueeze(1)
    return mt * grad


def _nll_coefficients(x, s):
    """d(loss)/d(input) per unit output gradient: -w[t] (0 where ignored, divided by the total
    weight for mean) at each target position, 0 elsewhere, in the input's shape and dtype."""
    coef = s["coef"]
    idx = s["idx"]
    m = np.zeros(s["shape2"], coef.dtype)     # the input viewed as (N, C, *rest)
    if m.size and m.ndim == 2:
        m[np.arange(m.shape[0]), idx] = coef
    elif m.size:
        np.put_along_axis(m, idx[:, None], coef[:, None], axis=1)
    return m.reshape(x.shape).astype(x.dtype, copy=False)


def _nll_backward_array(ctx, g):
    x = ctx.inputs[0]._array
    s = dict(ctx._saved)      # (raw: only arrays and flags are read)
    if s["target_1d"] or x.dtype is not g.dtype:
        return NotImplemented
    if s["reduction"] == NONE and x.ndim > 1:
        g = np.expand_dims(g, 1)
    return (_nll_coefficients(x, s) * g,)      # (target and weight get no gradient)


_NLL = _node("NllLossBackward0", _nll_backward)
_NLL2D = _node("NllLoss2DBackward0", _nll_backward)
_NLL.array_backward = _NLL2D.array_backward = staticmethod(_nll_backward_array)


def _check_nll_target_dtype(target):
    if target._dtype not in (D.int64, D.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{target._dtype.scalar_name}")


def _nll_kernel(input, target, weight, r, ignore_index, node, kernel, target_1d=False):
    """The NLL kernel on (N, C, *rest) or (C,) input: PyTorch's weight/dtype/bounds checks."""
    dt = input._dtype
    if dt not in FLOATS:
        raise missing_kernel(kernel, dt)
    if weight is not None and weight._dtype is not dt:
        raise RuntimeError(f"expected scalar type {dt.scalar_name} but found "
                           f"{weight._dtype.scalar_name}")
    work = _work(dt)
    x = input._array
    nobatch = x.ndim == 1
    x2 = x.reshape((1,) + x.shape) if nobatch else x
    t2 = target._array.astype(np.int64).reshape((1,) if nobatch else target._array.shape)
    C = x2.shape[1]
    valid = t2 != ignore_index
    bad = valid & ((t2 < 0) | (t2 >= C))
    if bad.any():
        raise IndexError(f"Target {int(t2[bad].flat[0])} is out of bounds.")
    idx = np.where(valid, t2, 0)
    if not x2.size:
        picked = np.zeros(idx.shape, work)
    elif x2.ndim == 2:
        picked = x2[np.arange(x2.shape[0]), idx].astype(work, copy=False)
    else:
        picked = np.take_along_axis(x2, idx[:, None], axis=1)[:, 0].astype(work, copy=False)
    if weight is not None:
        wt = weight._array.astype(work).reshape(-1)[idx] if C else np.zeros(idx.shape, work)
    else:
        wt = np.ones(idx.shape, work)
    wt = np.where(valid, wt, work.type(0))
    with np.errstate(all="ignore"):
        loss = np.where(valid, -picked * wt, work.type(0))
        total = wt.sum(dtype=work)
        if r == NONE:
            res = loss.reshape(()) if nobatch else loss
            coef = -wt
        elif r == SUM:
            res = loss.sum(dtype=work)
            coef = -wt
        else:
            res = loss.sum(dtype=work) / total
            coef = np.where(valid, -wt / total, work.type(0))
    out = make_tensor(np.asarray(res).astype(dt.np), dt)
    if _GRAD.enabled and input._requires_grad:
        record(node, (input,), out, {"coef": coef.astype(work), "idx": idx, "shape2": x2.shape,
                                     "reduction": r, "target_1d": target_1d})
    return out


def _nll_loss(input, target, weight, r, ignore_index, target_1d=False):
    """``nll_loss`` proper: 1-D (C,) or 2-D (N, C) input."""
    ishape, tshape = input._array.shape, target._array.shape
    if len(tshape) > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    no_batch = len(ishape) == 1 and len(tshape) == 0
    if not no_batch and ishape[0] != tshape[0]:
        raise RuntimeError(f"size mismatch (got input: {shape_str(ishape)}, target: "
                           f"{shape_str(tshape)})")
    _check_nll_target_dtype(target)
    n_classes = ishape[-1]
    if weight is not None and (weight.dim() != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes "
                           f"or no classes but got weight tensor of shape: "
                           f"{shape_str(weight.shape)}")
    return _nll_kernel(input, target, weight, r, ignore_index, _NLL, "nll_loss_out_frame",
                       target_1d)


def _nll_loss2d(input, target, weight, r, ignore_index):
    """``nll_loss2d``: (N, C, H, W) input, (N, H, W) target."""
    if target.dim() != 3:
        raise RuntimeError(f"only batches of spatial targets supported (3D tensors) but got "
                           f"targets of dimension: {target.dim()}")
    _check_nll_target_dtype(target)
    if weight is not None and weight.numel() != input.shape[1]:
        raise RuntimeError("weight tensor should be defined either for all or no classes")
    si, st = input.shape, target.shape
    if si[0] != st[0] or si[2] != st[1] or si[3] != st[2]:
        raise RuntimeError(f"size mismatch (got input: {shape_str(si)} , target: {shape_str(st)}")
    return _nll_kernel(input, target, weight, r, ignore_index, _NLL2D,
                       "nll_loss2d_forward_out_frame")


def _nll_loss_nd(input, target, weight, r, ignore_index):
    """``nll_loss_nd``: any (N, C, d1, ...) input, dispatched to the 1-D/2-D or 2d kernel."""
    ishape, tshape = input._array.shape, target._array.shape
    nd = len(ishape)
    target_1d = False
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd != 1:
        tb = tshape[0] if tshape else 0
        if ishape[0] != tb:
            raise ValueError(f"Expected input batch_size ({ishape[0]}) to match target "
                             f"batch_size ({tb}).")
    elif len(tshape) == 1:
        if tshape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{target.shape[0]}")
        target = target.reshape(())
        target_1d = True
    fname = "nll_loss_forward" if nd <= 2 else "nll_loss2d_forward"
    if nd <= 2:
        _no_requires_grad(weight, "weight", fname)
        return _nll_loss(input, target, weight, r, ignore_index, target_1d)
    if nd == 4:
        _no_requires_grad(weight, "weight", fname)
        return _nll_loss2d(input, target, weight, r, ignore_index)
    n, c = input.shape[0], input.shape[1]
    out_size = (n,) + tuple(input.shape[2:])
    if tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(f"Expected target size {shape_str(out_size)}, got "
                           f"{shape_str(target.shape)}")
    _no_requires_grad(weight, "weight", fname)
    inp = input.contiguous()
    tgt = target.contiguous()
    inp = inp.view(n, c, 1, -1) if inp.numel() > 0 else inp.view(n, c, 0, 0)
    tgt = tgt.view(n, 1, -1) if tgt.numel() > 0 else tgt.view(n, 0, 0)
    out = _nll_loss2d(inp, tgt, weight, r, ignore_index)
    return out if r != NONE else out.view(out_size)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood of class ``target`` under log-probabilities ``input``
    (N, C, d1, ...), optionally weighted per class; targets equal to ``ignore_index`` count
    for nothing.

    >>> ember.nn.functional.nll_loss(ember.tensor([[-1., -2.]]), ember.tensor([1]))
    tensor(2.)
    """
    if _amp.ACTIVE[0]:
        input, target, weight = _amp.fp32(input, target, weight)
    if size_average is not None or reduce is not None:
        reduction = _legacy_string(size_average, reduce)
    r = _get_enum(reduction)
    _check_tensor("nll_loss_nd", input, "input", 1)
    _check_tensor("nll_loss_nd", target, "target", 2)
    _check_optional_tensor("nll_loss_nd", weight, "weight", 3)
    return _nll_loss_nd(input, target, weight, r, ignore_index)


# ---------------------------------------------------------------------------- cross entropy
def _class_shape(weight, ndim, class_dim):
    if ndim <= 1:
        return weight
    shape = [1] * ndim
    shape[class_dim] = weight.shape[0]
    return weight.view(*shape)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross entropy of ``softmax(input)`` (classes on dim 1, or dim 0 for 1-D input) against
    class indices (``log_softmax`` then ``nll_loss``) or class probabilities, with per-class
    ``weight``, ``ignore_index`` and ``label_smoothing``.

    >>> ember.nn.functional.cross_entropy(ember.tensor([[0., 0.]]), ember.tensor([1]))
    tensor(0.6931)
    """
    if _amp.ACTIVE[0]:
        input, target, weight = _amp.fp32(input, target, weight)
    if size_average is not None or reduce is not None:
        reduction = _legacy_string(size_average, reduce)
    r = _get_enum(reduction)
    name = "cross_entropy_loss"
    _check_tensor(name, input, "input", 1)
    _check_tensor(name, target, "target", 2)
    _check_optional_tensor(name, weight, "weight", 3)
    ops = _ops()
    class_dim = 0 if input.dim() == 1 else 1
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{_g(label_smoothing)}")
    if tuple(input.shape) == tuple(target.shape):
        # class probabilities
        if not target._dtype.is_floating_point:
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {target._dtype.scalar_name}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        lsm = ops.log_softmax(input, class_dim, dtype=input._dtype)
        n_classes = input.shape[class_dim]
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        if weight is not None:
            if weight.dim() != 1 or weight.numel() != n_classes:
                raise RuntimeError(f"cross_entropy: weight tensor should be defined either for "
                                   f"all {n_classes} classes or no classes but got weight tensor "
                                   f"of shape: {shape_str(weight.shape)}")
            prod = lsm * target * _class_shape(weight, input.dim(), class_dim)
        else:
            prod = lsm * target
        if r == MEAN:
            return _rename(-prod.sum() / (input.numel() // n_classes), "DivBackward1")
        if r == SUM:
            return -prod.sum()
        return -prod.sum(class_dim)
    lsm = ops.log_softmax(input, class_dim, dtype=input._dtype)
    if label_smoothing <= 0:
        return _nll_loss_nd(lsm, target, weight, r, ignore_index)
    n_classes = input.shape[class_dim]
    nll = _nll_loss_nd(lsm, target, weight, r, ignore_index)
    ignore_mask = target == ignore_index
    if weight is not None:
        smooth = -(lsm * _class_shape(weight, input.dim(), class_dim)).sum(class_dim)
    else:
        smooth = -lsm.sum(class_dim)
    smooth = smooth.masked_fill(ignore_mask, 0.0)
    if r == MEAN:
        if weight is not None:
            picked = weight.gather(0, target.masked_select(~ignore_mask).flatten())
            ret = smooth.sum() / picked.sum()
        else:
            ret = smooth.sum() / (~ignore_mask).sum()
    elif r == SUM:
        ret = smooth.sum()
    else:
        ret = smooth
    return (_rename(nll * (1 - label_smoothing), "MulBackward1")
            + _rename(ret * (label_smoothing / n_classes), "MulBackward1"))


# ------------------------------------------------------------------ Poisson / Gaussian NLL
def _poisson_nll_loss(input, target, log_input, full, eps, r):
    _check_tensor("poisson_nll_loss", input, "input", 1)
    _check_tensor("poisson_nll_loss", target, "target", 2)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _apply_reduction(loss, r)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Poisson negative log likelihood: ``exp(input) - target * input`` (``log_input``), or
    ``input - target * log(input + eps)``; ``full`` adds Stirling's term.

    >>> ember.nn.functional.poisson_nll_loss(ember.tensor([0.]), ember.tensor([1.]))
    tensor(1.)
    """
    reduction = _resolve(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    return _poisson_nll_loss(input, target, log_input, full, eps, _get_enum(reduction))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log likelihood ``0.5 (log(var) + (input - target)**2 / var)``; ``var``
    is one variance per element, one per row (last dim omitted or 1) or a float.

    >>> ember.nn.functional.gaussian_nll_loss(ember.tensor([1.]), ember.tensor([1.]), 1.0)
    tensor(0.)
    """
    ops = _ops()
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ops.ones_like(input)
    elif ops.any(var < 0):
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = ops.unsqueeze(var, -1)
        elif input.ndim == var.ndim and sum(
                y for x, y in zip(input.size(), var.size()) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction != "none" and reduction != "mean" and reduction != "sum":
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with _NoGrad():
        var.clamp_(min=eps)
    loss = 0.5 * (ops.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# ---------------------------------------------------------------------------- margin losses
def _margin_ranking_loss(input1, input2, target, margin, r):
    for i, (n, x) in enumerate((("input1", input1), ("input2", input2), ("target", target))):
        _check_tensor("margin_ranking_loss", x, n, i + 1)
    out = (-target * (input1 - input2) + float(margin)).clamp_min(0)
    return _apply_reduction(out, r)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``.

    >>> F = ember.nn.functional
    >>> F.margin_ranking_loss(ember.tensor([1.]), ember.tensor([2.]), ember.tensor([1.]))
    tensor(1.)
    """
    r = _enum(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.size()}, input2: {input2.size()}, "
                           f"target: {target.size()} ")
    return _margin_ranking_loss(input1, input2, target, margin, r)


def _hinge_embedding_loss(input, target, margin, r):
    _check_tensor("hinge_embedding_loss", input, "input", 1)
    _check_tensor("hinge_embedding_loss", target, "target", 2)
    ops = _ops()
    zeros = ops.zeros_like(input)
    # NOTE: C++ ``margin - self`` is empty_like(self).fill_(margin).sub_(self): self's dtype
    margin_clamp = (ops.full_like(input, float(margin)) - input).clamp_min(0)
    output_margin = ops.where(target != 1, margin_clamp, zeros)
    output_self = ops.where(target != -1, input, zeros)
    return _apply_reduction(output_margin + output_self, r)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """``x`` where target is 1, ``max(0, margin - x)`` where it is -1.

    >>> ember.nn.functional.hinge_embedding_loss(ember.tensor([0.3]), ember.tensor([-1.]))
    tensor(0.7000)
    """
    return _hinge_embedding_loss(input, target, margin, _enum(size_average, reduce, reduction))


_EPSILON = 1e-12


def _cosine_embedding_loss(input1, input2, target, margin, r):
    for i, (n, x) in enumerate((("input1", input1), ("input2", input2), ("target", target))):
        _check_tensor("cosine_embedding_loss", x, n, i + 1)
    ops = _ops()
    targ_dim = target.dim()
    if targ_dim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if targ_dim == 1:
        if input1.dim() != 2 or input2.dim() != 2:
            raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                               f"sizes {shape_str(input1.shape)} and {shape_str(input2.shape)}.")
    elif input1.dim() != 1 or input2.dim() != 1:
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {shape_str(input1.shape)} and {shape_str(input2.shape)}.")
    prod_sum = (input1 * input2).sum(targ_dim)
    mag_square1 = (input1 * input1).sum(targ_dim) + _EPSILON
    mag_square2 = (input2 * input2).sum(targ_dim) + _EPSILON
    denom = (mag_square1 * mag_square2).sqrt()
    cos = prod_sum / denom
    zeros = ops.zeros_like(cos)
    pos = ops.full_like(cos, 1.0) - cos
    neg = (cos - float(margin)).clamp_min(0)
    output_pos = ops.where(target == 1, pos, zeros)
    output_neg = ops.where(target == -1, neg, zeros)
    return _apply_reduction(output_pos + output_neg, r)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos(x1, x2) - margin)`` where it is -1.

    >>> F = ember.nn.functional
    >>> F.cosine_embedding_loss(ember.ones(1, 2), ember.ones(1, 2), ember.tensor([1.]))
    tensor(0.)
    """
    return _cosine_embedding_loss(input1, input2, target, margin,
                                  _enum(size_average, reduce, reduction))


def _multi_margin_loss(input, target, p, margin, weight, r):
    name = "multi_margin_loss"
    _check_tensor(name, input, "input", 1)
    _check_tensor(name, target, "target", 2)
    _check_optional_tensor(name, weight, "weight", 5)
    _no_requires_grad(weight, "weight", name)
    nd = input.dim()
    shape = tuple(input.shape)
    if not ((nd == 2 and shape[1] != 0) or (nd == 1 and shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {shape_str(shape)}")
    nframe = 1 if nd <= 1 else shape[0]
    dim = 1 if nd == 0 else shape[-1]
    if target.dim() > 1 or target.numel() != nframe:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to "
                           f"the number of input samples (batch size). Expected target size "
                           f"[{nframe}], but got {shape_str(target.shape)}. Input has shape "
                           f"{shape_str(shape)}.")
    if weight is not None and (weight.dim() > 1 or weight.numel() != dim):
        raise RuntimeError(f"inconsistent weight size, expected {dim} but got "
                           f"{shape_str(weight.shape)}")
    dt = input._dtype
    if dt not in (D.float32, D.float64):
        raise missing_kernel("multi_margin_loss_cpu_kernel", dt)
    if target._dtype is not D.int64:
        raise RuntimeError(f"expected scalar type Long but found {target._dtype.scalar_name}")
    if weight is not None and weight._dtype is not dt:
        raise RuntimeError(f"expected scalar type {dt.scalar_name} but found "
                           f"{weight._dtype.scalar_name}")
    x = input._array.reshape(nframe, dim)
    y = target._array.reshape(nframe)
    if ((y < 0) | (y >= dim)).any():
        raise RuntimeError("target out of range")
    rows = np.arange(nframe)
    with np.errstate(all="ignore"):
        h = margin - x[rows, y][:, None] + x
        h[rows, y] = 0
        z = np.maximum(h, 0)
        if p == 2:
            z = z * z
        wy = weight._array.reshape(-1)[y][:, None] if weight is not None else None
        if wy is not None:
            z = z * wy
        per = z.sum(1) / dim
    res = per.reshape(target._array.shape) if r == NONE else per
    out = wrap_result(_reduce_array(res.astype(dt.np), r, dt), dt)
    if _GRAD.enabled and input._requires_grad:
        record(_MULTI_MARGIN, (input,), out,
               {"h": h, "y": y, "p": p, "wy": wy, "dim": dim, "reduction": r})
    return out


def _multi_margin_backward(ctx, grad):
    x = ctx.inputs[0]
    s = ctx.saved
    h, y, dim = s["h"], s["y"], s["dim"]
    rows = np.arange(h.shape[0])
    d = (h > 0).astype(h.dtype)
    d[rows, y] = 0
    if s["p"] == 2:
        d = d * (2 * h)
    if s["wy"] is not None:
        d = d * s["wy"]
    d = d / dim
    d[rows, y] = -d.sum(1)
    g = grad._array.astype(h.dtype)
    r = s["reduction"]
    if r == NONE:
        d = d * g.reshape(-1, 1)
    else:
        d = d * (g / h.shape[0] if r == MEAN else g)
    return _nondiff_result(d.reshape(x._array.shape), x._dtype, (grad, x),
                           "aten::multi_margin_loss_backward")


_MULTI_MARGIN = _node("MultiMarginLossBackward0", _multi_margin_backward)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge loss ``sum_j max(0, margin - x[y] + x[j])**p / C`` over ``j != y``.

    >>> ember.nn.functional.multi_margin_loss(ember.tensor([[0., 1.]]), ember.tensor([1]))
    tensor(0.)
    """
    r = _enum(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    return _multi_margin_loss(input, target, p, margin, weight, r)


def _multilabel_margin_loss(input, target, r):
    name = "multilabel_margin_loss"
    _check_tensor(name, input, "input", 1)
    _check_tensor(name, target, "target", 2)
    nd = input.dim()
    shape = tuple(input.shape)
    if not ((nd == 2 and shape[1] != 0) or (nd == 1 and shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {shape_str(shape)}")
    if nd <= 1:
        nframe, dim = 1, (1 if nd == 0 else shape[0])
        ok = target.dim() <= 1 and target.numel() == dim
    else:
        nframe, dim = shape
        ok = target.dim() == 2 and tuple(target.shape) == (nframe, dim)
    if not ok:
        raise RuntimeError(f"inconsistent target size: {shape_str(target.shape)} for input of "
                           f"size: {shape_str(shape)}")
    dt = input._dtype
    if dt not in (D.float32, D.float64):
        raise missing_kernel("multilabel_margin_loss_forward_out_frame", dt)
    if target._dtype is not D.int64:
        raise RuntimeError(f"expected scalar type Long but found {target._dtype.scalar_name}")
    x = input._array.reshape(nframe, dim)
    y = target._array.reshape(nframe, dim)
    if ((y < -1) | (y >= dim)).any():
        raise RuntimeError("argument #2 'target' is out of range")
    # the targets of a sample are its entries before the first -1 (duplicates count twice)
    before = np.cumsum(y == -1, axis=1) == 0
    tj = np.where(before, y, 0)
    rows = np.arange(nframe)[:, None]
    is_target = np.zeros((nframe, dim), bool)
    is_target[np.broadcast_to(rows, tj.shape)[before], tj[before]] = True
    xt = x[rows, tj]                                         # (N, J)
    with np.errstate(all="ignore"):
        h = 1 - xt[:, :, None] + x[:, None, :]               # (N, J, I)
        active = before[:, :, None] & ~is_target[:, None, :]
        z = np.where(active, np.maximum(h, 0), 0)
        per = (z.sum((1, 2)) / dim).astype(dt.np)
    res = per.reshape(()) if (r == NONE and nd <= 1) else per
    out = wrap_result(_reduce_array(res, r, dt), dt)
    if _GRAD.enabled and input._requires_grad:
        record(_MULTILABEL_MARGIN, (input,), out,
               {"mask": active & (h > 0), "tj": tj, "dim": dim, "reduction": r})
    return out


def _multilabel_margin_backward(ctx, grad):
    x = ctx.inputs[0]
    s = ctx.saved
    mask, tj, dim = s["mask"], s["tj"], s["dim"]
    work = x._array.dtype
    n = mask.shape[0]
    d = mask.sum(1).astype(work)                              # + for each non-target i
    minus = mask.sum(2).astype(work)                          # - for each target entry j
    rows = np.broadcast_to(np.arange(n)[:, None], tj.shape)
    np.subtract.at(d, (rows, tj), minus)
    d = d / dim
    g = grad._array.astype(work)
    r = s["reduction"]
    if r == NONE:
        d = d * g.reshape(-1, 1)
    else:
        d = d * (g / n if r == MEAN else g)
    return _nondiff_result(d.reshape(x._array.shape), x._dtype, (grad, x),
                           "aten::multilabel_margin_loss_backward")


_MULTILABEL_MARGIN = _node("MultilabelMarginLossBackward0", _multilabel_margin_backward)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss: each target class (the entries of ``target`` before the first
    -1) against each non-target class, ``max(0, 1 - (x[j] - x[i])) / C``.

    >>> F = ember.nn.functional
    >>> x, y = ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([[3, 0, -1, 1]])
    >>> F.multilabel_margin_loss(x, y)
    tensor(0.8500)
    """
    return _multilabel_margin_loss(input, target, _enum(size_average, reduce, reduction))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Per-class logistic loss averaged over classes (the last dim).

    >>> F = ember.nn.functional
    >>> F.multilabel_soft_margin_loss(ember.zeros(1, 2), ember.tensor([[1., 0.]]))
    tensor(0.6931)
    """
    from .pointwise_math import logsigmoid
    if size_average is not None or reduce is not None:
        reduction = _legacy_string(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    C = input.size(class_dim)
    loss = loss.sum(dim=class_dim) / C
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


# ---------------------------------------------------------------------------- distances
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dimension.

    >>> ember.nn.functional.pairwise_distance(ember.tensor([[0., 0.]]), ember.tensor([[3., 4.]]))
    tensor([5.0000])
    """
    _check_tensor("pairwise_distance", x1, "x1", 1)
    _check_tensor("pairwise_distance", x2, "x2", 2)
    inner = max(x1.dim(), x2.dim()) - 1
    d = _rename(x1 - x2 + float(eps), "AddBackward1")
    return _rename(_ops().norm(d, float(p), inner, keepdim), "NormBackward1")


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``x1 . x2 / (max(||x1||, eps) max(||x2||, eps))`` along ``dim`` (inputs broadcast).

    >>> F = ember.nn.functional
    >>> F.cosine_similarity(ember.tensor([[1., 0.]]), ember.tensor([[1., 1.]]))
    tensor([0.7071])
    """
    _check_tensor("cosine_similarity", x1, "x1", 1)
    _check_tensor("cosine_similarity", x2, "x2", 2)
    from .reduction import vector_norm
    common = D.result_type_of((x1, x2))
    if not common.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{common.scalar_name}")
    shape = broadcast_shapes2(tuple(x1.shape), tuple(x2.shape))
    a = x1 if x1._dtype is common else x1.to(common)
    b = x2 if x2._dtype is common else x2.to(common)
    if tuple(a.shape) != shape:
        a = a.expand(shape)
    if tuple(b.shape) != shape:
        b = b.expand(shape)
    na = vector_norm(a, 2, dim, True).clone()
    nb = vector_norm(b, 2, dim, True).clone()
    with _NoGrad():
        na.clamp_min_(eps)
        nb.clamp_min_(eps)
    return ((a / na) * (b / nb)).sum(dim)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(||input||_p, eps)`` along ``dim``.

    >>> ember.nn.functional.normalize(ember.tensor([[3., 4.]]))
    tensor([[0.6000, 0.8000]])
    """
    if out is None:
        denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
        return input / denom
    denom = input.norm(p, dim, keepdim=True).clamp_min_(eps).expand_as(input)
    return _ops().div(input, denom, out=out)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding, a new last dimension of ``num_classes`` (default: max + 1).

    >>> ember.nn.functional.one_hot(ember.tensor([0, 2]))
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    _check_tensor("one_hot", tensor, "input", 1)
    if tensor._dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = tensor._array
    if a.size == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return make_tensor(np.zeros(a.shape + (num_classes,), np.int64), D.int64)
    if a.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(a.max()) + 1
    elif num_classes <= a.max():
        raise RuntimeError("Class values must be smaller than num_classes.")
    res = (a[..., None] == np.arange(num_classes)).astype(np.int64)
    return make_tensor(res, D.int64)


def _triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, r):
    for i, (n, x) in enumerate((("anchor", anchor), ("positive", positive),
                                ("negative", negative))):
        _check_tensor("triplet_margin_loss", x, n, i + 1)
    a_dim, p_dim, n_dim = anchor.dim(), positive.dim(), negative.dim()
    if not (a_dim == p_dim and p_dim == n_dim):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a_dim}D, positive "
                           f"{p_dim}D, and negative {n_dim}D inputs")
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_swap = pairwise_distance(positive, negative, p, eps)
        dist_neg = _ops().minimum(dist_neg, dist_swap)
    out = (_rename(dist_pos + float(margin), "AddBackward1") - dist_neg).clamp_min(0)
    return _apply_reduction(out, r)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the pairwise p-norm distance.

    >>> F = ember.nn.functional
    >>> F.triplet_margin_loss(ember.zeros(1, 2), ember.zeros(1, 2), ember.ones(1, 2) * 3)
    tensor(0.)
    """
    r = _enum(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return _triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, r)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """Triplet margin loss with any ``distance_function(x, y)`` (default: pairwise_distance).

    >>> F = ember.nn.functional
    >>> F.triplet_margin_with_distance_loss(ember.zeros(1, 2), ember.zeros(1, 2), ember.ones(1, 2))
    tensor(0.)
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a_dim, p_dim, n_dim = anchor.ndim, positive.ndim, negative.ndim
    if not (a_dim == p_dim and p_dim == n_dim):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a_dim}D, positive "
                           f"{p_dim}D, and negative {n_dim}D inputs")
    if distance_function is None:
        distance_function = pairwise_distance
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    if swap:
        dist_swap = distance_function(positive, negative)
        dist_neg = _ops().minimum(dist_neg, dist_swap)
    loss = _ops().clamp_min(margin + dist_pos - dist_neg, 0)
    if reduction == "sum":
        return _ops().sum(loss)
    if reduction == "mean":
        return _ops().mean(loss)
    return loss


# ---------------------------------------------------------------------------- CTC
def _lengths(x, name):
    if isinstance(x, Tensor):
        if x._dtype.category != 1:
            raise RuntimeError(f"{name} must be integral")
        return [int(v) for v in x._array.reshape(-1)]
    if isinstance(x, (int, np.integer)):
        return [int(x)]
    return [int(v) for v in x]


_CTC_WHERE = "(while checking arguments for ctc_loss_allocate_outputs)"


def _lse3(a, b, c):
    """Elementwise log(exp(a) + exp(b) + exp(c)) with -inf handled."""
    m = np.maximum(np.maximum(a, b), c)
    ms = np.where(np.isfinite(m), m, 0)
    with np.errstate(all="ignore"):
        s = np.exp(a - ms) + np.exp(b - ms) + np.exp(c - ms)
        return np.where(np.isneginf(m), -np.inf, np.log(s) + ms)


def _ctc_setup(lp, targets, il, tl, blank):
    T, N, C = lp.shape
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    if len(il) != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tl) != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    tg = targets._array.astype(np.int64, copy=False) if targets._dtype.category >= 1 else \
        targets._array.astype(np.int64)
    L = np.asarray(tl, np.int64).reshape(N)
    maxL = int(L.max()) if N else 0
    if targets.dim() == 1:
        pos = int(L.sum())
        if tg.shape[0] != pos:
            raise RuntimeError(f"Expected tensor to have size {pos} at dimension 0, but got size "
                               f"{tg.shape[0]} for argument #2 'targets' {_CTC_WHERE}")
        starts = np.concatenate([[0], np.cumsum(L)[:-1]]).astype(np.int64)
        padded = np.full((N, maxL), blank, np.int64)
        for b in range(N):
            padded[b, :L[b]] = tg[starts[b]:starts[b] + L[b]]
    else:
        if tg.shape[0] != N:
            raise RuntimeError(f"Expected tensor to have size {N} at dimension 0, but got size "
                               f"{tg.shape[0]} for argument #2 'targets' {_CTC_WHERE}")
        if tg.shape[1] < maxL:
            raise RuntimeError(f"Expected tensor to have size at least {maxL} at dimension 1, but "
                               f"got size {tg.shape[1]} for argument #2 'targets' {_CTC_WHERE}")
        padded = np.where(np.arange(maxL)[None] < L[:, None], tg[:, :maxL], blank)
    for b in range(N):
        if il[b] < 0:
            raise RuntimeError(f"Expected input_lengths to have value at least 0, but got value "
                               f"{il[b]} {_CTC_WHERE}")
        if il[b] > T:
            raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value "
                               f"{il[b]} {_CTC_WHERE}")
        if L[b] < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got value "
                               f"{L[b]} {_CTC_WHERE}")
    S2 = 2 * maxL + 1
    ext = np.full((N, S2), blank, np.int64)
    ext[:, 1::2] = padded
    valid = np.arange(S2)[None] < (2 * L + 1)[:, None]
    skip = np.zeros((N, S2), bool)          # position s may be reached from s - 2
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    return ext, valid, skip, np.asarray(il, np.int64).reshape(N), L


def _ctc_alpha(lpa, ext, valid, skip, il, L):
    T, N, _ = lpa.shape
    S2 = ext.shape[1]
    emit = lpa[:, np.arange(N)[:, None], ext]                 # (T, N, S2)
    la = np.full((T, N, S2), -np.inf)
    ninf = np.full((N, 1), -np.inf)
    ninf2 = np.full((N, 2), -np.inf)
    if T:
        la[0, :, 0] = emit[0, :, 0]
        if S2 > 1:
            la[0, :, 1] = np.where(L > 0, emit[0, :, 1], -np.inf)
    for t in range(1, T):
        prev = la[t - 1]
        a2 = np.concatenate([ninf, prev[:, :-1]], 1)
        a3 = np.where(skip, np.concatenate([ninf2, prev[:, :-2]], 1)[:, :S2], -np.inf)
        la[t] = np.where(valid, _lse3(prev, a2, a3) + emit[t], -np.inf)
    rows = np.arange(N)
    last = np.maximum(il - 1, 0)
    end = la[last, rows, 2 * L]
    end1 = np.where(L > 0, la[last, rows, np.maximum(2 * L - 1, 0)], -np.inf)
    ll = np.logaddexp(end, end1)
    ll = np.where(il == 0, np.where(L == 0, 0.0, -np.inf), ll)
    return -ll, la, emit


def _ctc_backward(ctx, grad):
    lp = ctx.inputs[0]
    s = ctx.saved
    ext, valid, skip, il, L = s["setup"]
    nll, la, emit = s["nll"], s["alpha"], s["emit"]
    lpa = lp._array.astype(np.float64)
    T, N, C = lpa.shape
    S2 = ext.shape[1]
    lb = np.full((T, N, S2), -np.inf)
    rows = np.arange(N)
    ninf = np.full((N, 1), -np.inf)
    ninf2 = np.full((N, 2), -np.inf)
    skip_next = np.concatenate([skip[:, 2:], np.zeros((N, 2), bool)], 1)[:, :S2]
    for t in range(T - 1, -1, -1):
        init = t == il - 1
        if t + 1 < T:
            nxt = lb[t + 1]
            b2 = np.concatenate([nxt[:, 1:], ninf], 1)
            b3 = np.where(skip_next, np.concatenate([nxt[:, 2:], ninf2], 1)[:, :S2], -np.inf)
            rec = _lse3(nxt, b2, b3) + emit[t]
        else:
            rec = np.full((N, S2), -np.inf)
        start = np.full((N, S2), -np.inf)
        start[rows, 2 * L] = emit[t, rows, 2 * L]
        has = L > 0
        start[rows[has], 2 * L[has] - 1] = emit[t, rows[has], 2 * L[has] - 1]
        cur = np.where(init[:, None], start, np.where((t < il - 1)[:, None], rec, -np.inf))
        lb[t] = np.where(valid, cur, -np.inf)
    # log of the summed alignment probability through each (t, class)
    v = la + lb
    mx = v.max(2, keepdims=True) if S2 else np.full((T, N, 1), -np.inf)
    ms = np.where(np.isfinite(mx), mx, 0)
    onehot = (ext[:, :, None] == np.arange(C)).astype(np.float64)          # (N, S2, C)
    with np.errstate(all="ignore"):
        acc = np.einsum("tns,nsc->tnc", np.exp(v - ms), onehot)
        lcab = np.log(acc) + ms
        g = np.exp(lpa) - np.exp(lcab + nll[None, :, None] - lpa)
    g = np.where((np.arange(T)[:, None] < il[None, :])[:, :, None], g, 0.0)
    if s["zero_infinity"]:
        g = np.where(np.isinf(nll)[None, :, None], 0.0, g)
    g = g * grad._array.astype(np.float64).reshape(1, N, 1)
    return _nondiff_result(g.astype(lp._dtype.np), lp._dtype, (grad, lp),
                           "aten::_ctc_loss_backward")


_CTC = _node("CtcLossBackward0", _ctc_backward)


def _ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, r=MEAN,
              zero_infinity=False):
    _check_tensor("ctc_loss", log_probs, "log_probs", 1)
    _check_tensor("ctc_loss", targets, "targets", 2)
    il = _lengths(input_lengths, "input_lengths")
    tl = _lengths(target_lengths, "target_lengths")
    ops = _ops()
    batched = log_probs.dim() == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    dt = lp._dtype
    if dt not in (D.float32, D.float64):
        raise missing_kernel("ctc_loss_cpu", dt)
    if lp.dim() != 3:
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {lp.dim()}-dimensional tensor "
                           f"for argument #1 'log_probs' {_CTC_WHERE}")
    setup = _ctc_setup(lp, targets, il, tl, blank)
    nll, la, emit = _ctc_alpha(lp._array.astype(np.float64), *setup)
    res = make_tensor(nll.astype(dt.np), dt)
    if _GRAD.enabled and lp._requires_grad:
        record(_CTC, (lp,), res, {"setup": setup, "nll": nll, "alpha": la, "emit": emit,
                                  "zero_infinity": zero_infinity})
    if zero_infinity:
        res = ops.where(res == _INF, ops.zeros((), dtype=dt), res)
    if r == MEAN:
        tlt = ops.tensor(tl, dtype=dt).clamp_min(1)
        return (res / tlt).mean()
    if r == SUM:
        return res.sum()
    return res if batched else res.squeeze(0)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist Temporal Classification loss of (T, N, C) log-probabilities against
    padded (N, S) or concatenated targets; ``'mean'`` divides each loss by its target length.

    >>> lp = ember.zeros(2, 1, 2).log_softmax(2)
    >>> ember.nn.functional.ctc_loss(lp, ember.tensor([[1]]), [2], [1], reduction='sum')
    tensor(0.2877)
    """
    return _ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                     _get_enum(reduction), zero_infinity)


# ---------------------------------------------------------------------------- torch.* forms
def _t_binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None,
                                        reduction=MEAN):
    return _binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)


def _t_kl_div(input, target, reduction=MEAN, *, log_target=False):
    return _kl_div(input, target, reduction, log_target)


def _t_hinge_embedding_loss(input, target, margin=1.0, reduction=MEAN):
    return _hinge_embedding_loss(input, target, margin, reduction)


def _t_margin_ranking_loss(input1, input2, target, margin=0.0, reduction=MEAN):
    return _margin_ranking_loss(input1, input2, target, margin, reduction)


def _t_cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=MEAN):
    return _cosine_embedding_loss(input1, input2, target, margin, reduction)


def _t_triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                           reduction=MEAN):
    return _triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction)


def _t_poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return _poisson_nll_loss(input, target, log_input, full, eps, reduction)


def _t_ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=MEAN,
                zero_infinity=False):
    return _ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                     zero_infinity)


for _name, _fn in (("binary_cross_entropy_with_logits", _t_binary_cross_entropy_with_logits),
                   ("kl_div", _t_kl_div), ("hinge_embedding_loss", _t_hinge_embedding_loss),
                   ("margin_ranking_loss", _t_margin_ranking_loss),
                   ("cosine_embedding_loss", _t_cosine_embedding_loss),
                   ("triplet_margin_loss", _t_triplet_margin_loss),
                   ("poisson_nll_loss", _t_poisson_nll_loss), ("ctc_loss", _t_ctc_loss),
                   ("cosine_similarity", cosine_similarity),
                   ("pairwise_distance", pairwise_distance)):
    if _name not in FUNCTIONS:
        _fn.__name__ = _fn.__qualname__ = _name
        FUNCTIONS[_name] = _fn
