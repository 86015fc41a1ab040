"""The thread count of the OpenBLAS that NumPy loaded, read and set through OpenBLAS's own C API.

NumPy has no call for this, and the environment variables (OPENBLAS_NUM_THREADS) only count before
NumPy is imported. threadpoolctl does the same job more generally; this covers OpenBLAS, which
NumPy's wheels bundle, without a further dependency.

NOTE: why it matters: on a busy machine OpenBLAS's worker threads spin waiting for cores, and small
GEMMs (an 8x8-image CNN's im2col products) ran about 8x slower with two threads than with one.

>>> from ember._backend.blas_threads import blas_threads, get_blas_threads
>>> with blas_threads(1):
...     get_blas_threads() in (1, None)
True
"""
import contextlib
import ctypes
import os

# scipy-openblas (NumPy's wheels) prefixes every symbol and, for the 64-bit-integer build, suffixes
# it with "64_"; a system OpenBLAS has the bare names.
_SYMBOL_FORMS = (("scipy_openblas_", "64_"), ("scipy_openblas_", ""), ("openblas_", "64_"),
                 ("openblas_", ""))


def _loaded_openblas_paths():
    """Paths of the OpenBLAS shared libraries mapped into this process (Linux; empty elsewhere)."""
    try:
        with open("/proc/self/maps") as maps:
            fields = [line.split() for line in maps]
    except OSError:
        return []
    paths = []
    for f in fields:
        path = f[-1] if len(f) >= 6 else ""
        if "openblas" in os.path.basename(path) and ".so" in path and path not in paths:
            paths.append(path)
    return paths


class _OpenBLAS:
    def __init__(self, path):
        self.path = path
        lib = ctypes.CDLL(path)    # already loaded: dlopen hands back the same handle
        for prefix, suffix in _SYMBOL_FORMS:
            if hasattr(lib, prefix + "get_num_threads" + suffix):
                self._get = getattr(lib, prefix + "get_num_threads" + suffix)
                self._set = getattr(lib, prefix + "set_num_threads" + suffix)
                self._config = getattr(lib, prefix + "get_config" + suffix, None)
                break
        else:
            raise OSError(f"no OpenBLAS thread API in {path}")
        self._get.restype = ctypes.c_int
        self._set.argtypes = [ctypes.c_int]
        if self._config is not None:
            self._config.restype = ctypes.c_char_p

    def get(self):
        return self._get()

    def set(self, n):
        self._set(n)

    def config(self):
        return self._config().decode() if self._config is not None else None


def openblas_libraries():
    """The OpenBLAS libraries loaded in this process, each with get/set/config."""
    libs = []
    for path in _loaded_openblas_paths():
        try:
            libs.append(_OpenBLAS(path))
        except OSError:
            pass
    return libs


def get_blas_threads():
    """Threads NumPy's OpenBLAS uses (the first one loaded), or None when none is found.

    >>> isinstance(get_blas_threads(), (int, type(None)))
    True
    """
    libs = openblas_libraries()
    return libs[0].get() if libs else None


@contextlib.contextmanager
def blas_threads(n):
    """Run the block with every loaded OpenBLAS set to ``n`` threads, then restore the counts.

    >>> with blas_threads(1):
    ...     pass
    """
    libs = openblas_libraries()
    before = [lib.get() for lib in libs]
    for lib in libs:
        lib.set(n)
    try:
        yield
    finally:
        for lib, count in zip(libs, before):
            lib.set(count)
