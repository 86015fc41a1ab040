"""ember.utils: hooks, data loading and friends."""
from . import hooks  # noqa: F401
from . import dlpack, safetensors  # noqa: F401,E402
