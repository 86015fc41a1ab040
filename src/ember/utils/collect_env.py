"""What ember runs on: versions, NumPy's BLAS, devices and distributed backends, for bug reports
(``python -m ember info``; the counterpart of ``python -m torch.utils.collect_env``).

>>> print(get_pretty_env_info())    # doctest: +SKIP
ember version: 0.1.0
...
"""
import importlib
import importlib.metadata
import importlib.util
import os
import platform
import sys

# (label, import name, distribution name) of the libraries ember uses or can use
_LIBRARIES = (
    ("NumPy", "numpy", "numpy"),
    ("CuPy", "cupy", None),
    ("ml_dtypes", "ml_dtypes", "ml_dtypes"),
    ("SciPy", "scipy", "scipy"),
    ("Pillow", "PIL", "pillow"),
    ("tqdm", "tqdm", "tqdm"),
    ("matplotlib", "matplotlib", "matplotlib"),
    ("threadpoolctl", "threadpoolctl", "threadpoolctl"),
    ("mpi4py", "mpi4py", "mpi4py"),
)
_NOT_INSTALLED = "not installed"


def library_version(import_name, distribution=None):
    """The installed version of a library, or ``"not installed"``. CuPy ships as several
    distributions (cupy-cuda12x, ...), so it is asked for its ``__version__`` instead.

    >>> library_version("numpy") != "not installed"
    True
    """
    if importlib.util.find_spec(import_name) is None:
        return _NOT_INSTALLED
    if distribution is not None:
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            pass
    try:
        return str(getattr(importlib.import_module(import_name), "__version__", "unknown"))
    except Exception as exc:    # installed but broken (a CuPy without its CUDA libraries)
        return f"installed, import fails ({type(exc).__name__}: {exc})"


def blas_info():
    """Lines on NumPy's BLAS/LAPACK: name, version, OpenBLAS build and thread count."""
    import numpy
    lines = []
    try:
        deps = numpy.show_config(mode="dicts").get("Build Dependencies", {})
    except TypeError:    # NumPy before 1.26 prints its config only
        deps = {}
    for key in ("blas", "lapack"):
        dep = deps.get(key, {})
        if dep:
            lines.append(f"NumPy {key.upper()}: {dep.get('name', 'unknown')} {dep.get('version', '')}".rstrip())
    from .._backend.blas_threads import openblas_libraries
    for lib in openblas_libraries():
        lines.append(f"OpenBLAS: {lib.config()} ({os.path.basename(lib.path)})")
        lines.append(f"OpenBLAS threads: {lib.get()}")
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return lines
    for pool in threadpool_info():
        lines.append(f"threadpoolctl: {pool.get('internal_api')} {pool.get('version')} "
                     f"({pool.get('user_api')}), {pool.get('num_threads')} threads, "
                     f"{pool.get('threading_layer', 'n/a')} threading layer")
    return lines


def _cuda_lines():
    import ember
    if not ember.cuda.is_available():
        why = ("CuPy not installed" if importlib.util.find_spec("cupy") is None
               else "CuPy sees no GPU")
        return [f"CUDA available: False ({why})"]
    import cupy
    runtime = cupy.cuda.runtime
    lines = [f"CUDA available: True ({ember.cuda.device_count()} GPU(s))"]
    version = runtime.runtimeGetVersion()
    driver = runtime.driverGetVersion()
    lines.append(f"CUDA runtime: {version // 1000}.{version % 1000 // 10}, driver API: "
                 f"{driver // 1000}.{driver % 1000 // 10}")
    for index in range(ember.cuda.device_count()):
        props = runtime.getDeviceProperties(index)
        name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        lines.append(f"GPU {index}: {name} (compute capability {props['major']}.{props['minor']}, "
                     f"{props['totalGlobalMem'] / 2 ** 30:.1f} GiB)")
    return lines


def _nccl_available():
    if importlib.util.find_spec("cupy") is None:
        return False, "needs CuPy"
    try:
        from cupy.cuda import nccl
        return nccl.available if hasattr(nccl, "available") else True, f"NCCL {nccl.get_version()}"
    except Exception:
        return False, "CuPy has no NCCL"


def backend_lines():
    """Devices ember can compute on and the distributed backends it can start."""
    import ember
    lines = ["Devices: cpu (NumPy)" + (", cuda (CuPy)" if ember.cuda.is_available() else "")]
    lines.extend(_cuda_lines())
    has_mpi = importlib.util.find_spec("mpi4py") is not None
    mpi_note = "through mpi4py" if has_mpi else "needs mpi4py"
    nccl_ok, nccl_note = _nccl_available()
    lines.append(f"Distributed backends: gloo {'yes' if has_mpi else 'no'} ({mpi_note}), "
                 f"mpi {'yes' if has_mpi else 'no'} ({mpi_note}), "
                 f"nccl {'yes' if nccl_ok else 'no'} ({nccl_note})")
    return lines


def get_pretty_env_info():
    """The report as one string, one ``name: value`` per line.

    >>> "ember version" in get_pretty_env_info()
    True
    """
    import ember
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        f"ember version: {ember.__version__} ({os.path.dirname(ember.__file__)})",
        f"Python version: {sys.version.split()[0]} ({platform.python_implementation()}, "
        f"{platform.architecture()[0]})",
        f"Python platform: {platform.platform()}",
        f"CPUs: {os.cpu_count()} ({usable} usable by this process)",
        "",
    ]
    lines += [f"{label} version: {library_version(name, dist)}" for label, name, dist in _LIBRARIES]
    lines.append("")
    lines += blas_info()
    lines.append("")
    lines += backend_lines()
    return "\n".join(lines)


def main():
    """Print the report (``python -m ember info``)."""
    print(get_pretty_env_info())


if __name__ == "__main__":
    main()
