"""ember.compile and ember.jit against PyTorch: the compiled module is an OptimizedModule holding
the model as _orig_mod (same repr, state_dict keys, parameters, outputs and gradients), compiled
functions and decorators give the same results, and jit.script/trace return working callables."""
import numpy as np
import pytest

import ember
import torch
from oracle import assert_same, repr_same

rng = np.random.default_rng(0)


def same_linear_models():
    e, t = ember.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    w, b = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(2).astype(np.float32)
    e.load_state_dict({"weight": ember.from_numpy(w), "bias": ember.from_numpy(b)})
    t.load_state_dict({"weight": torch.from_numpy(w), "bias": torch.from_numpy(b)})
    return e, t


def test_compiled_module_mirrors_optimized_module():
    e, t = same_linear_models()
    ec = ember.compile(e)
    tc = torch.compile(t, backend="eager")
    assert type(ec).__name__ == type(tc).__name__ == "OptimizedModule"
    assert isinstance(ec, ember.nn.Module) and ec._orig_mod is e
    repr_same(ec, tc)
    assert list(ec.state_dict()) == list(tc.state_dict())
    assert [n for n, _ in ec.named_parameters()] == [n for n, _ in tc.named_parameters()]
    assert ec.weight is e.weight and ec.in_features == 3
    x = rng.standard_normal((4, 3)).astype(np.float32)
    ex, tx = ember.from_numpy(x).requires_grad_(), torch.from_numpy(x).requires_grad_()
    ey, ty = ec(ex), tc(tx)
    assert_same(ey, ty)
    ey.sum().backward()
    ty.sum().backward()
    assert_same(ex.grad, tx.grad)
    assert_same(e.weight.grad, t.weight.grad)
    ec.eval()
    assert not e.training
    ec.load_state_dict({k: v * 0 for k, v in ec.state_dict().items()})
    assert not e.weight.any()


def test_compiled_functions_and_decorators():
    def f(x, y=2.0):
        return (x * y).sin()
    x = rng.standard_normal(5)
    for lib in (ember, torch):
        kw = {} if lib is ember else {"backend": "eager"}
        g = lib.compile(f, **kw)
        assert g.__name__ == "f" and g.__wrapped__ is f

        @lib.compile(**kw)
        def h(a):
            return a.exp()
        assert h.__name__ == "h"
        assert lib.compile(f, disable=True) is f
    assert_same(ember.compile(f)(ember.from_numpy(x), y=3.0), torch.from_numpy(x).mul(3.0).sin())
    assert_same(ember.compile()(lambda a: a.exp())(ember.from_numpy(x)),
                torch.from_numpy(x).exp())


def test_jit_script_and_trace_return_working_callables():
    e, t = same_linear_models()
    x = rng.standard_normal((2, 3)).astype(np.float32)
    es, ts = ember.jit.script(e), torch.jit.script(t)
    assert_same(es(ember.from_numpy(x)), ts(torch.from_numpy(x)))
    et = ember.jit.trace(e, ember.from_numpy(x))
    tt = torch.jit.trace(t, torch.from_numpy(x))
    assert_same(et(ember.from_numpy(x)), tt(torch.from_numpy(x)))

    def fn(a, b):
        return a * b + 1
    args = (rng.standard_normal(3).astype(np.float32), rng.standard_normal(3).astype(np.float32))
    ef = ember.jit.trace(fn, tuple(ember.from_numpy(a) for a in args))
    tf = torch.jit.trace(fn, tuple(torch.from_numpy(a) for a in args))
    assert_same(ef(*map(ember.from_numpy, args)), tf(*map(torch.from_numpy, args)))
    assert_same(ember.jit.script(fn)(*map(ember.from_numpy, args)),
                torch.jit.script(fn)(*map(torch.from_numpy, args)))
    for lib in (ember, torch):
        with pytest.raises(TypeError, match="'NoneType' object is not iterable"):
            lib.jit.trace(fn)


def test_jit_decorators_and_queries():
    for lib in (ember, torch):
        @lib.jit.ignore
        def a(x):
            return x + 1

        @lib.jit.ignore(drop=True)
        def b(x):
            return x + 2

        @lib.jit.unused
        def c(x):
            return x + 3

        @lib.jit.export
        def d(x):
            return x + 4
        assert [a(1), b(1), c(1), d(1)] == [2, 3, 4, 5]
        assert lib.jit.is_scripting() is False and lib.jit.is_tracing() is False
        assert lib.jit.Final[int] == lib.jit.Final[int]
        assert lib.jit.annotate(list, [1]) == [1]
