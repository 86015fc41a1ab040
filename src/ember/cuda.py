"""ember.cuda: CUDA devices through CuPy, when it and a GPU are present.

>>> ember.cuda.is_available()    # False on a machine without CuPy or a GPU
False
"""
_STATE = {"checked": False, "cupy": None, "count": 0, "current": 0}

NOT_AVAILABLE = ("Torch not compiled with CUDA enabled (ember: the CUDA backend needs CuPy and an "
                 "NVIDIA GPU; install ember[cuda])")


def _probe():
    if not _STATE["checked"]:
        _STATE["checked"] = True
        try:
            import cupy
            n = cupy.cuda.runtime.getDeviceCount()
        except Exception:
            cupy, n = None, 0
        _STATE["cupy"] = cupy if n else None
        _STATE["count"] = n
    return _STATE["cupy"]


def is_available():
    """True when CuPy is installed and sees at least one GPU."""
    return _probe() is not None


def device_count():
    """Number of visible GPUs (0 without the CuPy backend)."""
    _probe()
    return _STATE["count"]


def _lazy_init():
    if _probe() is None:
        raise AssertionError(NOT_AVAILABLE)


def current_device():
    _lazy_init()
    return _STATE["current"]


def set_device(device):
    _lazy_init()
    from ._device import as_device
    d = device if isinstance(device, int) else as_device(device).index or 0
    _STATE["current"] = d
    _STATE["cupy"].cuda.Device(d).use()


def is_initialized():
    return _STATE["checked"] and _STATE["cupy"] is not None


def manual_seed(seed):
    """Seeds the CUDA generators (a no-op without a GPU, as in PyTorch)."""
    return None


def manual_seed_all(seed):
    return None


def synchronize(device=None):
    cp = _probe()
    if cp is not None:
        cp.cuda.runtime.deviceSynchronize()


def empty_cache():
    cp = _probe()
    if cp is not None:
        cp.get_default_memory_pool().free_all_blocks()


def to_device_array(arr, device):
    _lazy_init()
    cp = _STATE["cupy"]
    with cp.cuda.Device(device.index or 0):
        return cp.asarray(arr)


def _array_device(arr):
    from ._device import device
    return device("cuda", arr.device.id)
