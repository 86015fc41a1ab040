"""``parallel_apply``: call several modules on several inputs (one per accelerator).

PyTorch requires an accelerator for it, and so does ember; with ember's CUDA backend the calls
run one after the other (CuPy queues each on its device's stream anyway).

>>> parallel_apply([ember.nn.Identity()], [ember.ones(1)])  # doctest: +SKIP
"""
__all__ = ["get_a_var", "parallel_apply"]


def get_a_var(obj):
    """The first tensor found in ``obj`` (nested lists, tuples and dicts), or None.

    >>> get_a_var([1, (ember.ones(1),)])
    tensor([1.])
    """
    from ..._tensor import Tensor
    if isinstance(obj, Tensor):
        return obj
    if isinstance(obj, (list, tuple)):
        for item in obj:
            found = get_a_var(item)
            if found is not None:
                return found
    if isinstance(obj, dict):
        for item in obj.items():
            found = get_a_var(item)
            if found is not None:
                return found
    return None


def parallel_apply(modules, inputs, kwargs_tup=None, devices=None):
    """``[modules[i](*inputs[i], **kwargs_tup[i]) for each i]``, on the accelerator(s).

    >>> parallel_apply([ember.nn.Identity()], [ember.ones(1)])  # doctest: +SKIP
    [tensor([1.])]
    """
    from ... import cuda
    if len(modules) != len(inputs):
        raise AssertionError(f"The number of modules {len(modules)} is not equal to the number "
                             f"of inputs {len(inputs)}")
    if kwargs_tup is not None:
        if len(modules) != len(kwargs_tup):
            raise AssertionError(f"The number of modules {len(modules)} is not equal to the "
                                 f"number of kwargs_tup {len(kwargs_tup)}")
    else:
        kwargs_tup = ({},) * len(modules)
    if devices is not None and len(modules) != len(devices):
        raise AssertionError(f"The number of modules {len(modules)} is not equal to the number "
                             f"of devices {len(devices)}")
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    outputs = []
    for module, args, kwargs in zip(modules, inputs, kwargs_tup):
        if not isinstance(args, (list, tuple)):
            args = (args,)
        outputs.append(module(*args, **kwargs))
    return outputs
