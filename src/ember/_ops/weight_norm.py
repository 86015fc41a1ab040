"""Weight normalisation primitives: ``norm_except_dim`` (the 2-norm of every slice along one
dimension, kept broadcastable) and ``_weight_norm`` (``v * g / ||v||``), which
``nn.utils.weight_norm`` and ``nn.utils.parametrizations.weight_norm`` are built on.

PyTorch runs ``_weight_norm`` as one fused node (WeightNormInterfaceBackward0) when ``dim`` is the
first or the last dimension and as plain ops otherwise; ember records the same nodes.

>>> v = ember.tensor([[3., 4.], [0., 2.]])
>>> ember._weight_norm(v, ember.ones(2, 1), 0)
tensor([[0.6000, 0.8000],
        [0.0000, 1.0000]])
"""
from .._dispatch import FUNCTIONS, needs_grad, record
from ..autograd.graph import OpNode
from ..autograd.grad_mode import no_grad


def norm_except_dim(v, pow=2, dim=0):
    """The ``pow``-norm over every dimension but ``dim`` (keepdim-shaped); ``dim=-1`` means the
    norm of the whole tensor (0-dim).

    >>> ember.norm_except_dim(ember.tensor([[3., 4.], [6., 8.]]), 2, 0)
    tensor([[ 5.],
            [10.]])
    """
    if dim == -1:
        return _whole_norm(v, pow)
    last = v.dim() - 1
    if dim == 0:
        shape = [v.size(0)] + [1] * last
        return v.contiguous().view(v.size(0), -1).norm(pow, 1).view(shape)
    if dim == last:
        shape = [1] * last + [v.size(last)]
        return v.contiguous().view(-1, v.size(last)).norm(pow, 0).view(shape)
    # (any other dimension: move it to the front and back again)
    return norm_except_dim(v.transpose(0, dim), pow, 0).transpose(0, dim)


def _whole_norm(v, p):
    """``v.norm(p)`` recorded as PyTorch's ATen-level norm records it (NormBackward0)."""
    with no_grad():
        n = v.norm(p)
    if needs_grad(v):
        record(_NORM, (v,), n, {"p": p})
    return n


def _whole_norm_backward(ctx, grad):
    # d|v|_p/dv = v |v|^(p-2) / |v|_p^(p-1), taken as 0 where the norm is 0 (as PyTorch)
    v, = ctx.inputs
    p = ctx.saved["p"]
    n = v.norm(p)
    if p == 2:
        scaled = v / n
    else:
        scaled = v * v.abs().pow(p - 2) / n.pow(p - 1)
    return (grad * scaled.masked_fill(n == 0, 0),)


_NORM = type("NormBackward0", (OpNode,),
             {"__module__": "builtins", "backward_fn": staticmethod(_whole_norm_backward)})


def _weight_norm(v, g, dim=0):
    """``v * (g / norm_except_dim(v, 2, dim))``: ``v``'s direction with magnitudes ``g``.

    >>> ember._weight_norm(ember.tensor([[3., 4.]]), ember.tensor([[10.]]), 0)
    tensor([[6., 8.]])
    """
    if v.device != g.device:
        raise RuntimeError("weight_norm: expected v_in and g_in to be on the same device, but "
                           f"v_in is on {v.device} and g_in is on {g.device}")
    v = v.contiguous()
    g = g.contiguous()
    if not (dim == 0 or dim == v.dim() - 1):
        return v * (g / norm_except_dim(v, 2, dim))
    with no_grad():
        norm = norm_except_dim(v, 2, dim)
        w = v * (g.reshape(norm.shape) / norm)
    if needs_grad(v, g):
        record(_WEIGHT_NORM, (v, g), w, {"dim": dim})
    return w


def _weight_norm_backward(ctx, grad):
    # d/dv of v*g/|v| projects out the component along v; written in ember ops so it is itself
    # differentiable (double backward).
    # NOTE: PyTorch saves the forward's norms as a non-differentiable output, so its double
    # backward treats |v| as a constant; detaching the norm reproduces its second derivatives
    v, g = ctx.inputs
    dim = ctx.saved["dim"]
    norm = norm_except_dim(v.detach(), 2, dim)
    others = [d for d in range(v.dim()) if d != dim]
    along = (grad * v).sum(others, keepdim=True) if others else grad * v
    g_b = g.reshape(norm.shape)
    grad_v = (g_b / norm) * (grad - v * (along / (norm * norm)))
    grad_g = (along / norm).reshape(g.shape)
    return grad_v, grad_g


_WEIGHT_NORM = type("WeightNormInterfaceBackward0", (OpNode,),
                    {"__module__": "builtins", "backward_fn": staticmethod(_weight_norm_backward)})

FUNCTIONS.update(norm_except_dim=norm_except_dim, _weight_norm=_weight_norm)
