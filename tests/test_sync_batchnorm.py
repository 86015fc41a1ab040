"""nn.SyncBatchNorm against PyTorch in one process (eval mode and training without a process
group are plain batch norm; convert_sync_batchnorm's structure; errors), and across 2 and 4
CPU ranks (one launcher job each, tests/distributed_checks/sync_batchnorm_checks.py): forward,
input/weight/bias gradients and running statistics equal BatchNorm on the concatenated batch,
and a converted model under DistributedDataParallel trains like the single-process one.

NOTE: PyTorch's SyncBatchNorm raises ValueError for CPU input once a process group exists;
ember synchronises CPU tensors (its whole point on MPI), so that case has no oracle here."""
import os
import subprocess
import sys

import numpy as np
import pytest

import ember
import torch
from oracle import assert_same, assert_same_exception

HERE = os.path.dirname(os.path.abspath(__file__))


def X(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def both(fn, **kw):
    assert_same(fn(ember), fn(torch), **kw)


def raises_same(fn):
    caught = []
    for m in (ember, torch):
        with pytest.raises(Exception) as info:
            fn(m)
        caught.append(info.value)
    assert_same_exception(*caught)


SHAPES = [(4, 3), (4, 3, 5), (2, 3, 4, 4), (2, 3, 2, 3, 2), (1, 3, 7)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("kwargs", [{}, {"momentum": None}, {"affine": False},
                                    {"track_running_stats": False}, {"bias": False}])
def test_single_process_is_batch_norm(shape, dtype, training, kwargs):
    if training and (shape[0] * int(np.prod(shape[2:])) <= 1):
        pytest.skip("one value per channel: both libraries raise (tested below)")

    def fn(m):
        dt = getattr(m, dtype)
        bn = m.nn.SyncBatchNorm(3, **kwargs).to(dt)
        if bn.weight is not None:
            with m.no_grad():
                bn.weight.copy_(m.tensor(X(3, seed=7), dtype=dt))
        if bn.bias is not None:
            with m.no_grad():
                bn.bias.copy_(m.tensor(X(3, seed=8), dtype=dt))
        if bn.running_mean is not None:
            bn.running_mean.copy_(m.tensor(X(3, seed=9), dtype=dt))
            bn.running_var.fill_(2.0)
        bn.train(training)
        outs = []
        for step in range(2):
            x = m.tensor(X(*shape, seed=step), dtype=dt, requires_grad=True)
            y = bn(x)
            (y * m.tensor(X(*shape, seed=10 + step), dtype=dt)).sum().backward()
            outs.append((y, x.grad, type(y.grad_fn).__name__))
        return (outs, bn.weight.grad if bn.weight is not None else None,
                bn.bias.grad if bn.bias is not None else None, bn.running_mean, bn.running_var,
                bn.num_batches_tracked)
    both(fn, rtol=1e-5, atol=1e-5)


def test_double_backward_in_one_process():
    def fn(m):
        bn = m.nn.SyncBatchNorm(3).double()
        x = m.tensor(X(5, 3, 2), requires_grad=True)
        g, = m.autograd.grad(bn(x).pow(2).sum(), x, create_graph=True)
        g.sum().backward()
        return g, x.grad, bn.weight.grad
    both(fn, rtol=1e-7, atol=1e-9)


def _nested(m):
    class Block(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = m.nn.Conv2d(2, 4, 3)
            self.bn = m.nn.BatchNorm2d(4, momentum=None)
            self.inner = m.nn.Sequential(m.nn.BatchNorm1d(5, affine=False),
                                         m.nn.BatchNorm3d(2, track_running_stats=False),
                                         m.nn.InstanceNorm1d(3), m.nn.LayerNorm(3))
    return m.nn.Sequential(Block(), m.nn.BatchNorm1d(4, eps=1e-3, bias=False), m.nn.ReLU())


def test_convert_sync_batchnorm_structure():
    def fn(m):
        net = _nested(m)
        net[0].bn.qconfig = "q"
        net[1].eval()
        bn_weight, bn_mean = net[0].bn.weight, net[0].bn.running_mean
        out = m.nn.SyncBatchNorm.convert_sync_batchnorm(net, process_group="pg")
        sync = out[0].bn
        lone = m.nn.SyncBatchNorm.convert_sync_batchnorm(m.nn.BatchNorm2d(3))
        return (repr(out), out is net, sync.weight is bn_weight, sync.running_mean is bn_mean,
                sync.process_group, sync.qconfig, out[1].training, out[0].bn.training,
                type(out[0].inner[2]).__name__, list(out.state_dict()), repr(lone),
                type(lone).__name__, repr(m.nn.SyncBatchNorm(4, momentum=0.2)))
    both(fn)


def test_errors():
    raises_same(lambda m: m.nn.SyncBatchNorm(3)(m.ones(3)))
    raises_same(lambda m: m.nn.SyncBatchNorm(3)(m.ones(2, 0, 3)))
    raises_same(lambda m: m.nn.SyncBatchNorm(0)(m.ones(2, 0)))
    raises_same(lambda m: m.nn.SyncBatchNorm(3)(m.ones(1, 3)))
    raises_same(lambda m: m.nn.SyncBatchNorm(3)(m.ones(2, 4)))


def launch(script, nproc):
    """Run ``script`` on ``nproc`` CPU ranks with ember's launcher; its output."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--nproc_per_node",
                           str(nproc), os.path.join(HERE, "distributed_checks", script)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.parametrize("nproc", [2, 4])
def test_across_ranks_equals_batch_norm_on_the_concatenated_batch(nproc):
    out = launch("sync_batchnorm_checks.py", nproc)
    assert f"sync batchnorm checks passed: 6 on {nproc} ranks" in out
