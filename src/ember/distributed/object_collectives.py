"""Collectives on picklable Python objects: ``broadcast_object_list``, ``all_gather_object``,
``gather_object``, ``scatter_object_list``.

Objects are pickled into uint8 tensors (on the GPU for NCCL) and moved with the tensor
collectives: first the byte counts, then the bytes padded to the largest count. As in
PyTorch, unpickling runs code from the sending rank: use them only within a trusted job.

>>> out = [None] * ember.distributed.get_world_size()           # doctest: +SKIP
>>> ember.distributed.all_gather_object(out, {"rank": ember.distributed.get_rank()})  # doctest: +SKIP
"""
import pickle

import numpy as np

from . import collectives as C
from .process_group import not_in_group, resolve_group

__all__ = ["broadcast_object_list", "all_gather_object", "gather_object", "scatter_object_list"]


def _device(pg):
    return "cuda" if pg._backend_name == "nccl" else "cpu"


def _to_tensor(obj, pg):
    from .. import tensor as make_tensor
    data = np.frombuffer(pickle.dumps(obj), dtype=np.uint8)
    return make_tensor(data, device=_device(pg)), data.size


def _from_tensor(t, size):
    return pickle.loads(t.cpu().numpy()[:size].tobytes())


def _int64(values, pg):
    from .. import int64, tensor as make_tensor
    return make_tensor(values, dtype=int64, device=_device(pg))


def _zeros(n, pg):
    from .. import uint8, zeros
    return zeros(n, dtype=uint8, device=_device(pg))


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Replace ``object_list``'s items on every rank with those of rank ``src``."""
    if not_in_group(group):
        return
    pg = resolve_group(group)
    root = C._root(pg, "broadcast", src, group_src)
    is_root = pg.rank() == root
    if is_root:
        pairs = [_to_tensor(o, pg) for o in object_list]
        sizes = _int64([n for _, n in pairs], pg)
    else:
        sizes = _int64([0] * len(object_list), pg)
    C.broadcast(sizes, group=pg, group_src=root)
    counts = [int(n) for n in sizes.tolist()]
    if is_root:
        from .. import cat
        payload = cat([t for t, _ in pairs]) if pairs else _zeros(0, pg)
    else:
        payload = _zeros(sum(counts), pg)
    C.broadcast(payload, group=pg, group_src=root)
    if not is_root:
        data = payload.cpu().numpy()
        at = 0
        for i, n in enumerate(counts):
            object_list[i] = pickle.loads(data[at:at + n].tobytes())
            at += n


def _gather_payloads(obj, pg):
    """Every rank's pickled ``obj``: (list of padded uint8 tensors, list of sizes)."""
    t, n = _to_tensor(obj, pg)
    size = _int64([n], pg)
    sizes = [_int64([0], pg) for _ in range(pg.size())]
    C.all_gather(sizes, size, group=pg)
    counts = [int(s.item()) for s in sizes]
    longest = max(counts)
    padded = _zeros(longest, pg)
    padded[:n] = t
    return padded, counts, longest


def all_gather_object(object_list, obj, group=None):
    """Every rank's ``obj`` into ``object_list[rank]`` on all ranks."""
    if not_in_group(group):
        return
    pg = resolve_group(group)
    padded, counts, longest = _gather_payloads(obj, pg)
    outs = [_zeros(longest, pg) for _ in range(pg.size())]
    C.all_gather(outs, padded, group=pg)
    for i, (t, n) in enumerate(zip(outs, counts)):
        object_list[i] = _from_tensor(t, n)


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    """Every rank's ``obj`` into ``object_gather_list`` on rank ``dst``."""
    if not_in_group(group):
        return
    pg = resolve_group(group)
    root = C._root(pg, "gather", dst, group_dst)
    is_root = pg.rank() == root
    padded, counts, longest = _gather_payloads(obj, pg)
    outs = [_zeros(longest, pg) for _ in range(pg.size())] if is_root else None
    C.gather(padded, outs, group=pg, group_dst=root)
    if is_root:
        for i, (t, n) in enumerate(zip(outs, counts)):
            object_gather_list[i] = _from_tensor(t, n)


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None,
                        group=None, group_src=None):
    """Rank ``src``'s ``scatter_object_input_list[i]`` into rank ``i``'s
    ``scatter_object_output_list[0]``."""
    if not_in_group(group):
        return
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at "
                         "least 1.")
    pg = resolve_group(group)
    root = C._root(pg, "scatter", src, group_src)
    is_root = pg.rank() == root
    if is_root:
        pairs = [_to_tensor(o, pg) for o in scatter_object_input_list]
        longest = max(n for _, n in pairs)
        padded = []
        for t, n in pairs:
            p = _zeros(longest, pg)
            p[:n] = t
            padded.append(p)
        sizes = [_int64([n], pg) for _, n in pairs]
        meta = _int64([longest], pg)
    else:
        meta = _int64([0], pg)
        padded = sizes = None
    C.broadcast(meta, group=pg, group_src=root)
    longest = int(meta.item())
    mine = _zeros(longest, pg)
    my_size = _int64([0], pg)
    C.scatter(my_size, sizes, group=pg, group_src=root)
    C.scatter(mine, padded, group=pg, group_src=root)
    scatter_object_output_list[0] = _from_tensor(mine, int(my_size.item()))
