"""ember.func transforms against torch.func on the same functions and inputs: grad /
grad_and_value (argnums, has_aux, dict inputs, nesting), vjp, jvp, jacrev, jacfwd, hessian,
vmap (in_dims, out_dims, nesting, errors) and per-sample gradients through functional_call."""
import numpy as np
import pytest

import ember
import torch
from oracle import assert_same, assert_same_exception, convert

rng = np.random.default_rng(0)


def arr(*shape):
    return rng.standard_normal(shape).astype(np.float64)


def both(fn, *inputs):
    out = []
    for lib in (ember, torch):
        args = convert(inputs, lib)
        try:
            out.append(("ok", fn(lib, *args)))
        except Exception as e:  # noqa: BLE001
            out.append(("err", e))
    (es, ev), (ts, tv) = out
    assert es == ts, f"ember {es}: {ev!r}\ntorch {ts}: {tv!r}"
    if es == "err":
        assert_same_exception(ev, tv)
    else:
        same_tree(ev, tv)


def same_tree(e, t):
    if isinstance(t, dict):
        assert isinstance(e, dict) and list(e) == list(t)
        for k in t:
            same_tree(e[k], t[k])
    elif isinstance(t, (tuple, list)):
        assert type(e) is type(t) and len(e) == len(t)
        for a, b in zip(e, t):
            same_tree(a, b)
    else:
        assert_same(e, t, rtol=1e-10, atol=1e-12, check_strides=False)


def f_poly(m, x):
    return (x ** 3 * x.sin()).sum()


def f_two(m, x, y):
    return (x.exp() * y).sum() + (x @ y.t()).tanh().sum()


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1, 0), -1])
def test_grad_argnums(argnums):
    both(lambda m, x, y: m.func.grad(lambda a, b: f_two(m, a, b), argnums=argnums)(x, y),
         arr(2, 3), arr(2, 3))


def test_grad_and_value_has_aux_and_dict_inputs():
    both(lambda m, x: m.func.grad_and_value(lambda a: (f_poly(m, a), a * 2), has_aux=True)(x),
         arr(4))
    both(lambda m, w, b: m.func.grad(lambda p: ((p["w"] * 2 + p["b"]) ** 2).sum())(
        {"w": w, "b": b}), arr(3), arr(3))
    both(lambda m, x: m.func.grad(lambda a, k: (a * k).sum())(x, 3.0), arr(3))


@pytest.mark.parametrize("order", [2, 3])
def test_nested_grad(order):
    def fn(m, x):
        f = lambda a: (a ** 4).sum() if a.dim() else a ** 4 * a.cos()  # noqa: E731
        g = f
        for _ in range(order):
            g = m.func.grad(g)
        return g(x)
    both(fn, np.array(1.3))


def test_grad_connects_to_outer_autograd():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        g = lib.func.grad(lambda a: (a ** 3).sum())(x)
        assert g.requires_grad
        g.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


@pytest.mark.parametrize("case", ["vector", "argnum_out_of_range", "int_input", "tuple_out"])
def test_grad_errors(case):
    fns = {
        "vector": lambda m, x: m.func.grad(lambda a: a * 2)(x),
        "argnum_out_of_range": lambda m, x: m.func.grad(lambda a: a.sum(), argnums=2)(x),
        "int_input": lambda m, x: m.func.grad(lambda a: a.sum())(x.long()),
        "tuple_out": lambda m, x: m.func.grad(lambda a: (a.sum(), 1))(x),
    }
    both(fns[case], arr(3))


def test_vjp_and_jvp():
    both(lambda m, x, y, ct: m.func.vjp(lambda a, b: (a * b).sin(), x, y)[1](ct), arr(3), arr(3),
         arr(3))
    both(lambda m, x, y: m.func.vjp(lambda a, b: (a * b).sin(), x, y)[0], arr(3), arr(3))
    both(lambda m, x, t: m.func.jvp(lambda a: (a.exp() * a).cumsum(0), (x,), (t,)), arr(4),
         arr(4))
    both(lambda m, x, y, t, u: m.func.jvp(lambda a, b: a @ b, (x, y), (t, u)), arr(2, 3),
         arr(3, 2), arr(2, 3), arr(3, 2))
    both(lambda m, x: m.func.vjp(lambda a: (a.sum(), a.exp()), x, has_aux=True)[2], arr(2))


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_jacobians(transform, argnums):
    both(lambda m, x, y: getattr(m.func, transform)(
        lambda a, b: (a.unsqueeze(1) * b).tanh(), argnums=argnums)(x, y), arr(3), arr(2, 4))


def test_hessian_and_jacobian_of_multiple_outputs():
    both(lambda m, x: m.func.hessian(lambda a: (a.sin() * a.roll(1)).sum())(x), arr(4))
    both(lambda m, x: m.func.jacrev(lambda a: (a.exp(), a.sum()))(x), arr(3))
    both(lambda m, x: m.func.hessian(lambda a, b: (a * b).pow(2).sum(), argnums=1)(x, x * 2),
         arr(3))


@pytest.mark.parametrize("in_dims,shapes", [
    (0, [(4, 3), (4, 3)]), (1, [(3, 4), (3, 4)]), ((0, None), [(4, 3), (3,)]),
    ((None, 1), [(3,), (3, 4)]), (-1, [(2, 4), (2, 4)]), ((0, 0), [(4, 3), (4,)])])
def test_vmap_in_dims(in_dims, shapes):
    both(lambda m, x, y: m.func.vmap(lambda a, b: (a * b).sum(0) + a.exp().mean(),
                                     in_dims=in_dims)(x, y), *[arr(*s) for s in shapes])


def test_vmap_out_dims_nesting_and_structures():
    both(lambda m, x: m.func.vmap(lambda a: (a * 2, a.sum()), out_dims=(1, 0))(x), arr(3, 2))
    both(lambda m, x, y: m.func.vmap(m.func.vmap(m.dot, in_dims=(0, None)),
                                     in_dims=(None, 0))(x, y), arr(3, 5), arr(4, 5))
    both(lambda m, x, y: m.func.vmap(lambda d: d["a"] * d["b"])({"a": x, "b": y}), arr(3, 2),
         arr(3, 2))
    both(lambda m, x: m.func.vmap(lambda a: a.sum(), in_dims=(1,))(x), arr(2, 3))


@pytest.mark.parametrize("case", ["sizes", "bad_dim", "non_tensor"])
def test_vmap_errors(case):
    fns = {
        "sizes": lambda m, x: m.func.vmap(lambda a, b: a + b)(x, x[:2]),
        "bad_dim": lambda m, x: m.func.vmap(lambda a: a, in_dims=1)(x[0]),
        "non_tensor": lambda m, x: m.func.vmap(lambda a, k: a * k, in_dims=(0, 0))(x, 2.0),
    }
    both(fns[case], arr(3, 2))


def test_vmap_of_grad_and_grad_of_vmap():
    both(lambda m, x: m.func.vmap(m.func.grad(lambda a: (a.sin() * a).sum()))(x), arr(5, 3))
    both(lambda m, x: m.func.grad(lambda a: m.func.vmap(lambda r: r.norm())(a).sum())(x),
         arr(5, 3))
    both(lambda m, x: m.func.vmap(m.func.jacrev(lambda a: a.exp() * a.sum()))(x), arr(4, 3))


def test_per_sample_gradients_with_functional_call():
    w1, b1, w2, b2 = arr(8, 4), arr(8), arr(2, 8), arr(2)
    data, target = arr(6, 4), rng.integers(0, 2, 6)

    def fn(m, w1, b1, w2, b2, data, target):
        model = m.nn.Sequential(m.nn.Linear(4, 8), m.nn.Tanh(), m.nn.Linear(8, 2)).double()
        params = {"0.weight": w1, "0.bias": b1, "2.weight": w2, "2.bias": b2}

        def loss(p, x, y):
            out = m.func.functional_call(model, p, (x.unsqueeze(0),))
            return m.nn.functional.cross_entropy(out, y.unsqueeze(0))
        per_sample = m.func.vmap(m.func.grad(loss), in_dims=(None, 0, 0))(params, data, target)
        # the mean of the per-sample gradients is the batch gradient
        batch = m.func.grad(lambda p: m.nn.functional.cross_entropy(
            m.func.functional_call(model, p, (data,)), target))(params)
        for k in params:
            np.testing.assert_allclose(per_sample[k].mean(0).numpy(), batch[k].numpy(),
                                       rtol=1e-10, atol=1e-12)
        return per_sample
    both(fn, w1, b1, w2, b2, data, target)
