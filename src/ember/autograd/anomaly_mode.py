"""Anomaly detection: forward tracebacks stored in nodes, NaN checks in backward.

>>> with ember.autograd.detect_anomaly():
...     loss.backward()          # a NaN gradient raises, naming the op that produced it
"""
import warnings

from .grad_mode import STATE

_CLS = type(STATE)


def is_anomaly_enabled():
    """True while anomaly detection is on."""
    return _CLS.anomaly


def is_anomaly_check_nan_enabled():
    return _CLS.anomaly_check_nan


class detect_anomaly:
    """Context manager / decorator enabling anomaly detection."""

    def __init__(self, check_nan=True):
        self.prev = _CLS.anomaly
        self.prev_nan = _CLS.anomaly_check_nan
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        _CLS.anomaly = True
        _CLS.anomaly_check_nan = self.check_nan

    def __exit__(self, *exc):
        _CLS.anomaly = self.prev
        _CLS.anomaly_check_nan = self.prev_nan
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off (function call or context manager)."""

    def __init__(self, mode, check_nan=True):
        self.prev = _CLS.anomaly
        self.prev_nan = _CLS.anomaly_check_nan
        _CLS.anomaly = mode
        _CLS.anomaly_check_nan = check_nan

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _CLS.anomaly = self.prev
        _CLS.anomaly_check_nan = self.prev_nan
        return False
