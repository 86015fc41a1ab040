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


class SyncBatchNorm(Function):
    """Batch norm whose statistics and input-gradient terms are reduced across a process
    group, so every rank normalises (and differentiates) as if over the concatenated batch.

    Forward: each rank's per-channel count, mean and biased variance are all-gathered and
    combined exactly (the parallel-variance formula). Backward: the per-channel sums of
    ``dy`` and ``dy * (x - mean)`` are all-reduced; weight and bias gradients stay local
    (DistributedDataParallel averages them)."""

    @staticmethod
    def forward(ctx, input, weight, bias, running_mean, running_var, eps, momentum,
                process_group, world_size):
        from ... import distributed as dist
        from ..._ops.creation import zeros, tensor
        from ..._ops.shape import stack
        channels = input.size(1)
        stats_dtype = _stats_dtype(input)
        x = input.to(stats_dtype)
        dims = [0] + list(range(2, input.dim()))
        count = input.numel() // channels
        if count > 0:
            mean = x.mean(dims)
            var = x.var(dims, correction=0)
        else:
            mean = zeros(channels, dtype=stats_dtype)
            var = zeros(channels, dtype=stats_dtype)
        local = stack([mean, var, tensor([float(count)] * channels, dtype=stats_dtype)])
        gathered = [zeros(local.shape, dtype=stats_dtype) for _ in range(world_size)]
        dist.all_gather(gathered, local.contiguous(), group=process_group)
        every = stack(gathered)              # (world, 3, C): mean, var, count per rank
        counts = every[:, 2]
        total = counts.sum(0)
        global_mean = (counts * every[:, 0]).sum(0) / total
        # sum of squared deviations: within each rank plus its mean's offset from the global
        m2 = (counts * (every[:, 1] + (every[:, 0] - global_mean) ** 2)).sum(0)
        global_var = m2 / total
        invstd = (global_var + eps).rsqrt()
        if running_mean is not None:
            running_mean.mul_(1 - momentum).add_((global_mean * momentum).to(running_mean.dtype))
        if running_var is not None:
            unbiased = global_var * total / (total - 1)
            running_var.mul_(1 - momentum).add_((unbiased * momentum).to(running_var.dtype))
        shape = [1, channels] + [1] * (input.dim() - 2)
        out = (x - global_mean.view(shape)) * invstd.view(shape)
        if weight is not None:
            out = out * weight.to(stats_dtype).view(shape)
        if bias is not None:
            out = out + bias.to(stats_dtype).view(shape)
        ctx.save_for_backward(input, weight, global_mean, invstd, total)
        ctx.process_group = process_group
        ctx.world_size = world_size
        return out.to(input.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        from ... import distributed as dist
        from ..._ops.shape import cat
        input, weight, mean, invstd, total = ctx.saved_tensors
        stats_dtype = mean.dtype
        channels = input.size(1)
        shape = [1, channels] + [1] * (input.dim() - 2)
        dims = [0] + list(range(2, input.dim()))
        dy = grad_output.to(stats_dtype)
        xmu = input.to(stats_dtype) - mean.view(shape)
        sum_dy = dy.sum(dims)
        sum_dy_xmu = (dy * xmu).sum(dims)
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            combined = cat([sum_dy, sum_dy_xmu])
            dist.all_reduce(combined, op=dist.ReduceOp.SUM, group=ctx.process_group)
            mean_dy = (combined[:channels] / total).view(shape)
            mean_dy_xmu = (combined[channels:] / total).view(shape)
            scale = invstd.view(shape)
            if weight is not None:
                scale = scale * weight.to(stats_dtype).view(shape)
            grad_input = ((dy - mean_dy - xmu * (invstd.view(shape) ** 2) * mean_dy_xmu)
                          * scale).to(input.dtype)
        if weight is not None and ctx.needs_input_grad[1]:
            grad_weight = (sum_dy_xmu * invstd).to(weight.dtype)
        if ctx.needs_input_grad[2]:
            grad_bias = sum_dy.to(grad_output.dtype)
        return grad_input, grad_weight, grad_bias, None, None, None, None, None, None


def _stats_dtype(input):
    """Statistics of half-precision input are computed in float32."""
    from ... import _dtype as D
    return D.float32 if input.dtype in (D.float16, D.bfloat16) else input.dtype
