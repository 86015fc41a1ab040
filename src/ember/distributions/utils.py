"""Helpers shared by the distributions: broadcasting parameters, probs <-> logits, lazy
properties, and the standard-normal draw that ``rsample`` reparameterizes."""
from numbers import Number

import ember
from ember.nn import functional as F

euler_constant = 0.5772156649015329  # Euler-Mascheroni constant

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits",
           "lazy_property", "tril_matrix_to_vec", "vec_to_tril_matrix"]


def _is_number(v):
    return isinstance(v, Number) and not isinstance(v, ember.Tensor)


def broadcast_all(*values):
    """Broadcast numbers and tensors to one shape; numbers become tensors of the first tensor's
    dtype (or the default dtype).

    >>> broadcast_all(ember.tensor([1., 2.]), 0.5)
    (tensor([1., 2.]), tensor([0.5000, 0.5000]))
    """
    if not all(isinstance(v, ember.Tensor) or _is_number(v) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or "
                         "objects implementing __torch_function__.")
    if not all(isinstance(v, ember.Tensor) for v in values):
        options = dict(dtype=ember.get_default_dtype())
        for v in values:
            if isinstance(v, ember.Tensor):
                options = dict(dtype=v.dtype, device=v.device)
                break
        values = [v if isinstance(v, ember.Tensor) else ember.tensor(v, **options)
                  for v in values]
    return ember.broadcast_tensors(*values)


def _standard_normal(shape, dtype, device):
    # NOTE: drawn with normal_() on a fresh contiguous tensor, as PyTorch does, so the stream
    # (vector path for 16+ elements, scalar Box-Muller otherwise) is the same.
    return ember.empty(shape, dtype=dtype, device=device).normal_()


def _sum_rightmost(value, dim):
    """Sum over the ``dim`` rightmost dimensions."""
    if dim == 0:
        return value
    return value.reshape(value.shape[:-dim] + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    """Probabilities from (unnormalized) log-probabilities: sigmoid or softmax over the last dim.

    >>> logits_to_probs(ember.tensor([0.0]), is_binary=True)
    tensor([0.5000])
    """
    if is_binary:
        return ember.sigmoid(logits)
    return F.softmax(logits, dim=-1)


def clamp_probs(probs):
    """Clamp into [eps, 1 - eps] so logs stay finite."""
    eps = ember.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Log-odds (binary) or log-probabilities from probabilities.

    >>> probs_to_logits(ember.tensor([0.5]), is_binary=True)
    tensor([0.])
    """
    ps = clamp_probs(probs)
    if is_binary:
        return ember.log(ps) - ember.log1p(-ps)
    return ember.log(ps)


class lazy_property:
    """A property computed on first access (with grad enabled) and then stored on the instance."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__name__ = wrapped.__name__
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with ember.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What a lazy_property looks like on the class: also a plain property (for docs and
    ``isinstance(..., property)`` checks)."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def _tril_mask(n, diag, device):
    ar = ember.arange(n, device=device)
    return ar < ar.view(-1, 1) + (diag + 1)


def tril_matrix_to_vec(mat, diag=0):
    """The lower-triangular part (below diagonal ``diag``) of the last two dims, row by row."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag, mat.device)]


def vec_to_tril_matrix(vec, diag=0):
    """Inverse of :func:`tril_matrix_to_vec`: a square matrix holding ``vec`` below diagonal
    ``diag``."""
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1]
                            + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    eps = ember.finfo(vec.dtype).eps
    if round(n) - n > eps:
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be expressed "
                         "as the lower triangular part of a square D x D matrix.")
    n = round(n)
    mat = vec.new_zeros(vec.shape[:-1] + ember.Size((n, n)))
    mat[..., _tril_mask(n, diag, vec.device)] = vec
    return mat
