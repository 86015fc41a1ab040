"""``ember.autocast``: mixed precision regions, and the state functions behind them.

Inside ``with ember.autocast("cpu"):`` matrix products, linear layers and convolutions run in
bfloat16 (or the ``dtype`` given), losses in float32, and ``cat``/``stack`` in their inputs'
widest dtype, as PyTorch's CPU autocast does for the ops ember has (the casts live in
``ember._autocast_state``; each op checks one flag).

>>> with ember.autocast("cpu"):
...     (ember.ones(2, 2) @ ember.ones(2, 2)).dtype
ember.bfloat16
"""
import functools
import warnings

from .. import _dtype as D
from .. import _autocast_state as S


def _legacy_warning(old, new):
    warnings.warn(f"torch.{old} is deprecated. Please use torch.{new} instead.",
                  DeprecationWarning, stacklevel=3)


# ---------------------------------------------------------------------------- state functions
def is_autocast_enabled(device_type=None):
    """Whether autocast is on for ``device_type`` (CUDA when not given, as in PyTorch).

    >>> ember.is_autocast_enabled("cpu")
    False
    """
    if device_type is None:
        return S.is_enabled("cuda")
    _check_device(device_type, "is_autocast_enabled")
    return S.is_enabled(device_type)


def set_autocast_enabled(device_type, enabled=None):
    """Turn autocast on or off for ``device_type`` (``set_autocast_enabled(flag)``: CUDA)."""
    if enabled is None:
        S.set_enabled("cuda", device_type)
        return
    _check_device(device_type, "set_autocast_enabled")
    S.set_enabled(device_type, enabled)


def get_autocast_dtype(device_type):
    """The dtype autocast computes in on ``device_type`` (CPU: bfloat16, CUDA: float16)."""
    _check_device(device_type, "get_autocast_dtype")
    return S.get_dtype(device_type)


def set_autocast_dtype(device_type, dtype):
    """Set the dtype autocast computes in on ``device_type``."""
    _check_device(device_type, "set_autocast_dtype")
    S.set_dtype(device_type, dtype)


def _legacy(device, what):
    """The deprecated per-device functions (get_autocast_cpu_dtype, set_autocast_xla_enabled...)."""
    if what == "get_dtype":
        def fn():
            _legacy_warning(f"get_autocast_{device}_dtype()", f"get_autocast_dtype('{dev}')")
            return S.get_dtype(dev)
    elif what == "set_dtype":
        def fn(dtype):
            _legacy_warning(f"set_autocast_{device}_dtype(dtype)",
                            f"set_autocast_dtype('{dev}', dtype)")
            S.set_dtype(dev, dtype)
    elif what == "is_enabled":
        def fn():
            _legacy_warning(f"is_autocast_{device}_enabled()", f"is_autocast_enabled('{dev}')")
            return S.is_enabled(dev)
    else:
        def fn(enabled):
            _legacy_warning(f"set_autocast_{device}_enabled(enabled)",
                            f"set_autocast_enabled('{dev}', enabled)")
            S.set_enabled(dev, enabled)
    dev = "cuda" if device == "gpu" else device
    fn.__name__ = fn.__qualname__ = {
        "get_dtype": f"get_autocast_{device}_dtype", "set_dtype": f"set_autocast_{device}_dtype",
        "is_enabled": f"is_autocast_{device}_enabled",
        "set_enabled": f"set_autocast_{device}_enabled"}[what]
    fn.__doc__ = f"Deprecated: ``{fn.__name__.replace(device, '')}('{dev}', ...)``."
    return fn


get_autocast_cpu_dtype = _legacy("cpu", "get_dtype")
set_autocast_cpu_dtype = _legacy("cpu", "set_dtype")
is_autocast_cpu_enabled = _legacy("cpu", "is_enabled")
set_autocast_cpu_enabled = _legacy("cpu", "set_enabled")
get_autocast_gpu_dtype = _legacy("gpu", "get_dtype")
set_autocast_gpu_dtype = _legacy("gpu", "set_dtype")
get_autocast_ipu_dtype = _legacy("ipu", "get_dtype")
set_autocast_ipu_dtype = _legacy("ipu", "set_dtype")
is_autocast_ipu_enabled = _legacy("ipu", "is_enabled")
set_autocast_ipu_enabled = _legacy("ipu", "set_enabled")
get_autocast_xla_dtype = _legacy("xla", "get_dtype")
set_autocast_xla_dtype = _legacy("xla", "set_dtype")
is_autocast_xla_enabled = _legacy("xla", "is_enabled")
set_autocast_xla_enabled = _legacy("xla", "set_enabled")


def is_autocast_cache_enabled():
    """Whether casts of weights are cached inside autocast regions (default True)."""
    return S.is_cache_enabled()


def set_autocast_cache_enabled(enabled):
    """Turn the autocast weight-cast cache on or off."""
    S.set_cache_enabled(enabled)


def clear_autocast_cache():
    """Drop the cached weight casts (autocast does this when its outermost region exits)."""
    S.clear_cache()


def autocast_increment_nesting():
    """Count one more nested autocast region; returns the new depth."""
    return S.increment_nesting()


def autocast_decrement_nesting():
    """Count one autocast region less; returns the new depth."""
    return S.decrement_nesting()


def _check_device(device_type, fname):
    if not isinstance(device_type, str):
        raise TypeError(f"{fname}(): argument 'device_type' (position 1) must be str, not "
                        f"{type(device_type).__name__}")
    from .._device import device
    name = device(device_type).type
    if name not in S._ENABLED:
        raise RuntimeError(f"unsupported autocast device_type '{device_type}'")


# ---------------------------------------------------------------------------- the region
class autocast:
    """Context manager (and decorator) running the ops inside in mixed precision.

    >>> with ember.autocast("cpu", dtype=ember.bfloat16):
    ...     ember.nn.functional.linear(ember.ones(1, 2), ember.ones(3, 2)).dtype
    ember.bfloat16
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        _check_device(device_type, "autocast")
        self.device = device_type
        self.fast_dtype = S.get_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = S.is_cache_enabled() if cache_enabled is None else cache_enabled
        if enabled and device_type == "cpu" and self.fast_dtype not in (D.bfloat16, D.float16):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling "
                          "autocast.\nCPU Autocast only supports dtypes of torch.bfloat16, "
                          "torch.float16 currently.", UserWarning, stacklevel=2)
            enabled = False
        if enabled and device_type == "cuda":
            from .. import cuda
            if not cuda.is_available():
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling "
                              "autocast.", UserWarning, stacklevel=2)
                enabled = False
        self._enabled = bool(enabled)

    def __enter__(self):
        self.prev = S.is_enabled(self.device)
        self.prev_fastdtype = S.get_dtype(self.device)
        self.prev_cache_enabled = S.is_cache_enabled()
        S.set_enabled(self.device, self._enabled)
        S.set_dtype(self.device, self.fast_dtype)
        S.increment_nesting()
        S.set_cache_enabled(self._cache_enabled)
        return None

    def __exit__(self, exc_type, exc_val, exc_tb):
        if S.decrement_nesting() == 0:
            S.clear_cache()
        S.set_enabled(self.device, self.prev)
        S.set_dtype(self.device, self.prev_fastdtype)
        S.set_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorate_autocast


autocast.__module__ = "ember.amp.autocast_mode"
