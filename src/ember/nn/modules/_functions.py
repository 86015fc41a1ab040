"""autograd Functions behind legacy modules (CrossMapLRN2d), as in PyTorch's
torch/nn/modules/_functions.py; their nodes print as ``<Name>Backward``."""
import numpy as np

from ..._tensor import make_tensor
from ...autograd.function import Function


class CrossMapLRN2d(Function):
    """Lua Torch's cross-map LRN on 4-D input, kept bit-compatible with PyTorch's port: its
    running window never drops channel 0 (the drop starts one step late) and its backward is
    the textbook LRN gradient, not the derivative of that forward."""

    @staticmethod
    def forward(ctx, input, size, alpha=1e-4, beta=0.75, k=1):
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D "
                             "instead.")
        x = input._array
        channels = x.shape[1]
        sq = x * x
        pre_pad = int((size - 1) / 2 + 1)
        scale = np.empty_like(x)
        scale[:, 0] = sq[:, :min(pre_pad, channels)].sum(axis=1)
        for c in range(1, channels):
            scale[:, c] = scale[:, c - 1]
            if c < channels - pre_pad + 1:
                scale[:, c] += sq[:, c + pre_pad - 1]
            if c > pre_pad:
                scale[:, c] -= sq[:, c - pre_pad]
        scale = scale * (alpha / size) + k
        out = np.power(scale, -beta) * x
        ctx.scale, ctx.size, ctx.alpha, ctx.beta = scale, size, alpha, beta
        result = make_tensor(out.astype(x.dtype, copy=False), input._dtype)
        ctx.save_for_backward(input, result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        input, output = ctx.saved_tensors
        x, y, g = input._array, output._array, grad_output._array
        size, scale = ctx.size, ctx.scale
        n, channels = x.shape[0], x.shape[1]
        grad = np.power(scale, -ctx.beta) * g
        inverse_pre_pad = int(size - (size - 1) / 2)
        padded = np.zeros((n, channels + size - 1) + x.shape[2:], x.dtype)
        padded[:, inverse_pre_pad:inverse_pre_pad + channels] = g * y / scale
        # each channel sees the sum of `size` consecutive padded ratios
        window = padded[:, :size - 1].sum(axis=1)
        coef = 2 * ctx.alpha * ctx.beta / size
        for c in range(channels):
            window = window + padded[:, c + size - 1]
            grad[:, c] -= coef * x[:, c] * window
            window = window - padded[:, c]
        return make_tensor(grad.astype(x.dtype, copy=False), input._dtype), None, None, None, None
