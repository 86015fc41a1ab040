"""``F.grid_sample`` (bilinear, nearest, bicubic; zeros / border / reflection padding) and
``F.affine_grid``.

grid_sample reads, for every output point, the input at the location its grid entry names
(x for the width, y for the height, z for the depth, each in [-1, 1]). The kernels gather the
2**d corners (or 4x4 taps for bicubic) of all points at once; the backward scatter-adds into
the input and differentiates the weights for the grid, following PyTorch's coordinate rules
(the unnormalisation, clipping and reflection factors of its grid_sampler_compute_source_index).
Under create_graph the backward instead differentiates an ember-op formulation of the same
sampling, so second derivatives match PyTorch's (their grad_fn names are ember's primitives').
"""
import itertools
import warnings

import numpy as np

from .. import _dtype as D
from .._dispatch import needs_grad, record
from .spatial_common import FLOATS, check_dtype, new_node, result
from ..autograd.grad_mode import STATE as _GRAD
from .upsampling import cubic_coefficients

_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}
_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details.")


def _shape_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


# ---------------------------------------------------------------------------- coordinates
def _unnormalize(c, size, align_corners):
    """Grid value in [-1, 1] -> input coordinate, and d(coordinate)/d(value)."""
    if align_corners:
        return (c + 1) / 2 * (size - 1), (size - 1) / 2
    return ((c + 1) * size - 1) / 2, size / 2


def _clip(c, size):
    g = ((c > 0) & (c < size - 1)).astype(c.dtype)
    return np.clip(c, 0, size - 1), g


def _reflect(c, twice_low, twice_high):
    if twice_low == twice_high:
        return np.zeros_like(c), np.zeros_like(c)
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = c - lo
    sign = np.where(c < 0, -1, 1).astype(c.dtype)
    c = np.abs(c)
    extra = np.fmod(c, span)
    flips = np.floor(c / span)
    even = np.fmod(flips, 2) == 0
    return (np.where(even, extra + lo, span - extra + lo),
            np.where(even, sign, -sign).astype(c.dtype))


def _apply_padding(c, size, padding, align_corners):
    """PyTorch's compute_coordinates, with the derivative factor."""
    one = np.ones_like(c)
    if padding == "border":
        return _clip(c, size)
    if padding == "reflection":
        if align_corners:
            c, g = _reflect(c, 0, 2 * (size - 1))
        else:
            c, g = _reflect(c, -1, 2 * size - 1)
        c, g2 = _clip(c, size)
        return c, g * g2
    return c, one


# ---------------------------------------------------------------------------- taps
def _taps(grid, spatial, mode, padding, align_corners):
    """Per output point: a list of (integer coordinates per dim, weight, d weight / d grid per
    dim) over the corners or taps of the sample."""
    nd = len(spatial)
    ct = grid.dtype
    coords, mults = [], []
    for d in range(nd):
        c, m = _unnormalize(grid[..., nd - 1 - d], spatial[d], align_corners)
        if mode != "bicubic":
            c, g = _apply_padding(c, spatial[d], padding, align_corners)
            m = m * g
        coords.append(c)
        mults.append(np.asarray(m, dtype=ct))
    taps = []
    if mode == "nearest":
        idx = [np.rint(c).astype(np.int64) for c in coords]
        taps.append((idx, np.ones_like(coords[0]), None))
    elif mode == "bilinear":
        base = [np.floor(c) for c in coords]
        frac = [c - b for c, b in zip(coords, base)]
        for bits in itertools.product((0, 1), repeat=nd):
            idx = [b.astype(np.int64) + bit for b, bit in zip(base, bits)]
            factors = [f if bit else 1 - f for f, bit in zip(frac, bits)]
            w = np.prod(factors, axis=0)
            dw = []
            for d in range(nd):
                others = np.prod([factors[e] for e in range(nd) if e != d], axis=0) if nd > 1 \
                    else np.ones_like(w)
                dw.append(others * (1 if bits[d] else -1) * mults[d])
            taps.append((idx, w, dw))
    else:
        base = [np.floor(c) for c in coords]
        t = [c - b for c, b in zip(coords, base)]
        coef = [cubic_coefficients(tt, np.dtype(ct)) for tt in t]
        dcoef = [_cubic_grad(tt, np.dtype(ct)) for tt in t]
        for offs in itertools.product(range(4), repeat=nd):
            idx = []
            for d in range(nd):
                raw = base[d] - 1 + offs[d]
                c, _ = _apply_padding(raw, spatial[d], padding, align_corners)
                idx.append(c.astype(np.int64) if padding == "zeros" else
                           np.floor(c).astype(np.int64))
            w = np.prod([coef[d][offs[d]] for d in range(nd)], axis=0)
            dw = []
            for d in range(nd):
                # (PyTorch's coefficient gradients are d/d(-t): hence the minus)
                f = -dcoef[d][offs[d]] * mults[d]
                for e in range(nd):
                    if e != d:
                        f = f * coef[e][offs[e]]
                dw.append(f)
            taps.append((idx, w, dw))
    return taps


def _cubic_grad(t, ct):
    A = ct.type(-0.75)
    x0, x1, x2, x3 = -1 - t, -t, 1 - t, 2 - t
    return [(-3 * A * x0 - 10 * A) * x0 - 8 * A,
            (-3 * (A + 2) * x1 - 2 * (A + 3)) * x1,
            (3 * (A + 2) * x2 - 2 * (A + 3)) * x2,
            (3 * A * x3 - 10 * A) * x3 + 8 * A]


def _flat(idx, spatial):
    inside = np.ones(idx[0].shape, dtype=bool)
    flat = np.zeros(idx[0].shape, dtype=np.int64)
    for i, n in zip(idx, spatial):
        inside &= (i >= 0) & (i < n)
        flat = flat * n + np.clip(i, 0, n - 1)
    return flat, inside


def _sample(a, grid, mode, padding, align_corners):
    n, c = a.shape[:2]
    spatial = a.shape[2:]
    out_sp = grid.shape[1:-1]
    flat_a = a.reshape(n, c, -1)
    out = np.zeros((n, c) + tuple(out_sp), dtype=a.dtype).reshape(n, c, -1)
    for idx, w, _ in _taps(grid, spatial, mode, padding, align_corners):
        flat, inside = _flat(idx, spatial)
        v = np.take_along_axis(flat_a, flat.reshape(n, 1, -1), axis=2)
        out += np.where(inside.reshape(n, 1, -1), v * w.reshape(n, 1, -1).astype(a.dtype), 0)
    return out.reshape((n, c) + tuple(out_sp))


def _sample_backward(g, a, grid, mode, padding, align_corners, want_input, want_grid):
    n, c = a.shape[:2]
    spatial = a.shape[2:]
    nd = len(spatial)
    plane = int(np.prod(spatial))
    flat_a = a.reshape(n, c, -1)
    gf = g.reshape(n, c, -1)
    gin = np.zeros(n * c * plane, dtype=np.float64) if want_input else None
    ggrid = np.zeros(grid.shape, dtype=a.dtype)
    rows = (np.arange(n * c, dtype=np.int64) * plane).reshape(n, c, 1)
    for idx, w, dw in _taps(grid, spatial, mode, padding, align_corners):
        flat, inside = _flat(idx, spatial)
        ins = inside.reshape(n, 1, -1)
        if want_input:
            contrib = np.where(ins, gf * w.reshape(n, 1, -1), 0)
            gin += np.bincount((rows + flat.reshape(n, 1, -1)).ravel(),
                               weights=contrib.ravel().astype(np.float64), minlength=gin.size)
        if want_grid and dw is not None:
            v = np.take_along_axis(flat_a, flat.reshape(n, 1, -1), axis=2)
            s = np.where(ins, v * gf, 0).sum(axis=1).reshape(grid.shape[:-1])
            for d in range(nd):
                ggrid[..., nd - 1 - d] += s * dw[d]
    gi = gin.astype(a.dtype).reshape(a.shape) if want_input else None
    return gi, ggrid


def _sample_graph(x, grid, mode, padding, align_corners):
    """grid_sample written in differentiable ember ops (for create_graph backward): the tap
    positions are constants, the weights functions of the grid. Every padding transform is
    piecewise linear, so a coordinate is ``slope * value + offset`` with NumPy-made slope and
    offset."""
    from .creation import tensor as make
    n, c = x.shape[:2]
    spatial = tuple(x.shape[2:])
    nd = len(spatial)
    g_np = grid._array.astype(_compute_type(x._dtype))
    frac, base = [], []
    for d in range(nd):
        comp = grid[..., nd - 1 - d]
        raw, scale = _unnormalize(g_np[..., nd - 1 - d], spatial[d], align_corners)
        if mode == "bicubic":
            slope, pos = np.full(raw.shape, scale), raw
        else:
            pos, m = _apply_padding(raw, spatial[d], padding, align_corners)
            slope = m * scale
        offset = pos - slope * g_np[..., nd - 1 - d]
        b = np.floor(pos)
        coord = comp * make(slope, dtype=grid.dtype) + make(offset - b, dtype=grid.dtype)
        frac.append(coord)
        base.append(b)
    flat_x = x.reshape(n, c, -1)
    taps = _taps(g_np, spatial, mode, padding, align_corners)
    # _taps lists bilinear corners as product((0, 1)) and bicubic taps as product(range(4))
    offsets = itertools.product(*([(0, 1)] if mode == "bilinear" else [range(4)]) * nd) \
        if mode != "nearest" else [None]
    coefs = [cubic_coefficients(f, _PyFloat) for f in frac] if mode == "bicubic" else None
    out = None
    for (idx, _, _), offs in zip(taps, offsets):
        w = None
        for d in range(nd if offs is not None else 0):
            if mode == "bilinear":
                f = frac[d] if offs[d] else 1 - frac[d]
            else:
                f = coefs[d][offs[d]]
            w = f if w is None else w * f
        flat, inside = _flat(idx, spatial)
        index = make(flat.reshape(n, 1, -1), dtype=D.int64).expand(n, c, flat[0].size)
        v = flat_x.gather(2, index) * make(inside.reshape(n, 1, -1).astype(g_np.dtype),
                                           dtype=x.dtype)
        if w is not None:
            v = v * w.reshape(n, 1, -1)
        out = v if out is None else out + v
    return out.reshape((n, c) + tuple(grid.shape[1:-1]))


class _PyFloat:
    """Lets cubic_coefficients build its constants as Python floats (tensor arithmetic)."""
    type = float


def _grid_backward(ctx, grad):
    x, grid = ctx.inputs
    s = ctx.saved
    mode, padding, align = s["mode"], s["padding"], s["align_corners"]
    if _GRAD.enabled:
        # create_graph: differentiate an ember-op formulation, so the gradients are
        # differentiable again
        from ..autograd import grad as autograd_grad
        wrt = [t for t in (x, grid) if t._requires_grad]
        out = _sample_graph(x, grid, mode, padding, align)
        got = autograd_grad(out, wrt, grad, create_graph=True, allow_unused=True)
        it = iter(got)
        res = [next(it) if t._requires_grad else None for t in (x, grid)]
        if grid._requires_grad and res[1] is None:
            # nearest sampling: the grid gets a zero gradient (not None), as in PyTorch
            res[1] = grid.detach() * 0
        if x._requires_grad and res[0] is None:
            res[0] = x.detach() * 0
        return tuple(res)
    dt = x._dtype
    ct = _compute_type(dt)
    gi, gg = _sample_backward(grad._array.astype(ct), x._array.astype(ct),
                              grid._array.astype(ct), mode, padding, align,
                              x._requires_grad, grid._requires_grad)
    res_i = result(gi, dt) if gi is not None else None
    res_g = result(gg, grid._dtype) if grid._requires_grad else None
    return res_i, res_g


def _compute_type(dt):
    # NOTE: PyTorch's CPU kernel computes half-precision samples in the half type itself
    # (every step rounded); NumPy's float16 and ml_dtypes' bfloat16 round the same way
    return dt.np if dt in (D.float16, D.bfloat16, D.float64) else np.float32


for _nd in (2, 3):
    new_node(f"GridSampler{_nd}DBackward0", _grid_backward, saves_inputs=True)


def _check_grid(input, grid, mode):
    """PyTorch's checks, in its order."""
    ish, gsh = input._array.shape, grid._array.shape
    if ish[0] != gsh[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but "
                           f"got input with sizes {_shape_str(ish)} and grid with sizes "
                           f"{_shape_str(gsh)}")
    if gsh[-1] != len(ish) - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {len(ish) - 2} in last "
                           f"dimension, but got grid with sizes {_shape_str(gsh)}")
    for i in range(2, len(ish)):
        if ish[i] <= 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {_shape_str(ish)} with dimension "
                               f"{i} being empty")
    if len(ish) not in (4, 5) or len(ish) != len(gsh):
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got input with sizes {_shape_str(ish)} and grid "
                           f"with sizes {_shape_str(gsh)}")
    if mode == "bicubic" and len(ish) != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    check_dtype(input, "grid_sampler_2d_cpu_kernel_impl" if len(ish) == 4 else
                "grid_sampler3d_cpu", FLOATS)
    if input._dtype is not grid._dtype:
        raise RuntimeError(f"expected scalar type {input._dtype.scalar_name} but found "
                           f"{grid._dtype.scalar_name}")


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, [D,] H, W) at the normalised locations ``grid`` (N, [D',] H',
    W', 2 or 3), giving (N, C, [D',] H', W').

    >>> x = ember.arange(4.).reshape(1, 1, 2, 2)
    >>> ember.nn.functional.grid_sample(x, ember.zeros(1, 1, 1, 2), align_corners=True)
    tensor([[[[1.5000]]]])
    """
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    _check_grid(input, grid, mode)
    nd = input.dim() - 2
    dt = input._dtype
    ct = _compute_type(dt)
    out = _sample(input._array.astype(ct), grid._array.astype(ct), mode, padding_mode,
                  bool(align_corners))
    res = result(out, dt)
    if needs_grad(input, grid):
        record(new_node(f"GridSampler{nd}DBackward0", _grid_backward, saves_inputs=True),
               (input, grid), res, {"mode": mode, "padding": padding_mode,
                                    "align_corners": bool(align_corners)})
    return res


# ---------------------------------------------------------------------------- affine_grid
def _linspace(n, align_corners, dtype):
    if n <= 1:
        return np.zeros(max(n, 1), dtype=dtype)[:n] if n == 0 else np.zeros(1, dtype=dtype)
    r = np.linspace(-1, 1, n).astype(dtype)
    if not align_corners:
        r = r * dtype.type(n - 1) / dtype.type(n)
    return r


def _base_grid(spatial, align_corners, dtype):
    """(prod(spatial), nd + 1) rows of (x, y[, z], 1) over the output grid."""
    nd = len(spatial)
    axes = [_linspace(n, align_corners, dtype) for n in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")       # in (D,) H, W order
    cols = [m.ravel() for m in reversed(mesh)]     # x first
    cols.append(np.ones(int(np.prod(spatial)), dtype=dtype))
    return np.stack(cols, axis=1) if nd else None


def _affine_backward(ctx, grad):
    base = ctx.saved["base"]
    n = grad.shape[0]
    k = base.shape[1]
    g = grad.reshape(n, -1, k - 1)
    # d(grid)/d(theta): grid = base @ theta^T, so grad_theta = (base^T @ grad)^T
    return base.t().expand(n, k, base.shape[0]).bmm(g).transpose(1, 2)


_AFFINE_NODE = new_node("AffineGridGeneratorBackward0", _affine_backward)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of a batch of affine maps ``theta`` (N, 2, 3) or (N, 3, 4) for an
    output of ``size`` (N, C, H, W) or (N, C, D, H, W), for ``grid_sample``.

    >>> eye = ember.tensor([[[1., 0., 0.], [0., 1., 0.]]])
    >>> ember.nn.functional.affine_grid(eye, (1, 1, 2, 2), align_corners=True)[0, 0]
    tensor([[-1., -1.],
            [ 1., -1.]])
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size_text = str(size)   # (PyTorch prints the size as given)
    size = list(size)
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size_text}. Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size_text}. Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size_text}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids "
                      "when align_corners=True. This is not an issue for standard upsampling, but "
                      "may be an issue for other uses. See the documentation of affine_grid for "
                      "details.", UserWarning, stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size_text}")
    dt = theta._dtype
    ct = np.dtype(np.float32) if dt in (D.float16, D.bfloat16) else np.dtype(dt.np)
    base = _base_grid(spatial, bool(align_corners), ct)
    th = theta._array.astype(ct)
    out = np.matmul(base[None], np.swapaxes(th, 1, 2)).reshape(
        [size[0]] + list(spatial) + [len(spatial)])
    res = result(out, dt)
    if needs_grad(theta):
        base_t = result(base, dt)
        record(_AFFINE_NODE, (theta,), res, {"base": base_t})
    return res
