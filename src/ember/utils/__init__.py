"""ember.utils: hooks, data loading and friends."""
from . import hooks  # noqa: F401
from .._lazy import attach as _attach_lazy

# Loaded on first use, so that `import ember` does not pull in the DataLoader's multiprocessing
# machinery or json; `ember.utils.data` and `import ember.utils.data` both keep working.
__getattr__, __dir__ = _attach_lazy(globals(), submodules={
    "data": ".data",
    "dlpack": ".dlpack",
    "safetensors": ".safetensors",
    "checkpoint": ".checkpoint",
})
