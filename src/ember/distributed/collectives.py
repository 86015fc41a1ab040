"""The tensor collectives: ``all_reduce``, ``broadcast``, ``reduce``, ``all_gather``,
``all_gather_into_tensor``, ``gather``, ``scatter``, ``reduce_scatter``,
``reduce_scatter_tensor``, ``all_to_all``, ``all_to_all_single``, ``send``/``recv``,
``isend``/``irecv`` and ``barrier``.

Each works in place on the given tensors. With ``async_op=True`` it returns a ``Work`` whose
``wait()`` finishes it; otherwise it returns after the operation completed (or raises
``DistBackendError`` once the group's timeout passes). ``src``/``dst`` are global ranks;
``group_src``/``group_dst`` name the same rank by its number inside ``group``.

>>> t = ember.ones(3) * (ember.distributed.get_rank() + 1)   # doctest: +SKIP
>>> ember.distributed.all_reduce(t)                            # doctest: +SKIP
"""
from .process_group import _State, not_in_group, resolve_group
from .reduce_op import RedOpType, ReduceOp, as_reduce_op
from .work import Work

__all__ = ["all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "gather",
           "scatter", "reduce_scatter", "reduce_scatter_tensor", "all_to_all",
           "all_to_all_single", "send", "recv", "isend", "irecv", "barrier", "P2POp",
           "batch_isend_irecv"]


# ---------------------------------------------------------------------------- helpers
def _check_tensor(t, name):
    from .._tensor import Tensor
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"torch.Tensor\n             but got {type(t)} instead.")


def _check_tensor_list(ts, name):
    from .._tensor import Tensor
    if not isinstance(ts, (list, tuple)) or not all(isinstance(t, Tensor) for t in ts):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"List[torch.Tensor]\n             but got {type(ts)} instead.")


def _group(group):
    """(ProcessGroup or None when this rank is outside ``group``)."""
    if not_in_group(group):
        return None
    return resolve_group(group)


def _prefix(pg):
    return "ProcessGroupGloo" if pg._backend_name != "nccl" else "ProcessGroupNCCL"


def _root(pg, what, global_rank, group_rank):
    """The root's number inside ``pg`` from ``src``/``dst`` (global) or ``group_src``/
    ``group_dst``."""
    if group_rank is not None:
        if global_rank is not None and global_rank != pg._ranks[group_rank]:
            raise ValueError(f"Can only specify one of src or group_src / dst or group_dst")
        root = group_rank
    else:
        global_rank = 0 if global_rank is None else global_rank
        if pg is _State.default:
            root = global_rank
        elif global_rank in pg._ranks:
            root = pg._ranks.index(global_rank)
        else:
            raise ValueError(f"Global rank {global_rank} is not part of group {pg}")
    if not 0 <= root < pg.size():
        raise RuntimeError(f"{_prefix(pg)}::{what}: invalid root rank: {root}")
    return root


def _finish(pg, pending, after, outputs, what, async_op):
    """Run or return the operation: ``after`` writes results once ``pending`` is done."""
    work = Work(pending.test, after, outputs, pg.timeout_seconds, what,
                rank=pg._ranks[pg.rank()], on_timeout=pg._impl.mark_broken)
    work._pending = pending
    if async_op:
        return work
    work.wait()
    return None


def _check_op(op, tensor, what):
    op = as_reduce_op(op)
    if op is RedOpType.PREMUL_SUM:
        raise ValueError("ember.distributed does not support ReduceOp.PREMUL_SUM")
    dt = tensor.dtype
    if dt.is_complex and op not in (RedOpType.SUM, RedOpType.AVG, RedOpType.PRODUCT):
        raise ValueError(f"{what} does not support {op} on complex tensors")
    if op is RedOpType.AVG and not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{dt.scalar_name}")
    if op in (RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR) and (dt.is_floating_point
                                                                  or dt.is_complex):
        raise RuntimeError(f"{what}: {op} is defined for integer and bool tensors only, "
                           f"not {dt.scalar_name}")
    return op


def _same_shape(pg, what, expected, tensors, kind="tensor size"):
    for i, t in enumerate(tensors):
        if tuple(t.shape) != tuple(expected.shape):
            raise RuntimeError(f"{_prefix(pg)}::{what}: invalid {kind} at index {i} (expected "
                               f"({', '.join(map(str, expected.shape))}), got "
                               f"({', '.join(map(str, t.shape))}))")


def _same_dtype(tensors):
    dts = {t.dtype for t in tensors}
    if len(dts) > 1:
        a, b = sorted(dts, key=lambda d: d.name)[:2]
        raise ValueError(f"Invalid usage of tensors with different dtypesFound ember.{a.name} "
                         f"and  ember.{b.name}")


# ---------------------------------------------------------------------------- reductions
def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` across all ranks in place: afterwards every rank holds the result.

    >>> t = ember.tensor([1., 2.])                   # doctest: +SKIP
    >>> ember.distributed.all_reduce(t)              # doctest: +SKIP (two ranks: [2., 4.])
    """
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    if pg is None:
        return None
    op = _check_op(op, tensor, "all_reduce")
    impl = pg._impl
    st = impl.stage(tensor)
    pending = impl.allreduce(st.buf, op, tensor)
    return _finish(pg, pending, st.write_back, [tensor], "all_reduce", async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduce ``tensor`` across ranks into rank ``dst``'s tensor (the others keep theirs)."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    if pg is None:
        return None
    root = _root(pg, "reduce", dst, group_dst)
    op = _check_op(op, tensor, "reduce")
    impl = pg._impl
    st = impl.stage(tensor)
    pending = impl.reduce(st.buf, op, root, tensor)
    after = st.write_back if pg.rank() == root else None
    return _finish(pg, pending, after, [tensor], "reduce", async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input_list[i]`` across ranks into rank ``i``'s ``output``."""
    _check_tensor(output, "output")
    _check_tensor_list(input_list, "input_list")
    pg = _group(group)
    if pg is None:
        return None
    if len(input_list) != pg.size():
        raise RuntimeError("invalid input tensor list size, must be world size")
    _same_shape(pg, "reduce_scatter", output, input_list)
    _same_dtype([output, *input_list])
    op = _check_op(op, output, "reduce_scatter")
    impl = pg._impl
    send = impl.concat([impl.stage(t).buf for t in input_list])
    st = impl.stage(output, fill=False)
    pending = impl.reduce_scatter(send, st.buf, op, output)
    return _finish(pg, pending, st.write_back, [output], "reduce_scatter", async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input`` (``world_size`` blocks along dim 0) across ranks; rank ``i`` gets
    block ``i`` in ``output``."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    pg = _group(group)
    if pg is None:
        return None
    if output.numel() * pg.size() != input.numel():
        raise RuntimeError(f"Check failed: outputShape[0] * worldSize == inputShape[0] "
                           f"({output.numel()} vs. {input.numel()}).")
    _same_dtype([output, input])
    op = _check_op(op, output, "reduce_scatter_tensor")
    impl = pg._impl
    send = impl.stage(input).buf
    st = impl.stage(output, fill=False)
    pending = impl.reduce_scatter(send, st.buf, op, output)
    return _finish(pg, pending, st.write_back, [output], "reduce_scatter_tensor", async_op)


# ---------------------------------------------------------------------------- data movement
def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy rank ``src``'s ``tensor`` into every other rank's ``tensor``."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    if pg is None:
        return None
    root = _root(pg, "broadcast", src, group_src)
    impl = pg._impl
    st = impl.stage(tensor, fill=pg.rank() == root)
    pending = impl.broadcast(st.buf, root)
    return _finish(pg, pending, st.write_back, [tensor], "broadcast", async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Every rank's ``tensor`` into ``tensor_list[rank]`` on all ranks."""
    _check_tensor_list(tensor_list, "tensor_list")
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    if pg is None:
        return None
    _same_dtype([tensor, *tensor_list])
    if len(tensor_list) != pg.size():
        raise RuntimeError(f"{_prefix(pg)}::allgather: invalid output tensor list at index 0 "
                           f"(expected length {pg.size()}, got {len(tensor_list)})")
    _same_shape(pg, "allgather", tensor, tensor_list)
    impl = pg._impl
    send = impl.stage(tensor).buf
    recv = impl.empty(send.size * pg.size(), send)
    pending = impl.allgather(send, recv)
    n = send.size

    def after():
        for i, out in enumerate(tensor_list):
            impl.write(out, recv[i * n:(i + 1) * n])
    return _finish(pg, pending, after, tensor_list, "all_gather", async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Every rank's ``input_tensor`` concatenated (rank order, along dim 0) into
    ``output_tensor``."""
    _check_tensor(output_tensor, "output_tensor")
    _check_tensor(input_tensor, "input_tensor")
    pg = _group(group)
    if pg is None:
        return None
    if output_tensor.dtype is not input_tensor.dtype:
        raise RuntimeError(f"{_prefix(pg)}::allgather: invalid tensor type at index 0 "
                           f"(expected {output_tensor.dtype}, got {input_tensor.dtype})")
    if output_tensor.numel() != input_tensor.numel() * pg.size():
        n = output_tensor.numel() // pg.size() if output_tensor.numel() % pg.size() == 0 \
            else output_tensor.numel()
        raise RuntimeError(f"{_prefix(pg)}::allgather: invalid tensor size at index 0 "
                           f"(expected ({input_tensor.numel()}), got ({n}))")
    impl = pg._impl
    send = impl.stage(input_tensor).buf
    st = impl.stage(output_tensor, fill=False)
    pending = impl.allgather(send, st.buf)
    return _finish(pg, pending, st.write_back, [output_tensor], "all_gather_into_tensor",
                   async_op)


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Every rank's ``tensor`` into ``gather_list`` on rank ``dst`` (None elsewhere)."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    if pg is None:
        return None
    root = _root(pg, "gather", dst, group_dst)
    is_root = pg.rank() == root
    if is_root:
        if not gather_list:
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
        _check_tensor_list(gather_list, "gather_list")
        if len(gather_list) != pg.size():
            raise RuntimeError(f"{_prefix(pg)}::gather: Incorrect output list size "
                               f"{len(gather_list)}. Output list size should be {pg.size()}, "
                               f"same as size of the process group.")
        _same_shape(pg, "gather", tensor, gather_list)
        _same_dtype([tensor, *gather_list])
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination "
                         "ranks.")
    impl = pg._impl
    send = impl.stage(tensor).buf
    n = send.size
    recv = impl.empty(n * pg.size(), send) if is_root else None
    pending = impl.gather(send, recv, root)

    def after():
        if is_root:
            for i, out in enumerate(gather_list):
                impl.write(out, recv[i * n:(i + 1) * n])
    return _finish(pg, pending, after, list(gather_list or []), "gather", async_op)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Rank ``src``'s ``scatter_list[i]`` into rank ``i``'s ``tensor``."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    if pg is None:
        return None
    root = _root(pg, "scatter", src, group_src)
    is_root = pg.rank() == root
    if is_root:
        if not scatter_list:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
        _check_tensor_list(scatter_list, "scatter_list")
        if len(scatter_list) != pg.size():
            raise RuntimeError(f"{_prefix(pg)}::scatter: Incorrect input list size "
                               f"{len(scatter_list)}. Input list size should be {pg.size()}, "
                               f"same as size of the process group.")
        _same_shape(pg, "scatter", tensor, scatter_list)
        _same_dtype([tensor, *scatter_list])
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    impl = pg._impl
    st = impl.stage(tensor, fill=False)
    send = impl.concat([impl.stage(t).buf for t in scatter_list]) if is_root else None
    pending = impl.scatter(send, st.buf, root)
    return _finish(pg, pending, st.write_back, [tensor], "scatter", async_op)


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """Rank ``j``'s ``input_tensor_list[i]`` into rank ``i``'s ``output_tensor_list[j]``
    (tensors may differ in size between pairs)."""
    _check_tensor_list(output_tensor_list, "output_tensor_list")
    _check_tensor_list(input_tensor_list, "input_tensor_list")
    pg = _group(group)
    if pg is None:
        return None
    for name, ts in (("input", input_tensor_list), ("output", output_tensor_list)):
        if len(ts) != pg.size():
            raise RuntimeError(f"{_prefix(pg)}::alltoall: {name} tensor list size {len(ts)} "
                               f"does not match world size {pg.size()}")
    _same_dtype([*output_tensor_list, *input_tensor_list])
    impl = pg._impl
    send_bufs = [impl.stage(t).buf for t in input_tensor_list]
    send = impl.concat(send_bufs)
    counts_out = [t.numel() for t in output_tensor_list]
    recv = impl.empty(sum(counts_out), send)
    pending = impl.alltoallv(send, [b.size for b in send_bufs], recv, counts_out)

    def after():
        at = 0
        for t, n in zip(output_tensor_list, counts_out):
            impl.write(t, recv[at:at + n])
            at += n
    return _finish(pg, pending, after, output_tensor_list, "all_to_all", async_op)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,
                      group=None, async_op=False):
    """``all_to_all`` on one tensor split along dim 0 (equally, or by the split sizes)."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    pg = _group(group)
    if pg is None:
        return None
    _same_dtype([output, input])
    n = pg.size()

    def counts(t, splits):
        rows = t.shape[0] if t.dim() else 1
        row = t.numel() // rows if rows else 0
        if splits is None or len(splits) == 0:
            if rows % n:
                raise RuntimeError(f"Tensor's dim 0 does not divide equally across group size")
            return [rows // n * row] * n
        splits = list(splits)
        if len(splits) != n:
            raise RuntimeError("Number of tensor splits not equal to group size")
        if sum(splits) != rows:
            raise RuntimeError("Split sizes doesn't match total dim 0 size")
        return [s * row for s in splits]
    send_counts = counts(input, input_split_sizes)
    recv_counts = counts(output, output_split_sizes)
    impl = pg._impl
    send = impl.stage(input).buf
    st = impl.stage(output, fill=False)
    pending = impl.alltoallv(send, send_counts, st.buf, recv_counts)
    return _finish(pg, pending, st.write_back, [output], "all_to_all_single", async_op)


# ---------------------------------------------------------------------------- point to point
def _peer(pg, peer, group_peer, what):
    if group_peer is not None:
        return group_peer
    if pg is _State.default:
        p = peer
    elif peer in pg._ranks:
        p = pg._ranks.index(peer)
    else:
        raise ValueError(f"Global rank {peer} is not part of group {pg}")
    if not 0 <= p < pg.size():
        raise ValueError(f"Invalid {what} rank: {peer} is not in the process group of "
                         f"{pg.size()} ranks")
    return p


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Start sending ``tensor`` to rank ``dst``; returns a Work."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    if pg is None:
        return None
    peer = _peer(pg, dst, group_dst, "destination")
    if peer == pg.rank():
        raise ValueError("Invalid destination rank: destination rank should not be the same "
                         "as the rank of the current process.")
    impl = pg._impl
    send = impl.stage(tensor).buf
    pending = impl.send(send, peer, tag)
    return _finish(pg, pending, None, [tensor], "send", True)


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Start receiving into ``tensor`` from rank ``src`` (any rank when None); returns a
    Work."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    if pg is None:
        return None
    peer = None if src is None and group_src is None else _peer(pg, src, group_src, "source")
    if peer is not None and peer == pg.rank():
        raise ValueError("Invalid source rank: source rank should not be the same as the rank "
                         "of the current process.")
    impl = pg._impl
    st = impl.stage(tensor, fill=False)
    pending = impl.recv(st.buf, peer, tag)
    work = _finish(pg, pending, None, [tensor], "recv", True)

    def after():
        st.write_back()
        work.source_rank_value = pg._ranks[impl.source_of(pending)]
    work._finish = after
    return work


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Send ``tensor`` to rank ``dst`` (blocks until it has been handed over)."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive into ``tensor`` from rank ``src`` (any rank when None); returns the sender's
    rank."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    return work.source_rank_value


class P2POp:
    """One send or receive for ``batch_isend_irecv`` (``op`` is ``isend`` or ``irecv``)."""

    def __init__(self, op, tensor, peer=None, group=None, tag=0, group_peer=None):
        if op not in (isend, irecv):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type "
                             "``torch.distributed.isend`` or ``torch.distributed.irecv``.")
        self.op, self.tensor, self.peer, self.group, self.tag = op, tensor, peer, group, tag
        self.group_peer = group_peer


def batch_isend_irecv(p2p_op_list):
    """Start every operation of ``p2p_op_list``; returns their Works."""
    works = []
    for p in p2p_op_list:
        if p.op is isend:
            works.append(isend(p.tensor, p.peer, p.group, p.tag, p.group_peer))
        else:
            works.append(irecv(p.tensor, p.peer, p.group, p.tag, p.group_peer))
    return works


# ---------------------------------------------------------------------------- barrier
def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank of ``group`` has reached the barrier."""
    pg = _group(group)
    if pg is None:
        return None
    return _finish(pg, pg._impl.barrier(), None, [], "barrier", async_op)

