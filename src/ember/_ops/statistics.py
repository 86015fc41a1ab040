"""Covariance and correlation matrices of observations: ``cov`` (with Bessel-style
``correction`` and frequency/analytic weights) and ``corrcoef``, composed from ember ops (rows
are variables, columns observations, as in PyTorch and NumPy).

>>> ember.cov(ember.tensor([[0., 1., 2.], [2., 1., 0.]]))
tensor([[ 1., -1.],
        [-1.,  1.]])
"""
import warnings

from .. import _dtype as D
from .._dispatch import FUNCTIONS
from .._tensor import Tensor


def _type_name(dt):
    return dt.scalar_name


def _check_weights(w, name, kind_ok, kind_text, num_obs):
    if w.dim() > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w.dim()} dimensions")
    if not kind_ok(w.dtype):
        raise RuntimeError(f"cov(): expected {name} to have {kind_text} dtype but got {name} "
                           f"with {_type_name(w.dtype)} dtype")
    if w.numel() != num_obs:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {num_obs}")
    if w.numel() and bool((w < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of ``input`` (a 1-D input is one
    variable); ``fweights``: integer repeat counts, ``aweights``: observation weights.

    >>> ember.cov(ember.tensor([1., 2., 4.]))
    tensor(2.3333)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"cov(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.dim()} dimensions")
    obs = input if input.dim() == 2 else input.view(1, -1)
    num_obs = obs.shape[1]
    w = None
    if fweights is not None:
        _check_weights(fweights, "fweights", lambda d: d.category <= 1 and d is not D.bool_,
                       "integral", num_obs)
        w = fweights
    if aweights is not None:
        _check_weights(aweights, "aweights", lambda d: d.is_floating_point, "floating point",
                       num_obs)
        w = aweights if w is None else w * aweights
    if obs.dtype.category <= 1:
        obs = obs.to(D.get_default_dtype())
    if w is None:
        avg = obs.mean(1)
        w_sum = num_obs
    else:
        w_sum = w.sum()
        avg = (obs * w).sum(1) / w_sum
    if w is not None and correction != 0:
        if aweights is not None:
            norm = w_sum - correction * ((w * aweights).sum() / w_sum)
        else:
            norm = w_sum - correction
    else:
        norm = w_sum - correction
    norm_value = float(norm) if not isinstance(norm, Tensor) else norm.item()
    if norm_value <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = norm * 0 if isinstance(norm, Tensor) else 0
    centred = obs - avg.unsqueeze(1)
    other = centred if w is None else centred * w
    c = centred.mm(other.t().conj())
    return (c / norm).squeeze()


def corrcoef(input):
    """Pearson correlation coefficients of the variables in the rows of ``input`` (clipped to
    [-1, 1]).

    >>> ember.corrcoef(ember.tensor([[0., 1., 2.], [2., 1., 0.]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"corrcoef(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input.dim() > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got "
                           f"an input with {input.dim()} dimensions")
    c = cov(input)
    if c.dim() == 0:
        return c / c
    d = c.diagonal()
    std = (d.real if d.dtype.is_complex else d).sqrt()
    c = c / std.view(-1, 1)
    c = c / std.view(1, -1)
    if c.dtype.is_complex:
        return FUNCTIONS["complex"](c.real.clip(-1, 1), c.imag.clip(-1, 1))
    return c.clip(-1, 1)


FUNCTIONS.update(cov=cov, corrcoef=corrcoef)
Tensor.cov = lambda self, *, correction=1, fweights=None, aweights=None: cov(
    self, correction=correction, fweights=fweights, aweights=aweights)
Tensor.corrcoef = corrcoef
