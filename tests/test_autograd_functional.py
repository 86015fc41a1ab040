"""autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) against real PyTorch: values,
result structure (tensor / tuple / tuple of tuples), create_graph, strict-mode errors and
argument errors."""
import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr

rng = np.random.default_rng(7)
X = rng.standard_normal(3)
Y = rng.standard_normal(2)
M = rng.standard_normal((2, 3))
S = np.array(0.7)


def F(lib):
    return lib.autograd.functional


# functions written once for both libraries (only ops every library has)
def f_square(a):
    return a ** 2


def f_mix(a, b):
    return a.sum() * b, (a * 2).exp()


def f_two_out(a):
    return a.sin(), a.sum()


def f_cube_sum(a):
    return (a ** 3).sum()


def f_two_in_scalar(a, b):
    return (a ** 2).sum() * b.tanh().sum()


def f_linear(a):
    return (a * 3).sum()


def f_ignores_second(a, b):
    return a * 2


# ---------------------------------------------------------------------------- jacobian
@pytest.mark.parametrize("vectorize", [False, True])
@pytest.mark.parametrize("case", ["single", "tuple_in", "tuple_out", "both", "matrix", "scalar",
                                  "unused_input"])
def test_jacobian_structure_and_values(case, vectorize):
    fn, inputs = {
        "single": (f_square, (X,)),
        "tuple_in": (lambda a, b: (a.sum() * b), ((X, Y),)),
        "tuple_out": (f_two_out, (X,)),
        "both": (f_mix, ((X, Y),)),
        "matrix": (lambda m: m.exp() * 2, (M,)),
        "scalar": (lambda s: s * s, (S,)),
        "unused_input": (f_ignores_second, ((X, Y),)),
    }[case]
    check_same(lambda lib, inp: F(lib).jacobian(fn, inp, vectorize=vectorize), *inputs,
               check_strides=vectorize is False)


def test_jacobian_does_not_touch_inputs():
    def f(lib, x):
        j = F(lib).jacobian(f_square, x)
        return j, x.requires_grad, x.grad_fn is None
    check_same(f, X)
    check_same(f, Arr(X, requires_grad=True))


def test_jacobian_create_graph():
    def f(lib, x):
        j = F(lib).jacobian(f_cube_sum, x, create_graph=True)
        info = (j.requires_grad, type(j.grad_fn).__name__)
        g, = lib.autograd.grad(j.sum(), x)
        return j, info, g
    check_same(f, Arr(X, requires_grad=True))


def test_jacobian_create_graph_input_without_grad():
    check_same(lambda lib, x: F(lib).jacobian(f_cube_sum, x, create_graph=True), X)


def test_jacobian_captured_tensor_not_differentiated():
    def f(lib, x, w):
        return F(lib).jacobian(lambda a: a * w, x)
    check_same(f, X, Arr(X, requires_grad=True))


@pytest.mark.parametrize("case", ["independent", "no_grad_output", "linear_create_graph",
                                  "vectorize", "tuple_independent"])
def test_jacobian_strict_errors(case):
    def f(lib, x, y):
        J = F(lib).jacobian
        if case == "independent":
            return J(lambda a, b: a * 2, (x, y), strict=True)
        if case == "no_grad_output":
            return J(lambda a: a.detach() * 2, x, strict=True)
        if case == "linear_create_graph":
            return J(lambda a: a * 2, x, strict=True, create_graph=True)
        if case == "vectorize":
            return J(f_square, x, strict=True, vectorize=True)
        return J(lambda a, b: (a * 2, b * 2), (x, y), strict=True)
    check_same(f, X, Y)


def test_jacobian_strict_ok():
    check_same(lambda lib, x, y: F(lib).jacobian(f_mix, (x, y), strict=True), X, Y)


@pytest.mark.parametrize("case", ["bad_strategy", "forward_create_graph", "forward_strict",
                                  "forward_not_vectorized", "forward_vectorized", "input_int",
                                  "input_tuple_item", "output_list", "output_int"])
def test_jacobian_argument_errors(case):
    def f(lib, x):
        J = F(lib).jacobian
        if case == "bad_strategy":
            return J(f_square, x, strategy="sideways")
        if case == "forward_create_graph":
            return J(f_square, x, create_graph=True, strategy="forward-mode")
        if case == "forward_strict":
            return J(f_square, x, strict=True, strategy="forward-mode")
        if case == "forward_not_vectorized":
            return J(f_square, x, strategy="forward-mode")
        if case == "forward_vectorized":
            return J(f_two_out, x, vectorize=True, strategy="forward-mode")
        if case == "input_int":
            return J(f_square, 3)
        if case == "input_tuple_item":
            return J(lambda a, b: a, (x, 2))
        if case == "output_list":
            return J(lambda a: [a, a], x)
        return J(lambda a: 3, x)
    check_same(f, X, check_strides=False)


@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_empty_output(vectorize):
    check_same(lambda lib, x: F(lib).jacobian(lambda a: a[:0] * 2, x, vectorize=vectorize), X)
    check_same(lambda lib, x: F(lib).jacobian(lambda a: (a[:0] * 2, a * 2), x,
                                              vectorize=vectorize), X)


# ---------------------------------------------------------------------------- hessian
@pytest.mark.parametrize("vectorize", [False, True])
def test_hessian_values(vectorize):
    check_same(lambda lib, x: F(lib).hessian(f_cube_sum, x, vectorize=vectorize), X,
               check_strides=not vectorize)
    check_same(lambda lib, x, y: F(lib).hessian(f_two_in_scalar, (x, y), vectorize=vectorize),
               X, Y, check_strides=not vectorize)
    check_same(lambda lib, m: F(lib).hessian(lambda a: (a.exp() * a).sum(), m,
                                             vectorize=vectorize), M,
               check_strides=not vectorize)


def test_hessian_create_graph_and_single_element_outputs():
    def f(lib, x):
        h = F(lib).hessian(f_cube_sum, x, create_graph=True)
        g, = lib.autograd.grad(h.sum(), x)
        h1 = F(lib).hessian(lambda a: (a ** 3).sum().reshape(1, 1), x)
        return h, h.requires_grad, g, h1
    check_same(f, Arr(X, requires_grad=True))


@pytest.mark.parametrize("case", ["tuple_output", "many_elements", "strict_linear",
                                  "strict_independent", "strict_no_grad", "bad_strategy",
                                  "int_input"])
def test_hessian_errors(case):
    def f(lib, x, y):
        H = F(lib).hessian
        if case == "tuple_output":
            return H(lambda a: (a.sum(), a.sum()), x)
        if case == "many_elements":
            return H(f_square, x)
        if case == "strict_linear":
            return H(f_linear, x, strict=True)
        if case == "strict_independent":
            return H(lambda a, b: (a ** 3).sum(), (x, y), strict=True)
        if case == "strict_no_grad":
            return H(lambda a: a.detach().sum(), x, strict=True)
        if case == "bad_strategy":
            return H(f_cube_sum, x, outer_jacobian_strategy="nope")
        return H(f_cube_sum, 1.0)
    check_same(f, X, Y)


# ---------------------------------------------------------------------------- vjp / jvp
@pytest.mark.parametrize("case", ["single", "tuple_in", "tuple_out", "scalar_v_none",
                                  "unused_input", "matrix"])
def test_vjp(case):
    def f(lib, x, y, m):
        V = F(lib).vjp
        if case == "single":
            return V(lambda a: a.sin(), x, x * 0 + 1.5)
        if case == "tuple_in":
            return V(lambda a, b: a.sum() * b, (x, y), y * 2)
        if case == "tuple_out":
            return V(f_two_out, x, (x * 0 + 1, lib.ones(()).double()))
        if case == "scalar_v_none":
            return V(f_cube_sum, x)
        if case == "unused_input":
            return V(f_ignores_second, (x, y), x)
        return V(lambda a: a.exp(), m, m)
    check_same(f, X, Y, M)


@pytest.mark.parametrize("case", ["single", "tuple_in", "tuple_out", "scalar_v_none",
                                  "unused_input"])
def test_jvp(case):
    def f(lib, x, y, s):
        J = F(lib).jvp
        if case == "single":
            return J(lambda a: a.sin(), x, x * 0 + 1.5)
        if case == "tuple_in":
            return J(lambda a, b: a.sum() * b, (x, y), (x, y))
        if case == "tuple_out":
            return J(f_two_out, x, x)
        if case == "scalar_v_none":
            return J(lambda a: a.exp() * 2, s)
        return J(f_ignores_second, (x, y), (x, y))
    check_same(f, X, Y, S)


@pytest.mark.parametrize("fn_name", ["vjp", "jvp", "hvp", "vhp"])
def test_create_graph_results_are_differentiable(fn_name):
    def f(lib, x):
        fn = getattr(F(lib), fn_name)
        func = f_cube_sum if fn_name in ("hvp", "vhp") else (lambda a: a.sin() * a)
        out, res = fn(func, x, x * 0 + 1, create_graph=True)
        g, = lib.autograd.grad(res.sum(), x)
        return out, res, out.requires_grad, res.requires_grad, g
    check_same(f, Arr(X, requires_grad=True))


@pytest.mark.parametrize("fn_name", ["vjp", "jvp", "hvp", "vhp"])
def test_results_detached_and_grad_mode(fn_name):
    def f(lib, x):
        fn = getattr(F(lib), fn_name)
        func = f_cube_sum if fn_name in ("hvp", "vhp") else (lambda a: a.sin() * a)
        out, res = fn(func, x, x.detach() * 0 + 1)
        with lib.no_grad():
            out2, res2 = fn(func, x, x.detach() * 0 + 1)
        return out, res, out.requires_grad, res.requires_grad, res2, lib.is_grad_enabled()
    check_same(f, Arr(X, requires_grad=True))


@pytest.mark.parametrize("fn_name", ["vjp", "jvp", "hvp", "vhp"])
@pytest.mark.parametrize("case", ["v_none", "v_len", "v_size", "v_size_tuple", "v_type",
                                  "input_type"])
def test_v_errors(fn_name, case):
    def f(lib, x, y):
        fn = getattr(F(lib), fn_name)
        scalar = fn_name in ("hvp", "vhp")
        func1 = f_cube_sum if scalar else f_square
        func2 = f_two_in_scalar if scalar else (lambda a, b: a.sum() * b.sum())
        if case == "v_none":
            return fn(func1, x)
        if case == "v_len":
            return fn(func1, x, (x, x))
        if case == "v_size":
            return fn(func1, x, y)
        if case == "v_size_tuple":
            if fn_name == "vjp":
                return fn(lambda a, b: (a * 1, b * 1), (x, y), (x, x))
            return fn(func2, (x, y), (x, x))
        if case == "v_type":
            return fn(func1, x, 3)
        return fn(func1, [x])
    check_same(f, X, Y)


@pytest.mark.parametrize("fn_name", ["vjp", "jvp"])
@pytest.mark.parametrize("case", ["independent", "no_grad_output", "linear_create_graph",
                                  "ok"])
def test_vjp_jvp_strict(fn_name, case):
    def f(lib, x, y):
        fn = getattr(F(lib), fn_name)
        if case == "independent":
            v = (x,) if fn_name == "vjp" else (x, y)
            return fn(f_ignores_second, (x, y), v[0] if fn_name == "vjp" else v, strict=True)
        if case == "no_grad_output":
            return fn(lambda a: a.detach() * 2, x, x, strict=True)
        if case == "linear_create_graph":
            return fn(lambda a: a * 2, x, x, strict=True, create_graph=True)
        return fn(lambda a: a.sin(), x, x, strict=True)
    check_same(f, X, Y)


# ---------------------------------------------------------------------------- hvp / vhp
@pytest.mark.parametrize("fn_name", ["hvp", "vhp"])
@pytest.mark.parametrize("case", ["single", "tuple", "scalar_v_none", "matrix"])
def test_hvp_vhp(fn_name, case):
    def f(lib, x, y, s, m):
        fn = getattr(F(lib), fn_name)
        if case == "single":
            return fn(f_cube_sum, x, x.cos())
        if case == "tuple":
            return fn(f_two_in_scalar, (x, y), (x * 2, y))
        if case == "scalar_v_none":
            return fn(lambda a: a.exp() * a, s)
        return fn(lambda a: (a.sin() * a).sum(), m, m)
    check_same(f, X, Y, S, M)


@pytest.mark.parametrize("fn_name", ["hvp", "vhp"])
@pytest.mark.parametrize("case", ["tuple_output", "many_elements", "strict_linear",
                                  "strict_quadratic_create_graph", "strict_independent",
                                  "strict_no_grad", "ok_strict", "not_strict_linear"])
def test_hvp_vhp_errors(fn_name, case):
    def f(lib, x, y):
        fn = getattr(F(lib), fn_name)
        if case == "tuple_output":
            return fn(lambda a: (a.sum(),), x, x)
        if case == "many_elements":
            return fn(f_square, x, x)
        if case == "strict_linear":
            return fn(f_linear, x, x, strict=True)
        if case == "strict_quadratic_create_graph":
            return fn(lambda a: (a * a).sum(), x, x, strict=True, create_graph=True)
        if case == "strict_independent":
            return fn(lambda a, b: (a ** 3).sum(), (x, y), (x, y), strict=True)
        if case == "strict_no_grad":
            return fn(lambda a: a.detach().sum(), x, x, strict=True)
        if case == "ok_strict":
            return fn(f_cube_sum, x, x, strict=True)
        return fn(f_linear, x, x)
    check_same(f, X, Y)


def test_functional_with_custom_function():
    def f(lib, x):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a ** 3

            @staticmethod
            def backward(ctx, g):
                a, = ctx.saved_tensors
                return g * 3 * a ** 2

        fn = lambda a: Cube.apply(a).sum()  # noqa: E731
        return (F(lib).jacobian(lambda a: Cube.apply(a), x), F(lib).hessian(fn, x),
                F(lib).hvp(fn, x, x))
    check_same(f, X)
