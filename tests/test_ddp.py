"""nn.parallel.DistributedDataParallel against PyTorch.

In one process (both libraries' process groups of world size 1): printout, state_dict keys,
attributes, bucket layout (initial and rebuilt, read from the logging data), training numbers,
no_sync, gradient_as_bucket_view, find_unused_parameters, errors and warnings. Across 2 and 4
CPU ranks (one launcher job each, tests/distributed_checks/ddp_checks.py): training equal to
single-process training on the concatenated batch, with many buckets, no_sync, unused
parameters and buffer broadcast."""
import os
import socket
import subprocess
import sys
import warnings

import numpy as np
import pytest

import ember
import torch
import torch.distributed as tdist
from oracle import assert_same, assert_same_exception

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def init_groups():
    tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{free_port()}", rank=0,
                             world_size=1)
    ember.distributed.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{free_port()}",
                                         rank=0, world_size=1)


def destroy_groups():
    tdist.destroy_process_group()
    ember.distributed.destroy_process_group()


@pytest.fixture(scope="module")
def groups():
    """World-size-1 process groups for both libraries."""
    init_groups()
    yield
    destroy_groups()


def compare(fn, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(fn(ember), fn(torch), **kw)


def raises_same(fn):
    caught = []
    for m in (ember, torch):
        try:
            fn(m)
        except Exception as e:  # noqa: BLE001 - compared below
            caught.append(e)
        else:
            caught.append(None)
    assert caught[1] is not None and caught[0] is not None, caught
    assert_same_exception(caught[0], caught[1])


def mlp(m, seed=0, dtype=None):
    m.manual_seed(seed)
    net = m.nn.Sequential(m.nn.Linear(784, 512), m.nn.ReLU(), m.nn.Linear(512, 256),
                          m.nn.ReLU(), m.nn.Linear(256, 10))
    return net.to(dtype or m.float32)


def X(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def T(m, a, dtype=None):
    return m.tensor(a, dtype=dtype or m.float32)


def test_printout_state_dict_and_attributes(groups):
    def fn(m):
        net = m.nn.Sequential(m.nn.Linear(4, 3), m.nn.BatchNorm1d(3), m.nn.Linear(3, 2))
        ddp = m.nn.parallel.DistributedDataParallel(net)
        other = m.nn.parallel.DistributedDataParallel(
            m.nn.Sequential(m.nn.Linear(4, 3), m.nn.BatchNorm1d(3), m.nn.Linear(3, 2)))
        loaded = other.load_state_dict(ddp.state_dict())
        return (repr(ddp), list(ddp.state_dict()), [n for n, _ in ddp.named_parameters()],
                [n for n, _ in ddp.named_buffers()], ddp.module is net, ddp.dim, ddp.device_ids,
                ddp.output_device, ddp.broadcast_buffers, ddp.forward_sync_buffers,
                ddp.find_unused_parameters, ddp.bucket_bytes_cap, ddp.gradient_as_bucket_view,
                ddp.static_graph, ddp.require_backward_grad_sync, ddp.require_forward_param_sync,
                ddp.broadcast_bucket_size, ddp.bucket_bytes_cap_default, repr(loaded),
                ddp.train() is ddp, net.training, ddp.eval().training, net.training,
                type(ddp).__name__, type(ddp).__module__.replace("ember", "torch"),
                hasattr(m.nn, "DistributedDataParallel"))
    compare(fn)


@pytest.mark.parametrize("find_unused", [False, True])
@pytest.mark.parametrize("cap", [None, 0.01, 0.0001])
def test_bucket_layout_initial_and_rebuilt(groups, find_unused, cap):
    def fn(m):
        net = mlp(m)
        ddp = m.nn.parallel.DistributedDataParallel(net, bucket_cap_mb=cap,
                                                    find_unused_parameters=find_unused)
        initial = ddp._get_ddp_logging_data()["bucket_sizes"]
        for i in range(11):      # (torch refreshes its logging data at iteration 10)
            ddp(m.ones(1, 784)).sum().backward()
        data = ddp._get_ddp_logging_data()
        keys = ("bucket_cap_bytes", "has_rebuilt_buckets", "rebuilt_bucket_sizes",
                "rebuilt_per_bucket_param_indices", "find_unused_parameters",
                "gradient_as_bucket_view", "num_parameter_tensors", "total_parameter_size_bytes",
                "world_size", "rank")
        return initial, [data.get(k) for k in keys]
    compare(fn)


@pytest.mark.parametrize("limits", [[1 << 60], [1024 * 1024, 25 * 1024 * 1024], [100, 2000],
                                    [1, 1], [4000]])
def test_bucket_assignment_by_size_mixed_dtypes(limits):
    from ember.nn.parallel._reducer import _bucket_assignment_by_size
    shapes = [(10, 20), (20,), (5,), (300,), (7, 7), (1,), (64,), (2, 3, 4)]
    dtypes = ["float32", "float64", "float32", "float16", "float64", "float32", "float64",
              "float32"]
    e = [ember.zeros(s, dtype=getattr(ember, d)) for s, d in zip(shapes, dtypes)]
    t = [torch.zeros(s, dtype=getattr(torch, d)) for s, d in zip(shapes, dtypes)]
    expected, _ = tdist._compute_bucket_assignment_by_size(t, limits, [False] * len(t))
    assert _bucket_assignment_by_size(e, limits) == expected
    order = [3, 0, 7, 5, 1, 2, 6, 4]
    expected, _ = tdist._compute_bucket_assignment_by_size([t[i] for i in order], limits,
                                                           [False] * len(t), order)
    assert _bucket_assignment_by_size([e[i] for i in order], limits, order) == expected


@pytest.mark.parametrize("kwargs", [{}, {"bucket_cap_mb": 0.001},
                                    {"gradient_as_bucket_view": True},
                                    {"find_unused_parameters": True, "bucket_cap_mb": 0.01},
                                    {"static_graph": True}])
def test_training_steps_match(groups, kwargs):
    x, y = X(6, 784, seed=1), np.random.default_rng(2).integers(0, 10, 6)

    def fn(m):
        net = mlp(m, dtype=m.float64)
        ddp = m.nn.parallel.DistributedDataParallel(net, **kwargs)
        opt = m.optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9)
        losses = []
        for step in range(3):
            opt.zero_grad()
            loss = m.nn.functional.cross_entropy(ddp(T(m, x, m.float64) + step), m.tensor(y))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, [p.grad for p in net.parameters()], list(net.parameters())
    compare(fn, rtol=1e-9, atol=1e-12)


def test_no_sync_accumulates_and_grad_objects(groups):
    def fn(m):
        net = m.nn.Linear(3, 2)
        ddp = m.nn.parallel.DistributedDataParallel(net)
        with ddp.no_sync():
            ddp(T(m, X(4, 3, seed=3))).sum().backward()
            flag_inside = ddp.require_backward_grad_sync
        grad = net.weight.grad
        ddp(T(m, X(4, 3, seed=4))).pow(2).sum().backward()
        same_object = net.weight.grad is grad
        viewed = m.nn.Linear(3, 2)
        vddp = m.nn.parallel.DistributedDataParallel(viewed, gradient_as_bucket_view=True)
        vddp(T(m, X(2, 3))).sum().backward()
        first = viewed.weight.grad
        vddp(T(m, X(2, 3, seed=5))).sum().backward()
        return (flag_inside, ddp.require_backward_grad_sync, same_object, net.weight.grad,
                net.bias.grad, viewed.weight.grad._base is not None,
                viewed.weight.grad is first, viewed.weight.grad, viewed.bias.grad)
    compare(fn)


def test_find_unused_parameters_leaves_unused_grads(groups):
    def fn(m):
        class TwoHeads(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = m.nn.Linear(2, 2)
                self.b = m.nn.Linear(2, 2)

            def forward(self, x, use_b):
                return {"out": [self.b(self.a(x)) if use_b else self.a(x)]}
        net = TwoHeads()
        ddp = m.nn.parallel.DistributedDataParallel(net, find_unused_parameters=True)
        ddp(T(m, X(3, 2)), False)["out"][0].sum().backward()
        before = [p.grad for p in net.parameters()]
        ddp(T(m, X(3, 2, seed=1)), True)["out"][0].sum().backward()
        ddp(T(m, X(3, 2, seed=2)), False)["out"][0].sum().backward()
        return before, [p.grad for p in net.parameters()]
    compare(fn)


def test_unfinished_reduction_error(groups):
    def fn(m):
        class Partly(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = m.nn.Linear(2, 2)
                self.b = m.nn.Linear(2, 2)

            def forward(self, x):
                return self.a(x)
        ddp = m.nn.parallel.DistributedDataParallel(Partly())
        ddp(m.ones(3, 2))            # no backward: a second forward is fine
        with m.no_grad():
            ddp(m.ones(3, 2))
        ddp(m.ones(3, 2)).sum().backward()
        with m.no_grad():
            ddp(m.ones(3, 2))        # no_grad forwards do not check
        ddp(m.ones(3, 2))
    raises_same(fn)


def test_constructor_errors_and_warnings(groups):
    raises_same(lambda m: m.nn.parallel.DistributedDataParallel(m.nn.Linear(2, 2),
                                                                device_ids=[0, 1]))
    raises_same(lambda m: m.nn.parallel.DistributedDataParallel(m.nn.Linear(2, 2),
                                                                device_ids=[0]))
    raises_same(lambda m: m.nn.parallel.DistributedDataParallel(m.nn.ReLU()))
    raises_same(lambda m: m.nn.parallel.DistributedDataParallel(
        m.nn.Linear(2, 2).requires_grad_(False)))
    raises_same(lambda m: m.nn.parallel.DistributedDataParallel(m.nn.LazyLinear(2)))

    def warned(m):
        out = []
        for kw in ({"broadcast_buffers": False}, {"check_reduction": True},
                   {"broadcast_buffers": True, "forward_sync_buffers": False}, {}):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                ddp = m.nn.parallel.DistributedDataParallel(m.nn.Linear(2, 2), **kw)
            out.append(([(x.category.__name__, str(x.message)) for x in w],
                        ddp.broadcast_buffers))
        return out
    compare(warned)


def test_data_parallel_on_cpu_is_a_silent_pass_through():
    def fn(m):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            dp = m.nn.DataParallel(m.nn.Linear(2, 1))
            out = dp(m.ones(3, 2))
        return [str(x.message) for x in w], dp.device_ids, out.shape, repr(dp)
    compare(fn)


def test_needs_an_initialized_process_group(groups):
    destroy_groups()
    try:
        raises_same(lambda m: m.nn.parallel.DistributedDataParallel(m.nn.Linear(2, 2)))
    finally:
        init_groups()


def launch(script, nproc):
    """Run ``script`` on ``nproc`` CPU ranks with ember's launcher; its output."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--nproc_per_node",
                           str(nproc), os.path.join(HERE, "distributed_checks", script)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.parametrize("nproc", [2, 4])
def test_ddp_across_ranks_equals_single_process_training(nproc):
    assert f"ddp checks passed: 8 on {nproc} ranks" in launch("ddp_checks.py", nproc)
