"""Convolution: ``ember.convolution``, ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d`` (also
``nn.functional``'s), with PyTorch's argument rules, checks and error texts.

Every form is one op, ``convolution``, recorded as ``ConvolutionBackward0`` with inputs (input,
weight, bias). Its derivative is the op ``convolution_backward`` (input, weight and bias
gradients at once), recorded under ``create_graph`` as ``ConvolutionBackwardBackward0``, whose
own derivative is written with ``convolution`` and ``convolution_backward`` again, so gradients
of any order work. The arithmetic lives in ``_backend/conv_kernels.py``.
"""
import warnings

import numpy as np

from .. import _autocast_state as _amp
from .. import _dtype as D
from .._dispatch import FUNCTIONS, invalid_arguments, needs_grad, record, shape_str
from .._memory_format import suggest_memory_format, channels_last
from .._tensor import Tensor, make_tensor
from .._backend import conv_kernels as K
from ..autograd.graph import node_class

_HALF = (D.float16, D.bfloat16)
_LETTERS = {1: ("width",), 2: ("height", "width"), 3: ("depth", "height", "width")}


# ---------------------------------------------------------------------------- argument rules
def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _int_list(v, n):
    """An int or a sequence of ints as a list (an int repeated ``n`` times); None if ``v`` is
    neither (the caller raises its own TypeError)."""
    t = type(v)
    if t is int:
        return [v] * n
    if (t is tuple or t is list) and all(type(e) is int for e in v):
        return list(v)
    if _is_int(v):
        return [int(v)] * n
    if isinstance(v, (tuple, list)) and all(_is_int(e) for e in v):
        return [int(e) for e in v]
    if isinstance(v, Tensor) and v.dim() <= 1 and not v.dtype.is_floating_point:
        return [int(e) for e in v.reshape(-1).tolist()] if v.dim() else [int(v.item())] * n
    return None


def _expand(name, values, dim):
    """PyTorch's expand_param_if_needed: one value serves every spatial dimension."""
    if len(values) == 1:
        return values * dim
    if len(values) != dim:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {dim} "
                           f"values to match the convolution dimensions, but got {name}="
                           f"{shape_str(values)}")
    return list(values)


def _sizes(values):
    return " x ".join(str(v) for v in values)


def _check_forward(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                   groups):
    """check_shape_forward of ATen's Convolution.cpp, in its order."""
    k = input.dim()
    wshape = list(weight.shape)
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if len(wshape) != k:
        n = len(wshape)
        raise RuntimeError(f"Expected {n}-dimensional input for {n}-dimensional "
                           f"weight {shape_str(wshape)}, but got {k}-dimensional input of size "
                           f"{shape_str(input.shape)} instead")
    if wshape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {shape_str(wshape)} instead")
    if wshape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size [{shape_str(wshape)}] instead")
    channels = input.shape[1]
    if not transposed:
        if channels != wshape[1] * groups:
            raise RuntimeError(f"Given groups={groups}, weight of size {shape_str(wshape)}, "
                               f"expected input{shape_str(input.shape)} to have "
                               f"{wshape[1] * groups} channels, but got {channels} channels "
                               "instead")
        if bias is not None and (bias.dim() != 1 or bias.shape[0] != wshape[0]):
            raise RuntimeError(f"Given weight of size {shape_str(wshape)}, expected bias to be "
                               f"1-dimensional with {wshape[0]} elements, but got bias of size "
                               f"{shape_str(bias.shape)} instead")
        padded = [n + 2 * p for n, p in zip(input.shape[2:], padding)]
        kern = [d * (w - 1) + 1 for d, w in zip(dilation, wshape[2:])]
        if any(p < q for p, q in zip(padded, kern)):
            raise RuntimeError(f"Calculated padded input size per channel: ({_sizes(padded)}). "
                               f"Kernel size: ({_sizes(kern)}). Kernel size can't be greater "
                               "than actual input size")
    else:
        if channels != wshape[0]:
            raise RuntimeError(f"Given transposed=1, weight of size {shape_str(wshape)}, expected "
                               f"input{shape_str(input.shape)} to have {wshape[0]} channels, but "
                               f"got {channels} channels instead")
        if bias is not None and (bias.dim() != 1 or bias.shape[0] != wshape[1] * groups):
            raise RuntimeError(f"Given transposed=1, weight of size {shape_str(wshape)}, expected "
                               f"bias to be 1-dimensional with {wshape[1] * groups} elements, but "
                               f"got bias of size {shape_str(bias.shape)} instead")


def _kernel_name(dim, transposed, dilation):
    """The CPU kernel PyTorch names in its missing-dtype error."""
    if transposed:
        return "slow_conv_transpose3d_out_cpu" if dim == 3 else "slow_conv_transpose2d_out_cpu"
    if any(d != 1 for d in dilation):
        return "slow_conv_dilated<>"
    return "compute_columns3d" if dim == 3 else "slow_conv2d_cpu"


# integer types PyTorch's plain (undilated, untransposed) kernels cover; int64 goes everywhere
_SMALL_INTS = (D.uint8, D.int8, D.int16, D.int32)


def _check_dtypes(input, weight, bias, dim, transposed, dilation):
    dt = input._dtype
    if bias is not None and bias._dtype is not dt:
        raise RuntimeError(f"Input type ({dt.cpp_name}) and bias type ({bias._dtype.cpp_name}) "
                           "should be the same")
    if weight._dtype is not dt:
        raise RuntimeError(f"expected scalar type {dt.scalar_name} but found "
                           f"{weight._dtype.scalar_name}")
    if (dt is D.bool_ or dt.np is None or dt in D.FLOAT8_DTYPES or dt in D.BAREBONES_UNSIGNED
            or dt in _SMALL_INTS and (transposed or any(d != 1 for d in dilation))):
        raise NotImplementedError(f'"{_kernel_name(dim, transposed, dilation)}" not implemented '
                                  f"for '{dt.scalar_name}'")


def _transposed_size(input, weight, stride, padding, dilation, output_padding):
    """Output size of a transposed convolution, with PyTorch's checks (1-d convolutions are
    reported as 2-d ones with a leading unit dimension, as ATen computes them)."""
    dim = len(stride)
    size = [(n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, s, p, d, k, op in zip(
        input.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding)]
    shown = (lambda v, one: [one] + list(v)) if dim == 1 else (lambda v, one: list(v))
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        names = _LETTERS[max(dim, 2)]
        parts = []
        for label, values, one in (("output_padding", output_padding, 0), ("stride", stride, 1),
                                   ("dilation", dilation, 1)):
            parts += [f"{label}_{n}: {v}" for n, v in zip(names, shown(values, one))]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                           "got " + " ".join(parts))
    if any(n < 1 for n in size):
        raise RuntimeError(f"Given input size per channel: "
                           f"({_sizes(shown(input.shape[2:], 1))}). Calculated output size per "
                           f"channel: ({_sizes(shown(size, 1))}). Output size is too small")
    return size


def _output_layout_channels_last(input, weight):
    """PyTorch's CPU rule for 2-d convolutions: a channels-last input or weight gives a
    channels-last output (its 3-d kernels always write contiguous outputs)."""
    for t in (input, weight):
        a = t._array
        if a.flags.c_contiguous and 1 not in a.shape:
            continue   # (row-major without unit dims: never channels-last)
        key = (a.shape, a.strides, a.itemsize)
        last = _CHANNELS_LAST.get(key)
        if last is None:
            strides = tuple(s // a.itemsize for s in a.strides)
            last = suggest_memory_format(a.shape, strides) is channels_last
            if len(_CHANNELS_LAST) > 256:
                _CHANNELS_LAST.clear()
            _CHANNELS_LAST[key] = last
        if last:
            return True
    return False


_CHANNELS_LAST = {}   # (shape, byte strides, itemsize) -> whether PyTorch reads channels-last


def _compute_arrays(dt, *tensors):
    """Arrays in the dtype the kernels compute in (half precision computes in float32)."""
    cdt = np.float32 if dt in _HALF else dt.np
    return [None if t is None else t._array.astype(cdt, copy=False) for t in tensors]


def _wrap(arr, dt):
    if arr.dtype != dt.np:
        arr = arr.astype(dt.np)
    return make_tensor(arr, dt)


# ---------------------------------------------------------------------------- the op
def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups):
    """A (transposed) N-d convolution of a batched input, the op behind every conv function.

    >>> ember.convolution(ember.ones(1, 1, 3, 3), ember.ones(1, 1, 2, 2), None,
    ...                   [1], [0], [1], False, [0], 1).shape
    ember.Size([1, 1, 2, 2])
    """
    key = (input._array.shape, weight._array.shape, None if bias is None else bias._array.shape,
           tuple(stride), tuple(padding), tuple(dilation), bool(transposed),
           tuple(output_padding), groups, input._dtype, weight._dtype,
           None if bias is None else bias._dtype)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _plan(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                     groups)
        if len(_PLANS) > 256:
            _PLANS.clear()
        _PLANS[key] = plan
    dim, stride, padding, dilation, output_padding, size = plan
    dt = input._dtype
    pads = tuple((p, p) for p in padding)
    x, w, b = _compute_arrays(dt, input, weight, bias)
    last = dim == 2 and _output_layout_channels_last(input, weight)
    grad = needs_grad(input, weight, bias)
    if transposed:
        y = K.correlate_input_adjoint(x, w, size, stride, pads, dilation, groups)
        if last:
            y = K.to_channels_last(y)
    else:
        y = K.correlate(x, w, stride, pads, dilation, groups, size, channels_last=last)
    if b is not None:
        y += b.reshape((-1,) + (1,) * dim)
    result = _wrap(y, dt)
    if grad:
        record(_FORWARD_NODE, (input, weight, bias), result, {
            "stride": tuple(stride), "padding": tuple(padding), "dilation": tuple(dilation),
            "transposed": bool(transposed), "output_padding": tuple(output_padding),
            "groups": groups, "bias_sym_sizes_opt": (0,) if bias is None else tuple(bias.shape)})
    return result


# checked argument combinations -> (dim, stride, padding, dilation, output_padding, output size)
_PLANS = {}


def _plan(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """Check a convolution's arguments (PyTorch's checks, in its order) and work out its
    parameters and output size; the result depends on shapes, dtypes and parameters only."""
    if weight.dim() < 3:
        raise RuntimeError("weight should have at least three dimensions")
    dim = weight.dim() - 2
    stride = tuple(_expand("stride", list(stride), dim))
    padding = tuple(_expand("padding", list(padding), dim))
    dilation = tuple(_expand("dilation", list(dilation), dim))
    output_padding = tuple(_expand("output_padding", list(output_padding), dim))
    if any(d == 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {shape_str(dilation)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    _check_forward(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                   groups)
    _check_dtypes(input, weight, bias, dim, transposed, dilation)
    if transposed:
        size = _transposed_size(input, weight, stride, padding, dilation, output_padding)
    else:
        size = [K.output_size(n, k, s, p, p, d) for n, k, s, p, d in zip(
            input.shape[2:], weight.shape[2:], stride, padding, dilation)]
    return dim, stride, padding, dilation, output_padding, tuple(size)


_FORWARD_NODE = node_class("ConvolutionBackward0")
_BACKWARD_NODE = node_class("ConvolutionBackwardBackward0")


def _params(ctx):
    s = ctx.saved
    return (s["stride"], s["padding"], s["dilation"], s["transposed"], s["output_padding"],
            s["groups"])


def _convolution_grad(ctx, grad):
    input, weight, bias = ctx.inputs
    edges = ctx.next_functions
    mask = (edges[0][0] is not None, edges[1][0] is not None,
            bias is not None and edges[2][0] is not None)
    return convolution_backward(grad, input, weight, *_params(ctx), mask)


_FORWARD_NODE.backward_fn = staticmethod(_convolution_grad)


def convolution_backward(grad_output, input, weight, stride, padding, dilation, transposed,
                         output_padding, groups, output_mask):
    """The gradients (input, weight, bias) of ``convolution`` for ``grad_output``; entries
    whose ``output_mask`` flag is False are None. Differentiable (double backward)."""
    dt = grad_output._dtype
    gy, x, w = _compute_arrays(dt, grad_output, input, weight)
    if dt.is_complex:
        # PyTorch's complex gradients are conjugate-linear: grad_x pairs grad_output with
        # conj(weight), grad_w with conj(input) (the double-backward formula below then holds
        # for complex tensors unchanged, since it calls back into this function)
        x, w = x.conj(), w.conj()
    dim = w.ndim - 2
    pads = tuple((p, p) for p in padding)
    # (PyTorch: a channels-last 2-d input or weight makes both gradients channels-last)
    last = dim == 2 and _output_layout_channels_last(input, weight)
    gx = gw = gb = None
    if output_mask[0]:
        if transposed:
            gx = K.correlate(gy, w, stride, pads, dilation, groups, input.shape[2:])
        else:
            gx = K.correlate_input_adjoint(gy, w, input.shape[2:], stride, pads, dilation, groups)
        gx = _wrap(K.to_channels_last(gx) if last else gx, dt)
    if output_mask[1]:
        if transposed:
            # the transposed convolution's output plays the correlation's input
            gw = K.correlate_weight_adjoint(gy, x, weight.shape[2:], stride, pads, dilation,
                                            groups)
        else:
            gw = K.correlate_weight_adjoint(x, gy, weight.shape[2:], stride, pads, dilation,
                                            groups)
        gw = _wrap(K.to_channels_last(gw) if last else gw, dt)
    if output_mask[2]:
        gb = _wrap(gy.sum(axis=(0,) + tuple(range(2, 2 + dim))), dt)
    if needs_grad(grad_output, input, weight):
        record(_BACKWARD_NODE, (grad_output, input, weight), [gx, gw, gb], {
            "stride": tuple(stride), "padding": tuple(padding), "dilation": tuple(dilation),
            "transposed": bool(transposed), "output_padding": tuple(output_padding),
            "groups": groups})
    return gx, gw, gb


def _convolution_double_grad(ctx, grads):
    # With B(x, w) the correlation (or T its input-adjoint, when transposed), the first
    # backward computed gx, gw, gb from gy; each is linear in gy and in x or w, so:
    #   d/d gy = B(ggx, w) + B(x, ggw) + ggb    (T for a transposed convolution)
    #   d/d x  = the input-gradient of gy through weight ggw
    #   d/d w  = the weight-gradient of gy with input ggx
    ggx, ggw, ggb = grads
    grad_output, input, weight = ctx.inputs
    params = _params(ctx)
    stride, padding, dilation, transposed, output_padding, groups = params
    edges = ctx.next_functions
    g_gy = g_x = g_w = None
    if edges[0][0] is not None:
        terms = []
        if ggx is not None:
            terms.append(convolution(ggx, weight, None, *params))
        if ggw is not None:
            terms.append(convolution(input, ggw, None, *params))
        if ggb is not None:
            view = ggb.reshape((1, -1) + (1,) * (grad_output.dim() - 2))
            terms.append(view.expand(grad_output.shape) if not terms else view)
        if terms:
            g_gy = terms[0]
            for t in terms[1:]:
                g_gy = g_gy + t
    if edges[1][0] is not None and ggw is not None:
        g_x = convolution_backward(grad_output, input, ggw, *params, (True, False, False))[0]
    if edges[2][0] is not None and ggx is not None:
        g_w = convolution_backward(grad_output, ggx, weight, *params, (False, True, False))[1]
    return g_gy, g_x, g_w


_BACKWARD_NODE.backward_fn = staticmethod(_convolution_double_grad)


# ---------------------------------------------------------------------------- conv1d ... 3d
def _signatures(dim):
    head = "Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, "
    tail = ", tuple of ints dilation = 1, int groups = 1"
    return (head + "tuple of ints padding = 0" + tail, head + 'str padding = "valid"' + tail)


def _bind_conv(name, dim, input, weight, bias, stride, padding, dilation, groups):
    """Parse conv{dim}d's arguments as PyTorch's binding does; returns the int lists."""
    ok = isinstance(input, Tensor) and isinstance(weight, Tensor) and (
        bias is None or isinstance(bias, Tensor))
    st = _int_list(stride, dim)
    di = _int_list(dilation, dim)
    pa = padding if isinstance(padding, str) else _int_list(padding, dim)
    if not ok or st is None or di is None or pa is None or not _is_int(groups):
        kwargs = {}
        for key, value, default in (("bias", bias, None), ("stride", stride, 1),
                                    ("padding", padding, 0), ("dilation", dilation, 1),
                                    ("groups", groups, 1)):
            if value is not default:
                kwargs[key] = value
        raise invalid_arguments(name, (input, weight), kwargs, _signatures(dim))
    return st, pa, di, int(groups)


def _batched(name, input, dim):
    """Whether ``input`` has a batch dimension, with PyTorch's error for other ranks."""
    nd = input.dim()
    if nd == dim + 2:
        return True
    if nd == dim + 1:
        return False
    raise RuntimeError(f"Expected {dim + 1}D (unbatched) or {dim + 2}D (batched) input to "
                       f"{name}, but got input of size: {shape_str(input.shape)}")


_WARNED = []


def _warn_same_padding_once():
    # NOTE: PyTorch warns once per process (TORCH_WARN_ONCE)
    if not _WARNED:
        _WARNED.append(True)
        warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require "
                      "a zero-padded copy of the input be created", UserWarning, stacklevel=5)


def _same_padding(input, weight, stride, dilation):
    """padding='same': the symmetric part, and the input padded on the right by the rest."""
    dim = weight.dim() - 2
    stride = _expand("stride", stride, dim)
    dilation = _expand("dilation", dilation, dim)
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    if any(d == 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {shape_str(dilation)}")
    left = [d * (k - 1) // 2 for d, k in zip(dilation, weight.shape[2:])]
    extra = [d * (k - 1) - 2 * lo for d, k, lo in zip(dilation, weight.shape[2:], left)]
    if any(extra):
        _warn_same_padding_once()
        pad = []
        for e in reversed(extra):
            pad += [0, e]
        # NOTE: nn.functional.pad (constant_pad_nd, ConstantPadNdBackward0) lives with the
        # padding ops; imported late since nn.functional imports this file
        from ..nn import functional as F
        input = F.pad(input, pad)
    return input, left


def _conv(name, dim, input, weight, bias, stride, padding, dilation, groups):
    stride, padding, dilation, groups = _bind_conv(name, dim, input, weight, bias, stride,
                                                   padding, dilation, groups)
    batched = _batched(name, input, dim)
    if not batched:
        input = input.unsqueeze(0)
    if isinstance(padding, str):
        if padding == "valid":
            padding = [0]
        elif padding == "same":
            input, padding = _same_padding(input, weight, stride, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    out = convolution(input, weight, bias, stride, padding, dilation, False, [0], groups)
    return out if batched else out.squeeze(0)


def _conv_transpose(name, dim, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    for key, value in (("stride", stride), ("padding", padding),
                       ("output_padding", output_padding), ("dilation", dilation)):
        if _int_list(value, dim) is None:
            raise TypeError(f"{name}(): argument '{key}' must be tuple of ints, not "
                            f"{type(value).__name__}")
    if not _is_int(groups):
        raise TypeError(f"{name}(): argument 'groups' must be int, not {type(groups).__name__}")
    for key, value in (("input", input), ("weight", weight)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): argument '{key}' (position {1 if key == 'input' else 2}) "
                            f"must be Tensor, not {type(value).__name__}")
    batched = _batched(name, input, dim)
    if not batched:
        input = input.unsqueeze(0)
    out = convolution(input, weight, bias, _int_list(stride, dim), _int_list(padding, dim),
                      _int_list(dilation, dim), True, _int_list(output_padding, dim), int(groups))
    return out if batched else out.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d cross-correlation over (N, C, L) input.

    >>> ember.nn.functional.conv1d(ember.ones(1, 2, 5), ember.ones(3, 2, 2)).shape
    ember.Size([1, 3, 4])
    """
    if _amp.ACTIVE[0]:
        input, weight, bias = _amp.lower(input, weight, bias)
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d cross-correlation over (N, C, H, W) input.

    >>> ember.nn.functional.conv2d(ember.ones(1, 3, 8, 8), ember.ones(4, 3, 3, 3), padding=1).shape
    ember.Size([1, 4, 8, 8])
    """
    if _amp.ACTIVE[0]:
        input, weight, bias = _amp.lower(input, weight, bias)
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d cross-correlation over (N, C, D, H, W) input.

    >>> ember.nn.functional.conv3d(ember.ones(1, 1, 4, 4, 4), ember.ones(2, 1, 3, 3, 3)).shape
    ember.Size([1, 2, 2, 2, 2])
    """
    if _amp.ACTIVE[0]:
        input, weight, bias = _amp.lower(input, weight, bias)
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The adjoint of conv1d ("deconvolution"); weight is (C_in, C_out/groups, k).

    >>> ember.nn.functional.conv_transpose1d(ember.ones(1, 2, 4), ember.ones(2, 3, 2)).shape
    ember.Size([1, 3, 5])
    """
    if _amp.ACTIVE[0]:
        input, weight, bias = _amp.lower(input, weight, bias)
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The adjoint of conv2d; weight is (C_in, C_out/groups, kh, kw).

    >>> x = ember.ones(1, 3, 16, 16)
    >>> ember.nn.functional.conv_transpose2d(x, ember.ones(3, 3, 4, 4), stride=2, padding=1).shape
    ember.Size([1, 3, 32, 32])
    """
    if _amp.ACTIVE[0]:
        input, weight, bias = _amp.lower(input, weight, bias)
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The adjoint of conv3d; weight is (C_in, C_out/groups, kd, kh, kw).

    >>> x, w = ember.ones(1, 2, 2, 2, 2), ember.ones(2, 1, 2, 2, 2)
    >>> ember.nn.functional.conv_transpose3d(x, w).shape
    ember.Size([1, 1, 3, 3, 3])
    """
    if _amp.ACTIVE[0]:
        input, weight, bias = _amp.lower(input, weight, bias)
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


FUNCTIONS.update(convolution=convolution, conv1d=conv1d, conv2d=conv2d, conv3d=conv3d,
                 conv_transpose1d=conv_transpose1d, conv_transpose2d=conv_transpose2d,
                 conv_transpose3d=conv_transpose3d)
