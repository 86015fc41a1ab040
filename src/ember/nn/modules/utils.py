"""Argument helpers of the nn modules: ``_single``/``_pair``/``_triple`` turn an int (or any
iterable) into an n-tuple, as ``torch.nn.modules.utils`` does.

>>> from ember.nn.modules.utils import _pair
>>> _pair(3)
(3, 3)
"""
import collections.abc
from itertools import repeat


def _ntuple(n, name="parse"):
    def parse(x):
        # NOTE: any iterable is taken as is, strings too (PyTorch's ConvTranspose2d(...,
        # padding='same') stores ('s', 'a', 'm', 'e'))
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(repeat(x, n))
    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t, n):
    """``(1, 2)`` -> ``(2, 2, 1, 1)`` for n=2: per-dimension padding in F.pad's order."""
    return tuple(x for x in reversed(t) for _ in range(n))
