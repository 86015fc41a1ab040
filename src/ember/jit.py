"""``ember.jit``: TorchScript's entry points for code that calls them. ember runs everything
eagerly, so ``script`` and ``trace`` return callables that run the given function or module as
is (``trace`` runs it once on the example inputs, as tracing does); the decorators leave their
function unchanged, and ``is_scripting``/``is_tracing`` are False.

>>> f = ember.jit.script(lambda x: x + 1)
>>> f(ember.tensor(1))
tensor(2)
"""
import typing

__all__ = ["script", "trace", "ignore", "unused", "export", "is_scripting", "is_tracing",
           "Final", "annotate"]

Final = typing.Final


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """``obj`` itself: modules and functions keep working unchanged."""
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None,
          check_tolerance=1e-5, strict=True, _force_outplace=False, _module_class=None,
          _compilation_unit=None, example_kwarg_inputs=None, _store_inputs=True):
    """``func`` after running it once on ``example_inputs`` (a tensor or a tuple of them).

    >>> lin = ember.nn.Linear(2, 2)
    >>> ember.jit.trace(lin, ember.ones(1, 2)) is lin
    True
    """
    if example_inputs is None and example_kwarg_inputs is None:
        raise TypeError("'NoneType' object is not iterable")   # (PyTorch's tuple(None))
    args = example_inputs if isinstance(example_inputs, tuple) else (
        () if example_inputs is None else (example_inputs,))
    from .autograd.grad_mode import no_grad
    with no_grad():
        func(*args, **(example_kwarg_inputs or {}))
    return func


def ignore(drop=False, **kwargs):
    """Decorator (with or without arguments) that leaves the function as it is."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    return fn


def export(fn):
    return fn


def is_scripting():
    """False: ember never compiles to TorchScript."""
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    return the_value
