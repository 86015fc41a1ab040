"""The ``ember.*`` entry points of nn operations PyTorch exposes at top level with positional
ATen signatures: ``dropout(input, p, train)`` and its alpha/feature/in-place variants,
``native_dropout`` (output and keep-mask), ``bilinear``, ``grid_sampler``/``_2d``/``_3d``
(integer mode codes), ``affine_grid_generator`` and ``conv_tbc`` (time-batch-channel
convolution); plus ``nn.functional.gumbel_softmax``. Random draws are the nn.functional ones,
so seeded runs match PyTorch.

>>> ember.manual_seed(0); ember.dropout(ember.ones(4), 0.5, True)
tensor([0., 0., 2., 0.])
"""
import warnings

from .._dispatch import FUNCTIONS, record, needs_grad
from .. import _dtype as D
from ..autograd.graph import node_class
from ..autograd.grad_mode import STATE as _GRAD, no_grad, enable_grad
from . import nn_linear as _nn


def _p_check(p):
    if p < 0.0 or p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")


def _feature_check(input):
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")


# ---------------------------------------------------------------------------- dropout family
def dropout(input, p, train):
    """``nn.functional.dropout(input, p, train)``.

    >>> ember.dropout(ember.ones(2), 0.5, False)
    tensor([1., 1.])
    """
    _p_check(p)
    return _nn.dropout(input, p, train)


def dropout_(input, p, train):
    """In-place ``dropout``."""
    _p_check(p)
    return _nn.dropout(input, p, train, inplace=True)


def feature_dropout(input, p, train):
    """Dropout of whole channels (dim 1) of an input with at least 2 dims."""
    _p_check(p)
    _feature_check(input)
    return _channels(input, p, train, False)


def feature_dropout_(input, p, train):
    """In-place ``feature_dropout``."""
    _p_check(p)
    _feature_check(input)
    return _channels(input, p, train, True)


def _channels(input, p, train, inplace):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")    # (no rank warning at this level)
        return _nn._feature_dropout(input, p, train, inplace, (input.dim(),), "feature_dropout")


def alpha_dropout(input, p, train):
    """``nn.functional.alpha_dropout(input, p, train)``."""
    _p_check(p)
    return _nn.alpha_dropout(input, p, train)


def alpha_dropout_(input, p, train):
    """In-place ``alpha_dropout``."""
    _p_check(p)
    return _nn.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout(input, p, train):
    """``nn.functional.feature_alpha_dropout(input, p, train)``."""
    _p_check(p)
    _feature_check(input)
    return _nn.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input, p, train):
    """In-place ``feature_alpha_dropout``."""
    _p_check(p)
    _feature_check(input)
    return _nn.feature_alpha_dropout(input, p, train, inplace=True)


def native_dropout(input, p, train):
    """``(output, mask)``: dropout's output and its boolean keep-mask (``train=None`` trains).

    >>> ember.native_dropout(ember.ones(2), 0.5, False)[1]
    tensor([True, True])
    """
    from .creation import empty_like
    from ..random import bernoulli_
    if train is None or train:
        keep = 1. - p
        if keep < 0 or keep > 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={keep}")
        scale = 0. if keep == 0 else 1. / keep
        with no_grad():
            draws = bernoulli_(empty_like(input), keep)
            out = input.mul(draws).mul_(scale)
        mask = draws.bool()
    else:
        scale = 1.
        with no_grad():
            out = input.clone()
        mask = FUNCTIONS["ones_like"](input, dtype=D.bool_)
    if needs_grad(input):
        # NOTE: PyTorch's derivative scales only for an explicit train=True (train=None
        # trains in the forward but passes the kept gradients unscaled)
        record(node_class("NativeDropoutBackward0"), (input,), out,
               {"mask": mask, "scale": scale if train else 1.})
    return out, mask


node_class("NativeDropoutBackward0").backward_fn = staticmethod(
    lambda ctx, grad: grad * ctx.saved["mask"] * ctx.saved["scale"])
node_class("NativeDropoutBackward0").saves_inputs = False


# ---------------------------------------------------------------------------- layers as ops
def bilinear(input1, input2, weight, bias=None):
    """``x1^T W_k x2 + b_k`` for every output feature k (``nn.functional.bilinear``).

    >>> ember.bilinear(ember.ones(1, 2), ember.ones(1, 3), ember.ones(4, 2, 3), None).shape
    ember.Size([1, 4])
    """
    from ..nn import functional as F
    return F.bilinear(input1, input2, weight, bias)


_MODES = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """``grid_sample`` with PyTorch's integer codes: mode 0 bilinear, 1 nearest, 2 bicubic;
    padding 0 zeros, 1 border, 2 reflection.

    >>> ember.grid_sampler(ember.ones(1, 1, 2, 2), ember.zeros(1, 1, 1, 2), 0, 0, False)
    tensor([[[[1.]]]])
    """
    from .grid_sampling import grid_sample
    if interpolation_mode not in _MODES:
        raise RuntimeError(f"grid_sampler(): unsupported interpolation mode "
                           f"{interpolation_mode}")
    if padding_mode not in _PADDING:
        raise RuntimeError(f"grid_sampler(): unsupported padding mode {padding_mode}")
    return grid_sample(input, grid, _MODES[interpolation_mode], _PADDING[padding_mode],
                       bool(align_corners))


def _grid_sampler_nd(nd):
    def fn(input, grid, interpolation_mode, padding_mode, align_corners):
        if input.dim() != nd + 2 or grid.dim() != nd + 2:
            raise RuntimeError(
                f"grid_sampler(): expected {nd + 2}D input and grid with same number of "
                f"dimensions, but got input with sizes [{', '.join(map(str, input.shape))}] and "
                f"grid with sizes [{', '.join(map(str, grid.shape))}]")
        return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)
    fn.__name__ = fn.__qualname__ = f"grid_sampler_{nd}d"
    fn.__doc__ = f"``grid_sampler`` for {nd + 2}-D input (N, C, {'D, ' if nd == 3 else ''}H, W)."
    return fn


def affine_grid_generator(theta, size, align_corners):
    """``nn.functional.affine_grid(theta, size, align_corners)``.

    >>> ember.affine_grid_generator(ember.eye(2, 3)[None], [1, 1, 2, 2], True).shape
    ember.Size([1, 2, 2, 2])
    """
    from .grid_sampling import affine_grid
    return affine_grid(theta, list(size), align_corners=bool(align_corners))


# ---------------------------------------------------------------------------- conv_tbc
def _conv_tbc_math(input, weight, bias, pad):
    from .convolution import conv1d
    out = conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1).contiguous()


def conv_tbc(input, weight, bias, pad=0):
    """1-d convolution over time of (time, batch, channels) input; ``weight`` is (kernel,
    in_channels, out_channels), ``pad`` zeros on both ends of the time axis.

    >>> ember.conv_tbc(ember.ones(5, 2, 3), ember.ones(2, 3, 4), ember.zeros(4)).shape
    ember.Size([4, 2, 4])
    """
    if input.dim() != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if weight.dim() != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, "
                           "out_channels.")
    if bias.dim() != 1:
        raise RuntimeError("Bias must be 1-D")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError("Input dim 2 (input channels) is not == dim 1 in the weight tensor")
    if weight.shape[2] != bias.shape[0]:
        raise RuntimeError("Bias size must equal dim 2 in the weight tensor (output channels).")
    with no_grad():
        out = _conv_tbc_math(input, weight, bias, pad)
    if needs_grad(input, weight, bias):
        record(node_class("ConvTbcBackward0"), (input, weight, bias), out, {"pad": pad})
    return out


def _conv_tbc_grad(ctx, grad):
    """The composite's gradients (differentiable again when the graph is being built)."""
    from ..autograd import grad as autograd_grad
    inputs = ctx.inputs
    if _GRAD.enabled:
        leaves = inputs
    else:
        leaves = tuple(t.detach().requires_grad_(t._requires_grad) for t in inputs)
    wanted = [t for t in leaves if t._requires_grad]
    with enable_grad():
        out = _conv_tbc_math(*leaves, ctx.saved["pad"])
        got = list(autograd_grad(out, wanted, grad, create_graph=_GRAD.enabled,
                                 allow_unused=True))
    return tuple(got.pop(0) if t._requires_grad else None for t in leaves)


node_class("ConvTbcBackward0").backward_fn = staticmethod(_conv_tbc_grad)


# ---------------------------------------------------------------------------- gumbel softmax
def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Samples from the Gumbel-softmax distribution (straight-through one-hot with ``hard``).

    >>> ember.manual_seed(0)
    >>> ember.nn.functional.gumbel_softmax(ember.zeros(3), hard=True).sum()
    tensor(1.)
    """
    from .creation import empty_like, zeros_like
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", UserWarning,
                      stacklevel=2)
    gumbels = -empty_like(logits).exponential_().log()
    gumbels = (logits + gumbels) / tau
    y_soft = gumbels.softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


FUNCTIONS.update(
    dropout=dropout, dropout_=dropout_, feature_dropout=feature_dropout,
    feature_dropout_=feature_dropout_, alpha_dropout=alpha_dropout,
    alpha_dropout_=alpha_dropout_, feature_alpha_dropout=feature_alpha_dropout,
    feature_alpha_dropout_=feature_alpha_dropout_, native_dropout=native_dropout,
    bilinear=bilinear, grid_sampler=grid_sampler, grid_sampler_2d=_grid_sampler_nd(2),
    grid_sampler_3d=_grid_sampler_nd(3), affine_grid_generator=affine_grid_generator,
    conv_tbc=conv_tbc)
