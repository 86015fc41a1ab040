"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode (thread-local).

>>> with ember.no_grad():
...     y = x * 2          # not recorded
"""
import functools
import threading


class _GradState(threading.local):
    # NOTE: read on every op; a plain attribute of a threading.local is the cheapest
    # thread-local lookup Python offers.
    enabled = True
    inference = False
    # anomaly mode is process-wide: set on the class, not per thread
    anomaly = False
    anomaly_check_nan = True


STATE = _GradState()


def is_grad_enabled():
    """True when operations are being recorded for autograd."""
    return STATE.enabled


def is_inference_mode_enabled():
    return STATE.inference


class _DecoratorContextManager:
    """Base that lets a context manager also decorate functions (as PyTorch's do)."""

    def __call__(self, func):
        if isinstance(func, type) or not callable(func):
            raise TypeError("a context manager decorator needs a function")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_DecoratorContextManager):
    """Context manager / decorator that disables gradient recording (``@no_grad`` or
    ``@no_grad()``)."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __init__(self, orig_func=None):
        self.prev = False

    def __enter__(self):
        self.prev = STATE.enabled
        STATE.enabled = False

    def __exit__(self, *exc):
        STATE.enabled = self.prev
        return False


class enable_grad(_DecoratorContextManager):
    """Context manager / decorator that enables gradient recording."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __init__(self, orig_func=None):
        self.prev = False

    def __enter__(self):
        self.prev = STATE.enabled
        STATE.enabled = True

    def __exit__(self, *exc):
        STATE.enabled = self.prev
        return False


class set_grad_enabled(_DecoratorContextManager):
    """Sets grad mode on or off: as a function call, context manager or decorator."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'mode' must be bool, not {type(mode).__name__}")
        self.prev = STATE.enabled
        self.mode = mode
        STATE.enabled = mode

    def __call__(self, func):
        STATE.enabled = self.prev
        return super().__call__(func)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        STATE.enabled = self.prev
        return False

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """Like no_grad, and tensors made inside are inference tensors."""

    def __init__(self, mode=True):
        self.mode = mode
        self.prev = None

    def __new__(cls, mode_or_func=True):
        if callable(mode_or_func) and not isinstance(mode_or_func, bool):
            return cls()(mode_or_func)
        return super().__new__(cls)

    def __enter__(self):
        self.prev = (STATE.enabled, STATE.inference)
        if self.mode:
            STATE.enabled = False
            STATE.inference = True
        else:
            STATE.inference = False

    def __exit__(self, *exc):
        STATE.enabled, STATE.inference = self.prev
        return False

    def clone(self):
        return self.__class__(self.mode)
