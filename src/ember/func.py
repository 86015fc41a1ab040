"""ember.func: function transforms: ``grad``/``grad_and_value``, ``vjp``, ``jvp``, ``jacrev``,
``jacfwd``, ``hessian`` (in ``_func_transforms``), ``vmap`` (in ``_func_vmap``), plus
``functional_call`` (run a module with substitute parameters and buffers) and
``stack_module_state``.

>>> lin = ember.nn.Linear(2, 1)
>>> params = {"weight": ember.ones(1, 2), "bias": ember.zeros(1)}
>>> ember.func.functional_call(lin, params, (ember.tensor([[1., 2.]]),))
tensor([[3.]])
"""
from collections.abc import Sequence

from ._func_transforms import grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian
from ._func_vmap import vmap

__all__ = ["functional_call", "stack_module_state", "grad", "grad_and_value", "vjp", "jvp",
           "jacrev", "jacfwd", "hessian", "vmap"]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """Call ``module(*args, **kwargs)`` with its parameters and buffers replaced by the tensors
    in ``parameter_and_buffer_dicts`` (a dict by dotted name, or a sequence of such dicts).

    >>> lin = ember.nn.Linear(1, 1, bias=False)
    >>> functional_call(lin, {"weight": ember.full((1, 1), 2.)}, ember.ones(1))
    tensor([2.])
    """
    from .nn.utils.stateless import _functional_call
    if isinstance(parameter_and_buffer_dicts, dict):
        merged = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be "
                             "dictionaries")
        counts = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        merged = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                         f"dicts, but got {type(parameter_and_buffer_dicts)}")
    return _functional_call(module, merged, args, kwargs, tie_weights=tie_weights, strict=strict)


def stack_module_state(models):
    """The parameters and the buffers of same-class ``models`` stacked along a new first
    dimension, as two dicts by name (stacked parameters are new leaves).

    >>> params, buffers = stack_module_state([ember.nn.Linear(2, 3) for _ in range(4)])
    >>> params["weight"].shape
    ember.Size([4, 3, 2])
    """
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same "
                           "training/eval mode.")
    first = type(models[0])
    if not all(type(m) is first for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(kind):
        per_model = [dict(getattr(m, kind)()) for m in models]
        return {k: _stack_leaf(tuple(d[k] for d in per_model), k) for k in per_model[0]}

    return stacked("named_parameters"), stacked("named_buffers")


def _stack_leaf(tensors, name):
    from ._ops.shape import stack
    all_grad = all(t.requires_grad for t in tensors)
    if not all_grad and any(t.requires_grad for t in tensors):
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    result = stack(tensors)
    return result.detach().requires_grad_() if all_grad else result
