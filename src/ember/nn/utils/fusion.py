"""Fold an eval-mode BatchNorm into the convolution or linear layer before it: the BatchNorm's
affine normalisation ``(x - mean) / sqrt(var + eps) * gamma + beta`` is absorbed into the
layer's weight and bias, so inference runs one layer instead of two.

>>> lin, bn = ember.nn.Linear(3, 2).eval(), ember.nn.BatchNorm1d(2).eval()
>>> fused = fuse_linear_bn_eval(lin, bn)
>>> x = ember.randn(4, 3)
>>> bool(fused(x).allclose(bn(lin(x)), atol=1e-6))
True
"""
import copy

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights"]


def fuse_conv_bn_eval(conv, bn, transpose=False):
    """A copy of ``conv`` whose output equals ``bn(conv(x))`` (both in eval mode).

    >>> conv, bn = ember.nn.Conv2d(1, 2, 3).eval(), ember.nn.BatchNorm2d(2).eval()
    >>> fuse_conv_bn_eval(conv, bn).weight.shape
    ember.Size([2, 1, 3, 3])
    """
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(conv)
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """The fused (weight, bias) Parameters of a convolution followed by a BatchNorm; the output
    channels are dimension 0 of the weight (1 with ``transpose=True``).

    >>> w, b = fuse_conv_bn_weights(ember.ones(2, 1, 1), None, ember.zeros(2), ember.ones(2),
    ...                             0., None, None)
    >>> b
    Parameter containing:
    tensor([0., 0.])
    """
    from ..._ops.creation import ones_like, zeros_like
    from ..parameter import Parameter
    w_dtype = conv_w.dtype
    b_dtype = conv_b.dtype if conv_b is not None else w_dtype
    if conv_b is None:
        conv_b = zeros_like(bn_rm)
    if bn_w is None:
        bn_w = ones_like(bn_rm)
    if bn_b is None:
        bn_b = zeros_like(bn_rm)
    inv_std = (bn_rv + bn_eps).rsqrt()
    channel_shape = ([1, -1] if transpose else [-1, 1]) + [1] * (len(conv_w.shape) - 2)
    fused_w = (conv_w * (bn_w * inv_std).reshape(channel_shape)).to(dtype=w_dtype)
    fused_b = ((conv_b - bn_rm) * inv_std * bn_w + bn_b).to(dtype=b_dtype)
    return Parameter(fused_w, conv_w.requires_grad), Parameter(fused_b, conv_b.requires_grad)


def fuse_linear_bn_eval(linear, bn):
    """A copy of ``linear`` whose output equals ``bn(linear(x))`` (both in eval mode).

    >>> fuse_linear_bn_eval(ember.nn.Linear(2, 3).eval(), ember.nn.BatchNorm1d(3).eval()).bias.shape
    ember.Size([3])
    """
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(linear)
    # the BatchNorm's channels must broadcast against the linear layer's outputs
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError("To fuse, linear.out_features == bn.num_features or "
                             "bn.num_features == 1, got "
                             f"linear.out_features={linear.out_features} and "
                             f"bn.num_features={bn.num_features}")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """The fused (weight, bias) Parameters of a linear layer followed by a BatchNorm.

    >>> w, b = fuse_linear_bn_weights(ember.ones(2, 3), None, ember.zeros(2), ember.ones(2),
    ...                               0., ember.ones(2), ember.zeros(2))
    >>> w.shape
    ember.Size([2, 3])
    """
    from ..._ops.creation import zeros_like
    from ..parameter import Parameter
    w_dtype = linear_w.dtype
    b_dtype = linear_b.dtype if linear_b is not None else w_dtype
    if linear_b is None:
        linear_b = zeros_like(bn_rm)
    scale = bn_w * (bn_rv + bn_eps).rsqrt()
    fused_w = linear_w * scale.unsqueeze(-1).to(dtype=w_dtype)
    fused_b = ((linear_b - bn_rm) * scale + bn_b).to(dtype=b_dtype)
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, linear_b.requires_grad)
