"""Run by tests/test_distributed_collectives.py under ``python -m ember.distributed.run``:
every rank runs every check against NumPy-computed results and writes one JSON line per
check (``ok`` or the error) to ``<out>/rank<R>.json``.

Inputs are small integers so that every reduction is exact in every dtype, and each rank can
compute all ranks' inputs (``_inputs``) to know the expected result.
"""
import json
import os
import sys
import traceback
from datetime import timedelta

import ml_dtypes
import numpy as np

import ember
import ember.distributed as dist

R = dist.ReduceOp
DTYPES = {"float32": np.float32, "float64": np.float64, "float16": np.float16,
          "bfloat16": ml_dtypes.bfloat16, "int64": np.int64, "int32": np.int32,
          "uint8": np.uint8, "bool": np.bool_, "complex64": np.complex64}
CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def _inputs(seed, rank, shape, dtype, low=-3, high=4):
    rng = np.random.default_rng([seed, rank])
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(np.bool_)
    if dtype == "uint8":
        low = 0
    a = rng.integers(low, high, shape)
    if dtype == "complex64":
        a = a + 1j * rng.integers(low, high, shape)
    return a.astype(DTYPES[dtype])


def _tensor(a, noncontig):
    """``a`` as an ember tensor, as a non-contiguous view when asked (same values)."""
    if a.dtype == ml_dtypes.bfloat16:       # NumPy bfloat16 arrays do not convert directly
        t = ember.tensor(a.astype(np.float32)).to(ember.bfloat16)
    else:
        t = ember.tensor(a)
    if not noncontig:
        return t
    big = ember.zeros(*a.shape, 2, dtype=t.dtype)
    big[..., 1] = t
    return big[..., 1]


def _np(t):
    return t.numpy() if t.dtype is not ember.bfloat16 else t.float().numpy().astype(
        ml_dtypes.bfloat16)


def _same(got, want):
    got = _np(got) if isinstance(got, ember.Tensor) else got
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(got.astype(np.float64) if got.dtype == ml_dtypes.bfloat16
                                  else got, want.astype(np.float64)
                                  if want.dtype == ml_dtypes.bfloat16 else want)


def _reduce(arrays, op, dtype):
    stack = np.stack([a.astype(np.float64) if dtype in ("float16", "bfloat16") else a
                      for a in arrays])
    if dtype == "bool":
        stack = stack.astype(np.int64)
    out = {R.SUM: lambda s: s.sum(0), R.PRODUCT: lambda s: s.prod(0),
           R.MIN: lambda s: s.min(0), R.MAX: lambda s: s.max(0),
           R.AVG: lambda s: s.sum(0) / len(arrays),
           R.BAND: lambda s: np.bitwise_and.reduce(s, 0), R.BOR: lambda s: np.bitwise_or.reduce(s, 0),
           R.BXOR: lambda s: np.bitwise_xor.reduce(s, 0)}[op](stack)
    if dtype == "bool":
        return out != 0
    return out.astype(DTYPES[dtype])


REDUCE_CASES = [(op, dt) for op in (R.SUM, R.PRODUCT, R.MIN, R.MAX)
                for dt in ("float32", "float64", "float16", "bfloat16", "int64", "int32", "uint8",
                           "bool")] + \
    [(R.AVG, dt) for dt in ("float32", "float64", "float16", "bfloat16", "complex64")] + \
    [(R.SUM, "complex64"), (R.PRODUCT, "complex64")] + \
    [(op, dt) for op in (R.BAND, R.BOR, R.BXOR) for dt in ("int64", "uint8", "bool")]


@check
def all_reduce_ops_dtypes(rank, n):
    for i, (op, dt) in enumerate(REDUCE_CASES):
        for noncontig in (False, True):
            shape = (3, 2)
            t = _tensor(_inputs(i, rank, shape, dt), noncontig)
            dist.all_reduce(t, op=op)
            _same(t, _reduce([_inputs(i, r, shape, dt) for r in range(n)], op, dt))


@check
def all_reduce_0dim_empty_async(rank, n):
    t = ember.tensor(float(rank + 1))
    dist.all_reduce(t)
    _same(t, np.array(n * (n + 1) / 2, np.float32))
    e = ember.ones(0, 3)
    dist.all_reduce(e)
    assert tuple(e.shape) == (0, 3)
    a = ember.full((4,), float(rank))
    v0 = a._version
    w = dist.all_reduce(a, op=R.MAX, async_op=True)
    assert isinstance(w, dist.Work)
    assert w.wait() is True and w.is_completed()
    _same(a, np.full(4, n - 1, np.float32))
    assert a._version > v0
    assert dist.all_reduce(ember.ones(2)) is None


@check
def broadcast_each_src(rank, n):
    for src in range(n):
        for dt in ("float32", "bfloat16", "int64", "bool", "float16"):
            for noncontig in (False, True):
                t = _tensor(_inputs(src, rank, (2, 3), dt), noncontig)
                w = dist.broadcast(t, src=src, async_op=noncontig)
                if noncontig:
                    w.wait()
                _same(t, _inputs(src, src, (2, 3), dt))


@check
def reduce_to_each_dst(rank, n):
    for dst in range(n):
        for op, dt in ((R.SUM, "float32"), (R.MAX, "int64"), (R.AVG, "bfloat16")):
            mine = _inputs(dst, rank, (5,), dt)
            t = _tensor(mine, dst % 2 == 1)
            dist.reduce(t, dst=dst, op=op)
            want = _reduce([_inputs(dst, r, (5,), dt) for r in range(n)], op, dt) \
                if rank == dst else mine
            _same(t, want)


@check
def all_gather_and_into_tensor(rank, n):
    for dt in ("float32", "float16", "int64", "bool"):
        mine = _inputs(7, rank, (2, 2), dt)
        outs = [ember.zeros(2, 2, dtype=getattr(ember, dt)) for _ in range(n)]
        dist.all_gather(outs, _tensor(mine, True))
        for r in range(n):
            _same(outs[r], _inputs(7, r, (2, 2), dt))
        big = ember.zeros(2 * n, 2, dtype=getattr(ember, dt))
        dist.all_gather_into_tensor(big, _tensor(mine, False))
        _same(big, np.concatenate([_inputs(7, r, (2, 2), dt) for r in range(n)]))
    # a non-contiguous output is written back through its staging copy
    out = ember.zeros(2, 2 * n).t()
    dist.all_gather_into_tensor(out, ember.full((2, 2), float(rank)).t().contiguous())
    _same(out, np.concatenate([np.full((2, 2), r, np.float32) for r in range(n)]))


@check
def gather_scatter(rank, n):
    dst = n - 1
    mine = _inputs(8, rank, (3,), "float64")
    lst = [ember.zeros(3, dtype=ember.float64) for _ in range(n)] if rank == dst else None
    dist.gather(ember.tensor(mine), lst, dst=dst)
    if rank == dst:
        for r in range(n):
            _same(lst[r], _inputs(8, r, (3,), "float64"))
    src = 0
    out = ember.zeros(2, dtype=ember.bfloat16)
    pieces = [_tensor(_inputs(9, i, (2,), "bfloat16"), False) for i in range(n)] \
        if rank == src else None
    dist.scatter(out, pieces, src=src)
    _same(out, _inputs(9, rank, (2,), "bfloat16"))


@check
def reduce_scatter_both(rank, n):
    for op, dt in ((R.SUM, "float32"), (R.MIN, "int64"), (R.AVG, "float16")):
        ins = [_inputs(10 + i, rank, (2,), dt) for i in range(n)]
        out = ember.zeros(2, dtype=getattr(ember, dt))
        dist.reduce_scatter(out, [_tensor(a, False) for a in ins], op=op)
        _same(out, _reduce([_inputs(10 + rank, r, (2,), dt) for r in range(n)], op, dt))
        whole = np.concatenate(ins)
        out2 = ember.zeros(2, dtype=getattr(ember, dt))
        dist.reduce_scatter_tensor(out2, _tensor(whole, True), op=op)
        _same(out2, _reduce([_inputs(10 + rank, r, (2,), dt) for r in range(n)], op, dt))


@check
def all_to_all_both(rank, n):
    # rank r sends (r + j + 1) elements to rank j
    ins = [ember.full((rank + j + 1,), float(10 * rank + j)) for j in range(n)]
    outs = [ember.zeros(j + rank + 1) for j in range(n)]
    dist.all_to_all(outs, ins)
    for j in range(n):
        _same(outs[j], np.full(j + rank + 1, 10 * j + rank, np.float32))
    in_splits = [j + 1 for j in range(n)]                # rank r sends j+1 rows to rank j
    out_splits = [rank + 1] * n                          # and receives rank+1 rows from each
    x = ember.tensor(np.repeat(np.arange(n) + 100 * rank, in_splits)[:, None] *
                     np.ones((1, 2), np.int64))
    y = ember.zeros(sum(out_splits), 2, dtype=ember.int64)
    dist.all_to_all_single(y, x, out_splits, in_splits)
    want = np.concatenate([np.full((rank + 1, 2), rank + 100 * j) for j in range(n)])
    _same(y, want)
    eq = ember.arange(2 * n, dtype=ember.float32) + 10 * rank
    got = ember.zeros(2 * n)
    dist.all_to_all_single(got, eq)
    _same(got, np.concatenate([np.arange(2 * rank, 2 * rank + 2) + 10 * j
                               for j in range(n)]).astype(np.float32))


@check
def point_to_point(rank, n):
    right, left = (rank + 1) % n, (rank - 1) % n
    out = ember.zeros(3, dtype=ember.float16)
    w = dist.isend(ember.full((3,), float(rank), dtype=ember.float16), dst=right, tag=5)
    got_from = dist.recv(out, src=left, tag=5)
    w.wait()
    assert got_from == left
    _same(out, np.full(3, left, np.float16))
    if rank == 0:
        senders = set()
        for _ in range(n - 1):
            t = ember.zeros(1, dtype=ember.int64)
            sender = dist.recv(t, tag=9)
            assert t.item() == 100 + sender
            senders.add(sender)
        assert senders == set(range(1, n))
    else:
        dist.send(ember.tensor([100 + rank]), dst=0, tag=9)
    r = dist.irecv(ember.zeros(2), src=left, tag=3)
    s = dist.isend(ember.ones(2), dst=right, tag=3)
    s.wait()
    assert r.wait() and r.source_rank() == left
    try:
        dist.send(ember.ones(1), dst=rank)
        raise AssertionError("send to self did not raise")
    except ValueError as e:
        assert "should not be the same as the rank" in str(e)


@check
def object_collectives(rank, n):
    objs = [{"from": 0, "list": [1, 2]}, "text", None] if rank == 0 else [None, None, None]
    dist.broadcast_object_list(objs, src=0)
    assert objs == [{"from": 0, "list": [1, 2]}, "text", None]
    got = [None] * n
    dist.all_gather_object(got, ("rank", rank, "x" * rank))
    assert got == [("rank", r, "x" * r) for r in range(n)]
    g = [None] * n if rank == 1 else None
    dist.gather_object({"r": rank}, g, dst=1)
    if rank == 1:
        assert g == [{"r": r} for r in range(n)]
    out = [None]
    dist.scatter_object_list(out, [f"item{i}" * (i + 1) for i in range(n)] if rank == 0 else None,
                             src=0)
    assert out == [f"item{rank}" * (rank + 1)]


@check
def sub_groups(rank, n):
    members = [0, n - 1]
    g = dist.new_group(members)
    odd = dist.new_group([r for r in range(n) if r % 2 == 1])
    if rank in members:
        assert dist.get_rank(g) == members.index(rank) and dist.get_world_size(g) == 2
        t = ember.tensor([float(rank)])
        dist.all_reduce(t, group=g)
        _same(t, np.array([n - 1], np.float32))
        b = ember.tensor([float(rank)])
        dist.broadcast(b, src=n - 1, group=g)
        _same(b, np.array([n - 1], np.float32))
        outs = [None, None]
        dist.all_gather_object(outs, rank, group=g)
        assert outs == members
        assert dist.get_process_group_ranks(g) == members
        assert dist.get_global_rank(g, 1) == n - 1
    else:
        assert g == dist.GroupMember.NON_GROUP_MEMBER
        assert dist.get_rank(g) == -1 and dist.get_world_size(g) == -1
        assert dist.all_reduce(ember.ones(1), group=g) is None
    if rank % 2 == 1:
        t = ember.ones(2, dtype=ember.int64) * rank
        dist.all_reduce(t, group=odd)
        _same(t, np.full(2, sum(r for r in range(n) if r % 2), np.int64))
    dist.barrier()


@check
def errors_like_pytorch(rank, n):
    def raises(exc, text, fn):
        try:
            fn()
        except exc as e:
            assert text in str(e), str(e)
            return
        raise AssertionError(f"no {exc.__name__}")
    raises(RuntimeError, f"invalid output tensor list at index 0 (expected length {n}, got 1)",
           lambda: dist.all_gather([ember.ones(2)], ember.ones(2)))
    raises(RuntimeError, "invalid tensor size at index 0",
           lambda: dist.all_gather_into_tensor(ember.ones(3), ember.ones(2)))
    raises(TypeError, "Expected parameter `tensor` of type torch.Tensor",
           lambda: dist.all_reduce([1]))
    raises(RuntimeError, f"invalid root rank: {n}", lambda: dist.broadcast(ember.ones(1), src=n))
    raises(RuntimeError, "result type Float can't be cast to the desired output type Long",
           lambda: dist.all_reduce(ember.ones(2, dtype=ember.int64), op=R.AVG))
    raises(ValueError, "trying to initialize the default process group twice!",
           lambda: dist.init_process_group("gloo"))
    assert dist.get_backend() == "gloo" and dist.is_initialized()
    assert dist.GroupMember.WORLD is not None


def _save(out_dir, rank, results):
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump(results, f)


def main(out_dir):
    dist.init_process_group("gloo", timeout=timedelta(seconds=float(os.environ.get("EMBER_DIST_TIMEOUT", 60))))
    rank, n = dist.get_rank(), dist.get_world_size()
    assert rank == int(os.environ["RANK"]) and n == int(os.environ["WORLD_SIZE"])
    results = {}
    for fn in CHECKS:
        if os.environ.get("EMBER_DIST_DEBUG"):
            print(rank, fn.__name__, flush=True)
        try:
            fn(rank, n)
            results[fn.__name__] = "ok"
        except Exception:
            # the ranks' collective sequences no longer match: report and end the job
            results[fn.__name__] = traceback.format_exc()
            _save(out_dir, rank, results)
            raise
        dist.barrier()
    _save(out_dir, rank, results)
    dist.destroy_process_group()
    assert not dist.is_initialized()


if __name__ == "__main__":
    main(sys.argv[1])
