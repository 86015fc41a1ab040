"""Numerical integration and differentiation of sampled functions: ``trapezoid`` (``trapz``),
``cumulative_trapezoid`` and ``gradient``, composed from ember ops so they differentiate (and
double-differentiate) like any other.

>>> ember.trapezoid(ember.tensor([0., 1., 4.]))
tensor(3.)
>>> ember.gradient(ember.tensor([0., 1., 4., 9.]))
(tensor([1., 2., 4., 5.]),)
"""
import numbers

from .. import _dtype as D
from .._dispatch import FUNCTIONS
from .._tensor import Tensor, wrap_dim


def _check_tensor(x, fname, argname="y", pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _pairs(y, d):
    """(y[..., 1:, ...], y[..., :-1, ...]) along dimension ``d``."""
    n = y.shape[d]
    return y.narrow(d, 1, n - 1), y.narrow(d, 0, n - 1)


def _spacing_of(y, x, d, fname):
    """The sample spacing along ``d`` from coordinates ``x`` (1-D, or y's shape)."""
    n = y.shape[d]
    if x.dim() == 1:
        if x.shape[0] != n:
            raise RuntimeError(f"{fname}: There must be one `x` value for each sample point")
        shape = [1] * y.dim()
        shape[d] = n
        x = x.view(shape)
    elif x.shape[d] != n:
        raise RuntimeError(f"{fname}: There must be one `x` value for each sample point")
    right, left = _pairs(x, d)
    return right - left


def _empty_result(y, d, keep):
    shape = list(y.shape)
    if keep:
        shape[d] = 0
    else:
        del shape[d]
    dt = y.dtype if y.dtype.is_floating_point or y.dtype.is_complex else D.get_default_dtype()
    return y.new_zeros(shape, dtype=dt)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along ``dim``: samples ``y`` at coordinates ``x`` or spacing ``dx``
    (default 1).

    >>> ember.trapezoid(ember.tensor([1., 2., 3.]), dx=2.)
    tensor(8.)
    """
    _check_tensor(y, "trapezoid")
    if x is not None and dx is not None:
        raise TypeError("trapezoid() received an invalid combination of arguments: pass x or dx, "
                        "not both")
    d = wrap_dim(dim, y.dim())
    if y.shape[d] == 0:
        return _empty_result(y, d, False)
    if isinstance(x, Tensor):
        right, left = _pairs(y, d)
        return (_spacing_of(y, x, d, "trapezoid") * (right + left)).sum(d) / 2.
    if x is not None and dx is None:
        dx = x
    if dx is None:
        dx = 1
    ends = y.select(d, 0) + y.select(d, -1)
    return (y.sum(d) - ends * 0.5) * dx


def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Running trapezoidal integrals along ``dim`` (one value per interval).

    >>> ember.cumulative_trapezoid(ember.tensor([0., 1., 2.]))
    tensor([0.5000, 2.0000])
    """
    _check_tensor(y, "cumulative_trapezoid")
    d = wrap_dim(dim, y.dim())
    if y.shape[d] == 0:
        return _empty_result(y, d, True)
    right, left = _pairs(y, d)
    if isinstance(x, Tensor):
        return ((_spacing_of(y, x, d, "cumulative_trapezoid") * (right + left)) / 2.).cumsum(d)
    if x is not None and dx is None:
        dx = x
    if dx is None:
        dx = 1
    return ((dx / 2.) * (right + left)).cumsum(d)


# ---------------------------------------------------------------------------- gradient
def _gradient_dims(input, spacing, dim):
    n = input.dim()
    if dim is None:
        dims = list(range(n))
    elif isinstance(dim, int):
        dims = [wrap_dim(dim, n)]
    else:
        dims = [wrap_dim(d, n) for d in dim]
    if isinstance(spacing, (list, tuple)) and len(spacing) != len(dims):
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
            f"arguments to have the same length, but got a spacing argument of length "
            f"{len(spacing)} and a dim argument of length {len(dims)}.")
    return dims


def _along(input, d, h, edge_order):
    """The derivative along ``d`` with uniform spacing ``h`` (a number)."""
    n = input.shape[d]
    f = input
    mid = (f.narrow(d, 2, n - 2) - f.narrow(d, 0, n - 2)) / (2. * h)
    if edge_order == 1:
        first = (f.narrow(d, 1, 1) - f.narrow(d, 0, 1)) / h
        last = (f.narrow(d, n - 1, 1) - f.narrow(d, n - 2, 1)) / h
    else:
        first = (-1.5 * f.narrow(d, 0, 1) + 2. * f.narrow(d, 1, 1) - 0.5 * f.narrow(d, 2, 1)) / h
        last = (0.5 * f.narrow(d, n - 3, 1) - 2. * f.narrow(d, n - 2, 1)
                + 1.5 * f.narrow(d, n - 1, 1)) / h
    return FUNCTIONS["cat"]([first, mid, last], d)


def _along_coordinates(input, d, x, edge_order):
    """The derivative along ``d`` for samples at 1-D coordinates ``x`` (second-order accurate
    interior differences for uneven spacing)."""
    n = input.shape[d]
    shape = [1] * input.dim()
    shape[d] = -1
    h = (x[1:] - x[:-1]).view(shape)
    f = input
    h1, h2 = h.narrow(d, 0, n - 2), h.narrow(d, 1, n - 2)
    a = -h2 / (h1 * (h1 + h2))
    b = (h2 - h1) / (h1 * h2)
    c = h1 / (h2 * (h1 + h2))
    mid = a * f.narrow(d, 0, n - 2) + b * f.narrow(d, 1, n - 2) + c * f.narrow(d, 2, n - 2)
    if edge_order == 1:
        first = (f.narrow(d, 1, 1) - f.narrow(d, 0, 1)) / h.narrow(d, 0, 1)
        last = (f.narrow(d, n - 1, 1) - f.narrow(d, n - 2, 1)) / h.narrow(d, n - 2, 1)
    else:
        h1, h2 = h.narrow(d, 0, 1), h.narrow(d, 1, 1)
        a = -(2. * h1 + h2) / (h1 * (h1 + h2))
        b = (h1 + h2) / (h1 * h2)
        c = -h1 / (h2 * (h1 + h2))
        first = a * f.narrow(d, 0, 1) + b * f.narrow(d, 1, 1) + c * f.narrow(d, 2, 1)
        h1, h2 = h.narrow(d, n - 3, 1), h.narrow(d, n - 2, 1)
        a = h2 / (h1 * (h1 + h2))
        b = -(h2 + h1) / (h1 * h2)
        c = (2. * h2 + h1) / (h2 * (h1 + h2))
        last = a * f.narrow(d, n - 3, 1) + b * f.narrow(d, n - 2, 1) + c * f.narrow(d, n - 1, 1)
    return FUNCTIONS["cat"]([first, mid, last], d)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Derivative estimates of sampled ``input`` along each of ``dim`` (all by default): central
    differences inside, one-sided (``edge_order`` 1 or 2) at the ends. ``spacing``: a number, one
    number per dim, or one coordinate tensor per dim.

    >>> ember.gradient(ember.tensor([1., 4., 9., 16.]), spacing=2.)
    (tensor([1.5000, 2.0000, 3.0000, 3.5000]),)
    """
    _check_tensor(input, "gradient", "input")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = _gradient_dims(input, spacing, dim)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
    if input.dtype.category <= 1:
        input = input.to(D.get_default_dtype())
    if isinstance(spacing, (list, tuple)):
        steps = list(spacing)
    else:
        steps = [spacing] * len(dims)
    out = []
    for d, h in zip(dims, steps):
        if isinstance(h, Tensor) and h.dim() == 1:
            if h.shape[0] != input.shape[d]:
                raise RuntimeError("torch.gradient expected each tensor to be on the same device "
                                   "and have the same number of elements as its dimension")
            out.append(_along_coordinates(input, d, h, edge_order))
        else:
            h = h.item() if isinstance(h, Tensor) else h
            if not isinstance(h, numbers.Number):
                raise TypeError(f"gradient(): argument 'spacing' must be a number, a sequence of "
                                f"numbers or of tensors, not {type(h).__name__}")
            out.append(_along(input, d, h, edge_order))
    return tuple(out)


FUNCTIONS.update(trapezoid=trapezoid, trapz=trapz, cumulative_trapezoid=cumulative_trapezoid,
                 gradient=gradient)
