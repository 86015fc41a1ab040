"""``Backend``: the names of the communication engines (``"gloo"``, ``"mpi"``, ``"nccl"``).

``gloo`` and ``mpi`` both run on MPI through mpi4py (CPU tensors); ``nccl`` runs on NCCL
through CuPy (CUDA tensors).

>>> ember.distributed.Backend("GLOO")
'gloo'
"""

__all__ = ["Backend"]


class Backend(str):
    """A backend name, lower-cased and checked (PyTorch's ``Backend``)."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"
    XCCL = "xccl"
    FAKE = "fake"

    backend_list = [UNDEFINED, GLOO, NCCL, UCC, MPI, XCCL]
    default_device_backend_map = {"cpu": GLOO, "cuda": NCCL}

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: "
                             f"{type(name)}")
        value = name.lower()
        if value == Backend.UNDEFINED:
            value = name.lower()
        return str.__new__(cls, value)


SUPPORTED = (Backend.GLOO, Backend.MPI, Backend.NCCL)
