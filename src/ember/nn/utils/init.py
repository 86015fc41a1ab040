"""``skip_init``: build a module without spending time (or random numbers) on initialising its
parameters.

>>> lin = ember.nn.utils.skip_init(ember.nn.Linear, 3, 2)
>>> lin.weight.shape
ember.Size([2, 3])
"""
import inspect

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """Instantiate ``module_cls(*args, **kwargs)`` with uninitialised parameters and buffers.

    >>> ember.nn.utils.skip_init(ember.nn.Linear, 1, 1, device="cpu").weight.shape
    ember.Size([1, 1])
    """
    from ..modules.module import Module
    from ... import random
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    kwargs["device"] = final_device
    # NOTE: PyTorch builds the module on the meta device, where initialisers draw no random
    # numbers; ember has no meta device, so it initialises and then restores the generator, which
    # leaves the random stream exactly where PyTorch leaves it.
    state = random.get_rng_state()
    try:
        module = module_cls(*args, **kwargs)
    finally:
        random.set_rng_state(state)
    return module.to_empty(device=final_device)
