"""ember.nn.parallel: ``DataParallel`` (transparent without GPUs, one-device with them),
``data_parallel``, ``parallel_apply`` and ``DistributedDataParallel`` (one process per replica).

>>> ember.nn.parallel.DataParallel(ember.nn.Identity()).device_ids
[]
"""
from .data_parallel import DataParallel, data_parallel  # noqa: F401
from .parallel_apply import parallel_apply  # noqa: F401
from .distributed import DistributedDataParallel  # noqa: F401
