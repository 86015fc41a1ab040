"""``from_file``: a 1-D tensor of ``size`` elements read from a file's bytes. With
``shared=True`` the tensor maps the file (writes reach the file, which is created or grown
as needed); otherwise it holds a private copy.

>>> import numpy, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "x.bin")
>>> numpy.arange(3, dtype=numpy.float32).tofile(path)
>>> ember.from_file(path, size=3)
tensor([0., 1., 2.])
"""
import os

import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS
from .._tensor import make_tensor


def from_file(filename, shared=None, size=0, *, dtype=None, layout=None, device=None,
              pin_memory=False, requires_grad=False):
    """``size`` elements of ``dtype`` (default: the default dtype) from ``filename``."""
    dt = dtype or D.get_default_dtype()
    nbytes = size * dt.itemsize
    if shared:
        # (a shared mapping creates the file, or grows it with zeros, to the needed size)
        if not os.path.exists(filename) or os.path.getsize(filename) < nbytes:
            with open(filename, "ab") as f:
                f.truncate(nbytes)
        arr = np.memmap(filename, dtype=dt.np, mode="r+", shape=(size,)) if size else \
            np.zeros(0, dt.np)
        arr = np.asarray(arr) if not size else arr.view(np.ndarray)
    else:
        if not os.path.exists(filename):
            raise RuntimeError(f"unable to open file <{filename}> in read-only mode: No such "
                               "file or directory (2)")
        have = os.path.getsize(filename)
        if have < nbytes:
            raise RuntimeError(f"file <{filename}> size <{have}> is smaller than the required "
                               f"mapping size <{nbytes}>")
        arr = np.fromfile(filename, dtype=dt.np, count=size)
    t = make_tensor(arr, dt)
    if requires_grad:
        t.requires_grad_(True)
    return t


FUNCTIONS["from_file"] = from_file
