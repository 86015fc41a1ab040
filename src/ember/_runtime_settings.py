"""Process-wide runtime settings PyTorch exposes at top level: CPU thread counts (which set the
threads of NumPy's OpenBLAS, the only multi-threaded code ember's CPU ops run), the
deterministic-algorithms flags and debug mode, the float32 matmul precision, warn-always, and
small environment facts (``typename``, ``get_device_module``, ``compiled_with_cxx11_abi``).

>>> ember.set_num_threads(1); ember.get_num_threads()
1
"""
import os
import warnings



def openblas_libraries():
    """The OpenBLAS libraries NumPy loaded (empty when that helper is unavailable)."""
    try:
        from ._backend.blas_threads import openblas_libraries as libs
    except ImportError:
        return []
    return libs()

_STATE = {
    "threads": None,             # set_num_threads' value (None: the BLAS default)
    "interop_threads": None,
    "deterministic": False,
    "deterministic_warn_only": False,
    "matmul_precision": "highest",
    "warn_always": False,
}


# ---------------------------------------------------------------------------- threads
def _default_threads():
    libs = openblas_libraries()
    if libs:
        return libs[0].get()
    return os.cpu_count() or 1


def get_num_threads():
    """The number of threads intra-op (BLAS) work uses.

    >>> ember.get_num_threads() >= 1
    True
    """
    n = _STATE["threads"]
    return n if n is not None else _default_threads()


def set_num_threads(int):  # noqa: A002  (PyTorch's parameter name)
    """Set the number of threads BLAS (matrix products, convolutions) may use.

    >>> ember.set_num_threads(2)
    """
    n = int
    if type(n) is not type(1) and not hasattr(n, "__index__"):
        raise TypeError(f"set_num_threads(): argument 'int' (position 1) must be int, not "
                        f"{type(n).__name__}")
    n = n.__index__()
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    for lib in openblas_libraries():
        lib.set(n)
    _STATE["threads"] = n


def get_num_interop_threads():
    """The number of inter-op threads (ember runs ops one at a time: the setting is kept).

    >>> ember.get_num_interop_threads() >= 1
    True
    """
    n = _STATE["interop_threads"]
    return n if n is not None else (os.cpu_count() or 1)


def set_num_interop_threads(int):  # noqa: A002
    """Set the inter-op thread count; as in PyTorch it can be set once, before any parallel
    work, and never to a non-positive value.

    >>> ember.get_num_interop_threads() > 0
    True
    """
    n = int.__index__() if hasattr(int, "__index__") else int
    if type(n) is not type(1):
        raise TypeError(f"set_num_interop_threads(): argument 'int' (position 1) must be int, "
                        f"not {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("Expected positive number of threads")
    if _STATE["interop_threads"] is not None:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has "
                           "started or set_num_interop_threads called")
    _STATE["interop_threads"] = n


def init_num_threads():
    """Initialise the thread settings of the calling thread (nothing to do for ember's BLAS,
    whose count is process-wide)."""
    if _STATE["threads"] is not None:
        for lib in openblas_libraries():
            lib.set(_STATE["threads"])


# ---------------------------------------------------------------------------- determinism
def use_deterministic_algorithms(mode, *, warn_only=False):
    """Ask for deterministic algorithms. ember's CPU kernels are deterministic already; the
    flags are kept for code that reads them back.

    >>> ember.use_deterministic_algorithms(False); ember.are_deterministic_algorithms_enabled()
    False
    """
    if type(mode) is not bool:
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f"bool, not {type(mode).__name__}")
    if type(warn_only) is not bool:
        raise TypeError(f"_set_deterministic_algorithms(): argument 'warn_only' must be bool, "
                        f"not {type(warn_only).__name__}")
    _STATE["deterministic"] = mode
    _STATE["deterministic_warn_only"] = warn_only


def are_deterministic_algorithms_enabled():
    """Whether ``use_deterministic_algorithms(True)`` is in force."""
    return _STATE["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    """Whether deterministic mode only warns (``warn_only=True``)."""
    return _STATE["deterministic_warn_only"]


def set_deterministic_debug_mode(debug_mode):
    """Set deterministic mode by level: 0/"default" off, 1/"warn", 2/"error".

    >>> ember.set_deterministic_debug_mode("warn"); ember.get_deterministic_debug_mode()
    1
    >>> ember.set_deterministic_debug_mode(0)
    """
    if isinstance(debug_mode, str):
        levels = {"default": 0, "warn": 1, "error": 2}
        if debug_mode not in levels:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, "
                               f"`error`, but got {debug_mode}")
        debug_mode = levels[debug_mode]
    elif type(debug_mode) is not int:
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got "
                           f"{debug_mode}")
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    """0 (off), 1 (warn only) or 2 (error)."""
    if not _STATE["deterministic"]:
        return 0
    return 1 if _STATE["deterministic_warn_only"] else 2


# ---------------------------------------------------------------------------- precision, warnings
def set_float32_matmul_precision(precision):
    """Set the internal precision of float32 matrix products ("highest", "high", "medium").
    ember's NumPy products always run in full float32 ("highest"'s meaning), which the other
    settings permit.

    >>> ember.set_float32_matmul_precision("high"); ember.get_float32_matmul_precision()
    'high'
    >>> ember.set_float32_matmul_precision("highest")
    """
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _STATE["matmul_precision"] = precision


def get_float32_matmul_precision():
    """The float32 matmul precision setting ("highest" by default)."""
    return _STATE["matmul_precision"]


def set_warn_always(b):
    """Make warnings that PyTorch emits once per process be emitted every time."""
    _STATE["warn_always"] = bool(b)


def is_warn_always_enabled():
    """Whether ``set_warn_always(True)`` is in force."""
    return _STATE["warn_always"]


# ---------------------------------------------------------------------------- default tensor type
def set_default_tensor_type(t):
    """Deprecated: set the default floating dtype from a legacy tensor type (``ember.DoubleTensor``
    or its name ``"ember.DoubleTensor"``/``"torch.DoubleTensor"``).

    >>> ember.set_default_tensor_type(ember.FloatTensor)
    """
    import importlib
    from . import _dtype as D
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
                  UserWarning, stacklevel=2)
    if isinstance(t, str):
        module, _, name = t.rpartition(".")
        if not module:
            raise ModuleNotFoundError(f"No module named '{t}'")
        if module in ("torch", "ember"):
            module = "ember"
        elif module in ("torch.cuda", "ember.cuda"):
            raise TypeError(f"type {t.replace('ember', 'torch')} not available. Torch not "
                            "compiled with CUDA enabled.")
        t = getattr(importlib.import_module(module), name)
    dt = getattr(t, "dtype", None)
    if not isinstance(dt, D.dtype):
        raise TypeError("invalid type object: only floating-point types are supported as the "
                        "default type")
    if not dt.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    D.set_default_dtype(dt)


# ---------------------------------------------------------------------------- environment facts
def is_vulkan_available():
    """False: ember has no Vulkan backend."""
    return False


def compiled_with_cxx11_abi():
    """True, as every current PyTorch build (ember compiles nothing; the answer tells
    extension builders what PyTorch would)."""
    return True


def typename(obj):
    """The type name of ``obj`` as PyTorch prints it: ``ember.FloatTensor`` for tensors, the
    module-qualified class name otherwise.

    >>> ember.typename(ember.zeros(2)), ember.typename(3)
    ('ember.FloatTensor', 'int')
    """
    from ._tensor import Tensor
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"


def get_device_module(device=None):
    """The module of a device type: ``ember.cuda`` for "cuda", ``ember.cpu`` for "cpu" (and
    for no argument when CUDA is unavailable).

    >>> ember.get_device_module("cpu").__name__
    'ember.cpu'
    """
    from ._device import device as device_cls
    if isinstance(device, device_cls):
        name = device.type
    elif isinstance(device, str):
        name = device_cls(device).type
    elif device is None:
        from . import cuda
        name = "cuda" if cuda.is_available() else "cpu"
    else:
        raise RuntimeError(f"Invalid value of device '{device}', expect torch.device, str, or "
                           "None")
    if name == "cuda":
        from . import cuda
        return cuda
    if name == "cpu":
        from . import cpu
        return cpu
    raise RuntimeError(f"Device '{name}' does not have a corresponding module registered as "
                       f"'torch.{name}'.")


def set_anomaly_enabled(enabled, check_nan=True):
    """Turn autograd anomaly detection on or off (``autograd.set_detect_anomaly``'s switch)."""
    from .autograd import anomaly_mode
    anomaly_mode.set_detect_anomaly(enabled, check_nan)


