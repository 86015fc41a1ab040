"""``ember.distributed``: PyTorch's ``torch.distributed`` API on MPI (CPU) and NCCL (GPU).

Start ranks with ``python -m ember.distributed.run --nproc_per_node N script.py`` (or
``mpiexec -n N python script.py``) and call ``init_process_group("gloo")`` in the script.
The ``gloo`` and ``mpi`` backends run on mpi4py (``pip install 'ember[distributed]'``);
``nccl`` on CuPy's NCCL bindings.

>>> import ember.distributed as dist
>>> dist.is_available()
True
"""
import importlib.util

from .backend import Backend
from .collectives import (P2POp, all_gather, all_gather_into_tensor, all_reduce, all_to_all,
                          all_to_all_single, barrier, batch_isend_irecv, broadcast, gather,
                          irecv, isend, recv, reduce, reduce_scatter, reduce_scatter_tensor,
                          scatter, send)
from .errors import DistBackendError, DistError, DistNetworkError, DistStoreError
from .object_collectives import (all_gather_object, broadcast_object_list, gather_object,
                                 scatter_object_list)
from .process_group import (GroupMember, ProcessGroup, default_pg_timeout,
                            destroy_process_group, get_backend, get_global_rank,
                            get_group_rank, get_process_group_ranks, get_rank, get_world_size,
                            group, init_process_group, is_initialized, new_group)
from .reduce_op import ReduceOp
from .store import Store, TCPStore
from .work import Work


def is_available():
    """True: the package and its API are always present (backends may still need extras)."""
    return True


def is_mpi_available():
    """True when mpi4py is installed (the ``mpi`` and ``gloo`` backends)."""
    return importlib.util.find_spec("mpi4py") is not None


is_gloo_available = is_mpi_available


def is_nccl_available():
    """True when CuPy is installed (the ``nccl`` backend; it also needs a GPU)."""
    return importlib.util.find_spec("cupy") is not None


def is_torchelastic_launched():
    """True inside a worker started by ``python -m ember.distributed.run``."""
    import os
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


__all__ = [
    "Backend", "DistBackendError", "DistError", "DistNetworkError", "DistStoreError",
    "GroupMember", "P2POp", "ProcessGroup", "ReduceOp", "Store", "TCPStore", "Work",
    "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce", "all_to_all",
    "all_to_all_single", "barrier", "batch_isend_irecv", "broadcast", "broadcast_object_list",
    "default_pg_timeout", "destroy_process_group", "gather", "gather_object", "get_backend",
    "get_global_rank", "get_group_rank", "get_process_group_ranks", "get_rank",
    "get_world_size", "group", "init_process_group", "irecv", "is_available",
    "is_gloo_available", "is_initialized", "is_mpi_available", "is_nccl_available",
    "is_torchelastic_launched", "isend", "new_group", "recv", "reduce", "reduce_scatter",
    "reduce_scatter_tensor", "scatter", "scatter_object_list", "send",
]
