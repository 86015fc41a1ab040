"""ember.utils: hooks, data loading and friends."""
from . import hooks  # noqa: F401
