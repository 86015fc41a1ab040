"""ember.testing: ``assert_close`` (PyTorch's comparison rules, default tolerances and messages)
and ``make_tensor`` (random test tensors drawn as PyTorch draws them).

>>> ember.testing.assert_close(ember.tensor([1., 2.]), ember.tensor([1., 2. + 1e-7]))
"""
from ._comparison import assert_close
from ._creation import make_tensor

__all__ = ["assert_close", "make_tensor"]
