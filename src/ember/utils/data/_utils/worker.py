"""``torch.utils.data._utils.worker``'s public names, from ember's ``_worker``."""
from .._worker import WorkerInfo, get_worker_info  # noqa: F401
