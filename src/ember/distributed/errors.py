"""The exception types of ``ember.distributed`` (PyTorch's hierarchy: every one is a
``RuntimeError`` through ``DistError``, so ``except RuntimeError`` code keeps working).

>>> issubclass(ember.distributed.DistStoreError, RuntimeError)
True
"""

__all__ = ["DistError", "DistBackendError", "DistNetworkError", "DistStoreError"]

NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                   "init_process_group.")


class DistError(RuntimeError):
    """Base class of the errors raised by ``ember.distributed``."""


class DistBackendError(DistError):
    """A collective failed or timed out in the communication backend."""


class DistNetworkError(DistError):
    """A socket could not connect, or a peer closed its connection."""


class DistStoreError(DistError):
    """A key-value store operation failed or timed out."""
