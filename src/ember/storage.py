"""ember.storage: the storage classes under PyTorch's module path (``torch.storage``)."""
from ._storage import UntypedStorage, TypedStorage  # noqa: F401
