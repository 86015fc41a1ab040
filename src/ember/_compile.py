"""``ember.compile``: returns a thin wrapper that runs the model or function eagerly.

A module comes back as an ``OptimizedModule`` holding it as ``_orig_mod`` (so its state_dict keys
carry the ``_orig_mod.`` prefix and attribute access reaches the model, as with PyTorch); a
function comes back wrapped with ``functools.wraps``.
NOTE: the extension point for fusion is ``_compiled_call``: a backend that traces and fuses
would replace the eager call there; everything else (wrapping, state_dict layout) stays.
"""
import functools


def _compiled_call(fn, args, kwargs):
    return fn(*args, **kwargs)


def _optimized_module_class():
    from .nn.modules.module import Module

    class OptimizedModule(Module):
        """The wrapper ``ember.compile`` puts around a module: same results, same parameters."""

        def __init__(self, mod):
            super().__init__()
            self._orig_mod = mod

        def forward(self, *args, **kwargs):
            return _compiled_call(self._orig_mod, args, kwargs)

        def __getattr__(self, name):
            try:
                return super().__getattr__(name)
            except AttributeError:
                return getattr(self._modules["_orig_mod"], name)

    OptimizedModule.__module__ = __name__
    return OptimizedModule


_OPTIMIZED_MODULE = None


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None,
            options=None, disable=False):
    """Wrap ``model`` (a module or a function); also usable as ``@ember.compile(...)``.

    >>> f = ember.compile(lambda x: x * 2)
    >>> f(ember.tensor(3))
    tensor(6)
    """
    global _OPTIMIZED_MODULE
    if model is None:
        def decorate(fn):
            return compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                           options=options, disable=disable)
        return decorate
    if disable:
        return model
    from .nn.modules.module import Module
    if isinstance(model, Module):
        if _OPTIMIZED_MODULE is None:
            _OPTIMIZED_MODULE = _optimized_module_class()
        return _OPTIMIZED_MODULE(model)
    if not callable(model):
        raise RuntimeError("compile() expected a callable or a Module")

    @functools.wraps(model)
    def compiled(*args, **kwargs):
        return _compiled_call(model, args, kwargs)
    return compiled
