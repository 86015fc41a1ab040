"""Matrix products against PyTorch: matmul over every rank combination, the kernels (mm, bmm,
mv, dot, vdot), the fused add* ops, outer/inner/tensordot, einsum and chain products; values,
dtypes, strides, grad_fn chains, gradients, double gradients and error texts."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import Arr, check_same

RNG = np.random.default_rng(0)


def rnd(*shape):
    return RNG.standard_normal(shape)


def chain(t, n=6):
    """Names along the first non-leaf edge of ``t.grad_fn``."""
    out = []
    f = t.grad_fn
    while f is not None and len(out) < n:
        out.append(type(f).__name__)
        nxt = [e[0] for e in f.next_functions
               if e[0] is not None and type(e[0]).__name__ != "AccumulateGrad"]
        f = nxt[0] if nxt else None
    return out


def tree(t):
    res = []

    def rec(f):
        if f is None:
            return
        name = type(f).__name__
        if "AccumulateGrad" not in name:
            # NOTE: PyTorch's reshape of a viewable non-contiguous tensor is _reshape_alias;
            # ember's reshape records ViewBackward0 there (views.py's choice)
            res.append("ViewBackward0" if name == "ReshapeAliasBackward0" else name)
        for e in f.next_functions:
            rec(e[0])
    rec(t.grad_fn)
    return res


# ---------------------------------------------------------------------------- matmul ranks
SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3,)),
          ((5, 2, 3), (3, 4)), ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
          ((5, 2, 3), (1, 3, 4)), ((1, 2, 3), (5, 3, 4)), ((7, 1, 2, 3), (5, 3, 4)),
          ((4, 5, 2, 3), (3,)), ((2, 5, 2, 3), (1, 1, 3, 4)), ((1, 2, 3), (3, 4)),
          ((0, 2, 3), (3, 4)), ((2, 0), (0, 3)), ((0,), (0,)), ((2, 5, 2, 3), (2, 1, 3, 4))]


@pytest.mark.parametrize("sa,sb", SHAPES)
@pytest.mark.parametrize("ra,rb", [(True, True), (True, False), (False, True)])
def test_matmul_ranks_grad(sa, sb, ra, rb):
    a, b = rnd(*sa), rnd(*sb)
    res = check_same(lambda m, x, y: x @ y, Arr(a, "float32", requires_grad=ra),
                     Arr(b, "float32", requires_grad=rb), grad=True, check_grad_fn=True)
    e, t = res
    assert tree(e) == tree(t)


@pytest.mark.parametrize("sa,sb", SHAPES)
def test_matmul_ranks_nograd(sa, sb):
    check_same(lambda m, x, y: m.matmul(x, y), rnd(*sa), rnd(*sb))
    check_same(lambda m, x, y: x.matmul(y), rnd(*sa).astype(np.float32),
               rnd(*sb).astype(np.float32))


def test_matmul_noncontiguous():
    a = rnd(5, 2, 3)
    b = rnd(4, 3)
    # non-contiguous batch (not foldable), transposed operands, strided
    check_same(lambda m, x, y: x.transpose(0, 1) @ y.t(), Arr(rnd(2, 5, 3), "float32"),
               Arr(b, "float32"))
    check_same(lambda m, x, y: x.transpose(0, 1) @ y.t(), Arr(rnd(2, 5, 3), "float32",
               requires_grad=True), Arr(b, "float32"), grad=True, check_grad_fn=True)
    check_same(lambda m, x, y: x @ y, Arr(rnd(3, 2), "float64", layout="transposed"),
               Arr(rnd(3, 4), "float64", layout="transposed", requires_grad=True), grad=True)
    check_same(lambda m, x, y: x @ y[:, ::2], Arr(a, "float32"), Arr(rnd(3, 8), "float32"))
    check_same(lambda m, x, y: x.expand(4, 5, 2, 3) @ y, Arr(a, "float32", requires_grad=True),
               Arr(rnd(3, 4), "float32", requires_grad=True), grad=True, check_grad_fn=True)


@pytest.mark.parametrize("dt", ["float32", "float64", "complex64", "complex128", "float16",
                                "bfloat16", "uint8", "int8", "int16", "int32", "int64"])
@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                                   ((5, 2, 3), (3, 4)), ((2, 2, 3), (2, 3, 4))])
def test_matmul_dtypes(dt, sa, sb):
    if dt.startswith(("int", "uint")):
        a = RNG.integers(-100, 100, sa)
        b = RNG.integers(-100, 100, sb)
    else:
        a, b = rnd(*sa), rnd(*sb)
        if dt.startswith("complex"):
            a = a + 1j * rnd(*sa)
            b = b + 1j * rnd(*sb)
    check_same(lambda m, x, y: x @ y, Arr(a, dt), Arr(b, dt))


def test_integer_wraps_and_half_accumulates():
    check_same(lambda m: m.full((2, 3), 100, dtype=m.int8) @ m.full((3, 2), 100, dtype=m.int8))
    check_same(lambda m: m.full((2, 3), 200, dtype=m.uint8) @ m.full((3,), 200, dtype=m.uint8))
    # float16 accumulates in float32: 1e4*1e4 - 1e4*1e4 is 0, not inf - inf
    check_same(lambda m: m.tensor([[1e4, 1e4]], dtype=m.float16)
               @ m.tensor([[1e4], [-1e4]], dtype=m.float16))
    check_same(lambda m: (m.full((2, 3), 1.5, dtype=m.float8_e4m3fn)
                          @ m.ones(3, 2, dtype=m.float8_e4m3fn)).float())


@pytest.mark.parametrize("dt", ["bool", "uint16", "uint32", "uint64"])
@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                                   ((2, 2, 3), (2, 3, 4)), ((2, 2, 3), (3, 4))])
def test_matmul_missing_kernels(dt, sa, sb):
    check_same(lambda m, x, y: x @ y, Arr(np.ones(sa), dt), Arr(np.ones(sb), dt))


ERRORS = [
    ((3,), (4,)), ((2, 3), (4,)), ((3,), (4, 5)), ((2, 3), (4, 5)), ((5, 2, 3), (4, 5)),
    ((5, 2, 3), (4,)), ((5, 2, 3), (5, 4, 5)), ((5, 2, 3), (4, 3, 5)), ((2, 3), (5, 4, 5)),
    ((3,), (5, 4, 5)), ((), (3,)), ((3,), ()), ((), ()),
]


@pytest.mark.parametrize("sa,sb", ERRORS)
def test_matmul_shape_errors(sa, sb):
    check_same(lambda m, x, y: x @ y, np.ones(sa, np.float32), np.ones(sb, np.float32))
    check_same(lambda m, x, y: x @ y, Arr(np.ones(sa), "float32", requires_grad=True),
               np.ones(sb, np.float32))


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                                   ((5, 2, 3), (3, 4)), ((5, 2, 3), (3,)), ((2, 2, 3), (2, 3, 4)),
                                   ((2, 3), (2, 3, 4)), ((2, 2, 3), (3, 4, 2))])
@pytest.mark.parametrize("da,db", [("int64", "float32"), ("float32", "float64"),
                                   ("bool", "float32"), ("float32", "bool")])
def test_matmul_dtype_mismatch(sa, sb, da, db):
    check_same(lambda m, x, y: x @ y, Arr(np.ones(sa), da), Arr(np.ones(sb), db))


def test_matmul_argument_errors():
    check_same(lambda m, x: x @ 2, np.ones(3))
    check_same(lambda m, x: 2 @ x, np.ones(3))
    check_same(lambda m, x: m.matmul(x, 2), np.ones(3))
    check_same(lambda m, x: m.matmul(x, [1, 2, 3]), np.ones(3))
    check_same(lambda m, x: m.matmul(2, x), np.ones(3))
    check_same(lambda m, x: x.matmul(2), np.ones(3))
    check_same(lambda m, x, y: m.matmul(input=x, other=y), np.ones((2, 3)), np.ones((3, 2)))
    assert not hasattr(torch.Tensor, "__imatmul__")
    assert not hasattr(ember.Tensor, "__imatmul__")

    def imatmul(m, x, y):
        z = x
        x @= y
        return x, x is z
    check_same(imatmul, np.ones((2, 2)), np.ones((2, 2)))


def test_matmul_out():
    def into(name, shape=(0,), dtype="float32"):
        def f(m, x, y):
            o = m.empty(shape, dtype=getattr(m, dtype))
            r = getattr(m, name)(x, y, out=o)
            return r, o, r is o
        return f
    f32 = np.float32
    check_same(into("matmul"), np.ones((2, 3), f32), np.ones((3, 2), f32))
    check_same(into("matmul"), np.ones((4, 2, 3), f32), np.ones((4, 3, 2), f32))
    check_same(into("matmul"), np.ones(3, f32), np.ones(3, f32))
    check_same(into("matmul"), np.ones((5, 2, 3), f32), np.ones(3, f32))
    check_same(into("matmul", (2, 2), "float64"), np.ones((2, 3), f32), np.ones((3, 2), f32))
    check_same(into("matmul", (2, 2)), Arr(np.ones((2, 3)), "float32", requires_grad=True),
               np.ones((3, 2), f32))
    check_same(into("mm", (2, 2), "float64"), np.ones((2, 3), f32), np.ones((3, 2), f32))
    check_same(into("mm", (2, 2)), np.ones((2, 3), f32), np.ones((3, 2), f32))
    check_same(into("dot", (), "float64"), np.ones(3, f32), np.ones(3, f32))
    check_same(into("dot", ()), np.ones(3, f32), np.ones(3, f32))
    check_same(into("vdot", (), "float64"), np.ones(3, f32), np.ones(3, f32))
    check_same(into("bmm", (0,), "float64"), np.ones((2, 2, 3)), np.ones((2, 3, 2)))
    check_same(into("mv", (0,), "float64"), np.ones((2, 3)), np.ones(3))

    # a non-contiguous out keeps its strides
    def strided(m, x, y):
        o = m.zeros(2, 2)
        m.mm(x, y, out=o.t())
        return o
    check_same(strided, np.ones((2, 3), f32), np.arange(6, dtype=f32).reshape(3, 2))

    def add_out(m, i, x, y):
        o = m.empty(0)
        return m.addmm(i, x, y, beta=2, out=o), o
    check_same(add_out, np.ones((2, 2), f32), np.ones((2, 3), f32), np.ones((3, 2), f32))
    check_same(lambda m, i, x, y: m.addmm(i, x, y, out=m.empty(2, 2, dtype=m.float64)),
               np.ones((2, 2), f32), np.ones((2, 3), f32), np.ones((3, 2), f32))
    check_same(lambda m, i, x, y: m.addr(i, x, y, out=m.empty(2, 2, dtype=m.float64)),
               np.ones((2, 2), f32), np.ones(2, f32), np.ones(2, f32))
    check_same(lambda m, i, x, y: m.addr(i, x, y, out=m.empty(2, 2, dtype=m.int64)),
               np.ones((2, 2), f32), np.ones(2, f32), np.ones(2, f32))
    check_same(lambda m, i, x, y: m.addmv(i, x, y, out=m.empty(2, dtype=m.int64)),
               np.ones(2, f32), np.ones((2, 2), f32), np.ones(2, f32))


def test_matmul_inference_and_no_grad():
    a, b = rnd(2, 3), rnd(3, 4)
    for ctx in ("no_grad", "inference_mode"):
        def f(m, x, y, ctx=ctx):
            with getattr(m, ctx)():
                r = x @ y
            return r, r.is_inference(), r.requires_grad
        check_same(f, Arr(a, "float32", requires_grad=True), Arr(b, "float32"))


# ---------------------------------------------------------------------------- kernels
KERNEL_CASES = [
    ("mm", (2, 3), (3, 4)), ("mm", (3,), (3, 2)), ("mm", (2, 3), (2, 3, 2)), ("mm", (2, 3), (4, 2)),
    ("bmm", (5, 2, 3), (5, 3, 4)), ("bmm", (2, 3), (3, 2)), ("bmm", (2, 2, 3), (3, 2)),
    ("bmm", (2, 2, 3), (3, 3, 2)), ("bmm", (2, 2, 3), (2, 4, 2)),
    ("mv", (2, 3), (3,)), ("mv", (3,), (3,)), ("mv", (2, 3), (3, 1)), ("mv", (2, 3), (4,)),
    ("dot", (3,), (3,)), ("dot", (2, 3), (3,)), ("dot", (2,), (3,)), ("dot", (), ()),
    ("vdot", (3,), (3,)), ("vdot", (2, 3), (3,)), ("vdot", (2,), (3,)),
]


@pytest.mark.parametrize("name,sa,sb", KERNEL_CASES)
def test_kernels(name, sa, sb):
    check_same(lambda m, x, y: getattr(m, name)(x, y), Arr(rnd(*sa), "float64", requires_grad=True),
               Arr(rnd(*sb), "float64", requires_grad=True), grad=True, check_grad_fn=True)
    check_same(lambda m, x, y: getattr(x, name)(y), Arr(rnd(*sa), "float32"),
               Arr(rnd(*sb), "float32"))


@pytest.mark.parametrize("name,sa,sb", [("mm", (2, 3), (3, 4)), ("bmm", (2, 2, 3), (2, 3, 4)),
                                        ("mv", (2, 3), (3,)), ("dot", (3,), (3,)),
                                        ("vdot", (3,), (3,))])
@pytest.mark.parametrize("da,db", [("int64", "float32"), ("float32", "float64"),
                                   ("bool", "float32"), ("float32", "bool"), ("bool", "bool"),
                                   ("float64", "int32"), ("int64", "int64"), ("uint8", "uint8"),
                                   ("uint32", "uint32"), ("complex64", "complex64")])
def test_kernel_dtypes(name, sa, sb, da, db):
    check_same(lambda m, x, y: getattr(m, name)(x, y), Arr(np.ones(sa) * 3, da),
               Arr(np.ones(sb) * 2, db))


def test_kernel_error_order():
    F, L, B = "float32", "int64", "bool"
    cases = [("mm", (2, 3), L, (4, 2), F), ("mm", (2, 3), B, (4, 2), B),
             ("dot", (2,), L, (3,), F), ("dot", (2,), B, (3,), B),
             ("mv", (2, 3), L, (4,), F), ("mv", (2, 3), B, (3,), F),
             ("bmm", (2, 2, 3), L, (2, 4, 2), F), ("bmm", (2, 2, 3), F, (2, 3, 2), B),
             ("bmm", (2, 2, 3), B, (2, 3, 2), "float64"), ("bmm", (2, 3), L, (2, 3, 2), F)]
    for name, sa, da, sb, db in cases:
        check_same(lambda m, x, y: getattr(m, name)(x, y), Arr(np.ones(sa), da),
                   Arr(np.ones(sb), db))


def test_kernel_argument_errors():
    check_same(lambda m, x: m.mm(x, 2), np.ones((3, 3)))
    check_same(lambda m, x: m.mv(x, 2), np.ones((3, 3)))
    check_same(lambda m, x: m.dot(x, 2), np.ones(3))
    check_same(lambda m, x: m.mm(input=x, mat2=x), np.ones((3, 3)))
    check_same(lambda m, x: m.bmm(input=x, mat2=x), np.ones((1, 3, 3)))
    check_same(lambda m, x, v: m.mv(input=x, vec=v), np.ones((2, 3)), np.ones(3))
    check_same(lambda m, x: m.dot(input=x, tensor=x), np.ones(3))
    check_same(lambda m, x: m.vdot(input=x, other=x), np.ones(3))


@pytest.mark.parametrize("dt", ["complex64", "complex128"])
def test_complex_grads(dt):
    def c(*s):
        return Arr(rnd(*s) + 1j * rnd(*s), dt, requires_grad=True)
    for fn, shapes in [(lambda m, x, y: x @ y, ((2, 3), (3, 4))),
                       (lambda m, x, y: x @ y, ((2, 3), (3,))),
                       (lambda m, x, y: x @ y, ((3,), (3,))),
                       (lambda m, x, y: x @ y, ((2, 2, 3), (2, 3, 4))),
                       (lambda m, x, y: m.vdot(x, y), ((3,), (3,))),
                       (lambda m, x, y: m.addmm(x[0], x, y, beta=2 - 1j, alpha=0.5j),
                        ((3, 3), (3, 3))),
                       (lambda m, x, y: m.einsum("ij,jk->ik", x, y), ((2, 3), (3, 4)))]:
        check_same(fn, *[c(*s) for s in shapes], grad=True, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------- double backward
def _double_backward(lib, fn, arrays):
    xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    gs = lib.autograd.grad(out.sum(), xs, create_graph=True)
    total = sum((g * g).sum() for g in gs)
    return lib.autograd.grad(total, xs)


@pytest.mark.parametrize("name,fn,shapes", [
    ("matmul", lambda m, a, b: a @ b, [(2, 3), (3, 4)]),
    ("matmul3d", lambda m, a, b: a @ b, [(5, 2, 3), (3, 4)]),
    ("bmm", lambda m, a, b: a @ b, [(5, 2, 3), (5, 3, 4)]),
    ("mv", lambda m, a, b: a @ b, [(2, 3), (3,)]),
    ("dot", lambda m, a, b: (a @ b) * a.sum(), [(3,), (3,)]),
    ("mm", lambda m, a, b: m.mm(a, b).pow(2), [(2, 3), (3, 4)]),
    ("addmm", lambda m, a, b: m.addmm(a[:, :1], a, b, beta=0.5, alpha=2).pow(2),
     [(3, 3), (3, 4)]),
    ("einsum", lambda m, a, b: m.einsum("ij,jk->ik", a, b).pow(2), [(2, 3), (3, 4)]),
    ("einsum_diag", lambda m, a, b: m.einsum("ii,ij->j", a, b).pow(2), [(3, 3), (3, 4)]),
])
def test_double_backward(name, fn, shapes):
    arrays = [rnd(*s) for s in shapes]
    ge = _double_backward(ember, fn, arrays)
    gt = _double_backward(torch, fn, arrays)
    for e, t in zip(ge, gt):
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------------------- add* family
ADD_CASES = [
    ("addmm", (2, 4), (2, 3), (3, 4)), ("addmm", (4,), (2, 3), (3, 4)),
    ("addmm", (), (2, 3), (3, 4)), ("addmm", (1, 4), (2, 3), (3, 4)),
    ("addmm", (2, 4), (3,), (3, 4)), ("addmm", (2, 4), (2, 3), (3,)),
    ("addmm", (2, 4), (2, 3), (4, 4)), ("addmm", (5,), (2, 3), (3, 4)),
    ("addmm", (3, 4), (2, 3), (3, 4)), ("addmm", (1, 2, 4), (2, 3), (3, 4)),
    ("addmv", (2,), (2, 3), (3,)), ("addmv", (), (2, 3), (3,)), ("addmv", (1,), (2, 3), (3,)),
    ("addmv", (2,), (2, 3, 1), (3,)), ("addmv", (2,), (2, 3), (4,)), ("addmv", (3,), (2, 3), (3,)),
    ("addmv", (1, 2), (2, 3), (3,)),
    ("addr", (2, 3), (2,), (3,)), ("addr", (3,), (2,), (3,)), ("addr", (), (2,), (3,)),
    ("addr", (2, 3), (2, 1), (3,)), ("addr", (2, 3), (2,), (4,)),
    ("baddbmm", (5, 2, 4), (5, 2, 3), (5, 3, 4)), ("baddbmm", (4,), (5, 2, 3), (5, 3, 4)),
    ("baddbmm", (3, 4), (5, 2, 3), (5, 3, 4)), ("baddbmm", (5, 2, 4), (5, 2, 3), (5, 4, 4)),
    ("baddbmm", (5, 2, 4), (2, 3), (5, 3, 4)),
    ("addbmm", (2, 4), (5, 2, 3), (5, 3, 4)), ("addbmm", (4,), (5, 2, 3), (5, 3, 4)),
    ("addbmm", (3, 4), (5, 2, 3), (5, 3, 4)), ("addbmm", (2, 4), (5, 2, 3), (4, 3, 4)),
    ("addbmm", (2, 4), (2, 3), (5, 3, 4)),
]


@pytest.mark.parametrize("name,si,s1,s2", ADD_CASES)
@pytest.mark.parametrize("coef", [{}, {"beta": 0.5, "alpha": 2}, {"beta": 0}])
def test_add_family(name, si, s1, s2, coef):
    check_same(lambda m, i, a, b: getattr(m, name)(i, a, b, **coef),
               Arr(rnd(*si), "float64", requires_grad=True),
               Arr(rnd(*s1), "float64", requires_grad=True),
               Arr(rnd(*s2), "float64", requires_grad=True), grad=True, check_grad_fn=True)


@pytest.mark.parametrize("name,si,s1,s2", [c for c in ADD_CASES if c[1] == c[1]][:1] + [
    ("addmm", (2, 4), (2, 3), (3, 4)), ("addmv", (2,), (2, 3), (3,)), ("addr", (2, 3), (2,), (3,)),
    ("baddbmm", (5, 2, 4), (5, 2, 3), (5, 3, 4)), ("addbmm", (2, 4), (5, 2, 3), (5, 3, 4))])
@pytest.mark.parametrize("dts", [("float64", "float32", "float32"),
                                 ("float32", "float32", "float64"),
                                 ("float32", "float64", "float32"),
                                 ("int64", "int64", "int64"), ("bool", "bool", "bool"),
                                 ("float16", "float16", "float16"),
                                 ("int32", "int64", "int64")])
def test_add_family_dtypes(name, si, s1, s2, dts):
    for coef in ({}, {"beta": 2, "alpha": 3}, {"beta": 0.5}, {"alpha": 0.5}, {"beta": 1j}):
        check_same(lambda m, i, a, b: getattr(m, name)(i, a, b, **coef),
                   Arr(np.ones(si), dts[0]), Arr(np.ones(s1) * 2, dts[1]),
                   Arr(np.ones(s2) * 3, dts[2]))


def test_add_family_nan_ignored_with_beta_zero():
    check_same(lambda m, i, a, b: m.addmm(i, a, b, beta=0), np.full((2, 4), np.nan),
               np.ones((2, 3)), np.ones((3, 4)))
    check_same(lambda m, i, a, b: m.addmm(i, a, b, alpha=0), np.ones((2, 4)),
               np.full((2, 3), np.nan), np.ones((3, 4)))
    check_same(lambda m, i, a, b: m.baddbmm(i, a, b, beta=0), np.full((2, 2, 4), np.nan),
               np.ones((2, 2, 3)), np.ones((2, 3, 4)))


@pytest.mark.parametrize("name,si,s1,s2", [
    ("addmm", (2, 4), (2, 3), (3, 4)), ("addmm", (4,), (2, 3), (3, 4)),
    ("addmv", (2,), (2, 3), (3,)), ("addmv", (1,), (2, 3), (3,)), ("addr", (2, 3), (2,), (3,)),
    ("addr", (3,), (2,), (3,)), ("baddbmm", (5, 2, 4), (5, 2, 3), (5, 3, 4)),
    ("addbmm", (2, 4), (5, 2, 3), (5, 3, 4))])
def test_add_family_inplace(name, si, s1, s2):
    def f(m, i, a, b):
        x = i * 1
        r = getattr(x, name + "_")(a, b, beta=0.5, alpha=2)
        return r, r is x
    check_same(f, Arr(rnd(*si), "float64", requires_grad=True),
               Arr(rnd(*s1), "float64", requires_grad=True),
               Arr(rnd(*s2), "float64", requires_grad=True), grad=True, check_grad_fn=True)
    check_same(lambda m, i, a, b: getattr(i, name)(a, b, alpha=2), rnd(*si), rnd(*s1), rnd(*s2))


# ---------------------------------------------------------------------------- outer, tensordot
@pytest.mark.parametrize("fn,shapes", [
    (lambda m, a, b: m.outer(a, b), [(2,), (3,)]),
    (lambda m, a, b: m.ger(a, b), [(2,), (3,)]),
    (lambda m, a, b: a.outer(b), [(2,), (3,)]),
    (lambda m, a, b: m.outer(a, b), [(2, 2), (3,)]),
    (lambda m, a, b: m.inner(a, b), [(3,), (3,)]),
    (lambda m, a, b: m.inner(a, b), [(2, 3), (3,)]),
    (lambda m, a, b: m.inner(a, b), [(2, 3), (4, 3)]),
    (lambda m, a, b: m.inner(a, b), [(5, 2, 3), (4, 3)]),
    (lambda m, a, b: m.inner(a, b), [(), (2, 3)]),
    (lambda m, a, b: m.inner(a, b), [(2, 3), (2,)]),
    (lambda m, a, b: a.inner(b), [(2, 3), (3,)]),
    (lambda m, a, b: m.tensordot(a, b), [(2, 3, 4), (3, 4, 5)]),
    (lambda m, a, b: m.tensordot(a, b, dims=0), [(2, 3), (4, 5)]),
    (lambda m, a, b: m.tensordot(a, b, dims=1), [(2, 3), (3, 5)]),
    (lambda m, a, b: m.tensordot(a, b, dims=([1, 2], [1, 0])), [(2, 3, 4), (4, 3, 5)]),
    (lambda m, a, b: m.tensordot(a, b, dims=[[0], [1]]), [(3, 2), (4, 3)]),
    (lambda m, a, b: m.tensordot(a, b, dims=1), [(2, 3), (4, 4)]),
    (lambda m, a, b: m.tensordot(a, b, dims=-1), [(2, 3), (3, 4)]),
    (lambda m, a, b: m.tensordot(a, b, dims=3), [(2, 3), (3, 4)]),
    (lambda m, a, b: m.tensordot(a, b, dims=([1], [0, 1])), [(2, 3), (3, 4)]),
    (lambda m, a, b: m.tensordot(a, b, dims=([1], [0])), [(2, 1), (3, 4)]),
])
def test_outer_inner_tensordot(fn, shapes):
    check_same(fn, *[Arr(rnd(*s), "float64", requires_grad=True) for s in shapes], grad=True,
               check_grad_fn=True)


def test_outer_inner_tensordot_dtypes():
    check_same(lambda m, a, b: m.outer(a, b), Arr(np.ones(2), "int64"), Arr(np.ones(3), "float32"))
    check_same(lambda m, a, b: m.outer(a, b), Arr(np.ones(2), "int8"), Arr(np.ones(3), "uint8"))
    check_same(lambda m, a, b: m.outer(a, b), Arr(np.ones(2), "bool"), Arr(np.ones(3), "bool"))
    check_same(lambda m, a, b: m.inner(a, b), Arr(np.ones(2), "int64"), Arr(np.ones(2), "float32"))
    check_same(lambda m, a, b: m.inner(a, b), Arr(np.ones((2, 3)), "int64"),
               Arr(np.ones(3), "int64"))
    check_same(lambda m, a, b: m.inner(a, b), Arr(np.ones(3), "bool"), Arr(np.ones(3), "bool"))
    check_same(lambda m, a, b: m.inner(a, b), Arr(np.ones(()), "int64"),
               Arr(np.ones((2, 3)), "float32"))
    check_same(lambda m, a, b: m.tensordot(a, b, dims=1), Arr(np.ones((2, 3)), "int64"),
               Arr(np.ones((3, 4)), "float32"))
    check_same(lambda m, a, b: m.tensordot(a, b, dims=1), Arr(np.ones((2, 3)), "int64"),
               Arr(np.ones((3, 4)), "int64"))
    check_same(lambda m, a, b: m.tensordot(a, b, dims=1), Arr(np.ones((2, 3)), "bool"),
               Arr(np.ones((3, 4)), "bool"))
    check_same(lambda m, a, b: m.tensordot(a, b, dims=(1, 0)), np.ones((2, 3)), np.ones((3, 4)))
    check_same(lambda m, a, b: m.tensordot(a, b, dims=m.tensor(1)), np.ones((2, 3)),
               np.ones((3, 4)))
    check_same(lambda m, a, b: m.tensordot(a, b, dims=m.tensor([[1], [0]])), np.ones((2, 3)),
               np.ones((3, 4)))


# ---------------------------------------------------------------------------- einsum
EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ij,kj->ik", [(2, 3), (4, 3)]),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]), ("i,i", [(3,), (3,)]), ("i,j->ij", [(3,), (4,)]),
    ("i,j->ji", [(3,), (4,)]), ("ij,ij->ij", [(2, 3), (2, 3)]), ("ij,ij->ji", [(2, 3), (2, 3)]),
    ("ij,ij->i", [(2, 3), (2, 3)]), ("ij,ij->", [(2, 3), (2, 3)]), ("ij,j->i", [(2, 3), (3,)]),
    ("ii", [(3, 3)]), ("ii->i", [(3, 3)]), ("ij->ji", [(3, 4)]), ("ij->", [(3, 4)]),
    ("ij->i", [(3, 4)]), ("ij->ij", [(3, 4)]), ("iij->ji", [(3, 3, 4)]), ("ba", [(2, 3)]),
    ("bA", [(2, 3)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("...ij,...jk", [(5, 2, 3), (5, 3, 4)]), ("...ij,...jk", [(5, 1, 2, 3), (4, 3, 3)]),
    ("...ij,jk->...ik", [(5, 2, 3), (3, 4)]), ("...ij->ij", [(5, 2, 3)]),
    ("ij,i->ij", [(1, 3), (5,)]), ("i,i->", [(1,), (3,)]), ("ab,cd->abcd", [(2, 3), (4, 5)]),
    ("ab,cd->", [(2, 3), (4, 5)]), ("ii,ij->j", [(3, 3), (3, 4)]),
    ("iij,jk->ik", [(3, 3, 2), (2, 4)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]), ("", [()]), (",i->i", [(), (3,)]),
    ("bhqk,bhkd->bqhd", [(2, 3, 4, 6), (2, 3, 6, 5)]), ("ijk,jl->ilk", [(2, 3, 4), (3, 5)]),
    ("jl,ijk->kil", [(3, 5), (2, 3, 4)]), ("ij,jk->ki", [(2, 3), (3, 4)]),
    ("ij,jk,kl->li", [(2, 3), (3, 4), (4, 5)]), ("abc,cd,de->eba", [(2, 3, 4), (4, 5), (5, 6)]),
    ("ij,jk", [(2, 0), (0, 4)]), (" i j , j k -> i k ", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM)
def test_einsum(eq, shapes):
    check_same(lambda m, *xs: m.einsum(eq, *xs),
               *[Arr(rnd(*s), "float64", requires_grad=True) for s in shapes],
               grad=True, check_grad_fn=True)


EINSUM_ERRORS = [
    ("ij,jk", [(2, 3)]), ("ij", [(2, 3), (3, 3)]), ("i1", [(2, 3)]), ("ij->i1", [(2, 3)]),
    ("i.j", [(2, 3)]), ("ij->i.", [(2, 3)]), ("ijk", [(2, 3)]), ("i", [(2, 3)]),
    ("ijk...", [(2, 3)]), ("ij->ii", [(2, 3)]), ("ij->k", [(2, 3)]),
    ("ij,jk", [(2, 3), (4, 3)]), ("ii", [(2, 3)]),
    ("...ij,...jk", [(5, 2, 3), (4, 3, 3)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_ERRORS)
def test_einsum_errors(eq, shapes):
    check_same(lambda m, *xs: m.einsum(eq, *xs), *[np.ones(s) for s in shapes])


def test_einsum_forms_and_dtypes():
    a, b = rnd(2, 3), rnd(3, 4)
    check_same(lambda m, x, y: m.einsum(x, [0, 1], y, [1, 2], [0, 2]), a, b)
    check_same(lambda m, x, y: m.einsum(x, [Ellipsis, 0, 1], y, [1, 2], [Ellipsis, 0, 2]),
               rnd(5, 2, 3), b)
    check_same(lambda m, x, y: m.einsum("ij,jk", [x, y]), a, b)
    check_same(lambda m, x: m.einsum("ij,jk", x, 2), a)
    check_same(lambda m: m.einsum("ij"))
    check_same(lambda m, x, y: m.einsum("ij,jk", x, y), Arr(a, "float32"), Arr(b, "float64"))
    check_same(lambda m, x, y: m.einsum("ij,jk", x, y), Arr(a * 10, "int64"), Arr(b * 10, "int64"))
    check_same(lambda m, x, y: m.einsum("ij,jk", x, y), Arr(a, "bool"), Arr(b, "bool"))
    check_same(lambda m, x, y: m.einsum("i,j", x, y), Arr(a[0], "bool"), Arr(b[0], "bool"))
    check_same(lambda m, x, y: m.einsum("ij,jk", x, y), Arr(a, "float16"), Arr(b, "float16"))
    check_same(lambda m, x, y: m.einsum("ij,jk", x, y), Arr(a, "complex64"), Arr(b, "complex64"))


# ---------------------------------------------------------------------------- chains
@pytest.mark.parametrize("shapes", [[(2, 3), (3, 4)], [(2, 3), (3, 4), (4, 5)],
                                    [(3,), (3, 4), (4,)], [(3,), (3, 4), (4, 5)],
                                    [(2, 3), (3, 4), (4,)], [(10, 2), (2, 10), (10, 2), (2, 3)],
                                    [(3, 3)], [(3, 3), (2, 3, 3)], [(2, 3, 3), (3, 3)],
                                    [(2, 3), (3, 4, 1), (4, 5)], [(2, 3), (4, 5)]])
def test_multi_dot(shapes):
    check_same(lambda m, *xs: m.linalg.multi_dot(list(xs)),
               *[Arr(rnd(*s), "float64", requires_grad=True) for s in shapes], grad=True,
               check_grad_fn=True)


def test_multi_dot_dtype_and_chain_matmul():
    check_same(lambda m, a, b: m.linalg.multi_dot([a, b]), Arr(np.ones((3, 3)), "float32"),
               Arr(np.ones((3, 3)), "float64"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for shapes in ([(2, 3), (3, 4), (4, 5)], [(3, 3)], [(3, 3), (2, 3, 3)], [(2, 3), (3, 4)]):
            check_same(lambda m, *xs: m.chain_matmul(*xs),
                       *[Arr(rnd(*s), "float64", requires_grad=True) for s in shapes], grad=True,
                       check_grad_fn=True)
    with pytest.warns(UserWarning, match="chain_matmul is deprecated"):
        ember.chain_matmul(ember.ones(2, 2), ember.ones(2, 2))


# ---------------------------------------------------------------------------- no graph leaks
def test_hot_path_is_plain():
    a, b = ember.randn(64, 64), ember.randn(64, 64)
    c = a @ b
    assert c.grad_fn is None and not c.requires_grad and c.is_contiguous()
    np.testing.assert_allclose(c.numpy(), a.numpy() @ b.numpy(), rtol=1e-5)
