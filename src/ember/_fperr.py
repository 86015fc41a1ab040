"""Silencing NumPy's floating-point warnings around kernels (PyTorch never warns about inf - inf,
0 / 0 or overflow; NumPy does).

NOTE: setting NumPy's error-state context variable directly costs ~0.1 us where entering
``np.errstate`` costs several; fall back to errstate if NumPy's internals move.

>>> token = ignore_fp_errors()
>>> try:
...     np.log(np.zeros(1))      # no RuntimeWarning
... finally:
...     restore_fp_errors(token)
"""
import functools

import numpy as np

try:
    from numpy._core import _ufunc_config
    _CV = _ufunc_config._extobj_contextvar
    _IGNORE = _ufunc_config._make_extobj(all="ignore")

    # ignore_fp_errors() -> token: ignore floating-point errors until restore_fp_errors(token)
    # (a partial of the C method: no Python frame)
    ignore_fp_errors = functools.partial(_CV.set, _IGNORE)
    restore_fp_errors = _CV.reset
except (ImportError, AttributeError):  # pragma: no cover
    def ignore_fp_errors():
        st = np.errstate(all="ignore")
        st.__enter__()
        return st

    def restore_fp_errors(st):
        st.__exit__(None, None, None)
