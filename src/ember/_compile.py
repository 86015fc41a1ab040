"""``ember.compile``: ember runs eagerly, so compiling returns the model or function itself."""


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None,
            options=None, disable=False):
    """Return ``model`` unchanged (also usable as ``@ember.compile`` or ``@ember.compile(...)``).

    >>> f = ember.compile(lambda x: x * 2)
    >>> f(ember.tensor(3))
    tensor(6)
    """
    if model is None:
        return lambda fn: fn
    return model
