"""The ``nccl`` backend (CUDA tensors through CuPy's NCCL bindings)."""


class NcclBackend:
    @classmethod
    def create(cls, rank, world_size, store, name, timeout):
        raise RuntimeError("ember.distributed's nccl backend is not available yet")
