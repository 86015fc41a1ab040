"""DistributedDataParallel scaling of the shared bench's ``mlp_train`` workload (MLP
784-512-256-10, cross-entropy, SGD momentum) on CPU ranks.

Run one job per world size, e.g.::

    python -m ember.distributed.run --nproc_per_node 1 benchmarks/ddp_mlp_scaling.py
    python -m ember.distributed.run --nproc_per_node 2 benchmarks/ddp_mlp_scaling.py

Rank 0 prints steps/s and samples/s for weak scaling (128 samples per rank, as mlp_train) and
strong scaling (a global batch of 128 split across the ranks). Set OMP_NUM_THREADS /
OPENBLAS_NUM_THREADS so that ranks x threads fits the cores.
"""
import os
import time

import ember
import ember.distributed as dist
import ember.nn as nn
import ember.nn.functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 512)
        self.fc2 = nn.Linear(512, 256)
        self.fc3 = nn.Linear(256, 10)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def measure(batch_per_rank, steps, warmup=5):
    ember.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(MLP())
    opt = ember.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = ember.randn(batch_per_rank, 784)
    y = ember.randint(0, 10, (batch_per_rank,))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    for _ in range(warmup):
        step()
    dist.barrier()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    dist.barrier()
    return steps / (time.perf_counter() - start)


def main():
    dist.init_process_group("gloo")
    world = dist.get_world_size()
    steps = int(os.environ.get("STEPS", "60"))
    weak = measure(128, steps)
    strong = measure(128 // world, steps)
    if dist.get_rank() == 0:
        print(f"world {world}: weak (128/rank) {weak:.1f} steps/s {weak * 128 * world:.0f} "
              f"samples/s; strong (128 global) {strong:.1f} steps/s {strong * 128:.0f} samples/s")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
