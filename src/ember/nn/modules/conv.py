"""Convolution layers: Conv1d/2d/3d, ConvTranspose1d/2d/3d and their Lazy variants.

Constructor checks, parameter shapes, initialisation order (kaiming_uniform_(a=sqrt(5)) on the
weight, then the bias uniform in +-1/sqrt(fan_in)) and reprs follow torch.nn.Conv*, so a
seeded model's state_dict is PyTorch's bit for bit.

>>> ember.nn.Conv2d(3, 16, 3, padding=1)
Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
"""
import math

from ..._ops.creation import empty
from ..parameter import Parameter, UninitializedParameter
from .. import init
from .. import functional as F
from .module import Module
from .lazy import LazyModuleMixin
from .utils import _single, _pair, _triple, _reverse_repeat_tuple


class _ConvNd(Module):
    """What every convolution layer shares: arguments, parameters, init and repr."""

    __constants__ = ["stride", "padding", "dilation", "groups", "padding_mode", "output_padding",
                     "in_channels", "out_channels", "kernel_size"]

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None):
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        # NOTE: the same set literals as PyTorch's, so the messages print them in the same order
        valid_padding_strings = {"same", "valid"}
        if isinstance(padding, str):
            if padding not in valid_padding_strings:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{valid_padding_strings}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        valid_padding_modes = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in valid_padding_modes:
            raise ValueError(f"padding_mode must be one of {valid_padding_modes}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's (last dim first) amounts for the non-zero padding modes
        if isinstance(self.padding, str):
            reversed_pad = [0, 0] * len(kernel_size)
            if padding == "same":
                for d, k, i in zip(dilation, kernel_size, range(len(kernel_size) - 1, -1, -1)):
                    total = d * (k - 1)
                    reversed_pad[2 * i] = total // 2
                    reversed_pad[2 * i + 1] = total - total // 2
            self._reversed_padding_repeated_twice = reversed_pad
        else:
            self._reversed_padding_repeated_twice = _reverse_repeat_tuple(self.padding, 2)
        if transposed:
            shape = (in_channels, out_channels // groups, *kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *kernel_size)
        self.weight = Parameter(empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) for the weight (U(+-1/sqrt(fan_in))
        in effect), then U(+-1/sqrt(fan_in)) for the bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"

    def _conv_forward(self, input, weight, bias):
        conv = self._functional
        if self.padding_mode != "zeros":
            # the padding modes pad explicitly, then convolve without padding
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, self._zero_padding, self.dilation,
                        self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


def _conv_class(name, ntuple, functional, doc):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        _ConvNd.__init__(self, in_channels, out_channels, ntuple(kernel_size), ntuple(stride),
                         padding if isinstance(padding, str) else ntuple(padding),
                         ntuple(dilation), False, ntuple(0), groups, bias, padding_mode,
                         device=device, dtype=dtype)
    return type(name, (_ConvNd,), {
        "__init__": __init__, "__doc__": doc, "__module__": __name__,
        "_functional": staticmethod(functional), "_zero_padding": ntuple(0),
        "_num_spatial_dims": len(ntuple(0))})


Conv1d = _conv_class("Conv1d", _single, F.conv1d,
                     "1-d convolution over (N, C_in, L) input: weight (C_out, C_in/groups, k).")
Conv2d = _conv_class("Conv2d", _pair, F.conv2d,
                     "2-d convolution over (N, C_in, H, W) input: weight (C_out, C_in/groups, "
                     "kh, kw).")
Conv3d = _conv_class("Conv3d", _triple, F.conv3d,
                     "3-d convolution over (N, C_in, D, H, W) input: weight (C_out, "
                     "C_in/groups, kd, kh, kw).")


class _ConvTransposeNd(_ConvNd):
    """Transposed convolutions: zero padding only; ``forward(input, output_size=None)`` picks
    the output_padding that gives ``output_size``."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{self.__class__.__name__}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         transposed, output_padding, groups, bias, padding_mode, device=device,
                         dtype=dtype)

    def _output_padding(self, input, output_size, stride, padding, kernel_size,
                        num_spatial_dims, dilation=None):
        if output_size is None:
            return _single(self.output_padding)
        has_batch_dim = input.dim() == num_spatial_dims + 2
        non_spatial = 2 if has_batch_dim else 1
        if len(output_size) == non_spatial + num_spatial_dims:
            output_size = output_size[non_spatial:]
        if len(output_size) != num_spatial_dims:
            raise ValueError(f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, "
                             f"output_size must have {num_spatial_dims} or "
                             f"{non_spatial + num_spatial_dims} elements (got "
                             f"{len(output_size)})")
        min_sizes, max_sizes = [], []
        for d in range(num_spatial_dims):
            size = ((input.size(d + non_spatial) - 1) * stride[d] - 2 * padding[d]
                    + (dilation[d] if dilation is not None else 1) * (kernel_size[d] - 1) + 1)
            min_sizes.append(size)
            max_sizes.append(size + stride[d] - 1)
        for size, lo, hi in zip(output_size, min_sizes, max_sizes):
            if size < lo or size > hi:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                                 f"range from {min_sizes} to {max_sizes} (for an input of "
                                 f"{input.size()[2:]})")
        return [size - lo for size, lo in zip(output_size, min_sizes)]

    def forward(self, input, output_size=None):
        if self.padding_mode != "zeros":
            raise ValueError(f"Only `zeros` padding mode is supported for "
                             f"{type(self).__name__}")
        n = self._num_spatial_dims
        output_padding = self._output_padding(input, output_size, self.stride, self.padding,
                                              self.kernel_size, n, self.dilation)
        return self._functional(input, self.weight, self.bias, self.stride, self.padding,
                                output_padding, self.groups, self.dilation)


def _conv_transpose_class(name, ntuple, functional, doc):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        _ConvTransposeNd.__init__(self, in_channels, out_channels, ntuple(kernel_size),
                                  ntuple(stride), ntuple(padding), ntuple(dilation), True,
                                  ntuple(output_padding), groups, bias, padding_mode,
                                  device=device, dtype=dtype)
    return type(name, (_ConvTransposeNd,), {
        "__init__": __init__, "__doc__": doc, "__module__": __name__,
        "_functional": staticmethod(functional), "_num_spatial_dims": len(ntuple(0))})


ConvTranspose1d = _conv_transpose_class(
    "ConvTranspose1d", _single, F.conv_transpose1d,
    "Transposed 1-d convolution: weight (C_in, C_out/groups, k).")
ConvTranspose2d = _conv_transpose_class(
    "ConvTranspose2d", _pair, F.conv_transpose2d,
    "Transposed 2-d convolution: weight (C_in, C_out/groups, kh, kw).")
ConvTranspose3d = _conv_transpose_class(
    "ConvTranspose3d", _triple, F.conv_transpose3d,
    "Transposed 3-d convolution: weight (C_in, C_out/groups, kd, kh, kw).")


class _LazyConvXdMixin(LazyModuleMixin):
    """in_channels comes from the first input (dim 1, or dim 0 when unbatched)."""

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            if self.transposed:
                shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
            else:
                shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
            self.weight.materialize(shape)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()

    def _get_in_channels(self, input):
        unbatched = self._num_spatial_dims + 1
        if input.dim() not in (unbatched, unbatched + 1):
            raise RuntimeError(f"Expected {unbatched}D (unbatched) or {unbatched + 1}D (batched) "
                               f"input to {self.__class__.__name__}, but got input of size: "
                               f"{input.shape}")
        return input.shape[1] if input.dim() == unbatched + 1 else input.shape[0]


def _lazy_class(name, base, transposed):
    if transposed:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                     groups=1, bias=True, dilation=1, padding_mode="zeros", device=None,
                     dtype=None):
            # (built with no bias and 0 channels, as PyTorch does, then made lazy)
            base.__init__(self, 0, 0, kernel_size, stride, padding, output_padding, groups,
                          False, dilation, padding_mode, device=device, dtype=dtype)
            _make_lazy(self, out_channels, bias, dtype)
    else:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                     bias=True, padding_mode="zeros", device=None, dtype=None):
            base.__init__(self, 0, 0, kernel_size, stride, padding, dilation, groups, False,
                          padding_mode, device=device, dtype=dtype)
            _make_lazy(self, out_channels, bias, dtype)
    return type(name, (_LazyConvXdMixin, base), {
        "__init__": __init__, "__module__": __name__, "cls_to_become": base,
        "__doc__": f"{base.__name__} whose in_channels is inferred from the first input."})


def _make_lazy(module, out_channels, bias, dtype):
    module.weight = UninitializedParameter(dtype=dtype)
    module.out_channels = out_channels
    if bias:
        module.bias = UninitializedParameter(dtype=dtype)


LazyConv1d = _lazy_class("LazyConv1d", Conv1d, False)
LazyConv2d = _lazy_class("LazyConv2d", Conv2d, False)
LazyConv3d = _lazy_class("LazyConv3d", Conv3d, False)
LazyConvTranspose1d = _lazy_class("LazyConvTranspose1d", ConvTranspose1d, True)
LazyConvTranspose2d = _lazy_class("LazyConvTranspose2d", ConvTranspose2d, True)
LazyConvTranspose3d = _lazy_class("LazyConvTranspose3d", ConvTranspose3d, True)
