"""gradcheck / gradgradcheck against real PyTorch: verdicts, warnings, the checks' error types
and messages (the Jacobian mismatch text with its numerical and analytical matrices)."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr

X = np.array([0.5, -1.0, 2.0])
Y = np.array([1.5, 2.0, -3.0])
M = np.array([[0.3, -0.2], [1.1, 0.7]])
Z = np.array([1 + 2j, -0.5 + 0.3j])


def GC(lib):
    return lib.autograd.gradcheck


def GGC(lib):
    return lib.autograd.gradgradcheck


def run_quietly(fn):
    """Call fn() and return (result, [(category, message), ...]) of the warnings it raised."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = fn()
    return r, [(x.category.__name__, str(x.message)) for x in w
               if "jit" not in str(x.message)]


def custom(lib, backward, forward=lambda a: a * 2, materialize=True, n_out=1):
    class Custom(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.set_materialize_grads(materialize)
            ctx.save_for_backward(a)
            return forward(a)

        @staticmethod
        def backward(ctx, *g):
            a, = ctx.saved_tensors
            return backward(lib, a, *g)
    return Custom


# ---------------------------------------------------------------------------- passing checks
@pytest.mark.parametrize("fn", ["sin", "exp", "tanh", "sigmoid", "mix", "pow"])
def test_gradcheck_passes(fn):
    f = {"sin": lambda a: a.sin(), "exp": lambda a: a.exp(), "tanh": lambda a: a.tanh(),
         "sigmoid": lambda a: a.sigmoid(), "mix": lambda a: (a * a.cos()).sum() / 3,
         "pow": lambda a: a ** 3}[fn]
    check_same(lambda lib, x: run_quietly(lambda: GC(lib)(f, x)), Arr(X, requires_grad=True))


def test_gradcheck_input_forms_and_non_tensor_arguments():
    def f(lib, x, y, m):
        gc = GC(lib)
        return (gc(lambda a: a.sin(), (x,)), gc(lambda a: a.sin(), [x]),
                gc(lambda a, k: a * k, (x, 2.5)),
                gc(lambda a, b: (a * b, (a - b).sum()), (x, y)),
                gc(lambda a, b: a * b, (x, y.detach())),
                gc(lambda a: a.exp().sum(0), m),
                gc(lambda a: a.t() * 2, m))
    check_same(f, Arr(X, requires_grad=True), Arr(Y, requires_grad=True),
               Arr(M, requires_grad=True))


def test_gradcheck_non_contiguous_input():
    check_same(lambda lib, m: GC(lib)(lambda a: a.exp(), m),
               Arr(np.arange(6.0).reshape(2, 3) / 5, requires_grad=True, layout="transposed"))


def test_gradcheck_complex():
    def f(lib, z):
        gc = GC(lib)
        return gc(lambda a: a * a, z), gc(lambda a: (a * a).abs(), z), gc(lambda a: a.exp(), z)
    check_same(f, Arr(Z, requires_grad=True))


def test_gradcheck_complex_mismatch_message():
    def f(lib, z):
        bad = custom(lib, lambda lib, a, g: g * 3)
        return GC(lib)(bad.apply, z)
    check_same(f, Arr(Z, requires_grad=True))


def test_gradcheck_custom_function_and_double_backward():
    def f(lib, x):
        cube = custom(lib, lambda lib, a, g: g * 3 * a ** 2, forward=lambda a: a ** 3)
        return GC(lib)(cube.apply, x), GGC(lib)(cube.apply, x, x.detach() * 0 + 0.5)
    check_same(f, Arr(X, requires_grad=True))


# ---------------------------------------------------------------------------- failures
def test_jacobian_mismatch_message_and_raise_exception_false():
    def f(lib, x, raise_exception):
        bad = custom(lib, lambda lib, a, g: g * 3)
        return GC(lib)(bad.apply, x, raise_exception=raise_exception)
    check_same(f, Arr(X, requires_grad=True), True)
    check_same(f, Arr(X, requires_grad=True), False)


def test_jacobian_mismatch_second_output_and_input_indices():
    def f(lib, x, y):
        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * b, a + b

            @staticmethod
            def backward(ctx, g1, g2):
                return g1 + g2, g1 * 5

        return GC(lib)(Two.apply, (x, y))
    check_same(f, Arr(X, requires_grad=True), Arr(Y, requires_grad=True))

    def g(lib, x, y):
        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b)
                return a * b, a + b

            @staticmethod
            def backward(ctx, g1, g2):
                a, b = ctx.saved_tensors
                return g1 * b + g2, g1 * a + g2 * 2

        return GC(lib)(Two.apply, (x, y))
    check_same(g, Arr(X, requires_grad=True), Arr(Y, requires_grad=True))


def test_non_double_input_warns_and_float32_message():
    def f(lib, x):
        return run_quietly(lambda: GC(lib)(lambda a: a * 2, x, raise_exception=False))

    def g(lib, x):
        return GC(lib)(lambda a: a * 2, x)
    check_same(f, Arr(X, dtype="float32", requires_grad=True))
    check_same(g, Arr(X, dtype="float32", requires_grad=True))


def test_float32_passes_with_loose_tolerance():
    check_same(lambda lib, x: run_quietly(lambda: GC(lib)(lambda a: a * a, x, eps=1e-2,
                                                          atol=1e-2)),
               Arr(X, dtype="float32", requires_grad=True))


def test_input_errors():
    def none_requires_grad(lib, x):
        return GC(lib)(lambda a: a.sin(), x.detach())

    def stride_zero(lib):
        t = lib.ones(1, dtype=lib.float64).expand(3).requires_grad_()
        return GC(lib)(lambda a: a.sin(), t)
    check_same(none_requires_grad, Arr(X, requires_grad=True))
    check_same(stride_zero)


def test_no_differentiable_outputs():
    def nonzero(lib, x):
        return GC(lib)(lambda a: a.detach() * 2, x)

    def zero(lib, x):
        return GC(lib)(lambda a: a.detach().sum() * 0, x)
    check_same(nonzero, Arr(X, requires_grad=True))
    check_same(zero, Arr(X, requires_grad=True))


def test_backward_ignoring_grad_output():
    def const(lib, x):
        bad = custom(lib, lambda lib, a, g: lib.ones_like(g) * 2)
        return GC(lib)(bad.apply, x)

    def not_multiplied(lib, x):
        # right on basis vectors, but not zero for a zero grad_output
        bad = custom(lib, lambda lib, a, g: g * 2 + (g.abs().sum() == 0).double())
        return GC(lib)(bad.apply, x)
    check_same(const, Arr(X, requires_grad=True))
    check_same(not_multiplied, Arr(X, requires_grad=True))


def test_undefined_grad_checks():
    def raises(lib, x):
        def bw(lib, a, g1, g2):
            if g1 is None and g2 is None:
                raise RuntimeError("undefined!")
            g1 = g1 if g1 is not None else lib.zeros_like(a)
            g2 = g2 if g2 is not None else lib.zeros_like(a)
            return g1 * 2 + g2 * 3
        bad = custom(lib, bw, forward=lambda a: (a * 2, a * 3), materialize=False)
        return run_quietly(lambda: GC(lib)(bad.apply, x, raise_exception=False))

    def nonzero(lib, x):
        def bw(lib, a, g1, g2):
            if g1 is None and g2 is None:
                return lib.ones_like(a)
            g1 = g1 if g1 is not None else lib.zeros_like(a)
            g2 = g2 if g2 is not None else lib.zeros_like(a)
            return g1 * 2 + g2 * 3
        bad = custom(lib, bw, forward=lambda a: (a * 2, a * 3), materialize=False)
        return run_quietly(lambda: GC(lib)(bad.apply, x))

    def skipped(lib, x):
        def bw(lib, a, g1, g2):
            if g1 is None and g2 is None:
                raise RuntimeError("undefined!")
            g1 = g1 if g1 is not None else lib.zeros_like(a)
            g2 = g2 if g2 is not None else lib.zeros_like(a)
            return g1 * 2 + g2 * 3
        bad = custom(lib, bw, forward=lambda a: (a * 2, a * 3), materialize=False)
        return GC(lib)(bad.apply, x, check_undefined_grad=False)

    check_same(raises, Arr(X, requires_grad=True))
    check_same(nonzero, Arr(X, requires_grad=True))
    check_same(skipped, Arr(X, requires_grad=True))


def test_undefined_grad_error_chains_cause():
    def f(lib, x):
        def bw(lib, a, g):
            if g is None:
                raise RuntimeError("undefined!")
            return g * 2
        bad = custom(lib, bw, materialize=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                GC(lib)(bad.apply, x)
            except RuntimeError as e:
                return type(e).__name__, str(e), str(e.__cause__)
    check_same(f, Arr(X, requires_grad=True))


def test_nondeterministic_backward():
    def f(lib, x, tol):
        calls = [0]

        def bw(lib, a, g):
            calls[0] += 1
            return g * (2 + 1e-9 * calls[0])
        return GC(lib)(custom(lib, bw).apply, x, nondet_tol=tol)
    check_same(f, Arr(X, requires_grad=True), 0.0)
    check_same(f, Arr(X, requires_grad=True), 1e-6)


def test_forward_ad_flags():
    def f(lib, x, case):
        gc = GC(lib)
        if case == "none":
            return gc(lambda a: a.sin(), x, check_forward_ad=False, check_backward_ad=False)
        if case == "forward_only":
            return gc(lambda a: a.sin(), x, check_forward_ad=True, check_backward_ad=False)
        if case == "custom_without_jvp":
            bad = custom(lib, lambda lib, a, g: g * 2)
            return gc(bad.apply, x, check_forward_ad=True)
        if case == "batched_forward_without_forward":
            return gc(lambda a: a.sin(), x, check_batched_forward_grad=True)
        if case == "batched_without_backward":
            return gc(lambda a: a.sin(), x, check_batched_grad=True, check_forward_ad=True,
                      check_backward_ad=False)
        return gc(lambda a: a.sin(), x, check_batched_grad=True, fast_mode=True)
    for case in ["none", "forward_only", "custom_without_jvp", "batched_forward_without_forward",
                 "batched_without_backward", "batched_and_fast"]:
        check_same(f, Arr(X, requires_grad=True), case)


# ---------------------------------------------------------------------------- gradgradcheck
def test_gradgradcheck_passes():
    def f(lib, x, y):
        ggc = GGC(lib)
        return (ggc(lambda a: a.sin(), x, x.detach() * 0 + 1),
                ggc(lambda a, b: (a * b.exp(), a.tanh()), (x, y), (x.detach(), y.detach())),
                ggc(lambda a: a ** 3, x),          # random grad_outputs
                ggc(lambda a: (a ** 3).sum(), x, gen_non_contig_grad_outputs=True))
    check_same(f, Arr(X, requires_grad=True), Arr(Y, requires_grad=True))


def test_gradgradcheck_failures():
    def detached_backward(lib, x, raise_exception):
        bad = custom(lib, lambda lib, a, g: g * 2 * a.detach(), forward=lambda a: a * a)
        return GGC(lib)(bad.apply, x, x.detach() * 0 + 1, raise_exception=raise_exception)

    def wrong_second_derivative(lib, x):
        # d/da of backward is 3 * g instead of 2 * g
        class Sq(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a * a

            @staticmethod
            def backward(ctx, g):
                a, = ctx.saved_tensors
                return Twice.apply(a) * g

        class Twice(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return g * 3
        return GC(lib)(Sq.apply, x), GGC(lib)(Sq.apply, x, x.detach() * 0 + 1)

    check_same(detached_backward, Arr(X, requires_grad=True), True)
    check_same(detached_backward, Arr(X, requires_grad=True), False)
    check_same(wrong_second_derivative, Arr(X, requires_grad=True))


def test_gradgradcheck_flag_errors():
    def f(lib, x, kw):
        return GGC(lib)(lambda a: a.sin(), x, **kw)
    for kw in [dict(check_rev_over_rev=False), dict(check_rev_over_rev=False,
                                                    check_fwd_over_rev=True),
               dict(check_rev_over_rev=False, check_fwd_over_rev=True,
                    check_undefined_grad=False, check_batched_grad=True)]:
        check_same(f, Arr(X, requires_grad=True), kw)


def test_gradcheck_error_class():
    from ember.autograd.gradcheck import GradcheckError
    assert issubclass(GradcheckError, RuntimeError)
    x = ember.tensor([1.0], dtype=ember.float64, requires_grad=True)
    bad = custom(ember, lambda lib, a, g: g * 3)
    with pytest.raises(GradcheckError):
        ember.autograd.gradcheck(bad.apply, x)
    assert torch.autograd.gradcheck is not None
