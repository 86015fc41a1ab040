"""The ``nccl`` backend: collectives on CUDA tensors through CuPy's NCCL bindings
(``cupy.cuda.nccl``). Rank 0 makes the NCCL unique id and hands it to the others through
the TCPStore. Operations are queued on the current CUDA stream; a Work is complete when a CUDA
event recorded after the operation has passed. CuPy is imported only when the backend is
used.
"""
import numpy as np

from .reduce_op import RedOpType


def _nccl():
    try:
        import cupy
        from cupy.cuda import nccl
    except ImportError as e:
        raise RuntimeError("ember.distributed's 'nccl' backend needs CuPy with NCCL "
                           "(pip install cupy-cuda12x or cupy-cuda13x) and a CUDA GPU") from e
    return cupy, nccl


def _encode_id(uid):
    # CuPy 14 returns bytes; older CuPy a tuple of signed chars
    return bytes(uid) if isinstance(uid, (bytes, bytearray)) else \
        b"t" + ",".join(map(str, uid)).encode()


def _decode_id(raw):
    if raw[:1] == b"t":
        return tuple(int(v) for v in raw[1:].decode().split(","))
    return raw


class _Staged:
    """A CUDA tensor as a flat contiguous CuPy array (a copy, written back, when needed)."""

    __slots__ = ("tensor", "buf", "copied")

    def __init__(self, cupy, tensor, fill=True):
        a = tensor._array
        self.tensor = tensor
        self.copied = not a.flags.c_contiguous or a.dtype == np.bool_
        stage = np.uint8 if a.dtype == np.bool_ else a.dtype
        if not self.copied:
            self.buf = a.reshape(-1)
        elif fill:
            self.buf = cupy.ascontiguousarray(a).astype(stage).reshape(-1)
        else:
            self.buf = cupy.empty(a.size, stage)

    def write_back(self):
        if self.copied:
            write(self.tensor, self.buf)
        else:
            self.tensor._bump_version()


def write(tensor, flat):
    a = tensor._array
    src = flat.reshape(a.shape)
    a[...] = (src != 0) if a.dtype == np.bool_ else src.astype(a.dtype, copy=False)
    tensor._bump_version()


class _CudaPending:
    __slots__ = ("event", "source")

    def __init__(self, cupy):
        self.event = cupy.cuda.Event(block=False, disable_timing=True)
        self.event.record()

    def test(self):
        return self.event.done


class NcclBackend:
    """Array-level NCCL operations for one communicator (same interface as MpiBackend)."""

    device_type = "cuda"
    write = staticmethod(write)

    def __init__(self, comm, rank, size, store):
        self.cupy, self.nccl = _nccl()
        self.comm, self.rank, self.size, self.store = comm, rank, size, store

    @classmethod
    def create(cls, rank, world_size, store, name, timeout):
        cupy, nccl = _nccl()
        key = f"ember/nccl/{name}"
        if rank == 0:
            store.set(key, _encode_id(nccl.get_unique_id()))
        uid = _decode_id(store.get(key))
        return cls(nccl.NcclCommunicator(world_size, uid, rank), rank, world_size, store)

    # ------------------------------------------------------------------ helpers
    def _dtype(self, dt):
        n = self.nccl
        table = {np.dtype(np.float16): n.NCCL_FLOAT16, np.dtype(np.float32): n.NCCL_FLOAT32,
                 np.dtype(np.float64): n.NCCL_FLOAT64, np.dtype(np.int8): n.NCCL_INT8,
                 np.dtype(np.uint8): n.NCCL_UINT8, np.dtype(np.int32): n.NCCL_INT32,
                 np.dtype(np.uint32): n.NCCL_UINT32, np.dtype(np.int64): n.NCCL_INT64,
                 np.dtype(np.uint64): n.NCCL_UINT64}
        if dt in table:
            return table[dt]
        if dt.name == "bfloat16" and hasattr(n, "NCCL_BFLOAT16"):
            return n.NCCL_BFLOAT16
        raise RuntimeError(f"the nccl backend does not support tensors of dtype {dt}")

    def _op(self, op, tensor):
        n = self.nccl
        if tensor.dtype.category == 0:
            op = {RedOpType.SUM: RedOpType.MAX, RedOpType.PRODUCT: RedOpType.MIN}.get(op, op)
        table = {RedOpType.SUM: n.NCCL_SUM, RedOpType.PRODUCT: n.NCCL_PROD,
                 RedOpType.MIN: n.NCCL_MIN, RedOpType.MAX: n.NCCL_MAX}
        if op is RedOpType.AVG:
            return getattr(n, "NCCL_AVG", None)
        if op not in table:
            raise RuntimeError(f"the nccl backend does not support {op}")
        return table[op]

    def _stream(self):
        return self.cupy.cuda.get_current_stream().ptr

    def _done(self):
        return _CudaPending(self.cupy)

    def stage(self, tensor, fill=True):
        if not tensor.is_cuda:
            raise RuntimeError("Tensors must be CUDA and dense")
        return _Staged(self.cupy, tensor, fill)

    def empty(self, count, like):
        return self.cupy.empty(count, like.dtype)

    def concat(self, bufs):
        return self.cupy.concatenate(bufs) if bufs else self.cupy.empty(0, np.float32)

    def mark_broken(self):
        try:
            self.comm.abort()
        except Exception:       # noqa: BLE001 - best effort on a failed communicator
            pass

    # ------------------------------------------------------------------ operations
    def allreduce(self, buf, op, tensor):
        nop = self._op(op, tensor)
        self.comm.allReduce(buf.data.ptr, buf.data.ptr, buf.size, self._dtype(buf.dtype),
                            self.nccl.NCCL_SUM if nop is None else nop, self._stream())
        if nop is None:          # NCCL without AVG: sum, then divide
            buf /= self.size
        return self._done()

    def broadcast(self, buf, root):
        self.comm.bcast(buf.data.ptr, buf.size, self._dtype(buf.dtype), root, self._stream())
        return self._done()

    def reduce(self, buf, op, root, tensor):
        nop = self._op(op, tensor)
        self.comm.reduce(buf.data.ptr, buf.data.ptr, buf.size, self._dtype(buf.dtype),
                         self.nccl.NCCL_SUM if nop is None else nop, root, self._stream())
        if nop is None and self.rank == root:
            buf /= self.size
        return self._done()

    def allgather(self, send, recv):
        self.comm.allGather(send.data.ptr, recv.data.ptr, send.size, self._dtype(send.dtype),
                            self._stream())
        return self._done()

    def reduce_scatter(self, send, recv, op, tensor):
        nop = self._op(op, tensor)
        self.comm.reduceScatter(send.data.ptr, recv.data.ptr, recv.size,
                                self._dtype(recv.dtype),
                                self.nccl.NCCL_SUM if nop is None else nop, self._stream())
        if nop is None:
            recv /= self.size
        return self._done()

    def _exchange(self, sends, recvs):
        """Grouped point-to-point: ``sends``/``recvs`` are (array, peer) pairs."""
        s, nccl = self._stream(), self.nccl
        nccl.groupStart()
        for buf, peer in sends:
            if buf.size:
                self.comm.send(buf.data.ptr, buf.size, self._dtype(buf.dtype), peer, s)
        for buf, peer in recvs:
            if buf.size:
                self.comm.recv(buf.data.ptr, buf.size, self._dtype(buf.dtype), peer, s)
        nccl.groupEnd()
        return self._done()

    def gather(self, send, recv, root):
        n = send.size
        recvs = ([(recv[i * n:(i + 1) * n], i) for i in range(self.size) if i != root]
                 if self.rank == root else [])
        if self.rank == root:
            recv[root * n:(root + 1) * n] = send
        return self._exchange([] if self.rank == root else [(send, root)], recvs)

    def scatter(self, send, recv, root):
        n = recv.size
        if self.rank == root:
            recv[...] = send[root * n:(root + 1) * n]
            return self._exchange([(send[i * n:(i + 1) * n], i) for i in range(self.size)
                                   if i != root], [])
        return self._exchange([], [(recv, root)])

    def alltoallv(self, send, send_counts, recv, recv_counts):
        so = np.concatenate([[0], np.cumsum(send_counts)]).astype(int)
        ro = np.concatenate([[0], np.cumsum(recv_counts)]).astype(int)
        recv[ro[self.rank]:ro[self.rank + 1]] = send[so[self.rank]:so[self.rank + 1]]
        peers = [i for i in range(self.size) if i != self.rank]
        return self._exchange([(send[so[i]:so[i + 1]], i) for i in peers],
                              [(recv[ro[i]:ro[i + 1]], i) for i in peers])

    def send(self, buf, dst, tag):
        return self._exchange([(buf, dst)], [])

    def recv(self, buf, src, tag):
        if src is None:
            raise RuntimeError("the nccl backend cannot receive from any source: give src")
        pending = self._exchange([], [(buf, src)])
        pending.source = src
        return pending

    def source_of(self, pending):
        return pending.source

    def barrier(self):
        one = self.cupy.ones(1, np.float32)
        self.comm.allReduce(one.data.ptr, one.data.ptr, 1, self.nccl.NCCL_FLOAT32,
                            self.nccl.NCCL_SUM, self._stream())
        return self._done()

    def subgroup(self, ranks, store, tag):
        if self.rank not in ranks:
            return None
        local = list(ranks).index(self.rank)
        key = f"ember/nccl/{tag}"
        if local == 0:
            store.set(key, _encode_id(self.nccl.get_unique_id()))
        uid = _decode_id(store.get(key))
        comm = self.nccl.NcclCommunicator(len(ranks), uid, local)
        return NcclBackend(comm, local, len(ranks), store)

    def close(self):
        try:
            self.comm.destroy()
        except Exception:       # noqa: BLE001 - already destroyed or aborted
            pass
