"""``nonzero_static``: the indices of non-zero elements in a result of fixed size (padded with
``fill_value`` rows or truncated), so the output shape does not depend on the data.

>>> ember.nonzero_static(ember.tensor([0, 3, 0, 4]), size=3)
tensor([[ 1],
        [ 3],
        [-1]])
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS
from .._tensor import Tensor, make_tensor


def nonzero_static(input, *, size, fill_value=-1):
    """The first ``size`` rows of ``nonzero(input)``, padded with ``fill_value``.

    >>> ember.tensor([[1, 0], [0, 1]]).nonzero_static(size=1)
    tensor([[0, 0]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"nonzero_static(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not isinstance(size, int) or size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    a = input._array
    found = np.argwhere(a != 0) if a.ndim else np.zeros((int(a != 0), 0), np.int64)
    out = np.full((size, a.ndim), fill_value, np.int64)
    n = min(size, found.shape[0])
    out[:n] = found[:n]
    return make_tensor(out, D.int64)


FUNCTIONS["nonzero_static"] = nonzero_static
Tensor.nonzero_static = lambda self, *, size, fill_value=-1: nonzero_static(
    self, size=size, fill_value=fill_value)
