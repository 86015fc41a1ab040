"""Autograd engine semantics against PyTorch: execution and hook order, retain_graph, grad()
and backward(inputs=) options, leaves and .grad layout, in-place and views, grad modes.

Each scenario runs the same function with ``m = ember`` and ``m = torch`` and compares what it
observed (a log of values, names and exception texts).
"""
import gc
import threading
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import normalize_message


def observe(x):
    """A comparable, library-neutral rendering of an observation."""
    if isinstance(x, (ember.Tensor, torch.Tensor)):
        t = x.detach()
        vals = t.to(ember.float64 if isinstance(t, ember.Tensor) else torch.float64).numpy() \
            if t.dtype not in (ember.bool, torch.bool) else t.numpy()
        # 5 significant digits: float32 transcendental functions differ in the last bits
        vals = [float(f"{v:.5g}") for v in np.ravel(vals)]
        return ("T", tuple(t.shape), str(t.dtype).split(".")[-1], vals, x.requires_grad, x.is_leaf)
    if isinstance(x, (tuple, list)):
        return tuple(observe(v) for v in x)
    if isinstance(x, BaseException):
        return ("E", type(x).__name__, normalize_message(str(x)))
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    if isinstance(x, (ember.dtype, torch.dtype)):
        return str(x).split(".")[-1]
    return type(x).__name__


def scenario(fn):
    """Run ``fn(m, log)`` for both libraries; exceptions are logged, not raised."""
    logs = {}
    for m in (ember, torch):
        log = []
        try:
            fn(m, log)
        except Exception as e:  # noqa: BLE001
            log.append(e)
        logs[m.__name__] = [observe(v) for v in log]
    assert logs["ember"] == logs["torch"], "\nember: %s\ntorch: %s" % (logs["ember"], logs["torch"])


def node_name(t):
    return type(t.grad_fn).__name__ if t.grad_fn is not None else None


# ---------------------------------------------------------------------------- order
def test_hook_order_full_sequence():
    def fn(m, log):
        x = m.tensor([1., 2.], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: log.append("y hook 1"))
        y.register_hook(lambda g: log.append("y hook 2"))
        y.grad_fn.register_prehook(lambda go: log.append("mul pre"))
        y.grad_fn.register_hook(lambda gi, go: log.append("mul post"))
        x.register_hook(lambda g: log.append("x hook"))
        acc = y.grad_fn.next_functions[0][0]
        acc.register_prehook(lambda go: log.append("acc pre"))
        x.register_post_accumulate_grad_hook(lambda t: log.append("x post-acc"))
        acc.register_hook(lambda gi, go: log.append("acc post"))
        y.sum().backward()
        log.append(x.grad)
    scenario(fn)


def test_execution_order_recent_first():
    def fn(m, log):
        x = m.tensor([1., 2.], requires_grad=True)
        a1 = x.exp()
        b1 = x.sin()
        a2 = a1.exp()
        a3 = a2.exp()
        for name, t in (("a1", a1), ("b1", b1), ("a2", a2), ("a3", a3)):
            t.grad_fn.register_prehook(lambda go, n=name: log.append(n))
        (a3 + b1).sum().backward()
        log.append(x.grad)
    scenario(fn)


def test_two_consumers_run_once_and_argument_order_irrelevant():
    def fn(m, log):
        for order in (0, 1):
            x = m.tensor([1., 2.], requires_grad=True)
            y1 = x * 2
            y2 = x * 3
            y1.grad_fn.register_prehook(lambda go: log.append("y1"))
            y2.grad_fn.register_prehook(lambda go: log.append("y2"))
            s = (y1 + y2) if order == 0 else (y2 + y1)
            s.sum().backward()
            log.append(x.grad)
    scenario(fn)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 8, 9, 16])
def test_accumulate_grad_tie_order(n):
    if not hasattr(ember, "stack") or ember.stack.__module__ is None:
        pytest.skip("stack not available")

    def fn(m, log):
        leaves = [m.tensor([float(i)], requires_grad=True) for i in range(n)]
        for i, t in enumerate(leaves):
            t.register_hook(lambda g, i=i: log.append(i))
        m.stack(leaves).sum().backward()
    try:
        scenario(fn)
    except AttributeError:
        pytest.skip("stack not available")


def test_multiple_roots():
    def fn(m, log):
        x = m.tensor([1., 2.], requires_grad=True)
        a = x.exp()
        b = x.sin()
        a.grad_fn.register_prehook(lambda go: log.append("a"))
        b.grad_fn.register_prehook(lambda go: log.append("b"))
        m.autograd.backward([a.sum(), b.sum()])
        log.append(x.grad)
    scenario(fn)


# ---------------------------------------------------------------------------- backward / grad
def test_backward_errors():
    def fn(m, log):
        x = m.tensor([1., 2.], requires_grad=True)
        for f in (lambda: (x * 2).backward(),
                  lambda: m.tensor([1., 2.]).sum().backward(),
                  lambda: (x * 2).backward(m.ones(3)),
                  lambda: (x * 2).sum().backward(inputs=[]),
                  lambda: (x * 2).backward(2.0)):
            try:
                f()
            except Exception as e:  # noqa: BLE001
                log.append(e)
        (x * 2).backward(m.ones(2, dtype=m.float64))
        log.append(x.grad)
    scenario(fn)


def test_retain_graph_and_freeing():
    def fn(m, log):
        x = m.tensor([1., 2.], requires_grad=True)
        s = (x + x).sum()          # saves no tensors: a second backward works
        s.backward()
        s.backward()
        log.append(x.grad)
        t = (x * 2).sum()          # saves the scalar: a second backward fails
        t.backward()
        try:
            t.backward()
        except RuntimeError as e:
            log.append(e)
        u = x.exp().sum()
        u.backward(retain_graph=True)
        u.backward()
        log.append(x.grad)
        y = x.exp()
        z = y.exp()
        m.autograd.grad(z.sum(), y)
        y.sum().backward()         # y's node did not run, so it still has its buffers
        log.append(x.grad)
    scenario(fn)


def test_backward_inputs():
    def fn(m, log):
        x = m.tensor([1., 2.], requires_grad=True)
        w = m.tensor([3., 4.], requires_grad=True)
        h = x * 1
        out = h * 2 + w * 3
        out.sum().backward(inputs=[x, h])
        log.extend([x.grad, w.grad, h.grad, h.retains_grad])
        out2 = (x * w).sum()
        out2.backward(inputs=x)
        log.append(x.grad)
    scenario(fn)


def test_autograd_grad_options():
    def fn(m, log):
        x = m.tensor([1., 2.], requires_grad=True)
        y = m.tensor([3., 4.], requires_grad=True)
        z = m.tensor([5., 6.], requires_grad=True)
        out = (x * y).sum()
        log.append(m.autograd.grad(out, [x, y], retain_graph=True))
        for kw in ({}, {"allow_unused": True}, {"materialize_grads": True},
                   {"materialize_grads": True, "allow_unused": False},
                   {"materialize_grads": True, "create_graph": True}):
            try:
                log.append(m.autograd.grad(out, [x, z], retain_graph=True, **kw))
            except Exception as e:  # noqa: BLE001
                log.append(e)
        try:
            m.autograd.grad(out, [m.tensor([1.])])
        except RuntimeError as e:
            log.append(e)
        try:
            m.autograd.grad(out, [])
        except RuntimeError as e:
            log.append(e)
        log.append(x.grad)
        g, = m.autograd.grad((x ** 3).sum(), x, create_graph=True)
        log.append((g, node_name(g)))
        log.append(m.autograd.grad(g.sum(), x))
        a = m.tensor(2., requires_grad=True)
        d1, = m.autograd.grad(a ** 4, a, create_graph=True)
        d2, = m.autograd.grad(d1, a, create_graph=True)
        d3, = m.autograd.grad(d2, a)
        log.append((d1, d2, d3))
    scenario(fn)


def test_grad_hooks_fire_in_autograd_grad():
    def fn(m, log):
        x = m.tensor([1., 2.], requires_grad=True)
        h = x * 2
        h.register_hook(lambda g: g * 10)
        x.register_hook(lambda g: g + 1)
        log.append(m.autograd.grad((h * h).sum(), [x, h]))
    scenario(fn)


# ---------------------------------------------------------------------------- leaves and .grad
def test_requires_grad_rules():
    def fn(m, log):
        x = m.tensor([1., 2.], requires_grad=True)
        y = x * 2
        log.extend([x.is_leaf, y.is_leaf, y.requires_grad, node_name(y), (x > 1).requires_grad])
        for f in (lambda: m.tensor([1, 2], requires_grad=True),
                  lambda: m.tensor([1, 2]).requires_grad_(),
                  lambda: setattr(m.tensor([1, 2]), "requires_grad", True),
                  lambda: y.requires_grad_(False),
                  lambda: setattr(y, "requires_grad", True)):
            try:
                log.append(f())
            except RuntimeError as e:
                log.append(e)
        y.requires_grad_()
        log.append(y.requires_grad)
        with m.no_grad():
            z = x * 2
        log.extend([z.requires_grad, z.is_leaf])
        d = y.detach()
        d.mul_(1)
        log.extend([y._version, d.requires_grad])
        dd = y.data
        dd.mul_(1)
        log.append(y._version)
    scenario(fn)


def test_grad_layout_and_accumulation():
    def fn(m, log):
        base = m.arange(12.).reshape(3, 4)
        for p in (base.t(), base[:, ::2], m.tensor([[1.], [2.], [3.]]).expand(3, 4)):
            p = p.detach().requires_grad_()
            (p * 2).sum().backward()
            log.append((p.grad, p.grad.stride()))
        x = m.tensor([1., 2.], requires_grad=True)
        (x * 2).sum().backward()
        g = x.grad
        (x * 3).sum().backward()
        log.extend([x.grad, x.grad is g])
        x.grad = None
        (x.double() * 2).sum().backward()
        log.append(x.grad)
        for bad in (m.ones(3), m.ones(2, dtype=m.float64), 5, x):
            try:
                x.grad = bad
            except Exception as e:  # noqa: BLE001
                log.append(e)
    scenario(fn)


def test_non_leaf_grad_warning_and_retain_grad():
    def fn(m, log):
        x = m.tensor([1., 2.], requires_grad=True)
        y = x * 2
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            log.append(y.grad)
            log.append(len(w))
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
        (y * y).sum().backward(retain_graph=True)
        log.extend([y.grad, x.grad])
        g1 = y.grad
        (y * y).sum().backward()
        log.extend([y.grad, y.grad is g1])
        try:
            m.tensor([1.]).retain_grad()
        except RuntimeError as e:
            log.append(e)
    scenario(fn)


def test_create_graph_accumulation():
    def fn(m, log):
        x = m.tensor([1., 2.], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (x ** 2).sum().backward(create_graph=True)
            log.extend([x.grad, x.grad.requires_grad])
            g = x.grad
            (x ** 2).sum().backward(create_graph=True)
            log.extend([x.grad, x.grad is g, node_name(x.grad)])
    scenario(fn)


def test_hook_errors():
    def fn(m, log):
        x = m.tensor([1., 2.], requires_grad=True)
        for hook in (lambda g: m.ones(3), lambda g: g.double(), lambda g: 5):
            y = x * 2
            y.register_hook(hook)
            try:
                y.sum().backward()
            except Exception as e:  # noqa: BLE001
                log.append(e)
        for f in (lambda: m.tensor([1.]).register_hook(lambda g: g),
                  lambda: (x * 2).register_post_accumulate_grad_hook(lambda t: None)):
            try:
                f()
            except RuntimeError as e:
                log.append(e)
        y = x * 2
        y.grad_fn.register_prehook(lambda go: go[0])
        try:
            y.sum().backward()
        except TypeError as e:
            log.append(e)
        h = x.register_hook(lambda g: g * 100)
        h.remove()
        h.remove()
        x.grad = None
        (x * 1).sum().backward()
        log.append(x.grad)
    scenario(fn)


# ---------------------------------------------------------------------------- in-place
def test_inplace_errors():
    def fn(m, log):
        x = m.tensor([1., 2., 3.], requires_grad=True)
        for f in (lambda: x.add_(1), lambda: x[0].mul_(2), lambda: x.__setitem__(0, 5.),
                  lambda: m.tensor([1.]).expand(3).add_(1)):
            try:
                f()
            except RuntimeError as e:
                log.append(e)
        with m.no_grad():
            x.add_(1)
        log.extend([x, x._version, x.is_leaf])
        e = x.exp()
        e.add_(1)
        try:
            e.sum().backward()
        except RuntimeError as err:
            log.append(err)
        h = x * 1
        h.add_(1)
        h.add_(1)
        w = h * h
        h.mul_(2)
        try:
            w.sum().backward()
        except RuntimeError as err:
            log.append(err)
    scenario(fn)


def test_inplace_graph_rewrites():
    def fn(m, log):
        x = m.tensor([1., 2., 3., 4.], requires_grad=True)
        b = x * 1
        v = b[1:3]
        b[1:3].mul_(2)
        log.extend([node_name(b), node_name(v), b.grad_fn.name()])
        b.sum().backward()
        log.append(x.grad)
        x.grad = None
        b = x * 1
        b[1:3].exp_()
        b[1:3].sum().backward()
        log.append(x.grad)
        y = x * 1
        y.exp_()
        log.append(node_name(y))
        a = m.zeros(3)
        a.add_(x[:3] * 2)
        log.extend([a.requires_grad, a.is_leaf, node_name(a)])
        e = m.zeros(4)
        e[0] = x[0] * 3
        e[[1, 2]] = x[1:3]
        e.sum().backward()
        log.append(x.grad)
    scenario(fn)


def test_view_created_in_no_grad_error():
    def fn(m, log):
        x = m.tensor([1., 2., 3.], requires_grad=True)
        y = x * 1
        with m.no_grad():
            v = y[:2]
        try:
            v.mul_(2)
        except RuntimeError as e:
            log.append(e)
    scenario(fn)


# ---------------------------------------------------------------------------- grad modes
def test_grad_modes():
    def fn(m, log):
        x = m.tensor([1.], requires_grad=True)
        with m.no_grad():
            log.append((x * 2).requires_grad)
            with m.enable_grad():
                log.append((x * 2).requires_grad)
        m.set_grad_enabled(False)
        log.append((m.is_grad_enabled(), (x * 2).requires_grad))
        m.set_grad_enabled(True)
        with m.set_grad_enabled(False):
            log.append(m.is_grad_enabled())
        log.append(m.is_grad_enabled())

        @m.no_grad()
        def f():
            return (x * 2).requires_grad

        @m.no_grad
        def g():
            return m.is_grad_enabled()
        log.extend([f(), g(), m.is_grad_enabled()])
        try:
            m.set_grad_enabled("yes")
        except TypeError as e:
            log.append(type(e).__name__)
        with m.inference_mode():
            i = x * 2
            log.extend([i.is_inference(), i.requires_grad, m.is_inference_mode_enabled()])
        log.append(m.is_inference_mode_enabled())
        for f2 in (lambda: i.add_(1), lambda: i.requires_grad_(), lambda: i * x):
            try:
                f2()
            except RuntimeError as e:
                log.append(e)
        log.append((i + x).requires_grad)
    scenario(fn)


def test_grad_mode_is_thread_local():
    for m in (ember, torch):
        seen = []
        with m.no_grad():
            t = threading.Thread(target=lambda: seen.append(m.is_grad_enabled()))
            t.start()
            t.join()
        assert seen == [True]


def test_detect_anomaly_nan():
    def fn(m, log):
        x = m.tensor([0., 1.], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with m.autograd.detect_anomaly():
                y = (x / x).sum()
                try:
                    y.backward()
                except RuntimeError as e:
                    log.append(e)
        log.append(m.is_anomaly_enabled())
    scenario(fn)


# ---------------------------------------------------------------------------- memory
def test_training_loop_keeps_memory_flat():
    """1,000 steps of forward/backward must not accumulate graph objects (no reference cycles)."""
    w = ember.randn(64, requires_grad=True)
    x = ember.randn(64)
    gc.collect()
    gc.disable()
    try:
        kinds = (ember.Tensor, ember.autograd.graph.Node, dict)

        def count():
            return sum(1 for o in gc.get_objects() if isinstance(o, kinds))

        def step():
            loss = ((w * x).tanh() * 3 + w.exp() / 5 + (w[:4] ** 2).sum()).sum()
            loss.backward()
            with ember.no_grad():
                w.sub_(w.grad * 0.01)
            w.grad = None

        for _ in range(10):
            step()
        before = count()
        for _ in range(1000):
            step()
        after = count()
    finally:
        gc.enable()
    assert after - before < 10, (before, after)


def test_saved_attributes():
    def fn(m, log):
        x = m.tensor([1., 2., 3.], requires_grad=True)
        w = m.tensor([4., 5., 6.], requires_grad=True)
        cases = [(x * w, ["_saved_self", "_saved_other"]), (x * 2, ["_saved_other", "_saved_self"]),
                 (x + w, ["_saved_alpha"]), (x.exp(), ["_saved_result"]),
                 (x.sum(), ["_saved_self_sym_sizes"]),
                 (x.sum(0), ["_saved_dim", "_saved_keepdim", "_saved_self_sym_sizes"]),
                 (x.mean(), ["_saved_self_sym_sizes", "_saved_self_sym_numel"]),
                 (x ** 2, ["_saved_self", "_saved_exponent"]), (x.view(3, 1), ["_saved_self_sym_sizes"]),
                 (x.log(), ["_saved_self"]), (x[0], ["_saved_dim", "_saved_index"])]
        for t, names in cases:
            for n in names:
                log.append(getattr(t.grad_fn, n))
        y = x.exp()
        y.sum().backward()
        try:
            y.grad_fn._saved_result
        except RuntimeError as e:
            log.append(e)
    scenario(fn)


def test_double_backward_through_inplace_on_view_reading_its_result():
    # exp_ on a view saves its result; the unpacked result must hang on the view's history
    # (over the base's CopySlices), or the second derivative misses a term
    def fn(m, log):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * 1.0
        y[0].mul_(3.0)
        y[1].exp_()
        y[:, 1].tanh_()
        g, = m.autograd.grad((y * y).sum(), x, create_graph=True)
        log.append(g)
        log.append(m.autograd.grad(g.sum(), x))
    scenario(fn)
