"""Gradient clipping: the total norm of many gradients, scaling them to a maximum norm, and
clamping them to a range.

The total norm is the norm of the per-tensor norms, as if every gradient were flattened into one
vector; tensors are grouped by (device, dtype) first, in order of first appearance, so the norms
are stacked in the order PyTorch stacks them.

>>> w = ember.nn.Parameter(ember.ones(4))
>>> (w * 3).sum().backward()
>>> ember.nn.utils.clip_grad_norm_([w], max_norm=1.0)
tensor(6.)
"""
import types
import warnings

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _grouped(tensors):
    """``tensors`` reordered group by group, groups keyed by (device, dtype) as first seen."""
    groups = {}
    for t in tensors:
        groups.setdefault((str(t.device), t.dtype), []).append(t)
    return [t for group in groups.values() for t in group]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` together, viewed as one vector.

    >>> ember.nn.utils.get_total_norm([ember.tensor([3.]), ember.tensor([4.])])
    tensor(5.)
    """
    from ... import linalg
    from ..._ops.creation import tensor as make
    from ..._ops.shape import stack
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    with no_grad():
        if not tensors:
            return make(0.0)
        first_device = tensors[0].device
        norms = [linalg.vector_norm(t, norm_type) for t in _grouped(tensors)]
        total = linalg.vector_norm(stack([n.to(first_device) for n in norms]), norm_type)
        if error_if_nonfinite and bool(total.isnan() | total.isinf()):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and scale the "
                "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of ``parameters`` in place by ``min(max_norm / (total_norm + 1e-6),
    1)``.

    >>> w = ember.nn.Parameter(ember.ones(2)); w.grad = ember.tensor([3., 4.])
    >>> ember.nn.utils.clip_grads_with_norm_([w], 1.0, ember.tensor(5.))
    >>> w.grad
    tensor([0.6000, 0.8000])
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    max_norm = float(max_norm)
    if not grads:
        return None
    with no_grad():
        # NOTE: always multiplying (by a coefficient clamped to 1) keeps the result identical to
        # PyTorch's, which never branches on the norm's value
        coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
        for g in _grouped(grads):
            g.mul_(coef.to(g.device))
    return None


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Clip the gradients of ``parameters`` (a tensor or an iterable of tensors) to a total
    ``norm_type``-norm of at most ``max_norm``; return the total norm before clipping.

    >>> w = ember.nn.Parameter(ember.zeros(2)); w.grad = ember.tensor([3., 4.])
    >>> ember.nn.utils.clip_grad_norm_(w, 1.0)
    tensor(5.)
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        was_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)  # a generator may only be walked once
        if was_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=2)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated spelling of :func:`clip_grad_norm_`.

    >>> w = ember.nn.Parameter(ember.zeros(1)); w.grad = ember.tensor([2.])
    >>> ember.nn.utils.clip_grad_norm(w, 1.0)  # doctest: +SKIP
    tensor(2.)
    """
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp the gradients of ``parameters`` in place to ``[-clip_value, clip_value]``.

    >>> w = ember.nn.Parameter(ember.zeros(2)); w.grad = ember.tensor([-3., 0.5])
    >>> ember.nn.utils.clip_grad_value_(w, 1.0)
    >>> w.grad
    tensor([-1.0000,  0.5000])
    """
    clip_value = float(clip_value)
    with no_grad():
        for g in _grouped([p.grad for p in _as_list(parameters) if p.grad is not None]):
            g.clamp_(min=-clip_value, max=clip_value)
    return None
