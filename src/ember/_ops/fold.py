"""``nn.functional.unfold`` (im2col: sliding blocks of an image as columns) and ``fold``
(col2im: columns summed back into an image), each the other's adjoint.

unfold records ``Im2ColBackward0`` (its derivative is a fold) and fold ``Col2ImBackward0``
(its derivative an unfold), so every order of backward works.

>>> ember.nn.functional.unfold(ember.ones(1, 3, 4, 4), 2).shape
ember.Size([1, 12, 9])
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import needs_grad, record, shape_str, type_name
from .._tensor import Tensor, make_tensor
from .._backend import conv_kernels as K
from ..autograd.graph import node_class

# dtypes of PyTorch's CPU im2col/col2im kernels
_DTYPES = (D.bool_, D.float16, D.bfloat16, D.float32, D.float64, D.complex64, D.complex128)


def _pair_arg(fname, name, pos, value):
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            if not isinstance(v, int) or isinstance(v, bool):
                raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be tuple of "
                                f"ints, but found element of type {type(v).__name__} at pos {i}")
        if len(value) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(value)}")
        return tuple(value)
    if isinstance(value, float):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be tuple of ints, "
                        "but found element of type float at pos 0")
    raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be tuple of ints, not "
                    f"{type_name(value)}")


def _check_params(kernel, dilation, padding, stride):
    checks = (("kernel size", "kernel", kernel, 0), ("dilation", "dilation", dilation, 0),
              ("padding", "pad", padding, -1), ("stride", "stride", stride, 0))
    for label, short, (h, w), low in checks:
        if h <= low or w <= low:
            if low < 0:
                raise RuntimeError(f"padding should be non-negative, but got pad_height: {h} "
                                   f"pad_width: {w}")
            raise RuntimeError(f"{label} should be greater than zero, but got {short}_height: {h} "
                               f"{short}_width: {w}")


def _blocks(size, kernel, dilation, padding, stride):
    return [K.output_size(n, k, s, p, p, d) for n, k, s, p, d in zip(
        size, kernel, stride, padding, dilation)]


def _compute(x):
    a = x._array
    return a.astype(np.float32) if x._dtype in (D.float16, D.bfloat16) else a


def _wrap(a, dt):
    return make_tensor(np.ascontiguousarray(a).astype(dt.np, copy=False), dt)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks of a (N, C, H, W) or (C, H, W) input as columns (N, C*kh*kw, L).

    >>> ember.nn.functional.unfold(ember.arange(16.).reshape(1, 1, 4, 4), 2, stride=2)[0, :, 0]
    tensor([0., 1., 4., 5.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"im2col(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    kernel = _pair_arg("im2col", "kernel_size", 2, kernel_size)
    dilation = _pair_arg("im2col", "dilation", 3, dilation)
    padding = _pair_arg("im2col", "padding", 4, padding)
    stride = _pair_arg("im2col", "stride", 5, stride)
    _check_params(kernel, dilation, padding, stride)
    nd = input.dim()
    shape = tuple(input.shape)
    if nd not in (3, 4) or 0 in shape[nd - 3:]:
        if nd == 2:
            raise IndexError("Dimension out of range (expected to be in range of [-2, 1], but got "
                             "2)")
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {shape_str(shape)}")
    blocks = _blocks(shape[-2:], kernel, dilation, padding, stride)
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size ({shape[-2]}, {shape[-1]}), "
                           f"kernel_size=({kernel[0]}, {kernel[1]}), dilation=({dilation[0]}, "
                           f"{dilation[1]}), padding=({padding[0]}, {padding[1]}), calculated "
                           f"shape of the array of sliding blocks as ({blocks[0]}, {blocks[1]}), "
                           "but its components must be at least one.")
    dt = input._dtype
    if dt not in _DTYPES:
        raise NotImplementedError(f"\"im2col_out_cpu\" not implemented for '{dt.scalar_name}'")
    x = _compute(input)
    if nd == 3:
        x = x[None]
    cols = K.im2col(x, kernel, stride, tuple((p, p) for p in padding), dilation, blocks)
    N, C = x.shape[:2]
    cols = cols.reshape(N, C * kernel[0] * kernel[1], blocks[0] * blocks[1])
    result = _wrap(cols if nd == 4 else cols[0], dt)
    if needs_grad(input) and dt.category >= 2:
        record(_IM2COL_NODE, (input,), result, {
            "self_sym_argsize_minus_2": tuple(shape[-2:]), "kernel_size": kernel,
            "dilation": dilation, "padding": padding, "stride": stride})
    return result


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns (N, C*kh*kw, L) back into an (N, C, H, W) image: the adjoint of unfold.

    >>> ember.nn.functional.fold(ember.ones(1, 4, 4), (3, 3), 2)[0, 0]
    tensor([[1., 2., 1.],
            [2., 4., 2.],
            [1., 2., 1.]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"col2im(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    size = _pair_arg("col2im", "output_size", 2, output_size)
    kernel = _pair_arg("col2im", "kernel_size", 3, kernel_size)
    dilation = _pair_arg("col2im", "dilation", 4, dilation)
    padding = _pair_arg("col2im", "padding", 5, padding)
    stride = _pair_arg("col2im", "stride", 6, stride)
    _check_params(kernel, dilation, padding, stride)
    nd = input.dim()
    shape = tuple(input.shape)
    if nd not in (2, 3) or 0 in shape[nd - 2:]:
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch "
                           "size and non-zero dimensions for input, but got: "
                           f"{shape_str(shape)}")
    taps = kernel[0] * kernel[1]
    if shape[-2] % taps:
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={shape[-2]} and "
                           f"kernel_size=({kernel[0]}, {kernel[1]}).")
    blocks = _blocks(size, kernel, dilation, padding, stride)
    if blocks[0] * blocks[1] != shape[-1] or min(blocks) < 1:
        raise RuntimeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({kernel[0]}, "
                           f"{kernel[1]}), dilation=({dilation[0]}, {dilation[1]}), padding="
                           f"({padding[0]}, {padding[1]}), stride=({stride[0]}, {stride[1]}), "
                           "expected size of input's dimension 2 to match the calculated number "
                           f"of sliding blocks {max(blocks[0], 0)} * {max(blocks[1], 0)} = "
                           f"{max(blocks[0], 0) * max(blocks[1], 0)}, but got "
                           f"input.size(2)={shape[-1]}.")
    dt = input._dtype
    if dt not in _DTYPES:
        raise NotImplementedError(f"\"col2im_out_cpu\" not implemented for '{dt.scalar_name}'")
    c = _compute(input)
    if nd == 2:
        c = c[None]
    N = c.shape[0]
    C = shape[-2] // taps
    cols = c.reshape((N, C) + kernel + tuple(blocks))
    img = K.col2im(cols, size, kernel, stride, tuple((p, p) for p in padding), dilation)
    result = _wrap(img if nd == 3 else img[0], dt)
    if needs_grad(input) and dt.category >= 2:
        record(_COL2IM_NODE, (input,), result, {
            "kernel_size": kernel, "dilation": dilation, "padding": padding, "stride": stride})
    return result


def _im2col_grad(ctx, grad):
    s = ctx.saved
    return fold(grad, s["self_sym_argsize_minus_2"], s["kernel_size"], s["dilation"],
                s["padding"], s["stride"])


def _col2im_grad(ctx, grad):
    s = ctx.saved
    return unfold(grad, s["kernel_size"], s["dilation"], s["padding"], s["stride"])


_IM2COL_NODE = node_class("Im2ColBackward0")
_IM2COL_NODE.backward_fn = staticmethod(_im2col_grad)
_IM2COL_NODE.saves_inputs = False
_COL2IM_NODE = node_class("Col2ImBackward0")
_COL2IM_NODE.backward_fn = staticmethod(_col2im_grad)
_COL2IM_NODE.saves_inputs = False
