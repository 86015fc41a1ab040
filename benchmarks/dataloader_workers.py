"""DataLoader throughput with 0, 1 and 2 worker processes on a dataset whose ``__getitem__``
does real work (a small NumPy image pipeline per sample), ember against PyTorch.

    python benchmarks/dataloader_workers.py [--impl ember|torch|both] [--samples 2048]

Prints samples/s per ``num_workers``. Scaling needs idle cores: on a loaded machine the
figures say little.
"""
import argparse
import os
import subprocess
import sys
import time

WORKER = r'''
import sys, time
import numpy as np
impl, n, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if impl == "torch":
    import torch
    torch.set_num_threads(1)
else:
    import ember as torch
from_numpy = torch.from_numpy
Dataset, DataLoader = torch.utils.data.Dataset, torch.utils.data.DataLoader


class Augmented(Dataset):
    """Per sample: make a 3x64x64 image, blur it with a 5x5 box filter, normalise."""

    def __len__(self):
        return n

    def __getitem__(self, i):
        rng = np.random.default_rng(i)
        img = rng.random((3, 68, 68), dtype=np.float32)
        acc = np.zeros((3, 64, 64), dtype=np.float32)
        for dy in range(5):
            for dx in range(5):
                acc += img[:, dy:dy + 64, dx:dx + 64]
        acc /= 25.0
        acc = (acc - acc.mean()) / (acc.std() + 1e-6)
        return from_numpy(acc), i % 10


for workers in (0, 1, 2):
    loader = DataLoader(Augmented(), batch_size=batch, num_workers=workers, shuffle=False)
    it = iter(loader)
    next(it)                                   # start-up (worker spawn) is not timed
    t = time.perf_counter()
    seen = 0
    for x, y in it:
        seen += x.shape[0]
    dt = time.perf_counter() - t
    print(f"{impl:5s} num_workers={workers}: {seen / dt:8.0f} samples/s")
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", default="both", choices=["ember", "torch", "both"])
    ap.add_argument("--samples", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args()
    impls = ["torch", "ember"] if args.impl == "both" else [args.impl]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    for impl in impls:
        subprocess.run([sys.executable, "-c", WORKER, impl, str(args.samples), str(args.batch)],
                       check=True, env=env)


if __name__ == "__main__":
    main()
