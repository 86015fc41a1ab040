"""The ``gloo`` and ``mpi`` backends: collectives on CPU tensors through mpi4py.

Tensors are reduced in place on their NumPy buffers. Dtypes MPI has no type for (float16,
bfloat16, float8, bool) and non-contiguous tensors go through a contiguous staging buffer
(float32, or uint8 for bool) that is written back when the operation completes. Every
operation is an MPI nonblocking request so that ``async_op=True`` overlaps with computation
and a blocking call can give up after the process group's timeout instead of hanging.
"""
import atexit
import os
import sys

import numpy as np

from .reduce_op import RedOpType

_NATIVE = {np.dtype(t) for t in (np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
                                 np.uint8, np.uint16, np.uint32, np.uint64, np.complex64,
                                 np.complex128)}
_broken = False          # a request timed out: MPI_Finalize could hang on it at exit


def import_mpi():
    """mpi4py's MPI module, or an ImportError that says how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(
            "ember.distributed's 'gloo' and 'mpi' backends need mpi4py and an MPI library: "
            "pip install 'ember[distributed]' (or: pip install mpi4py mpich)") from e
    return MPI


def _abort_if_broken():
    if _broken:
        # NOTE: MPI_Finalize waits for requests that will never complete once a peer died;
        # end the whole MPI job instead of hanging at exit.
        sys.stdout.flush()
        sys.stderr.flush()
        import_mpi().COMM_WORLD.Abort(1)


def mark_broken():
    global _broken
    _broken = True


atexit.register(_abort_if_broken)


class Staged:
    """A tensor's elements as a flat, contiguous buffer MPI can use. ``buf`` is the tensor's
    own memory when possible; otherwise a staging copy, written back by ``write_back()``."""

    __slots__ = ("tensor", "buf", "copied")

    def __init__(self, tensor, fill=True):
        a = tensor._array
        self.tensor = tensor
        if a.dtype in _NATIVE and a.flags.c_contiguous:
            self.buf = a.reshape(-1)
            self.copied = False
            return
        stage = a.dtype if a.dtype in _NATIVE else (np.uint8 if a.dtype == np.bool_
                                                    else np.float32)
        self.buf = (np.ascontiguousarray(a, dtype=stage).reshape(-1) if fill
                    else np.empty(a.size, stage))
        self.copied = True

    def write_back(self):
        if self.copied:
            write(self.tensor, self.buf)
        else:
            self.tensor._bump_version()


def write(tensor, flat):
    """Copy a flat staging array into ``tensor`` (converting dtype) and bump its version."""
    a = tensor._array
    src = flat.reshape(a.shape)
    a[...] = (src != 0) if a.dtype == np.bool_ else src.astype(a.dtype, copy=False)
    tensor._bump_version()


def _mpi_op(MPI, op):
    return {RedOpType.SUM: MPI.SUM, RedOpType.AVG: MPI.SUM, RedOpType.PRODUCT: MPI.PROD,
            RedOpType.MIN: MPI.MIN, RedOpType.MAX: MPI.MAX, RedOpType.BAND: MPI.BAND,
            RedOpType.BOR: MPI.BOR, RedOpType.BXOR: MPI.BXOR}[op]


class MpiPending:
    """``test()`` for a set of MPI requests; ``post`` runs once when they complete (the
    division of an AVG reduction)."""

    __slots__ = ("reqs", "status", "MPI", "post", "done")

    def __init__(self, MPI, reqs, status=None, post=None):
        self.MPI = MPI
        self.reqs = reqs
        self.status = status
        self.post = post
        self.done = False

    def test(self):
        if self.done:
            return True
        if len(self.reqs) == 1:
            ok = self.reqs[0].Test(self.status)
        else:
            ok = self.MPI.Request.Testall(self.reqs)
        if ok:
            self.done = True
            if self.post is not None:
                self.post()
        return ok


class MpiBackend:
    """Array-level nonblocking operations over one MPI communicator. Every method takes flat
    contiguous NumPy arrays and returns an ``MpiPending``."""

    device_type = "cpu"

    def __init__(self, comm):
        self.MPI = import_mpi()
        self.comm = comm

    def stage(self, tensor, fill=True):
        if tensor.is_cuda:
            raise RuntimeError("No backend type associated with device type cuda")
        return Staged(tensor, fill)

    write = staticmethod(write)

    def mark_broken(self):
        mark_broken()

    def empty(self, count, like):
        return np.empty(count, like.dtype)

    def concat(self, bufs):
        return np.concatenate(bufs) if bufs else np.empty(0, np.float32)

    def _op(self, op, tensor):
        """The MPI operation for ``op`` on ``tensor`` (AVG: a SUM divided afterwards)."""
        if tensor.dtype.category == 0:
            # bool travels as uint8 0/1: a sum could wrap past 255 ranks, so use or / and
            op = {RedOpType.SUM: RedOpType.MAX, RedOpType.PRODUCT: RedOpType.MIN}.get(op, op)
        return _mpi_op(self.MPI, op)

    def _average(self, op, buf):
        if op is not RedOpType.AVG:
            return None
        size = self.comm.size

        def divide():
            np.divide(buf, size, out=buf)
        return divide

    def _pending(self, *reqs, status=None, post=None):
        return MpiPending(self.MPI, list(reqs), status, post)

    def allreduce(self, buf, op, tensor):
        return self._pending(self.comm.Iallreduce(self.MPI.IN_PLACE, buf, self._op(op, tensor)),
                             post=self._average(op, buf))

    def broadcast(self, buf, root):
        return self._pending(self.comm.Ibcast(buf, root))

    def reduce(self, buf, op, root, tensor):
        mop = self._op(op, tensor)
        if self.comm.rank == root:
            return self._pending(self.comm.Ireduce(self.MPI.IN_PLACE, buf, mop, root),
                                 post=self._average(op, buf))
        return self._pending(self.comm.Ireduce(buf, None, mop, root))

    def allgather(self, send, recv):
        return self._pending(self.comm.Iallgather(send, recv))

    def gather(self, send, recv, root):
        return self._pending(self.comm.Igather(send, recv if self.comm.rank == root else None,
                                               root))

    def scatter(self, send, recv, root):
        return self._pending(self.comm.Iscatter(send if self.comm.rank == root else None,
                                                recv, root))

    def reduce_scatter(self, send, recv, op, tensor):
        return self._pending(self.comm.Ireduce_scatter_block(send, recv, self._op(op, tensor)),
                             post=self._average(op, recv))

    def alltoallv(self, send, send_counts, recv, recv_counts):
        sd = np.concatenate([[0], np.cumsum(send_counts)[:-1]]).astype(np.int64).tolist()
        rd = np.concatenate([[0], np.cumsum(recv_counts)[:-1]]).astype(np.int64).tolist()
        return self._pending(self.comm.Ialltoallv([send, (list(send_counts), sd)],
                                                  [recv, (list(recv_counts), rd)]))

    def send(self, buf, dst, tag):
        return self._pending(self.comm.Isend(buf, dst, tag))

    def recv(self, buf, src, tag):
        status = self.MPI.Status()
        src = self.MPI.ANY_SOURCE if src is None else src
        return self._pending(self.comm.Irecv(buf, src, tag), status=status)

    def barrier(self):
        return self._pending(self.comm.Ibarrier())

    def source_of(self, pending):
        return pending.status.Get_source()

    def subgroup(self, ranks, store, tag):
        """The communicator of ``ranks`` (group-local numbering), or None for non-members.
        Every rank of this communicator must call it, as PyTorch's ``new_group``."""
        sub = self.comm.Create(self.comm.Get_group().Incl(list(ranks)))
        return None if sub == self.MPI.COMM_NULL else MpiBackend(sub)

    def close(self):
        MPI = self.MPI
        if self.comm not in (MPI.COMM_WORLD, MPI.COMM_SELF, MPI.COMM_NULL):
            try:
                self.comm.Free()
            except MPI.Exception:
                pass


def launched_by_mpi():
    """(rank, size) from the environment an MPI launcher sets, or None."""
    env = os.environ
    for r, s in (("PMI_RANK", "PMI_SIZE"), ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
                 ("PMIX_RANK", "OMPI_COMM_WORLD_SIZE"), ("MV2_COMM_WORLD_RANK",
                                                        "MV2_COMM_WORLD_SIZE")):
        if r in env and s in env:
            return int(env[r]), int(env[s])
    return None


def world_communicator(rank, world_size, store, timeout):
    """An MPI communicator holding ``world_size`` processes, ordered so that this process has
    rank ``rank``.

    Ranks started by one ``mpiexec`` share COMM_WORLD. Ranks started by several launches (one
    per node) are joined with MPI's dynamic processes: the launch holding rank 0 opens a port,
    publishes its name in the store, and accepts the other launches one by one; each accepted
    intercommunicator is merged into the growing one.
    """
    MPI = import_mpi()
    world = MPI.COMM_WORLD
    if world.size == world_size:
        return world if world.rank == rank else world.Split(0, rank)
    if store is None:
        raise RuntimeError(
            f"MPI started this process in a job of {world.size} rank(s) but world_size is "
            f"{world_size}: start every rank under one mpiexec (python -m "
            f"ember.distributed.run --nproc_per_node N script.py), or give a rendezvous "
            f"(MASTER_ADDR/MASTER_PORT) so separate launches can join")
    first = world.allreduce(rank, op=MPI.MIN)
    leader = world.rank == 0
    deadline_s = timeout
    try:
        if first == 0:
            port = None
            if leader:
                port = MPI.Open_port()
                store.set("ember/mpi/port", port)
                store.add("ember/mpi/joined", world.size)
                _wait_for_count(store, "ember/mpi/joined", world_size, deadline_s)
                pieces = int(store.add("ember/mpi/pieces", 0))
            else:
                pieces = None
            pieces = world.bcast(pieces, root=0)
            merged, done = world, 0
            while done < pieces:
                inter = merged.Accept(port if merged.rank == 0 else None, root=0)
                merged = inter.Merge(high=False)
                inter.Free()
                done = merged.bcast(done + 1, root=0)
                merged.bcast(pieces, root=0)
            if leader:
                MPI.Close_port(port)
        else:
            port = None
            if leader:
                store.add("ember/mpi/pieces", 1)
                store.add("ember/mpi/joined", world.size)
                port = store.get("ember/mpi/port").decode()
            inter = world.Connect(port, root=0)
            merged = inter.Merge(high=True)
            inter.Free()
            done = merged.bcast(None, root=0)
            pieces = merged.bcast(None, root=0)
            while done < pieces:
                inter = merged.Accept(None, root=0)
                merged = inter.Merge(high=False)
                inter.Free()
                done = merged.bcast(None, root=0)
                merged.bcast(None, root=0)
    except MPI.Exception as e:
        raise RuntimeError(
            f"could not join separately launched MPI processes into one world of "
            f"{world_size} ({e.Get_error_string().splitlines()[0]}). This needs an MPI whose "
            f"MPI_Comm_connect/accept works between launches (MPICH 5 cannot connect "
            f"processes started without mpiexec): start the ranks with mpiexec or "
            f"python -m ember.distributed.run") from None
    if merged.size != world_size:
        raise RuntimeError(f"MPI rendezvous gathered {merged.size} ranks, expected "
                           f"{world_size}")
    return merged.Split(0, rank)


def _wait_for_count(store, key, target, timeout):
    import time
    deadline = time.monotonic() + timeout
    while int(store.add(key, 0)) < target:
        if time.monotonic() > deadline:
            raise RuntimeError(f"Timed out after {timeout:.0f} s waiting for "
                               f"{target - int(store.add(key, 0))} rank(s) to join")
        time.sleep(0.01)
