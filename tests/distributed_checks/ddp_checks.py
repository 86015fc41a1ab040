"""Run on every rank (under ``python -m ember.distributed.run``): DistributedDataParallel
training compared with single-process training on the concatenated global batch.

Every rank draws the same global batches from one seed and trains on its own slice; the
reference model (built from rank 0's initial weights) trains on the whole batch in this same
process. Any mismatch raises (the rank exits non-zero and the launcher fails the job).
"""
import sys

import numpy as np

import ember
import ember.distributed as dist
import ember.nn as nn

TOL = 1e-6
DT = ember.float64


def rank_slice(t, rank, world):
    n = t.shape[0] // world
    return t[rank * n:(rank + 1) * n]


def global_batch(step, world, n_per_rank=4, features=6, classes=3):
    rng = np.random.default_rng(1000 + step)
    x = ember.tensor(rng.standard_normal((n_per_rank * world, features)), dtype=DT)
    y = ember.tensor(rng.integers(0, classes, n_per_rank * world))
    return x, y


class Net(nn.Module):
    """A small MLP; ``with_unused`` adds an optional head and a layer never used."""

    def __init__(self, with_unused):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.fc2 = nn.Linear(8, 3)
        if with_unused:
            self.extra = nn.Linear(8, 3)
            self.never = nn.Linear(2, 2)

    def forward(self, x, use_extra=False):
        h = ember.tanh(self.fc1(x))
        out = self.fc2(h)
        return out + self.extra(h) if use_extra else out


def make_net(seed, with_unused=False):
    ember.manual_seed(seed)
    return Net(with_unused).to(DT)


def assert_close(a, b, what):
    if a is None or b is None:
        if a is not None or b is not None:
            raise AssertionError(f"{what}: one is None ({a is None}, {b is None})")
        return
    diff = float((a - b).abs().max()) if a.numel() else 0.0
    if diff > TOL:
        raise AssertionError(f"{what}: max difference {diff}")


def assert_models_close(model, ref, what):
    for (name, p), q in zip(model.named_parameters(), ref.parameters()):
        assert_close(p.detach(), q.detach(), f"{what}: {name}")
        assert_close(p.grad, q.grad, f"{what}: {name}.grad")


def check_training(rank, world, **ddp_kwargs):
    """Three SGD-momentum steps with DDP equal three on the global batch."""
    what = f"training {ddp_kwargs}"
    ref = make_net(0)
    model = make_net(rank)      # different on every rank: construction must broadcast rank 0's
    ddp = nn.parallel.DistributedDataParallel(model, **ddp_kwargs)
    assert_models_close(model, ref, what + " after construction")
    opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ref_opt = ember.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for step in range(3):
        x, y = global_batch(step, world)
        opt.zero_grad()
        loss_fn(ddp(rank_slice(x, rank, world)), rank_slice(y, rank, world)).backward()
        opt.step()
        ref_opt.zero_grad()
        loss_fn(ref(x), y).backward()
        ref_opt.step()
        assert_models_close(model, ref, f"{what} step {step}")


def check_no_sync(rank, world):
    """Two micro-batches, the first under no_sync: the synced gradient is the sum of both
    micro-batches' global-mean gradients."""
    ref = make_net(0)
    model = make_net(rank)
    ddp = nn.parallel.DistributedDataParallel(model)
    loss_fn = nn.CrossEntropyLoss()
    x0, y0 = global_batch(10, world)
    x1, y1 = global_batch(11, world)
    with ddp.no_sync():
        loss_fn(ddp(rank_slice(x0, rank, world)), rank_slice(y0, rank, world)).backward()
    local = model.fc1.weight.grad.clone()
    mine = loss_fn(ref(rank_slice(x0, rank, world)), rank_slice(y0, rank, world))
    own = ember.autograd.grad(mine, ref.fc1.weight)[0]
    assert_close(local, own, "no_sync keeps the local gradient")
    loss_fn(ddp(rank_slice(x1, rank, world)), rank_slice(y1, rank, world)).backward()
    (loss_fn(ref(x0), y0) + loss_fn(ref(x1), y1)).backward()
    assert_models_close(model, ref, "no_sync accumulation")


def check_unused(rank, world):
    """find_unused_parameters: ``extra`` is used by rank 0 only, ``never`` by no rank."""
    ref = make_net(0, with_unused=True)
    model = make_net(rank, with_unused=True)
    ddp = nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)
    loss_fn = nn.CrossEntropyLoss()
    for step in range(2):
        x, y = global_batch(20 + step, world)
        for p in model.parameters():
            p.grad = None
        for p in ref.parameters():
            p.grad = None
        loss_fn(ddp(rank_slice(x, rank, world), use_extra=rank == 0),
                rank_slice(y, rank, world)).backward()
        total = 0
        for r in range(world):
            total = total + loss_fn(ref(rank_slice(x, r, world), use_extra=r == 0),
                                    rank_slice(y, r, world))
        (total / world).backward()
        assert_models_close(model, ref, f"find_unused_parameters step {step}")
        if model.never.weight.grad is not None:
            raise AssertionError("a parameter no rank used got a gradient")


def check_buffers(rank, world):
    """Buffers: rank 0's are broadcast at construction and before each forward."""
    ember.manual_seed(rank)
    model = nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4)).to(DT)
    model[1].running_mean.fill_(float(rank))
    ddp = nn.parallel.DistributedDataParallel(model)
    gathered = [ember.zeros(4, dtype=DT) for _ in range(world)]
    dist.all_gather(gathered, model[1].running_mean.clone())
    for g in gathered:
        assert_close(g, gathered[0], "buffers after construction")
    assert_close(model[1].running_mean, ember.zeros(4, dtype=DT), "rank 0's buffer")
    x, _ = global_batch(30, world)
    ddp(rank_slice(x, rank, world)).sum().backward()     # local batches: buffers diverge
    before = [ember.zeros(4, dtype=DT) for _ in range(world)]
    dist.all_gather(before, model[1].running_mean.clone())
    ddp.eval()
    with ember.no_grad():
        ddp(rank_slice(x, rank, world))
    dist.all_gather(gathered, model[1].running_mean.clone())
    for g in gathered:
        assert_close(g, before[0], "buffers broadcast before forward")


def main():
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    checks = [
        lambda: check_training(rank, world),
        lambda: check_training(rank, world, bucket_cap_mb=0.0001),
        lambda: check_training(rank, world, bucket_cap_mb=0.0001, gradient_as_bucket_view=True),
        lambda: check_training(rank, world, find_unused_parameters=True, bucket_cap_mb=0.0002),
        lambda: check_training(rank, world, static_graph=True),
        lambda: check_no_sync(rank, world),
        lambda: check_unused(rank, world),
        lambda: check_buffers(rank, world),
    ]
    for check in checks:
        check()
        dist.barrier()
    if rank == 0:
        print(f"ddp checks passed: {len(checks)} on {world} ranks")
    dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
