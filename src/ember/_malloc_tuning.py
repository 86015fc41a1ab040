"""glibc malloc tuning applied at ``import ember``: keep freed big blocks for reuse.

NumPy allocates and frees megabyte temporaries on every op. With glibc's defaults a block above
the (dynamic) mmap threshold is mmapped and unmapped each time, and freed memory above 128 KiB at
the top of the heap is returned to the OS, so every training step faults the same pages back in
(tens of thousands of page faults per step: a quarter of a mini-GPT step, measured in
``shared/bench``). Two ``mallopt`` calls make glibc keep that memory:

* ``M_MMAP_THRESHOLD`` = 1 GiB (older glibc refuses more than 32 MiB on 64-bit builds; then
  32 MiB): blocks below it come from the heap, so they are reused instead of mmapped afresh;
* ``M_TRIM_THRESHOLD`` = 1 GiB: up to that much free memory at the top of the heap is kept.

The price: the process keeps memory it freed (up to those sizes) instead of returning it to the
OS. Set ``EMBER_MALLOC_TUNING=0`` in the environment before importing ember to leave malloc alone.
On other C libraries (musl, macOS, Windows) this is a no-op.

    >>> import ember._malloc_tuning as m
    >>> m.APPLIED            # what was set, or None (opted out / not glibc / refused)
    'mallopt(M_MMAP_THRESHOLD=1073741824, M_TRIM_THRESHOLD=1073741824)'
"""
import os

ENV_VAR = "EMBER_MALLOC_TUNING"
THRESHOLD = 1 << 30
_GLIBC_MMAP_THRESHOLD_MAX = 32 << 20     # DEFAULT_MMAP_THRESHOLD_MAX on 64-bit glibc
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3   # glibc's malloc.h

APPLIED = None


def opted_out():
    """True when ``EMBER_MALLOC_TUNING`` is set to 0/false/no/off."""
    return os.environ.get(ENV_VAR, "1").strip().lower() in ("0", "false", "no", "off")


def _glibc_mallopt():
    """glibc's ``mallopt`` function, or None on any other C library."""
    try:
        # Only glibc answers this; musl, macOS raise ValueError, Windows has no os.confstr.
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return None
        import ctypes
        # NOTE: the process's own symbols (not ctypes.util.find_library, which runs `ldconfig`
        # in a subprocess): the running interpreter is linked to the glibc we want to tune.
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, ValueError, OSError):
        return None
    mallopt.restype, mallopt.argtypes = ctypes.c_int, [ctypes.c_int, ctypes.c_int]
    return mallopt


def apply():
    """Tune glibc malloc unless opted out; returns (and records in ``APPLIED``) a description
    of what was set, or None."""
    global APPLIED
    if opted_out():
        return None
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return None
    mmap_threshold = THRESHOLD
    if not mallopt(_M_MMAP_THRESHOLD, mmap_threshold):
        mmap_threshold = _GLIBC_MMAP_THRESHOLD_MAX
        if not mallopt(_M_MMAP_THRESHOLD, mmap_threshold):
            return None
    if not mallopt(_M_TRIM_THRESHOLD, THRESHOLD):
        return None
    APPLIED = f"mallopt(M_MMAP_THRESHOLD={mmap_threshold}, M_TRIM_THRESHOLD={THRESHOLD})"
    return APPLIED
