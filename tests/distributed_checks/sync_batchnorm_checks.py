"""Run on every rank (under ``python -m ember.distributed.run``): SyncBatchNorm across ranks
compared with BatchNorm on the concatenated global batch, computed in this same process.

Outputs and input gradients must equal the reference's slice for this rank; weight and bias
gradients summed over ranks, and the running statistics, must equal the reference's. A
DistributedDataParallel model converted with convert_sync_batchnorm must train exactly like
the single-process BatchNorm model. Any mismatch raises (the job fails).
"""
import sys

import numpy as np

import ember
import ember.distributed as dist
import ember.nn as nn

TOL = 1e-6
DT = ember.float64


def assert_close(a, b, what):
    diff = float((a - b).abs().max()) if a.numel() else 0.0
    if diff > TOL:
        raise AssertionError(f"{what}: max difference {diff}")


def randn(seed, *shape):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=DT)


def rank_rows(counts, rank):
    start = sum(counts[:rank])
    return slice(start, start + counts[rank])


def summed(t):
    t = t.clone()
    dist.all_reduce(t)
    return t


def check_layer(rank, world, tail, counts, seed, **kwargs):
    """SyncBatchNorm over ``counts[r]`` rows on rank r against BatchNorm over all rows."""
    what = f"SyncBatchNorm{kwargs} tail={tail} counts={counts}"
    channels = 3
    rows = rank_rows(counts, rank)
    sync = nn.SyncBatchNorm(channels, **kwargs).to(DT)
    plain = [nn.BatchNorm1d, nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d][len(tail)]
    ref = plain(channels, **kwargs).to(DT)
    if sync.affine:
        with ember.no_grad():
            for m in (sync, ref):
                m.weight.copy_(randn(seed + 1, channels))
                m.bias.copy_(randn(seed + 2, channels))
    for step in range(2):
        x = randn(seed + 10 * step, sum(counts), channels, *tail)
        g = randn(seed + 10 * step + 5, sum(counts), channels, *tail)
        mine = x[rows].clone().requires_grad_(True)
        out = sync(mine)
        out.backward(g[rows])
        full = x.clone().requires_grad_(True)
        expected = ref(full)
        expected.backward(g)
        assert_close(out, expected[rows], f"{what} step {step} output")
        assert_close(mine.grad, full.grad[rows], f"{what} step {step} input grad")
        if sync.affine:
            assert_close(summed(sync.weight.grad), ref.weight.grad, f"{what} weight grad")
            assert_close(summed(sync.bias.grad), ref.bias.grad, f"{what} bias grad")
        if sync.track_running_stats:
            assert_close(sync.running_mean, ref.running_mean, f"{what} running_mean")
            assert_close(sync.running_var, ref.running_var, f"{what} running_var")
            assert int(sync.num_batches_tracked) == step + 1
        if out.grad_fn.name() != "SyncBatchNormBackward":
            raise AssertionError(f"grad_fn {out.grad_fn.name()}")


def check_ddp_with_sync_batchnorm(rank, world):
    """A converted CNN under DDP trains like the BatchNorm CNN on the concatenated batch."""
    def cnn(seed):
        ember.manual_seed(seed)
        return nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                             nn.Linear(4 * 3 * 3, 3)).to(DT)
    ref = cnn(0)
    model = nn.SyncBatchNorm.convert_sync_batchnorm(cnn(rank))
    ddp = nn.parallel.DistributedDataParallel(model)
    opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ref_opt = ember.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    per_rank = 3
    rows = slice(rank * per_rank, (rank + 1) * per_rank)
    for step in range(3):
        x = randn(100 + step, per_rank * world, 2, 5, 5)
        y = ember.tensor(np.random.default_rng(200 + step).integers(0, 3, per_rank * world))
        opt.zero_grad()
        loss_fn(ddp(x[rows]), y[rows]).backward()
        opt.step()
        ref_opt.zero_grad()
        loss_fn(ref(x), y).backward()
        ref_opt.step()
        for (name, p), q in zip(model.named_parameters(), ref.parameters()):
            assert_close(p.detach(), q.detach(), f"DDP+SyncBatchNorm step {step} {name}")
        for (name, b), c in zip(model.named_buffers(), ref.buffers()):
            assert_close(b.to(DT), c.to(DT), f"DDP+SyncBatchNorm step {step} {name}")


def main():
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    equal = [2] * world
    unequal = [r + 1 for r in range(world)]
    checks = [
        lambda: check_layer(rank, world, (), equal, 1),
        lambda: check_layer(rank, world, (4,), unequal, 2),
        lambda: check_layer(rank, world, (2, 3), equal, 3, momentum=None),
        lambda: check_layer(rank, world, (3,), unequal, 4, affine=False),
        lambda: check_layer(rank, world, (2, 2, 2), equal, 5, track_running_stats=False),
        lambda: check_ddp_with_sync_batchnorm(rank, world),
    ]
    for check in checks:
        check()
        dist.barrier()
    if rank == 0:
        print(f"sync batchnorm checks passed: {len(checks)} on {world} ranks")
    dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
